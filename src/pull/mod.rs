//! Real pulls and pushes through [`oci-client`](https://docs.rs/oci-client) (feature
//! `oci-client`): the engine's decision acted on.
//!
//! A [`Puller`] is built from a [`Resolver`] (or an [`Engine`], whose current snapshot each
//! operation uses) and a [`Keyring`]. For a name it resolves the candidates and, for each
//! candidate and each of its pull sources in order:
//!
//! * skips a refused (blocked) source without contacting it;
//! * builds the oci-client reference from the source's rewritten reference;
//! * presents the credential the keyring selects for *that* endpoint (basic credentials, or
//!   an identity or registry token as bearer; several matching credentials are tried in
//!   order after a 401/403, never one of a lower tier);
//! * uses plain HTTP only when the endpoint is `insecure`, HTTPS with verification otherwise;
//! * on failure (404, 401/403, connection refused, timeout, digest mismatch, ...) records the
//!   endpoint's error and goes on; the first success ends the loop.
//!
//! Every result lists every [`Attempt`] with its error, and says which endpoint served it.
//! No credential value appears in any of it (user names do, as in `shortnames resolve`).
//!
//! Operations: [`Puller::inspect`] (digest, media type, config), [`Puller::pull`] (every blob
//! into an OCI image layout directory, each digest verified, one platform of an index) and
//! [`Puller::push`] (from an OCI image layout), which looks credentials up in the push view of
//! the keyring only, so the node pull secret can never be sent.
//!
//! An explicit per-request credential ([`Explicit`], e.g. from a CRI `PullImageRequest`) is
//! bound to the registry host it was given for: other search registries and mirrors on other
//! hosts do not get it, unless the keyring was built with
//! [`forward_explicit_to_mirrors`](crate::credentials::KeyringBuilder::forward_explicit_to_mirrors)
//! (mirrors of the same candidate then get it too).
//!
//! The operations are `async` (any tokio runtime with I/O and time enabled; their futures
//! are `Send`). Embedding it in a runtime's pull path:
//!
//! ```no_run
//! use std::path::Path;
//! use std::sync::Arc;
//!
//! use shortnames::credentials::{CriAuthConfig, Explicit, Keyring, Secret};
//! use shortnames::pull::Puller;
//! use shortnames::{ConfigSources, Resolver};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let pod_secret: &[u8] = b"{}";
//! // The node's registries.conf (or ConfigSources::from_text for one received over the wire).
//! let resolver = Arc::new(Resolver::new(&ConfigSources::new()));
//! // The pod's pull secrets (namespace tier) over the node pull secret.
//! let (keyring, diagnostics) = Keyring::builder()
//!     .namespace_secret("app", "pull", "kubernetes.io/dockerconfigjson",
//!                       [(".dockerconfigjson", pod_secret)])
//!     .node_file("/var/lib/kubelet/config.json")
//!     .build();
//! for d in &diagnostics {
//!     eprintln!("credentials: {d}"); // names the source and key, never a value
//! }
//! let puller = Puller::new(resolver, Arc::new(keyring));
//!
//! // The credential of a CRI PullImageRequest, bound to the host of its image.
//! let auth = CriAuthConfig { username: "robot".into(), password: Secret::from("s3cret"), ..Default::default() };
//! let explicit = Explicit::from_cri("quay.io", &auth)?;
//!
//! let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! let dest = Path::new("/var/lib/images/app");
//! match rt.block_on(puller.pull("quay.io/team/app:1", explicit.as_ref(), dest, &|_| {})) {
//!     Ok(image) => println!("{} from {}", image.digest, image.served_by().endpoint),
//!     Err(e) => eprintln!("{e}"), // every endpoint tried, each with its error
//! }
//! # Ok(())
//! # }
//! ```

mod layout;
mod transport;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::credentials::{CredentialCandidate, Explicit, Keyring, Origin};
use crate::{Engine, Reference, Resolver};
use layout::{Descriptor, Layout};
use transport::{Net, Scheme, Session};

/// The platform chosen from an image index.
///
/// ```
/// use shortnames::pull::Platform;
/// let p = Platform::parse("linux/arm64/v8").unwrap();
/// assert_eq!((p.os.as_str(), p.architecture.as_str(), p.variant.as_deref()), ("linux", "arm64", Some("v8")));
/// assert!(Platform::parse("linux").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// Operating system, e.g. `linux`.
    pub os: String,
    /// Architecture in OCI terms, e.g. `amd64`, `arm64`.
    pub architecture: String,
    /// Variant, e.g. `v8`; `None` accepts any.
    pub variant: Option<String>,
}

