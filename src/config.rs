//! Checking the server's settings before it binds: listen addresses, environment variables
//! that look like ours but are not, and errors that name the setting to fix.
//!
//! The command line (`src/main.rs`) parses flags and environment variables with clap; what
//! clap cannot check (an address's port, a typo in a variable name, a guidance directory) is
//! checked here, and every failure names both the flag and its environment variable so an
//! operator can find it whichever way it was set. Failures exit with [`EX_CONFIG`].

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::path::PathBuf;

use crate::corpus::CorpusError;

/// Exit code for a configuration error (`EX_CONFIG` from BSD's `sysexits.h`).
pub const EX_CONFIG: u8 = 78;

/// Every environment variable this program reads starts with this.
pub const ENV_PREFIX: &str = "CANDIDATE_SECURITY_";

/// A setting as an operator sets it: a command-line flag and its environment variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The flag, e.g. `--bind`.
    pub flag: &'static str,
    /// The environment variable, e.g. `CANDIDATE_SECURITY_BIND`.
    pub env: &'static str,
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.flag, self.env)
    }
}

/// `--bind`: the address to listen on.
pub const BIND: Setting = Setting {
    flag: "--bind",
    env: "CANDIDATE_SECURITY_BIND",
};

/// `--base-path`: the path prefix the app is served under.
pub const BASE_PATH: Setting = Setting {
    flag: "--base-path",
    env: "CANDIDATE_SECURITY_BASE_PATH",
};

/// `--guidance-dir`: an organiser's directory on top of the embedded guidance.
pub const GUIDANCE_DIR: Setting = Setting {
    flag: "--guidance-dir",
    env: "CANDIDATE_SECURITY_GUIDANCE_DIR",
};

/// `--metrics-bind`: where to serve Prometheus metrics (off when not set).
pub const METRICS_BIND: Setting = Setting {
    flag: "--metrics-bind",
    env: "CANDIDATE_SECURITY_METRICS_BIND",
};

/// `--rate-limit`: searches per second per client.
pub const RATE_LIMIT: Setting = Setting {
    flag: "--rate-limit",
    env: "CANDIDATE_SECURITY_RATE_LIMIT",
};

/// A setting that cannot be used. Each message is one line and names the setting.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A setting's value is not usable.
    #[error("invalid {setting} `{value}`: {reason}")]
    Invalid {
        /// Which setting.
        setting: Setting,
        /// The value given.
        value: String,
        /// What is wrong with it and, where possible, what to use instead.
        reason: String,
    },
    /// An environment variable with our prefix that this program does not read (a typo).
    #[error("unknown environment variable {name}{}", match nearest {
        Some(known) => format!(" (did you mean {known}?)"),
        None => " (`candidate-security --help` lists the variables it reads)".to_owned(),
    })]
    UnknownVariable {
        /// The variable's name.
        name: String,
        /// The known variable closest to it, if any is close.
        nearest: Option<String>,
    },
    /// The guidance directory has problems; [`CorpusError`] lists them as `path:line`.
    #[error("{setting} `{}`: {} found in the guidance corpus (listed above)", dir.display(), count(problems.problems.len()))]
    Corpus {
        /// Which setting named the directory.
        setting: Setting,
        /// The directory.
        dir: PathBuf,
        /// Every problem found.
        problems: CorpusError,
    },
}

fn count(problems: usize) -> String {
    match problems {
        1 => "1 problem".to_owned(),
        n => format!("{n} problems"),
    }
}

/// An address to listen on, given as `host:port`: an IPv4 address, an IPv6 address in
/// brackets (`[::1]:8080`) or a host name (`localhost:8080`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindAddress {
    host: Host,
    port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Host {
    V4(Ipv4Addr),
    V6(Ipv6Addr),
    Name(String),
}

