//! `shortnames resolve`: names → candidates → endpoints, as text for people or as the corpus
//! JSON document.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use shortnames::{report, ConfigSources, Resolution, Resolver};

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Args)]
pub struct ConfigArgs {
    /// The main registries.conf (explicit: a missing file is an error).
    #[arg(long, value_name = "PATH")]
    pub registries_conf: Option<PathBuf>,
    /// The only drop-in directory (missing = no drop-ins).
    #[arg(long, value_name = "DIR")]
    pub registries_conf_d: Option<PathBuf>,
    /// The user short-name alias file (read only; missing = none).
    #[arg(long, value_name = "PATH")]
    pub user_aliases: Option<PathBuf>,
}

impl ConfigArgs {
    pub fn sources(&self) -> ConfigSources {
        let mut s = ConfigSources::new();
        if let Some(p) = &self.registries_conf {
            s = s.registries_conf(p);
        }
        if let Some(p) = &self.registries_conf_d {
            s = s.registries_conf_d(p);
        }
        if let Some(p) = &self.user_aliases {
            s = s.user_aliases(p);
        }
        s
    }
}

#[derive(Args)]
pub struct ResolveArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Read names from FILE, one per line (verbatim; an empty line is the empty name).
    #[arg(long, value_name = "FILE")]
    names_from: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Image names to resolve.
    #[arg(value_name = "NAME")]
    names: Vec<String>,
}

fn read_names(args: &ResolveArgs) -> Result<Vec<String>, String> {
    let mut names = args.names.clone();
    if let Some(path) = &args.names_from {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read names from {}: {e}", path.display()))?;
        let mut lines: Vec<&str> = text.split('\n').collect();
        if text.ends_with('\n') {
            lines.pop();
        }
        names.extend(lines.into_iter().map(str::to_owned));
    }
    Ok(names)
}

pub fn run(args: ResolveArgs) -> ExitCode {
    let names = match read_names(&args) {
        Ok(n) => n,
        Err(e) => return super::usage_error(e),
    };
    if names.is_empty() {
        return super::usage_error("no names given (pass NAME... or --names-from FILE)");
    }
    let resolver = Resolver::new(&args.config.sources());
    let mut failed = resolver.config().is_err();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Json => {
            let doc = report::document(&resolver, &names);
            failed |= doc["lookups"]
                .as_array()
                .is_some_and(|l| l.iter().any(|l| !l["error"].is_null()));
            let _ = serde_json::to_writer_pretty(&mut out, &doc);
            let _ = writeln!(out);
        }
        Format::Text => {
            if let Err(e) = resolver.config() {
                eprintln!("error: {}", e.located());
            }
            for name in &names {
                match resolver.resolve(name) {
                    Ok(r) => print_resolution(&mut out, name, &r),
                    Err(e) => {
                        failed = true;
                        let _ = writeln!(out, "{name}\n  error: {e}");
                    }
                }
            }
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn print_resolution(out: &mut impl Write, name: &str, r: &Resolution) {
    let _ = writeln!(out, "{name}");
    let desc = r.description();
    if !desc.is_empty() {
        let _ = writeln!(out, "  {desc}");
    }
    for (i, c) in r.candidates.iter().enumerate() {
        let entry = match &c.registry {
            Some(reg) if reg.blocked => format!("  [registry {}, blocked]", reg.prefix),
            Some(reg) => format!("  [registry {}]", reg.prefix),
            None => String::new(),
        };
        let _ = writeln!(out, "  candidate {}: {}{entry}", i + 1, c.reference);
        match &c.sources {
            Err(e) => {
                let _ = writeln!(out, "    error: {e}");
            }
            Ok(sources) => {
                for (j, s) in sources.iter().enumerate() {
                    let role = if s.mirror { "mirror " } else { "primary" };
                    let mut flags = String::new();
                    if s.insecure {
                        flags.push_str("  (insecure)");
                    }
                    if let Some(e) = &s.error {
                        flags.push_str(&format!("  refused: {e}"));
                    }
                    let _ = writeln!(out, "    {}. {role} {}{flags}", j + 1, s.reference);
                }
            }
        }
    }
}