impl Platform {
    /// The platform this program runs on (`linux/amd64` on x86-64 Linux).
    ///
    /// ```
    /// let p = shortnames::pull::Platform::host();
    /// assert!(!p.os.is_empty() && !p.architecture.is_empty());
    /// ```
    pub fn host() -> Platform {
        let architecture = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "powerpc64" => "ppc64le",
            "s390x" => "s390x",
            "riscv64" => "riscv64",
            other => other,
        };
        Platform {
            os: std::env::consts::OS.to_owned(),
            architecture: architecture.to_owned(),
            variant: None,
        }
    }

    /// Parses `os/architecture[/variant]`.
    ///
    /// ```
    /// use shortnames::pull::Platform;
    /// let p = Platform::parse("linux/arm64/v8").unwrap();
    /// assert_eq!((p.os.as_str(), p.architecture.as_str(), p.variant.as_deref()), ("linux", "arm64", Some("v8")));
    /// assert!(Platform::parse("linux").is_none());
    /// ```
    pub fn parse(s: &str) -> Option<Platform> {
        let mut it = s.split('/');
        let os = it.next().filter(|x| !x.is_empty())?;
        let architecture = it.next().filter(|x| !x.is_empty())?;
        let variant = it.next().map(str::to_owned);
        if it.next().is_some() {
            return None;
        }
        Some(Platform {
            os: os.to_owned(),
            architecture: architecture.to_owned(),
            variant,
        })
    }

    fn matches(&self, d: &Descriptor) -> bool {
        d.platform.as_ref().is_some_and(|(os, arch, variant)| {
            *os == self.os
                && *arch == self.architecture
                && match (&self.variant, variant) {
                    (Some(want), Some(have)) => want == have,
                    (Some(_), None) | (None, _) => true,
                }
        })
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// Network and selection settings of a [`Puller`].
///
/// ```
/// use std::time::Duration;
/// use shortnames::pull::{Platform, PullOptions};
/// let options = PullOptions::default()
///     .timeouts(Duration::from_secs(5), Duration::from_secs(60))
///     .platform(Platform::parse("linux/amd64").unwrap());
/// # let _ = options;
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PullOptions {
    /// Limit for establishing a connection to one endpoint (default 10 s).
    pub connect_timeout: Duration,
    /// Limit for a read to stall on one endpoint (default 30 s).
    pub read_timeout: Duration,
    /// The platform chosen from an image index (default [`Platform::host`]).
    pub platform: Platform,
}

impl Default for PullOptions {
    fn default() -> Self {
        PullOptions {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            platform: Platform::host(),
        }
    }
}

impl PullOptions {
    /// Sets both timeouts.
    pub fn timeouts(mut self, connect: Duration, read: Duration) -> Self {
        self.connect_timeout = connect;
        self.read_timeout = read;
        self
    }

    /// Sets the platform chosen from an image index.
    pub fn platform(mut self, platform: Platform) -> Self {
        self.platform = platform;
        self
    }
}

/// Why one endpoint attempt failed.
///
/// ```
/// use shortnames::pull::AttemptErrorKind;
/// assert_eq!(AttemptErrorKind::NotFound.as_str(), "not-found");
/// assert!(AttemptErrorKind::Unauthorized.is_auth() && !AttemptErrorKind::Timeout.is_auth());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AttemptErrorKind {
    /// The source lies under a blocked `[[registry]]` entry; it was not contacted.
    Blocked,
    /// The pull sources of the candidate could not be computed (e.g. an invalid rewrite).
    Config,
    /// The credential lookup failed (only invalid entries in the winning tier); not contacted.
    Credentials,
    /// 404: the repository, tag, manifest or blob is not there.
    NotFound,
    /// 401: no or wrong credentials.
    Unauthorized,
    /// 403: the credentials are not allowed to do this.
    Denied,
    /// The connection could not be established (refused, TLS, DNS, reset).
    Connection,
    /// The connection or a read timed out.
    Timeout,
    /// Content did not match its digest or size.
    DigestMismatch,
    /// Anything else the registry answered that cannot be used.
    Protocol,
    /// A local problem (writing the layout).
    Local,
}

impl AttemptErrorKind {
    /// `blocked`, `config`, `credentials`, `not-found`, `unauthorized`, `denied`,
    /// `connection`, `timeout`, `digest-mismatch`, `protocol` or `local`.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptErrorKind::Blocked => "blocked",
            AttemptErrorKind::Config => "config",
            AttemptErrorKind::Credentials => "credentials",
            AttemptErrorKind::NotFound => "not-found",
            AttemptErrorKind::Unauthorized => "unauthorized",
            AttemptErrorKind::Denied => "denied",
            AttemptErrorKind::Connection => "connection",
            AttemptErrorKind::Timeout => "timeout",
            AttemptErrorKind::DigestMismatch => "digest-mismatch",
            AttemptErrorKind::Protocol => "protocol",
            AttemptErrorKind::Local => "local",
        }
    }

    /// Whether the failure is an authentication or authorization refusal (401/403).
    pub fn is_auth(self) -> bool {
        matches!(
            self,
            AttemptErrorKind::Unauthorized | AttemptErrorKind::Denied
        )
    }
}

