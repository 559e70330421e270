//! Keys, targets, matching and the tiered keyring (spec §4–§9).

use std::cmp::{Ordering, Reverse};
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use rustc_hash::FxHashMap;

use super::error::{
    CredentialError, Diagnostic, EntryErrorReason, KeyErrorReason, Origin, SourceId,
};
use super::parse::{self, build_credential, decode_auth, EntryValue, Format, RawFields};
use super::secret::{Credential, Secret};

// ---------------------------------------------------------------------------------------
// Grammar helpers

/// A repository path component, by the reference grammar's own rule (`path-comp`).
fn is_path_component(s: &str) -> bool {
    crate::reference::is_path_component(s.as_bytes())
}

/// `[a-z0-9*]([a-z0-9*-]*[a-z0-9*])?` (with `allow_wildcard`), else without `*`.
fn is_host_label(l: &str, allow_wildcard: bool) -> bool {
    let ok = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit() || (allow_wildcard && c == b'*');
    let b = l.as_bytes();
    match (b.first(), b.last()) {
        (Some(&f), Some(&z)) => ok(f) && ok(z) && b.iter().all(|&c| ok(c) || c == b'-'),
        _ => false,
    }
}

/// Parses `host[:port]`, lowercases the host and maps Docker Hub aliases to `docker.io`.
/// Returns (labels, port, has wildcard).
fn parse_host_port(
    s: &str,
    allow_wildcard: bool,
) -> Result<(Vec<String>, Option<u16>), KeyErrorReason> {
    if s.starts_with('[') {
        return Err(KeyErrorReason::Ipv6Unsupported);
    }
    let (host, port) = match s.split_once(':') {
        None => (s, None),
        Some((h, p)) => {
            if p.is_empty() || p.len() > 5 || !p.bytes().all(|c| c.is_ascii_digit()) {
                return Err(KeyErrorReason::InvalidPort);
            }
            match p.parse::<u16>() {
                Ok(n) if n > 0 => (h, Some(n)),
                _ => return Err(KeyErrorReason::InvalidPort),
            }
        }
    };
    if host.is_empty() {
        return Err(KeyErrorReason::EmptyHost);
    }
    let host = host.to_ascii_lowercase();
    let labels: Vec<String> = host.split('.').map(str::to_string).collect();
    if !labels.iter().all(|l| is_host_label(l, allow_wildcard)) {
        return Err(KeyErrorReason::InvalidHost);
    }
    if !labels.iter().any(|l| l.bytes().any(|c| c != b'*')) {
        return Err(KeyErrorReason::WildcardOnlyHost);
    }
    let labels = if port.is_none()
        && matches!(
            host.as_str(),
            "docker.io" | "index.docker.io" | "registry-1.docker.io"
        ) {
        vec!["docker".to_string(), "io".to_string()]
    } else {
        labels
    };
    Ok((labels, port))
}

/// `*`-only glob within one label.
fn glob_label(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

// ---------------------------------------------------------------------------------------
// Keys

/// A normalized credential key (§4): host labels, optional port, path segments.
///
/// ```
/// use shortnames::credentials::Key;
///
/// let k = Key::parse("https://index.docker.io/v1/").unwrap();
/// assert_eq!(k.to_string(), "docker.io");
/// assert_eq!(Key::parse("Quay.io/Team").unwrap_err().code(), "InvalidPath");
/// assert!(Key::parse("*.example.com:5000/team").unwrap().is_wildcard());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    host: String,
    port: Option<u16>,
    path: Vec<String>,
    wildcard: bool,
}

impl Key {
    /// Normalizes a raw key (an `auths` member name).
    pub fn parse(raw: &str) -> Result<Key, KeyErrorReason> {
        Self::parse_schemed(raw).map(|(k, _)| k)
    }

