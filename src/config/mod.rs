//! Configuration: where the files are ([`ConfigSources`]), decoding and validating each file,
//! drop-in discovery and merging (resolution rules 1–24), giving one immutable [`Config`].
//!
//! ```
//! use shortnames::{Config, ConfigSources, ShortNameMode};
//!
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("registries.conf"), r#"
//! unqualified-search-registries = ["registry.access.redhat.com", "docker.io"]
//! [[registry]]
//! location = "quay.io"
//! [[registry.mirror]]
//! location = "mirror.example.net/quay"
//! "#).unwrap();
//! let config = Config::load(&ConfigSources::new().registries_conf(dir.path().join("registries.conf"))).unwrap();
//! assert_eq!(config.short_name_mode, ShortNameMode::Permissive);
//! assert_eq!(config.unqualified_search_registries.len(), 2);
//! assert_eq!(&*config.registries[0].mirrors[0].location, "mirror.example.net/quay");
//! ```

pub(crate) mod aliases;
mod builtin;
pub(crate) mod decode;
pub(crate) mod discovery;
pub(crate) mod fastscan;
pub(crate) mod file;
mod memory;
pub(crate) mod migrate;
pub(crate) mod paths;
pub(crate) mod raw;
pub(crate) mod schema;
pub(crate) mod toml;
pub(crate) mod upgrade;

pub use builtin::{BUILTIN_DROP_INS, BUILTIN_SEARCH_ORIGIN, BUILTIN_SEARCH_REGISTRIES};

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rustc_hash::FxHashMap;

pub(crate) use discovery::{list_candidates, Layout};
pub use discovery::{Compat, Host, ShadowedFile};
pub use migrate::Migration;
pub use paths::{ConfigSources, Limits};
pub(crate) use paths::{SYSTEM_REGISTRIES_CONF, SYSTEM_REGISTRIES_CONF_D};
pub(crate) use upgrade::upgrade_findings;

use crate::error::{Error, ErrorKind, Location};
use crate::profile::Profile;
use crate::quote::{Q, QP};
use crate::reference::Reference;
use aliases::{AliasEntry, AliasMap};

/// The name of the default credential helper, used when none is configured.
pub(crate) const AUTH_FILE_HELPER: &str = "containers-auth.json";

/// How short names that miss every alias are treated.
///
/// ```
/// use shortnames::ShortNameMode;
/// assert_eq!(ShortNameMode::parse("permissive"), Some(ShortNameMode::Permissive));
/// assert_eq!(ShortNameMode::parse("Permissive"), None); // exact, as the reference
/// assert_eq!(ShortNameMode::Disabled.as_str(), "disabled");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShortNameMode {
    /// Use every search registry, never prompt.
    Disabled,
    /// Use every search registry when there is no terminal (the default).
    Permissive,
    /// Fail when more than one search registry applies and there is no terminal.
    Enforcing,
}

impl ShortNameMode {
    /// Parses `disabled`, `permissive` or `enforcing` (exactly, case-sensitive).
    ///
    /// ```
    /// use shortnames::ShortNameMode;
    /// assert_eq!(ShortNameMode::parse("enforcing"), Some(ShortNameMode::Enforcing));
    /// assert_eq!(ShortNameMode::parse("Enforcing"), None);
    /// ```
    pub fn parse(s: &str) -> Option<ShortNameMode> {
        match s {
            "disabled" => Some(ShortNameMode::Disabled),
            "permissive" => Some(ShortNameMode::Permissive),
            "enforcing" => Some(ShortNameMode::Enforcing),
            _ => None,
        }
    }

    /// The configuration spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            ShortNameMode::Disabled => "disabled",
            ShortNameMode::Permissive => "permissive",
            ShortNameMode::Enforcing => "enforcing",
        }
    }
}

