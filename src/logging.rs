//! Logging set-up shared by the binary and the tests that check what reaches the log.
//!
//! This program's own events follow the chosen level. Every other library is capped at
//! warnings: their debug and trace events can carry request URIs, headers or peer
//! addresses, and searches are sensitive ("someone is following me").
//!
//! Lines go to stderr through a buffer: per-request lines are written out in batches (at
//! least every [`FLUSH_EVERY`]), so answering a request costs no write to a terminal, pipe or
//! journal; every other line (start-up, warnings, errors) is written out at once.

use std::io::{BufWriter, Stderr, Write};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tracing::{Level, Metadata};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// The target of the one-line-per-request events, which are written out in batches.
pub const REQUEST_TARGET: &str = "candidate_security::http";

/// Longest a batched line waits in the buffer before it is written out.
pub const FLUSH_EVERY: Duration = Duration::from_millis(250);

/// The filter for a chosen level: this crate at `level`, everything else at `warn`.
pub fn filter(level: Level) -> EnvFilter {
    EnvFilter::new(format!("warn,candidate_security={level}"))
}

/// Stderr behind a buffer, shared by every thread that logs (see the module docs). Clones
/// share the buffer.
#[derive(Debug, Clone)]
pub struct BufferedStderr {
    buffer: Arc<Mutex<BufWriter<Stderr>>>,
}

impl BufferedStderr {
    /// A buffered stderr, with a background thread that writes the buffer out every
    /// [`FLUSH_EVERY`] for as long as the returned handle (or a clone) is alive.
    pub fn start() -> BufferedStderr {
        let buffer = Arc::new(Mutex::new(BufWriter::with_capacity(
            64 * 1024,
            std::io::stderr(),
        )));
        let weak = Arc::downgrade(&buffer);
        // If the thread cannot start, lines are still written out when the buffer fills,
        // at every warning and at exit.
        let _ = std::thread::Builder::new()
            .name("log-flush".to_owned())
            .spawn(move || {
                loop {
                    std::thread::sleep(FLUSH_EVERY);
                    match weak.upgrade() {
                        Some(buffer) => BufferedStderr { buffer }.flush(),
                        None => break,
                    }
                }
            });
        BufferedStderr { buffer }
    }

    /// Write out everything buffered.
    pub fn flush(&self) {
        let _ = self.lock().flush();
    }

    fn lock(&self) -> MutexGuard<'_, BufWriter<Stderr>> {
        // A panic while holding the lock leaves whole lines at worst: go on logging.
        self.buffer.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One event's writer: holds the buffer for the event's line, and writes it out at the end
/// unless the line is a per-request one.
pub struct EventWriter<'a> {
    buffer: MutexGuard<'a, BufWriter<Stderr>>,
    write_out: bool,
}

impl Write for EventWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.write(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.buffer.flush()
    }
}

impl Drop for EventWriter<'_> {
    fn drop(&mut self) {
        if self.write_out {
            let _ = self.buffer.flush();
        }
    }
}

impl<'a> MakeWriter<'a> for BufferedStderr {
    type Writer = EventWriter<'a>;

    fn make_writer(&'a self) -> EventWriter<'a> {
        EventWriter {
            buffer: self.lock(),
            write_out: true,
        }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> EventWriter<'a> {
        EventWriter {
            buffer: self.lock(),
            write_out: meta.target() != REQUEST_TARGET || *meta.level() <= Level::WARN,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_per_request_lines_below_warn_are_batched() {
        use tracing::callsite::Identifier;
        use tracing::field::FieldSet;
        use tracing::metadata::Kind;

        struct Callsite;
        impl tracing::Callsite for Callsite {
            fn set_interest(&self, _: tracing::subscriber::Interest) {}
            fn metadata(&self) -> &Metadata<'_> {
                unreachable!("not registered")
            }
        }
        static CALLSITE: Callsite = Callsite;
        let meta = |target: &'static str, level: Level| {
            Metadata::new(
                "event",
                target,
                level,
                None,
                None,
                None,
                FieldSet::new(&[], Identifier(&CALLSITE)),
                Kind::EVENT,
            )
        };
        let stderr = BufferedStderr::start();
        let cases = [
            (REQUEST_TARGET, Level::INFO, false),
            (REQUEST_TARGET, Level::DEBUG, false),
            (REQUEST_TARGET, Level::WARN, true),
            (REQUEST_TARGET, Level::ERROR, true),
            ("candidate_security", Level::INFO, true),
            ("candidate_security::server", Level::DEBUG, true),
        ];
        for (target, level, written_out) in cases {
            let writer = stderr.make_writer_for(&meta(target, level));
            assert_eq!(writer.write_out, written_out, "{target} {level}");
        }
    }
}
