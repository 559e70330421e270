//! Property tests: push never yields node credentials, pull never mixes tiers, ordering
//! does not depend on member order, and no secret from the inputs shows up in any
//! `Debug`, `Display`, error or check output.

use proptest::prelude::*;
use shortnames::credentials::{
    AuthFileReport, CriAuthConfig, Explicit, Format, Keyring, Origin, Secret, SourceId,
};

const KEYS: &[&str] = &[
    "quay.io",
    "quay.io/team",
    "quay.io/team/app",
    "https://quay.io/v1/",
    "QUAY.io/teamx",
    "*.example.com",
    "reg-*.example.com/a",
    "reg.example.com",
    "reg.example.com:5000",
    "docker.io",
    "https://index.docker.io/v1/",
    "docker.io/library",
    "quay.io/app:latest",
    "*",
];

const TARGETS: &[&str] = &[
    "quay.io/team/app:1",
    "quay.io/teamx/app",
    "quay.io/other@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "reg.example.com/a/b",
    "reg-eu.example.com/a/b",
    "reg.example.com:5000/a",
    "docker.io/library/nginx:latest",
    "example.com/x",
];

fn b64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Entry shapes; the `String` is the secret used in it.
#[derive(Clone, Debug)]
enum Shape {
    Auth,
    AuthNoColon,
    AuthNotBase64,
    PlainFields,
    IdentityToken,
    RegistryTokenIgnoredAuth,
    NotAnObject,
    FieldType,
    Empty,
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        Just(Shape::Auth),
        Just(Shape::AuthNoColon),
        Just(Shape::AuthNotBase64),
        Just(Shape::PlainFields),
        Just(Shape::IdentityToken),
        Just(Shape::RegistryTokenIgnoredAuth),
        Just(Shape::NotAnObject),
        Just(Shape::FieldType),
        Just(Shape::Empty),
    ]
}

/// Secrets use an alphabet that never forms 4 consecutive characters in library output.
fn secret() -> impl Strategy<Value = String> {
    "[QXZVWK]{12,20}"
}

