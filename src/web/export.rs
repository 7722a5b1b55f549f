//! The whole app as static files, for any static host or CDN (`export --site DIR`).
//!
//! Every file is the server's own answer, fetched from the app in memory, so the copy is
//! byte for byte what the server sends: pages, hashed assets, the offline bundle, the
//! service worker and the manifest. Pages are written twice, as `about/index.html` and
//! `about.html`, so hosts that map `/about` either way serve them. The pages are rendered
//! for static hosting: the no-JavaScript search form explains instead of posting, and the
//! web app searches only on the device.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

use super::{AppOptions, Hosting, WebConfig, WebError, app_with_routes};
use crate::search::Guide;

/// The largest single file the export expects (the offline bundle is well under this).
const MAX_FILE_BYTES: usize = 64 << 20;

/// Why the site could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The app could not be built.
    #[error(transparent)]
    Web(#[from] WebError),
    /// A route did not answer as a static file should.
    #[error("{url} answered {status}; nothing was written for it")]
    Route {
        /// The URL asked for.
        url: String,
        /// What it answered.
        status: StatusCode,
    },
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A body could not be read.
    #[error("cannot read the answer for {0}")]
    Body(String),
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportReport {
    /// Files written.
    pub files: usize,
    /// Their total size in bytes.
    pub bytes: u64,
    /// Pages among them (each written as `x/index.html` and `x.html`).
    pub pages: usize,
}

/// Write the app for `guide`, to be hosted at `base_path` (empty: the host's root), into `out`.
pub async fn write_site(
    guide: Arc<Guide>,
    base_path: &str,
    out: &Path,
) -> Result<ExportReport, ExportError> {
    let config = WebConfig {
        base_path: base_path.to_owned(),
        ..WebConfig::default()
    };
    let options = AppOptions {
        hosting: Hosting::Static,
        ..AppOptions::default()
    };
    let (router, _, urls) = app_with_routes(guide, &config, &options)?;
    let base = super::normalise_base_path(base_path)?;
    let mut report = ExportReport::default();
    for url in urls {
        let response = router
            .clone()
            .oneshot(
                Request::get(url.as_str())
                    .body(Body::empty())
                    .map_err(|_| ExportError::Body(url.clone()))?,
            )
            .await
            .unwrap_or_else(|never| match never {});
        let status = response.status();
        if status != StatusCode::OK {
            return Err(ExportError::Route { url, status });
        }
        let body = to_bytes(response.into_body(), MAX_FILE_BYTES)
            .await
            .map_err(|_| ExportError::Body(url.clone()))?;
        let relative = url.strip_prefix(base.as_str()).unwrap_or(&url);
        let targets = file_names(relative);
        if targets.len() > 1 {
            report.pages += 1;
        }
        for target in targets {
            let path = out.join(&target);
            write(&path, &body)?;
            report.files += 1;
            report.bytes += body.len() as u64;
            // The semantic model barely compresses on the fly and hosts rarely try: its brotli
            // form beside it, for hosts that serve precompressed files (nginx brotli_static).
            if target.starts_with("bundle/semantic-model.") {
                let compressed = crate::search::semantic::model::EMBEDDED_MODEL_BROTLI;
                write(&out.join(format!("{target}.br")), compressed)?;
                report.files += 1;
                report.bytes += compressed.len() as u64;
            }
        }
    }
    Ok(report)
}

/// The files a route is written to, relative to the output directory.
fn file_names(route: &str) -> Vec<String> {
    let trimmed = route.trim_start_matches('/');
    if trimmed.is_empty() {
        return vec!["index.html".to_owned()];
    }
    if trimmed == "404" {
        return vec!["404.html".to_owned()];
    }
    let last = trimmed.rsplit('/').next().unwrap_or(trimmed);
    // Assets, the bundle, sw.js, the manifest and the JSON documents keep their names.
    if last.contains('.') || trimmed.starts_with("api/") {
        return vec![trimmed.to_owned()];
    }
    vec![format!("{trimmed}/index.html"), format!("{trimmed}.html")]
}

fn write(path: &Path, body: &[u8]) -> Result<(), ExportError> {
    let fail = |source| ExportError::Write {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    std::fs::write(path, body).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_get_both_names_and_files_keep_theirs() {
        assert_eq!(file_names("/"), ["index.html"]);
        assert_eq!(
            file_names("/guidance/account-device-cyber"),
            [
                "guidance/account-device-cyber/index.html",
                "guidance/account-device-cyber.html"
            ]
        );
        assert_eq!(file_names("/sw.js"), ["sw.js"]);
        assert_eq!(
            file_names("/assets/app.0123abcd.js"),
            ["assets/app.0123abcd.js"]
        );
        assert_eq!(file_names("/api/version"), ["api/version"]);
        assert_eq!(file_names("/404"), ["404.html"]);
    }
}
