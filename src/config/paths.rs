//! Which files make up the configuration (resolution rules 1–4, config-formats §1).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::ShortNameMode;
use crate::error::{Error, ErrorKind};
use crate::profile::Profile;

/// The system-wide main file.
pub const SYSTEM_REGISTRIES_CONF: &str = "/etc/containers/registries.conf";
/// The system-wide drop-in directory.
pub const SYSTEM_REGISTRIES_CONF_D: &str = "/etc/containers/registries.conf.d";

/// Where the configuration comes from: explicit paths, or the system defaults.
///
/// The default ([`ConfigSources::new`]) reads the system files only and never consults the
/// environment ($HOME, XDG variables), as a root daemon should.
/// [`ConfigSources::podman_compatible`] applies the per-user discovery of Podman.
///
/// Paths are used as given, both for reading and in messages; [`ConfigSources::fs_root`] makes
/// every path resolve inside a directory (like running there, or chrooted) while messages still
/// show the paths as configured.
///
/// ```
/// use shortnames::ConfigSources;
/// let sources = ConfigSources::new()
///     .registries_conf("/etc/containers/registries.conf")
///     .registries_conf_d("/etc/containers/registries.conf.d")
///     .user_aliases("/var/cache/containers/short-name-aliases.conf");
/// # let _ = sources;
/// ```
#[derive(Debug, Clone, Default)]
pub struct ConfigSources {
    limits: Limits,
    registries_conf: Option<PathBuf>,
    registries_conf_d: Option<PathBuf>,
    user_aliases: Option<PathBuf>,
    root: Option<PathBuf>,
    home: Option<PathBuf>,
    prepended: Vec<(String, Arc<str>)>,
    short_name_mode: Option<ShortNameMode>,
    profile: Profile,
    keep_alias_definitions: bool,
}

/// Bounds on inputs, so that hostile or broken files give a clear error instead of unbounded
/// memory use.
///
/// ```
/// use shortnames::config::Limits;
/// let l = Limits::default();
/// assert_eq!(l.max_file_size, 4 << 20);
/// assert_eq!(l.max_aliases_per_file, 100_000);
/// assert_eq!(l.max_name_len, 4096);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest configuration, alias or credentials file, in bytes (default 4 MiB).
    pub max_file_size: u64,
    /// Most `[aliases]` entries in one file (default 100,000).
    pub max_aliases_per_file: usize,
    /// Longest image name accepted for resolution, in bytes (default 4 KiB).
    pub max_name_len: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_size: 4 << 20,
            max_aliases_per_file: 100_000,
            max_name_len: 4096,
        }
    }
}

impl Limits {
    /// Sets the largest file size, in bytes.
    pub fn with_max_file_size(mut self, bytes: u64) -> Limits {
        self.max_file_size = bytes;
        self
    }

    /// Sets the most aliases per file.
    pub fn with_max_aliases_per_file(mut self, n: usize) -> Limits {
        self.max_aliases_per_file = n;
        self
    }

    /// Sets the longest name, in bytes.
    pub fn with_max_name_len(mut self, n: usize) -> Limits {
        self.max_name_len = n;
        self
    }
}

pub(crate) struct MainFile {
    pub path: PathBuf,
    pub display: String,
    pub explicit: bool,
}

impl ConfigSources {
    /// The system defaults: `/etc/containers/registries.conf` (missing = empty configuration),
    /// `/etc/containers/registries.conf.d`, no user alias file.
    pub fn new() -> ConfigSources {
        ConfigSources::default()
    }

    /// Podman-compatible discovery: `CONTAINERS_REGISTRIES_CONF` (else
    /// `REGISTRIES_CONFIG_PATH`) as the explicit main file, the per-user files under `$HOME`,
    /// and the alias cache chosen by effective UID (`_CONTAINERS_ROOTLESS_UID` first) and
    /// `XDG_CACHE_HOME`.
    pub fn podman_compatible() -> ConfigSources {
        let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        let mut s = ConfigSources::new();
        if let Some(p) = env("CONTAINERS_REGISTRIES_CONF").or_else(|| env("REGISTRIES_CONFIG_PATH"))
        {
            s.registries_conf = Some(PathBuf::from(p));
        }
        s.home = env("HOME").map(PathBuf::from);
        s.user_aliases = crate::alias_cache::podman_default_cache_path();
        s
    }