/// The error of one endpoint attempt. The message never contains a credential.
///
/// ```
/// use std::sync::Arc;
/// use shortnames::credentials::Keyring;
/// use shortnames::pull::{AttemptErrorKind, Puller};
/// use shortnames::{ConfigSources, Resolver};
///
/// // A mirror on a closed loopback port, then the primary on another: both refused at once.
/// let resolver = Resolver::new(&ConfigSources::from_text("r.conf", r#"
/// [[registry]]
/// location = "127.0.0.1:1"
/// insecure = true
/// [[registry.mirror]]
/// location = "127.0.0.1:2"
/// insecure = true
/// "#));
/// let puller = Puller::new(resolver, Keyring::builder().build().0);
/// let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// let err = rt.block_on(puller.inspect("127.0.0.1:1/team/app:1", None)).unwrap_err();
/// let e = err.attempts()[1].error.as_ref().unwrap();
/// assert_eq!(e.kind(), AttemptErrorKind::Connection);
/// assert!(!e.message().is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptError {
    kind: AttemptErrorKind,
    message: String,
}

impl AttemptError {
    pub(crate) fn new(kind: AttemptErrorKind, message: impl Into<String>) -> AttemptError {
        AttemptError {
            kind,
            message: message.into(),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> AttemptErrorKind {
        self.kind
    }

    /// The details.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for AttemptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.message)
    }
}

/// One endpoint attempt (or a source skipped without contact).
///
/// ```
/// use std::sync::Arc;
/// use shortnames::credentials::Keyring;
/// use shortnames::pull::{AttemptErrorKind, Puller};
/// use shortnames::{ConfigSources, Resolver};
///
/// // A mirror on a closed loopback port, then the primary on another: both refused at once.
/// let resolver = Resolver::new(&ConfigSources::from_text("r.conf", r#"
/// [[registry]]
/// location = "127.0.0.1:1"
/// insecure = true
/// [[registry.mirror]]
/// location = "127.0.0.1:2"
/// insecure = true
/// "#));
/// let puller = Puller::new(resolver, Keyring::builder().build().0);
/// let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// let err = rt.block_on(puller.inspect("127.0.0.1:1/team/app:1", None)).unwrap_err();
/// let first = &err.attempts()[0];
/// assert!(first.mirror && first.insecure);
/// assert_eq!((first.endpoint.as_str(), first.scheme, first.credential.as_str()), ("127.0.0.1:2/team/app:1", "http", "anonymous"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attempt {
    /// The logical candidate reference (after short-name resolution).
    pub candidate: String,
    /// The physical reference requested from the endpoint (mirror or rewritten location).
    pub endpoint: String,
    /// Whether the endpoint is a mirror.
    pub mirror: bool,
    /// Whether the endpoint is `insecure` (then spoken to over plain HTTP).
    pub insecure: bool,
    /// `https` (verified) or `http`; empty when the endpoint was not contacted.
    pub scheme: &'static str,
    /// The credential presented, as `source: key (user "name")`, or `anonymous` (never a
    /// secret).
    pub credential: String,
    /// Why it failed; `None` for the attempt that served the request.
    pub error: Option<AttemptError>,
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.endpoint, self.credential)?;
        match &self.error {
            Some(e) => write!(f, ": {e}"),
            None => f.write_str(": ok"),
        }
    }
}

/// What [`Puller::inspect`] found.
///
/// ```no_run
/// use std::sync::Arc;
/// use shortnames::credentials::Keyring;
/// use shortnames::pull::Puller;
/// use shortnames::{ConfigSources, Resolver};
///
/// # async fn f() -> Result<(), shortnames::pull::PullError> {
/// let puller = Puller::new(Resolver::new(&ConfigSources::new()), Keyring::builder().build().0);
/// let image = puller.inspect("quay.io/team/app:1", None).await?;
/// println!("{} {} config {}", image.digest, image.media_type, image.config_digest);
/// println!("architecture {}", image.config["architecture"]);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Inspected {
    /// Digest of what the reference names (the index, for a multi-platform image).
    pub digest: String,
    /// Its media type.
    pub media_type: String,
    /// Digest of the image manifest for the selected platform (= `digest` for an image).
    pub image_digest: String,
    /// Digest of the image configuration.
    pub config_digest: String,
    /// The image configuration (architecture, os, config, rootfs, history, ...).
    pub config: Value,
    /// Every attempt in order; the last one served the request.
    pub attempts: Vec<Attempt>,
}

/// What [`Puller::pull`] wrote.
///
/// ```no_run
/// use std::sync::Arc;
/// use shortnames::credentials::Keyring;
/// use shortnames::pull::Puller;
/// use shortnames::{ConfigSources, Resolver};
///
/// # async fn f() -> Result<(), shortnames::pull::PullError> {
/// let puller = Puller::new(Resolver::new(&ConfigSources::new()), Keyring::builder().build().0);
/// let pulled = puller.pull("quay.io/team/app:1", None, "/var/lib/images/app".as_ref(), &|_| {}).await?;
/// println!("{} blobs, {} bytes into {}", pulled.blobs, pulled.bytes, pulled.layout.display());
/// println!("served by {}", pulled.served_by().endpoint);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Pulled {
    /// Digest of what the reference names (the index, for a multi-platform image).
    pub digest: String,
    /// Its media type.
    pub media_type: String,
    /// Digest of the image manifest written (the selected platform's).
    pub image_digest: String,
    /// The OCI image layout directory.
    pub layout: PathBuf,
    /// Blobs written (manifests, config, layers), each verified.
    pub blobs: usize,
    /// Bytes of config and layers received.
    pub bytes: u64,
    /// Every attempt in order; the last one served the request.
    pub attempts: Vec<Attempt>,
}

