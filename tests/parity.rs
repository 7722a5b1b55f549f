//! The browser engine (assets/static/engine.js, run under Node) answers exactly as the server:
//! the same documents in the same order, the same sections, snippets and suggestions.
//! Needs `node` on the PATH (or NODE set to it).

use std::path::PathBuf;

use candidate_security::Guide;
use candidate_security::eval::parse_judgements;
use candidate_security::offline::parity::{
    ParityQuery, Report, check, check_queries, generated_queries,
};

fn node() -> PathBuf {
    std::env::var_os("NODE").map_or_else(|| PathBuf::from("node"), PathBuf::from)
}

fn assert_agrees(name: &str, report: &Report, min_top: f64) {
    let shown: Vec<String> = report
        .disagreements
        .iter()
        .take(5)
        .map(|d| {
            format!(
                "{:?}: server {:?}, browser {:?}",
                d.query, d.server.documents, d.browser.documents
            )
        })
        .collect();
    println!(
        "{name}: {} queries, top-1 {}, top-10 {}, identical {}",
        report.queries, report.top1_agree, report.top_agree, report.exact_agree
    );
    assert_eq!(
        report.top1_agree,
        report.queries,
        "{name}: top-1 must always agree\n{}",
        shown.join("\n")
    );
    assert!(
        report.top_share() >= min_top,
        "{name}: top-10 agreement {:.3}\n{}",
        report.top_share(),
        shown.join("\n")
    );
}

#[test]
fn the_browser_engine_ranks_like_the_server() {
    let guide = Guide::embedded().expect("embedded corpus");
    let dev = parse_judgements("dev", include_str!("relevance/dev-queries.tsv")).expect("dev set");
    let mut dev: Vec<String> = dev.into_iter().map(|j| j.query).collect();
    let dev_2026 = parse_judgements("dev 2026", include_str!("relevance/dev-queries-2026.tsv"))
        .expect("2026 dev set");
    dev.extend(dev_2026.into_iter().map(|j| j.query));
    // Every dev query with no nation chosen and with each nation: the same sections are left
    // out, in the same order, by both engines.
    let report = check_queries(&guide, &ParityQuery::in_every_nation(&dev), &node())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_agrees("dev set", &report, 1.0);
    assert_eq!(
        report.exact_agree, report.queries,
        "dev set answers are identical, snippets included"
    );

    let syntax: Vec<String> = [
        "\"password manager\"",
        "password -manager",
        "\"two-step",
        "-",
        "--x",
        "\"\"",
        "((phishing))",
        "title:phishing",
        "phis",
        "phis ",
        "2FA",
        "two factor authentication",
        "deep fake",
        "Café security",
        "ＰＨＩＳＨＩＮＧ",
        "someone is following me",
        "suspicous pakage",
        "a\u{0}b",
        "😀 phishing",
        "\u{202e}fraud",
        "x".repeat(300).as_str(),
        "word ".repeat(20).as_str(),
        "",
        "   ",
        "report@phishing.gov.uk",
        "0800 789 321",
        "999",
        "\u{201c}fake video\u{201d}",
        "-phishing email",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    assert_agrees(
        "syntax",
        &check(&guide, &syntax, &node()).unwrap_or_else(|e| panic!("{e}")),
        1.0,
    );

    // Every synonym term as typed, alone and inside a sentence: multi-word expressions carry
    // their own weight, and both engines must apply it alike.
    let expressions: Vec<String> = guide
        .corpus()
        .synonyms
        .iter()
        .flat_map(|group| &group.terms)
        .flat_map(|term| [term.clone(), format!("someone said {term} today")])
        .collect();
    let report = check(&guide, &expressions, &node()).unwrap_or_else(|e| panic!("{e}"));
    assert_agrees("synonym terms", &report, 1.0);
    assert_eq!(
        report.exact_agree, report.queries,
        "synonym terms: identical answers"
    );

    let generated = generated_queries(&guide, 400, 42);
    assert_agrees(
        "generated",
        &check(&guide, &generated, &node()).unwrap_or_else(|e| panic!("{e}")),
        0.99,
    );
}
