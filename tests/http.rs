//! The web app through its router: every route's status, type and headers, caching,
//! compression, the no-JavaScript search, errors, hostile input and the base-path mode.

use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Method, Request, StatusCode, header};
use axum::response::Response;
use candidate_security::Guide;
use candidate_security::web::{CONTENT_SECURITY_POLICY, WebConfig, app};
use tower::ServiceExt;

static GUIDE: LazyLock<Arc<Guide>> = LazyLock::new(|| {
    Arc::new(Guide::embedded().unwrap_or_else(|e| panic!("embedded corpus: {e}")))
});

fn router(base_path: &str) -> Router {
    let config = WebConfig {
        base_path: base_path.to_owned(),
        ..WebConfig::default()
    };
    app(GUIDE.clone(), &config)
        .unwrap_or_else(|e| panic!("app: {e}"))
        .0
}

static ROOT: LazyLock<Router> = LazyLock::new(|| router(""));

async fn send(app: &Router, request: Request<Body>) -> Response {
    app.clone()
        .oneshot(request)
        .await
        .unwrap_or_else(|e| match e {})
}

async fn get(path: &str) -> Response {
    send(
        &ROOT,
        Request::get(path).body(Body::empty()).expect("request"),
    )
    .await
}

async fn text(response: Response) -> String {
    let bytes = to_bytes(response.into_body(), 16 << 20)
        .await
        .expect("body");
    String::from_utf8_lossy(&bytes).into_owned()
}

fn header_of<'a>(response: &'a Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The first URL in `html` that starts with `prefix`, up to the closing quote.
fn find_url(html: &str, prefix: &str) -> String {
    let start = html
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in page"));
    let rest = &html[start..];
    rest[..rest.find('"').unwrap_or(rest.len())].to_owned()
}

#[tokio::test]
async fn every_route_answers_with_its_type_and_the_security_headers() {
    let home = text(get("/").await).await;
    let css = find_url(&home, "/assets/style.");
    let cases = [
        ("/", 200, "text/html; charset=utf-8"),
        (
            "/guidance/account-device-cyber",
            200,
            "text/html; charset=utf-8",
        ),
        ("/about", 200, "text/html; charset=utf-8"),
        ("/privacy", 200, "text/html; charset=utf-8"),
        ("/offline", 200, "text/html; charset=utf-8"),
        ("/offline-copy", 200, "text/html; charset=utf-8"),
        ("/search", 200, "text/html; charset=utf-8"),
        ("/search?q=phishing", 200, "text/html; charset=utf-8"),
        ("/api/search?q=phishing", 200, "application/json"),
        ("/api/documents", 200, "application/json"),
        ("/api/version", 200, "application/json"),
        ("/manifest.webmanifest", 200, "application/manifest+json"),
        ("/sw.js", 200, "text/javascript; charset=utf-8"),
        ("/livez", 200, "text/plain; charset=utf-8"),
        ("/healthz", 200, "text/plain; charset=utf-8"),
        ("/readyz", 200, "text/plain; charset=utf-8"),
        (css.as_str(), 200, "text/css"),
        ("/no-such-page", 404, "text/html; charset=utf-8"),
        (
            "/guidance/no-such-document",
            404,
            "text/html; charset=utf-8",
        ),
        ("/api/no-such-endpoint", 404, "application/json"),
    ];
    for (path, status, content_type) in cases {
        let response = get(path).await;
        assert_eq!(response.status().as_u16(), status, "{path}");
        assert_eq!(header_of(&response, "content-type"), content_type, "{path}");
        assert_eq!(
            header_of(&response, "content-security-policy"),
            CONTENT_SECURITY_POLICY,
            "{path}"
        );
        assert!(
            !CONTENT_SECURITY_POLICY.contains("unsafe"),
            "no unsafe-inline or unsafe-eval"
        );
        assert_eq!(
            header_of(&response, "x-content-type-options"),
            "nosniff",
            "{path}"
        );
        assert_eq!(
            header_of(&response, "referrer-policy"),
            "no-referrer",
            "{path}"
        );
        assert_eq!(
            header_of(&response, "cross-origin-opener-policy"),
            "same-origin",
            "{path}"
        );
        assert!(
            header_of(&response, "permissions-policy").contains("geolocation=()"),
            "{path}"
        );
        assert!(
            response
                .headers()
                .get("strict-transport-security")
                .is_none(),
            "{path}: HSTS only when asked"
        );
        assert!(
            response.headers().get(header::SET_COOKIE).is_none(),
            "{path}: no cookies"
        );
        assert!(response.headers().get(header::SERVER).is_none(), "{path}");
    }
}

