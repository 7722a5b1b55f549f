//! Problems found while loading a corpus, each tied to a `path:line`.

use std::fmt;

/// One problem in one corpus file, reported as `path:line: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file's path as the user knows it (e.g. `index/guidance/foo.md`).
    pub path: String,
    /// 1-based line number the problem refers to.
    pub line: usize,
    /// What is wrong, in words an editor can act on.
    pub message: String,
}

impl Problem {
    /// A problem in `path` at `line`.
    pub fn new(path: &str, line: usize, message: impl Into<String>) -> Problem {
        Problem {
            path: path.to_owned(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.line, self.message)
    }
}

/// Every problem found in a corpus; loading fails if there is at least one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CorpusError {
    /// The problems in file and line order.
    pub problems: Vec<Problem>,
}

impl CorpusError {
    /// Wrap a list of problems, sorted by path and line.
    pub fn new(mut problems: Vec<Problem>) -> CorpusError {
        problems.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
        CorpusError { problems }
    }
}

impl fmt::Display for CorpusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for problem in &self.problems {
            writeln!(f, "{problem}")?;
        }
        let n = self.problems.len();
        write!(
            f,
            "{n} problem{} found in the guidance corpus",
            if n == 1 { "" } else { "s" }
        )
    }
}

/// Parse a TOML data file (`what` names it in the message), or record why it is not valid.
pub fn parse_toml<T: serde::de::DeserializeOwned>(
    path: &str,
    text: &str,
    what: &str,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    match toml::from_str(text) {
        Ok(value) => Some(value),
        Err(error) => {
            let line = error.span().map_or(1, |s| line_of(text, s.start));
            problems.push(Problem::new(
                path,
                line,
                format!("not a valid {what} file: {}", error.message().trim()),
            ));
            None
        }
    }
}

/// The 1-based line number of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
