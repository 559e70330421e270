//! Error paths of spec §10 and §2.5: every bad input gives the defined error, names source
//! and key, never leaks a secret (nor its base64, nor any 4-byte substring of either), and
//! never aborts the other sources.

use std::path::{Path, PathBuf};

use shortnames::credentials::{
    AuthFileReport, CredentialDiagnostic as Diagnostic, CredentialError, CriAuthConfig,
    DocumentErrorKind, EntryErrorReason, EntryStatus, Explicit, Format, Keyring, Origin, Secret,
    SourceId, MAX_DOCUMENT_BYTES,
};

/// Secret material appearing in the test data (plain and base64).
const SECRETS: &[&str] = &[
    "Hk4Wz9Pq2Xv",
    "cm9ib3Q6SGs0V3o5UHEyWHY=",
    "Qx7!Zk9#Wv",
    "Vq8Jm3Rk2Lw",
    "VnE4Sm0zUmsyTHc=",
    "Mt6Yb2Nc8Rd",
    "TXQ2WWIyTmM4UmQ=",
];

fn assert_no_leak(output: &str) {
    for s in SECRETS {
        let b = s.as_bytes();
        for w in b.windows(4) {
            let w = std::str::from_utf8(w).unwrap();
            assert!(
                !output.contains(w),
                "output leaks {w:?} of a secret: {output}"
            );
        }
    }
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/credentials")
        .join(name)
}

fn node() -> &'static [u8] {
    include_bytes!("data/credentials/node.json")
}

fn everything(diags: &[Diagnostic]) -> String {
    diags.iter().map(|d| format!("{d}\n{d:?}\n")).collect()
}

#[test]
fn bad_entries_are_isolated_named_and_redacted() {
    let path = data("bad-entries.json");
    let (k, diags) = Keyring::builder()
        .namespace_file(&path, Format::DockerConfigJson)
        .node_document(SourceId::label("node"), node(), Format::DockerConfigJson)
        .build();
    let src = SourceId::file(&path);
    let mut entry_errors: Vec<(String, EntryErrorReason)> = diags
        .iter()
        .filter_map(|d| match d {
            Diagnostic::EntryError {
                source,
                key,
                reason,
            } => {
                assert_eq!(source, &src);
                Some((key.clone(), *reason))
            }
            _ => None,
        })
        .collect();
    entry_errors.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        entry_errors,
        vec![
            ("quay.io/nocolon".into(), EntryErrorReason::AuthMissingColon),
            ("quay.io/notobj".into(), EntryErrorReason::NotAnObject),
            ("quay.io/notutf8".into(), EntryErrorReason::AuthNotUtf8),
            ("quay.io/team".into(), EntryErrorReason::AuthNotBase64),
            (
                "quay.io/type".into(),
                EntryErrorReason::FieldType { field: "auth" }
            ),
        ]
    );
    let mut shown = everything(&diags);
    // The valid entry keeps working, and covers sub-paths without bad entries.
    let r = k.lookup_pull("quay.io/other/app", None).unwrap();
    assert_eq!(r.candidates()[0].credential().username(), Some("robot"));
    assert_eq!(r.candidates()[0].origin(), Origin::Namespace);
    // Below a bad entry: the valid, less specific entry is used, with a warning.
    for (path_part, reason) in [
        ("team", EntryErrorReason::AuthNotBase64),
        ("nocolon", EntryErrorReason::AuthMissingColon),
        ("notutf8", EntryErrorReason::AuthNotUtf8),
        ("type", EntryErrorReason::FieldType { field: "auth" }),
        ("notobj", EntryErrorReason::NotAnObject),
    ] {
        let r = k
            .lookup_pull(&format!("quay.io/{path_part}/app"), None)
            .unwrap();
        assert_eq!(r.candidates()[0].raw_key(), "quay.io");
        assert_eq!(
            r.warnings(),
            &[Diagnostic::EntryError {
                source: src.clone(),
                key: format!("quay.io/{path_part}"),
                reason
            }]
        );
        shown.push_str(&format!("{r}\n{r:?}\n"));
    }
    // Node tier is untouched by the namespace's bad entries.
    let r = k.lookup_pull("registry.redhat.io/ubi9/ubi", None).unwrap();
    assert_eq!(r.candidates()[0].origin(), Origin::Node);
    assert_no_leak(&shown);
}

