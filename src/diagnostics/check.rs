//! `check`: every problem of a configuration (registries.conf, its drop-ins and the user alias
//! file), not just the first, as located errors, warnings and notes.
//!
//! `check` is an observer of the one loader ([`Config::load`]'s walk, discovery and merge):
//! it sees each file once, validates it in collect mode, and carries on past every problem
//! the default path would stop at. A TOML value of the wrong type does not stop the walk
//! either: the offending key is set aside (the file is decoded again without it) so every
//! type error of a file, and every other problem, is reported.
//!
//! Errors are what makes the configuration fail to load (each with the exact message the
//! default path would give, the first of them being the one it does give), plus entries that
//! will certainly fail at pull time. Warnings are what the reference silently ignores or gets
//! surprisingly wrong: unknown keys (with a did-you-mean), duplicate prefixes that lose, a
//! drop-in entry that replaces an earlier file's entry and loses its mirrors, masked aliases
//! (a note when a later drop-in overrides one, a warning when the user alias cache masks
//! one), prefixes that can never match, rewrites that fail for some names, `blocked` flags
//! that do not do what they say (not enforced, or mirrors still serving a blocked registry),
//! mirrors without `insecure` under an insecure registry, ambiguous short names in enforcing
//! mode, no way at all to resolve a short name, redundant search entries.
//!
//! ```
//! use shortnames::diagnostics::{check, CheckOptions};
//! use shortnames::ConfigSources;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let conf = dir.path().join("registries.conf");
//! std::fs::write(&conf, "unqualified-search-registries = [\"quay.io\"]\n[[registry]]\nlocation = \"quay.io\"\nmirror-by-digest-onyl = true\n").unwrap();
//! let report = check(&ConfigSources::new().registries_conf(&conf).registries_conf_d(dir.path().join("d")), &CheckOptions::default());
//! let d = &report.findings[0];
//! assert_eq!(d.kind, "unknown-key");
//! assert_eq!(d.location.map(|l| (l.line, l.column)), Some((4, 1)));
//! assert_eq!(d.help.as_deref(), Some("did you mean `mirror-by-digest-only`?"));
//! assert!(!report.failed(false));
//! assert!(report.failed(true));
//! ```

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use crate::config::aliases::AliasEntry;
use crate::config::decode::{self, DecodeError, RawFile, Span};
use crate::config::{self, file, ConfigSources, Registry, ShortNameMode};
use crate::diagnostics::{Finding, Level, SourceTexts};
use crate::error::{Error, Lines, Location};
use crate::profile::Profile;
use crate::quote::{Q, QP};
use crate::reference::Reference;
use crate::registry_index::RegistryIndex;
use crate::Config;

/// What to check with.
///
/// ```
/// use shortnames::diagnostics::{check, CheckOptions};
/// use shortnames::{ConfigSources, Profile};
///
/// let sources = ConfigSources::from_text("r.conf", "unqualified-search-registries = []\nbogus = 1\n");
/// assert!(!check(&sources, &CheckOptions::default()).failed(false)); // a warning
/// assert!(check(&sources, &CheckOptions::default().profile(Profile::Hardened)).failed(false)); // an error
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CheckOptions {
    /// The profile the configuration will run under (hardened: unknown keys are errors, the
    /// user alias cache cannot mask system aliases, matching rules differ).
    pub profile: Profile,
}

impl CheckOptions {
    /// Sets the profile.
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }
}

/// Everything `check` found in a configuration.
///
/// ```
/// use shortnames::diagnostics::{check, CheckOptions};
/// use shortnames::ConfigSources;
///
/// let sources = ConfigSources::from_text("r.conf", "[[registry]]\nlocation = \"quay.io\"\ninsecure = \"no\"\n");
/// let report = check(&sources, &CheckOptions::default());
/// let e = report.errors().next().unwrap();
/// assert_eq!((e.kind.as_str(), e.key.as_deref()), ("invalid-config/toml", Some("registry[0].insecure")));
/// assert_eq!(report.files, ["r.conf"]);
/// assert!(report.render_text().contains("3 | insecure = \"no\""));
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ConfigReport {
    /// The problems, by file (in load order) then position.
    pub findings: Vec<Finding>,
    /// The files that were read, in load order (the user alias file last).
    pub files: Vec<String>,
    /// The texts of those files, for snippets.
    pub sources: SourceTexts,
}

impl ConfigReport {
    /// The findings of one level.
    pub fn at_level(&self, level: Level) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |d| d.level == level)
    }

    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.at_level(Level::Error)
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.at_level(Level::Warning)
    }

    /// The notes (never make a check fail).
    pub fn notes(&self) -> impl Iterator<Item = &Finding> {
        self.at_level(Level::Note)
    }

    /// Whether the check fails: any error, or any warning when `strict`.
    pub fn failed(&self, strict: bool) -> bool {
        self.errors().next().is_some() || (strict && self.warnings().next().is_some())
    }

    /// Every finding rendered with its snippet, then a summary line.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        for d in &self.findings {
            out.push_str(&self.sources.render(d));
            out.push('\n');
        }
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    /// `N file(s) checked: N error(s), N warning(s), N note(s)`.
    pub fn summary(&self) -> String {
        let n = |count: usize, what: &str| {
            format!("{count} {what}{}", if count == 1 { "" } else { "s" })
        };
        format!(
            "{} checked: {}, {}, {}",
            n(self.files.len(), "file"),
            n(self.errors().count(), "error"),
            n(self.warnings().count(), "warning"),
            n(self.notes().count(), "note"),
        )
    }
}