    /// Like [`Key::parse`], also telling whether an `http(s)://` prefix was removed.
    fn parse_schemed(raw: &str) -> Result<(Key, bool), KeyErrorReason> {
        if raw
            .bytes()
            .any(|c| c.is_ascii_whitespace() || c.is_ascii_control())
        {
            return Err(KeyErrorReason::WhitespaceOrControl);
        }
        let mut rest = raw;
        let mut schemed = false;
        if let Some(i) = raw.find("://") {
            let scheme = &raw[..i];
            if scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http") {
                rest = &raw[i + 3..];
                schemed = true;
            } else if !scheme.is_empty() && scheme.bytes().all(|c| c.is_ascii_alphabetic()) {
                return Err(KeyErrorReason::UnsupportedScheme);
            }
        }
        if rest.contains(['?', '#', '@']) {
            return Err(KeyErrorReason::ForbiddenCharacter);
        }
        let (host_part, path_part) = rest.split_once('/').unwrap_or((rest, ""));
        let path_part = path_part.trim_end_matches('/');
        let mut segments: Vec<&str> = if path_part.is_empty() {
            Vec::new()
        } else {
            path_part.split('/').collect()
        };
        if schemed && matches!(segments.first(), Some(&"v1") | Some(&"v2")) {
            segments.remove(0);
        }
        if !segments.iter().all(|s| is_path_component(s)) {
            return Err(KeyErrorReason::InvalidPath);
        }
        let (labels, port) = parse_host_port(host_part, true)?;
        let wildcard = labels.iter().any(|l| l.contains('*'));
        let key = Key {
            host: labels.join("."),
            port,
            path: segments.into_iter().map(str::to_string).collect(),
            wildcard,
        };
        Ok((key, schemed))
    }

    /// The lowercase host (may contain `*`).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port, if the key has one.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The path segments (empty: the whole registry).
    pub fn path(&self) -> &[String] {
        &self.path
    }

    /// Whether the host contains a `*` wildcard.
    pub fn is_wildcard(&self) -> bool {
        self.wildcard
    }

    /// Whether this key matches the target (§6).
    ///
    /// ```
    /// use shortnames::credentials::{Key, Target};
    ///
    /// let t = Target::parse("reg-eu.example.com/team/app:1").unwrap();
    /// assert!(Key::parse("reg-*.example.com").unwrap().matches(&t));
    /// assert!(Key::parse("reg-eu.example.com/team").unwrap().matches(&t));
    /// assert!(!Key::parse("reg-eu.example.com/tea").unwrap().matches(&t));
    /// assert!(!Key::parse("*.example.com:443").unwrap().matches(&t));
    /// ```
    pub fn matches(&self, target: &Target) -> bool {
        if self.port != target.port {
            return false;
        }
        let host_ok = if self.wildcard {
            let kl = self.host.split('.');
            let tl = target.host.split('.');
            kl.clone().count() == tl.clone().count()
                && kl
                    .zip(tl)
                    .all(|(k, t)| glob_label(k.as_bytes(), t.as_bytes()))
        } else {
            self.host == target.host
        };
        host_ok
            && self.path.len() <= target.path.len()
            && self.path.iter().zip(&target.path).all(|(k, t)| k == t)
    }

    fn literal_chars(&self) -> usize {
        self.host.bytes().filter(|&c| c != b'*').count()
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        for s in &self.path {
            write!(f, "/{s}")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Targets

/// Where a request goes: host, port and repository path of a physical image reference
/// (§5). Tag and digest are dropped.
///
/// ```
/// use shortnames::credentials::Target;
///
/// let t = Target::parse("Mirror.Example.com:5000/ocp/release@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef").unwrap();
/// assert_eq!((t.host(), t.port()), ("mirror.example.com", Some(5000)));
/// assert_eq!(t.path(), ["ocp", "release"]);
/// assert_eq!(t.to_string(), "mirror.example.com:5000/ocp/release");
/// assert!(Target::parse("nginx").is_err()); // not fully qualified
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    host: String,
    port: Option<u16>,
    path: Vec<String>,
}

impl Target {
    /// Parses a fully-qualified image reference `host[:port]/path[:tag][@digest]`.
    /// The host is lowercased; `index.docker.io` and `registry-1.docker.io` (without a
    /// port) become `docker.io`, as for keys.
    pub fn parse(reference: &str) -> Result<Target, CredentialError> {
        let err = |reason| CredentialError::InvalidReference {
            reference: reference.to_string(),
            reason,
        };
        let name = reference.split_once('@').map_or(reference, |(n, _)| n);
        let Some((domain, remainder)) = name.split_once('/') else {
            return Err(err("not fully qualified (no registry host)"));
        };
        if !(domain.contains(['.', ':']) || domain == "localhost") {
            return Err(err("not fully qualified (no registry host)"));
        }
        let repo = match remainder.rsplit_once('/') {
            Some((head, last)) => {
                let last = last.split_once(':').map_or(last, |(l, _)| l);
                if head.is_empty() {
                    return Err(err("empty path component"));
                }
                format!("{head}/{last}")
            }
            None => remainder
                .split_once(':')
                .map_or(remainder, |(l, _)| l)
                .to_string(),
        };
        let path: Vec<String> = repo.split('/').map(str::to_string).collect();
        if !path.iter().all(|s| is_path_component(s)) {
            return Err(err("invalid repository path"));
        }
        let (labels, port) = parse_host_port(domain, false).map_err(|_| err("invalid host"))?;
        Ok(Target {
            host: labels.join("."),
            port,
            path,
        })
    }

    /// Lowercase host.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Port, if any.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// Repository path segments.
    pub fn path(&self) -> &[String] {
        &self.path
    }

    fn same_host_port(&self, host: &str, port: Option<u16>) -> bool {
        self.host == host && self.port == port
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        for s in &self.path {
            write!(f, "/{s}")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Candidates and results

/// One credential offered for a target, with its provenance.
///
/// `Debug` and `Display` show origin, source, key and user name; secrets are redacted.
///
/// ```
/// use shortnames::credentials::{Format, Keyring, Origin, SourceId};
///
/// let node = br#"{"auths": {"quay.io": {"auth": "bm9kZTpwdw=="}}}"#;
/// let ns = br#"{"auths": {"quay.io/team": {"auth": "dGVhbTpwdw=="}, "quay.io/team/app": {"auth": "YXBwOnB3"}}}"#;
/// let (keyring, diagnostics) = Keyring::builder()
///     .namespace_document(SourceId::label("ns"), ns, Format::DockerConfigJson)
///     .node_document(SourceId::label("node"), node, Format::DockerConfigJson)
///     .build();
/// assert!(diagnostics.is_empty());
/// let creds = keyring.lookup_pull("quay.io/team/app:1", None).unwrap();
/// let c = creds.first().unwrap();
/// assert_eq!((c.source().to_string(), c.key()), ("ns".to_owned(), "quay.io/team/app"));
/// assert_eq!(c.credential().username(), Some("app"));
/// ```
#[derive(Clone, Debug)]
pub struct Candidate {
    origin: Origin,
    source: SourceId,
    key: String,
    raw_key: String,
    credential: Credential,
}

impl Candidate {
    /// The tier the credential came from.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// The document it came from (file path, `secret:ns/name#key`, label or `explicit`).
    pub fn source(&self) -> &SourceId {
        &self.source
    }

    /// Display form of the normalized key (e.g. `docker.io` for
    /// `https://index.docker.io/v1/`; the bound host for an explicit credential).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The key exactly as written in the document.
    pub fn raw_key(&self) -> &str {
        &self.raw_key
    }

    /// The credential.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }
}

impl fmt::Display for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.origin {
            Origin::Explicit => write!(f, "explicit credential for {}", self.key)?,
            _ => write!(f, "{}: {}", self.source, self.raw_key)?,
        }
        match self.credential.username() {
            Some(u) => write!(f, " (user {u:?})"),
            None => write!(f, " ({})", self.credential.kind()),
        }
    }
}

/// Result of a pull lookup: candidates of one tier, most specific first, plus the
/// warnings relevant to the target. Empty candidates = pull anonymously.
///
/// ```
/// use shortnames::credentials::{Format, Keyring, Origin, SourceId};
///
/// let node = br#"{"auths": {"quay.io": {"auth": "bm9kZTpwdw=="}}}"#;
/// let ns = br#"{"auths": {"quay.io/team": {"auth": "dGVhbTpwdw=="}, "quay.io/team/app": {"auth": "YXBwOnB3"}}}"#;
/// let (keyring, diagnostics) = Keyring::builder()
///     .namespace_document(SourceId::label("ns"), ns, Format::DockerConfigJson)
///     .node_document(SourceId::label("node"), node, Format::DockerConfigJson)
///     .build();
/// assert!(diagnostics.is_empty());
/// let creds = keyring.lookup_pull("quay.io/team/app:1", None).unwrap();
/// // Every match of the winning tier, most specific first.
/// let keys: Vec<&str> = creds.candidates().iter().map(|c| c.key()).collect();
/// assert_eq!(keys, ["quay.io/team/app", "quay.io/team"]);
/// ```
#[derive(Clone, Debug, Default)]
pub struct PullCredentials(CredentialList);

/// Result of a push lookup. By construction it never contains a node-tier credential.
///
/// ```
/// use shortnames::credentials::{Format, Keyring, Origin, SourceId};
///
/// let node = br#"{"auths": {"quay.io": {"auth": "bm9kZTpwdw=="}}}"#;
/// let ns = br#"{"auths": {"quay.io/team": {"auth": "dGVhbTpwdw=="}, "quay.io/team/app": {"auth": "YXBwOnB3"}}}"#;
/// let (keyring, diagnostics) = Keyring::builder()
///     .namespace_document(SourceId::label("ns"), ns, Format::DockerConfigJson)
///     .node_document(SourceId::label("node"), node, Format::DockerConfigJson)
///     .build();
/// assert!(diagnostics.is_empty());
/// // A push never sees the node tier.
/// assert!(keyring.lookup_push("quay.io/else/app", None).unwrap().is_anonymous());
/// assert!(!keyring.lookup_push("quay.io/team/app", None).unwrap().is_anonymous());
/// ```
#[derive(Clone, Debug, Default)]
pub struct PushCredentials(CredentialList);

/// What a lookup found, shared by [`PullCredentials`] and [`PushCredentials`] (which differ
/// in what they may contain, not in how they are read): the candidates in order and the
/// warnings for the target.
///
/// ```
/// use shortnames::credentials::{Format, Keyring, Origin, SourceId};
///
/// let node = br#"{"auths": {"quay.io": {"auth": "bm9kZTpwdw=="}}}"#;
/// let ns = br#"{"auths": {"quay.io/team": {"auth": "dGVhbTpwdw=="}, "quay.io/team/app": {"auth": "YXBwOnB3"}}}"#;
/// let (keyring, diagnostics) = Keyring::builder()
///     .namespace_document(SourceId::label("ns"), ns, Format::DockerConfigJson)
///     .node_document(SourceId::label("node"), node, Format::DockerConfigJson)
///     .build();
/// assert!(diagnostics.is_empty());
/// let list = keyring.lookup_pull("docker.io/library/busybox", None).unwrap();
/// assert!(list.is_anonymous() && list.first().is_none() && list.warnings().is_empty());
/// ```
#[derive(Clone, Debug, Default)]
pub struct CredentialList {
    candidates: Vec<Candidate>,
    warnings: Vec<Diagnostic>,
}

impl CredentialList {
    fn new(candidates: Vec<Candidate>, warnings: Vec<Diagnostic>) -> CredentialList {
        CredentialList {
            candidates,
            warnings,
        }
    }

    /// All candidates in order. Use the first; try the next only after a 401/403 from the
    /// same endpoint with the previous one.
    pub fn candidates(&self) -> &[Candidate] {
        &self.candidates
    }

    /// The credential to use first, or `None` for anonymous access.
    pub fn first(&self) -> Option<&Candidate> {
        self.candidates.first()
    }

    /// Warnings relevant to this target (invalid entries skipped, node tier suppressed).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// Whether no credential applies.
    pub fn is_anonymous(&self) -> bool {
        self.candidates.is_empty()
    }
}

impl fmt::Display for CredentialList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.first() {
            Some(c) => write!(f, "{c}"),
            None => f.write_str("anonymous"),
        }
    }
}