/// What [`Puller::push`] did.
///
/// ```no_run
/// use std::sync::Arc;
/// use shortnames::credentials::Keyring;
/// use shortnames::pull::Puller;
/// use shortnames::{ConfigSources, Resolver};
///
/// # async fn f() -> Result<(), shortnames::pull::PullError> {
/// let puller = Puller::new(Resolver::new(&ConfigSources::new()), Keyring::builder().build().0);
/// let pushed = puller.push("/var/lib/images/app".as_ref(), "quay.io/team/app:2", None).await?;
/// println!("{} is {}", pushed.reference, pushed.digest);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Pushed {
    /// The destination reference.
    pub reference: String,
    /// Digest of the pushed top-level manifest.
    pub digest: String,
    /// Every attempt (one per credential tried); the last one succeeded.
    pub attempts: Vec<Attempt>,
}

macro_rules! served_by {
    ($t:ty) => {
        impl $t {
            /// The attempt that served the request (the last one).
            pub fn served_by(&self) -> &Attempt {
                self.attempts.last().expect("a success has an attempt")
            }
        }
    };
}
served_by!(Inspected);
served_by!(Pulled);
served_by!(Pushed);

/// Progress of [`Puller::pull`].
///
/// ```no_run
/// use std::sync::Arc;
/// use shortnames::credentials::Keyring;
/// use shortnames::pull::Puller;
/// use shortnames::{ConfigSources, Resolver};
///
/// # async fn f() -> Result<(), shortnames::pull::PullError> {
/// let puller = Puller::new(Resolver::new(&ConfigSources::new()), Keyring::builder().build().0);
/// use shortnames::pull::Progress;
/// let show = |p: &Progress| match p {
///     Progress::Endpoint { endpoint } => eprintln!("trying {endpoint}"),
///     Progress::Blob { digest, received, total } => eprintln!("{digest}: {received}/{total}"),
///     _ => {}
/// };
/// puller.pull("quay.io/team/app:1", None, "/tmp/app".as_ref(), &show).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress {
    /// An endpoint is being tried.
    Endpoint {
        /// Its physical reference.
        endpoint: String,
    },
    /// Bytes of a blob received so far.
    Blob {
        /// The blob.
        digest: String,
        /// Received.
        received: u64,
        /// Expected size.
        total: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PullErrorKind {
    Resolve,
    Input,
    AllFailed,
}

/// A failed operation: the name could not be resolved, the input was unusable, or every
/// endpoint failed (then [`PullError::attempts`] says how each one did).
///
/// ```
/// use std::sync::Arc;
/// use shortnames::credentials::Keyring;
/// use shortnames::pull::{AttemptErrorKind, Puller};
/// use shortnames::{ConfigSources, Resolver};
///
/// // A mirror on a closed loopback port, then the primary on another: both refused at once.
/// let resolver = Resolver::new(&ConfigSources::from_text("r.conf", r#"
/// [[registry]]
/// location = "127.0.0.1:1"
/// insecure = true
/// [[registry.mirror]]
/// location = "127.0.0.1:2"
/// insecure = true
/// "#));
/// let puller = Puller::new(resolver, Keyring::builder().build().0);
/// let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// let err = rt.block_on(puller.inspect("127.0.0.1:1/team/app:1", None)).unwrap_err();
/// assert!(!err.is_resolution() && !err.is_auth());
/// assert!(err.attempts().iter().all(|a| a.error.as_ref().unwrap().kind() == AttemptErrorKind::Connection));
/// ```
#[derive(Debug, Clone)]
pub struct PullError {
    kind: PullErrorKind,
    message: String,
    attempts: Vec<Attempt>,
}

impl PullError {
    fn new(kind: PullErrorKind, message: impl Into<String>, attempts: Vec<Attempt>) -> Self {
        PullError {
            kind,
            message: message.into(),
            attempts,
        }
    }

    /// Every attempt, in order (empty when the name could not be resolved).
    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
    }

    /// Whether the name did not resolve (invalid name, configuration error, enforcing
    /// ambiguity); no endpoint was contacted.
    pub fn is_resolution(&self) -> bool {
        self.kind == PullErrorKind::Resolve
    }

    /// Whether every attempt that reached a registry was refused for authentication (401/403).
    pub fn is_auth(&self) -> bool {
        self.kind == PullErrorKind::AllFailed
            && self
                .attempts
                .iter()
                .filter_map(|a| a.error.as_ref())
                .any(|e| e.kind.is_auth())
            && self
                .attempts
                .iter()
                .filter_map(|a| a.error.as_ref())
                .all(|e| e.kind.is_auth() || e.kind == AttemptErrorKind::Blocked)
    }
}

