//! Resolution (resolution rules 29, 31–34, 43): from a name as typed to the ordered pull
//! candidates and, for each, its pull sources.
//!
//! A [`Resolver`] is built once from [`ConfigSources`]; it compiles the configuration into an
//! immutable snapshot and can then be shared by any number of threads (`Send + Sync`).
//!
//! ```
//! use shortnames::{ConfigSources, Resolver, ResolutionKind};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let conf = dir.path().join("registries.conf");
//! std::fs::write(&conf, r#"
//! unqualified-search-registries = ["registry.access.redhat.com", "docker.io"]
//! [aliases]
//! "ubi9" = "registry.access.redhat.com/ubi9"
//! "#).unwrap();
//! let resolver = Resolver::new(&ConfigSources::new().registries_conf(&conf).registries_conf_d(dir.path()));
//!
//! let r = resolver.resolve("ubi9:9.4").unwrap();
//! assert_eq!(r.kind, ResolutionKind::Alias);
//! assert_eq!(r.candidates[0].reference.as_str(), "registry.access.redhat.com/ubi9:9.4");
//! let sources = r.candidates[0].sources.as_ref().unwrap();
//! assert_eq!(sources[0].reference.as_str(), "registry.access.redhat.com/ubi9:9.4");
//!
//! let r = resolver.resolve("busybox").unwrap();
//! assert_eq!(r.kind, ResolutionKind::SearchRegistries);
//! assert_eq!(r.candidates.len(), 2);
//! assert_eq!(r.candidates[1].reference.as_str(), "docker.io/library/busybox:latest");
//! ```

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use arc_swap::ArcSwap;

use crate::config::{Config, ConfigSources, Limits, Registry, ShortNameMode};
use crate::error::{Error, ErrorKind};
use crate::pull_sources::{self, BlockedText, PullSource};
use crate::quote::Q;
use crate::reference::Reference;
use crate::registry_index::RegistryIndex;
use crate::user_aliases::{FileStamp, UserAliases};

/// How often the background refresher checks the user alias file's identity (see
/// [`Resolver`] for the visibility guarantee).
///
/// ```
/// assert_eq!(shortnames::resolve::USER_ALIASES_RECHECK, std::time::Duration::from_secs(1));
/// ```
pub const USER_ALIASES_RECHECK: Duration = Duration::from_secs(1);

/// Why the candidates are what they are.
///
/// ```
/// use shortnames::{ConfigSources, ResolutionKind, Resolver};
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
/// let resolver = Resolver::new(&sources);
/// assert_eq!(resolver.resolve("quay.io/a/b").unwrap().kind, ResolutionKind::FullyQualified);
/// assert_eq!(resolver.resolve("ubi9").unwrap().kind.as_str(), "alias");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResolutionKind {
    /// The input already named a registry.
    FullyQualified,
    /// An alias matched.
    Alias,
    /// The search registries were used.
    SearchRegistries,
}

impl ResolutionKind {
    /// `fully-qualified`, `alias` or `search-registries`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ResolutionKind::FullyQualified => "fully-qualified",
            ResolutionKind::Alias => "alias",
            ResolutionKind::SearchRegistries => "search-registries",
        }
    }
}

/// One pull candidate: a fully-qualified reference and the endpoints to try for it.
///
/// Borrows the resolver's configuration (no shared reference counts are touched on the
/// resolution path, so threads do not contend).
///
/// ```
/// use shortnames::{ConfigSources, Resolver};
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
/// let resolver = Resolver::new(&sources);
/// let r = resolver.resolve("quay.io/team/app:1").unwrap();
/// let c = &r.candidates[0];
/// assert_eq!(c.registry.map(|e| &*e.prefix), Some("quay.io"));
/// let endpoints: Vec<&str> = c.sources.as_ref().unwrap().iter().map(|s| s.reference.as_str()).collect();
/// assert_eq!(endpoints, ["mirror.example.com/quay/team/app:1", "quay.io/team/app:1"]);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Candidate<'a> {
    /// The normalised reference (`:latest` added when the input had neither tag nor digest).
    pub reference: Reference,
    /// Whether a successful pull would record an alias (only after an interactive choice, which
    /// this library never makes: always `false`).
    pub record: bool,
    /// The `[[registry]]` entry governing the candidate, if any.
    pub registry: Option<&'a Registry>,
    /// The endpoints to try in order, or why they could not be computed.
    pub sources: Result<Vec<PullSource<'a>>, Error>,
}