impl std::ops::Deref for PullCredentials {
    type Target = CredentialList;

    fn deref(&self) -> &CredentialList {
        &self.0
    }
}

impl std::ops::Deref for PushCredentials {
    type Target = CredentialList;

    fn deref(&self) -> &CredentialList {
        &self.0
    }
}

impl fmt::Display for PullCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for PushCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl PushCredentials {
    /// Builds a push result; fails if any candidate has origin [`Origin::Node`].
    pub fn new(
        candidates: Vec<Candidate>,
        warnings: Vec<Diagnostic>,
    ) -> Result<PushCredentials, CredentialError> {
        if let Some(c) = candidates.iter().find(|c| c.origin == Origin::Node) {
            return Err(CredentialError::NodeCredentialForPush {
                source: c.source.clone(),
            });
        }
        Ok(PushCredentials(CredentialList::new(candidates, warnings)))
    }
}

// ---------------------------------------------------------------------------------------
// Explicit credentials

/// The fields of a CRI `AuthConfig` (`PullImageRequest.auth`).
///
/// ```
/// use shortnames::credentials::{CriAuthConfig, Explicit, Secret};
///
/// let auth = CriAuthConfig { username: "robot".into(), password: Secret::from("pw"), ..Default::default() };
/// let explicit = Explicit::from_cri("quay.io", &auth).unwrap().unwrap();
/// assert_eq!(explicit.bound_host(), "quay.io");
/// // An empty AuthConfig is no credential at all.
/// assert!(Explicit::from_cri("quay.io", &CriAuthConfig::default()).unwrap().is_none());
/// ```
#[derive(Clone, Debug, Default)]
pub struct CriAuthConfig {
    /// `username`.
    pub username: String,
    /// `password`.
    pub password: Secret,
    /// `auth`: base64 of `username:password`.
    pub auth: Secret,
    /// `server_address` (ignored).
    pub server_address: String,
    /// `identity_token`.
    pub identity_token: Secret,
    /// `registry_token`.
    pub registry_token: Secret,
}

/// A per-request credential bound to the host it was obtained for (§8).
///
/// ```
/// use shortnames::credentials::{Credential, Explicit, Keyring, Origin, Secret};
///
/// let cred = Credential::Basic { username: "me".into(), password: Secret::from("pw") };
/// let explicit = Explicit::new("Index.Docker.io", cred).unwrap();
/// assert_eq!(explicit.bound_host(), "docker.io");
///
/// let (keyring, _) = Keyring::builder().build();
/// let hub = keyring.lookup_pull("docker.io/library/nginx:latest", Some(&explicit)).unwrap();
/// assert_eq!(hub.first().unwrap().origin(), Origin::Explicit);
/// // never sent to another registry
/// let other = keyring.lookup_pull("registry.access.redhat.com/nginx", Some(&explicit)).unwrap();
/// assert!(other.is_anonymous());
/// ```
#[derive(Clone, Debug)]
pub struct Explicit {
    host: String,
    port: Option<u16>,
    bound: String,
    credential: Credential,
}

