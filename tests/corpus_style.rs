//! The embedded corpus follows the house style of `index/STYLE.md`: plain enough to read when
//! frightened, one way to write each number and owner, short titles, link labels that match
//! their targets, and a nation named wherever a law is.

use std::collections::{BTreeMap, BTreeSet};

use candidate_security::corpus::{Corpus, Document};
use regex::Regex;

/// The highest Flesch-Kincaid grade any one document may have.
const MAX_GRADE: f64 = 7.0;
/// The highest mean grade over the corpus.
const MAX_MEAN_GRADE: f64 = 6.0;
/// The longest title that fits a phone's results list.
const MAX_TITLE_CHARS: usize = 70;

fn corpus() -> Corpus {
    Corpus::embedded().unwrap_or_else(|error| panic!("the embedded corpus must be valid:\n{error}"))
}

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|error| panic!("{pattern}: {error}"))
}

fn all_markdown(document: &Document) -> String {
    let mut text = document.meta.summary.clone();
    for section in &document.sections {
        text.push('\n');
        text.push_str(&section.heading);
        text.push('\n');
        text.push_str(&section.markdown);
    }
    text
}

#[test]
fn every_document_is_plain_enough_to_read_in_a_hurry() {
    let corpus = corpus();
    let mut report = String::new();
    let mut total = 0.0;
    for document in &corpus.documents {
        let r = document.readability();
        total += r.grade;
        report.push_str(&format!("{} {:.2}\n", document.meta.slug, r.grade));
    }
    let mean = total / corpus.documents.len() as f64;
    for document in &corpus.documents {
        let grade = document.readability().grade;
        assert!(
            grade <= MAX_GRADE,
            "{} reads at grade {grade:.2} (at most {MAX_GRADE})\n{report}",
            document.meta.slug
        );
    }
    assert!(
        mean <= MAX_MEAN_GRADE,
        "mean grade {mean:.2} (at most {MAX_MEAN_GRADE})\n{report}"
    );
}

#[test]
fn every_phone_number_is_written_one_way() {
    // UK numbers of 10 or 11 digits, however they are spaced or hyphenated.
    let phone = regex(r"(?:\+44 ?|\b0)\d(?:[ -]?\d){8,9}\b");
    let mut forms: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut seen = 0;
    for document in corpus().documents {
        for found in phone.find_iter(&all_markdown(&document)) {
            let written = found.as_str().to_owned();
            let mut digits: String = written.chars().filter(char::is_ascii_digit).collect();
            if let Some(national) = digits.strip_prefix("44") {
                digits = format!("0{national}");
            }
            forms.entry(digits).or_default().insert(written);
            seen += 1;
        }
    }
    assert!(
        seen >= 10,
        "only {seen} phone numbers found: is the pattern right?"
    );
    let split: Vec<_> = forms.iter().filter(|(_, f)| f.len() > 1).collect();
    assert!(
        split.is_empty(),
        "numbers written more than one way: {split:?}"
    );
}

#[test]
fn titles_fit_a_phone_and_owners_are_spelt_one_way() {
    let corpus = corpus();
    let mut owners: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for document in &corpus.documents {
        let title = &document.meta.title;
        assert!(
            title.chars().count() <= MAX_TITLE_CHARS,
            "{}: title has {} characters: {title}",
            document.meta.slug,
            title.chars().count()
        );
        for owner in &document.meta.owners {
            let key = owner.trim_start_matches("The ").to_lowercase();
            owners.entry(key).or_default().insert(owner.clone());
        }
    }
    let split: Vec<_> = owners.values().filter(|f| f.len() > 1).collect();
    assert!(
        split.is_empty(),
        "owners spelt more than one way: {split:?}"
    );
}

#[test]
fn links_to_documents_use_the_target_title_or_section_heading() {
    // A label that names something else sends a frightened reader to the wrong page.
    let corpus = corpus();
    let link = regex(r"\[([^\]]+)\]\(/guidance/([a-z0-9-]+)(?:#([a-z0-9-]+))?\)");
    let mut checked = 0;
    let mut mismatched = Vec::new();
    for document in &corpus.documents {
        for section in &document.sections {
            for found in link.captures_iter(&section.markdown) {
                let label = &found[1];
                let Some(target) = corpus.document(&found[2]) else {
                    panic!("{}: link to unknown document {}", document.path, &found[2]);
                };
                let heading = found
                    .get(3)
                    .and_then(|anchor| target.section(anchor.as_str()))
                    .map(|s| s.heading.as_str());
                checked += 1;
                // A section's heading may be shortened to the part before its colon:
                // "Scotland" for "Scotland: the law on threats and stalking".
                let short = heading
                    .and_then(|h| h.split_once(':'))
                    .map(|(head, _)| head);
                if label != target.meta.title && Some(label) != heading && Some(label) != short {
                    mismatched.push(format!(
                        "{}#{}: link label \"{label}\" should be \"{}\"{}",
                        document.meta.slug,
                        section.anchor,
                        target.meta.title,
                        heading.map(|h| format!(" or \"{h}\"")).unwrap_or_default()
                    ));
                }
            }
        }
    }
    assert!(checked > 0, "no links between documents found");
    assert!(mismatched.is_empty(), "{}", mismatched.join("\n"));
}

#[test]
fn every_section_naming_a_law_says_which_nations_it_covers() {
    // An Act or Order with a year, or a devolved Act: "Protection from Harassment Act 1997",
    // "Justice Act (Northern Ireland) 2016", "(Scotland) Act 2010".
    let law = regex(
        r"\b(?:Act|Order)(?: \((?:NI|Northern Ireland)\))? \d{4}\b|\((?:Scotland|NI|Northern Ireland)\) (?:Act|Order)",
    );
    let nation_named = regex(
        r"\b(?:England|Wales|Welsh|Scotland|Scottish|Northern Ireland|whole UK|all of the UK|across the UK|UK-wide|every UK nation|all four nations)\b",
    );
    let mut sections_with_law = 0;
    let mut unlabelled = Vec::new();
    for document in corpus().documents {
        for section in &document.sections {
            let text = format!("{}\n{}", section.heading, section.text);
            if !law.is_match(&text) {
                continue;
            }
            sections_with_law += 1;
            if !section.nations.is_tagged() && !nation_named.is_match(&text) {
                unlabelled.push(format!("{}#{}", document.meta.slug, section.anchor));
            }
        }
    }
    assert!(
        sections_with_law >= 5,
        "only {sections_with_law} sections name a law"
    );
    assert!(
        unlabelled.is_empty(),
        "sections that name a law but not the nations it covers: {unlabelled:?}"
    );
}

#[test]
fn nation_specific_guidance_exists_for_every_nation() {
    let corpus = corpus();
    let tagged: Vec<_> = corpus
        .documents
        .iter()
        .flat_map(|d| &d.sections)
        .filter(|s| s.nations.is_tagged())
        .collect();
    for nation in candidate_security::corpus::Nation::ALL {
        assert!(
            tagged.iter().any(|s| s.nations.includes(nation)),
            "no section is tagged for {nation}"
        );
    }
}