/// The result of resolving one name.
///
/// ```
/// use shortnames::{ConfigSources, Resolver};
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
/// let resolver = Resolver::new(&sources);
/// let r = resolver.resolve("ubi9").unwrap();
/// assert_eq!(r.origin, Some("registries.conf"));
/// assert_eq!(r.user_input(), Some("ubi9"));
/// assert_eq!(r.candidates.len(), 1);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Resolution<'a> {
    /// Why these candidates.
    pub kind: ResolutionKind,
    /// The file that defined the alias or set the search list (`None` for fully-qualified).
    pub origin: Option<&'a str>,
    /// The parsed short name as typed (`None` for fully-qualified input).
    pub input: Option<Reference>,
    /// The candidates, in the order they are to be tried.
    pub candidates: Vec<Candidate<'a>>,
}

impl Resolution<'_> {
    /// The input without tag or digest, as typed (short names only).
    pub fn user_input(&self) -> Option<&str> {
        self.input.as_ref().map(Reference::name)
    }

    /// The line a container engine prints before pulling (`""` for fully-qualified input).
    ///
    /// ```
    /// # use shortnames::{ConfigSources, Resolver};
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let conf = dir.path().join("r.conf");
    /// # std::fs::write(&conf, "unqualified-search-registries = [\"quay.io\"]\n").unwrap();
    /// let resolver = Resolver::new(&ConfigSources::new().registries_conf(&conf).registries_conf_d(dir.path()));
    /// let r = resolver.resolve("app:1").unwrap();
    /// assert_eq!(r.description(), format!("Resolving \"app\" using unqualified-search registries ({})", conf.display()));
    /// ```
    pub fn description(&self) -> String {
        let (Some(input), Some(origin)) = (self.user_input(), self.origin) else {
            return String::new();
        };
        match self.kind {
            ResolutionKind::FullyQualified => String::new(),
            ResolutionKind::Alias => format!("Resolved {} as an alias ({origin})", Q(input)),
            ResolutionKind::SearchRegistries => format!(
                "Resolving {} using unqualified-search registries ({origin})",
                Q(input)
            ),
        }
    }
}

/// Whether `name` is a short name: it parses and has no registry part.
///
/// ```
/// use shortnames::is_short_name;
/// assert!(is_short_name("busybox:1.36"));
/// assert!(is_short_name("library/nginx"));
/// assert!(!is_short_name("quay.io/x"));
/// assert!(!is_short_name("Not A Name"));
/// ```
pub fn is_short_name(name: &str) -> bool {
    Reference::parse(name).is_ok_and(|r| !r.has_registry())
}

/// The compiled, immutable configuration.
#[derive(Debug)]
pub(crate) struct Snapshot {
    pub config: Config,
    pub index: RegistryIndex,
    pub blocked_text: BlockedText,
}

impl Snapshot {
    pub(crate) fn new(config: Config) -> Snapshot {
        let index = RegistryIndex::with_profile(&config.registries, config.profile);
        let blocked_text = BlockedText {
            sources: config.blocked_in.clone(),
        };
        Snapshot {
            config,
            index,
            blocked_text,
        }
    }
}

