//! The TOML front matter of a guidance document: strict parsing and validation.
//!
//! Every problem is reported (not just the first), each with the line it is on.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::problem::{Problem, line_of};
use super::slug::is_valid_id;

/// The delimiter line that opens and closes the front matter block.
pub const DELIMITER: &str = "+++";

/// Which kind of security a document is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Personal safety: home, travel, canvassing, threats.
    Protective,
    /// Accounts, devices, websites and email.
    Cyber,
    /// Disinformation, deepfakes and information security.
    Information,
    /// Who to call and how to report.
    Reporting,
    /// Overviews and electoral process.
    General,
}

impl Category {
    /// Every category, in display order.
    pub const ALL: [Category; 5] = [
        Category::Protective,
        Category::Cyber,
        Category::Information,
        Category::Reporting,
        Category::General,
    ];

    /// The name used in front matter, URLs and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Protective => "protective",
            Category::Cyber => "cyber",
            Category::Information => "information",
            Category::Reporting => "reporting",
            Category::General => "general",
        }
    }

    /// Parse a category name as used in front matter and URLs.
    pub fn parse(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

/// Who a document is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Audience {
    /// People standing for election.
    Candidate,
    /// Campaign and party staff, agents and volunteers.
    Staff,
    /// Returning Officers and electoral administrators.
    ElectoralStaff,
    /// Parties and other organisations.
    Organisation,
}

impl Audience {
    /// Every audience, in display order.
    pub const ALL: [Audience; 4] = [
        Audience::Candidate,
        Audience::Staff,
        Audience::ElectoralStaff,
        Audience::Organisation,
    ];

    /// The name used in front matter, URLs and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Candidate => "candidate",
            Audience::Staff => "staff",
            Audience::ElectoralStaff => "electoral-staff",
            Audience::Organisation => "organisation",
        }
    }

    /// Parse an audience name as used in front matter and URLs.
    pub fn parse(name: &str) -> Option<Audience> {
        Audience::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

/// An official page a document summarises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The official page's title.
    pub title: String,
    /// Its `https://` address.
    pub url: String,
}

/// Validated front matter of one guidance document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FrontMatter {
    /// Document title.
    pub title: String,
    /// URL slug; equals the file name without `.md`.
    pub slug: String,
    /// One or two sentences for result cards.
    pub summary: String,
    /// The document's category.
    pub category: Category,
    /// Who the document is for.
    pub audience: Vec<Audience>,
    /// Official bodies that own the source guidance.
    pub owners: Vec<String>,
    /// Official pages the document summarises.
    pub sources: Vec<Source>,
    /// When the document was last checked against its sources (`YYYY-MM-DD`).
    pub last_reviewed: String,
}

const KEYS: [&str; 8] = [
    "title",
    "slug",
    "summary",
    "category",
    "audience",
    "owners",
    "sources",
    "last_reviewed",
];

/// A front matter block cut out of a document.
pub struct Block<'a> {
    /// The TOML text between the delimiters.
    pub toml: &'a str,
    /// Line number (1-based) of the first TOML line.
    pub first_line: usize,
    /// Everything after the closing delimiter line.
    pub body: &'a str,
    /// Line number (1-based) of the body's first line.
    pub body_first_line: usize,
}

/// Cut the `+++` front matter block off the top of a document.
pub fn split<'a>(path: &str, text: &'a str) -> Result<Block<'a>, Problem> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != DELIMITER {
        return Err(Problem::new(
            path,
            1,
            format!(
                "a document must start with a `{DELIMITER}` line opening its TOML front matter"
            ),
        ));
    }
    let toml_start = first.len();
    let mut offset = toml_start;
    for line in lines {
        if line.trim_end() == DELIMITER {
            let toml = &text[toml_start..offset];
            let body_start = offset + line.len();
            return Ok(Block {
                toml,
                first_line: 2,
                body: &text[body_start..],
                body_first_line: line_of(text, body_start),
            });
        }
        offset += line.len();
    }
    Err(Problem::new(
        path,
        1,
        format!("the front matter is never closed: add a `{DELIMITER}` line after it"),
    ))
}