impl fmt::Display for ShortNameMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A mirror's `pull-from-mirror` setting.
///
/// ```
/// use shortnames::PullFromMirror;
/// assert_eq!(PullFromMirror::DigestOnly.as_str(), "digest-only");
/// assert_eq!(PullFromMirror::Unset.as_str(), ""); // not set: always used
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PullFromMirror {
    /// Not set (`""`): always used.
    Unset,
    /// `all`: always used.
    All,
    /// `digest-only`: only for references with a digest.
    DigestOnly,
    /// `tag-only`: only for references without a digest.
    TagOnly,
}

impl PullFromMirror {
    /// The configuration spelling (`""` when unset).
    pub fn as_str(&self) -> &'static str {
        match self {
            PullFromMirror::Unset => "",
            PullFromMirror::All => "all",
            PullFromMirror::DigestOnly => "digest-only",
            PullFromMirror::TagOnly => "tag-only",
        }
    }
}

/// A `[[registry.mirror]]` endpoint.
///
/// ```
/// use shortnames::{Config, ConfigSources, PullFromMirror};
///
/// let sources = ConfigSources::from_text("r.conf", "[[registry]]\nlocation = \"quay.io\"\n[[registry.mirror]]\nlocation = \"m.example.com\"\npull-from-mirror = \"digest-only\"\n");
/// let config = Config::load(&sources).unwrap();
/// let mirror = &config.registries[0].mirrors[0];
/// assert_eq!(&*mirror.location, "m.example.com");
/// assert_eq!(mirror.pull_from_mirror, PullFromMirror::DigestOnly);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Mirror {
    /// Location, trailing `/` trimmed.
    pub location: Arc<str>,
    /// The mirror's own `insecure` flag (not inherited from the registry).
    pub insecure: bool,
    /// When the mirror is used.
    pub pull_from_mirror: PullFromMirror,
}

/// An effective `[[registry]]` entry.
///
/// ```
/// use shortnames::{Config, ConfigSources};
///
/// let sources = ConfigSources::from_text("r.conf", "[[registry]]\nprefix = \"quay.io/team\"\nlocation = \"mirror.example.com/team\"\ninsecure = true\n");
/// let config = Config::load(&sources).unwrap();
/// let entry = &config.registries[0];
/// assert_eq!((&*entry.prefix, &*entry.location), ("quay.io/team", "mirror.example.com/team"));
/// assert!(entry.insecure && !entry.blocked && entry.mirrors.is_empty());
/// assert_eq!(entry.defined_at.unwrap().line, 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Registry {
    /// The prefix it applies to (defaults to the location; trailing `/` trimmed).
    pub prefix: Arc<str>,
    /// The physical location replacing the prefix (`""` only for a wildcard prefix).
    pub location: Arc<str>,
    /// Allow plain HTTP / unverified TLS for the primary location.
    pub insecure: bool,
    /// Refuse pulls whose physical reference falls under this entry.
    pub blocked: bool,
    /// Use mirrors only for references with a digest.
    pub mirror_by_digest_only: bool,
    /// Mirrors, tried in order before the primary location.
    pub mirrors: Vec<Mirror>,
    /// The file that defined the entry.
    pub origin: Arc<str>,
    /// Where in [`Registry::origin`] the entry starts.
    pub defined_at: Option<Location>,
    pub(crate) key: String,
}

impl Registry {
    /// Whether two entries act the same (everything but where they were defined).
    pub(crate) fn same_settings(&self, other: &Registry) -> bool {
        self.prefix == other.prefix
            && self.location == other.location
            && self.insecure == other.insecure
            && self.blocked == other.blocked
            && self.mirror_by_digest_only == other.mirror_by_digest_only
            && self.mirrors == other.mirrors
    }
}

/// Whether two lists of entries act the same, in order.
pub(crate) fn same_registries<R: std::ops::Deref<Target = Registry>>(a: &[R], b: &[R]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_settings(y))
}