impl Explicit {
    /// Binds a credential to `host[:port]` (normalized as keys are: lowercase, Docker Hub
    /// aliases → `docker.io`).
    pub fn new(bound_host: &str, credential: Credential) -> Result<Explicit, CredentialError> {
        let (labels, port) = parse_host_port(bound_host, false).map_err(|reason| {
            CredentialError::InvalidBoundHost {
                host: bound_host.to_string(),
                reason,
            }
        })?;
        let host = labels.join(".");
        let bound = match port {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        Ok(Explicit {
            host,
            port,
            bound,
            credential,
        })
    }

    /// Converts a CRI `AuthConfig` with §3 rules (`auth` over `username`/`password`;
    /// identity and registry tokens accepted; `server_address` ignored). `image_host` is
    /// the host of `PullImageRequest.image` after normalization. `Ok(None)`: the config
    /// holds no credential. A malformed `auth` fails with `ExplicitCredentialInvalid`.
    ///
    /// ```
    /// use shortnames::credentials::{CriAuthConfig, Explicit, Secret};
    ///
    /// let cfg = CriAuthConfig { auth: Secret::from("dTpw"), ..Default::default() };
    /// let e = Explicit::from_cri("quay.io", &cfg).unwrap().unwrap();
    /// assert_eq!(e.credential().username(), Some("u"));
    /// let bad = CriAuthConfig { auth: Secret::from("!!"), ..Default::default() };
    /// assert!(Explicit::from_cri("quay.io", &bad).is_err());
    /// ```
    pub fn from_cri(
        image_host: &str,
        auth: &CriAuthConfig,
    ) -> Result<Option<Explicit>, CredentialError> {
        if let Err(reason) = decode_auth(auth.auth.expose_secret()) {
            return Err(CredentialError::ExplicitCredentialInvalid { reason });
        }
        let fields = RawFields {
            auth: Some(auth.auth.expose_secret()),
            username: Some(&auth.username),
            password: Some(auth.password.expose_secret()),
            identitytoken: Some(auth.identity_token.expose_secret()),
            registrytoken: Some(auth.registry_token.expose_secret()),
        };
        match build_credential(&fields).0 {
            EntryValue::Usable(c) => Explicit::new(image_host, c).map(Some),
            EntryValue::Invalid(reason) => {
                Err(CredentialError::ExplicitCredentialInvalid { reason })
            }
            EntryValue::Empty => Ok(None),
        }
    }

    /// The normalized `host[:port]` the credential is bound to.
    pub fn bound_host(&self) -> &str {
        &self.bound
    }

    /// The credential.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    fn candidate(&self) -> Candidate {
        Candidate {
            origin: Origin::Explicit,
            source: SourceId::explicit(),
            key: self.bound.clone(),
            raw_key: self.bound.clone(),
            credential: self.credential.clone(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Loading

#[derive(Clone)]
enum StoredValue {
    Usable(Credential),
    Invalid(EntryErrorReason),
}

#[derive(Clone)]
struct StoredEntry {
    raw_key: String,
    key: Key,
    value: StoredValue,
    source_index: usize,
}

/// What happened to one entry of a document (for `check`).
///
/// ```
/// use shortnames::credentials::{AuthFileReport, EntryStatus, Format, SourceId};
///
/// let doc = br#"{"auths": {"quay.io": {"auth": "dTpwdw=="}, "x.io": {}, "bad key": {"auth": "dTpwdw=="}}}"#;
/// let report = AuthFileReport::check_document(SourceId::label("a.json"), doc, Format::DockerConfigJson);
/// let status: Vec<&EntryStatus> = report.entries().iter().map(|e| &e.status).collect();
/// assert!(matches!(status[0], EntryStatus::Usable { username: Some(u), .. } if u == "u"));
/// assert_eq!(status[1], &EntryStatus::Empty);
/// assert!(matches!(status[2], EntryStatus::InvalidKey(_)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryStatus {
    /// A usable credential of this kind (`basic`, …) with this user name.
    Usable {
        /// Credential kind.
        kind: &'static str,
        /// User name, if any.
        username: Option<String>,
    },
    /// The entry is invalid (it still covers its key).
    Invalid(EntryErrorReason),
    /// An empty marker (`{}` and the like): not a credential, covers nothing.
    Empty,
    /// The key is invalid; the entry never matches.
    InvalidKey(KeyErrorReason),
    /// The key duplicates another key of the same document and was dropped.
    Duplicate {
        /// The raw key that was kept.
        kept: String,
    },
}

/// One entry of a checked document.
///
/// ```
/// use shortnames::credentials::{AuthFileReport, Format, SourceId};
///
/// let doc = br#"{"auths": {"https://index.docker.io/v1/": {"auth": "dTpwdw=="}}}"#;
/// let report = AuthFileReport::check_document(SourceId::label("a.json"), doc, Format::DockerConfigJson);
/// let e = &report.entries()[0];
/// assert_eq!((e.raw_key.as_str(), e.key.as_deref()), ("https://index.docker.io/v1/", Some("docker.io")));
/// assert!(matches!(e.status, shortnames::credentials::EntryStatus::Usable { .. }));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntrySummary {
    /// The key as written.
    pub raw_key: String,
    /// The normalized key, when valid.
    pub key: Option<String>,
    /// What the entry amounts to.
    pub status: EntryStatus,
}

pub(crate) struct LoadedSource {
    pub id: SourceId,
    entries: Vec<StoredEntry>,
    pub diagnostics: Vec<Diagnostic>,
    /// The document failed as a whole (`DocumentError`).
    pub failed: bool,
    pub summary: Vec<EntrySummary>,
}

pub(crate) fn load_bytes(id: SourceId, bytes: &[u8], format: Format) -> LoadedSource {
    match parse::parse_document(&id, bytes, format) {
        Err(diag) => LoadedSource {
            id,
            entries: Vec::new(),
            diagnostics: vec![diag],
            failed: true,
            summary: Vec::new(),
        },
        Ok((parsed, mut diagnostics)) => {
            // Normalize keys; group duplicates (§4.8).
            let mut groups: HashMap<Key, Vec<(usize, bool)>> = HashMap::new();
            let mut summary = Vec::with_capacity(parsed.len());
            let mut keys: Vec<Option<Key>> = Vec::with_capacity(parsed.len());
            for (i, e) in parsed.iter().enumerate() {
                let status = match &e.value {
                    EntryValue::Usable(c) => EntryStatus::Usable {
                        kind: c.kind(),
                        username: c.username().map(str::to_string),
                    },
                    EntryValue::Invalid(r) => EntryStatus::Invalid(*r),
                    EntryValue::Empty => EntryStatus::Empty,
                };
                match Key::parse_schemed(&e.raw_key) {
                    Ok((key, schemed)) => {
                        summary.push(EntrySummary {
                            raw_key: e.raw_key.clone(),
                            key: Some(key.to_string()),
                            status,
                        });
                        groups.entry(key.clone()).or_default().push((i, schemed));
                        keys.push(Some(key));
                    }
                    Err(reason) => {
                        diagnostics.push(Diagnostic::KeyError {
                            source: id.clone(),
                            key: e.raw_key.clone(),
                            reason,
                        });
                        summary.push(EntrySummary {
                            raw_key: e.raw_key.clone(),
                            key: None,
                            status: EntryStatus::InvalidKey(reason),
                        });
                        keys.push(None);
                    }
                }
            }
            let mut dropped = vec![false; parsed.len()];
            let mut dup_diags = Vec::new();
            for members in groups.values().filter(|m| m.len() > 1) {
                let unschemed: Vec<usize> = members.iter().filter(|m| !m.1).map(|m| m.0).collect();
                let kept = if unschemed.len() == 1 {
                    unschemed[0]
                } else {
                    members
                        .iter()
                        .map(|m| m.0)
                        .min_by(|a, b| {
                            parsed[*a]
                                .raw_key
                                .as_bytes()
                                .cmp(parsed[*b].raw_key.as_bytes())
                        })
                        .unwrap_or(members[0].0)
                };
                for &(i, _) in members.iter().filter(|m| m.0 != kept) {
                    dropped[i] = true;
                    summary[i].status = EntryStatus::Duplicate {
                        kept: parsed[kept].raw_key.clone(),
                    };
                    dup_diags.push(Diagnostic::DuplicateKey {
                        source: id.clone(),
                        kept: parsed[kept].raw_key.clone(),
                        dropped: parsed[i].raw_key.clone(),
                    });
                }
            }
            dup_diags.sort_by(|a, b| a.key().cmp(&b.key()));
            diagnostics.extend(dup_diags);
            let mut entries = Vec::new();
            for ((e, key), dropped) in parsed.into_iter().zip(keys).zip(dropped) {
                let (Some(key), false) = (key, dropped) else {
                    continue;
                };
                let value = match e.value {
                    EntryValue::Usable(c) => StoredValue::Usable(c),
                    EntryValue::Invalid(r) => {
                        diagnostics.push(Diagnostic::EntryError {
                            source: id.clone(),
                            key: e.raw_key.clone(),
                            reason: r,
                        });
                        StoredValue::Invalid(r)
                    }
                    EntryValue::Empty => continue,
                };
                entries.push(StoredEntry {
                    raw_key: e.raw_key,
                    key,
                    value,
                    source_index: 0,
                });
            }
            LoadedSource {
                id,
                entries,
                diagnostics,
                failed: false,
                summary,
            }
        }
    }
}

pub(crate) fn load_file(path: &Path, format: Format) -> LoadedSource {
    let id = SourceId::file(path);
    match parse::read_source_file(path) {
        Ok(Some(bytes)) => load_bytes(id, &bytes, format),
        Ok(None) => LoadedSource {
            diagnostics: vec![Diagnostic::SourceMissing { source: id.clone() }],
            id,
            entries: Vec::new(),
            failed: false,
            summary: Vec::new(),
        },
        Err(kind) => LoadedSource {
            diagnostics: vec![Diagnostic::DocumentError {
                source: id.clone(),
                kind,
                line: None,
                column: None,
            }],
            id,
            entries: Vec::new(),
            failed: true,
            summary: Vec::new(),
        },
    }
}

/// A Kubernetes secret as a source (§2.3). `None`: not a pull-secret type.
fn load_secret<K, V>(
    namespace: &str,
    name: &str,
    secret_type: &str,
    data: impl IntoIterator<Item = (K, V)>,
) -> Option<LoadedSource>
where
    K: AsRef<str>,
    V: AsRef<[u8]>,
{
    let (data_key, format) = Format::for_kubernetes_secret_type(secret_type)?;
    let id = SourceId::secret(namespace, name, data_key);
    for (k, v) in data {
        if k.as_ref() == data_key && !v.as_ref().is_empty() {
            return Some(load_bytes(id, v.as_ref(), format));
        }
    }
    Some(LoadedSource {
        diagnostics: vec![Diagnostic::SecretDataMissing { source: id.clone() }],
        id,
        entries: Vec::new(),
        failed: false,
        summary: Vec::new(),
    })
}

// ---------------------------------------------------------------------------------------
// Tiers

struct Tier {
    origin: Origin,
    entries: Vec<StoredEntry>,
    /// Literal-host entries by host.
    by_host: FxHashMap<String, Vec<usize>>,
    wildcard: Vec<usize>,
    ids: Vec<SourceId>,
    failed: Vec<SourceId>,
}

enum TierOutcome {
    Usable(Vec<Candidate>, Vec<Diagnostic>),
    OnlyInvalid(CredentialError),
    Nothing,
}

impl Tier {
    fn new(origin: Origin, sources: Vec<LoadedSource>) -> Tier {
        let mut entries = Vec::new();
        let mut failed = Vec::new();
        let mut ids = Vec::new();
        for (i, s) in sources.into_iter().enumerate() {
            ids.push(s.id.clone());
            if s.failed {
                failed.push(s.id.clone());
            }
            for mut e in s.entries {
                e.source_index = i;
                entries.push(e);
            }
        }
        let mut by_host: FxHashMap<String, Vec<usize>> = FxHashMap::default();
        let mut wildcard = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            if e.key.wildcard {
                wildcard.push(i);
            } else {
                by_host.entry(e.key.host.clone()).or_default().push(i);
            }
        }
        Tier {
            origin,
            entries,
            by_host,
            wildcard,
            ids,
            failed,
        }
    }

    /// Matching entries in §6 order.
    fn matching(&self, target: &Target) -> Vec<&StoredEntry> {
        let mut found: Vec<&StoredEntry> = self
            .by_host
            .get(target.host.as_str())
            .into_iter()
            .flatten()
            .chain(&self.wildcard)
            .map(|&i| &self.entries[i])
            .filter(|e| e.key.matches(target))
            .collect();
        found.sort_by(|a, b| specificity(a, b));
        found
    }

    fn lookup(&self, target: &Target) -> TierOutcome {
        let matching = self.matching(target);
        if matching.is_empty() {
            return TierOutcome::Nothing;
        }
        let source_of = |e: &StoredEntry| self.ids[e.source_index].clone();
        let mut candidates = Vec::new();
        let mut warnings = Vec::new();
        let mut first_invalid = None;
        for e in matching {
            match &e.value {
                StoredValue::Usable(c) => candidates.push(Candidate {
                    origin: self.origin,
                    source: source_of(e),
                    key: e.key.to_string(),
                    raw_key: e.raw_key.clone(),
                    credential: c.clone(),
                }),
                StoredValue::Invalid(reason) => {
                    if first_invalid.is_none() {
                        first_invalid = Some(CredentialError::InvalidCredentialEntry {
                            source: source_of(e),
                            key: e.raw_key.clone(),
                            reason: *reason,
                        });
                    }
                    warnings.push(Diagnostic::EntryError {
                        source: source_of(e),
                        key: e.raw_key.clone(),
                        reason: *reason,
                    });
                }
            }
        }
        match (candidates.is_empty(), first_invalid) {
            (false, _) => TierOutcome::Usable(candidates, warnings),
            (true, Some(err)) => TierOutcome::OnlyInvalid(err),
            (true, None) => TierOutcome::Nothing,
        }
    }
}

/// §6: literal before wildcard; more path segments first; more literal host characters
/// first (wildcards); earlier source first; raw key byte-wise.
fn specificity(a: &StoredEntry, b: &StoredEntry) -> Ordering {
    let rank = |e: &StoredEntry| {
        (
            e.key.wildcard,
            Reverse(e.key.path.len()),
            Reverse(if e.key.wildcard {
                e.key.literal_chars()
            } else {
                0
            }),
            e.source_index,
        )
    };
    rank(a)
        .cmp(&rank(b))
        .then_with(|| a.raw_key.as_bytes().cmp(b.raw_key.as_bytes()))
}

// ---------------------------------------------------------------------------------------
// Builder

/// Builder state: the node tier may still be configured.
///
/// ```
/// use shortnames::credentials::{Keyring, KeyringBuilder, WithNode};
/// // The default builder state: `node_file`/`node_document` may still be called.
/// let builder: KeyringBuilder<WithNode> = Keyring::builder();
/// let (keyring, _) = builder.node_file("/nonexistent/kubelet/config.json").build();
/// assert!(keyring.has_node_tier());
/// ```
#[derive(Debug)]
pub struct WithNode;
/// Builder state: the keyring will have no node tier (custom-build style callers).
///
/// ```
/// use shortnames::credentials::{Keyring, KeyringBuilder, NoNode};
/// // After `without_node_tier` the node methods no longer exist (a compile-time guarantee).
/// let builder: KeyringBuilder<NoNode> = Keyring::builder().without_node_tier();
/// let (keyring, _) = builder.build();
/// assert!(!keyring.has_node_tier());
/// ```
#[derive(Debug)]
pub struct NoNode;

/// Builds a [`Keyring`]. Sources are loaded when added; loading never fails as a whole:
/// problems become [`Diagnostic`]s.
///
/// ```
/// use shortnames::credentials::{Format, Keyring, SourceId};
///
/// let (keyring, diagnostics) = Keyring::builder()
///     .namespace_document(SourceId::label("inline"), br#"{"auths":{"quay.io":{"auth":"dTpw"}}}"#, Format::DockerConfigJson)
///     .node_file("/nonexistent/kubelet/config.json")
///     .build();
/// assert_eq!(diagnostics[0].code(), "SourceMissing");
/// let creds = keyring.lookup_pull("quay.io/team/app:1", None).unwrap();
/// assert_eq!(creds.first().unwrap().credential().username(), Some("u"));
/// ```
pub struct KeyringBuilder<N = WithNode> {
    namespace: Vec<LoadedSource>,
    node: Option<LoadedSource>,
    forward_explicit: bool,
    state: PhantomData<N>,
}

impl<N> KeyringBuilder<N> {
    /// Adds a namespace-tier file (order = precedence among equally specific matches).
    pub fn namespace_file(mut self, path: impl AsRef<Path>, format: Format) -> Self {
        self.namespace.push(load_file(path.as_ref(), format));
        self
    }

