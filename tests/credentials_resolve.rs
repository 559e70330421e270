//! Credentials per pull source of a resolution (credentials spec §9): every endpoint that
//! short-name resolution and mirror rewriting produce gets its own lookup on its physical
//! location. Worked examples 11–13 of the spec, run through the real resolver.

use std::path::Path;

use shortnames::credentials::{
    Credential, CredentialError, EntryErrorReason, Explicit, Format, Keyring, Origin,
    PullCredentials, SourceId,
};
use shortnames::{ConfigSources, Resolver};

const NODE: &[u8] = br#"{"auths": {
  "registry.redhat.io":          {"auth": "bm9kZXVzZXI6bm9kZXBhc3M="},
  "quay.io":                     {"auth": "bm9kZXVzZXI6bm9kZXBhc3M="},
  "quay.io/openshift-release-dev": {"auth": "bm9kZXVzZXI6bm9kZXBhc3M="},
  "https://index.docker.io/v1/": {"auth": "aHViOmh1YnB3"},
  "mirror.example.com:5000":     {"auth": "bWlycm9ydXNlcjptaXJyb3Jwdw=="}
}}"#;

const SECRET: &[u8] = br#"{"auths": {
  "quay.io":      {"auth": "bnN1c2VyOm5zcGFzcw=="},
  "quay.io/team": {"auth": "dGVhbTp0ZWFtcHc="}
}}"#;

const NODE_ID: &str = "/var/lib/kubelet/config.json";

fn resolver(dir: &Path, conf: &str) -> Resolver {
    let path = dir.join("registries.conf");
    std::fs::write(&path, conf).unwrap();
    Resolver::new(
        &ConfigSources::new()
            .registries_conf(&path)
            .registries_conf_d(dir.join("registries.conf.d")),
    )
}

fn node_only() -> Keyring {
    Keyring::builder()
        .node_document(SourceId::file(NODE_ID), NODE, Format::DockerConfigJson)
        .build()
        .0
}

fn node_and_secret() -> Keyring {
    Keyring::builder()
        .namespace_secret(
            "app",
            "pull",
            "kubernetes.io/dockerconfigjson",
            [(".dockerconfigjson", SECRET)],
        )
        .node_document(SourceId::file(NODE_ID), NODE, Format::DockerConfigJson)
        .build()
        .0
}