/// Checks the configuration named by `sources` under `options.profile` (the profile set on
/// `sources` is not consulted).
///
/// ```
/// use shortnames::diagnostics::{check, CheckOptions};
/// use shortnames::diagnostics::Level;
/// use shortnames::ConfigSources;
///
/// let dir = tempfile::tempdir().unwrap();
/// let conf = dir.path().join("registries.conf");
/// // Three problems: the default load stops at the first, `check` reports all of them.
/// std::fs::write(&conf, "short-name-mode = \"prompt\"\n[[registry]]\nlocation = \"https://quay.io\"\ninsecure = \"false\"\n").unwrap();
/// let report = check(&ConfigSources::new().registries_conf(&conf), &CheckOptions::default());
/// let kinds: Vec<&str> = report.errors().map(|d| d.kind.as_str()).collect();
/// assert_eq!(kinds, ["invalid-config/bad-short-name-mode", "invalid-config/uri-scheme", "invalid-config/toml"]);
/// assert!(report.findings.iter().all(|d| d.level == Level::Error));
/// ```
pub fn check(sources: &ConfigSources, options: &CheckOptions) -> ConfigReport {
    let mut c = Checker {
        profile: options.profile,
        report: ConfigReport::default(),
        loaded: Vec::new(),
        spans: RegistrySpans::default(),
        set_aside: Vec::new(),
        user_aliases: 0,
    };
    let sources = sources.clone().profile(options.profile);
    let config = config::load_observed(&sources, &mut c);
    c.analyse(&sources, &config);
    c.drop_follow_ons();
    if sources.compat_target() == config::Compat::V5_40 {
        // What stops working compared with v5.23 (Podman 4 → Podman 6).
        for f in config::upgrade_findings(&sources) {
            let d = Finding::new(Level::Warning, format!("upgrade/{}", f.code), f.message);
            c.push(match f.file {
                Some(file) => d.at(&*file, None),
                None => d,
            });
        }
    }
    let order: HashMap<String, usize> = c
        .report
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.clone(), i))
        .collect();
    c.report.findings.sort_by_key(|d| {
        (
            d.file
                .as_ref()
                .and_then(|f| order.get(f).copied())
                .unwrap_or(usize::MAX),
            d.location,
        )
    });
    c.report.findings.dedup();
    c.report
}

/// One file that could be used: its validated content and where its parts are.
struct Loaded {
    display: Arc<str>,
    config: file::FileConfig,
    /// Where `short-name-mode` is set.
    mode_at: Option<Location>,
    /// Where the search list is set.
    usr_at: Option<Location>,
    /// Where the v1 `[registries]` table is.
    v1_at: Option<Location>,
    /// Whether this file sets the search list to an empty list (`= []`, or a v1
    /// `[registries]` table without search entries).
    sets_empty_search: bool,
}

/// A key of a file set aside after a type error: findings about it (or its table) that are
/// consequences of setting it aside are dropped.
struct SetAside {
    file: String,
    key: String,
    line: Option<usize>,
}

struct Checker {
    profile: Profile,
    report: ConfigReport,
    loaded: Vec<Loaded>,
    spans: RegistrySpans,
    set_aside: Vec<SetAside>,
    /// Usable entries of the user alias file.
    user_aliases: usize,
}

/// At most this many type errors are set aside per file (then the walk of that file stops).
const MAX_TYPE_ERRORS: usize = 64;

impl config::LoadObserver for Checker {
    fn file(
        &mut self,
        origin: &Arc<str>,
        name: &Path,
        prefix_kind: &str,
        text: &str,
        drop_in: bool,
        sources: &ConfigSources,
    ) -> Option<file::FileConfig> {
        self.load_one(origin, name, prefix_kind, text, drop_in, sources)
    }

    fn problem(&mut self, err: Error) {
        self.push(Finding::from_error(&err));
    }

    fn shadowed(&mut self, f: &config::ShadowedFile) {
        let message = format!("not read: {} has the same file name and wins", f.by);
        self.push(Finding::new(Level::Note, "drop-in-shadowed", message).at(&*f.path, None));
    }
}

/// Decodes `text`, setting aside every key whose value has the wrong type: the result is the
/// text actually decoded (same lines as `text`), the decoded file (or the error that stopped
/// decoding: a syntax error), and the type errors, in the order met.
fn decode_setting_aside(
    text: &str,
    release: crate::config::schema::Release,
) -> (String, Result<RawFile, DecodeError>, Vec<DecodeError>) {
    let mut work = text.to_owned();
    let mut type_errors: Vec<DecodeError> = Vec::new();
    let mut attempts: HashMap<usize, u8> = HashMap::new();
    loop {
        let e = match decode::decode_file(&work, release) {
            Ok(raw) => return (work, Ok(raw), type_errors),
            Err(e) => e,
        };
        let start = e.span.as_ref().map(|s| s.start);
        let tries = start.map(|s| attempts.entry(s).or_insert(0));
        let patched = match (e.key.as_deref(), tries) {
            // Only a value of the wrong type is set aside (a syntax error names its last key too).
            (Some(key), Some(tries)) if e.type_mismatch && type_errors.len() < MAX_TYPE_ERRORS => {
                *tries += 1;
                set_aside(&work, key, e.span.clone().unwrap_or_default(), *tries)
            }
            _ => None,
        };
        let Some(patched) = patched else {
            return (work, Err(e), type_errors);
        };
        // The same place failing again is the same error (the first attempt did not take).
        if !type_errors
            .iter()
            .any(|t| t.span.as_ref().map(|s| s.start) == start)
        {
            type_errors.push(e);
        }
        work = patched;
    }
}

