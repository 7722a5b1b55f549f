//! Search behaviour through the library API, on the embedded corpus and on small fixtures.

mod common;

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use candidate_security::corpus::{Audience, Category, Nation};
use candidate_security::search::{MAX_QUERY_BYTES, QueryError, Ranking, SECTIONS_PER_DOCUMENT};
use candidate_security::{Guide, SearchError, SearchRequest, SearchResults};
use common::{front_matter, write_files};

static GUIDE: LazyLock<Guide> = LazyLock::new(|| match Guide::embedded() {
    Ok(guide) => guide,
    Err(error) => panic!("the embedded corpus must load: {error}"),
});

fn search(query: &str) -> SearchResults {
    match GUIDE.search(&SearchRequest::new(query)) {
        Ok(results) => results,
        Err(error) => panic!("{query:?} failed: {error}"),
    }
}

fn top_slugs(results: &SearchResults, n: usize) -> Vec<&str> {
    results
        .documents
        .iter()
        .take(n)
        .map(|d| d.slug.as_str())
        .collect()
}

/// Every highlighted word of every snippet and heading, lowercased.
fn marked_words(results: &SearchResults) -> Vec<String> {
    let mut out = Vec::new();
    for section in results.documents.iter().flat_map(|d| &d.sections) {
        for html in [&section.snippet_html, &section.heading_html] {
            for piece in html.split("<mark>").skip(1) {
                if let Some((word, _)) = piece.split_once("</mark>") {
                    out.push(word.to_lowercase());
                }
            }
        }
    }
    out
}

fn fixture(docs: &[(&str, String)]) -> (tempfile::TempDir, Guide) {
    let dir = tempfile::tempdir().expect("temp dir");
    write_files(dir.path(), docs);
    let guide = Guide::from_dir(dir.path()).unwrap_or_else(|e| panic!("fixture corpus: {e}"));
    (dir, guide)
}

#[test]
fn stemming_matches_other_forms_of_a_word() {
    let results = search("passwords");
    assert_eq!(top_slugs(&results, 1), ["account-device-cyber"]);
    let marked = marked_words(&results);
    assert!(
        marked.iter().any(|w| w == "password"),
        "singular form highlighted: {marked:?}"
    );
}

#[test]
fn a_known_expression_outweighs_a_common_word_in_a_heading() {
    // On the embedded corpus: the personal-safety advice, not account takeovers ("someone").
    let results = search("someone is following me");
    assert_eq!(top_slugs(&results, 1), ["protective-security-high-risk"]);
    assert!(results.urgent);

    let (_dir, guide) = fixture(&[
        (
            "guidance/accounts.md",
            front_matter("accounts", "Accounts", "cyber")
                + "## Stop someone taking over your account {#takeover}\n\n\
                   If someone asks for your code, someone is trying to take over your account. \
                   Someone may also call you.\n",
        ),
        (
            "guidance/safety.md",
            front_matter("safety", "Personal safety", "protective")
                + "## When you are out {#out}\n\n\
                   If you think you are being followed, go to a busy shop and call for help.\n",
        ),
        (
            "synonyms.toml",
            "[[group]]\nterms = [\"following me\", \"being followed\"]\n".to_owned(),
        ),
    ]);
    let results = guide
        .search(&SearchRequest::new("someone is following me"))
        .expect("search");
    assert_eq!(top_slugs(&results, 2), ["safety", "accounts"]);
}

#[test]
fn synonyms_expand_in_both_directions_and_across_word_counts() {
    let results = search("2FA");
    assert_eq!(top_slugs(&results, 1), ["account-device-cyber"]);
    let best = &results.documents[0].sections[0];
    assert!(best.heading.to_lowercase().contains("two-step"), "{best:?}");

    let (_dir, guide) = fixture(&[
        (
            "guidance/a.md",
            front_matter("a", "Accounts", "cyber") + "Turn on two-step verification everywhere.\n",
        ),
        (
            "guidance/b.md",
            front_matter("b", "Other", "cyber") + "Nothing related here at all.\n",
        ),
        (
            "synonyms.toml",
            "[[group]]\nterms = [\"2fa\", \"two-step verification\"]\n".to_owned(),
        ),
    ]);
    let results = guide.search(&SearchRequest::new("2fa")).expect("search");
    assert_eq!(
        top_slugs(&results, 5),
        ["a"],
        "one word finds the two-word synonym"
    );
    assert!(
        results.documents[0].sections[0]
            .snippet_html
            .contains("<mark>two</mark>-<mark>step</mark> <mark>verification</mark>")
    );
}