#[test]
fn only_invalid_entry_gives_named_error_without_secret() {
    let doc =
        br#"{"auths": {"quay.io": {"auth": "Qx7!Zk9#Wv"}, "b.io": {"auth": "VnE4Sm0zUmsyTHc="}}}"#;
    let (k, _) = Keyring::builder()
        .namespace_secret(
            "app",
            "pull",
            "kubernetes.io/dockerconfigjson",
            [(".dockerconfigjson", &doc[..])],
        )
        .node_document(SourceId::label("node"), node(), Format::DockerConfigJson)
        .build();
    let err = k.lookup_pull("quay.io/x", None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "credential entry \"quay.io\" in secret:app/pull#.dockerconfigjson is invalid: auth is not valid base64"
    );
    let err2 = k.lookup_pull("b.io/x", None).unwrap_err();
    assert!(matches!(
        err2,
        CredentialError::InvalidCredentialEntry {
            reason: EntryErrorReason::AuthMissingColon,
            ..
        }
    ));
    assert_no_leak(&format!("{err} {err:?} {err2} {err2:?}"));
}

#[test]
fn invalid_json_file_reports_position_only_and_other_sources_work() {
    let bad = data("bad-syntax.json");
    let (k, diags) = Keyring::builder()
        .namespace_document(
            SourceId::label("good"),
            br#"{"auths": {"good.io": {"auth": "dTpw"}}}"#,
            Format::DockerConfigJson,
        )
        .node_file(&bad)
        .build();
    assert_eq!(
        diags,
        vec![Diagnostic::DocumentError {
            source: SourceId::file(&bad),
            kind: DocumentErrorKind::Syntax,
            line: Some(3),
            column: Some(34),
        }]
    );
    assert_eq!(
        diags[0].to_string(),
        format!("{}:3:34: invalid JSON", bad.display())
    );
    assert_no_leak(&everything(&diags));
    // The namespace source still works; the node tier is empty, not an error.
    assert_eq!(
        k.lookup_pull("good.io/x", None).unwrap().candidates().len(),
        1
    );
    assert!(k.lookup_pull("quay.io/x", None).unwrap().is_anonymous());
}

#[test]
fn broken_namespace_file_suppresses_node_but_other_namespace_sources_work() {
    let bad = data("bad-syntax.json");
    let (k, _) = Keyring::builder()
        .namespace_file(&bad, Format::DockerConfigJson)
        .namespace_document(
            SourceId::label("good"),
            br#"{"auths": {"good.io": {"auth": "dTpw"}}}"#,
            Format::DockerConfigJson,
        )
        .node_document(SourceId::label("node"), node(), Format::DockerConfigJson)
        .build();
    assert_eq!(k.failed_namespace_sources(), &[SourceId::file(&bad)]);
    assert_eq!(
        k.lookup_pull("good.io/x", None).unwrap().candidates().len(),
        1
    );
    let r = k.lookup_pull("registry.redhat.io/x", None).unwrap();
    assert!(r.is_anonymous());
    assert_eq!(r.warnings()[0].code(), "NodeSuppressed");
}

fn single_doc_error(bytes: &[u8]) -> (DocumentErrorKind, Option<usize>, Option<usize>) {
    let (_, diags) = Keyring::builder()
        .namespace_document(SourceId::label("d"), bytes, Format::DockerConfigJson)
        .build();
    match diags.as_slice() {
        [Diagnostic::DocumentError {
            kind, line, column, ..
        }] => (*kind, *line, *column),
        other => panic!("{other:?}"),
    }
}

#[test]
fn document_level_failures() {
    use DocumentErrorKind::*;
    assert_eq!(single_doc_error(b"").0, Empty);
    assert_eq!(single_doc_error(b" \n\t ").0, Empty);
    assert_eq!(
        single_doc_error(b"\xEF\xBB\xBF{}"),
        (ByteOrderMark, Some(1), Some(1))
    );
    assert_eq!(single_doc_error(b"[1, 2]").0, NotAnObject);
    assert_eq!(single_doc_error(b"\"Hk4Wz9Pq2Xv\"").0, NotAnObject);
    assert_eq!(
        single_doc_error(br#"{"auths": "Hk4Wz9Pq2Xv"}"#).0,
        InvalidStructure
    );
    assert_eq!(
        single_doc_error(b"{\"auths\": {\"a.io\": {\"auth\": \"\xff\xfe\"}}}").0,
        Syntax
    );
    let mut big = b"{\"x\": \"".to_vec();
    big.resize(MAX_DOCUMENT_BYTES + 1, b'a');
    assert_eq!(single_doc_error(&big).0, TooLarge);
    // auths null / absent: valid, empty
    for ok in [
        &br#"{"auths": null}"#[..],
        br#"{"HttpHeaders": {"x": "y"}}"#,
        b"{}",
    ] {
        let (_, diags) = Keyring::builder()
            .namespace_document(SourceId::label("d"), ok, Format::DockerConfigJson)
            .build();
        assert!(diags.is_empty(), "{diags:?}");
    }
}

#[test]
fn too_large_file_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.json");
    let mut content = b"{\"auths\": {}, \"pad\": \"".to_vec();
    content.resize(MAX_DOCUMENT_BYTES, b'a');
    content.extend_from_slice(b"\"}");
    std::fs::write(&path, &content).unwrap();
    let (_, diags) = Keyring::builder().node_file(&path).build();
    assert!(matches!(
        diags.as_slice(),
        [Diagnostic::DocumentError {
            kind: DocumentErrorKind::TooLarge,
            ..
        }]
    ));
    // exactly at the limit is fine
    content.truncate(MAX_DOCUMENT_BYTES - 2);
    content.extend_from_slice(b"\"}");
    std::fs::write(&path, &content).unwrap();
    let (_, diags) = Keyring::builder().node_file(&path).build();
    assert!(diags.is_empty(), "{diags:?}");
}

