//! The command line: the `Cli` and `Command` clap types, [`run`] handing each command to its
//! own module, and how a command-line problem is reported (one line naming the flag or the
//! environment variable to fix, exit 78), including `--version`.
//!
//! Each command's arguments and body live in a file of their own: `serve.rs` (the default,
//! with `reload.rs` for SIGHUP), `summary.rs`, `check.rs`, `eval.rs`, `export.rs`, `parity.rs`
//! and `search.rs`.

mod check;
mod eval;
mod export;
mod parity;
mod reload;
mod search;
mod serve;
mod summary;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use candidate_security::Guide;
use candidate_security::config;
use candidate_security::corpus::{Corpus, CorpusError, Nation, Overlay};
use candidate_security::search::GuideError;
use clap::{CommandFactory, Parser, Subcommand};

/// UK security guidance for election candidates, searchable online and offline.
#[derive(Parser)]
#[command(version, about, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// With no command, serve the web app with these options.
    #[command(flatten)]
    serve: serve::ServeArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

/// The commands; with none, `serve`.
#[derive(Subcommand)]
pub enum Command {
    /// Serve the web app (the default).
    Serve(serve::ServeArgs),
    /// Summarise the corpus and the time taken to index it.
    Summary(summary::SummaryArgs),
    /// Validate a guidance directory (default: the embedded corpus); exits 1 on any problem.
    Check(check::CheckArgs),
    /// Measure search quality on a query file: success@1, success@3 and MRR.
    Eval(eval::EvalArgs),
    /// Write the offline search bundle (the index as the browser engine reads it) as JSON.
    Export(export::ExportArgs),
    /// Check that the browser engine (run under Node) ranks as the server does.
    Parity(parity::ParityArgs),
    /// Search the guidance and print the results.
    Search(search::SearchArgs),
}

/// Run the command `cli` names (`serve` when it names none) and return its exit code.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let command = match cli.command {
        Some(command) => command,
        None => Command::Serve(cli.serve),
    };
    // Locked per command rather than up front: the server's threads never wait on it.
    let stdout = || std::io::stdout().lock();
    match command {
        Command::Serve(args) => serve::run(args),
        Command::Summary(args) => summary::run(args, &mut stdout()),
        Command::Check(args) => check::run(args, &mut stdout()),
        Command::Eval(args) => eval::run(args, &mut stdout()),
        Command::Export(args) => export::run(args, &mut stdout()),
        Command::Parity(args) => parity::run(args, &mut stdout()),
        Command::Search(args) => search::run(args, &mut stdout()),
    }
}

/// Help and version exit 0; any other command-line problem (including a bad value from an
/// environment variable) prints one line and exits with `EX_CONFIG`.
pub fn argument_error(error: &clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    match error.kind() {
        ErrorKind::DisplayHelp => {
            let _ = error.print();
            return ExitCode::SUCCESS;
        }
        ErrorKind::DisplayVersion => return print_version(),
        _ => {}
    }
    let rendered = error.render().to_string();
    let mut line = rendered
        .lines()
        .map(str::trim_end)
        .find(|line| !line.is_empty())
        .unwrap_or("error: invalid arguments")
        .to_owned();
    match error.get(ContextKind::SuggestedArg) {
        Some(ContextValue::String(suggested)) => {
            line.push_str(&format!(" (did you mean '{suggested}'?)"));
        }
        Some(ContextValue::Strings(suggested)) if !suggested.is_empty() => {
            line.push_str(&format!(" (did you mean '{}'?)", suggested.join("' or '")));
        }
        _ => {}
    }
    if let Some(variable) = variable_behind(error) {
        line.push_str(&format!(" (from the environment variable {variable})"));
    }
    eprintln!("{line}");
    ExitCode::from(config::EX_CONFIG)
}

