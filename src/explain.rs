//! `explain`: the whole decision path for one name — which file and line defined the alias or
//! the search list, which `[[registry]]` entry matched and why, which mirrors were kept or
//! skipped and why, which endpoint is blocked.
//!
//! The answer itself always comes from the [`Resolver`] (so `explain` cannot disagree with
//! `resolve`); this module only adds the reasons.
//!
//! ```
//! use shortnames::explain::{explain, ExplainOptions};
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
use std::path::Path;

use serde_json::{json, Value};

use crate::aliases::UserAliases;
use crate::config::{decode, Config, ConfigSources, PullFromMirror, Registry};
use crate::error::{Error, Lines, Location};
use crate::profile::{matching_prefix, Profile};
use crate::quote::Q;
use crate::reference::Reference;
use crate::resolve::{Candidate, Resolver};

/// Options for [`explain`].
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

    /// The explanation as JSON: `name`, `error`, `sources`, `steps`.
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
/// use shortnames::explain::{explain, ExplainOptions};
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
/// assert_eq!(hardened.to_json()["steps"][0]["kind"], "config");
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
    b.step(
        0,
        "config",
        format!(
            "configuration files: {files}; short-name mode {}; profile {profile}",
            config.short_name_mode
        ),
    );
    explain_input(&mut b, sources, config, name, profile);
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
                explain_candidate(&mut b, config, i, c, profile);
                if let Ok(s) = &c.sources {
                    out.sources
                        .extend(s.iter().map(|s| s.reference.as_str().to_owned()));
                }
            }
        }
    }
    out.steps = b.steps;
    out
}

/// The location of a top-level key in `file` (read again through `sources`).
fn key_location(sources: &ConfigSources, file: &str, which: &str) -> Option<Location> {
    let text = crate::fs::read_text_lossless(
        &sources.io_path(Path::new(file)),
        sources.input_limits().max_file_size,
    )?;
    let raw = decode::decode_file(&text).ok()?;
    let span = match which {
        "usr" => raw.usr_span,
        _ => raw.short_name_mode.span,
    };
    Lines::new(&text).span(&span)
}

fn explain_input(
    b: &mut Builder,
    sources: &ConfigSources,
    config: &Config,
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
    if let Some((path, display)) = sources.user_alias_file() {
        let user = UserAliases::load(&display, &path, sources.input_limits());
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
        key_location(sources, origin, "usr"),
    );
    if list.len() > 1 && config.short_name_mode == crate::ShortNameMode::Enforcing {
        let mode_at = config
            .files
            .iter()
            .rev()
            .find_map(|f| key_location(sources, f, "mode").map(|l| (f.clone(), l)));
        b.at(
            1,
            "note",
            "short-name-mode is enforcing and there is no terminal: more than one candidate is an error",
            mode_at.as_ref().map(|(f, _)| &**f),
            mode_at.as_ref().map(|(_, l)| *l),
        );
    }
}

fn explain_candidate(
    b: &mut Builder,
    config: &Config,
    i: usize,
    c: &Candidate<'_>,
    profile: Profile,
) {
    let name = c.reference.name();
    b.step(
        0,
        "candidate",
        format!("candidate {}: {}", i + 1, c.reference),
    );
    let matching: Vec<&Registry> = config
        .registries
        .iter()
        .map(|r| &**r)
        .filter(|r| !r.prefix.is_empty() && matching_prefix(name, &r.prefix, profile).is_some())
        .collect();
    let Some(entry) = c.registry else {
        b.step(
            1,
            "registry",
            format!("no [[registry]] entry matches {}: pulled as is", Q(name)),
        );
        explain_sources(b, config, c, None, profile);
        return;
    };
    let m = matching_prefix(name, &entry.prefix, profile);
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
    explain_sources(b, config, c, Some(entry), profile);
}

fn explain_sources(
    b: &mut Builder,
    config: &Config,
    c: &Candidate<'_>,
    entry: Option<&Registry>,
    profile: Profile,
) {
    let sources = match &c.sources {
        Err(e) => {
            b.step(1, "error", format!("no endpoint can be tried: {e}"));
            return;
        }
        Ok(s) => s,
    };
    let digested = c.reference.digest().is_some();
    let mut next = sources.iter();
    if let Some(entry) = entry {
        for m in &entry.mirrors {
            let (used, why) = if entry.mirror_by_digest_only {
                if digested {
                    (
                        true,
                        "mirror-by-digest-only and the reference has a digest".to_owned(),
                    )
                } else {
                    (
                        false,
                        "mirror-by-digest-only and the reference has no digest".to_owned(),
                    )
                }
            } else {
                match m.pull_from_mirror {
                    PullFromMirror::DigestOnly if !digested => (
                        false,
                        "pull-from-mirror = \"digest-only\" and the reference has no digest".into(),
                    ),
                    PullFromMirror::TagOnly if digested => (
                        false,
                        "pull-from-mirror = \"tag-only\" and the reference has a digest".into(),
                    ),
                    p if p.as_str().is_empty() => (true, "no pull-from-mirror: always used".into()),
                    p => (true, format!("pull-from-mirror = {}", Q(p.as_str()))),
                }
            };
            if !used {
                b.step(
                    1,
                    "mirror",
                    format!("skipped mirror {}: {why}", Q(&m.location)),
                );
                continue;
            }
            if let Some(s) = next.next() {
                source_step(b, config, s, "mirror", &why, profile, Some(entry));
            }
        }
    }
    for s in next {
        let why = match entry {
            Some(e) if e.location.is_empty() => {
                "the wildcard entry has no location: the reference is used unchanged".to_owned()
            }
            Some(_) => "the entry's location, always tried last".to_owned(),
            None => "the reference itself".to_owned(),
        };
        source_step(b, config, s, "primary", &why, profile, entry);
    }
    if let Some(e) = entry {
        if e.blocked && sources.last().is_some_and(|s| s.error.is_none()) {
            b.at(
                1,
                "note",
                "the entry has blocked = true but its primary endpoint is not under a blocked entry: not blocked (KNOWN BUG of the reference; the hardened profile refuses it)",
                Some(&e.origin),
                e.defined_at,
            );
        }
    }
}

fn source_step(
    b: &mut Builder,
    config: &Config,
    s: &crate::PullSource<'_>,
    role: &'static str,
    why: &str,
    profile: Profile,
    entry: Option<&Registry>,
) {
    let insecure = if s.insecure { ", insecure" } else { "" };
    b.step(1, role, format!("{role} {}{insecure} ({why})", s.reference));
    if let Some(err) = &s.error {
        let blocker = crate::profile::find_entry(&config.registries, s.reference.name(), profile)
            .map(|r| &**r)
            .filter(|r| r.blocked)
            // Hardened profile: the primary endpoint of a blocked entry is refused as such.
            .or(entry.filter(|e| e.blocked && role == "primary"));
        b.at(
            2,
            "blocked",
            format!("refused: {err}"),
            blocker.map(|r| &*r.origin),
            blocker.and_then(|r| r.defined_at),
        );
    }
}
