//! The hardened profile: every difference from the default (compatible) profile, each shown
//! with both answers. The default answers are the reference's (the conformance corpus pins
//! them); the hardened ones close the spoofing holes of config-formats.md [HARDEN].

use std::process::Command;

use shortnames::{Config, ConfigSources, Profile, Resolver};

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new(main: &str, user: Option<&str>) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("registries.conf"), main).unwrap();
        if let Some(u) = user {
            std::fs::write(dir.path().join("user-aliases.conf"), u).unwrap();
        }
        Fixture { dir }
    }

    fn sources(&self, profile: Profile) -> ConfigSources {
        ConfigSources::new()
            .fs_root(self.dir.path())
            .registries_conf("registries.conf")
            .registries_conf_d("registries.conf.d")
            .user_aliases("user-aliases.conf")
            .profile(profile)
    }

    fn resolver(&self, profile: Profile) -> Resolver {
        Resolver::new(&self.sources(profile))
    }
}

/// `(registry prefix, [(source reference, blocked)])` of the single candidate of `name`.
fn answer(r: &Resolver, name: &str) -> (Option<String>, Vec<(String, bool)>) {
    let res = r.resolve(name).unwrap();
    assert_eq!(res.candidates.len(), 1);
    let c = &res.candidates[0];
    let sources = c
        .sources
        .as_ref()
        .unwrap()
        .iter()
        .map(|s| (s.reference.to_string(), s.error.is_some()))
        .collect();
    (c.registry.map(|e| e.prefix.to_string()), sources)
}

fn s(v: &[(&str, bool)]) -> Vec<(String, bool)> {
    v.iter().map(|(r, b)| (r.to_string(), *b)).collect()
}

#[test]
fn host_case_is_ignored() {
    let f = Fixture::new(
        "[[registry]]\nlocation = \"evil.io\"\nblocked = true\n",
        None,
    );
    let compatible = answer(&f.resolver(Profile::Compatible), "EVIL.io/x");
    assert_eq!(compatible, (None, s(&[("EVIL.io/x:latest", false)])));
    let hardened = answer(&f.resolver(Profile::Hardened), "EVIL.io/x");
    assert_eq!(
        hardened,
        (Some("evil.io".into()), s(&[("evil.io/x:latest", true)]))
    );
    // The path stays case-sensitive (paths are lower case anyway).
    assert_eq!(
        answer(&f.resolver(Profile::Hardened), "evil.io/x"),
        (Some("evil.io".into()), s(&[("evil.io/x:latest", true)]))
    );
}

#[test]
fn port_less_prefix_does_not_match_a_port() {
    let f = Fixture::new(
        "[[registry]]\nprefix = \"example.com\"\nlocation = \"mirror.example.net\"\n",
        None,
    );
    let name = "example.com:5000/app";
    assert_eq!(
        answer(&f.resolver(Profile::Compatible), name),
        (
            Some("example.com".into()),
            s(&[("mirror.example.net:5000/app:latest", false)])
        )
    );
    assert_eq!(
        answer(&f.resolver(Profile::Hardened), name),
        (None, s(&[("example.com:5000/app:latest", false)]))
    );
    // The port-less name still matches in both.
    for p in [Profile::Compatible, Profile::Hardened] {
        assert_eq!(
            answer(&f.resolver(p), "example.com/app").1,
            s(&[("mirror.example.net/app:latest", false)])
        );
    }
}

#[test]
fn wildcard_matches_any_occurrence() {
    let f = Fixture::new(
        "[[registry]]\nprefix = \"*.example.com\"\nlocation = \"m.example.net\"\n",
        None,
    );
    let name = "x.example.com.example.com/app";
    assert_eq!(
        answer(&f.resolver(Profile::Compatible), name),
        (None, s(&[("x.example.com.example.com/app:latest", false)]))
    );
    assert_eq!(
        answer(&f.resolver(Profile::Hardened), name),
        (
            Some("*.example.com".into()),
            s(&[("m.example.net/app:latest", false)])
        )
    );
    // A wildcard is port-less too: a host with a port is not matched under the hardened profile.
    let with_port = "a.example.com:5000/app";
    assert_eq!(
        answer(&f.resolver(Profile::Compatible), with_port).1,
        s(&[("m.example.net:5000/app:latest", false)])
    );
    assert_eq!(
        answer(&f.resolver(Profile::Hardened), with_port),
        (None, s(&[("a.example.com:5000/app:latest", false)]))
    );
}

