//! Every subcommand × (success, failure, usage error): the exit status and which stream each
//! message goes to (results on stdout, diagnostics on stderr, each once). inspect, pull and
//! push (feature oci-client) succeed against a real registry (CNCF distribution on
//! 127.0.0.1, tests/pull_support) and fail against a loopback port nothing listens on.

mod cli_support;
#[cfg(feature = "oci-client")]
mod pull_support;

use cli_support::{text, Fixture};

/// What a stream must hold.
#[derive(Debug, Clone, Copy)]
enum S<'a> {
    /// Nothing.
    Empty,
    /// This text (and, for stderr, on exactly one line: one message, once).
    Has(&'a str),
    /// This text, on a stream of several lines (a message with one line per endpoint tried,
    /// or progress lines before it).
    Lines(&'a str),
    /// Something.
    Any,
}

struct Row {
    args: &'static [&'static str],
    stdin: &'static str,
    code: i32,
    stdout: S<'static>,
    stderr: S<'static>,
}

const fn row(
    args: &'static [&'static str],
    code: i32,
    stdout: S<'static>,
    stderr: S<'static>,
) -> Row {
    Row {
        args,
        stdin: "",
        code,
        stdout,
        stderr,
    }
}

use S::*;

const GOOD: &str = "--registries-conf=good.conf";
const D: &str = "--registries-conf-d=d";

