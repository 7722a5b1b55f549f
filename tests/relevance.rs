//! Search quality on the development query set stays at or above the floor the corpus reached.
//!
//! Raise the floors when the corpus or the search mechanism improves; never lower them to
//! let a change through. Improve relevance through general mechanisms (analysis, synonyms,
//! boosts, typo handling), never by special-casing queries in this file.

use candidate_security::Guide;
use candidate_security::eval::{evaluate, evaluate_in, parse_judgements};
use candidate_security::search::Ranking;

const DEV_SET: &str = include_str!("relevance/dev-queries.tsv");
const DEV_SET_2026: &str = include_str!("relevance/dev-queries-2026.tsv");
const PARAPHRASE_SET: &str = include_str!("relevance/paraphrase-queries.tsv");

/// Floors for one query set: success@1, success@3 and MRR.
struct Floors {
    success_at_1: f64,
    success_at_3: f64,
    mrr: f64,
}

fn meets_the_floor(name: &str, text: &str, min_queries: usize, floors: &Floors) {
    let judgements = parse_judgements(name, text).expect("valid query file");
    assert!(
        judgements.len() >= min_queries,
        "{name} has {} queries",
        judgements.len()
    );
    let guide = Guide::embedded().expect("embedded corpus");
    for judgement in &judgements {
        for slug in &judgement.expected {
            assert!(
                guide.corpus().document(slug).is_some(),
                "{name}:{}: unknown slug {slug}",
                judgement.line
            );
        }
    }
    let report = evaluate(&guide, &judgements).expect("every query runs");
    println!("{name}\n{report}");
    assert!(
        report.success_at_1 >= floors.success_at_1,
        "{name}: success@1 {:.3}\n{report}",
        report.success_at_1
    );
    assert!(
        report.success_at_3 >= floors.success_at_3,
        "{name}: success@3 {:.3}\n{report}",
        report.success_at_3
    );
    assert!(
        report.mrr >= floors.mrr,
        "{name}: MRR {:.3}\n{report}",
        report.mrr
    );
}

#[test]
fn dev_set_relevance_meets_the_floor() {
    // Reached with the 2026 corpus: 0.927 / 1.000 / 0.961 by words; with meaning fused,
    // 0.939 / 1.000 / 0.970.
    let floors = Floors {
        success_at_1: 0.935,
        success_at_3: 1.0,
        mrr: 0.965,
    };
    meets_the_floor("tests/relevance/dev-queries.tsv", DEV_SET, 80, &floors);
}

#[test]
fn dev_set_2026_relevance_meets_the_floor() {
    // Doxxing, SIM swap, sextortion, support, platforms, trackers, canvassing, Operation Ford,
    // the four nations and the 2026 Bill. Reached: 0.914 / 1.000 / 0.957 by words (0.714 at
    // s@3 before the 2026 corpus); with meaning fused, 0.943 / 1.000 / 0.971.
    let floors = Floors {
        success_at_1: 0.94,
        success_at_3: 1.0,
        mrr: 0.965,
    };
    meets_the_floor(
        "tests/relevance/dev-queries-2026.tsv",
        DEV_SET_2026,
        35,
        &floors,
    );
}

#[test]
fn paraphrase_set_relevance_meets_the_floor() {
    // Everyday words the guidance does not use, written without sight of the other sets.
    // By words alone: 0.433 / 0.742 / 0.614; with meaning fused: 0.642 / 0.867 / 0.761.
    let floors = Floors {
        success_at_1: 0.63,
        success_at_3: 0.86,
        mrr: 0.755,
    };
    meets_the_floor(
        "tests/relevance/paraphrase-queries.tsv",
        PARAPHRASE_SET,
        120,
        &floors,
    );
}

#[test]
fn meaning_adds_to_words_on_every_set() {
    let guide = Guide::embedded().expect("embedded corpus");
    for (name, text) in [
        ("dev", DEV_SET),
        ("dev-2026", DEV_SET_2026),
        ("paraphrase", PARAPHRASE_SET),
    ] {
        let judgements = parse_judgements(name, text).expect("valid query file");
        let lexical = evaluate_in(&guide, &judgements, None, Ranking::Lexical).expect("runs");
        let fused = evaluate_in(&guide, &judgements, None, Ranking::Fused).expect("runs");
        assert!(
            fused.success_at_1 >= lexical.success_at_1
                && fused.success_at_3 >= lexical.success_at_3
                && fused.mrr >= lexical.mrr,
            "{name}: fused\n{fused}\nlexical\n{lexical}"
        );
    }
}

#[test]
fn query_files_with_missing_columns_are_rejected_with_a_line() {
    let error = parse_judgements("q.tsv", "query\texpected\nno tab here\n").expect_err("bad line");
    assert_eq!(
        error.to_string(),
        "q.tsv:2: expected a query, a tab, and comma-separated document slugs"
    );
}
