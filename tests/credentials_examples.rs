//! Every worked example of `credentials.md` §15, one test each, named after the example.

use shortnames::credentials::{
    Credential, CredentialCandidate as Candidate, CredentialDiagnostic as Diagnostic,
    CredentialError, DocumentErrorKind, EntryErrorReason, Explicit, Format, Keyring,
    KeyringBuilder, Origin, PullCredentials, Secret, SourceId, WithNode,
};

const NODE_PATH: &str = "/var/lib/kubelet/config.json";
const S_ID: (&str, &str) = ("app", "pull");

fn node_json() -> &'static [u8] {
    include_bytes!("data/credentials/node.json")
}

fn s_json() -> &'static [u8] {
    include_bytes!("data/credentials/namespace-secret.json")
}

fn s_source() -> SourceId {
    SourceId::secret(S_ID.0, S_ID.1, ".dockerconfigjson")
}

fn node_source() -> SourceId {
    SourceId::file(NODE_PATH)
}

/// Builder with the node file `N` (loaded under its production path name).
fn with_node() -> KeyringBuilder<WithNode> {
    Keyring::builder().node_document(node_source(), node_json(), Format::DockerConfigJson)
}

/// Builder with `N` and a namespace secret holding `doc`.
fn with_node_and_secret(doc: &[u8]) -> KeyringBuilder<WithNode> {
    with_node().namespace_secret(
        S_ID.0,
        S_ID.1,
        "kubernetes.io/dockerconfigjson",
        [(".dockerconfigjson", doc)],
    )
}

fn n_plus_s() -> Keyring {
    with_node_and_secret(s_json()).build().0
}

/// (origin, source, raw key, user name) of each candidate.
fn summary(cands: &[Candidate]) -> Vec<(Origin, String, String, Option<String>)> {
    cands
        .iter()
        .map(|c| {
            (
                c.origin(),
                c.source().to_string(),
                c.raw_key().to_string(),
                c.credential().username().map(str::to_string),
            )
        })
        .collect()
}

fn row(
    origin: Origin,
    source: &SourceId,
    key: &str,
    user: &str,
) -> (Origin, String, String, Option<String>) {
    (
        origin,
        source.to_string(),
        key.to_string(),
        Some(user.to_string()),
    )
}

fn basic(c: &Candidate) -> (&str, &str) {
    match c.credential() {
        Credential::Basic { username, password } => (username, password.expose_secret()),
        other => panic!("expected basic, got {other:?}"),
    }
}

fn pull(k: &Keyring, reference: &str) -> PullCredentials {
    k.lookup_pull(reference, None).expect("lookup succeeds")
}

#[test]
fn example_01_namespace_secret_all_matches_most_specific_first() {
    let r = pull(&n_plus_s(), "quay.io/team/app:1");
    assert_eq!(
        summary(r.candidates()),
        vec![
            row(Origin::Namespace, &s_source(), "quay.io/team", "team"),
            row(Origin::Namespace, &s_source(), "quay.io", "nsuser"),
        ]
    );
    assert_eq!(basic(&r.candidates()[0]), ("team", "teampw"));
    assert_eq!(basic(&r.candidates()[1]), ("nsuser", "nspass"));
    assert!(r.warnings().is_empty());
}

