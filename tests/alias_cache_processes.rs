//! The alias cache across processes: concurrent writers lose nothing, readers wait for a
//! Podman-style in-place writer holding the `fcntl` lock, and a writer killed with SIGKILL at
//! random points always leaves a file holding either the old or the new content.
//!
//! Child processes are this test executable re-run with `CHILD_ENV` set, selecting
//! [`child_process_entry`] and a role (see [`run_child`]).

use std::collections::BTreeSet;
use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use shortnames::alias_cache::AliasCache;

const CHILD_ENV: &str = "SHORTNAMES_ALIAS_CACHE_TEST_CHILD";
const CHILD_TIMEOUT: Duration = Duration::from_secs(120);

/// Entry point of child processes; does nothing in a normal test run.
#[test]
fn child_process_entry() {
    if let Ok(role) = std::env::var(CHILD_ENV) {
        run_child(&role);
    }
}

/// Roles:
/// * `writer <cache> <prefix> <count>`: adds `<prefix>-<i>` = `quay.io/<prefix>/i<i>`.
/// * `endless <cache>`: prints `ready`, then adds `k-0`, `k-1`, … until killed.
/// * `podman <cache> <marker>`: imitates containers/image writing in place: takes `F_WRLCK`
///   on `<cache>.lock`, truncates the cache, writes half of the new content, creates
///   `<marker>`, sleeps, writes the rest, unlocks.
fn run_child(role: &str) {
    let args: Vec<String> = role.split('\t').map(str::to_owned).collect();
    let cache = AliasCache::new(&args[1]);
    match args[0].as_str() {
        "writer" => {
            let count: usize = args[3].parse().unwrap();
            for i in 0..count {
                cache
                    .add(
                        &format!("{}-{i}", args[2]),
                        &format!("quay.io/{}/i{i}", args[2]),
                    )
                    .unwrap();
            }
        }
        "endless" => {
            println!("ready");
            std::io::stdout().flush().unwrap();
            for i in 0.. {
                cache
                    .add(&format!("k-{i}"), &format!("quay.io/k/i{i}"))
                    .unwrap();
            }
        }
        "podman" => {
            let lock = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(cache.lock_path())
                .unwrap();
            rustix::fs::fcntl_lock(&lock, rustix::fs::FlockOperation::LockExclusive).unwrap();
            let content = podman_content();
            let (first, second) = content.split_at(content.len() / 2);
            let mut f = OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(cache.path())
                .unwrap();
            f.write_all(first.as_bytes()).unwrap();
            f.sync_all().unwrap();
            fs::write(&args[2], "").unwrap();
            std::thread::sleep(Duration::from_millis(400));
            f.write_all(second.as_bytes()).unwrap();
            f.sync_all().unwrap();
            rustix::fs::fcntl_lock(&lock, rustix::fs::FlockOperation::Unlock).unwrap();
        }
        other => panic!("unknown child role {other:?}"),
    }
}

/// What the imitated Podman writes: 200 aliases, Podman's bare-key layout.
fn podman_content() -> String {
    let mut s = String::from("[aliases]\n");
    for i in 0..200 {
        s.push_str(&format!("  p{i} = \"quay.io/p/i{i}\"\n"));
    }
    s
}

fn spawn_child(role: &[&str], stdout: Stdio) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_process_entry",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .env(CHILD_ENV, role.join("\t"))
        .stdout(stdout)
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// Waits for `child` at most [`CHILD_TIMEOUT`]; kills it and fails on timeout.
fn wait_ok(mut child: Child, what: &str) {
    let deadline = Instant::now() + CHILD_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{what} failed: {status}");
            return;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} timed out");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn cache_in(dir: &Path) -> (PathBuf, AliasCache) {
    let path = dir.join("containers/short-name-aliases.conf");
    (path.clone(), AliasCache::new(path))
}

#[test]
fn two_processes_adding_500_each_concurrently_end_with_all_1000() {
    let dir = tempfile::tempdir().unwrap();
    let (path, cache) = cache_in(dir.path());
    let p = path.to_str().unwrap();
    let mut a = spawn_child(&["writer", p, "a", "500"], Stdio::null());
    let mut b = spawn_child(&["writer", p, "b", "500"], Stdio::null());

    // Meanwhile this process reads: every read succeeds and the count never goes down.
    let mut last = 0;
    let mut reads = 0;
    let deadline = Instant::now() + CHILD_TIMEOUT;
    while (a.try_wait().unwrap().is_none() || b.try_wait().unwrap().is_none())
        && Instant::now() < deadline
    {
        let n = cache.list().unwrap().len();
        assert!(n >= last, "entries went from {last} to {n}");
        last = n;
        reads += 1;
        std::thread::sleep(Duration::from_millis(2));
    }
    wait_ok(a, "writer a");
    wait_ok(b, "writer b");

    let got: BTreeSet<(String, String)> = cache
        .list()
        .unwrap()
        .into_iter()
        .map(|e| (e.name, e.value))
        .collect();
    let want: BTreeSet<(String, String)> = ["a", "b"]
        .iter()
        .flat_map(|p| (0..500).map(move |i| (format!("{p}-{i}"), format!("quay.io/{p}/i{i}"))))
        .collect();
    assert_eq!(got, want);
    assert!(reads > 1);
}