    /// Sets the main file explicitly (a missing file is then an error).
    pub fn registries_conf(mut self, path: impl Into<PathBuf>) -> Self {
        self.registries_conf = Some(path.into());
        self
    }

    /// Sets the only drop-in directory (a missing directory is not an error).
    pub fn registries_conf_d(mut self, path: impl Into<PathBuf>) -> Self {
        self.registries_conf_d = Some(path.into());
        self
    }

    /// Sets the user alias file (a missing file means no user aliases; it is never created).
    pub fn user_aliases(mut self, path: impl Into<PathBuf>) -> Self {
        self.user_aliases = Some(path.into());
        self
    }

    /// Resolves every path inside `dir` for reading, while messages show paths as configured.
    pub fn fs_root(mut self, dir: impl Into<PathBuf>) -> Self {
        self.root = Some(dir.into());
        self
    }

    /// Layers an in-memory drop-in before the drop-in directories (after the main file), under
    /// the display name `name`. Used for the built-in alias table.
    pub fn prepend_drop_in(
        mut self,
        name: impl Into<String>,
        contents: impl Into<Arc<str>>,
    ) -> Self {
        self.prepended.push((name.into(), contents.into()));
        self
    }

    /// Overrides the configured short-name mode (as a runtime such as CRI-O does). The
    /// configuration is still loaded and validated.
    pub fn short_name_mode(mut self, mode: ShortNameMode) -> Self {
        self.short_name_mode = Some(mode);
        self
    }

    /// Keeps every alias definition of every file, not only the winners, so that
    /// [`Config::alias_definitions`](crate::Config::alias_definitions) can show which
    /// definitions a later file masks (for listings such as `shortnames alias list`). Off by
    /// default: resolution does not need it.
    ///
    /// ```
    /// use shortnames::{Config, ConfigSources};
    /// let sources = ConfigSources::new()
    ///     .registries_conf_d("/nonexistent")
    ///     .prepend_drop_in("a.conf", "[aliases]\nx = \"quay.io/a/x\"\n")
    ///     .prepend_drop_in("b.conf", "[aliases]\nx = \"quay.io/b/x\"\n")
    ///     .keep_alias_definitions(true);
    /// let config = Config::load(&sources).unwrap();
    /// let origins: Vec<&str> = config.alias_definitions().map(|d| d.origin).collect();
    /// assert_eq!(origins, ["a.conf", "b.conf"]);
    /// ```
    pub fn keep_alias_definitions(mut self, keep: bool) -> Self {
        self.keep_alias_definitions = keep;
        self
    }

    pub(crate) fn keeps_alias_definitions(&self) -> bool {
        self.keep_alias_definitions
    }

    /// Sets the input limits (default: [`Limits::default`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The input limits in force.
    pub fn input_limits(&self) -> &Limits {
        &self.limits
    }

    /// Whether anything other than the defaults was configured.
    pub fn is_default(&self) -> bool {
        self.registries_conf.is_none()
            && self.registries_conf_d.is_none()
            && self.user_aliases.is_none()
            && self.prepended.is_empty()
    }

    /// Selects the behaviour profile (default [`Profile::Compatible`]); see
    /// [`Profile`] for what [`Profile::Hardened`] changes.
    ///
    /// ```
    /// use shortnames::{ConfigSources, Profile};
    /// let s = ConfigSources::new().profile(Profile::Hardened);
    /// assert_eq!(s.selected_profile(), Profile::Hardened);
    /// assert_eq!(ConfigSources::new().selected_profile(), Profile::Compatible);
    /// ```
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// The behaviour profile in force.
    pub fn selected_profile(&self) -> Profile {
        self.profile
    }

    pub(crate) fn mode_override(&self) -> Option<ShortNameMode> {
        self.short_name_mode
    }

    fn user_main(&self) -> Option<PathBuf> {
        self.home
            .as_ref()
            .map(|h| h.join(".config/containers/registries.conf"))
    }

