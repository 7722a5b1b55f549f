//! HTML pages: the askama templates (under `assets/templates/`) and the data they show.
//!
//! Pages that do not depend on the request (home, guidance, about, privacy, offline, the
//! Offline page about the saved copy, 404)
//! are rendered once at start-up; search results are rendered per request.

use askama::Template;

use super::render::{section_html, text_with_number_links};
use super::site::Site;
use crate::corpus::{Category, Corpus, Document, FrontMatter, INTRODUCTION_ANCHOR, Nation};
use crate::search::{DocumentHit, SearchResults};

/// What the search form shows: the query and filters as submitted.
#[derive(Debug, Clone, Default)]
pub struct SearchForm {
    /// The query text.
    pub query: String,
    /// Selected category value, if any.
    pub category: Option<String>,
    /// Selected audience value, if any.
    pub audience: Option<String>,
    /// The nation the person is in, if chosen.
    pub nation: Option<String>,
}

impl SearchForm {
    /// Whether `value` is the selected category.
    pub fn is_category(&self, value: &str) -> bool {
        self.category.as_deref() == Some(value)
    }

    /// Whether `value` is the chosen nation.
    pub fn is_nation(&self, value: &str) -> bool {
        self.nation.as_deref() == Some(value)
    }

    /// Whether `value` is the selected audience.
    pub fn is_audience(&self, value: &str) -> bool {
        self.audience.as_deref() == Some(value)
    }
}

/// Search results as the results fragment shows them.
#[derive(Debug, Clone, Default)]
pub struct ResultsView {
    /// Whether a search was run (false on an empty search page).
    pub searched: bool,
    /// A message for a refused query.
    pub error: Option<String>,
    /// Matching sections.
    pub total_sections: usize,
    /// Matching documents.
    pub total_documents: usize,
    /// Corrected query, if typos were corrected.
    pub suggestion: Option<String>,
    /// Whether to open with the emergency card.
    pub urgent: bool,
    /// Whether the card also gives Samaritans and Shout.
    pub support: bool,
    /// Documents to show.
    pub documents: Vec<DocumentHit>,
}

impl From<SearchResults> for ResultsView {
    fn from(results: SearchResults) -> ResultsView {
        ResultsView {
            searched: true,
            error: None,
            total_sections: results.total_sections,
            total_documents: results.total_documents,
            suggestion: results.suggestion,
            urgent: results.urgent,
            support: results.support,
            documents: results.documents,
        }
    }
}

/// A list of documents shown under the search form (browsing a category).
pub struct Listing<'a> {
    /// Heading above the list.
    pub heading: String,
    /// The documents.
    pub documents: Vec<&'a FrontMatter>,
}

/// One thing to do first, on the home page.
pub struct Step {
    /// What to do.
    pub text: String,
    /// The document that explains it.
    pub slug: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    site: &'a Site,
    form: SearchForm,
    first_steps: Vec<Step>,
    documents: Vec<&'a FrontMatter>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage<'a> {
    site: &'a Site,
    form: &'a SearchForm,
    results: ResultsView,
    listing: Option<Listing<'a>>,
}

struct SectionView {
    heading: String,
    anchor: String,
    html: String,
    /// Value of `data-nations` (`scotland northern-ireland`); empty when it applies everywhere.
    nations: String,
    /// "Scotland", "England and Wales"; empty when it applies everywhere.
    nations_label: String,
    /// Shown open: it applies everywhere, or in the chosen nation, or no nation is chosen.
    open: bool,
}

#[derive(Template)]
#[template(path = "guidance.html")]
struct GuidancePage<'a> {
    site: &'a Site,
    document: &'a Document,
    owners: String,
    reviewed: String,
    toc: Vec<(String, String)>,
    sections: Vec<SectionView>,
    /// The summary as HTML, numbers linked.
    summary_html: String,
    /// The nation this copy of the page was rendered for (`?nation=`), if any.
    nation: Option<Nation>,
    /// Whether any section is written for particular nations.
    has_nation_sections: bool,
}

#[derive(Template)]
#[template(path = "about.html")]
struct AboutPage<'a> {
    site: &'a Site,
    owners: Vec<String>,
    documents: usize,
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct PrivacyPage<'a> {
    site: &'a Site,
}

#[derive(Template)]
#[template(path = "offline.html")]
struct OfflinePage<'a> {
    site: &'a Site,
}

#[derive(Template)]
#[template(path = "offline_copy.html")]
struct OfflineCopyPage<'a> {
    site: &'a Site,
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFoundPage<'a> {
    site: &'a Site,
}

#[derive(Template)]
#[template(path = "search_static.html")]
struct StaticSearchPage<'a> {
    site: &'a Site,
    form: SearchForm,
}

/// The search page of a static copy of the site: it explains that searching needs
/// JavaScript there, and offers the topics.
pub fn static_search(site: &Site) -> askama::Result<String> {
    StaticSearchPage {
        site,
        form: SearchForm::default(),
    }
    .render()
}

/// The home page.
pub fn home(site: &Site, corpus: &Corpus, nation: Option<Nation>) -> askama::Result<String> {
    HomePage {
        site,
        form: SearchForm {
            nation: nation.map(|n| n.as_str().to_owned()),
            ..SearchForm::default()
        },
        first_steps: first_steps(corpus),
        documents: corpus.documents.iter().map(|d| &d.meta).collect(),
    }
    .render()
}

