//! Ranking by meaning through the library API: what meaning adds, what it must never do
//! (answer nonsense, mark words that are not there, cross the filters, change the emergency
//! card), an organiser's own documents ranked the same way, and the derived model data kept
//! in step with the script that makes it.

mod common;

use std::sync::LazyLock;

use candidate_security::corpus::{Category, Corpus, Nation};
use candidate_security::search::semantic::model::{EMBEDDED_MODEL_BROTLI, StaticModel};
use candidate_security::search::{Ranking, SearchResults};
use candidate_security::{Guide, SearchRequest};
use common::{front_matter, write_files};
use sha2::{Digest, Sha256};

static GUIDE: LazyLock<Guide> =
    LazyLock::new(|| Guide::embedded().unwrap_or_else(|e| panic!("embedded guide: {e}")));

fn run(request: SearchRequest) -> SearchResults {
    GUIDE
        .search(&request)
        .unwrap_or_else(|e| panic!("{:?}: {e}", request.query))
}

fn search_with(query: &str, ranking: Ranking) -> SearchResults {
    run(SearchRequest::new(query).with_ranking(ranking))
}

/// Sections in a result list as (slug, anchor, snippet), in order.
fn shown(results: &SearchResults) -> Vec<(String, String, String)> {
    results
        .documents
        .iter()
        .flat_map(|d| {
            d.sections
                .iter()
                .map(|s| (d.slug.clone(), s.anchor.clone(), s.snippet_html.clone()))
        })
        .collect()
}

#[test]
fn meaning_finds_sections_that_share_no_word_with_the_query() {
    // None of these words is in the section it should find; the words alone find other things.
    let query = "video of me saying things i never said";
    let fused = search_with(query, Ranking::Fused);
    let lexical = search_with(query, Ranking::Lexical);
    let semantic = search_with(query, Ranking::Semantic);
    assert_eq!(fused.ranking, Ranking::Fused);
    assert!(!semantic.documents.is_empty());
    let rank = |r: &SearchResults| {
        r.documents
            .iter()
            .position(|d| d.slug == "disinformation-ai")
    };
    let fused_rank = rank(&fused).expect("the deepfakes guide is found");
    assert!(
        rank(&lexical).is_none_or(|r| r >= fused_rank),
        "meaning should not lower it: {:?} / {fused_rank}",
        rank(&lexical)
    );
    assert!(fused_rank < 3, "{:?}", shown(&fused));
}

