//! Which files make up the configuration (resolution rules 1–4, config-formats §1).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{Compat, Host, ShortNameMode};
use crate::profile::Profile;

/// The system-wide main file.
pub(crate) const SYSTEM_REGISTRIES_CONF: &str = "/etc/containers/registries.conf";
/// The system-wide drop-in directory.
pub(crate) const SYSTEM_REGISTRIES_CONF_D: &str = "/etc/containers/registries.conf.d";

/// Where the configuration comes from: explicit paths, or discovery on a described host.
///
/// [`ConfigSources::new`] reads the system files only and never consults the environment
/// ($HOME, XDG variables), as a root daemon should; explicit paths replace them.
/// [`ConfigSources::discover`] finds the files the way containers/image does on the host a
/// [`Host`] describes, under the [`Compat`] target chosen with [`ConfigSources::compat`]
/// (see `shared/spec/discovery.md`). Setting [`registries_conf`](ConfigSources::registries_conf)
/// or [`registries_conf_d`](ConfigSources::registries_conf_d) switches file discovery off
/// (the host then still decides the default user alias cache).
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
    registries_conf_d: Vec<PathBuf>,
    user_aliases: Option<PathBuf>,
    root: Option<PathBuf>,
    host: Option<Host>,
    compat: Compat,
    prepended: Vec<(String, Arc<str>)>,
    short_name_mode: Option<ShortNameMode>,
    profile: Profile,
    keep_alias_definitions: bool,
    /// The main file's text when the configuration is held in memory (see `memory.rs`).
    pub(crate) memory: Option<Arc<str>>,
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
    /// Largest configuration file (registries.conf, drop-in), in bytes (default 4 MiB);
    /// user alias files have their own, derived limit ([`Limits::max_alias_file_size`]).
    pub max_file_size: u64,
    /// Most `[aliases]` entries in one file (default 100,000).
    pub max_aliases_per_file: usize,
    /// Longest image name accepted for resolution, in bytes (default 4 KiB).
    pub max_name_len: usize,
}

/// Bytes allowed per alias entry when the size limit of a user alias file is derived from
/// the alias-count limit ([`Limits::max_alias_file_size`]); a typical entry
/// (`  "name" = "registry.example.com/namespace/name"`) takes about 45.
pub(crate) const ALIAS_ENTRY_BUDGET: u64 = 128;

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

    /// Largest user alias file (alias cache) accepted, in bytes: derived from the alias-count
    /// limit so that it is reachable — 128 bytes per alias, and never less
    /// than [`Limits::max_file_size`]. The default is 12.8 MB (100,000 × 128): a
    /// Podman-written cache of 100,000 ordinary entries (about 4.4 MB) loads.
    ///
    /// ```
    /// use shortnames::config::Limits;
    /// assert_eq!(Limits::default().max_alias_file_size(), 12_800_000);
    /// assert_eq!(Limits::default().with_max_aliases_per_file(10).max_alias_file_size(), 4 << 20);
    /// ```
    pub fn max_alias_file_size(&self) -> u64 {
        (self.max_aliases_per_file as u64)
            .saturating_mul(ALIAS_ENTRY_BUDGET)
            .max(self.max_file_size)
    }
}

impl ConfigSources {
    /// The system defaults: `/etc/containers/registries.conf` (missing = empty configuration),
    /// `/etc/containers/registries.conf.d`, no user alias file.
    pub fn new() -> ConfigSources {
        ConfigSources::default()
    }

