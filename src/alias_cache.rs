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
//! here is atomic: the new content goes to a temporary file in the same directory, which
//! gets the owner, group and mode of the file it replaces (`fchown` — when permitted, i.e.
//! as root or for one's own file — then `fchmod`; mode 0600 for a new cache), is `fsync`ed,
//! renamed over the cache, and the directory is `fsync`ed. When the cache path is a symbolic
//! link, the write goes through it: the link's final target is replaced (atomically, in the
//! target's directory) and the link stays. A writer killed at any point leaves either the
//! old or the new file, never a truncated one.
//! Temporary files left behind by killed writers are removed by the next writer.
//!
//! Read-only operations ([`AliasCache::load`], [`AliasCache::lookup`], [`AliasCache::list`])
//! never create anything: the lock file is opened without `O_CREAT`, and when it (or the
//! directory) does not exist the cache is read without locking. Writers create the directory
//! (mode 0700) and the lock file when needed.
//!
//! # Errors
//!
//! Every operation returns [`crate::Error`]. Reading problems have the kinds and exact
//! messages the resolver reports for the user alias file (`invalid-user-aliases/toml`,
//! `…/bad-alias`, `…/io`: `loading short-name aliases config file "<path>": …`, with file,
//! key, line and column as structured fields). Write problems have kind
//! `alias-cache/<sub>`: `invalid-name` / `invalid-value` (the reference's complaint, e.g.
//! `invalid short name "quay.io/x": must not contain registry`), `not-found`
//! (`short-name alias "<n>" not found in "<path>": please check registries.conf files`),
//! `lock` and `io` (`<action> "<path>": <os error>`).
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

use crate::config::aliases::{validate_alias_key, validate_alias_value};
use crate::config::Limits;
use crate::error::{os_text, Error, ErrorKind};
use crate::lock::{process_guard, FileLock, LockKind};
use crate::quote::Q;

/// File name of the alias cache inside its directory.
pub(crate) const CACHE_FILE_NAME: &str = "short-name-aliases.conf";

/// Mode of the cache file (as Podman writes it).
const CACHE_FILE_MODE: u32 = 0o600;
/// Mode of a directory created for the cache (as containers/image creates it).
const CACHE_DIR_MODE: u32 = 0o700;
/// Mode of a lock file created by a writer (as containers/storage creates lock files).
const LOCK_FILE_MODE: u32 = 0o644;

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

