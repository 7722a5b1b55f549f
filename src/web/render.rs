//! Guidance Markdown → HTML for pages: raw HTML is shown as text, internal links get the
//! base path, task-list items become checkboxes with their stable ids, and phone and text
//! numbers become `tel:` and `sms:` links.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

use super::phone_links::numbers;
use crate::corpus::Section;
use crate::search::snippet::escape;

/// Render one section's Markdown for the guidance page of document `slug`.
pub fn section_html(section: &Section, slug: &str, base: &str) -> String {
    let options =
        Options::ENABLE_TASKLISTS | Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events: Vec<Event<'_>> = Parser::new_ext(&section.markdown, options).collect();
    let mut tasks = section.checklist.iter();
    let mut out: Vec<Event<'_>> = Vec::with_capacity(events.len());
    let mut open_labels = 0usize;
    let mut link_depth = 0usize;
    for (i, event) in events.iter().enumerate() {
        match event {
            Event::Text(text) if link_depth == 0 => push_with_number_links(&mut out, text),
            Event::End(TagEnd::Link) => {
                link_depth = link_depth.saturating_sub(1);
                out.push(event.clone());
            }
            // Raw HTML in the corpus is never rendered, only shown.
            Event::Html(text) | Event::InlineHtml(text) => out.push(Event::Text(text.clone())),
            Event::Start(Tag::List(None)) if list_has_task(&events, i) => {
                out.push(Event::Html(CowStr::from("<ul class=\"checklist\">\n")));
            }
            Event::Start(Tag::Item) if is_task_item(&events, i) => {
                out.push(Event::Html(CowStr::from("<li class=\"task\">")));
            }
            Event::TaskListMarker(checked) => {
                let id = tasks.next().map(|t| t.id.as_str()).unwrap_or_default();
                let id = escape(id);
                let slug = escape(slug);
                let checked = if *checked { " checked" } else { "" };
                out.push(Event::Html(CowStr::from(format!(
                    "<input type=\"checkbox\" class=\"task-check\" id=\"task-{id}\" data-task=\"{slug}/{id}\"{checked}><label for=\"task-{id}\">"
                ))));
                open_labels += 1;
            }
            // Close the label before the paragraph (loose lists) or the item that holds it.
            Event::End(TagEnd::Paragraph | TagEnd::Item) if open_labels > 0 => {
                open_labels -= 1;
                out.push(Event::Html(CowStr::from("</label>")));
                out.push(event.clone());
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) if dest_url.starts_with('/') && !dest_url.starts_with("//") => {
                link_depth += 1;
                out.push(Event::Start(Tag::Link {
                    link_type: *link_type,
                    dest_url: CowStr::from(format!("{base}{dest_url}")),
                    title: title.clone(),
                    id: id.clone(),
                }));
            }
            Event::Start(Tag::Link { .. }) => {
                link_depth += 1;
                out.push(event.clone());
            }
            other => out.push(other.clone()),
        }
    }
    let mut html_out = String::with_capacity(section.markdown.len() * 3 / 2);
    html::push_html(&mut html_out, out.into_iter());
    html_out
}

/// Plain text as escaped HTML, with each phone or text number as a link to call or text it.
pub fn text_with_number_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut at = 0;
    for number in numbers(text) {
        out.push_str(&escape(&text[at..number.range.start]));
        out.push_str(&format!(
            "<a class=\"phone\" href=\"{}\">{}</a>",
            number.href,
            escape(&text[number.range.clone()])
        ));
        at = number.range.end;
    }
    out.push_str(&escape(&text[at..]));
    out
}

