//! The per-user short-name alias cache (`short-name-aliases.conf`), shared with Podman.
//!
//! The cache is the highest-precedence alias source: an entry there decides a lookup, and a
//! `""` value (a *tombstone*) hides any alias of the same name in registries.conf and its
//! drop-ins. It is machine-written: one `[aliases]` table with quoted keys, the same shape
//! containers/image (Podman, Buildah, Skopeo) reads and writes, so both can share one file.
//!
//! # Locking and crash safety
//!
//! Concurrent access is coordinated through `<cache>.lock` with POSIX `fcntl` record locks on
//! the whole file (`F_SETLKW`), exactly as containers/storage's lockfile does: readers take a
//! shared `F_RDLCK`, writers an exclusive `F_WRLCK` held across the whole
//! read-modify-write. Within one process the accesses are additionally serialised, since
//! `fcntl` locks do not exclude threads of the same process.
//!
//! Unlike containers/image (which truncates and rewrites the file in place), every write
//! here is atomic: the new content goes to a temporary file in the same directory
//! (mode 0600), is `fsync`ed, renamed over the cache, and the directory is `fsync`ed. A
//! writer killed at any point leaves either the old or the new file, never a truncated one.
//! Temporary files left behind by killed writers are removed by the next writer.
//!
//! Read-only operations ([`AliasCache::load`], [`AliasCache::lookup`], [`AliasCache::list`])
//! never create anything: the lock file is opened without `O_CREAT`, and when it (or the
//! directory) does not exist the cache is read without locking. Writers create the directory
//! (mode 0700) and the lock file when needed.
//!
//! ```
//! use shortnames::alias_cache::AliasCache;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let cache = AliasCache::new(dir.path().join("containers/short-name-aliases.conf"));
//! assert!(cache.list().unwrap().is_empty()); // nothing there yet, and nothing created
//! assert!(!dir.path().join("containers").exists());
//!
//! cache.add("ubi9", "registry.access.redhat.com/ubi9").unwrap();
//! let hit = cache.lookup("ubi9").unwrap().unwrap();
//! assert_eq!(hit.target.as_deref(), Some("registry.access.redhat.com/ubi9"));
//!
//! cache.remove("ubi9").unwrap();
//! assert!(cache.lookup("ubi9").unwrap().is_none());
//! ```

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fmt;
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::lock::{process_guard, FileLock, LockKind};

/// File name of the alias cache inside its directory.
///
/// ```
/// assert!(shortnames::alias_cache::ROOT_CACHE_PATH.ends_with(shortnames::alias_cache::CACHE_FILE_NAME));
/// ```
pub const CACHE_FILE_NAME: &str = "short-name-aliases.conf";

/// The alias cache of effective UID 0 (config-formats.md §1.1).
///
/// ```
/// assert_eq!(shortnames::alias_cache::ROOT_CACHE_PATH, "/var/cache/containers/short-name-aliases.conf");
/// ```
pub const ROOT_CACHE_PATH: &str = "/var/cache/containers/short-name-aliases.conf";

/// Mode of the cache file (as Podman writes it).
const CACHE_FILE_MODE: u32 = 0o600;
/// Mode of a directory created for the cache (as containers/image creates it).
const CACHE_DIR_MODE: u32 = 0o700;
/// Mode of a lock file created by a writer (as containers/storage creates lock files).
const LOCK_FILE_MODE: u32 = 0o644;

/// What went wrong while loading the cache file; mirrors the conformance corpus's error
/// kinds `invalid-user-aliases/toml`, `…/bad-alias` and `…/io`.
///
/// ```
/// use shortnames::alias_cache::{AliasCache, AliasCacheError, LoadErrorKind};
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("short-name-aliases.conf");
/// std::fs::write(&path, "[aliases\n").unwrap();
/// let err = AliasCache::new(&path).load().unwrap_err();
/// assert!(matches!(err, AliasCacheError::Load { kind: LoadErrorKind::Toml, .. }));
/// assert!(err.to_string().contains(": toml: line 1, column "));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadErrorKind {
    /// TOML syntax error or a value of the wrong type.
    Toml,
    /// One or more entries fail alias validation (rules 29–30).
    BadAlias,
    /// The file (or its lock) could not be read.
    Io,
}