/// `text` with the value at `span` (of key path `key`) out of the decoder's way, keeping every
/// line where it is: first by renaming the key (its last character), so it is an unknown key;
/// for array elements, alias values and second attempts by replacing the value with `""`.
fn set_aside(text: &str, key: &str, span: std::ops::Range<usize>, attempt: u8) -> Option<String> {
    let b = text.as_bytes();
    let rename = |pos: usize| -> Option<String> {
        let c = *b.get(pos)?;
        if !(c.is_ascii_alphanumeric() || c == b'_' || c == b'-') {
            return None;
        }
        let mut out = b.to_vec();
        out[pos] = if c == b'_' { b'-' } else { b'_' };
        String::from_utf8(out).ok()
    };
    let key_end_before = |mut i: usize| -> Option<usize> {
        while i > 0 && matches!(b[i - 1], b' ' | b'\t') {
            i -= 1;
        }
        (i > 0 && b[i - 1] == b'=').then_some(i - 1)
    };
    if attempt == 1 && !key.starts_with("aliases.") {
        let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
        let at_line_start = text[line_start..span.start].trim().is_empty();
        if at_line_start && b.get(span.start) == Some(&b'[') {
            // A table header (`[registry]` where an array of tables is expected).
            let close = span.start + text[span.start..].find(']')?;
            return rename(close.checked_sub(1)?);
        }
        if let Some(mut j) = key_end_before(span.start) {
            while j > 0 && matches!(b[j - 1], b' ' | b'\t') {
                j -= 1;
            }
            let last = j.checked_sub(1)?;
            let pos = if matches!(b[last], b'"' | b'\'') {
                last.checked_sub(1)?
            } else {
                last
            };
            return rename(pos);
        }
    }
    if attempt > 2
        || span.end > text.len()
        || span.start >= span.end
        || !text.is_char_boundary(span.start)
        || !text.is_char_boundary(span.end)
    {
        return None;
    }
    let value = &text[span.clone()];
    let mut out = String::with_capacity(text.len() + 2);
    out.push_str(&text[..span.start]);
    out.push_str("\"\"");
    out.extend(
        value
            .chars()
            .skip(2)
            .map(|c| if c == '\n' { '\n' } else { ' ' }),
    );
    out.push_str(&text[span.end..]);
    Some(out)
}

/// Whether key paths `a` and `b` are the same or one contains the other.
fn related(a: &str, b: &str) -> bool {
    let within = |inner: &str, outer: &str| {
        inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    };
    a == b || within(a, b) || within(b, a)
}

impl Checker {
    fn push(&mut self, d: Finding) {
        self.report.findings.push(d);
    }

    fn load_one(
        &mut self,
        origin: &Arc<str>,
        name: &Path,
        what: &str,
        text: &str,
        drop_in: bool,
        sources: &ConfigSources,
    ) -> Option<file::FileConfig> {
        let display: &str = origin;
        self.report.files.push(display.to_owned());
        self.report.sources.insert(display, text);
        let (work, decoded, type_errors) =
            decode_setting_aside(text, sources.compat_target().schema_release());
        let lines = Lines::new(&work);
        let loc = |s: &Span| lines.span(s);
        let problem = |message: &str, key: Option<String>, location: Option<Location>| {
            let mut d = Finding::new(
                Level::Error,
                "invalid-config/toml",
                format!("loading {what} {}: toml: {message}", QP(name)),
            )
            .at(display, location);
            d.key = key;
            d
        };
        for e in &type_errors {
            let location = loc(&e.span);
            self.push(problem(&e.message, e.key.clone(), location));
            self.set_aside.push(SetAside {
                file: display.to_owned(),
                key: e.key.clone().unwrap_or_default(),
                line: location.map(|l| l.line),
            });
        }
        let raw = match decoded {
            Ok(raw) => raw,
            Err(e) => {
                let location = loc(&e.span);
                self.push(problem(&e.message, e.key, location));
                return None;
            }
        };
        let mode_at = loc(&raw.short_name_mode.span);
        let usr_at = loc(&raw.usr_span);
        // A v1 `[registries.search]` table (the implicit `[registries]` table of such a header
        // has no span: find the header line; only used to place the empty-search warning).
        let v1_header = work
            .lines()
            .position(|l| l.trim_start().starts_with("[registries.search"))
            .map(|i| {
                let l = work.lines().nth(i).unwrap_or_default();
                Location {
                    line: i + 1,
                    column: l.len() - l.trim_start().len() + 1,
                }
            });
        let v1_at = loc(&raw.v1_span).or(v1_header);
        let sets_empty_search = raw.usr.as_ref().is_some_and(|u| u.is_empty())
            || (raw.usr.is_none() && v1_header.is_some() && raw.v1_search.is_empty());
        self.spans.add(origin, &lines, &raw);
        let (config, problems) = file::load_collect_raw(
            &work,
            raw,
            origin,
            drop_in,
            sources.compat_target(),
            sources.input_limits(),
        );
        for p in problems {
            let mut d = Finding::new(
                Level::Error,
                p.kind.as_str(),
                format!("loading {what} {}: {}", QP(name), p.message),
            )
            .at(display, p.location);
            d.key = p.key;
            self.push(d);
        }
        let config = config?;
        for w in &config.warnings {
            let mut d = Finding::from_warning(w);
            if w.kind == "unknown-key" {
                if self.profile.is_hardened() {
                    // Exactly the error the hardened load stops at.
                    d.level = Level::Error;
                    d.kind = "invalid-config/unknown-key".into();
                    d.message = format!(
                        "loading {what} {}: unknown key {} (refused by the hardened profile)",
                        QP(name),
                        Q(w.key.as_deref().unwrap_or_default())
                    );
                }
                let release = sources.compat_target().schema_release();
                if let Some(s) = w.key.as_deref().and_then(|k| suggest_key(k, release)) {
                    d.help = Some(format!("did you mean `{s}`?"));
                }
            }
            self.push(d);
        }
        self.loaded.push(Loaded {
            display: origin.clone(),
            config: config.clone(),
            mode_at,
            usr_at,
            v1_at,
            sets_empty_search,
        });
        Some(config)
    }