impl BindAddress {
    /// Parse `raw` as the value of `setting`; the error says what is wrong with it.
    pub fn parse(setting: Setting, raw: &str) -> Result<BindAddress, ConfigError> {
        let invalid = |reason: String| ConfigError::Invalid {
            setting,
            value: raw.to_owned(),
            reason,
        };
        let text = raw.trim();
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let (inside, after) = rest.split_once(']').ok_or_else(|| {
                invalid("an IPv6 address needs a closing `]`, e.g. [::1]:8080".to_owned())
            })?;
            let port = after.strip_prefix(':').ok_or_else(|| {
                invalid(format!(
                    "no port: use host:port, e.g. [{inside}]:8080 (port 0 picks a free one)"
                ))
            })?;
            let address = inside
                .parse::<Ipv6Addr>()
                .map_err(|_| invalid(format!("`{inside}` is not an IPv6 address")))?;
            (Host::V6(address), port)
        } else {
            let (host, port) = text
                .rsplit_once(':')
                .ok_or_else(|| invalid("no port: use host:port, e.g. 127.0.0.1:8080".to_owned()))?;
            let host = if host.is_empty() {
                return Err(invalid(
                    "no host: use 127.0.0.1:PORT for this machine only or 0.0.0.0:PORT for every interface".to_owned(),
                ));
            } else if let Ok(address) = host.parse::<Ipv4Addr>() {
                Host::V4(address)
            } else if let Ok(address) = host.parse::<Ipv6Addr>() {
                Host::V6(address)
            } else if is_host_name(host) {
                Host::Name(host.to_owned())
            } else {
                return Err(invalid(format!(
                    "`{host}` is not an IP address or a host name (IPv6 addresses go in brackets: [::1]:8080)"
                )));
            };
            (host, port)
        };
        let port = parse_port(port).map_err(invalid)?;
        Ok(BindAddress { host, port })
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The socket addresses this names, looking up a host name; the error names `setting`.
    pub fn resolve(&self, setting: Setting) -> Result<Vec<SocketAddr>, ConfigError> {
        let invalid = |reason: String| ConfigError::Invalid {
            setting,
            value: self.to_string(),
            reason,
        };
        let addresses: Vec<SocketAddr> = match &self.host {
            Host::V4(address) => vec![SocketAddr::from((*address, self.port))],
            Host::V6(address) => vec![SocketAddr::from((*address, self.port))],
            Host::Name(name) => (name.as_str(), self.port)
                .to_socket_addrs()
                .map_err(|error| invalid(format!("cannot look up `{name}`: {error}")))?
                .collect(),
        };
        if addresses.is_empty() {
            return Err(invalid("the host name has no addresses".to_owned()));
        }
        Ok(addresses)
    }
}

impl fmt::Display for BindAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            Host::V4(address) => write!(f, "{address}:{}", self.port),
            Host::V6(address) => write!(f, "[{address}]:{}", self.port),
            Host::Name(name) => write!(f, "{name}:{}", self.port),
        }
    }
}

fn parse_port(text: &str) -> Result<u16, String> {
    if text.is_empty() {
        return Err("no port after the `:`, e.g. 127.0.0.1:8080".to_owned());
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("port `{text}` is not a number"));
    }
    text.parse::<u16>()
        .map_err(|_| format!("port {text} is out of range: use 0 to 65535"))
}

/// Letters, digits and hyphens in dot-separated labels, as in `localhost` or `example.org`.
fn is_host_name(text: &str) -> bool {
    text.len() <= 253
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Fail on the first (in sorted order) of `present` that starts with [`ENV_PREFIX`] but is
/// not one of `known`, naming the closest known variable when one is close.
pub fn check_variables<'a>(
    known: &[&str],
    present: impl IntoIterator<Item = &'a str>,
) -> Result<(), ConfigError> {
    let mut unknown: Vec<&str> = present
        .into_iter()
        .filter(|name| name.starts_with(ENV_PREFIX) && !known.contains(name))
        .collect();
    unknown.sort_unstable();
    match unknown.first() {
        None => Ok(()),
        Some(name) => Err(ConfigError::UnknownVariable {
            name: (*name).to_owned(),
            nearest: nearest(name, known).map(str::to_owned),
        }),
    }
}

