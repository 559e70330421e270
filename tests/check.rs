//! `check` on the planted-problem corpus in `tests/data/check/`: each case directory holds a
//! configuration (registries.conf, registries.conf.d/, user-aliases.conf) and an `expect` file
//! listing every diagnostic (`severity code file:line:column`) `check` must report — and
//! nothing else. An optional `profile hardened` line selects the profile.

use std::path::{Path, PathBuf};
use std::process::Command;

use shortnames::diagnostics::{check, CheckOptions, Level};
use shortnames::{Config, ConfigSources, Profile};

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/check");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expect").is_file())
        .collect();
    v.sort();
    v
}

fn sources(case: &Path) -> ConfigSources {
    ConfigSources::new()
        .fs_root(case)
        .registries_conf("registries.conf")
        .registries_conf_d("registries.conf.d")
        .user_aliases("user-aliases.conf")
}

struct Expect {
    profile: Profile,
    lines: Vec<String>,
}

fn expect(case: &Path) -> Expect {
    let text = std::fs::read_to_string(case.join("expect")).unwrap();
    let mut profile = Profile::Compatible;
    let mut lines = Vec::new();
    for l in text.lines().map(str::trim) {
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if let Some(p) = l.strip_prefix("profile ") {
            profile = Profile::parse(p).unwrap();
            continue;
        }
        lines.push(l.to_owned());
    }
    lines.sort();
    Expect { profile, lines }
}

#[test]
fn planted_problems_are_found_at_their_place() {
    let cases = corpus();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    let mut planted = 0;
    let mut failures = Vec::new();
    for case in &cases {
        let want = expect(case);
        planted += want.lines.len();
        let report = check(
            &sources(case),
            &CheckOptions::default().profile(want.profile),
        );
        let mut got: Vec<String> = report
            .findings
            .iter()
            .map(|d| format!("{} {} {}", d.level, d.kind, d.place().unwrap_or_default()))
            .collect();
        got.sort();
        if got != want.lines {
            failures.push(format!(
                "{}:\n  got  {got:?}\n  want {:?}",
                case.file_name().unwrap().to_string_lossy(),
                want.lines
            ));
        }
    }
    assert!(planted >= 40, "only {planted} planted problems");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Collect mode reports, among its errors, exactly the error the default path stops at.
#[test]
fn first_error_of_the_default_path_is_among_the_errors() {
    for case in corpus() {
        let want = expect(&case);
        let Err(err) = Config::load(&sources(&case).profile(want.profile)) else {
            continue;
        };
        let report = check(
            &sources(&case),
            &CheckOptions::default().profile(want.profile),
        );
        let first_complaint = err.message().split("\n: ").next().unwrap();
        assert!(
            report
                .errors()
                .any(|d| d.kind == err.kind().as_str() && d.message == first_complaint),
            "{}: {err:?} not in {:#?}",
            case.display(),
            report.findings
        );
        // And at the same place.
        let d = report
            .errors()
            .find(|d| d.message == first_complaint)
            .unwrap();
        assert_eq!(d.location, err.location(), "{}", case.display());
        assert_eq!(d.key.as_deref(), err.key(), "{}", case.display());
    }
}

#[test]
fn did_you_mean_and_rendering() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/check/unknown-key-typo");
    let report = check(&sources(&case), &CheckOptions::default());
    let d = &report.findings[0];
    assert_eq!(
        d.help.as_deref(),
        Some("did you mean `mirror-by-digest-only`?")
    );
    assert_eq!(d.key.as_deref(), Some("registry[0].mirror-by-digest-onyl"));
    let text = report.render_text();
    assert!(
        text.contains(
            "warning[unknown-key]: unknown key `registry[0].mirror-by-digest-onyl` is ignored\n --> registries.conf:3:1\n  |\n3 | mirror-by-digest-onyl = true\n  | ^^^^^^^^^^^^^^^^^^^^^\n"
        ),
        "{text}"
    );
    assert!(
        text.ends_with("1 file checked: 0 errors, 1 warning, 0 notes\n"),
        "{text}"
    );
}

#[test]
fn exit_codes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/check");
    let failed = |case: &str, strict: bool| {
        check(&sources(&dir.join(case)), &CheckOptions::default()).failed(strict)
    };
    assert!(!failed("clean", false));
    assert!(!failed("clean", true));
    assert!(!failed("unknown-key-typo", false));
    assert!(failed("unknown-key-typo", true));
    // Notes never change the status.
    assert!(!failed("mirror-trailing-slash", true));
    assert!(failed("several-errors-one-file", false));
    assert!(failed("several-errors-one-file", true));
}

#[test]
fn severity_of_unknown_keys_depends_on_the_profile() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/check/unknown-key-typo");
    let compatible = check(&sources(&case), &CheckOptions::default());
    let hardened = check(
        &sources(&case),
        &CheckOptions::default().profile(Profile::Hardened),
    );
    assert_eq!(compatible.findings[0].level, Level::Warning);
    assert_eq!(hardened.findings[0].level, Level::Error);
    assert!(hardened.failed(false));
}

fn run_cli(case: &str, extra: &[&str]) -> (i32, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/check")
        .join(case);
    let out = Command::new(env!("CARGO_BIN_EXE_shortnames"))
        .current_dir(&dir)
        .args([
            "check",
            "--registries-conf",
            "registries.conf",
            "--registries-conf-d",
            "registries.conf.d",
            "--user-aliases",
            "user-aliases.conf",
        ])
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn cli_check() {
    assert_eq!(run_cli("clean", &["--strict"]).0, 0);
    let (code, out) = run_cli("unknown-key-typo", &[]);
    assert_eq!(code, 0);
    assert!(out.contains(" --> registries.conf:3:1"), "{out}");
    assert_eq!(run_cli("unknown-key-typo", &["--strict"]).0, 1);
    assert_eq!(run_cli("unknown-key-typo", &["--profile", "hardened"]).0, 1);
    let (code, out) = run_cli("several-errors-one-file", &["--format", "json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema"], "shortnames-check/v1");
    assert_eq!(v["errors"], 4);
    assert_eq!(v["findings"][0]["kind"], "invalid-config/uri-scheme");
    assert_eq!(v["findings"][0]["severity"], "error");
    assert_eq!(v["findings"][0]["line"], 1);
    assert_eq!(v["findings"][0]["column"], 45);
}
