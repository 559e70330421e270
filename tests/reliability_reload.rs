//! Live reload under a writer that rewrites drop-ins in place (truncate, write half, pause,
//! write the rest — what editors and configuration managers do), with the watcher running:
//! no snapshot the engine ever serves may hold a file caught mid-write.
//!
//! Assertions are on outcomes only: every sampled snapshot is complete (each drop-in's
//! search list, mode and all of its aliases, from one version), and once the writer stops,
//! the engine converges to the last version written. The writer's schedule is fixed by a
//! seed; no assertion depends on wall-clock time or on how many reloads the debounce gave.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use shortnames::engine::WatchOptions;
use shortnames::{ConfigSources, Engine, ShortNameMode};

/// Aliases per drop-in: large enough that a read takes a while and a cut is likely to land
/// between two entries (a valid but partial file).
const ALIASES: usize = 400;
/// Rewrites in bursts, one burst per cycle; each quiet gap between bursts is close to the
/// debounce, so the watcher's reload keeps starting as the next burst begins.
const CYCLES: usize = 48;
const BURST: usize = 25;
const DEBOUNCE: Duration = Duration::from_millis(100);

/// The two tests run one after the other: a concurrent writer could delay the other test's
/// writer mid-file beyond the debounce (the documented limit of the guarantee).
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
/// The writer's pause in the middle of a file: shorter than the debounce (a longer pause
/// looks like a finished file to `stat`, the documented limit of the guarantee).
const PAUSE: Duration = Duration::from_millis(2);

/// Drop-in `k` at version `v`: settings first, then the aliases, the last line marking the
/// end. A prefix of it is valid TOML at every line boundary.
fn content(k: usize, v: usize) -> String {
    let mut s = String::new();
    if k == 1 {
        s.push_str(&format!(
            "unqualified-search-registries = [\"v{v}.example\"]\n"
        ));
    } else {
        s.push_str("short-name-mode = \"enforcing\"\n");
    }
    s.push_str("[aliases]\n");
    for i in 0..ALIASES {
        s.push_str(&format!("\"k{k}-{i}\" = \"reg.example/v{v}/app{i}\"\n"));
    }
    s
}

fn path_of(dir: &Path, k: usize) -> std::path::PathBuf {
    dir.join(format!("d/{k}0-file.conf"))
}

/// Rewrites in place: `O_TRUNC`, the first half, a pause, the rest.
fn rewrite_in_place(path: &Path, text: &str) {
    let mut f = OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
        .unwrap();
    // Cut after a line near the middle: the first half alone is valid TOML (the worst case,
    // a valid but partial configuration).
    let cut = text[..text.len() / 2].rfind('\n').map_or(0, |i| i + 1);
    let (a, b) = text.as_bytes().split_at(cut);
    f.write_all(a).unwrap();
    std::thread::sleep(PAUSE);
    f.write_all(b).unwrap();
}

/// `Some((v1, v2))`, the versions of the two drop-ins, if the snapshot is complete;
/// `None` if anything is missing or mixed.
fn versions(engine: &Engine) -> Option<(usize, usize)> {
    let resolver = engine.resolver();
    let config = resolver.config().ok()?;
    let mut found = [Vec::new(), Vec::new()];
    for a in config.aliases() {
        let k = if a.name.starts_with("k1-") { 0 } else { 1 };
        let value = a.value?.as_str().to_owned();
        let v: usize = value
            .strip_prefix("reg.example/v")?
            .split('/')
            .next()?
            .parse()
            .ok()?;
        found[k].push(v);
    }
    let mut out = [0, 0];
    for (k, vs) in found.iter().enumerate() {
        if vs.len() != ALIASES || vs.iter().any(|&v| v != vs[0]) {
            return None;
        }
        out[k] = vs[0];
    }
    let search = &config.unqualified_search_registries;
    if search.len() != 1 || *search[0] != *format!("v{}.example", out[0]) {
        return None;
    }
    if config.short_name_mode != ShortNameMode::Enforcing {
        return None;
    }
    Some((out[0], out[1]))
}

