//! `shortnames render` against the recorded MCO corpus (`../shared/render`): every case through
//! the CLI contract (byte-exact files, exact warnings and errors), every node-disruption golden,
//! the shipped alias table as a MachineConfig, and a rendered node root resolved by the engine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use shortnames::render::disruption::{decide, UserPolicy};
use shortnames::render::{decode_data_url, render_registries, ClusterObjects};

fn render_dir() -> PathBuf {
    let dir = match std::env::var_os("SHORTNAMES_RENDER_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/render"),
    };
    assert!(
        dir.join("cases").is_dir(),
        "the render corpus is missing: {} (set SHORTNAMES_RENDER_DIR)",
        dir.display()
    );
    dir
}

fn cases() -> Vec<PathBuf> {
    let dir = render_dir().join("cases");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expect.json").is_file())
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no render cases in {}", dir.display());
    v
}

fn json_file(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn shortnames(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_shortnames"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

const TOML_PREFIX: &str =
    "could not update registries config with new changes: error unmarshalling registries config: ";

fn check_registries_case(case: &Path, expect: &Value) -> Result<(), String> {
    let mut args = vec!["render", "registries", "--objects", "objects.yaml"];
    if case.join("base-registries.conf").is_file() {
        args.extend(["--base", "base-registries.conf"]);
    }
    args.extend(["--format", "json"]);
    let out = shortnames(case, &args);
    let got: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "no JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    let want_err = &expect["error"];
    let code = out.status.code();
    let want_code = if want_err.is_null() { 0 } else { 1 };
    if code != Some(want_code) {
        return Err(format!("exit status {code:?}, want {want_code}"));
    }
    match (got["error"].is_null(), want_err.is_null()) {
        (true, true) => {}
        (false, false) => {
            let (g, w) = (
                got["error"]["message"].as_str().unwrap_or_default(),
                want_err["message"].as_str().unwrap(),
            );
            let same = if w.starts_with(TOML_PREFIX) {
                g.starts_with(TOML_PREFIX)
            } else {
                g == w
            };
            if !same {
                return Err(format!("error message {g:?}, want {w:?}"));
            }
        }
        _ => return Err(format!("error {}, want {}", got["error"], want_err)),
    }
    if got["warnings"] != expect["warnings"] {
        return Err(format!(
            "warnings {}, want {}",
            got["warnings"], expect["warnings"]
        ));
    }
    let (gf, wf) = (
        got["files"].as_object().unwrap(),
        expect["files"].as_object().unwrap(),
    );
    let (gk, wk): (Vec<_>, Vec<_>) = (gf.keys().collect(), wf.keys().collect());
    let (mut gk, mut wk) = (gk, wk);
    gk.sort();
    wk.sort();
    if gk != wk {
        return Err(format!("file paths {gk:?}, want {wk:?}"));
    }
    for (path, want) in wf {
        if gf[path] != *want {
            return Err(format!(
                "{path}:\n--- got\n{}\n--- want\n{}",
                gf[path].as_str().unwrap_or_default(),
                want.as_str().unwrap_or_default()
            ));
        }
    }
    // The node's effective files after the rollout (generated, else the template's).
    if !expect["node_files"].is_null() && got["node_files"] != expect["node_files"] {
        return Err(format!(
            "node_files {}, want {}",
            got["node_files"], expect["node_files"]
        ));
    }
    // The informational MachineConfig: the same Ignition bytes MCO stores.
    if let Some(mc) = expect["machineconfig"].as_object() {
        if got["machineconfig"]["ignition_raw"] != mc["ignition_raw"] {
            return Err(format!(
                "ignition_raw {}, want {}",
                got["machineconfig"]["ignition_raw"], mc["ignition_raw"]
            ));
        }
        if got["machineconfig"]["name"] != mc["name"] {
            return Err("machineconfig name differs".into());
        }
    }
    Ok(())
}

/// Drops nulls, empty objects/arrays and the zero-valued spec fields (README "Comparing").
fn normalise(v: &Value) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::Object(m) => {
            let out: serde_json::Map<String, Value> = m
                .iter()
                .filter(|(k, v)| {
                    !(matches!(
                        k.as_str(),
                        "osImageURL" | "baseOSExtensionsContainerImage" | "kernelType"
                    ) && v.as_str() == Some("")
                        || k.as_str() == "fips" && **v == Value::Bool(false))
                })
                .filter_map(|(k, v)| normalise(v).map(|v| (k.clone(), v)))
                .collect();
            (!out.is_empty()).then_some(Value::Object(out))
        }
        Value::Array(a) => {
            let out: Vec<Value> = a.iter().filter_map(normalise).collect();
            (!out.is_empty()).then_some(Value::Array(out))
        }
        other => Some(other.clone()),
    }
}

