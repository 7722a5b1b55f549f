//! An organiser's local contacts (`contacts.toml` in their guidance directory): who to ring
//! locally. They appear on every page's emergency card, on the home and reporting pages, in
//! the offline copy, and as a document of their own that search finds ("my police contact").
//!
//! ```toml
//! organisation = "North Shire Elections Office"
//!
//! [[contact]]
//! role = "police"            # police | security-lead | out-of-hours | other
//! name = "PC Sam Patel, Force Elected Official Adviser"
//! phone = "01632 960 123"
//! email = "sam.patel@example.police.uk"
//! note = "Say 'Operation Ford' when you call."
//! last_checked = 2026-11-20
//! ```
//!
//! Every value is checked strictly; each problem is a `path:line: message`.

use serde::Deserialize;
use toml::Spanned;

use super::front_matter::{Audience, Category, FrontMatter, check_date};
use super::markdown;
use super::problem::{Problem, line_of, parse_toml};
use super::{Document, short_hash};

/// The slug of the document made from the contacts.
pub const CONTACTS_SLUG: &str = "local-contacts";

/// What a contact is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContactRole {
    /// The police contact for candidates (a SPoC or Force Elected Official Adviser).
    Police,
    /// The party's or office's security lead.
    SecurityLead,
    /// Who to ring out of hours.
    OutOfHours,
    /// Anyone else worth having.
    Other,
}

impl ContactRole {
    const NAMES: [(&'static str, ContactRole); 4] = [
        ("police", ContactRole::Police),
        ("security-lead", ContactRole::SecurityLead),
        ("out-of-hours", ContactRole::OutOfHours),
        ("other", ContactRole::Other),
    ];

    fn parse(name: &str) -> Option<ContactRole> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, role)| *role)
    }

    /// The role as people read it.
    pub fn label(self) -> &'static str {
        match self {
            ContactRole::Police => "Police contact for candidates",
            ContactRole::SecurityLead => "Security lead",
            ContactRole::OutOfHours => "Out of hours",
            ContactRole::Other => "Local contact",
        }
    }

    /// A sentence saying when to ring, with the words people search for.
    fn when_to_ring(self) -> &'static str {
        match self {
            ContactRole::Police => {
                "This is who to ring at the police about your safety as a candidate, or to report a threat that is not an emergency."
            }
            ContactRole::SecurityLead => {
                "This is your security lead. Ring them about any security worry: threats, abuse, a suspicious item or a hacked account."
            }
            ContactRole::OutOfHours => {
                "Who to ring at night, at weekends and on bank holidays, when the office is closed."
            }
            ContactRole::Other => "A local contact your organiser wants you to have.",
        }
    }
}

/// One person or service to ring.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Contact {
    /// What the contact is for.
    pub role: ContactRole,
    /// Who they are.
    pub name: String,
    /// Their phone number as written (validated).
    pub phone: Option<String>,
    /// The phone number's digits for a `tel:` link (`+44...` kept).
    pub phone_link: Option<String>,
    /// Their email address (validated).
    pub email: Option<String>,
    /// Anything else to know.
    pub note: Option<String>,
    /// When the details were last checked (`YYYY-MM-DD`).
    pub last_checked: String,
}

/// The organiser's contacts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Contacts {
    /// The organisation that keeps them.
    pub organisation: String,
    /// The contacts, in file order.
    pub contacts: Vec<Contact>,
}

