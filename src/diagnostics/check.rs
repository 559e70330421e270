//! `check`: every problem of a configuration (registries.conf, its drop-ins and the user alias
//! file), not just the first, as located errors and warnings.
//!
//! Errors are what makes the configuration fail to load (each with the exact message the
//! default path would give, the first of them being the one it does give), plus entries that
//! will certainly fail at pull time. Warnings are what the reference silently ignores or gets
//! surprisingly wrong: unknown keys (with a did-you-mean), duplicate prefixes that lose, masked
//! aliases (informational when a later drop-in overrides one, a warning when the user alias
//! cache masks one), prefixes that can never match, rewrites that fail for some names, `blocked` flags
//! that do not do what they say, ambiguous short names in enforcing mode, redundant search
//! entries.
//!
//! ```
//! use shortnames::diagnostics::{check, CheckOptions};
//! use shortnames::ConfigSources;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let conf = dir.path().join("registries.conf");
//! std::fs::write(&conf, "[[registry]]\nlocation = \"quay.io\"\nmirror-by-digest-onyl = true\n").unwrap();
//! let report = check(&ConfigSources::new().registries_conf(&conf).registries_conf_d(dir.path().join("d")), &CheckOptions::default());
//! let d = &report.diagnostics[0];
//! assert_eq!(d.code, "unknown-key");
//! assert_eq!(d.location.map(|l| (l.line, l.column)), Some((3, 1)));
//! assert_eq!(d.help.as_deref(), Some("did you mean `mirror-by-digest-only`?"));
//! assert_eq!(report.exit_code(false), 0);
//! assert_eq!(report.exit_code(true), 1);
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use serde_json::{json, Value};

use crate::config::aliases::AliasEntry;
use crate::config::decode::{self, RawFile, Span};
use crate::config::{self, file, ConfigSources, Registry, ShortNameMode};
use crate::diagnostics::{Diagnostic, Severity, SourceTexts};
use crate::error::{Lines, Location};
use crate::profile::Profile;
use crate::quote::{Q, QP};
use crate::reference::Reference;
use crate::registry_index::RegistryIndex;

/// What to check with.
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

/// Everything `check` found.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CheckReport {
    /// The problems, by file (in load order) then position.
    pub diagnostics: Vec<Diagnostic>,
    /// The files that were read, in load order (the user alias file last).
    pub files: Vec<String>,
    /// The texts of those files, for snippets.
    pub sources: SourceTexts,
}

impl CheckReport {
    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }

    /// The informational notes (never change the exit status).
    pub fn infos(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Info)
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }

    /// The exit status of `shortnames check`: 2 with errors, 1 with warnings only when
    /// `strict`, else 0.
    pub fn exit_code(&self, strict: bool) -> u8 {
        if self.errors().next().is_some() {
            2
        } else if strict && self.warnings().next().is_some() {
            1
        } else {
            0
        }
    }

    /// Every diagnostic rendered with its snippet, then a summary line.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            out.push_str(&self.sources.render(d));
            out.push('\n');
        }
        let (e, w, i) = (
            self.errors().count(),
            self.warnings().count(),
            self.infos().count(),
        );
        out.push_str(&format!(
            "{} file(s) checked: {e} error(s), {w} warning(s), {i} note(s)\n",
            self.files.len()
        ));
        out
    }

    /// The report as JSON: `files`, `errors`, `warnings`, `infos` (counts) and `diagnostics`.
    pub fn to_json(&self) -> Value {
        json!({
            "files": self.files,
            "errors": self.errors().count(),
            "warnings": self.warnings().count(),
            "infos": self.infos().count(),
            "diagnostics": self.diagnostics.iter().map(Diagnostic::to_json).collect::<Vec<_>>(),
        })
    }
}

