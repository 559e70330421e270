//! Every JSON output of every subcommand validates against its schema in `schemas/` and
//! carries its schema name (`"schema": "shortnames-<cmd>/v1"`), with these exceptions:
//!
//! * `resolve --format json` is the corpus document of ../shared/conformance (no schema
//!   member: its comparison allows no extra key), validated against
//!   `schemas/resolve.schema.json`, as is every recorded `expect.json` of that corpus;
//! * `render machineconfig --format json` prints Kubernetes objects for `oc apply` (the
//!   MachineConfig byte for byte as MCO's client encodes it, which tests/render.rs compares):
//!   no schema member, validated against `schemas/render-machineconfig.schema.json`;
//! * `scan --format sarif` is SARIF 2.1.0 (tests/scan_sarif.rs validates it against SARIF's
//!   schema).
//!
//! `scan` and `render registries` documents are also corpus documents (../shared/scan,
//! ../shared/render), whose comparisons ignore extra keys: they carry the schema member, and
//! are validated here for every corpus case. `migrate` prints a TOML file, `pull` and `push`
//! text only: they have no JSON output.

mod cli_support;
mod common;
#[cfg(feature = "oci-client")]
mod pull_support;
mod scan_support;

use std::path::{Path, PathBuf};

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
    valid(schema, &doc, &format!("{args:?}"));
    doc
}

/// Checks `doc` against the schema `schema` and, except for the documents that have none, its
/// schema member.
fn valid(schema: &str, doc: &Value, what: &str) {
    let v = validator(schema);
    let errs = errors(&v, doc);
    assert!(errs.is_empty(), "{what}:\n{}\n{doc:#}", errs.join("\n"));
    if !matches!(schema, "resolve" | "render-machineconfig") {
        assert_eq!(doc["schema"], format!("shortnames-{schema}/v1"), "{what}");
    }
}

/// Runs `shortnames ARGS` in `dir` (stdin empty, HOME inside `dir`), expecting exit status
/// `code`, and returns its stdout as JSON.
fn json_in(dir: &Path, args: &[&str], code: i32) -> Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_shortnames"))
        .current_dir(dir)
        .env("HOME", dir)
        .env_remove("CONTAINERS_REGISTRIES_CONF")
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?} in {}: {}",
        dir.display(),
        cli_support::text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: not JSON ({e}): {}",
            cli_support::text(&out.stdout)
        )
    })
}

