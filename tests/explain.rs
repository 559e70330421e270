//! `explain`: the decision path names the files and lines, the matching entry and why, and
//! every kept or skipped mirror with its reason; its endpoints always equal `resolve`'s.

mod common;

use std::process::Command;

use shortnames::diagnostics::{explain, ExplainOptions, Step};
use shortnames::ConfigSources;

const DIGEST: &str = "sha256:d366a4665ab44f0648d7a00ae3fae139d55e32f9712c67accd604bb55df9d05a";

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new(main: &str, drop_ins: &[(&str, &str)], user: Option<&str>) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("registries.conf"), main).unwrap();
        std::fs::create_dir(dir.path().join("registries.conf.d")).unwrap();
        for (name, text) in drop_ins {
            std::fs::write(dir.path().join("registries.conf.d").join(name), text).unwrap();
        }
        if let Some(u) = user {
            std::fs::write(dir.path().join("user-aliases.conf"), u).unwrap();
        }
        Fixture { dir }
    }

    fn sources(&self) -> ConfigSources {
        ConfigSources::new()
            .fs_root(self.dir.path())
            .registries_conf("registries.conf")
            .registries_conf_d("registries.conf.d")
            .user_aliases("user-aliases.conf")
    }
}

fn step<'a>(steps: &'a [Step], kind: &str, needle: &str) -> &'a Step {
    steps
        .iter()
        .find(|s| s.kind == kind && s.message.contains(needle))
        .unwrap_or_else(|| panic!("no {kind} step containing {needle:?} in {steps:#?}"))
}

fn at(s: &Step) -> (String, usize, usize) {
    let l = s.location.unwrap();
    (s.file.clone().unwrap(), l.line, l.column)
}

const MAIN: &str = r#"unqualified-search-registries = ["quay.io", "docker.io"]

[aliases]
"app" = "registry.example.com/team/app"

[[registry]]
prefix = "registry.example.com"
location = "registry.example.com"

[[registry]]
prefix = "registry.example.com/team"
location = "primary.example.net/team"
[[registry.mirror]]
location = "digests.example.net/team"
pull-from-mirror = "digest-only"
[[registry.mirror]]
location = "tags.example.net/team"
pull-from-mirror = "tag-only"
[[registry.mirror]]
location = "all.example.net/team"

[[registry]]
prefix = "*.example.org"
location = "wild.example.net"

[[registry]]
location = "blocked.example.com"
blocked = true
[[registry.mirror]]
location = "blocked-mirror.example.net"
"#;

#[test]
fn alias_entry_and_mirror_reasons() {
    let f = Fixture::new(MAIN, &[], None);
    let e = explain(&f.sources(), "app:1", &ExplainOptions::default());
    assert!(e.error.is_none());
    let alias = step(
        &e.steps,
        "alias",
        "alias \"app\" = \"registry.example.com/team/app\"",
    );
    assert_eq!(at(alias), ("registries.conf".into(), 4, 1));
    let reg = step(&e.steps, "registry", "prefix \"registry.example.com/team\"");
    assert!(
        reg.message.contains(
            "longest matching prefix (25 chars) over \"registry.example.com\" (20 chars)"
        ),
        "{}",
        reg.message
    );
    assert_eq!(at(reg), ("registries.conf".into(), 10, 1));
    step(
        &e.steps,
        "mirror",
        "skipped mirror \"digests.example.net/team\": pull-from-mirror = \"digest-only\" and the reference has no digest",
    );
    step(
        &e.steps,
        "mirror",
        "mirror tags.example.net/team/app:1 (pull-from-mirror = \"tag-only\")",
    );
    step(
        &e.steps,
        "mirror",
        "mirror all.example.net/team/app:1 (no pull-from-mirror",
    );
    step(
        &e.steps,
        "primary",
        "primary primary.example.net/team/app:1",
    );
    assert_eq!(
        e.sources(),
        [
            "tags.example.net/team/app:1",
            "all.example.net/team/app:1",
            "primary.example.net/team/app:1"
        ]
    );

    // With a digest the digest-only mirror is kept and the tag-only one skipped.
    let e = explain(
        &f.sources(),
        &format!("app@{DIGEST}"),
        &ExplainOptions::default(),
    );
    step(
        &e.steps,
        "mirror",
        "skipped mirror \"tags.example.net/team\": pull-from-mirror = \"tag-only\" and the reference has a digest",
    );
    step(
        &e.steps,
        "mirror",
        "mirror digests.example.net/team/app@sha256:",
    );
}

