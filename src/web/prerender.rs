//! Every page and generated file rendered and compressed once, when the app is built: the
//! pages (and their copies per nation), the service worker with its precache list, the web
//! app manifest and the JSON documents.

use std::collections::HashMap;

use super::precompressed::Precompressed;
use super::{Hosting, PAGE_ROUTES, Site, WebError, api, pages};
use crate::corpus::{Category, Corpus, Nation};

/// The key of a page's copy rendered for `nation` (the page at `route?nation=...`).
pub(super) fn nation_variant(route: &str, nation: Nation) -> String {
    format!("{route}?nation={}", nation.as_str())
}

/// Render every page and generated file for `site`, keyed by route (without the base path),
/// and the page for unknown addresses.
pub(super) fn render_pages(
    site: &Site,
    corpus: &Corpus,
    hosting: Hosting,
    sw_source: &str,
) -> Result<(HashMap<String, Precompressed>, Precompressed), WebError> {
    let base = &site.base;
    let html = |body: String| {
        Precompressed::new(body.into_bytes(), "text/html; charset=utf-8", "no-cache")
    };
    let mut pages_map: HashMap<String, Precompressed> = HashMap::new();
    pages_map.insert("/".to_owned(), html(pages::home(site, corpus, None)?));
    for nation in Nation::ALL {
        pages_map.insert(
            nation_variant("/", nation),
            html(pages::home(site, corpus, Some(nation))?),
        );
    }
    pages_map.insert("/about".to_owned(), html(pages::about(site, corpus)?));
    pages_map.insert("/privacy".to_owned(), html(pages::privacy(site)?));
    pages_map.insert("/offline".to_owned(), html(pages::offline(site)?));
    pages_map.insert("/offline-copy".to_owned(), html(pages::offline_copy(site)?));
    for document in &corpus.documents {
        let route = format!("/guidance/{}", document.meta.slug);
        for nation in Nation::ALL {
            pages_map.insert(
                nation_variant(&route, nation),
                html(pages::guidance(site, document, Some(nation))?),
            );
        }
        pages_map.insert(route, html(pages::guidance(site, document, None)?));
    }
    for category in Category::ALL {
        pages_map.insert(
            format!("/topics/{}", category.as_str()),
            html(pages::topic(site, corpus, category)?),
        );
    }
    let not_found = html(pages::not_found(site)?);
    if hosting == Hosting::Static {
        pages_map.insert("/search".to_owned(), html(pages::static_search(site)?));
        pages_map.insert("/404".to_owned(), not_found.clone());
    }

    let mut precache: Vec<String> = PAGE_ROUTES.iter().map(|r| format!("{base}{r}")).collect();
    precache.extend(
        corpus
            .documents
            .iter()
            .map(|d| format!("{base}/guidance/{}", d.meta.slug)),
    );
    precache.push(format!("{base}/manifest.webmanifest"));
    precache.push(site.bundle_url.clone());
    precache.extend(site.asset_urls().map(str::to_owned));
    precache.sort();
    // The semantic model is not precached: the install (and so the offline copy of every
    // page and the bundle) must never wait for it. The search worker fetches it afterwards
    // and the service worker keeps it in a cache of its own.
    let sw_manifest = serde_json::json!({
        "version": site.version,
        "base": base,
        "precache": precache,
        "semantic": site.semantic_url,
    });
    let sw = sw_source.replacen(
        "const MANIFEST = {};",
        &format!("const MANIFEST = {sw_manifest};"),
        1,
    );
    pages_map.insert(
        "/sw.js".to_owned(),
        Precompressed::new(
            sw.into_bytes(),
            "text/javascript; charset=utf-8",
            "no-cache",
        ),
    );
    pages_map.insert(
        "/manifest.webmanifest".to_owned(),
        Precompressed::new(
            serde_json::to_vec_pretty(&api::web_manifest(site))?,
            "application/manifest+json",
            "no-cache",
        ),
    );
    pages_map.insert(
        "/api/version".to_owned(),
        Precompressed::new(
            serde_json::to_vec(&api::version(site, corpus))?,
            "application/json",
            "no-cache",
        ),
    );
    pages_map.insert(
        "/api/documents".to_owned(),
        Precompressed::new(
            serde_json::to_vec(&api::documents(corpus))?,
            "application/json",
            "no-cache",
        ),
    );

    Ok((pages_map, not_found))
}
