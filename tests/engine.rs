//! Live reload: the engine swaps whole snapshots, keeps the last good one when a reload fails,
//! reloads only on relevant changes, and the watcher debounces.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use shortnames::engine::{Fingerprint, WatchOptions};
use shortnames::{ConfigSources, Engine, ErrorKind, ReloadOutcome};

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new(main: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("registries.conf.d")).unwrap();
        let f = Fixture { dir };
        f.write("registries.conf", main);
        f
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes atomically (new inode), so stamps always differ.
    fn write(&self, rel: &str, text: &str) {
        let tmp = self.path(&format!("{rel}.tmp-write"));
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, self.path(rel)).unwrap();
    }

    fn sources(&self) -> ConfigSources {
        ConfigSources::new()
            .fs_root(self.dir.path())
            .registries_conf("registries.conf")
            .registries_conf_d("registries.conf.d")
            .user_aliases("user-aliases.conf")
    }
}

fn first(engine: &Engine, name: &str) -> String {
    let resolver = engine.resolver();
    let r = resolver.resolve(name).unwrap();
    r.candidates[0].reference.to_string()
}

const QUAY: &str = "unqualified-search-registries = [\"quay.io\"]\n";
const DOCKER: &str = "unqualified-search-registries = [\"docker.io\"]\n";
const BROKEN: &str = "unqualified-search-registries = [\"quay.io\"\n";

#[test]
fn failed_reload_keeps_previous_snapshot_and_records_error() {
    let f = Fixture::new(QUAY);
    let engine = Engine::new(f.sources());
    assert!(engine.last_error().is_none());
    assert_eq!(first(&engine, "app"), "quay.io/app:latest");

    f.write("registries.conf", BROKEN);
    let err = engine.reload().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig("toml"));
    assert_eq!(engine.last_error().unwrap().message(), err.message());
    assert_eq!(first(&engine, "app"), "quay.io/app:latest");
    assert!(engine.resolver().config().is_ok());
    let s = engine.stats();
    assert_eq!((s.generation, s.reloads, s.failed_reloads), (0, 1, 1));

    // A broken drop-in fails the whole reload too.
    f.write("registries.conf", DOCKER);
    f.write(
        "registries.conf.d/50-bad.conf",
        "[[registry]]\nlocation = 1\n",
    );
    assert!(engine.reload().is_err());
    assert_eq!(first(&engine, "app"), "quay.io/app:latest");

    std::fs::remove_file(f.path("registries.conf.d/50-bad.conf")).unwrap();
    assert_eq!(
        engine.reload().unwrap(),
        ReloadOutcome::Reloaded { generation: 1 }
    );
    assert_eq!(first(&engine, "app"), "docker.io/library/app:latest");
    assert!(engine.last_error().is_none());
    let s = engine.stats();
    assert_eq!((s.generation, s.reloads, s.failed_reloads), (1, 3, 2));
}

#[test]
fn a_held_snapshot_is_not_changed_by_a_reload() {
    let f = Fixture::new(QUAY);
    let engine = Engine::new(f.sources());
    let old = engine.resolver();
    let owned = engine.resolver_arc();
    f.write("registries.conf", DOCKER);
    engine.reload().unwrap();
    assert_eq!(
        old.resolve("app").unwrap().candidates[0].reference.as_str(),
        "quay.io/app:latest"
    );
    assert_eq!(
        owned.resolve("app").unwrap().candidates[0]
            .reference
            .as_str(),
        "quay.io/app:latest"
    );
    assert_eq!(first(&engine, "app"), "docker.io/library/app:latest");
}

#[test]
fn broken_initial_configuration() {
    let f = Fixture::new(BROKEN);
    assert_eq!(
        Engine::try_new(f.sources()).unwrap_err().kind(),
        ErrorKind::InvalidConfig("toml")
    );
    let engine = Engine::new(f.sources());
    assert!(engine.last_error().is_some());
    assert!(engine.resolver().resolve("app").is_err());
    // Still broken: stays as it is; fixed: swapped in.
    assert!(engine.reload().is_err());
    f.write("registries.conf", QUAY);
    engine.reload().unwrap();
    assert_eq!(first(&engine, "app"), "quay.io/app:latest");
    assert!(engine.last_error().is_none());
}

