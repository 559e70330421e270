//! The oci-client side: one client per endpoint attempt (so no authentication state is shared
//! between endpoints), credentials → `RegistryAuth`, references → `oci_client::Reference`,
//! and oci-client errors → [`AttemptErrorKind`].

use std::pin::Pin;
use std::sync::Once;
use std::task::{Context, Poll};
use std::time::Duration;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::manifest::OciDescriptor;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, RegistryOperation};

use super::layout::{self, Descriptor, Hasher, Layout};
use super::{AttemptError, AttemptErrorKind};
use crate::credentials::Credential;
use crate::Reference;

/// Installs rustls' `ring` provider as the process default unless one is installed already
/// (an embedder's choice wins).
fn crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// What oci-client presents: basic credentials, or a token as bearer.
pub(crate) fn registry_auth(c: Option<&Credential>) -> RegistryAuth {
    match c {
        None => RegistryAuth::Anonymous,
        Some(Credential::Basic { username, password }) => {
            RegistryAuth::Basic(username.clone(), password.expose_secret().to_owned())
        }
        Some(Credential::IdentityToken { token, .. })
        | Some(Credential::RegistryToken { token }) => {
            RegistryAuth::Bearer(token.expose_secret().to_owned())
        }
    }
}

/// `host[:port]` and repository of a fully-qualified reference.
fn split(r: &Reference) -> (String, String) {
    let n = Reference::parse_normalized(r.as_str()).unwrap_or_else(|_| r.clone());
    (
        n.domain().unwrap_or("docker.io").to_owned(),
        n.path().to_owned(),
    )
}

/// The oci-client reference for a physical reference (digest wins over tag, as a pull by
/// digest must be verified against it).
pub(crate) fn oci_reference(r: &Reference) -> oci_client::Reference {
    let (registry, repository) = split(r);
    match (r.tag(), r.digest()) {
        (_, Some(d)) => oci_client::Reference::with_digest(registry, repository, d.to_owned()),
        (Some(t), None) => oci_client::Reference::with_tag(registry, repository, t.to_owned()),
        (None, None) => oci_client::Reference::with_tag(registry, repository, "latest".into()),
    }
}

/// Network settings of a [`Session`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Net {
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
}

/// One endpoint attempt: a fresh client, the reference and the credential to present.
pub(crate) struct Session {
    client: Client,
    pub reference: oci_client::Reference,
    auth: RegistryAuth,
}

/// How an endpoint is spoken to: plain HTTP for an endpoint marked `insecure`, HTTPS with
/// certificate verification for every other one. (containers/image first tries TLS without
/// verification on an `insecure` endpoint; against a plain-HTTP registry that TLS handshake
/// can stall until the read timeout, so this crate goes straight to HTTP.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// Verified HTTPS.
    Https,
    /// Plain HTTP.
    Http,
}

impl Scheme {
    /// The scheme for an endpoint.
    pub fn for_endpoint(insecure: bool) -> Scheme {
        if insecure {
            Scheme::Http
        } else {
            Scheme::Https
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Https => "https",
            Scheme::Http => "http",
        }
    }
}

impl Session {
    pub fn new(r: &Reference, scheme: Scheme, auth: RegistryAuth, net: Net) -> Session {
        crypto_provider();
        let reference = oci_reference(r);
        let protocol = match scheme {
            Scheme::Http => {
                ClientProtocol::HttpsExcept(vec![reference.resolve_registry().to_owned()])
            }
            Scheme::Https => ClientProtocol::Https,
        };
        let config = ClientConfig {
            protocol,
            connect_timeout: Some(net.connect_timeout),
            read_timeout: Some(net.read_timeout),
            platform_resolver: None,
            // Blobs are in memory when pushed: one PUT each instead of chunked PATCHes.
            use_monolithic_push: true,
            ..Default::default()
        };
        Session {
            client: Client::new(config),
            reference,
            auth,
        }
    }

    fn at(&self, digest: &str) -> oci_client::Reference {
        oci_client::Reference::with_digest(
            self.reference.registry().to_owned(),
            self.reference.repository().to_owned(),
            digest.to_owned(),
        )
    }

