//! registries.conf as MCO handles it: containers/image's `V2RegistriesConf` decoded the way
//! BurntSushi/toml does (keys matched case-insensitively, unknown keys and v1 tables dropped,
//! nothing validated; spec rule 6) and encoded byte for byte as BurntSushi/toml v1.5.0 writes
//! it (rules 32–35).

use std::collections::BTreeMap;

/// One `[[registry.mirror]]` (containers/image `Endpoint`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub location: String,
    pub insecure: bool,
    pub pull_from_mirror: String,
}

/// One `[[registry]]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Entry {
    pub prefix: String,
    pub location: String,
    pub insecure: bool,
    pub pull_from_mirror: String,
    pub blocked: bool,
    pub mirrors: Vec<Endpoint>,
    pub mirror_by_digest_only: bool,
}

impl Entry {
    /// `registryScope`: the prefix when non-empty, else the location.
    pub fn scope(&self) -> &str {
        if self.prefix.is_empty() {
            &self.location
        } else {
            &self.prefix
        }
    }
}

/// The whole file. `None` is Go's nil (absent), `Some(empty)` an empty but present list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RegistriesConf {
    pub registries: Option<Vec<Entry>>,
    pub search: Option<Vec<String>>,
    pub credential_helpers: Option<Vec<String>>,
    pub short_name_mode: String,
    pub additional_layer_store_auth_helper: String,
    pub aliases: Option<BTreeMap<String, String>>,
}

/// A decoding problem, worded like a TOML decoder's message (`toml: line N ...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodeError(pub String);

impl RegistriesConf {
    /// Decodes `text` into the containers/image structure.
    pub fn decode(text: &str) -> Result<RegistriesConf, DecodeError> {
        // BurntSushi/toml reads over a UTF-8 byte-order mark.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| {
                    let end = s.start.min(text.len());
                    text.as_bytes()[..end]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count()
                        + 1
                })
                .unwrap_or(1);
            let message: Vec<&str> = e
                .message()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            DecodeError(format!("toml: line {line}: {}", message.join("; ")))
        })?;
        let mut conf = RegistriesConf::default();
        let mut path = Vec::new();
        if let Some(v) = field(&table, "registry") {
            path.push("registry".to_owned());
            let items = array(v, &path)?;
            let mut entries = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                path.push(format!("[{i}]"));
                entries.push(decode_entry(table_of(item, &path)?, &mut path)?);
                path.pop();
            }
            path.pop();
            conf.registries = Some(entries);
        }
        conf.search = string_list(&table, "unqualified-search-registries", &mut path)?;
        conf.credential_helpers = string_list(&table, "credential-helpers", &mut path)?;
        conf.short_name_mode = string(&table, "short-name-mode", &mut path)?;
        conf.additional_layer_store_auth_helper =
            string(&table, "additional-layer-store-auth-helper", &mut path)?;
        if let Some(v) = field(&table, "aliases") {
            path.push("aliases".to_owned());
            let t = table_of(v, &path)?;
            let mut aliases = BTreeMap::new();
            for (k, v) in t {
                path.push(k.clone());
                let s = v.as_str().ok_or_else(|| type_error(v, "string", &path))?;
                aliases.insert(k.clone(), s.to_owned());
                path.pop();
            }
            path.pop();
            conf.aliases = Some(aliases);
        }
        Ok(conf)
    }

    /// Finds the entry whose scope is exactly `scope` (the first one).
    pub fn entry_index(&self, scope: &str) -> Option<usize> {
        self.registries
            .as_ref()?
            .iter()
            .position(|r| r.scope() == scope)
    }

    /// Encodes the file as BurntSushi/toml v1.5.0 writes `V2RegistriesConf`.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // An empty (non-nil) registry list is not an array of tables: it is written as a
        // plain key, first, because `registry` is the struct's first field.
        if let Some(r) = &self.registries {
            if r.is_empty() {
                out.push_str("registry = []\n");
            }
        }
        if let Some(list) = &self.search {
            key_line(
                &mut out,
                "",
                "unqualified-search-registries",
                &array_str(list),
            );
        }
        if let Some(list) = &self.credential_helpers {
            key_line(&mut out, "", "credential-helpers", &array_str(list));
        }
        key_line(
            &mut out,
            "",
            "short-name-mode",
            &quote(&self.short_name_mode),
        );
        key_line(
            &mut out,
            "",
            "additional-layer-store-auth-helper",
            &quote(&self.additional_layer_store_auth_helper),
        );
        for r in self.registries.iter().flatten() {
            out.push_str("\n[[registry]]\n");
            key_line(&mut out, "  ", "prefix", &quote(&r.prefix));
            if !r.location.is_empty() {
                key_line(&mut out, "  ", "location", &quote(&r.location));
            }
            if r.insecure {
                key_line(&mut out, "  ", "insecure", "true");
            }
            if !r.pull_from_mirror.is_empty() {
                key_line(
                    &mut out,
                    "  ",
                    "pull-from-mirror",
                    &quote(&r.pull_from_mirror),
                );
            }
            if r.blocked {
                key_line(&mut out, "  ", "blocked", "true");
            }
            if r.mirror_by_digest_only {
                key_line(&mut out, "  ", "mirror-by-digest-only", "true");
            }
            for m in &r.mirrors {
                out.push_str("\n  [[registry.mirror]]\n");
                if !m.location.is_empty() {
                    key_line(&mut out, "    ", "location", &quote(&m.location));
                }
                if m.insecure {
                    key_line(&mut out, "    ", "insecure", "true");
                }
                if !m.pull_from_mirror.is_empty() {
                    key_line(
                        &mut out,
                        "    ",
                        "pull-from-mirror",
                        &quote(&m.pull_from_mirror),
                    );
                }
            }
        }
        if let Some(aliases) = &self.aliases {
            out.push_str("\n[aliases]\n");
            for (k, v) in aliases {
                key_line(&mut out, "  ", &bare_or_quoted(k), &quote(v));
            }
        }
        out
    }
}

