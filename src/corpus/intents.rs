//! Intent terms (`index/intents.toml`): words and phrases that mean a search may come from
//! someone in danger, so results open with the emergency card; and words about suicide or
//! self-harm, for which the card also gives Samaritans and Shout.

use serde::Deserialize;

use super::problem::{Problem, parse_toml};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    urgent: Group,
    #[serde(default)]
    support: Option<Group>,
}

/// The intent terms of one file.
#[derive(Debug, Default)]
pub struct Intents {
    /// Danger now: show 999 and the police routes.
    pub urgent: Vec<String>,
    /// Suicide or self-harm: show Samaritans and Shout as well as 999.
    pub support: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Group {
    terms: Vec<String>,
}

/// Parse an intents file into its urgent and support terms, reporting every problem found.
pub fn parse(path: &str, text: &str, problems: &mut Vec<Problem>) -> Intents {
    let Some(file) = parse_toml::<File>(path, text, "intents", problems) else {
        return Intents::default();
    };
    Intents {
        urgent: terms(path, file.urgent.terms, problems),
        support: terms(
            path,
            file.support.map(|g| g.terms).unwrap_or_default(),
            problems,
        ),
    }
}

fn terms(path: &str, listed: Vec<String>, problems: &mut Vec<Problem>) -> Vec<String> {
    let mut terms: Vec<String> = Vec::with_capacity(listed.len());
    for term in listed {
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
