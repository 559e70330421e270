//! Live reload under a writer that rewrites drop-ins in place (truncate, write half, pause,
//! write the rest — what editors and configuration managers do), with the watcher running:
//! no snapshot the engine ever serves may hold a file caught mid-write.
//!
//! Assertions are on outcomes: every sampled snapshot is complete (each drop-in's search
//! list, mode and all of its aliases, from one version), and once the writer stops, the
//! engine converges to the last version written. The writer's schedule is fixed by a seed;
//! no assertion depends on how long anything took or on how many reloads the debounce gave.
//! One exception is told apart instead of failing the test: a file whose writer itself
//! stalled mid-file (descheduled, blocked) for longer than the settle interval looks finished
//! to `stat` — the documented limit of the guarantee — so the writer records how long each
//! file stayed incomplete, and a partial file is a failure unless its rewrite stalled so.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use shortnames::engine::WatchOptions;
use shortnames::{ConfigSources, Engine, ShortNameMode};

/// Aliases per drop-in: large enough that a read takes a while (a wide window for a race).
const ALIASES: usize = 1_000;
/// Rewrites in bursts, one burst per cycle, quiet gaps of one to 2.5 debounce intervals.
const CYCLES: usize = 48;
const BURST: usize = 25;
const DEBOUNCE: Duration = Duration::from_millis(25);
/// The writer's pause in the middle of a file: shorter than the debounce (a longer pause
/// looks like a finished file to `stat`, the documented limit of the guarantee).
const PAUSE: Duration = Duration::from_millis(2);

/// The tests run one after the other: a concurrent writer would delay the other test's
/// writer mid-file.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

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

/// Rewrites in place: `O_TRUNC`, the first half, a pause, the rest. Returns how long the
/// file was incomplete.
fn rewrite_in_place(path: &Path, text: &str) -> Duration {
    let started = Instant::now();
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
    started.elapsed()
}

/// What a snapshot holds of one drop-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileState {
    /// All of version `v`.
    Complete(usize),
    /// Part of a version (which one, when any of its entries is there).
    Partial(Option<usize>),
}

/// The state of each drop-in in the engine's snapshot (`None`: no configuration).
fn states(engine: &Engine) -> Option<[FileState; 2]> {
    let resolver = engine.resolver();
    let config = resolver.config().ok()?;
    let mut found: [Vec<Option<usize>>; 2] = [Vec::new(), Vec::new()];
    for a in config.aliases() {
        let k = usize::from(!a.name.starts_with("k1-"));
        let v = a.value.and_then(|value| {
            value
                .as_str()
                .strip_prefix("reg.example/v")?
                .split('/')
                .next()?
                .parse()
                .ok()
        });
        found[k].push(v);
    }
    let search = config.unqualified_search_registries.first().and_then(|s| {
        s.strip_prefix('v')?
            .strip_suffix(".example")?
            .parse::<usize>()
            .ok()
    });
    let settings = [
        search.is_some(),
        config.short_name_mode == ShortNameMode::Enforcing,
    ];
    let mut out = [FileState::Partial(None); 2];
    for (k, vs) in found.iter().enumerate() {
        let first = vs.first().copied().flatten();
        let uniform = vs.iter().all(|&v| v.is_some() && v == first);
        let settings_match = settings[k] && (k == 1 || search == first);
        out[k] = if vs.len() == ALIASES && uniform && settings_match {
            FileState::Complete(first.unwrap_or_default())
        } else {
            FileState::Partial(first.or(if k == 0 { search } else { None }))
        };
    }
    Some(out)
}

/// `Some((v1, v2))`, the versions of the two drop-ins, if the snapshot is complete;
/// `None` if anything is missing or mixed.
fn versions(engine: &Engine) -> Option<(usize, usize)> {
    match states(engine)? {
        [FileState::Complete(a), FileState::Complete(b)] => Some((a, b)),
        _ => None,
    }
}

/// The partial files a snapshot holds, as (drop-in, version if known).
fn partial_files(engine: &Engine) -> Vec<(usize, Option<usize>)> {
    let Some(states) = states(engine) else {
        return Vec::new();
    };
    (1..=2)
        .zip(states)
        .filter_map(|(k, s)| match s {
            FileState::Partial(v) => Some((k, v)),
            FileState::Complete(_) => None,
        })
        .collect()
}

/// The rewrites that left their file incomplete for at least `limit` (the writer was
/// descheduled or blocked mid-file): `stat` cannot tell them from finished files, the
/// documented limit of the guarantee. Every partial file a snapshot holds must be one of them.
fn unexplained(
    seen: &[(usize, Option<usize>)],
    stalls: &[(usize, usize, Duration)],
    limit: Duration,
) -> Vec<(usize, Option<usize>)> {
    seen.iter()
        .copied()
        .filter(|&(k, v)| {
            !stalls
                .iter()
                .any(|&(sk, sv, d)| sk == k && d >= limit && v.is_none_or(|v| v == sv))
        })
        .collect()
}