impl Contacts {
    /// The contacts with a phone number, police first.
    pub fn to_ring(&self) -> Vec<&Contact> {
        let mut list: Vec<&Contact> = self.contacts.iter().filter(|c| c.phone.is_some()).collect();
        list.sort_by_key(|c| c.role != ContactRole::Police);
        list
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    organisation: Spanned<String>,
    #[serde(default)]
    contact: Vec<RawContact>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContact {
    role: Spanned<String>,
    name: Spanned<String>,
    phone: Option<Spanned<String>>,
    email: Option<Spanned<String>>,
    note: Option<Spanned<String>>,
    last_checked: Spanned<toml::Value>,
}

/// Parse and check a contacts file, recording every problem.
pub fn parse(path: &str, text: &str, problems: &mut Vec<Problem>) -> Option<Contacts> {
    let file: File = parse_toml(path, text, "contacts", problems)?;
    let before = problems.len();
    let line = |span: std::ops::Range<usize>| line_of(text, span.start);
    let organisation = file.organisation.get_ref().trim().to_owned();
    if organisation.is_empty() {
        problems.push(Problem::new(
            path,
            line(file.organisation.span()),
            "`organisation` is empty: give the name people know you by",
        ));
    }
    if file.contact.is_empty() {
        problems.push(Problem::new(
            path,
            1,
            "no `[[contact]]` entries: add at least one, or remove the file",
        ));
    }
    let mut contacts = Vec::with_capacity(file.contact.len());
    for raw in file.contact {
        let role_line = line(raw.role.span());
        let role = ContactRole::parse(raw.role.get_ref().trim());
        if role.is_none() {
            problems.push(Problem::new(
                path,
                role_line,
                format!(
                    "unknown role `{}`: use police, security-lead, out-of-hours or other",
                    raw.role.get_ref()
                ),
            ));
        }
        let name = raw.name.get_ref().trim().to_owned();
        if name.is_empty() {
            problems.push(Problem::new(path, line(raw.name.span()), "`name` is empty"));
        }
        let phone = raw.phone.as_ref().and_then(|phone| {
            check_phone(phone.get_ref())
                .map_err(|message| problems.push(Problem::new(path, line(phone.span()), message)))
                .ok()
                .map(|link| (phone.get_ref().trim().to_owned(), link))
        });
        let email = raw.email.as_ref().and_then(|email| {
            check_email(email.get_ref())
                .map_err(|message| problems.push(Problem::new(path, line(email.span()), message)))
                .ok()
        });
        if raw.phone.is_none() && raw.email.is_none() {
            problems.push(Problem::new(
                path,
                role_line,
                format!("contact `{name}` has neither a `phone` nor an `email`"),
            ));
        }
        let last_checked = check_date("last_checked", raw.last_checked.get_ref())
            .map_err(|message| {
                problems.push(Problem::new(path, line(raw.last_checked.span()), message));
            })
            .ok();
        if let (Some(role), Some(last_checked)) = (role, last_checked) {
            contacts.push(Contact {
                role,
                name,
                phone_link: phone.as_ref().map(|(_, link)| link.clone()),
                phone: phone.map(|(shown, _)| shown),
                email,
                note: raw
                    .note
                    .map(|n| n.into_inner().trim().to_owned())
                    .filter(|n| !n.is_empty()),
                last_checked,
            });
        }
    }
    (problems.len() == before).then_some(Contacts {
        organisation,
        contacts,
    })
}

/// Check a phone number as people write it; returns its `tel:` form.
fn check_phone(written: &str) -> Result<String, String> {
    let trimmed = written.trim();
    if let Some(bad) = trimmed
        .chars()
        .find(|c| !(c.is_ascii_digit() || matches!(c, ' ' | '+' | '(' | ')' | '-')))
    {
        return Err(format!(
            "phone `{written}` has `{bad}`: use digits and spaces, such as 01632 960 123 or +44 1632 960 123"
        ));
    }
    let international = trimmed.starts_with('+');
    if trimmed[usize::from(international)..].contains('+') {
        return Err(format!("phone `{written}`: `+` may only start the number"));
    }
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    let valid = if international {
        (8..=15).contains(&digits.len())
    } else if digits.starts_with('0') {
        (10..=11).contains(&digits.len())
    } else {
        (3..=6).contains(&digits.len())
    };
    if !valid {
        return Err(format!(
            "phone `{written}` is not a whole number: a UK number has 10 or 11 digits and starts with 0 (or +44), a short number 3 to 6"
        ));
    }
    Ok(if international {
        format!("+{digits}")
    } else {
        digits
    })
}

/// Check an email address's shape: one `@`, a name before it, a domain with a dot after it.
fn check_email(written: &str) -> Result<String, String> {
    let email = written.trim();
    let bad = || format!("email `{written}` is not an address such as name@example.org");
    let (local, domain) = email.split_once('@').ok_or_else(bad)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
    let local_ok = !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    if domain_ok && local_ok {
        Ok(email.to_owned())
    } else {
        Err(bad())
    }
}

/// Markdown with its special characters escaped, for text an organiser wrote.
fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\`*_{}[]()<>#+-.!|~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The document made from the contacts: an introduction and a section per contact.
pub fn document(path: &str, contacts: &Contacts, problems: &mut Vec<Problem>) -> Document {
    let organisation = escape_markdown(&contacts.organisation);
    let mut body = format!(
        "Your local contacts, kept by {organisation}. Save them in your phone now, so you have them when you need them. In an emergency, call 999.\n\n- [ ] Save these local numbers in your phone {{#save-local-contacts}}\n"
    );
    for (index, contact) in contacts.contacts.iter().enumerate() {
        body.push_str(&format!(
            "\n## {}: {} {{#contact-{}}}\n\n{}\n\n",
            contact.role.label(),
            escape_markdown(&contact.name),
            index + 1,
            contact.role.when_to_ring()
        ));
        if let Some(phone) = &contact.phone {
            body.push_str(&format!("- Phone: {}\n", escape_markdown(phone)));
        }
        if let Some(email) = &contact.email {
            body.push_str(&format!("- Email: <{email}>\n"));
        }
        if let Some(note) = &contact.note {
            body.push_str(&format!("- {}\n", escape_markdown(note)));
        }
        body.push_str(&format!(
            "\n{organisation} last checked these details on {}.\n",
            contact.last_checked
        ));
    }
    let sections = markdown::sections(path, &body, 1, problems);
    let last_reviewed = contacts
        .contacts
        .iter()
        .map(|c| c.last_checked.clone())
        .max()
        .unwrap_or_default();
    Document {
        meta: FrontMatter {
            title: "Your local contacts: who to ring".to_owned(),
            slug: CONTACTS_SLUG.to_owned(),
            summary: format!(
                "Who to ring locally, from {}: the police contact for candidates, the security lead and out-of-hours numbers.",
                contacts.organisation
            ),
            category: Category::Reporting,
            audience: vec![
                Audience::Candidate,
                Audience::Staff,
                Audience::ElectoralStaff,
                Audience::Organisation,
            ],
            owners: vec![contacts.organisation.clone()],
            sources: Vec::new(),
            last_reviewed,
        },
        sections,
        path: path.to_owned(),
        hash: short_hash(body.as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_checked_and_linked() {
        assert_eq!(check_phone("01632 960 123").as_deref(), Ok("01632960123"));
        assert_eq!(
            check_phone("+44 1632 960123").as_deref(),
            Ok("+441632960123")
        );
        assert_eq!(check_phone("101").as_deref(), Ok("101"));
        for bad in [
            "01632 960",
            "ring me",
            "0163a 960 123",
            "44+1632960123",
            "0",
        ] {
            assert!(check_phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn email_addresses_are_checked() {
        assert!(check_email("sam.patel@example.police.uk").is_ok());
        for bad in [
            "sam",
            "sam@",
            "@example.org",
            "sam@example",
            "sam @example.org",
            "a@b..uk",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_problem_has_its_line() {
        let text = "organisation = \"Office\"\n\n[[contact]]\nrole = \"police\"\nname = \"Sam\"\nphone = \"12\"\nemail = \"nope\"\nlast_checked = 2031-01-01\n";
        let mut problems = Vec::new();
        assert!(parse("contacts.toml", text, &mut problems).is_none());
        let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(
            shown
                .iter()
                .any(|p| p.starts_with("contacts.toml:6: phone `12`")),
            "{shown:?}"
        );
        assert!(
            shown
                .iter()
                .any(|p| p.starts_with("contacts.toml:7: email `nope`")),
            "{shown:?}"
        );
        assert!(
            shown.iter().any(|p| p.starts_with("contacts.toml:8:")),
            "{shown:?}"
        );
    }

    #[test]
    fn a_good_file_makes_a_searchable_document() {
        let text = "organisation = \"North Shire Elections Office\"\n\n[[contact]]\nrole = \"police\"\nname = \"PC Sam Patel\"\nphone = \"01632 960 123\"\nlast_checked = 2026-11-20\n\n[[contact]]\nrole = \"out-of-hours\"\nname = \"Duty officer\"\nphone = \"01632 960 999\"\nemail = \"duty@example.org\"\nnote = \"Text first if you can.\"\nlast_checked = 2026-11-21\n";
        let mut problems = Vec::new();
        let contacts = parse("contacts.toml", text, &mut problems).expect("valid");
        assert!(problems.is_empty(), "{problems:?}");
        let document = document("contacts.toml", &contacts, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(document.meta.slug, CONTACTS_SLUG);
        assert_eq!(document.meta.last_reviewed, "2026-11-21");
        assert_eq!(document.sections.len(), 3);
        assert!(document.sections[1].heading.contains("PC Sam Patel"));
        assert!(document.sections[1].text.contains("01632 960 123"));
        assert!(document.sections[2].text.contains("duty@example.org"));
    }
}