    /// Drops what only follows from setting a key aside: findings about that key or the table
    /// holding it, and the unknown key the renamed key became.
    fn drop_follow_ons(&mut self) {
        if self.set_aside.is_empty() {
            return;
        }
        let set_aside = std::mem::take(&mut self.set_aside);
        self.report.findings.retain(|d| {
            if d.kind == "invalid-config/toml" {
                return true;
            }
            !set_aside.iter().any(|s| {
                d.file.as_deref() == Some(s.file.as_str())
                    && match (&d.key, d.kind.as_str()) {
                        (_, "unknown-key" | "invalid-config/unknown-key") => {
                            d.location.map(|l| l.line) == s.line
                        }
                        (Some(k), _) => related(k, &s.key),
                        (None, _) => false,
                    }
            })
        });
    }

    fn analyse(&mut self, sources: &ConfigSources, config: &Config) {
        let loaded = std::mem::take(&mut self.loaded);
        let mut usr: Option<(usize, &[Arc<str>])> = None;
        let mut mode: Option<(usize, ShortNameMode)> = None;
        let mut aliases: HashMap<&str, &AliasEntry> = HashMap::new();
        // The entry each prefix has so far, to see what a later file's entry replaces.
        let mut entries: HashMap<&str, &Arc<Registry>> = HashMap::new();
        for (i, f) in loaded.iter().enumerate() {
            let mut replaced_here = HashSet::new();
            for r in &f.config.registries {
                if let Some(old) = entries.get(&*r.prefix) {
                    if old.origin != r.origin && replaced_here.insert(r.prefix.clone()) {
                        self.entry_replaced(old, r);
                    }
                }
                entries.insert(&r.prefix, r);
            }
            if let Some(u) = &f.config.usr {
                usr = Some((i, u));
            }
            if let Some(m) = f.config.short_name_mode {
                mode = Some((i, m));
            }
            for (name, entry) in &f.config.aliases {
                if let Some(old) = aliases.get(&**name) {
                    self.alias_masked(old, entry, name);
                }
                aliases.insert(name, entry);
            }
        }
        let index = RegistryIndex::with_profile(&config.registries, self.profile);
        for r in &config.registries {
            let spans = std::mem::take(&mut self.spans);
            self.check_registry(r, &index, &spans);
            self.spans = spans;
        }
        if let Some((i, list)) = usr {
            self.check_search(&loaded[i], list, mode.map(|(j, m)| (&loaded[j], m)));
        }
        self.check_user_aliases(sources, config);
        self.check_short_names(config, &loaded);
    }

    /// A later file's `[[registry]]` entry replaces `old` as a whole: mirrors of `old` that the
    /// new entry does not list are no longer used.
    fn entry_replaced(&mut self, old: &Registry, new: &Registry) {
        let lost: Vec<&str> = old
            .mirrors
            .iter()
            .filter(|m| !new.mirrors.iter().any(|n| n.location == m.location))
            .map(|m| &*m.location)
            .collect();
        if lost.is_empty() {
            return;
        }
        let at = |r: &Registry| match r.defined_at {
            Some(l) => format!("{}:{}", r.origin, l.line),
            None => r.origin.to_string(),
        };
        let list = lost.iter().map(|m| Q(m).to_string()).collect::<Vec<_>>();
        self.push(
            Finding::new(
                Level::Warning,
                "entry-replaced-mirrors-lost",
                format!(
                    "[[registry]] {} at {} replaces the entry at {}: its mirror{} {} {} no longer used (a later file replaces a whole entry, it does not add to it)",
                    Q(&new.prefix),
                    at(new),
                    at(old),
                    if lost.len() == 1 { "" } else { "s" },
                    list.join(", "),
                    if lost.len() == 1 { "is" } else { "are" },
                ),
            )
            .at(&*new.origin, new.defined_at)
            .with_key(new.key.clone())
            .with_note("the replaced entry", Some(&old.origin), old.defined_at)
            .with_help("repeat the mirrors in the later entry, or set them only there"),
        );
    }

    /// A search list set to empty with no alias anywhere: every short name fails (as with
    /// containers/image's own v1 sample, `[registries.search] registries = []`).
    fn check_short_names(&mut self, config: &Config, loaded: &[Loaded]) {
        if !config.unqualified_search_registries.is_empty()
            || config.aliases().any(|a| a.value.is_some())
            || self.user_aliases > 0
        {
            return;
        }
        // The file whose (empty) list is in effect: the last one that sets the list.
        let Some(f) = loaded
            .iter()
            .rev()
            .find(|f| f.sets_empty_search || f.config.usr.is_some())
            .filter(|f| f.sets_empty_search)
        else {
            return;
        };
        self.push(
            Finding::new(
                Level::Warning,
                "short-names-unresolvable",
                "the search list is empty and no alias is defined: every short name (`busybox`, `ubi9`) fails to resolve",
            )
            .at(f.display.to_string(), f.usr_at.or(f.v1_at))
            .with_key("unqualified-search-registries")
            .with_help("list the registries to search, e.g. unqualified-search-registries = [\"registry.access.redhat.com\", \"docker.io\"], or define aliases"),
        );
    }

