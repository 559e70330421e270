//! Runs every case of the discovery corpus (`../shared/conformance-discovery`) through the
//! `shortnames` binary for both `--compat` targets, exactly as the corpus README's CLI
//! contract says: a fresh copy of the case (symlinks preserved), an exact environment, working
//! directory W, stdin /dev/null, `resolve --format json --sysroot W/root --names-from
//! names.txt --compat V`, path placeholders rewritten, compared by the corpus rules. Also
//! checks that resolving creates no file or directory.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

const VERSIONS: [&str; 2] = ["v5.23", "v5.40"];

fn corpus_dir() -> PathBuf {
    let dir = match std::env::var_os("SHORTNAMES_DISCOVERY_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance-discovery/cases"),
    };
    assert!(
        dir.is_dir(),
        "the discovery corpus is missing: {} (expected ../shared beside the crate)",
        dir.display()
    );
    dir
}

/// The corpus assumes a host without any containers configuration of its own; on another
/// host the cases would not test what they say, so the test fails instead of passing by luck.
fn assert_bare_host() {
    for p in [
        "/etc/containers",
        "/var/cache/containers",
        "/usr/share/containers/registries.conf",
        "/usr/share/containers/registries.conf.d",
    ] {
        assert!(
            fs::symlink_metadata(p).is_err(),
            "this host has {p}: the discovery corpus needs a host without containers \
             configuration (see its README); run the test in a clean container"
        );
    }
}

/// Whether a regular file of the case is a symbolic link that lost its nature on the way
/// (git with `core.symlinks=false` stores a link as a file holding the target, without a
/// newline). Every configuration file of the corpus starts with `# file-id:` and every file
/// ends with a newline, so a one-line file without either is a lost link.
fn lost_symlink_target(path: &Path) -> Option<String> {
    let bytes = fs::read(path).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let looks_like_target = !text.is_empty()
        && text.len() < 4096
        && !text.contains('\n')
        && !text.starts_with('#')
        && !text.contains(['=', '[', '"']);
    looks_like_target.then_some(text)
}

const CASE_META: &[&str] = &["env.json", "uid", "names.txt", "about.txt"];

/// Copies `src` into `dst`, keeping symbolic links as links. Returns how many lost links
/// were restored.
fn copy_case(src: &Path, dst: &Path, top: bool) -> usize {
    let mut restored = 0;
    fs::create_dir_all(dst).unwrap();
    for entry in fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let (from, to) = (entry.path(), dst.join(&name));
        let ty = entry.file_type().unwrap();
        let meta_file = top
            && (CASE_META.contains(&name.to_str().unwrap_or_default())
                || name.to_string_lossy().starts_with("expect-"));
        if ty.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(&from).unwrap(), &to).unwrap();
        } else if ty.is_dir() {
            restored += copy_case(&from, &to, false);
        } else if let Some(target) = (!meta_file).then(|| lost_symlink_target(&from)).flatten() {
            std::os::unix::fs::symlink(target, &to).unwrap();
            restored += 1;
        } else {
            fs::write(&to, fs::read(&from).unwrap()).unwrap();
        }
    }
    restored
}

/// Every path below `dir` (not following links).
fn tree(dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            }
            out.insert(e.path());
        }
    }
    out
}

/// Go's `filepath.Join(w, v)` for the corpus's plain relative paths.
fn join_clean(w: &Path, v: &str) -> PathBuf {
    let mut p = w.to_path_buf();
    for comp in v.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                p.pop();
            }
            c => p.push(c),
        }
    }
    p
}

/// Whether `c` can continue a file name (so a placeholder must not end before it).
fn continues_name(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '+' | '~' | '@')
}

