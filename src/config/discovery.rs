//! Which files make up the configuration on a host, the way containers/image finds them
//! (`shared/spec/discovery.md`): the host description ([`Host`]), the two compatibility
//! targets ([`Compat`]), and the one walk over the files that loading, `check` and the reload
//! fingerprint all use.
//!
//! Discovery never reads the process environment by itself: a [`Host`] is built from explicit
//! values, or from the process with [`Host::from_process_env`] when the caller asks for it.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs;
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::ConfigSources;
use crate::error::{Error, ErrorKind};
use crate::quote::Q;

/// Which containers/image release's discovery and loading rules to follow.
///
/// One value decides every difference between the releases: which files are read and in
/// which order, the wording of the blocked message, whether version-1 files are converted or
/// refused, which file the search list is attributed to, and the prefix of drop-in errors.
///
/// ```
/// use shortnames::config::Compat;
/// assert_eq!(Compat::default(), Compat::V5_23);
/// assert_eq!(Compat::parse("v5.40"), Some(Compat::V5_40));
/// assert_eq!(Compat::V5_40.as_str(), "v5.40");
/// assert_eq!(Compat::parse("5.40"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum Compat {
    /// containers/image v5.23.1 (Podman 4.x): the default.
    #[default]
    V5_23,
    /// containers/image v5.40.0 (Podman 6).
    V5_40,
}

impl Compat {
    /// Parses `v5.23` or `v5.40`.
    pub fn parse(s: &str) -> Option<Compat> {
        match s {
            "v5.23" => Some(Compat::V5_23),
            "v5.40" => Some(Compat::V5_40),
            _ => None,
        }
    }

    /// The spelling `parse` accepts.
    pub fn as_str(&self) -> &'static str {
        match self {
            Compat::V5_23 => "v5.23",
            Compat::V5_40 => "v5.40",
        }
    }

    /// The prefix kind of an error in a file of `role` (`loading <kind> "<file>": ...`).
    pub(crate) fn prefix_kind(&self, role: Role) -> &'static str {
        match (self, role) {
            (Compat::V5_23, Role::DropIn) => "drop-in registries configuration",
            _ => "registries configuration",
        }
    }
}

impl fmt::Display for Compat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The environment variables discovery consults (all others are ignored).
pub(crate) const HOST_VARIABLES: &[&str] = &[
    "CONTAINERS_REGISTRIES_CONF",
    "REGISTRIES_CONFIG_PATH",
    "CONTAINERS_REGISTRIES_CONF_OVERRIDE",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    "_CONTAINERS_ROOTLESS_UID",
];

/// A description of the host whose configuration is to be found: a sysroot, `$HOME`, the
/// environment variables discovery consults (`CONTAINERS_REGISTRIES_CONF`,
/// `REGISTRIES_CONFIG_PATH`, `CONTAINERS_REGISTRIES_CONF_OVERRIDE`, `XDG_CONFIG_HOME`,
/// `XDG_CACHE_HOME`, `_CONTAINERS_ROOTLESS_UID`; all others are ignored) and the process's
/// user ids.
///
/// ```
/// use shortnames::config::Host;
/// let h = Host::new().var("XDG_CONFIG_HOME", "").var("PATH", "/bin");
/// assert_eq!(h.var_value("XDG_CONFIG_HOME").unwrap(), ""); // set, but empty
/// assert_eq!(h.var_value("PATH"), None); // not a discovery variable
/// ```
///
/// [`Host::new`] describes a root process with an empty environment and no `$HOME` (only
/// the system files); every value is set explicitly. [`Host::from_process_env`] takes them
/// from the running process.
///
/// ```
/// use shortnames::config::{Compat, Host};
/// use shortnames::{ConfigSources, Resolver};
///
/// let dir = tempfile::tempdir().unwrap();
/// let root = dir.path().join("root");
/// std::fs::create_dir_all(root.join("etc/containers")).unwrap();
/// std::fs::write(root.join("etc/containers/registries.conf"),
///     "unqualified-search-registries = [\"quay.io\"]\n").unwrap();
/// let host = Host::new().sysroot(&root).home(dir.path().join("home")).uid(1000);
/// let resolver = Resolver::new(&ConfigSources::discover(&host).compat(Compat::V5_40));
/// let r = resolver.resolve("app").unwrap();
/// assert_eq!(r.candidates[0].reference.as_str(), "quay.io/app:latest");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Host {
    sysroot: Option<PathBuf>,
    home: Option<PathBuf>,
    vars: BTreeMap<&'static str, OsString>,
    euid: u32,
    ruid: u32,
}

