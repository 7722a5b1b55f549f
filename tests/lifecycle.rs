//! The built binary as an operator runs it: start-up checks (`--check-config`, exit 78 with
//! the setting to fix), health endpoints, a port already taken, and shutdown: the drain
//! delay, requests in flight answered, and a second signal that exits at once.
//!
//! Every wait is bounded; signals are sent with the system's `kill` command.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_candidate-security");

/// Command-line arguments for one run.
type Args<'a> = &'a [&'a str];
/// Environment variables for one run.
type Env<'a> = &'a [(&'a str, &'a str)];

/// The binary with none of the caller's `CANDIDATE_SECURITY_*` variables.
fn command() -> Command {
    let mut command = Command::new(BIN);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("CANDIDATE_SECURITY_") {
            command.env_remove(name);
        }
    }
    command
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// Run the binary to completion (killed after 60 s) and collect its output.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut child = command()
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the binary");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().ok().flatten().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().expect("output");
            panic!(
                "{args:?} {env:?} did not exit within 60 s (was it serving?):\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().expect("output")
}

/// A response as read off the wire.
#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn closes(&self) -> bool {
        self.header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
    }
}

/// One client connection, kept open across requests unless the server closes it.
struct Connection(BufReader<TcpStream>);

impl Connection {
    fn open(address: &str) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(address)?;
        stream.set_read_timeout(Some(Duration::from_secs(15)))?;
        stream.set_write_timeout(Some(Duration::from_secs(15)))?;
        Ok(Connection(BufReader::new(stream)))
    }

    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0.get_mut().write_all(bytes)
    }

    /// Read one response: interim (1xx) ones have no body; others have a Content-Length or
    /// end when the server closes the connection.
    fn response(&mut self) -> std::io::Result<Response> {
        let mut line = String::new();
        self.0.read_line(&mut line)?;
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("no status line: {line:?}")))?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.0.read_line(&mut line)?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                headers.push((name.trim().to_owned(), value.trim().to_owned()));
            }
        }
        let mut response = Response {
            status,
            headers,
            body: String::new(),
        };
        let mut body = Vec::new();
        if status >= 200 {
            match response
                .header("content-length")
                .and_then(|v| v.parse::<usize>().ok())
            {
                Some(length) => {
                    body.resize(length, 0);
                    self.0.read_exact(&mut body)?;
                }
                None => {
                    self.0.read_to_end(&mut body)?;
                }
            }
        }
        response.body = String::from_utf8_lossy(&body).into_owned();
        Ok(response)
    }

    /// True when the server has closed the connection (reads end).
    fn closed_by_server(&mut self) -> bool {
        let mut byte = [0u8; 1];
        matches!(self.0.read(&mut byte), Ok(0))
    }
}

fn get(path: &str, close: bool) -> Vec<u8> {
    let connection = if close { "Connection: close\r\n" } else { "" };
    format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{connection}\r\n").into_bytes()
}

/// One request on a new connection, or the connection error (e.g. refused).
fn fetch(address: &str, path: &str) -> std::io::Result<Response> {
    let mut connection = Connection::open(address)?;
    connection.send(&get(path, true))?;
    connection.response()
}