/// A non-fatal observation about the configuration (the reference ignores these silently).
///
/// ```
/// use shortnames::{Config, ConfigSources};
///
/// let sources = ConfigSources::from_text("r.conf", "unqualified-search-registries = []\nshort-name-mod = \"permissive\"\n");
/// let config = Config::load(&sources).unwrap(); // an unknown key is ignored, with a warning
/// let w = &config.warnings[0];
/// assert_eq!((w.kind, &*w.file, w.location.unwrap().line), ("unknown-key", "r.conf", 2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Warning {
    /// A short machine-readable kind, e.g. `unknown-key`, `duplicate-prefix`.
    pub kind: &'static str,
    /// What is wrong, for people.
    pub message: String,
    /// The file.
    pub file: Arc<str>,
    /// The key path, when known.
    pub key: Option<String>,
    /// Line and column, when known.
    pub location: Option<Location>,
}

impl Warning {
    pub(crate) fn unknown_key(file: &Arc<str>, key: String, location: Option<Location>) -> Self {
        Warning {
            kind: "unknown-key",
            message: format!("unknown key `{key}` is ignored"),
            file: file.clone(),
            key: Some(key),
            location,
        }
    }

    pub(crate) fn duplicate_prefix(
        file: &Arc<str>,
        prefix: &str,
        key: String,
        location: Option<Location>,
        winner: String,
    ) -> Self {
        Warning {
            kind: "duplicate-prefix",
            message: format!(
                "[[registry]] with prefix {} is ignored: `{winner}` in the same file has the same prefix and wins",
                Q(prefix)
            ),
            file: file.clone(),
            key: Some(key),
            location,
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.location {
            write!(f, ":{l}")?;
        }
        write!(f, ": warning: {}", self.message)
    }
}

/// The merged, effective configuration of registries.conf and its drop-ins.
///
/// ```
/// use shortnames::{Config, ConfigSources, ShortNameMode};
///
/// let sources = ConfigSources::from_text("registries.conf", r#"
/// unqualified-search-registries = ["quay.io", "docker.io"]
/// [aliases]
/// "ubi9" = "registry.access.redhat.com/ubi9"
/// [[registry]]
/// location = "quay.io"
/// [[registry.mirror]]
/// location = "mirror.example.com/quay"
/// "#);
/// let config = Config::load(&sources).unwrap();
/// assert_eq!(config.short_name_mode, ShortNameMode::Permissive); // unset: as containers/image
/// assert_eq!(config.unqualified_search_registries.len(), 2);
/// assert_eq!(config.registries[0].mirrors[0].location.as_ref(), "mirror.example.com/quay");
/// assert_eq!(config.files, [std::sync::Arc::from("registries.conf")]);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// The effective mode (default `permissive`).
    pub short_name_mode: ShortNameMode,
    /// The search list, in order (empty if unset).
    pub unqualified_search_registries: Vec<Arc<str>>,
    /// The file that set the search list (`""` when no file did and the main file is absent).
    pub search_registries_origin: Arc<str>,
    /// Credential helpers (default `["containers-auth.json"]`).
    pub credential_helpers: Vec<String>,
    /// `additional-layer-store-auth-helper` (no behaviour). The key exists from
    /// containers/image v5.32 on; under the v5.23 schema the decoder applies it is an unknown
    /// key, so this stays empty.
    pub additional_layer_store_auth_helper: String,
    /// The effective `[[registry]]` entries, sorted by prefix (byte order).
    pub registries: Vec<Arc<Registry>>,
    /// Non-fatal observations (unknown keys, duplicate prefixes).
    pub warnings: Vec<Warning>,
    pub(crate) aliases: AliasMap,
    /// The main file as shown in messages.
    pub(crate) main_display: Arc<str>,
    /// The blocked message after `registry <prefix> is blocked ` (names the sources).
    pub(crate) blocked_in: Arc<str>,
    /// The files that were read, in order (main file first when it existed).
    pub files: Vec<Arc<str>>,
    /// Drop-ins that were not read because a same-named file of a higher-priority directory
    /// hides them ([`Compat::V5_40`] only), in listing order.
    pub shadowed: Vec<ShadowedFile>,
    /// The compat target the configuration was loaded under.
    pub compat: Compat,
    /// The behaviour profile the configuration was loaded under.
    pub profile: Profile,
    /// Every alias definition in load order, when [`ConfigSources::keep_alias_definitions`]
    /// asked for them.
    pub(crate) alias_definitions: Vec<(Box<str>, AliasEntry)>,
    /// Where the search list in force is written, when known (`explain`).
    pub(crate) search_registries_at: Option<Location>,
    /// The file (and place) that set the short-name mode in force, if any (`explain`).
    pub(crate) short_name_mode_at: Option<(Arc<str>, Option<Location>)>,
}