/// Checks the configuration named by `sources` under `options.profile` (the profile set on
/// `sources` is not consulted).
///
/// ```
/// use shortnames::diagnostics::{check, CheckOptions};
/// use shortnames::diagnostics::Severity;
/// use shortnames::ConfigSources;
///
/// let dir = tempfile::tempdir().unwrap();
/// let conf = dir.path().join("registries.conf");
/// // Two problems: the default load stops at the first, `check` reports both.
/// std::fs::write(&conf, "short-name-mode = \"prompt\"\n[[registry]]\nlocation = \"https://quay.io\"\n").unwrap();
/// let report = check(&ConfigSources::new().registries_conf(&conf), &CheckOptions::default());
/// let codes: Vec<&str> = report.errors().map(|d| d.code.as_str()).collect();
/// assert_eq!(codes, ["invalid-config/bad-short-name-mode", "invalid-config/uri-scheme"]);
/// assert!(report.diagnostics.iter().all(|d| d.severity == Severity::Error));
/// assert_eq!(report.to_json()["errors"], 2);
/// ```
pub fn check(sources: &ConfigSources, options: &CheckOptions) -> CheckReport {
    let mut c = Checker {
        profile: options.profile,
        report: CheckReport::default(),
        loaded: Vec::new(),
    };
    c.load_all(sources);
    c.analyse(sources);
    if sources.compat_target() == config::Compat::V5_40 {
        // What stops working compared with v5.23 (Podman 4 → Podman 6).
        for f in config::upgrade_findings(sources) {
            let d = Diagnostic::new(Severity::Warning, format!("upgrade/{}", f.code), f.message);
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
    c.report.diagnostics.sort_by_key(|d| {
        (
            d.file
                .as_ref()
                .and_then(|f| order.get(f).copied())
                .unwrap_or(usize::MAX),
            d.location,
        )
    });
    c.report.diagnostics.dedup();
    c.report
}

/// One file that decoded: its validated content and its raw form (for spans).
struct Loaded {
    display: Arc<str>,
    config: file::FileConfig,
    raw: RawFile,
    text: String,
}

impl Loaded {
    fn loc(&self, span: &Span) -> Option<Location> {
        Lines::new(&self.text).span(span)
    }
}

struct Checker {
    profile: Profile,
    report: CheckReport,
    loaded: Vec<Loaded>,
}

/// The checker's side of the one walk over the files: every file is checked, every problem
/// recorded.
struct Walk<'a> {
    checker: &'a mut Checker,
    sources: &'a ConfigSources,
}

impl config::discovery::Visitor for Walk<'_> {
    fn file(
        &mut self,
        path: &config::discovery::FilePath,
        role: config::discovery::Role,
        text: &str,
    ) -> Result<(), crate::Error> {
        self.checker
            .load_one(&path.name, text.to_owned(), role, self.sources);
        Ok(())
    }

    fn problem(&mut self, e: crate::Error) -> Result<(), crate::Error> {
        self.checker.push(Diagnostic::from_error(&e));
        Ok(())
    }

    fn shadowed(&mut self, f: config::ShadowedFile) {
        let message = format!("not read: {} has the same file name and wins", f.by);
        self.checker
            .push(Diagnostic::new(Severity::Info, "drop-in-shadowed", message).at(&*f.path, None));
    }
}

impl Checker {
    fn push(&mut self, d: Diagnostic) {
        self.report.diagnostics.push(d);
    }

    fn load_all(&mut self, sources: &ConfigSources) {
        let mut walk = Walk {
            checker: self,
            sources,
        };
        // Problems are recorded as they come; the walk itself does not stop.
        let _ = config::discovery::walk(sources, &mut walk);
    }

    fn load_one(
        &mut self,
        name: &Path,
        text: String,
        role: config::discovery::Role,
        sources: &ConfigSources,
    ) {
        let display = &*name.to_string_lossy();
        let drop_in = role != config::discovery::Role::Main;
        self.report.files.push(display.to_owned());
        self.report.sources.insert(display, text.clone());
        let origin: Arc<str> = Arc::from(display);
        let what = sources.compat_target().prefix_kind(role);
        let (config, problems) = file::load_collect(
            &text,
            &origin,
            drop_in,
            sources.compat_target(),
            sources.input_limits(),
        );
        for p in problems {
            let mut d = Diagnostic::new(
                Severity::Error,
                p.kind.as_str(),
                format!("loading {what} {}: {}", QP(name), p.message),
            )
            .at(display, p.location);
            d.key = p.key;
            self.push(d);
        }
        let (Some(config), Ok(raw)) = (config, decode::decode_file(&text)) else {
            return;
        };
        let loaded = Loaded {
            display: origin,
            config,
            raw,
            text,
        };
        for w in &loaded.config.warnings {
            let mut d = Diagnostic::from_warning(w);
            if w.kind == "unknown-key" {
                if self.profile.is_hardened() {
                    // Exactly the error the hardened load stops at.
                    d.severity = Severity::Error;
                    d.code = "invalid-config/unknown-key".into();
                    d.message = format!(
                        "loading {what} {}: unknown key {} (refused by the hardened profile)",
                        QP(name),
                        Q(w.key.as_deref().unwrap_or_default())
                    );
                }
                if let Some(s) = w.key.as_deref().and_then(suggest_key) {
                    d.help = Some(format!("did you mean `{s}`?"));
                }
            }
            self.push(d);
        }
        self.loaded.push(loaded);
    }