#[test]
fn missing_file_is_not_an_error() {
    let (k, diags) = Keyring::builder()
        .namespace_file("/nonexistent/dir/auth.json", Format::DockerConfigJson)
        .node_document(SourceId::label("node"), node(), Format::DockerConfigJson)
        .build();
    assert_eq!(
        diags,
        vec![Diagnostic::SourceMissing {
            source: SourceId::file("/nonexistent/dir/auth.json")
        }]
    );
    // Not degraded: node tier still answers.
    assert!(k.failed_namespace_sources().is_empty());
    assert_eq!(
        k.lookup_pull("quay.io/x", None).unwrap().candidates()[0].origin(),
        Origin::Node
    );
}

#[test]
fn directory_is_not_a_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let (k, diags) = Keyring::builder()
        .namespace_file(dir.path(), Format::DockerConfigJson)
        .build();
    assert_eq!(
        diags,
        vec![Diagnostic::DocumentError {
            source: SourceId::file(dir.path()),
            kind: DocumentErrorKind::NotRegularFile,
            line: None,
            column: None,
        }]
    );
    assert_eq!(k.failed_namespace_sources().len(), 1);
}

#[cfg(unix)]
#[test]
fn unreadable_file_wrong_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    std::fs::write(
        &path,
        br#"{"auths": {"quay.io": {"auth": "cm9ib3Q6SGs0V3o5UHEyWHY="}}}"#,
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    let privileged = std::fs::read(&path).is_ok(); // root (CAP_DAC_OVERRIDE) reads anyway
    let (k, diags) = Keyring::builder()
        .namespace_document(
            SourceId::label("ns"),
            br#"{"auths": {"ns.io": {"auth": "dTpw"}}}"#,
            Format::DockerConfigJson,
        )
        .node_file(&path)
        .build();
    if privileged {
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            k.lookup_pull("quay.io/x", None).unwrap().candidates().len(),
            1
        );
    } else {
        assert_eq!(
            diags,
            vec![Diagnostic::DocumentError {
                source: SourceId::file(&path),
                kind: DocumentErrorKind::PermissionDenied,
                line: None,
                column: None,
            }]
        );
        assert_eq!(
            diags[0].to_string(),
            format!("{}: permission denied", path.display())
        );
        assert!(k.lookup_pull("quay.io/x", None).unwrap().is_anonymous());
    }
    // Either way, the other source is unaffected.
    assert_eq!(
        k.lookup_pull("ns.io/x", None).unwrap().candidates().len(),
        1
    );
    // Restore so the temporary directory can be cleaned up.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

#[test]
fn kubernetes_secret_payloads() {
    let dockercfg = br#"{"quay.io": {"auth": "cm9ib3Q6SGs0V3o5UHEyWHY="}}"#;
    let (k, diags) = Keyring::builder()
        .namespace_secret(
            "ns",
            "opaque",
            "Opaque",
            [(".dockerconfigjson", &b"{}"[..])],
        )
        .namespace_secret(
            "ns",
            "empty",
            "kubernetes.io/dockerconfigjson",
            [(".dockerconfigjson", &b""[..])],
        )
        .namespace_secret(
            "ns",
            "wrongkey",
            "kubernetes.io/dockercfg",
            [(".dockerconfigjson", &b"{}"[..])],
        )
        .namespace_secret(
            "ns",
            "legacy",
            "kubernetes.io/dockercfg",
            [(".dockercfg", &dockercfg[..])],
        )
        .build();
    assert_eq!(
        diags,
        vec![
            Diagnostic::SecretDataMissing {
                source: SourceId::secret("ns", "empty", ".dockerconfigjson")
            },
            Diagnostic::SecretDataMissing {
                source: SourceId::secret("ns", "wrongkey", ".dockercfg")
            },
        ]
    );
    assert!(k.failed_namespace_sources().is_empty());
    let r = k.lookup_pull("quay.io/x", None).unwrap();
    assert_eq!(
        r.candidates()[0].source().as_str(),
        "secret:ns/legacy#.dockercfg"
    );
}