fn key_line(out: &mut String, indent: &str, key: &str, value: &str) {
    out.push_str(indent);
    out.push_str(key);
    out.push_str(" = ");
    out.push_str(value);
    out.push('\n');
}

fn array_str(list: &[String]) -> String {
    let items: Vec<String> = list.iter().map(|s| quote(s)).collect();
    format!("[{}]", items.join(", "))
}

fn bare_or_quoted(k: &str) -> String {
    let bare = !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare {
        k.to_owned()
    } else {
        quote(k)
    }
}

/// A TOML basic string as BurntSushi/toml writes it (rule 35).
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// BurntSushi/toml's field lookup: the exact key first, else a case-insensitive match.
fn field<'a>(t: &'a toml::Table, name: &str) -> Option<&'a toml::Value> {
    t.get(name).or_else(|| {
        t.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name) || k.to_lowercase() == name)
            .map(|(_, v)| v)
    })
}

fn type_name(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::String(_) => "String",
        toml::Value::Integer(_) => "Integer",
        toml::Value::Float(_) => "Float",
        toml::Value::Boolean(_) => "Bool",
        toml::Value::Datetime(_) => "Datetime",
        toml::Value::Array(_) => "Array",
        toml::Value::Table(_) => "Hash",
    }
}

fn type_error(v: &toml::Value, want: &str, path: &[String]) -> DecodeError {
    let mut key = String::new();
    for p in path {
        if !key.is_empty() && !p.starts_with('[') {
            key.push('.');
        }
        key.push_str(p);
    }
    DecodeError(format!(
        "toml: incompatible types: TOML value has type {}; destination has type {want} (key \"{key}\")",
        type_name(v)
    ))
}

fn array<'a>(v: &'a toml::Value, path: &[String]) -> Result<&'a Vec<toml::Value>, DecodeError> {
    v.as_array().ok_or_else(|| type_error(v, "slice", path))
}

fn table_of<'a>(v: &'a toml::Value, path: &[String]) -> Result<&'a toml::Table, DecodeError> {
    v.as_table().ok_or_else(|| type_error(v, "struct", path))
}

fn string(t: &toml::Table, name: &str, path: &mut Vec<String>) -> Result<String, DecodeError> {
    match field(t, name) {
        None => Ok(String::new()),
        Some(v) => {
            path.push(name.to_owned());
            let s = v.as_str().ok_or_else(|| type_error(v, "string", path))?;
            path.pop();
            Ok(s.to_owned())
        }
    }
}

fn boolean(t: &toml::Table, name: &str, path: &mut Vec<String>) -> Result<bool, DecodeError> {
    match field(t, name) {
        None => Ok(false),
        Some(v) => {
            path.push(name.to_owned());
            let b = v.as_bool().ok_or_else(|| type_error(v, "bool", path))?;
            path.pop();
            Ok(b)
        }
    }
}

fn string_list(
    t: &toml::Table,
    name: &str,
    path: &mut Vec<String>,
) -> Result<Option<Vec<String>>, DecodeError> {
    let Some(v) = field(t, name) else {
        return Ok(None);
    };
    path.push(name.to_owned());
    let items = array(v, path)?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        path.push(format!("[{i}]"));
        out.push(
            item.as_str()
                .ok_or_else(|| type_error(item, "string", path))?
                .to_owned(),
        );
        path.pop();
    }
    path.pop();
    Ok(Some(out))
}

fn decode_endpoint(t: &toml::Table, path: &mut Vec<String>) -> Result<Endpoint, DecodeError> {
    Ok(Endpoint {
        location: string(t, "location", path)?,
        insecure: boolean(t, "insecure", path)?,
        pull_from_mirror: string(t, "pull-from-mirror", path)?,
    })
}

