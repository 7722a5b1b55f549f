//! The Markdown body of a guidance document: sections, plain text, checklist items and links.
//!
//! `##` headings split a body into sections; text before the first one is the introduction.
//! Fenced code blocks are skipped when looking for headings and checklist items.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::nation::Nations;
use super::problem::Problem;
use super::slug::{is_valid_id, slugify, slugify_short, split_explicit_id};

/// The anchor of the text before the first `##` heading.
pub const INTRODUCTION_ANCHOR: &str = "introduction";

/// A checklist item: a task-list entry a person can tick on their device.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChecklistItem {
    /// Stable id, unique within the document.
    pub id: String,
    /// The item's text (Markdown inline syntax, without the id marker).
    pub text: String,
    /// 1-based line in the source file.
    #[serde(skip)]
    pub line: usize,
}

/// A link found in a section, kept so links between documents can be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The link target as written.
    pub target: String,
    /// 1-based line in the source file.
    pub line: usize,
}

/// One section of a document: the unit of search results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Heading text; empty for the introduction.
    pub heading: String,
    /// URL fragment, unique within the document.
    pub anchor: String,
    /// The section's Markdown, with id markers removed.
    pub markdown: String,
    /// The section's text with Markdown syntax removed, for indexing and snippets.
    pub text: String,
    /// Checklist items in order.
    pub checklist: Vec<ChecklistItem>,
    /// Links in order.
    pub links: Vec<Link>,
    /// 1-based line of the heading (or of the body's first line for the introduction).
    pub line: usize,
    /// The nations the section applies to (untagged: all of them).
    pub nations: Nations,
}

struct RawSection {
    heading: String,
    explicit_anchor: Option<String>,
    nations: Nations,
    line: usize,
    lines: Vec<(usize, String)>,
}

/// Split a document body into sections, collecting every problem found.
pub fn sections(
    path: &str,
    body: &str,
    first_line: usize,
    problems: &mut Vec<Problem>,
) -> Vec<Section> {
    let mut raw = vec![RawSection {
        heading: String::new(),
        explicit_anchor: Some(INTRODUCTION_ANCHOR.to_owned()),
        nations: Nations::ALL,
        line: first_line,
        lines: Vec::new(),
    }];
    let mut fence: Option<&str> = None;
    for (index, line) in body.lines().enumerate() {
        let number = first_line + index;
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some(marker) = fence {
            if trimmed.starts_with(marker) {
                fence = None;
            }
        } else if indent < 4 && (trimmed.starts_with("```") || trimmed.starts_with("~~~")) {
            fence = Some(&trimmed[..3]);
        } else if indent < 4
            && let Some(level) = atx_level(trimmed)
        {
            let heading_text = trimmed[level..].trim().trim_end_matches('#').trim_end();
            match level {
                1 => problems.push(Problem::new(
                    path,
                    number,
                    "use `##` for section headings: the document title comes from the front matter",
                )),
                2 => {
                    let (heading, attributes) =
                        heading_attributes(heading_text).unwrap_or_else(|message| {
                            problems.push(Problem::new(path, number, message));
                            (heading_text, HeadingAttributes::default())
                        });
                    raw.push(RawSection {
                        heading: heading.to_owned(),
                        explicit_anchor: attributes.id.map(str::to_owned),
                        nations: attributes.nations,
                        line: number,
                        lines: Vec::new(),
                    });
                    continue;
                }
                _ => {}
            }
        }
        if let Some(current) = raw.last_mut() {
            current.lines.push((number, line.to_owned()));
        }
    }
    if let Some(marker) = fence {
        problems.push(Problem::new(
            path,
            first_line,
            format!("a code block opened with {marker} is never closed"),
        ));
    }

    let mut out: Vec<Section> = Vec::with_capacity(raw.len());
    let mut seen_anchors: Vec<(String, usize)> = Vec::new();
    for (index, section) in raw.into_iter().enumerate() {
        let is_intro = index == 0;
        if !is_intro && section.heading.is_empty() {
            problems.push(Problem::new(
                path,
                section.line,
                "a `##` heading has no text",
            ));
            continue;
        }
        let anchor = match &section.explicit_anchor {
            Some(id) if is_valid_id(id) => id.clone(),
            Some(id) => {
                problems.push(Problem::new(
                    path,
                    section.line,
                    format!(
                        "anchor `{id}` may only use lowercase letters, digits and single hyphens"
                    ),
                ));
                continue;
            }
            None => slugify(&section.heading),
        };
        if anchor.is_empty() {
            problems.push(Problem::new(
                path,
                section.line,
                format!(
                    "heading `{}` gives an empty anchor: add one with {{#id}}",
                    section.heading
                ),
            ));
            continue;
        }
        if let Some((_, first)) = seen_anchors.iter().find(|(a, _)| *a == anchor) {
            problems.push(Problem::new(
                path,
                section.line,
                format!("duplicate section id `{anchor}` (first used on line {first})"),
            ));
            continue;
        }
        seen_anchors.push((anchor.clone(), section.line));
        let (markdown, checklist) = checklist_items(path, &section.lines, problems);
        let (text, links) = plain_text(&markdown, &section.lines);
        if text.trim().is_empty() {
            if !is_intro {
                problems.push(Problem::new(
                    path,
                    section.line,
                    format!(
                        "section `{}` is empty: give it text or remove it",
                        section.heading
                    ),
                ));
            }
            continue;
        }
        out.push(Section {
            heading: section.heading,
            anchor,
            markdown,
            text,
            checklist,
            links,
            line: section.line,
            nations: section.nations,
        });
    }
    let mut seen: Vec<(&str, usize)> = Vec::new();
    for item in out.iter().flat_map(|s| &s.checklist) {
        if let Some((_, first)) = seen.iter().find(|(id, _)| *id == item.id) {
            problems.push(Problem::new(
                path,
                item.line,
                format!(
                    "duplicate checklist id `{}` (first used on line {first})",
                    item.id
                ),
            ));
        } else {
            seen.push((&item.id, item.line));
        }
    }
    out
}

