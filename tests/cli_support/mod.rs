//! A temporary directory with configurations, credential files and name lists for the CLI
//! tests (every path is explicit: nothing of the host's configuration is read).

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub struct Fixture {
    pub dir: tempfile::TempDir,
}

fn b64(s: &str) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A secret that must never appear in any output.
pub const SECRET: &str = "s3cr3t-pw";

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        let w = |name: &str, text: &str| std::fs::write(p.join(name), text).unwrap();
        w(
            "good.conf",
            "unqualified-search-registries = [\"quay.io\"]\n\n[[registry]]\nlocation = \"quay.io\"\n[[registry.mirror]]\nlocation = \"mirror.example.com/quay\"\n\n[aliases]\nmyapp = \"quay.io/team/myapp\"\n",
        );
        w(
            "blocked.conf",
            "unqualified-search-registries = [\"evil.example.com\"]\n\n[[registry]]\nlocation = \"evil.example.com\"\nblocked = true\n",
        );
        w(
            "broken.conf",
            "unqualified-search-registries = [\"quay.io\", 5]\nshort-name-mode = \"prompt\"\n\n[[registry]]\nlocation = \"quay.io\"\ninsecure = \"false\"\n",
        );
        w("warn.conf", "unqualified-search-registries = [\"quay.io\"]\n[[registry]]\nlocation = \"quay.io\"\nmirror-by-digest-onyl = true\n");
        std::fs::create_dir(p.join("d")).unwrap();
        w(
            "ns.json",
            &format!(
                "{{\"auths\": {{\"quay.io\": {{\"auth\": \"{}\"}}}}}}",
                b64(&format!("robot:{SECRET}"))
            ),
        );
        w(
            "bad.json",
            &format!(
                "{{\"auths\": {{\"quay.io\": {{\"auth\": \"{}\"}}, \"bad.io\": {{\"auth\": \"not base64!\"}}}}}}",
                b64(&format!("robot:{SECRET}"))
            ),
        );
        w("syntax.json", "{\"auths\": {\"quay.io\": {\"auth\": }}}\n");
        w(
            "legacy.dockercfg",
            &format!(
                "{{\"quay.io\": {{\"auth\": \"{}\", \"email\": \"x@example.com\"}}}}",
                b64(&format!("team:{SECRET}"))
            ),
        );
        w("names.txt", "myapp\nquay.io/a/b:1\n");
        w("ua.conf", "[aliases]\nmine = \"quay.io/me/mine\"\n");
        w("badua.conf", "[aliases]\nmine = 1\n");
        // scan: a Pod with a fully-qualified image, one with a short name that is ambiguous
        // on the default CRI-O node (enforcing, three search registries).
        w(
            "pod.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: quay.io/team/app:1\n",
        );
        w(
            "short.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: s}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n",
        );
        // render: a mirror set MCO renders, an allowed-registries entry it refuses.
        w(
            "idms.yaml",
            "apiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet\nmetadata: {name: a}\nspec:\n  imageDigestMirrors:\n  - source: registry.redhat.io/ubi9\n    mirrors: [mirror.example.net/ubi9]\n",
        );
        w(
            "refused.yaml",
            "apiVersion: config.openshift.io/v1\nkind: Image\nmetadata: {name: cluster}\nspec:\n  registrySources:\n    allowedRegistries:\n    - '*.example.com/ns'\n",
        );
        // render disruption: two node roots that differ in one drop-in.
        for (root, text) in [("old", "a = 1\n"), ("new", "a = 2\n")] {
            let dir = p.join(root).join("etc/containers/registries.conf.d");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("x.conf"), text).unwrap();
        }
        // migrate: a version-1 file, and one that mixes both versions.
        w(
            "v1.conf",
            "[registries.search]\nregistries = [\"quay.io\"]\n",
        );
        w(
            "mixed.conf",
            "[registries.search]\nregistries = [\"quay.io\"]\n[[registry]]\nlocation = \"x.io\"\n",
        );
        Fixture { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `shortnames ARGS` in the fixture directory with `stdin` (none: empty).
    pub fn run_stdin(&self, args: &[&str], stdin: &[u8]) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_shortnames"))
            .current_dir(self.root())
            .env("HOME", self.root())
            .env_remove("XDG_CACHE_HOME")
            .env_remove("CONTAINERS_REGISTRIES_CONF")
            .env_remove("NO_COLOR")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        let out = child.wait_with_output().unwrap();
        for stream in [&out.stdout, &out.stderr] {
            assert!(
                !String::from_utf8_lossy(stream).contains(SECRET),
                "secret in the output of {args:?}"
            );
        }
        out
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_stdin(args, b"")
    }
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The configuration options for a file of the fixture, with the empty drop-in directory.
pub fn conf(file: &str) -> Vec<&str> {
    vec!["--registries-conf", file, "--registries-conf-d", "d"]
}