const TABLE: &[Row] = &[
    // resolve
    row(
        &["resolve", GOOD, D, "myapp"],
        0,
        Has("candidate 1: quay.io/team/myapp:latest"),
        Empty,
    ),
    row(
        &["resolve", GOOD, D, "docker://busybox"],
        0,
        Has("docker.io/library/busybox:latest"),
        Empty,
    ),
    row(
        &["resolve", "--registries-conf=blocked.conf", D, "app"],
        1,
        Has("refused: registry evil.example.com is blocked"),
        Has("app: no usable endpoint"),
    ),
    row(
        &["resolve", "--registries-conf=broken.conf", D, "app"],
        1,
        Empty,
        Has("loading registries configuration \"broken.conf\""),
    ),
    row(
        &["resolve", "--registries-conf=missing.conf", D, "app"],
        1,
        Empty,
        Has("open missing.conf: no such file or directory"),
    ),
    row(
        &["resolve", GOOD, D, "UPPER"],
        1,
        Empty,
        Has("cannot parse input: \"UPPER\""),
    ),
    row(
        &["resolve", GOOD, D, "oci:/tmp/layout"],
        1,
        Empty,
        Has("transport \"oci\" is not supported"),
    ),
    row(
        &["resolve", GOOD, D, "--auth-file=typo.json", "myapp"],
        1,
        Empty,
        Has("--auth-file cannot read typo.json: no such file or directory"),
    ),
    row(
        &["resolve", GOOD, D, "--node-auth-file=syntax.json", "myapp"],
        1,
        Empty,
        Has("--node-auth-file syntax.json:1:"),
    ),
    row(
        &["resolve", GOOD, D, "--user-aliases=d", "myapp"],
        1,
        Empty,
        Has("--user-aliases cannot read d: is a directory"),
    ),
    row(
        &["resolve", GOOD, D, "--names-from=nope.txt"],
        1,
        Empty,
        Has("cannot read nope.txt: no such file or directory"),
    ),
    row(&["resolve", GOOD, D], 2, Empty, Has("no names given")),
    row(&["resolve", "--format=yaml", "x"], 2, Empty, Any),
    row(&["resolve", "--bogus", "x"], 2, Empty, Any),
    // explain
    row(&["explain", GOOD, D, "myapp"], 0, Has("myapp"), Empty),
    row(
        &["explain", "--registries-conf=blocked.conf", D, "app"],
        1,
        Any,
        Has("app: no usable endpoint"),
    ),
    row(
        &["explain", GOOD, D, "UPPER"],
        1,
        Any,
        Has("cannot parse input"),
    ),
    row(&["explain", GOOD, D], 2, Empty, Any),
    // check
    row(
        &["check", GOOD, D],
        0,
        Has("1 file checked: 0 errors, 0 warnings, 0 notes"),
        Empty,
    ),
    row(
        &["check", "--registries-conf=warn.conf", D],
        0,
        Has("warning[unknown-key]"),
        Empty,
    ),
    row(
        &["check", "--registries-conf=warn.conf", D, "--strict"],
        1,
        Has("warning[unknown-key]"),
        Empty,
    ),
    row(
        &["check", "--registries-conf=broken.conf", D],
        1,
        Has("3 errors"),
        Empty,
    ),
    row(&["check", "--bogus"], 2, Empty, Any),
    // alias
    row(
        &[
            "alias",
            "add",
            "--user-aliases=ua.conf",
            "x",
            "quay.io/me/x",
        ],
        0,
        Has("added \"x\""),
        Empty,
    ),
    row(
        &["alias", "add", "--user-aliases=ua.conf", "x", "not a name"],
        1,
        Empty,
        Any,
    ),
    row(
        &["alias", "add", "--user-aliases=ua.conf", "x"],
        2,
        Empty,
        Any,
    ),
    row(
        &["alias", "remove", "--user-aliases=ua.conf", "mine"],
        0,
        Has("removed \"mine\""),
        Empty,
    ),
    row(
        &["alias", "remove", "--user-aliases=ua.conf", "unknown"],
        1,
        Empty,
        Has("short-name alias \"unknown\" not found"),
    ),
    row(&["alias", "remove"], 2, Empty, Any),
    row(
        &["alias", "list", GOOD, D, "--user-aliases=ua.conf"],
        0,
        Has("myapp"),
        Empty,
    ),
    row(
        &[
            "alias",
            "list",
            "--registries-conf=broken.conf",
            D,
            "--user-aliases=ua.conf",
        ],
        1,
        Has("NAME"),
        Has("broken.conf"),
    ),
    row(&["alias", "list", "--format=xml"], 2, Empty, Any),
    // auth
    row(
        &["auth", "check", "ns.json"],
        0,
        Has("ns.json: 1 entry, 1 usable, 0 problems"),
        Empty,
    ),
    row(
        &["auth", "check", "bad.json"],
        1,
        Has("credentials/auth-not-base64"),
        Empty,
    ),
    row(
        &["auth", "check", "typo.json"],
        1,
        Empty,
        Has("typo.json: no such file or directory"),
    ),
    row(&["auth", "check"], 2, Empty, Any),
    // scan (a fresh HOME: nothing of the host is read; the default node is crio-default)
    row(
        &["scan", "pod.yaml"],
        0,
        Has("1 file(s), 1 image(s), 0 short name(s): 0 error(s)"),
        Empty,
    ),
    row(
        &[
            "scan",
            "--node-profile=kubeadm-ubuntu-2025-09",
            "short.yaml",
        ],
        1,
        Has("error: \"nginx:1.27\" (Pod/s c): short name mode is enforcing"),
        Empty,
    ),
    row(
        &["scan", "--format=json", "short.yaml", "pod.yaml"],
        0,
        Has("\"schema\": \"shortnames-scan/v1\""),
        Empty,
    ),
    row(
        &["scan", "--format=sarif", "short.yaml"],
        0,
        Has("\"version\": \"2.1.0\""),
        Empty,
    ),
    row(
        &["scan", "--fix", "--dry-run", "short.yaml"],
        0,
        Has("+    image: docker.io/library/nginx:1.27\n"),
        Has("note: would fix 1 image(s) in 1 file(s)"),
    ),
    row(
        &["scan", "-", "missing.yaml"],
        1,
        Empty,
        Has("cannot read missing.yaml: no such file or directory"),
    ),
    row(
        &["scan", "--node-profile=./d", "pod.yaml"],
        0,
        Has("search registries: none"),
        Empty,
    ),
    row(
        &["scan", "--node-profile=./bad-node", "pod.yaml"],
        1,
        Empty,
        Has("/etc/crio/crio.conf: invalid short name mode \"permissive\""),
    ),
    row(
        &["scan", "--node-profile=nosuch", "pod.yaml"],
        2,
        Empty,
        Has("unknown node profile \"nosuch\""),
    ),
    row(
        &["scan", "--fix", "-"],
        2,
        Empty,
        Has("--fix cannot rewrite standard input"),
    ),
    row(&["scan"], 2, Empty, Any),
    // render registries
    row(
        &["render", "registries", "--objects=idms.yaml"],
        0,
        Has("# /etc/containers/registries.conf\n"),
        Empty,
    ),
    row(
        &[
            "render",
            "registries",
            "--objects=idms.yaml",
            "--format=json",
        ],
        0,
        Has("\"schema\": \"shortnames-render-registries/v1\""),
        Empty,
    ),
    row(
        &["render", "registries", "--objects=refused.yaml"],
        1,
        Empty,
        Has("invalid entry for allowed registries \"*.example.com/ns\""),
    ),
    row(
        &[
            "render",
            "registries",
            "--objects=refused.yaml",
            "--format=json",
        ],
        1,
        Has("\"kind\": \"render/mco-refuses\""),
        Has("invalid entry for allowed registries \"*.example.com/ns\""),
    ),
    row(
        &["render", "registries", "--objects=nope.yaml"],
        1,
        Empty,
        Has("cannot read nope.yaml: no such file or directory"),
    ),
    row(&["render", "registries"], 2, Empty, Any),
    row(
        &[
            "render",
            "registries",
            "--objects=idms.yaml",
            "--format=xml",
        ],
        2,
        Empty,
        Any,
    ),
    // render machineconfig
    row(
        &[
            "render",
            "machineconfig",
            "--role=worker",
            "--name=50-worker-x",
            "--path=/etc/containers/registries.conf.d/x.conf",
            "good.conf",
        ],
        0,
        Has("kind: MachineConfig"),
        Has("note: when this MachineConfig is applied, each worker node will"),
    ),
    row(
        &[
            "--quiet",
            "render",
            "machineconfig",
            "--role=worker",
            "--name=50-worker-x",
            "--path=/etc/x.conf",
            "--format=json",
            "good.conf",
        ],
        0,
        Has("\"kind\":\"MachineConfig\""),
        Empty,
    ),
    row(
        &[
            "render",
            "machineconfig",
            "--role=worker",
            "--name=x",
            "--path=/etc/x.conf",
            "nope.conf",
        ],
        1,
        Empty,
        Has("cannot read nope.conf: no such file or directory"),
    ),
    row(
        &[
            "render",
            "machineconfig",
            "--role=worker",
            "--name=x",
            "--path=etc/x.conf",
            "good.conf",
        ],
        2,
        Empty,
        Has("--path \"etc/x.conf\" must be an absolute node path"),
    ),
    row(
        &[
            "render",
            "machineconfig",
            "--name=x",
            "--path=/x",
            "good.conf",
        ],
        2,
        Empty,
        Any,
    ),
    // render disruption
    row(
        &["render", "disruption", "--previous=old", "--next=new"],
        0,
        Has("reboot: drain and reboot the node"),
        Empty,
    ),
    row(
        &[
            "render",
            "disruption",
            "--previous=old",
            "--next=new",
            "--format=json",
        ],
        0,
        Has("\"schema\": \"shortnames-render-disruption/v1\""),
        Empty,
    ),
    row(
        &["render", "disruption", "--previous=old", "--next=missing"],
        1,
        Empty,
        Has("cannot read missing: no such file or directory"),
    ),
    row(&["render", "disruption", "--previous=old"], 2, Empty, Any),
    row(&["render", "bogus"], 2, Empty, Any),
    // migrate
    row(
        &["migrate", "v1.conf"],
        0,
        Has("unqualified-search-registries = [\"quay.io\"]"),
        Empty,
    ),
    row(
        &["migrate", "good.conf"],
        0,
        Has("[aliases]"),
        Has("good.conf has no version-1 tables; unchanged"),
    ),
    row(&["migrate", "--check", "good.conf"], 0, Empty, Empty),
    row(
        &["migrate", "--check", "v1.conf"],
        1,
        Empty,
        Has("v1.conf uses version-1 tables"),
    ),
    row(
        &["migrate", "mixed.conf"],
        1,
        Empty,
        Has("mixing sysregistry v1/v2 is not supported"),
    ),
    row(
        &["migrate", "nope.conf"],
        1,
        Empty,
        Has("cannot read nope.conf: no such file or directory"),
    ),
    row(
        &["migrate", "d"],
        1,
        Empty,
        Has("cannot read d: is a directory"),
    ),
    row(&["migrate"], 2, Empty, Any),
    // inspect, pull, push: failures and usage errors (successes need a registry: see
    // registry_rows). Nothing listens on port 1 of the loopback address.
    #[cfg(feature = "oci-client")]
    row(
        &["inspect", GOOD, D, "127.0.0.1:1/a/b:1"],
        1,
        Empty,
        Lines("127.0.0.1:1/a/b:1: no endpoint could serve it"),
    ),
    #[cfg(feature = "oci-client")]
    row(
        &["inspect", GOOD, D, "--format=json", "127.0.0.1:1/a/b:1"],
        1,
        Has("\"kind\": \"connection\""),
        Lines("no endpoint could serve it"),
    ),
    #[cfg(feature = "oci-client")]
    row(
        &["inspect", GOOD, D, "UPPER"],
        1,
        Empty,
        Has("cannot parse input: \"UPPER\""),
    ),
    #[cfg(feature = "oci-client")]
    row(
        &["inspect", "--registries-conf=broken.conf", D, "quay.io/a/b"],
        1,
        Empty,
        Has("loading registries configuration \"broken.conf\""),
    ),
    #[cfg(feature = "oci-client")]
    row(
        &["inspect", GOOD, D, "--auth-file=typo.json", "quay.io/a/b"],
        1,
        Empty,
        Has("--auth-file cannot read typo.json: no such file or directory"),
    ),
    #[cfg(feature = "oci-client")]
    row(
        &["inspect", GOOD, D, "--platform=bogus", "quay.io/a/b"],
        2,
        Empty,
        Has("--platform \"bogus\": expected os/arch[/variant]"),
    ),
    #[cfg(feature = "oci-client")]
    row(&["inspect", GOOD, D], 2, Empty, Any),
    #[cfg(feature = "oci-client")]
    row(
        &["pull", GOOD, D, "--dest=out", "127.0.0.1:1/a/b:1"],
        1,
        Empty,
        Lines("127.0.0.1:1/a/b:1: no endpoint could serve it"),
    ),
    #[cfg(feature = "oci-client")]
    row(
        &[
            "pull",
            GOOD,
            D,
            "--dest=out",
            "--creds=nocolon",
            "quay.io/a/b",
        ],
        2,
        Empty,
        Has("--creds: expected USER:PASS"),
    ),
    #[cfg(feature = "oci-client")]
    row(&["pull", GOOD, D, "quay.io/a/b"], 2, Empty, Any),
    #[cfg(feature = "oci-client")]
    row(
        &["push", GOOD, D, "nolayout", "127.0.0.1:1/a/b:1"],
        1,
        Empty,
        Has("nolayout/index.json"),
    ),
    #[cfg(feature = "oci-client")]
    row(
        &[
            "push",
            GOOD,
            D,
            "--node-auth-file=missing.json",
            "nolayout",
            "127.0.0.1:1/a/b:1",
        ],
        1,
        Empty,
        Has("--node-auth-file cannot read missing.json: no such file or directory"),
    ),
    #[cfg(feature = "oci-client")]
    row(&["push", GOOD, D, "nolayout"], 2, Empty, Any),
    // completion, man, version
    row(&["completion", "bash"], 0, Has("_shortnames()"), Empty),
    row(&["completion", "zsh"], 0, Has("#compdef shortnames"), Empty),
    row(
        &["completion", "fish"],
        0,
        Has("complete -c shortnames"),
        Empty,
    ),
    row(&["completion", "tcsh"], 2, Empty, Any),
    row(&["man", "--dir=good.conf"], 1, Empty, Has("good.conf")),
    row(&["--version"], 0, Has("containers/image v5.23"), Empty),
    row(&[], 2, Empty, Any),
];

