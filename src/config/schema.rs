//! The one schema of registries.conf (and of the user alias file): which keys exist in which
//! table, with which Go type in containers/image v5.23.1. The full decoder, the fast scanner
//! and `check`'s key suggestions all read this table.

/// What a field holds, as the reference's Go type (which decides what a value of another
/// TOML type does: an error, or for a map, nothing).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// `string`.
    Str,
    /// `bool`.
    Bool,
    /// `[]string`.
    Strings,
    /// `[]struct` (an array of tables, or an array of inline tables).
    StructList(&'static [Field]),
    /// `struct` (a table).
    Struct(&'static [Field]),
    /// `map[string]string`: a value that is not a table is silently ignored (the reference's
    /// decoder returns without error), so it also does not count as content.
    StringMap,
}

/// Which field a key decoded into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Id {
    Registry,
    UnqualifiedSearchRegistries,
    CredentialHelpers,
    ShortNameMode,
    Aliases,
    AdditionalLayerStoreAuthHelper,
    V1Registries,
    Prefix,
    Location,
    Insecure,
    PullFromMirror,
    Blocked,
    Mirror,
    MirrorByDigestOnly,
    V1Search,
    V1Insecure,
    V1Block,
    V1List,
}

/// One key of a table.
#[derive(Debug)]
pub(crate) struct Field {
    /// The key as the reference's struct tag spells it.
    pub name: &'static str,
    pub kind: Kind,
    pub id: Id,
    /// The containers/image release that added the key; on earlier releases it is an
    /// unknown key (ignored whatever its value).
    pub since: Option<(u16, u16)>,
}

const fn f(name: &'static str, kind: Kind, id: Id) -> Field {
    Field {
        name,
        kind,
        id,
        since: None,
    }
}

/// A containers/image release (major, minor) whose schema a decoder applies.
pub(crate) type Release = (u16, u16);

/// The oldest release modelled: the schema of keys every target knows. The fast scanner and
/// the alias-file decoder use it (a key added later makes the fast scanner hand the file to
/// the full decoder, which knows the target).
pub(crate) const TARGET: Release = (5, 23);

/// `[[registry.mirror]]` (the reference's `Endpoint`).
pub(crate) static MIRROR: &[Field] = &[
    f("location", Kind::Str, Id::Location),
    f("insecure", Kind::Bool, Id::Insecure),
    f("pull-from-mirror", Kind::Str, Id::PullFromMirror),
];

/// `[[registry]]` (the reference's `Registry`, with `Endpoint` embedded).
pub(crate) static REGISTRY: &[Field] = &[
    f("prefix", Kind::Str, Id::Prefix),
    f("location", Kind::Str, Id::Location),
    f("insecure", Kind::Bool, Id::Insecure),
    f("pull-from-mirror", Kind::Str, Id::PullFromMirror),
    f("blocked", Kind::Bool, Id::Blocked),
    f("mirror-by-digest-only", Kind::Bool, Id::MirrorByDigestOnly),
    f("mirror", Kind::StructList(MIRROR), Id::Mirror),
];

/// `[registries.search]` and its siblings (v1).
pub(crate) static V1_LIST: &[Field] = &[f("registries", Kind::Strings, Id::V1List)];

/// `[registries]` (v1).
pub(crate) static V1: &[Field] = &[
    f("search", Kind::Struct(V1_LIST), Id::V1Search),
    f("insecure", Kind::Struct(V1_LIST), Id::V1Insecure),
    f("block", Kind::Struct(V1_LIST), Id::V1Block),
];

/// The top level of registries.conf and drop-ins.
pub(crate) static ROOT: &[Field] = &[
    f("registry", Kind::StructList(REGISTRY), Id::Registry),
    f(
        "unqualified-search-registries",
        Kind::Strings,
        Id::UnqualifiedSearchRegistries,
    ),
    f("credential-helpers", Kind::Strings, Id::CredentialHelpers),
    f("short-name-mode", Kind::Str, Id::ShortNameMode),
    f("aliases", Kind::StringMap, Id::Aliases),
    Field {
        name: "additional-layer-store-auth-helper",
        kind: Kind::Str,
        id: Id::AdditionalLayerStoreAuthHelper,
        since: Some((5, 32)),
    },
    f("registries", Kind::Struct(V1), Id::V1Registries),
];

