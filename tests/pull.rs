//! Pulls and pushes against real registries (CNCF distribution, `docker-registry`), each
//! scenario checked in the registries' logs: which endpoint was contacted, for which
//! repository, as which user. See tests/pull_support for the registry processes.

mod pull_support;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use pull_support::{
    auth_doc, layout_blob, runtime, write_image, write_index_image, Liar, Registry,
};
use shortnames::credentials::{Credential, Explicit, Format, Keyring, Secret, SourceId};
use shortnames::pull::{AttemptErrorKind, Platform, PullOptions, Puller};
use shortnames::{ConfigSources, Resolver};

fn resolver(conf: &str) -> Arc<Resolver> {
    let r = Resolver::new(&ConfigSources::from_text(
        "test-registries.conf",
        conf.to_owned(),
    ));
    r.config().expect("test configuration loads");
    Arc::new(r)
}

/// `[[registry]]` entries making each registry's own host reachable over plain HTTP.
fn insecure(regs: &[&Registry]) -> String {
    regs.iter()
        .map(|r| format!("[[registry]]\nlocation = \"{}\"\ninsecure = true\n", r.host))
        .collect()
}

struct Creds<'a> {
    ns: &'a [(&'a str, &'a str, &'a str)],
    node: &'a [(&'a str, &'a str, &'a str)],
    forward: bool,
}

const NONE: Creds<'static> = Creds {
    ns: &[],
    node: &[],
    forward: false,
};

fn keyring(c: &Creds) -> Arc<Keyring> {
    let mut b = Keyring::builder().forward_explicit_to_mirrors(c.forward);
    if !c.ns.is_empty() {
        b = b.namespace_document(
            SourceId::label("ns"),
            &auth_doc(c.ns),
            Format::DockerConfigJson,
        );
    }
    if !c.node.is_empty() {
        b = b.node_document(
            SourceId::label("node"),
            &auth_doc(c.node),
            Format::DockerConfigJson,
        );
    }
    let (k, diagnostics) = b.build();
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    Arc::new(k)
}

fn basic(user: &str, pass: &str) -> Credential {
    Credential::Basic {
        username: user.into(),
        password: Secret::from(pass),
    }
}

/// Pushes a one-layer image (written by hand) with the crate's own push; returns its digest.
fn seed(reg: &Registry, repo_tag: &str, marker: &str, admin: Option<(&str, &str)>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let digest = write_image(dir.path(), marker);
    push_layout(reg, dir.path(), repo_tag, admin, &digest);
    digest
}

type Seed<'a> = (&'a Registry, &'a str, &'a str, Option<(&'a str, &'a str)>);

