//! The credential parts of the CLI: `shortnames resolve --auth-file F --node-auth-file F`
//! (the credential of every endpoint, mirrors included) and `shortnames auth check F`.
//! Also: no secret byte sequence ever reaches stdout or stderr.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn b64(s: &str) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &c)| n | (c as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

const REGISTRIES_CONF: &str = r#"
unqualified-search-registries = ["quay.io"]
[aliases]
myimage = "myreg.io/repo/myimage"
[[registry]]
location = "myreg.io/repo"
[[registry.mirror]]
location = "mirror.example.com:5000/repo"
"#;

/// Secret material used in the fixture files: none of it (nor any 6-byte piece of it) may
/// appear in any output.
struct Fixture {
    dir: tempfile::TempDir,
    secrets: Vec<String>,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::write(p.join("registries.conf"), REGISTRIES_CONF).unwrap();
        let team_auth = b64("team:qZ7xW2pL9vB4");
        let ignored_auth = b64("ignored:hJ3kQ8mN1rT6");
        let nocolon_auth = b64("yU5iO0pA2sD7fG");
        let node_auth = b64("nodeuser:zX4cV9bN6mQ1");
        let mirror_auth = b64("mirroruser:wE8rT3yU7iO2");
        let ns = format!(
            r#"{{"auths": {{
  "quay.io/team": {{"auth": "{team_auth}"}},
  "quay.io": {{"username": "nsuser", "password": "aS6dF1gH5jK0"}},
  "t.io": {{"identitytoken": "lP9oK4iJ8uH3yG"}},
  "r.io": {{"registrytoken": "tR2eW7qA1zX6cV", "auth": "{ignored_auth}"}},
  "bad.io": {{"auth": "Zm9v!bN5mQ0wE9"}},
  "nocolon.io": {{"auth": "{nocolon_auth}"}},
  "wrongtype.io": {{"password": 98765432101}}
}}}}"#
        );
        std::fs::write(p.join("ns.json"), ns).unwrap();
        let node = format!(
            r#"{{"auths": {{
  "registry.redhat.io": {{"auth": "{node_auth}"}},
  "mirror.example.com:5000": {{"auth": "{mirror_auth}"}},
  "myreg.io": {{"auth": "{node_auth}"}}
}}}}"#
        );
        std::fs::write(p.join("node.json"), node).unwrap();
        // Broken documents whose bytes around the error are secrets.
        std::fs::write(
            p.join("truncated.json"),
            r#"{"auths": {"quay.io": {"auth": "cX7hQ2mW9kZ4pL1vN8"#,
        )
        .unwrap();
        std::fs::write(
            p.join("syntax.json"),
            "{\"auths\": {\"x.io\": {\"auth\": \"bR5tY3uI0oP6aS2dF=\" Sx7kL2jH8gF4}}}",
        )
        .unwrap();
        std::fs::write(p.join("wrongtype-top.json"), r#"{"auths": "vB3nM7qW1eR5"}"#).unwrap();
        std::fs::write(
            p.join("legacy.dockercfg"),
            format!(r#"{{"quay.io": {{"auth": "{team_auth}", "email": "x@example.com"}}}}"#),
        )
        .unwrap();
        let secrets = [
            "qZ7xW2pL9vB4",
            "hJ3kQ8mN1rT6",
            "yU5iO0pA2sD7fG",
            "zX4cV9bN6mQ1",
            "wE8rT3yU7iO2",
            "aS6dF1gH5jK0",
            "lP9oK4iJ8uH3yG",
            "tR2eW7qA1zX6cV",
            "Zm9v!bN5mQ0wE9",
            "98765432101",
            "cX7hQ2mW9kZ4pL1vN8",
            "bR5tY3uI0oP6aS2dF=",
            "Sx7kL2jH8gF4",
            "vB3nM7qW1eR5",
        ]
        .into_iter()
        .map(str::to_owned)
        .chain([
            team_auth,
            ignored_auth,
            nocolon_auth,
            node_auth,
            mirror_auth,
        ])
        .collect();
        Fixture { dir, secrets }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_shortnames"))
            .current_dir(self.dir.path())
            .args(args)
            .output()
            .unwrap()
    }

    fn resolve(&self, extra: &[&str]) -> Output {
        let mut args = vec![
            "resolve",
            "--registries-conf",
            "registries.conf",
            "--registries-conf-d",
            "registries.conf.d",
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// Panics when any secret, or any 6-byte window of one, occurs in the output.
    fn assert_no_secret(&self, what: &str, out: &Output) {
        for stream in [&out.stdout, &out.stderr] {
            let text = String::from_utf8_lossy(stream);
            for s in &self.secrets {
                for w in s.as_bytes().windows(6.min(s.len())) {
                    let w = std::str::from_utf8(w).unwrap();
                    assert!(
                        !text.contains(w),
                        "{what}: output contains {w:?} (from a secret):\n{text}"
                    );
                }
            }
        }
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

#[test]
fn resolve_text_shows_the_credential_of_every_endpoint() {
    let f = Fixture::new();
    let out = f.resolve(&[
        "--auth-file",
        "ns.json",
        "--node-auth-file",
        "node.json",
        "myimage:1.0",
        "team/app",
        "registry.redhat.io/ubi9/ubi",
        "docker.io/library/busybox",
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let expected = [
        "  candidate 1: myreg.io/repo/myimage:1.0  [registry myreg.io/repo]",
        "    1. mirror  mirror.example.com:5000/repo/myimage:1.0",
        r#"       credentials: node.json: mirror.example.com:5000 (user "mirroruser")"#,
        "    2. primary myreg.io/repo/myimage:1.0",
        r#"       credentials: node.json: myreg.io (user "nodeuser")"#,
        "    1. primary quay.io/team/app:latest",
        r#"       credentials: ns.json: quay.io/team (user "team")  (+1 more to try after a 401/403)"#,
        "    1. primary registry.redhat.io/ubi9/ubi:latest",
        r#"       credentials: node.json: registry.redhat.io (user "nodeuser")"#,
        "    1. primary docker.io/library/busybox:latest",
        "       credentials: anonymous",
    ];
    let mut rest = text.as_str();
    for line in expected {
        let at = rest
            .find(&format!("{line}\n"))
            .unwrap_or_else(|| panic!("missing (in order) {line:?} in:\n{text}"));
        rest = &rest[at + line.len()..];
    }
    // The namespace file's invalid entries are reported on stderr, by file and key.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(r#"ns.json: entry "bad.io": auth is not valid base64"#),
        "{err}"
    );
    f.assert_no_secret("resolve text", &out);
}

#[test]
fn resolve_without_credential_options_prints_no_credentials() {
    let f = Fixture::new();
    let out = f.resolve(&["myimage:1.0"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!stdout(&out).contains("credentials"), "{}", stdout(&out));
    let out = f.resolve(&["--format", "json", "myimage:1.0", "quay.io/x"]);
    assert!(!stdout(&out).contains("credential\""), "{}", stdout(&out));
    let doc = json(&out);
    assert!(doc.get("credential_diagnostics").is_none());
}

#[test]
fn resolve_json_adds_credentials_per_source_and_nothing_else() {
    let f = Fixture::new();
    let names = ["myimage:1.0", "team/app", "t.io/x", "r.io/x", "nope"];
    let mut plain_args = vec!["--format", "json"];
    plain_args.extend_from_slice(&names);
    let plain = json(&f.resolve(&plain_args));

    let mut args = vec![
        "--format",
        "json",
        "--auth-file",
        "ns.json",
        "--node-auth-file",
        "node.json",
    ];
    args.extend_from_slice(&names);
    let out = f.resolve(&args);
    f.assert_no_secret("resolve json", &out);
    let mut doc = json(&out);

    let sources = &doc["lookups"][0]["candidates"][0]["sources"];
    assert_eq!(
        sources[0]["reference"],
        "mirror.example.com:5000/repo/myimage:1.0"
    );
    let mirror = &sources[0]["credentials"]["credential"];
    assert_eq!(mirror["origin"], "node");
    assert_eq!(mirror["source"], "node.json");
    assert_eq!(mirror["key"], "mirror.example.com:5000");
    assert_eq!(mirror["username"], "mirroruser");
    assert_eq!(sources[1]["credentials"]["credential"]["key"], "myreg.io");
    let team = &doc["lookups"][1]["candidates"][0]["sources"][0]["credentials"];
    let keys: Vec<&str> = team["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["quay.io/team", "quay.io"]);
    let token = &doc["lookups"][2]["candidates"][0]["sources"][0]["credentials"]["credential"];
    assert_eq!(token["kind"], "identity-token");
    assert!(token["username"].is_null());
    let registry_token = &doc["lookups"][3]["candidates"][0]["sources"][0]["credentials"];
    assert_eq!(registry_token["credential"]["kind"], "registry-token");
    let kinds: Vec<&str> = doc["credential_diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"credentials/auth-not-base64"), "{kinds:?}");

    // Without the added members, the document is the plain corpus document.
    doc.as_object_mut()
        .unwrap()
        .remove("credential_diagnostics");
    let mut removed = 0;
    for lookup in doc["lookups"].as_array_mut().unwrap() {
        for c in lookup["candidates"].as_array_mut().unwrap() {
            for s in c["sources"].as_array_mut().unwrap() {
                removed += s.as_object_mut().unwrap().remove("credentials").is_some() as usize;
            }
        }
    }
    assert_eq!(removed, 6);
    assert_eq!(doc, plain);
}

#[test]
fn a_failed_credential_lookup_fails_that_endpoint_and_exit_status_is_1() {
    let f = Fixture::new();
    for format in ["text", "json"] {
        let out = f.resolve(&["--format", format, "--auth-file", "ns.json", "nocolon.io/x"]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        let text = stdout(&out);
        assert!(
            text.contains(r#"credential entry \"nocolon.io\" in ns.json is invalid"#)
                || text.contains(r#"credential entry "nocolon.io" in ns.json is invalid"#),
            "{text}"
        );
        f.assert_no_secret(format, &out);
    }
    // Same file, an endpoint it covers correctly: success.
    let out = f.resolve(&["--auth-file", "ns.json", "quay.io/x"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains(r#"credentials: ns.json: quay.io (user "nsuser")"#));
}

/// A named credentials file that is missing or unusable as a whole fails the command
/// (exit 1, one line on stderr naming it, nothing on stdout), as Podman fails on a missing
/// `--authfile`.
#[test]
fn unusable_credential_files_fail_loudly() {
    let f = Fixture::new();
    for (option, file) in [
        ("--auth-file", "truncated.json"),
        ("--auth-file", "missing.json"),
        ("--node-auth-file", "syntax.json"),
        ("--node-auth-file", "missing.json"),
    ] {
        for format in ["text", "json"] {
            let out = f.resolve(&["--format", format, option, file, "quay.io/x"]);
            assert_eq!(out.status.code(), Some(1), "{option} {file} {format}");
            assert!(stdout(&out).is_empty(), "{option} {file}: {}", stdout(&out));
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(err.contains(option) && err.contains(file), "{err}");
            f.assert_no_secret(file, &out);
        }
    }
}

#[test]
fn auth_check_lists_problems_with_locations() {
    let f = Fixture::new();
    // A clean file.
    let out = f.run(&["auth", "check", "node.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.ends_with("node.json: 3 entries, 3 usable, 0 problems\n"),
        "{text}"
    );
    assert_eq!(
        text.lines().filter(|l| l.contains(": usable (")).count(),
        3,
        "{text}"
    );

    // Entry problems: named by file and key, reason given.
    let out = f.run(&["auth", "check", "ns.json"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.ends_with("ns.json: 7 entries, 4 usable, 3 problems\n"),
        "{text}"
    );
    for needle in [
        r#"warning[credentials/auth-not-base64]: ns.json: entry "bad.io": auth is not valid base64"#,
        r#"ns.json: entry "nocolon.io""#,
        r#"ns.json: entry "wrongtype.io""#,
        r#""bad.io": invalid: auth is not valid base64"#,
    ] {
        assert!(text.contains(needle), "{needle} in\n{text}");
    }
    f.assert_no_secret("auth check text", &out);

    let out = f.run(&["auth", "check", "--format", "json", "ns.json"]);
    assert_eq!(out.status.code(), Some(1));
    f.assert_no_secret("auth check json", &out);
    let doc = json(&out);
    assert_eq!(doc["schema"], "shortnames-auth-check/v1");
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["file"], "ns.json");
    let problems: Vec<(&str, &str)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["severity"] != "note")
        .map(|p| (p["key"].as_str().unwrap(), p["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        problems,
        [
            ("bad.io", "credentials/auth-not-base64"),
            ("nocolon.io", "credentials/auth-missing-colon"),
            ("wrongtype.io", "credentials/field-type"),
        ]
    );

    // Document errors carry line and column.
    let out = f.run(&["auth", "check", "--format", "json", "syntax.json"]);
    assert_eq!(out.status.code(), Some(1));
    f.assert_no_secret("auth check syntax", &out);
    let doc = json(&out);
    let p = &doc["findings"][0];
    assert_eq!(p["kind"], "credentials/syntax");
    assert_eq!(p["severity"], "error");
    assert_eq!(p["file"], "syntax.json");
    assert_eq!(p["line"], 1);
    assert!(p["column"].as_u64().unwrap() > 30, "{p}");

    for file in ["truncated.json", "wrongtype-top.json"] {
        let out = f.run(&["auth", "check", file]);
        assert_eq!(out.status.code(), Some(1), "{file}");
        assert!(stdout(&out).contains(&format!("{file}: ")), "{file}");
        f.assert_no_secret(file, &out);
    }
}

#[test]
fn auth_check_missing_file_and_legacy_format() {
    let f = Fixture::new();
    let out = f.run(&["auth", "check", "missing.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("missing.json") && err.contains("no such file"),
        "{err}"
    );

    // A legacy .dockercfg without --file-format is recognised (no `auths`, top-level
    // entries) and checked as one, with a note; --quiet drops the note.
    let out = f.run(&["auth", "check", "legacy.dockercfg"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("1 entry, 1 usable, 0 problems"),
        "{}",
        stdout(&out)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("legacy .dockercfg"));
    let out = f.run(&["--quiet", "auth", "check", "legacy.dockercfg"]);
    assert!(out.stderr.is_empty());
    for explicit in [&["--file-format", "dockercfg"][..], &[]] {
        let mut args = vec!["auth", "check", "--format", "json"];
        args.extend_from_slice(explicit);
        args.push("legacy.dockercfg");
        let out = f.run(&args);
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        let doc = json(&out);
        assert_eq!(doc["format"], "dockercfg");
        assert_eq!(doc["entries"][0]["key"], "quay.io");
        assert_eq!(doc["entries"][0]["username"], "team");
        f.assert_no_secret("legacy", &out);
    }
    // Forced to the other format, it is checked as written: no entries.
    let out = f.run(&[
        "auth",
        "check",
        "--file-format",
        "dockerconfigjson",
        "legacy.dockercfg",
    ]);
    assert!(stdout(&out).contains("0 entries"), "{}", stdout(&out));
}

#[test]
fn usage_errors_exit_2() {
    let f = Fixture::new();
    for args in [
        &["auth", "check"][..],
        &["auth", "check", "--format", "yaml", "ns.json"],
        &["auth", "check", "--file-format", "netrc", "ns.json"],
        &["auth"],
        &["resolve", "--auth-file"],
    ] {
        let out = f.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn node_credentials_never_shown_for_paths_not_given() {
    // The CLI reads only the files it is told about: with only --auth-file, a node file next
    // to it is not consulted.
    let f = Fixture::new();
    let out = f.resolve(&["--auth-file", "ns.json", "registry.redhat.io/ubi9/ubi"]);
    assert!(stdout(&out).contains("credentials: anonymous"));
    assert!(f.path("node.json").exists());
    assert!(!stdout(&out).contains("node.json"));
}
