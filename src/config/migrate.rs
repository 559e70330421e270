//! Rewriting a version-1 registries.conf (`[registries.search]`, `[registries.insecure]`,
//! `[registries.block]`) as the equivalent version-2 file, which every release reads
//! (containers/image v5.40 refuses version-1 files).
//!
//! The conversion is the one containers/image v5.23 applies when it loads a version-1 main
//! file (resolution rules 10–11), so the answers stay the same; the result is verified by
//! loading both files and comparing the effective configurations. Everything outside the
//! version-1 tables, comments included, is kept; the comments written above the version-1
//! tables are moved above the keys replacing them.

use std::sync::Arc;

use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, Value};

use super::decode;
use super::file::{self, FileConfig};
use super::schema::fold_eq;
use super::{Compat, Limits};
use crate::error::{Error, ErrorKind};
use crate::quote::Q;

/// A registries.conf rewritten without version-1 tables ([`Migration::from_text`]).
///
/// ```
/// use shortnames::config::Migration;
///
/// let m = Migration::from_text("[registries.search]\nregistries = [\"quay.io\"]\n", "r.conf").unwrap();
/// assert!(m.needed);
/// assert_eq!(m.text, "unqualified-search-registries = [\"quay.io\"]\n");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Migration {
    /// Whether the file uses version-1 tables (v5.40 refuses it as it is).
    pub needed: bool,
    /// The version-2 file (the input unchanged when nothing was needed).
    pub text: String,
}

impl Migration {
    /// Rewrites the registries.conf `text` (named `file` in messages) without version-1 tables.
    ///
    /// A file that does not load today (as a main file, containers/image v5.23 rules) is not
    /// rewritten: the error is the one loading it gives, e.g. for a file mixing both formats.
    ///
    /// ```
    /// use shortnames::config::Migration;
    ///
    /// let v1 = "# site registries\n[registries.search]\nregistries = [\"quay.io\"]\n\
    ///           [registries.block]\nregistries = [\"bad.example.com\"]\n";
    /// let m = Migration::from_text(v1, "registries.conf").unwrap();
    /// assert!(m.needed);
    /// assert_eq!(m.text, "# site registries\nunqualified-search-registries = [\"quay.io\"]\n\n\
    ///                     [[registry]]\nlocation = \"bad.example.com\"\nblocked = true\n");
    /// assert!(!Migration::from_text(&m.text, "registries.conf").unwrap().needed);
    /// ```
    pub fn from_text(text: &str, file: &str) -> Result<Migration, Error> {
        let origin: Arc<str> = Arc::from(file);
        let limits = Limits::default();
        let load = |t: &str, compat: Compat| {
            file::load(t, &origin, false, compat, &limits).map_err(|p| {
                Error::with_details(
                    p.kind,
                    format!(
                        "loading registries configuration {}: {}",
                        Q(file),
                        p.message
                    ),
                    Some(file.to_owned()),
                    p.key,
                    p.location,
                )
            })
        };
        let before = load(text, Compat::V5_23)?;
        let raw = decode::decode_file(text, super::schema::TARGET).map_err(|e| {
            Error::new(
                ErrorKind::InvalidConfig("toml"),
                format!("{}: toml: {}", file, e.message),
            )
        })?;
        if !raw.v1_defined {
            return Ok(Migration {
                needed: false,
                text: text.to_owned(),
            });
        }
        let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
            Error::new(
                ErrorKind::InvalidConfig("toml"),
                format!("{file}: toml: {}", e.message()),
            )
        })?;
        let comments = remove_v1(doc.as_table_mut());
        write_v2(&mut doc, &before, &comments);
        let out = doc.to_string();

        // The proof: both releases load the new file into the configuration v5.23 had.
        for compat in [Compat::V5_23, Compat::V5_40] {
            let after = load(&out, compat)?;
            if let Some(what) = difference(&before, &after) {
                return Err(Error::new(
                    ErrorKind::InvalidConfig("migrate"),
                    format!("{file}: the converted file would change {what}; convert it by hand"),
                ));
            }
        }
        Ok(Migration {
            needed: true,
            text: out,
        })
    }
}

/// Comments of the removed tables: those of `[registries.search]` go above the new search
/// list, the others above the first new `[[registry]]`.
#[derive(Default)]
struct Comments {
    search: String,
    registries: String,
}