fn entry_json(shape: &Shape, secret: &str) -> String {
    match shape {
        Shape::Auth => format!(
            r#"{{"auth": "{}"}}"#,
            b64(format!("user:{secret}").as_bytes())
        ),
        Shape::AuthNoColon => format!(r#"{{"auth": "{}"}}"#, b64(secret.as_bytes())),
        Shape::AuthNotBase64 => format!(r#"{{"auth": "{secret}!"}}"#),
        Shape::PlainFields => format!(r#"{{"username": "user", "password": "{secret}"}}"#),
        Shape::IdentityToken => format!(r#"{{"identitytoken": "{secret}"}}"#),
        Shape::RegistryTokenIgnoredAuth => format!(
            r#"{{"registrytoken": "{secret}", "auth": "{}"}}"#,
            b64(format!("other:{secret}").as_bytes())
        ),
        Shape::NotAnObject => format!(r#""{secret}""#),
        Shape::FieldType => format!(r#"{{"auth": 7, "password": "{secret}"}}"#),
        Shape::Empty => "{}".to_string(),
    }
}

fn doc(entries: &[(usize, Shape, String)]) -> String {
    let members: Vec<String> = entries
        .iter()
        .map(|(k, s, sec)| format!(r#""{}": {}"#, KEYS[*k], entry_json(s, sec)))
        .collect();
    format!(r#"{{"auths": {{{}}}}}"#, members.join(", "))
}

fn entries() -> impl Strategy<Value = Vec<(usize, Shape, String)>> {
    prop::collection::vec((0..KEYS.len(), shape(), secret()), 0..6)
}

/// Every 4-byte window of each secret, and every 8-byte window of the base64 forms.
fn assert_no_leak(output: &str, secrets: &[String]) -> Result<(), TestCaseError> {
    for s in secrets {
        for w in s.as_bytes().windows(4) {
            let w = std::str::from_utf8(w).unwrap();
            prop_assert!(!output.contains(w), "leaked {:?} in {}", w, output);
        }
        for form in [
            b64(s.as_bytes()),
            b64(format!("user:{s}").as_bytes()),
            b64(format!("other:{s}").as_bytes()),
        ] {
            for w in form.as_bytes().windows(8) {
                let w = std::str::from_utf8(w).unwrap();
                prop_assert!(!output.contains(w), "leaked base64 {:?} in {}", w, output);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// (a) Push never yields a node credential; pull results never mix tiers; the node
    /// tier is used for pull only when no namespace entry covers the target.
    #[test]
    fn push_never_node_and_pull_never_mixes_tiers(
        ns in prop::collection::vec(entries(), 0..3),
        ns_broken in any::<bool>(),
        node in entries(),
        target in 0..TARGETS.len(),
        forward in any::<bool>(),
    ) {
        let mut b = Keyring::builder()
            .node_document(SourceId::label("node"), doc(&node).as_bytes(), Format::DockerConfigJson)
            .forward_explicit_to_mirrors(forward);
        for (i, e) in ns.iter().enumerate() {
            b = b.namespace_document(SourceId::label(format!("ns{i}")), doc(e).as_bytes(), Format::DockerConfigJson);
        }
        if ns_broken {
            b = b.namespace_document(SourceId::label("broken"), b"{\"auths\": ", Format::DockerConfigJson);
        }
        let (k, _) = b.build();
        let t = TARGETS[target];
        if let Ok(push) = k.lookup_push(t, None) {
            prop_assert!(push.candidates().iter().all(|c| c.origin() != Origin::Node));
        }
        if let Ok(push) = k.push().lookup_push(t, None) {
            prop_assert!(push.candidates().iter().all(|c| c.origin() != Origin::Node));
        }
        // The same keyring without the node tier never returns node credentials for pull.
        let (no_node, _) = {
            let mut b = Keyring::builder()
                .node_document(SourceId::label("node"), doc(&node).as_bytes(), Format::DockerConfigJson)
                .without_node_tier();
            for (i, e) in ns.iter().enumerate() {
                b = b.namespace_document(SourceId::label(format!("ns{i}")), doc(e).as_bytes(), Format::DockerConfigJson);
            }
            b.build()
        };
        if let Ok(pull) = no_node.lookup_pull(t, None) {
            prop_assert!(pull.candidates().iter().all(|c| c.origin() != Origin::Node));
        }
        match k.lookup_pull(t, None) {
            Ok(pull) => {
                let origins: Vec<Origin> = pull.candidates().iter().map(|c| c.origin()).collect();
                prop_assert!(origins.windows(2).all(|w| w[0] == w[1]), "mixed tiers {:?}", origins);
                if origins.first() == Some(&Origin::Node) {
                    prop_assert!(!ns_broken);
                    // no namespace entry covers the target
                    let (ns_only, _) = {
                        let mut b = Keyring::builder();
                        for (i, e) in ns.iter().enumerate() {
                            b = b.namespace_document(SourceId::label(format!("ns{i}")), doc(e).as_bytes(), Format::DockerConfigJson);
                        }
                        b.build()
                    };
                    prop_assert!(matches!(ns_only.lookup_pull(t, None), Ok(r) if r.is_anonymous()));
                }
            }
            Err(e) => {
                prop_assert!(e.to_string().contains("is invalid"));
            }
        }
    }

    /// Ordering is total and independent of member order in the document.
    #[test]
    fn order_independent_of_member_order(
        e in entries(),
        shuffled_seed in any::<u64>(),
        target in 0..TARGETS.len(),
    ) {
        let mut shuffled = e.clone();
        // deterministic Fisher-Yates from the seed
        let mut x = shuffled_seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let run = |entries: &[(usize, Shape, String)]| {
            let (k, _) = Keyring::builder()
                .namespace_document(SourceId::label("d"), doc(entries).as_bytes(), Format::DockerConfigJson)
                .build();
            k.lookup_pull(TARGETS[target], None).map(|r| {
                r.candidates().iter().map(|c| c.raw_key().to_string()).collect::<Vec<_>>()
            }).map_err(|e| e.to_string())
        };
        // Duplicate raw keys keep the last value, so compare only documents without them.
        let mut ks: Vec<usize> = e.iter().map(|x| x.0).collect();
        ks.sort_unstable();
        ks.dedup();
        prop_assume!(ks.len() == e.len());
        prop_assert_eq!(run(&e), run(&shuffled));
    }

    /// (b) No secret byte sequence from the inputs appears in any Debug, Display, error or
    /// check output.
    #[test]
    fn secrets_never_appear_in_output(
        ns in entries(),
        node in entries(),
        truncate_at in any::<prop::sample::Index>(),
        cri_secret in secret(),
    ) {
        let mut secrets: Vec<String> = ns.iter().chain(&node).map(|e| e.2.clone()).collect();
        secrets.push(cri_secret.clone());
        let ns_doc = doc(&ns);
        let node_doc = doc(&node);
        let truncated = &node_doc.as_bytes()[..truncate_at.index(node_doc.len())];
        let (k, diags) = Keyring::builder()
            .namespace_document(SourceId::label("ns"), ns_doc.as_bytes(), Format::DockerConfigJson)
            .namespace_document(SourceId::label("cut"), truncated, Format::DockerConfigJson)
            .node_document(SourceId::label("node"), node_doc.as_bytes(), Format::DockerConfigJson)
            .build();
        let mut out = String::new();
        for d in &diags {
            out.push_str(&format!("{d}\n{d:?}\n"));
        }
        out.push_str(&format!("{k:?}\n{:?}\n", k.push()));
        for t in TARGETS {
            match k.lookup_pull(t, None) {
                Ok(r) => {
                    out.push_str(&format!("{r}\n{r:?}\n"));
                    for c in r.candidates() {
                        out.push_str(&format!("{c}\n{c:?}\n{}\n{:?}\n", c.credential(), c.credential()));
                    }
                }
                Err(e) => out.push_str(&format!("{e}\n{e:?}\n")),
            }
            match k.lookup_push(t, None) {
                Ok(r) => out.push_str(&format!("{r}\n{r:?}\n")),
                Err(e) => out.push_str(&format!("{e}\n{e:?}\n")),
            }
        }
        for (id, bytes) in [("ns", ns_doc.as_bytes()), ("cut", truncated)] {
            let report = AuthFileReport::check_document(SourceId::label(id), bytes, Format::DockerConfigJson);
            out.push_str(&format!("{}\n{report:?}\n", report.render_text()));
        }
        for auth in [b64(format!("user:{cri_secret}").as_bytes()), format!("{cri_secret}!"), b64(cri_secret.as_bytes())] {
            let cfg = CriAuthConfig { auth: Secret::new(auth), password: Secret::new(cri_secret.clone()), ..Default::default() };
            out.push_str(&format!("{cfg:?}\n"));
            match Explicit::from_cri("quay.io", &cfg) {
                Ok(e) => out.push_str(&format!("{e:?}\n")),
                Err(e) => out.push_str(&format!("{e}\n{e:?}\n")),
            }
        }
        assert_no_leak(&out, &secrets)?;
    }

    /// The decoders and the key/reference parsers never panic on arbitrary input.
    #[test]
    fn parsers_never_panic(s in "\\PC{0,40}", bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = shortnames::credentials::Key::parse(&s);
        let _ = shortnames::credentials::Target::parse(&s);
        let (k, _) = Keyring::builder()
            .namespace_document(SourceId::label("b"), &bytes, Format::Dockercfg)
            .namespace_document(SourceId::label("s"), s.as_bytes(), Format::DockerConfigJson)
            .build();
        let _ = k.lookup_pull(&s, None);
        let doc = format!(r#"{{"auths": {{"quay.io": {{"auth": {:?}}}}}}}"#, s);
        let (k, _) = Keyring::builder()
            .namespace_document(SourceId::label("a"), doc.as_bytes(), Format::DockerConfigJson)
            .build();
        let _ = k.lookup_pull("quay.io/x", None);
    }
}