    /// Fetches a manifest (the session's reference, or `digest` in the same repository) and
    /// verifies its digest. Returns the bytes, digest and media type.
    pub async fn manifest(
        &self,
        digest: Option<&str>,
    ) -> Result<(Vec<u8>, String, String), AttemptError> {
        let r = match digest {
            Some(d) => self.at(d),
            None => self.reference.clone(),
        };
        let (body, served) = self
            .client
            .pull_manifest_raw(&r, &self.auth, &layout::MANIFEST_TYPES)
            .await
            .map_err(classify)?;
        let actual = layout::sha256_digest(&body);
        let expected = r.digest().map(str::to_owned).unwrap_or(served);
        if expected.starts_with("sha256:") && actual != expected {
            return Err(AttemptError::new(
                AttemptErrorKind::DigestMismatch,
                format!("manifest digest mismatch: expected {expected}, got {actual}"),
            ));
        }
        let doc: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
            AttemptError::new(
                AttemptErrorKind::Protocol,
                format!(
                    "manifest is not valid JSON: line {}, column {}",
                    e.line(),
                    e.column()
                ),
            )
        })?;
        let media_type = layout::manifest_media_type(&doc);
        Ok((body.to_vec(), actual, media_type))
    }

    /// Fetches a blob into memory, verified against its digest and size.
    pub async fn blob_bytes(&self, d: &Descriptor) -> Result<Vec<u8>, AttemptError> {
        let mut out = Vec::new();
        let mut sink = Sink {
            out: &mut out,
            hasher: Hasher::default(),
            limit: d.size,
            progress: &|_| {},
        };
        self.fetch_blob(d, &mut sink).await?;
        let hasher = std::mem::take(&mut sink.hasher);
        verify(d, hasher)?;
        Ok(out)
    }

    /// Streams a blob into the layout, verified against its digest and size before it is
    /// moved into place. `progress` gets the bytes received so far.
    pub async fn blob_to_layout(
        &self,
        d: &Descriptor,
        layout: &Layout,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<(), AttemptError> {
        let local = |m: String| AttemptError::new(AttemptErrorKind::Local, m);
        let (tmp, mut file) = layout.partial_blob(&d.digest).map_err(local)?;
        let mut sink = Sink {
            out: &mut file,
            hasher: Hasher::default(),
            limit: d.size,
            progress,
        };
        let fetched = self.fetch_blob(d, &mut sink).await;
        let hasher = std::mem::take(&mut sink.hasher);
        let checked = fetched.and_then(|()| verify(d, hasher));
        if let Err(e) = checked {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        layout.commit_blob(&tmp, &d.digest).map_err(local)
    }

    async fn fetch_blob<W: std::io::Write + Send>(
        &self,
        d: &Descriptor,
        sink: &mut Sink<'_, W>,
    ) -> Result<(), AttemptError> {
        self.client
            .store_auth_if_needed(self.reference.resolve_registry(), &self.auth)
            .await;
        let desc = OciDescriptor {
            media_type: d.media_type.clone(),
            digest: d.digest.clone(),
            size: d.size as i64,
            ..Default::default()
        };
        self.client
            .pull_blob(&self.reference, &desc, &mut *sink)
            .await
            .map_err(classify)
    }

    /// Pushes blobs (skipping those the repository already has) and then the manifest, by
    /// `digest` when given, else under the session's reference.
    pub async fn push(
        &self,
        blobs: Vec<(String, Vec<u8>)>,
        manifest: Vec<u8>,
        media_type: &str,
        digest: Option<&str>,
    ) -> Result<(), AttemptError> {
        self.client
            .auth(&self.reference, &self.auth, RegistryOperation::Push)
            .await
            .map_err(classify)?;
        for (digest, bytes) in blobs {
            if self
                .client
                .blob_exists(&self.reference, &digest)
                .await
                .unwrap_or(false)
            {
                continue;
            }
            self.client
                .push_blob(&self.reference, bytes, &digest)
                .await
                .map_err(classify)?;
        }
        let target = match digest {
            Some(d) => self.at(d),
            None => self.reference.clone(),
        };
        let ct = http_header(media_type)?;
        self.client
            .push_manifest_raw(&target, manifest, ct)
            .await
            .map_err(classify)?;
        Ok(())
    }
}

fn http_header(media_type: &str) -> Result<http::HeaderValue, AttemptError> {
    http::HeaderValue::from_str(media_type).map_err(|_| {
        AttemptError::new(
            AttemptErrorKind::Local,
            format!("invalid media type {media_type:?}"),
        )
    })
}

fn verify(d: &Descriptor, h: Hasher) -> Result<(), AttemptError> {
    let len = h.len;
    let actual = h.digest();
    if actual != d.digest {
        return Err(AttemptError::new(
            AttemptErrorKind::DigestMismatch,
            format!("blob digest mismatch: expected {}, got {actual}", d.digest),
        ));
    }
    if len != d.size {
        return Err(AttemptError::new(
            AttemptErrorKind::DigestMismatch,
            format!(
                "blob {} size mismatch: descriptor says {} bytes, got {len}",
                d.digest, d.size
            ),
        ));
    }
    Ok(())
}

/// An `AsyncWrite` over a blocking writer that hashes and counts what passes through (local
/// files are written synchronously, as a current-thread runtime would anyway).
struct Sink<'a, W> {
    out: &'a mut W,
    hasher: Hasher,
    /// The descriptor's size: a registry sending more is cut off, not buffered.
    limit: u64,
    progress: &'a (dyn Fn(u64) + Send + Sync),
}

