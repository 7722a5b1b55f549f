//! Anchors and ids: turning headings and checklist text into stable URL fragments.

/// Lowercase ASCII letters and digits joined by single hyphens, e.g.
/// `"If someone threatens you!"` becomes `"if-someone-threatens-you"`.
/// Letters with accents lose them (`é` becomes `e`); other characters separate words.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_hyphen = false;
    for c in text.chars().flat_map(fold_char) {
        if c.is_ascii_alphanumeric() {
            if pending_hyphen && !out.is_empty() {
                out.push('-');
            }
            pending_hyphen = false;
            out.push(c.to_ascii_lowercase());
        } else if c != '\'' && c != '’' {
            pending_hyphen = true;
        }
    }
    out
}

/// Like [`slugify`], cut at a word boundary so the result has at most `max` bytes.
pub fn slugify_short(text: &str, max: usize) -> String {
    let full = slugify(text);
    if full.len() <= max {
        return full;
    }
    let cut = full[..=max].rfind('-').filter(|&i| i > 0).unwrap_or(max);
    full[..cut].to_owned()
}

/// Whether `id` is a valid explicit anchor or checklist id: `[a-z0-9]` words joined by `-`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Split a trailing explicit id (`Some text {#the-id}`) off a line of text.
/// Returns the text without the marker and the id, if there was one.
pub fn split_explicit_id(text: &str) -> (&str, Option<&str>) {
    let trimmed = text.trim_end();
    if let Some(without_brace) = trimmed.strip_suffix('}')
        && let Some(start) = without_brace.rfind("{#")
    {
        let id = &without_brace[start + 2..];
        return (trimmed[..start].trim_end(), Some(id));
    }
    (trimmed, None)
}

fn fold_char(c: char) -> impl Iterator<Item = char> {
    let folded: &str = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "a",
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "i",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "o",
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => "u",
        'ç' | 'Ç' => "c",
        'ñ' | 'Ñ' => "n",
        'ý' | 'ÿ' | 'Ý' => "y",
        'ß' => "ss",
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        _ => "",
    };
    let single = if folded.is_empty() { Some(c) } else { None };
    folded.chars().chain(single)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_joins_words_with_hyphens() {
        assert_eq!(
            slugify("If someone threatens you on your doorstep!"),
            "if-someone-threatens-you-on-your-doorstep"
        );
        assert_eq!(slugify("  Café & 999 / 101 "), "cafe-999-101");
        assert_eq!(slugify("What's changed?"), "whats-changed");
        assert_eq!(slugify("!!!"), "");
    }

    #[test]
    fn slugify_short_cuts_at_a_word_boundary() {
        assert_eq!(
            slugify_short("Turn on two-step verification", 12),
            "turn-on-two"
        );
        assert_eq!(slugify_short("short", 12), "short");
    }

    #[test]
    fn explicit_ids_are_split_and_validated() {
        assert_eq!(
            split_explicit_id("Do it {#do-it}  "),
            ("Do it", Some("do-it"))
        );
        assert_eq!(split_explicit_id("No id here"), ("No id here", None));
        assert!(is_valid_id("call-999"));
        assert!(!is_valid_id("Call 999"));
        assert!(!is_valid_id("-x"));
        assert!(!is_valid_id(""));
    }
}
