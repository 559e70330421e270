//! Short-name aliases (resolution rules 20, 29–31): validation of alias names and values and the
//! entries of the system alias table. The user alias file is read by the user-alias reader
//! with the same validation.

use std::fmt;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::config::decode::{RawAlias, Span};
use crate::error::{Lines, Location};
use crate::quote::Q;
use crate::reference::Reference;

/// One complaint about an alias entry, worded exactly as the reference implementation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AliasComplaint(String);

impl fmt::Display for AliasComplaint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AliasComplaint {}

/// Validates an alias name (`validateShortName`): it must parse, carry no digest and no tag, and
/// its first component must not be a registry host.
pub(crate) fn validate_alias_key(key: &str) -> Result<(), AliasComplaint> {
    let c = Reference::classify(key)
        .map_err(|e| AliasComplaint(format!("cannot parse short name: {}: {e}", Q(key))))?;
    let problem = if c.has_digest {
        "must not contain digest"
    } else if c.has_tag {
        "must not contain tag"
    } else if c.has_registry {
        "must not contain registry"
    } else {
        return Ok(());
    };
    Err(AliasComplaint(format!(
        "invalid short name {}: {problem}",
        Q(key)
    )))
}

/// Validates and normalises an alias value (`parseShortNameValue`), returning the normalised
/// reference string (`docker.io/alpine` → `docker.io/library/alpine`).
pub(crate) fn validate_alias_value(value: &str) -> Result<String, AliasComplaint> {
    parse_alias_value(value.to_owned()).map(|r| r.as_str().to_owned())
}

/// [`validate_alias_value`] keeping the value's buffer when normalisation does not change it.
pub(crate) fn parse_alias_value(value: String) -> Result<Reference, AliasComplaint> {
    let r = Reference::parse_owned(value)
        .map_err(|(e, v)| AliasComplaint(format!("parsing alias {}: {e}", Q(&v))))?;
    let problem = if r.digest().is_some() {
        "must not contain digest"
    } else if r.tag().is_some() {
        "must not contain tag"
    } else if !r.has_registry() {
        "must contain registry and repository"
    } else if r.is_normalized_form() {
        return Ok(r);
    } else {
        return Reference::parse_normalized(r.as_str()).map_err(|e| AliasComplaint(e.to_string()));
    };
    Err(AliasComplaint(format!(
        "invalid alias {}: {problem}",
        Q(r.as_str())
    )))
}

/// A stored alias: its value (`None` = removed with `""`) and the file that defined it.
#[derive(Debug, Clone)]
pub(crate) struct AliasEntry {
    pub value: Option<Reference>,
    pub origin: Arc<str>,
    pub location: Option<Location>,
}

/// Aliases keyed by name, as typed (no normalisation).
pub(crate) type AliasMap = FxHashMap<Box<str>, AliasEntry>;

/// A complaint with where it was found.
#[derive(Debug, Clone)]
pub(crate) struct LocatedComplaint {
    pub text: String,
    pub location: Option<Location>,
    pub key: String,
}

/// Validates every entry of one file's `[aliases]` table (`newShortNameAliasCache`). All
/// complaints are collected; the entries are returned only when there are none.
pub(crate) fn validate_table(
    raw: Vec<RawAlias>,
    origin: &Arc<str>,
    lines: &Lines<'_>,
) -> Result<Vec<(Box<str>, AliasEntry)>, Vec<LocatedComplaint>> {
    let mut out = Vec::with_capacity(raw.len());
    let mut complaints = Vec::new();
    let loc = |span: &Span| lines.span(span);
    for a in raw {
        if let Err(c) = validate_alias_key(&a.name) {
            complaints.push(LocatedComplaint {
                text: c.0,
                location: loc(&a.name_span),
                key: a.key(),
            });
        }
        let location = loc(&a.name_span);
        if a.value.is_empty() {
            out.push((
                a.name.into_boxed_str(),
                AliasEntry {
                    value: None,
                    origin: origin.clone(),
                    location,
                },
            ));
            continue;
        }
        match parse_alias_value(a.value) {
            Ok(r) => out.push((
                a.name.into_boxed_str(),
                AliasEntry {
                    value: Some(r),
                    origin: origin.clone(),
                    location,
                },
            )),
            Err(c) => complaints.push(LocatedComplaint {
                text: c.0,
                location: loc(&a.value_span),
                key: RawAlias::key_of(&a.name),
            }),
        }
    }
    if complaints.is_empty() {
        Ok(out)
    } else {
        // The reference reports them in random (map) order; sort for a stable message.
        complaints.sort_by(|a, b| a.text.cmp(&b.text));
        Err(complaints)
    }
}

/// Joins complaints the way the reference does (`c1\n: c2...`).
pub(crate) fn join_complaints(c: &[LocatedComplaint]) -> String {
    let mut s = String::new();
    for (i, c) in c.iter().enumerate() {
        if i > 0 {
            s.push_str("\n: ");
        }
        s.push_str(&c.text);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_rules_in_order() {
        let e = |k: &str| validate_alias_key(k).unwrap_err().to_string();
        assert_eq!(
            e("Worst"),
            "cannot parse short name: \"Worst\": repository name must be lowercase"
        );
        assert_eq!(
            e("bad:tag"),
            "invalid short name \"bad:tag\": must not contain tag"
        );
        assert_eq!(
            e("localhost/x"),
            "invalid short name \"localhost/x\": must not contain registry"
        );
        for ok in ["Foo/bar", "localhost", "1234567489", "ubi9/ubi"] {
            assert!(validate_alias_key(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn value_rules_in_order() {
        let e = |v: &str| validate_alias_value(v).unwrap_err().to_string();
        assert_eq!(
            e("worse"),
            "invalid alias \"worse\": must contain registry and repository"
        );
        assert_eq!(
            e("quay.io/worst:1"),
            "invalid alias \"quay.io/worst:1\": must not contain tag"
        );
        assert_eq!(
            e(&format!("docker.io/{}", "a".repeat(238))),
            "repository name must not be more than 255 characters"
        );
        assert_eq!(validate_alias_value("Quay.io/up").unwrap(), "Quay.io/up");
    }
}