/// One effective system alias, for listings.
///
/// ```
/// use shortnames::{Config, ConfigSources};
///
/// let sources = ConfigSources::from_text("r.conf", "[aliases]\n\"ubi9\" = \"registry.access.redhat.com/ubi9\"\n\"old\" = \"\"\n");
/// let config = Config::load(&sources).unwrap();
/// let ubi9 = config.aliases().find(|a| a.name == "ubi9").unwrap();
/// assert_eq!(ubi9.value.unwrap().as_str(), "registry.access.redhat.com/ubi9");
/// assert_eq!((ubi9.origin, ubi9.location.unwrap().line), ("r.conf", 2));
/// assert!(config.aliases().find(|a| a.name == "old").unwrap().value.is_none()); // masked
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasInfo<'a> {
    /// The short name.
    pub name: &'a str,
    /// The target, or `None` when the name is masked with `""`.
    pub value: Option<&'a Reference>,
    /// The file that defined the winning entry.
    pub origin: &'a str,
    /// Where in that file the entry is, when known.
    pub location: Option<Location>,
}

impl Config {
    /// Loads and merges the configuration named by `sources`.
    pub fn load(sources: &ConfigSources) -> Result<Config, Error> {
        load(sources)
    }

    /// The effective system aliases (not the user alias file), sorted by name.
    ///
    /// ```
    /// use shortnames::{Config, ConfigSources};
    /// let sources = ConfigSources::new()
    ///     .registries_conf_d("/nonexistent")
    ///     .prepend_drop_in("builtin.conf", "[aliases]\nubi9 = \"registry.access.redhat.com/ubi9\"\n");
    /// let config = Config::load(&sources).unwrap();
    /// let all: Vec<_> = config.aliases().collect();
    /// assert_eq!(all[0].name, "ubi9");
    /// assert_eq!(all[0].value.unwrap().as_str(), "registry.access.redhat.com/ubi9");
    /// assert_eq!(all[0].origin, "builtin.conf");
    /// ```
    pub fn aliases(&self) -> impl Iterator<Item = AliasInfo<'_>> {
        let mut v: Vec<_> = self
            .aliases
            .iter()
            .map(|(k, e)| AliasInfo {
                name: k,
                value: e.value.as_ref(),
                origin: &e.origin,
                location: e.location,
            })
            .collect();
        v.sort_by(|a, b| a.name.cmp(b.name));
        v.into_iter()
    }

    /// Every system alias definition of every file, in load order (a later definition of the
    /// same name masks the earlier ones), when the configuration was loaded with
    /// [`ConfigSources::keep_alias_definitions`]; otherwise nothing. See that method for an
    /// example.
    pub fn alias_definitions(&self) -> impl Iterator<Item = AliasInfo<'_>> {
        self.alias_definitions.iter().map(|(k, e)| AliasInfo {
            name: k,
            value: e.value.as_ref(),
            origin: &e.origin,
            location: e.location,
        })
    }

    /// The system alias entry for `name`, if any file defines one (including `""` masks).
    pub(crate) fn alias(&self, name: &str) -> Option<&AliasEntry> {
        self.aliases.get(name)
    }

    /// The main configuration file path as shown in messages.
    pub fn main_file(&self) -> &str {
        &self.main_display
    }
}

