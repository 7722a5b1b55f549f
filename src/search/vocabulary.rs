//! The vocabulary: every surface form in the corpus and the synonyms, mapped to its index term.
//!
//! Query words are looked up here, never stemmed on their own, so the offline engine (which
//! ships this table instead of a stemmer) reads a query exactly as the server does. Words not
//! in the vocabulary are matched by edit distance; the last word of a query also by prefix.

use std::collections::BTreeMap;

/// Typo tolerance: words of at least this many characters may have one edit...
pub const ONE_EDIT_MIN_CHARS: usize = 4;
/// ...and words of at least this many characters may have two.
pub const TWO_EDITS_MIN_CHARS: usize = 8;
/// Most distinct terms a misspelt word expands to.
pub const MAX_FUZZY_TERMS: usize = 3;
/// Shortest last word that is expanded as a prefix.
pub const MIN_PREFIX_CHARS: usize = 3;
/// Most distinct terms a prefix expands to.
pub const MAX_PREFIX_TERMS: usize = 6;

/// A surface form's entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The index term the surface form maps to.
    pub term: String,
    /// How often the surface form occurs in the corpus (0 for synonym-only words).
    pub count: u32,
}

/// A vocabulary word that a query word was matched to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<'a> {
    /// The vocabulary word.
    pub surface: &'a str,
    /// Its index term.
    pub term: &'a str,
    /// Edit distance from the query word (0 for prefix matches).
    pub distance: usize,
}

/// Surface form → term, sorted so prefixes are ranges, with the words also grouped by length
/// in characters so typo matching only compares words of a possible length.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    words: BTreeMap<String, Entry>,
    by_length: Vec<Vec<LengthEntry>>,
}

/// A word in its length bucket: its characters, its letter mask (see [`letter_mask`]) and
/// the word itself.
#[derive(Debug, Clone)]
struct LengthEntry {
    chars: Box<[char]>,
    letters: u64,
    word: String,
}

impl Vocabulary {
    /// Add a surface form that occurs `count` times (0 for words only in synonyms).
    pub fn insert(&mut self, surface: &str, term: &str, count: u32) {
        if let Some(entry) = self.words.get_mut(surface) {
            entry.count = entry.count.saturating_add(count);
            return;
        }
        let chars: Box<[char]> = surface.chars().collect();
        if self.by_length.len() <= chars.len() {
            self.by_length.resize_with(chars.len() + 1, Vec::new);
        }
        let length = chars.len();
        self.by_length[length].push(LengthEntry {
            letters: letter_mask(&chars),
            chars,
            word: surface.to_owned(),
        });
        self.words.insert(
            surface.to_owned(),
            Entry {
                term: term.to_owned(),
                count,
            },
        );
    }

    /// The term of an exactly known surface form.
    pub fn term(&self, surface: &str) -> Option<&str> {
        self.words.get(surface).map(|e| e.term.as_str())
    }

    /// Number of surface forms.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether the vocabulary is empty.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Every surface form with its entry, in sorted order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Entry)> {
        self.words.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The edits allowed for a word of `chars` characters.
    pub fn allowed_edits(chars: usize) -> usize {
        if chars >= TWO_EDITS_MIN_CHARS {
            2
        } else if chars >= ONE_EDIT_MIN_CHARS {
            1
        } else {
            0
        }
    }

    /// Vocabulary words within the allowed edit distance of `surface`: closest first, then
    /// those with the same first letter, then most frequent, then alphabetical; at most
    /// [`MAX_FUZZY_TERMS`] distinct terms.
    pub fn fuzzy(&self, surface: &str) -> Vec<Candidate<'_>> {
        let query: Vec<char> = surface.chars().collect();
        let max = Vocabulary::allowed_edits(query.len());
        if max == 0 {
            return Vec::new();
        }
        let mut found: Vec<(usize, &str, &Entry)> = Vec::new();
        let mut scratch = Scratch::default();
        let query_letters = letter_mask(&query);
        let lengths = query.len().saturating_sub(max)..=query.len() + max;
        for bucket in lengths.filter_map(|len| self.by_length.get(len)) {
            for LengthEntry {
                chars,
                letters,
                word,
            } in bucket
            {
                // Each edit adds or removes at most one distinct letter, so words whose letters
                // differ by more than `max` on either side cannot be close enough.
                let letters = *letters;
                if (query_letters & !letters).count_ones() as usize > max
                    || (letters & !query_letters).count_ones() as usize > max
                {
                    continue;
                }
                if let Some(distance) = scratch.bounded_distance(&query, chars, max)
                    && let Some(entry) = self.words.get(word)
                {
                    found.push((distance, word, entry));
                }
            }
        }
        // Closest first; then words that keep the typed first letter (people rarely mistype
        // it); then the most frequent; then alphabetical, so the order is total.
        let first = query.first().copied();
        let keeps_first = |word: &str| word.chars().next() == first;
        found.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then(keeps_first(b.1).cmp(&keeps_first(a.1)))
                .then(b.2.count.cmp(&a.2.count))
                .then(a.1.cmp(b.1))
        });
        distinct_terms(found.into_iter(), MAX_FUZZY_TERMS)
    }

    /// Vocabulary words that start with `prefix` (other than `prefix` itself), most frequent
    /// first, then alphabetical; at most [`MAX_PREFIX_TERMS`] distinct terms.
    pub fn prefixed(&self, prefix: &str) -> Vec<Candidate<'_>> {
        if prefix.chars().count() < MIN_PREFIX_CHARS {
            return Vec::new();
        }
        let mut found: Vec<(&str, &Entry)> = self
            .words
            .range::<str, _>((
                std::ops::Bound::Excluded(prefix),
                std::ops::Bound::Unbounded,
            ))
            .take_while(|(w, _)| w.starts_with(prefix))
            .map(|(w, e)| (w.as_str(), e))
            .collect();
        found.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
        distinct_terms(found.into_iter().map(|(w, e)| (0, w, e)), MAX_PREFIX_TERMS)
    }
}