    /// A later file's entry for `name` hides `old`.
    fn alias_masked(&mut self, old: &AliasEntry, new: &AliasEntry, name: &str) {
        let Some(old_value) = &old.value else {
            return; // a removal being overridden hides nothing
        };
        let how = match &new.value {
            Some(v) if v == old_value => return,
            Some(v) => format!("set to {}", Q(v.as_str())),
            None => "removed with \"\"".to_owned(),
        };
        self.push(
            Finding::new(
                Level::Note,
                "alias-overridden",
                format!(
                    "alias {} = {} is overridden: a later file {how}",
                    Q(name),
                    Q(old_value.as_str())
                ),
            )
            .at(&*old.origin, old.location)
            .with_note("the winning entry", Some(&new.origin), new.location),
        );
    }

    fn check_registry(&mut self, r: &Arc<Registry>, index: &RegistryIndex, spans: &RegistrySpans) {
        let find = |name: &str| index.find(name).map(|c| &c.entry);
        let s = spans.get(r);
        let prefix_at = s.and_then(|s| s.prefix.or(s.location)).or(r.defined_at);
        let file = r.origin.to_string();
        if let Some((why, help)) = never_matches(&r.prefix) {
            let mut d = Finding::new(
                Level::Warning,
                "prefix-never-matches",
                format!("prefix {} can never match: {why}", Q(&r.prefix)),
            )
            .at(file.clone(), prefix_at)
            .with_key(format!("{}.prefix", r.key));
            d.help = help;
            self.push(d);
            return;
        }
        if r.insecure {
            for (i, m) in r.mirrors.iter().enumerate().filter(|(_, m)| !m.insecure) {
                self.push(
                    Finding::new(
                        Level::Warning,
                        "mirror-not-insecure",
                        format!(
                            "mirror {} of insecure registry {} is not insecure: mirrors do not inherit `insecure`, so pulls through it use verified HTTPS only",
                            Q(&m.location),
                            Q(&r.prefix)
                        ),
                    )
                    .at(file.clone(), s.and_then(|s| s.mirrors.get(i).copied().flatten()))
                    .with_key(format!("{}.mirror[{i}].insecure", r.key))
                    .with_help("set `insecure = true` on the mirror too if it serves plain HTTP or an unverified certificate"),
                );
            }
        }
        let is_wild = r.prefix.starts_with("*.");
        // Sample repository names under the prefix.
        let base: Vec<String> = if is_wild {
            vec![
                format!("x{}/app", &r.prefix[1..]),
                format!("x{}/ns/app", &r.prefix[1..]),
            ]
        } else {
            vec![format!("{}/app", r.prefix), format!("{}/ns/app", r.prefix)]
        };
        // Plus the repository named exactly like the prefix, for endpoints that map a
        // repository onto a repository (a namespace mapped onto a bare host is the usual case
        // and is not meant for a repository of that exact name).
        let samples_for = |location: &str| -> Vec<String> {
            let mut v = Vec::with_capacity(3);
            if !is_wild && r.prefix.contains('/') && location.contains('/') {
                v.push(r.prefix.to_string());
            }
            v.extend(base.iter().cloned());
            // Only names that can occur (`docker.io/app` cannot: it is `docker.io/library/app`).
            v.retain(|n| Reference::parse_canonical(n).is_ok());
            v
        };
        let host_of = |sample: &str| -> usize {
            if is_wild {
                sample.find('/').unwrap_or(sample.len())
            } else {
                r.prefix.len()
            }
        };
        // Rewrites, per endpoint.
        let endpoints = r
            .mirrors
            .iter()
            .enumerate()
            .map(|(i, m)| (&m.location, Some(i)))
            .chain(std::iter::once((&r.location, None)));
        for (location, mirror) in endpoints {
            if location.is_empty() {
                continue;
            }
            let (key, at) = match mirror {
                Some(i) => (
                    format!("{}.mirror[{i}].location", r.key),
                    s.and_then(|s| s.mirrors.get(i).copied().flatten()),
                ),
                None => (
                    format!("{}.location", r.key),
                    s.and_then(|s| s.location.or(s.prefix)),
                ),
            };
            let at = at.or(r.defined_at);
            let samples = samples_for(location);
            let mut failures = Vec::new();
            for name in &samples {
                let rewritten = format!("{location}{}:latest", &name[host_of(name)..]);
                if let Err(e) = Reference::parse_canonical(&rewritten) {
                    failures.push((name.clone(), rewritten, e.to_string()));
                }
            }
            if samples.is_empty() {
                continue;
            }
            if let Some((name, rewritten, err)) = failures.first() {
                let all = failures.len() == samples.len();
                let (sev, code, what) = if all {
                    (Level::Error, "rewrite-fails", "every pull")
                } else {
                    (Level::Warning, "rewrite-may-fail", "some pulls")
                };
                self.push(
                    Finding::new(
                        sev,
                        code,
                        format!(
                            "{what} through endpoint {} will fail: {name}:latest rewrites to {rewritten}: rewriting reference: {err}",
                            Q(location)
                        ),
                    )
                    .at(file.clone(), at)
                    .with_key(key.clone())
                    .with_help(if err.contains("canonical") {
                        "rewritten Docker Hub names must be canonical: a single-component name is docker.io/library/<name>, never docker.io/<name>; map a namespace onto a namespace (location = \"docker.io/<namespace>\")"
                    } else {
                        "a location must be a registry host with an optional lower-case path, without tag or digest"
                    }),
                );
                continue;
            }
            // Blocking, simulated on the first sample that this entry governs.
            let Some(name) = samples
                .iter()
                .find(|n| find(n).is_some_and(|e| Arc::ptr_eq(e, r)))
            else {
                continue;
            };
            let rewritten = format!("{location}{}", &name[host_of(name)..]);
            let blocker = find(&rewritten).filter(|e| e.blocked);
            match (mirror, blocker) {
                (Some(_), Some(b)) => self.push(
                    Finding::new(
                        Level::Warning,
                        "mirror-blocked",
                        format!(
                            "every pull through mirror {} is refused: it lies under blocked entry {}",
                            Q(location),
                            Q(&b.prefix)
                        ),
                    )
                    .at(file.clone(), at)
                    .with_key(key.clone())
                    .with_note("the blocking entry", Some(&b.origin), b.defined_at),
                ),
                (None, Some(b)) if !r.blocked && !Arc::ptr_eq(b, r) => self.push(
                    Finding::new(
                        Level::Warning,
                        "blocked-by-location",
                        format!(
                            "pulls of {} are refused although the entry is not blocked: its location {} lies under blocked entry {} (KNOWN BUG of the reference: blocking is checked on the rewritten reference)",
                            Q(&r.prefix),
                            Q(location),
                            Q(&b.prefix)
                        ),
                    )
                    .at(file.clone(), at)
                    .with_key(key.clone())
                    .with_note("the blocking entry", Some(&b.origin), b.defined_at),
                ),
                (Some(_), None) if r.blocked => self.push(
                    Finding::new(
                        Level::Warning,
                        "blocked-served-by-mirrors",
                        format!(
                            "blocked registry {} is still pulled from through mirror {}: blocking is checked per endpoint, and the mirror lies under no blocked entry",
                            Q(&r.prefix),
                            Q(location)
                        ),
                    )
                    .at(file.clone(), at)
                    .with_key(key.clone())
                    .with_note(
                        "the entry is blocked here",
                        Some(&file),
                        s.and_then(|s| s.blocked).or(r.defined_at),
                    )
                    .with_help(format!(
                        "remove the mirrors of {} to block it, or block {} too",
                        Q(&r.prefix),
                        Q(location)
                    )),
                ),
                (None, None) if r.blocked && !self.profile.is_hardened() => {
                    let at = s.and_then(|s| s.blocked).or(r.defined_at);
                    self.push(
                        Finding::new(
                            Level::Warning,
                            "blocked-not-enforced",
                            format!(
                                "`blocked = true` does not block pulls of {}: blocking is checked on the rewritten reference under {}, which no blocked entry covers (KNOWN BUG of the reference)",
                                Q(&r.prefix),
                                Q(location)
                            ),
                        )
                        .at(file.clone(), at)
                        .with_key(format!("{}.blocked", r.key))
                        .with_help(format!(
                            "add a blocked entry for {} too, or use the hardened profile",
                            Q(location)
                        )),
                    );
                }
                _ => {}
            }
        }
        // Compatibility: upstream trims a mirror's trailing `/`, v5.23.1–v5.34 do not.
        if let Some(s) = s {
            for (i, raw) in s.mirror_raw.iter().enumerate() {
                if raw.ends_with('/') && !raw.trim_end_matches('/').is_empty() {
                    self.push(
                        Finding::new(
                            Level::Note,
                            "mirror-trailing-slash",
                            format!(
                                "mirror location {} ends with `/`: trimmed here (as upstream since v5.35), but containers/image before v5.35 fails every pull through this mirror",
                                Q(raw)
                            ),
                        )
                        .at(file.clone(), s.mirrors.get(i).copied().flatten())
                        .with_key(format!("{}.mirror[{i}].location", r.key))
                        .with_help(format!("write {}", Q(raw.trim_end_matches('/')))),
                    );
                }
            }
        }
    }

