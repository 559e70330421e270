//! Validating one decoded file (resolution rules 10–21), in the reference's exact order:
//! v1/v2 → per-registry checks → conflicts → search registries → dedupe and sort →
//! short-name mode → wildcard syntax → aliases.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::decode::{self, RawFile, RawRegistry, SpStr, Span};
use super::{Compat, Limits, Mirror, PullFromMirror, Registry, ShortNameMode, Warning};
use crate::config::aliases::{self, AliasEntry};
use crate::error::{ErrorKind, Lines, Location};
use crate::quote::Q;
use crate::reference;

/// A problem that makes a file fail, before the `loading ... "<file>": ` prefix is added.
#[derive(Debug, Clone)]
pub(crate) struct FileProblem {
    pub kind: ErrorKind,
    pub message: String,
    pub key: Option<String>,
    pub location: Option<Location>,
}

/// One validated file.
#[derive(Debug, Default, Clone)]
pub(crate) struct FileConfig {
    pub registries: Vec<Arc<Registry>>,
    pub usr: Option<Vec<Arc<str>>>,
    pub credential_helpers: Option<Vec<String>>,
    pub short_name_mode: Option<ShortNameMode>,
    pub aliases: Vec<(Box<str>, AliasEntry)>,
    pub additional_layer_store_auth_helper: String,
    pub warnings: Vec<Warning>,
    /// Where each search entry is written (collect mode only; empty otherwise).
    pub usr_locations: Vec<Option<Location>>,
    /// Where `unqualified-search-registries` and `short-name-mode` are written (`explain`).
    pub usr_at: Option<Location>,
    pub mode_at: Option<Location>,
}

/// Where problems go: the default (first-error) path stops at the first one, exactly like the
/// reference; collect mode (used by `check`) records every problem and carries on with a
/// best-effort fallback.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    collected: Option<Vec<FileProblem>>,
}

impl Sink {
    fn first_error() -> Sink {
        Sink { collected: None }
    }

    fn collect() -> Sink {
        Sink {
            collected: Some(Vec::new()),
        }
    }

    fn is_collecting(&self) -> bool {
        self.collected.is_some()
    }

    /// Records `p`; in the default mode this is the error that fails the file.
    fn report(&mut self, p: FileProblem) -> Result<(), FileProblem> {
        match &mut self.collected {
            None => Err(p),
            Some(v) => {
                v.push(p);
                Ok(())
            }
        }
    }
}

struct Ctx<'a> {
    lines: Lines<'a>,
}

impl Ctx<'_> {
    fn loc(&self, span: &Span) -> Option<Location> {
        self.lines.span(span)
    }

    fn problem(&self, kind: &'static str, message: String, at: &SpStr) -> FileProblem {
        FileProblem {
            kind: ErrorKind::InvalidConfig(kind),
            message,
            key: (!at.key.is_empty()).then(|| at.key.clone()),
            location: self.loc(&at.span),
        }
    }

    fn problem_at(
        &self,
        kind: &'static str,
        message: String,
        key: &str,
        span: &Span,
    ) -> FileProblem {
        FileProblem {
            kind: ErrorKind::InvalidConfig(kind),
            message,
            key: Some(key.to_owned()),
            location: self.loc(span),
        }
    }

    /// `parseLocation`, reporting into `sink`; in collect mode a refused value is kept trimmed.
    fn parse_location_in(&self, v: &SpStr, sink: &mut Sink) -> Result<String, FileProblem> {
        match self.parse_location(v) {
            Ok(l) => Ok(l),
            Err(p) => {
                sink.report(p)?;
                Ok(v.value.trim_end_matches('/').to_owned())
            }
        }
    }

    /// `parseLocation`: trim trailing `/`, refuse `http://` and `https://`.
    fn parse_location(&self, v: &SpStr) -> Result<String, FileProblem> {
        let trimmed = v.value.trim_end_matches('/');
        if trimmed.starts_with("http://") || trimmed.starts_with("https://") {
            return Err(self.problem(
                "uri-scheme",
                format!(
                    "invalid location '{}': URI schemes are not supported",
                    v.value
                ),
                v,
            ));
        }
        Ok(trimmed.to_owned())
    }
}

/// Decodes and validates one file. `drop_in` enforces the v2 format; [`Compat::V5_40`]
/// refuses version-1 tables in every file.
pub(crate) fn load(
    text: &str,
    origin: &Arc<str>,
    drop_in: bool,
    compat: Compat,
    limits: &Limits,
) -> Result<FileConfig, FileProblem> {
    load_with(
        text,
        origin,
        drop_in,
        compat,
        limits,
        &mut Sink::first_error(),
    )
}