#[test]
fn in_place_rewrites_under_the_watcher_never_give_a_partial_snapshot() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("d")).unwrap();
    std::fs::write(dir.path().join("registries.conf"), "").unwrap();
    for k in [1, 2] {
        std::fs::write(path_of(dir.path(), k), content(k, 0)).unwrap();
    }
    let engine = Arc::new(Engine::new(
        ConfigSources::new()
            .registries_conf(dir.path().join("registries.conf"))
            .registries_conf_d(dir.path().join("d")),
    ));
    assert_eq!(versions(&engine), Some((0, 0)));
    let watcher = engine.watch(
        WatchOptions::default()
            .poll_interval(Duration::from_millis(1))
            .debounce(DEBOUNCE),
    );

    // Sampler: every snapshot it sees must be complete.
    let done = Arc::new(AtomicBool::new(false));
    let checked = Arc::new(AtomicU64::new(0));
    let partial = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (engine, done, checked, partial) = (
            engine.clone(),
            done.clone(),
            checked.clone(),
            partial.clone(),
        );
        std::thread::spawn(move || {
            let mut last_generation = u64::MAX;
            while !done.load(Ordering::Acquire) {
                let generation = engine.generation();
                if generation != last_generation {
                    last_generation = generation;
                    checked.fetch_add(1, Ordering::Relaxed);
                    if versions(&engine).is_none() {
                        partial.fetch_add(1, Ordering::Relaxed);
                    }
                }
                std::thread::sleep(Duration::from_micros(200));
            }
        })
    };

    // Writer: a fixed schedule of bursts of rewrites. Every other gap is just longer than
    // the debounce (by up to 6 ms), so the watcher's reload starts as the next burst begins;
    // the others are long enough (2.5 times the debounce) for a reload to succeed.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut last = [0usize; 2];
    let mut i = 0;
    for cycle in 0..CYCLES {
        for _ in 0..BURST {
            i += 1;
            let k = 1 + i % 2;
            rewrite_in_place(&path_of(dir.path(), k), &content(k, i));
            last[k - 1] = i;
        }
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let debounce = DEBOUNCE.as_micros() as u64;
        let gap = if cycle % 2 == 0 {
            debounce + 500 + seed % 6_000
        } else {
            debounce * 5 / 2
        };
        std::thread::sleep(Duration::from_micros(gap));
    }
    let rewrites = i;
    assert!(rewrites >= 1_000);

    // The engine converges to the last version written (generous deadline: a failure here
    // means the watcher stopped reloading, not that it was slow).
    let deadline = Instant::now() + Duration::from_secs(60);
    while versions(&engine) != Some((last[0], last[1])) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    done.store(true, Ordering::Release);
    sampler.join().unwrap();
    let stats = engine.stats();
    drop(watcher);
    eprintln!(
        "{rewrites} rewrites: {} swaps, {} snapshots checked, {} partial, {} unstable reads retried, {} failed reloads",
        stats.generation,
        checked.load(Ordering::Relaxed),
        partial.load(Ordering::Relaxed),
        stats.unstable_reads,
        stats.failed_reloads
    );
    assert_eq!(versions(&engine), Some((last[0], last[1])), "converged");
    assert_eq!(
        partial.load(Ordering::Relaxed),
        0,
        "partial snapshots served"
    );
}

/// `Engine::reload` (no watcher, e.g. on SIGHUP) racing with in-place rewrites: it never
/// swaps in a partial file either; a read that raced is retried after the settle time.
#[test]
fn reload_racing_with_in_place_rewrites_never_swaps_a_partial_file() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("d")).unwrap();
    std::fs::write(dir.path().join("registries.conf"), "").unwrap();
    for k in [1, 2] {
        std::fs::write(path_of(dir.path(), k), content(k, 0)).unwrap();
    }
    let engine = Arc::new(Engine::new(
        ConfigSources::new()
            .registries_conf(dir.path().join("registries.conf"))
            .registries_conf_d(dir.path().join("d")),
    ));
    let done = Arc::new(AtomicBool::new(false));
    let reloader = {
        let (engine, done) = (engine.clone(), done.clone());
        std::thread::spawn(move || {
            let mut partial = 0;
            let mut reloads = 0;
            while !done.load(Ordering::Acquire) {
                if engine.reload().is_ok() {
                    reloads += 1;
                    if versions(&engine).is_none() {
                        partial += 1;
                    }
                }
            }
            (reloads, partial)
        })
    };
    for i in 1..=300 {
        let k = 1 + i % 2;
        rewrite_in_place(&path_of(dir.path(), k), &content(k, i));
        // Quiet stretches longer than the reload's settle time let some reloads succeed.
        if i % 20 == 0 {
            std::thread::sleep(Duration::from_millis(250));
        }
    }
    done.store(true, Ordering::Release);
    let (reloads, partial) = reloader.join().unwrap();
    eprintln!(
        "reload(): {reloads} successful reloads, {partial} partial, {} unstable reads",
        engine.stats().unstable_reads
    );
    assert_eq!(partial, 0);
    engine.reload().unwrap();
    assert_eq!(versions(&engine), Some((300, 299)));
}

/// Files that never settle: the reload gives up after a bounded number of reads with
/// `invalid-config/changed-while-reading`, and the previous snapshot keeps answering.
#[test]
fn a_file_that_never_settles_fails_the_reload_and_keeps_the_snapshot() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("d")).unwrap();
    std::fs::write(dir.path().join("registries.conf"), "").unwrap();
    for k in [1, 2] {
        std::fs::write(path_of(dir.path(), k), content(k, 0)).unwrap();
    }
    let engine = Engine::new(
        ConfigSources::new()
            .registries_conf(dir.path().join("registries.conf"))
            .registries_conf_d(dir.path().join("d")),
    );
    assert_eq!(versions(&engine), Some((0, 0)));
    let done = Arc::new(AtomicBool::new(false));
    let writer = {
        let (done, path) = (done.clone(), path_of(dir.path(), 1));
        std::thread::spawn(move || {
            let mut v = 1;
            while !done.load(Ordering::Acquire) {
                rewrite_in_place(&path, &content(1, v));
                v += 1;
            }
        })
    };
    let err = engine.reload().unwrap_err();
    done.store(true, Ordering::Release);
    writer.join().unwrap();
    assert_eq!(
        err.kind().as_str(),
        "invalid-config/changed-while-reading",
        "{err}"
    );
    assert!(err.to_string().contains("10-file.conf"), "{err}");
    assert_eq!(engine.last_error().map(|e| e.kind()), Some(err.kind()));
    assert_eq!(
        versions(&engine),
        Some((0, 0)),
        "the previous snapshot stays"
    );
    // Once the writer stopped, a reload succeeds.
    engine.reload().unwrap();
    assert!(versions(&engine).is_some());
}