#[test]
fn example_02_namespace_covering_host_beats_more_specific_node_key() {
    let r = pull(
        &n_plus_s(),
        "quay.io/openshift-release-dev/ocp-release@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    );
    assert_eq!(
        summary(r.candidates()),
        vec![row(Origin::Namespace, &s_source(), "quay.io", "nsuser")]
    );
}

#[test]
fn example_03_node_used_where_namespace_covers_nothing() {
    let r = pull(&n_plus_s(), "registry.redhat.io/ubi9/ubi");
    assert_eq!(
        summary(r.candidates()),
        vec![row(
            Origin::Node,
            &node_source(),
            "registry.redhat.io",
            "nodeuser"
        )]
    );
    assert_eq!(basic(&r.candidates()[0]), ("nodeuser", "nodepass"));
}

#[test]
fn example_04_push_never_uses_node() {
    let k = n_plus_s();
    let r = k.lookup_push("registry.redhat.io/ubi9/ubi", None).unwrap();
    assert!(r.is_anonymous());
    assert_eq!(r.to_string(), "anonymous");
    // The dedicated push view gives the same answer.
    assert!(k
        .push()
        .lookup_push("registry.redhat.io/ubi9/ubi", None)
        .unwrap()
        .is_anonymous());
}

#[test]
fn example_05_push_uses_namespace_matches() {
    let r = n_plus_s().lookup_push("quay.io/team/app", None).unwrap();
    assert_eq!(
        summary(r.candidates()),
        vec![
            row(Origin::Namespace, &s_source(), "quay.io/team", "team"),
            row(Origin::Namespace, &s_source(), "quay.io", "nsuser"),
        ]
    );
}

#[test]
fn example_06_docker_hub_key_normalized() {
    let (k, _) = with_node().build();
    let r = pull(&k, "docker.io/library/nginx");
    assert_eq!(
        summary(r.candidates()),
        vec![row(
            Origin::Node,
            &node_source(),
            "https://index.docker.io/v1/",
            "hub"
        )]
    );
    assert_eq!(r.candidates()[0].key(), "docker.io");
    assert_eq!(basic(&r.candidates()[0]), ("hub", "hubpw"));
}

#[test]
fn example_07_port_must_match() {
    let (k, _) = with_node().build();
    assert!(pull(&k, "mirror.example.com/ocp/x").is_anonymous());
    // and with the port it matches
    let r = pull(&k, "mirror.example.com:5000/ocp/x");
    assert_eq!(r.candidates()[0].raw_key(), "mirror.example.com:5000");
}

#[test]
fn example_08_host_lowercased() {
    let (k, _) = with_node().build();
    let r = pull(&k, "Quay.IO/other/x");
    assert_eq!(
        summary(r.candidates()),
        vec![row(Origin::Node, &node_source(), "quay.io", "nodeuser")]
    );
}

#[test]
fn example_09_bad_entry_isolated_with_warning() {
    let s1 = br#"{"auths":{"quay.io/team":{"auth":"not base64!"},"quay.io":{"auth":"bnN1c2VyOm5zcGFzcw=="}}}"#;
    let (k, _) = with_node_and_secret(s1).build();
    let r = pull(&k, "quay.io/team/app");
    assert_eq!(
        summary(r.candidates()),
        vec![row(Origin::Namespace, &s_source(), "quay.io", "nsuser")]
    );
    assert_eq!(
        r.warnings(),
        &[Diagnostic::EntryError {
            source: s_source(),
            key: "quay.io/team".into(),
            reason: EntryErrorReason::AuthNotBase64,
        }]
    );
}

#[test]
fn example_10_only_invalid_namespace_entry_is_an_error_not_node_fallback() {
    let s2 = br#"{"auths":{"quay.io":{"auth":"anVzdHVzZXI="}}}"#;
    let (k, _) = with_node_and_secret(s2).build();
    let err = k.lookup_pull("quay.io/x/y", None).unwrap_err();
    assert_eq!(
        err,
        CredentialError::InvalidCredentialEntry {
            source: s_source(),
            key: "quay.io".into(),
            reason: EntryErrorReason::AuthMissingColon,
        }
    );
    // push too: error, never node
    assert!(k.lookup_push("quay.io/x/y", None).is_err());
}

fn explicit(host: &str) -> Explicit {
    let cred = Credential::Basic {
        username: "requser".into(),
        password: Secret::from("reqpw"),
    };
    Explicit::new(host, cred).unwrap()
}

#[test]
fn example_11_explicit_for_other_host_unused_mirror_gets_own_credential() {
    // Pull sources of candidate myreg.io/repo/myimage:1.0: the mirror, then the primary.
    let logical = "myreg.io/repo/myimage:1.0";
    let mirror = "mirror.example.com:5000/repo/myimage:1.0";
    let e = explicit("docker.io");
    for forward in [false, true] {
        let (k, _) = with_node().forward_explicit_to_mirrors(forward).build();
        let s1 = k.lookup_pull_source(mirror, logical, Some(&e)).unwrap();
        assert_eq!(
            summary(s1.candidates()),
            vec![row(
                Origin::Node,
                &node_source(),
                "mirror.example.com:5000",
                "mirroruser"
            )]
        );
        let s2 = k.lookup_pull_source(logical, logical, Some(&e)).unwrap();
        assert!(s2.is_anonymous(), "forward={forward}");
    }
}

#[test]
fn example_12_explicit_bound_to_primary_host_and_forwarding() {
    let logical = "myreg.io/repo/myimage:1.0";
    let mirror = "mirror.example.com:5000/repo/myimage:1.0";
    let e = explicit("myreg.io");
    let (k, _) = with_node().build();
    let s1 = k.lookup_pull_source(mirror, logical, Some(&e)).unwrap();
    assert_eq!(
        summary(s1.candidates()),
        vec![row(
            Origin::Node,
            &node_source(),
            "mirror.example.com:5000",
            "mirroruser"
        )]
    );
    let s2 = k.lookup_pull_source(logical, logical, Some(&e)).unwrap();
    assert_eq!(
        summary(s2.candidates()),
        vec![row(
            Origin::Explicit,
            &SourceId::explicit(),
            "myreg.io",
            "requser"
        )]
    );
    let (k, _) = with_node().forward_explicit_to_mirrors(true).build();
    let s1 = k.lookup_pull_source(mirror, logical, Some(&e)).unwrap();
    assert_eq!(s1.candidates().len(), 1);
    assert_eq!(s1.candidates()[0].origin(), Origin::Explicit);
}

#[test]
fn example_13_explicit_not_sent_to_other_short_name_candidates() {
    let e = explicit("docker.io");
    for forward in [false, true] {
        let (k, _) = with_node().forward_explicit_to_mirrors(forward).build();
        let c1 = "registry.access.redhat.com/nginx:latest";
        assert!(k
            .lookup_pull_source(c1, c1, Some(&e))
            .unwrap()
            .is_anonymous());
        let c2 = "docker.io/library/nginx:latest";
        let r = k.lookup_pull_source(c2, c2, Some(&e)).unwrap();
        assert_eq!(
            summary(r.candidates()),
            vec![row(
                Origin::Explicit,
                &SourceId::explicit(),
                "docker.io",
                "requser"
            )]
        );
    }
}

fn doc_keyring(doc: &[u8]) -> (Keyring, Vec<Diagnostic>) {
    Keyring::builder()
        .namespace_document(SourceId::label("doc"), doc, Format::DockerConfigJson)
        .build()
}

#[test]
fn example_14_colon_in_password_nul_trim_unpadded() {
    let (k, diags) = doc_keyring(
        br#"{"auths":{"a.io":{"auth":"YWxpY2U6czNjcjpldA=="},"b.io":{"auth":"dTpwAAA="},"c.io":{"auth":"bnN1c2VyOm5zcGFzcw"}}}"#,
    );
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(
        basic(&pull(&k, "a.io/x").candidates()[0]),
        ("alice", "s3cr:et")
    );
    assert_eq!(basic(&pull(&k, "b.io/x").candidates()[0]), ("u", "p"));
    assert_eq!(
        basic(&pull(&k, "c.io/x").candidates()[0]),
        ("nsuser", "nspass")
    );
}

#[test]
fn example_15_identity_token_plain_fields_registry_token() {
    let (k, diags) = doc_keyring(
        br#"{"auths":{"t.io":{"identitytoken":"R1"},"f.io":{"username":"u","password":"p"},"r.io":{"registrytoken":"B1","auth":"bnN1c2VyOm5zcGFzcw=="}}}"#,
    );
    match pull(&k, "t.io/x").candidates()[0].credential() {
        Credential::IdentityToken { username, token } => {
            assert_eq!(username, &None);
            assert_eq!(token.expose_secret(), "R1");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(basic(&pull(&k, "f.io/x").candidates()[0]), ("u", "p"));
    match pull(&k, "r.io/x").candidates()[0].credential() {
        Credential::RegistryToken { token } => assert_eq!(token.expose_secret(), "B1"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        diags,
        vec![Diagnostic::IgnoredFields {
            source: SourceId::label("doc"),
            key: "r.io".into(),
            fields: vec!["auth"],
        }]
    );
}

#[test]
fn example_16_wildcard_same_label_count_literal_first() {
    let (k, _) = doc_keyring(
        br#"{"auths":{"*.example.com":{"auth":"d2lsZDp3"},"reg.example.com/team":{"auth":"dGVhbTp0ZWFtcHc="}}}"#,
    );
    let r = pull(&k, "reg.example.com/team/x");
    let keys: Vec<&str> = r.candidates().iter().map(|c| c.raw_key()).collect();
    assert_eq!(keys, ["reg.example.com/team", "*.example.com"]);
    assert!(pull(&k, "a.b.example.com/x").is_anonymous());
    assert!(pull(&k, "example.com/x").is_anonymous());
}

#[test]
fn example_17_duplicate_key_unschemed_kept() {
    let (k, diags) = doc_keyring(
        br#"{"auths":{"https://quay.io":{"auth":"QTphcHc="},"quay.io":{"auth":"QjpicHc="}}}"#,
    );
    assert_eq!(
        diags,
        vec![Diagnostic::DuplicateKey {
            source: SourceId::label("doc"),
            kept: "quay.io".into(),
            dropped: "https://quay.io".into(),
        }]
    );
    let r = pull(&k, "quay.io/x");
    assert_eq!(r.candidates().len(), 1);
    assert_eq!(basic(&r.candidates()[0]), ("B", "bpw"));
}

#[test]
fn example_18_invalid_keys_never_match() {
    let (k, diags) = doc_keyring(
        br#"{"auths":{"quay.io/app:latest":{"auth":"dTpw"},"*":{"auth":"dTpw"},"[::1]:5000":{"auth":"dTpw"}}}"#,
    );
    let key_errors: Vec<&str> = diags
        .iter()
        .filter_map(|d| match d {
            Diagnostic::KeyError { key, .. } => Some(key.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(key_errors, ["quay.io/app:latest", "*", "[::1]:5000"]);
    assert_eq!(diags.len(), 3);
    for r in [
        "quay.io/app:latest",
        "quay.io/app",
        "any.host/x",
        "localhost:5000/x",
    ] {
        assert!(pull(&k, r).is_anonymous(), "{r}");
    }
}

#[test]
fn example_19_malformed_namespace_doc_suppresses_node() {
    let (k, diags) = with_node()
        .namespace_document(
            SourceId::label("ns"),
            br#"{"auths": [1,2]}"#,
            Format::DockerConfigJson,
        )
        .build();
    assert_eq!(
        diags,
        vec![Diagnostic::DocumentError {
            source: SourceId::label("ns"),
            kind: DocumentErrorKind::InvalidStructure,
            line: None,
            column: None,
        }]
    );
    let r = pull(&k, "registry.redhat.io/x");
    assert!(r.is_anonymous());
    assert_eq!(
        r.warnings(),
        &[Diagnostic::NodeSuppressed {
            failed_sources: vec![SourceId::label("ns")]
        }]
    );
}

#[test]
fn example_20_truncated_node_file() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/credentials/truncated.json"
    );
    let (k, diags) = Keyring::builder().node_file(path).build();
    assert_eq!(diags.len(), 1);
    match &diags[0] {
        Diagnostic::DocumentError {
            source,
            kind: DocumentErrorKind::Syntax,
            line: Some(1),
            column: Some(c),
        } => {
            assert_eq!(source, &SourceId::file(path));
            assert!(*c >= 10, "column {c}");
        }
        other => panic!("{other:?}"),
    }
    let shown = format!("{} {:?}", diags[0], diags[0]);
    assert!(!shown.contains("auths"), "contents echoed: {shown}");
    for r in [
        "quay.io/x",
        "registry.redhat.io/x",
        "docker.io/library/nginx",
    ] {
        assert!(pull(&k, r).is_anonymous());
    }
}

#[test]
fn example_21_credential_helpers_ignored_auths_used() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/credentials/helpers.json"
    );
    let (k, diags) = Keyring::builder().node_file(path).build();
    assert_eq!(
        diags,
        vec![Diagnostic::HelpersIgnored {
            source: SourceId::file(path),
            hosts: vec!["gcr.io".into()],
            creds_store: true,
        }]
    );
    let r = pull(&k, "gcr.io/p/x");
    assert_eq!(
        summary(r.candidates()),
        vec![row(
            Origin::Node,
            &SourceId::file(path),
            "gcr.io",
            "gcruser"
        )]
    );
}

#[test]
fn example_22_candidate_debug_is_redacted() {
    let k = n_plus_s();
    let r = pull(&k, "quay.io/team/app:1");
    let dbg = format!("{:?}", r.candidates()[0]);
    for want in [
        "Namespace",
        "secret:app/pull#.dockerconfigjson",
        "quay.io/team",
        "team",
        "<redacted>",
    ] {
        assert!(dbg.contains(want), "{want} missing in {dbg}");
    }
    assert!(!dbg.contains("teampw"), "{dbg}");
    assert!(!dbg.contains("dGVhbTp0ZWFtcHc="), "{dbg}");
    // Tokens too.
    let (k, _) = doc_keyring(br#"{"auths":{"t.io":{"identitytoken":"TOKENVALUE1"},"r.io":{"registrytoken":"TOKENVALUE2"}}}"#);
    for r in ["t.io/x", "r.io/x"] {
        let res = pull(&k, r);
        let c = &res.candidates()[0];
        let shown = format!("{c:?} {c} {:?}", k);
        assert!(shown.contains("<redacted>"), "{shown}");
        assert!(!shown.contains("TOKENVALUE"), "{shown}");
    }
    // Display of the pull result: source, key, user name.
    assert_eq!(
        pull(&n_plus_s(), "quay.io/team/app:1").to_string(),
        "secret:app/pull#.dockerconfigjson: quay.io/team (user \"team\")"
    );
}