#[test]
fn typos_are_tolerated_and_suggested() {
    let results = search("pasword manger");
    assert_eq!(top_slugs(&results, 1), ["account-device-cyber"]);
    assert_eq!(results.suggestion.as_deref(), Some("password manager"));
    assert_eq!(
        search("situational awarness").suggestion.as_deref(),
        Some("situational awareness")
    );
}

#[test]
fn exact_words_are_not_swamped_by_typo_matches() {
    let results = search("password");
    assert!(results.corrections.is_empty());
    assert!(results.suggestion.is_none());
    let short = search("pin");
    assert!(
        short.corrections.is_empty(),
        "three-letter words get no typo tolerance"
    );
}

#[test]
fn the_last_word_matches_as_a_prefix_while_typing() {
    let results = search("phis");
    assert!(results.total_sections > 0);
    let marked = marked_words(&results);
    assert!(
        marked.iter().any(|w| w.starts_with("phishing")),
        "{marked:?}"
    );
    assert!(results.suggestion.is_none(), "a prefix is not a typo");
    // After a space the word is complete: no prefix expansion, so no phishing matches.
    let done = search("phis ");
    assert!(
        marked_words(&done)
            .iter()
            .all(|w| !w.starts_with("phishing"))
    );
}

#[test]
fn quoted_phrases_must_match_in_order() {
    let (_dir, guide) = fixture(&[
        (
            "guidance/a.md",
            front_matter("a", "One", "cyber") + "Always use a password manager for accounts.\n",
        ),
        (
            "guidance/b.md",
            front_matter("b", "Two", "cyber") + "The manager chose a password.\n",
        ),
    ]);
    let phrase = guide
        .search(&SearchRequest::new("\"password manager\""))
        .expect("search");
    assert_eq!(top_slugs(&phrase, 5), ["a"]);
    let words = guide
        .search(&SearchRequest::new("password manager"))
        .expect("search");
    assert_eq!(top_slugs(&words, 5).len(), 2);
    let excluded = guide
        .search(&SearchRequest::new("password -chose"))
        .expect("search");
    assert_eq!(top_slugs(&excluded, 5), ["a"]);
    let only_excluded = guide
        .search(&SearchRequest::new("-password"))
        .expect("search");
    assert!(only_excluded.documents.is_empty());
}

#[test]
fn titles_and_headings_outrank_body_text() {
    let (_dir, guide) = fixture(&[
        (
            "guidance/a.md",
            front_matter("a", "Ransomware recovery", "cyber") + "What to do first.\n",
        ),
        (
            "guidance/b.md",
            front_matter("b", "Backups", "cyber")
                + "Intro.\n\n## Copies\n\nKeep copies. Ransomware encrypts files.\n",
        ),
        (
            "guidance/c.md",
            front_matter("c", "Other", "cyber")
                + "Intro.\n\n## Ransomware\n\nKeep copies. It encrypts files.\n",
        ),
    ]);
    let results = guide
        .search(&SearchRequest::new("ransomware"))
        .expect("search");
    assert_eq!(top_slugs(&results, 3), ["a", "c", "b"]);
}

#[test]
fn filters_keep_only_the_chosen_category_and_audience() {
    let all = search("report");
    assert!(all.documents.iter().any(|d| d.category != Category::Cyber));
    let cyber = GUIDE
        .search(&SearchRequest::new("report").with_category(Category::Cyber))
        .expect("search");
    assert!(!cyber.documents.is_empty());
    assert!(
        cyber
            .documents
            .iter()
            .all(|d| d.category == Category::Cyber)
    );
    assert!(cyber.total_documents < all.total_documents);

    let officials = GUIDE
        .search(&SearchRequest::new("report").with_audience(Audience::ElectoralStaff))
        .expect("search");
    assert!(!officials.documents.is_empty());
    assert!(
        officials
            .documents
            .iter()
            .all(|d| d.audience.contains(&Audience::ElectoralStaff))
    );
}