/// Parse and validate a front matter block; `file_slug` is the file name without `.md`.
pub fn parse(path: &str, block: &Block<'_>, file_slug: &str) -> Result<FrontMatter, Vec<Problem>> {
    let line_at = |offset: usize| block.first_line + line_of(block.toml, offset) - 1;
    let table: BTreeMap<Spanned<String>, Spanned<toml::Value>> = match toml::from_str(block.toml) {
        Ok(table) => table,
        Err(error) => {
            let line = error.span().map_or(block.first_line, |s| line_at(s.start));
            let message = error.message().trim().to_owned();
            return Err(vec![Problem::new(
                path,
                line,
                format!("front matter is not valid TOML: {message}"),
            )]);
        }
    };

    let mut problems = Vec::new();
    let mut fields: BTreeMap<&str, (usize, toml::Value)> = BTreeMap::new();
    for (key, value) in table {
        let line = line_at(key.span().start);
        let name = key.get_ref().as_str();
        match KEYS.iter().find(|k| **k == name) {
            Some(known) => {
                fields.insert(known, (line, value.into_inner()));
            }
            None => problems.push(Problem::new(
                path,
                line,
                format!(
                    "unknown front matter key `{name}` (known keys: {})",
                    KEYS.join(", ")
                ),
            )),
        }
    }
    for key in KEYS {
        if !fields.contains_key(key) {
            problems.push(Problem::new(
                path,
                1,
                format!("front matter is missing the required key `{key}`"),
            ));
        }
    }

    let mut field = |key: &str| fields.remove(key);
    let title = field("title").and_then(|v| text_field(path, "title", v, &mut problems));
    let summary = field("summary").and_then(|v| text_field(path, "summary", v, &mut problems));
    let slug = field("slug").and_then(|(line, value)| {
        let slug = text_field(path, "slug", (line, value), &mut problems)?;
        if slug != file_slug {
            problems.push(Problem::new(
                path,
                line,
                format!("slug `{slug}` must equal the file name `{file_slug}.md`"),
            ));
        } else if !is_valid_id(&slug) {
            problems.push(Problem::new(
                path,
                line,
                format!("slug `{slug}` may only use lowercase letters, digits and single hyphens"),
            ));
        }
        Some(slug)
    });
    let category = field("category").and_then(|(line, value)| {
        let name = text_field(path, "category", (line, value), &mut problems)?;
        let category = Category::parse(&name);
        if category.is_none() {
            problems.push(Problem::new(
                path,
                line,
                format!(
                    "unknown category `{name}` (one of: {})",
                    Category::ALL.map(Category::as_str).join(", ")
                ),
            ));
        }
        category
    });
    let audience = field("audience").and_then(|(line, value)| {
        let names = list_field(path, "audience", (line, value), &mut problems)?;
        let mut audience = Vec::new();
        for name in names {
            match Audience::parse(&name) {
                Some(a) if audience.contains(&a) => problems.push(Problem::new(
                    path,
                    line,
                    format!("audience `{name}` is listed twice"),
                )),
                Some(a) => audience.push(a),
                None => problems.push(Problem::new(
                    path,
                    line,
                    format!(
                        "unknown audience `{name}` (any of: {})",
                        Audience::ALL.map(Audience::as_str).join(", ")
                    ),
                )),
            }
        }
        Some(audience)
    });
    let owners = field("owners").and_then(|v| list_field(path, "owners", v, &mut problems));
    let sources = field("sources").and_then(|(line, value)| {
        let sources: Vec<Source> = match value.try_into() {
            Ok(sources) => sources,
            Err(error) => {
                problems.push(Problem::new(
                    path,
                    line,
                    format!(
                        "`sources` must be a list of {{ title, url }} tables: {}",
                        error.message().trim()
                    ),
                ));
                return None;
            }
        };
        if sources.is_empty() {
            problems.push(Problem::new(
                path,
                line,
                "`sources` must list at least one official source",
            ));
        }
        for source in &sources {
            if source.title.trim().is_empty() {
                problems.push(Problem::new(path, line, "a source has an empty `title`"));
            }
            if !is_https_url(&source.url) {
                problems.push(Problem::new(
                    path,
                    line,
                    format!("source URL `{}` must be an https:// address", source.url),
                ));
            }
        }
        Some(sources)
    });
    let last_reviewed = field("last_reviewed").and_then(|(line, value)| {
        let checked = review_date(&value);
        if let Err(message) = &checked {
            problems.push(Problem::new(path, line, message.clone()));
        }
        checked.ok()
    });

    match (
        title,
        slug,
        summary,
        category,
        audience,
        owners,
        sources,
        last_reviewed,
    ) {
        (
            Some(title),
            Some(slug),
            Some(summary),
            Some(category),
            Some(audience),
            Some(owners),
            Some(sources),
            Some(last_reviewed),
        ) if problems.is_empty() => Ok(FrontMatter {
            title,
            slug,
            summary,
            category,
            audience,
            owners,
            sources,
            last_reviewed,
        }),
        _ => Err(problems),
    }
}