/// Errors of alias-cache operations. `Display` gives the exact message.
///
/// ```
/// use shortnames::alias_cache::{AliasCache, AliasCacheError};
///
/// let dir = tempfile::tempdir().unwrap();
/// let cache = AliasCache::new(dir.path().join("a.conf"));
/// match cache.add("x", "x") {
///     Err(AliasCacheError::InvalidValue(msg)) => {
///         assert_eq!(msg, r#"invalid alias "x": must contain registry and repository"#)
///     }
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug, thiserror::Error)]
pub enum AliasCacheError {
    /// The cache file could not be read, parsed or validated:
    /// `loading short-name aliases config file "<path>": <detail>`, where `<detail>` is the
    /// TOML error (with line and column) or the alias complaints joined by `"\n: "`.
    #[error("loading short-name aliases config file {}: {detail}", go_quote(&.path.to_string_lossy()))]
    Load {
        /// The cache file.
        path: PathBuf,
        /// Which kind of failure.
        kind: LoadErrorKind,
        /// The text after the prefix.
        detail: String,
    },
    /// The alias name given to a write is not a valid short name; the message is the
    /// reference's complaint, e.g. `invalid short name "quay.io/x": must not contain registry`.
    #[error("{0}")]
    InvalidName(String),
    /// The alias value given to a write is not a valid alias target; the message is the
    /// reference's complaint, e.g. `invalid alias "x": must contain registry and repository`.
    #[error("{0}")]
    InvalidValue(String),
    /// `remove` of a name the cache does not hold.
    #[error("short-name alias {} not found in {}: please check registries.conf files", go_quote(.name), go_quote(&.path.to_string_lossy()))]
    NotFound {
        /// The name that was to be removed.
        name: String,
        /// The cache file.
        path: PathBuf,
    },
    /// A file-system operation of a write failed (the cache is unchanged).
    #[error("{action} {}: {source}", go_quote(&.path.to_string_lossy()))]
    Io {
        /// What was being done, e.g. `creating directory`.
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

/// One entry of the alias cache. `Display` shows it as it appears in the file.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let cache = shortnames::alias_cache::AliasCache::new(dir.path().join("a.conf"));
/// cache.add("alpine", "docker.io/alpine").unwrap();
/// let entry = cache.lookup("alpine").unwrap().unwrap();
/// assert_eq!(entry.target.as_deref(), Some("docker.io/library/alpine"));
/// assert_eq!(entry.to_string(), r#""alpine" = "docker.io/alpine""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheAlias {
    /// The short name (left side), exactly as stored.
    pub name: String,
    /// The value exactly as stored (`""` for a tombstone).
    pub value: String,
    /// The normalised target (`docker.io/alpine` → `docker.io/library/alpine`), or `None` for
    /// a tombstone, which means "no alias, do not consult registries.conf for this name".
    pub target: Option<String>,
}

/// The validated content of the cache file, by name (byte order).
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let cache = shortnames::alias_cache::AliasCache::new(dir.path().join("a.conf"));
/// cache.add("b", "quay.io/b").unwrap();
/// cache.add("a", "quay.io/a").unwrap();
/// let contents = cache.load().unwrap();
/// assert_eq!(contents.len(), 2);
/// assert!(!contents.is_empty());
/// assert_eq!(contents.get("a").unwrap().value, "quay.io/a");
/// let names: Vec<&str> = contents.iter().map(|e| e.name.as_str()).collect();
/// assert_eq!(names, ["a", "b"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AliasCacheContents {
    entries: BTreeMap<String, CacheAlias>,
}

impl AliasCacheContents {
    /// The entry for `name` (matched exactly, as typed: no normalisation).
    pub fn get(&self, name: &str) -> Option<&CacheAlias> {
        self.entries.get(name)
    }

    /// All entries in byte order of their names.
    pub fn iter(&self) -> impl Iterator<Item = &CacheAlias> {
        self.entries.values()
    }

    /// Number of entries, tombstones included.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache holds no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Identity of one version of the cache file, see [`AliasCache::fingerprint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CacheFingerprint {
    device: u64,
    inode: u64,
    size: u64,
    mtime: (i64, i64),
}