    /// Discovery on `host`: the files containers/image reads there (under the compat target,
    /// default [`Compat::V5_23`]) and the user alias cache of its user. The files are found
    /// anew on every load (so a reload sees a per-user file created meanwhile).
    ///
    /// ```
    /// use shortnames::config::{Compat, Host};
    /// use shortnames::{Config, ConfigSources};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let home = dir.path().join("home");
    /// std::fs::create_dir_all(home.join(".config/containers/registries.conf.d")).unwrap();
    /// std::fs::write(home.join(".config/containers/registries.conf.d/10-me.conf"),
    ///     "unqualified-search-registries = [\"quay.io\"]\n").unwrap();
    /// let host = Host::new().sysroot(dir.path().join("root")).home(&home).uid(1000);
    /// let config = Config::load(&ConfigSources::discover(&host).compat(Compat::V5_40)).unwrap();
    /// assert!(config.files[0].ends_with("/home/.config/containers/registries.conf.d/10-me.conf"));
    /// ```
    pub fn discover(host: &Host) -> ConfigSources {
        ConfigSources {
            host: Some(host.clone()),
            ..ConfigSources::default()
        }
    }

    /// Discovery on the running process's host ([`Host::from_process_env`]) with the
    /// default compat target: what Podman reads for this user.
    pub fn podman_compatible() -> ConfigSources {
        ConfigSources::discover(&Host::from_process_env())
    }

    /// Selects the containers/image release whose rules apply (default [`Compat::V5_23`]):
    /// discovery, blocked-message wording, version-1 files, search-list origin, error prefixes.
    pub fn compat(mut self, compat: Compat) -> Self {
        self.compat = compat;
        self
    }

    /// The compat target in force.
    pub fn compat_target(&self) -> Compat {
        self.compat
    }

    /// The host discovery runs on, when file discovery is in use (no explicit file paths).
    pub fn discovery_host(&self) -> Option<&Host> {
        match self.registries_conf.is_none() && self.registries_conf_d.is_empty() {
            true => self.host.as_ref(),
            false => None,
        }
    }

    /// Sets the main file explicitly (a missing file is then an error).
    pub fn registries_conf(mut self, path: impl Into<PathBuf>) -> Self {
        self.registries_conf = Some(path.into());
        self
    }

    /// Adds a drop-in directory (a missing directory is not an error). Directories are
    /// given in application order: with [`Compat::V5_23`] every drop-in of the first, then of
    /// the next; with [`Compat::V5_40`] a later directory's file hides a same-named one of an
    /// earlier directory and the survivors apply in file-name order.
    pub fn registries_conf_d(mut self, path: impl Into<PathBuf>) -> Self {
        self.registries_conf_d.push(path.into());
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
            && self.registries_conf_d.is_empty()
            && self.user_aliases.is_none()
            && self.prepended.is_empty()
            && self.host.is_none()
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

    pub(crate) fn explicit_main(&self) -> Option<&Path> {
        self.registries_conf.as_deref()
    }

    pub(crate) fn explicit_dirs(&self) -> &[PathBuf] {
        &self.registries_conf_d
    }

    /// The host, also when explicit paths switched file discovery off.
    pub(crate) fn host(&self) -> Option<&Host> {
        self.host.as_ref()
    }

    /// The user alias file as configured: the one set with
    /// [`user_aliases`](ConfigSources::user_aliases), else (with discovery) the host's cache
    /// ([`Host::user_alias_cache`]); `None` without either.
    ///
    /// ```
    /// use shortnames::config::Host;
    /// use shortnames::ConfigSources;
    /// assert_eq!(ConfigSources::new().user_alias_path(), None);
    /// let s = ConfigSources::discover(&Host::new().uid(1000).home("/h"));
    /// assert_eq!(s.user_alias_path().unwrap(),
    ///     std::path::Path::new("/h/.cache/containers/short-name-aliases.conf"));
    /// ```
    pub fn user_alias_path(&self) -> Option<PathBuf> {
        self.user_aliases
            .clone()
            .or_else(|| self.host.as_ref()?.user_alias_cache())
    }

    /// The user alias file as read and as shown.
    pub(crate) fn user_alias_file(&self) -> Option<(PathBuf, String)> {
        self.user_alias_path()
            .map(|p| (self.io_path(&p), p.to_string_lossy().into_owned()))
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
