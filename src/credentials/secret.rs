//! A string holding secret material: redacted in `Debug`, no `Display`, wiped on drop.

use std::fmt;

use zeroize::Zeroizing;

/// Secret material (a password, an identity token, a registry token).
///
/// * `Debug` prints `<redacted>`; there is no `Display` and no `Serialize`.
/// * The memory holding the value is overwritten with zeros when the value is dropped.
/// * The value is reachable only through [`Secret::expose_secret`].
///
/// ```
/// use shortnames::credentials::Secret;
///
/// let s = Secret::new("hunter2".to_string());
/// assert_eq!(format!("{s:?}"), "<redacted>");
/// assert_eq!(s.expose_secret(), "hunter2");
/// ```
#[derive(Clone, Default)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a string. The string's buffer is taken over (not copied) and wiped on drop.
    pub fn new(value: String) -> Self {
        Secret(Zeroizing::new(value))
    }

    /// Returns the secret value. Call this only where the value is sent to a registry.
    pub fn expose_secret(&self) -> &str {
        self.0.as_str()
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value.to_string())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Byte buffer that is wiped on drop (file contents, decoded `auth` values).
pub(crate) type SecretBytes = Zeroizing<Vec<u8>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_and_value_is_exposed_explicitly() {
        let s = Secret::from("p4ssw0rd");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(
            format!("{:#?}", Some(s.clone())),
            "Some(\n    <redacted>,\n)"
        );
        assert_eq!(s.expose_secret(), "p4ssw0rd");
        assert!(!s.is_empty());
        assert!(Secret::default().is_empty());
    }
}

/// A usable credential. `Debug` shows the variant and the username, never secrets:
///
/// ```
/// use shortnames::credentials::{Credential, Secret};
///
/// let c = Credential::Basic { username: "robot".into(), password: Secret::from("pw") };
/// assert_eq!(format!("{c:?}"), r#"Basic { username: "robot", password: <redacted> }"#);
/// assert_eq!(c.to_string(), r#"basic credentials (user "robot")"#);
/// assert_eq!(c.username(), Some("robot"));
/// ```
#[derive(Clone, Debug)]
pub enum Credential {
    /// HTTP basic credentials.
    Basic {
        /// User name (may be empty).
        username: String,
        /// Password (may be empty, but not together with the user name).
        password: Secret,
    },
    /// An OAuth2 refresh token ("identity token"), exchanged by the HTTP layer.
    IdentityToken {
        /// User name, when the entry has one.
        username: Option<String>,
        /// The refresh token.
        token: Secret,
    },
    /// A ready-to-use bearer token.
    RegistryToken {
        /// The bearer token.
        token: Secret,
    },
}

impl Credential {
    /// The user name, if the credential has one.
    pub fn username(&self) -> Option<&str> {
        match self {
            Credential::Basic { username, .. } => Some(username),
            Credential::IdentityToken { username, .. } => username.as_deref(),
            Credential::RegistryToken { .. } => None,
        }
    }

    /// `basic`, `identity-token` or `registry-token`.
    pub fn kind(&self) -> &'static str {
        match self {
            Credential::Basic { .. } => "basic",
            Credential::IdentityToken { .. } => "identity-token",
            Credential::RegistryToken { .. } => "registry-token",
        }
    }
}

impl fmt::Display for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Basic { username, .. } => {
                write!(f, "basic credentials (user {username:?})")
            }
            Credential::IdentityToken {
                username: Some(u), ..
            } => write!(f, "identity token (user {u:?})"),
            Credential::IdentityToken { username: None, .. } => f.write_str("identity token"),
            Credential::RegistryToken { .. } => f.write_str("registry token"),
        }
    }
}