/// A named file that cannot be read fails before any output: exit status 1, one line on
/// stderr naming it, nothing on stdout (no document), as for every subcommand.
fn unreadable(f: &Fixture, args: &[&str], file: &str) {
    let out = f.run(args);
    assert_eq!(out.status.code(), Some(1), "{args:?}");
    assert!(
        out.stdout.is_empty(),
        "{args:?}: {}",
        cli_support::text(&out.stdout)
    );
    let err = cli_support::text(&out.stderr);
    assert!(
        err.contains(&format!("cannot read {file}")) && err.lines().count() == 1,
        "{args:?}: {err}"
    );
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

/// The new schemas are as strict: an extra member (at the top, in an error object), a
/// missing schema name, a wrong error-kind spelling or a missing member is refused.
#[test]
fn scan_and_render_schemas_refuse_drift() {
    let fx = scan_support::fixtures()
        .into_iter()
        .find(|f| f.name == "syn-malformed")
        .expect("the syn-malformed scan fixture");
    let scan = scan_support::scan_fixture(&fx, "crio-default", &fx.dir).json();
    let case = render_cases()
        .into_iter()
        .find(|c| c.ends_with("hand-allowed-invalid-wildcard"))
        .expect("the hand-allowed-invalid-wildcard render case");
    let render = json_in(
        &case,
        &[
            "render",
            "registries",
            "--objects",
            "objects.yaml",
            "--format",
            "json",
        ],
        1,
    );
    type Mutation = fn(&mut Value);
    let mutations: [(&str, Mutation); 5] = [
        ("extra member", |d| d["surprise"] = Value::Null),
        ("no schema", |d| {
            d.as_object_mut().unwrap().remove("schema");
        }),
        ("error kind", |d| {
            let e = if d["error"].is_object() {
                &mut d["error"]
            } else {
                &mut d["files"][0]["images"][0]["error"]
            };
            e["kind"] = "ShortNameAmbiguous".into();
        }),
        ("extra member in an error", |d| {
            let e = if d["error"].is_object() {
                &mut d["error"]
            } else {
                &mut d["files"][0]["images"][0]["error"]
            };
            e["code"] = "x".into();
        }),
        ("error without file", |d| {
            let e = if d["error"].is_object() {
                &mut d["error"]
            } else {
                &mut d["files"][0]["images"][0]["error"]
            };
            e.as_object_mut().unwrap().remove("file");
        }),
    ];
    for (schema, doc) in [("scan", &scan), ("render-registries", &render)] {
        assert!(errors(&validator(schema), doc).is_empty(), "{schema}");
        for (what, mutate) in &mutations {
            let mut bad = doc.clone();
            mutate(&mut bad);
            assert!(
                !errors(&validator(schema), &bad).is_empty(),
                "{schema}: {what} accepted"
            );
        }
    }
    // A document error of scan carries the vocabulary's members.
    let mut bad = scan.clone();
    let docs = bad["files"][0]["documents"].as_array_mut().unwrap();
    let e = &mut docs.iter_mut().find(|x| x["error"].is_object()).unwrap()["error"];
    assert_eq!(e["file"], "manifests/broken.yaml");
    e.as_object_mut().unwrap().remove("key");
    assert!(
        !errors(&validator("scan"), &bad).is_empty(),
        "no key accepted"
    );
    // MCO's refusal without its files emptied is not a refusal.
    let mut bad = render.clone();
    bad["files"]["/etc/containers/policy.json"] = "{}".into();
    assert!(!errors(&validator("render-registries"), &bad).is_empty());
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

/// `scan --format json` for every fixture and profile of ../shared/scan (documents with YAML
/// errors, kubelet and API-server refusals included), and an input that cannot be read.
#[test]
fn scan_documents() {
    let mut runs = 0;
    let mut image_errors = 0;
    let mut document_errors = 0;
    for fx in scan_support::fixtures() {
        for profile in &fx.profiles {
            let run = scan_support::scan_fixture(&fx, profile, &fx.dir);
            let doc = run.json();
            valid("scan", &doc, &format!("{} [{profile}]", fx.name));
            for f in doc["files"].as_array().unwrap() {
                let errs = |k: &str| {
                    f[k].as_array()
                        .unwrap()
                        .iter()
                        .filter(|x| x["error"].is_object())
                        .count()
                };
                image_errors += errs("images");
                document_errors += errs("documents");
            }
            runs += 1;
        }
    }
    assert!(runs >= 4 * 19, "{runs} runs");
    assert!(image_errors > 0 && document_errors > 0);

    // A file that cannot be read (a FIFO is refused, never opened): exit status 1, the others
    // still scanned, the reason in input_errors.
    let f = Fixture::new();
    std::fs::write(
        f.path("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: quay.io/a/b:1\n",
    )
    .unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(f.path("fifo.yaml"))
        .status()
        .unwrap();
    assert!(made.success());
    let d = checked(
        &f,
        "scan",
        &["scan", "--format", "json", "pod.yaml", "fifo.yaml"],
        1,
    );
    assert_eq!(d["summary"]["images"], 1);
    assert_eq!(d["input_errors"][0]["kind"], "input/unreadable");
    assert_eq!(d["input_errors"][0]["file"], "fifo.yaml");
    let d = checked(&f, "scan", &["scan", "--format", "json", "pod.yaml"], 0);
    assert_eq!(d["input_errors"], serde_json::json!([]));
}

fn render_cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/render/cases");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the render corpus is missing: {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expect.json").is_file())
        .collect();
    v.sort();
    v
}

/// `render registries --format json` for every registries case of ../shared/render (MCO's
/// refusals included), and `render machineconfig --format json` for every `mc-` case, with
/// and without the disruption policy.
#[test]
fn render_documents() {
    let (mut rendered, mut refused, mut machineconfigs) = (0, 0, 0);
    for case in render_cases() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("mc-") {
            let a: Value =
                serde_json::from_slice(&std::fs::read(case.join("mc-args.json")).unwrap()).unwrap();
            let arg = |k: &str| a[k].as_str().unwrap().to_owned();
            let (role, mc_name, path) = (arg("role"), arg("name"), arg("path"));
            let mut args = vec![
                "render",
                "machineconfig",
                "--role",
                &role,
                "--name",
                &mc_name,
            ];
            args.extend(["--path", &path, "--format", "json", "file"]);
            valid("render-machineconfig", &json_in(&case, &args, 0), &name);
            args.push("--with-disruption-policy");
            let list = json_in(&case, &args, 0);
            valid("render-machineconfig", &list, &name);
            assert_eq!(list["kind"], "List");
            machineconfigs += 1;
            continue;
        }
        let expect: Value =
            serde_json::from_slice(&std::fs::read(case.join("expect.json")).unwrap()).unwrap();
        let mut args = vec!["render", "registries", "--objects", "objects.yaml"];
        if case.join("base-registries.conf").exists() {
            args.extend(["--base", "base-registries.conf"]);
        }
        args.extend(["--format", "json"]);
        let code = i32::from(!expect["error"].is_null());
        let doc = json_in(&case, &args, code);
        valid("render-registries", &doc, &name);
        if code == 1 {
            assert_eq!(doc["error"]["kind"], "render/mco-refuses", "{name}");
            refused += 1;
        } else {
            rendered += 1;
        }
    }
    assert!(rendered > 50 && refused > 5 && machineconfigs >= 3);

    // Objects that cannot be read: the document says where, nothing is rendered.
    let f = Fixture::new();
    std::fs::write(
        f.path("objects.yaml"),
        "kind: ImageDigestMirrorSet\nspec: [\n",
    )
    .unwrap();
    let j = ["render", "registries", "--format", "json", "--objects"];
    let d = checked(&f, "render-registries", &with(&j, &["objects.yaml"]), 1);
    assert_eq!(d["error"]["kind"], "render/invalid-objects");
    assert_eq!(d["error"]["file"], "objects.yaml");
    assert!(d["error"]["line"].as_u64().is_some(), "{d:#}");
    unreadable(&f, &with(&j, &["nope.yaml"]), "nope.yaml");
    // The same objects for check and explain: their documents carry the error.
    let c = ["check", "--format", "json", "--cluster-objects"];
    let d = checked(&f, "check", &with(&c, &["objects.yaml"]), 1);
    assert_eq!(d["findings"][0]["kind"], "render/invalid-objects");
    assert_eq!(d["findings"][0]["severity"], "error");
    unreadable(&f, &with(&c, &["nope.yaml"]), "nope.yaml");
    let e = ["explain", "--format", "json", "--cluster-objects"];
    let d = checked(
        &f,
        "explain",
        &with(&e, &["objects.yaml", "quay.io/a/b"]),
        1,
    );
    assert_eq!(d["error"]["kind"], "render/invalid-objects");
    unreadable(&f, &with(&e, &["nope.yaml", "quay.io/a/b"]), "nope.yaml");
}

