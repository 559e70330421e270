//! Behaviour profiles (the `Profile` switch; its rules live in the registry index and the
//! resolver).

use std::fmt;

/// Behaviour profiles: the default one answers exactly like containers/image v5.23.1; the
/// hardened one closes the reference's spoofing holes (config-formats.md \[HARDEN\] items).
///
/// | | default | hardened |
/// | --- | --- | --- |
/// | host part of a prefix | byte-exact (`EVIL.io/x` escapes `evil.io`) | ASCII case-insensitive |
/// | port-less prefix `example.com` vs `example.com:5000/x` | matches | does not match |
/// | wildcard `*.example.com` | first occurrence only (`x.example.com.example.com` missed) | any occurrence in the host |
/// | `blocked = true` | checked on each rewritten source only | also refuses the entry's own primary endpoint |
/// | user alias cache vs system aliases | cache wins | system tables win for names they define |
/// | unknown keys | ignored | errors |
///
/// The matching rules of both profiles are implemented once, in the registry index, which is
/// compiled for the selected profile once per configuration snapshot.
///
/// ```
/// use shortnames::Profile;
/// assert_eq!(Profile::default(), Profile::Compatible);
/// assert_eq!(Profile::parse("hardened"), Some(Profile::Hardened));
/// assert_eq!(Profile::Hardened.as_str(), "hardened");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Profile {
    /// Exactly the reference behaviour, known bugs included (the default).
    #[default]
    Compatible,
    /// Stricter matching and blocking; see the module documentation.
    Hardened,
}

impl Profile {
    /// Parses `compatible` (or `default`) and `hardened`.
    pub fn parse(s: &str) -> Option<Profile> {
        match s {
            "compatible" | "default" => Some(Profile::Compatible),
            "hardened" => Some(Profile::Hardened),
            _ => None,
        }
    }

    /// `compatible` or `hardened`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Profile::Compatible => "compatible",
            Profile::Hardened => "hardened",
        }
    }

    /// Whether this is the hardened profile.
    pub fn is_hardened(&self) -> bool {
        *self == Profile::Hardened
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