#[test]
fn blocked_applies_to_the_entry_own_prefix() {
    let f = Fixture::new(
        "[[registry]]\nprefix = \"evil.io\"\nlocation = \"mirror.example.net/evil\"\nblocked = true\n[[registry.mirror]]\nlocation = \"cache.example.net/evil\"\n",
        None,
    );
    assert_eq!(
        answer(&f.resolver(Profile::Compatible), "evil.io/x"),
        (
            Some("evil.io".into()),
            s(&[
                ("cache.example.net/evil/x:latest", false),
                ("mirror.example.net/evil/x:latest", false)
            ])
        )
    );
    // Hardened: the primary endpoint of a blocked entry is refused; its mirrors stay usable
    // (the OpenShift never-contact-source pattern).
    let r = f.resolver(Profile::Hardened);
    assert_eq!(
        answer(&r, "evil.io/x"),
        (
            Some("evil.io".into()),
            s(&[
                ("cache.example.net/evil/x:latest", false),
                ("mirror.example.net/evil/x:latest", true)
            ])
        )
    );
    let res = r.resolve("evil.io/x").unwrap();
    let sources = res.candidates[0].sources.as_ref().unwrap();
    let err = sources[1].error.as_ref().unwrap();
    assert_eq!(err.kind().as_str(), "blocked");
    assert!(err
        .to_string()
        .starts_with("registry evil.io is blocked in "));
}

#[test]
fn system_aliases_are_authoritative_over_the_user_cache() {
    let f = Fixture::new(
        "unqualified-search-registries = [\"quay.io\"]\n[aliases]\n\"ubi9\" = \"registry.access.redhat.com/ubi9\"\n\"tool\" = \"quay.io/official/tool\"\n",
        Some("[aliases]\n\"ubi9\" = \"evil.example.com/ubi9\"\n\"tool\" = \"\"\n\"mine\" = \"quay.io/me/mine\"\n"),
    );
    let first = |p: Profile, name: &str| {
        let r = f.resolver(p);
        let res = r.resolve(name).unwrap();
        (
            res.candidates[0].reference.to_string(),
            res.origin.unwrap().to_owned(),
        )
    };
    assert_eq!(
        first(Profile::Compatible, "ubi9"),
        (
            "evil.example.com/ubi9:latest".into(),
            "user-aliases.conf".into()
        )
    );
    assert_eq!(
        first(Profile::Hardened, "ubi9"),
        (
            "registry.access.redhat.com/ubi9:latest".into(),
            "registries.conf".into()
        )
    );
    // A removal in the user cache cannot hide a system alias either.
    assert_eq!(first(Profile::Compatible, "tool").0, "quay.io/tool:latest");
    assert_eq!(
        first(Profile::Hardened, "tool").0,
        "quay.io/official/tool:latest"
    );
    // Names the system tables do not define still come from the user cache.
    for p in [Profile::Compatible, Profile::Hardened] {
        assert_eq!(
            first(p, "mine"),
            ("quay.io/me/mine:latest".into(), "user-aliases.conf".into())
        );
    }
}

#[test]
fn unknown_keys_are_errors() {
    let f = Fixture::new(
        "[[registry]]\nlocation = \"quay.io\"\nmirror-by-digest-onyl = true\n",
        None,
    );
    let compatible = Config::load(&f.sources(Profile::Compatible)).unwrap();
    assert_eq!(compatible.warnings[0].kind, "unknown-key");
    let err = Config::load(&f.sources(Profile::Hardened)).unwrap_err();
    assert_eq!(err.kind().as_str(), "invalid-config/unknown-key");
    assert_eq!(
        err.to_string(),
        "loading registries configuration \"registries.conf\": unknown key \"registry[0].mirror-by-digest-onyl\" (refused by the hardened profile)"
    );
    assert_eq!(err.key(), Some("registry[0].mirror-by-digest-onyl"));
    assert_eq!(err.location().map(|l| (l.line, l.column)), Some((3, 1)));
}

#[test]
fn cli_profile_flag() {
    let f = Fixture::new(
        "[[registry]]\nprefix = \"example.com\"\nlocation = \"mirror.example.net\"\n",
        None,
    );
    let run = |profile: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_shortnames"))
            .current_dir(f.dir.path())
            .args([
                "resolve",
                "--registries-conf",
                "registries.conf",
                "--registries-conf-d",
                "registries.conf.d",
                "--profile",
                profile,
                "example.com:5000/app",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(run("compatible").contains("mirror.example.net:5000/app:latest"));
    assert!(run("hardened").contains("primary example.com:5000/app:latest"));
}