/// The user alias file as the resolver serves it: the table in force, swapped atomically by
/// whoever refreshes it (the background refresher, or [`Resolver::refresh_user_aliases`]).
#[derive(Debug)]
struct UserAliasShared {
    display: String,
    path: PathBuf,
    current: ArcSwap<UserAliases>,
    /// Serialises refreshes (never taken by a resolution).
    reload: Mutex<()>,
    limits: Limits,
    /// How many times the file was parsed (unit tests of the no-re-parse rule).
    loads: AtomicU64,
}

impl UserAliasShared {
    /// Re-reads the file if its identity (inode, size, mtime, ctime) changed, then swaps the
    /// new table in. Waits for a refresh in progress, and for the cache's shared lock.
    fn refresh(&self) {
        let _guard = self.reload.lock().unwrap_or_else(|p| p.into_inner());
        let stamp = FileStamp::of(&self.path);
        if stamp != self.current.load().stamp {
            self.loads.fetch_add(1, Ordering::Relaxed);
            let table = UserAliases::load(&self.display, &self.path, &self.limits);
            self.current.store(Arc::new(table));
        }
    }
}

/// The user alias file and its background refresher: a thread that checks the file's
/// identity every [`USER_ALIASES_RECHECK`] and re-reads it when it changed. A resolution only
/// loads the current table (one atomic load: no file I/O, no parse, no lock); the refresher
/// stops when the resolver is dropped.
#[derive(Debug)]
struct UserAliasSource {
    shared: Arc<UserAliasShared>,
    /// Dropping it wakes the refresher, which then exits.
    _stop: Option<mpsc::Sender<()>>,
}

impl UserAliasSource {
    fn new(path: PathBuf, display: String, limits: Limits) -> UserAliasSource {
        let loaded = UserAliases::load(&display, &path, &limits);
        let shared = Arc::new(UserAliasShared {
            display,
            path,
            limits,
            current: ArcSwap::from_pointee(loaded),
            reload: Mutex::new(()),
            loads: AtomicU64::new(1),
        });
        let (stop, stopped) = mpsc::channel::<()>();
        let worker = shared.clone();
        // Without a thread (spawn failed) the table changes only on an explicit refresh.
        let spawned = thread::Builder::new()
            .name("shortnames-user-aliases".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(USER_ALIASES_RECHECK)
                {
                    worker.refresh();
                }
            })
            .is_ok();
        UserAliasSource {
            shared,
            _stop: spawned.then_some(stop),
        }
    }

    fn display(&self) -> &str {
        &self.shared.display
    }

    fn get(&self) -> arc_swap::Guard<Arc<UserAliases>> {
        self.shared.current.load()
    }
}

/// Resolves names against one configuration snapshot. Build once, share across threads.
///
/// # The hot path never blocks
///
/// [`Resolver::resolve`], [`Resolver::resolve_locally`], [`Resolver::find_registry`] and
/// [`Resolver::pull_sources`] do no file I/O, no parsing, take no lock and make no system call:
/// the configuration is compiled when the resolver is built, and the user alias table is one
/// atomic load of an immutable snapshot.
///
/// # When a change to the user alias file is seen
///
/// The file is read when the resolver is built. Afterwards a background thread (one per
/// resolver, stopped when it is dropped) `stat`s the file every [`USER_ALIASES_RECHECK`] and,
/// when its identity (device, inode, size, mtime, ctime) changed, reads and parses it under
/// the cache's shared lock and swaps the new table in atomically. So:
///
/// * a resolution uses exactly one table, the one current when it looked the name up: the
///   previous table until the new one is parsed, never a partial one;
/// * a completed write becomes visible to resolutions that start at most one
///   [`USER_ALIASES_RECHECK`] plus the read-and-parse time later (longer only while a writer
///   holds the cache's exclusive lock, which the refresher waits for);
/// * [`Resolver::refresh_user_aliases`] does the same check synchronously: resolutions that
///   start after it returns see the file as it was when it checked;
/// * a file that became broken replaces the table with its error (reported by short-name
///   lookups, as the reference does), and a repaired file replaces the error.
///
/// ```
/// use shortnames::{ConfigSources, ResolutionKind, Resolver};
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
/// let resolver = Resolver::new(&sources); // build once, share across threads
/// let r = resolver.resolve("ubi9:9.4").unwrap();
/// assert_eq!(r.kind, ResolutionKind::Alias);
/// assert_eq!(r.candidates[0].reference.as_str(), "registry.access.redhat.com/ubi9:9.4");
/// let r = resolver.resolve("app").unwrap();
/// assert_eq!(r.kind, ResolutionKind::SearchRegistries);
/// assert_eq!(r.candidates.len(), 2);
/// ```
#[derive(Debug)]
pub struct Resolver {
    snapshot: Result<Arc<Snapshot>, Error>,
    user: Option<UserAliasSource>,
    mode_override: Option<ShortNameMode>,
    max_name_len: usize,
}

