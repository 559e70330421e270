//! Special files (a FIFO, a character device such as `/dev/null`, a socket) in every input
//! role — main file, drop-in, user alias file, `--names-from`, auth file — give an error that
//! names the file, in every command and in `Engine::reload`, instead of blocking forever.
//!
//! Every child process runs with a deadline: if it has not exited by then it is killed and
//! the test FAILS (a hang never blocks CI). The deadline detects hangs only; it is not a
//! timing goal.

use std::fs;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use shortnames::{ConfigSources, Engine};

/// Longer than any honest run on a loaded 2-core machine; a blocked open never returns.
const DEADLINE: Duration = Duration::from_secs(20);

#[derive(Clone, Copy, Debug)]
enum Kind {
    Fifo,
    CharDevice,
    Socket,
}

const KINDS: [Kind; 3] = [Kind::Fifo, Kind::CharDevice, Kind::Socket];

impl Kind {
    fn expected(self) -> &'static str {
        match self {
            Kind::Fifo => "not a regular file (a FIFO)",
            Kind::CharDevice => "not a regular file (a character device)",
            Kind::Socket => "not a regular file (a socket)",
        }
    }
}

/// Creates a special file of `kind` at `path`; the returned listener keeps a socket alive.
fn make_special(kind: Kind, path: &Path) -> Option<UnixListener> {
    let _ = fs::remove_file(path);
    match kind {
        Kind::Fifo => {
            rustix::fs::mkfifoat(rustix::fs::CWD, path, rustix::fs::Mode::from(0o644))
                .expect("mkfifo");
            None
        }
        // /dev/null through a symbolic link: the rule follows links and then refuses.
        Kind::CharDevice => {
            std::os::unix::fs::symlink("/dev/null", path).expect("symlink to /dev/null");
            None
        }
        Kind::Socket => Some(UnixListener::bind(path).expect("bind socket")),
    }
}

struct Run {
    status: Option<i32>,
    output: String,
    elapsed: Duration,
}

/// Runs the binary in `dir` with a clean environment and the deadline.
fn run(dir: &Path, args: &[&str]) -> Run {
    let out_path = dir.join(format!("out-{}.txt", std::process::id()));
    let out = fs::File::create(&out_path).unwrap();
    let err = out.try_clone().unwrap();
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_shortnames"))
        .current_dir(dir)
        .args(args)
        .env_clear()
        .env("HOME", dir)
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("run shortnames");
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("shortnames {args:?} hung (killed after {DEADLINE:?})");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = started.elapsed();
    let output = fs::read_to_string(&out_path).unwrap_or_default();
    let _ = fs::remove_file(&out_path);
    Run {
        status: status.code(),
        output,
        elapsed,
    }
}

fn check_refused(run: &Run, kind: Kind, file: &str, what: &str) {
    assert!(
        run.output.contains(kind.expected()) && run.output.contains(file),
        "{what}: expected an error naming {file:?} ({}), got status {:?}:\n{}",
        kind.expected(),
        run.status,
        run.output
    );
    assert_ne!(run.status, Some(0), "{what}: must fail\n{}", run.output);
}

/// A fresh directory: good main file, empty drop-in directory.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("registries.conf"),
        "unqualified-search-registries = [\"quay.io\"]\n",
    )
    .unwrap();
    fs::create_dir(dir.path().join("d")).unwrap();
    dir
}

#[test]
fn main_file_in_every_command() {
    let mut slowest = Duration::ZERO;
    for kind in KINDS {
        let dir = setup();
        let _keep = make_special(kind, &dir.path().join("special.conf"));
        let conf = [
            "--registries-conf",
            "special.conf",
            "--registries-conf-d",
            "d",
        ];
        let commands: Vec<(&str, Vec<&str>)> = vec![
            ("resolve", [&["resolve"][..], &conf, &["app"]].concat()),
            ("check", [&["check"][..], &conf].concat()),
            ("explain", [&["explain"][..], &conf, &["app"]].concat()),
            (
                "alias list",
                [&["alias", "list"][..], &conf, &["--user-aliases", "u.conf"]].concat(),
            ),
            ("migrate", vec!["migrate", "special.conf"]),
        ];
        for (what, args) in commands {
            let r = run(dir.path(), &args);
            check_refused(&r, kind, "special.conf", &format!("{what} ({kind:?})"));
            slowest = slowest.max(r.elapsed);
        }
    }
    eprintln!("main file: slowest command {slowest:?}");
}

#[test]
fn drop_in_in_every_command() {
    for kind in KINDS {
        let dir = setup();
        let _keep = make_special(kind, &dir.path().join("d/10-special.conf"));
        let conf = [
            "--registries-conf",
            "registries.conf",
            "--registries-conf-d",
            "d",
        ];
        for (what, args) in [
            ("resolve", [&["resolve"][..], &conf, &["app"]].concat()),
            ("check", [&["check"][..], &conf].concat()),
            ("explain", [&["explain"][..], &conf, &["app"]].concat()),
            (
                "alias list",
                [&["alias", "list"][..], &conf, &["--user-aliases", "u.conf"]].concat(),
            ),
        ] {
            let r = run(dir.path(), &args);
            check_refused(&r, kind, "d/10-special.conf", &format!("{what} ({kind:?})"));
            eprintln!("drop-in {kind:?} {what}: {:?}", r.elapsed);
        }
    }
}

