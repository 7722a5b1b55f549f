//! What every page needs to know about the site: base path, content version and the
//! content-hashed URLs of the static assets.

use std::collections::HashMap;

use crate::corpus::{Audience, Category};

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
}

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
        }
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