impl<W: std::io::Write> tokio::io::AsyncWrite for Sink<'_, W> {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        if this.hasher.len + buf.len() as u64 > this.limit {
            return Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("more bytes than the descriptor's size of {}", this.limit),
            )));
        }
        this.out.write_all(buf)?;
        this.hasher.update(buf);
        (this.progress)(this.hasher.len);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(self.get_mut().out.flush())
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

fn status_kind(code: u16) -> AttemptErrorKind {
    match code {
        401 => AttemptErrorKind::Unauthorized,
        403 => AttemptErrorKind::Denied,
        404 => AttemptErrorKind::NotFound,
        _ => AttemptErrorKind::Protocol,
    }
}

/// Sorts an oci-client error into a kind, with a message that carries no credential (the
/// client never puts credentials into URLs or messages; registry bodies are error envelopes).
pub(crate) fn classify(e: OciDistributionError) -> AttemptError {
    use AttemptErrorKind as K;
    let kind = match &e {
        OciDistributionError::UnauthorizedError { .. } => K::Unauthorized,
        OciDistributionError::AuthenticationFailure(_) => K::Unauthorized,
        OciDistributionError::ImageManifestNotFoundError(_) => K::NotFound,
        OciDistributionError::DigestError(_) => K::DigestMismatch,
        OciDistributionError::ServerError { code, .. } => status_kind(*code),
        OciDistributionError::RegistryError { envelope, .. } => {
            match envelope.errors.first().map(|e| &e.code) {
                Some(OciErrorCode::Unauthorized) => K::Unauthorized,
                Some(OciErrorCode::Denied) => K::Denied,
                Some(
                    OciErrorCode::ManifestUnknown
                    | OciErrorCode::NameUnknown
                    | OciErrorCode::BlobUnknown,
                ) => K::NotFound,
                _ => K::Protocol,
            }
        }
        OciDistributionError::RequestError(r) if r.is_timeout() => K::Timeout,
        OciDistributionError::RequestError(r) if r.is_connect() => K::Connection,
        OciDistributionError::RequestError(r) => match r.status() {
            Some(s) => status_kind(s.as_u16()),
            None => K::Connection,
        },
        OciDistributionError::IoError(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            K::DigestMismatch
        }
        OciDistributionError::IoError(_) => K::Local,
        _ => K::Protocol,
    };
    AttemptError::new(kind, error_chain(&e))
}

/// The error and its sources on one line (reqwest hides the cause, e.g. "connection refused",
/// in its source chain).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::Secret;

    #[test]
    fn credentials_map_to_basic_or_bearer() {
        assert!(matches!(registry_auth(None), RegistryAuth::Anonymous));
        let basic = Credential::Basic {
            username: "u".into(),
            password: Secret::from("p"),
        };
        assert!(
            matches!(registry_auth(Some(&basic)), RegistryAuth::Basic(u, p) if u == "u" && p == "p")
        );
        let id = Credential::IdentityToken {
            username: Some("u".into()),
            token: Secret::from("refresh"),
        };
        assert!(matches!(registry_auth(Some(&id)), RegistryAuth::Bearer(t) if t == "refresh"));
        let rt = Credential::RegistryToken {
            token: Secret::from("bearer"),
        };
        assert!(matches!(registry_auth(Some(&rt)), RegistryAuth::Bearer(t) if t == "bearer"));
        // oci-client's Debug redacts too.
        assert!(!format!("{:?}", registry_auth(Some(&basic))).contains("\"p\""));
    }

    #[test]
    fn references_keep_registry_repository_and_prefer_the_digest() {
        let d = format!("sha256:{}", "a".repeat(64));
        let r = oci_reference(&Reference::parse(&format!("127.0.0.1:5000/ns/app:1@{d}")).unwrap());
        assert_eq!(
            (r.registry(), r.repository(), r.digest()),
            ("127.0.0.1:5000", "ns/app", Some(d.as_str()))
        );
        let r = oci_reference(&Reference::parse("quay.io/x").unwrap());
        assert_eq!(r.tag(), Some("latest"));
        let r = oci_reference(&Reference::parse("docker.io/library/busybox:1").unwrap());
        assert_eq!((r.repository(), r.tag()), ("library/busybox", Some("1")));
    }

    #[test]
    fn status_codes_and_envelopes_classify() {
        let e = classify(OciDistributionError::ServerError {
            code: 403,
            url: "u".into(),
            message: String::new(),
        });
        assert_eq!(e.kind(), AttemptErrorKind::Denied);
        let e = classify(OciDistributionError::UnauthorizedError { url: "u".into() });
        assert_eq!(e.kind(), AttemptErrorKind::Unauthorized);
        let env: oci_client::errors::OciEnvelope =
            serde_json::from_str(r#"{"errors":[{"code":"NAME_UNKNOWN","message":"x"}]}"#).unwrap();
        let e = classify(OciDistributionError::RegistryError {
            envelope: env,
            url: "u".into(),
        });
        assert_eq!(e.kind(), AttemptErrorKind::NotFound);
    }
}