#[test]
fn user_alias_file_in_every_command() {
    for kind in KINDS {
        let dir = setup();
        let _keep = make_special(kind, &dir.path().join("aliases.conf"));
        let conf = [
            "--registries-conf",
            "registries.conf",
            "--registries-conf-d",
            "d",
            "--user-aliases",
            "aliases.conf",
        ];
        for (what, args) in [
            ("resolve", [&["resolve"][..], &conf, &["app"]].concat()),
            ("check", [&["check"][..], &conf].concat()),
            ("explain", [&["explain"][..], &conf, &["app"]].concat()),
            ("alias list", [&["alias", "list"][..], &conf].concat()),
            (
                "alias add",
                vec![
                    "alias",
                    "add",
                    "--user-aliases",
                    "aliases.conf",
                    "app",
                    "quay.io/team/app",
                ],
            ),
        ] {
            let r = run(dir.path(), &args);
            check_refused(&r, kind, "aliases.conf", &format!("{what} ({kind:?})"));
        }
    }
}

#[test]
fn names_from_and_auth_file() {
    for kind in KINDS {
        let dir = setup();
        let _names = make_special(kind, &dir.path().join("names.txt"));
        let r = run(
            dir.path(),
            &[
                "resolve",
                "--registries-conf-d",
                "d",
                "--names-from",
                "names.txt",
            ],
        );
        check_refused(&r, kind, "names.txt", &format!("--names-from ({kind:?})"));
        // Exit scheme of #17: an unusable named file fails the operation (1).
        assert_eq!(r.status, Some(1), "the operation failed\n{}", r.output);

        let _auth = make_special(kind, &dir.path().join("auth.json"));
        let r = run(
            dir.path(),
            &[
                "resolve",
                "--registries-conf-d",
                "d",
                "--auth-file",
                "auth.json",
                "quay.io/team/app",
            ],
        );
        assert!(
            r.output.contains("not a regular file") && r.output.contains("auth.json"),
            "--auth-file ({kind:?}): {:?}\n{}",
            r.status,
            r.output
        );
        let r = run(dir.path(), &["auth", "check", "auth.json"]);
        assert!(
            r.output.contains("not a regular file"),
            "auth check ({kind:?}): {:?}\n{}",
            r.status,
            r.output
        );
        assert_ne!(r.status, Some(0));
    }
}

/// Manifests and cluster objects (`scan`, `render`, `check`/`explain --cluster-objects`), a
/// disruption policy and a node root holding a special file: refused by name with exit 1,
/// never waited on.
#[test]
fn manifests_cluster_objects_and_node_roots() {
    for kind in KINDS {
        let dir = setup();
        let _m = make_special(kind, &dir.path().join("objects.yaml"));
        let commands: Vec<(&str, Vec<&str>)> = vec![
            ("scan", vec!["scan", "objects.yaml"]),
            (
                "render registries",
                vec!["render", "registries", "--objects", "objects.yaml"],
            ),
            (
                "check --cluster-objects",
                vec!["check", "--cluster-objects", "objects.yaml"],
            ),
            (
                "explain --cluster-objects",
                vec!["explain", "--cluster-objects", "objects.yaml", "ubi9"],
            ),
        ];
        for (what, args) in commands {
            let r = run(dir.path(), &args);
            check_refused(&r, kind, "objects.yaml", &format!("{what} ({kind:?})"));
            assert_eq!(r.status, Some(1), "{what} ({kind:?})\n{}", r.output);
        }
    }
}

/// `f` on a thread; the test fails if it does not return before the deadline.
fn with_deadline<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(DEADLINE)
        .unwrap_or_else(|_| panic!("{what} hung (gave up after {DEADLINE:?})"))
}

#[test]
fn engine_reload_refuses_special_files_and_keeps_the_last_good_snapshot() {
    for kind in KINDS {
        for role in ["main", "drop-in"] {
            let dir = setup();
            let main: PathBuf = dir.path().join("registries.conf");
            let engine = std::sync::Arc::new(Engine::new(
                ConfigSources::new()
                    .registries_conf(&main)
                    .registries_conf_d(dir.path().join("d")),
            ));
            assert!(engine.last_error().is_none());
            let target = match role {
                "main" => main.clone(),
                _ => dir.path().join("d/50-special.conf"),
            };
            let _keep = make_special(kind, &target);
            let e2 = engine.clone();
            let result = with_deadline("Engine::reload", move || e2.reload());
            let err = result.expect_err("a special file fails the reload");
            assert_eq!(err.kind().as_str(), "invalid-config/not-regular-file");
            assert!(err.to_string().contains(kind.expected()), "{err}");
            assert!(
                err.to_string().contains(&*target.to_string_lossy()),
                "{err}"
            );
            // The last good configuration keeps answering.
            let first = engine.resolver().resolve("app").unwrap().candidates[0]
                .reference
                .to_string();
            assert_eq!(first, "quay.io/app:latest", "{kind:?} {role}");
            // The reload mutex was released: the change-driven reload returns too (nothing
            // changed since the failed attempt, so it is not retried).
            let e3 = engine.clone();
            let again = with_deadline("reload_if_changed", move || e3.reload_if_changed());
            assert_eq!(again.unwrap(), shortnames::ReloadOutcome::Unchanged);
        }
    }
}

#[test]
fn engine_user_alias_file_special_fails_lookups_not_the_engine() {
    for kind in KINDS {
        let dir = setup();
        let aliases = dir.path().join("aliases.conf");
        let _keep = make_special(kind, &aliases);
        let sources = ConfigSources::new()
            .registries_conf(dir.path().join("registries.conf"))
            .registries_conf_d(dir.path().join("d"))
            .user_aliases(&aliases);
        let engine = with_deadline("Engine::new", move || Engine::new(sources));
        let err = engine.resolver().resolve("app").unwrap_err();
        assert_eq!(err.kind().as_str(), "invalid-user-aliases/not-regular-file");
        assert!(err.to_string().contains(kind.expected()), "{err}");
        // Fully-qualified names do not need the alias file.
        assert!(engine.resolver().resolve("quay.io/a/b").is_ok());
    }
}
