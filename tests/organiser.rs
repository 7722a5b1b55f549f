//! An organiser's own directory on top of the embedded guidance: documents added and
//! replaced, local contacts shown on every page, in the offline copy and found by search,
//! and bad contacts refused with their line numbers.

mod common;

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use candidate_security::corpus::{CONTACTS_SLUG, Corpus};
use candidate_security::web::{WebConfig, app};
use candidate_security::{Guide, SearchRequest};
use common::{front_matter, write_files};
use tower::ServiceExt;

const CONTACTS: &str = r#"organisation = "North Shire Elections Office"

[[contact]]
role = "police"
name = "PC Sam Patel, Force Elected Official Adviser"
phone = "01632 960 123"
email = "sam.patel@example.police.uk"
note = "Say Operation Ford when you call."
last_checked = 2026-11-20

[[contact]]
role = "out-of-hours"
name = "Duty elections officer"
phone = "01632 960 999"
last_checked = 2026-11-20
"#;

fn local_dir(files: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    write_files(dir.path(), files);
    dir
}

fn guide_with(files: &[(&str, String)]) -> (tempfile::TempDir, Guide) {
    let dir = local_dir(files);
    let (corpus, _) = Corpus::with_local(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    (dir, Guide::new(corpus).unwrap_or_else(|e| panic!("{e}")))
}

async fn body_of(router: &Router, path: &str) -> (StatusCode, String) {
    let response = router
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).expect("request"))
        .await
        .unwrap_or_else(|e| match e {});
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 4 << 20).await.expect("body");
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[test]
fn a_local_directory_adds_documents_and_replaces_embedded_ones() {
    let embedded = Corpus::embedded().expect("embedded corpus");
    let ours = format!(
        "{}\nOur own words about the video for our candidates.\n\n- [ ] Watch it {{#watch}}\n",
        front_matter(
            "security-video",
            "The security video, North Shire edition",
            "protective"
        )
    );
    let extra = format!(
        "{}\nParking at the North Shire count: use the staff car park behind the hall.\n\n- [ ] Book a space {{#book}}\n",
        front_matter("count-parking", "Parking at the count", "protective")
    );
    let dir = local_dir(&[
        ("guidance/security-video.md", ours),
        ("guidance/count-parking.md", extra),
    ]);
    let (corpus, overlay) = Corpus::with_local(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(overlay.added, ["count-parking"]);
    assert_eq!(overlay.replaced, ["security-video"]);
    assert!(!overlay.contacts);
    assert_eq!(corpus.documents.len(), embedded.documents.len() + 1);
    let video = corpus.document("security-video").expect("still there");
    assert_eq!(video.meta.title, "The security video, North Shire edition");
    assert!(
        corpus.document("reporting-and-contacts").is_some(),
        "the rest stays"
    );
    assert_ne!(corpus.version, embedded.version);

    let guide = Guide::new(corpus).expect("guide");
    let results = guide
        .search(&SearchRequest::new("parking at the count"))
        .expect("search");
    assert_eq!(results.documents[0].slug, "count-parking");
}

#[test]
fn local_contacts_become_a_document_search_finds() {
    let (_dir, guide) = guide_with(&[("contacts.toml", CONTACTS.to_owned())]);
    let contacts = guide.corpus().contacts.as_ref().expect("contacts");
    assert_eq!(contacts.organisation, "North Shire Elections Office");
    assert_eq!(contacts.contacts.len(), 2);
    let document = guide
        .corpus()
        .document(CONTACTS_SLUG)
        .expect("contacts document");
    assert!(
        document
            .sections
            .iter()
            .any(|s| s.text.contains("01632 960 123"))
    );
    for query in [
        "my police contact",
        "who do I ring",
        "out of hours number",
        "sam patel",
    ] {
        let results = guide.search(&SearchRequest::new(query)).expect("search");
        let top: Vec<&str> = results
            .documents
            .iter()
            .take(3)
            .map(|d| d.slug.as_str())
            .collect();
        assert!(top.contains(&CONTACTS_SLUG), "{query:?}: {top:?}");
    }
}

#[tokio::test]
async fn local_contacts_show_on_every_page_and_in_the_offline_copy() {
    let (_dir, guide) = guide_with(&[("contacts.toml", CONTACTS.to_owned())]);
    let (router, _) = app(Arc::new(guide), &WebConfig::default()).expect("app");
    let police_link = r#"<a class="phone" href="tel:01632960123">01632 960 123</a>"#;
    for page in ["/", "/about", "/guidance/account-device-cyber"] {
        let (status, html) = body_of(&router, page).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let card = &html[html.find("emergency-card").expect("card")..];
        let card = &card[..card.find("</aside>").expect("card end")];
        assert!(
            card.contains(police_link),
            "{page}: the emergency card rings the police contact"
        );
    }
    for page in ["/", "/guidance/reporting-and-contacts"] {
        let (_, html) = body_of(&router, page).await;
        assert!(html.contains("Your local contacts"), "{page}");
        assert!(html.contains("North Shire Elections Office"), "{page}");
        assert!(html.contains("tel:01632960999"), "{page}");
        assert!(
            html.contains("mailto:sam.patel@example.police.uk"),
            "{page}"
        );
    }
    let (status, html) = body_of(&router, "/guidance/local-contacts").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(police_link));
    assert!(html.contains("Who keeps this page"));

    // The offline copy: the page is precached and the bundle can search the contacts.
    let (_, sw) = body_of(&router, "/sw.js").await;
    assert!(sw.contains("/guidance/local-contacts\""));
    let (_, home) = body_of(&router, "/").await;
    let bundle = home
        .split("data-bundle=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("bundle url");
    let (status, bundle) = body_of(&router, bundle).await;
    assert_eq!(status, StatusCode::OK);
    assert!(bundle.contains("01632 960 123"));
}

#[test]
fn bad_contacts_are_refused_with_their_lines() {
    let bad = r#"organisation = "North Shire"

[[contact]]
role = "police"
name = "Sam"
phone = "call me"
email = "sam at example"
last_checked = 2030-01-01

[[contact]]
role = "friend"
name = "Kim"
phone = "01632 960 321"
last_checked = 2026-11-20
"#;
    let dir = local_dir(&[("contacts.toml", bad.to_owned())]);
    let error = Corpus::with_local(dir.path()).expect_err("bad contacts");
    let shown = error.to_string();
    let path = dir.path().join("contacts.toml").display().to_string();
    for needle in [
        format!("{path}:6: phone `call me`"),
        format!("{path}:7: email `sam at example`"),
        format!("{path}:8: `last_checked` 2030-01-01 is in the future"),
        format!("{path}:11: unknown role `friend`"),
    ] {
        assert!(shown.contains(&needle), "{needle}\nin\n{shown}");
    }
}