#[test]
fn a_section_found_by_meaning_alone_shows_its_opening_lines_unmarked() {
    use candidate_security::search::SECTIONS_PER_DOCUMENT;
    let mut checked = 0;
    for query in [
        "video of me saying things i never said",
        "they keep ringing the office and swearing",
        "bots amplifying lies",
        "loud gadget to carry in case i get jumped",
    ] {
        // Every section the words match, for documents where the list shows them all.
        let lexical = run(SearchRequest::new(query)
            .with_ranking(Ranking::Lexical)
            .with_limit(50));
        let complete: std::collections::HashMap<&str, Vec<&str>> = lexical
            .documents
            .iter()
            .filter(|d| d.matched_sections <= SECTIONS_PER_DOCUMENT)
            .map(|d| {
                (
                    d.slug.as_str(),
                    d.sections.iter().map(|s| s.anchor.as_str()).collect(),
                )
            })
            .collect();
        let any_match: Vec<&str> = lexical.documents.iter().map(|d| d.slug.as_str()).collect();
        for (slug, anchor, snippet) in shown(&search_with(query, Ranking::Fused)) {
            let by_meaning_alone = if !any_match.contains(&slug.as_str()) {
                true
            } else {
                complete
                    .get(slug.as_str())
                    .is_some_and(|anchors| !anchors.contains(&anchor.as_str()))
            };
            if !by_meaning_alone {
                continue;
            }
            // No <mark>, and the snippet starts where the section does.
            assert!(
                !snippet.contains("<mark>"),
                "{query:?} {slug}#{anchor}: {snippet}"
            );
            assert!(
                !snippet.starts_with('…'),
                "{query:?} {slug}#{anchor}: {snippet}"
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no section was found by meaning alone");
}

#[test]
fn nonsense_finds_nothing_by_meaning() {
    // Random letters; none is a word, and none is corrected to one.
    for query in [
        "xqzvbk",
        "zxqv jkqw",
        "bnmvcx",
        "vbnq pfft",
        "jjjjjjjj",
        "qj",
    ] {
        let semantic = search_with(query, Ranking::Semantic);
        assert_eq!(
            semantic.total_sections,
            0,
            "{query:?}: {:?}",
            shown(&semantic)
        );
        let fused = search_with(query, Ranking::Fused);
        let lexical = search_with(query, Ranking::Lexical);
        assert_eq!(
            fused.total_sections, lexical.total_sections,
            "{query:?}: meaning added sections to nonsense"
        );
    }
    // Stop words alone mean nothing either.
    assert_eq!(
        search_with("is it a the", Ranking::Semantic).total_sections,
        0
    );
}

#[test]
fn the_emergency_card_does_not_depend_on_the_ranking() {
    for query in [
        "someone is following me",
        "i want to kill myself",
        "threatened to stab me",
        "hacked email",
        "video of me saying things i never said",
        "help me set up 2fa",
    ] {
        let fused = search_with(query, Ranking::Fused);
        let lexical = search_with(query, Ranking::Lexical);
        assert_eq!(fused.urgent, lexical.urgent, "{query:?}");
        assert_eq!(fused.support, lexical.support, "{query:?}");
    }
}

#[test]
fn meaning_respects_filters_and_exact_queries() {
    let query = "bots amplifying lies";
    let cyber = run(SearchRequest::new(query).with_category(Category::Cyber));
    assert!(
        cyber
            .documents
            .iter()
            .all(|d| d.category == Category::Cyber)
    );
    // Scotland: no section written for another nation only, found by words or by meaning.
    for query in [
        "who do i report a scam to",
        "where can people see my home address",
    ] {
        let results = run(SearchRequest::new(query)
            .with_nation(Nation::Scotland)
            .with_limit(50));
        for document in &results.documents {
            for section in &document.sections {
                assert!(
                    section.nations.includes(Nation::Scotland),
                    "{query:?}: {}#{}",
                    document.slug,
                    section.anchor
                );
            }
        }
    }
    // A quoted phrase or an excluded word asks for exact words: meaning may only reorder.
    for query in ["\"returning officer\" safety", "hacked -instagram account"] {
        let fused = run(SearchRequest::new(query).with_limit(50));
        let lexical = run(SearchRequest::new(query)
            .with_ranking(Ranking::Lexical)
            .with_limit(50));
        assert_eq!(fused.total_sections, lexical.total_sections, "{query:?}");
    }
}

#[test]
fn an_organisers_own_document_is_ranked_by_meaning_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let body = "\nHow our office looks after the people who count the votes.\n\n\
        ## Breaks and rotas {#breaks}\n\n\
        Counting agents take turns to rest. Supervisors plan a rota so nobody works more than \
        four hours without a pause, and quiet rooms are kept free for anyone who needs one.\n";
    write_files(
        dir.path(),
        &[(
            "count-staff-welfare.md",
            format!(
                "{}{body}",
                front_matter(
                    "count-staff-welfare",
                    "Looking after count staff",
                    "general"
                )
            ),
        )],
    );
    let (corpus, _) = Corpus::with_local(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let guide = Guide::new(corpus).unwrap_or_else(|e| panic!("{e}"));
    // No word of this query is in the document (nor a synonym of one).
    let query = "exhausted tellers need somewhere calm to sit";
    let semantic = guide
        .search(
            &SearchRequest::new(query)
                .with_ranking(Ranking::Semantic)
                .with_limit(50),
        )
        .expect("search");
    let found = semantic
        .documents
        .iter()
        .position(|d| d.slug == "count-staff-welfare");
    assert!(
        found.is_some_and(|r| r < 5),
        "{:?}",
        semantic
            .documents
            .iter()
            .map(|d| &d.slug)
            .collect::<Vec<_>>()
    );
}

#[test]
fn every_word_of_the_alphabet_has_pieces_and_the_model_reads_back() {
    let model = StaticModel::from_brotli(EMBEDDED_MODEL_BROTLI).expect("model");
    for word in ["doxxing", "whatsapp", "deepfake", "candidate", "x9z"] {
        let mut ids = Vec::new();
        model.pieces(word, &mut ids);
        assert!(!ids.is_empty(), "{word}");
    }
}

/// The Python that built the model and the Rust that reads it split words into the same
/// pieces and sum them to the same float32 bits (`index/semantic/fixtures.json`).
#[test]
fn rust_and_the_build_script_agree_on_pieces_and_vectors() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixtures: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("index/semantic/fixtures.json")).expect("fixtures"),
    )
    .expect("fixtures JSON");
    let model = StaticModel::from_brotli(EMBEDDED_MODEL_BROTLI).expect("model");
    let mut compared = 0;
    for fixture in fixtures["queries"].as_array().expect("queries") {
        if fixture["edge"].as_bool() == Some(true) {
            continue; // folding differences the design leaves to the analyser
        }
        let words: Vec<&str> = fixture["words"]
            .as_array()
            .expect("words")
            .iter()
            .filter_map(|w| w.as_str())
            .collect();
        let mut ids = Vec::new();
        for word in &words {
            model.pieces(word, &mut ids);
        }
        let expected: Vec<u32> = fixture["ids"]
            .as_array()
            .expect("ids")
            .iter()
            .filter_map(|v| v.as_u64().map(|v| v as u32))
            .collect();
        assert_eq!(ids, expected, "{}", fixture["query"]);
        // No piece: no vector (the Python writes zeros).
        let vector = model
            .embed(words.iter().copied())
            .unwrap_or_else(|| vec![0.0; model.dims()]);
        let bits: Vec<String> = vector[..8]
            .iter()
            .map(|v| format!("{:08x}", v.to_bits()))
            .collect();
        let expected_bits: Vec<&str> = fixture["vector_first8_hex"]
            .as_array()
            .expect("hex")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        assert_eq!(bits, expected_bits, "{}", fixture["query"]);
        compared += 1;
    }
    assert!(compared >= 30, "only {compared} fixtures compared");
}