fn check_mc_case(case: &Path, expect: &Value) -> Result<(), String> {
    let a = json_file(&case.join("mc-args.json"));
    let (role, name, path) = (
        a["role"].as_str().unwrap(),
        a["name"].as_str().unwrap(),
        a["path"].as_str().unwrap(),
    );
    let base = [
        "render",
        "machineconfig",
        "--role",
        role,
        "--name",
        name,
        "--path",
        path,
    ];
    let mut args = base.to_vec();
    args.extend(["--format", "json", "file"]);
    let out = shortnames(case, &args);
    if !out.status.success() {
        return Err(format!("exit {:?}", out.status.code()));
    }
    let text = String::from_utf8(out.stdout).unwrap();
    // Byte for byte the `encoding/json` form MCO's client sends.
    if text.trim_end() != expect["machineconfig_json"].as_str().unwrap() {
        return Err(format!(
            "JSON:\n{text}\nwant\n{}",
            expect["machineconfig_json"]
        ));
    }
    let got: Value = serde_json::from_str(&text).unwrap();
    if normalise(&got) != normalise(&expect["machineconfig"]) {
        return Err("structural comparison failed".into());
    }
    let source = got["spec"]["config"]["storage"]["files"][0]["contents"]["source"]
        .as_str()
        .unwrap();
    let media = source
        .strip_prefix("data:")
        .and_then(|s| s.split(";base64,").next())
        .unwrap();
    if media != expect["media_type"].as_str().unwrap() {
        return Err(format!("media type {media}"));
    }
    if decode_data_url(source).unwrap() != std::fs::read(case.join("file")).unwrap() {
        return Err("the data URL does not decode back to the file".into());
    }
    // The YAML form, read back with the shared Kubernetes reader, is the same object.
    let mut args = base.to_vec();
    args.extend(["--format", "yaml", "file"]);
    let out = shortnames(case, &args);
    let docs = shortnames::kube::read_stream(&out.stdout);
    let yaml = docs[0]
        .as_ref()
        .map_err(|e| format!("YAML: {e}"))?
        .root
        .to_json();
    if normalise(&yaml) != normalise(&expect["machineconfig"]) {
        return Err(format!(
            "YAML form differs:\n{}",
            String::from_utf8_lossy(&out.stdout)
        ));
    }
    Ok(())
}

#[test]
fn every_render_case_passes_through_the_cli_contract() {
    let mut failures = Vec::new();
    let all = cases();
    for case in &all {
        let expect = json_file(&case.join("expect.json"));
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let r = if name.starts_with("mc-") {
            check_mc_case(case, &expect)
        } else {
            check_registries_case(case, &expect)
        };
        if let Err(e) = r {
            failures.push(format!("{name}: {e}"));
        }
    }
    eprintln!(
        "{}/{} render cases pass",
        all.len() - failures.len(),
        all.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn file_map(v: &Value) -> BTreeMap<String, Vec<u8>> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().as_bytes().to_vec()))
        .collect()
}