#[test]
fn reload_if_changed_only_reloads_on_relevant_changes() {
    let f = Fixture::new(QUAY);
    let engine = Engine::new(f.sources());
    assert_eq!(
        engine.reload_if_changed().unwrap(),
        ReloadOutcome::Unchanged
    );
    assert_eq!(engine.reload_count(), 0);

    // Files that are not drop-ins, and directories, are ignored.
    f.write("registries.conf.d/README", "x");
    f.write("registries.conf.d/10-x.conf.bak", DOCKER);
    std::fs::create_dir(f.path("registries.conf.d/sub.conf")).unwrap();
    assert_eq!(
        engine.reload_if_changed().unwrap(),
        ReloadOutcome::Unchanged
    );
    assert_eq!(engine.reload_count(), 0);

    // A new drop-in is.
    f.write("registries.conf.d/10-x.conf", DOCKER);
    assert_eq!(
        engine.reload_if_changed().unwrap(),
        ReloadOutcome::Reloaded { generation: 1 }
    );
    assert_eq!(first(&engine, "app"), "docker.io/library/app:latest");
    assert_eq!(
        engine.reload_if_changed().unwrap(),
        ReloadOutcome::Unchanged
    );

    // A broken change fails once and is not retried until the files change again.
    f.write("registries.conf.d/10-x.conf", BROKEN);
    assert!(engine.reload_if_changed().is_err());
    assert_eq!(
        engine.reload_if_changed().unwrap(),
        ReloadOutcome::Unchanged
    );
    assert_eq!(engine.reload_count(), 2);
    assert_eq!(first(&engine, "app"), "docker.io/library/app:latest");

    // Removing the drop-in is a change.
    std::fs::remove_file(f.path("registries.conf.d/10-x.conf")).unwrap();
    assert_eq!(
        engine.reload_if_changed().unwrap(),
        ReloadOutcome::Reloaded { generation: 2 }
    );
    assert_eq!(first(&engine, "app"), "quay.io/app:latest");
}

#[test]
fn user_alias_changes_are_seen_without_reloading_the_configuration() {
    let f = Fixture::new(QUAY);
    let engine = Engine::new(f.sources());
    assert_eq!(first(&engine, "app"), "quay.io/app:latest");
    let before = engine.resolver_arc();

    f.write(
        "user-aliases.conf",
        "[aliases]\n\"app\" = \"registry.example.com/team/app\"\n",
    );
    assert_eq!(
        engine.reload_if_changed().unwrap(),
        ReloadOutcome::UserAliasesRefreshed
    );
    assert_eq!(
        first(&engine, "app"),
        "registry.example.com/team/app:latest"
    );
    // Same snapshot (the configuration was not re-parsed), no reload counted.
    assert!(Arc::ptr_eq(&before, &engine.resolver_arc()));
    assert_eq!((engine.generation(), engine.reload_count()), (0, 0));
    assert_eq!(
        engine.reload_if_changed().unwrap(),
        ReloadOutcome::Unchanged
    );

    // A broken user alias file is reported by short-name lookups (as containers/image does),
    // it does not fail a configuration reload.
    f.write("user-aliases.conf", "[aliases\n");
    engine.reload_if_changed().unwrap();
    assert_eq!(
        engine
            .resolver()
            .resolve("app")
            .unwrap_err()
            .kind()
            .as_str(),
        "invalid-user-aliases/toml"
    );
    assert!(engine.resolver().resolve("quay.io/x").is_ok());
    engine.reload().unwrap();
    assert!(engine.resolver().resolve("app").is_err());
}

#[test]
fn fingerprint_sees_symlink_swaps_of_mounted_config_maps() {
    // Kubernetes ConfigMap volumes update by re-pointing a `..data` symlink.
    let f = Fixture::new(QUAY);
    let d = f.path("registries.conf.d");
    std::fs::create_dir(d.join("v1")).unwrap();
    std::fs::create_dir(d.join("v2")).unwrap();
    std::fs::write(d.join("v1/x"), DOCKER).unwrap();
    std::fs::write(d.join("v2/x"), QUAY).unwrap();
    std::os::unix::fs::symlink("v1/x", d.join("20-x.conf")).unwrap();
    let engine = Engine::new(f.sources());
    assert_eq!(first(&engine, "app"), "docker.io/library/app:latest");
    let tmp = d.join("20-x.conf.tmp");
    std::os::unix::fs::symlink("v2/x", &tmp).unwrap();
    std::fs::rename(&tmp, d.join("20-x.conf")).unwrap();
    assert!(matches!(
        engine.reload_if_changed().unwrap(),
        ReloadOutcome::Reloaded { .. }
    ));
    assert_eq!(first(&engine, "app"), "quay.io/app:latest");
}