/// Push `text`, with each phone or text number in it as a link to call or text it.
fn push_with_number_links<'a>(out: &mut Vec<Event<'a>>, text: &CowStr<'a>) {
    let found = numbers(text);
    if found.is_empty() {
        out.push(Event::Text(text.clone()));
        return;
    }
    let mut at = 0;
    for number in found {
        if number.range.start > at {
            out.push(Event::Text(CowStr::from(
                text[at..number.range.start].to_owned(),
            )));
        }
        let shown = escape(&text[number.range.clone()]);
        out.push(Event::Html(CowStr::from(format!(
            "<a class=\"phone\" href=\"{}\">{shown}</a>",
            number.href
        ))));
        at = number.range.end;
    }
    if at < text.len() {
        out.push(Event::Text(CowStr::from(text[at..].to_owned())));
    }
}

/// Whether the list starting at `index` (a `Start(List)`) has a task among its own items.
fn list_has_task(events: &[Event<'_>], index: usize) -> bool {
    let mut depth = 0usize;
    for (i, event) in events.iter().enumerate().skip(index) {
        match event {
            Event::Start(Tag::List(_)) => depth += 1,
            Event::End(TagEnd::List(_)) => {
                depth -= 1;
                if depth == 0 {
                    return false;
                }
            }
            Event::Start(Tag::Item) if depth == 1 && is_task_item(events, i) => return true,
            _ => {}
        }
    }
    false
}

/// Whether the list item starting at `index` (a `Start(Item)`) is a task-list item.
fn is_task_item(events: &[Event<'_>], index: usize) -> bool {
    if !matches!(events.get(index), Some(Event::Start(Tag::Item))) {
        return false;
    }
    match events.get(index + 1) {
        Some(Event::TaskListMarker(_)) => true,
        Some(Event::Start(Tag::Paragraph)) => {
            matches!(events.get(index + 2), Some(Event::TaskListMarker(_)))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::ChecklistItem;

    fn section(markdown: &str, ids: &[&str]) -> Section {
        Section {
            nations: crate::corpus::Nations::ALL,
            heading: "H".to_owned(),
            anchor: "h".to_owned(),
            markdown: markdown.to_owned(),
            text: String::new(),
            checklist: ids
                .iter()
                .map(|id| ChecklistItem {
                    id: (*id).to_owned(),
                    text: String::new(),
                    line: 1,
                })
                .collect(),
            links: Vec::new(),
            line: 1,
        }
    }

    #[test]
    fn tasks_become_labelled_checkboxes_with_stable_ids() {
        let html = section_html(
            &section("- [ ] Turn on 2SV\n- [x] Update\n", &["2sv", "update"]),
            "doc",
            "",
        );
        assert!(html.contains("<ul class=\"checklist\">"), "{html}");
        assert!(html.contains("<li class=\"task\"><input type=\"checkbox\" class=\"task-check\" id=\"task-2sv\" data-task=\"doc/2sv\"><label for=\"task-2sv\">Turn on 2SV</label></li>"), "{html}");
        assert!(html.contains("data-task=\"doc/update\" checked>"), "{html}");
    }

    #[test]
    fn loose_and_mixed_lists_keep_labels_inside_their_paragraphs() {
        let html = section_html(
            &section(
                "- plain item\n\n- [ ] Tell the call handler\n\n- [ ] Give your location\n",
                &["tell", "where"],
            ),
            "doc",
            "",
        );
        assert!(html.contains("<ul class=\"checklist\">"), "{html}");
        assert!(
            html.contains("<li class=\"task\">\n<p><input type=\"checkbox\" class=\"task-check\" id=\"task-tell\" data-task=\"doc/tell\"><label for=\"task-tell\">Tell the call handler</label></p>"),
            "{html}"
        );
        assert_eq!(
            html.matches("<label").count(),
            html.matches("</label>").count()
        );
    }

    #[test]
    fn raw_html_is_escaped_and_internal_links_get_the_base() {
        let html = section_html(
            &section(
                "Text <script>alert(1)</script> and [report](/guidance/x#y) or [gov](https://www.gov.uk/).\n",
                &[],
            ),
            "doc",
            "/security",
        );
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(html.contains("href=\"/security/guidance/x#y\""), "{html}");
        assert!(html.contains("href=\"https://www.gov.uk/\""), "{html}");
    }
}