/// Validates one decoded file reporting *every* problem (for `check`): the problems in the
/// order the default path would meet them (so the first one is the error the default path
/// reports), and the file's content with the failing parts left out (`None` when nothing of
/// it can be used). `text` is the text `raw` was decoded from (`check` decodes with its own
/// recovery from type errors).
pub(crate) fn load_collect_raw(
    text: &str,
    raw: RawFile,
    origin: &Arc<str>,
    drop_in: bool,
    compat: Compat,
    limits: &Limits,
) -> (Option<FileConfig>, Vec<FileProblem>) {
    let mut sink = Sink::collect();
    let ctx = Ctx {
        lines: Lines::new(text),
    };
    let result = validate_decoded(&ctx, raw, origin, drop_in, compat, limits, &mut sink);
    let mut problems = sink.collected.unwrap_or_default();
    match result {
        Ok(f) => (Some(f), problems),
        Err(p) => {
            problems.push(p);
            (None, problems)
        }
    }
}

fn load_with(
    text: &str,
    origin: &Arc<str>,
    drop_in: bool,
    compat: Compat,
    limits: &Limits,
    sink: &mut Sink,
) -> Result<FileConfig, FileProblem> {
    let ctx = Ctx {
        lines: Lines::new(text),
    };
    let raw = decode::decode_file(text, compat.schema_release()).map_err(|e| FileProblem {
        kind: ErrorKind::InvalidConfig("toml"),
        message: format!("toml: {}", e.message),
        key: e.key,
        location: ctx.loc(&e.span),
    })?;
    validate_decoded(&ctx, raw, origin, drop_in, compat, limits, sink)
}

fn validate_decoded(
    ctx: &Ctx<'_>,
    raw: RawFile,
    origin: &Arc<str>,
    drop_in: bool,
    compat: Compat,
    limits: &Limits,
    sink: &mut Sink,
) -> Result<FileConfig, FileProblem> {
    // v5.40 checks this right after decoding: it wins over every validation error.
    if compat == Compat::V5_40 && raw.v1_defined {
        return Err(FileProblem {
            kind: ErrorKind::InvalidConfig("v1-unsupported"),
            message: "registries.conf must be in v2 format but is in v1".into(),
            key: Some("registries".into()),
            location: ctx.loc(&raw.v1_span),
        });
    }
    if raw.aliases.len() > limits.max_aliases_per_file {
        sink.report(FileProblem {
            kind: ErrorKind::Limit("too-many-aliases"),
            message: format!(
                "[aliases] has {} entries, more than the limit of {}",
                raw.aliases.len(),
                limits.max_aliases_per_file
            ),
            key: Some("aliases".into()),
            location: None,
        })?;
    }
    validate(ctx, raw, origin, drop_in, compat, sink)
}