    fn check_search(
        &mut self,
        f: &Loaded,
        list: &[Arc<str>],
        mode: Option<(&Loaded, ShortNameMode)>,
    ) {
        let file = f.display.to_string();
        let at = |i: usize| f.config.usr_locations.get(i).copied().flatten();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, entry) in list.iter().enumerate() {
            let key = format!("unqualified-search-registries[{i}]");
            match Reference::parse_normalized(&format!("{entry}/app")) {
                Err(e) => {
                    self.push(
                        Finding::new(
                            Level::Error,
                            "search-entry-fails",
                            format!(
                                "every short name that reaches the search list fails: creating reference with unqualified-search registry {}: {e}",
                                Q(entry)
                            ),
                        )
                        .at(file.clone(), at(i))
                        .with_key(key),
                    );
                    continue;
                }
                Ok(r) => {
                    let domain = r.domain().unwrap_or_default().to_owned();
                    if !entry.contains(['.', ':']) && &**entry != "localhost" {
                        self.push(
                            Finding::new(
                                Level::Warning,
                                "search-entry-not-a-host",
                                format!(
                                    "search entry {} is not a registry host (no `.` or `:`): short names expand to docker.io/{entry}/<name>",
                                    Q(entry)
                                ),
                            )
                            .at(file.clone(), at(i))
                            .with_key(key.clone()),
                        );
                    }
                    let norm = r.name().to_owned();
                    if let Some(&first) = seen.get(&norm) {
                        let same = list[first] == *entry;
                        self.push(
                            Finding::new(
                                Level::Warning,
                                "search-duplicate",
                                if same {
                                    format!("search entry {} is listed twice", Q(entry))
                                } else {
                                    format!(
                                        "search entry {} gives the same candidates as {} (both are {domain})",
                                        Q(entry),
                                        Q(&list[first])
                                    )
                                },
                            )
                            .at(file.clone(), at(i))
                            .with_key(key)
                            .with_note("the first one", Some(&file), at(first)),
                        );
                    } else {
                        seen.insert(norm, i);
                    }
                }
            }
        }
        if let Some((mf, ShortNameMode::Enforcing)) = mode {
            if list.len() > 1 {
                let mode_at = mf.mode_at;
                self.push(
                    Finding::new(
                        Level::Warning,
                        "ambiguous-short-names",
                        format!(
                            "short-name-mode is enforcing and the search list has {} entries: every short name without an alias fails without a terminal (short-name resolution enforced but cannot prompt without a TTY)",
                            list.len()
                        ),
                    )
                    .at(file.clone(), f.usr_at)
                    .with_key("unqualified-search-registries")
                    .with_note("the mode is set here", Some(&mf.display), mode_at)
                    .with_help("define aliases for the names you pull, or keep one search registry"),
                );
            }
        }
    }

    fn check_user_aliases(&mut self, sources: &ConfigSources, config: &Config) {
        let Some((path, display)) = sources.user_alias_file() else {
            return;
        };
        // The one reader of the user alias file: the same error kind and message as resolve,
        // `alias list` and `explain`.
        let read = crate::user_aliases::read(&path, &display, sources.input_limits());
        if let Some(text) = read.text {
            // Constructs other TOML tools read differently (only when the file decodes).
            if let Ok(raw) = decode::decode_alias_file_full(&text) {
                let lines = crate::error::Lines::new(&text);
                for q in &raw.quirks {
                    let mut d = Finding::new(Level::Warning, q.code, q.message.clone())
                        .at(display.clone(), lines.span(&q.span));
                    d.key = q.key.clone();
                    self.push(d);
                }
            }
            self.report.files.push(display.clone());
            self.report.sources.insert(display.clone(), text);
        }
        let entries = match read.result {
            Ok(entries) => entries,
            Err(e) => {
                let mut d = Finding::new(Level::Error, e.kind().as_str(), e.message())
                    .at(display, e.location());
                d.key = e.key().map(str::to_owned);
                self.push(d);
                return;
            }
        };
        {
            for crate::user_aliases::UserEntry {
                name, entry: user, ..
            } in entries
            {
                if user.value.is_some() {
                    self.user_aliases += 1;
                }
                let Some(sys) = config.alias(&name) else {
                    continue;
                };
                let Some(sys_value) = &sys.value else {
                    continue;
                };
                if user.value.as_ref() == Some(sys_value) {
                    continue;
                }
                let how = match &user.value {
                    Some(v) => format!("points it to {}", Q(v.as_str())),
                    None => "removes it with \"\"".to_owned(),
                };
                let d = if self.profile.is_hardened() {
                    Finding::new(
                        Level::Warning,
                        "user-alias-ignored",
                        format!(
                            "user alias {} is ignored under the hardened profile: the system alias tables define it as {}",
                            Q(&name),
                            Q(sys_value.as_str())
                        ),
                    )
                    .at(display.clone(), user.location)
                    .with_note("the system alias", Some(&sys.origin), sys.location)
                } else {
                    Finding::new(
                        Level::Warning,
                        "alias-masked-by-user-cache",
                        format!(
                            "alias {} = {} is masked: the user alias file {how}",
                            Q(&name),
                            Q(sys_value.as_str())
                        ),
                    )
                    .at(&*sys.origin, sys.location)
                    .with_note("the user alias entry", Some(&display), user.location)
                    .with_help("the hardened profile makes the system alias tables authoritative")
                };
                self.push(d);
            }
        }
    }
}