#[tokio::test]
async fn hsts_is_sent_when_behind_https() {
    let config = WebConfig {
        base_path: String::new(),
        hsts: true,
        ..WebConfig::default()
    };
    let (app, _) = app(GUIDE.clone(), &config).expect("app");
    let response = send(
        &app,
        Request::get("/").body(Body::empty()).expect("request"),
    )
    .await;
    assert_eq!(
        header_of(&response, "strict-transport-security"),
        "max-age=31536000"
    );
}

#[tokio::test]
async fn pages_revalidate_with_etags_and_assets_are_immutable() {
    let page = get("/guidance/reporting-and-contacts").await;
    assert_eq!(header_of(&page, "cache-control"), "no-cache");
    let etag = header_of(&page, "etag").to_owned();
    assert!(
        etag.starts_with('"') && etag.len() > 10,
        "strong ETag: {etag}"
    );
    let again = send(
        &ROOT,
        Request::get("/guidance/reporting-and-contacts")
            .header(header::IF_NONE_MATCH, &etag)
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(text(again).await.is_empty());

    let home = text(get("/").await).await;
    for prefix in ["/assets/style.", "/assets/app."] {
        let url = find_url(&home, prefix);
        let hash = url.split('.').nth(1).unwrap_or("");
        assert!(
            hash.len() >= 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "content-hashed: {url}"
        );
        let asset = get(&url).await;
        assert_eq!(asset.status(), StatusCode::OK, "{url}");
        assert_eq!(
            header_of(&asset, "cache-control"),
            "public, max-age=31536000, immutable",
            "{url}"
        );
        let asset_etag = header_of(&asset, "etag").to_owned();
        let cached = send(
            &ROOT,
            Request::get(url.as_str())
                .header(header::IF_NONE_MATCH, asset_etag)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
        assert_eq!(cached.status(), StatusCode::NOT_MODIFIED, "{url}");
    }
    assert_eq!(header_of(&get("/sw.js").await, "cache-control"), "no-cache");
    assert_eq!(
        header_of(&get("/api/search?q=x").await, "cache-control"),
        "no-store"
    );
    assert_eq!(
        header_of(&get("/search?q=x").await, "cache-control"),
        "no-store"
    );
}

#[tokio::test]
async fn bodies_are_precompressed_by_accept_encoding() {
    let home = text(get("/").await).await;
    let css = find_url(&home, "/assets/style.");
    for path in ["/", "/guidance/account-device-cyber", css.as_str()] {
        for (accept, expected) in [("br, gzip", "br"), ("gzip", "gzip"), ("identity", "")] {
            let response = send(
                &ROOT,
                Request::get(path)
                    .header(header::ACCEPT_ENCODING, accept)
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
            assert_eq!(
                header_of(&response, "content-encoding"),
                expected,
                "{path} {accept}"
            );
            assert_eq!(
                header_of(&response, "vary").to_ascii_lowercase(),
                "accept-encoding",
                "{path}"
            );
        }
    }
    let plain = get("/").await;
    let compressed = send(
        &ROOT,
        Request::get("/")
            .header(header::ACCEPT_ENCODING, "br")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    let (plain, compressed) = (
        text(plain).await.len(),
        to_bytes(compressed.into_body(), 1 << 20)
            .await
            .expect("body")
            .len(),
    );
    assert!(
        compressed * 3 < plain,
        "brotli {compressed} vs plain {plain}"
    );
}

#[tokio::test]
async fn head_requests_have_no_body_and_wrong_methods_get_405() {
    let head = send(
        &ROOT,
        Request::head("/about")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(head.status(), StatusCode::OK);
    assert!(text(head).await.is_empty());
    for method in [
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
        Method::TRACE,
    ] {
        for path in ["/", "/guidance/account-device-cyber", "/api/search"] {
            let response = send(
                &ROOT,
                Request::builder()
                    .method(method.clone())
                    .uri(path)
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
            assert_eq!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            assert!(
                header_of(&response, "allow").contains("GET"),
                "{method} {path}"
            );
        }
    }
}

#[tokio::test]
async fn the_search_page_works_without_javascript() {
    let form = send(
        &ROOT,
        Request::post("/search")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("q=whatsapp+hacked&category=&audience="))
            .expect("request"),
    )
    .await;
    assert_eq!(form.status(), StatusCode::OK);
    let html = text(form).await;
    assert!(html.contains("class=\"result-count\""), "{html}");
    assert!(html.contains(" results in "), "count shown");
    assert!(
        html.contains("href=\"/guidance/account-device-cyber#"),
        "links to sections"
    );
    assert!(html.contains("<mark>"), "highlighted snippets");
    assert!(
        html.contains("value=\"whatsapp hacked\""),
        "the query stays in the box"
    );

    let typo = text(get("/search?q=pasword+manger").await).await;
    assert!(
        typo.contains("Showing results for") && typo.contains("password manager"),
        "did you mean"
    );

    let nothing = text(get("/search?q=zzzzqqqq").await).await;
    assert!(nothing.contains("No results for"));
    assert!(
        nothing.contains("href=\"/guidance/reporting-and-contacts\""),
        "no-results help points to reporting"
    );

    let danger = text(get("/search?q=someone+is+following+me").await).await;
    assert!(
        danger.contains("class=\"danger-card\"") && danger.contains("call 999"),
        "urgent queries open with 999"
    );
    assert!(
        !text(get("/search?q=password+manager").await)
            .await
            .contains("class=\"danger-card\"")
    );

    let filtered = text(get("/search?q=report&category=cyber").await).await;
    assert!(filtered.contains("<option value=\"cyber\" selected>"));
    let browse = text(get("/search?category=protective").await).await;
    assert!(
        browse.contains("href=\"/guidance/protective-security-high-risk\""),
        "browsing a category lists documents"
    );
}

#[tokio::test]
async fn reflected_queries_are_escaped() {
    let attack = "%22%3E%3Csvg%20onload%3Dalert(1)%3E";
    let html = text(get(&format!("/search?q={attack}")).await).await;
    assert!(!html.contains("<svg"), "{html}");
    assert!(
        html.contains("&#34;&#62;&#60;svg onload=alert(1)&#62;"),
        "escaped"
    );
}

#[tokio::test]
async fn the_json_api_returns_results_and_clear_errors() {
    let response = get("/api/search?q=2fa&limit=2").await;
    assert_eq!(response.status(), StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&text(response).await).expect("json");
    assert_eq!(json["documents"][0]["slug"], "account-device-cyber");
    assert_eq!(json["documents"].as_array().map(Vec::len), Some(2));
    assert!(json["urgent"].is_boolean());
    assert!(json["support"].is_boolean());

    // A nation is taken like a category: other nations' sections are left out.
    let scotland: serde_json::Value = serde_json::from_str(
        &text(get("/api/search?q=police+fraud+cyber+crime&nation=scotland&limit=50").await).await,
    )
    .expect("json");
    let nations: Vec<&serde_json::Value> = scotland["documents"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|d| d["sections"].as_array().into_iter().flatten())
        .filter_map(|s| s.get("nations"))
        .collect();
    assert!(!nations.is_empty(), "{scotland}");
    for list in nations {
        assert!(
            list.as_array()
                .is_some_and(|l| l.iter().any(|n| n == "scotland")),
            "{list}"
        );
    }

    for (path, needle) in [
        (format!("/api/search?q={}", "a".repeat(300)), "too long"),
        (
            "/api/search?q=x&category=nonsense".to_owned(),
            "Unknown topic",
        ),
        (
            "/api/search?q=x&audience=nonsense".to_owned(),
            "Unknown audience",
        ),
        (
            "/api/search?q=x&nation=atlantis".to_owned(),
            "Unknown nation",
        ),
    ] {
        let response = get(&path).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let json: serde_json::Value = serde_json::from_str(&text(response).await).expect("json");
        assert!(
            json["error"].as_str().is_some_and(|e| e.contains(needle)),
            "{path}: {json}"
        );
    }
    let documents: serde_json::Value =
        serde_json::from_str(&text(get("/api/documents").await).await).expect("json");
    assert_eq!(documents["documents"].as_array().map(Vec::len), Some(13));
    assert!(
        documents["documents"][0]["sources"][0]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://"))
    );
}

#[tokio::test]
async fn hostile_input_never_causes_a_server_error() {
    let long = "(".repeat(3_000);
    let paths = [
        format!("/search?q={long}"),
        format!("/api/search?q={long}"),
        "/api/search?q=a%00b".to_owned(),
        "/api/search?q=%FF%FE".to_owned(),
        "/api/search?q=%".to_owned(),
        "/api/search?q=%C0%AE".to_owned(),
        "/api/search?q=a&q=b".to_owned(),
        "/api/search?limit=-1&q=a".to_owned(),
        "/api/search?limit=99999999999999999999999&q=a".to_owned(),
        "/api/search".to_owned(),
        "/search?q=title:x+AND+*:*".to_owned(),
        "/guidance/..%2f..%2fCargo.toml".to_owned(),
        "/guidance/%00".to_owned(),
        "/assets/..%2f..%2fCargo.toml".to_owned(),
        "/assets/%2e%2e/%2e%2e/Cargo.toml".to_owned(),
        "/assets/..\\..\\Cargo.toml".to_owned(),
        "/assets/%252e%252e%252fCargo.toml".to_owned(),
        "/assets/".to_owned(),
        "/assets/%00".to_owned(),
        "//evil.example/".to_owned(),
    ];
    for path in paths {
        let response = get(&path).await;
        let status = response.status();
        assert!(
            status.is_client_error() || status.is_success(),
            "{path}: {status}"
        );
        let body = text(response).await;
        assert!(!body.contains("[package]"), "{path} leaked a file");
    }
}

#[tokio::test]
async fn oversized_form_bodies_are_refused() {
    let body = format!("q={}", "a".repeat(8 * 1024));
    let response = send(
        &ROOT,
        Request::post("/search")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn health_endpoints_answer_in_plain_text_under_any_base_path_and_never_cached() {
    for base in ["", "/security"] {
        let (app, readiness) = app(
            GUIDE.clone(),
            &WebConfig {
                base_path: base.to_owned(),
                ..WebConfig::default()
            },
        )
        .unwrap_or_else(|e| panic!("app: {e}"));
        let check = |path: &'static str, status: StatusCode, body: &'static str| {
            let app = app.clone();
            let target = format!("{base}{path}");
            async move {
                let request = Request::get(&target).body(Body::empty()).expect("request");
                let response = send(&app, request).await;
                assert_eq!(response.status(), status, "{target}");
                assert_eq!(
                    header_of(&response, "cache-control"),
                    "no-store",
                    "{target}"
                );
                assert_eq!(
                    header_of(&response, "content-type"),
                    "text/plain; charset=utf-8",
                    "{target}"
                );
                // Nothing about the build or the content: the body is exactly this.
                assert_eq!(text(response).await, body, "{target}");
            }
        };
        check("/livez", StatusCode::OK, "ok\n").await;
        check("/healthz", StatusCode::OK, "ok\n").await;
        check("/readyz", StatusCode::OK, "ok\n").await;
        readiness.set_not_ready();
        check(
            "/readyz",
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting down\n",
        )
        .await;
        check("/livez", StatusCode::OK, "ok\n").await;
        check("/healthz", StatusCode::OK, "ok\n").await;
    }
}

#[tokio::test]
async fn guidance_pages_show_sources_checklists_and_anchors() {
    let html = text(get("/guidance/account-device-cyber").await).await;
    let document = GUIDE
        .corpus()
        .document("account-device-cyber")
        .expect("document");
    assert_eq!(html.matches("<h1>").count(), 1);
    for section in &document.sections {
        assert!(
            html.contains(&format!("id=\"{}\"", section.anchor)),
            "anchor {}",
            section.anchor
        );
    }
    for item in document.checklist() {
        assert!(
            html.contains(&format!("data-task=\"account-device-cyber/{}\"", item.id)),
            "task {}",
            item.id
        );
    }
    for source in &document.meta.sources {
        assert!(
            html.contains(&format!("href=\"{}\"", source.url)),
            "source {}",
            source.url
        );
    }
    assert!(html.contains("Based on guidance from"));
    assert!(html.contains(&format!("datetime=\"{}\"", document.meta.last_reviewed)));
    assert!(
        html.contains("href=\"tel:999\""),
        "emergency card on every page"
    );
}

#[tokio::test]
async fn the_app_can_live_under_a_base_path() {
    let app = router("/security/");
    let get_at = |path: &str| {
        let app = app.clone();
        let request = Request::get(path).body(Body::empty()).expect("request");
        async move { app.oneshot(request).await.unwrap_or_else(|e| match e {}) }
    };
    let home = get_at("/security/").await;
    assert_eq!(home.status(), StatusCode::OK);
    let html = text(home).await;
    assert!(html.contains("data-base=\"/security\""));
    assert!(html.contains("href=\"/security/guidance/"));
    assert!(html.contains("action=\"/security/search\""));
    let css = find_url(&html, "/security/assets/style.");
    assert_eq!(get_at(&css).await.status(), StatusCode::OK);
    assert_eq!(get_at("/").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        get_at("/security/guidance/reporting-and-contacts")
            .await
            .status(),
        StatusCode::OK
    );
    let guidance = text(get_at("/security/guidance/account-device-cyber").await).await;
    assert!(
        !guidance.contains("href=\"/guidance/"),
        "internal links carry the base path"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&text(get_at("/security/manifest.webmanifest").await).await)
            .expect("json");
    assert_eq!(manifest["start_url"], "/security/");
    assert_eq!(manifest["scope"], "/security/");
    let sw = text(get_at("/security/sw.js").await).await;
    assert!(
        sw.contains("\"base\":\"/security\""),
        "{}",
        &sw[..sw.len().min(300)]
    );
    let api = get_at("/security/api/search?q=phishing").await;
    assert_eq!(api.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_service_worker_precaches_every_page_and_asset_of_this_version() {
    let sw = text(get("/sw.js").await).await;
    let start = sw.find("const MANIFEST = ").expect("manifest line") + "const MANIFEST = ".len();
    let end = start + sw[start..].find(";\n").expect("end of manifest line");
    let manifest: serde_json::Value = serde_json::from_str(&sw[start..end]).expect("manifest json");
    let precache: Vec<&str> = manifest["precache"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    for document in &GUIDE.corpus().documents {
        let url = format!("/guidance/{}", document.meta.slug);
        assert!(precache.contains(&url.as_str()), "{url}");
    }
    for url in [
        "/",
        "/offline",
        "/offline-copy",
        "/about",
        "/privacy",
        "/manifest.webmanifest",
    ] {
        assert!(precache.contains(&url), "{url}");
    }
    assert!(
        precache
            .iter()
            .all(|u| !u.starts_with("/api/") && !u.starts_with("/search")),
        "no search responses cached"
    );
    let bundle = precache
        .iter()
        .find(|u| u.starts_with("/bundle/offline-index."))
        .expect("the search bundle is precached");
    let response = get(bundle).await;
    assert_eq!(
        header_of(&response, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    let json: serde_json::Value = serde_json::from_str(&text(response).await).expect("bundle json");
    assert_eq!(json["format"], 1);
    assert_eq!(
        json["version"].as_str(),
        Some(GUIDE.corpus().version.as_str())
    );
    assert_eq!(
        get("/bundle/offline-index.0000000000000000.json")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let home = text(get("/").await).await;
    assert!(
        home.contains(&format!("data-bundle=\"{bundle}\"")),
        "pages name the current bundle"
    );
    for url in precache {
        assert_eq!(get(url).await.status(), StatusCode::OK, "{url} is served");
    }
    let version: serde_json::Value =
        serde_json::from_str(&text(get("/api/version").await).await).expect("json");
    assert_eq!(manifest["version"], version["version"]);
}

/// The `<details>` opening tag of the nation section with `anchor` in a guidance page.
fn nation_details<'a>(html: &'a str, anchor: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{anchor}\""))
        .unwrap_or_else(|| panic!("no section {anchor}"));
    let rest = &html[start..];
    let open = rest.find("<details").expect("a details element");
    let end = rest[open..].find('>').expect("tag end");
    &rest[open..open + end + 1]
}

#[tokio::test]
async fn guidance_pages_put_the_chosen_nation_first_and_keep_the_others_reachable() {
    let everywhere = text(get("/guidance/reporting-and-contacts").await).await;
    for anchor in [
        "police-england-wales",
        "police-scotland",
        "police-northern-ireland",
    ] {
        assert_eq!(
            nation_details(&everywhere, anchor),
            "<details open>",
            "{anchor}"
        );
    }
    assert!(everywhere.contains("In Scotland only"));

    let scotland = text(get("/guidance/reporting-and-contacts?nation=scotland").await).await;
    assert_eq!(
        nation_details(&scotland, "police-scotland"),
        "<details open>"
    );
    assert_eq!(
        nation_details(&scotland, "police-england-wales"),
        "<details>"
    );
    assert_eq!(
        nation_details(&scotland, "police-northern-ireland"),
        "<details>"
    );
    assert!(scotland.contains("Showing the guidance for Scotland first"));
    // Closed, not gone: the other nations' text is still on the page.
    assert!(scotland.contains("id=\"police-england-wales\""));

    // An unknown nation is ignored: the page for everyone.
    let unknown = get("/guidance/reporting-and-contacts?nation=atlantis").await;
    assert_eq!(unknown.status(), StatusCode::OK);
    assert_eq!(text(unknown).await, everywhere);

    let home = text(get("/?nation=wales").await).await;
    assert!(home.contains("Where are you standing?"));
    assert!(
        home.contains("value=\"wales\" checked"),
        "the chooser shows the choice"
    );
    assert!(
        home.contains("<option value=\"wales\" selected>"),
        "searches use it"
    );
}

#[tokio::test]
async fn the_search_page_takes_a_nation_without_javascript() {
    let app = router("");
    let request = Request::post("/search")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("q=report+a+scam+to+the+police&nation=scotland"))
        .expect("request");
    let response = send(&app, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = text(response).await;
    assert!(html.contains("<option value=\"scotland\" selected>"));
    assert!(
        html.contains("police-scotland"),
        "the Scottish route is in the results"
    );
    assert!(
        !html.contains("#police-england-wales\""),
        "England and Wales is left out"
    );

    let request = Request::post("/search")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("q=fraud&nation=narnia"))
        .expect("request");
    let response = send(&app, request).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(text(response).await.contains("Unknown nation"));
}

#[tokio::test]
async fn every_phone_and_text_number_in_the_guidance_is_a_link() {
    let number = regex::Regex::new(
        r"\b0\d(?: ?\d){8,9}\b|\b116 123\b|\b(?:999|101|112|159|18000|7726|85258|65075)\b",
    )
    .expect("pattern");
    let headings = regex::Regex::new(r#"(?s)<nav class="toc".*?</nav>|<h[1-6][^>]*>.*?</h[1-6]>"#)
        .expect("pattern");
    let tags = regex::Regex::new(r"<[^>]*>").expect("tags");
    let mut linked = 0;
    for document in &GUIDE.corpus().documents {
        let html = text(get(&format!("/guidance/{}", document.meta.slug)).await).await;
        let article = &html[html.find("<article").expect("article")..];
        // Headings (and the list of them) are not linked: a heading is not a button.
        let article = headings.replace_all(article, " ");
        let article = article.as_ref();
        // Text outside tags and outside links: no number may be left there.
        let mut outside_links = String::new();
        let mut rest = article;
        while let Some(start) = rest.find("<a ") {
            outside_links.push_str(&rest[..start]);
            let end = rest[start..]
                .find("</a>")
                .map_or(rest.len(), |e| start + e + 4);
            rest = &rest[end..];
        }
        outside_links.push_str(rest);
        let plain = tags.replace_all(&outside_links, " ");
        if let Some(found) = number.find(&plain) {
            let context = &plain[found.start().saturating_sub(60)..found.end()];
            panic!(
                "{}: {} is not a link: …{context}",
                document.meta.slug,
                found.as_str()
            );
        }
        linked += html.matches("class=\"phone\" href=\"tel:").count()
            + html.matches("class=\"phone\" href=\"sms:").count();
    }
    assert!(linked > 50, "only {linked} numbers linked");
    let reporting = text(get("/guidance/reporting-and-contacts").await).await;
    for href in [
        "tel:999",
        "tel:101",
        "tel:116123",
        "tel:0800789321",
        "sms:7726",
        "sms:85258",
    ] {
        assert!(reporting.contains(&format!("href=\"{href}\"")), "{href}");
    }
}

#[tokio::test]
async fn rough_edges_redirect_or_answer_in_json() {
    for (path, target) in [
        (
            "/guidance/account-device-cyber/",
            "/guidance/account-device-cyber",
        ),
        (
            "/guidance/account-device-cyber/?nation=wales",
            "/guidance/account-device-cyber?nation=wales",
        ),
        ("/about/", "/about"),
    ] {
        let response = get(path).await;
        assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT, "{path}");
        assert_eq!(header_of(&response, "location"), target, "{path}");
    }
    assert_eq!(
        get("/guidance/no-such-page/").await.status(),
        StatusCode::NOT_FOUND
    );

    for (path, needle) in [
        ("/api/search?q=a&q=b", "only once"),
        ("/api/search?q=a&limit=-1", "whole number"),
        ("/api/search?q=a&limit=lots", "whole number"),
        ("/api/nothing-here", "nothing at this address"),
    ] {
        let response = get(path).await;
        assert!(response.status().is_client_error(), "{path}");
        assert_eq!(
            header_of(&response, "content-type"),
            "application/json",
            "{path}"
        );
        let json: serde_json::Value = serde_json::from_str(&text(response).await).expect("json");
        assert!(
            json["error"].as_str().is_some_and(|e| e.contains(needle)),
            "{path}: {json}"
        );
    }
    let app = router("");
    let response = send(
        &app,
        Request::post("/api/search?q=x")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header_of(&response, "allow"), "GET,HEAD");
    assert_eq!(header_of(&response, "content-type"), "application/json");

    let response = get("/search?q=a&q=b").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(text(response).await.contains("only once"));
}

/// `body` decoded from `encoding` ("br", "gzip" or "").
fn decode(encoding: &str, body: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    match encoding {
        "br" => {
            brotli::BrotliDecompress(&mut &body[..], &mut out).expect("brotli");
        }
        "gzip" => {
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .expect("gzip");
        }
        _ => out.extend_from_slice(body),
    }
    out
}

#[tokio::test]
async fn search_answers_are_compressed_per_accept_encoding() {
    let mut sizes = Vec::new();
    for (accept, expected) in [
        ("gzip, deflate, br", "br"),
        ("gzip", "gzip"),
        ("identity", ""),
    ] {
        let response = send(
            &ROOT,
            Request::get("/api/search?q=someone+posted+my+address")
                .header(header::ACCEPT_ENCODING, accept)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            header_of(&response, "content-encoding"),
            expected,
            "{accept}"
        );
        assert_eq!(
            header_of(&response, "vary").to_ascii_lowercase(),
            "accept-encoding"
        );
        assert_eq!(header_of(&response, "cache-control"), "no-store");
        let body = to_bytes(response.into_body(), 1 << 20).await.expect("body");
        sizes.push(body.len());
        let mut json: serde_json::Value =
            serde_json::from_slice(&decode(expected, &body)).expect("json after decoding");
        json["took_us"] = serde_json::Value::Null;
        assert!(json["documents"].as_array().is_some_and(|d| !d.is_empty()));
    }
    assert!(
        sizes[0] * 2 < sizes[2],
        "brotli {} vs plain {}",
        sizes[0],
        sizes[2]
    );
    assert!(
        sizes[1] * 2 < sizes[2],
        "gzip {} vs plain {}",
        sizes[1],
        sizes[2]
    );

    // The server-rendered results page too; a small error body goes as it is.
    let response = send(
        &ROOT,
        Request::post("/search")
            .header("content-type", "application/x-www-form-urlencoded")
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(Body::from("q=phishing"))
            .expect("request"),
    )
    .await;
    assert_eq!(header_of(&response, "content-encoding"), "gzip");
    let body = to_bytes(response.into_body(), 1 << 20).await.expect("body");
    assert!(
        String::from_utf8(decode("gzip", &body))
            .expect("utf-8")
            .contains("<mark>")
    );
    let error = send(
        &ROOT,
        Request::get("/api/search?q=a&q=b")
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(header_of(&error, "content-encoding"), "");
}
