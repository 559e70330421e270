//! Why a string is not an image reference: the reference implementation's texts.

use std::fmt;

use super::NAME_TOTAL_LENGTH_MAX;

/// Why a string is not a valid image reference.
///
/// `Display` gives the exact text of the reference implementation; [`ReferenceError::reason`]
/// gives the short machine-readable reason used in error kinds (`invalid-reference/<reason>`).
///
/// ```
/// use shortnames::Reference;
///
/// let err = Reference::parse("Busybox").unwrap_err();
/// assert_eq!(err.to_string(), "repository name must be lowercase");
/// assert_eq!(err.reason(), "uppercase");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceError {
    kind: RefErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RefErrorKind {
    Format,
    Uppercase,
    UppercaseNormalized,
    Empty,
    TooLong,
    NotCanonical,
    DigestFormat,
    DigestLength,
    DigestAlgorithm,
    HexName(Box<str>),
}

impl ReferenceError {
    pub(super) fn new(kind: RefErrorKind) -> Self {
        ReferenceError { kind }
    }

    /// The short reason: `format`, `uppercase`, `empty`, `too-long`, `not-canonical`,
    /// `digest-format`, `digest-length`, `digest-algorithm` or `hex-name`.
    pub fn reason(&self) -> &'static str {
        match self.kind {
            RefErrorKind::Format => "format",
            RefErrorKind::Uppercase | RefErrorKind::UppercaseNormalized => "uppercase",
            RefErrorKind::Empty => "empty",
            RefErrorKind::TooLong => "too-long",
            RefErrorKind::NotCanonical => "not-canonical",
            RefErrorKind::DigestFormat => "digest-format",
            RefErrorKind::DigestLength => "digest-length",
            RefErrorKind::DigestAlgorithm => "digest-algorithm",
            RefErrorKind::HexName(_) => "hex-name",
        }
    }
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            RefErrorKind::Format => f.write_str("invalid reference format"),
            RefErrorKind::Uppercase => f.write_str("repository name must be lowercase"),
            RefErrorKind::UppercaseNormalized => {
                f.write_str("invalid reference format: repository name must be lowercase")
            }
            RefErrorKind::Empty => f.write_str("repository name must have at least one component"),
            RefErrorKind::TooLong => write!(
                f,
                "repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters"
            ),
            RefErrorKind::NotCanonical => f.write_str("repository name must be canonical"),
            RefErrorKind::DigestFormat => f.write_str("invalid checksum digest format"),
            RefErrorKind::DigestLength => f.write_str("invalid checksum digest length"),
            RefErrorKind::DigestAlgorithm => f.write_str("unsupported digest algorithm"),
            RefErrorKind::HexName(s) => write!(
                f,
                "invalid repository name ({s}), cannot specify 64-byte hexadecimal strings"
            ),
        }
    }
}

impl std::error::Error for ReferenceError {}