/// The per-user alias cache at one path.
///
/// The value is only a path: every operation re-reads the file (under the lock), so several
/// `AliasCache` values, processes, or Podman itself can use the same file concurrently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasCache {
    path: PathBuf,
}

impl AliasCache {
    /// An alias cache stored at `path` (nothing is touched on disk).
    ///
    /// ```
    /// let cache = shortnames::alias_cache::AliasCache::new("/tmp/x/short-name-aliases.conf");
    /// assert_eq!(cache.lock_path().to_str(), Some("/tmp/x/short-name-aliases.conf.lock"));
    /// ```
    pub fn new(path: impl Into<PathBuf>) -> Self {
        AliasCache { path: path.into() }
    }

    /// The cache file.
    ///
    /// ```
    /// let cache = shortnames::alias_cache::AliasCache::new("/x/short-name-aliases.conf");
    /// assert_eq!(cache.path(), std::path::Path::new("/x/short-name-aliases.conf"));
    /// ```
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lock file: the cache path with `.lock` appended (see [`AliasCache::new`]).
    pub fn lock_path(&self) -> PathBuf {
        let mut p = self.path.clone().into_os_string();
        p.push(".lock");
        PathBuf::from(p)
    }

    /// Reads and validates the whole cache without creating anything.
    ///
    /// A missing file (or directory) is an empty cache. Only the `[aliases]` table is used
    /// (its key matched case-insensitively, like the reference's TOML decoder); other
    /// content is ignored. Every entry is validated as the reference does when it reads the
    /// file (rule 31); all complaints are reported, joined by `"\n: "`, in byte order of the
    /// names.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("short-name-aliases.conf");
    /// std::fs::write(&path, "[aliases]\n\"a\" = \"docker.io/a\"\n\"b\" = \"\"\n").unwrap();
    /// let contents = shortnames::alias_cache::AliasCache::new(&path).load().unwrap();
    /// assert_eq!(contents.get("a").unwrap().target.as_deref(), Some("docker.io/library/a"));
    /// assert_eq!(contents.get("b").unwrap().target, None); // tombstone
    ///
    /// std::fs::write(&path, "[aliases]\n\"a\" = \"a\"\n").unwrap();
    /// let err = shortnames::alias_cache::AliasCache::new(&path).load().unwrap_err();
    /// assert!(err.to_string().ends_with(r#": invalid alias "a": must contain registry and repository"#));
    /// ```
    pub fn load(&self) -> Result<AliasCacheContents, AliasCacheError> {
        let _guard = process_guard();
        let _lock = self.lock_for_reading()?;
        self.read_contents()
    }

    /// The cache entry for `name`, if any (read-only, see [`AliasCache::load`]).
    ///
    /// `Some` with `target == None` is a tombstone: the name has *no* alias, and the
    /// registries.conf aliases must not be consulted for it.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("a.conf");
    /// std::fs::write(&path, "[aliases]\n\"hidden\" = \"\"\n").unwrap();
    /// let cache = shortnames::alias_cache::AliasCache::new(&path);
    /// assert_eq!(cache.lookup("hidden").unwrap().unwrap().target, None);
    /// assert!(cache.lookup("other").unwrap().is_none());
    /// ```
    pub fn lookup(&self, name: &str) -> Result<Option<CacheAlias>, AliasCacheError> {
        Ok(self.load()?.entries.remove(name))
    }

    /// All entries, sorted by name (read-only, see [`AliasCache::load`]).
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let cache = shortnames::alias_cache::AliasCache::new(dir.path().join("a.conf"));
    /// cache.add("b", "quay.io/b").unwrap();
    /// cache.add("a", "quay.io/a").unwrap();
    /// let names: Vec<String> = cache.list().unwrap().into_iter().map(|e| e.name).collect();
    /// assert_eq!(names, ["a", "b"]);
    /// ```
    pub fn list(&self) -> Result<Vec<CacheAlias>, AliasCacheError> {
        Ok(self.load()?.entries.into_values().collect())
    }