#[test]
fn results_fold_sections_under_documents() {
    let results = GUIDE
        .search(&SearchRequest::new("phone").with_limit(50))
        .expect("search");
    let mut slugs: Vec<_> = top_slugs(&results, 50);
    let count = slugs.len();
    slugs.sort_unstable();
    slugs.dedup();
    assert_eq!(slugs.len(), count, "each document appears once");
    for document in &results.documents {
        assert!(!document.sections.is_empty() && document.sections.len() <= SECTIONS_PER_DOCUMENT);
        assert!(document.matched_sections >= document.sections.len());
        assert_eq!(document.score, document.sections[0].score);
        assert!(
            document
                .sections
                .windows(2)
                .all(|w| w[0].score >= w[1].score)
        );
        for section in &document.sections {
            let expected = format!("{}#{}", document.url, section.anchor);
            assert_eq!(document.section_url(section), expected);
            let doc = GUIDE
                .corpus()
                .document(&document.slug)
                .expect("document exists");
            assert!(
                doc.section(&section.anchor).is_some(),
                "{expected} resolves"
            );
        }
    }
    assert!(
        results
            .documents
            .windows(2)
            .all(|w| w[0].score >= w[1].score)
    );
    assert_eq!(
        results.total_sections,
        results
            .documents
            .iter()
            .map(|d| d.matched_sections)
            .sum::<usize>()
    );
    let limited = GUIDE
        .search(&SearchRequest::new("phone").with_limit(2))
        .expect("search");
    assert_eq!(limited.documents.len(), 2);
    assert_eq!(limited.total_documents, results.total_documents);
}

#[test]
fn snippets_escape_everything_but_their_own_marks() {
    let hostile = "Never click <script>alert('x')</script> or <img src=x onerror=alert(1)> in a phishing email & \"quotes\".";
    let (_dir, guide) = fixture(&[(
        "guidance/a.md",
        front_matter("a", "Phishing <b>emails</b>", "cyber")
            + hostile
            + "\n\n## Spotting <script> tags\n\nMore about phishing.\n",
    )]);
    let results = guide
        .search(&SearchRequest::new("phishing script"))
        .expect("search");
    let sections = &results.documents[0].sections;
    let all_html: String = sections
        .iter()
        .map(|s| format!("{}{}", s.snippet_html, s.heading_html))
        .collect();
    let stripped = all_html.replace("<mark>", "").replace("</mark>", "");
    assert!(
        !stripped.contains('<') && !stripped.contains('>'),
        "{all_html}"
    );
    assert!(
        all_html.contains("&lt;<mark>script</mark>&gt;"),
        "{all_html}"
    );
    assert!(
        all_html.contains("&quot;quotes&quot;") && all_html.contains("&amp;"),
        "{all_html}"
    );
    assert!(all_html.contains("onerror=alert(1)&gt;"), "{all_html}");
}

