//! The server on a real socket: nothing sensitive reaches the log even at trace level, slow
//! clients are cut off, and shutdown drains and returns.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use candidate_security::server::{ServerLimits, serve};
use candidate_security::web::{WebConfig, app};
use candidate_security::{Guide, logging};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tracing_subscriber::fmt::MakeWriter;

/// A log sink the test can read back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().map_or(Ok(buf.len()), |mut b| {
            b.extend_from_slice(buf);
            Ok(buf.len())
        })
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

struct Running {
    address: String,
    stop: oneshot::Sender<()>,
    done: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(limits: ServerLimits) -> Running {
    let guide = Arc::new(Guide::embedded().expect("embedded corpus"));
    let (router, readiness) = app(guide, &WebConfig::default()).expect("app");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(serve(listener, router, limits, async move {
        let _ = stopped.await;
        readiness.set_not_ready();
    }));
    Running {
        address,
        stop,
        done,
    }
}

/// Send raw bytes and read the whole answer (the request asks the server to close).
async fn exchange(address: &str, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    stream.write_all(request).await.expect("write");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

fn get(target: &str, extra_headers: &str) -> Vec<u8> {
    format!("GET {target} HTTP/1.1\r\nHost: localhost\r\n{extra_headers}Connection: close\r\n\r\n")
        .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_about_the_searcher_reaches_the_log_even_at_trace() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(logging::filter(tracing::Level::TRACE))
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber)
        .expect("the only subscriber in this test binary");

    let server = start(ServerLimits::default()).await;
    let canary = "canaryQ7f3a";
    let headers = format!(
        "User-Agent: ua-{canary}\r\nReferer: https://ref-{canary}.example/\r\nX-Forwarded-For: 203.0.113.77\r\n"
    );
    let long = "a".repeat(300);
    let targets = [
        format!("/api/search?q={canary}+following+me"),
        format!("/search?q={canary}"),
        format!("/api/search?q={canary}%FF"),
        format!("/api/search?q={long}{canary}"),
        format!("/assets/{canary}/../x"),
        format!("/guidance/{canary}"),
        format!("/api/{canary}"),
        format!("/search?q={canary}&category={canary}"),
        format!("/api/search?q=a&limit={canary}"),
    ];
    for target in &targets {
        let answer = exchange(&server.address, &get(target, &headers)).await;
        assert!(answer.starts_with("HTTP/1.1 "), "{target}: {answer}");
        assert!(!answer.starts_with("HTTP/1.1 5"), "{target}: {answer}");
    }
    let body = format!("q={canary}+stalker");
    let post = format!(
        "POST /search HTTP/1.1\r\nHost: localhost\r\n{headers}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    assert!(
        exchange(&server.address, post.as_bytes())
            .await
            .starts_with("HTTP/1.1 200")
    );
    let oversized = format!(
        "POST /search HTTP/1.1\r\nHost: localhost\r\n{headers}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 9000\r\nConnection: close\r\n\r\nq={canary}{}",
        "b".repeat(8_996 - canary.len())
    );
    assert!(
        exchange(&server.address, oversized.as_bytes())
            .await
            .starts_with("HTTP/1.1 413")
    );
    let _ = exchange(&server.address, b"GARBAGE canaryQ7f3a\r\n\r\n").await;

    let _ = server.stop.send(());
    let _ = server.done.await;
    let log = String::from_utf8_lossy(&captured.0.lock().map(|b| b.clone()).unwrap_or_default())
        .into_owned();
    for secret in [canary, "203.0.113.77", "127.0.0.1", "following", "stalker"] {
        assert!(!log.contains(secret), "`{secret}` reached the log:\n{log}");
    }
    // The log is still useful: one line per request with the route template and status.
    assert!(
        log.contains("route=/api/search") && log.contains("status=400"),
        "{log}"
    );
    assert!(
        log.contains("route=/guidance/{slug}") && log.contains("status=404"),
        "{log}"
    );
    assert!(
        log.contains("method=POST route=/search status=413"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let limits = ServerLimits {
        header_read_timeout: Duration::from_millis(500),
        ..ServerLimits::default()
    };
    let server = start(limits).await;
    let mut slow = TcpStream::connect(&server.address).await.expect("connect");
    slow.write_all(b"GET /api/search?q=a HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let mut buffer = Vec::new();
    // Generous bound: this checks that the server hangs up at all, not how fast.
    let closed = tokio::time::timeout(Duration::from_secs(20), slow.read_to_end(&mut buffer)).await;
    assert!(closed.is_ok(), "the server kept a half-sent request open");
    // Other clients are still served.
    let answer = exchange(&server.address, &get("/healthz", "")).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let _ = server.stop.send(());
    let _ = server.done.await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_slots_run_short_new_slow_clients_get_less_time() {
    // 4 slots: three slow clients take the first three with the full (60 s) header timeout;
    // the fourth arrives under pressure and gets the short one.
    let limits = ServerLimits {
        header_read_timeout: Duration::from_secs(60),
        max_connections: 4,
        ..ServerLimits::default()
    };
    let server = start(limits).await;
    let mut early = Vec::new();
    for _ in 0..3 {
        let mut slow = TcpStream::connect(&server.address).await.expect("connect");
        slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
            .await
            .expect("write");
        early.push(slow);
    }
    // Let the server accept them before the fourth arrives.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut late = TcpStream::connect(&server.address).await.expect("connect");
    late.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let mut buffer = Vec::new();
    // Bounds far apart: the short timeout is 3 s, the full one 60 s.
    let closed = tokio::time::timeout(Duration::from_secs(30), late.read_to_end(&mut buffer)).await;
    assert!(
        closed.is_ok(),
        "the late slow client kept its slot past 30 s"
    );
    let mut byte = [0u8; 1];
    let still_open =
        tokio::time::timeout(Duration::from_millis(200), early[0].read(&mut byte)).await;
    assert!(
        still_open.is_err(),
        "an early client was cut short: {still_open:?}"
    );
    drop(early);
    let _ = server.stop.send(());
    let _ = server.done.await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_and_returns_even_with_idle_connections_open() {
    let limits = ServerLimits {
        shutdown_grace: Duration::from_secs(2),
        ..ServerLimits::default()
    };
    let server = start(limits).await;
    // An idle keep-alive connection that has been served once.
    let mut idle = TcpStream::connect(&server.address).await.expect("connect");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).await.expect("response");
    assert_eq!(&first, b"HTTP/1.1 200");
    let _ = server.stop.send(());
    let result = tokio::time::timeout(Duration::from_secs(30), server.done).await;
    assert!(
        matches!(result, Ok(Ok(Ok(())))),
        "serve returned after shutdown: {result:?}"
    );
    assert!(
        TcpStream::connect(&server.address).await.is_err(),
        "no longer listening"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_or_too_large_headers_are_refused_and_the_server_stays_up() {
    let server = start(ServerLimits::default()).await;
    let many: String = (0..101).map(|i| format!("X-Filler-{i}: 1\r\n")).collect();
    let answer = exchange(&server.address, &get("/healthz", &many)).await;
    assert!(
        answer.starts_with("HTTP/1.1 431"),
        "{}",
        &answer[..answer.len().min(80)]
    );
    let huge = format!("X-Huge: {}\r\n", "a".repeat(100 * 1024));
    let answer = exchange(&server.address, &get("/healthz", &huge)).await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 431"),
        "{}",
        &answer[..answer.len().min(80)]
    );
    let nested = format!("/api/search?q={}a{}", "%28".repeat(900), "%29".repeat(900));
    let answer = exchange(&server.address, &get(&nested, "")).await;
    assert!(
        answer.starts_with("HTTP/1.1 400"),
        "{}",
        &answer[..answer.len().min(80)]
    );
    let answer = exchange(&server.address, &get("/healthz", "")).await;
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "still serving: {answer}"
    );
    let _ = server.stop.send(());
    let _ = server.done.await;
}