/// A search page: the form, then results, a category listing, or nothing.
pub fn search(
    site: &Site,
    form: &SearchForm,
    results: ResultsView,
    listing: Option<Listing<'_>>,
) -> askama::Result<String> {
    SearchPage {
        site,
        form,
        results,
        listing,
    }
    .render()
}

/// A topic's page: the search form with that topic chosen, listing its documents. It has no
/// query in it, so it is rendered once and kept offline like any guidance page.
pub fn topic(site: &Site, corpus: &Corpus, category: Category) -> askama::Result<String> {
    let form = SearchForm {
        query: String::new(),
        category: Some(category.as_str().to_owned()),
        audience: None,
        nation: None,
    };
    let listing = Listing {
        heading: super::site::category_label(category).to_owned(),
        documents: corpus
            .documents
            .iter()
            .map(|d| &d.meta)
            .filter(|m| m.category == category)
            .collect(),
    };
    search(site, &form, ResultsView::default(), Some(listing))
}

/// A guidance document's page.
/// A guidance page; with a `nation`, sections written only for other nations are collapsed.
pub fn guidance(
    site: &Site,
    document: &Document,
    nation: Option<Nation>,
) -> askama::Result<String> {
    let slug = &document.meta.slug;
    GuidancePage {
        site,
        document,
        owners: join_names(&document.meta.owners),
        reviewed: human_date(&document.meta.last_reviewed),
        toc: document
            .sections
            .iter()
            .filter(|s| s.anchor != INTRODUCTION_ANCHOR)
            .map(|s| (s.anchor.clone(), s.heading.clone()))
            .collect(),
        sections: document
            .sections
            .iter()
            .map(|s| SectionView {
                heading: s.heading.clone(),
                anchor: s.anchor.clone(),
                html: section_html(s, slug, &site.base),
                nations: s
                    .nations
                    .iter()
                    .map(Nation::as_str)
                    .collect::<Vec<_>>()
                    .join(" "),
                nations_label: s.nations.label(),
                open: nation.is_none_or(|n| s.nations.includes(n)),
            })
            .collect(),
        summary_html: text_with_number_links(&document.meta.summary),
        nation,
        has_nation_sections: document.sections.iter().any(|s| s.nations.is_tagged()),
    }
    .render()
}

/// The about and licence page.
pub fn about(site: &Site, corpus: &Corpus) -> askama::Result<String> {
    let mut owners: Vec<String> = corpus
        .documents
        .iter()
        .flat_map(|d| d.meta.owners.iter().cloned())
        .collect();
    owners.sort();
    owners.dedup();
    AboutPage {
        site,
        owners,
        documents: corpus.documents.len(),
    }
    .render()
}

/// The privacy page.
pub fn privacy(site: &Site) -> askama::Result<String> {
    PrivacyPage { site }.render()
}

/// The page the service worker shows for pages it does not have offline.
pub fn offline(site: &Site) -> askama::Result<String> {
    OfflinePage { site }.render()
}

/// The Offline page: what is saved on this device, updates, and removing the app's data.
pub fn offline_copy(site: &Site) -> askama::Result<String> {
    OfflineCopyPage { site }.render()
}

/// The page for unknown addresses.
pub fn not_found(site: &Site) -> askama::Result<String> {
    NotFoundPage { site }.render()
}

/// Things to do first: the overview's opening steps and the first step of the reporting
/// guide, or, for another corpus, the first step of its first documents.
fn first_steps(corpus: &Corpus) -> Vec<Step> {
    let first = |document: &Document, n: usize| -> Vec<Step> {
        document
            .sections
            .first()
            .map(|intro| {
                intro
                    .checklist
                    .iter()
                    .take(n)
                    .map(|item| Step {
                        text: plain_inline(&item.text),
                        slug: document.meta.slug.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut steps = Vec::new();
    if let Some(reporting) = corpus.document("reporting-and-contacts") {
        steps.extend(first(reporting, 1));
    }
    if let Some(overview) = corpus.document("candidate-security-overview") {
        steps.extend(first(overview, 3));
    }
    if steps.is_empty() {
        for document in corpus.documents.iter().take(4) {
            steps.extend(first(document, 1));
        }
    }
    steps
}

/// Checklist text without Markdown emphasis or link syntax.
fn plain_inline(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for event in pulldown_cmark::Parser::new(markdown) {
        if let pulldown_cmark::Event::Text(t) | pulldown_cmark::Event::Code(t) = event {
            out.push_str(&t);
        }
    }
    out
}

/// "A, B and C".
fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `2026-11-24` → `24 November 2026`.
fn human_date(iso: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let mut parts = iso.split('-');
    let (Some(year), Some(month), Some(day)) = (parts.next(), parts.next(), parts.next()) else {
        return iso.to_owned();
    };
    let month = month
        .parse::<usize>()
        .ok()
        .and_then(|m| MONTHS.get(m.wrapping_sub(1)));
    let day = day.parse::<u8>().ok();
    match (month, day) {
        (Some(month), Some(day)) => format!("{day} {month} {year}"),
        _ => iso.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_names_read_naturally() {
        assert_eq!(human_date("2026-11-04"), "4 November 2026");
        assert_eq!(human_date("bad"), "bad");
        assert_eq!(
            join_names(&["A".into(), "B".into(), "C".into()]),
            "A, B and C"
        );
        assert_eq!(join_names(&["A".into()]), "A");
    }
}
