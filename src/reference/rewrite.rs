//! Rewriting a reference for an endpoint (rules 39–40): `location + reference[k..]`, with the
//! endpoint's shape computed once when the configuration is compiled.

use super::grammar::{is_domain, is_path_component};
use super::normalise::is_registry_host;
use super::{
    Reference, ReferenceError, DEFAULT_DOMAIN, LEGACY_DEFAULT_DOMAIN, NAME_TOTAL_LENGTH_MAX,
};

impl Reference {
    /// Rewrites `self` for an endpoint: `location + self[k..]`, checked as
    /// [`parse_canonical`](Self::parse_canonical) would. `fast` is the precomputed shape of the
    /// location (see [`EndpointShape`]); when it allows, the result is built without re-running
    /// the grammar, which cannot change the answer: the part taken from `self` is already valid.
    pub(crate) fn rewrite(
        &self,
        location: &str,
        shape: EndpointShape,
        k: usize,
    ) -> Result<Reference, ReferenceError> {
        let rest = &self.text[k..];
        let name_len = self.name_len as usize;
        let fast = match shape {
            EndpointShape::Checked {
                domain_len,
                has_path,
            } => {
                let rest_name = if k <= name_len {
                    &self.text[k..name_len]
                } else {
                    ""
                };
                let usable = k <= name_len
                    && (rest_name.starts_with('/') || (rest_name.is_empty() && has_path))
                    && location.len() + rest_name.len() <= NAME_TOTAL_LENGTH_MAX;
                usable.then_some((domain_len, location.len() + rest_name.len()))
            }
            EndpointShape::Other => None,
        };
        let mut text = String::with_capacity(location.len() + rest.len());
        text.push_str(location);
        text.push_str(rest);
        match fast {
            Some((domain_len, new_name_len)) => {
                let tag_end = new_name_len + (self.tag_end as usize - name_len);
                Ok(Reference {
                    domain_len: domain_len as u16,
                    name_len: new_name_len as u16,
                    tag_end: tag_end as u32,
                    text,
                })
            }
            None => Reference::from_canonical_string(text),
        }
    }
}

/// What is known about an endpoint location, computed once when the configuration is compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EndpointShape {
    /// `domain[/path-component...]` with a registry-host domain other than `docker.io` and
    /// `index.docker.io`: appending `/valid/path[:tag][@digest]` yields a canonical reference
    /// (given the length limit).
    Checked { domain_len: usize, has_path: bool },
    /// Anything else: rewritten references are checked in full.
    Other,
}

impl EndpointShape {
    pub(crate) fn of(location: &str) -> EndpointShape {
        let (domain, path) = match location.find('/') {
            Some(i) => (&location[..i], Some(&location[i + 1..])),
            None => (location, None),
        };
        let domain_ok = is_domain(domain.as_bytes())
            && is_registry_host(domain)
            && domain != DEFAULT_DOMAIN
            && domain != LEGACY_DEFAULT_DOMAIN;
        let path_ok = path.is_none_or(|p| p.split('/').all(|c| is_path_component(c.as_bytes())));
        if domain_ok && path_ok && location.len() <= NAME_TOTAL_LENGTH_MAX {
            EndpointShape::Checked {
                domain_len: domain.len(),
                has_path: path.is_some(),
            }
        } else {
            EndpointShape::Other
        }
    }
}
