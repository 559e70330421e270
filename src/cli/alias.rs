//! `shortnames alias add|remove|list`: edit the per-user short-name alias cache (shared with
//! Podman, same file, same lock) and list every effective alias with the file defining it.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::{json, Value};
use shortnames::alias_cache::AliasCache;
use shortnames::{Config, Location};

use super::resolve::Format;
use super::{vocab, Exit};

#[derive(Subcommand)]
pub enum AliasCommand {
    /// Add or replace NAME = VALUE in the user alias cache.
    Add(AddArgs),
    /// Remove NAME from the user alias cache.
    Remove(RemoveArgs),
    /// List every alias: system files (registries.conf, drop-ins) and the user alias cache,
    /// each with the file defining it and whether a later file masks it.
    List(ListArgs),
}

use super::config_args::{CacheArgs, ConfigArgs};

#[derive(Args)]
pub struct AddArgs {
    #[command(flatten)]
    cache: CacheArgs,
    /// The short name (no registry, tag or digest), e.g. `ubi9`.
    #[arg(value_name = "NAME")]
    name: String,
    /// The fully-qualified repository (no tag or digest), e.g. `registry.access.redhat.com/ubi9`.
    #[arg(value_name = "VALUE")]
    value: String,
}

#[derive(Args)]
pub struct RemoveArgs {
    #[command(flatten)]
    cache: CacheArgs,
    /// The short name to remove.
    #[arg(value_name = "NAME")]
    name: String,
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub fn run(cmd: AliasCommand) -> ExitCode {
    match cmd {
        AliasCommand::Add(a) => edit(&a.cache, |c| {
            c.add(&a.name, &a.value)?;
            Ok(format!(
                "added {:?} = {:?} to {}",
                a.name,
                a.value,
                c.path().display()
            ))
        }),
        AliasCommand::Remove(a) => edit(&a.cache, |c| {
            c.remove(&a.name)?;
            Ok(format!("removed {:?} from {}", a.name, c.path().display()))
        }),
        AliasCommand::List(a) => list(&a),
    }
}

fn no_cache_path() -> ExitCode {
    super::usage_error(
        "cannot determine the user alias cache (HOME and XDG_CACHE_HOME are unset): pass --user-aliases PATH",
    )
}

fn edit(
    args: &CacheArgs,
    op: impl FnOnce(&AliasCache) -> Result<String, shortnames::Error>,
) -> ExitCode {
    let Some(cache) = args.path().map(AliasCache::new) else {
        return no_cache_path();
    };
    match op(&cache) {
        Ok(done) => {
            let done = crate::escape::escape_controls_lines(&done);
            let _ = writeln!(std::io::stdout(), "{done}");
            super::Exit::Ok.code()
        }
        Err(e) => {
            super::error(super::error_line(&e));
            Exit::Failed.code()
        }
    }
}

/// One alias definition in the listing.
struct Row {
    name: String,
    /// Normalised target; `None` for a `""` tombstone.
    target: Option<String>,
    file: String,
    location: Option<Location>,
    user: bool,
    /// The file of the effective definition, when that is not this one.
    masked_by: Option<String>,
}

fn list(args: &ListArgs) -> ExitCode {
    let mut failed = false;
    let sources = args
        .config
        .sources_or_builtin()
        .keep_alias_definitions(true);

    let mut rows: Vec<Row> = Vec::new();
    let config = Config::load(&sources);
    let config_error = match &config {
        Ok(c) => {
            rows.extend(c.alias_definitions().map(|d| Row {
                name: d.name.to_owned(),
                target: d.value.map(|r| r.as_str().to_owned()),
                file: d.origin.to_owned(),
                location: d.location,
                user: false,
                masked_by: None,
            }));
            None
        }
        Err(e) => {
            failed = true;
            super::error(super::error_line(e));
            Some(e)
        }
    };

    let cache = sources.user_alias_path().map(AliasCache::new);
    if cache.is_none() {
        super::note(
            "no user alias cache (HOME and XDG_CACHE_HOME are unset; pass --user-aliases PATH)",
        );
    }
    let cache_error = match cache.as_ref().map(AliasCache::list) {
        None => None,
        Some(Ok(entries)) => {
            let file = cache
                .as_ref()
                .map(|c| c.path().to_string_lossy().into_owned())
                .unwrap_or_default();
            rows.extend(entries.into_iter().map(|e| Row {
                name: e.name,
                target: e.target,
                file: file.clone(),
                location: None,
                user: true,
                masked_by: None,
            }));
            None
        }
        Some(Err(e)) => {
            failed = true;
            super::error(super::error_line(&e));
            Some(e)
        }
    };

    // Rows are in precedence order (system files in load order, then the user cache): the
    // last definition of a name is the effective one and masks every earlier one.
    let mut winner: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        winner.insert(&r.name, i);
    }
    let masks: Vec<Option<String>> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let w = winner[r.name.as_str()];
            (w != i).then(|| rows[w].file.clone())
        })
        .collect();
    for (r, m) in rows.iter_mut().zip(masks) {
        r.masked_by = m;
    }
    // Stable: by name, definitions of one name in precedence order.
    rows.sort_by(|a, b| a.name.cmp(&b.name));

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Json => {
            let doc = vocab::document(
                "alias-list",
                json!({
                    "config_error": config_error.map(vocab::error_json),
                    "user_aliases": cache.as_ref().map(|c| c.path().to_string_lossy().into_owned()),
                    "user_aliases_error": cache_error.as_ref().map(vocab::error_json),
                    "aliases": rows.iter().map(row_json).collect::<Vec<_>>(),
                }),
            );
            let _ = serde_json::to_writer_pretty(&mut out, &doc);
            let _ = writeln!(out);
        }
        Format::Text => print_table(&mut out, &rows),
    }
    Exit::failed_if(failed).code()
}

fn row_json(r: &Row) -> Value {
    json!({
        "name": r.name,
        "target": r.target,
        "file": r.file,
        "line": r.location.map(|l| l.line),
        "column": r.location.map(|l| l.column),
        "scope": if r.user { "user" } else { "system" },
        "effective": r.masked_by.is_none(),
        "masked_by": r.masked_by,
    })
}

fn print_table(out: &mut impl Write, rows: &[Row]) {
    let cells: Vec<[String; 4]> = rows
        .iter()
        .map(|r| {
            let target = r.target.clone().unwrap_or_else(|| "\"\"".to_owned());
            let file = match r.location {
                Some(l) => format!("{}:{}", r.file, l.line),
                None => r.file.clone(),
            };
            let status = match (&r.masked_by, &r.target) {
                (Some(f), _) => format!("masked by {f}"),
                (None, None) => "effective (tombstone: no alias for this name)".to_owned(),
                (None, Some(_)) => "effective".to_owned(),
            };
            // Terminal-safe: file names can hold control characters.
            [r.name.clone(), target, file, status]
                .map(|c| crate::escape::escape_controls(&c).into_owned())
        })
        .collect();
    let header = ["NAME", "TARGET", "FILE", "STATUS"].map(str::to_owned);
    let mut widths = header.each_ref().map(|h| h.chars().count());
    for c in &cells {
        for (w, v) in widths.iter_mut().zip(c) {
            *w = (*w).max(v.chars().count());
        }
    }
    for c in std::iter::once(&header).chain(&cells) {
        let line = format!(
            "{:w0$}  {:w1$}  {:w2$}  {}",
            c[0],
            c[1],
            c[2],
            c[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
}