impl Host {
    /// A root process (uid 0) with no `$HOME`, no sysroot and none of the variables set.
    pub fn new() -> Host {
        Host::default()
    }

    /// The running process: `$HOME` (when non-empty), the discovery variables ([`Host`]),
    /// the effective and real uid. No sysroot.
    pub fn from_process_env() -> Host {
        let mut h = Host::new();
        h.home = std::env::var_os("HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        for name in HOST_VARIABLES {
            if let Some(v) = std::env::var_os(name) {
                h.vars.insert(name, v);
            }
        }
        h.euid = rustix::process::geteuid().as_raw();
        h.ruid = rustix::process::getuid().as_raw();
        h
    }

    /// Joins the built-in locations under `/etc/containers` and `/usr/share/containers`
    /// below `dir` (containers/image's `RootForImplicitAbsolutePaths`). Never applies to
    /// `$HOME`, XDG or environment paths, nor to root's alias cache.
    pub fn sysroot(mut self, dir: impl Into<PathBuf>) -> Host {
        self.sysroot = Some(dir.into());
        self
    }

    /// Sets `$HOME`.
    pub fn home(mut self, dir: impl Into<PathBuf>) -> Host {
        self.home = Some(dir.into());
        self
    }

    /// Sets one of the discovery variables ([`Host`]) (possibly to the empty string, which is not the
    /// same as unset); other names are ignored.
    pub fn var(mut self, name: &str, value: impl Into<OsString>) -> Host {
        if let Some(n) = HOST_VARIABLES.iter().find(|n| **n == name) {
            self.vars.insert(n, value.into());
        }
        self
    }

    /// Sets both the effective and the real uid of the process.
    pub fn uid(self, uid: u32) -> Host {
        self.uids(uid, uid)
    }

    /// Sets the effective uid (decides the alias cache) and the real uid (decides the v5.40
    /// rootful/rootless drop-in directories), both overridden by `_CONTAINERS_ROOTLESS_UID`.
    pub fn uids(mut self, effective: u32, real: u32) -> Host {
        self.euid = effective;
        self.ruid = real;
        self
    }

    /// The value of one of the discovery variables ([`Host`]), if set (possibly empty).
    pub fn var_value(&self, name: &str) -> Option<&OsStr> {
        self.present(name)
    }

    /// The sysroot, if any.
    pub fn sysroot_dir(&self) -> Option<&Path> {
        self.sysroot.as_deref()
    }

    fn present(&self, name: &str) -> Option<&OsStr> {
        self.vars.get(name).map(OsString::as_os_str)
    }

    fn non_empty(&self, name: &str) -> Option<&OsStr> {
        self.present(name).filter(|v| !v.is_empty())
    }

    /// `_CONTAINERS_ROOTLESS_UID` when set and non-empty (unparsable = 0), else `process`.
    fn uid_with(&self, process: u32) -> i64 {
        match self.non_empty("_CONTAINERS_ROOTLESS_UID") {
            Some(v) => v.to_str().and_then(|s| s.parse().ok()).unwrap_or(0),
            None => i64::from(process),
        }
    }

    /// R(p): the sysroot joined with the absolute built-in path `p`.
    fn r(&self, p: &str) -> PathBuf {
        match &self.sysroot {
            None => PathBuf::from(p),
            Some(root) => clean(&root.join(p.trim_start_matches('/'))),
        }
    }

