//! Node profiles: a node's containers/image and CRI-O configuration, read from a directory laid
//! out like the node's root, or one of the built-in profiles.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{ConfigSources, Resolver, ShortNameMode};

use super::builtin::BUILTINS;

/// Root's alias cache, which CRI-O reads (and never writes).
///
/// ```
/// assert_eq!(shortnames::scan::ROOT_ALIAS_CACHE, "/var/cache/containers/short-name-aliases.conf");
/// ```
pub const ROOT_ALIAS_CACHE: &str = "/var/cache/containers/short-name-aliases.conf";
/// CRI-O's main configuration file.
///
/// ```
/// assert_eq!(shortnames::scan::CRIO_CONF, "/etc/crio/crio.conf");
/// ```
pub const CRIO_CONF: &str = "/etc/crio/crio.conf";
/// CRI-O's drop-in directory (every regular file counts, subdirectories walked in order).
///
/// ```
/// assert_eq!(shortnames::scan::CRIO_CONF_D, "/etc/crio/crio.conf.d");
/// ```
pub const CRIO_CONF_D: &str = "/etc/crio/crio.conf.d";

/// Largest CRI-O configuration file read, in bytes.
const MAX_CRIO_FILE: u64 = 4 << 20;

/// Why a profile could not be used (the CLI exits 2).
///
/// ```
/// use shortnames::scan::NodeProfile;
/// let dir = tempfile::tempdir().unwrap();
/// let e = NodeProfile::from_root("x", &dir.path().join("missing")).unwrap_err();
/// assert!(!e.to_string().is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct ProfileError {
    message: String,
}

impl ProfileError {
    fn new(message: impl Into<String>) -> ProfileError {
        ProfileError {
            message: message.into(),
        }
    }
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ProfileError {}

/// What a CRI-O node with a given configuration does with image names: its resolver (the
/// node's registries.conf, drop-ins and root alias cache) and CRI-O's short-name mode.
///
/// The mode is CRI-O's `[crio.image] short_name_mode` from `/etc/crio/crio.conf` and
/// `/etc/crio/crio.conf.d/*` (enforcing unless the merged value is `disabled`); the
/// `short-name-mode` key of registries.conf is ignored, as CRI-O ignores it.
///
/// ```
/// use shortnames::scan::NodeProfile;
/// let p = NodeProfile::builtin("kubeadm-ubuntu").unwrap().unwrap();
/// assert_eq!(p.short_name_mode().as_str(), "enforcing");
/// assert_eq!(p.search_registries(), ["docker.io"]);
/// assert_eq!(p.search_registries_origin(), Some("/etc/containers/registries.conf.d/crio.conf"));
/// assert!(NodeProfile::builtin("no-such-profile").is_none());
/// ```
#[derive(Debug)]
pub struct NodeProfile {
    name: String,
    mode: ShortNameMode,
    resolver: Resolver,
    search_registries: Vec<String>,
    search_registries_origin: Option<String>,
    description: Option<String>,
    _root: Option<TempRoot>,
}

impl NodeProfile {
    /// The names of the built-in profiles.
    ///
    /// ```
    /// let names = shortnames::scan::NodeProfile::builtin_names();
    /// assert_eq!(names, ["crio-default", "kubeadm-ubuntu", "kubeadm-ubuntu-2025-09", "openshift"]);
    /// ```
    pub fn builtin_names() -> Vec<&'static str> {
        BUILTINS.iter().map(|b| b.name).collect()
    }