/// What is wrong with one run of `args` (nothing: `None`).
fn check_row(
    f: &Fixture,
    args: &[&str],
    stdin: &str,
    code: i32,
    stdout: S,
    stderr: S,
) -> Option<String> {
    let out = f.run_stdin(args, stdin.as_bytes());
    let (so, se) = (text(&out.stdout), text(&out.stderr));
    let mut why = Vec::new();
    if out.status.code() != Some(code) {
        why.push(format!("exit {:?}, want {code}", out.status.code()));
    }
    for (name, got, want, one_line) in [
        ("stdout", &so, stdout, false),
        ("stderr", &se, stderr, true),
    ] {
        match want {
            Empty if !got.is_empty() => why.push(format!("{name} not empty")),
            Any if got.is_empty() => why.push(format!("{name} empty")),
            Has(s) | Lines(s) if !got.contains(s) => why.push(format!("{name} lacks {s:?}")),
            Has(_) if one_line && got.lines().count() != 1 => {
                why.push(format!("{name} has {} lines, want 1", got.lines().count()))
            }
            Lines(_) if got.lines().count() < 2 => why.push(format!(
                "{name} has {} lines, want several",
                got.lines().count()
            )),
            _ => {}
        }
    }
    (!why.is_empty()).then(|| {
        format!(
            "{args:?}: {}\n  stdout: {so}\n  stderr: {se}",
            why.join("; ")
        )
    })
}

