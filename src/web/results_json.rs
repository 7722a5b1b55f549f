//! Search results written as JSON for `/api/search`, the busiest response the server makes.
//!
//! The output is the JSON that `serde_json` makes of [`SearchResults`] (a test holds the two
//! equal, field by field, over real and hostile queries). It is written here rather than
//! derived because almost every string in an answer (titles, summaries, highlighted HTML)
//! needs no JSON escaping: checking 16 bytes at a time and copying runs whole takes a
//! fraction of serde_json's byte-by-byte escaping, which was the largest single cost of an
//! answer after the search itself.

use serde::Serialize;

use crate::search::{DocumentHit, SearchResults, SectionHit};

/// A typical answer (10 documents with snippets) is 15–20 KB: start there so the buffer
/// is not copied as it grows.
const TYPICAL_BYTES: usize = 24 * 1024;

/// `results` as JSON.
pub fn to_vec(results: &SearchResults) -> Vec<u8> {
    let mut out = Vec::with_capacity(TYPICAL_BYTES);
    out.extend_from_slice(b"{\"query\":");
    string(&mut out, &results.query);
    out.extend_from_slice(b",\"total_sections\":");
    number(&mut out, results.total_sections);
    out.extend_from_slice(b",\"total_documents\":");
    number(&mut out, results.total_documents);
    out.extend_from_slice(b",\"documents\":");
    array(&mut out, &results.documents, document_hit);
    out.extend_from_slice(b",\"corrections\":");
    array(&mut out, &results.corrections, |out, correction| {
        out.extend_from_slice(b"{\"typed\":");
        string(out, &correction.typed);
        out.extend_from_slice(b",\"suggested\":");
        string(out, &correction.suggested);
        out.push(b'}');
    });
    out.extend_from_slice(b",\"suggestion\":");
    match &results.suggestion {
        Some(suggestion) => string(&mut out, suggestion),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"urgent\":");
    out.extend_from_slice(if results.urgent { b"true" } else { b"false" });
    out.extend_from_slice(b",\"support\":");
    out.extend_from_slice(if results.support { b"true" } else { b"false" });
    out.extend_from_slice(b",\"ranking\":");
    string(&mut out, results.ranking.as_str());
    out.extend_from_slice(b",\"took_us\":");
    number(&mut out, results.took_us);
    out.push(b'}');
    out
}

fn document_hit(out: &mut Vec<u8>, document: &DocumentHit) {
    out.extend_from_slice(b"{\"slug\":");
    string(out, &document.slug);
    out.extend_from_slice(b",\"title\":");
    string(out, &document.title);
    out.extend_from_slice(b",\"summary\":");
    string(out, &document.summary);
    out.extend_from_slice(b",\"category\":");
    string(out, document.category.as_str());
    out.extend_from_slice(b",\"audience\":");
    array(out, &document.audience, |out, audience| {
        string(out, audience.as_str())
    });
    out.extend_from_slice(b",\"url\":");
    string(out, &document.url);
    out.extend_from_slice(b",\"score\":");
    number(out, document.score);
    out.extend_from_slice(b",\"sections\":");
    array(out, &document.sections, section_hit);
    out.extend_from_slice(b",\"matched_sections\":");
    number(out, document.matched_sections);
    out.push(b'}');
}

fn section_hit(out: &mut Vec<u8>, section: &SectionHit) {
    out.extend_from_slice(b"{\"heading_html\":");
    string(out, &section.heading_html);
    out.extend_from_slice(b",\"anchor\":");
    string(out, &section.anchor);
    out.extend_from_slice(b",\"snippet_html\":");
    string(out, &section.snippet_html);
    out.extend_from_slice(b",\"score\":");
    number(out, section.score);
    if section.nations.is_tagged() {
        out.extend_from_slice(b",\"nations\":");
        let nations: Vec<_> = section.nations.iter().collect();
        array(out, &nations, |out, nation| string(out, nation.as_str()));
    }
    out.push(b'}');
}

/// A JSON array of `items`, each written by `item`.
fn array<T>(out: &mut Vec<u8>, items: &[T], item: impl Fn(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, value) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        item(out, value);
    }
    out.push(b']');
}

/// A number as serde_json writes it (shortest round-trip form; `null` for NaN and infinity).
fn number(out: &mut Vec<u8>, value: impl Serialize) {
    // Writing into a Vec cannot fail, and numbers always serialize.
    let _ = serde_json::to_writer(&mut *out, &value);
}

/// A JSON string literal. Runs of 16 bytes that need no escaping are found with one
/// branch-free test each and copied whole; anything else goes byte by byte.
fn string(out: &mut Vec<u8>, text: &str) {
    out.reserve(text.len() + 2);
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        if let Some(chunk) = bytes.get(at..at + 16)
            && !chunk
                .iter()
                .fold(false, |any, &byte| any | needs_escape(byte))
        {
            at += 16;
            continue;
        }
        let byte = bytes[at];
        if needs_escape(byte) {
            out.extend_from_slice(&bytes[copied..at]);
            escape(out, byte);
            copied = at + 1;
        }
        at += 1;
    }
    out.extend_from_slice(&bytes[copied..]);
    out.push(b'"');
}

fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// The escape serde_json writes for `byte` (short forms where JSON has them).
fn escape(out: &mut Vec<u8>, byte: u8) {
    let short = match byte {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x0c => b'f',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        _ => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(byte >> 4)]);
            out.push(HEX[usize::from(byte & 0xf)]);
            return;
        }
    };
    out.push(b'\\');
    out.push(short);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serde_string(text: &str) -> Vec<u8> {
        serde_json::to_vec(text).unwrap_or_default()
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let every_byte: String = (0u8..0x80).map(char::from).collect();
        let long = format!(
            "{}\"{}\\{}",
            "a".repeat(40),
            "é".repeat(20),
            "\u{1}".repeat(17)
        );
        for text in [
            "",
            "plain",
            "exactly sixteen!",
            "quote \" and backslash \\ and tab \t",
            "…<mark>phishing</mark> and &quot;NCSC&quot;…",
            every_byte.as_str(),
            long.as_str(),
        ] {
            let mut ours = Vec::new();
            string(&mut ours, text);
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&serde_string(text)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn numbers_match_serde_json() {
        for value in [
            0.0f32,
            1.5,
            14.531383,
            f32::MIN_POSITIVE,
            f32::NAN,
            f32::INFINITY,
        ] {
            let mut ours = Vec::new();
            number(&mut ours, value);
            assert_eq!(ours, serde_json::to_vec(&value).unwrap_or_default());
        }
    }
}