impl Resolver {
    /// Loads the configuration named by `sources` and compiles it. A configuration error does
    /// not fail construction: it is reported by every lookup that needs the configuration,
    /// exactly as the reference does.
    pub fn new(sources: &ConfigSources) -> Resolver {
        let snapshot = Config::load(sources).map(|c| Arc::new(Snapshot::new(c)));
        Resolver::from_parts(snapshot, sources)
    }

    pub(crate) fn from_parts(
        snapshot: Result<Arc<Snapshot>, Error>,
        sources: &ConfigSources,
    ) -> Resolver {
        Resolver {
            snapshot,
            user: sources.user_alias_file().map(|(path, display)| {
                UserAliasSource::new(path, display, *sources.input_limits())
            }),
            mode_override: sources.mode_override(),
            max_name_len: sources.input_limits().max_name_len,
        }
    }

    /// The merged configuration, or the error loading it.
    pub fn config(&self) -> Result<&Config, Error> {
        self.snapshot
            .as_ref()
            .map(|s| &s.config)
            .map_err(Clone::clone)
    }

    /// Re-checks the user alias file now, on the caller's thread: when its identity changed it
    /// is read and parsed, and resolutions that start after this returns use the new table.
    /// (A background thread does the same every [`USER_ALIASES_RECHECK`].)
    pub fn refresh_user_aliases(&self) {
        if let Some(u) = &self.user {
            u.shared.refresh();
        }
    }

    fn snapshot(&self) -> Result<&Snapshot, Error> {
        self.snapshot.as_deref().map_err(Clone::clone)
    }

    /// Rule 31: the user alias file first (its entry is final, `""` included), then the
    /// system aliases. Returns the candidate (alias value plus the input's tag and digest) and
    /// the file that defined the alias.
    fn alias_candidate(&self, short: &Reference) -> Result<Option<(Reference, &str)>, Error> {
        let name = short.name();
        // Hardened profile (chosen once, in the snapshot): the system alias tables decide the
        // names they define.
        if let Ok(snap) = self.snapshot() {
            if snap.config.profile.is_hardened() {
                if let Some(e) = snap.config.alias(name) {
                    return Ok(e
                        .value
                        .as_ref()
                        .map(|v| (Reference::from_name_and_suffix(v, short), &*e.origin)));
                }
            }
        }
        if let Some(u) = &self.user {
            let current = u.get();
            let map = current.result.as_ref().map_err(Clone::clone)?;
            if let Some(e) = map.get(name) {
                return Ok(e
                    .value
                    .as_ref()
                    .map(|v| (Reference::from_name_and_suffix(v, short), u.display())));
            }
        }
        let snap = self.snapshot()?;
        Ok(snap.config.alias(name).and_then(|e| {
            e.value
                .as_ref()
                .map(|v| (Reference::from_name_and_suffix(v, short), &*e.origin))
        }))
    }