    /// A cheap identity of the cache file's current version — `(device, inode, size,
    /// modification time)` from one `stat` — or `None` when there is no file. A caller that
    /// keeps the result of [`AliasCache::load`] can re-`stat` per resolution and reload only
    /// when the fingerprint changes (our writers replace the file, so its inode changes).
    /// Creates nothing.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let cache = shortnames::alias_cache::AliasCache::new(dir.path().join("a.conf"));
    /// assert_eq!(cache.fingerprint(), None);
    /// cache.add("a", "quay.io/a").unwrap();
    /// let first = cache.fingerprint().unwrap();
    /// cache.add("b", "quay.io/b").unwrap();
    /// assert_ne!(cache.fingerprint().unwrap(), first);
    /// ```
    pub fn fingerprint(&self) -> Option<CacheFingerprint> {
        use std::os::unix::fs::MetadataExt;
        let m = fs::metadata(&self.path).ok()?;
        Some(CacheFingerprint {
            device: m.dev(),
            inode: m.ino(),
            size: m.size(),
            mtime: (m.mtime(), m.mtime_nsec()),
        })
    }

    /// Adds or replaces the alias `name` → `value` (as `podman`'s `AddShortNameAlias`).
    ///
    /// Both sides are validated first with the reference's rules and messages (rules 29–30);
    /// the value is stored as given (not normalised), as the reference does. `""` is not a
    /// valid value here (the reference rejects it when adding).
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let cache = shortnames::alias_cache::AliasCache::new(dir.path().join("a.conf"));
    /// cache.add("alpine", "docker.io/alpine").unwrap();
    /// assert_eq!(
    ///     std::fs::read_to_string(cache.path()).unwrap(),
    ///     "[aliases]\n  \"alpine\" = \"docker.io/alpine\"\n"
    /// );
    /// let err = cache.add("quay.io/x", "quay.io/x").unwrap_err();
    /// assert_eq!(err.to_string(), r#"invalid short name "quay.io/x": must not contain registry"#);
    /// ```
    pub fn add(&self, name: &str, value: &str) -> Result<(), AliasCacheError> {
        validate_key(name).map_err(AliasCacheError::InvalidName)?;
        validate_value(value).map_err(AliasCacheError::InvalidValue)?;
        self.edit(|entries| {
            entries.insert(name.to_owned(), value.to_owned());
            Ok(())
        })
    }

    /// Records a successful short-name selection, as `Resolved.Record()` of the reference
    /// does: `input` is what the user typed and `selected` the pull candidate that worked;
    /// both lose their tag and digest, then the pair is [`add`](AliasCache::add)ed.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let cache = shortnames::alias_cache::AliasCache::new(dir.path().join("a.conf"));
    /// cache.record("myimg:1.0", "quay.io/team/myimg:1.0").unwrap();
    /// assert_eq!(cache.lookup("myimg").unwrap().unwrap().value, "quay.io/team/myimg");
    /// ```
    pub fn record(&self, input: &str, selected: &str) -> Result<(), AliasCacheError> {
        self.add(strip_tag_and_digest(input), strip_tag_and_digest(selected))
    }

    /// Removes the alias `name` (as `podman`'s `RemoveShortNameAlias`).
    ///
    /// The name is validated first; a name that the cache does not hold is an error:
    /// `short-name alias "<name>" not found in "<path>": please check registries.conf files`.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("a.conf");
    /// let cache = shortnames::alias_cache::AliasCache::new(&path);
    /// let err = cache.remove("nope").unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     format!("short-name alias \"nope\" not found in \"{}\": please check registries.conf files", path.display())
    /// );
    /// ```
    pub fn remove(&self, name: &str) -> Result<(), AliasCacheError> {
        validate_key(name).map_err(AliasCacheError::InvalidName)?;
        self.edit(|entries| match entries.remove(name) {
            Some(_) => Ok(()),
            None => Err(AliasCacheError::NotFound {
                name: name.to_owned(),
                path: self.path.clone(),
            }),
        })
    }

