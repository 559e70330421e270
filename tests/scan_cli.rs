//! `shortnames scan` beyond the corpus: directory profiles (host-independent), CRI-O mode
//! files, usage errors, stdin, directories of manifests, text output.
#![cfg(feature = "yaml")]

mod scan_support;

use std::fs;
use std::path::Path;

use scan_support::{shortnames, shortnames_with_stdin};

const POD: &[u8] =
    b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: app:1\n";

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// A node root with only what is written here: the result cannot depend on the host's
/// /etc/containers or $HOME.
#[test]
fn directory_profile_reads_only_its_root() {
    let tmp = tempfile::tempdir().unwrap();
    let node = tmp.path().join("node");
    write(
        &node.join("etc/containers/registries.conf"),
        "unqualified-search-registries = [\"registry.example.test\", \"quay.io\"]\nshort-name-mode = \"disabled\"\n",
    );
    write(
        &node.join("var/cache/containers/short-name-aliases.conf"),
        "[aliases]\n\"cached\" = \"quay.io/team/cached\"\n",
    );
    fs::write(tmp.path().join("pod.yaml"), POD).unwrap();
    let run = shortnames(
        tmp.path(),
        &[
            "scan",
            "--node-profile",
            "node",
            "--format",
            "json",
            "pod.yaml",
        ],
    );
    let v = run.json();
    assert_eq!(v["profile"]["name"], "node");
    // registries.conf's short-name-mode is ignored: no CRI-O file, so CRI-O's default.
    assert_eq!(v["profile"]["short_name_mode"], "enforcing");
    assert_eq!(
        v["profile"]["search_registries_origin"],
        "/etc/containers/registries.conf"
    );
    let img = &v["files"][0]["images"][0];
    assert_eq!(
        img["candidates"],
        serde_json::json!(["registry.example.test/app:1", "quay.io/app:1"])
    );
    assert_eq!(img["error"]["kind"], "short-name-ambiguous");
    assert_eq!(img["fix"], "registry.example.test/app:1");
    assert_eq!(img["fix_basis"], "first-search-registry");
    assert_eq!(run.code, 1);

    // CRI-O's drop-in turns the mode off; the root alias cache is read.
    write(
        &node.join("etc/crio/crio.conf.d/50-mode.conf"),
        "[crio.image]\nshort_name_mode = \"disabled\"\n",
    );
    fs::write(
        tmp.path().join("pod.yaml"),
        String::from_utf8_lossy(POD).replace("app:1", "cached:2"),
    )
    .unwrap();
    let run = shortnames(
        tmp.path(),
        &[
            "scan",
            "--node-profile",
            "./node",
            "--format",
            "json",
            "pod.yaml",
        ],
    );
    let v = run.json();
    assert_eq!(v["profile"]["short_name_mode"], "disabled");
    let img = &v["files"][0]["images"][0];
    assert_eq!(img["resolution"], "alias");
    assert_eq!(
        img["origin"],
        "/var/cache/containers/short-name-aliases.conf"
    );
    assert_eq!(
        img["candidates"],
        serde_json::json!(["quay.io/team/cached:2"])
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn an_empty_node_root_has_no_search_registries() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join("empty")).unwrap();
    fs::write(tmp.path().join("pod.yaml"), POD).unwrap();
    let run = shortnames(
        tmp.path(),
        &[
            "scan",
            "--node-profile",
            "./empty",
            "--format",
            "json",
            "pod.yaml",
        ],
    );
    let v = run.json();
    assert_eq!(v["profile"]["search_registries"], serde_json::json!([]));
    let img = &v["files"][0]["images"][0];
    assert_eq!(img["error"]["kind"], "no-search-registries");
    assert_eq!(img["fix"], "docker.io/library/app:1");
    assert_eq!(run.code, 1);
}

#[test]
fn usage_errors_exit_2_broken_profiles_and_inputs_exit_1() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("pod.yaml"), POD).unwrap();
    let run = shortnames(
        tmp.path(),
        &["scan", "--node-profile", "nosuch", "pod.yaml"],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown node profile \"nosuch\""),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("crio-default"));

    let node = tmp.path().join("bad");
    write(
        &node.join("etc/crio/crio.conf"),
        "[crio.image]\nshort_name_mode = \"permissive\"\n",
    );
    let run = shortnames(tmp.path(), &["scan", "--node-profile", "./bad", "pod.yaml"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("/etc/crio/crio.conf: invalid short name mode \"permissive\""),
        "{}",
        run.stderr
    );

    let node = tmp.path().join("badconf");
    write(
        &node.join("etc/containers/registries.conf"),
        "unqualified-search-registries = [\n",
    );
    let run = shortnames(
        tmp.path(),
        &["scan", "--node-profile", "./badconf", "pod.yaml"],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("/etc/containers/registries.conf"),
        "{}",
        run.stderr
    );

    let run = shortnames(tmp.path(), &["scan", "missing.yaml"]);
    assert_eq!(run.code, 1);
    let run = shortnames(tmp.path(), &["scan", "--format", "xml", "pod.yaml"]);
    assert_eq!(run.code, 2);
    let run = shortnames(tmp.path(), &["scan"]);
    assert_eq!(run.code, 2);
}