    /// `shortnames.Resolve`: the pull candidates for `name`, each with its pull sources.
    ///
    /// Never prompts: enforcing mode fails when several search registries apply.
    pub fn resolve(&self, name: &str) -> Result<Resolution<'_>, Error> {
        let mode = match self.mode_override {
            Some(m) => m,
            None => self.snapshot()?.config.short_name_mode,
        };
        let short = match self.parse_input(name)? {
            Input::FullyQualified(r) => {
                return Ok(Resolution {
                    kind: ResolutionKind::FullyQualified,
                    origin: None,
                    input: None,
                    candidates: vec![self.candidate(r)],
                });
            }
            Input::Short(r) => r,
        };
        if let Some((c, origin)) = self.alias_candidate(&short)? {
            return Ok(Resolution {
                kind: ResolutionKind::Alias,
                origin: Some(origin),
                input: Some(short),
                candidates: vec![self.candidate(c)],
            });
        }
        let snap = self.snapshot()?;
        let usr = &snap.config.unqualified_search_registries;
        let origin = &snap.config.search_registries_origin;
        if usr.is_empty() {
            return Err(no_search_registries(name, origin));
        }
        let mut candidates = Vec::with_capacity(usr.len());
        for reg in usr {
            candidates.push(self.candidate(search_candidate(reg, name)?));
        }
        // Candidate construction errors come first (rule 43), then the enforcing check.
        if candidates.len() > 1 && mode == ShortNameMode::Enforcing {
            return Err(Error::new(
                ErrorKind::ShortNameAmbiguousEnforcing,
                "short-name resolution enforced but cannot prompt without a TTY",
            ));
        }
        Ok(Resolution {
            kind: ResolutionKind::SearchRegistries,
            origin: Some(origin),
            input: Some(short),
            candidates,
        })
    }

    /// [`Resolver::resolve`] for input that may not be UTF-8 (a line of a names file): such
    /// input never parses, and fails like the reference, its bytes quoted
    /// (`cannot parse input: "busy\xffbox": invalid reference format`).
    ///
    /// ```
    /// # use shortnames::{ConfigSources, Resolver};
    /// # let dir = tempfile::tempdir().unwrap();
    /// let resolver = Resolver::new(&ConfigSources::new().registries_conf_d(dir.path()));
    /// let e = resolver.resolve_bytes(b"busy\xffbox").unwrap_err();
    /// assert_eq!(e.to_string(), r#"cannot parse input: "busy\xffbox": invalid reference format"#);
    /// ```
    pub fn resolve_bytes(&self, name: &[u8]) -> Result<Resolution<'_>, Error> {
        match std::str::from_utf8(name) {
            Ok(name) => self.resolve(name),
            Err(_) => {
                if self.mode_override.is_none() {
                    self.snapshot()?;
                }
                Err(non_utf8_input(name))
            }
        }
    }

    /// [`Resolver::resolve_locally`] for input that may not be UTF-8 (see
    /// [`Resolver::resolve_bytes`]).
    pub fn resolve_locally_bytes(&self, name: &[u8]) -> Result<Vec<Reference>, Error> {
        match std::str::from_utf8(name) {
            Ok(name) => self.resolve_locally(name),
            Err(_) => Err(non_utf8_input(name)),
        }
    }

    /// `shortnames.ResolveLocally`: the names under which the image may already be stored
    /// locally: the alias (if any), `localhost/<name>`, then each search registry.
    ///
    /// ```
    /// # use shortnames::{ConfigSources, Resolver};
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let conf = dir.path().join("r.conf");
    /// # std::fs::write(&conf, "unqualified-search-registries = [\"quay.io\"]\n").unwrap();
    /// let resolver = Resolver::new(&ConfigSources::new().registries_conf(&conf).registries_conf_d(dir.path()));
    /// let names: Vec<String> = resolver.resolve_locally("app").unwrap().iter().map(|r| r.to_string()).collect();
    /// assert_eq!(names, ["localhost/app:latest", "quay.io/app:latest"]);
    /// ```
    pub fn resolve_locally(&self, name: &str) -> Result<Vec<Reference>, Error> {
        let short = match self.parse_input(name)? {
            Input::FullyQualified(r) => return Ok(vec![r.with_default_tag()]),
            Input::Short(r) => r,
        };
        let mut out = Vec::new();
        if let Some((c, _)) = self.alias_candidate(&short)? {
            out.push(c);
        }
        let snap = self.snapshot()?;
        out.push(search_candidate("localhost", name)?);
        for reg in &snap.config.unqualified_search_registries {
            out.push(search_candidate(reg, name)?);
        }
        Ok(out)
    }

    /// The `[[registry]]` entry governing a repository name (no tag or digest), if any.
    ///
    /// ```
    /// # use shortnames::{ConfigSources, Resolver};
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let conf = dir.path().join("r.conf");
    /// # std::fs::write(&conf, "[[registry]]\nprefix = \"*.example.com\"\nlocation = \"m.example.net\"\n").unwrap();
    /// let resolver = Resolver::new(&ConfigSources::new().registries_conf(&conf).registries_conf_d(dir.path()));
    /// let entry = resolver.find_registry("a.example.com/app").unwrap().unwrap();
    /// assert_eq!(&*entry.prefix, "*.example.com");
    /// ```
    pub fn find_registry(&self, name: &str) -> Result<Option<&Registry>, Error> {
        Ok(self.snapshot()?.index.find(name).map(|c| &*c.entry))
    }

    /// The pull sources of a fully-qualified reference.
    pub fn pull_sources(&self, reference: &Reference) -> Result<Vec<PullSource<'_>>, Error> {
        let snap = self.snapshot()?;
        let entry = snap.index.find(reference.name());
        pull_sources::pull_sources(&snap.index, entry, reference, &snap.blocked_text, &mut ())
    }

    /// The user alias table currently served and the file's name as shown (`explain`).
    pub(crate) fn user_alias_table(&self) -> Option<(arc_swap::Guard<Arc<UserAliases>>, &str)> {
        self.user.as_ref().map(|u| (u.get(), u.display()))
    }

    /// The registry index of the snapshot (`explain` asks it which entries match).
    pub(crate) fn index(&self) -> Result<&RegistryIndex, Error> {
        Ok(&self.snapshot()?.index)
    }

    /// [`Resolver::pull_sources`] with every decision recorded, in order (`explain`'s trace:
    /// the reasons come from the code that decides).
    pub(crate) fn traced_pull_sources(
        &self,
        reference: &Reference,
    ) -> Result<TracedSources<'_>, Error> {
        let snap = self.snapshot()?;
        let entry = snap.index.find(reference.name());
        let mut decisions = Vec::new();
        let sources = pull_sources::pull_sources(
            &snap.index,
            entry,
            reference,
            &snap.blocked_text,
            &mut decisions,
        );
        Ok(TracedSources {
            registry: entry.map(|c| &*c.entry),
            sources,
            decisions,
        })
    }

    fn parse_input(&self, name: &str) -> Result<Input, Error> {
        if name.len() > self.max_name_len {
            return Err(Error::new(
                ErrorKind::Limit("name-too-long"),
                format!(
                    "image name of {} bytes is longer than the limit of {} bytes",
                    name.len(),
                    self.max_name_len
                ),
            ));
        }
        parse_input(name)
    }

    fn candidate(&self, reference: Reference) -> Candidate<'_> {
        let (registry, sources) = match self.snapshot() {
            Err(e) => (None, Err(e)),
            Ok(snap) => {
                let entry = snap.index.find(reference.name());
                let sources = pull_sources::pull_sources(
                    &snap.index,
                    entry,
                    &reference,
                    &snap.blocked_text,
                    &mut (),
                );
                (entry.map(|c| &*c.entry), sources)
            }
        };
        Candidate {
            reference,
            record: false,
            registry,
            sources,
        }
    }
}