#[test]
fn every_disruption_golden() {
    let golden = json_file(&render_dir().join("disruption.json"));
    let cases = golden["cases"].as_array().unwrap();
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let input = &c["input"];
        let user = UserPolicy::from_json(&input["user_policy"]).unwrap();
        let d = decide(
            &file_map(&input["old_files"]),
            &file_map(&input["new_files"]),
            &user,
        )
        .unwrap();
        let got = d.to_json();
        let want = &c["result"];
        for key in [
            "actions",
            "drain",
            "diff_files",
            "per_file",
            "firstboot_actions",
        ] {
            if got[key] != want[key] {
                failures.push(format!(
                    "{name}: {key}: got {}, want {}",
                    got[key], want[key]
                ));
            }
        }
    }
    eprintln!(
        "{}/{} disruption goldens pass",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_shipped_alias_table_as_a_machineconfig_decodes_back_byte_for_byte() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let table = crate_dir.join("aliases/005-openshift-shortnames.conf");
    let bytes = std::fs::read(&table).unwrap();
    let node_path = "/etc/containers/registries.conf.d/005-openshift-shortnames.conf";
    for format in ["json", "yaml"] {
        let out = shortnames(
            crate_dir,
            &[
                "render",
                "machineconfig",
                "--role",
                "worker",
                "--name",
                "50-worker-shortnames",
                "--path",
                node_path,
                "--format",
                format,
                table.to_str().unwrap(),
            ],
        );
        assert!(out.status.success());
        let doc = if format == "json" {
            serde_json::from_slice::<Value>(&out.stdout).unwrap()
        } else {
            let docs = shortnames::kube::read_stream(&out.stdout);
            docs[0].as_ref().unwrap().root.to_json()
        };
        assert_eq!(doc["kind"], "MachineConfig");
        assert_eq!(
            doc["metadata"]["labels"]["machineconfiguration.openshift.io/role"],
            "worker"
        );
        let file = &doc["spec"]["config"]["storage"]["files"][0];
        assert_eq!(file["path"], node_path);
        assert_eq!(file["mode"], 420);
        assert_eq!(file["overwrite"], true);
        assert_eq!(file["contents"]["compression"], "");
        let url = file["contents"]["source"].as_str().unwrap();
        assert!(
            url.starts_with("data:text/plain;charset=utf-8;base64,"),
            "{url}"
        );
        assert_eq!(decode_data_url(url).unwrap(), bytes, "{format}");
        // Without a node-disruption policy a drop-in change reboots the node; say so.
        let note = String::from_utf8_lossy(&out.stderr);
        assert!(note.contains("reboot"), "{note}");
    }
    // With the policy, the command emits it and the change reloads CRI-O.
    let out = shortnames(
        crate_dir,
        &[
            "render",
            "machineconfig",
            "--role",
            "worker",
            "--name",
            "50-worker-shortnames",
            "--path",
            node_path,
            "--with-disruption-policy",
            table.to_str().unwrap(),
        ],
    );
    assert!(out.status.success());
    let docs = shortnames::kube::read_stream(&out.stdout);
    assert_eq!(docs.len(), 2);
    let mcfg = docs[1].as_ref().unwrap().root.to_json();
    assert_eq!(mcfg["kind"], "MachineConfiguration");
    let user = UserPolicy::from_json(&mcfg["spec"]["nodeDisruptionPolicy"]).unwrap();
    let d = decide(
        &BTreeMap::new(),
        &BTreeMap::from([(node_path.to_owned(), bytes)]),
        &user,
    )
    .unwrap();
    assert_eq!(d.outcome().as_str(), "reload");
    let note = String::from_utf8_lossy(&out.stderr);
    assert!(
        note.contains("reload crio.service without a drain"),
        "{note}"
    );
}

const IDMS_ITMS: &str = "apiVersion: config.openshift.io/v1
kind: ImageDigestMirrorSet
metadata: {name: digest}
spec:
  imageDigestMirrors:
  - source: registry.redhat.io
    mirrors: [mirror.example.net/rh, backup.example.net/rh]
---
apiVersion: config.openshift.io/v1
kind: ImageTagMirrorSet
metadata: {name: tags}
spec:
  imageTagMirrors:
  - source: registry.redhat.io/ubi9
    mirrors: [tags.example.net/ubi9]
  - source: quay.io
    mirrors: [quay-cache.example.net:5000]
    mirrorSourcePolicy: NeverContactSource
";

/// The same configuration written by hand, as containers-registries.conf(5) documents it.
const HAND_WRITTEN: &str = r#"
unqualified-search-registries = ["registry.access.redhat.com", "docker.io"]

[[registry]]
location = "registry.redhat.io"
[[registry.mirror]]
location = "mirror.example.net/rh"
pull-from-mirror = "digest-only"
[[registry.mirror]]
location = "backup.example.net/rh"
pull-from-mirror = "digest-only"

[[registry]]
location = "quay.io"
blocked = true
[[registry.mirror]]
location = "quay-cache.example.net:5000"
pull-from-mirror = "tag-only"

[[registry]]
location = "registry.redhat.io/ubi9"
[[registry.mirror]]
location = "tags.example.net/ubi9"
pull-from-mirror = "tag-only"
"#;