    fn analyse(&mut self, sources: &ConfigSources) {
        let loaded = std::mem::take(&mut self.loaded);
        // Merge like the loader (rule 23), remembering what each step hides.
        let mut registries: BTreeMap<Arc<str>, (Arc<Registry>, usize)> = BTreeMap::new();
        let mut aliases: HashMap<&str, (&AliasEntry, usize)> = HashMap::new();
        let mut usr: Option<(usize, &[Arc<str>])> = None;
        let mut mode: Option<(usize, ShortNameMode)> = None;
        for (i, f) in loaded.iter().enumerate() {
            for r in &f.config.registries {
                registries.insert(r.prefix.clone(), (r.clone(), i));
            }
            if let Some(u) = &f.config.usr {
                usr = Some((i, u));
            }
            if let Some(m) = f.config.short_name_mode {
                mode = Some((i, m));
            }
            for (name, entry) in &f.config.aliases {
                if let Some((old, _)) = aliases.get(&**name) {
                    self.alias_masked(old, entry, name);
                }
                aliases.insert(name, (entry, i));
            }
        }
        let entries: Vec<Arc<Registry>> = registries.values().map(|(r, _)| r.clone()).collect();
        let spans = RegistrySpans::new(&loaded);
        let index = RegistryIndex::with_profile(&entries, self.profile);
        for r in &entries {
            self.check_registry(r, &index, &spans);
        }
        if let Some((i, list)) = usr {
            self.check_search(&loaded[i], list, mode.map(|(j, m)| (&loaded[j], m)));
        }
        self.check_user_aliases(sources, &aliases);
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
            Diagnostic::new(
                Severity::Info,
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
            let mut d = Diagnostic::new(
                Severity::Warning,
                "prefix-never-matches",
                format!("prefix {} can never match: {why}", Q(&r.prefix)),
            )
            .at(file.clone(), prefix_at)
            .with_key(format!("{}.prefix", r.key));
            d.help = help;
            self.push(d);
            return;
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
                    (Severity::Error, "rewrite-fails", "every pull")
                } else {
                    (Severity::Warning, "rewrite-may-fail", "some pulls")
                };
                self.push(
                    Diagnostic::new(
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
                    Diagnostic::new(
                        Severity::Warning,
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
                    Diagnostic::new(
                        Severity::Warning,
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
                (None, None) if r.blocked && !self.profile.is_hardened() => {
                    let at = s.and_then(|s| s.blocked).or(r.defined_at);
                    self.push(
                        Diagnostic::new(
                            Severity::Warning,
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
                        Diagnostic::new(
                            Severity::Info,
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
                        Diagnostic::new(
                            Severity::Error,
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
                            Diagnostic::new(
                                Severity::Warning,
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
                            Diagnostic::new(
                                Severity::Warning,
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
                let mode_at = mf.loc(&mf.raw.short_name_mode.span);
                self.push(
                    Diagnostic::new(
                        Severity::Warning,
                        "ambiguous-short-names",
                        format!(
                            "short-name-mode is enforcing and the search list has {} entries: every short name without an alias fails without a terminal (short-name resolution enforced but cannot prompt without a TTY)",
                            list.len()
                        ),
                    )
                    .at(file.clone(), f.loc(&f.raw.usr_span))
                    .with_key("unqualified-search-registries")
                    .with_note("the mode is set here", Some(&mf.display), mode_at)
                    .with_help("define aliases for the names you pull, or keep one search registry"),
                );
            }
        }
    }

    fn check_user_aliases(
        &mut self,
        sources: &ConfigSources,
        system: &HashMap<&str, (&AliasEntry, usize)>,
    ) {
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
                    let mut d = Diagnostic::new(Severity::Warning, q.code, q.message.clone())
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
                let mut d = Diagnostic::new(Severity::Error, e.kind().as_str(), e.message())
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
                let Some((sys, _)) = system.get(&*name) else {
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
                    Diagnostic::new(
                        Severity::Warning,
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
                    Diagnostic::new(
                        Severity::Warning,
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
    fn new(loaded: &[Loaded]) -> RegistrySpans {
        let mut by_key = HashMap::new();
        for f in loaded {
            let lines = Lines::new(&f.text);
            for r in &f.raw.registries {
                by_key.insert(
                    (f.display.clone(), r.key.clone()),
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
        RegistrySpans { by_key }
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
fn suggest_key(path: &str) -> Option<&'static str> {
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
    let known = crate::config::schema::fields_at(&parent_kind);
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
    fn suggestions() {
        assert_eq!(
            suggest_key("registry[0].mirror-by-digest-onyl"),
            Some("mirror-by-digest-only")
        );
        assert_eq!(
            suggest_key("unqualified-search-registry"),
            Some("unqualified-search-registries")
        );
        assert_eq!(
            suggest_key("registry[2].mirror[0].locaton"),
            Some("location")
        );
        assert_eq!(suggest_key("registry[0].blokced"), Some("blocked"));
        assert_eq!(suggest_key("completely-different"), None);
        assert_eq!(suggest_key("aliases.x"), None);
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
