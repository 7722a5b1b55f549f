//! Optional metrics: requests by route template and status, latency buckets and searches,
//! served on their own router; never a query, an address or a user agent.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use candidate_security::Guide;
use candidate_security::web::metrics::{Metrics, router as metrics_router};
use candidate_security::web::{AppOptions, WebConfig, app_with_routes};
use tower::ServiceExt;

#[tokio::test]
async fn metrics_count_routes_and_searches_but_nothing_a_person_sent() {
    let guide = Arc::new(Guide::embedded().expect("embedded corpus"));
    let metrics = Metrics::new();
    let options = AppOptions {
        metrics: Some(metrics.clone()),
        ..AppOptions::default()
    };
    let (app, _, _) = app_with_routes(guide, &WebConfig::default(), &options).expect("app");
    for path in [
        "/api/search?q=someone+is+following+me+to+42+Acacia+Avenue",
        "/api/search?q=whatsapp+hacked",
        "/guidance/account-device-cyber",
        "/guidance/secret-page-name",
        "/api/search?q=a&q=b",
    ] {
        let request = Request::get(path)
            .header("user-agent", "SecretAgent/1.0 (Candidate phone)")
            .header("x-forwarded-for", "203.0.113.9")
            .header("referer", "https://example.org/private-referrer")
            .body(Body::empty())
            .expect("request");
        let _ = app
            .clone()
            .oneshot(request)
            .await
            .unwrap_or_else(|e| match e {});
    }
    let response = metrics_router(metrics)
        .oneshot(
            Request::get("/metrics")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .unwrap_or_else(|e| match e {});
    assert_eq!(response.status(), StatusCode::OK);
    let text = String::from_utf8(
        to_bytes(response.into_body(), 1 << 20)
            .await
            .expect("body")
            .to_vec(),
    )
    .expect("utf-8");
    for expected in [
        r#"candidate_security_http_requests_total{method="GET",route="/api/search",status="200"} 2"#,
        r#"candidate_security_http_requests_total{method="GET",route="/api/search",status="400"} 1"#,
        r#"candidate_security_http_requests_total{method="GET",route="/guidance/{slug}",status="200"} 1"#,
        r#"candidate_security_http_requests_total{method="GET",route="/guidance/{slug}",status="404"} 1"#,
        r#"candidate_security_searches_total{via="api"} 2"#,
        r#"candidate_security_http_request_duration_seconds_bucket{le="10.0",route="/api/search"} 3"#,
    ] {
        assert!(text.contains(expected), "missing {expected}\n{text}");
    }
    for secret in [
        "following",
        "Acacia",
        "whatsapp",
        "SecretAgent",
        "203.0.113",
        "private-referrer",
        "secret-page-name",
        "account-device-cyber",
    ] {
        assert!(
            !text.contains(secret),
            "{secret} reached the metrics:\n{text}"
        );
    }
}
