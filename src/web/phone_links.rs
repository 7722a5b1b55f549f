//! Phone and text numbers in guidance text, so each can be a link a person taps to call or
//! text: `tel:` for numbers to ring, `sms:` for numbers to text (7726, 85258, 65075).

use std::sync::LazyLock;

use regex::Regex;

/// Short numbers that are texted, not rung.
const TEXT_NUMBERS: [&str; 3] = ["7726", "85258", "65075"];

static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    // UK numbers of 10 or 11 digits (spaces allowed between digits), Samaritans' 116 123, and
    // the short numbers the guidance gives. \b keeps them from matching inside longer numbers.
    Regex::new(r"\b0\d(?: ?\d){8,9}\b|\b116 123\b|\b(?:999|101|112|159|18000|7726|85258|65075)\b")
        .expect("a valid constant pattern, exercised by the tests below")
});

/// A number found in text: where it is and the link to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberLink {
    /// Byte range of the number as written.
    pub range: std::ops::Range<usize>,
    /// `tel:0800789321` or `sms:7726`.
    pub href: String,
}

/// Every phone or text number in `text`, in order.
pub fn numbers(text: &str) -> Vec<NumberLink> {
    NUMBER
        .find_iter(text)
        .map(|found| {
            let digits: String = found
                .as_str()
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            let scheme = if TEXT_NUMBERS.contains(&digits.as_str()) {
                "sms"
            } else {
                "tel"
            };
            NumberLink {
                range: found.range(),
                href: format!("{scheme}:{digits}"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hrefs(text: &str) -> Vec<String> {
        numbers(text).into_iter().map(|n| n.href).collect()
    }

    #[test]
    fn numbers_to_ring_and_to_text() {
        assert_eq!(
            hrefs("Call 999, or 101. Report Fraud: 0300 123 2040. Samaritans: 116 123."),
            ["tel:999", "tel:101", "tel:03001232040", "tel:116123"]
        );
        assert_eq!(
            hrefs("Forward it to 7726, text SHOUT to 85258, or PAC to 65075."),
            ["sms:7726", "sms:85258", "sms:65075"]
        );
        assert_eq!(hrefs("The hotline is 0800 789 321."), ["tel:0800789321"]);
    }

    #[test]
    fn other_numbers_are_left_alone() {
        assert!(hrefs("The Act of 2023, section 114A, 5 years, 10,000 people, 1999.").is_empty());
        assert!(hrefs("Call 999 then press 55.").len() == 1);
        assert!(hrefs("ref 99912 and 1010").is_empty());
    }
}
