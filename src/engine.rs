//! Live reload (config-formats §3 "Reload"): an [`Engine`] holds the current [`Resolver`]
//! snapshot and replaces it atomically when the configuration changes.
//!
//! * Readers call [`Engine::resolver`]: one atomic load, no lock, no reference-count contention;
//!   a reader keeps the snapshot it loaded for as long as it holds the guard, so a resolution
//!   never sees a half-applied configuration.
//! * [`Engine::reload`] re-reads every source and swaps the new snapshot in only if its
//!   configuration loads; otherwise the previous snapshot stays active and the error is
//!   returned and recorded ([`Engine::last_error`]), as CRI-O does on `SIGHUP`.
//! * [`Engine::reload_if_changed`] first compares a [`Fingerprint`] of the file set (paths,
//!   device, inode, size, mtime, ctime of the main file and of every `.conf` drop-in) and does
//!   nothing when it is unchanged; when only the user alias file changed it is re-read in place
//!   (the configuration is not re-parsed).
//! * [`Engine::watch`] polls the fingerprint from a background thread and reloads after the
//!   files have been stable for a debounce interval (200 ms by default, like CRI-O's
//!   `auto_reload_registries`); extra paths (credential files) can be watched too and are
//!   reported to a callback.
//!
//! # Consistency guarantee
//!
//! A snapshot never mixes a file's old and new content and never contains a file caught
//! mid-write, as far as size, modification time, inode and status-change time can tell:
//!
//! * every configuration file is stamped (size, mtime, inode, ctime) before and after the snapshot is
//!   read, and the snapshot is swapped in only if no stamp moved;
//! * the files must also have been unchanged for a whole settle interval before the read: for
//!   the watcher, the stamps must still be those that were stable for its debounce; for
//!   [`Engine::reload`], a file changed less than 200 ms ago is waited for and must not move
//!   during that wait;
//! * when something moved, nothing is swapped: the read is retried after the settle interval,
//!   at most five reads in all, each retry counted in
//!   [`EngineStats::unstable_reads`]; if the files never settle, the reload fails with kind
//!   `invalid-config/changed-while-reading`, the previous snapshot stays active, and the
//!   watcher tries again at its next poll.
//!
//! [`Engine::new`] does not wait: it only re-reads a read that raced; a file it caught
//! mid-write is read again by the next [`Engine::reload_if_changed`] (its stamp moves when
//! the writer finishes). What `stat` cannot see is not detected: a writer that pauses
//! mid-file for longer than the settle interval, or rewrites a file with content of the same
//! size within one timestamp tick.
//!
//! The user alias file is not part of the configuration: as in containers/image a broken user
//! alias file is reported by the short-name lookups that read it, it does not fail a reload.
//!
//! ```
//! use shortnames::{ConfigSources, Engine};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let conf = dir.path().join("registries.conf");
//! std::fs::write(&conf, "unqualified-search-registries = [\"quay.io\"]\n").unwrap();
//! let engine = Engine::new(ConfigSources::new().registries_conf(&conf).registries_conf_d(dir.path().join("d")));
//!
//! let first = engine.resolver().resolve("app").unwrap().candidates[0].reference.to_string();
//! assert_eq!(first, "quay.io/app:latest");
//!
//! // A broken file: the reload fails, the previous snapshot keeps answering.
//! std::fs::write(&conf, "unqualified-search-registries = 1\n").unwrap();
//! assert!(engine.reload().is_err());
//! assert!(engine.last_error().is_some());
//! assert_eq!(engine.resolver().resolve("app").unwrap().candidates[0].reference.as_str(), "quay.io/app:latest");
//!
//! // A good file: swapped in.
//! std::fs::write(&conf, "unqualified-search-registries = [\"docker.io\"]\n").unwrap();
//! engine.reload().unwrap();
//! assert_eq!(engine.resolver().resolve("app").unwrap().candidates[0].reference.as_str(), "docker.io/library/app:latest");
//! assert_eq!(engine.generation(), 1);
//! assert!(engine.last_error().is_none());
//! ```

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use arc_swap::{ArcSwap, ArcSwapOption, Guard};

use crate::config::ConfigSources;
use crate::error::{Error, ErrorKind};
use crate::resolve::Resolver;

pub(crate) use crate::fs::FileStamp;

