//! Every JSON output of every subcommand validates against its schema in `schemas/` and
//! carries its schema name (`"schema": "shortnames-<cmd>/v1"`); `resolve --format json` is
//! the corpus document (no schema member), validated against `schemas/resolve.schema.json`,
//! as is every recorded `expect.json` of the conformance corpus.

mod cli_support;
mod common;

use std::path::Path;

use cli_support::{conf, Fixture};
use serde_json::Value;

fn validator(name: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(format!("{name}.schema.json"));
    let schema: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Runs the command and returns its JSON document after checking it against the schema.
fn checked(f: &Fixture, schema: &str, args: &[&str], code: i32) -> Value {
    let out = f.run(args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}: {}",
        cli_support::text(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: not JSON ({e}): {}",
            cli_support::text(&out.stdout)
        )
    });
    let v = validator(schema);
    let errs = errors(&v, &doc);
    assert!(errs.is_empty(), "{args:?}:\n{}\n{doc:#}", errs.join("\n"));
    if schema != "resolve" {
        assert_eq!(doc["schema"], format!("shortnames-{schema}/v1"), "{args:?}");
    }
    doc
}

fn with<'a>(base: &[&'a str], more: &[&'a str]) -> Vec<&'a str> {
    let mut v = base.to_vec();
    v.extend_from_slice(more);
    v
}

#[test]
fn check_documents() {
    let f = Fixture::new();
    let j = ["check", "--format", "json"];
    let d = checked(&f, "check", &with(&j, &conf("good.conf")), 0);
    assert_eq!(d["ok"], true);
    let d = checked(
        &f,
        "check",
        &with(&with(&j, &conf("warn.conf")), &["--strict"]),
        1,
    );
    assert_eq!(d["findings"][0]["kind"], "unknown-key");
    let d = checked(&f, "check", &with(&j, &conf("broken.conf")), 1);
    assert!(d["errors"].as_u64().unwrap() >= 3, "{d:#}");
    checked(&f, "check", &with(&j, &conf("missing.conf")), 1);
}

#[test]
fn explain_documents() {
    let f = Fixture::new();
    let j = ["explain", "--format", "json"];
    let d = checked(
        &f,
        "explain",
        &with(&with(&j, &conf("good.conf")), &["myapp"]),
        0,
    );
    assert_eq!(d["ok"], true);
    let d = checked(
        &f,
        "explain",
        &with(&with(&j, &conf("blocked.conf")), &["app"]),
        1,
    );
    assert_eq!(d["ok"], false);
    assert!(d["error"].is_null());
    let d = checked(
        &f,
        "explain",
        &with(&with(&j, &conf("good.conf")), &["UPPER"]),
        1,
    );
    assert_eq!(d["error"]["kind"], "invalid-reference/uppercase");
    checked(
        &f,
        "explain",
        &with(&with(&j, &conf("broken.conf")), &["app"]),
        1,
    );
    let d = checked(
        &f,
        "explain",
        &with(&with(&j, &conf("good.conf")), &["docker://quay.io/a/b"]),
        0,
    );
    assert_eq!(d["name"], "quay.io/a/b");
}

#[test]
fn alias_list_documents() {
    let f = Fixture::new();
    let j = [
        "alias",
        "list",
        "--format",
        "json",
        "--user-aliases",
        "ua.conf",
    ];
    let d = checked(&f, "alias-list", &with(&j, &conf("good.conf")), 0);
    assert_eq!(d["aliases"].as_array().unwrap().len(), 2);
    let d = checked(&f, "alias-list", &with(&j, &conf("broken.conf")), 1);
    assert_eq!(d["config_error"]["kind"], "invalid-config/toml");
    assert_eq!(d["config_error"]["file"], "broken.conf");
}

#[test]
fn auth_check_documents() {
    let f = Fixture::new();
    let j = ["auth", "check", "--format", "json"];
    let d = checked(&f, "auth-check", &with(&j, &["ns.json"]), 0);
    assert_eq!(d["entries"][0]["status"], "usable");
    let d = checked(&f, "auth-check", &with(&j, &["bad.json"]), 1);
    assert_eq!(d["findings"][0]["kind"], "credentials/auth-not-base64");
    let d = checked(&f, "auth-check", &with(&j, &["syntax.json"]), 1);
    assert_eq!(d["findings"][0]["kind"], "credentials/syntax");
    let d = checked(&f, "auth-check", &with(&j, &["legacy.dockercfg"]), 0);
    assert_eq!(d["format"], "dockercfg");
}

#[test]
fn resolve_documents() {
    let f = Fixture::new();
    let j = ["resolve", "--format", "json"];
    let d = checked(
        &f,
        "resolve",
        &with(&with(&j, &conf("good.conf")), &["myapp", "quay.io/x/y"]),
        0,
    );
    assert!(
        d.get("schema").is_none(),
        "the corpus document has no schema member"
    );
    checked(
        &f,
        "resolve",
        &with(&with(&j, &conf("blocked.conf")), &["app"]),
        1,
    );
    checked(
        &f,
        "resolve",
        &with(&with(&j, &conf("broken.conf")), &["app"]),
        1,
    );
    let d = checked(
        &f,
        "resolve",
        &with(
            &with(&j, &conf("good.conf")),
            &["--auth-file", "bad.json", "myapp"],
        ),
        0,
    );
    let creds = &d["lookups"][0]["candidates"][0]["sources"][1]["credentials"];
    assert_eq!(creds["credential"]["username"], "robot");
    assert_eq!(
        d["credential_diagnostics"][0]["kind"],
        "credentials/auth-not-base64"
    );
}

/// The schemas are strict: a document with an extra member, a missing schema name, a bad
/// severity or an unknown error-kind spelling is refused.
#[test]
fn schemas_refuse_drift() {
    let f = Fixture::new();
    let mut args = vec!["check", "--format", "json"];
    args.extend(conf("broken.conf"));
    let doc = checked(&f, "check", &args, 1);
    let v = validator("check");
    let mut extra = doc.clone();
    extra["surprise"] = Value::Null;
    let mut no_schema = doc.clone();
    no_schema.as_object_mut().unwrap().remove("schema");
    let mut severity = doc.clone();
    severity["findings"][0]["severity"] = "info".into();
    let mut kind = doc.clone();
    kind["findings"][0]["kind"] = "EntryError".into();
    let mut empty_file = doc.clone();
    empty_file["findings"][0]["line"] = 0.into();
    for (what, bad) in [
        ("extra member", extra),
        ("no schema", no_schema),
        ("severity", severity),
        ("kind", kind),
        ("line 0", empty_file),
    ] {
        assert!(!errors(&v, &bad).is_empty(), "{what} accepted");
    }
}

#[test]
fn every_corpus_document_fits_the_resolve_schema() {
    let v = validator("resolve");
    let mut n = 0;
    for case in common::cases() {
        let doc = common::expected(&case);
        let errs = errors(&v, &doc);
        assert!(errs.is_empty(), "{}: {}", case.display(), errs.join("\n"));
        n += 1;
    }
    assert!(n >= 300, "{n} cases");
}