    fn user_dir(&self) -> Option<PathBuf> {
        self.home
            .as_ref()
            .map(|h| h.join(".config/containers/registries.conf.d"))
    }

    fn uses_user_main(&self) -> bool {
        self.registries_conf.is_none()
            && self.user_main().is_some_and(|p| self.io_path(&p).exists())
    }

    pub(crate) fn main_file(&self) -> MainFile {
        let (path, explicit) = match &self.registries_conf {
            Some(p) => (p.clone(), true),
            None if self.uses_user_main() => (self.user_main().unwrap_or_default(), false),
            None => (PathBuf::from(SYSTEM_REGISTRIES_CONF), false),
        };
        MainFile {
            display: path.to_string_lossy().into_owned(),
            path,
            explicit,
        }
    }

    pub(crate) fn drop_in_dirs(&self) -> Vec<PathBuf> {
        if let Some(d) = &self.registries_conf_d {
            return vec![d.clone()];
        }
        if self.uses_user_main() {
            return self.user_dir().into_iter().collect();
        }
        let mut v = vec![PathBuf::from(SYSTEM_REGISTRIES_CONF_D)];
        v.extend(self.user_dir());
        v
    }

    /// `ConfigDirPath`: the per-user directory when one is in use, else the system one.
    pub(crate) fn blocked_message_dir(&self) -> String {
        self.drop_in_dirs()
            .last()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    pub(crate) fn user_alias_file(&self) -> Option<(PathBuf, String)> {
        self.user_aliases
            .as_ref()
            .map(|p| (self.io_path(p), p.to_string_lossy().into_owned()))
    }

    pub(crate) fn prepended_drop_ins(&self) -> impl Iterator<Item = (&String, &str)> {
        self.prepended.iter().map(|(n, c)| (n, &**c))
    }

    /// The path to read for a configured path.
    pub(crate) fn io_path(&self, p: &Path) -> PathBuf {
        match &self.root {
            None => p.to_path_buf(),
            Some(root) => root.join(p.strip_prefix("/").unwrap_or(p)),
        }
    }
}

/// Go's `filepath.Clean`.
pub(crate) fn go_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for comp in p.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|c| *c != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            c => out.push(c),
        }
    }
    let joined = out.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// Drop-in discovery in one directory (rule 3): direct children whose path ends in `.conf`,
/// directories skipped, byte order; a missing directory gives none.
pub(crate) fn discover_drop_ins(sources: &ConfigSources, dir: &Path) -> Result<Vec<String>, Error> {
    let display = dir.to_string_lossy().into_owned();
    let io_dir = sources.io_path(dir);
    let walk_err = |e: &io::Error| {
        Error::with_details(
            ErrorKind::InvalidConfig("io"),
            format!(
                "reading registries.conf.d: {}",
                super::go_io_text("open", &display, e)
            ),
            Some(display.clone()),
            None,
            None,
        )
    };
    // Like filepath.WalkDir, the root is not followed when it is a symbolic link.
    let meta = match fs::symlink_metadata(&io_dir) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(walk_err(&e)),
    };
    if !meta.is_dir() {
        return Ok(if display.ends_with(".conf") {
            vec![display]
        } else {
            Vec::new()
        });
    }
    let entries = fs::read_dir(&io_dir).map_err(|e| walk_err(&e))?;
    let mut names: Vec<(Vec<u8>, String)> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| walk_err(&e))?;
        let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
        if is_dir {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = go_clean(&format!("{display}/{name}"));
        if path.ends_with(".conf") {
            names.push((name.into_bytes(), path));
        }
    }
    names.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(names.into_iter().map(|(_, p)| p).collect())
}

#[cfg(test)]
mod tests {
    use super::go_clean;

    #[test]
    fn clean_like_go() {
        assert_eq!(
            go_clean("registries.conf.d/x.conf"),
            "registries.conf.d/x.conf"
        );
        assert_eq!(go_clean("./d//x.conf"), "d/x.conf");
        assert_eq!(go_clean("/etc/../x"), "/x");
        assert_eq!(go_clean("../a/./b/"), "../a/b");
    }
}