/// An I/O problem reading a file, worded like Go's `*PathError`.
#[derive(Debug)]
pub(crate) struct ReadProblem {
    pub kind: ErrorKind,
    pub message: String,
    /// The file could not be opened (as opposed to read or decoded).
    pub at_open: bool,
}

use discovery::go_io_text;

/// Reads a whole file as UTF-8 with the size limit, through [`crate::fs::read_limited`]
/// (non-blocking open, regular files only). `Ok(None)` when it does not exist.
pub(crate) fn read_limited_display(
    path: &Path,
    display: &str,
    max: u64,
) -> Result<Option<String>, ReadProblem> {
    Ok(read_limited_stamped(path, display, max)?.map(|(text, _)| text))
}

/// [`read_limited_display`] with the stamp of the file that was read.
pub(crate) fn read_limited_stamped(
    path: &Path,
    display: &str,
    max: u64,
) -> Result<Option<(String, crate::fs::FileStamp)>, ReadProblem> {
    use crate::fs::ReadError;
    let (bytes, stamp) = match crate::fs::read_stamped(path, max) {
        Ok(Some(r)) => r,
        Ok(None) => return Ok(None),
        Err(ReadError::Io { op, error }) => {
            return Err(ReadProblem {
                kind: ErrorKind::InvalidConfig("io"),
                message: go_io_text(op, display, &error),
                at_open: op == "open",
            })
        }
        Err(e @ ReadError::NotRegular { .. }) => {
            return Err(ReadProblem {
                kind: ErrorKind::InvalidConfig("not-regular-file"),
                message: format!("{display}: {e}"),
                at_open: false,
            })
        }
        Err(e) => {
            return Err(ReadProblem {
                kind: ErrorKind::Limit("file-too-large"),
                message: format!("{display}: {e}"),
                at_open: false,
            })
        }
    };
    decode::text_from_bytes(bytes)
        .map(|text| Some((text, stamp)))
        .map_err(|e| ReadProblem {
            kind: ErrorKind::InvalidConfig("toml"),
            message: format!("toml: {}", e.message),
            at_open: false,
        })
}

/// The fuzz harness of the decoders (`fuzz/harness.rs`, target `decoders`): no panic; when
/// the fast scanner decodes the file bytes, the full decoder reads the same values at the same
/// spans, and the alias-file decoders agree. Not part of the API.
#[doc(hidden)]
pub fn fuzz_decoders(data: &[u8]) {
    let Ok(text) = decode::text_from_bytes(data.to_vec()) else {
        return;
    };
    decode::check_agreement(&text);
    if let (Ok(fast), Ok(full)) = (
        decode::decode_alias_file(&text),
        decode::decode_alias_file_full(&text),
    ) {
        let names = |f: &decode::RawAliasFile| -> Vec<(String, String)> {
            f.aliases
                .iter()
                .map(|a| (a.name.clone(), a.value.clone()))
                .collect()
        };
        assert_eq!(names(&fast), names(&full), "alias file {text:?}");
    }
}

/// The merge state (rule 23).
struct Merged {
    registries: FxHashMap<Arc<str>, Arc<Registry>>,
    usr: Vec<Arc<str>>,
    usr_origin: Arc<str>,
    usr_at: Option<Location>,
    mode_at: Option<(Arc<str>, Option<Location>)>,
    credential_helpers: Vec<String>,
    mode: Option<ShortNameMode>,
    aliases: AliasMap,
    additional_layer_store_auth_helper: String,
    warnings: Vec<Warning>,
    files: Vec<Arc<str>>,
    shadowed: Vec<ShadowedFile>,
    /// `Some` when every definition is to be kept (listings only).
    alias_definitions: Option<Vec<(Box<str>, AliasEntry)>>,
}

