//! `explain`: the whole decision path for one name — which file and line defined the alias or
//! the search list, which `[[registry]]` entry matched and why, which mirrors were kept or
//! skipped and why, which endpoint is blocked.
//!
//! The answer itself always comes from the [`Resolver`] (so `explain` cannot disagree with
//! `resolve`); this module only adds the reasons.
//!
//! ```
//! use shortnames::diagnostics::{explain, ExplainOptions};
//! use shortnames::ConfigSources;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let conf = dir.path().join("registries.conf");
//! std::fs::write(&conf, r#"
//! [aliases]
//! "app" = "quay.io/team/app"
//! [[registry]]
//! location = "quay.io/team"
//! [[registry.mirror]]
//! location = "mirror.example.net/team"
//! pull-from-mirror = "digest-only"
//! "#).unwrap();
//! let sources = ConfigSources::new().registries_conf(&conf).registries_conf_d(dir.path().join("d"));
//! let e = explain(&sources, "app:1", &ExplainOptions::default());
//! let text = e.to_string();
//! assert!(text.contains("alias \"app\" = \"quay.io/team/app\""));
//! assert!(text.contains(&format!("{}:3:1", conf.display())));
//! assert!(text.contains("skipped mirror \"mirror.example.net/team\": pull-from-mirror = \"digest-only\" and the reference has no digest"));
//! assert_eq!(e.sources(), ["quay.io/team/app:1"]);
//! ```

use std::fmt;

#[cfg(feature = "json")]
use serde_json::{json, Value};

use crate::config::{Config, ConfigSources, PullFromMirror, Registry};
use crate::error::{Error, Location};
use crate::pull_sources::{Decision, Rule};
use crate::quote::Q;
use crate::reference::Reference;
use crate::resolve::TracedSources;
use crate::resolve::{Candidate, Resolver};
use crate::Profile;

/// Options for [`explain`].
///
/// ```
/// use shortnames::diagnostics::{explain, ExplainOptions};
/// use shortnames::{ConfigSources, Profile};
///
/// let sources = ConfigSources::from_text("r.conf", "unqualified-search-registries = [\"quay.io\"]\n");
/// let e = explain(&sources, "app", &ExplainOptions::default().profile(Profile::Hardened));
/// assert!(e.steps[0].message.ends_with("profile hardened"));
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ExplainOptions {
    /// The profile to explain under.
    pub profile: Profile,
}

impl ExplainOptions {
    /// Sets the profile.
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }
}

/// One step of the decision path.
///
/// ```
/// use shortnames::diagnostics::{explain, ExplainOptions};
/// use shortnames::ConfigSources;
///
/// let sources = ConfigSources::from_text("r.conf", "[aliases]\n\"app\" = \"quay.io/team/app\"\n");
/// let e = explain(&sources, "app", &ExplainOptions::default());
/// let alias = e.steps.iter().find(|s| s.kind == "alias").unwrap();
/// assert_eq!((alias.file.as_deref(), alias.location.unwrap().line), (Some("r.conf"), 2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Step {
    /// Nesting depth (0 = top level; candidates and their endpoints are nested).
    pub depth: usize,
    /// What kind of step (`config`, `input`, `alias`, `search`, `candidate`, `registry`,
    /// `mirror`, `primary`, `blocked`, `note`, `error`).
    pub kind: &'static str,
    /// The decision and its reason.
    pub message: String,
    /// The file that caused it.
    pub file: Option<String>,
    /// Where in that file.
    pub location: Option<Location>,
}

/// The decision path for one name.
///
/// ```
/// use shortnames::diagnostics::{explain, ExplainOptions};
/// use shortnames::ConfigSources;
///
/// let sources = ConfigSources::from_text("r.conf", "[[registry]]\nlocation = \"quay.io\"\n[[registry.mirror]]\nlocation = \"m.example.com\"\n");
/// let e = explain(&sources, "quay.io/a/b:1", &ExplainOptions::default());
/// assert!(e.error.is_none());
/// // The endpoints, as resolve gives them.
/// assert_eq!(e.sources(), ["m.example.com/a/b:1", "quay.io/a/b:1"]);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Explanation {
    /// The name as given.
    pub name: String,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// The error that stopped the resolution, if any.
    pub error: Option<Error>,
    sources: Vec<String>,
}