/// `--version`: the program's version, then the embedded corpus's version (a hash of its
/// files) and size. Exits 1, after the program's version, if the corpus cannot be loaded.
fn print_version() -> ExitCode {
    let mut out = std::io::stdout().lock();
    let program = format!("{} {}", env!("CARGO_BIN_NAME"), env!("CARGO_PKG_VERSION"));
    match Corpus::embedded() {
        Ok(corpus) => {
            // A closed pipe (`| head -1`) is not worth an error.
            let _ = writeln!(
                out,
                "{program}\ncorpus {} ({} documents, embedded)",
                corpus.version,
                corpus.documents.len()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            let _ = writeln!(out, "{program}");
            let _ = out.flush();
            // The problems, one line: `path:line: message; ...; N problems found ...`.
            let reason = error.to_string().lines().collect::<Vec<_>>().join("; ");
            eprintln!("corpus: cannot load ({reason})");
            ExitCode::FAILURE
        }
    }
}

/// The environment variable an invalid value came from, when it did not come from a flag.
fn variable_behind(error: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    let Some(ContextValue::String(arg)) = error.get(ContextKind::InvalidArg) else {
        return None;
    };
    let Some(ContextValue::String(value)) = error.get(ContextKind::InvalidValue) else {
        return None;
    };
    let long = arg.strip_prefix("--")?.split([' ', '=']).next()?;
    let flag = format!("--{long}");
    let on_command_line = std::env::args_os().any(|a| {
        let a = a.to_string_lossy();
        a == flag.as_str() || a.starts_with(&format!("{flag}="))
    });
    if on_command_line {
        return None;
    }
    let mut commands = vec![Cli::command()];
    while let Some(command) = commands.pop() {
        let variable = command
            .get_arguments()
            .filter(|a| a.get_long() == Some(long))
            .find_map(|a| a.get_env())
            .map(|v| v.to_string_lossy().into_owned());
        if let Some(variable) = variable {
            let set = std::env::var_os(&variable).is_some_and(|v| v.to_string_lossy() == *value);
            return set.then_some(variable);
        }
        commands.extend(command.get_subcommands().cloned());
    }
    None
}

/// Every environment variable any command reads (all start with `CANDIDATE_SECURITY_`).
fn known_variables() -> Vec<String> {
    let mut names = Vec::new();
    let mut commands = vec![Cli::command()];
    while let Some(command) = commands.pop() {
        names.extend(
            command
                .get_arguments()
                .filter_map(|a| a.get_env())
                .map(|v| v.to_string_lossy().into_owned()),
        );
        commands.extend(command.get_subcommands().cloned());
    }
    names.sort();
    names.dedup();
    names
}

/// A nation as named on the command line.
fn parse_nation(name: &str) -> Result<Nation, String> {
    Nation::parse(name).ok_or_else(|| {
        format!("unknown nation `{name}`: use england, wales, scotland or northern-ireland")
    })
}

/// Which guidance a command uses: the embedded guidance, with an organiser's directory on top.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct GuidanceArgs {
    /// An organiser's directory (see index/FORMAT.md): its documents join the embedded
    /// guidance (one with an embedded document's slug replaces it), its synonyms and intents
    /// add to ours, and its contacts.toml gives the local contacts.
    #[arg(long, env = "CANDIDATE_SECURITY_GUIDANCE_DIR")]
    guidance_dir: Option<PathBuf>,
    /// Leave the embedded guidance out: use only --guidance-dir, as a complete corpus.
    #[arg(
        long,
        env = "CANDIDATE_SECURITY_NO_EMBEDDED_GUIDANCE",
        requires = "guidance_dir"
    )]
    no_embedded_guidance: bool,
}

impl GuidanceArgs {
    /// The organiser's directory, if any.
    pub fn dir(&self) -> Option<&Path> {
        self.guidance_dir.as_deref()
    }

    /// Where the guidance comes from, in words for a log or summary line.
    pub fn describe(&self) -> String {
        match (&self.guidance_dir, self.no_embedded_guidance) {
            (None, _) => "the embedded guidance".to_owned(),
            (Some(dir), false) => format!("the embedded guidance with {} on top", dir.display()),
            (Some(dir), true) => format!("the guidance in {} only", dir.display()),
        }
    }

    /// The corpus these arguments name, and what the organiser's directory changed.
    pub fn corpus(&self) -> Result<(Corpus, Overlay), CorpusError> {
        match (&self.guidance_dir, self.no_embedded_guidance) {
            (None, _) => Ok((Corpus::embedded()?, Overlay::default())),
            (Some(dir), false) => Corpus::with_local(dir),
            (Some(dir), true) => Ok((Corpus::from_dir(dir)?, Overlay::default())),
        }
    }

    /// The guidance, indexed, and what the organiser's directory changed.
    pub fn open_guide(&self) -> Result<(Guide, Overlay), GuideError> {
        let (corpus, overlay) = self.corpus()?;
        Ok((Guide::new(corpus)?, overlay))
    }
}

/// The guidance for the commands other than `serve`: any problem is a plain error (exit 1).
fn open(guidance: &GuidanceArgs) -> anyhow::Result<Guide> {
    guidance
        .open_guide()
        .map(|(guide, _)| guide)
        .context("cannot open the guidance")
}