    /// The user alias cache (spec rule 4): root's host path (never under the sysroot), else
    /// `$XDG_CACHE_HOME/containers/…` when non-empty, else `$HOME/.cache/containers/…`.
    /// `None` for a rootless user without either.
    ///
    /// ```
    /// use shortnames::config::Host;
    /// use std::path::Path;
    /// assert_eq!(Host::new().sysroot("/r").user_alias_cache().unwrap(),
    ///     Path::new("/var/cache/containers/short-name-aliases.conf"));
    /// assert_eq!(Host::new().uid(1000).home("/h").user_alias_cache().unwrap(),
    ///     Path::new("/h/.cache/containers/short-name-aliases.conf"));
    /// assert_eq!(Host::new().uid(1000).home("/h").var("XDG_CACHE_HOME", "/x").user_alias_cache().unwrap(),
    ///     Path::new("/x/containers/short-name-aliases.conf"));
    /// ```
    pub fn user_alias_cache(&self) -> Option<PathBuf> {
        const FILE: &str = "containers/short-name-aliases.conf";
        if self.uid_with(self.euid) == 0 {
            return Some(PathBuf::from("/var/cache").join(FILE));
        }
        let base = match (self.non_empty("XDG_CACHE_HOME"), &self.home) {
            (Some(x), _) => PathBuf::from(x),
            (None, Some(h)) if !h.as_os_str().is_empty() => h.join(".cache"),
            _ => return None,
        };
        Some(base.join(FILE))
    }
}

/// Which part of the configuration a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// The main registries.conf.
    Main,
    /// A drop-in (including in-memory ones such as the built-in alias table).
    DropIn,
    /// The v5.40 `CONTAINERS_REGISTRIES_CONF_OVERRIDE` file, applied last.
    Override,
}

/// A path as read (`io`, after any [`ConfigSources::fs_root`]) and as shown in messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FilePath {
    pub io: PathBuf,
    pub display: Arc<str>,
    /// The shown path with the name's bytes as they are (messages quote them: `"\xff.conf"`).
    pub name: PathBuf,
}

/// A drop-in that a higher-priority directory's file of the same name hides (v5.40).
///
/// ```
/// use shortnames::config::{Compat, Host};
/// use shortnames::{Config, ConfigSources};
///
/// let dir = tempfile::tempdir().unwrap();
/// for d in ["etc/containers/registries.conf.d", "usr/share/containers/registries.conf.d"] {
///     std::fs::create_dir_all(dir.path().join(d)).unwrap();
///     std::fs::write(dir.path().join(d).join("50-x.conf"), "").unwrap();
/// }
/// let host = Host::new().sysroot(dir.path()).home(dir.path().join("home"));
/// let config = Config::load(&ConfigSources::discover(&host).compat(Compat::V5_40)).unwrap();
/// assert!(config.shadowed[0].path.ends_with("/usr/share/containers/registries.conf.d/50-x.conf"));
/// assert!(config.shadowed[0].by.ends_with("/etc/containers/registries.conf.d/50-x.conf"));
/// // v5.23 never reads /usr/share: nothing to shadow.
/// assert!(Config::load(&ConfigSources::discover(&host)).unwrap().shadowed.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShadowedFile {
    /// The file that is not read.
    pub path: Arc<str>,
    /// The file read instead.
    pub by: Arc<str>,
}

/// The locations one load looks at, decided from the sources (and, in v5.23 discovery, from
/// whether the per-user main file exists).
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub compat: Compat,
    /// v5.23: the one main file; v5.40: the candidates, highest priority first.
    pub main: Vec<PathBuf>,
    /// A missing main file is an error (explicit path, env mode).
    pub main_required: bool,
    /// Drop-in directories in application order (v5.23) or lowest priority first (v5.40).
    pub dirs: Vec<PathBuf>,
    /// The v5.40 override file.
    pub override_file: Option<PathBuf>,
    /// The blocked message after `registry <prefix> is blocked `.
    pub blocked_in: String,
}