/// The per-user alias cache at one path.
///
/// The value is only a path: every operation re-reads the file (under the lock), so several
/// `AliasCache` values, processes, or Podman itself can use the same file concurrently.
///
/// ```
/// use shortnames::alias_cache::AliasCache;
///
/// let dir = tempfile::tempdir().unwrap();
/// let cache = AliasCache::new(dir.path().join("short-name-aliases.conf"));
/// cache.add("app", "quay.io/team/app").unwrap(); // under the lock Podman uses
/// assert_eq!(cache.lookup("app").unwrap().unwrap().value, "quay.io/team/app");
/// cache.remove("app").unwrap();
/// assert!(cache.lookup("app").unwrap().is_none());
/// ```
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
        crate::user_aliases::lock_path(&self.path)
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
    pub fn load(&self) -> Result<AliasCacheContents, Error> {
        contents(crate::user_aliases::read(
            &self.path,
            &self.display(),
            &Limits::default(),
        ))
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
    pub fn lookup(&self, name: &str) -> Result<Option<CacheAlias>, Error> {
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
    pub fn list(&self) -> Result<Vec<CacheAlias>, Error> {
        Ok(self.load()?.entries.into_values().collect())
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
    pub fn add(&self, name: &str, value: &str) -> Result<(), Error> {
        validate_alias_key(name).map_err(|c| invalid("invalid-name", c))?;
        validate_alias_value(value).map_err(|c| invalid("invalid-value", c))?;
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
    pub fn record(&self, input: &str, selected: &str) -> Result<(), Error> {
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
    pub fn remove(&self, name: &str) -> Result<(), Error> {
        validate_alias_key(name).map_err(|c| invalid("invalid-name", c))?;
        self.edit(|entries| match entries.remove(name) {
            Some(_) => Ok(()),
            None => Err(Error::with_details(
                ErrorKind::AliasCache("not-found"),
                format!(
                    "short-name alias {} not found in {}: please check registries.conf files",
                    Q(name),
                    Q(&self.display())
                ),
                Some(self.display()),
                None,
                None,
            )),
        })
    }

    /// Reads the cache file with the caller holding the exclusive lock (the writer).
    fn read_contents(&self) -> Result<AliasCacheContents, Error> {
        contents(crate::user_aliases::read_unlocked(
            &self.path,
            &self.display(),
            &Limits::default(),
        ))
    }

    /// The cache path as shown in messages.
    fn display(&self) -> String {
        self.path.to_string_lossy().into_owned()
    }

    /// The write protocol: exclusive lock, re-read and validate, modify, atomic replace.
    fn edit(
        &self,
        modify: impl FnOnce(&mut BTreeMap<String, String>) -> Result<(), Error>,
    ) -> Result<(), Error> {
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
        // Write through a symbolic link: the file replaced is the link's final target, in
        // its own directory (the link itself stays).
        let target = resolve_links(&self.path)?;
        let target_dir = parent_dir(&target);
        remove_stale_temp_files(&target, &target_dir);
        replace_atomically(&target, &target_dir, serialize(&entries).as_bytes())
    }
}

/// Prefix of the temporary files of the cache file `target`: `.<file name>.tmp-`.
fn temp_prefix(target: &Path) -> String {
    let name = target.file_name().unwrap_or(OsStr::new(CACHE_FILE_NAME));
    format!(".{}.tmp-", name.to_string_lossy())
}

/// Removes temporary files left by killed writers. Only called under the exclusive lock,
/// when no other writer following this protocol can be between creating and renaming its
/// temporary file. Best effort: failures are ignored.
fn remove_stale_temp_files(target: &Path, dir: &Path) {
    let prefix = temp_prefix(target);
    let Ok(read_dir) = fs::read_dir(dir) else {
        return;
    };
    for entry in read_dir.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Most symbolic links followed to find the cache file (Linux's `MAXSYMLINKS`).
const MAX_LINKS: usize = 40;

/// `path` with every symbolic link of its last component followed (a dangling link gives
/// the path it points to, which the write then creates).
fn resolve_links(path: &Path) -> Result<PathBuf, Error> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = fs::read_link(&current)
                    .map_err(|e| io_error("reading symbolic link", &current, e))?;
                current = if link.is_absolute() {
                    link
                } else {
                    parent_dir(&current).join(link)
                };
            }
            _ => return Ok(current),
        }
    }
    Err(io_error(
        "following symbolic links",
        path,
        io::Error::from_raw_os_error(rustix::io::Errno::LOOP.raw_os_error()),
    ))
}

/// Temp file in `dir` (0600), write, give it the owner, group and mode of the file it
/// replaces, fsync, rename over `target`, fsync `dir`.
fn replace_atomically(target: &Path, dir: &Path, content: &[u8]) -> Result<(), Error> {
    use std::os::unix::fs::MetadataExt;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let tmp = dir.join(format!(
        "{}{}-{}",
        temp_prefix(target),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let previous = fs::metadata(target).ok().filter(|m| m.is_file());
    let write = || -> Result<(), Error> {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(CACHE_FILE_MODE)
            .open(&tmp)
            .map_err(|e| io_error("creating temporary file", &tmp, e))?;
        f.write_all(content)
            .map_err(|e| io_error("writing", &tmp, e))?;
        if let Some(m) = &previous {
            // Keep the owner and group (possible as root, or when they are already ours);
            // a chown that is not permitted leaves the writer's own, as before.
            let mine = f.metadata().map(|t| (t.uid(), t.gid())).ok();
            if mine != Some((m.uid(), m.gid())) {
                let owner = rustix::fs::Uid::from_raw(m.uid());
                let group = rustix::fs::Gid::from_raw(m.gid());
                match rustix::fs::fchown(&f, Some(owner), Some(group)) {
                    Ok(()) | Err(rustix::io::Errno::PERM) => {}
                    Err(e) => return Err(io_error("changing owner of", &tmp, e.into())),
                }
            }
            // After the chown (which may clear set-id bits): the mode of the file replaced.
            let mode = rustix::fs::Mode::from_raw_mode(m.mode() & 0o7777);
            rustix::fs::fchmod(&f, mode)
                .map_err(|e| io_error("changing mode of", &tmp, e.into()))?;
        }
        f.sync_all().map_err(|e| io_error("syncing", &tmp, e))?;
        drop(f);
        fs::rename(&tmp, target).map_err(|e| io_error("replacing", target, e))
    };
    if let Err(e) = write() {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error("syncing directory", dir, e))
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

/// The listing of one reading of the file (by [`crate::user_aliases`], the one reader).
fn contents(read: crate::user_aliases::UserFileRead) -> Result<AliasCacheContents, Error> {
    let entries = read
        .result?
        .into_iter()
        .map(|e| {
            let name = e.name.into_string();
            let alias = CacheAlias {
                name: name.clone(),
                value: e.stored,
                target: e.entry.value.map(|r| r.as_str().to_owned()),
            };
            (name, alias)
        })
        .collect();
    Ok(AliasCacheContents { entries })
}

/// An error of a write (the cache is unchanged): `<action> "<path>": <os error>`.
fn io_error(action: &'static str, path: &Path, source: io::Error) -> Error {
    let shown = path.to_string_lossy().into_owned();
    let sub = if action == "locking" { "lock" } else { "io" };
    Error::with_details(
        ErrorKind::AliasCache(sub),
        format!("{action} {}: {}", Q(&shown), os_text(&source)),
        Some(shown),
        None,
        None,
    )
}

/// A rejected alias name or value: kind `alias-cache/<sub>`, the reference's complaint.
fn invalid(sub: &'static str, complaint: crate::config::aliases::AliasComplaint) -> Error {
    Error::with_details(
        ErrorKind::AliasCache(sub),
        complaint.to_string(),
        None,
        None,
        None,
    )
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
    fn serialize_round_trips_through_the_decoder() {
        let mut m = BTreeMap::new();
        m.insert("we\"ird\\".to_owned(), "x\ny\u{1}".to_owned());
        m.insert("a".to_owned(), String::new());
        let decoded: BTreeMap<String, String> =
            crate::config::decode::decode_alias_file(&serialize(&m))
                .unwrap()
                .aliases
                .into_iter()
                .map(|a| (a.name, a.value))
                .collect();
        assert_eq!(decoded, m);
    }

    #[test]
    fn os_text_reads_like_go() {
        let e = io::Error::from_raw_os_error(13);
        assert_eq!(os_text(&e), "permission denied");
    }
}
