//! The four UK nations, and the set of them a section of guidance applies to.
//!
//! Law, prosecutors, police reporting routes and election rules differ between England,
//! Wales, Scotland and Northern Ireland. A section may say which nations it covers; a section
//! that says nothing covers all four.

use std::fmt;

/// One of the four nations of the UK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Nation {
    /// England.
    England,
    /// Wales.
    Wales,
    /// Scotland.
    Scotland,
    /// Northern Ireland.
    NorthernIreland,
}

impl Nation {
    /// Every nation, in the order they are listed to people.
    pub const ALL: [Nation; 4] = [
        Nation::England,
        Nation::Wales,
        Nation::Scotland,
        Nation::NorthernIreland,
    ];

    /// The name used in files, URLs and the API: `england`, `wales`, `scotland`, `northern-ireland`.
    pub fn as_str(self) -> &'static str {
        match self {
            Nation::England => "england",
            Nation::Wales => "wales",
            Nation::Scotland => "scotland",
            Nation::NorthernIreland => "northern-ireland",
        }
    }

    /// The nation's name as people read it: `Northern Ireland`.
    pub fn label(self) -> &'static str {
        match self {
            Nation::England => "England",
            Nation::Wales => "Wales",
            Nation::Scotland => "Scotland",
            Nation::NorthernIreland => "Northern Ireland",
        }
    }

    /// Parse a nation's file/URL name.
    pub fn parse(name: &str) -> Option<Nation> {
        Nation::ALL.into_iter().find(|n| n.as_str() == name)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Nation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The nations a section applies to. Empty means "every nation" (the section was not tagged).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Nations(u8);

impl Nations {
    /// Applies everywhere: no tag.
    pub const ALL: Nations = Nations(0);

    /// A set holding the given nations. An empty list means every nation.
    pub fn of(nations: &[Nation]) -> Nations {
        Nations(nations.iter().fold(0, |bits, n| bits | n.bit()))
    }

    /// True when the section was tagged with particular nations.
    pub fn is_tagged(self) -> bool {
        self.0 != 0
    }

    /// True when the section was not tagged: it applies in every nation.
    pub fn applies_everywhere(&self) -> bool {
        !self.is_tagged()
    }

    /// True when the guidance applies in `nation` (always, for untagged guidance).
    pub fn includes(self, nation: Nation) -> bool {
        !self.is_tagged() || self.0 & nation.bit() != 0
    }

    /// The tagged nations in their usual order (empty when untagged).
    pub fn iter(self) -> impl Iterator<Item = Nation> {
        Nation::ALL
            .into_iter()
            .filter(move |n| self.0 & n.bit() != 0)
    }

    /// The bit mask, one bit per nation in [`Nation::ALL`] order; 0 when untagged.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// "Scotland", "England and Wales", "England, Wales and Northern Ireland"; empty when untagged.
    pub fn label(self) -> String {
        let names: Vec<&str> = self.iter().map(Nation::label).collect();
        match names.as_slice() {
            [] => String::new(),
            [one] => (*one).to_owned(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        }
    }

    /// Parse a comma-separated list such as `england,wales`.
    pub fn parse_list(list: &str) -> Result<Nations, String> {
        let mut nations = Vec::new();
        for name in list.split(',') {
            let name = name.trim();
            match Nation::parse(name) {
                Some(n) if nations.contains(&n) => {
                    return Err(format!("nation `{name}` is listed twice"));
                }
                Some(n) => nations.push(n),
                None => {
                    return Err(format!(
                        "unknown nation `{name}`: use england, wales, scotland or northern-ireland, separated by commas"
                    ));
                }
            }
        }
        if nations.len() == Nation::ALL.len() {
            return Err("all four nations are listed: leave `nations=` out instead".to_owned());
        }
        Ok(Nations::of(&nations))
    }
}

impl serde::Serialize for Nations {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter().map(Nation::as_str))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_and_label_in_order() {
        let nations = Nations::parse_list("wales,england").expect("valid");
        assert_eq!(nations.label(), "England and Wales");
        assert!(nations.includes(Nation::Wales));
        assert!(!nations.includes(Nation::Scotland));
        let three = Nations::parse_list("northern-ireland,england,wales").expect("valid");
        assert_eq!(three.label(), "England, Wales and Northern Ireland");
    }

    #[test]
    fn untagged_applies_everywhere() {
        assert!(Nation::ALL.into_iter().all(|n| Nations::ALL.includes(n)));
        assert_eq!(Nations::ALL.label(), "");
    }

    #[test]
    fn bad_lists_are_refused_with_a_reason() {
        assert!(Nations::parse_list("scotland,").is_err());
        assert!(
            Nations::parse_list("ni")
                .expect_err("unknown")
                .contains("unknown nation `ni`")
        );
        assert!(Nations::parse_list("wales,wales").is_err());
        assert!(Nations::parse_list("england,wales,scotland,northern-ireland").is_err());
    }
}
