//! Runs conformance cases through the `shortnames` binary, exactly as a user would:
//! `cd CASE && shortnames resolve --format json --registries-conf-d registries.conf.d
//! --user-aliases user-aliases.conf [--registries-conf registries.conf] --names-from names.txt`.

mod common;

use std::path::Path;
use std::process::Command;

/// The output document and exit code, or `None` for output that is not JSON (a failure).
fn run_case(case: &Path) -> Option<(serde_json::Value, i32)> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shortnames"));
    cmd.current_dir(case).args(common::corpus_cli_args(case));
    let out = cmd.output().expect("run shortnames");
    match serde_json::from_slice(&out.stdout) {
        Ok(doc) => Some((doc, out.status.code().unwrap_or(-1))),
        Err(e) => {
            eprintln!(
                "{}: output is not JSON ({e}): {}",
                case.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            None
        }
    }
}

#[test]
fn cli_reproduces_the_corpus() {
    // Cases without registries.conf use the implicit /etc/containers/registries.conf; they are
    // only meaningful where that file does not exist.
    let host_has_config = Path::new("/etc/containers/registries.conf").exists();
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in common::cases() {
        if host_has_config && !case.join("registries.conf").exists() {
            continue;
        }
        let want = common::expected(&case);
        let expected_failure = common::expected_failure(&case);
        ran += 1;
        let Some((got, code)) = run_case(&case) else {
            if !expected_failure {
                failures.push(format!("{}: output is not JSON", case.display()));
            }
            continue;
        };
        match common::compare("", &got, &want) {
            Err(d) if !expected_failure => failures.push(format!("{}: {d}", case.display())),
            Ok(()) if expected_failure => failures.push(format!(
                "{} is listed as an expected failure but passes",
                case.display()
            )),
            _ => {}
        }
        if expected_failure {
            continue;
        }
        // Exit status 1 when the configuration or a lookup failed, or a lookup has no
        // endpoint a pull may use (every source refused, e.g. blocked), as `podman pull`.
        let no_usable_endpoint = |l: &serde_json::Value| {
            !l["candidates"].as_array().unwrap().iter().any(|c| {
                c["sources"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| s["error"].is_null())
            })
        };
        let any_error = !want["config_error"].is_null()
            || want["lookups"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| !l["error"].is_null() || no_usable_endpoint(l));
        assert_eq!(
            code,
            if any_error { 1 } else { 0 },
            "exit code of {}",
            case.display()
        );
    }
    assert!(ran > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn text_format_shows_description_candidates_and_endpoints() {
    let case = common::cases_dir().join("hand-mirror-pull-from-mirror");
    let out = Command::new(env!("CARGO_BIN_EXE_shortnames"))
        .current_dir(&case)
        .args([
            "resolve",
            "--registries-conf",
            "registries.conf",
            "--registries-conf-d",
            "none",
            "app:v1",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("Resolving \"app\" using unqualified-search registries (registries.conf)"),
        "{text}"
    );
    assert!(
        text.contains("candidate 1: example.com/app:v1  [registry example.com]"),
        "{text}"
    );
    assert!(
        text.contains("mirror  m-tag.example.net/app:v1  (insecure)"),
        "{text}"
    );
    assert!(text.contains("primary example.com/app:v1"), "{text}");
}

#[test]
fn usage_errors_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_shortnames"))
        .args(["resolve", "--format", "yaml", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(env!("CARGO_BIN_EXE_shortnames"))
        .args(["resolve"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
