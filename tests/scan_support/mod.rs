//! Shared helpers for the `scan` tests: the scan corpus (`../shared/scan`), running the CLI
//! as its contract says, and the README's comparison rules.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// `../shared/scan`; panics (fails the test) when it is missing.
pub fn corpus_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/scan");
    assert!(
        d.join("fixtures").is_dir() && d.join("profiles").is_dir(),
        "the scan corpus is missing: expected {} (the shared corpus sits beside the crate)",
        d.display()
    );
    d
}

/// One fixture: its directory, files and profiles.
pub struct Fixture {
    pub name: String,
    pub dir: PathBuf,
    pub files: Vec<String>,
    pub profiles: Vec<String>,
}

impl Fixture {
    /// The `--node-profile` argument for `profile`: `profiles/<name>` when the fixture has
    /// such a directory, else the built-in name.
    pub fn profile_arg(&self, profile: &str) -> String {
        if self.dir.join("profiles").join(profile).is_dir() {
            format!("profiles/{profile}")
        } else {
            profile.to_owned()
        }
    }

    pub fn expected(&self, profile: &str) -> Value {
        let p = self.dir.join("expected").join(format!("{profile}.json"));
        serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap()
    }
}

/// Every fixture, sorted by name.
pub fn fixtures() -> Vec<Fixture> {
    let root = corpus_dir().join("fixtures");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&root).unwrap() {
        let dir = e.unwrap().path();
        let meta: Value =
            serde_json::from_slice(&std::fs::read(dir.join("fixture.json")).unwrap()).unwrap();
        let strings = |k: &str| -> Vec<String> {
            meta[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        };
        out.push(Fixture {
            name: dir.file_name().unwrap().to_string_lossy().into_owned(),
            files: strings("files"),
            profiles: strings("profiles"),
            dir,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(!out.is_empty(), "no fixtures in {}", root.display());
    out
}

/// The output of one CLI run.
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                String::from_utf8_lossy(&self.stdout),
                self.stderr
            )
        })
    }
}

/// Runs `shortnames ARGS` in `dir` as the contract says: stdin `/dev/null`, `HOME` that does
/// not exist, `CONTAINERS_REGISTRIES_CONF` and `CONTAINER_SHORT_NAME_MODE` unset.
pub fn shortnames(dir: &Path, args: &[&str]) -> Run {
    shortnames_with_stdin(dir, args, None)
}

/// As [`shortnames`], with `input` on stdin.
pub fn shortnames_with_stdin(dir: &Path, args: &[&str], input: Option<&[u8]>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shortnames"));
    cmd.args(args)
        .current_dir(dir)
        .env("HOME", "/nonexistent/home")
        .env_remove("CONTAINERS_REGISTRIES_CONF")
        .env_remove("REGISTRIES_CONFIG_PATH")
        .env_remove("CONTAINER_SHORT_NAME_MODE")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_CACHE_HOME")
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = input {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `shortnames scan --node-profile PROFILE --format json FILES` for a fixture.
pub fn scan_fixture(fx: &Fixture, profile: &str, dir: &Path) -> Run {
    let arg = fx.profile_arg(profile);
    let mut args = vec!["scan", "--node-profile", &arg, "--format", "json"];
    args.extend(fx.files.iter().map(String::as_str));
    shortnames(dir, &args)
}

/// The corpus README's comparison of one profile run: exit status from the expected
/// `summary.errors`, then every expected key present and equal (lists equal in length and
/// order, scalar types exact), extra keys ignored, and `documents[].error` compared by kind
/// and location only. Returns the differences.
pub fn compare_run(expected: &Value, run: &Run) -> Vec<String> {
    let mut diffs = Vec::new();
    let want = i32::from(expected["summary"]["errors"].as_u64().unwrap_or(0) > 0);
    if run.code != want {
        diffs.push(format!(
            "exit status {} instead of {want} (stderr: {})",
            run.code, run.stderr
        ));
    }
    match serde_json::from_slice::<Value>(&run.stdout) {
        Ok(actual) => compare(expected, &actual, "", &mut diffs),
        Err(e) => diffs.push(format!("stdout is not JSON: {e}")),
    }
    diffs
}

fn same_scalar(e: &Value, a: &Value) -> bool {
    match (e, a) {
        (Value::Number(x), Value::Number(y)) => match (x.is_f64(), y.is_f64()) {
            (false, false) => x.as_i64() == y.as_i64() && x.as_u64() == y.as_u64(),
            (true, true) => x.as_f64() == y.as_f64(),
            _ => false,
        },
        _ => e == a,
    }
}

pub fn compare(e: &Value, a: &Value, path: &str, diffs: &mut Vec<String>) {
    match e {
        Value::Object(em) => {
            let Some(am) = a.as_object() else {
                diffs.push(format!("{path}: expected an object, got {a}"));
                return;
            };
            let in_document = path.contains(".documents[") && path.ends_with(']');
            for (k, ev) in em {
                let p = format!("{path}.{k}");
                let Some(av) = am.get(k) else {
                    diffs.push(format!("{p}: missing"));
                    continue;
                };
                if in_document && k == "error" && ev.is_object() {
                    compare_doc_error(e, ev, av, &p, diffs);
                    continue;
                }
                compare(ev, av, &p, diffs);
            }
        }
        Value::Array(ea) => {
            let Some(aa) = a.as_array() else {
                diffs.push(format!("{path}: expected a list, got {a}"));
                return;
            };
            if ea.len() != aa.len() {
                diffs.push(format!(
                    "{path}: {} items instead of {}",
                    aa.len(),
                    ea.len()
                ));
            }
            for (i, (x, y)) in ea.iter().zip(aa).enumerate() {
                compare(x, y, &format!("{path}[{i}]"), diffs);
            }
        }
        _ => {
            if !same_scalar(e, a) {
                diffs.push(format!("{path}: expected {e}, got {a}"));
            }
        }
    }
}

/// Rule 4: same kind, a non-empty message, a line within the document's chunk (±1), a
/// column ≥ 1.
fn compare_doc_error(doc: &Value, e: &Value, a: &Value, path: &str, diffs: &mut Vec<String>) {
    let Some(am) = a.as_object() else {
        diffs.push(format!("{path}: expected an error object, got {a}"));
        return;
    };
    if am.get("kind") != e.get("kind") {
        diffs.push(format!(
            "{path}.kind: expected {}, got {:?}",
            e["kind"],
            am.get("kind")
        ));
    }
    if am
        .get("message")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        diffs.push(format!("{path}.message: not a non-empty string"));
    }
    let lo = doc["line_start"].as_i64().unwrap_or(0) - 1;
    let hi = doc["line_end"].as_i64().unwrap_or(0) + 1;
    match am.get("line").and_then(Value::as_i64) {
        Some(l) if (lo..=hi).contains(&l) => {}
        other => diffs.push(format!("{path}.line: {other:?} not within {lo}..={hi}")),
    }
    if am
        .get("column")
        .and_then(Value::as_i64)
        .is_none_or(|c| c < 1)
    {
        diffs.push(format!("{path}.column: not an integer >= 1"));
    }
}

/// Copies a fixture's manifests (and profile directories) into `to`, keeping relative paths.
pub fn copy_fixture(fx: &Fixture, to: &Path) {
    copy_tree(&fx.dir.join("manifests"), &to.join("manifests"));
    if fx.dir.join("profiles").is_dir() {
        copy_tree(&fx.dir.join("profiles"), &to.join("profiles"));
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}
