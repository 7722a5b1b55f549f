//! Logging set-up shared by the binary and the tests that check what reaches the log.
//!
//! This program's own events follow the chosen level. Every other library is capped at
//! warnings: their debug and trace events can carry request URIs, headers or peer
//! addresses, and searches are sensitive ("someone is following me").

use tracing::Level;
use tracing_subscriber::EnvFilter;

/// The filter for a chosen level: this crate at `level`, everything else at `warn`.
pub fn filter(level: Level) -> EnvFilter {
    EnvFilter::new(format!("warn,candidate_security={level}"))
}