/// `(origin, source, key, user)` of every candidate of a lookup.
fn summary(r: &Result<PullCredentials, CredentialError>) -> Vec<(Origin, String, String, String)> {
    r.as_ref()
        .unwrap()
        .candidates()
        .iter()
        .map(|c| {
            (
                c.origin(),
                c.source().to_string(),
                c.key().to_owned(),
                c.credential().username().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn basic(user: &str, pw: &str) -> Credential {
    Credential::Basic {
        username: user.into(),
        password: pw.into(),
    }
}

const EXAMPLE_11_CONF: &str = r#"
[aliases]
myimage = "myreg.io/repo/myimage"
[[registry]]
location = "myreg.io/repo"
[[registry.mirror]]
location = "mirror.example.com:5000/repo"
"#;

#[test]
fn example_11_alias_then_mirror_each_endpoint_has_its_own_lookup() {
    let dir = tempfile::tempdir().unwrap();
    let resolver = resolver(dir.path(), EXAMPLE_11_CONF);
    let keyring = node_only();
    // The kubelet looked up docker.io/library/myimage, so the explicit credential is bound
    // to docker.io: it must not be used anywhere.
    let explicit = Explicit::new("docker.io", basic("kube", "kubepw")).unwrap();

    let resolution = resolver.resolve("myimage:1.0").unwrap();
    assert_eq!(
        resolution.candidates[0].reference.as_str(),
        "myreg.io/repo/myimage:1.0"
    );
    let all = keyring.resolution_credentials(&resolution, Some(&explicit));
    assert_eq!(all.len(), 1);
    let per_source = &all[0];
    assert_eq!(per_source.len(), 2);

    assert_eq!(
        per_source[0].source.reference.as_str(),
        "mirror.example.com:5000/repo/myimage:1.0"
    );
    assert!(per_source[0].source.mirror);
    assert_eq!(
        summary(&per_source[0].credentials),
        [(
            Origin::Node,
            NODE_ID.to_owned(),
            "mirror.example.com:5000".to_owned(),
            "mirroruser".to_owned()
        )]
    );

    assert_eq!(
        per_source[1].source.reference.as_str(),
        "myreg.io/repo/myimage:1.0"
    );
    assert!(!per_source[1].source.mirror);
    assert!(per_source[1].credentials.as_ref().unwrap().is_anonymous());
    assert_eq!(
        per_source[1].to_string(),
        "myreg.io/repo/myimage:1.0: anonymous"
    );
}

#[test]
fn example_12_explicit_bound_to_primary_host_and_forwarding_to_mirrors() {
    let dir = tempfile::tempdir().unwrap();
    let resolver = resolver(dir.path(), EXAMPLE_11_CONF);
    let explicit = Explicit::new("myreg.io", basic("req", "reqpw")).unwrap();
    let resolution = resolver.resolve("myreg.io/repo/myimage:1.0").unwrap();
    let candidate = &resolution.candidates[0];

    // Default: the mirror is on another host, so it gets the node's mirror credential.
    let keyring = node_only();
    let per_source = keyring.pull_source_credentials(candidate, Some(&explicit));
    assert_eq!(summary(&per_source[0].credentials)[0].0, Origin::Node);
    assert_eq!(summary(&per_source[0].credentials)[0].3, "mirroruser");
    assert_eq!(
        summary(&per_source[1].credentials),
        [(
            Origin::Explicit,
            "explicit".to_owned(),
            "myreg.io".to_owned(),
            "req".to_owned()
        )]
    );

    // Opt-in forwarding: every source of the same logical reference gets the explicit one.
    let (forwarding, _) = Keyring::builder()
        .node_document(SourceId::file(NODE_ID), NODE, Format::DockerConfigJson)
        .forward_explicit_to_mirrors(true)
        .build();
    let per_source = forwarding.pull_source_credentials(candidate, Some(&explicit));
    for sc in &per_source {
        assert_eq!(summary(&sc.credentials)[0].0, Origin::Explicit, "{sc}");
    }
}

#[test]
fn example_13_explicit_credential_never_sent_to_other_short_name_candidates() {
    let dir = tempfile::tempdir().unwrap();
    let resolver = resolver(
        dir.path(),
        "unqualified-search-registries = [\"registry.access.redhat.com\", \"docker.io\"]\n",
    );
    let keyring = node_only();
    let explicit = Explicit::new("docker.io", basic("kube", "kubepw")).unwrap();
    let resolution = resolver.resolve("nginx").unwrap();
    let all = keyring.resolution_credentials(&resolution, Some(&explicit));
    assert_eq!(all.len(), 2);
    assert_eq!(
        all[0][0].source.reference.as_str(),
        "registry.access.redhat.com/nginx:latest"
    );
    assert!(all[0][0].credentials.as_ref().unwrap().is_anonymous());
    assert_eq!(
        all[1][0].source.reference.as_str(),
        "docker.io/library/nginx:latest"
    );
    assert_eq!(summary(&all[1][0].credentials)[0].0, Origin::Explicit);

    // Without the explicit credential, the node's Docker Hub key applies (example 6).
    let all = keyring.resolution_credentials(&resolution, None);
    assert_eq!(
        summary(&all[1][0].credentials),
        [(
            Origin::Node,
            NODE_ID.to_owned(),
            "docker.io".to_owned(),
            "hub".to_owned()
        )]
    );
}

#[test]
fn namespace_tier_wins_per_endpoint_and_rotation_order_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let resolver = resolver(
        dir.path(),
        r#"
unqualified-search-registries = ["quay.io", "registry.redhat.io"]
[[registry]]
location = "quay.io"
[[registry.mirror]]
location = "mirror.example.com:5000/quay"
"#,
    );
    let keyring = node_and_secret();
    let resolution = resolver.resolve("team/app:1").unwrap();
    let all = keyring.resolution_credentials(&resolution, None);
    // candidate 1: quay.io/team/app:1 → mirror (node: mirror key), then quay.io (secret,
    // team key first, then quay.io for rotation; node not consulted).
    assert_eq!(
        all[0][0].source.reference.as_str(),
        "mirror.example.com:5000/quay/team/app:1"
    );
    assert_eq!(summary(&all[0][0].credentials)[0].3, "mirroruser");
    let primary = summary(&all[0][1].credentials);
    let users: Vec<&str> = primary.iter().map(|c| c.3.as_str()).collect();
    assert_eq!(users, ["team", "nsuser"]);
    assert!(primary.iter().all(|c| c.0 == Origin::Namespace));
    // candidate 2: registry.redhat.io/team/app:1 → node (the secret covers nothing there).
    assert_eq!(
        summary(&all[1][0].credentials),
        [(
            Origin::Node,
            NODE_ID.to_owned(),
            "registry.redhat.io".to_owned(),
            "nodeuser".to_owned()
        )]
    );
}

#[test]
fn invalid_namespace_entry_fails_that_endpoint_only() {
    let dir = tempfile::tempdir().unwrap();
    let resolver = resolver(dir.path(), EXAMPLE_11_CONF);
    let bad = br#"{"auths": {"myreg.io": {"auth": "anVzdHVzZXI="}}}"#; // no colon
    let (keyring, _) = Keyring::builder()
        .namespace_document(SourceId::label("ns"), bad, Format::DockerConfigJson)
        .node_document(SourceId::file(NODE_ID), NODE, Format::DockerConfigJson)
        .build();
    let resolution = resolver.resolve("myimage").unwrap();
    let per_source = keyring.pull_source_credentials(&resolution.candidates[0], None);
    // The mirror is unaffected ...
    assert_eq!(summary(&per_source[0].credentials)[0].3, "mirroruser");
    // ... the primary fails with an error naming source and key, and never falls back to
    // the node tier.
    let err = per_source[1].credentials.as_ref().unwrap_err();
    match err {
        CredentialError::InvalidCredentialEntry {
            source,
            key,
            reason,
        } => {
            assert_eq!(source.as_str(), "ns");
            assert_eq!(key, "myreg.io");
            assert_eq!(*reason, EntryErrorReason::AuthMissingColon);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err
        .to_string()
        .starts_with(r#"credential entry "myreg.io" in ns is invalid: "#));
    assert!(per_source[1]
        .to_string()
        .starts_with(r#"myreg.io/repo/myimage:latest: error: credential entry "myreg.io" in ns"#));
}

#[test]
fn blocked_and_failed_candidates() {
    let dir = tempfile::tempdir().unwrap();
    let resolver = resolver(
        dir.path(),
        r#"
[[registry]]
location = "quay.io"
blocked = true
[[registry]]
prefix = "bad.io"
location = "Bad.io/UPPER"
"#,
    );
    let keyring = node_only();
    // A blocked source still reports what would be presented there.
    let r = resolver.resolve("quay.io/x/y").unwrap();
    let per_source = keyring.pull_source_credentials(&r.candidates[0], None);
    assert_eq!(per_source.len(), 1);
    assert!(per_source[0].source.error.is_some());
    assert_eq!(summary(&per_source[0].credentials)[0].3, "nodeuser");
    // A candidate whose sources could not be computed has no endpoints, hence no lookups.
    let r = resolver.resolve("bad.io/x").unwrap();
    assert!(r.candidates[0].sources.is_err());
    assert!(keyring
        .pull_source_credentials(&r.candidates[0], None)
        .is_empty());
}