/// What a heading's trailing attribute block (`{#id nations=scotland}`) says.
#[derive(Default)]
struct HeadingAttributes<'a> {
    id: Option<&'a str>,
    nations: Nations,
}

/// Split a heading's trailing attribute block off its text. The block is `{...}` holding
/// `#id` and/or `nations=list`, separated by spaces; anything else in it is an error.
fn heading_attributes(text: &str) -> Result<(&str, HeadingAttributes<'_>), String> {
    let trimmed = text.trim_end();
    let Some(inner_end) = trimmed.strip_suffix('}') else {
        return Ok((trimmed, HeadingAttributes::default()));
    };
    let Some(start) = inner_end.rfind('{') else {
        return Ok((trimmed, HeadingAttributes::default()));
    };
    let block = &inner_end[start + 1..];
    if !(block.starts_with('#') || block.starts_with("nations=")) {
        return Ok((trimmed, HeadingAttributes::default()));
    }
    let mut attributes = HeadingAttributes::default();
    for token in block.split_whitespace() {
        if let Some(id) = token.strip_prefix('#') {
            if attributes.id.replace(id).is_some() {
                return Err("a heading has two `#id`s".to_owned());
            }
        } else if let Some(list) = token.strip_prefix("nations=") {
            if attributes.nations.is_tagged() {
                return Err("a heading has `nations=` twice".to_owned());
            }
            attributes.nations = Nations::parse_list(list)?;
        } else {
            return Err(format!(
                "unknown heading attribute `{token}`: use `#id` and `nations=england,wales,scotland,northern-ireland`"
            ));
        }
    }
    Ok((inner_end[..start].trim_end(), attributes))
}

fn atx_level(line: &str) -> Option<usize> {
    let level = line.bytes().take_while(|&b| b == b'#').count();
    let rest = &line[level..];
    ((1..=6).contains(&level) && (rest.is_empty() || rest.starts_with([' ', '\t'])))
        .then_some(level)
}

/// Find task-list items, strip their `{#id}` markers and return the cleaned Markdown.
fn checklist_items(
    path: &str,
    lines: &[(usize, String)],
    problems: &mut Vec<Problem>,
) -> (String, Vec<ChecklistItem>) {
    let mut markdown = String::new();
    let mut items = Vec::new();
    let mut in_fence = false;
    for (number, line) in lines {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
        }
        match (in_fence, task_text(trimmed)) {
            (false, Some((marker_len, text))) => {
                let (text, id) = split_explicit_id(text);
                let id = match id {
                    Some(id) if is_valid_id(id) => id.to_owned(),
                    Some(id) => {
                        problems.push(Problem::new(
                            path,
                            *number,
                            format!("checklist id `{id}` may only use lowercase letters, digits and single hyphens"),
                        ));
                        continue;
                    }
                    None => slugify_short(text, 48),
                };
                if text.is_empty() || id.is_empty() {
                    problems.push(Problem::new(path, *number, "a checklist item has no text"));
                    continue;
                }
                let indent = &line[..line.len() - trimmed.len()];
                markdown.push_str(indent);
                markdown.push_str(&trimmed[..marker_len]);
                markdown.push_str(text);
                items.push(ChecklistItem {
                    id,
                    text: text.to_owned(),
                    line: *number,
                });
            }
            _ => markdown.push_str(line),
        }
        markdown.push('\n');
    }
    (markdown.trim().to_owned() + "\n", items)
}