/// A cheap fingerprint of a set of files: each path with its `stat` identity (device, inode,
/// size, mtime, ctime; `None` when absent). Two equal fingerprints mean that, as far as `stat` can tell, nothing changed.
///
/// ```
/// use shortnames::{ConfigSources, engine::Fingerprint};
///
/// let dir = tempfile::tempdir().unwrap();
/// let sources = ConfigSources::new().registries_conf(dir.path().join("r.conf")).registries_conf_d(dir.path().join("d"));
/// let before = Fingerprint::of_config(&sources);
/// std::fs::create_dir(dir.path().join("d")).unwrap();
/// std::fs::write(dir.path().join("d/README"), "not a drop-in").unwrap();
/// assert_eq!(Fingerprint::of_config(&sources), before, "only .conf names count");
/// std::fs::write(dir.path().join("d/10-x.conf"), "").unwrap();
/// assert_ne!(Fingerprint::of_config(&sources), before);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Fingerprint {
    entries: Vec<(PathBuf, Option<FileStamp>)>,
}

impl Fingerprint {
    /// The configuration files of `sources`: the main file, each drop-in directory and every
    /// `.conf` entry in it (the names drop-in discovery would load). The user alias file is
    /// not included (see [`Fingerprint::of_user_aliases`]).
    pub fn of_config(sources: &ConfigSources) -> Fingerprint {
        let mut fp = Fingerprint::default();
        let layout = crate::config::Layout::of(sources);
        let (files, dirs) = layout.watched();
        for f in files {
            fp.push(sources.io_path(f));
        }
        for dir in dirs {
            let dir = sources.io_path(dir);
            let names = match fs::metadata(&dir) {
                Ok(m) if m.is_dir() => crate::config::list_candidates(&dir).ok(),
                _ => None,
            };
            let Some(names) = names else {
                fp.push(dir);
                continue;
            };
            // The directory itself is recorded as present without its stamp: its mtime also
            // changes for files that are not drop-ins (editor swap files, README...).
            fp.entries.push((dir.clone(), None));
            for name in names {
                fp.push(dir.join(name));
            }
        }
        fp
    }

    /// The user alias file of `sources`, if it has one.
    pub fn of_user_aliases(sources: &ConfigSources) -> Fingerprint {
        Fingerprint::of_paths(sources.user_alias_file().map(|(io, _)| io))
    }

    /// Any list of files, in the order given.
    pub fn of_paths(paths: impl IntoIterator<Item = impl Into<PathBuf>>) -> Fingerprint {
        let mut fp = Fingerprint::default();
        for p in paths {
            fp.push(p.into());
        }
        fp
    }

    fn push(&mut self, path: PathBuf) {
        let stamp = FileStamp::of(&path);
        self.entries.push((path, stamp));
    }

    /// Whether a recorded file changed less than `quiet` ago (by its own timestamps): it may
    /// still be being written.
    fn changed_within(&self, quiet: Duration) -> bool {
        let now = std::time::SystemTime::now();
        self.entries
            .iter()
            .filter_map(|(_, s)| s.as_ref()?.changed_at())
            .any(|t| now.duration_since(t).map_or(true, |age| age < quiet))
    }

    /// The paths recorded, in order.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.entries.iter().map(|(p, _)| p.as_path())
    }

    /// The paths whose stamp differs between `self` and `other` (present in only one of them,
    /// or with different stamps).
    ///
    /// ```
    /// use shortnames::engine::Fingerprint;
    /// let dir = tempfile::tempdir().unwrap();
    /// let a = dir.path().join("a");
    /// let before = Fingerprint::of_paths([&a]);
    /// std::fs::write(&a, "x").unwrap();
    /// assert_eq!(Fingerprint::of_paths([&a]).changed_paths(&before), vec![a.as_path()]);
    /// ```
    pub fn changed_paths<'a>(&'a self, other: &'a Fingerprint) -> Vec<&'a Path> {
        let mut out: Vec<&Path> = Vec::new();
        for (p, s) in &self.entries {
            if !other.entries.iter().any(|(q, t)| q == p && t == s) {
                out.push(p);
            }
        }
        for (q, _) in &other.entries {
            if !self.entries.iter().any(|(p, _)| p == q) && !out.contains(&q.as_path()) {
                out.push(q);
            }
        }
        out
    }
}