#[test]
fn legacy_dockercfg_file() {
    let path = data("legacy.dockercfg");
    let (k, diags) = Keyring::builder()
        .namespace_file(&path, Format::Dockercfg)
        .build();
    assert!(diags.is_empty(), "{diags:?}");
    let r = k.lookup_pull("docker.io/library/busybox", None).unwrap();
    assert_eq!(r.candidates()[0].key(), "docker.io");
    // "quay.io": {} is an empty marker: covers nothing.
    assert!(k.lookup_pull("quay.io/x", None).unwrap().is_anonymous());
    // The same bytes as DockerConfigJson have no "auths": zero entries.
    let (k, _) = Keyring::builder()
        .namespace_file(&path, Format::DockerConfigJson)
        .build();
    assert!(k
        .lookup_pull("docker.io/library/busybox", None)
        .unwrap()
        .is_anonymous());
}

#[test]
fn check_lists_every_problem_with_location() {
    let report = AuthFileReport::check_file(data("bad-entries.json"), Format::DockerConfigJson);
    assert!(!report.is_ok());
    let keys: Vec<&str> = report.problems().filter_map(|d| d.key()).collect();
    assert_eq!(
        keys,
        [
            "quay.io/team",
            "quay.io/nocolon",
            "quay.io/notutf8",
            "quay.io/type",
            "quay.io/notobj"
        ]
    );
    assert_eq!(report.entries().len(), 6);
    assert_eq!(report.usable_entries(), 1);
    let text = report.render_text();
    assert!(
        text.contains("bad-entries.json: 6 entries, 1 usable, 5 problems"),
        "{text}"
    );
    assert!(
        text.contains("entry \"quay.io/team\": auth is not valid base64"),
        "{text}"
    );
    let first = report.problems().next().unwrap();
    assert_eq!(first.code(), "EntryError");
    assert!(
        report.entries().iter().any(|e| matches!(
            &e.status,
            EntryStatus::Usable { username: Some(u), .. } if u == "robot"
        )),
        "{report:?}"
    );
    assert_no_leak(&format!("{text}{report:?}"));

    let report = AuthFileReport::check_file(data("bad-syntax.json"), Format::DockerConfigJson);
    assert!(!report.is_ok());
    match report.problems().next().unwrap() {
        Diagnostic::DocumentError {
            kind, line, column, ..
        } => {
            assert_eq!((*line, *column), (Some(3), Some(34)));
            assert_eq!(kind.code(), "Syntax");
        }
        other => panic!("{other:?}"),
    }
    assert_no_leak(&format!("{}{report:?}", report.render_text()));

    let report = AuthFileReport::check_file("/nonexistent/auth.json", Format::DockerConfigJson);
    assert!(!report.is_ok());
    assert_eq!(report.problems().next().unwrap().code(), "SourceMissing");

    let report = AuthFileReport::check_document(
        SourceId::label("ok"),
        br#"{"auths": {"quay.io": {"auth": "dTpw"}, "https://quay.io": {"auth": "dTpw"}}}"#,
        Format::DockerConfigJson,
    );
    assert!(report.is_ok(), "{}", report.render_text());
    assert_eq!(report.diagnostics()[0].code(), "DuplicateKey");
}

#[test]
fn explicit_cri_credential_errors_do_not_echo() {
    for (auth, reason) in [
        ("Qx7!Zk9#Wv", EntryErrorReason::AuthNotBase64),
        ("VnE4Sm0zUmsyTHc=", EntryErrorReason::AuthMissingColon),
    ] {
        let cfg = CriAuthConfig {
            auth: Secret::from(auth),
            password: Secret::from("Mt6Yb2Nc8Rd"),
            ..Default::default()
        };
        let err = Explicit::from_cri("quay.io", &cfg).unwrap_err();
        assert_eq!(err, CredentialError::ExplicitCredentialInvalid { reason });
        assert_no_leak(&format!("{err} {err:?} {cfg:?}"));
    }
    // identity and registry tokens are accepted; server_address ignored
    let cfg = CriAuthConfig {
        registry_token: Secret::from("Mt6Yb2Nc8Rd"),
        server_address: "elsewhere.io".into(),
        ..Default::default()
    };
    let e = Explicit::from_cri("Quay.io", &cfg).unwrap().unwrap();
    assert_eq!(e.bound_host(), "quay.io");
    assert_eq!(e.credential().kind(), "registry-token");
    assert_no_leak(&format!("{e:?}"));
    assert!(Explicit::from_cri("quay.io", &CriAuthConfig::default())
        .unwrap()
        .is_none());
    assert!(matches!(
        Explicit::from_cri("quay.io/x", &cfg),
        Err(CredentialError::InvalidBoundHost { .. })
    ));
}