/// `- [ ] text` → (length of `- [ ] `, `text`).
fn task_text(line: &str) -> Option<(usize, &str)> {
    let rest = line.strip_prefix(['-', '*', '+'])?.strip_prefix(' ')?;
    let after = rest
        .strip_prefix("[ ] ")
        .or_else(|| rest.strip_prefix("[x] "))
        .or_else(|| rest.strip_prefix("[X] "))?;
    Some((line.len() - after.len(), after.trim()))
}

/// Markdown → plain text (block boundaries become newlines) and the links it contains.
fn plain_text(markdown: &str, lines: &[(usize, String)]) -> (String, Vec<Link>) {
    let first_line = lines.first().map_or(1, |(n, _)| *n);
    let leading_blank = lines
        .iter()
        .take_while(|(_, l)| l.trim().is_empty())
        .count();
    let mut text = String::with_capacity(markdown.len());
    let mut links = Vec::new();
    let options =
        Options::ENABLE_TASKLISTS | Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        match event {
            // Raw HTML is not rendered anywhere: it stays visible (and searchable) as text.
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                text.push_str(&t)
            }
            Event::SoftBreak => text.push(' '),
            Event::HardBreak => text.push('\n'),
            Event::Start(Tag::Link { dest_url, .. }) => links.push(Link {
                target: dest_url.to_string(),
                line: first_line + leading_blank + markdown[..range.start].matches('\n').count(),
            }),
            Event::End(
                TagEnd::Paragraph | TagEnd::Item | TagEnd::Heading(_) | TagEnd::TableRow,
            )
            | Event::Rule
                if !text.ends_with('\n') =>
            {
                text.push('\n');
            }
            Event::End(TagEnd::TableCell) => text.push(' '),
            _ => {}
        }
    }
    (text.trim().to_owned(), links)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(body: &str) -> (Vec<Section>, Vec<Problem>) {
        let mut problems = Vec::new();
        let sections = sections("doc.md", body, 10, &mut problems);
        (sections, problems)
    }

    #[test]
    fn headings_carry_nations_in_their_attribute_block() {
        let (sections, problems) = split(
            "Intro.\n\n## In Scotland: the law {#law-scotland nations=scotland}\n\nText.\n\n## England and Wales {nations=wales,england}\n\nMore.\n\n## Everywhere\n\nAll.\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(sections[1].anchor, "law-scotland");
        assert_eq!(sections[1].heading, "In Scotland: the law");
        assert_eq!(sections[1].nations.label(), "Scotland");
        assert_eq!(sections[2].anchor, "england-and-wales");
        assert_eq!(sections[2].nations.label(), "England and Wales");
        assert!(!sections[3].nations.is_tagged());
    }

    #[test]
    fn bad_heading_attributes_are_problems_with_a_line() {
        let (_, problems) = split(
            "Intro.\n\n## A {#a nations=scotland,ni}\n\nText.\n\n## B {#b colour=red}\n\nText.\n",
        );
        let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages[0].starts_with("doc.md:12: unknown nation `ni`"),
            "{messages:?}"
        );
        assert!(
            messages[1].starts_with("doc.md:16: unknown heading attribute `colour=red`"),
            "{messages:?}"
        );
    }

    #[test]
    fn headings_split_sections_with_anchors() {
        let (sections, problems) = split(
            "Intro text.\n\n## First part\n\nSome *text* with a [link](/guidance/x#y).\n\n## Second {#two}\n\n- [ ] Tick me {#tick}\n- [x] Also me\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        let anchors: Vec<_> = sections.iter().map(|s| s.anchor.as_str()).collect();
        assert_eq!(anchors, ["introduction", "first-part", "two"]);
        assert_eq!(sections[1].text, "Some text with a link.");
        assert_eq!(sections[1].links[0].target, "/guidance/x#y");
        assert_eq!(sections[1].links[0].line, 14);
        let ids: Vec<_> = sections[2]
            .checklist
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(ids, ["tick", "also-me"]);
        assert!(!sections[2].markdown.contains("{#tick}"));
        assert_eq!(sections[2].line, 16);
    }

    #[test]
    fn headings_inside_code_fences_are_text() {
        let (sections, problems) = split("## A\n\n```\n## not a heading\n```\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(sections.len(), 1);
        assert!(sections[0].text.contains("## not a heading"));
    }

    #[test]
    fn problems_are_reported_with_lines() {
        let (_, problems) = split(
            "# Title\n\n## A\n\n## A\n\ntext\n\n## Empty\n\n- [ ] one {#x}\n- [ ] two {#x}\n",
        );
        let found: Vec<_> = problems
            .iter()
            .map(|p| (p.line, p.message.clone()))
            .collect();
        assert!(
            found.iter().any(|(l, m)| *l == 10 && m.contains("`##`")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|(l, m)| *l == 12 && m.contains("empty")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|(l, m)| *l == 14 && m.contains("duplicate section id `a`")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|(l, m)| *l == 21 && m.contains("duplicate checklist id `x`")),
            "{found:?}"
        );
    }
}