/// What a successful reload did.
///
/// ```
/// use shortnames::engine::ReloadOutcome;
/// use shortnames::{ConfigSources, Engine};
///
/// let dir = tempfile::tempdir().unwrap();
/// let engine = Engine::new(ConfigSources::new().fs_root(dir.path()).registries_conf_d("d"));
/// assert_eq!(engine.reload_if_changed().unwrap(), ReloadOutcome::Unchanged);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReloadOutcome {
    /// A new snapshot was swapped in; its generation.
    Reloaded {
        /// The new value of [`Engine::generation`].
        generation: u64,
    },
    /// The configuration files are unchanged, but the user alias file changed and was
    /// re-read in place (the configuration was not re-parsed).
    UserAliasesRefreshed,
    /// Nothing changed.
    Unchanged,
}

/// The fingerprints of the files behind the active snapshot (or of the last attempt).
#[derive(Debug, Default)]
struct Seen {
    config: Fingerprint,
    user: Fingerprint,
}

/// Counters and the last error, as one consistent-enough view for metrics and logs.
///
/// ```
/// use shortnames::{ConfigSources, Engine};
///
/// let dir = tempfile::tempdir().unwrap();
/// let engine = Engine::new(ConfigSources::new().fs_root(dir.path()).registries_conf_d("d"));
/// engine.reload().unwrap();
/// let stats = engine.stats();
/// assert_eq!((stats.generation, stats.reloads, stats.failed_reloads), (engine.generation(), 1, 0));
/// assert!(stats.last_error.is_none());
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EngineStats {
    /// Successful swaps since the engine was built (the initial snapshot is generation 0).
    pub generation: u64,
    /// Reload attempts that re-read the configuration (successful or not).
    pub reloads: u64,
    /// Reload attempts that failed and left the previous snapshot active.
    pub failed_reloads: u64,
    /// Reads that found a configuration file changed while it was being read (the result
    /// was discarded and the read retried, see the module's consistency guarantee).
    pub unstable_reads: u64,
    /// The error of the latest reload attempt, if it failed.
    pub last_error: Option<Error>,
}

/// How many times one reload reads the configuration files at most when they keep changing
/// while being read (see the module's consistency guarantee).
pub(crate) const MAX_READ_ATTEMPTS: u32 = 5;

/// The settle interval of [`Engine::reload`]: how long files must stay unchanged before a
/// read (after a read that raced, or when they changed just before).
const RELOAD_SETTLE: Duration = Duration::from_millis(200);

/// Holds the active [`Resolver`] snapshot and replaces it atomically on reload.
///
/// `Engine` is `Send + Sync`; share it behind an [`Arc`] (required by [`Engine::watch`]).
/// See the [module documentation](self) for an example.
///
/// ```
/// use shortnames::engine::ReloadOutcome;
/// use shortnames::{ConfigSources, Engine};
///
/// let dir = tempfile::tempdir().unwrap();
/// let conf = dir.path().join("registries.conf");
/// std::fs::write(&conf, "unqualified-search-registries = [\"quay.io\"]\n").unwrap();
/// let engine = Engine::new(ConfigSources::new().registries_conf(&conf).registries_conf_d(dir.path().join("d")));
/// assert_eq!(engine.resolver().resolve("app").unwrap().candidates[0].reference.as_str(), "quay.io/app:latest");
///
/// // A broken edit is refused and the previous snapshot keeps serving.
/// std::fs::write(&conf, "unqualified-search-registries = 1\n").unwrap();
/// assert!(engine.reload().is_err());
/// assert_eq!(engine.resolver().resolve("app").unwrap().candidates[0].reference.as_str(), "quay.io/app:latest");
/// assert_eq!(engine.stats().failed_reloads, 1);
///
/// std::fs::write(&conf, "unqualified-search-registries = [\"docker.io\"]\n").unwrap();
/// assert!(matches!(engine.reload(), Ok(ReloadOutcome::Reloaded { .. })));
/// assert_eq!(engine.resolver().resolve("app").unwrap().candidates[0].reference.as_str(), "docker.io/library/app:latest");
/// ```
#[derive(Debug)]
pub struct Engine {
    sources: ConfigSources,
    current: ArcSwap<Resolver>,
    /// Serialises reloads and holds what the active snapshot was loaded from.
    seen: Mutex<Seen>,
    generation: AtomicU64,
    reloads: AtomicU64,
    failed_reloads: AtomicU64,
    unstable_reads: AtomicU64,
    last_error: ArcSwapOption<Error>,
}