    /// Adds a namespace-tier document held in memory.
    pub fn namespace_document(mut self, id: SourceId, bytes: &[u8], format: Format) -> Self {
        self.namespace.push(load_bytes(id, bytes, format));
        self
    }

    /// Adds a Kubernetes secret to the namespace tier. Types other than
    /// `kubernetes.io/dockerconfigjson` / `kubernetes.io/dockercfg` are skipped silently;
    /// a missing or empty data key gives `SecretDataMissing`.
    pub fn namespace_secret<K, V>(
        mut self,
        namespace: &str,
        name: &str,
        secret_type: &str,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self
    where
        K: AsRef<str>,
        V: AsRef<[u8]>,
    {
        if let Some(s) = load_secret(namespace, name, secret_type, data) {
            self.namespace.push(s);
        }
        self
    }

    /// When `true`, an explicit credential also applies to every pull source derived from
    /// the logical reference it was obtained for (mirrors, remapped locations). Default
    /// `false`.
    pub fn forward_explicit_to_mirrors(mut self, forward: bool) -> Self {
        self.forward_explicit = forward;
        self
    }

    /// Builds the keyring; returns it with all load-time diagnostics.
    pub fn build(self) -> (Keyring, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        for s in self.namespace.iter().chain(&self.node) {
            diagnostics.extend(s.diagnostics.iter().cloned());
        }
        let keyring = Keyring {
            namespace: Tier::new(Origin::Namespace, self.namespace),
            node: self.node.map(|s| Tier::new(Origin::Node, vec![s])),
            forward_explicit: self.forward_explicit,
            diagnostics: diagnostics.clone(),
        };
        (keyring, diagnostics)
    }
}

impl KeyringBuilder<WithNode> {
    /// Sets the node pull secret file (format `DockerConfigJson`), replacing any earlier
    /// node source. A missing file leaves the node tier empty (`SourceMissing`).
    pub fn node_file(mut self, path: impl AsRef<Path>) -> Self {
        self.node = Some(load_file(path.as_ref(), Format::DockerConfigJson));
        self
    }