#[test]
fn fifo_is_refused_without_hanging() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("pipe.yaml");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let run = shortnames(tmp.path(), &["scan", "pipe.yaml"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("pipe.yaml: not a regular file"),
        "{}",
        run.stderr
    );
}

#[test]
fn stdin_and_directories() {
    let tmp = tempfile::tempdir().unwrap();
    let run = shortnames_with_stdin(
        tmp.path(),
        &[
            "scan",
            "--node-profile",
            "kubeadm-ubuntu",
            "--format",
            "json",
            "-",
        ],
        Some(POD),
    );
    let v = run.json();
    assert_eq!(v["files"][0]["file"], "-");
    assert_eq!(v["summary"]["images"], 1);
    assert_eq!(run.code, 0);

    let d = tmp.path().join("charts");
    write(&d.join("b/two.yml"), &String::from_utf8_lossy(POD));
    write(&d.join("a.yaml"), &String::from_utf8_lossy(POD));
    write(
        &d.join("c.json"),
        r#"{"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"image": "quay.io/x/y:1"}]}}"#,
    );
    write(&d.join("notes.txt"), "image: nginx\n");
    write(&d.join(".hidden/x.yaml"), &String::from_utf8_lossy(POD));
    let run = shortnames(
        tmp.path(),
        &[
            "scan",
            "--node-profile",
            "kubeadm-ubuntu",
            "--format",
            "json",
            "charts",
        ],
    );
    let v = run.json();
    let files: Vec<&str> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        ["charts/a.yaml", "charts/b/two.yml", "charts/c.json"]
    );
    assert_eq!(v["summary"]["images"], 3);
    // Not a terminal: no progress line.
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn text_output_groups_findings_by_file() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("pod.yaml"), POD).unwrap();
    fs::write(
        tmp.path().join("ok.yaml"),
        String::from_utf8_lossy(POD).replace("app:1", "quay.io/app:1"),
    )
    .unwrap();
    let run = shortnames(
        tmp.path(),
        &[
            "scan",
            "--node-profile",
            "crio-default",
            "ok.yaml",
            "pod.yaml",
        ],
    );
    assert_eq!(run.code, 1);
    let out = String::from_utf8(run.stdout).unwrap();
    assert_eq!(
        out,
        "pod.yaml\n  pod.yaml:7:12: error: \"app:1\" (Pod/p a): short name mode is enforcing, but image name app:1 returns ambiguous list\n      fix: docker.io/library/app:1 (docker-hub)\n\n2 file(s), 2 image(s), 1 short name(s): 1 error(s), 0 warning(s) on node profile crio-default (short_name_mode enforcing, search registries: registry.fedoraproject.org, registry.access.redhat.com, docker.io)\n"
    );
}

#[test]
fn text_output_escapes_control_characters() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(
        tmp.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: \"p\\e[31m\"}\nspec:\n  containers:\n  - name: a\n    image: \"x\\e[2J\"\n",
    )
    .unwrap();
    let run = shortnames(tmp.path(), &["scan", "pod.yaml"]);
    assert_eq!(run.code, 1);
    let out = String::from_utf8(run.stdout).unwrap();
    assert!(!out.contains('\x1b'), "{out:?}");
    assert!(
        out.contains("invalid-image-name") || out.contains("cannot parse"),
        "{out}"
    );
}

#[test]
fn fix_follows_symbolic_links_and_keeps_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("real.yaml"), POD).unwrap();
    fs::set_permissions(
        tmp.path().join("real.yaml"),
        fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    std::os::unix::fs::symlink("real.yaml", tmp.path().join("link.yaml")).unwrap();
    let run = shortnames(
        tmp.path(),
        &[
            "scan",
            "--node-profile",
            "kubeadm-ubuntu",
            "--fix",
            "link.yaml",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(fs::symlink_metadata(tmp.path().join("link.yaml"))
        .unwrap()
        .file_type()
        .is_symlink());
    let fixed = fs::read_to_string(tmp.path().join("real.yaml")).unwrap();
    assert!(
        fixed.contains("image: docker.io/library/app:1\n"),
        "{fixed}"
    );
    let mode = fs::metadata(tmp.path().join("real.yaml"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
    let leftovers: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "{leftovers:?}");
}