impl Merged {
    fn apply(&mut self, f: file::FileConfig, origin: &Arc<str>) {
        for r in f.registries {
            self.registries.insert(r.prefix.clone(), r);
        }
        if let Some(usr) = f.usr {
            self.usr = usr;
            self.usr_origin = origin.clone();
            self.usr_at = f.usr_at;
        }
        if let Some(h) = f.credential_helpers {
            self.credential_helpers = h;
        }
        if f.short_name_mode.is_some() {
            self.mode = f.short_name_mode;
            self.mode_at = Some((origin.clone(), f.mode_at));
        }
        if !f.additional_layer_store_auth_helper.is_empty() {
            self.additional_layer_store_auth_helper = f.additional_layer_store_auth_helper;
        }
        self.aliases.reserve(f.aliases.len());
        if let Some(defs) = &mut self.alias_definitions {
            defs.extend(f.aliases.iter().cloned());
        }
        for (k, v) in f.aliases {
            self.aliases.insert(k, v);
        }
        self.warnings.extend(f.warnings);
        self.files.push(origin.clone());
    }
}

/// Under the hardened profile an unknown key fails the file (the first one, in file order).
fn refuse_unknown_keys(
    sources: &ConfigSources,
    prefix_kind: &str,
    name: &Path,
    f: &file::FileConfig,
) -> Result<(), Error> {
    let display = &*name.to_string_lossy();
    if !sources.selected_profile().is_hardened() {
        return Ok(());
    }
    match f.warnings.iter().find(|w| w.kind == "unknown-key") {
        None => Ok(()),
        Some(w) => Err(Error::with_details(
            ErrorKind::InvalidConfig("unknown-key"),
            format!(
                "loading {prefix_kind} {}: unknown key {} (refused by the hardened profile)",
                QP(name),
                Q(w.key.as_deref().unwrap_or_default())
            ),
            Some(display.to_owned()),
            w.key.clone(),
            w.location,
        )),
    }
}

/// `loading <what> "<file>": <problem>` (the file name quoted from its bytes).
fn wrap(prefix_kind: &str, name: &Path, p: file::FileProblem) -> Error {
    Error::with_details(
        p.kind,
        format!("loading {prefix_kind} {}: {}", QP(name), p.message),
        Some(name.to_string_lossy().into_owned()),
        p.key,
        p.location,
    )
}

/// The loader's side of the walk: decode, validate and merge each file; stop at the first
/// problem — or, with an observer (`check`), hand every problem to it and carry on.
struct Loader<'a> {
    sources: &'a ConfigSources,
    merged: Merged,
    observer: Option<&'a mut dyn LoadObserver>,
}

impl discovery::Visitor for Loader<'_> {
    fn file(
        &mut self,
        path: &discovery::FilePath,
        role: discovery::Role,
        text: &str,
    ) -> Result<(), Error> {
        let compat = self.sources.compat_target();
        let prefix = compat.prefix_kind(role);
        let drop_in = role != discovery::Role::Main;
        // v5.23: the main file is the search-list origin even when it sets no list.
        if role == discovery::Role::Main && compat == Compat::V5_23 {
            self.merged.usr_origin = path.display.clone();
        }
        let f = match self.observer.as_deref_mut() {
            Some(o) => match o.file(
                &path.display,
                &path.name,
                prefix,
                text,
                drop_in,
                self.sources,
            ) {
                Some(f) => f,
                None => return Ok(()),
            },
            None => {
                let f = file::load(
                    text,
                    &path.display,
                    drop_in,
                    compat,
                    self.sources.input_limits(),
                )
                .map_err(|p| wrap(prefix, &path.name, p))?;
                refuse_unknown_keys(self.sources, prefix, &path.name, &f)?;
                f
            }
        };
        self.merged.apply(f, &path.display);
        Ok(())
    }

    fn problem(&mut self, e: Error) -> Result<(), Error> {
        match self.observer.as_deref_mut() {
            Some(o) => {
                o.problem(e);
                Ok(())
            }
            None => Err(e),
        }
    }

    fn shadowed(&mut self, f: ShadowedFile) {
        if let Some(o) = self.observer.as_deref_mut() {
            o.shadowed(&f);
        }
        self.merged.shadowed.push(f);
    }
}