#[test]
fn hostile_queries_give_an_error_or_results_without_panicking() {
    let mut queries: Vec<String> = [
        "",
        " ",
        "\t\n",
        "\"",
        "\"\"",
        "((((",
        "))))",
        "*:*",
        "title:phishing",
        "a AND OR NOT b",
        "-",
        "--",
        "-\"",
        "\"-\"",
        "~2",
        "^3",
        "[a TO z]",
        "/.*/",
        "\\",
        "a\0b",
        "\u{1}\u{2}\u{7f}",
        "🔥🔥",
        "\u{202e}phishing",
        "ﬁshing",
        "ＰＨＩＳＨＩＮＧ",
        "%00",
        "%FF",
        "'; DROP TABLE x; --",
        "<script>alert(1)</script>",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    queries.push(
        (0u8..=127)
            .filter(|b| b.is_ascii_punctuation())
            .map(char::from)
            .collect(),
    );
    queries.push("(".repeat(MAX_QUERY_BYTES));
    queries.push(format!("{}a{}", "(".repeat(120), ")".repeat(120)));
    queries.push("\"a ".repeat(80));
    queries.push("x".repeat(MAX_QUERY_BYTES));
    for query in &queries {
        let started = Instant::now();
        match GUIDE.search(&SearchRequest::new(query.as_str())) {
            Ok(results) => {
                assert!(results.documents.len() <= 10, "{query:?}");
                for s in results.documents.iter().flat_map(|d| &d.sections) {
                    assert!(
                        !s.snippet_html
                            .replace("<mark>", "")
                            .replace("</mark>", "")
                            .contains('<')
                    );
                }
            }
            Err(SearchError::Query(_)) => {}
            Err(other) => panic!("{query:?}: unexpected {other}"),
        }
        // Generous bound: catches runaway expansion, not a performance target.
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{query:?} took {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn over_long_and_over_wordy_queries_are_refused_clearly() {
    for query in [
        "a".repeat(10 * 1024),
        "(".repeat(2_700),
        "word ".repeat(2_000),
    ] {
        let error = GUIDE
            .search(&SearchRequest::new(query))
            .expect_err("refused");
        assert!(
            matches!(error, SearchError::Query(QueryError::TooLong)),
            "{error}"
        );
        assert!(error.to_string().contains("too long"));
    }
    let error = GUIDE
        .search(&SearchRequest::new("word ".repeat(40)))
        .expect_err("refused");
    assert!(matches!(
        error,
        SearchError::Query(QueryError::TooManyWords)
    ));
    assert!(error.to_string().contains("too many words"));
}

#[test]
fn empty_queries_return_no_results() {
    for query in ["", "   ", "\"\"", "!!!"] {
        let results = search(query);
        assert_eq!(results.total_sections, 0, "{query:?}");
        assert!(results.documents.is_empty());
    }
}

#[test]
fn results_serialize_to_json() {
    let results = search("suspicious package");
    let json = serde_json::to_value(&results).expect("serialize");
    assert_eq!(json["query"], "suspicious package");
    assert_eq!(json["documents"][0]["slug"], "reporting-and-contacts");
    let section = &json["documents"][0]["sections"][0];
    assert!(section["anchor"].as_str().is_some_and(|a| !a.is_empty()));
    assert!(section["heading_html"].is_string() && section["snippet_html"].is_string());
    // Derivable fields stay out of the JSON: the link is the document's url and the anchor,
    // the plain heading is heading_html's text.
    assert!(section.get("url").is_none() && section.get("heading").is_none());
    assert!(json["documents"][0]["category"].is_string());
}

/// The API's hand-written JSON writer says exactly what serde_json says of the same results:
/// same fields, same values, same bytes (so a field added to the types and not to the
/// writer fails here).
#[test]
fn api_json_writer_matches_serde_json() {
    let dev = candidate_security::eval::parse_judgements(
        "dev",
        include_str!("relevance/dev-queries.tsv"),
    )
    .expect("dev set");
    let hostile = [
        "",
        "\"password manager\"",
        "phishing -email",
        "tab\there \"quote\" back\\slash",
        "control \u{1} \u{1f} characters",
        "<script>alert('x')</script> & ampersands",
        "émoji 🛡️ and accents",
        "phishng emial",
        "whats",
    ];
    let queries = dev.iter().map(|j| j.query.as_str()).chain(hostile);
    let mut compared = 0;
    for query in queries {
        for request in [
            SearchRequest::new(query),
            SearchRequest::new(query).with_limit(50),
            SearchRequest::new(query).with_audience(Audience::ElectoralStaff),
        ] {
            let Ok(mut results) = GUIDE.search(&request) else {
                continue;
            };
            results.took_us = 1234;
            let ours = candidate_security::web::results_json::to_vec(&results);
            let theirs = serde_json::to_vec(&results).expect("serialize");
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs),
                "{query:?}"
            );
            compared += 1;
        }
    }
    assert!(compared > 250, "only {compared} compared");
}

#[test]
fn a_chosen_nation_leaves_out_guidance_written_for_other_nations() {
    let queries: Vec<String> = include_str!("relevance/dev-queries-2026.tsv")
        .lines()
        .skip(1)
        .chain(include_str!("relevance/dev-queries.tsv").lines().skip(1))
        .filter_map(|line| line.split('\t').next())
        .map(str::to_owned)
        .collect();
    let mut left_out = 0;
    for nation in Nation::ALL {
        for query in &queries {
            // By words, a nation only removes sections; with meaning, the semantic list's top
            // may bring others in, so the counts are compared by words alone.
            let by_words = |request: SearchRequest| {
                GUIDE
                    .search(&request.with_ranking(Ranking::Lexical))
                    .unwrap_or_else(|e| panic!("{e}"))
            };
            let everywhere = by_words(SearchRequest::new(query.as_str()));
            let in_nation = by_words(SearchRequest::new(query.as_str()).with_nation(nation));
            assert!(
                in_nation.total_sections <= everywhere.total_sections,
                "{query}"
            );
            left_out += everywhere.total_sections - in_nation.total_sections;
            let request = SearchRequest::new(query.as_str())
                .with_nation(nation)
                .with_limit(50);
            let here = GUIDE.search(&request).unwrap_or_else(|e| panic!("{e}"));
            for section in here.documents.iter().flat_map(|d| &d.sections) {
                assert!(
                    section.nations.includes(nation),
                    "{query:?} in {nation}: {} is for {}",
                    section.anchor,
                    section.nations.label()
                );
            }
        }
    }
    assert!(
        left_out > 0,
        "no query ever left out another nation's section"
    );
}

#[test]
fn a_scam_reported_from_scotland_goes_to_police_scotland_first() {
    let request = SearchRequest::new("report a scam").with_nation(Nation::Scotland);
    let results = GUIDE.search(&request).unwrap_or_else(|e| panic!("{e}"));
    let first = &results.documents[0];
    assert_eq!(first.slug, "reporting-and-contacts");
    let anchors: Vec<&str> = first.sections.iter().map(|s| s.anchor.as_str()).collect();
    assert!(anchors.contains(&"police-scotland"), "{anchors:?}");
    for section in results.documents.iter().flat_map(|d| &d.sections) {
        assert!(
            section.nations.includes(Nation::Scotland),
            "{}",
            section.anchor
        );
    }
    // With no nation chosen, the England and Wales route is there too.
    let everywhere = GUIDE
        .search(&SearchRequest::new("police fraud cyber crime report").with_limit(50))
        .unwrap_or_else(|e| panic!("{e}"));
    let tagged: Vec<String> = everywhere
        .documents
        .iter()
        .flat_map(|d| &d.sections)
        .filter(|s| s.nations.is_tagged())
        .map(|s| s.nations.label())
        .collect();
    assert!(tagged.iter().any(|l| l.contains("England")), "{tagged:?}");
    assert!(tagged.iter().any(|l| l == "Scotland"), "{tagged:?}");
}

#[test]
fn danger_words_open_with_the_emergency_card_and_self_harm_adds_samaritans() {
    for query in [
        "someone is following me",
        "he followed me to my car",
        "man banging on the door and won't leave",
        "someone put petrol through the letterbox",
        "threatened to stab me",
        "found white powder in a letter",
        "they are blackmailing me with photos",
        "i found a tracker on my car",
    ] {
        let results = search(query);
        assert!(results.urgent, "{query:?} should show the emergency card");
        assert!(!results.support, "{query:?} is not about self-harm");
    }
    for query in [
        "i want to kill myself",
        "self harm",
        "thinking about suicide",
        "can't go on",
    ] {
        let results = search(query);
        assert!(results.support, "{query:?} should show Samaritans");
        assert!(results.urgent, "{query:?} should show 999 as well");
        // And the first result is the one that gives Samaritans' number.
        let first = &results.documents[0];
        let section = GUIDE
            .corpus()
            .document(&first.slug)
            .and_then(|d| d.section(&first.sections[0].anchor))
            .expect("first section");
        assert!(
            section.text.contains("116 123"),
            "{query:?}: {}",
            section.anchor
        );
    }
    for query in [
        "help me set up 2fa",
        "set up emergency sos on my iphone",
        "stop strangers following me on instagram",
        "cyber attack on the party",
        "hacked email",
    ] {
        assert!(!search(query).urgent, "{query:?} is not an emergency");
    }
}

#[test]
fn words_without_meaning_are_neither_highlighted_nor_enough_to_match() {
    use candidate_security::search::stop_words::is_stop_word;
    let query = "is it a crime to threaten a candidate";
    let results = GUIDE
        .search(&SearchRequest::new(query).with_limit(50))
        .unwrap_or_else(|e| panic!("{e}"));
    let marked = marked_words(&results);
    assert!(!marked.is_empty());
    assert!(
        marked.iter().all(|w| !is_stop_word(w)),
        "stop words highlighted: {marked:?}"
    );
    // Every section shown matched a word that means something.
    for document in &results.documents {
        for section in &document.sections {
            assert!(
                section.snippet_html.contains("<mark>") || section.heading_html.contains("<mark>"),
                "{}#{} matched only stop words",
                document.slug,
                section.anchor
            );
        }
    }
    let meaningful_only = search("crime threaten candidate");
    assert_eq!(
        results.total_sections, meaningful_only.total_sections,
        "the stop words add no sections"
    );
    // A query of nothing but such words still finds something.
    assert!(search("who is it").total_sections > 0);
}