impl Engine {
    /// Loads the configuration named by `sources`. Never fails: if the configuration is
    /// broken, the initial snapshot reports the error on every lookup (as a [`Resolver`]
    /// does) until a reload succeeds; the error is also available from
    /// [`Engine::last_error`]. Use [`Engine::try_new`] to refuse to start instead.
    pub fn new(sources: ConfigSources) -> Engine {
        let unstable_reads = AtomicU64::new(0);
        let (resolver, config) =
            // Start-up does not wait for files to settle (only re-reads a read that raced);
            // a file caught mid-write heals at the next reload_if_changed, its stamp moves.
            match read_consistently(&sources, None, Duration::ZERO, &unstable_reads) {
                Ok(r) => r,
                // Never settled: serve what the last read gave, but record no stamps, so that
                // the next reload_if_changed (or the watcher) reads again.
                Err(_) => (Resolver::new(&sources), Fingerprint::default()),
            };
        let seen = Seen {
            config,
            user: Fingerprint::of_user_aliases(&sources),
        };
        let last_error = resolver.config().err().map(Arc::new);
        Engine {
            sources,
            current: ArcSwap::from_pointee(resolver),
            seen: Mutex::new(seen),
            generation: AtomicU64::new(0),
            reloads: AtomicU64::new(0),
            failed_reloads: AtomicU64::new(0),
            unstable_reads,
            last_error: ArcSwapOption::new(last_error),
        }
    }

    /// Like [`Engine::new`], but fails when the initial configuration does not load (a
    /// daemon that should not start on a broken configuration, as CRI-O at start-up).
    ///
    /// ```
    /// use shortnames::{ConfigSources, Engine};
    /// let dir = tempfile::tempdir().unwrap();
    /// let conf = dir.path().join("registries.conf");
    /// std::fs::write(&conf, "short-name-mode = \"sometimes\"\n").unwrap();
    /// let err = Engine::try_new(ConfigSources::new().registries_conf(&conf)).unwrap_err();
    /// assert_eq!(err.kind().as_str(), "invalid-config/bad-short-name-mode");
    /// ```
    pub fn try_new(sources: ConfigSources) -> Result<Engine, Error> {
        let engine = Engine::new(sources);
        let initial = engine.current.load_full();
        initial.config()?;
        Ok(engine)
    }

    /// The active snapshot: one atomic load, no lock. Resolve from it; the results borrow the
    /// guard, and the snapshot stays alive (and unchanged) while the guard is held, even if a
    /// reload swaps in a newer one meanwhile. Hold guards briefly; use
    /// [`Engine::resolver_arc`] to keep a snapshot for long.
    ///
    /// ```
    /// # use shortnames::{ConfigSources, Engine};
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let conf = dir.path().join("r.conf");
    /// # std::fs::write(&conf, "unqualified-search-registries = [\"quay.io\"]\n").unwrap();
    /// let engine = Engine::new(ConfigSources::new().registries_conf(&conf).registries_conf_d(dir.path()));
    /// let resolver = engine.resolver();
    /// let resolution = resolver.resolve("app:1").unwrap();
    /// assert_eq!(resolution.candidates[0].reference.as_str(), "quay.io/app:1");
    /// ```
    pub fn resolver(&self) -> Guard<Arc<Resolver>> {
        self.current.load()
    }

    /// The active snapshot as an owned [`Arc`] (one reference-count increment).
    pub fn resolver_arc(&self) -> Arc<Resolver> {
        self.current.load_full()
    }

    /// The sources the engine reads.
    pub fn sources(&self) -> &ConfigSources {
        &self.sources
    }

    /// Successful swaps since the engine was built; the initial snapshot is generation 0.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Reload attempts that re-read the configuration, successful or not.
    pub fn reload_count(&self) -> u64 {
        self.reloads.load(Ordering::Acquire)
    }

    /// Reload attempts that failed (the previous snapshot stayed active).
    pub fn failed_reload_count(&self) -> u64 {
        self.failed_reloads.load(Ordering::Acquire)
    }

    /// The error of the latest reload attempt if it failed (or of the initial load, if that
    /// failed and no reload was tried since); `None` after a successful reload.
    pub fn last_error(&self) -> Option<Error> {
        self.last_error.load().as_deref().cloned()
    }