/// Where the parts of each `[[registry]]` table are written, by (file, key).
#[derive(Default)]
struct RegistrySpans {
    by_key: HashMap<(Arc<str>, String), EntrySpans>,
}

#[derive(Debug, Clone, Default)]
struct EntrySpans {
    prefix: Option<Location>,
    location: Option<Location>,
    blocked: Option<Location>,
    mirrors: Vec<Option<Location>>,
    mirror_raw: Vec<String>,
}

impl RegistrySpans {
    fn add(&mut self, file: &Arc<str>, lines: &Lines<'_>, raw: &RawFile) {
        for r in &raw.registries {
            self.by_key.insert(
                (file.clone(), r.key.clone()),
                EntrySpans {
                    prefix: lines.span(&r.prefix.span),
                    location: lines.span(&r.location.span),
                    blocked: lines.span(&r.blocked_span),
                    mirrors: r
                        .mirrors
                        .iter()
                        .map(|m| lines.span(&m.location.span))
                        .collect(),
                    mirror_raw: r.mirrors.iter().map(|m| m.location.value.clone()).collect(),
                },
            );
        }
    }

    fn get(&self, r: &Registry) -> Option<&EntrySpans> {
        self.by_key.get(&(r.origin.clone(), r.key.clone()))
    }
}

/// Why a (literal) prefix can never match a normalised repository name, with a suggestion.
fn never_matches(prefix: &str) -> Option<(String, Option<String>)> {
    if prefix.starts_with("*.") {
        return None;
    }
    if prefix.contains('*') {
        return Some((
            "only a leading `*.` makes a wildcard; any other `*` is taken literally".into(),
            None,
        ));
    }
    let (host, path) = match prefix.split_once('/') {
        Some((h, p)) => (h, Some(p)),
        None => (prefix, None),
    };
    if let Some(at) = prefix.find('@') {
        return Some((
            "entries are selected by repository name, which never has a digest".into(),
            Some(format!("use prefix = {}", Q(&prefix[..at]))),
        ));
    }
    if let Some(path) = path {
        let last = path.rsplit('/').next().unwrap_or(path);
        if let Some(c) = last.find(':') {
            let cut = prefix.len() - last.len() + c;
            return Some((
                "entries are selected by repository name, which never has a tag".into(),
                Some(format!("use prefix = {}", Q(&prefix[..cut]))),
            ));
        }
        if path.bytes().any(|b| b.is_ascii_uppercase()) {
            return Some((
                "repository paths are lower case".into(),
                Some(format!(
                    "use prefix = {}",
                    Q(&format!("{host}/{}", path.to_ascii_lowercase()))
                )),
            ));
        }
    }
    if host == "index.docker.io" {
        let fixed = format!("docker.io{}", &prefix[host.len()..]);
        return Some((
            "names are normalised from index.docker.io to docker.io".into(),
            Some(format!("use prefix = {}", Q(&fixed))),
        ));
    }
    if host == "docker.io" {
        if let Some(path) = path {
            if !path.contains('/') {
                return Some((
                    format!("the image docker.io/{path} is named docker.io/library/{path} after normalisation; this prefix only applies to repositories under docker.io/{path}/…"),
                    Some(format!("use prefix = {}", Q(&format!("docker.io/library/{path}")))),
                ));
            }
        }
    }
    None
}

