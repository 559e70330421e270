//! Credentials per pull source of a resolution (spec §9): every endpoint produced by
//! short-name resolution and mirror rewriting gets its own lookup, on its physical location.

use std::fmt;

use super::error::CredentialError;
use super::keyring::{Explicit, Keyring, PullCredentials};
use crate::pull_sources::PullSource;
use crate::resolve::{Candidate, Resolution};

/// The credentials that apply to one pull source: the source itself (borrowed from the
/// resolution) and the result of the pull lookup on its physical reference.
///
/// `Display` shows `<reference>: <credentials>`, where the credentials are rendered as
/// [`PullCredentials`] does (`file: key (user "name")` or `anonymous`); secrets never appear.
/// Obtained from [`Keyring::pull_source_credentials`] or [`Keyring::resolution_credentials`].
///
/// ```
/// use shortnames::credentials::{Format, Keyring, SourceId};
/// use shortnames::{ConfigSources, Resolver};
///
/// let dir = tempfile::tempdir().unwrap();
/// let resolver = Resolver::new(&ConfigSources::new().registries_conf_d(dir.path().join("d")));
/// let (keyring, _) = Keyring::builder()
///     .namespace_document(SourceId::label("ns"), br#"{"auths":{"quay.io":{"password":"pw","username":"robot"}}}"#, Format::DockerConfigJson)
///     .build();
/// let r = resolver.resolve("quay.io/team/app").unwrap();
/// let sc = &keyring.pull_source_credentials(&r.candidates[0], None)[0];
/// assert_eq!(sc.to_string(), r#"quay.io/team/app:latest: ns: quay.io (user "robot")"#);
/// assert!(!format!("{sc:?}").contains("\"pw\""));
/// ```
#[derive(Debug)]
pub struct SourceCredentials<'r, 'a> {
    /// The endpoint (mirror or primary location).
    pub source: &'r PullSource<'a>,
    /// What a pull from this endpoint presents: the winning tier's candidates (empty =
    /// anonymous), or the lookup error that makes this source fail (§9.4).
    pub credentials: Result<PullCredentials, CredentialError>,
}

impl fmt::Display for SourceCredentials<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.source.reference)?;
        match &self.credentials {
            Ok(c) => write!(f, "{c}"),
            Err(e) => write!(f, "error: {e}"),
        }
    }
}

impl Keyring {
    /// Pull credentials for every pull source of one resolved candidate, in source order.
    ///
    /// Each source is looked up independently on its physical reference (the mirror or
    /// rewritten location), with the candidate reference as the logical reference (it
    /// decides whether an explicit credential is forwarded to mirrors). A candidate whose
    /// sources could not be computed gives an empty list.
    ///
    /// ```
    /// use shortnames::credentials::{Format, Keyring, SourceId};
    /// use shortnames::{ConfigSources, Resolver};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let conf = dir.path().join("registries.conf");
    /// std::fs::write(&conf, r#"
    /// [aliases]
    /// myimage = "myreg.io/repo/myimage"
    /// [[registry]]
    /// location = "myreg.io/repo"
    /// [[registry.mirror]]
    /// location = "mirror.example.com:5000/repo"
    /// "#).unwrap();
    /// let resolver = Resolver::new(
    ///     &ConfigSources::new().registries_conf(&conf).registries_conf_d(dir.path().join("d")),
    /// );
    /// let node = br#"{"auths": {"mirror.example.com:5000": {"auth": "bWlycm9ydXNlcjptaXJyb3Jwdw=="}}}"#;
    /// let (keyring, _) = Keyring::builder()
    ///     .node_document(SourceId::file("/var/lib/kubelet/config.json"), node, Format::DockerConfigJson)
    ///     .build();
    ///
    /// let resolution = resolver.resolve("myimage:1.0").unwrap();
    /// let per_source = keyring.pull_source_credentials(&resolution.candidates[0], None);
    /// let shown: Vec<String> = per_source.iter().map(|s| s.to_string()).collect();
    /// assert_eq!(shown, [
    ///     r#"mirror.example.com:5000/repo/myimage:1.0: /var/lib/kubelet/config.json: mirror.example.com:5000 (user "mirroruser")"#,
    ///     "myreg.io/repo/myimage:1.0: anonymous",
    /// ]);
    /// ```
    pub fn pull_source_credentials<'r, 'a>(
        &self,
        candidate: &'r Candidate<'a>,
        explicit: Option<&Explicit>,
    ) -> Vec<SourceCredentials<'r, 'a>> {
        let Ok(sources) = &candidate.sources else {
            return Vec::new();
        };
        let logical = candidate.reference.as_str();
        sources
            .iter()
            .map(|source| SourceCredentials {
                source,
                credentials: self.lookup_pull_source(source.reference.as_str(), logical, explicit),
            })
            .collect()
    }

    /// Pull credentials for every pull source of every candidate of a resolution: one list
    /// per candidate (same order as `resolution.candidates`), each as
    /// [`pull_source_credentials`](Keyring::pull_source_credentials) gives it.
    ///
    /// An explicit credential applies only to sources on its bound host (or, with
    /// `forward_explicit_to_mirrors`, to the sources of a candidate on its bound host); it
    /// is never sent to the registries of other short-name candidates.
    ///
    /// ```
    /// use shortnames::credentials::{Credential, Explicit, Keyring, Origin};
    /// use shortnames::{ConfigSources, Resolver};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let conf = dir.path().join("registries.conf");
    /// std::fs::write(&conf, "unqualified-search-registries = [\"registry.access.redhat.com\", \"docker.io\"]\n").unwrap();
    /// let resolver = Resolver::new(
    ///     &ConfigSources::new().registries_conf(&conf).registries_conf_d(dir.path().join("d")),
    /// );
    /// let (keyring, _) = Keyring::builder().build();
    /// let explicit = Explicit::new("docker.io", Credential::Basic {
    ///     username: "u".into(),
    ///     password: "p".into(),
    /// }).unwrap();
    ///
    /// let resolution = resolver.resolve("nginx").unwrap();
    /// let all = keyring.resolution_credentials(&resolution, Some(&explicit));
    /// // registry.access.redhat.com/nginx:latest: the explicit credential is not sent there.
    /// assert!(all[0][0].credentials.as_ref().unwrap().is_anonymous());
    /// // docker.io/library/nginx:latest: it is.
    /// let first = all[1][0].credentials.as_ref().unwrap();
    /// assert_eq!(first.first().unwrap().origin(), Origin::Explicit);
    /// ```
    pub fn resolution_credentials<'r, 'a>(
        &self,
        resolution: &'r Resolution<'a>,
        explicit: Option<&Explicit>,
    ) -> Vec<Vec<SourceCredentials<'r, 'a>>> {
        resolution
            .candidates
            .iter()
            .map(|c| self.pull_source_credentials(c, explicit))
            .collect()
    }
}