    /// Sets the node source from a document held in memory.
    pub fn node_document(mut self, id: SourceId, bytes: &[u8], format: Format) -> Self {
        self.node = Some(load_bytes(id, bytes, format));
        self
    }

    /// Drops any node source and makes the node tier impossible to configure: the
    /// built keyring never returns node credentials, for pull or push.
    ///
    /// ```
    /// use shortnames::credentials::{Format, Keyring, SourceId};
    ///
    /// let node = br#"{"auths":{"quay.io":{"auth":"dTpw"}}}"#;
    /// let (k, _) = Keyring::builder()
    ///     .node_document(SourceId::label("node"), node, Format::DockerConfigJson)
    ///     .without_node_tier()
    ///     .build();
    /// assert!(!k.has_node_tier());
    /// assert!(k.lookup_pull("quay.io/x", None).unwrap().is_anonymous());
    /// ```
    pub fn without_node_tier(self) -> KeyringBuilder<NoNode> {
        KeyringBuilder {
            namespace: self.namespace,
            node: None,
            forward_explicit: self.forward_explicit,
            state: PhantomData,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Keyring

/// An immutable snapshot of credential sources in tiers: namespace sources (in caller
/// order), then the optional node source.
///
/// Pull lookups consult the node tier only when no namespace entry covers the target;
/// push lookups go through [`PushKeyring`], which has no access to the node tier.
///
/// ```
/// use shortnames::credentials::{Format, Keyring, Origin, SourceId};
///
/// let node = br#"{"auths": {"quay.io": {"auth": "bm9kZTpwdw=="}}}"#;
/// let ns = br#"{"auths": {"quay.io/team": {"auth": "dGVhbTpwdw=="}, "quay.io/team/app": {"auth": "YXBwOnB3"}}}"#;
/// let (keyring, diagnostics) = Keyring::builder()
///     .namespace_document(SourceId::label("ns"), ns, Format::DockerConfigJson)
///     .node_document(SourceId::label("node"), node, Format::DockerConfigJson)
///     .build();
/// assert!(diagnostics.is_empty());
/// let creds = keyring.lookup_pull("quay.io/team/app:1", None).unwrap();
/// assert_eq!(creds.first().unwrap().origin(), Origin::Namespace);
/// let other = keyring.lookup_pull("quay.io/else/app:1", None).unwrap();
/// assert_eq!(other.first().unwrap().origin(), Origin::Node);
/// ```
pub struct Keyring {
    namespace: Tier,
    node: Option<Tier>,
    forward_explicit: bool,
    diagnostics: Vec<Diagnostic>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("namespace_sources", &self.namespace.ids)
            .field("node_source", &self.node.as_ref().map(|n| &n.ids))
            .field("forward_explicit_to_mirrors", &self.forward_explicit)
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// Starts a builder.
    pub fn builder() -> KeyringBuilder<WithNode> {
        KeyringBuilder {
            namespace: Vec::new(),
            node: None,
            forward_explicit: false,
            state: PhantomData,
        }
    }

    /// All load-time diagnostics.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Whether a node source was configured.
    pub fn has_node_tier(&self) -> bool {
        self.node.is_some()
    }

    /// Namespace sources whose document failed to load. When non-empty, the node tier is
    /// suppressed for every target without a namespace match (§7).
    pub fn failed_namespace_sources(&self) -> &[SourceId] {
        &self.namespace.failed
    }

    /// Pull lookup for a physical reference (e.g. `mirror.example.net:5000/ns/app:tag`).
    /// The explicit credential applies iff its bound host equals the reference's
    /// `host[:port]`.
    pub fn lookup_pull(
        &self,
        reference: &str,
        explicit: Option<&Explicit>,
    ) -> Result<PullCredentials, CredentialError> {
        let target = Target::parse(reference)?;
        self.lookup_pull_target(&target, None, explicit)
    }

    /// Pull lookup for one pull source of resolution: `physical` is where the request
    /// goes (mirror or rewritten location), `logical` the candidate reference it was
    /// derived from. With `forward_explicit_to_mirrors`, the explicit credential also
    /// applies when its bound host equals the logical reference's host.
    pub fn lookup_pull_source(
        &self,
        physical: &str,
        logical: &str,
        explicit: Option<&Explicit>,
    ) -> Result<PullCredentials, CredentialError> {
        let target = Target::parse(physical)?;
        let logical = Target::parse(logical)?;
        self.lookup_pull_target(&target, Some(&logical), explicit)
    }

    /// Pull lookup on an already parsed target (§7.1).
    pub fn lookup_pull_target(
        &self,
        target: &Target,
        logical: Option<&Target>,
        explicit: Option<&Explicit>,
    ) -> Result<PullCredentials, CredentialError> {
        if let Some(e) = explicit {
            let forwarded =
                self.forward_explicit && logical.is_some_and(|l| l.same_host_port(&e.host, e.port));
            if target.same_host_port(&e.host, e.port) || forwarded {
                return Ok(PullCredentials(CredentialList::new(
                    vec![e.candidate()],
                    Vec::new(),
                )));
            }
        }
        match self.namespace.lookup(target) {
            TierOutcome::Usable(candidates, warnings) => {
                return Ok(PullCredentials(CredentialList::new(candidates, warnings)))
            }
            TierOutcome::OnlyInvalid(err) => return Err(err),
            TierOutcome::Nothing => {}
        }
        if !self.namespace.failed.is_empty() {
            return Ok(PullCredentials(CredentialList::new(
                Vec::new(),
                vec![Diagnostic::NodeSuppressed {
                    failed_sources: self.namespace.failed.clone(),
                }],
            )));
        }
        if let Some(node) = &self.node {
            match node.lookup(target) {
                TierOutcome::Usable(candidates, warnings) => {
                    return Ok(PullCredentials(CredentialList::new(candidates, warnings)))
                }
                TierOutcome::OnlyInvalid(err) => return Err(err),
                TierOutcome::Nothing => {}
            }
        }
        Ok(PullCredentials::default())
    }

    /// The push view of this keyring. It holds only the namespace tier.
    pub fn push(&self) -> PushKeyring<'_> {
        PushKeyring {
            namespace: &self.namespace,
        }
    }

    /// Push lookup (§7.2): shorthand for `self.push().lookup_push(reference, explicit)`.
    pub fn lookup_push(
        &self,
        reference: &str,
        explicit: Option<&Explicit>,
    ) -> Result<PushCredentials, CredentialError> {
        self.push().lookup_push(reference, explicit)
    }
}

/// A view of a [`Keyring`] for pushing. It has no node tier at all, and its results are
/// [`PushCredentials`], which cannot hold node credentials.
///
/// ```
/// use shortnames::credentials::{Format, Keyring, SourceId};
///
/// let node = br#"{"auths":{"quay.io":{"auth":"dTpw"}}}"#;
/// let (k, _) = Keyring::builder()
///     .node_document(SourceId::label("node"), node, Format::DockerConfigJson)
///     .build();
/// assert!(!k.lookup_pull("quay.io/x", None).unwrap().is_anonymous());
/// assert!(k.push().lookup_push("quay.io/x", None).unwrap().is_anonymous());
/// ```
#[derive(Clone, Copy)]
pub struct PushKeyring<'a> {
    namespace: &'a Tier,
}

impl fmt::Debug for PushKeyring<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushKeyring")
            .field("namespace_sources", &self.namespace.ids)
            .finish()
    }
}

impl PushKeyring<'_> {
    /// Push lookup for a physical reference: explicit credential if bound to this
    /// `host[:port]`, else the namespace tier, else anonymous.
    pub fn lookup_push(
        &self,
        reference: &str,
        explicit: Option<&Explicit>,
    ) -> Result<PushCredentials, CredentialError> {
        let target = Target::parse(reference)?;
        self.lookup_push_target(&target, explicit)
    }