/// Removes the version-1 `registries` table and the (necessarily empty, the file loaded)
/// version-2 keys the conversion rewrites; returns the comments written in and above them.
fn remove_v1(root: &mut Table) -> Comments {
    let mut c = Comments::default();
    let doomed: Vec<String> = root
        .iter()
        .map(|(k, _)| k.to_owned())
        .filter(|k| {
            fold_eq(k, "registries")
                || fold_eq(k, "unqualified-search-registries")
                || fold_eq(k, "registry")
        })
        .collect();
    for k in doomed {
        let Some((key, item)) = root.remove_entry(&k) else {
            continue;
        };
        let search = fold_eq(&k, "unqualified-search-registries");
        let out = if search {
            &mut c.search
        } else {
            &mut c.registries
        };
        collect_comments(key.leaf_decor().prefix(), out);
        let Item::Table(t) = &item else { continue };
        collect_comments(t.decor().prefix(), &mut c.registries);
        for (name, sub) in t.iter() {
            let out = match fold_eq(name, "search") {
                true => &mut c.search,
                false => &mut c.registries,
            };
            if let Some(key) = t.key(name) {
                collect_comments(key.leaf_decor().prefix(), out);
            }
            collect_item_comments(sub, out);
        }
    }
    c
}

fn collect_item_comments(item: &Item, out: &mut String) {
    match item {
        Item::Table(t) => {
            collect_comments(t.decor().prefix(), out);
            for (k, sub) in t.iter() {
                if let Some(key) = t.key(k) {
                    collect_comments(key.leaf_decor().prefix(), out);
                }
                collect_item_comments(sub, out);
            }
        }
        Item::Value(v) => collect_comments(v.decor().suffix(), out),
        _ => {}
    }
}

fn collect_comments(decor: Option<&toml_edit::RawString>, out: &mut String) {
    let Some(text) = decor.and_then(|d| d.as_str()) else {
        return;
    };
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            out.push_str(line);
            out.push('\n');
        }
    }
}

fn write_v2(doc: &mut DocumentMut, before: &FileConfig, comments: &Comments) {
    let root = doc.as_table_mut();
    let mut registry_comments = comments.registries.clone();
    if let Some(usr) = &before.usr {
        let list: Array = usr.iter().map(|s| Value::from(&**s)).collect();
        // Top-level keys are written before every table.
        root.insert(
            "unqualified-search-registries",
            Item::Value(Value::Array(list)),
        );
        if let Some(mut key) = root.key_mut("unqualified-search-registries") {
            key.leaf_decor_mut().set_prefix(comments.search.clone());
        }
    } else {
        registry_comments.insert_str(0, &comments.search);
    }
    if before.registries.is_empty() {
        return;
    }
    let mut tables = ArrayOfTables::new();
    for r in &before.registries {
        let mut t = Table::new();
        if r.prefix != r.location {
            t.insert("prefix", toml_edit::value(&*r.prefix));
        }
        t.insert("location", toml_edit::value(&*r.location));
        if r.insecure {
            t.insert("insecure", toml_edit::value(true));
        }
        if r.blocked {
            t.insert("blocked", toml_edit::value(true));
        }
        if tables.is_empty() && !registry_comments.is_empty() {
            t.decor_mut().set_prefix(format!("\n{registry_comments}"));
        }
        tables.push(t);
    }
    root.insert("registry", Item::ArrayOfTables(tables));
}

/// The first effective setting that differs between two loads of one file, if any.
fn difference(a: &FileConfig, b: &FileConfig) -> Option<&'static str> {
    let aliases = |f: &FileConfig| {
        f.aliases
            .iter()
            .map(|(k, e)| (k.clone(), e.value.as_ref().map(|r| r.as_str().to_owned())))
            .collect::<Vec<_>>()
    };
    if !super::same_registries(&a.registries, &b.registries) {
        return Some("the [[registry]] entries");
    }
    if a.usr != b.usr {
        return Some("unqualified-search-registries");
    }
    // An empty list and no list mean the same default helper.
    let helpers = |f: &FileConfig| f.credential_helpers.clone().filter(|h| !h.is_empty());
    if helpers(a) != helpers(b) {
        return Some("credential-helpers");
    }
    if a.short_name_mode != b.short_name_mode {
        return Some("short-name-mode");
    }
    if aliases(a) != aliases(b) {
        return Some("the aliases");
    }
    if a.additional_layer_store_auth_helper != b.additional_layer_store_auth_helper {
        return Some("additional-layer-store-auth-helper");
    }
    None
}