    /// Counters and the last error together.
    ///
    /// ```
    /// # use shortnames::{ConfigSources, Engine};
    /// # let dir = tempfile::tempdir().unwrap();
    /// let engine = Engine::new(ConfigSources::new().registries_conf_d(dir.path()).fs_root(dir.path()));
    /// engine.reload().unwrap();
    /// let stats = engine.stats();
    /// assert_eq!((stats.generation, stats.reloads, stats.failed_reloads), (1, 1, 0));
    /// ```
    pub fn stats(&self) -> EngineStats {
        EngineStats {
            generation: self.generation(),
            reloads: self.reload_count(),
            failed_reloads: self.failed_reload_count(),
            unstable_reads: self.unstable_reads.load(Ordering::Acquire),
            last_error: self.last_error(),
        }
    }

    fn lock_seen(&self) -> MutexGuard<'_, Seen> {
        // A panic while holding the lock cannot leave `Seen` inconsistent in a way that
        // matters (at worst one extra reload), so a poisoned lock is simply taken over.
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Re-reads every source (main file, drop-ins, user alias file) and swaps the new
    /// snapshot in if its configuration loads and no file changed while it was read (see the
    /// module's consistency guarantee: a read that raced with a writer is retried after
    /// 200 ms, a bounded number of times). On error the previous snapshot stays active, the
    /// error is recorded ([`Engine::last_error`]) and returned. Reloads are serialised;
    /// readers are never blocked. Never waits on file content: special files (FIFOs,
    /// devices, sockets) are refused without being opened for a blocking read.
    pub fn reload(&self) -> Result<ReloadOutcome, Error> {
        let mut seen = self.lock_seen();
        self.reload_locked(&mut seen, None, RELOAD_SETTLE)
    }

    fn reload_locked(
        &self,
        seen: &mut Seen,
        stable: Option<Fingerprint>,
        settle: Duration,
    ) -> Result<ReloadOutcome, Error> {
        self.reloads.fetch_add(1, Ordering::AcqRel);
        let read = read_consistently(&self.sources, stable, settle, &self.unstable_reads);
        // The user alias file's stamp is taken after the read: it has its own refresh.
        seen.user = Fingerprint::of_user_aliases(&self.sources);
        let resolver = match read {
            Ok((resolver, config)) => {
                seen.config = config;
                resolver
            }
            Err(e) => {
                // Nothing consistent was read: no stamps recorded, so the next
                // reload_if_changed reads again.
                seen.config = Fingerprint::default();
                return Err(self.fail(e));
            }
        };
        if let Err(e) = resolver.config() {
            return Err(self.fail(e));
        }
        self.current.store(Arc::new(resolver));
        self.last_error.store(None);
        let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        Ok(ReloadOutcome::Reloaded { generation })
    }

    fn fail(&self, e: Error) -> Error {
        self.failed_reloads.fetch_add(1, Ordering::AcqRel);
        self.last_error.store(Some(Arc::new(e.clone())));
        e
    }

    /// Reloads only if the configuration files changed since the last reload attempt (by
    /// [`Fingerprint`]); if only the user alias file changed, re-reads it in the active
    /// snapshot so the next resolution sees it. A configuration that failed to load is not
    /// retried until its files change again.
    ///
    /// ```
    /// # use shortnames::{ConfigSources, Engine, ReloadOutcome};
    /// let dir = tempfile::tempdir().unwrap();
    /// let aliases = dir.path().join("aliases.conf");
    /// let engine = Engine::new(ConfigSources::new().fs_root(dir.path()).registries_conf_d("d").user_aliases("aliases.conf"));
    /// assert_eq!(engine.reload_if_changed().unwrap(), ReloadOutcome::Unchanged);
    /// std::fs::write(&aliases, "[aliases]\n\"app\" = \"quay.io/team/app\"\n").unwrap();
    /// assert_eq!(engine.reload_if_changed().unwrap(), ReloadOutcome::UserAliasesRefreshed);
    /// let resolver = engine.resolver();
    /// assert_eq!(resolver.resolve("app").unwrap().candidates[0].reference.as_str(), "quay.io/team/app:latest");
    /// assert_eq!(engine.generation(), 0);
    /// ```
    pub fn reload_if_changed(&self) -> Result<ReloadOutcome, Error> {
        self.reload_if_changed_from(Fingerprint::of_config(&self.sources), None, RELOAD_SETTLE)
    }