#[test]
fn search_list_wildcard_and_blocked() {
    let f = Fixture::new(
        MAIN,
        &[(
            "10-search.conf",
            "\n\nunqualified-search-registries = [\"x.example.org\"]\n",
        )],
        None,
    );
    let e = explain(&f.sources(), "tool", &ExplainOptions::default());
    let search = step(&e.steps, "search", "search list [\"x.example.org\"]");
    assert_eq!(
        at(search),
        ("registries.conf.d/10-search.conf".into(), 3, 33)
    );
    let reg = step(
        &e.steps,
        "registry",
        "wildcard prefix \"*.example.org\" matches the host of \"x.example.org/tool\"",
    );
    assert!(reg.message.contains("the only matching entry"));
    assert_eq!(e.sources(), ["wild.example.net/tool:latest"]);

    let e = explain(
        &f.sources(),
        "blocked.example.com/app",
        &ExplainOptions::default(),
    );
    step(&e.steps, "input", "fully qualified");
    step(
        &e.steps,
        "mirror",
        "mirror blocked-mirror.example.net/app:latest",
    );
    let refused = step(
        &e.steps,
        "blocked",
        "refused: registry blocked.example.com is blocked",
    );
    assert_eq!(at(refused), ("registries.conf".into(), 26, 1));
}

#[test]
fn user_alias_cache_masks_the_system_alias() {
    let f = Fixture::new(
        MAIN,
        &[],
        Some("[aliases]\n\"app\" = \"quay.io/other/app\"\n"),
    );
    let e = explain(&f.sources(), "app", &ExplainOptions::default());
    let user = step(
        &e.steps,
        "alias",
        "user alias \"app\" = \"quay.io/other/app\"",
    );
    assert_eq!(at(user), ("user-aliases.conf".into(), 2, 1));
    let note = step(
        &e.steps,
        "note",
        "masks the system alias \"app\" = \"registry.example.com/team/app\"",
    );
    assert_eq!(at(note), ("registries.conf".into(), 4, 1));
    assert_eq!(e.sources(), ["quay.io/other/app:latest"]);
}

#[test]
fn enforcing_ambiguity_and_port_quirk() {
    let f = Fixture::new(
        "unqualified-search-registries = [\"quay.io\", \"docker.io\"]\n[[registry]]\nprefix = \"example.com\"\nlocation = \"mirror.example.net\"\n",
        &[("mode.conf", "short-name-mode = \"enforcing\"\n")],
        None,
    );
    let e = explain(&f.sources(), "busybox", &ExplainOptions::default());
    assert!(e.error.is_some());
    let note = step(&e.steps, "note", "short-name-mode is enforcing");
    assert_eq!(at(note), ("registries.conf.d/mode.conf".into(), 1, 19));
    step(
        &e.steps,
        "error",
        "short-name resolution enforced but cannot prompt without a TTY",
    );

    let e = explain(
        &f.sources(),
        "example.com:5000/app",
        &ExplainOptions::default(),
    );
    step(&e.steps, "note", "matched only because the name has a port");
    assert_eq!(e.sources(), ["mirror.example.net:5000/app:latest"]);
}

/// One endpoint as explain's steps describe it: the reference tried, whether it is a mirror,
/// whether it is insecure, and the refusal printed under it.
#[derive(Debug, PartialEq)]
struct Described {
    reference: String,
    mirror: bool,
    insecure: bool,
    refused: Option<String>,
}

/// The endpoints explain's steps name, read back from their text (not from its `sources()`).
fn described(steps: &[Step]) -> Vec<Described> {
    let mut out: Vec<Described> = Vec::new();
    for s in steps {
        match s.kind {
            "mirror" | "primary" if !s.message.starts_with("skipped ") => {
                let rest = s.message.split_once(' ').unwrap().1;
                let reference = rest.split([' ', ',']).next().unwrap().to_owned();
                out.push(Described {
                    reference,
                    mirror: s.kind == "mirror",
                    insecure: rest.split(" (").next().unwrap().ends_with(", insecure"),
                    refused: None,
                });
            }
            "blocked" => {
                let last = out.last_mut().expect("a blocked step follows an endpoint");
                assert!(last.refused.is_none(), "two refusals: {steps:#?}");
                last.refused = Some(s.message.strip_prefix("refused: ").unwrap().to_owned());
            }
            _ => {}
        }
    }
    out
}

