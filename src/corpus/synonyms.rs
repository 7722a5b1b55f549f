//! Synonym groups (`index/synonyms.toml`): words and phrases that mean the same thing to a searcher.

use serde::Deserialize;
use toml::Spanned;

use super::problem::{Problem, line_of, parse_toml};

/// A group of terms that all match each other; a term may be several words long.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SynonymGroup {
    /// The terms as written in the file.
    pub terms: Vec<String>,
    /// 1-based line of the group in the file.
    #[serde(skip)]
    pub line: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    group: Vec<Spanned<Group>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Group {
    terms: Vec<String>,
}

/// Parse a synonyms file, reporting every problem found.
pub fn parse(path: &str, text: &str, problems: &mut Vec<Problem>) -> Vec<SynonymGroup> {
    let Some(file) = parse_toml::<File>(path, text, "synonyms", problems) else {
        return Vec::new();
    };
    let mut groups: Vec<SynonymGroup> = Vec::with_capacity(file.group.len());
    for spanned in file.group {
        let line = line_of(text, spanned.span().start);
        let terms: Vec<String> = spanned
            .into_inner()
            .terms
            .iter()
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        if terms.len() < 2 {
            problems.push(Problem::new(
                path,
                line,
                "a synonym group needs at least two terms",
            ));
        }
        for term in &terms {
            if !term.chars().any(char::is_alphanumeric) {
                problems.push(Problem::new(
                    path,
                    line,
                    format!("synonym `{term}` has no letters or digits"),
                ));
                continue;
            }
            let key = term.to_lowercase();
            let earlier = groups
                .iter()
                .find(|g| g.terms.iter().any(|t| t.to_lowercase() == key))
                .map(|g| g.line);
            let repeated = terms.iter().filter(|t| t.to_lowercase() == key).count() > 1;
            if let Some(first) = earlier {
                problems.push(Problem::new(
                    path,
                    line,
                    format!(
                        "synonym `{term}` is already in the group on line {first}: merge the groups"
                    ),
                ));
            } else if repeated {
                problems.push(Problem::new(
                    path,
                    line,
                    format!("synonym `{term}` is listed twice"),
                ));
            }
        }
        groups.push(SynonymGroup { terms, line });
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_parse_and_problems_have_lines() {
        let text = "[[group]]\nterms = [\"2fa\", \"two-step   verification\"]\n\n[[group]]\nterms = [\"2FA\", \"mfa\"]\n\n[[group]]\nterms = [\"lonely\"]\n";
        let mut problems = Vec::new();
        let groups = parse("synonyms.toml", text, &mut problems);
        assert_eq!(groups[0].terms, ["2fa", "two-step verification"]);
        assert_eq!(groups[0].line, 1);
        let lines: Vec<_> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [4, 7], "{problems:?}");
    }

    #[test]
    fn unknown_keys_are_errors() {
        let mut problems = Vec::new();
        parse(
            "s.toml",
            "[[group]]\nterms = [\"a\", \"b\"]\noneway = true\n",
            &mut problems,
        );
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("oneway"), "{problems:?}");
    }
}
