//! Matching and ordering rules of spec §4 and §6 beyond the worked examples.

use shortnames::credentials::{
    Credential, CredentialDiagnostic as Diagnostic, Format, Keyring, Origin, SourceId,
};

fn keys_for(docs: &[&str], target: &str) -> Vec<(String, String)> {
    let mut b = Keyring::builder();
    for (i, d) in docs.iter().enumerate() {
        b = b.namespace_document(
            SourceId::label(format!("s{i}")),
            d.as_bytes(),
            Format::DockerConfigJson,
        );
    }
    let (k, _) = b.build();
    k.lookup_pull(target, None)
        .unwrap()
        .candidates()
        .iter()
        .map(|c| (c.source().to_string(), c.raw_key().to_string()))
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn earlier_source_first_for_equal_keys_rotation() {
    let a = r#"{"auths": {"quay.io": {"auth": "dTpw"}}}"#;
    let b =
        r#"{"auths": {"https://quay.io/v2/": {"auth": "dTpw"}, "quay.io/x": {"auth": "dTpw"}}}"#;
    assert_eq!(
        keys_for(&[a, b], "quay.io/x/y"),
        pairs(&[
            ("s1", "quay.io/x"),
            ("s0", "quay.io"),
            ("s1", "https://quay.io/v2/")
        ])
    );
}

#[test]
fn wildcard_order_literal_chars_then_raw_key() {
    let d = r#"{"auths": {
        "*.example.com": {"auth": "dTpw"},
        "reg-*.example.com": {"auth": "dTpw"},
        "r*.example.com": {"auth": "dTpw"},
        "*g-eu.example.com": {"auth": "dTpw"},
        "reg-eu.example.com": {"auth": "dTpw"}
    }}"#;
    assert_eq!(
        keys_for(&[d], "reg-eu.example.com/a"),
        pairs(&[
            ("s0", "reg-eu.example.com"),
            ("s0", "*g-eu.example.com"),
            ("s0", "reg-*.example.com"),
            ("s0", "r*.example.com"),
            ("s0", "*.example.com"),
        ])
    );
}

#[test]
fn path_prefix_on_whole_segments_and_docker_hub_paths() {
    let d = r#"{"auths": {"quay.io/team": {"auth": "dTpw"}, "docker.io/nginx": {"auth": "dTpw"}, "index.docker.io/library": {"auth": "dTpw"}}}"#;
    assert!(keys_for(&[d], "quay.io/teamx/app").is_empty());
    assert_eq!(keys_for(&[d], "quay.io/team").len(), 1);
    assert_eq!(
        keys_for(&[d], "docker.io/library/nginx"),
        pairs(&[("s0", "index.docker.io/library")])
    );
    // a port makes index.docker.io an ordinary host
    let p = r#"{"auths": {"index.docker.io:443": {"auth": "dTpw"}}}"#;
    assert!(keys_for(&[p], "docker.io:443/library/nginx").is_empty());
    assert_eq!(keys_for(&[p], "index.docker.io:443/library/nginx").len(), 1);
}

#[test]
fn wildcard_port_must_match_too() {
    let d = r#"{"auths": {"*.example.com:5000": {"auth": "dTpw"}}}"#;
    assert!(keys_for(&[d], "a.example.com/x").is_empty());
    assert_eq!(keys_for(&[d], "a.example.com:5000/x").len(), 1);
}

#[test]
fn identity_token_takes_username_from_auth_and_reports_ignored_fields() {
    let d = br#"{"auths": {
        "a.io": {"identitytoken": "T", "auth": "dTpw", "password": "x"},
        "b.io": {"auth": "dTpw", "username": "other", "password": "p"},
        "c.io": {"Auth": "dTpw", "IdentityToken": "T2", "USERNAME": "bob"}
    }}"#;
    let (k, diags) = Keyring::builder()
        .node_document(SourceId::label("n"), d, Format::DockerConfigJson)
        .build();
    let r = k.lookup_pull("a.io/x", None).unwrap();
    match r.candidates()[0].credential() {
        Credential::IdentityToken { username, token } => {
            assert_eq!(username.as_deref(), Some("u"));
            assert_eq!(token.expose_secret(), "T");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(r.candidates()[0].origin(), Origin::Node);
    let r = k.lookup_pull("c.io/x", None).unwrap();
    assert_eq!(r.candidates()[0].credential().kind(), "identity-token");
    let ignored: Vec<(String, Vec<&str>)> = diags
        .iter()
        .filter_map(|d| match d {
            Diagnostic::IgnoredFields { key, fields, .. } => Some((key.clone(), fields.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        ignored,
        vec![
            ("a.io".to_string(), vec!["password"]),
            ("b.io".to_string(), vec!["username"]),
            ("c.io".to_string(), vec!["username"]),
        ]
    );
}

#[test]
fn empty_markers_do_not_cover_so_node_is_used() {
    let ns = br#"{"auths": {"quay.io": {}, "a.io": {"auth": "Og=="}, "b.io": {"auth": ""}}}"#;
    let node = br#"{"auths": {"quay.io": {"auth": "dTpw"}, "a.io": {"auth": "dTpw"}, "b.io": {"auth": "dTpw"}}}"#;
    let (k, diags) = Keyring::builder()
        .namespace_document(SourceId::label("ns"), ns, Format::DockerConfigJson)
        .node_document(SourceId::label("node"), node, Format::DockerConfigJson)
        .build();
    assert!(diags.is_empty(), "{diags:?}");
    for t in ["quay.io/x", "a.io/x", "b.io/x"] {
        assert_eq!(
            k.lookup_pull(t, None).unwrap().candidates()[0].origin(),
            Origin::Node,
            "{t}"
        );
    }
}

#[test]
fn invalid_reference_is_an_error_not_a_panic() {
    let (k, _) = Keyring::builder().build();
    for r in ["", "nginx", "quay.io/UPPER", "quay.io//x"] {
        let e = k.lookup_pull(r, None).unwrap_err();
        assert!(e.to_string().starts_with("invalid image reference"), "{e}");
    }
}