/// Over the whole conformance corpus, the endpoints explain's steps describe (reference, role,
/// insecure, refusal) are exactly the reference implementation's answers in `expect.json`.
#[test]
fn explained_endpoints_match_the_reference_answers_on_the_corpus() {
    let mut compared = 0;
    let mut refused = 0;
    for case in common::passing_cases() {
        let mut s = ConfigSources::new()
            .fs_root(&case)
            .registries_conf_d("registries.conf.d")
            .user_aliases("user-aliases.conf");
        if case.join("registries.conf").exists() {
            s = s.registries_conf("registries.conf");
        }
        let want = common::expected(&case);
        let names = common::names(&want);
        for (name, lookup) in names.iter().zip(want["lookups"].as_array().unwrap()) {
            let e = explain(&s, name, &ExplainOptions::default());
            let at = format!("{}: {name}", case.display());
            // Error kinds (the corpus compares TOML messages loosely; resolve's tests check them).
            assert_eq!(
                e.error.as_ref().map(|e| e.kind().as_str()),
                lookup["error"]["kind"].as_str().map(str::to_owned),
                "{at}"
            );
            let expected: Vec<Described> = lookup["candidates"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .flat_map(|c| {
                    c["sources"]
                        .as_array()
                        .map(Vec::as_slice)
                        .unwrap_or_default()
                })
                .map(|s| Described {
                    reference: s["reference"].as_str().unwrap().to_owned(),
                    mirror: s["mirror"].as_bool().unwrap(),
                    insecure: s["insecure"].as_bool().unwrap(),
                    refused: s["error"]["message"].as_str().map(str::to_owned),
                })
                .collect();
            refused += expected.iter().filter(|d| d.refused.is_some()).count();
            assert_eq!(described(&e.steps), expected, "{at}\n{e}");
            let refs: Vec<&str> = expected.iter().map(|d| d.reference.as_str()).collect();
            assert_eq!(e.sources(), refs, "{at}");
            compared += 1;
        }
    }
    assert!(compared > 1000, "{compared}");
    assert!(refused > 20, "{refused}");
}

#[test]
fn cli_explain_json() {
    let f = Fixture::new(MAIN, &[], None);
    let out = Command::new(env!("CARGO_BIN_EXE_shortnames"))
        .current_dir(f.dir.path())
        .args([
            "explain",
            "--registries-conf",
            "registries.conf",
            "--registries-conf-d",
            "registries.conf.d",
            "--format",
            "json",
            "app:1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["sources"][2], "primary.example.net/team/app:1");
    // The last alias step is the system one (the CLI also consults the user alias cache
    // discovery names for this user, which comes first).
    let alias = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|s| s["kind"] == "alias")
        .unwrap();
    assert_eq!(
        (alias["line"].as_u64(), alias["column"].as_u64()),
        (Some(4), Some(1))
    );
}

#[test]
fn hardened_profile_changes_the_explained_match() {
    let f = Fixture::new(
        "[[registry]]\nprefix = \"example.com\"\nlocation = \"mirror.example.net\"\nblocked = true\n",
        &[],
        None,
    );
    let name = "example.com:5000/app";
    let compatible = explain(&f.sources(), name, &ExplainOptions::default());
    step(
        &compatible.steps,
        "note",
        "matched only because the name has a port",
    );
    step(
        &compatible.steps,
        "note",
        "the entry has blocked = true but its primary endpoint is not under a blocked entry",
    );
    assert_eq!(compatible.sources(), ["mirror.example.net:5000/app:latest"]);

    let hardened = explain(
        &f.sources(),
        name,
        &ExplainOptions::default().profile(shortnames::Profile::Hardened),
    );
    step(&hardened.steps, "config", "profile hardened");
    step(&hardened.steps, "registry", "no [[registry]] entry matches");
    assert_eq!(hardened.sources(), ["example.com:5000/app:latest"]);

    // Without the port the hardened profile refuses the entry's own primary endpoint.
    let e = explain(
        &f.sources(),
        "example.com/app",
        &ExplainOptions::default().profile(shortnames::Profile::Hardened),
    );
    let refused = step(
        &e.steps,
        "blocked",
        "refused: registry example.com is blocked",
    );
    assert_eq!(at(refused), ("registries.conf".into(), 1, 1));
}

#[test]
fn overridden_alias_definitions_are_shown() {
    let f = Fixture::new(
        MAIN,
        &[(
            "50-override.conf",
            "[aliases]\n\"app\" = \"quay.io/override/app\"\n",
        )],
        None,
    );
    let e = explain(&f.sources(), "app", &ExplainOptions::default());
    let alias = step(
        &e.steps,
        "alias",
        "alias \"app\" = \"quay.io/override/app\"",
    );
    assert_eq!(
        at(alias),
        ("registries.conf.d/50-override.conf".into(), 2, 1)
    );
    let earlier = step(
        &e.steps,
        "note",
        "overrides the earlier alias \"app\" = \"registry.example.com/team/app\"",
    );
    assert_eq!(at(earlier), ("registries.conf".into(), 4, 1));
}

/// A runtime's short-name mode (CRI-O overrides registries.conf's) is the one explain shows
/// and reasons with; the file's own mode is named beside it.
#[test]
fn the_runtime_mode_is_shown_and_used() {
    let f = Fixture::new(
        "short-name-mode = \"permissive\"\nunqualified-search-registries = [\"a.io\", \"b.io\"]\n",
        &[],
        None,
    );
    let plain = explain(&f.sources(), "app", &ExplainOptions::default());
    let header = step(&plain.steps, "config", "short-name mode");
    assert!(
        header.message.contains("short-name mode permissive; "),
        "{}",
        header.message
    );
    assert!(!plain.steps.iter().any(|s| s.message.contains("enforcing")));

    let crio = f
        .sources()
        .short_name_mode(shortnames::ShortNameMode::Enforcing);
    let e = explain(&crio, "app", &ExplainOptions::default());
    let header = step(&e.steps, "config", "short-name mode");
    assert!(
        header.message.contains(
            "short-name mode enforcing (set by the runtime; the configuration says permissive)"
        ),
        "{}",
        header.message
    );
    let note = step(
        &e.steps,
        "note",
        "the runtime's short-name mode is enforcing",
    );
    assert_eq!((note.file.as_deref(), note.location), (None, None));
}