    /// [`Engine::reload_if_changed`] for the watcher: `config` is the configuration
    /// fingerprint that stayed unchanged for the whole debounce, and a reload reads only if
    /// the files still have exactly those stamps.
    fn reload_if_changed_from(
        &self,
        config: Fingerprint,
        stable: Option<Fingerprint>,
        settle: Duration,
    ) -> Result<ReloadOutcome, Error> {
        let mut seen = self.lock_seen();
        if config != seen.config {
            return self.reload_locked(&mut seen, stable, settle);
        }
        let user = Fingerprint::of_user_aliases(&self.sources);
        if user == seen.user {
            return Ok(ReloadOutcome::Unchanged);
        }
        seen.user = user;
        self.current.load().refresh_user_aliases();
        Ok(ReloadOutcome::UserAliasesRefreshed)
    }

    /// The fingerprint the active snapshot (or the last reload attempt) was loaded from.
    fn loaded_fingerprint(&self) -> Fingerprint {
        let seen = self.lock_seen();
        let mut fp = seen.config.clone();
        fp.entries.extend(seen.user.entries.iter().cloned());
        fp
    }

    /// The fingerprint of every file the engine reads (configuration, then user alias file).
    pub fn fingerprint(&self) -> Fingerprint {
        let mut fp = Fingerprint::of_config(&self.sources);
        fp.entries
            .extend(Fingerprint::of_user_aliases(&self.sources).entries);
        fp
    }

    /// Starts a background thread that polls the files (see [`WatchOptions`]) and calls
    /// [`Engine::reload_if_changed`] once they have been stable for the debounce interval.
    /// The thread stops when the returned [`Watcher`] is dropped.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::{Duration, Instant};
    /// use shortnames::{ConfigSources, Engine};
    /// use shortnames::engine::WatchOptions;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::create_dir(dir.path().join("d")).unwrap();
    /// let engine = Arc::new(Engine::new(ConfigSources::new().fs_root(dir.path()).registries_conf_d("d")));
    /// let watcher = engine.watch(WatchOptions::default().poll_interval(Duration::from_millis(20)));
    /// std::fs::write(dir.path().join("d/10-search.conf"), "unqualified-search-registries = [\"quay.io\"]\n").unwrap();
    /// let deadline = Instant::now() + Duration::from_secs(10);
    /// while engine.generation() == 0 && Instant::now() < deadline {
    ///     std::thread::sleep(Duration::from_millis(10));
    /// }
    /// assert_eq!(engine.resolver().resolve("app").unwrap().candidates[0].reference.as_str(), "quay.io/app:latest");
    /// drop(watcher);
    /// ```
    pub fn watch(self: &Arc<Self>, options: WatchOptions) -> Watcher {
        let (stop, stopped) = mpsc::channel::<()>();
        let engine = Arc::clone(self);
        // The baseline is what the active snapshot was loaded from (not the files as they are
        // when the thread starts), so a change made before the watcher runs is not missed.
        let mut baseline = self.loaded_fingerprint();
        baseline
            .entries
            .extend(Fingerprint::of_paths(options.extra_paths.iter().cloned()).entries);
        let handle = thread::Builder::new()
            .name("shortnames-watch".into())
            .spawn(move || watch_loop(&engine, &options, baseline, &stopped))
            .ok();
        Watcher {
            stop: Some(stop),
            handle,
        }
    }
}

/// What the watcher saw and did, passed to [`WatchOptions::on_change`].
///
/// ```
/// use std::sync::{mpsc, Arc, Mutex};
/// use std::time::Duration;
/// use shortnames::engine::WatchOptions;
/// use shortnames::{ConfigSources, Engine};
///
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::create_dir(dir.path().join("d")).unwrap();
/// let engine = Arc::new(Engine::new(ConfigSources::new().fs_root(dir.path()).registries_conf_d("d")));
/// let (tx, rx) = mpsc::channel();
/// let tx = Mutex::new(tx);
/// let _watcher = engine.watch(
///     WatchOptions::default()
///         .poll_interval(Duration::from_millis(20))
///         .on_change(move |event| { let _ = tx.lock().unwrap().send(event.changed.clone()); }),
/// );
/// std::fs::write(dir.path().join("d/10-a.conf"), "unqualified-search-registries = [\"quay.io\"]\n").unwrap();
/// let changed = rx.recv_timeout(Duration::from_secs(10)).unwrap();
/// assert!(changed.iter().any(|p| p.ends_with("10-a.conf")), "{changed:?}");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct WatchEvent {
    /// The paths whose stamps changed (configuration, user alias or extra files).
    pub changed: Vec<PathBuf>,
    /// The extra paths ([`WatchOptions::extra_paths`]) among them, e.g. credential files the
    /// embedder should reload.
    pub changed_extra: Vec<PathBuf>,
    /// The result of [`Engine::reload_if_changed`].
    pub outcome: Result<ReloadOutcome, Error>,
}