/// The top level of the user alias file (the reference's `shortNameAliasConf`).
pub(crate) static ALIAS_FILE: &[Field] = &[f("aliases", Kind::StringMap, Id::Aliases)];

/// Go's `strings.EqualFold` restricted to what can equal an ASCII field name.
pub(crate) fn fold_eq(key: &str, field: &str) -> bool {
    let mut k = key.chars();
    for f in field.bytes() {
        let Some(c) = k.next() else { return false };
        let c = match c {
            '\u{17F}' => 's',  // LATIN SMALL LETTER LONG S
            '\u{212A}' => 'k', // KELVIN SIGN
            c if c.is_ascii() => c.to_ascii_lowercase(),
            _ => return false,
        };
        if c as u32 != f.to_ascii_lowercase() as u32 {
            return false;
        }
    }
    k.next().is_none()
}

fn known(f: &Field, release: Release) -> bool {
    f.since.is_none_or(|v| v <= release)
}

/// Which field of `fields` a TOML key decodes into: an exact match, else a case-folded one
/// (the reference's rule); keys of fields the target release does not have are unknown.
pub(crate) fn lookup<'f>(fields: &'f [Field], key: &str) -> Option<&'f Field> {
    lookup_in(fields, key, TARGET)
}

/// [`lookup`] with the schema of `release`.
pub(crate) fn lookup_in<'f>(fields: &'f [Field], key: &str, release: Release) -> Option<&'f Field> {
    fields
        .iter()
        .find(|f| f.name == key && known(f, release))
        .or_else(|| {
            fields
                .iter()
                .find(|f| known(f, release) && fold_eq(key, f.name))
        })
}

/// The fields of the table at a key path without indices (`""`, `registry`,
/// `registry.mirror`, `registries`, `registries.search`, ...), for suggestions.
pub(crate) fn fields_at(path: &str, release: Release) -> Vec<&'static str> {
    let mut fields = ROOT;
    if !path.is_empty() {
        for part in path.split('.') {
            match lookup_in(fields, part, release).map(|f| f.kind) {
                Some(Kind::StructList(sub) | Kind::Struct(sub)) => fields = sub,
                _ => return Vec::new(),
            }
        }
    }
    fields
        .iter()
        .filter(|f| known(f, release))
        .map(|f| f.name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fold_like_go() {
        assert!(fold_eq(
            "Unqualified-Search-Registries",
            "unqualified-search-registries"
        ));
        assert!(fold_eq("\u{17F}hort-name-mode", "short-name-mode"));
        assert!(fold_eq("bloc\u{212A}ed", "blocked"));
        assert!(!fold_eq("registries", "registry"));
        assert!(!fold_eq("locatio", "location"));
    }

    #[test]
    fn v5_23_does_not_know_later_keys() {
        assert!(lookup(ROOT, "additional-layer-store-auth-helper").is_none());
        assert_eq!(lookup(ROOT, "Registry").map(|f| f.id), Some(Id::Registry));
        assert_eq!(fields_at("registry.mirror", TARGET).len(), 3);
        assert_eq!(fields_at("registries.search", TARGET), ["registries"]);
        assert!(fields_at("aliases", TARGET).is_empty());
        let v5_40 = lookup_in(ROOT, "additional-layer-store-auth-helper", (5, 40));
        assert_eq!(
            v5_40.map(|f| f.id),
            Some(Id::AdditionalLayerStoreAuthHelper)
        );
        assert!(fields_at("", (5, 40)).contains(&"additional-layer-store-auth-helper"));
        assert!(!fields_at("", TARGET).contains(&"additional-layer-store-auth-helper"));
    }
}