const ETC_CONF: &str = super::SYSTEM_REGISTRIES_CONF;
const ETC_CONF_D: &str = super::SYSTEM_REGISTRIES_CONF_D;

impl Layout {
    pub(crate) fn of(sources: &ConfigSources) -> Layout {
        match sources.discovery_host() {
            Some(host) => match sources.compat_target() {
                Compat::V5_23 => Layout::v5_23(host),
                Compat::V5_40 => Layout::v5_40(host),
            },
            None => Layout::explicit(sources),
        }
    }

    /// Explicit paths: the main file given (or the system one), the directories given (or
    /// the system one).
    fn explicit(sources: &ConfigSources) -> Layout {
        let r = |p: &str| sources.host().map_or_else(|| PathBuf::from(p), |h| h.r(p));
        let (main, main_required) = match sources.explicit_main() {
            Some(p) => (p.to_path_buf(), true),
            None => (r(ETC_CONF), false),
        };
        let mut dirs: Vec<PathBuf> = sources.explicit_dirs().to_vec();
        if dirs.is_empty() {
            dirs.push(r(ETC_CONF_D));
        }
        let compat = sources.compat_target();
        let blocked_in = match compat {
            Compat::V5_23 => v5_23_blocked(&main, dirs.last()),
            Compat::V5_40 => v5_40_blocked(std::iter::once(&main).chain(dirs.iter().rev())),
        };
        Layout {
            compat,
            main: vec![main],
            main_required,
            dirs,
            override_file: None,
            blocked_in,
        }
    }

    /// Spec rules 6–14.
    fn v5_23(host: &Host) -> Layout {
        let explicit = match host.present("CONTAINERS_REGISTRIES_CONF") {
            Some(v) => Some(v),
            None => host.present("REGISTRIES_CONFIG_PATH"),
        }
        .filter(|v| !v.is_empty());
        let user_conf = host.home.as_ref().map(|h| h.join(".config/containers"));
        let user_main = user_conf.as_ref().map(|u| u.join("registries.conf"));
        let user_dir = user_conf.as_ref().map(|u| u.join("registries.conf.d"));
        let user_mode = explicit.is_none() && user_main.as_ref().is_some_and(|p| p.exists());
        let main = match (explicit, &user_main) {
            (Some(p), _) => PathBuf::from(p),
            (None, Some(u)) if user_mode => u.clone(),
            _ => host.r(ETC_CONF),
        };
        let mut dirs = Vec::new();
        if !user_mode {
            dirs.push(host.r(ETC_CONF_D));
        }
        dirs.extend(user_dir.clone());
        let blocked_in = v5_23_blocked(&main, user_dir.as_ref().or(dirs.last()));
        Layout {
            compat: Compat::V5_23,
            main: vec![main],
            main_required: explicit.is_some(),
            dirs,
            override_file: None,
            blocked_in,
        }
    }

    /// Spec rules 15–28.
    fn v5_40(host: &Host) -> Layout {
        let override_file = host
            .non_empty("CONTAINERS_REGISTRIES_CONF_OVERRIDE")
            .map(PathBuf::from);
        if let Some(env) = host.non_empty("CONTAINERS_REGISTRIES_CONF") {
            let main = PathBuf::from(env);
            let blocked_in = v5_40_blocked([&main]);
            return Layout {
                compat: Compat::V5_40,
                main: vec![main],
                main_required: true,
                dirs: Vec::new(),
                override_file,
                blocked_in,
            };
        }
        let user = match host.present("XDG_CONFIG_HOME") {
            Some(x) => Some(clean(&Path::new(x).join("containers"))),
            None => host.home.as_ref().map(|h| h.join(".config/containers")),
        };
        let mut main: Vec<PathBuf> = Vec::new();
        main.extend(user.as_ref().map(|u| u.join("registries.conf")));
        main.push(host.r(ETC_CONF));
        main.push(host.r("/usr/share/containers/registries.conf"));
        // Highest priority first.
        let mut dirs: Vec<PathBuf> = Vec::new();
        dirs.extend(user.as_ref().map(|u| u.join("registries.conf.d")));
        let uid = host.uid_with(host.ruid);
        for base in ["/etc/containers", "/usr/share/containers"] {
            match uid {
                u if u > 0 => {
                    let rootless = host.r(&format!("{base}/registries.rootless.conf.d"));
                    dirs.push(rootless.join(u.to_string()));
                    dirs.push(rootless);
                }
                0 => dirs.push(host.r(&format!("{base}/registries.rootful.conf.d"))),
                _ => {}
            }
            dirs.push(host.r(&format!("{base}/registries.conf.d")));
        }
        let blocked_in = v5_40_blocked(main.iter().chain(&dirs));
        dirs.reverse();
        Layout {
            compat: Compat::V5_40,
            main,
            main_required: false,
            dirs,
            override_file,
            blocked_in,
        }
    }

