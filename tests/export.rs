//! The static export: every file a static host needs, the same bytes the server sends, and
//! a search form that explains itself instead of posting to a server that is not there.

use std::path::Path;
use std::sync::{Arc, LazyLock};

use candidate_security::Guide;
use candidate_security::web::export::write_site;

static GUIDE: LazyLock<Arc<Guide>> = LazyLock::new(|| {
    Arc::new(Guide::embedded().unwrap_or_else(|e| panic!("embedded corpus: {e}")))
});

fn read(dir: &Path, relative: &str) -> String {
    std::fs::read_to_string(dir.join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// The service worker's precache list, as written into sw.js.
fn precache(sw: &str) -> Vec<String> {
    let line = sw
        .lines()
        .find_map(|l| l.strip_prefix("const MANIFEST = "))
        .and_then(|l| l.strip_suffix(';'))
        .expect("MANIFEST line");
    let manifest: serde_json::Value = serde_json::from_str(line).expect("manifest json");
    manifest["precache"]
        .as_array()
        .expect("precache list")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn the_export_has_every_file_the_service_worker_saves() {
    let out = tempfile::tempdir().expect("temp dir");
    let report = write_site(GUIDE.clone(), "", out.path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.pages >= 13 + 4 + 5, "{report:?}");
    for page in [
        "index.html",
        "about/index.html",
        "about.html",
        "404.html",
        "offline/index.html",
    ] {
        assert!(out.path().join(page).is_file(), "{page}");
    }
    for document in &GUIDE.corpus().documents {
        let slug = &document.meta.slug;
        let page = read(out.path(), &format!("guidance/{slug}/index.html"));
        assert!(
            page.contains(&document.meta.title.replace('\'', "&#39;")),
            "{slug}"
        );
        assert_eq!(page, read(out.path(), &format!("guidance/{slug}.html")));
    }
    let sw = read(out.path(), "sw.js");
    for url in precache(&sw) {
        let relative = url.trim_start_matches('/');
        let exists = relative.is_empty()
            || out.path().join(relative).is_file()
            || out.path().join(relative).join("index.html").is_file();
        assert!(exists, "precached {url} is not in the export");
    }
    assert!(out.path().join("manifest.webmanifest").is_file());
    assert!(out.path().join("api/version").is_file());

    // The semantic model: where the pages say, not precached, and its brotli form beside it.
    let home = read(out.path(), "index.html");
    let model_url = home
        .split("data-semantic=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("data-semantic on the page");
    assert!(
        !precache(&sw).iter().any(|u| u == model_url),
        "{model_url} is precached"
    );
    let model = std::fs::read(out.path().join(model_url.trim_start_matches('/'))).expect("model");
    assert_eq!(model, GUIDE.semantic().model().bytes());
    let compressed = std::fs::read(
        out.path()
            .join(format!("{}.br", model_url.trim_start_matches('/'))),
    )
    .expect("model.br");
    let mut decompressed = Vec::new();
    brotli::BrotliDecompress(&mut &compressed[..], &mut decompressed).expect("brotli");
    assert_eq!(decompressed, model);
}

#[tokio::test]
async fn without_a_server_the_search_form_explains_instead_of_posting() {
    let out = tempfile::tempdir().expect("temp dir");
    write_site(GUIDE.clone(), "", out.path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let home = read(out.path(), "index.html");
    assert!(home.contains("data-static=\"true\""));
    assert!(
        home.contains(r#"action="/search" method="get""#),
        "no POST to a static host"
    );
    assert!(
        !home.contains(r#"name="q""#),
        "the words typed are never put in a URL"
    );
    let search = read(out.path(), "search/index.html");
    assert!(search.contains("nothing you typed was sent anywhere"));
    assert!(search.contains("/topics/protective"));
}

#[tokio::test]
async fn a_base_path_prefixes_every_link_but_not_the_files() {
    let out = tempfile::tempdir().expect("temp dir");
    write_site(GUIDE.clone(), "/security", out.path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let home = read(out.path(), "index.html");
    assert!(home.contains(r#"data-base="/security""#));
    assert!(home.contains(r#"href="/security/guidance/reporting-and-contacts""#));
    assert!(
        out.path()
            .join("guidance/reporting-and-contacts/index.html")
            .is_file()
    );
    let sw = read(out.path(), "sw.js");
    assert!(
        precache(&sw)
            .iter()
            .all(|url| url.starts_with("/security/"))
    );
}