/// Starts the Podman-style in-place writer on `path` and returns once it holds the exclusive
/// lock with the file half written.
fn start_podman_writer(path: &Path, dir: &Path) -> Child {
    let marker = dir.join("half-written");
    let child = spawn_child(
        &["podman", path.to_str().unwrap(), marker.to_str().unwrap()],
        Stdio::null(),
    );
    let deadline = Instant::now() + CHILD_TIMEOUT;
    while !marker.exists() {
        assert!(
            Instant::now() < deadline,
            "podman-style writer never started"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child
}

#[test]
fn reader_waits_for_a_podman_style_in_place_writer_holding_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let (path, cache) = cache_in(dir.path());
    cache.add("old", "quay.io/old").unwrap();
    let child = start_podman_writer(&path, dir.path());
    // The file is half written right now; without honouring the lock this would fail to
    // parse or see a prefix of the entries: all 200 show the read waited for the writer.
    let entries = cache.list().unwrap();
    assert_eq!(entries.len(), 200);
    wait_ok(child, "podman-style writer");
    // And our writer keeps Podman's entries.
    cache.add("mine", "quay.io/mine").unwrap();
    assert_eq!(cache.list().unwrap().len(), 201);
}

/// Tiny deterministic PRNG (xorshift64*), seeded from the clock; the seed is printed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn writer_killed_at_random_points_leaves_old_or_new_content() {
    const TRIALS: usize = 120;
    const BASE: usize = 1500; // makes each write ~100 KB, so kills land inside writes too
    let seed = std::env::var("ALIAS_CACHE_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("kill test seed: {seed} (set ALIAS_CACHE_KILL_SEED to replay)");
    let mut rng = Rng(seed);

    let dir = tempfile::tempdir().unwrap();
    let (path, cache) = cache_in(dir.path());
    let mut base = String::from("[aliases]\n");
    for i in 0..BASE {
        base.push_str(&format!("  \"base-{i}\" = \"quay.io/base/i{i}\"\n"));
    }
    fs::create_dir_all(path.parent().unwrap()).unwrap();

    let mut killed_after_writes = 0;
    for trial in 0..TRIALS {
        fs::write(&path, &base).unwrap();
        let mut child = spawn_child(&["endless", path.to_str().unwrap()], Stdio::piped());
        // The test harness may print its own lines first.
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while line.trim() != "ready" {
            line.clear();
            assert!(
                out.read_line(&mut line).unwrap() > 0,
                "trial {trial}: child never got ready"
            );
        }
        std::thread::sleep(Duration::from_micros(rng.next() % 40_000));
        child.kill().unwrap();
        child.wait().unwrap();

        // The file parses and is a state some complete write produced: the base entries
        // plus k-0..k-(j-1) for some j (j = 0: the write in flight, if any, never landed).
        let entries = cache
            .list()
            .unwrap_or_else(|e| panic!("trial {trial} (seed {seed}): {e}"));
        let mut ks: Vec<usize> = Vec::new();
        let mut bases = 0;
        for e in &entries {
            if let Some(i) = e.name.strip_prefix("k-") {
                let i: usize = i.parse().unwrap();
                assert_eq!(e.value, format!("quay.io/k/i{i}"));
                ks.push(i);
            } else {
                let i: usize = e.name.strip_prefix("base-").unwrap().parse().unwrap();
                assert_eq!(e.value, format!("quay.io/base/i{i}"));
                bases += 1;
            }
        }
        ks.sort_unstable();
        assert_eq!(bases, BASE, "trial {trial} (seed {seed})");
        assert_eq!(
            ks,
            (0..ks.len()).collect::<Vec<_>>(),
            "trial {trial} (seed {seed})"
        );
        if !ks.is_empty() {
            killed_after_writes += 1;
        }
        // The cache is still writable: the lock died with the child, and the next write
        // removes whatever temporary file the killed writer left.
        cache.add("after", "quay.io/after").unwrap();
        let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.contains(".tmp-"))
            .collect();
        assert!(leftovers.is_empty(), "trial {trial}: {leftovers:?}");
    }
    eprintln!("{killed_after_writes}/{TRIALS} trials killed the writer after at least one write");
    assert!(
        killed_after_writes > 0,
        "no trial got past the first write; test is too fast to mean anything"
    );
}

#[test]
fn resolver_reads_the_user_alias_file_under_the_shared_lock() {
    let dir = tempfile::tempdir().unwrap();
    let (path, cache) = cache_in(dir.path());
    cache.add("old", "quay.io/old").unwrap();
    fs::write(
        dir.path().join("registries.conf"),
        "unqualified-search-registries = [\"quay.io\"]\n",
    )
    .unwrap();
    let resolver = shortnames::Resolver::new(
        &shortnames::ConfigSources::new()
            .registries_conf(dir.path().join("registries.conf"))
            .registries_conf_d(dir.path().join("registries.conf.d"))
            .user_aliases(&path),
    );
    assert_eq!(
        resolver.resolve("old").unwrap().candidates[0]
            .reference
            .as_str(),
        "quay.io/old:latest"
    );
    let child = start_podman_writer(&path, dir.path());
    // Half written now: a lock-less re-read would see a truncated table (and lose p199), so
    // the outcome below shows the re-read waited for the writer's lock.
    resolver.refresh_user_aliases();
    assert_eq!(
        resolver.resolve("p199").unwrap().candidates[0]
            .reference
            .as_str(),
        "quay.io/p/i199:latest"
    );
    wait_ok(child, "podman-style writer");
}