/// Watches the one loader: `check` sees every file and every problem through it (and loads
/// each file in collect mode) instead of walking and decoding the files itself. With an
/// observer the loader never stops early: what the default path would fail with is handed
/// to [`LoadObserver::problem`] and loading goes on.
pub(crate) trait LoadObserver {
    /// Validates one file's text in collect mode (recording its problems); `None` when none
    /// of it can be used.
    /// `prefix_kind` starts its messages (`registries configuration`, ...); `name` is the
    /// shown path with the file name's bytes as they are (messages quote it from its bytes).
    fn file(
        &mut self,
        origin: &Arc<str>,
        name: &Path,
        prefix_kind: &str,
        text: &str,
        drop_in: bool,
        sources: &ConfigSources,
    ) -> Option<file::FileConfig>;
    /// A problem the default load stops at (an unreadable file, a drop-in directory error).
    fn problem(&mut self, err: Error);
    /// A drop-in hidden by a same-named file of a higher-priority directory.
    fn shadowed(&mut self, _file: &ShadowedFile) {}
}

/// Loads with `observer` watching: never fails, see [`LoadObserver`].
pub(crate) fn load_observed<'a>(
    sources: &'a ConfigSources,
    observer: &'a mut dyn LoadObserver,
) -> Config {
    match load_with(sources, Some(observer)) {
        Ok(c) => c,
        Err(_) => unreachable!("an observed load hands every problem to the observer"),
    }
}

fn load(sources: &ConfigSources) -> Result<Config, Error> {
    load_with(sources, None)
}

fn load_with<'a>(
    sources: &'a ConfigSources,
    observer: Option<&'a mut dyn LoadObserver>,
) -> Result<Config, Error> {
    let mut loader = Loader {
        sources,
        observer,
        merged: Merged {
            registries: FxHashMap::default(),
            usr: Vec::new(),
            usr_origin: Arc::from(""),
            usr_at: None,
            mode_at: None,
            credential_helpers: Vec::new(),
            mode: None,
            aliases: AliasMap::default(),
            additional_layer_store_auth_helper: String::new(),
            warnings: Vec::new(),
            files: Vec::new(),
            shadowed: Vec::new(),
            alias_definitions: sources.keeps_alias_definitions().then(Vec::new),
        },
    };
    // In-memory configuration (memory.rs): the texts are visited, no file is read.
    let walked = match memory::walk(sources, &mut loader) {
        Some(walked) => walked?,
        None => discovery::walk(sources, &mut loader)?,
    };
    let merged = loader.merged;
    let mut registries: Vec<Arc<Registry>> = merged.registries.into_values().collect();
    registries.sort_by(|a, b| a.prefix.as_bytes().cmp(b.prefix.as_bytes()));
    let credential_helpers = match merged.credential_helpers.is_empty() {
        true => vec![AUTH_FILE_HELPER.to_owned()],
        false => merged.credential_helpers,
    };
    Ok(Config {
        short_name_mode: merged.mode.unwrap_or(ShortNameMode::Permissive),
        unqualified_search_registries: merged.usr,
        search_registries_origin: merged.usr_origin,
        credential_helpers,
        additional_layer_store_auth_helper: merged.additional_layer_store_auth_helper,
        registries,
        warnings: merged.warnings,
        aliases: merged.aliases,
        main_display: walked.main,
        blocked_in: Arc::from(walked.blocked_in),
        files: merged.files,
        shadowed: merged.shadowed,
        compat: sources.compat_target(),
        profile: sources.selected_profile(),
        alias_definitions: merged.alias_definitions.unwrap_or_default(),
        search_registries_at: merged.usr_at,
        short_name_mode_at: merged.mode_at,
    })
}