type Callback = Arc<dyn Fn(&WatchEvent) + Send + Sync>;

/// Settings of [`Engine::watch`].
///
/// ```
/// use std::time::Duration;
/// use shortnames::engine::WatchOptions;
/// let options = WatchOptions::default()
///     .poll_interval(Duration::from_millis(500))
///     .debounce(Duration::from_millis(200))
///     .extra_paths(["/var/lib/kubelet/config.json"])
///     .on_change(|event| eprintln!("changed: {:?} -> {:?}", event.changed, event.outcome));
/// # let _ = options;
/// ```
#[derive(Clone)]
pub struct WatchOptions {
    poll_interval: Duration,
    debounce: Duration,
    extra_paths: Vec<PathBuf>,
    on_change: Option<Callback>,
}

impl std::fmt::Debug for WatchOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WatchOptions")
            .field("poll_interval", &self.poll_interval)
            .field("debounce", &self.debounce)
            .field("extra_paths", &self.extra_paths)
            .field("on_change", &self.on_change.is_some())
            .finish()
    }
}

impl Default for WatchOptions {
    /// Poll every 200 ms, debounce 200 ms, no extra paths, no callback.
    fn default() -> WatchOptions {
        WatchOptions {
            poll_interval: Duration::from_millis(200),
            debounce: Duration::from_millis(200),
            extra_paths: Vec::new(),
            on_change: None,
        }
    }
}

impl WatchOptions {
    /// How often the files are `stat`ed.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// How long the files must stay unchanged before a reload (so that an editor's or a
    /// configuration manager's burst of writes gives one reload).
    pub fn debounce(mut self, debounce: Duration) -> Self {
        self.debounce = debounce;
        self
    }

    /// More files to watch, e.g. credential files; their changes are reported in
    /// [`WatchEvent::changed_extra`] (the engine itself does not read them).
    pub fn extra_paths(mut self, paths: impl IntoIterator<Item = impl Into<PathBuf>>) -> Self {
        self.extra_paths = paths.into_iter().map(Into::into).collect();
        self
    }

    /// Called from the watcher thread after each debounced change.
    pub fn on_change(mut self, f: impl Fn(&WatchEvent) + Send + Sync + 'static) -> Self {
        self.on_change = Some(Arc::new(f));
        self
    }
}

/// The handle of a watcher thread; dropping it stops the thread (and waits for it).
///
/// ```
/// use std::sync::Arc;
/// use shortnames::engine::WatchOptions;
/// use shortnames::{ConfigSources, Engine};
///
/// let dir = tempfile::tempdir().unwrap();
/// let engine = Arc::new(Engine::new(ConfigSources::new().fs_root(dir.path()).registries_conf_d("d")));
/// let watcher = engine.watch(WatchOptions::default());
/// assert!(watcher.is_running());
/// drop(watcher); // stops the thread and waits for it
/// ```
#[derive(Debug)]
pub struct Watcher {
    stop: Option<mpsc::Sender<()>>,
    handle: Option<thread::JoinHandle<()>>,
}

