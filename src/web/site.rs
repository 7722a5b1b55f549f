//! What every page needs to know about the site: base path, content version and the
//! content-hashed URLs of the static assets.

use std::collections::HashMap;

use crate::corpus::{Audience, Category, Contact, Contacts, Corpus, Nation};

/// Site-wide values for templates and generated files.
#[derive(Debug, Clone)]
pub struct Site {
    /// Path prefix the app is served under: `""` or e.g. `/security` (no trailing slash).
    pub base: String,
    /// Content version: a hash of the corpus and the assets.
    pub version: String,
    /// Asset route (`/style.css`) → full served URL (`{base}/assets/style.<hash>.css`).
    assets: HashMap<String, String>,
    /// URL of the offline search bundle (content-hashed).
    pub bundle_url: String,
    /// URL of the semantic model the browser engine ranks by meaning with (content-hashed;
    /// fetched after the bundle, never part of the service worker's install).
    pub semantic_url: String,
    /// Rendered for a static host: no server answers `/search` or `/api/search`.
    pub static_site: bool,
    /// Per nation, the reporting guide's section on its police and fraud routes (a path
    /// without the base), when the corpus has one.
    nation_routes: Vec<(Nation, String)>,
    /// An organiser's local contacts, if they gave any.
    contacts: Option<Contacts>,
}

/// The guide whose nation sections give each nation's police and fraud routes.
const REPORTING_SLUG: &str = "reporting-and-contacts";

impl Site {
    /// A site at `base` whose assets are served at the URLs in `assets` and whose offline
    /// search bundle is at `bundle_url`.
    pub fn new(
        base: String,
        version: String,
        assets: HashMap<String, String>,
        bundle_url: String,
    ) -> Site {
        Site {
            base,
            version,
            assets,
            bundle_url,
            semantic_url: String::new(),
            nation_routes: Vec::new(),
            contacts: None,
            static_site: false,
        }
    }

    /// Show `corpus`'s local contacts (if it has any) on every page.
    pub fn set_contacts(&mut self, corpus: &Corpus) {
        self.contacts = corpus.contacts.clone();
    }

    /// The organisation that keeps the local contacts, if there are any.
    pub fn contacts_organisation(&self) -> Option<&str> {
        self.contacts.as_ref().map(|c| c.organisation.as_str())
    }

    /// Every local contact, in the organiser's order.
    pub fn local_contacts(&self) -> Vec<&Contact> {
        self.contacts
            .as_ref()
            .map(|c| c.contacts.iter().collect())
            .unwrap_or_default()
    }

    /// The local contacts to ring from the emergency card: police first, at most two.
    pub fn contacts_to_ring(&self) -> Vec<&Contact> {
        let mut list = self
            .contacts
            .as_ref()
            .map(Contacts::to_ring)
            .unwrap_or_default();
        list.truncate(2);
        list
    }

    /// Find each nation's police and fraud section in the reporting guide of `corpus`.
    pub fn set_nation_routes(&mut self, corpus: &Corpus) {
        let Some(reporting) = corpus.document(REPORTING_SLUG) else {
            self.nation_routes.clear();
            return;
        };
        self.nation_routes = Nation::ALL
            .into_iter()
            .filter_map(|nation| {
                let section = reporting
                    .sections
                    .iter()
                    .find(|s| s.nations.is_tagged() && s.nations.includes(nation))?;
                Some((
                    nation,
                    format!("/guidance/{REPORTING_SLUG}#{}", section.anchor),
                ))
            })
            .collect();
    }

    /// The link to `nation`'s police and fraud routes (with the base), if the corpus has one.
    pub fn nation_route(&self, nation: &str) -> Option<String> {
        self.nation_routes
            .iter()
            .find(|(n, _)| n.as_str() == nation)
            .map(|(_, path)| format!("{}{path}", self.base))
    }

    /// `england=/guidance/...#...;scotland=...`: every nation's route, for the web app.
    pub fn nation_routes_attribute(&self) -> String {
        self.nation_routes
            .iter()
            .map(|(n, path)| format!("{}={path}", n.as_str()))
            .collect::<Vec<_>>()
            .join(";")
    }

    /// A nation's name from its value (`northern-ireland` → `Northern Ireland`).
    pub fn nation_label(&self, value: &str) -> &'static str {
        Nation::parse(value).map_or("", Nation::label)
    }

    /// The served URL of an asset route such as `/style.css`.
    pub fn asset(&self, route: &str) -> String {
        self.assets
            .get(route)
            .cloned()
            .unwrap_or_else(|| format!("{}/assets{route}", self.base))
    }

    /// Every asset URL, for the service worker to precache.
    pub fn asset_urls(&self) -> impl Iterator<Item = &str> {
        self.assets.values().map(String::as_str)
    }

    /// Category values and labels, in display order.
    pub fn categories(&self) -> Vec<(&'static str, &'static str)> {
        Category::ALL
            .iter()
            .map(|c| (c.as_str(), category_label(*c)))
            .collect()
    }

    /// Nation values and names, in display order.
    pub fn nations(&self) -> Vec<(&'static str, &'static str)> {
        Nation::ALL
            .iter()
            .map(|n| (n.as_str(), n.label()))
            .collect()
    }

    /// Audience values and labels, in display order.
    pub fn audiences(&self) -> Vec<(&'static str, &'static str)> {
        Audience::ALL
            .iter()
            .map(|a| (a.as_str(), audience_label(*a)))
            .collect()
    }
}

/// How a category is named to people.
pub fn category_label(category: Category) -> &'static str {
    match category {
        Category::Protective => "Personal safety",
        Category::Cyber => "Accounts, devices and websites",
        Category::Information => "Disinformation and fakes",
        Category::Reporting => "Reporting and contacts",
        Category::General => "Getting started and elections",
    }
}

/// How an audience is named to people ("I am ...").
pub fn audience_label(audience: Audience) -> &'static str {
    match audience {
        Audience::Candidate => "A candidate",
        Audience::Staff => "Campaign or party staff",
        Audience::ElectoralStaff => "Electoral staff",
        Audience::Organisation => "A party or organisation",
    }
}