fn validate(
    ctx: &Ctx<'_>,
    mut raw: RawFile,
    origin: &Arc<str>,
    drop_in: bool,
    compat: Compat,
    sink: &mut Sink,
) -> Result<FileConfig, FileProblem> {
    let mut warnings: Vec<Warning> = raw
        .unknown
        .drain(..)
        .map(|u| Warning::unknown_key(origin, u.key, ctx.loc(&u.span)))
        .collect();
    // Constructs other TOML tools read differently (the reference's reading is applied).
    warnings.extend(raw.quirks.drain(..).map(|q| Warning {
        kind: q.code,
        message: q.message,
        file: origin.clone(),
        key: q.key,
        location: ctx.loc(&q.span),
    }));

    // Rule 10: v1/v2 detection.
    let v1_nonempty =
        !raw.v1_search.is_empty() || !raw.v1_insecure.is_empty() || !raw.v1_block.is_empty();
    if v1_nonempty {
        // The implicit `[registries]` table of `[registries.search]` headers has no span:
        // point at the first v1 value then.
        let first_v1 = [&raw.v1_search, &raw.v1_insecure, &raw.v1_block]
            .into_iter()
            .filter_map(|l| l.first())
            .min_by_key(|v| v.span.as_ref().map(|s| s.start));
        let v1_at = match (&raw.v1_span, first_v1) {
            (None, Some(v)) => v.clone(),
            _ => SpStr {
                key: "registries".into(),
                span: raw.v1_span.clone(),
                ..SpStr::default()
            },
        };
        if drop_in {
            sink.report(ctx.problem(
                "v1-in-drop-in",
                "registry must be in v2 format but is in v1".into(),
                &v1_at,
            ))?;
        }
        let v2_nonempty = !raw.registries.is_empty()
            || raw.usr.as_ref().is_some_and(|u| !u.is_empty())
            || raw
                .credential_helpers
                .as_ref()
                .is_some_and(|c| !c.is_empty())
            || !raw.short_name_mode.value.is_empty()
            || !raw.aliases.is_empty();
        if v2_nonempty && !drop_in {
            sink.report(ctx.problem(
                "mixed-v1-v2",
                "mixing sysregistry v1/v2 is not supported".into(),
                &v1_at,
            ))?;
        }
        // Collect mode carries on with the v2 part when the v1 part is refused.
        if !drop_in && !v2_nonempty {
            raw = convert_v1(ctx, raw, sink)?;
        }
    }

    // Rule 14: per-registry checks, in file order.
    let mut regs: Vec<Registry> = Vec::with_capacity(raw.registries.len());
    let mut raw_regs = std::mem::take(&mut raw.registries);
    if sink.is_collecting() {
        // Entries that fail are left out (with their raw tables, to keep indices aligned).
        let mut kept_raw = Vec::with_capacity(raw_regs.len());
        for mut r in raw_regs {
            if let Some(reg) = check_registry(ctx, &mut r, origin, sink)? {
                regs.push(reg);
                kept_raw.push(r);
            }
        }
        raw_regs = kept_raw;
    } else {
        for r in raw_regs.iter_mut() {
            if let Some(reg) = check_registry(ctx, r, origin, sink)? {
                regs.push(reg);
            }
        }
    }

    // Rule 16: conflicts, grouped by location (prefix when location is empty).
    // Every member of a group is compared with every member, in file order; the first
    // difference is reported. Groups are almost always uniform, so first find out cheaply
    // whether any is not, and only then run the exact walk.
    fn group_key(r: &Registry) -> &str {
        if r.location.is_empty() {
            &r.prefix
        } else {
            &r.location
        }
    }
    let mut firsts: FxHashMap<&str, usize> = FxHashMap::default();
    let mut uniform = true;
    for (i, r) in regs.iter().enumerate() {
        let first = *firsts.entry(group_key(r)).or_insert(i);
        let f = &regs[first];
        uniform &= f.insecure == r.insecure && f.blocked == r.blocked;
    }
    let mut groups: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    if !uniform {
        for (i, r) in regs.iter().enumerate() {
            groups.entry(group_key(r)).or_default().push(i);
        }
    }
    for (i, r) in regs.iter().enumerate().filter(|_| !uniform) {
        let group = &groups[group_key(r)];
        // Collect mode: one report per disagreeing member, against the group's first entry
        // (the default path's first error is the same one: see `load_collect_raw`).
        if sink.is_collecting() && group[0] != i {
            continue;
        }
        for &j in group {
            let other = &regs[j];
            let which = if r.insecure != other.insecure {
                Some((
                    "conflicting-insecure",
                    "insecure",
                    &raw_regs[j].insecure_span,
                ))
            } else if r.blocked != other.blocked {
                Some(("conflicting-blocked", "blocked", &raw_regs[j].blocked_span))
            } else {
                None
            };
            if let Some((kind, field, span)) = which {
                let span = if span.is_some() {
                    span
                } else {
                    &raw_regs[i].span
                };
                sink.report(ctx.problem_at(
                    kind,
                    format!(
                        "registry '{}' is defined multiple times with conflicting '{field}' setting",
                        r.location
                    ),
                    &format!("{}.{field}", raw_regs[j].key),
                    span,
                ))?;
            }
        }
    }

    // Rule 15: search registries.
    let mut usr_locations = Vec::new();
    let usr = match raw.usr.take() {
        None => None,
        Some(list) => {
            let mut out = Vec::with_capacity(list.len());
            for e in &list {
                let v = match ctx.parse_location(e) {
                    Ok(v) => v,
                    Err(p) => {
                        sink.report(p)?;
                        continue;
                    }
                };
                if !reference::is_domain(v.as_bytes()) {
                    sink.report(ctx.problem(
                        "bad-search-registry",
                        format!("Invalid unqualified-search-registries entry {}", Q(&v)),
                        e,
                    ))?;
                    continue;
                }
                if sink.is_collecting() {
                    usr_locations.push(ctx.loc(&e.span));
                }
                out.push(Arc::from(v));
            }
            Some(out)
        }
    };

    // Rule 17: the first entry of each prefix wins, then sort by prefix.
    let mut seen: FxHashMap<Arc<str>, usize> = FxHashMap::default();
    seen.reserve(regs.len());
    let mut kept: Vec<Registry> = Vec::with_capacity(regs.len());
    for (i, r) in regs.into_iter().enumerate() {
        if let Some(&first) = seen.get(&r.prefix) {
            warnings.push(Warning::duplicate_prefix(
                origin,
                &r.prefix,
                raw_regs[i].key.clone(),
                ctx.loc(&raw_regs[i].span),
                raw_regs[first].key.clone(),
            ));
            continue;
        }
        seen.insert(r.prefix.clone(), i);
        kept.push(r);
    }
    kept.sort_by(|a, b| a.prefix.as_bytes().cmp(b.prefix.as_bytes()));

    // Rule 18: short-name mode.
    let short_name_mode = match raw.short_name_mode.value.as_str() {
        "" => None,
        v => match ShortNameMode::parse(v) {
            Some(m) => Some(m),
            None => {
                sink.report(ctx.problem(
                    "bad-short-name-mode",
                    format!("invalid short-name mode: {}", Q(v)),
                    &raw.short_name_mode,
                ))?;
                None
            }
        },
    };

    // Rule 19: wildcard prefix syntax, in sorted order.
    for r in &kept {
        if r.prefix.starts_with("*.") && r.prefix.contains(['/', '@', ':']) {
            sink.report(FileProblem {
                kind: ErrorKind::InvalidConfig("bad-wildcard-prefix"),
                message: format!(
                    "Wildcarded prefix should be in the format: *.example.com. Current prefix {} is incorrectly formatted",
                    Q(&r.prefix)
                ),
                key: Some(format!("{}.prefix", r.key)),
                // The prefix value itself (error path only: a linear search is fine).
                location: raw_regs
                    .iter()
                    .find(|x| x.key == r.key)
                    .and_then(|x| ctx.loc(&x.prefix.span))
                    .or(r.defined_at),
            })?;
        }
    }

    // Rule 20: aliases, all complaints together.
    let aliases = if sink.is_collecting() {
        // One problem per complaint, each at its own place; the valid entries are kept.
        let mut kept = Vec::with_capacity(raw.aliases.len());
        for a in std::mem::take(&mut raw.aliases) {
            match aliases::validate_table(vec![a], origin, &ctx.lines) {
                Ok(entries) => kept.extend(entries),
                Err(complaints) => {
                    for c in complaints {
                        sink.report(FileProblem {
                            kind: ErrorKind::InvalidConfig("bad-alias"),
                            message: format!("validating short-name aliases: {}", c.text),
                            key: Some(c.key),
                            location: c.location,
                        })?;
                    }
                }
            }
        }
        kept
    } else {
        aliases::validate_table(std::mem::take(&mut raw.aliases), origin, &ctx.lines).map_err(
            |c| FileProblem {
                kind: ErrorKind::InvalidConfig("bad-alias"),
                message: match compat {
                    // v5.40 joins several complaints with a plain newline.
                    Compat::V5_40 => format!(
                        "validating short-name aliases: {}",
                        c.iter()
                            .map(|c| c.text.as_str())
                            .collect::<Vec<_>>()
                            .join("\n")
                    ),
                    Compat::V5_23 => format!(
                        "validating short-name aliases: {}",
                        aliases::join_complaints(&c)
                    ),
                },
                key: Some(c[0].key.clone()),
                location: c[0].location,
            },
        )?
    };

    let usr_at = ctx.loc(&raw.usr_span);
    let mode_at = ctx.loc(&raw.short_name_mode.span);
    Ok(FileConfig {
        usr_at,
        mode_at,
        registries: kept.into_iter().map(Arc::new).collect(),
        usr,
        credential_helpers: raw
            .credential_helpers
            .map(|l| l.into_iter().map(|s| s.value).collect()),
        short_name_mode,
        aliases,
        additional_layer_store_auth_helper: raw.additional_layer_store_auth_helper.value,
        warnings,
        usr_locations,
    })
}