    /// Every path whose change can change the configuration: main candidates, drop-in
    /// directories, the override file (for reload fingerprints).
    pub(crate) fn watched(&self) -> (Vec<&Path>, &[PathBuf]) {
        let files = self
            .main
            .iter()
            .chain(&self.override_file)
            .map(PathBuf::as_path)
            .collect();
        (files, &self.dirs)
    }
}

fn lossy(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn v5_23_blocked(main: &Path, dir: Option<&PathBuf>) -> String {
    format!(
        "in {} or {}",
        lossy(main),
        dir.map(|d| lossy(d)).unwrap_or_default()
    )
}

fn v5_40_blocked<'a>(paths: impl IntoIterator<Item = &'a PathBuf>) -> String {
    let list: Vec<String> = paths
        .into_iter()
        .map(|p| Q(&lossy(p)).to_string())
        .collect();
    format!("in one of [{}]", list.join(" "))
}

/// Go's `filepath.Clean` on a path's bytes (no file-system access).
pub(crate) fn clean(p: &Path) -> PathBuf {
    let bytes = p.as_os_str().as_bytes();
    if bytes.is_empty() {
        return PathBuf::from(".");
    }
    let rooted = bytes.starts_with(b"/");
    let mut out: Vec<&[u8]> = Vec::new();
    for comp in bytes.split(|b| *b == b'/') {
        match comp {
            b"" | b"." => {}
            b".." => {
                if out.last().is_some_and(|c| *c != b"..") {
                    out.pop();
                } else if !rooted {
                    out.push(b"..");
                }
            }
            c => out.push(c),
        }
    }
    let mut joined = Vec::with_capacity(bytes.len());
    if rooted {
        joined.push(b'/');
    }
    joined.extend_from_slice(&out.join(&b'/'));
    if joined.is_empty() {
        joined.push(b'.');
    }
    PathBuf::from(OsString::from_vec(joined))
}

/// Whether a directory entry named `name` is a drop-in candidate (`*.conf`, case-sensitive).
pub(crate) fn is_drop_in_name(name: &OsStr) -> bool {
    name.as_bytes().ends_with(b".conf")
}

/// The drop-in candidates of a listed directory: entries whose own type is not a directory
/// and whose name ends in `.conf`, in byte order of the names.
pub(crate) fn list_candidates(io_dir: &Path) -> io::Result<Vec<OsString>> {
    let mut names = Vec::new();
    for entry in fs::read_dir(io_dir)? {
        let entry = entry?;
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let name = entry.file_name();
        if is_drop_in_name(&name) {
            names.push(name);
        }
    }
    names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    Ok(names)
}

/// Go's text for a failed system call: `<op> <path>: <reason>`.
pub(crate) fn go_io_text(op: &str, display: &str, e: &io::Error) -> String {
    let text = match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        io::ErrorKind::IsADirectory => "is a directory".to_owned(),
        io::ErrorKind::NotADirectory => "not a directory".to_owned(),
        _ => {
            let s = e.to_string();
            let s = s.split(" (os error").next().unwrap_or(&s).to_owned();
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
                None => s,
            }
        }
    };
    format!("{op} {display}: {text}")
}

