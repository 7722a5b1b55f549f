//! Limits under abuse: per-client rate limiting, shedding searches, deadlines, long URIs and
//! the Host header.

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderName, Request, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use candidate_security::Guide;
use candidate_security::web::limits::{self, Limits, RateLimit};
use candidate_security::web::{WebConfig, app};
use tokio::sync::Semaphore;
use tower::ServiceExt;

static GUIDE: LazyLock<Arc<Guide>> =
    LazyLock::new(|| Arc::new(Guide::embedded().expect("embedded corpus")));

fn limited(client_ip_header: Option<&'static str>) -> Router {
    let config = WebConfig {
        limits: Limits {
            rate_limit: Some(RateLimit {
                per_second: 1,
                burst: 3,
                client_ip_header: client_ip_header.map(HeaderName::from_static),
            }),
            ..Limits::default()
        },
        ..WebConfig::default()
    };
    app(GUIDE.clone(), &config).expect("app").0
}

async fn from(app: &Router, peer: &str, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut request = Request::get(path).body(Body::empty()).expect("request");
    let peer: SocketAddr = peer.parse().expect("address");
    request.extensions_mut().insert(ConnectInfo(peer));
    for (name, value) in headers {
        request.headers_mut().insert(
            HeaderName::from_bytes(name.as_bytes()).expect("name"),
            value.parse().expect("value"),
        );
    }
    app.clone()
        .oneshot(request)
        .await
        .unwrap_or_else(|e| match e {})
}

#[tokio::test]
async fn a_flooding_client_is_limited_while_others_are_served() {
    let app = limited(None);
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(
            from(&app, "192.0.2.1:1000", "/api/search?q=phishing", &[])
                .await
                .status(),
        );
    }
    assert_eq!(&statuses[..3], &[StatusCode::OK; 3], "the burst is allowed");
    assert!(
        statuses[3..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    let refused = from(&app, "192.0.2.1:1000", "/api/search?q=phishing", &[]).await;
    assert!(refused.headers().contains_key(header::RETRY_AFTER));

    assert_eq!(
        from(&app, "192.0.2.2:1000", "/api/search?q=phishing", &[])
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        from(
            &app,
            "192.0.2.1:1000",
            "/guidance/reporting-and-contacts",
            &[]
        )
        .await
        .status(),
        StatusCode::OK,
        "pages are not rate limited: reading stays possible"
    );
    assert_eq!(
        from(&app, "192.0.2.1:1000", "/healthz", &[]).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn forwarded_addresses_count_only_when_configured() {
    // Not configured: a spoofed X-Forwarded-For does not escape the limit.
    let app = limited(None);
    let mut last = StatusCode::OK;
    for i in 0..6 {
        let spoofed = format!("198.51.100.{i}");
        last = from(
            &app,
            "192.0.2.9:1",
            "/api/search?q=x",
            &[("x-forwarded-for", spoofed.as_str())],
        )
        .await
        .status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);

    // Behind a trusted proxy: each forwarded client has its own bucket.
    let app = limited(Some("x-forwarded-for"));
    for _ in 0..5 {
        from(
            &app,
            "127.0.0.1:1",
            "/api/search?q=x",
            &[("x-forwarded-for", "203.0.113.1, 10.0.0.1")],
        )
        .await;
    }
    let one = from(
        &app,
        "127.0.0.1:1",
        "/api/search?q=x",
        &[("x-forwarded-for", "203.0.113.1")],
    )
    .await;
    let other = from(
        &app,
        "127.0.0.1:1",
        "/api/search?q=x",
        &[("x-forwarded-for", "203.0.113.2")],
    )
    .await;
    assert_eq!(one.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(other.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_rate_limit_of_zero_is_refused() {
    let config = WebConfig {
        limits: Limits {
            rate_limit: Some(RateLimit {
                per_second: 0,
                burst: 3,
                client_ip_header: None,
            }),
            ..Limits::default()
        },
        ..WebConfig::default()
    };
    assert!(app(GUIDE.clone(), &config).is_err());
}

#[tokio::test]
async fn searches_beyond_the_cap_are_shed_with_retry_after() {
    let exhausted = Arc::new(Semaphore::new(0));
    let app: Router = Router::new()
        .route("/api/search", get(|| async { "ran" }))
        .route_layer(axum::middleware::from_fn_with_state(
            exhausted,
            limits::search_permits,
        ));
    let response = app
        .oneshot(
            Request::get("/api/search")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .unwrap_or_else(|e| match e {});
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        response
            .headers()
            .get(header::RETRY_AFTER)
            .map(|v| v.as_bytes()),
        Some(&b"1"[..])
    );
}

#[tokio::test(start_paused = true)]
async fn slow_requests_get_503_at_the_deadline() {
    let app: Router = Router::new()
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                "late"
            }),
        )
        .layer(axum::middleware::from_fn_with_state(
            Duration::from_secs(2),
            limits::deadline,
        ));
    let response = app
        .oneshot(Request::get("/slow").body(Body::empty()).expect("request"))
        .await
        .unwrap_or_else(|e| match e {});
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn overlong_uris_get_414() {
    let app = app(GUIDE.clone(), &WebConfig::default()).expect("app").0;
    let path = format!("/api/search?q={}", "a".repeat(limits::MAX_URI_BYTES));
    let response = from(&app, "192.0.2.1:1", &path, &[]).await;
    assert_eq!(response.status(), StatusCode::URI_TOO_LONG);
}

#[tokio::test]
async fn the_host_header_never_reaches_generated_urls() {
    let app = app(GUIDE.clone(), &WebConfig::default()).expect("app").0;
    let poison = [
        ("host", "evil.example"),
        ("x-forwarded-host", "evil.example"),
        ("x-forwarded-proto", "ftp"),
    ];
    for path in [
        "/",
        "/manifest.webmanifest",
        "/sw.js",
        "/guidance/account-device-cyber",
        "/search?q=phishing",
        "/api/version",
        "/nope",
    ] {
        let response = from(&app, "192.0.2.1:1", path, &poison).await;
        let headers = format!("{:?}", response.headers());
        let body = to_bytes(response.into_body(), 1 << 20).await.expect("body");
        assert!(
            !String::from_utf8_lossy(&body).contains("evil.example")
                && !headers.contains("evil.example"),
            "{path}"
        );
    }
}