fn check_registry(
    ctx: &Ctx<'_>,
    r: &mut RawRegistry,
    origin: &Arc<str>,
    sink: &mut Sink,
) -> Result<Option<Registry>, FileProblem> {
    let location = ctx.parse_location_in(&r.location, sink)?;
    let prefix = if r.prefix.value.is_empty() {
        if location.is_empty() {
            sink.report(ctx.problem_at(
                "no-location-no-prefix",
                "invalid condition: both location and prefix are unset".into(),
                &r.key,
                &r.span,
            ))?;
            return Ok(None);
        }
        location.clone()
    } else {
        let p = ctx.parse_location_in(&r.prefix, sink)?;
        if !p.starts_with("*.") && location.is_empty() {
            sink.report(ctx.problem_at(
                "no-location",
                "invalid condition: location is unset and prefix is not in the format: *.example.com"
                    .into(),
                &r.key,
                &r.span,
            ))?;
            return Ok(None);
        }
        p
    };
    if !r.pull_from_mirror.value.is_empty() {
        sink.report(ctx.problem(
            "pull-from-mirror-on-registry",
            format!(
                "pull-from-mirror must not be set for a non-mirror registry {}",
                Q(&prefix)
            ),
            &r.pull_from_mirror,
        ))?;
    }
    let mut mirrors = Vec::with_capacity(r.mirrors.len());
    for m in &r.mirrors {
        let loc = ctx.parse_location_in(&m.location, sink)?;
        if loc.is_empty() {
            sink.report(ctx.problem_at(
                "mirror-no-location",
                "invalid condition: mirror location is unset".into(),
                &m.key,
                &m.span,
            ))?;
            continue;
        }
        if r.mirror_by_digest_only && !m.pull_from_mirror.value.is_empty() {
            sink.report(ctx.problem(
                "digest-only-conflict",
                format!(
                    "cannot set mirror usage mirror-by-digest-only for the registry ({}) and pull-from-mirror for per-mirror ({}) at the same time",
                    Q(&prefix),
                    Q(&loc)
                ),
                &m.pull_from_mirror,
            ))?;
        }
        let pfm = match m.pull_from_mirror.value.as_str() {
            "" => PullFromMirror::Unset,
            "all" => PullFromMirror::All,
            "digest-only" => PullFromMirror::DigestOnly,
            "tag-only" => PullFromMirror::TagOnly,
            other => {
                sink.report(ctx.problem(
                    "bad-pull-from-mirror",
                    format!(
                        "unsupported pull-from-mirror value {} for mirror {}",
                        Q(other),
                        Q(&loc)
                    ),
                    &m.pull_from_mirror,
                ))?;
                PullFromMirror::Unset
            }
        };
        mirrors.push(Mirror {
            location: Arc::from(loc),
            insecure: m.insecure,
            pull_from_mirror: pfm,
        });
    }
    Ok(Some(Registry {
        prefix: Arc::from(prefix),
        location: Arc::from(location),
        insecure: r.insecure,
        blocked: r.blocked,
        mirror_by_digest_only: r.mirror_by_digest_only,
        mirrors,
        origin: origin.clone(),
        key: r.key.clone(),
        defined_at: ctx.loc(&r.span),
    }))
}