    /// A built-in profile by name (`None` when there is none of that name).
    ///
    /// Its files are written to a private temporary directory, read by the same code as a
    /// directory profile, and the directory is removed when the profile is dropped.
    pub fn builtin(name: &str) -> Option<Result<NodeProfile, ProfileError>> {
        let b = BUILTINS.iter().find(|b| b.name == name)?;
        Some((|| {
            let root = TempRoot::new().map_err(|e| {
                ProfileError::new(format!("built-in profile {name}: temporary directory: {e}"))
            })?;
            for (rel, contents) in b.files {
                let path = root.path.join(rel);
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent)
                        .map_err(|e| ProfileError::new(format!("built-in profile {name}: {e}")))?;
                }
                fs::write(&path, contents)
                    .map_err(|e| ProfileError::new(format!("built-in profile {name}: {e}")))?;
            }
            let mut p = NodeProfile::from_root(name, &root.path)?;
            p.description = serde_json::from_str::<serde_json::Value>(b.provenance)
                .ok()
                .and_then(|v| v["description"].as_str().map(str::to_owned));
            p._root = Some(root);
            Ok(p)
        })())
    }

    /// Reads a profile from a directory laid out like a node root: `etc/containers/...`,
    /// optionally `etc/crio/...` and `var/cache/containers/short-name-aliases.conf`. `/`
    /// describes this host. Nothing outside `dir` is read; messages and origins show node
    /// paths (`/etc/containers/registries.conf`).
    ///
    /// `name` is how the profile is reported (e.g. the command-line argument).
    pub fn from_root(name: &str, dir: &Path) -> Result<NodeProfile, ProfileError> {
        match fs::metadata(dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(ProfileError::new(format!(
                    "node profile {}: not a directory",
                    dir.display()
                )))
            }
            Err(e) => {
                return Err(ProfileError::new(format!(
                    "node profile {}: {e}",
                    dir.display()
                )))
            }
        }
        let mode = crio_short_name_mode(dir)?;
        let sources = ConfigSources::new()
            .fs_root(dir)
            .user_aliases(ROOT_ALIAS_CACHE)
            .short_name_mode(ShortNameMode::Disabled);
        let resolver = Resolver::new(&sources);
        let config = resolver
            .config()
            .map_err(|e| ProfileError::new(format!("node profile {name}: {e}")))?;
        let search_registries = config
            .unqualified_search_registries
            .iter()
            .map(|s| s.to_string())
            .collect();
        let origin = &*config.search_registries_origin;
        let search_registries_origin = (!origin.is_empty()).then(|| origin.to_owned());
        Ok(NodeProfile {
            name: name.to_owned(),
            mode,
            resolver,
            search_registries,
            search_registries_origin,
            description: None,
            _root: None,
        })
    }

    /// The name the profile is reported under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// CRI-O's short-name mode on this node (`Enforcing` or `Disabled`).
    pub fn short_name_mode(&self) -> ShortNameMode {
        self.mode
    }

    /// The effective `unqualified-search-registries`.
    pub fn search_registries(&self) -> &[String] {
        &self.search_registries
    }

    /// The node path of the file that set the search list, if any file did.
    pub fn search_registries_origin(&self) -> Option<&str> {
        self.search_registries_origin.as_deref()
    }

    /// For built-in profiles, the node they describe.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The resolver for this node's configuration, with the mode forced to *disabled* (all
    /// candidates; [`NodeProfile::check`] applies CRI-O's mode).
    pub fn resolver(&self) -> &Resolver {
        &self.resolver
    }
}

/// CRI-O's effective `short_name_mode`: the last value set by `crio.conf` then the files under
/// `crio.conf.d` (recursively, in lexical order); enforcing when none sets it.
fn crio_short_name_mode(root: &Path) -> Result<ShortNameMode, ProfileError> {
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    let main = root.join(CRIO_CONF.trim_start_matches('/'));
    if is_regular_file(&main) {
        files.push((main, CRIO_CONF.to_owned()));
    }
    walk_sorted(
        &root.join(CRIO_CONF_D.trim_start_matches('/')),
        CRIO_CONF_D,
        &mut files,
    )?;
    let mut mode = ShortNameMode::Enforcing;
    for (path, display) in files {
        let text = read_small(&path).map_err(|e| ProfileError::new(format!("{display}: {e}")))?;
        let doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
            let at = e.span().map_or(0, |r| r.start);
            let l = crate::Location::from_offset(&text, at);
            let message = e.message().trim_end().replace('\n', "; ");
            ProfileError::new(format!("{display}:{}:{}: {message}", l.line, l.column))
        })?;
        let value = doc
            .get("crio")
            .and_then(|c| c.get("image"))
            .and_then(|i| i.get("short_name_mode"));
        match value.map(|v| v.as_str()) {
            None => {}
            Some(Some(s)) => {
                mode = match s {
                    "" | "enforcing" => ShortNameMode::Enforcing,
                    "disabled" => ShortNameMode::Disabled,
                    other => {
                        return Err(ProfileError::new(format!(
                            "{display}: invalid short name mode {other:?}"
                        )))
                    }
                }
            }
            Some(None) => {
                return Err(ProfileError::new(format!(
                    "{display}: [crio.image] short_name_mode must be a string"
                )))
            }
        }
    }
    Ok(mode)
}