/// The endpoints of each name; the configuration's paths in messages become `CONF` / `DIR`.
fn endpoints(conf: &Path, dir: &Path, names: &[&str]) -> Vec<Value> {
    let (c, d) = (conf.to_str().unwrap(), dir.to_str().unwrap());
    let mut all = vec!["resolve", "--registries-conf", c, "--registries-conf-d", d];
    all.extend(["--format", "json"]);
    all.extend(names);
    let out = shortnames(Path::new(env!("CARGO_MANIFEST_DIR")), &all);
    let text = String::from_utf8(out.stdout)
        .unwrap()
        .replace(d, "DIR")
        .replace(c, "CONF");
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["lookups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let c = &l["candidates"][0];
            serde_json::json!({"sources": c["sources"], "registry": c["registry"], "error": l["error"]})
        })
        .collect()
}

#[test]
fn a_rendered_node_root_resolves_like_the_hand_written_files() {
    let tmp = tempfile::tempdir().unwrap();
    let objects = tmp.path().join("objects.yaml");
    std::fs::write(&objects, IDMS_ITMS).unwrap();
    let root = tmp.path().join("node");
    let out = shortnames(
        tmp.path(),
        &[
            "render",
            "registries",
            "--objects",
            objects.to_str().unwrap(),
            "--out",
            root.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let conf = root.join("etc/containers/registries.conf");
    let dropins = root.join("etc/containers/registries.conf.d");
    assert!(conf.is_file() && root.join("etc/containers/policy.json").is_file());

    let hand = tmp.path().join("hand");
    std::fs::create_dir_all(hand.join("registries.conf.d")).unwrap();
    std::fs::write(hand.join("registries.conf"), HAND_WRITTEN).unwrap();
    let digest = "@sha256:3f0d3e3a4b0c6a9d2c4f3e1b5a7d9c8e6f4a2b0d1c3e5f7a9b8d6c4e2f0a1b3c";
    let names: Vec<String> = [
        "registry.redhat.io/ubi9:latest".to_owned(),
        format!("registry.redhat.io/ubi9{digest}"),
        "registry.redhat.io/ubi8/ubi:8.10".to_owned(),
        format!("registry.redhat.io/ubi8/ubi{digest}"),
        "quay.io/app/x:1".to_owned(),
        format!("quay.io/app/x{digest}"),
        "docker.io/library/busybox:1".to_owned(),
    ]
    .to_vec();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let rendered = endpoints(&conf, &dropins, &names);
    let hand_conf = hand.join("registries.conf");
    let hand_d = hand.join("registries.conf.d");
    let expected = endpoints(&hand_conf, &hand_d, &names);
    assert_eq!(rendered.len(), names.len());
    for ((name, got), want) in names.iter().zip(&rendered).zip(&expected) {
        // Locations are compared by value: the rendered entries spell no prefix.
        assert_eq!(got["sources"], want["sources"], "{name}");
        assert_eq!(got["error"], want["error"], "{name}");
    }
    // `resolve --sysroot DIR` discovers the same files below the node root.
    let mut args = vec![
        "resolve",
        "--sysroot",
        root.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend(names.iter().copied());
    let out = shortnames(tmp.path(), &args);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    // Exit status 1 exactly when a lookup fails or has no usable endpoint (all blocked).
    let failing = doc["lookups"].as_array().unwrap().iter().any(|l| {
        !l["error"].is_null()
            || !l["candidates"].as_array().unwrap().iter().any(|c| {
                c["sources"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| s["error"].is_null())
            })
    });
    assert_eq!(
        out.status.code(),
        Some(i32::from(failing)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (i, l) in doc["lookups"].as_array().unwrap().iter().enumerate() {
        let got: Vec<&str> = l["candidates"][0]["sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["reference"].as_str().unwrap())
            .collect();
        let want: Vec<&str> = expected[i]["sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["reference"].as_str().unwrap())
            .collect();
        assert_eq!(got, want, "--sysroot: {}", names[i]);
    }
    // And the library agrees with the engine on hand-written files.
    let resolver = shortnames::Resolver::new(
        &shortnames::ConfigSources::new()
            .registries_conf(&hand_conf)
            .registries_conf_d(&hand_d),
    );
    let r = resolver
        .resolve(&format!("registry.redhat.io/ubi9{digest}"))
        .unwrap();
    let refs: Vec<String> = r.candidates[0]
        .sources
        .as_ref()
        .unwrap()
        .iter()
        .map(|s| s.reference.as_str().to_owned())
        .collect();
    let from_render: Vec<String> = rendered[1]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reference"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(refs, from_render);
    // The ITMS for ubi9 hides the IDMS mirrors of registry.redhat.io for digest pulls of ubi9
    // (spec rule 18, PITFALL): the digest pull goes to the source only.
    assert_eq!(refs, [format!("registry.redhat.io/ubi9{digest}")]);
}

#[test]
fn previous_reports_what_the_node_does() {
    let tmp = tempfile::tempdir().unwrap();
    let v1 = tmp.path().join("v1.yaml");
    std::fs::write(
        &v1,
        "apiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet\nmetadata: {name: d}\nspec:\n  imageDigestMirrors:\n  - source: registry.redhat.io\n    mirrors: [mirror.example.net/rh]\n",
    )
    .unwrap();
    let v2 = tmp.path().join("v2.yaml");
    std::fs::write(
        &v2,
        "apiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet\nmetadata: {name: d}\nspec:\n  imageDigestMirrors:\n  - source: registry.redhat.io\n    mirrors: [mirror.example.net/rh, mirror2.example.net/rh]\n",
    )
    .unwrap();
    let v3 = tmp.path().join("v3.yaml");
    std::fs::write(
        &v3,
        "apiVersion: config.openshift.io/v1\nkind: ImageTagMirrorSet\nmetadata: {name: t}\nspec:\n  imageTagMirrors:\n  - source: registry.redhat.io\n    mirrors: [tags.example.net/rh]\n---\napiVersion: config.openshift.io/v1\nkind: Image\nmetadata: {name: cluster}\nspec:\n  registrySources:\n    containerRuntimeSearchRegistries: [quay.io]\n",
    )
    .unwrap();
    let root = tmp.path().join("node");
    let run = |objects: &Path, extra: &[&str]| {
        let mut args = vec![
            "render",
            "registries",
            "--objects",
            objects.to_str().unwrap(),
            "--format",
            "json",
        ];
        args.extend(extra);
        let out = shortnames(tmp.path(), &args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let r = root.to_str().unwrap();
    run(&v1, &["--out", r]);
    // No change: nothing happens.
    let same = run(&v1, &["--previous", r]);
    assert_eq!(same["disruption"]["outcome"], "none");
    assert_eq!(same["disruption"]["diff_files"], serde_json::json!([]));
    // An added digest mirror: CRI-O reload, no drain.
    let d = run(&v2, &["--previous", r]);
    assert_eq!(d["disruption"]["outcome"], "reload", "{}", d["disruption"]);
    assert_eq!(d["disruption"]["drain"], false);
    // A tag mirror replacing the digest mirror plus MCO's search drop-in: reboot.
    let d = run(&v3, &["--previous", r]);
    assert_eq!(d["disruption"]["outcome"], "reboot", "{}", d["disruption"]);
    // With a user policy covering the drop-in directory: drain (ITMS change) + reload.
    let policy = tmp.path().join("mcfg.yaml");
    std::fs::write(
        &policy,
        "apiVersion: operator.openshift.io/v1\nkind: MachineConfiguration\nmetadata: {name: cluster}\nspec:\n  nodeDisruptionPolicy:\n    files:\n    - path: /etc/containers/registries.conf.d\n      actions: [{type: Reload, reload: {serviceName: crio.service}}]\n",
    )
    .unwrap();
    let d = run(
        &v3,
        &[
            "--previous",
            r,
            "--disruption-policy",
            policy.to_str().unwrap(),
        ],
    );
    assert_eq!(d["disruption"]["outcome"], "drain", "{}", d["disruption"]);
    // The library gives the same answer on the same files.
    let objects = ClusterObjects::read(&std::fs::read(&v3).unwrap()).unwrap();
    let new: BTreeMap<String, Vec<u8>> = render_registries(&objects, None)
        .node_files(None)
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect();
    let mut old = BTreeMap::new();
    for p in [
        "/etc/containers/registries.conf",
        "/etc/containers/policy.json",
    ] {
        old.insert(
            p.to_owned(),
            std::fs::read(root.join(p.trim_start_matches('/'))).unwrap(),
        );
    }
    let lib = decide(&old, &new, &UserPolicy::default()).unwrap();
    assert_eq!(lib.to_json(), {
        let d = run(&v3, &["--previous", r]);
        d["disruption"].clone()
    });
}

fn check_codes(case: &str) -> (Option<i32>, Vec<String>) {
    let objects = render_dir().join("cases").join(case).join("objects.yaml");
    let out = shortnames(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &[
            "check",
            "--cluster-objects",
            objects.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap().to_owned())
        .collect();
    (out.status.code(), codes)
}

#[test]
fn check_cluster_objects_reports_the_pitfalls() {
    for (case, code) in [
        (
            "hand-itms-shadows-idms-parent",
            "render/shadowed-digest-mirrors",
        ),
        (
            "hand-idms-shadows-itms-parent",
            "render/shadowed-tag-mirrors",
        ),
        ("hand-insecure-host-not-port", "render/port-scope-mismatch"),
        (
            "hand-blocked-payload-two-scopes-no-mirror",
            "render/payload-protection-drop",
        ),
        ("hand-idms-merge-cycle", "render/source-kept-as-mirror"),
        (
            "hand-blocked-payload-repo-exact-with-mirror",
            "render/policy-default-reject",
        ),
    ] {
        let (status, codes) = check_codes(case);
        assert_eq!(status, Some(0), "{case}");
        assert!(codes.iter().any(|c| c == code), "{case}: {codes:?}");
    }
    // A finding points at the mirror entry's source in the manifest.
    let objects = render_dir().join("cases/hand-itms-shadows-idms-parent/objects.yaml");
    let out = shortnames(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &[
            "check",
            "--cluster-objects",
            objects.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &doc["findings"][0];
    let text = std::fs::read_to_string(&objects).unwrap();
    let line = text
        .lines()
        .nth(d["line"].as_u64().unwrap() as usize - 1)
        .unwrap();
    let col = d["column"].as_u64().unwrap() as usize - 1;
    assert_eq!(&line[col..], "registry.redhat.io/ubi9", "{d}");
    assert_eq!(d["file"], objects.to_str().unwrap());
    // MCO's refusal is an error.
    let (status, codes) = check_codes("hand-allowed-invalid-wildcard");
    assert_eq!(status, Some(1));
    assert_eq!(codes, ["render/mco-refuses"]);
    // A plain mirror set is not surprising.
    let (status, codes) = check_codes("rand-000");
    assert_eq!((status, codes), (Some(0), Vec::<String>::new()));
}

#[test]
fn explain_cluster_objects_on_the_openshift_node_profile() {
    let tmp = tempfile::tempdir().unwrap();
    let objects = tmp.path().join("objects.yaml");
    std::fs::write(&objects, IDMS_ITMS).unwrap();
    let profile = render_dir().join("../scan/profiles/openshift");
    assert!(profile.is_dir(), "missing {}", profile.display());
    let explain = |name: &str| -> Value {
        let out = shortnames(
            tmp.path(),
            &[
                "explain",
                "--cluster-objects",
                objects.to_str().unwrap(),
                "--node-profile",
                profile.to_str().unwrap(),
                "--format",
                "json",
                name,
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let digest = "@sha256:3f0d3e3a4b0c6a9d2c4f3e1b5a7d9c8e6f4a2b0d1c3e5f7a9b8d6c4e2f0a1b3c";
    let e = explain(&format!("registry.redhat.io/ubi8/ubi{digest}"));
    assert_eq!(
        e["sources"],
        serde_json::json!([
            format!("mirror.example.net/rh/ubi8/ubi{digest}"),
            format!("backup.example.net/rh/ubi8/ubi{digest}"),
            format!("registry.redhat.io/ubi8/ubi{digest}"),
        ])
    );
    // The profile's alias drop-ins still apply, and their file is named as on the node.
    let e = explain("rhel9/podman");
    assert_eq!(
        e["sources"],
        serde_json::json!(["registry.redhat.io/rhel9/podman:latest"])
    );
    let text = e.to_string();
    assert!(
        text.contains("/etc/containers/registries.conf.d/002-rhel-shortnames-overrides.conf"),
        "{text}"
    );
}

#[test]
fn bad_objects_are_refused_with_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |text: &str| {
        let f = tmp.path().join("objects.yaml");
        std::fs::write(&f, text).unwrap();
        let out = shortnames(
            tmp.path(),
            &["render", "registries", "--objects", "objects.yaml"],
        );
        (
            out.status.code(),
            String::from_utf8(out.stderr).unwrap(),
            out.stdout,
        )
    };
    let (code, err, stdout) = run("apiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet\nmetadata: {name: a}\nspec:\n  imageDigestMirrors:\n  - source: registry.redhat.io\n    mirrors: [m.example.net/rh, 5]\n");
    assert_eq!(code, Some(1));
    assert!(stdout.is_empty());
    assert!(
        err.contains("objects.yaml:7:14: ImageDigestMirrorSet \"a\": spec.imageDigestMirrors[0].mirrors: expected a list of strings"),
        "{err}"
    );
    // A document that does not parse stops everything (no partial render).
    let (code, err, stdout) = run("apiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet\nmetadata: {name: a}\nspec: {imageDigestMirrors: [{source: quay.io, mirrors: [m.example.net/q]}]}\n---\nbad: [\n");
    assert_eq!(code, Some(1));
    assert!(stdout.is_empty());
    assert!(err.contains("objects.yaml:"), "{err}");
}

#[test]
fn every_disruption_golden_through_the_cli() {
    let golden = json_file(&render_dir().join("disruption.json"));
    let cases = golden["cases"].as_array().unwrap();
    let mut failures = Vec::new();
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let write_root = |dir: &Path, files: &Value| {
            std::fs::create_dir_all(dir).unwrap();
            for (path, content) in files.as_object().unwrap() {
                let p = dir.join(path.trim_start_matches('/'));
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(p, content.as_str().unwrap()).unwrap();
            }
        };
        let (old, new) = (tmp.path().join("old"), tmp.path().join("new"));
        write_root(&old, &c["input"]["old_files"]);
        write_root(&new, &c["input"]["new_files"]);
        // The user's policy as the MachineConfiguration object an administrator writes.
        let policy = tmp.path().join("mcfg.json");
        let mcfg = serde_json::json!({
            "apiVersion": "operator.openshift.io/v1",
            "kind": "MachineConfiguration",
            "metadata": {"name": "cluster"},
            "spec": {"nodeDisruptionPolicy": c["input"]["user_policy"]},
        });
        std::fs::write(&policy, mcfg.to_string()).unwrap();
        let out = shortnames(
            tmp.path(),
            &[
                "render",
                "disruption",
                "--previous",
                "old",
                "--next",
                "new",
                "--disruption-policy",
                "mcfg.json",
                "--format",
                "json",
            ],
        );
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: Value = serde_json::from_slice(&out.stdout).unwrap();
        for key in [
            "actions",
            "drain",
            "diff_files",
            "per_file",
            "firstboot_actions",
        ] {
            if got[key] != c["result"][key] {
                failures.push(format!(
                    "{name}: {key}: got {}, want {}",
                    got[key], c["result"][key]
                ));
            }
        }
    }
    eprintln!(
        "{}/{} disruption goldens pass through the CLI",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn files_format_prints_each_file_after_its_path_and_warnings_on_stderr() {
    let case = render_dir().join("cases/hand-blocked-payload-two-scopes-no-mirror");
    let expect = json_file(&case.join("expect.json"));
    let out = shortnames(
        &case,
        &["render", "registries", "--objects", "objects.yaml"],
    );
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut want = String::new();
    for path in [
        "/etc/containers/registries.conf",
        "/etc/containers/policy.json",
    ] {
        let content = expect["files"][path].as_str().unwrap();
        want.push_str(&format!("# {path}\n{content}"));
        if !content.ends_with('\n') {
            want.push('\n');
        }
    }
    assert_eq!(stdout, want);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr.trim_end(),
        format!(
            "shortnames: warning: {}",
            expect["warnings"][0].as_str().unwrap()
        )
    );
    // MCO's refusal: its message on stderr, exit status 1, nothing on stdout.
    let case = render_dir().join("cases/hand-allowed-invalid-wildcard");
    let expect = json_file(&case.join("expect.json"));
    let out = shortnames(
        &case,
        &["render", "registries", "--objects", "objects.yaml"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains(expect["error"]["message"].as_str().unwrap()));
}