fn distinct_terms<'a>(
    sorted: impl Iterator<Item = (usize, &'a str, &'a Entry)>,
    max: usize,
) -> Vec<Candidate<'a>> {
    let mut out: Vec<Candidate<'a>> = Vec::new();
    for (distance, surface, entry) in sorted {
        if out.iter().any(|c| c.term == entry.term) {
            continue;
        }
        if out.len() == max {
            break;
        }
        out.push(Candidate {
            surface,
            term: &entry.term,
            distance,
        });
    }
    out
}

/// A bit per distinct ASCII letter or digit (other characters share one bit).
fn letter_mask(chars: &[char]) -> u64 {
    chars.iter().fold(0, |mask, &c| {
        let bit = match c {
            'a'..='z' => c as u32 - 'a' as u32,
            '0'..='9' => 26 + c as u32 - '0' as u32,
            _ => 36,
        };
        mask | 1 << bit
    })
}

/// Reusable rows for [`bounded_distance`].
#[derive(Debug, Default)]
struct Scratch {
    before: Vec<usize>,
    previous: Vec<usize>,
    current: Vec<usize>,
}

impl Scratch {
    fn bounded_distance(&mut self, a: &[char], b: &[char], max: usize) -> Option<usize> {
        if a.len().abs_diff(b.len()) > max {
            return None;
        }
        let width = b.len() + 1;
        let Scratch {
            before,
            previous,
            current,
        } = self;
        before.clear();
        before.resize(width, 0);
        previous.clear();
        previous.extend(0..width);
        current.clear();
        current.resize(width, 0);
        for i in 1..=a.len() {
            current[0] = i;
            let mut row_min = current[0];
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut value = (previous[j] + 1)
                    .min(current[j - 1] + 1)
                    .min(previous[j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    value = value.min(before[j - 2] + 1);
                }
                current[j] = value;
                row_min = row_min.min(value);
            }
            if row_min > max {
                return None;
            }
            std::mem::swap(before, previous);
            std::mem::swap(previous, current);
        }
        let distance = previous[b.len()];
        (distance <= max).then_some(distance)
    }
}

/// Optimal-string-alignment distance (insertions, deletions, substitutions and swaps of
/// adjacent characters each cost one), or `None` if it exceeds `max`.
pub fn bounded_distance(a: &[char], b: &[char], max: usize) -> Option<usize> {
    Scratch::default().bounded_distance(a, b, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    fn vocabulary(words: &[(&str, &str, u32)]) -> Vocabulary {
        let mut v = Vocabulary::default();
        for (surface, term, count) in words {
            v.insert(surface, term, *count);
        }
        v
    }

    #[test]
    fn distance_counts_swaps_as_one_edit() {
        assert_eq!(
            bounded_distance(&chars("pasword"), &chars("password"), 2),
            Some(1)
        );
        assert_eq!(
            bounded_distance(&chars("manger"), &chars("manager"), 2),
            Some(1)
        );
        assert_eq!(bounded_distance(&chars("teh"), &chars("the"), 1), Some(1));
        assert_eq!(bounded_distance(&chars("abc"), &chars("xyz"), 2), None);
        assert_eq!(bounded_distance(&chars(""), &chars("ab"), 2), Some(2));
    }

    #[test]
    fn fuzzy_prefers_close_then_frequent_words() {
        let v = vocabulary(&[
            ("password", "password", 5),
            ("passwords", "password", 9),
            ("passport", "passport", 1),
        ]);
        let found: Vec<_> = v.fuzzy("pasword").into_iter().map(|c| c.surface).collect();
        assert_eq!(found, ["password"]);
        assert!(
            v.fuzzy("pas").is_empty(),
            "three letters get no typo tolerance"
        );
        let v = vocabulary(&[("danger", "danger", 50), ("manager", "manag", 2)]);
        let found: Vec<_> = v.fuzzy("manger").into_iter().map(|c| c.surface).collect();
        assert_eq!(
            found,
            ["manager", "danger"],
            "a kept first letter beats frequency"
        );
    }

    #[test]
    fn prefixes_expand_to_frequent_terms() {
        let v = vocabulary(&[
            ("phishing", "phish", 4),
            ("phished", "phish", 1),
            ("phone", "phone", 9),
        ]);
        let found: Vec<_> = v.prefixed("phis").into_iter().map(|c| c.term).collect();
        assert_eq!(found, ["phish"]);
        let found: Vec<_> = v.prefixed("pho").into_iter().map(|c| c.term).collect();
        assert_eq!(found, ["phone"]);
        assert!(
            v.prefixed("ph").is_empty(),
            "two letters are not expanded: too many words start so"
        );
        assert!(
            v.prefixed("phone").is_empty(),
            "the word itself is not a prefix match"
        );
    }
}