/// Rule 11: v1 → v2. Block entries first, then insecure; equal trimmed locations collapse.
fn convert_v1(ctx: &Ctx<'_>, raw: RawFile, sink: &mut Sink) -> Result<RawFile, FileProblem> {
    let mut order: Vec<String> = Vec::new();
    let mut map: FxHashMap<String, RawRegistry> = FxHashMap::default();
    for (list, blocked) in [(&raw.v1_block, true), (&raw.v1_insecure, false)] {
        for e in list {
            let loc = match ctx.parse_location(e) {
                Ok(l) => l,
                Err(p) => {
                    sink.report(p)?;
                    continue;
                }
            };
            let reg = map.entry(loc.clone()).or_insert_with(|| {
                order.push(loc.clone());
                RawRegistry {
                    prefix: SpStr {
                        value: loc.clone(),
                        span: e.span.clone(),
                        key: e.key.clone(),
                    },
                    location: SpStr {
                        value: loc.clone(),
                        span: e.span.clone(),
                        key: e.key.clone(),
                    },
                    key: e.key.clone(),
                    span: e.span.clone(),
                    ..RawRegistry::default()
                }
            });
            if blocked {
                reg.blocked = true;
                reg.blocked_span = e.span.clone();
            } else {
                reg.insecure = true;
                reg.insecure_span = e.span.clone();
            }
        }
    }
    let registries = order.iter().filter_map(|l| map.remove(l)).collect();
    Ok(RawFile {
        registries,
        usr: if raw.v1_search.is_empty() {
            None
        } else {
            Some(raw.v1_search)
        },
        unknown: raw.unknown,
        ..RawFile::default()
    })
}