/// The known keys a mistyped key could have meant, by the table it is in.
fn suggest_key(path: &str, release: crate::config::schema::Release) -> Option<&'static str> {
    let (parent, key) = match path.rfind('.') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    };
    let strip_index = |s: &str| s.split('[').next().unwrap_or(s).to_owned();
    let parent_kind: String = parent
        .split('.')
        .map(strip_index)
        .collect::<Vec<_>>()
        .join(".");
    let known = crate::config::schema::fields_at(&parent_kind, release);
    let lower = key.to_lowercase();
    let limit = (lower.chars().count() / 3).clamp(1, 3);
    known
        .iter()
        .map(|k| (edit_distance(&lower, k), *k))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setting_keys_aside_keeps_lines() {
        let set = |text: &str, key: &str, value: &str, attempt: u8| {
            let start = text.find(value).unwrap();
            set_aside(text, key, start..start + value.len(), attempt)
        };
        let t = "[[registry]]\ninsecure = \"false\"\n";
        assert_eq!(
            set(t, "registry[0].insecure", "\"false\"", 1).unwrap(),
            "[[registry]]\ninsecur_ = \"false\"\n"
        );
        let t = "[[registry]]\n\"blocked\" = 1\n";
        assert_eq!(
            set(t, "registry[0].blocked", "1", 1).unwrap(),
            "[[registry]]\n\"blocke_\" = 1\n"
        );
        // Array elements and alias values: the value is replaced, newlines kept.
        let t = "a = [\"x\", [1,\n2]]\n";
        assert_eq!(
            set(t, "a[1]", "[1,\n2]", 1).unwrap(),
            "a = [\"x\", \"\" \n  ]\n"
        );
        let t = "[aliases]\nx = 12\n";
        assert_eq!(
            set(t, "aliases.\"x\"", "12", 1).unwrap(),
            "[aliases]\nx = \"\"\n"
        );
        // A table header where an array of tables is expected.
        let t = "[registry]\nlocation = \"x\"\n";
        assert_eq!(
            set(t, "registry", "[registry]", 1).unwrap(),
            "[registr_]\nlocation = \"x\"\n"
        );
        // An array value is not a header.
        let t = "short-name-mode = [\"x\"]\n";
        assert_eq!(
            set(t, "short-name-mode", "[\"x\"]", 1).unwrap(),
            "short-name-mod_ = [\"x\"]\n"
        );
        // A third attempt at the same place gives up.
        assert!(set(t, "short-name-mode", "[\"x\"]", 3).is_none());
    }

    #[test]
    fn every_type_error_of_a_file_is_found() {
        let t = "unqualified-search-registries = [1, \"q.io\", 2]\n[[registry]]\nlocation = 5\ninsecure = \"no\"\n[aliases]\na = 1\n";
        let (work, raw, errors) = decode_setting_aside(t, crate::config::schema::TARGET);
        let keys: Vec<_> = errors.iter().map(|e| e.key.clone().unwrap()).collect();
        assert_eq!(
            keys,
            [
                "unqualified-search-registries[0]",
                "unqualified-search-registries[2]",
                "registry[0].location",
                "registry[0].insecure",
                "aliases.\"a\"",
            ]
        );
        assert!(raw.is_ok());
        assert_eq!(work.lines().count(), t.lines().count());
    }

    #[test]
    fn key_paths_relate_by_containment() {
        assert!(related("registry[0]", "registry[0].location"));
        assert!(related("registry[0].mirror[1]", "registry[0]"));
        assert!(!related("registry[1]", "registry[10].location"));
        assert!(!related("registry[0].insecure", "registry[0].location"));
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest_key(
                "registry[0].mirror-by-digest-onyl",
                crate::config::schema::TARGET
            ),
            Some("mirror-by-digest-only")
        );
        assert_eq!(
            suggest_key("unqualified-search-registry", crate::config::schema::TARGET),
            Some("unqualified-search-registries")
        );
        assert_eq!(
            suggest_key(
                "registry[2].mirror[0].locaton",
                crate::config::schema::TARGET
            ),
            Some("location")
        );
        assert_eq!(
            suggest_key("registry[0].blokced", crate::config::schema::TARGET),
            Some("blocked")
        );
        assert_eq!(
            suggest_key("completely-different", crate::config::schema::TARGET),
            None
        );
        assert_eq!(
            suggest_key("aliases.x", crate::config::schema::TARGET),
            None
        );
    }

    #[test]
    fn never_matching_prefixes() {
        assert!(never_matches("quay.io/x:1").is_some());
        assert!(never_matches("quay.io/x@sha256:abc").is_some());
        assert!(never_matches("docker.io/busybox").is_some());
        assert!(never_matches("index.docker.io").is_some());
        assert!(never_matches("**.example.com").is_some());
        assert!(never_matches("quay.io/Team").is_some());
        for ok in [
            "localhost:5000",
            "docker.io/library/alpine",
            "docker.io/team/app",
            "*.example.com",
            "Quay.io/x",
        ] {
            assert!(never_matches(ok).is_none(), "{ok}");
        }
    }
}
