//! The `candidate-security` command: checks, evaluates and searches the guidance corpus.
//!
//! This file only parses the command line, hands it to [`cli::run`] and turns what comes back
//! into an exit code; each command lives in its own file under `src/cli/`.

mod cli;

use std::process::ExitCode;

use candidate_security::config::{self, ConfigError};
use clap::Parser;

/// mimalloc instead of the system allocator: answering a search allocates many small
/// strings, and with glibc's malloc that was a sixth of the server's time under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return cli::argument_error(&error),
    };
    match cli::run(cli) {
        Ok(code) => code,
        // Output piped into a program that stopped reading (e.g. `| head`) is not an error.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => match error.downcast_ref::<ConfigError>() {
            Some(config_error) => {
                if let ConfigError::Corpus { problems, .. } = config_error {
                    for problem in &problems.problems {
                        eprintln!("{problem}");
                    }
                }
                eprintln!("error: {config_error}");
                ExitCode::from(config::EX_CONFIG)
            }
            None => {
                eprintln!("error: {error:#}");
                ExitCode::FAILURE
            }
        },
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}