    /// Opens the lock file without creating it and takes a shared lock. `None` when there is
    /// no lock file to take (missing, its directory missing, or not openable for reading).
    fn lock_for_reading(&self) -> Result<Option<FileLock>, AliasCacheError> {
        let lock_path = self.lock_path();
        let file = match File::open(&lock_path) {
            Ok(f) => f,
            Err(e) if is_absent(&e) || e.kind() == io::ErrorKind::PermissionDenied => {
                // No lock file: only a writer creates it, before writing; our own writers
                // replace the cache atomically, so reading unlocked sees old or new content.
                return Ok(None);
            }
            Err(e) => return Err(self.io_load_error("open", &lock_path, e)),
        };
        FileLock::acquire(file, LockKind::Shared)
            .map(Some)
            .map_err(|e| self.io_load_error("lock", &lock_path, e))
    }

    /// Reads, parses and validates the cache file (the caller holds the locks).
    fn read_contents(&self) -> Result<AliasCacheContents, AliasCacheError> {
        let raw = self.read_raw()?;
        let mut entries = BTreeMap::new();
        let mut complaints = Vec::new();
        for (name, value) in raw {
            if let Err(c) = validate_key(&name) {
                complaints.push(c);
            }
            let target = if value.is_empty() {
                None
            } else {
                match validate_value(&value) {
                    Ok(normalised) => Some(normalised),
                    Err(c) => {
                        complaints.push(c);
                        continue;
                    }
                }
            };
            entries.insert(
                name.clone(),
                CacheAlias {
                    name,
                    value,
                    target,
                },
            );
        }
        if !complaints.is_empty() {
            return Err(AliasCacheError::Load {
                path: self.path.clone(),
                kind: LoadErrorKind::BadAlias,
                detail: complaints.join("\n: "),
            });
        }
        Ok(AliasCacheContents { entries })
    }