/// The pull sources of one reference with the decisions that produced them.
pub(crate) struct TracedSources<'a> {
    pub registry: Option<&'a Registry>,
    pub sources: Result<Vec<PullSource<'a>>, Error>,
    pub decisions: Vec<pull_sources::Decision<'a>>,
}

enum Input {
    FullyQualified(Reference),
    Short(Reference),
}

/// The parse error of input that is not UTF-8 (the grammar refuses it whatever it holds).
fn non_utf8_input(name: &[u8]) -> Error {
    let lossy = String::from_utf8_lossy(name);
    let e = match Reference::parse_short(&lossy) {
        Err(e) => e,
        Ok(_) => unreachable!("U+FFFD is not in the reference grammar"),
    };
    Error::reference(
        ErrorKind::InvalidReference,
        format_args!("cannot parse input: {}: ", crate::quote::QB(name)),
        &e,
    )
}

/// `parseUnnormalizedShortName` (rule 29); a fully-qualified name comes back normalised with
/// `:latest` added when needed.
fn parse_input(name: &str) -> Result<Input, Error> {
    let parse_error = |e: crate::reference::ReferenceError| {
        Error::reference(
            ErrorKind::InvalidReference,
            format_args!("cannot parse input: {}: ", Q(name)),
            &e,
        )
    };
    if let Ok(short) = Reference::parse_short(name).map_err(parse_error)? {
        return Ok(Input::Short(short));
    }
    let n = Reference::normalize_parts(&[name], 7).map_err(|e| {
        Error::reference(
            ErrorKind::InvalidReference,
            format_args!("cannot normalize input: {}: ", Q(name)),
            &e,
        )
    })?;
    Ok(Input::FullyQualified(n.with_default_tag()))
}