fn decode_entry(t: &toml::Table, path: &mut Vec<String>) -> Result<Entry, DecodeError> {
    let ep = decode_endpoint(t, path)?;
    let mut mirrors = Vec::new();
    if let Some(v) = field(t, "mirror") {
        path.push("mirror".to_owned());
        for (i, item) in array(v, path)?.iter().enumerate() {
            path.push(format!("[{i}]"));
            mirrors.push(decode_endpoint(table_of(item, path)?, path)?);
            path.pop();
        }
        path.pop();
    }
    Ok(Entry {
        prefix: string(t, "prefix", path)?,
        location: ep.location,
        insecure: ep.insecure,
        pull_from_mirror: ep.pull_from_mirror,
        blocked: boolean(t, "blocked", path)?,
        mirrors,
        mirror_by_digest_only: boolean(t, "mirror-by-digest-only", path)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_round_trip() {
        let c = RegistriesConf::decode(
            "unqualified-search-registries = ['registry.access.redhat.com', 'docker.io']\n",
        )
        .unwrap();
        assert_eq!(
            c.encode(),
            "unqualified-search-registries = [\"registry.access.redhat.com\", \"docker.io\"]\n\
             short-name-mode = \"\"\nadditional-layer-store-auth-helper = \"\"\n"
        );
    }

    #[test]
    fn keys_match_case_insensitively_and_unknown_keys_drop() {
        let c = RegistriesConf::decode(
            "Short-Name-Mode = \"enforcing\"\nx = 1\n[registries.search]\nregistries = []\n\
             [[Registry]]\nLocation = \"a\"\n",
        )
        .unwrap();
        assert_eq!(c.short_name_mode, "enforcing");
        assert_eq!(c.registries.unwrap()[0].location, "a");
    }

    #[test]
    fn wrong_type_is_an_error() {
        assert!(RegistriesConf::decode("short-name-mode = 1\n").is_err());
        assert!(RegistriesConf::decode("[registry]\nlocation = \"a\"\n").is_err());
        assert!(RegistriesConf::decode("x = [\n").is_err());
    }

    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        proptest::string::string_regex("(?s).{0,12}").unwrap()
    }

    fn endpoint() -> impl Strategy<Value = Endpoint> {
        (text(), any::<bool>(), text()).prop_map(|(location, insecure, pull_from_mirror)| {
            Endpoint {
                location,
                insecure,
                pull_from_mirror,
            }
        })
    }

    fn entry() -> impl Strategy<Value = Entry> {
        (
            (text(), text(), any::<bool>(), text()),
            (
                any::<bool>(),
                proptest::collection::vec(endpoint(), 0..3),
                any::<bool>(),
            ),
        )
            .prop_map(
                |((prefix, location, insecure, pull_from_mirror), (blocked, mirrors, mbdo))| {
                    Entry {
                        prefix,
                        location,
                        insecure,
                        pull_from_mirror,
                        blocked,
                        // An endpoint without any key encodes as an empty table; keep them
                        // distinguishable by giving each a location.
                        mirrors: mirrors
                            .into_iter()
                            .map(|mut m| {
                                if m.location.is_empty() {
                                    m.location.push('m');
                                }
                                m
                            })
                            .collect(),
                        mirror_by_digest_only: mbdo,
                    }
                },
            )
    }

    proptest! {
        /// What the encoder writes is TOML that decodes back to the same structure (every
        /// string escape, empty-but-present lists, the `registry = []` quirk).
        #[test]
        fn encode_decode_round_trip(
            registries in proptest::option::of(proptest::collection::vec(entry(), 0..3)),
            search in proptest::option::of(proptest::collection::vec(text(), 0..3)),
            helpers in proptest::option::of(proptest::collection::vec(text(), 0..2)),
            mode in text(),
            als in text(),
            aliases in proptest::option::of(proptest::collection::btree_map(text(), text(), 0..3)),
        ) {
            let conf = RegistriesConf {
                registries,
                search,
                credential_helpers: helpers,
                short_name_mode: mode,
                additional_layer_store_auth_helper: als,
                aliases,
            };
            let text = conf.encode();
            let back = RegistriesConf::decode(&text).map_err(|e| TestCaseError::fail(format!("{e:?}\n{text}")))?;
            prop_assert_eq!(back, conf, "{}", text);
        }
    }

    #[test]
    fn quoting() {
        assert_eq!(
            quote("a\"b\\c\u{1}\u{7f}é\t"),
            "\"a\\\"b\\\\c\\u0001\\u007fé\\t\""
        );
        assert_eq!(bare_or_quoted("ubi9"), "ubi9");
        assert_eq!(bare_or_quoted("ubi9/x"), "\"ubi9/x\"");
        assert_eq!(bare_or_quoted(""), "\"\"");
    }
}