impl Watcher {
    /// Whether the watcher thread is running (it could not be started if the system refused
    /// a new thread).
    pub fn is_running(&self) -> bool {
        self.handle.as_ref().is_some_and(|h| !h.is_finished())
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Everything the watcher polls (configuration, user alias file, extra paths), with the
/// configuration part on its own.
fn watched(engine: &Engine, options: &WatchOptions) -> (Fingerprint, Fingerprint) {
    let config = Fingerprint::of_config(&engine.sources);
    let mut all = config.clone();
    all.entries
        .extend(Fingerprint::of_user_aliases(&engine.sources).entries);
    all.entries
        .extend(Fingerprint::of_paths(options.extra_paths.iter().cloned()).entries);
    (all, config)
}

/// Reads the configuration of `sources` until a read is consistent: every configuration
/// file has the same stamp after the read as before it and, when `stable` is given, as in
/// `stable`. After a read that raced with a writer, waits `settle`, requires the stamps to
/// stay put over that wait, and reads again; at most `MAX_READ_ATTEMPTS` (5) reads. Returns
/// the resolver and the stamps it was read from.
fn read_consistently(
    sources: &ConfigSources,
    mut stable: Option<Fingerprint>,
    settle: Duration,
    unstable_reads: &AtomicU64,
) -> Result<(Resolver, Fingerprint), Error> {
    let mut moved: Vec<PathBuf> = Vec::new();
    for attempt in 0..MAX_READ_ATTEMPTS {
        // Without a debounced fingerprint (Engine::reload, Engine::new), a file changed less
        // than the settle time ago may still be being written: wait for it to stay put.
        let unsettled = attempt == 0
            && stable.is_none()
            && Fingerprint::of_config(sources).changed_within(settle);
        if attempt > 0 || unsettled {
            if attempt > 0 {
                unstable_reads.fetch_add(1, Ordering::AcqRel);
            }
            let settled = Fingerprint::of_config(sources);
            thread::sleep(settle);
            stable = Some(settled);
        }
        let before = Fingerprint::of_config(sources);
        if let Some(expected) = &stable {
            if *expected != before {
                moved = paths_of(before.changed_paths(expected));
                continue;
            }
        }
        let resolver = Resolver::new(sources);
        let after = Fingerprint::of_config(sources);
        if after == before {
            return Ok((resolver, before));
        }
        moved = paths_of(after.changed_paths(&before));
    }
    let shown: Vec<String> = moved
        .iter()
        .map(|p| format!("{:?}", p.to_string_lossy()))
        .collect();
    Err(Error::with_details(
        ErrorKind::InvalidConfig("changed-while-reading"),
        format!(
            "reloading registries configuration: {} changed while being read, {} times in a \
             row ({} ms apart); the previous configuration stays active",
            shown.join(", "),
            MAX_READ_ATTEMPTS,
            settle.as_millis()
        ),
        moved.first().map(|p| p.to_string_lossy().into_owned()),
        None,
        None,
    ))
}

fn paths_of(paths: Vec<&Path>) -> Vec<PathBuf> {
    paths.into_iter().map(Path::to_path_buf).collect()
}

/// Sleeps for `d`; `false` when the watcher was stopped.
fn sleep(stopped: &mpsc::Receiver<()>, d: Duration) -> bool {
    matches!(stopped.recv_timeout(d), Err(RecvTimeoutError::Timeout))
}

fn watch_loop(
    engine: &Engine,
    options: &WatchOptions,
    baseline: Fingerprint,
    stopped: &mpsc::Receiver<()>,
) {
    let mut last = baseline;
    let mut first = true;
    loop {
        if !std::mem::take(&mut first) && !sleep(stopped, options.poll_interval) {
            return;
        }
        let (mut now, mut config) = watched(engine, options);
        if now == last {
            continue;
        }
        // Debounce: wait until the files stay unchanged for a whole interval.
        loop {
            if !sleep(stopped, options.debounce) {
                return;
            }
            let again = watched(engine, options);
            if again.0 == now {
                break;
            }
            (now, config) = again;
        }
        let changed: Vec<PathBuf> = now
            .changed_paths(&last)
            .into_iter()
            .map(Path::to_path_buf)
            .collect();
        let changed_extra = changed
            .iter()
            .filter(|p| options.extra_paths.contains(p))
            .cloned()
            .collect();
        last = now;
        let outcome = engine.reload_if_changed_from(config.clone(), Some(config), options.debounce);
        if outcome
            .as_ref()
            .is_err_and(|e| e.kind() == ErrorKind::InvalidConfig("changed-while-reading"))
        {
            // Never settled: look again at the next poll even if nothing moves meanwhile.
            last = Fingerprint::default();
        }
        if let Some(f) = &options.on_change {
            f(&WatchEvent {
                changed,
                changed_extra,
                outcome,
            });
        }
    }
}
