//! The embedded corpus meets the content rules: every official document present, sourced,
//! actionable, with sections of a readable size and stable checklist ids.

use std::collections::HashSet;

use candidate_security::corpus::{Corpus, INTRODUCTION_ANCHOR, is_https_url};

const SLUGS: [&str; 13] = [
    "candidate-security-overview",
    "protective-security-high-risk",
    "intimidation-joint-guidance",
    "additional-protective-security",
    "account-device-cyber",
    "website-email-domain-cyber",
    "political-organisations-cyber",
    "social-media-security",
    "disinformation-ai",
    "security-video",
    "ncsc-cyber-offer",
    "reporting-and-contacts",
    "electoral-admin-safety",
];

fn corpus() -> Corpus {
    Corpus::embedded().unwrap_or_else(|error| panic!("the embedded corpus must be valid:\n{error}"))
}

/// Sentence endings: `.`, `!` or `?` followed by a space or the end (not `gov.uk`).
fn sentences(text: &str) -> usize {
    let chars: Vec<char> = text.chars().collect();
    (0..chars.len())
        .filter(|&i| {
            matches!(chars[i], '.' | '!' | '?')
                && chars.get(i + 1).is_none_or(|c| c.is_whitespace())
        })
        .count()
}

fn words(text: &str) -> usize {
    text.split_whitespace().count()
}

#[test]
fn every_official_document_is_present() {
    let corpus = corpus();
    let slugs: HashSet<&str> = corpus
        .documents
        .iter()
        .map(|d| d.meta.slug.as_str())
        .collect();
    for slug in SLUGS {
        assert!(slugs.contains(slug), "missing document {slug}");
    }
}

#[test]
fn every_document_names_official_https_sources_and_owners() {
    for document in corpus().documents {
        let meta = &document.meta;
        assert!(!meta.sources.is_empty(), "{}: no sources", meta.slug);
        assert!(!meta.owners.is_empty(), "{}: no owners", meta.slug);
        for source in &meta.sources {
            assert!(is_https_url(&source.url), "{}: {}", meta.slug, source.url);
        }
        let summary_sentences = sentences(&meta.summary);
        assert!(
            (1..=2).contains(&summary_sentences),
            "{}: summary should be one or two sentences",
            meta.slug
        );
    }
}

#[test]
fn every_document_is_actionable_with_unique_checklist_ids() {
    for document in corpus().documents {
        let ids: Vec<&str> = document.checklist().map(|c| c.id.as_str()).collect();
        assert!(
            !ids.is_empty(),
            "{}: no checklist items",
            document.meta.slug
        );
        let unique: HashSet<&str> = ids.iter().copied().collect();
        assert_eq!(
            unique.len(),
            ids.len(),
            "{}: duplicate checklist ids",
            document.meta.slug
        );
        let intro = &document.sections[0];
        assert_eq!(
            intro.anchor, INTRODUCTION_ANCHOR,
            "{}: opens with an introduction",
            document.meta.slug
        );
        assert!(
            !intro.checklist.is_empty(),
            "{}: the introduction lists the things to do first",
            document.meta.slug
        );
    }
}

#[test]
fn sections_are_a_readable_size() {
    for document in corpus().documents {
        for section in &document.sections {
            let n = words(&section.text);
            let (min, max) = if section.anchor == INTRODUCTION_ANCHOR {
                (30, 400)
            } else {
                (80, 400)
            };
            assert!(
                (min..=max).contains(&n),
                "{}#{} has {n} words; sections should have {min}–{max}",
                document.meta.slug,
                section.anchor
            );
        }
    }
}

#[test]
fn emergency_and_fraud_facts_are_current() {
    let corpus = corpus();
    let text: String = corpus
        .documents
        .iter()
        .flat_map(|d| &d.sections)
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let reporting = corpus
        .document("reporting-and-contacts")
        .expect("reporting document");
    let reporting_text: String = reporting.sections.iter().map(|s| s.text.as_str()).collect();
    for fact in [
        "999",
        "101",
        "55",
        "18000",
        "112",
        "0800 789 321",
        "0300 123 2040",
        "report@phishing.gov.uk",
        "7726",
        "Report Fraud",
        "Operation Bridger",
    ] {
        assert!(
            reporting_text.contains(fact),
            "reporting-and-contacts should mention {fact}"
        );
    }
    assert!(
        !text.contains("samples@analysis.ncsc.gov.uk")
            || text.contains("out of date")
            || text.contains("no longer"),
        "the historic phishing address must not be presented as live"
    );
    assert!(
        !text.contains("0300 123 2020"),
        "the old Action Fraud number must not appear"
    );
}