/// The derived model data is in step with what makes it: the file the binary carries is the
/// one the manifest describes, and the inputs the script read are today's. When this fails,
/// run `tools/semantic/setup.sh` and `tools/semantic/.venv/bin/python tools/semantic/build_static.py`.
#[test]
fn the_committed_model_is_not_stale() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("index/semantic/MANIFEST.json")).expect("manifest"),
    )
    .expect("manifest JSON");
    let hex = |bytes: &[u8]| -> String {
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let model = StaticModel::from_brotli(EMBEDDED_MODEL_BROTLI).expect("model");
    assert_eq!(
        manifest["sha256"].as_str(),
        Some(hex(model.bytes()).as_str()),
        "index/semantic/static-model.bin.br is not the file MANIFEST.json describes"
    );
    let mut inputs = Vec::new();
    let mut guidance: Vec<_> = std::fs::read_dir(root.join("index/guidance"))
        .expect("guidance dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    guidance.sort();
    for path in guidance {
        inputs.extend(std::fs::read(path).expect("guidance file"));
    }
    inputs.extend(std::fs::read(root.join("index/synonyms.toml")).expect("synonyms"));
    inputs.extend(std::fs::read(root.join("index/intents.toml")).expect("intents"));
    assert_eq!(
        manifest["inputs_sha256"].as_str(),
        Some(hex(&inputs).as_str()),
        "the guidance, synonyms or intents changed since the model was trained on them: \
         regenerate it (index/semantic/README.md)"
    );
}

mod served {
    use std::sync::Arc;

    use axum::body::{Body, to_bytes};
    use axum::http::{Request, StatusCode, header};
    use candidate_security::web::{WebConfig, app};
    use tower::ServiceExt;

    async fn get(
        router: &axum::Router,
        path: &str,
        encoding: Option<&str>,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let mut request = Request::get(path);
        if let Some(encoding) = encoding {
            request = request.header(header::ACCEPT_ENCODING, encoding);
        }
        let response = router
            .clone()
            .oneshot(request.body(Body::empty()).expect("request"))
            .await
            .unwrap_or_else(|e| match e {});
        let status = response.status();
        let headers = response.headers().clone();
        let body = to_bytes(response.into_body(), 8 << 20).await.expect("body");
        (status, headers, body.to_vec())
    }

    #[tokio::test]
    async fn the_model_is_served_compressed_or_plain_and_never_changes_at_its_address() {
        let guide = Arc::new(candidate_security::Guide::embedded().expect("guide"));
        let model = guide.semantic().model().bytes().to_vec();
        let (router, _) = app(guide, &WebConfig::default()).expect("app");
        let (_, _, home) = get(&router, "/", None).await;
        let home = String::from_utf8_lossy(&home);
        let url = home
            .split("data-semantic=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("data-semantic")
            .to_owned();
        let (status, headers, body) = get(&router, &url, Some("gzip, deflate, br")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_ENCODING], "br");
        assert!(
            headers[header::CACHE_CONTROL]
                .to_str()
                .is_ok_and(|v| v.contains("immutable"))
        );
        let mut decompressed = Vec::new();
        brotli::BrotliDecompress(&mut &body[..], &mut decompressed).expect("brotli");
        assert_eq!(decompressed, model);
        for encoding in [None, Some("gzip")] {
            let (status, headers, body) = get(&router, &url, encoding).await;
            assert_eq!(status, StatusCode::OK);
            assert!(headers.get(header::CONTENT_ENCODING).is_none());
            assert_eq!(body, model);
        }
        let (status, _, _) =
            get(&router, "/bundle/semantic-model.0000000000000000.bin", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn the_api_says_which_ranking_it_used_and_refuses_unknown_ones() {
        let (router, _) = app(
            Arc::new(candidate_security::Guide::embedded().expect("guide")),
            &WebConfig::default(),
        )
        .expect("app");
        for (param, expected) in [
            ("", "fused"),
            ("&ranking=lexical", "lexical"),
            ("&ranking=semantic", "semantic"),
        ] {
            let (status, _, body) = get(
                &router,
                &format!("/api/search?q=bots+amplifying+lies{param}"),
                None,
            )
            .await;
            assert_eq!(status, StatusCode::OK);
            let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
            assert_eq!(json["ranking"], expected);
        }
        let (status, _, body) = get(&router, "/api/search?q=x&ranking=bm25", None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(String::from_utf8_lossy(&body).contains("Unknown ranking"));
    }
}