fn io_error(message: String, file: &str) -> Error {
    Error::with_details(
        ErrorKind::InvalidConfig("io"),
        message,
        Some(file.to_owned()),
        None,
        None,
    )
}

/// What a walk over the files hands to its caller.
pub(crate) trait Visitor {
    /// One file's text, in reading order.
    fn file(&mut self, path: &FilePath, role: Role, text: &str) -> Result<(), Error>;
    /// A problem reading or finding files. Returning `Ok` carries on where that makes sense
    /// (a listing that failed contributes no files); `Err` stops the walk.
    fn problem(&mut self, e: Error) -> Result<(), Error>;
    /// A drop-in hidden by a same-named file of a higher-priority directory.
    fn shadowed(&mut self, _file: ShadowedFile) {}
}

/// Reads every file of `sources` in order — main file, in-memory drop-ins, drop-ins,
/// override — handing each to `visitor`; the main file is read (and visited) before any
/// directory is listed.
pub(crate) fn walk(sources: &ConfigSources, visitor: &mut dyn Visitor) -> Result<Walked, Error> {
    let layout = Layout::of(sources);
    let main = walk_layout(sources, &layout, visitor)?;
    Ok(Walked {
        main,
        blocked_in: layout.blocked_in,
    })
}

/// What a walk found out besides the files.
pub(crate) struct Walked {
    /// The main file's path as messages show it (the file read, else the first candidate).
    pub main: Arc<str>,
    /// See [`Layout::blocked_in`].
    pub blocked_in: String,
}

fn walk_layout(
    sources: &ConfigSources,
    layout: &Layout,
    visitor: &mut dyn Visitor,
) -> Result<Arc<str>, Error> {
    let compat = layout.compat;
    let limits = *sources.input_limits();
    let fp = |p: &Path| FilePath {
        io: sources.io_path(p),
        display: Arc::from(lossy(p)),
        name: p.to_path_buf(),
    };
    let read = |f: &FilePath, role: Role| -> Result<Option<String>, Error> {
        let prefix = compat.prefix_kind(role);
        match super::read_limited_display(&f.io, &f.display, limits.max_file_size) {
            Ok(t) => Ok(t),
            // v5.40: failures to open a file while searching are not wrapped.
            Err(p) if compat == Compat::V5_40 && p.at_open => Err(io_error(p.message, &f.display)),
            Err(p) => Err(Error::with_details(
                p.kind,
                format!("loading {prefix} {}: {}", Q(&f.display), p.message),
                Some(f.display.to_string()),
                None,
                None,
            )),
        }
    };
    let missing = |f: &FilePath, role: Role| {
        let text = go_io_text("open", &f.display, &io::ErrorKind::NotFound.into());
        match compat {
            Compat::V5_40 => io_error(text, &f.display),
            Compat::V5_23 => io_error(
                format!(
                    "loading {} {}: {text}",
                    compat.prefix_kind(role),
                    Q(&f.display)
                ),
                &f.display,
            ),
        }
    };

    // Main file.
    let mut main_display: Option<Arc<str>> = None;
    for candidate in &layout.main {
        let f = fp(candidate);
        match read(&f, Role::Main) {
            Ok(Some(text)) => {
                main_display = Some(f.display.clone());
                visitor.file(&f, Role::Main, &text)?;
                break;
            }
            Ok(None) if !layout.main_required => continue,
            Ok(None) => {
                visitor.problem(missing(&f, Role::Main))?;
                break;
            }
            Err(e) => {
                visitor.problem(e)?;
                // Nothing after a failed search is looked at in v5.40.
                if compat == Compat::V5_40 {
                    return Ok(main_display.unwrap_or_else(|| f.display.clone()));
                }
                break;
            }
        }
    }
    let main_display = main_display
        .or_else(|| layout.main.first().map(|p| fp(p).display))
        .unwrap_or_else(|| Arc::from(""));

    for (name, contents) in sources.prepended_drop_ins() {
        let f = FilePath {
            io: PathBuf::from(name),
            display: Arc::from(name.as_str()),
            name: PathBuf::from(name),
        };
        visitor.file(&f, Role::DropIn, contents)?;
    }

    // Drop-ins: every directory is listed before any drop-in is read.
    let drop_ins = match compat {
        Compat::V5_23 => list_v5_23(sources, &layout.dirs, visitor)?,
        Compat::V5_40 => match list_v5_40(sources, &layout.dirs, visitor)? {
            Some(d) => d,
            None => return Ok(main_display),
        },
    };
    for f in drop_ins {
        match read(&f, Role::DropIn) {
            Ok(Some(text)) => visitor.file(&f, Role::DropIn, &text)?,
            Ok(None) if compat == Compat::V5_40 => {}
            Ok(None) => visitor.problem(missing(&f, Role::DropIn))?,
            Err(e) => visitor.problem(e)?,
        }
    }

    if let Some(o) = &layout.override_file {
        let f = fp(o);
        match read(&f, Role::Override) {
            Ok(Some(text)) => visitor.file(&f, Role::Override, &text)?,
            Ok(None) => visitor.problem(missing(&f, Role::Override))?,
            Err(e) => visitor.problem(e)?,
        }
    }
    Ok(main_display)
}