#[test]
fn fingerprint_lists_the_files_read() {
    let f = Fixture::new(QUAY);
    f.write("registries.conf.d/20-b.conf", "");
    f.write("registries.conf.d/10-a.conf", "");
    f.write("registries.conf.d/ignored.txt", "");
    let engine = Engine::new(f.sources());
    let fp = engine.fingerprint();
    let names: Vec<String> = fp
        .paths()
        .map(|p| {
            p.strip_prefix(f.dir.path())
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        names,
        [
            "registries.conf",
            "registries.conf.d",
            "registries.conf.d/10-a.conf",
            "registries.conf.d/20-b.conf",
            "user-aliases.conf"
        ]
    );
    assert_eq!(fp, engine.fingerprint());
    f.write("registries.conf.d/10-a.conf", "# changed\n");
    let changed = engine.fingerprint();
    assert_eq!(
        changed.changed_paths(&fp),
        vec![f.path("registries.conf.d/10-a.conf").as_path()]
    );
    assert_eq!(Fingerprint::of_paths([f.path("nope")]).paths().count(), 1);
}

/// (extra paths changed, reload succeeded) per watcher event.
type Events = Vec<(Vec<PathBuf>, bool)>;

fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn watcher_reloads_once_per_burst_and_reports_extra_paths() {
    let f = Fixture::new(QUAY);
    let engine = Arc::new(Engine::new(f.sources()));
    let events: Arc<Mutex<Events>> = Arc::default();
    let sink = Arc::clone(&events);
    let auth = f.path("auth.json");
    let watcher = engine.watch(
        WatchOptions::default()
            .poll_interval(Duration::from_millis(10))
            .debounce(Duration::from_millis(150))
            .extra_paths([&auth])
            .on_change(move |e| {
                sink.lock()
                    .unwrap()
                    .push((e.changed_extra.clone(), e.outcome.is_ok()));
            }),
    );
    assert!(watcher.is_running());

    // A burst of writes 20 ms apart (shorter than the debounce): the engine ends up serving
    // the last version (how many reloads the debounce folds the burst into is a timing
    // matter, not asserted).
    for i in 0..10 {
        f.write(
            "registries.conf.d/10-x.conf",
            &format!("unqualified-search-registries = [\"r{i}.example.com\"]\n"),
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    wait_until("the last version", || {
        first(&engine, "app") == "r9.example.com/app:latest"
    });
    assert!(engine.generation() >= 1);

    // A broken write: reported, previous snapshot kept.
    f.write("registries.conf.d/10-x.conf", BROKEN);
    wait_until("the failed reload", || engine.failed_reload_count() == 1);
    assert_eq!(first(&engine, "app"), "r9.example.com/app:latest");

    // Extra paths are reported, and do not reload the configuration.
    let reloads = engine.reload_count();
    std::fs::write(&auth, "{}").unwrap();
    wait_until("the extra path event", || {
        events
            .lock()
            .unwrap()
            .iter()
            .any(|(p, _)| p == std::slice::from_ref(&auth))
    });
    assert_eq!(engine.reload_count(), reloads);

    drop(watcher);
    // The thread has stopped and released its reference to the engine.
    assert_eq!(Arc::strong_count(&engine), 1);
    let events = events.lock().unwrap();
    // Outcomes, in order: the burst's reload(s) succeeded, then the broken write failed, then
    // the extra path was reported.
    let failed = events
        .iter()
        .position(|e| !e.1)
        .expect("a failed reload event");
    assert!(
        events[..failed].iter().all(|e| e.1 && e.0.is_empty()),
        "{events:?}"
    );
    assert!(failed > 0, "{events:?}");
    assert!(
        events[failed + 1..]
            .iter()
            .any(|e| e.1 && e.0 == std::slice::from_ref(&auth)),
        "{events:?}"
    );
}

/// A change made after the snapshot was loaded but before the watcher started is picked up
/// (the watcher's baseline is the snapshot's files, not the files when its thread starts).
#[test]
fn watcher_sees_changes_made_before_it_started() {
    let f = Fixture::new(QUAY);
    let engine = Arc::new(Engine::new(f.sources()));
    f.write("registries.conf.d/10-x.conf", DOCKER);
    let watcher = engine.watch(
        WatchOptions::default()
            .poll_interval(Duration::from_millis(10))
            .debounce(Duration::from_millis(20)),
    );
    wait_until("the reload", || engine.generation() == 1);
    assert_eq!(first(&engine, "app"), "docker.io/library/app:latest");
    drop(watcher);
}

#[test]
fn engine_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Engine>();
}
