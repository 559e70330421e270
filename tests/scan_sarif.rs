//! `shortnames scan --format sarif` validates against the official SARIF 2.1.0 schema
//! (vendored from an npm registry package; see tests/data/scan/README.md), for every corpus
//! fixture and profile, and carries the findings of the JSON report.
#![cfg(feature = "yaml")]

mod scan_support;

use std::path::Path;

use scan_support::{fixtures, shortnames};
use serde_json::{json, Value};

fn schema() -> jsonschema::Validator {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/scan/sarif-2.1.0-rtm.5.json");
    let mut schema: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#");
    // rtm.5's `language` patterns have an unescaped `]`, a literal in ECMA-262 (the regex
    // dialect JSON Schema specifies) that Rust's regex engines reject. Escaping it keeps the
    // meaning; nothing else of the schema is touched.
    fn escape_bracket(v: &mut Value, n: &mut usize) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if k == "pattern" && x == "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$" {
                        *x = json!("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$");
                        *n += 1;
                    } else {
                        escape_bracket(x, n);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| escape_bracket(x, n)),
            _ => {}
        }
    }
    let mut escaped = 0;
    escape_bracket(&mut schema, &mut escaped);
    assert!(escaped >= 1);
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .build(&schema)
        .unwrap()
}

fn errors(v: &jsonschema::Validator, log: &Value) -> Vec<String> {
    v.iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn sarif_logs_validate_against_the_sarif_2_1_0_schema() {
    let validator = schema();
    let mut logs = 0;
    let mut results = 0;
    for fx in &fixtures() {
        for profile in &fx.profiles {
            let arg = fx.profile_arg(profile);
            let mut args = vec!["scan", "--node-profile", &arg, "--format", "sarif"];
            args.extend(fx.files.iter().map(String::as_str));
            let run = shortnames(&fx.dir, &args);
            let log = run.json();
            let errs = errors(&validator, &log);
            assert!(errs.is_empty(), "{} [{profile}]: {errs:#?}", fx.name);

            // Same findings as the JSON report: one error result per error, one warning per
            // accepted short name.
            let expected = fx.expected(profile);
            let want_errors = expected["summary"]["errors"].as_u64().unwrap();
            let got = log["runs"][0]["results"].as_array().unwrap();
            let n_err = got.iter().filter(|r| r["level"] == "error").count() as u64;
            assert_eq!(n_err, want_errors, "{} [{profile}]", fx.name);
            let ok_short = expected["files"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|f| f["images"].as_array().unwrap())
                .filter(|i| i["short_name"] == true && i["outcome"] == "ok")
                .count();
            let n_warn = got.iter().filter(|r| r["level"] == "warning").count();
            assert_eq!(n_warn, ok_short, "{} [{profile}]", fx.name);
            assert_eq!(run.code, i32::from(want_errors > 0));
            logs += 1;
            results += got.len();
        }
    }
    assert!(
        logs >= 76 && results > 100,
        "{logs} logs, {results} results"
    );
}

/// The schema is not a pushover: logs that break SARIF are rejected.
#[test]
fn the_schema_rejects_broken_logs() {
    let validator = schema();
    let fx = fixtures()
        .into_iter()
        .find(|f| f.name == "real-fusionauth")
        .unwrap();
    let mut args = vec![
        "scan",
        "--node-profile",
        "crio-default",
        "--format",
        "sarif",
    ];
    args.extend(fx.files.iter().map(String::as_str));
    let good = shortnames(&fx.dir, &args).json();
    assert!(errors(&validator, &good).is_empty());

    let mut bad = good.clone();
    bad["version"] = json!("2.0.0");
    assert!(!errors(&validator, &bad).is_empty());
    let mut bad = good.clone();
    bad["runs"][0]["results"][0]["level"] = json!("fatal");
    assert!(!errors(&validator, &bad).is_empty());
    let mut bad = good.clone();
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        json!(0);
    assert!(!errors(&validator, &bad).is_empty());
    let mut bad = good;
    bad["runs"][0]["tool"]["driver"]
        .as_object_mut()
        .unwrap()
        .remove("name");
    assert!(!errors(&validator, &bad).is_empty());
}

/// Each short name carries a fix whose deleted region is exactly the name's characters.
#[test]
fn sarif_fixes_replace_exactly_the_image_text() {
    let fx = fixtures()
        .into_iter()
        .find(|f| f.name == "syn-yaml-styles")
        .unwrap();
    let run = shortnames(
        &fx.dir,
        &[
            "scan",
            "--node-profile",
            "crio-default",
            "--format",
            "sarif",
            "manifests/styles.yaml",
        ],
    );
    let log = run.json();
    let text = std::fs::read_to_string(fx.dir.join("manifests/styles.yaml")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut checked = 0;
    for r in log["runs"][0]["results"].as_array().unwrap() {
        let Some(fixes) = r.get("fixes") else {
            continue;
        };
        let rep = &fixes[0]["artifactChanges"][0]["replacements"][0];
        let region = &rep["deletedRegion"];
        let line: Vec<char> = lines[region["startLine"].as_u64().unwrap() as usize - 1]
            .chars()
            .collect();
        let (s, e) = (
            region["startColumn"].as_u64().unwrap() as usize - 1,
            region["endColumn"].as_u64().unwrap() as usize - 1,
        );
        let deleted: String = line[s..e].iter().collect();
        let inserted = rep["insertedContent"]["text"].as_str().unwrap();
        assert!(
            inserted.ends_with(&deleted[deleted.find(':').unwrap_or(0)..]),
            "{deleted} -> {inserted}"
        );
        assert!(inserted.starts_with("docker.io/"), "{inserted}");
        assert!(!deleted.contains(['"', '\'', ' ']), "{deleted:?}");
        checked += 1;
    }
    assert!(checked >= 8, "{checked}");
}