/// A fixture with what the rows need besides [`Fixture::new`]: a node root whose CRI-O
/// configuration is broken.
fn table_fixture() -> Fixture {
    let f = Fixture::new();
    let crio = f.path("bad-node/etc/crio");
    std::fs::create_dir_all(&crio).unwrap();
    std::fs::write(
        crio.join("crio.conf"),
        "[crio.image]\nshort_name_mode = \"permissive\"\n",
    )
    .unwrap();
    f
}

#[test]
fn every_subcommand_success_failure_usage() {
    let mut failures = Vec::new();
    for r in TABLE {
        // A fresh fixture per row: alias edits change the cache.
        let f = table_fixture();
        failures.extend(check_row(&f, r.args, r.stdin, r.code, r.stdout, r.stderr));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The rows can fail: a wrong exit status, text on the wrong stream, a message twice.
#[test]
fn rows_detect_wrong_streams_and_codes() {
    let f = table_fixture();
    let ok = ["migrate", "good.conf"];
    assert!(check_row(&f, &ok, "", 0, Has("[aliases]"), Has("unchanged")).is_none());
    for (code, stdout, stderr) in [
        (1, Has("[aliases]"), Has("unchanged")),
        (0, Empty, Has("unchanged")),
        (0, Has("[aliases]"), Empty),
        (0, Has("[aliases]"), Lines("unchanged")),
        (0, Has("nothing like this"), Has("unchanged")),
    ] {
        assert!(
            check_row(&f, &ok, "", code, stdout, stderr).is_some(),
            "{code} {stdout:?} {stderr:?} accepted"
        );
    }
}

/// inspect, pull and push succeed against a real registry on 127.0.0.1: results on stdout;
/// pull's progress on stderr; a push never uses the node pull secret (unauthorized, 1).
#[cfg(feature = "oci-client")]
#[test]
fn registry_rows() {
    let reg = pull_support::Registry::start(&[("robot", "robotpw")]);
    let f = table_fixture();
    std::fs::write(
        f.path("reg.conf"),
        format!(
            "[[registry]]\nlocation = \"{}\"\ninsecure = true\n",
            reg.host
        ),
    )
    .unwrap();
    std::fs::write(
        f.path("robot.json"),
        pull_support::auth_doc(&[(&reg.host, "robot", "robotpw")]),
    )
    .unwrap();
    let digest = pull_support::write_image(&f.path("layout"), "table");
    let name = format!("{}/table/app:1", reg.host);
    let missing = format!("{}/table/none:1", reg.host);
    let trying = format!("trying {name}");
    let c = ["--registries-conf=reg.conf", "--registries-conf-d=d"];
    let ns = "--auth-file=robot.json";
    let node = "--node-auth-file=robot.json";
    let rows: Vec<(Vec<&str>, i32, S, S)> = vec![
        (vec!["push", ns, "layout", &name], 0, Has(&digest), Empty),
        (
            vec!["push", node, "layout", &name],
            1,
            Empty,
            Lines("unauthorized"),
        ),
        (vec!["inspect", ns, &name], 0, Has(&digest), Empty),
        (
            vec!["inspect", ns, "--format=json", &name],
            0,
            Has("\"schema\": \"shortnames-inspect/v1\""),
            Empty,
        ),
        (vec!["inspect", ns, &missing], 1, Empty, Lines("not-found")),
        (
            vec!["pull", node, "--dest=pulled", &name],
            0,
            Has("served by"),
            Lines(&trying),
        ),
        (
            vec!["pull", ns, "--dest=pulled2", &missing],
            1,
            Empty,
            Lines("not-found"),
        ),
    ];
    let mut failures = Vec::new();
    for (args, code, stdout, stderr) in rows {
        let args = [&args[..1], &c[..], &args[1..]].concat();
        failures.extend(check_row(&f, &args, "", code, stdout, stderr));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(f.path("pulled/index.json").is_file());
}

#[test]
fn names_from_stdin() {
    let f = Fixture::new();
    let out = f.run_stdin(
        &["resolve", GOOD, D, "--format", "json", "--names-from", "-"],
        b"myapp\nquay.io/a/b:1\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = doc["lookups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["myapp", "quay.io/a/b:1"]);
    // The same list from a file gives the same document.
    let file = f.run(&[
        "resolve",
        GOOD,
        D,
        "--format",
        "json",
        "--names-from",
        "names.txt",
    ]);
    assert_eq!(file.stdout, out.stdout);
}

#[test]
fn docker_transport_skips_short_name_resolution() {
    let f = Fixture::new();
    // `myapp` is an alias; `docker://myapp` is docker.io/library/myapp, as Podman takes it.
    let out = f.run(&["resolve", GOOD, D, "docker://myapp"]);
    let so = text(&out.stdout);
    assert!(
        so.contains("candidate 1: docker.io/library/myapp:latest"),
        "{so}"
    );
    assert!(!so.contains("quay.io/team/myapp"), "{so}");
    assert!(!so.contains("alias"), "{so}");
}

#[test]
fn quiet_and_no_colour() {
    let f = Fixture::new();
    let out = f.run(&["auth", "check", "legacy.dockercfg"]);
    assert!(text(&out.stderr).contains("note:"));
    let out = f.run(&["--quiet", "auth", "check", "legacy.dockercfg"]);
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    // Not a terminal: no escape sequences anywhere.
    let out = f.run(&["check", "--registries-conf=broken.conf", D]);
    assert!(!out.stdout.contains(&0x1b) && !out.stderr.contains(&0x1b));
}

#[test]
fn man_pages_are_written() {
    let f = Fixture::new();
    let out = f.run(&["--quiet", "man", "--dir", "man1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for page in [
        "shortnames.1",
        "shortnames-resolve.1",
        "shortnames-check.1",
        "shortnames-alias-add.1",
    ] {
        let t = std::fs::read_to_string(f.path("man1").join(page))
            .unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(t.contains(".TH"), "{page}");
    }
    let main = std::fs::read_to_string(f.path("man1/shortnames.1")).unwrap();
    assert!(
        main.contains("Exit status"),
        "exit status documented in the man page"
    );
}

#[test]
fn help_documents_the_exit_status() {
    let f = Fixture::new();
    for args in [
        &["--help"][..],
        &["resolve", "--help"],
        &["check", "--help"],
    ] {
        let out = f.run(args);
        assert_eq!(out.status.code(), Some(0));
        let so = text(&out.stdout);
        assert!(
            so.contains("Exit status:") && so.contains("2  usage error"),
            "{args:?}: {so}"
        );
    }
}

/// Named special files are refused at once, never opened (a FIFO would block).
#[test]
fn special_files_are_refused_without_blocking() {
    let f = Fixture::new();
    let fifo = f.path("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    for args in [
        &["auth", "check", "fifo"][..],
        &["resolve", GOOD, D, "--auth-file=fifo", "quay.io/a/b"],
        &["resolve", GOOD, D, "--node-auth-file=fifo", "quay.io/a/b"],
        &["resolve", GOOD, D, "--user-aliases=fifo", "quay.io/a/b"],
        &["check", GOOD, D, "--user-aliases=fifo"],
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_shortnames"))
            .current_dir(f.root())
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                panic!("{args:?} blocked on a FIFO");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert_eq!(status.code(), Some(1), "{args:?}");
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        assert!(err.contains("fifo: not a regular file"), "{args:?}: {err}");
    }
}

/// On a terminal (a pseudo-terminal from util-linux `script`), severities are coloured;
/// `NO_COLOR` turns that off.
#[test]
fn colour_on_a_terminal_unless_no_color() {
    let f = Fixture::new();
    let cmd = format!(
        "{} check --registries-conf=warn.conf --registries-conf-d=d",
        env!("CARGO_BIN_EXE_shortnames")
    );
    let run = |no_color: bool| {
        let mut c = std::process::Command::new("script");
        c.current_dir(f.root()).args(["-qec", &cmd, "/dev/null"]);
        if no_color {
            c.env("NO_COLOR", "1");
        } else {
            c.env_remove("NO_COLOR");
        }
        let out = c
            .output()
            .expect("util-linux `script` (package bsdutils) runs the pty test");
        text(&out.stdout)
    };
    let coloured = run(false);
    assert!(
        coloured.contains("\x1b[1;33mwarning\x1b[0m[unknown-key]"),
        "{coloured:?}"
    );
    let plain = run(true);
    assert!(
        plain.contains("warning[unknown-key]") && !plain.contains('\x1b'),
        "{plain:?}"
    );
}