impl Explanation {
    /// Every endpoint reference a pull would try, in order (refused ones included).
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// The explanation as JSON: `name`, `error`, `sources`, `steps` (feature `json`).
    #[cfg(feature = "json")]
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "error": self.error.as_ref().map(|e| json!({"kind": e.kind().as_str(), "message": e.message()})),
            "sources": self.sources,
            "steps": self.steps.iter().map(|s| json!({
                "depth": s.depth,
                "kind": s.kind,
                "message": s.message,
                "file": s.file,
                "line": s.location.map(|l| l.line),
                "column": s.location.map(|l| l.column),
            })).collect::<Vec<_>>(),
        })
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Terminal-safe: the name, messages and file names can hold control characters.
        use crate::escape::{escape_controls as esc, escape_controls_lines as esc_lines};
        writeln!(f, "{}", esc(&self.name))?;
        for s in &self.steps {
            write!(f, "{}{}", "  ".repeat(s.depth + 1), esc_lines(&s.message))?;
            match (&s.file, s.location) {
                (Some(file), Some(l)) => write!(f, "  [{}:{l}]", esc(file))?,
                (Some(file), None) => write!(f, "  [{}]", esc(file))?,
                _ => {}
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

struct Builder {
    steps: Vec<Step>,
}

impl Builder {
    fn step(&mut self, depth: usize, kind: &'static str, message: impl Into<String>) {
        self.at(depth, kind, message, None, None);
    }

    fn at(
        &mut self,
        depth: usize,
        kind: &'static str,
        message: impl Into<String>,
        file: Option<&str>,
        location: Option<Location>,
    ) {
        self.steps.push(Step {
            depth,
            kind,
            message: message.into(),
            file: file.filter(|f| !f.is_empty()).map(str::to_owned),
            location,
        });
    }
}

/// Explains how `name` resolves with the configuration named by `sources`, under
/// `options.profile`.
///
/// ```
/// use shortnames::diagnostics::{explain, ExplainOptions};
/// use shortnames::{ConfigSources, Profile};
///
/// let dir = tempfile::tempdir().unwrap();
/// let conf = dir.path().join("registries.conf");
/// std::fs::write(&conf, "[[registry]]\nprefix = \"example.com\"\nlocation = \"mirror.example.net\"\n").unwrap();
/// let sources = ConfigSources::new().registries_conf(&conf).registries_conf_d(dir.path().join("d"));
/// let compatible = explain(&sources, "example.com:5000/app", &ExplainOptions::default());
/// assert_eq!(compatible.sources(), ["mirror.example.net:5000/app:latest"]);
/// assert!(compatible.to_string().contains("matched only because the name has a port"));
/// let hardened = explain(&sources, "example.com:5000/app", &ExplainOptions::default().profile(Profile::Hardened));
/// assert_eq!(hardened.sources(), ["example.com:5000/app:latest"]);
/// assert_eq!(hardened.steps[0].kind, "config");
/// ```
pub fn explain(sources: &ConfigSources, name: &str, options: &ExplainOptions) -> Explanation {
    let profile = options.profile;
    let sources = &sources
        .clone()
        .profile(profile)
        .keep_alias_definitions(true);
    let resolver = Resolver::new(sources);
    let mut b = Builder { steps: Vec::new() };
    let mut out = Explanation {
        name: name.to_owned(),
        steps: Vec::new(),
        error: None,
        sources: Vec::new(),
    };
    let config = match resolver.config() {
        Ok(c) => c,
        Err(e) => {
            b.at(
                0,
                "error",
                format!("the configuration fails to load: {e}"),
                e.file(),
                e.location(),
            );
            out.steps = b.steps;
            out.error = Some(e);
            return out;
        }
    };
    let files = if config.files.is_empty() {
        "none".to_owned()
    } else {
        config
            .files
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    // A runtime (CRI-O) may override the configured mode: the one that decides is shown.
    let mode = match sources.mode_override() {
        Some(m) if m != config.short_name_mode => format!(
            "{m} (set by the runtime; the configuration says {})",
            config.short_name_mode
        ),
        Some(m) => format!("{m} (set by the runtime)"),
        None => config.short_name_mode.to_string(),
    };
    b.step(
        0,
        "config",
        format!("configuration files: {files}; short-name mode {mode}; profile {profile}"),
    );
    for s in &config.shadowed {
        b.at(
            1,
            "note",
            format!(
                "{} is not read: {} has the same name and wins",
                s.path, s.by
            ),
            Some(&s.path),
            None,
        );
    }
    let mode_override = sources.mode_override();
    explain_input(&mut b, &resolver, config, mode_override, name, profile);
    match resolver.resolve(name) {
        Err(e) => {
            b.step(0, "error", format!("resolution fails: {e}"));
            out.error = Some(e);
        }
        Ok(r) => {
            let desc = r.description();
            if !desc.is_empty() {
                b.step(0, "resolution", desc);
            }
            for (i, c) in r.candidates.iter().enumerate() {
                let sources = explain_candidate(&mut b, &resolver, config, i, c);
                out.sources.extend(sources);
            }
        }
    }
    out.steps = b.steps;
    out
}

fn explain_input(
    b: &mut Builder,
    resolver: &Resolver,
    config: &Config,
    mode_override: Option<crate::ShortNameMode>,
    name: &str,
    profile: Profile,
) {
    let short = match Reference::parse(name) {
        Err(e) => {
            b.step(0, "input", format!("{} does not parse: {e}", Q(name)));
            return;
        }
        Ok(r) if r.has_registry() => {
            b.step(
                0,
                "input",
                format!(
                    "{} names a registry ({}): fully qualified, no alias or search list is consulted",
                    Q(name),
                    r.domain().unwrap_or_default()
                ),
            );
            return;
        }
        Ok(r) => r,
    };
    let key = short.name();
    b.step(
        0,
        "input",
        format!("{} is a short name; alias key {}", Q(name), Q(key)),
    );
    let system = config.alias(key);
    // The table the resolver loaded with the one user-alias-file reader (not read again).
    if let Some((user, display)) = resolver.user_alias_table() {
        let display = display.to_owned();
        match &user.result {
            Err(e) => {
                b.at(
                    0,
                    "error",
                    format!("the user alias file fails to load: {e}"),
                    e.file(),
                    e.location(),
                );
                return;
            }
            Ok(map) => match map.get(key) {
                Some(e) => {
                    let hardened_ignored = profile.is_hardened() && system.is_some();
                    let what = match &e.value {
                        Some(v) => format!("user alias {} = {}", Q(key), Q(v.as_str())),
                        None => format!("user alias file removes {} with \"\"", Q(key)),
                    };
                    let why = if hardened_ignored {
                        "ignored: under the hardened profile the system alias tables decide names they define"
                    } else {
                        "the user alias file is consulted first and its entry is final"
                    };
                    b.at(
                        0,
                        "alias",
                        format!("{what} ({why})"),
                        Some(&display),
                        e.location,
                    );
                    if !hardened_ignored {
                        if let Some(s) = system.and_then(|s| s.value.as_ref().map(|v| (s, v))) {
                            b.at(
                                1,
                                "note",
                                format!("masks the system alias {} = {}", Q(key), Q(s.1.as_str())),
                                Some(&s.0.origin),
                                s.0.location,
                            );
                        }
                        return;
                    }
                }
                None => b.at(
                    0,
                    "alias",
                    format!("the user alias file has no entry for {}", Q(key)),
                    Some(&display),
                    None,
                ),
            },
        }
    }
    match system {
        Some(e) => match &e.value {
            Some(v) => b.at(
                0,
                "alias",
                format!("alias {} = {}", Q(key), Q(v.as_str())),
                Some(&e.origin),
                e.location,
            ),
            None => b.at(
                0,
                "alias",
                format!(
                    "alias {} is removed with \"\" (falls through to the search list)",
                    Q(key)
                ),
                Some(&e.origin),
                e.location,
            ),
        },
        None => b.step(0, "alias", format!("no alias defines {}", Q(key))),
    }
    if let Some(winner) = system {
        // Earlier files' definitions of the same name, overridden by the winning one.
        for d in config.alias_definitions().filter(|d| {
            d.name == key && !(d.origin == &*winner.origin && d.location == winner.location)
        }) {
            let what = match d.value {
                Some(v) => format!("overrides the earlier alias {} = {}", Q(key), Q(v.as_str())),
                None => format!("overrides the earlier removal of {}", Q(key)),
            };
            b.at(1, "note", what, Some(d.origin), d.location);
        }
    }
    if system.is_some_and(|e| e.value.is_some()) {
        return;
    }
    let origin = &*config.search_registries_origin;
    let list: Vec<String> = config
        .unqualified_search_registries
        .iter()
        .map(|r| Q(r).to_string())
        .collect();
    if list.is_empty() {
        b.at(
            0,
            "search",
            "no unqualified-search registries are defined",
            Some(origin),
            None,
        );
        return;
    }
    b.at(
        0,
        "search",
        format!("search list [{}]", list.join(", ")),
        Some(origin),
        config.search_registries_at,
    );
    let mode = mode_override.unwrap_or(config.short_name_mode);
    if list.len() > 1 && mode == crate::ShortNameMode::Enforcing {
        // Where the loader found the mode (the files are not read again); a mode set by the
        // runtime has no place in the files.
        let mode_at = match mode_override {
            Some(_) => None,
            None => config
                .short_name_mode_at
                .as_ref()
                .and_then(|(f, l)| l.map(|l| (f.clone(), l))),
        };
        let what = match mode_override {
            Some(_) => "the runtime's short-name mode is enforcing and there is no terminal: more than one candidate is an error",
            None => "short-name-mode is enforcing and there is no terminal: more than one candidate is an error",
        };
        b.at(
            1,
            "note",
            what,
            mode_at.as_ref().map(|(f, _)| &**f),
            mode_at.as_ref().map(|(_, l)| *l),
        );
    }
}

fn explain_candidate(
    b: &mut Builder,
    resolver: &Resolver,
    config: &Config,
    i: usize,
    c: &Candidate<'_>,
) -> Vec<String> {
    let name = c.reference.name();
    b.step(
        0,
        "candidate",
        format!("candidate {}: {}", i + 1, c.reference),
    );
    // The resolver's own index and pull-sources function, traced: the reasons below are the
    // decisions that produced the endpoints.
    let (index, traced) = match (resolver.index(), resolver.traced_pull_sources(&c.reference)) {
        (Ok(index), Ok(traced)) => (index, traced),
        (Err(e), _) | (_, Err(e)) => {
            b.step(1, "error", format!("no endpoint can be tried: {e}"));
            return Vec::new();
        }
    };
    let sources = match &traced.sources {
        Ok(s) => s.iter().map(|s| s.reference.as_str().to_owned()).collect(),
        Err(_) => Vec::new(),
    };
    let Some(entry) = traced.registry else {
        b.step(
            1,
            "registry",
            format!("no [[registry]] entry matches {}: pulled as is", Q(name)),
        );
        explain_sources(b, &traced, None);
        return sources;
    };
    let matching: Vec<&Registry> = config
        .registries
        .iter()
        .map(|r| &**r)
        .filter(|r| !r.prefix.is_empty() && index.matches(name, &r.prefix).is_some())
        .collect();
    let m = index.matches(name, &entry.prefix);
    let how = if entry.prefix.starts_with("*.") {
        format!(
            "wildcard prefix {} matches the host of {}",
            Q(&entry.prefix),
            Q(name)
        )
    } else {
        format!("prefix {} matches {}", Q(&entry.prefix), Q(name))
    };
    let others: Vec<String> = matching
        .iter()
        .filter(|r| !std::ptr::eq(**r, entry))
        .map(|r| format!("{} ({} chars)", Q(&r.prefix), r.prefix.len()))
        .collect();
    let why = if others.is_empty() {
        "the only matching entry".to_owned()
    } else {
        format!(
            "longest matching prefix ({} chars) over {}",
            entry.prefix.len(),
            others.join(", ")
        )
    };
    b.at(
        1,
        "registry",
        format!("[[registry]] {how}: {why}"),
        Some(&entry.origin),
        entry.defined_at,
    );
    if m.is_some_and(|m| m.via_port) {
        b.step(
            2,
            "note",
            "matched only because the name has a port after the prefix's host (KNOWN BUG of the reference; the hardened profile does not match this)",
        );
    }
    if let Some(tie) = matching
        .iter()
        .find(|r| !std::ptr::eq(**r, entry) && r.prefix.len() == entry.prefix.len())
    {
        b.step(
            2,
            "note",
            format!(
                "{} has the same length; the entry first in byte order wins (QUIRK)",
                Q(&tie.prefix)
            ),
        );
    }
    explain_sources(b, &traced, Some(entry));
    sources
}

/// Why `rule` kept or skipped a mirror for a reference with (`digested`) or without a digest.
fn mirror_reason(rule: Rule, digested: bool) -> String {
    match rule {
        Rule::MirrorByDigestOnly if digested => {
            "mirror-by-digest-only and the reference has a digest".to_owned()
        }
        Rule::MirrorByDigestOnly => {
            "mirror-by-digest-only and the reference has no digest".to_owned()
        }
        Rule::PullFromMirror(PullFromMirror::DigestOnly) if !digested => {
            "pull-from-mirror = \"digest-only\" and the reference has no digest".to_owned()
        }
        Rule::PullFromMirror(PullFromMirror::TagOnly) if digested => {
            "pull-from-mirror = \"tag-only\" and the reference has a digest".to_owned()
        }
        Rule::PullFromMirror(p) if p.as_str().is_empty() => {
            "no pull-from-mirror: always used".to_owned()
        }
        Rule::PullFromMirror(p) => format!("pull-from-mirror = {}", Q(p.as_str())),
        Rule::Primary | Rule::NoEntry => String::new(),
    }
}

/// One step per decision of the pull-sources function, in the order it took them.
fn explain_sources(b: &mut Builder, traced: &TracedSources<'_>, entry: Option<&Registry>) {
    let sources = match &traced.sources {
        Err(e) => {
            b.step(1, "error", format!("no endpoint can be tried: {e}"));
            return;
        }
        Ok(s) => s,
    };
    for d in &traced.decisions {
        match d {
            Decision::Skipped {
                location,
                rule,
                digested,
            } => b.step(
                1,
                "mirror",
                format!(
                    "skipped mirror {}: {}",
                    Q(location),
                    mirror_reason(*rule, *digested)
                ),
            ),
            Decision::Kept {
                source,
                rule,
                digested,
            } => {
                let s = &sources[*source];
                let why = match rule {
                    Rule::NoEntry => "the reference itself".to_owned(),
                    Rule::Primary if entry.is_some_and(|e| e.location.is_empty()) => {
                        "the wildcard entry has no location: the reference is used unchanged"
                            .to_owned()
                    }
                    Rule::Primary => "the entry's location, always tried last".to_owned(),
                    r => mirror_reason(*r, *digested),
                };
                let role = if s.mirror { "mirror" } else { "primary" };
                let insecure = if s.insecure { ", insecure" } else { "" };
                b.step(1, role, format!("{role} {}{insecure} ({why})", s.reference));
            }
            Decision::Blocked { source, by, .. } => {
                let refused = sources[*source]
                    .error
                    .as_ref()
                    .map(|e| e.to_string())
                    .unwrap_or_default();
                b.at(
                    2,
                    "blocked",
                    format!("refused: {refused}"),
                    Some(&by.origin),
                    by.defined_at,
                );
            }
            Decision::BlockedEntryPrimaryAllowed { entry } => b.at(
                1,
                "note",
                "the entry has blocked = true but its primary endpoint is not under a blocked entry: not blocked (KNOWN BUG of the reference; the hardened profile refuses it)",
                Some(&entry.origin),
                entry.defined_at,
            ),
        }
    }
}