/// v5.23 (spec rules 10–11): each directory walked without following it; a symlink or a
/// regular file in its place is ignored (unless its own name ends in `.conf`: then, as
/// `filepath.WalkDir` visits the root itself, it is a drop-in); drop-ins directory by
/// directory.
fn list_v5_23(
    sources: &ConfigSources,
    dirs: &[PathBuf],
    visitor: &mut dyn Visitor,
) -> Result<Vec<FilePath>, Error> {
    let mut out = Vec::new();
    for dir in dirs {
        let display = lossy(dir);
        let io_dir = sources.io_path(dir);
        let walk_err = |op: &str, e: &io::Error| {
            io_error(
                format!("reading registries.conf.d: {}", go_io_text(op, &display, e)),
                &display,
            )
        };
        let meta = match fs::symlink_metadata(&io_dir) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => {
                visitor.problem(walk_err("lstat", &e))?;
                continue;
            }
        };
        if !meta.is_dir() {
            if is_drop_in_name(dir.as_os_str()) {
                out.push(FilePath {
                    io: io_dir,
                    display: Arc::from(display.as_str()),
                    name: dir.to_path_buf(),
                });
            }
            continue;
        }
        match list_candidates(&io_dir) {
            Ok(names) => out.extend(names.into_iter().map(|n| join(sources, dir, &n))),
            Err(e) => visitor.problem(walk_err("open", &e))?,
        }
    }
    Ok(out)
}

/// The drop-in `name` of directory `dir`, cleaned like `filepath.Join`.
fn join(sources: &ConfigSources, dir: &Path, name: &OsStr) -> FilePath {
    let p = clean(&dir.join(name));
    FilePath {
        io: sources.io_path(&p),
        display: Arc::from(lossy(&p)),
        name: p,
    }
}