impl fmt::Display for PullError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if self.kind == PullErrorKind::AllFailed {
            for a in &self.attempts {
                write!(f, "\n  {a}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for PullError {}

#[derive(Debug)]
enum ResolverHandle {
    Resolver(Arc<Resolver>),
    Engine(Arc<Engine>),
}

/// Pulls and pushes images through the endpoints and credentials the engine chooses.
/// `Send + Sync`; share it across tasks.
///
/// ```
/// use std::sync::Arc;
/// use shortnames::credentials::Keyring;
/// use shortnames::pull::{AttemptErrorKind, Puller};
/// use shortnames::{ConfigSources, Resolver};
///
/// // A mirror on a closed loopback port, then the primary on another: both refused at once.
/// let resolver = Resolver::new(&ConfigSources::from_text("r.conf", r#"
/// [[registry]]
/// location = "127.0.0.1:1"
/// insecure = true
/// [[registry.mirror]]
/// location = "127.0.0.1:2"
/// insecure = true
/// "#));
/// let puller = Puller::new(resolver, Keyring::builder().build().0);
/// let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// let err = rt.block_on(puller.inspect("127.0.0.1:1/team/app:1", None)).unwrap_err();
/// assert_eq!(err.attempts().len(), 2); // every endpoint tried, in order
/// assert!(err.to_string().contains("127.0.0.1:2/team/app:1"));
/// ```
#[derive(Debug)]
pub struct Puller {
    resolver: ResolverHandle,
    keyring: Arc<Keyring>,
    options: PullOptions,
}

/// One pull source, planned before any request is sent.
struct Planned {
    candidate: String,
    endpoint: Reference,
    mirror: bool,
    insecure: bool,
    /// Why the source is not contacted at all.
    skip: Option<AttemptError>,
    credentials: Vec<CredentialCandidate>,
    /// Warnings of the credential lookup (e.g. node tier suppressed because a namespace
    /// secret failed to load), reported with an authentication failure.
    warnings: Vec<String>,
}

impl Planned {
    fn attempt(
        &self,
        scheme: Option<Scheme>,
        credential: String,
        error: Option<AttemptError>,
    ) -> Attempt {
        Attempt {
            candidate: self.candidate.clone(),
            endpoint: self.endpoint.as_str().to_owned(),
            mirror: self.mirror,
            insecure: self.insecure,
            scheme: scheme.map_or("", Scheme::as_str),
            credential,
            error,
        }
    }
}

enum Op<'a> {
    Inspect,
    Pull {
        dest: &'a Path,
        progress: &'a (dyn Fn(&Progress) + Send + Sync),
    },
}

enum Output {
    Inspected(Box<Inspected>),
    Pulled(Box<Pulled>),
}

impl Puller {
    /// A puller on a fixed resolver snapshot.
    pub fn new(resolver: impl Into<Arc<Resolver>>, keyring: impl Into<Arc<Keyring>>) -> Puller {
        Puller {
            resolver: ResolverHandle::Resolver(resolver.into()),
            keyring: keyring.into(),
            options: PullOptions::default(),
        }
    }

    /// A puller on an [`Engine`]: every operation uses the engine's current snapshot (reloads
    /// apply to the next operation).
    pub fn with_engine(engine: Arc<Engine>, keyring: impl Into<Arc<Keyring>>) -> Puller {
        Puller {
            resolver: ResolverHandle::Engine(engine),
            keyring: keyring.into(),
            options: PullOptions::default(),
        }
    }

    /// Replaces the options.
    pub fn options(mut self, options: PullOptions) -> Puller {
        self.options = options;
        self
    }

    fn resolver(&self) -> Arc<Resolver> {
        match &self.resolver {
            ResolverHandle::Resolver(r) => r.clone(),
            ResolverHandle::Engine(e) => e.resolver_arc(),
        }
    }

    fn net(&self) -> Net {
        Net {
            connect_timeout: self.options.connect_timeout,
            read_timeout: self.options.read_timeout,
        }
    }

    /// Every pull source of every candidate, with its credentials, before any request.
    fn plan(&self, name: &str, explicit: Option<&Explicit>) -> Result<Vec<Planned>, PullError> {
        let resolver = self.resolver();
        let resolution = resolver
            .resolve(name)
            .map_err(|e| PullError::new(PullErrorKind::Resolve, e.to_string(), Vec::new()))?;
        let mut plan = Vec::new();
        for c in &resolution.candidates {
            let candidate = c.reference.as_str().to_owned();
            let sources = match &c.sources {
                Ok(s) => s,
                Err(e) => {
                    plan.push(Planned {
                        candidate,
                        endpoint: c.reference.clone(),
                        mirror: false,
                        insecure: false,
                        skip: Some(AttemptError::new(AttemptErrorKind::Config, e.to_string())),
                        credentials: Vec::new(),
                        warnings: Vec::new(),
                    });
                    continue;
                }
            };
            let creds = self.keyring.pull_source_credentials(c, explicit);
            for (s, sc) in sources.iter().zip(creds) {
                let (skip, credentials, warnings) = match (&s.error, sc.credentials) {
                    (Some(e), _) => (
                        Some(AttemptError::new(AttemptErrorKind::Blocked, e.to_string())),
                        Vec::new(),
                        Vec::new(),
                    ),
                    (None, Err(e)) => (
                        Some(AttemptError::new(
                            AttemptErrorKind::Credentials,
                            e.to_string(),
                        )),
                        Vec::new(),
                        Vec::new(),
                    ),
                    (None, Ok(pc)) => (
                        None,
                        pc.candidates().to_vec(),
                        pc.warnings().iter().map(|w| w.to_string()).collect(),
                    ),
                };
                plan.push(Planned {
                    candidate: candidate.clone(),
                    endpoint: s.reference.clone(),
                    mirror: s.mirror,
                    insecure: s.insecure,
                    skip,
                    credentials,
                    warnings,
                });
            }
        }
        Ok(plan)
    }

    /// Resolves `name` and fetches, from the first endpoint that has it, the manifest (or
    /// index, then the manifest of the selected platform) and the image configuration.
    pub async fn inspect(
        &self,
        name: &str,
        explicit: Option<&Explicit>,
    ) -> Result<Inspected, PullError> {
        let plan = self.plan(name, explicit)?;
        match self.run(name, plan, &Op::Inspect).await? {
            Output::Inspected(i) => Ok(*i),
            Output::Pulled(_) => unreachable!("inspect yields Inspected"),
        }
    }

    /// Resolves `name` and writes the image from the first endpoint that has it into the OCI
    /// image layout directory `dest` (created if needed; `index.json` then names this image
    /// by its tag, replacing an entry of the same tag and keeping the others). Every blob is verified against its digest and size before it is kept. For an
    /// index, the manifest of [`PullOptions::platform`] is pulled. `progress` is called as
    /// endpoints are tried and bytes arrive.
    pub async fn pull(
        &self,
        name: &str,
        explicit: Option<&Explicit>,
        dest: &Path,
        progress: &(dyn Fn(&Progress) + Send + Sync),
    ) -> Result<Pulled, PullError> {
        let plan = self.plan(name, explicit)?;
        match self.run(name, plan, &Op::Pull { dest, progress }).await? {
            Output::Pulled(p) => Ok(*p),
            Output::Inspected(_) => unreachable!("pull yields Pulled"),
        }
    }

    async fn run(&self, name: &str, plan: Vec<Planned>, op: &Op<'_>) -> Result<Output, PullError> {
        let mut attempts = Vec::new();
        for p in &plan {
            if let Some(e) = &p.skip {
                attempts.push(p.attempt(None, "not contacted".into(), Some(e.clone())));
                continue;
            }
            let anonymous = p.credentials.is_empty();
            let n = p.credentials.len().max(1);
            for i in 0..n {
                let cred = p.credentials.get(i);
                let shown = cred.map_or_else(|| "anonymous".to_owned(), |c| c.to_string());
                if let Op::Pull { progress, .. } = op {
                    progress(&Progress::Endpoint {
                        endpoint: p.endpoint.as_str().to_owned(),
                    });
                }
                let scheme = Scheme::for_endpoint(p.insecure);
                let auth = transport::registry_auth(cred.map(|c| c.credential()));
                let session = Session::new(&p.endpoint, scheme, auth, self.net());
                match self.attempt(op, &session, p).await {
                    Ok(mut out) => {
                        attempts.push(p.attempt(Some(scheme), shown, None));
                        match &mut out {
                            Output::Inspected(i) => i.attempts = attempts,
                            Output::Pulled(x) => x.attempts = attempts,
                        }
                        return Ok(out);
                    }
                    Err(mut e) => {
                        if e.kind.is_auth() {
                            for w in &p.warnings {
                                e.message.push_str(&format!(" (credentials: {w})"));
                            }
                        }
                        // Rotate to the next matching credential only after a 401/403.
                        let rotate = e.kind.is_auth() && !anonymous;
                        attempts.push(p.attempt(Some(scheme), shown, Some(e)));
                        if !rotate {
                            break;
                        }
                    }
                }
            }
        }
        Err(PullError::new(
            PullErrorKind::AllFailed,
            format!("{name}: no endpoint could serve it"),
            attempts,
        ))
    }

    async fn attempt(&self, op: &Op<'_>, s: &Session, p: &Planned) -> Result<Output, AttemptError> {
        let (top, image) = self.manifests(s).await?;
        let image_doc: Value = serde_json::from_slice(&image.0)
            .map_err(|e| AttemptError::new(AttemptErrorKind::Protocol, format!("manifest: {e}")))?;
        let blobs = layout::image_blobs(&image_doc)
            .map_err(|m| AttemptError::new(AttemptErrorKind::Protocol, m))?;
        match op {
            Op::Inspect => {
                let config_bytes = s.blob_bytes(&blobs[0]).await?;
                let config = serde_json::from_slice(&config_bytes).map_err(|e| {
                    AttemptError::new(AttemptErrorKind::Protocol, format!("config: {e}"))
                })?;
                Ok(Output::Inspected(Box::new(Inspected {
                    digest: top.1,
                    media_type: top.2,
                    image_digest: image.1,
                    config_digest: blobs[0].digest.clone(),
                    config,
                    attempts: Vec::new(),
                })))
            }
            Op::Pull { dest, progress } => {
                let local = |m: String| AttemptError::new(AttemptErrorKind::Local, m);
                let l = Layout::new(*dest);
                l.create().map_err(local)?;
                let mut bytes = 0;
                for b in &blobs {
                    let total = b.size;
                    let digest = b.digest.clone();
                    let report = move |received: u64| {
                        progress(&Progress::Blob {
                            digest: digest.clone(),
                            received,
                            total,
                        })
                    };
                    s.blob_to_layout(b, &l, &report).await?;
                    bytes += b.size;
                }
                l.write_blob(&image.1, &image.0).map_err(local)?;
                let mut count = blobs.len() + 1;
                if top.1 != image.1 {
                    l.write_blob(&top.1, &top.0).map_err(local)?;
                    count += 1;
                }
                let desc = Descriptor {
                    media_type: image.2.clone(),
                    digest: image.1.clone(),
                    size: image.0.len() as u64,
                    platform: None,
                };
                let tag = Reference::parse(&p.candidate)
                    .ok()
                    .and_then(|r| r.tag().map(str::to_owned));
                l.write_index(&desc, tag.as_deref()).map_err(local)?;
                Ok(Output::Pulled(Box::new(Pulled {
                    digest: top.1,
                    media_type: top.2,
                    image_digest: image.1,
                    layout: dest.to_path_buf(),
                    blobs: count,
                    bytes,
                    attempts: Vec::new(),
                })))
            }
        }
    }

    /// The top-level manifest and the image manifest (the selected platform's, for an
    /// index), each as (bytes, digest, media type).
    async fn manifests(
        &self,
        s: &Session,
    ) -> Result<((Vec<u8>, String, String), (Vec<u8>, String, String)), AttemptError> {
        let top = s.manifest(None).await?;
        if !layout::is_index(&top.2) {
            return Ok((top.clone(), top));
        }
        let doc: Value = serde_json::from_slice(&top.0)
            .map_err(|e| AttemptError::new(AttemptErrorKind::Protocol, format!("index: {e}")))?;
        let entries = layout::index_entries(&doc)
            .map_err(|m| AttemptError::new(AttemptErrorKind::Protocol, m))?;
        let want = &self.options.platform;
        let Some(entry) = entries.iter().find(|d| want.matches(d)) else {
            let have: Vec<String> = entries
                .iter()
                .filter_map(|d| d.platform.as_ref())
                .map(|(os, arch, v)| match v {
                    Some(v) => format!("{os}/{arch}/{v}"),
                    None => format!("{os}/{arch}"),
                })
                .collect();
            return Err(AttemptError::new(
                AttemptErrorKind::NotFound,
                format!(
                    "the index has no manifest for {want} (it has: {})",
                    have.join(", ")
                ),
            ));
        };
        let image = s.manifest(Some(&entry.digest)).await?;
        Ok((top, image))
    }

    /// Pushes the image named by the OCI image layout `dir` (its only manifest, or the one
    /// annotated with the destination's tag) to the fully-qualified `name`. Blobs and
    /// manifests are verified against their digests before they are sent. For an index,
    /// every manifest it lists is pushed by digest first.
    ///
    /// Credentials come from the keyring's push view only (explicit credential bound to this
    /// host, else the namespace tier, else anonymous): node credentials are never sent. The
    /// destination is not rewritten by `[[registry]]` locations or mirrors (as for pushes in
    /// containers/image); a destination under a blocked entry is refused without contact, and
    /// the entry's `insecure` flag decides about plain HTTP.
    pub async fn push(
        &self,
        dir: &Path,
        name: &str,
        explicit: Option<&Explicit>,
    ) -> Result<Pushed, PullError> {
        let input = |m: String| PullError::new(PullErrorKind::Input, m, Vec::new());
        let parsed = Reference::parse(name).map_err(|e| input(format!("{name}: {e}")))?;
        if !parsed.has_registry() {
            return Err(input(format!(
                "{name}: a push needs a fully-qualified destination (registry/repository[:tag])"
            )));
        }
        let dest = Reference::parse_normalized(name)
            .map_err(|e| input(format!("{name}: {e}")))?
            .with_default_tag();
        let resolver = self.resolver();
        let registry = resolver
            .find_registry(dest.name())
            .map_err(|e| PullError::new(PullErrorKind::Resolve, e.to_string(), Vec::new()))?
            .cloned();
        let planned = Planned {
            candidate: dest.as_str().to_owned(),
            endpoint: dest.clone(),
            mirror: false,
            insecure: registry.as_ref().is_some_and(|r| r.insecure),
            skip: None,
            credentials: Vec::new(),
            warnings: Vec::new(),
        };
        if let Some(r) = registry.as_ref().filter(|r| r.blocked) {
            let e = AttemptError::new(
                AttemptErrorKind::Blocked,
                format!("registry {} is blocked in {}", r.prefix, r.origin),
            );
            let attempts = vec![planned.attempt(None, "not contacted".into(), Some(e))];
            return Err(PullError::new(
                PullErrorKind::AllFailed,
                format!("{name}: push refused"),
                attempts,
            ));
        }
        let content = read_push_content(&Layout::new(dir), dest.tag()).map_err(input)?;
        let credentials = match self.keyring.push().lookup_push(dest.as_str(), explicit) {
            Ok(c) => c.candidates().to_vec(),
            Err(e) => {
                let e = AttemptError::new(AttemptErrorKind::Credentials, e.to_string());
                let attempts = vec![planned.attempt(None, "not contacted".into(), Some(e))];
                return Err(PullError::new(
                    PullErrorKind::AllFailed,
                    format!("{name}: push failed"),
                    attempts,
                ));
            }
        };
        let mut attempts = Vec::new();
        let n = credentials.len().max(1);
        for i in 0..n {
            let cred = credentials.get(i);
            let shown = cred.map_or_else(|| "anonymous".to_owned(), |c| c.to_string());
            let scheme = Scheme::for_endpoint(planned.insecure);
            let auth = transport::registry_auth(cred.map(|c| c.credential()));
            let s = Session::new(&dest, scheme, auth, self.net());
            let result = push_content(&s, &content).await;
            match result {
                Ok(()) => {
                    attempts.push(planned.attempt(Some(scheme), shown, None));
                    return Ok(Pushed {
                        reference: dest.as_str().to_owned(),
                        digest: content.top.digest.clone(),
                        attempts,
                    });
                }
                Err(e) => {
                    let rotate = e.kind.is_auth() && cred.is_some();
                    attempts.push(planned.attempt(Some(scheme), shown, Some(e)));
                    if !rotate {
                        break;
                    }
                }
            }
        }
        let mut message = format!("{name}: push failed");
        let auth_refused = attempts
            .iter()
            .all(|a| a.error.as_ref().is_some_and(|e| e.kind.is_auth()));
        let node_has_one = self
            .keyring
            .lookup_pull(dest.as_str(), None)
            .is_ok_and(|c| c.first().is_some_and(|c| c.origin() == Origin::Node));
        if auth_refused && node_has_one {
            message.push_str(
                " (the node pull secret has a credential for this registry, but node \
                 credentials are for pulls only: give a push credential, e.g. a namespace secret)",
            );
        }
        Err(PullError::new(PullErrorKind::AllFailed, message, attempts))
    }
}

/// One manifest to push with the blobs it needs.
struct PushManifest {
    digest: String,
    media_type: String,
    bytes: Vec<u8>,
    blobs: Vec<(String, Vec<u8>)>,
}

struct PushContent {
    /// For an index: the manifests it lists (pushed by digest first).
    children: Vec<PushManifest>,
    top: PushManifest,
}

fn read_image(l: &Layout, d: &Descriptor) -> Result<PushManifest, String> {
    let bytes = l.read_blob(&d.digest, Some(d.size))?;
    let doc: Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("manifest {}: not valid JSON: {e}", d.digest))?;
    let mut blobs = Vec::new();
    for b in layout::image_blobs(&doc)? {
        let data = l.read_blob(&b.digest, Some(b.size))?;
        blobs.push((b.digest, data));
    }
    let media_type = if d.media_type.is_empty() {
        layout::manifest_media_type(&doc)
    } else {
        d.media_type.clone()
    };
    Ok(PushManifest {
        digest: d.digest.clone(),
        media_type,
        bytes,
        blobs,
    })
}

fn read_push_content(l: &Layout, tag: Option<&str>) -> Result<PushContent, String> {
    let top = l
        .top_manifest(tag)
        .map_err(|e| format!("{}: {e}", l.root().display()))?;
    if !layout::is_index(&top.media_type) {
        return Ok(PushContent {
            children: Vec::new(),
            top: read_image(l, &top)?,
        });
    }
    let bytes = l.read_blob(&top.digest, Some(top.size))?;
    let doc: Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("index {}: {e}", top.digest))?;
    let children = layout::index_entries(&doc)?
        .iter()
        .map(|d| read_image(l, d))
        .collect::<Result<Vec<_>, String>>()?;
    Ok(PushContent {
        children,
        top: PushManifest {
            digest: top.digest,
            media_type: top.media_type,
            bytes,
            blobs: Vec::new(),
        },
    })
}

async fn push_content(s: &Session, c: &PushContent) -> Result<(), AttemptError> {
    for m in &c.children {
        s.push(
            m.blobs.clone(),
            m.bytes.clone(),
            &m.media_type,
            Some(&m.digest),
        )
        .await?;
    }
    s.push(
        c.top.blobs.clone(),
        c.top.bytes.clone(),
        &c.top.media_type,
        None,
    )
    .await
}