    /// Reads and parses the cache file into name → raw value; missing file = empty.
    fn read_raw(&self) -> Result<BTreeMap<String, String>, AliasCacheError> {
        let bytes = match fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if is_absent(&e) => return Ok(BTreeMap::new()),
            Err(e) => return Err(self.io_load_error("open", &self.path.clone(), e)),
        };
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let (line, column) = line_column(&String::from_utf8_lossy(valid), valid.len());
            self.toml_error(format!("toml: line {line}, column {column}: invalid UTF-8"))
        })?;
        parse_aliases(&text).map_err(|detail| self.toml_error(detail))
    }

    /// The write protocol: exclusive lock, re-read and validate, modify, atomic replace.
    fn edit(
        &self,
        modify: impl FnOnce(&mut BTreeMap<String, String>) -> Result<(), AliasCacheError>,
    ) -> Result<(), AliasCacheError> {
        let _guard = process_guard();
        let dir = parent_dir(&self.path);
        DirBuilder::new()
            .recursive(true)
            .mode(CACHE_DIR_MODE)
            .create(&dir)
            .map_err(|e| io_error("creating directory", &dir, e))?;
        let lock_path = self.lock_path();
        let lock_file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(LOCK_FILE_MODE)
            .open(&lock_path)
            .map_err(|e| io_error("opening lock file", &lock_path, e))?;
        let _lock = FileLock::acquire(lock_file, LockKind::Exclusive)
            .map_err(|e| io_error("locking", &lock_path, e))?;

        // Re-read under the lock; a corrupt or invalid cache fails the write (as in the
        // reference) instead of being silently replaced.
        let mut entries: BTreeMap<String, String> = self
            .read_contents()?
            .entries
            .into_values()
            .map(|a| (a.name, a.value))
            .collect();
        modify(&mut entries)?;
        self.remove_stale_temp_files(&dir);
        self.replace_atomically(&dir, serialize(&entries).as_bytes())
    }

    /// Prefix of the temporary files of this cache: `.<file name>.tmp-`.
    fn temp_prefix(&self) -> String {
        let name = self.path.file_name().unwrap_or(OsStr::new(CACHE_FILE_NAME));
        format!(".{}.tmp-", name.to_string_lossy())
    }

    /// Removes temporary files left by killed writers. Only called under the exclusive lock,
    /// when no other writer following this protocol can be between creating and renaming
    /// its temporary file. Best effort: failures are ignored.
    fn remove_stale_temp_files(&self, dir: &Path) {
        let prefix = self.temp_prefix();
        let Ok(read_dir) = fs::read_dir(dir) else {
            return;
        };
        for entry in read_dir.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    /// Temp file in `dir` (0600), write, fsync, rename over the cache, fsync `dir`.
    fn replace_atomically(&self, dir: &Path, content: &[u8]) -> Result<(), AliasCacheError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let tmp = dir.join(format!(
            "{}{}-{}",
            self.temp_prefix(),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let write = || -> Result<(), AliasCacheError> {
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(CACHE_FILE_MODE)
                .open(&tmp)
                .map_err(|e| io_error("creating temporary file", &tmp, e))?;
            f.write_all(content)
                .map_err(|e| io_error("writing", &tmp, e))?;
            f.sync_all().map_err(|e| io_error("syncing", &tmp, e))?;
            drop(f);
            fs::rename(&tmp, &self.path).map_err(|e| io_error("replacing", &self.path, e))
        };
        if let Err(e) = write() {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io_error("syncing directory", dir, e))
    }

    fn io_load_error(&self, op: &str, path: &Path, e: io::Error) -> AliasCacheError {
        AliasCacheError::Load {
            path: self.path.clone(),
            kind: LoadErrorKind::Io,
            detail: format!("{op} {}: {e}", path.display()),
        }
    }

    fn toml_error(&self, detail: String) -> AliasCacheError {
        AliasCacheError::Load {
            path: self.path.clone(),
            kind: LoadErrorKind::Toml,
            detail,
        }
    }
}

/// The default alias-cache path as containers/image computes it (rule 4, §1.1): effective
/// UID 0 → [`ROOT_CACHE_PATH`]; otherwise `<xdg_cache_home>/containers/short-name-aliases.conf`
/// when `xdg_cache_home` is set and non-empty, else `<home>/.cache/containers/…`; `None` when
/// neither is available.
///
/// ```
/// use shortnames::alias_cache::default_cache_path;
/// use std::path::PathBuf;
///
/// assert_eq!(default_cache_path(0, None, None), Some(PathBuf::from("/var/cache/containers/short-name-aliases.conf")));
/// assert_eq!(
///     default_cache_path(1000, None, Some("/home/u".as_ref())),
///     Some(PathBuf::from("/home/u/.cache/containers/short-name-aliases.conf"))
/// );
/// assert_eq!(
///     default_cache_path(1000, Some("/x".as_ref()), Some("/home/u".as_ref())),
///     Some(PathBuf::from("/x/containers/short-name-aliases.conf"))
/// );
/// ```
pub fn default_cache_path(
    effective_uid: u32,
    xdg_cache_home: Option<&OsStr>,
    home: Option<&OsStr>,
) -> Option<PathBuf> {
    if effective_uid == 0 {
        return Some(PathBuf::from(ROOT_CACHE_PATH));
    }
    let base = match (xdg_cache_home, home) {
        (Some(x), _) if !x.is_empty() => PathBuf::from(x),
        (_, Some(h)) if !h.is_empty() => Path::new(h).join(".cache"),
        _ => return None,
    };
    Some(base.join("containers").join(CACHE_FILE_NAME))
}

/// [`default_cache_path`] fed from the process environment, as Podman does: the effective
/// UID is `_CONTAINERS_ROOTLESS_UID` when set and non-empty (a non-integer counts as 0, as
/// in the reference), else the process's EUID; then `XDG_CACHE_HOME` and `HOME`.
///
/// Only for "podman-compatible discovery"; a runtime should pass an explicit path.
///
/// ```
/// // Whatever the environment, the answer ends with the cache file name.
/// if let Some(p) = shortnames::alias_cache::podman_default_cache_path() {
///     assert!(p.ends_with("containers/short-name-aliases.conf"));
/// }
/// ```
pub fn podman_default_cache_path() -> Option<PathBuf> {
    let uid = match std::env::var("_CONTAINERS_ROOTLESS_UID") {
        Ok(s) if !s.is_empty() => s.parse::<u32>().unwrap_or(0),
        _ => rustix::process::geteuid().as_raw(),
    };
    let xdg = std::env::var_os("XDG_CACHE_HOME");
    let home = std::env::var_os("HOME");
    default_cache_path(uid, xdg.as_deref(), home.as_deref())
}

/// `input` without its `@digest` and `:tag` (a `:` after the last `/`).
fn strip_tag_and_digest(input: &str) -> &str {
    let name = input.split_once('@').map_or(input, |(n, _)| n);
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    match name[last_slash..].find(':') {
        Some(i) => &name[..last_slash + i],
        None => name,
    }
}

/// The directory holding `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Whether an open/read error means "not there": the file or one of its directories is
/// missing (`ENOENT`), or a path component is not a directory (`ENOTDIR`), so the
/// directory cannot exist either.
fn is_absent(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::NotFound
        || e.raw_os_error() == Some(rustix::io::Errno::NOTDIR.raw_os_error())
}

fn io_error(action: &'static str, path: &Path, source: io::Error) -> AliasCacheError {
    AliasCacheError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Parses the cache text: the `[aliases]` table (key matched as the reference's decoder
/// does, see [`key_folds_to_aliases`]) as name → value. Other content is ignored.
/// Errors are `toml: line L, column C: …`.
fn parse_aliases(text: &str) -> Result<BTreeMap<String, String>, String> {
    let doc = toml_edit::ImDocument::parse(text).map_err(|e| {
        let (line, column) = line_column(text, e.span().map_or(0, |s| s.start));
        format!(
            "toml: line {line}, column {column}: {}",
            e.message().trim_end().replace('\n', "; ")
        )
    })?;
    let root = doc.as_table();
    let found = root
        .get("aliases")
        .map(|item| ("aliases", item))
        .or_else(|| root.iter().find(|(k, _)| key_folds_to_aliases(k)));
    let Some((key, item)) = found else {
        return Ok(BTreeMap::new());
    };
    let where_ = |span: Option<std::ops::Range<usize>>| {
        let (line, column) = line_column(text, span.map_or(0, |s| s.start));
        format!("line {line}, column {column}")
    };
    let Some(table) = item.as_table_like() else {
        return Err(format!(
            "toml: {} (key {}): expected a table, found {}",
            where_(item.span()),
            go_quote(key),
            item.type_name()
        ));
    };
    let mut out = BTreeMap::new();
    for (name, value) in table.iter() {
        match value.as_str() {
            Some(v) => {
                out.insert(name.to_owned(), v.to_owned());
            }
            None => {
                return Err(format!(
                    "toml: {} (key {}): expected a string, found {}",
                    where_(value.span()),
                    go_quote(&format!("{key}.{name}")),
                    value.type_name()
                ))
            }
        }
    }
    Ok(out)
}

/// Whether a top-level key selects the `aliases` field under the reference decoder's
/// case-insensitive matching (Go `strings.EqualFold`, simple case folding: `ALIASES`,
/// `Aliases`, and `ſ` (U+017F) for `s` all match).
fn key_folds_to_aliases(key: &str) -> bool {
    let folded = key.chars().map(|c| match c {
        'ſ' => 's',
        c => c.to_ascii_lowercase(),
    });
    folded.eq("aliases".chars())
}

/// 1-based line and column (in characters) of byte offset `at` in `text`.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The cache file text: one `[aliases]` table, quoted keys, sorted by name.
fn serialize(entries: &BTreeMap<String, String>) -> String {
    let mut out = String::from("[aliases]\n");
    for (k, v) in entries {
        out.push_str("  ");
        out.push_str(&toml_basic_string(k));
        out.push_str(" = ");
        out.push_str(&toml_basic_string(v));
        out.push('\n');
    }
    out
}

/// A TOML basic string literal.
fn toml_basic_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `%q` for the strings that appear in messages: backslash escapes for `"`, `\` and
/// control characters, printable non-ASCII unchanged.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x80 && c.is_control() => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Alias-name validation with the reference's rules and messages (rule 29).
fn validate_key(key: &str) -> Result<(), String> {
    interim_validation::validate_alias_key(key).map_err(|c| c.to_string())
}

/// Alias-value validation (rule 30); returns the normalised value. Not for `""`.
fn validate_value(value: &str) -> Result<String, String> {
    interim_validation::validate_alias_value(value).map_err(|c| c.to_string())
}

/// INTERIM stand-in for `crate::aliases::validate_alias_key` / `validate_alias_value`
/// (being written on main); same signatures, so switching is a one-line change in
/// [`validate_key`] and [`validate_value`]. Covers only the rules the cache tests need.
mod interim_validation {
    use std::fmt;

    pub(super) struct Complaint(String);

    impl fmt::Display for Complaint {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }

    fn looks_like_domain(first: &str) -> bool {
        first.contains('.') || first.contains(':') || first == "localhost"
    }

    fn has_tag(name: &str) -> bool {
        let last = name.rsplit('/').next().unwrap_or(name);
        last.contains(':')
    }

    fn parse_error(s: &str) -> Option<&'static str> {
        if s.is_empty() {
            return Some("repository name must have at least one component");
        }
        let ok = s.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':' | '@' | '+')
        });
        if !ok || s.starts_with('/') || s.ends_with('/') || s.contains("//") {
            return Some("invalid reference format");
        }
        None
    }

    pub(super) fn validate_alias_key(key: &str) -> Result<(), Complaint> {
        if let Some(e) = parse_error(key) {
            return Err(Complaint(format!("cannot parse short name: {key:?}: {e}")));
        }
        let (name, digest) = key.split_once('@').unwrap_or((key, ""));
        if !digest.is_empty() {
            return Err(Complaint(format!(
                "invalid short name {key:?}: must not contain digest"
            )));
        }
        if has_tag(name) {
            return Err(Complaint(format!(
                "invalid short name {key:?}: must not contain tag"
            )));
        }
        if let Some((first, _)) = name.split_once('/') {
            if looks_like_domain(first) {
                return Err(Complaint(format!(
                    "invalid short name {key:?}: must not contain registry"
                )));
            }
        }
        Ok(())
    }

    pub(super) fn validate_alias_value(value: &str) -> Result<String, Complaint> {
        if let Some(e) = parse_error(value) {
            return Err(Complaint(format!("parsing alias {value:?}: {e}")));
        }
        if value.contains('@') {
            return Err(Complaint(format!(
                "invalid alias {value:?}: must not contain digest"
            )));
        }
        if has_tag(value) {
            return Err(Complaint(format!(
                "invalid alias {value:?}: must not contain tag"
            )));
        }
        match value.split_once('/') {
            Some((first, rest)) if looks_like_domain(first) => {
                let first = if first == "index.docker.io" {
                    "docker.io"
                } else {
                    first
                };
                if first == "docker.io" && !rest.contains('/') {
                    Ok(format!("docker.io/library/{rest}"))
                } else {
                    Ok(format!("{first}/{rest}"))
                }
            }
            _ => Err(Complaint(format!(
                "invalid alias {value:?}: must contain registry and repository"
            ))),
        }
    }
}

impl fmt::Display for CacheAlias {
    /// `"<name>" = "<value>"`, as the entry appears in the file.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} = {}",
            toml_basic_string(&self.name),
            toml_basic_string(&self.value)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_tag_and_digest_keeps_ports() {
        assert_eq!(strip_tag_and_digest("a"), "a");
        assert_eq!(strip_tag_and_digest("a:1"), "a");
        assert_eq!(strip_tag_and_digest("a@sha256:00"), "a");
        assert_eq!(strip_tag_and_digest("a:1@sha256:00"), "a");
        assert_eq!(strip_tag_and_digest("h:5000/a"), "h:5000/a");
        assert_eq!(strip_tag_and_digest("h:5000/a:2"), "h:5000/a");
    }

    #[test]
    fn aliases_key_folding() {
        for k in ["aliases", "ALIASES", "Aliases", "aliaſes"] {
            assert!(key_folds_to_aliases(k), "{k}");
        }
        for k in ["alias", "aliasesx", "alıases", "al1ases"] {
            assert!(!key_folds_to_aliases(k), "{k}");
        }
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncd", 0), (1, 1));
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("é\nx", 99), (2, 2));
    }

    #[test]
    fn go_quote_escapes() {
        assert_eq!(go_quote("a\"b\\c\n\x01é"), "\"a\\\"b\\\\c\\n\\x01é\"");
    }

    #[test]
    fn serialize_round_trips_through_parse() {
        let mut m = BTreeMap::new();
        m.insert("we\"ird\\".to_owned(), "x\ny\u{1}".to_owned());
        m.insert("a".to_owned(), String::new());
        assert_eq!(parse_aliases(&serialize(&m)).unwrap(), m);
    }
}