/// Whether `url` is an absolute `https://` address with a host.
pub fn is_https_url(url: &str) -> bool {
    url.strip_prefix("https://").is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && host.contains('.') && !url.chars().any(char::is_whitespace)
    })
}

fn text_field(
    path: &str,
    key: &str,
    (line, value): (usize, toml::Value),
    problems: &mut Vec<Problem>,
) -> Option<String> {
    match value {
        toml::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        toml::Value::String(_) => {
            problems.push(Problem::new(
                path,
                line,
                format!("`{key}` must not be empty"),
            ));
            None
        }
        other => {
            problems.push(Problem::new(
                path,
                line,
                format!("`{key}` must be a string, not {}", other.type_str()),
            ));
            None
        }
    }
}

fn list_field(
    path: &str,
    key: &str,
    (line, value): (usize, toml::Value),
    problems: &mut Vec<Problem>,
) -> Option<Vec<String>> {
    let not_a_list = || format!("`{key}` must be a non-empty list of strings");
    let toml::Value::Array(items) = value else {
        problems.push(Problem::new(path, line, not_a_list()));
        return None;
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            toml::Value::String(s) if !s.trim().is_empty() => out.push(s.trim().to_owned()),
            _ => {
                problems.push(Problem::new(path, line, not_a_list()));
                return None;
            }
        }
    }
    if out.is_empty() {
        problems.push(Problem::new(path, line, not_a_list()));
        return None;
    }
    Some(out)
}

fn review_date(value: &toml::Value) -> Result<String, String> {
    check_date("last_reviewed", value)
}

/// Check that `value` (of the key `field`) is a real, plausible, not future TOML date;
/// returns it as `YYYY-MM-DD`.
pub(super) fn check_date(field: &str, value: &toml::Value) -> Result<String, String> {
    let toml::Value::Datetime(datetime) = value else {
        return Err(format!(
            "`{field}` must be a date such as 2026-11-24 (no quotes)"
        ));
    };
    let (Some(date), None, None) = (datetime.date, datetime.time, datetime.offset) else {
        return Err(format!(
            "`{field}` must be a date without a time, such as 2026-11-24, not `{datetime}`"
        ));
    };
    let month = time::Month::try_from(date.month)
        .map_err(|_| format!("`{field}` has no month {}", date.month))?;
    let parsed = time::Date::from_calendar_date(i32::from(date.year), month, date.day)
        .map_err(|_| format!("`{field}` is not a real date: {date}"))?;
    let tomorrow = time::OffsetDateTime::now_utc().date().next_day();
    if tomorrow.is_some_and(|limit| parsed > limit) {
        return Err(format!("`{field}` {date} is in the future"));
    }
    if parsed.year() < 2000 {
        return Err(format!("`{field}` {date} is implausibly old"));
    }
    Ok(date.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_urls_are_recognised() {
        assert!(is_https_url("https://www.gov.uk/x"));
        assert!(!is_https_url("http://www.gov.uk/x"));
        assert!(!is_https_url("https://"));
        assert!(!is_https_url("https://gov uk/x"));
        assert!(!is_https_url("ftp://x.y"));
    }
}