/// [`seed`] for several images at once (in parallel: each push is independent).
fn seed_all(seeds: &[Seed]) -> Vec<String> {
    std::thread::scope(|s| {
        let handles: Vec<_> = seeds
            .iter()
            .map(|(reg, repo_tag, marker, admin)| {
                s.spawn(move || seed(reg, repo_tag, marker, *admin))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn push_layout(
    reg: &Registry,
    dir: &Path,
    repo_tag: &str,
    admin: Option<(&str, &str)>,
    digest: &str,
) {
    let ns: Vec<(&str, &str, &str)> = admin
        .iter()
        .map(|(u, p)| (reg.host.as_str(), *u, *p))
        .collect();
    let puller = Puller::new(
        resolver(&insecure(&[reg])),
        keyring(&Creds {
            ns: &ns,
            node: &[],
            forward: false,
        }),
    );
    let pushed = runtime()
        .block_on(puller.push(dir, &format!("{}/{repo_tag}", reg.host), None))
        .unwrap_or_else(|e| panic!("seeding {repo_tag}: {e}"));
    assert_eq!(pushed.digest, digest);
}

fn endpoints(attempts: &[shortnames::pull::Attempt]) -> Vec<String> {
    attempts.iter().map(|a| a.endpoint.clone()).collect()
}

fn kinds(attempts: &[shortnames::pull::Attempt]) -> Vec<Option<AttemptErrorKind>> {
    attempts
        .iter()
        .map(|a| a.error.as_ref().map(|e| e.kind()))
        .collect()
}

#[test]
fn puller_futures_are_send() {
    fn send<T: Send>(_: &T) {}
    let p = Puller::new(resolver(""), keyring(&NONE));
    let dir = tempfile::tempdir().unwrap();
    send(&p.inspect("x", None));
    send(&p.pull("x", None, dir.path(), &|_| {}));
    send(&p.push(dir.path(), "quay.io/x", None));
}

#[test]
fn aliases_search_order_and_plain_http_only_when_insecure() {
    let search = Registry::anonymous();
    let target = Registry::anonymous();
    let rt = runtime();
    let d = seed_all(&[
        (&search, "app:1", "from-search", None),
        (&target, "team/app:1", "from-alias-target", None),
        (&search, "solo:1", "solo", None),
    ]);
    let (in_search, in_target) = (d[0].clone(), d[1].clone());
    assert_ne!(in_search, in_target);

    // An alias hit pulls from the alias target even though the search registry has the name.
    let conf = format!(
        "unqualified-search-registries = [\"{t}\", \"{s}\"]\n[aliases]\n\"app\" = \"{t}/team/app\"\n{}",
        insecure(&[&search, &target]),
        t = target.host,
        s = search.host,
    );
    let puller = Puller::new(resolver(&conf), keyring(&NONE));
    let (ms, mt) = (search.mark(), target.mark());
    let got = rt.block_on(puller.inspect("app:1", None)).unwrap();
    assert_eq!(got.digest, in_target);
    assert_eq!(
        got.config["config"]["Labels"]["marker"],
        "from-alias-target"
    );
    assert_eq!(
        endpoints(&got.attempts),
        [format!("{}/team/app:1", target.host)]
    );
    assert_eq!(got.served_by().credential, "anonymous");
    assert!(
        !search.saw_repo_since(ms, "app"),
        "the search registry was asked"
    );
    assert_eq!(target.manifest_hits_since(mt, "team/app").len(), 1);

    // Search registries in order: a miss on the first, a hit on the second.
    let (ms, mt) = (search.mark(), target.mark());
    let got = rt.block_on(puller.inspect("solo:1", None)).unwrap();
    assert_eq!(
        endpoints(&got.attempts),
        [
            format!("{}/solo:1", target.host),
            format!("{}/solo:1", search.host)
        ]
    );
    assert_eq!(
        kinds(&got.attempts),
        [Some(AttemptErrorKind::NotFound), None]
    );
    assert!(target.saw_repo_since(mt, "solo"));
    assert_eq!(search.manifest_hits_since(ms, "solo").len(), 1);

    // Without `insecure` the endpoint is spoken to over HTTPS only: the plain-HTTP registry
    // fails the TLS handshake and never sees a request.
    let strict = Puller::new(resolver(""), keyring(&NONE));
    let ms = search.mark();
    let err = rt
        .block_on(strict.inspect(&format!("{}/app:1", search.host), None))
        .unwrap_err();
    assert_eq!(kinds(err.attempts()), [Some(AttemptErrorKind::Connection)]);
    assert!(!err.attempts()[0].insecure);
    assert!(!search.saw_repo_since(ms, "app"));
    // The same endpoint marked insecure answers.
    let ok = rt
        .block_on(puller.inspect(&format!("{}/app:1", search.host), None))
        .unwrap();
    assert_eq!(ok.digest, in_search);
    assert!(ok.served_by().insecure);
    assert_eq!(ok.served_by().scheme, "http");
}

#[test]
fn certificates_are_verified() {
    let reg = Registry::anonymous_tls();
    let name = format!("{}/app:1", reg.host);
    let rt = runtime();
    // Verified HTTPS: the self-signed certificate is refused before any request is made
    // (the registry logs no request at all).
    let strict = Puller::new(resolver(""), keyring(&NONE));
    let mk = reg.mark();
    let err = rt.block_on(strict.inspect(&name, None)).unwrap_err();
    assert_eq!(kinds(err.attempts()), [Some(AttemptErrorKind::Connection)]);
    let e = err.attempts()[0]
        .error
        .as_ref()
        .unwrap()
        .message()
        .to_ascii_lowercase();
    assert!(e.contains("certificate"), "{e}");
    assert_eq!(err.attempts()[0].scheme, "https");
    assert!(reg.uris_since(mk).is_empty());
    // `insecure` means plain HTTP, which this registry refuses.
    let lax = Puller::new(resolver(&insecure(&[&reg])), keyring(&NONE));
    let err = rt.block_on(lax.inspect(&name, None)).unwrap_err();
    assert_eq!(err.attempts()[0].scheme, "http");
    assert!(reg.uris_since(mk).is_empty());
}

#[test]
fn mirrors_in_order_digest_rules_blocked_sources_and_network_failures() {
    let m1 = Registry::anonymous();
    let m2 = Registry::anonymous();
    let p = Registry::anonymous();
    let rt = runtime();
    let d = seed_all(&[
        (&p, "lib/app:1", "app", None),
        (&m2, "lib/app:1", "app", None),
        (&p, "lib/only:1", "only", None),
        (&p, "dig/app:1", "dig", None),
        (&m2, "dig/app:1", "dig", None),
        (&p, "pfm/app:1", "pfm", None),
        (&m1, "pfm/app:1", "pfm", None),
        (&m2, "pfm/app:1", "pfm", None),
        (&m2, "bl/app:1", "bl", None),
        (&p, "net/app:1", "net", None),
    ]);
    let (app, dig, pfm) = (d[0].clone(), d[3].clone(), d[5].clone());
    // Same content, same digest, on every registry.
    assert_eq!((&d[1], &d[4], &d[6]), (&app, &dig, &pfm));
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Accepts connections (kernel backlog) and never answers.
    let black_hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hole = black_hole.local_addr().unwrap().port();

    let (m1h, m2h, ph) = (&m1.host, &m2.host, &p.host);
    let conf = format!(
        r#"{base}
[[registry]]
prefix = "{ph}/lib"
location = "{ph}/lib"
insecure = true
[[registry.mirror]]
location = "{m1h}/lib"
insecure = true
[[registry.mirror]]
location = "{m2h}/lib"
insecure = true

[[registry]]
prefix = "{ph}/dig"
location = "{ph}/dig"
insecure = true
mirror-by-digest-only = true
[[registry.mirror]]
location = "{m2h}/dig"
insecure = true

[[registry]]
prefix = "{ph}/pfm"
location = "{ph}/pfm"
insecure = true
[[registry.mirror]]
location = "{m1h}/pfm"
insecure = true
pull-from-mirror = "tag-only"
[[registry.mirror]]
location = "{m2h}/pfm"
insecure = true
pull-from-mirror = "digest-only"

[[registry]]
prefix = "{m1h}/blocked"
location = "{m1h}/blocked"
blocked = true

[[registry]]
prefix = "{ph}/bl"
location = "{ph}/bl"
insecure = true
[[registry.mirror]]
location = "{m1h}/blocked"
insecure = true
[[registry.mirror]]
location = "{m2h}/bl"
insecure = true

[[registry]]
prefix = "{ph}/forbidden"
location = "{ph}/forbidden"
blocked = true

[[registry]]
prefix = "{ph}/net"
location = "{ph}/net"
insecure = true
[[registry.mirror]]
location = "127.0.0.1:{closed}/net"
insecure = true
[[registry.mirror]]
location = "127.0.0.1:{hole}/net"
insecure = true
"#,
        base = insecure(&[&m1, &m2, &p]),
    );
    let r = resolver(&conf);
    let puller = Puller::new(r.clone(), keyring(&NONE));
    let marks = |regs: &[&Registry]| regs.iter().map(|r| r.mark()).collect::<Vec<_>>();

    // Mirror miss -> next mirror; the primary is not contacted.
    let mk = marks(&[&m1, &m2, &p]);
    let got = rt
        .block_on(puller.inspect(&format!("{ph}/lib/app:1"), None))
        .unwrap();
    assert_eq!(
        endpoints(&got.attempts),
        [format!("{m1h}/lib/app:1"), format!("{m2h}/lib/app:1")]
    );
    assert_eq!(
        kinds(&got.attempts),
        [Some(AttemptErrorKind::NotFound), None]
    );
    assert!(got.served_by().mirror);
    assert!(m1.saw_repo_since(mk[0], "lib/app"));
    assert_eq!(m2.manifest_hits_since(mk[1], "lib/app").len(), 1);
    assert!(!p.saw_repo_since(mk[2], "lib/app"));

    // Both mirrors miss -> the primary, in order.
    let mk = marks(&[&m1, &m2, &p]);
    let got = rt
        .block_on(puller.inspect(&format!("{ph}/lib/only:1"), None))
        .unwrap();
    assert_eq!(
        endpoints(&got.attempts),
        [
            format!("{m1h}/lib/only:1"),
            format!("{m2h}/lib/only:1"),
            format!("{ph}/lib/only:1")
        ]
    );
    assert_eq!(
        kinds(&got.attempts)[..2],
        [Some(AttemptErrorKind::NotFound); 2]
    );
    assert!(m1.saw_repo_since(mk[0], "lib/only") && m2.saw_repo_since(mk[1], "lib/only"));
    assert_eq!(p.manifest_hits_since(mk[2], "lib/only").len(), 1);

    // mirror-by-digest-only: a tag goes to the primary only; a digest to the mirror.
    let mk = marks(&[&m2, &p]);
    let got = rt
        .block_on(puller.inspect(&format!("{ph}/dig/app:1"), None))
        .unwrap();
    assert_eq!(endpoints(&got.attempts), [format!("{ph}/dig/app:1")]);
    assert!(!m2.saw_repo_since(mk[0], "dig/app"));
    let mk = marks(&[&m2, &p]);
    let got = rt
        .block_on(puller.inspect(&format!("{ph}/dig/app@{dig}"), None))
        .unwrap();
    assert_eq!(endpoints(&got.attempts), [format!("{m2h}/dig/app@{dig}")]);
    assert_eq!(got.digest, dig);
    assert!(!p.saw_repo_since(mk[1], "dig/app"));

    // pull-from-mirror: tag-only mirror for tags, digest-only mirror for digests.
    let mk = marks(&[&m1, &m2]);
    let got = rt
        .block_on(puller.inspect(&format!("{ph}/pfm/app:1"), None))
        .unwrap();
    assert_eq!(endpoints(&got.attempts), [format!("{m1h}/pfm/app:1")]);
    assert!(!m2.saw_repo_since(mk[1], "pfm/app"));
    let mk = marks(&[&m1, &m2]);
    let got = rt
        .block_on(puller.inspect(&format!("{ph}/pfm/app@{pfm}"), None))
        .unwrap();
    assert_eq!(endpoints(&got.attempts), [format!("{m2h}/pfm/app@{pfm}")]);
    assert!(!m1.saw_repo_since(mk[0], "pfm/app"));

    // A blocked source is skipped without contact; the next one serves.
    let mk = marks(&[&m1, &m2]);
    let got = rt
        .block_on(puller.inspect(&format!("{ph}/bl/app:1"), None))
        .unwrap();
    assert_eq!(
        kinds(&got.attempts),
        [Some(AttemptErrorKind::Blocked), None]
    );
    assert_eq!(got.attempts[0].endpoint, format!("{m1h}/blocked/app:1"));
    assert_eq!(got.attempts[0].credential, "not contacted");
    assert!(
        m1.uris_since(mk[0]).is_empty(),
        "the blocked mirror was contacted"
    );
    assert_eq!(m2.manifest_hits_since(mk[1], "bl/app").len(), 1);
    // A blocked primary: nothing is contacted and the error says why.
    let mk = marks(&[&p]);
    let err = rt
        .block_on(puller.inspect(&format!("{ph}/forbidden/app:1"), None))
        .unwrap_err();
    assert_eq!(kinds(err.attempts()), [Some(AttemptErrorKind::Blocked)]);
    assert!(
        err.to_string()
            .contains("is blocked in test-registries.conf"),
        "{err}"
    );
    assert!(p.uris_since(mk[0]).is_empty());

    // Connection refused and a read timeout are recorded per endpoint; the primary serves.
    // (A short read timeout, still far above what the local registry needs.)
    let short = Puller::new(r.clone(), keyring(&NONE))
        .options(PullOptions::default().timeouts(Duration::from_secs(10), Duration::from_secs(3)));
    let got = rt
        .block_on(short.inspect(&format!("{ph}/net/app:1"), None))
        .unwrap();
    assert_eq!(
        kinds(&got.attempts),
        [
            Some(AttemptErrorKind::Connection),
            Some(AttemptErrorKind::Timeout),
            None
        ]
    );
    assert_eq!(got.served_by().endpoint, format!("{ph}/net/app:1"));
    drop(black_hole);

    // A real pull into an OCI layout: every blob verified, the layer holds the marker.
    let dest = tempfile::tempdir().unwrap();
    let seen = std::sync::Mutex::new(Vec::new());
    let pulled = rt
        .block_on(
            puller.pull(&format!("{ph}/lib/app:1"), None, dest.path(), &|e| {
                seen.lock().unwrap().push(e.clone())
            }),
        )
        .unwrap();
    assert_eq!(pulled.image_digest, app);
    assert_eq!(pulled.served_by().endpoint, format!("{m2h}/lib/app:1"));
    assert_eq!(pulled.blobs, 3);
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dest.path().join("index.json")).unwrap()).unwrap();
    assert_eq!(index["manifests"][0]["digest"], app.as_str());
    assert_eq!(
        index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"],
        "1"
    );
    let mut layers = 0;
    for entry in std::fs::read_dir(dest.path().join("blobs/sha256")).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        assert_eq!(pull_support::sha256(&bytes), format!("sha256:{name}"));
        if bytes.windows(3).any(|w| w == b"app") && bytes.len() > 1024 {
            layers += 1;
        }
    }
    assert_eq!(
        layers, 1,
        "the layer (a tar holding the marker) was written"
    );
    assert!(seen
        .lock()
        .unwrap()
        .iter()
        .any(|e| matches!(e, shortnames::pull::Progress::Blob { .. })));
}

#[test]
fn image_index_platform_selection() {
    let p = Registry::anonymous();
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let (index, per_arch) = write_index_image(dir.path(), "multi", &["amd64", "arm64"]);
    push_layout(&p, dir.path(), "multi/app:1", None, &index);
    let name = format!("{}/multi/app:1", p.host);
    let conf = insecure(&[&p]);
    let arm = Puller::new(resolver(&conf), keyring(&NONE))
        .options(PullOptions::default().platform(Platform::parse("linux/arm64").unwrap()));
    let dest = tempfile::tempdir().unwrap();
    let pulled = rt
        .block_on(arm.pull(&name, None, dest.path(), &|_| {}))
        .unwrap();
    assert_eq!(pulled.digest, index);
    assert_eq!(pulled.media_type, "application/vnd.oci.image.index.v1+json");
    assert_eq!(pulled.image_digest, per_arch[1]);
    let got = rt.block_on(arm.inspect(&name, None)).unwrap();
    assert_eq!(got.config["architecture"], "arm64");
    let amd = Puller::new(resolver(&conf), keyring(&NONE))
        .options(PullOptions::default().platform(Platform::parse("linux/amd64").unwrap()));
    assert_eq!(
        rt.block_on(amd.inspect(&name, None)).unwrap().image_digest,
        per_arch[0]
    );
    // On an Engine: each operation uses its current snapshot.
    let engine = Arc::new(shortnames::Engine::new(ConfigSources::from_text(
        "engine.conf",
        conf.clone(),
    )));
    let on_engine = Puller::with_engine(engine, keyring(&NONE));
    assert_eq!(
        rt.block_on(on_engine.inspect(&name, None)).unwrap().digest,
        index
    );
    let none = Puller::new(resolver(&conf), keyring(&NONE))
        .options(PullOptions::default().platform(Platform::parse("linux/s390x").unwrap()));
    let err = rt.block_on(none.inspect(&name, None)).unwrap_err();
    let e = err.attempts()[0].error.as_ref().unwrap();
    assert!(e.message().contains("no manifest for linux/s390x"), "{e}");
}

#[test]
fn credentials_per_endpoint_against_password_checking_registries() {
    let p = Registry::start(&[
        ("admin", "adminpw"),
        ("nsuser", "nspass"),
        ("nodeuser", "nodepass"),
        ("expl", "explpw"),
    ]);
    let m = Registry::start(&[
        ("admin", "adminpw"),
        ("mirroruser", "mirrorpw"),
        ("nodeuser", "nodepass"),
        ("expl", "explpw"),
    ]);
    let n = Registry::start(&[
        ("admin", "adminpw"),
        ("nodeuser", "nodepass"),
        ("expl", "explpw"),
    ]);
    let rt = runtime();
    let admin = Some(("admin", "adminpw"));
    let d = seed_all(&[
        (&p, "solo/app:1", "solo", admin),
        (&p, "team/app:1", "team", admin),
        (&m, "team/app:1", "team", admin),
        (&n, "imp/app:1", "imp", admin),
    ]);
    let (solo, team, imp) = (d[0].clone(), d[1].clone(), d[3].clone());
    assert_eq!(d[2], team);
    let (ph, mh, nh) = (p.host.clone(), m.host.clone(), n.host.clone());
    let conf = format!(
        "unqualified-search-registries = [\"{ph}\", \"{nh}\"]\n{}\n[[registry]]\nprefix = \"{ph}/team\"\nlocation = \"{ph}/team\"\ninsecure = true\n[[registry.mirror]]\nlocation = \"{mh}/team\"\ninsecure = true\n",
        insecure(&[&p, &m, &n]),
    );
    let r = resolver(&conf);
    let puller = |c: &Creds| Puller::new(r.clone(), keyring(c));

    // A namespace credential wins over the node credential on the primary.
    let k = puller(&Creds {
        ns: &[(&ph, "nsuser", "nspass")],
        node: &[(&ph, "nodeuser", "nodepass")],
        forward: false,
    });
    let mk = p.mark();
    let got = rt
        .block_on(k.inspect(&format!("{ph}/solo/app:1"), None))
        .unwrap();
    assert_eq!(got.digest, solo);
    assert!(
        got.served_by().credential.starts_with("ns: "),
        "{}",
        got.served_by().credential
    );
    assert_eq!(p.manifest_hits_since(mk, "solo/app").len(), 1);
    assert_eq!(p.pull_users_since(mk, "solo/app"), ["nsuser"]);
    assert!(!p.log_since(mk).contains("nodeuser"));

    // A mirror gets its own host's credential (from the node file here).
    let k = puller(&Creds {
        ns: &[],
        node: &[
            (&mh, "mirroruser", "mirrorpw"),
            (&ph, "nodeuser", "nodepass"),
        ],
        forward: false,
    });
    let (mm, mp) = (m.mark(), p.mark());
    let got = rt
        .block_on(k.inspect(&format!("{ph}/team/app:1"), None))
        .unwrap();
    assert_eq!(endpoints(&got.attempts), [format!("{mh}/team/app:1")]);
    assert_eq!(m.pull_users_since(mm, "team/app"), ["mirroruser"]);
    assert!(!p.saw_repo_since(mp, "team/app"));

    // A wrong password: a 401 for that endpoint, and the next endpoint is tried.
    let k = puller(&Creds {
        ns: &[],
        node: &[(&mh, "mirroruser", "WRONG"), (&ph, "nodeuser", "nodepass")],
        forward: false,
    });
    let (mm, mp) = (m.mark(), p.mark());
    let got = rt
        .block_on(k.inspect(&format!("{ph}/team/app:1"), None))
        .unwrap();
    assert_eq!(
        kinds(&got.attempts),
        [Some(AttemptErrorKind::Unauthorized), None]
    );
    assert!(m
        .log_since(mm)
        .contains(r#"error authenticating user \"mirroruser\""#));
    assert_eq!(p.pull_users_since(mp, "team/app"), ["nodeuser"]);
    let shown = format!("{got:?}");
    assert!(
        !shown.contains("WRONG") && !shown.contains("nodepass"),
        "{shown}"
    );

    // Several matching namespace credentials: the next one is tried after a 401.
    let k = puller(&Creds {
        ns: &[
            (&format!("{ph}/solo"), "nsuser", "stale"),
            (&ph, "nsuser", "nspass"),
        ],
        node: &[],
        forward: false,
    });
    let got = rt
        .block_on(k.inspect(&format!("{ph}/solo/app:1"), None))
        .unwrap();
    assert_eq!(
        kinds(&got.attempts),
        [Some(AttemptErrorKind::Unauthorized), None]
    );
    assert_eq!(got.attempts[0].endpoint, got.attempts[1].endpoint);

    // Image import with the node pull secret alone: inspect succeeds ...
    let node_only = puller(&Creds {
        ns: &[],
        node: &[(&nh, "nodeuser", "nodepass")],
        forward: false,
    });
    let mn = n.mark();
    let got = rt
        .block_on(node_only.inspect(&format!("{nh}/imp/app:1"), None))
        .unwrap();
    assert_eq!(got.digest, imp);
    assert!(got.served_by().credential.starts_with("node: "));
    assert_eq!(n.pull_users_since(mn, "imp/app"), ["nodeuser"]);
    // Every endpoint failing: the error lists each attempt, and no password appears.
    let wrong = puller(&Creds {
        ns: &[(&nh, "nodeuser", "Pa55-wrong")],
        node: &[],
        forward: false,
    });
    let err = rt
        .block_on(wrong.inspect(&format!("{nh}/imp/app:1"), None))
        .unwrap_err();
    assert_eq!(
        kinds(err.attempts()),
        [Some(AttemptErrorKind::Unauthorized)]
    );
    let shown = format!("{err}\n{err:?}");
    assert!(shown.contains(&format!("{nh}/imp/app:1")), "{shown}");
    assert!(!shown.contains("Pa55"), "{shown}");

    // A broken namespace secret suppresses the node tier (it must not hand the node's
    // credentials to a registry that secret was meant to cover): the 401 says why.
    let (broken, _) = Keyring::builder()
        .namespace_document(
            SourceId::label("ns-broken"),
            br#"{"auths": [1]}"#,
            Format::DockerConfigJson,
        )
        .node_document(
            SourceId::label("node"),
            &auth_doc(&[(&nh, "nodeuser", "nodepass")]),
            Format::DockerConfigJson,
        )
        .build();
    let suppressed = Puller::new(r.clone(), Arc::new(broken));
    let mn = n.mark();
    let err = rt
        .block_on(suppressed.inspect(&format!("{nh}/imp/app:1"), None))
        .unwrap_err();
    assert_eq!(
        kinds(err.attempts()),
        [Some(AttemptErrorKind::Unauthorized)]
    );
    let e = err.attempts()[0].error.as_ref().unwrap().message();
    assert!(e.contains("ns-broken"), "{e}");
    assert!(!n.log_since(mn).contains("nodeuser"));
    // ... but a push there fails with an authentication error, and the registry never saw
    // the node's user name (who could push: see below).
    let layout = tempfile::tempdir().unwrap();
    let digest = write_image(layout.path(), "pushed");
    let mn = n.mark();
    let err = rt
        .block_on(node_only.push(layout.path(), &format!("{nh}/imp/new:1"), None))
        .unwrap_err();
    assert!(err.is_auth(), "{err}");
    assert!(
        err.to_string()
            .contains("node credentials are for pulls only"),
        "{err}"
    );
    assert_eq!(
        kinds(err.attempts()),
        [Some(AttemptErrorKind::Unauthorized)]
    );
    assert_eq!(err.attempts()[0].credential, "anonymous");
    assert!(n.saw_repo_since(mn, "imp/new"));
    assert!(!n.log_since(mn).contains("nodeuser"));
    // The same user as a namespace credential may push: the refusal above was the keyring's.
    let ns_push = puller(&Creds {
        ns: &[(&nh, "nodeuser", "nodepass")],
        node: &[],
        forward: false,
    });
    let pushed = rt
        .block_on(ns_push.push(layout.path(), &format!("{nh}/imp/new:1"), None))
        .unwrap();
    assert_eq!(pushed.digest, digest);

    // An explicit credential for one search registry is not sent to the next one.
    let explicit = Explicit::new(&ph, basic("expl", "explpw")).unwrap();
    let k = puller(&Creds {
        ns: &[],
        node: &[(&nh, "nodeuser", "nodepass")],
        forward: false,
    });
    let (mp, mn) = (p.mark(), n.mark());
    let got = rt
        .block_on(k.inspect("imp/app:1", Some(&explicit)))
        .unwrap();
    assert_eq!(
        endpoints(&got.attempts),
        [format!("{ph}/imp/app:1"), format!("{nh}/imp/app:1")]
    );
    assert_eq!(
        kinds(&got.attempts),
        [Some(AttemptErrorKind::NotFound), None]
    );
    assert!(p
        .requests_since(mp)
        .iter()
        .any(|r| r.user.as_deref() == Some("expl")));
    assert!(!n.log_since(mn).contains("expl"));
    assert_eq!(n.pull_users_since(mn, "imp/app"), ["nodeuser"]);

    // Bound to the primary's host, by default it is not sent to a mirror on another host ...
    let k = puller(&NONE);
    let (mm, mp) = (m.mark(), p.mark());
    let got = rt
        .block_on(k.inspect(&format!("{ph}/team/app:1"), Some(&explicit)))
        .unwrap();
    assert_eq!(
        kinds(&got.attempts),
        [Some(AttemptErrorKind::Unauthorized), None]
    );
    assert!(!m.log_since(mm).contains("expl"));
    assert_eq!(p.pull_users_since(mp, "team/app"), ["expl"]);
    // ... and with the opt-in it is forwarded to the mirror of the same candidate.
    let k = puller(&Creds {
        forward: true,
        ..NONE
    });
    let (mm, mp) = (m.mark(), p.mark());
    let got = rt
        .block_on(k.inspect(&format!("{ph}/team/app:1"), Some(&explicit)))
        .unwrap();
    assert_eq!(endpoints(&got.attempts), [format!("{mh}/team/app:1")]);
    assert_eq!(m.pull_users_since(mm, "team/app"), ["expl"]);
    assert!(!p.saw_repo_since(mp, "team/app"));
}

#[test]
fn cli_inspect_pull_push() {
    let reg = Registry::start(&[("nodeuser", "nodepass"), ("robot", "robotpw")]);
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("registries.conf");
    std::fs::write(&conf, insecure(&[&reg])).unwrap();
    let node = dir.path().join("node.json");
    std::fs::write(&node, auth_doc(&[(&reg.host, "nodeuser", "nodepass")])).unwrap();
    let ns = dir.path().join("ns.json");
    std::fs::write(&ns, auth_doc(&[(&reg.host, "robot", "robotpw")])).unwrap();
    let layout = dir.path().join("layout");
    let digest = write_image(&layout, "cli");
    let name = format!("{}/cli/app:1", reg.host);
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_shortnames"))
            .args(args)
            .args(["--registries-conf", conf.to_str().unwrap()])
            .args([
                "--registries-conf-d",
                dir.path().join("d").to_str().unwrap(),
            ])
            .output()
            .unwrap();
        let (o, e) = (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        );
        for secret in ["nodepass", "robotpw"] {
            assert!(!o.contains(secret) && !e.contains(secret), "{o}{e}");
        }
        (out.status.code(), o, e)
    };
    let layout_s = layout.to_str().unwrap();
    let node_s = node.to_str().unwrap();

    // The node pull secret is never used for a push.
    let (code, _, err) = run(&["push", layout_s, &name, "--node-auth-file", node_s]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("unauthorized"), "{err}");
    let (code, out, err) = run(&["push", layout_s, &name, "--auth-file", ns.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains(&digest), "{out}");

    // inspect as JSON with the node secret alone.
    let (code, out, err) = run(&[
        "inspect",
        "--format",
        "json",
        "--node-auth-file",
        node_s,
        &name,
    ]);
    assert_eq!(code, Some(0), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["digest"], digest.as_str());
    assert_eq!(
        doc["media_type"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    assert_eq!(doc["served_by"]["endpoint"], name.as_str());
    assert!(doc["served_by"]["credential"]
        .as_str()
        .unwrap()
        .starts_with(node_s));
    assert_eq!(doc["attempts"].as_array().unwrap().len(), 1);

    // A miss: exit status 1, the attempt and its error in the JSON.
    let (code, out, _) = run(&[
        "inspect",
        "--format",
        "json",
        "--node-auth-file",
        node_s,
        &format!("{}/cli/none:1", reg.host),
    ]);
    assert_eq!(code, Some(1));
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["attempts"][0]["error"]["kind"], "not-found");

    // pull with an explicit credential; plain progress lines when stderr is not a terminal.
    let dest = dir.path().join("pulled");
    let (code, out, err) = run(&[
        "pull",
        "--dest",
        dest.to_str().unwrap(),
        "--creds",
        "robot:robotpw",
        &name,
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains(&format!("trying {name}")), "{err}");
    assert!(
        out.contains("served by") && out.contains("explicit"),
        "{out}"
    );
    assert!(dest.join("index.json").is_file() && dest.join("oci-layout").is_file());

    // --quiet: the same pull prints its result and no progress.
    let quiet = dir.path().join("pulled-quiet");
    let (code, out, err) = run(&[
        "--quiet",
        "pull",
        "--dest",
        quiet.to_str().unwrap(),
        "--creds",
        "robot:robotpw",
        &name,
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.is_empty(), "--quiet printed: {err}");
    assert!(out.contains("served by"), "{out}");
    assert!(quiet.join("index.json").is_file());
}

#[test]
fn content_that_does_not_match_its_digest_fails_that_endpoint_only() {
    let p = Registry::anonymous();
    let src = tempfile::tempdir().unwrap();
    let digest = write_image(src.path(), "genuine");
    push_layout(&p, src.path(), "liar/app:1", None, &digest);
    let manifest = layout_blob(src.path(), &digest);
    // One mirror announces a wrong manifest digest; the other serves a genuine manifest but
    // blobs that match no digest.
    let wrong_manifest = Liar::start(manifest.clone(), format!("sha256:{}", "0".repeat(64)), 0);
    let wrong_blobs = Liar::start(manifest.clone(), digest.clone(), 0);
    // And one whose blobs are far longer than their descriptors say: cut off, not buffered.
    let endless = Liar::start(manifest, digest.clone(), 1 << 20);
    let ph = &p.host;
    let conf = format!(
        "{}\n[[registry]]\nprefix = \"{ph}/liar\"\nlocation = \"{ph}/liar\"\ninsecure = true\n\
         [[registry.mirror]]\nlocation = \"{}/liar\"\ninsecure = true\n\
         [[registry.mirror]]\nlocation = \"{}/liar\"\ninsecure = true\n\
         [[registry.mirror]]\nlocation = \"{}/liar\"\ninsecure = true\n",
        insecure(&[&p]),
        wrong_manifest.host,
        wrong_blobs.host,
        endless.host,
    );
    let puller = Puller::new(resolver(&conf), keyring(&NONE));
    let rt = runtime();
    let name = format!("{ph}/liar/app:1");
    let got = rt.block_on(puller.inspect(&name, None)).unwrap();
    let mismatch = Some(AttemptErrorKind::DigestMismatch);
    assert_eq!(kinds(&got.attempts), [mismatch, mismatch, mismatch, None]);
    let too_long = got.attempts[2].error.as_ref().unwrap().message();
    assert!(
        too_long.contains("more bytes than the descriptor's size"),
        "{too_long}"
    );
    assert_eq!(got.digest, digest);
    assert_eq!(got.served_by().endpoint, name);

    let dest = tempfile::tempdir().unwrap();
    let pulled = rt
        .block_on(puller.pull(&name, None, dest.path(), &|_| {}))
        .unwrap();
    assert_eq!(
        kinds(&pulled.attempts),
        [mismatch, mismatch, mismatch, None]
    );
    // Nothing unverified is left behind: every file under blobs/ matches its name.
    for entry in std::fs::read_dir(dest.path().join("blobs/sha256")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        assert_eq!(
            pull_support::sha256(&std::fs::read(&path).unwrap()),
            format!("sha256:{name}")
        );
    }
}
