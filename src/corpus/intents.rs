//! Intent terms (`index/intents.toml`): words and phrases that mean a search may come from
//! someone in danger, so results open with the emergency card.

use serde::Deserialize;

use super::problem::{Problem, parse_toml};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    urgent: Group,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Group {
    terms: Vec<String>,
}

/// Parse an intents file into its urgent terms, reporting every problem found.
pub fn parse(path: &str, text: &str, problems: &mut Vec<Problem>) -> Vec<String> {
    let Some(file) = parse_toml::<File>(path, text, "intents", problems) else {
        return Vec::new();
    };
    let mut terms: Vec<String> = Vec::with_capacity(file.urgent.terms.len());
    for term in file.urgent.terms {
        let term = term.split_whitespace().collect::<Vec<_>>().join(" ");
        if !term.chars().any(char::is_alphanumeric) {
            problems.push(Problem::new(
                path,
                1,
                format!("intent term `{term}` has no letters or digits"),
            ));
        } else if terms.contains(&term) {
            problems.push(Problem::new(
                path,
                1,
                format!("intent term `{term}` is listed twice"),
            ));
        } else {
            terms.push(term);
        }
    }
    terms
}