/// Call `probe` every 10 ms until it gives a value or `within` has passed.
fn poll<T>(within: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = probe() {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The binary serving on a free port; killed if the test ends before it exits.
struct Server {
    child: Child,
    address: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let address = format!("127.0.0.1:{}", free_port());
        let mut child = command()
            .args(["--bind", &address])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the binary");
        let log = Arc::new(Mutex::new(String::new()));
        if let Some(stderr) = child.stderr.take() {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if let Ok(mut log) = log.lock() {
                        log.push_str(&line);
                        log.push('\n');
                    }
                }
            });
        }
        let mut server = Server {
            child,
            address,
            log,
        };
        let ready = poll(Duration::from_secs(60), || {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("the server exited ({status}):\n{}", server.log());
            }
            fetch(&server.address, "/readyz")
                .ok()
                .filter(|r| r.status == 200)
        });
        let ready = ready.unwrap_or_else(|| panic!("never ready:\n{}", server.log()));
        assert_eq!(ready.body, "ok\n");
        server
    }

    fn log(&self) -> String {
        self.log.lock().map(|log| log.clone()).unwrap_or_default()
    }

    fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -{name} failed");
    }

    fn wait(&mut self, within: Duration) -> ExitStatus {
        let child = &mut self.child;
        poll(within, || child.try_wait().ok().flatten()).unwrap_or_else(|| {
            panic!(
                "still running after {within:?}:\n{}",
                self.log.lock().map(|l| l.clone()).unwrap_or_default()
            )
        })
    }

    /// Wait until `/readyz` answers 503; returns the time it took from `since`.
    fn wait_not_ready(&self, since: Instant) -> Duration {
        let answer = poll(Duration::from_secs(5), || {
            fetch(&self.address, "/readyz")
                .ok()
                .filter(|r| r.status == 503)
        })
        .unwrap_or_else(|| panic!("/readyz never answered 503:\n{}", self.log()));
        let took = since.elapsed();
        assert_eq!(answer.body, "shutting down\n");
        assert_eq!(answer.header("cache-control"), Some("no-store"));
        took
    }

    /// Wait until new connections are refused; returns the time it took from `since`.
    fn wait_refused(&self, since: Instant, within: Duration) -> Duration {
        poll(within, || {
            TcpStream::connect(&self.address).is_err().then_some(())
        })
        .unwrap_or_else(|| panic!("still accepting after {within:?}:\n{}", self.log()));
        since.elapsed()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start a form POST whose body the server is waiting for: the `100 Continue` proves the
/// handler is reading it. Returns the connection and the rest of the body to send.
fn start_slow_search(address: &str) -> (Connection, &'static str) {
    let (first, rest) = ("q=pass", "word+manager");
    let mut connection = Connection::open(address).expect("connect");
    connection
        .send(
            format!(
                "POST /search HTTP/1.1\r\nHost: localhost\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\n\
                 Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
                first.len() + rest.len()
            )
            .as_bytes(),
        )
        .expect("send the head");
    let interim = connection.response().expect("100 Continue");
    assert_eq!(interim.status, 100);
    connection
        .send(first.as_bytes())
        .expect("send a first part");
    (connection, rest)
}

#[test]
fn sigterm_answers_the_request_in_flight_then_exits_0_without_a_delay() {
    let mut server = Server::start(&[]);
    let (mut slow, rest) = start_slow_search(&server.address);
    let signalled = Instant::now();
    server.signal("TERM");
    // No delay: the listener closes at once, and the request in flight still completes.
    let refused = server.wait_refused(signalled, Duration::from_secs(5));
    assert!(refused < Duration::from_secs(2), "took {refused:?}");
    slow.send(rest.as_bytes()).expect("send the rest");
    let answer = slow.response().expect("the answer");
    assert_eq!(answer.status, 200, "{}", server.log());
    assert!(answer.body.contains("password"), "a results page");
    let status = server.wait(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "{}", server.log());
}

#[test]
fn with_a_shutdown_delay_readiness_fails_at_once_and_requests_in_flight_still_complete() {
    let mut server = Server::start(&["--shutdown-delay", "1"]);
    let (mut slow, rest) = start_slow_search(&server.address);
    let signalled = Instant::now();
    server.signal("TERM");
    let not_ready = server.wait_not_ready(signalled);
    // The plan asks for 100 ms; the bound leaves room for a busy two-core test machine.
    assert!(not_ready < Duration::from_secs(1), "took {not_ready:?}");
    // Still alive and serving during the delay.
    let live = fetch(&server.address, "/livez").expect("livez while draining");
    assert_eq!((live.status, live.body.as_str()), (200, "ok\n"));
    let refused = server.wait_refused(signalled, Duration::from_secs(5));
    assert!(
        refused >= Duration::from_millis(900),
        "the listener closed after {refused:?}, before the 1 s delay"
    );
    // The listener is closed; the request that was in flight is answered.
    slow.send(rest.as_bytes()).expect("send the rest");
    let answer = slow.response().expect("the answer");
    assert_eq!(answer.status, 200, "{}", server.log());
    assert!(answer.closes(), "{:?}", answer.headers);
    let status = server.wait(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "{}", server.log());
}

#[test]
fn during_the_shutdown_delay_keep_alive_responses_close_their_connection() {
    let mut server = Server::start(&["--shutdown-delay", "2"]);
    let mut kept = Connection::open(&server.address).expect("connect");
    kept.send(&get("/livez", false)).expect("send");
    let before = kept.response().expect("response");
    assert_eq!((before.status, before.body.as_str()), (200, "ok\n"));
    assert!(!before.closes(), "kept alive before the signal");
    assert_eq!(before.header("cache-control"), Some("no-store"));

    let signalled = Instant::now();
    server.signal("TERM");
    server.wait_not_ready(signalled);
    // The client's next request on its idle keep-alive connection is answered, and told
    // to close; the server then closes the connection.
    kept.send(&get("/api/search?q=phishing", false))
        .expect("send");
    let during = kept.response().expect("response during the delay");
    assert_eq!(during.status, 200);
    assert!(during.closes(), "{:?}", during.headers);
    assert!(kept.closed_by_server(), "the connection was closed");
    // New connections are still accepted during the delay, and close after one response.
    let mut fresh = Connection::open(&server.address).expect("accepted during the delay");
    fresh.send(&get("/livez", false)).expect("send");
    let answer = fresh.response().expect("response");
    assert_eq!((answer.status, answer.body.as_str()), (200, "ok\n"));
    assert!(answer.closes(), "{:?}", answer.headers);

    let status = server.wait(Duration::from_secs(15));
    assert_eq!(status.code(), Some(0), "{}", server.log());
    assert!(
        signalled.elapsed() >= Duration::from_millis(1900),
        "exited before the delay ended"
    );
}

#[test]
fn a_second_signal_exits_at_once_with_the_signals_exit_code() {
    for (signal, code) in [("TERM", 143), ("INT", 130)] {
        let mut server = Server::start(&["--shutdown-delay", "60"]);
        // A request in flight that would otherwise be waited for.
        let _slow = start_slow_search(&server.address);
        let signalled = Instant::now();
        server.signal(signal);
        server.wait_not_ready(signalled);
        let again = Instant::now();
        server.signal(signal);
        let status = server.wait(Duration::from_secs(5));
        assert_eq!(status.code(), Some(code), "SIG{signal}: {}", server.log());
        assert!(again.elapsed() < Duration::from_secs(2), "SIG{signal}");
        let log = server.log();
        assert_eq!(
            log.matches("second signal: exiting without waiting")
                .count(),
            1,
            "{log}"
        );
    }
}

#[test]
fn a_second_copy_on_the_same_port_says_so_in_one_line() {
    let server = Server::start(&[]);
    let output = run(&["--bind", &server.address], &[]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
    assert_eq!(
        last,
        format!(
            "error: cannot listen on {}: address already in use (is another copy running? \
             choose another with --bind)",
            server.address
        ),
        "{stderr}"
    );
    // The first copy is unaffected.
    assert_eq!(
        fetch(&server.address, "/livez").map(|r| r.status).ok(),
        Some(200)
    );
}

#[test]
fn check_config_accepts_usable_settings_without_listening() {
    // The port is taken: --check-config must not try to bind it.
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let taken = taken.local_addr().expect("address").to_string();
    let index = concat!(env!("CARGO_MANIFEST_DIR"), "/index");
    let cases: [(Args, Env); 9] = [
        (&["--check-config", "--bind", &taken], &[]),
        (&["serve", "--check-config", "--bind", &taken], &[]),
        (&["--check-config", "--bind", "localhost:8080"], &[]),
        (&["--check-config", "--bind", "[::1]:8080"], &[]),
        // 0 means "no per-client limit", not "no searches".
        (&["--check-config", "--rate-limit", "0"], &[]),
        (
            &[
                "--check-config",
                "--rate-limit",
                "5",
                "--rate-burst",
                "10",
                "--client-ip-header",
                "X-Forwarded-For",
                "--base-path",
                "security/",
                "--shutdown-delay",
                "5",
            ],
            &[],
        ),
        (
            &["--check-config"],
            &[
                ("CANDIDATE_SECURITY_SHUTDOWN_DELAY", "5"),
                ("CANDIDATE_SECURITY_BIND", "0.0.0.0:8080"),
            ],
        ),
        (&["--check-config", "--guidance-dir", index], &[]),
        (&["serve", "--check-config"], &[("RUST_LOG", "trace")]),
    ];
    for (args, env) in cases {
        let output = run(args, env);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?} {env:?}: {stderr}");
        assert!(stdout.starts_with("config ok: "), "{args:?}: {stdout}");
        assert_eq!(stdout.lines().count(), 1, "{args:?}: {stdout}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
    let output = run(&["--check-config", "--base-path", "/security"], &[]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("/security/"));
}

#[test]
fn each_bad_setting_exits_78_with_one_line_naming_it_with_or_without_check_config() {
    let cases: &[(Args, Env, &[&str])] = &[
        (&["--bind", ":::99999"], &[], &["--bind", "99999"]),
        (&["--bind", "127.0.0.1:99999"], &[], &["--bind", "99999"]),
        (&["--bind", "127.0.0.1"], &[], &["--bind", "no port"]),
        (
            &[],
            &[("CANDIDATE_SECURITY_BIND", "127.0.0.1:http")],
            &["CANDIDATE_SECURITY_BIND"],
        ),
        (&["--rate-burst", "0"], &[], &["--rate-burst"]),
        (
            &[],
            &[("CANDIDATE_SECURITY_RATE_BURST", "0")],
            &["CANDIDATE_SECURITY_RATE_BURST"],
        ),
        (&["--header-timeout", "0"], &[], &["--header-timeout"]),
        (&["--request-timeout", "0"], &[], &["--request-timeout"]),
        (
            &[],
            &[("CANDIDATE_SECURITY_HEADER_TIMEOUT", "0")],
            &["CANDIDATE_SECURITY_HEADER_TIMEOUT"],
        ),
        (
            &["--client-ip-header", "X Forwarded For"],
            &[],
            &["--client-ip-header"],
        ),
        (&["--base-path", "/../admin"], &[], &["--base-path"]),
        (&["--base-path", "/a b"], &[], &["--base-path"]),
        (
            &["--guidance-dir", "/nonexistent/guidance"],
            &[],
            &["--guidance-dir", "/nonexistent/guidance"],
        ),
        (&["--shutdown-delay=-1"], &[], &["--shutdown-delay"]),
        (&["--shutdown-delay", "301"], &[], &["--shutdown-delay"]),
        (&["--log-level", "loud"], &[], &["--log-level"]),
        (
            &[],
            &[("CANDIDATE_SECURITY_RATE_LIMT", "5")],
            &[
                "CANDIDATE_SECURITY_RATE_LIMT",
                "did you mean CANDIDATE_SECURITY_RATE_LIMIT?",
            ],
        ),
        (&["--rate-limt", "5"], &[], &["--rate-limt", "--rate-limit"]),
    ];
    for (args, env, named) in cases {
        for mode in [&["--check-config"][..], &[], &["serve"]] {
            let all: Vec<&str> = mode.iter().chain(args.iter()).copied().collect();
            let output = run(&all, env);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(78), "{all:?} {env:?}: {stderr}");
            assert!(output.stdout.is_empty(), "{all:?}");
            let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
            assert_eq!(lines.len(), 1, "{all:?} {env:?}: one line:\n{stderr}");
            assert!(lines[0].starts_with("error: "), "{}", lines[0]);
            for name in *named {
                assert!(lines[0].contains(name), "{all:?} {env:?}: {}", lines[0]);
            }
        }
    }
}

#[test]
fn a_broken_guidance_dir_lists_its_problems_and_exits_78() {
    let dir = tempfile::tempdir().expect("temp dir");
    common::write_files(
        dir.path(),
        &[(
            "broken.md",
            common::front_matter("broken", "Broken", "no-such-category") + "\n## Empty\n",
        )],
    );
    let shown = dir.path().display().to_string();
    for mode in [&["--check-config"][..], &[]] {
        let mut args = mode.to_vec();
        args.extend(["--guidance-dir", shown.as_str(), "--bind", "127.0.0.1:0"]);
        let output = run(&args, &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(78), "{stderr}");
        let lines: Vec<&str> = stderr.lines().collect();
        let (last, problems) = lines.split_last().expect("some output");
        assert!(!problems.is_empty(), "{stderr}");
        for problem in problems {
            assert!(
                problem.starts_with(&format!("{shown}/broken.md:")),
                "path:line: {problem}"
            );
        }
        assert!(
            last.starts_with("error: --guidance-dir (CANDIDATE_SECURITY_GUIDANCE_DIR)"),
            "{last}"
        );
        assert!(last.contains("found in the guidance corpus"), "{last}");
    }
}

#[test]
fn help_and_version_exit_0() {
    for flag in ["--help", "--version", "help"] {
        let output = run(&[flag], &[]);
        assert_eq!(output.status.code(), Some(0), "{flag}");
        assert!(!output.stdout.is_empty(), "{flag}");
    }
    let help = String::from_utf8_lossy(&run(&["--help"], &[]).stdout).into_owned();
    for flag in ["--shutdown-delay", "--check-config"] {
        assert!(help.contains(flag), "{flag} is documented");
    }
}

#[test]
fn version_names_the_program_and_the_embedded_corpus() {
    for flag in ["--version", "-V"] {
        let output = run(&[flag], &[]);
        assert_eq!(output.status.code(), Some(0), "{flag}");
        assert!(output.stderr.is_empty(), "{flag}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 2, "{flag}: {stdout}");
        assert_eq!(
            lines[0],
            concat!("candidate-security ", env!("CARGO_PKG_VERSION")),
            "{flag}"
        );
        // `corpus <16 hex digits> (<n> documents, embedded)`
        let corpus = lines[1]
            .strip_prefix("corpus ")
            .unwrap_or_else(|| panic!("{stdout}"));
        let (hash, rest) = corpus.split_once(' ').unwrap_or_else(|| panic!("{stdout}"));
        assert!(
            hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "{stdout}"
        );
        let documents = rest
            .strip_prefix('(')
            .and_then(|r| r.strip_suffix(" documents, embedded)"))
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or_else(|| panic!("{stdout}"));
        assert!(documents > 0, "{stdout}");
    }
    // The same hash as the rest of the program reports.
    let version = String::from_utf8_lossy(&run(&["--version"], &[]).stdout).into_owned();
    let check = String::from_utf8_lossy(&run(&["--check-config"], &[]).stdout).into_owned();
    let hash = version
        .lines()
        .nth(1)
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or_default();
    assert!(check.contains(&format!("version {hash})")), "{check}");
}

#[test]
fn request_lines_are_written_out_while_serving_and_none_is_lost_at_exit() {
    let mut server = Server::start(&[]);
    for _ in 0..5 {
        let answer = fetch(&server.address, "/api/search?q=phishing+canaryX9").expect("search");
        assert_eq!(answer.status, 200);
    }
    // Per-request lines are buffered, and written out within a fraction of a second.
    let lines = |log: &str| log.matches("route=/api/search status=200").count();
    let written = poll(Duration::from_secs(5), || {
        (lines(&server.log()) == 5).then_some(())
    });
    assert!(
        written.is_some(),
        "request lines not written out:\n{}",
        server.log()
    );
    // The last request's line is in the buffer at the signal, and still reaches the log.
    fetch(&server.address, "/api/search?q=canaryX9").expect("search");
    server.signal("TERM");
    assert!(server.wait(Duration::from_secs(15)).success());
    let log = poll(Duration::from_secs(5), || {
        let log = server.log();
        log.contains("stopped").then_some(log)
    })
    .unwrap_or_else(|| panic!("no final line:\n{}", server.log()));
    assert_eq!(lines(&log), 6, "{log}");
    assert!(
        !log.contains("canaryX9") && !log.contains("phishing"),
        "{log}"
    );
}

/// A contacts file whose police contact has `phone`.
fn contacts_file(phone: &str) -> String {
    format!(
        "organisation = \"North Shire Elections Office\"\n\n[[contact]]\nrole = \"police\"\nname = \"PC Sam Patel\"\nphone = \"{phone}\"\nlast_checked = 2026-11-20\n"
    )
}

#[test]
fn sighup_swaps_in_a_valid_guidance_dir_and_keeps_the_old_one_when_it_has_problems() {
    let dir = tempfile::tempdir().expect("temp dir");
    let contacts = dir.path().join("contacts.toml");
    std::fs::write(&contacts, contacts_file("01632 960 123")).expect("write");
    let mut server = Server::start(&["--guidance-dir", &dir.path().display().to_string()]);
    let version = |server: &Server| {
        fetch(&server.address, "/api/version")
            .map(|r| r.body)
            .unwrap_or_default()
    };
    let home = |server: &Server| {
        fetch(&server.address, "/")
            .map(|r| r.body)
            .unwrap_or_default()
    };
    let first = version(&server);
    assert!(
        home(&server).contains("tel:01632960123"),
        "contacts shown at start-up"
    );

    std::fs::write(&contacts, contacts_file("01632 960 456")).expect("write");
    server.signal("HUP");
    let second = poll(Duration::from_secs(30), || {
        let now = version(&server);
        (now != first && !now.is_empty()).then_some(now)
    })
    .unwrap_or_else(|| panic!("never reloaded:\n{}", server.log()));
    assert!(
        home(&server).contains("tel:01632960456"),
        "the new number is served"
    );
    assert!(second.contains("local-contacts"));
    let reloaded = poll(Duration::from_secs(5), || {
        server.log().contains("reloaded the guidance").then_some(())
    });
    assert!(reloaded.is_some(), "{}", server.log());
    assert!(
        server.log().contains("changed=local-contacts"),
        "{}",
        server.log()
    );

    // A mistake in the file: refused, logged with its line, the old guidance still served.
    std::fs::write(&contacts, contacts_file("not a number")).expect("write");
    server.signal("HUP");
    let refused = poll(Duration::from_secs(30), || {
        server.log().contains("reload refused").then_some(())
    });
    assert!(refused.is_some(), "{}", server.log());
    assert!(
        server
            .log()
            .contains("contacts.toml:6: phone `not a number`"),
        "{}",
        server.log()
    );
    assert_eq!(version(&server), second, "still the guidance from before");
    assert!(home(&server).contains("tel:01632960456"));
    let ready = fetch(&server.address, "/readyz").expect("readyz");
    assert_eq!(ready.status, 200);

    server.signal("TERM");
    assert_eq!(server.wait(Duration::from_secs(20)).code(), Some(0));
}

#[test]
fn bad_contacts_stop_start_up_with_exit_78_and_their_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("contacts.toml"),
        contacts_file("12345678901234567"),
    )
    .expect("write");
    let shown = dir.path().display().to_string();
    for args in [
        vec!["--guidance-dir", shown.as_str(), "--check-config"],
        vec!["--guidance-dir", shown.as_str(), "--bind", "127.0.0.1:1"],
    ] {
        let output = run(&args, &[]);
        assert_eq!(output.status.code(), Some(78), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("contacts.toml:6: phone `12345678901234567`"),
            "{stderr}"
        );
    }
}