/// README step 6: `W/root` → `<root>`, `W/home` → `<home>`, other `W` → `<case>`.
fn rewrite(s: &str, w: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(w) {
        out.push_str(&rest[..i]);
        let after = &rest[i + w.len()..];
        let mut done = false;
        for (sub, placeholder) in [("/root", "<root>"), ("/home", "<home>"), ("", "<case>")] {
            if let Some(tail) = after.strip_prefix(sub) {
                if !tail.chars().next().is_some_and(continues_name) {
                    out.push_str(placeholder);
                    rest = tail;
                    done = true;
                    break;
                }
            }
        }
        if !done {
            out.push_str(w);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn rewrite_value(v: &mut Value, w: &str) {
    match v {
        Value::String(s) => *s = rewrite(s, w),
        Value::Array(a) => a.iter_mut().for_each(|x| rewrite_value(x, w)),
        Value::Object(o) => o.values_mut().for_each(|x| rewrite_value(x, w)),
        _ => {}
    }
}

/// The command of the CLI contract for the case copied to `w`, with the exact environment.
fn contract_command(w: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shortnames"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", w.join("home"))
        .current_dir(w)
        .stdin(Stdio::null())
        .args(args);
    let uid = fs::read_to_string(w.join("uid")).unwrap();
    cmd.env("_CONTAINERS_ROOTLESS_UID", uid.trim());
    let env: Value =
        serde_json::from_str(&fs::read_to_string(w.join("env.json")).unwrap()).unwrap();
    for (k, v) in env.as_object().unwrap() {
        let v = v.as_str().unwrap();
        if v.is_empty() {
            cmd.env(k, "");
        } else {
            cmd.env(k, join_clean(w, v));
        }
    }
    cmd
}

/// Runs one case for one version; `Err` describes the first difference.
fn run_case(case: &Path, version: &str) -> Result<(), String> {
    let tmp = tempfile::tempdir().unwrap();
    // A path without symbolic links, as the contract requires.
    let w = fs::canonicalize(tmp.path()).unwrap().join("w");
    copy_case(case, &w, true);
    let before = tree(&w);
    let root = w.join("root");
    let out = contract_command(
        &w,
        &[
            "resolve",
            "--format",
            "json",
            "--sysroot",
            root.to_str().unwrap(),
            "--names-from",
            "names.txt",
            "--compat",
            version,
        ],
    )
    .output()
    .unwrap();
    let code = out.status.code();
    if !matches!(code, Some(0 | 1)) {
        return Err(format!(
            "exit status {code:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    if fs::symlink_metadata("/var/cache/containers").is_ok() {
        return Err("resolving created /var/cache/containers".into());
    }
    let after = tree(&w);
    if after != before {
        let new: Vec<_> = after.difference(&before).collect();
        return Err(format!("resolving created files: {new:?}"));
    }
    let mut got: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "output is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    rewrite_value(&mut got, w.to_str().unwrap());
    let want: Value = serde_json::from_str(
        &fs::read_to_string(case.join(format!("expect-{version}.json"))).unwrap(),
    )
    .unwrap();
    common::compare("", &got, &want)?;
    // Exit status 1 also when a lookup has no endpoint a pull may use (every source refused).
    let no_usable_endpoint = |l: &Value| {
        !l["candidates"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|c| c["sources"].as_array().into_iter().flatten())
            .any(|s| s["error"].is_null())
    };
    let failed = got["config_error"].is_object()
        || got["lookups"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|l| !l["error"].is_null() || no_usable_endpoint(l));
    if code != Some(u8::from(failed).into()) {
        return Err(format!("exit status {code:?} with failed={failed}"));
    }
    Ok(())
}

fn cases() -> Vec<PathBuf> {
    let dir = corpus_dir();
    let mut v: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expect-v5.23.json").is_file())
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no discovery cases in {}", dir.display());
    v
}

#[test]
fn discovery_corpus_both_versions() {
    assert_bare_host();
    let cases = cases();
    let mut failures = Vec::new();
    for version in VERSIONS {
        let mut passed = 0;
        for case in &cases {
            match run_case(case, version) {
                Ok(()) => passed += 1,
                Err(e) => failures.push(format!(
                    "{} --compat {version}: {e}",
                    case.file_name().unwrap().to_string_lossy()
                )),
            }
        }
        eprintln!(
            "discovery --compat {version}: {passed}/{} cases pass",
            cases.len()
        );
    }
    assert!(
        failures.is_empty(),
        "{} discovery runs fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn placeholders_only_replace_whole_path_prefixes() {
    let w = "/tmp/x/w";
    assert_eq!(rewrite("/tmp/x/w/root/etc", w), "<root>/etc");
    assert_eq!(rewrite("\"/tmp/x/w/home\"", w), "\"<home>\"");
    assert_eq!(rewrite("/tmp/x/w/rooted/a", w), "<case>/rooted/a");
    assert_eq!(
        rewrite("open /tmp/x/w/custom: x", w),
        "open <case>/custom: x"
    );
    assert_eq!(rewrite("/tmp/x/wx", w), "/tmp/x/wx");
}

/// An alias added with `alias add` (no path option: the discovered cache of a rootless
/// user) is what `resolve` and `explain` answer with, also using discovery only.
#[test]
fn alias_added_is_alias_resolved() {
    assert_bare_host();
    let tmp = tempfile::tempdir().unwrap();
    let w = fs::canonicalize(tmp.path()).unwrap();
    let home = w.join("home");
    fs::create_dir_all(home.join(".config/containers")).unwrap();
    fs::write(
        home.join(".config/containers/registries.conf"),
        "unqualified-search-registries = [\"docker.io\"]\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_shortnames"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &home)
            .env("_CONTAINERS_ROOTLESS_UID", "1000")
            .current_dir(&w)
            .stdin(Stdio::null())
            .args(args);
        cmd.output().unwrap()
    };
    for compat in VERSIONS {
        // Before: the search list (the squatting risk aliases prevent).
        let out = run(&["resolve", "--format", "json", "--compat", compat, "myapp"]);
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            doc["lookups"][0]["resolution"], "search-registries",
            "{doc}"
        );
    }
    let out = run(&["alias", "add", "myapp", "quay.io/me/myapp"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cache = home.join(".cache/containers/short-name-aliases.conf");
    assert!(cache.is_file(), "alias add wrote {}", cache.display());
    for compat in VERSIONS {
        let out = run(&["resolve", "--format", "json", "--compat", compat, "myapp"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let l = &doc["lookups"][0];
        assert_eq!(l["resolution"], "alias", "{doc}");
        assert_eq!(l["origin"], cache.to_str().unwrap());
        assert_eq!(l["candidates"][0]["reference"], "quay.io/me/myapp:latest");
        let out = run(&["explain", "--format", "json", "--compat", compat, "myapp"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let e: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(e["sources"][0], "quay.io/me/myapp:latest", "{e}");
        let out = run(&["alias", "list", "--format", "json", "--compat", compat]);
        let l: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(l["user_aliases"], cache.to_str().unwrap());
        assert!(l["aliases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["name"] == "myapp" && a["effective"] == true));
    }
    let out = run(&["alias", "remove", "myapp"]);
    assert!(out.status.success());
    let out = run(&["resolve", "--format", "json", "myapp"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["lookups"][0]["resolution"], "search-registries");
}

/// Built-in defaults apply only when discovery finds no file, and stderr says so.
#[test]
fn builtin_defaults_only_without_any_file() {
    assert_bare_host();
    let tmp = tempfile::tempdir().unwrap();
    let home = fs::canonicalize(tmp.path()).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_shortnames"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &home)
            .env("_CONTAINERS_ROOTLESS_UID", "1000")
            .stdin(Stdio::null())
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["resolve", "--format", "json", "ubi9"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("built-in alias table"));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["lookups"][0]["resolution"], "alias");
    let d = home.join(".config/containers/registries.conf.d");
    fs::create_dir_all(&d).unwrap();
    fs::write(d.join("10.conf"), "short-name-mode = \"enforcing\"\n").unwrap();
    for compat in VERSIONS {
        let out = run(&["resolve", "--format", "json", "--compat", compat, "ubi9"]);
        assert!(!String::from_utf8_lossy(&out.stderr).contains("built-in"));
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            doc["lookups"][0]["error"]["kind"], "no-search-registries",
            "{doc}"
        );
    }
}