fn is_regular_file(p: &Path) -> bool {
    fs::metadata(p).is_ok_and(|m| m.is_file())
}

/// `filepath.Walk` order: entries sorted by name, directories entered where they sort; only
/// regular files (after following symbolic links) are collected.
fn walk_sorted(
    dir: &Path,
    display: &str,
    out: &mut Vec<(PathBuf, String)>,
) -> Result<(), ProfileError> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => return Ok(()),
        Err(e) => return Err(ProfileError::new(format!("{display}: {e}"))),
    };
    let mut names: Vec<_> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    names.sort();
    for name in names {
        let path = dir.join(&name);
        let shown = format!("{display}/{}", name.to_string_lossy());
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            walk_sorted(&path, &shown, out)?;
        } else if is_regular_file(&path) {
            out.push((path, shown));
        }
    }
    Ok(())
}

/// A crio.conf file through the crate's one bounded, non-blocking, regular-file-only reader
/// (a FIFO or device in its place is refused, never waited on).
fn read_small(path: &Path) -> std::io::Result<String> {
    let bad = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidData, m);
    match crate::fs::read_limited_text(path, MAX_CRIO_FILE) {
        Ok(Some((Ok(text), _))) => Ok(text),
        Ok(Some((Err(offset), _))) => Err(bad(format!("invalid UTF-8 at byte {offset}"))),
        Ok(None) => Err(std::io::ErrorKind::NotFound.into()),
        Err(e) => Err(bad(e.to_string())),
    }
}

/// A private temporary directory, removed on drop.
#[derive(Debug)]
struct TempRoot {
    path: PathBuf,
}

impl TempRoot {
    fn new() -> std::io::Result<TempRoot> {
        use std::os::unix::fs::DirBuilderExt;
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let base = std::env::temp_dir();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let mut last = None;
        for _ in 0..16 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = base.join(format!(
                "shortnames-profile-{}-{n}-{nanos}",
                std::process::id()
            ));
            match fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => return Ok(TempRoot { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("no free name")))
    }
}

impl Drop for TempRoot {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crio_mode_from_drop_ins() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("etc/crio/crio.conf.d/sub");
        fs::create_dir_all(&d).unwrap();
        assert_eq!(
            crio_short_name_mode(dir.path()).unwrap(),
            ShortNameMode::Enforcing
        );
        fs::write(
            dir.path().join("etc/crio/crio.conf"),
            "[crio.image]\nshort_name_mode = \"disabled\"\n",
        )
        .unwrap();
        assert_eq!(
            crio_short_name_mode(dir.path()).unwrap(),
            ShortNameMode::Disabled
        );
        // A later drop-in (inside a subdirectory, walked in order) wins.
        fs::write(d.join("x"), "[crio.image]\nshort_name_mode = \"\"\n").unwrap();
        assert_eq!(
            crio_short_name_mode(dir.path()).unwrap(),
            ShortNameMode::Enforcing
        );
        fs::write(
            dir.path().join("etc/crio/crio.conf.d/zz"),
            "[crio.image]\nshort_name_mode = \"permissive\"\n",
        )
        .unwrap();
        let e = crio_short_name_mode(dir.path()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "/etc/crio/crio.conf.d/zz: invalid short name mode \"permissive\""
        );
        fs::write(dir.path().join("etc/crio/crio.conf.d/zz"), "[crio.image\n").unwrap();
        let e = crio_short_name_mode(dir.path()).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("/etc/crio/crio.conf.d/zz:1:12: unclosed table"),
            "{e}"
        );
    }

    #[test]
    fn builtin_dir_is_removed_on_drop() {
        let p = NodeProfile::builtin("openshift").unwrap().unwrap();
        let dir = p._root.as_ref().unwrap().path.clone();
        assert!(dir.exists());
        assert_eq!(p.short_name_mode(), ShortNameMode::Disabled);
        drop(p);
        assert!(!dir.exists());
    }
}