/// The entry of `known` closest to `name` by edit distance, if it is within three edits.
pub fn nearest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|candidate| (edit_distance(name, candidate), *candidate))
        .filter(|(distance, _)| *distance <= 3)
        .min()
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over bytes (names here are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, &x) in a.as_bytes().iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, &y) in b.iter().enumerate() {
            current[j + 1] = (previous[j] + usize::from(x != y))
                .min(previous[j + 1] + 1)
                .min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<BindAddress, String> {
        BindAddress::parse(BIND, raw).map_err(|e| e.to_string())
    }

    #[test]
    fn listen_addresses_in_every_usual_form_parse() {
        for (raw, shown) in [
            ("127.0.0.1:8080", "127.0.0.1:8080"),
            ("0.0.0.0:0", "0.0.0.0:0"),
            ("localhost:8080", "localhost:8080"),
            ("[::1]:8080", "[::1]:8080"),
            ("[::]:65535", "[::]:65535"),
            (":::8080", "[::]:8080"),
            (" example.org:80 ", "example.org:80"),
        ] {
            assert_eq!(parse(raw).map(|a| a.to_string()), Ok(shown.to_owned()));
        }
    }

    #[test]
    fn bad_listen_addresses_name_the_setting_and_the_problem() {
        for (raw, problem) in [
            (":::99999", "port 99999 is out of range"),
            ("127.0.0.1:99999", "port 99999 is out of range"),
            ("127.0.0.1", "no port"),
            ("127.0.0.1:", "no port"),
            ("127.0.0.1:http", "`http` is not a number"),
            (":8080", "no host"),
            ("[::1:8080", "closing `]`"),
            ("[::1]", "no port"),
            ("[nonsense]:80", "not an IPv6 address"),
            ("exa mple:80", "not an IP address or a host name"),
            ("", "no port"),
        ] {
            let message = parse(raw).expect_err(raw);
            assert!(
                message.contains("--bind (CANDIDATE_SECURITY_BIND)"),
                "{message}"
            );
            assert!(message.contains(problem), "{raw}: {message}");
            assert!(!message.contains('\n'), "{message}");
        }
    }

    #[test]
    fn ip_addresses_resolve_without_a_lookup() {
        let address = parse("[::1]:8080").map_err(|e| e.to_string());
        let resolved = address
            .and_then(|a| a.resolve(BIND).map_err(|e| e.to_string()))
            .unwrap_or_default();
        assert_eq!(
            resolved,
            vec![SocketAddr::from((Ipv6Addr::LOCALHOST, 8080))]
        );
    }

    #[test]
    fn unknown_variables_are_named_with_the_nearest_known_one() {
        let known = ["CANDIDATE_SECURITY_RATE_LIMIT", "CANDIDATE_SECURITY_BIND"];
        assert!(check_variables(&known, ["PATH", "CANDIDATE_SECURITY_BIND"]).is_ok());
        let message = check_variables(&known, ["CANDIDATE_SECURITY_RATE_LIMT"])
            .map_err(|e| e.to_string())
            .expect_err("a typo");
        assert_eq!(
            message,
            "unknown environment variable CANDIDATE_SECURITY_RATE_LIMT \
             (did you mean CANDIDATE_SECURITY_RATE_LIMIT?)"
        );
        let message = check_variables(&known, ["CANDIDATE_SECURITY_WHATEVER"])
            .map_err(|e| e.to_string())
            .expect_err("unknown");
        assert!(message.contains("--help"), "{message}");
    }

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edit_distance("LIMT", "LIMIT"), 1);
        assert_eq!(edit_distance("BIND", "BINE"), 1);
        assert_eq!(edit_distance("", "ABC"), 3);
        assert_eq!(edit_distance("ABC", "ABC"), 0);
    }
}