/// v5.40 (spec rules 20–22): directories listed lowest priority first, symlinks followed; a
/// same-named file of a later (higher-priority) directory replaces an earlier one; the
/// survivors in byte order of their names. `None` when a listing failed (the walk stops).
fn list_v5_40(
    sources: &ConfigSources,
    dirs: &[PathBuf],
    visitor: &mut dyn Visitor,
) -> Result<Option<Vec<FilePath>>, Error> {
    let mut by_name: BTreeMap<Vec<u8>, FilePath> = BTreeMap::new();
    for dir in dirs {
        let io_dir = sources.io_path(dir);
        let names = match list_candidates(&io_dir) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => {
                let display = lossy(dir);
                visitor.problem(io_error(go_io_text("open", &display, &e), &display))?;
                return Ok(None);
            }
        };
        for name in names {
            let f = join(sources, dir, &name);
            if let Some(old) = by_name.insert(name.into_vec(), f.clone()) {
                visitor.shadowed(ShadowedFile {
                    path: old.display,
                    by: f.display,
                });
            }
        }
    }
    Ok(Some(by_name.into_values().collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_like_go() {
        let c = |s: &str| clean(Path::new(s)).to_string_lossy().into_owned();
        assert_eq!(c("registries.conf.d/x.conf"), "registries.conf.d/x.conf");
        assert_eq!(c("./d//x.conf"), "d/x.conf");
        assert_eq!(c("/etc/../x"), "/x");
        assert_eq!(c("../a/./b/"), "../a/b");
        assert_eq!(c(""), ".");
    }

    fn blocked(host: &Host, compat: Compat) -> String {
        let s = ConfigSources::discover(host).compat(compat);
        Layout::of(&s).blocked_in
    }

    #[test]
    fn v5_40_blocked_lists_every_candidate() {
        let host = Host::new().sysroot("/r").home("/h");
        assert_eq!(
            blocked(&host, Compat::V5_40),
            "in one of [\"/h/.config/containers/registries.conf\" \"/r/etc/containers/registries.conf\" \
             \"/r/usr/share/containers/registries.conf\" \"/h/.config/containers/registries.conf.d\" \
             \"/r/etc/containers/registries.rootful.conf.d\" \"/r/etc/containers/registries.conf.d\" \
             \"/r/usr/share/containers/registries.rootful.conf.d\" \"/r/usr/share/containers/registries.conf.d\"]"
        );
        let env = host.clone().var("CONTAINERS_REGISTRIES_CONF", "/x.conf");
        assert_eq!(blocked(&env, Compat::V5_40), "in one of [\"/x.conf\"]");
    }

    #[test]
    fn rootless_dirs_and_relative_xdg() {
        let host = Host::new()
            .sysroot("/r")
            .home("/h")
            .uid(7)
            .var("XDG_CONFIG_HOME", "");
        let l = Layout::of(&ConfigSources::discover(&host).compat(Compat::V5_40));
        assert_eq!(l.main[0], Path::new("containers/registries.conf"));
        let dirs: Vec<String> = l.dirs.iter().rev().map(|d| lossy(d)).collect();
        assert_eq!(
            dirs,
            [
                "containers/registries.conf.d",
                "/r/etc/containers/registries.rootless.conf.d/7",
                "/r/etc/containers/registries.rootless.conf.d",
                "/r/etc/containers/registries.conf.d",
                "/r/usr/share/containers/registries.rootless.conf.d/7",
                "/r/usr/share/containers/registries.rootless.conf.d",
                "/r/usr/share/containers/registries.conf.d",
            ]
        );
    }

    #[test]
    fn v5_23_environment_precedence() {
        let host = Host::new()
            .home("/nonexistent-home")
            .var("CONTAINERS_REGISTRIES_CONF", "")
            .var("REGISTRIES_CONFIG_PATH", "/legacy.conf");
        let l = Layout::of(&ConfigSources::discover(&host));
        assert_eq!(l.main, [PathBuf::from(ETC_CONF)]);
        assert!(!l.main_required);
        let host = Host::new().var("REGISTRIES_CONFIG_PATH", "/legacy.conf");
        let l = Layout::of(&ConfigSources::discover(&host));
        assert_eq!(l.main, [PathBuf::from("/legacy.conf")]);
        assert!(l.main_required);
    }

    #[test]
    fn rootless_uid_variable_wins_and_garbage_is_root() {
        let h = Host::new().uid(1000).home("/h");
        assert_eq!(h.uid_with(h.euid), 1000);
        let h = h.var("_CONTAINERS_ROOTLESS_UID", "zz");
        assert_eq!(h.uid_with(h.euid), 0);
        assert_eq!(
            h.user_alias_cache().unwrap(),
            Path::new("/var/cache/containers/short-name-aliases.conf")
        );
    }
}