    /// Push lookup on an already parsed target.
    pub fn lookup_push_target(
        &self,
        target: &Target,
        explicit: Option<&Explicit>,
    ) -> Result<PushCredentials, CredentialError> {
        if let Some(e) = explicit {
            if target.same_host_port(&e.host, e.port) {
                return PushCredentials::new(vec![e.candidate()], Vec::new());
            }
        }
        match self.namespace.lookup(target) {
            TierOutcome::Usable(candidates, warnings) => PushCredentials::new(candidates, warnings),
            TierOutcome::OnlyInvalid(err) => Err(err),
            TierOutcome::Nothing => Ok(PushCredentials::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_component_grammar() {
        for ok in ["a", "a.b", "a_b", "a__b", "a---b", "0x", "team"] {
            assert!(is_path_component(ok), "{ok}");
        }
        for bad in [
            "", "A", "a:b", "a___b", "a.", ".a", "a..b", "-a", "a-", "a/b",
        ] {
            assert!(!is_path_component(bad), "{bad}");
        }
    }

    #[test]
    fn glob() {
        assert!(glob_label(b"*", b"a"));
        assert!(glob_label(b"*", b""));
        assert!(glob_label(b"reg-*", b"reg-eu"));
        assert!(glob_label(b"reg-*", b"reg-"));
        assert!(!glob_label(b"reg-*", b"re"));
        assert!(glob_label(b"*a*b*", b"xxaybz"));
        assert!(!glob_label(b"*a*b", b"xxaybz"));
        assert!(glob_label(b"a*a", b"aaa"));
    }

    #[test]
    fn key_normalization() {
        let k = |s: &str| Key::parse(s).map(|k| k.to_string());
        assert_eq!(k("https://index.docker.io/v1/").unwrap(), "docker.io");
        assert_eq!(k("registry-1.docker.io").unwrap(), "docker.io");
        assert_eq!(k("docker.io:443").unwrap(), "docker.io:443");
        assert_eq!(k("HTTP://Quay.IO/v2/team/").unwrap(), "quay.io/team");
        assert_eq!(k("quay.io/v2/team").unwrap(), "quay.io/v2/team");
        assert_eq!(k("10.0.0.1:5000").unwrap(), "10.0.0.1:5000");
        assert_eq!(k("*.io").unwrap(), "*.io");
        let e = |s: &str| Key::parse(s).unwrap_err();
        assert_eq!(e("quay.io/app:latest"), KeyErrorReason::InvalidPath);
        assert_eq!(e("quay.io//x"), KeyErrorReason::InvalidPath);
        assert_eq!(e("*"), KeyErrorReason::WildcardOnlyHost);
        assert_eq!(e("*.*"), KeyErrorReason::WildcardOnlyHost);
        assert_eq!(e("[::1]:5000"), KeyErrorReason::Ipv6Unsupported);
        assert_eq!(e("ftp://quay.io"), KeyErrorReason::UnsupportedScheme);
        assert_eq!(e("quay .io"), KeyErrorReason::WhitespaceOrControl);
        assert_eq!(e("u@quay.io"), KeyErrorReason::ForbiddenCharacter);
        assert_eq!(e("quay.io:0"), KeyErrorReason::InvalidPort);
        assert_eq!(e("quay.io:65536"), KeyErrorReason::InvalidPort);
        assert_eq!(e("quay.io:"), KeyErrorReason::InvalidPort);
        assert_eq!(e("-quay.io"), KeyErrorReason::InvalidHost);
        assert_eq!(e(""), KeyErrorReason::EmptyHost);
        assert_eq!(e("/x"), KeyErrorReason::EmptyHost);
    }

    #[test]
    fn targets() {
        let t = Target::parse("localhost/x:1").unwrap();
        assert_eq!((t.host(), t.path()), ("localhost", &["x".to_string()][..]));
        let t = Target::parse("index.docker.io/library/nginx").unwrap();
        assert_eq!(t.host(), "docker.io");
        for bad in [
            "",
            "nginx",
            "LOCALHOST/x",
            "quay.io/",
            "quay.io/A",
            "quay.io//x",
            "[::1]:5000/x",
            "quay.io:0/x",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn push_credentials_reject_node_candidates() {
        let node = Candidate {
            origin: Origin::Node,
            source: SourceId::label("node"),
            key: "quay.io".into(),
            raw_key: "quay.io".into(),
            credential: Credential::RegistryToken {
                token: Secret::from("t"),
            },
        };
        let err = PushCredentials::new(vec![node.clone()], Vec::new()).unwrap_err();
        assert_eq!(
            err,
            CredentialError::NodeCredentialForPush {
                source: SourceId::label("node")
            }
        );
        let ns = Candidate {
            origin: Origin::Namespace,
            ..node
        };
        assert_eq!(
            PushCredentials::new(vec![ns], Vec::new())
                .unwrap()
                .candidates()
                .len(),
            1
        );
    }
}