/// `ParseNormalizedNamed(reg + "/" + input)` plus `:latest` (rule 32.6).
fn search_candidate(reg: &str, input: &str) -> Result<Reference, Error> {
    Reference::normalize_parts(&[reg, "/", input], 7)
        .map(Reference::with_default_tag)
        .map_err(|e| {
            Error::reference(
                ErrorKind::InvalidSearchCandidate,
                format_args!(
                    "creating reference with unqualified-search registry {}: ",
                    Q(reg)
                ),
                &e,
            )
        })
}

fn no_search_registries(name: &str, origin: &str) -> Error {
    let message = if origin.is_empty() {
        format!(
            "short-name {} did not resolve to an alias and no containers-registries.conf(5) was found",
            Q(name)
        )
    } else {
        format!(
            "short-name {} did not resolve to an alias and no unqualified-search registries are defined in {}",
            Q(name),
            Q(origin)
        )
    };
    Error::new(ErrorKind::NoSearchRegistries, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An unchanged file is never parsed again; a change of identity is.
    #[test]
    fn an_unchanged_user_alias_file_is_not_parsed_again() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("aliases.conf");
        std::fs::write(&file, "[aliases]\napp = \"quay.io/one/app\"\n").unwrap();
        std::fs::write(dir.path().join("r.conf"), "").unwrap();
        let r = Resolver::new(
            &ConfigSources::new()
                .registries_conf(dir.path().join("r.conf"))
                .registries_conf_d(dir.path().join("d"))
                .user_aliases(&file),
        );
        let loads = || {
            r.user
                .as_ref()
                .unwrap()
                .shared
                .loads
                .load(Ordering::Relaxed)
        };
        for _ in 0..3 {
            r.refresh_user_aliases();
            assert_eq!(
                r.resolve("app").unwrap().candidates[0].reference.as_str(),
                "quay.io/one/app:latest"
            );
        }
        assert_eq!(loads(), 1, "an unchanged file was parsed again");
        std::fs::write(&file, "[aliases]\napp = \"bad\"\n").unwrap();
        r.refresh_user_aliases();
        let after_change = loads();
        assert!(after_change >= 2);
        assert_eq!(
            r.resolve("app").unwrap_err().kind().as_str(),
            "invalid-user-aliases/bad-alias"
        );
        r.refresh_user_aliases();
        assert_eq!(loads(), after_change);
    }
}