/// `render disruption --format json`: a decision, and inputs that cannot be used.
#[test]
fn render_disruption_documents() {
    let f = Fixture::new();
    for (root, text) in [("old", "a = 1\n"), ("new", "a = 2\n")] {
        let dir = f.path(root).join("etc/containers/registries.conf.d");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("x.conf"), text).unwrap();
    }
    let j = [
        "render",
        "disruption",
        "--format",
        "json",
        "--previous",
        "old",
        "--next",
    ];
    let d = checked(&f, "render-disruption", &with(&j, &["new"]), 0);
    assert!(d["error"].is_null());
    assert_eq!(
        d["diff_files"],
        serde_json::json!(["/etc/containers/registries.conf.d/x.conf"])
    );
    unreadable(&f, &with(&j, &["missing"]), "missing");
    std::fs::write(f.path("policy.yaml"), "files: 5\n").unwrap();
    let d = checked(
        &f,
        "render-disruption",
        &with(&j, &["new", "--disruption-policy", "policy.yaml"]),
        1,
    );
    assert_eq!(d["error"]["kind"], "render/invalid-disruption-policy");
    assert_eq!(d["error"]["file"], "policy.yaml");
    assert!(d["outcome"].is_null());
}

/// `inspect --format json` against a real registry (CNCF distribution on 127.0.0.1): found,
/// not found, unreachable, and a configuration that does not load.
#[cfg(feature = "oci-client")]
#[test]
fn inspect_documents() {
    let reg = pull_support::Registry::anonymous();
    let f = Fixture::new();
    std::fs::write(
        f.path("reg.conf"),
        format!(
            "[[registry]]\nlocation = \"{}\"\ninsecure = true\n",
            reg.host
        ),
    )
    .unwrap();
    let layout = f.path("layout");
    let digest = pull_support::write_image(&layout, "schemas");
    let name = format!("{}/s/app:1", reg.host);
    let base = ["--registries-conf", "reg.conf", "--registries-conf-d", "d"];
    let pushed = f.run(&with(&["push", "layout", &name], &base));
    assert_eq!(
        pushed.status.code(),
        Some(0),
        "{}",
        cli_support::text(&pushed.stderr)
    );
    let j = with(&["inspect", "--format", "json"], &base);
    let d = checked(&f, "inspect", &with(&j, &[&name]), 0);
    assert_eq!(d["digest"], digest.as_str());
    assert_eq!(d["served_by"]["endpoint"], name.as_str());
    let missing = format!("{}/s/none:1", reg.host);
    let d = checked(&f, "inspect", &with(&j, &[&missing]), 1);
    assert_eq!(d["error"]["kind"], "pull/all-endpoints-failed");
    assert_eq!(d["attempts"][0]["error"]["kind"], "not-found");
    // Nothing listens on port 1 of the loopback address.
    let d = checked(&f, "inspect", &with(&j, &["127.0.0.1:1/a/b:1"]), 1);
    assert_eq!(d["attempts"][0]["error"]["kind"], "connection");
    let d = checked(&f, "inspect", &with(&j, &["UPPER"]), 1);
    assert_eq!(d["error"]["kind"], "pull/resolution");
    let broken = with(&["inspect", "--format", "json"], &conf("broken.conf"));
    let d = checked(&f, "inspect", &with(&broken, &[&name]), 1);
    assert_eq!(d["error"]["kind"], "invalid-config/toml");
    unreadable(
        &f,
        &with(&j, &["--auth-file", "typo.json", &name]),
        "typo.json",
    );
}