/// A directory with an empty main file and both drop-ins at version 0, and an engine on it.
fn setup() -> (tempfile::TempDir, Engine) {
    // tmpfs when there is one: its writes never wait on a disk, so the writer's mid-file
    // pauses are the ones the test makes.
    let dir = match Path::new("/dev/shm") {
        shm if shm.is_dir() => tempfile::tempdir_in(shm).unwrap(),
        _ => tempfile::tempdir().unwrap(),
    };
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
    (dir, engine)
}

#[test]
fn in_place_rewrites_under_the_watcher_never_give_a_partial_snapshot() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let (dir, engine) = setup();
    let engine = Arc::new(engine);
    let watcher = engine.watch(
        WatchOptions::default()
            .poll_interval(Duration::from_millis(1))
            .debounce(DEBOUNCE),
    );

    // Sampler: every snapshot it sees must be complete.
    let done = Arc::new(AtomicBool::new(false));
    let checked = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (engine, done, checked) = (engine.clone(), done.clone(), checked.clone());
        std::thread::spawn(move || {
            let mut partial = Vec::new();
            let mut last_generation = u64::MAX;
            while !done.load(Ordering::Acquire) {
                let generation = engine.generation();
                if generation != last_generation {
                    last_generation = generation;
                    checked.fetch_add(1, Ordering::Relaxed);
                    partial.extend(partial_files(&engine));
                }
                std::thread::sleep(Duration::from_micros(200));
            }
            partial
        })
    };

    // Writer: a fixed schedule of bursts of rewrites, the quiet gaps between bursts spread
    // from one to 2.5 debounce intervals, so that the watcher's reload often starts just as
    // the next burst begins.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut last = [0usize; 2];
    let mut stalls = Vec::new();
    let mut i = 0;
    for _ in 0..CYCLES {
        for _ in 0..BURST {
            i += 1;
            let k = 1 + i % 2;
            let incomplete = rewrite_in_place(&path_of(dir.path(), k), &content(k, i));
            stalls.push((k, i, incomplete));
            last[k - 1] = i;
        }
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let debounce = DEBOUNCE.as_micros() as u64;
        let gap = debounce + seed % (debounce * 3 / 2);
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
    let partial = sampler.join().unwrap();
    let stats = engine.stats();
    drop(watcher);
    let stalled = stalls.iter().filter(|s| s.2 >= DEBOUNCE).count();
    let unexplained = unexplained(&partial, &stalls, DEBOUNCE);
    eprintln!(
        "{rewrites} rewrites: {} swaps, {} snapshots checked, {} partial files ({} unexplained; \
         {stalled} rewrites stalled mid-file beyond the debounce), {} unstable reads retried, \
         {} failed reloads",
        stats.generation,
        checked.load(Ordering::Relaxed),
        partial.len(),
        unexplained.len(),
        stats.unstable_reads,
        stats.failed_reloads
    );
    assert_eq!(versions(&engine), Some((last[0], last[1])), "converged");
    assert_eq!(unexplained, [], "partial files served");
}

/// `Engine::reload` (no watcher, e.g. on SIGHUP) racing with in-place rewrites: it never
/// swaps in a partial file either; a read that raced is retried after the settle time.
#[test]
fn reload_racing_with_in_place_rewrites_never_swaps_a_partial_file() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let (dir, engine) = setup();
    let engine = Arc::new(engine);
    let done = Arc::new(AtomicBool::new(false));
    let reloader = {
        let (engine, done) = (engine.clone(), done.clone());
        std::thread::spawn(move || {
            let mut partial = Vec::new();
            let mut reloads = 0;
            while !done.load(Ordering::Acquire) {
                if engine.reload().is_ok() {
                    reloads += 1;
                    partial.extend(partial_files(&engine));
                }
            }
            (reloads, partial)
        })
    };
    let mut stalls = Vec::new();
    for i in 1..=300 {
        let k = 1 + i % 2;
        let incomplete = rewrite_in_place(&path_of(dir.path(), k), &content(k, i));
        stalls.push((k, i, incomplete));
        // Quiet stretches longer than the reload's settle time let some reloads succeed.
        if i % 20 == 0 {
            std::thread::sleep(Duration::from_millis(250));
        }
    }
    done.store(true, Ordering::Release);
    let (reloads, partial) = reloader.join().unwrap();
    // Engine::reload's settle interval is 200 ms.
    let unexplained = unexplained(&partial, &stalls, Duration::from_millis(200));
    eprintln!(
        "reload(): {reloads} successful reloads, {} partial files ({} unexplained), {} unstable reads",
        partial.len(),
        unexplained.len(),
        engine.stats().unstable_reads
    );
    assert_eq!(unexplained, [], "partial files swapped in");
    engine.reload().unwrap();
    assert_eq!(versions(&engine), Some((300, 299)));
}

/// Files that never settle: the reload gives up after a bounded number of reads with
/// `invalid-config/changed-while-reading`, and the previous snapshot keeps answering.
#[test]
fn a_file_that_never_settles_fails_the_reload_and_keeps_the_snapshot() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let (dir, engine) = setup();
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
