//! SIGHUP: re-read the organiser's guidance directory without a restart. A valid directory
//! replaces the app at once (requests in flight finish on the old one; the web app's update
//! notice then names the documents that changed, as for a new release); a directory with
//! problems is refused, each problem logged, and the old guidance goes on being served.

use std::collections::BTreeMap;
use std::sync::Arc;

use candidate_security::search::GuideError;
use candidate_security::web::{self, AppOptions, WebConfig};
use candidate_security::{Guide, server};

use super::GuidanceArgs;

/// SIGHUP, caught from the moment this is created.
pub struct Hangups {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl Hangups {
    /// Start catching SIGHUP. Must be called inside a Tokio runtime.
    pub fn listen() -> std::io::Result<Hangups> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Hangups {
                signal: signal(SignalKind::hangup())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Hangups {})
        }
    }

    async fn recv(&mut self) -> Option<()> {
        #[cfg(unix)]
        {
            self.signal.recv().await
        }
        #[cfg(not(unix))]
        {
            std::future::pending().await
        }
    }
}

/// Everything needed to build the app again from the same settings.
pub struct Reloader {
    /// Where the guidance comes from.
    pub guidance: GuidanceArgs,
    /// The web settings the server started with.
    pub config: WebConfig,
    /// The same readiness and metrics as the running app.
    pub options: AppOptions,
    /// The app being served.
    pub live: server::LiveApp,
    /// The guidance being served now.
    pub serving: Arc<Guide>,
}

/// What a reload changed, by document slug.
#[derive(Debug, Default, PartialEq, Eq)]
struct Changes {
    added: Vec<String>,
    changed: Vec<String>,
    removed: Vec<String>,
}

impl Changes {
    fn between(old: &Guide, new: &Guide) -> Changes {
        let hashes = |guide: &Guide| -> BTreeMap<String, String> {
            guide
                .corpus()
                .documents
                .iter()
                .map(|d| (d.meta.slug.clone(), d.hash.clone()))
                .collect()
        };
        let (old, new) = (hashes(old), hashes(new));
        let mut changes = Changes::default();
        for (slug, hash) in &new {
            match old.get(slug) {
                None => changes.added.push(slug.clone()),
                Some(before) if before != hash => changes.changed.push(slug.clone()),
                Some(_) => {}
            }
        }
        changes.removed = old
            .keys()
            .filter(|s| !new.contains_key(*s))
            .cloned()
            .collect();
        changes
    }
}

impl Reloader {
    /// Reload on every SIGHUP until the process ends.
    pub async fn watch(mut self, mut hangups: Hangups) {
        while hangups.recv().await.is_some() {
            tracing::info!(
                guidance = %self.guidance.describe(),
                "SIGHUP: reading the guidance again"
            );
            let guidance = self.guidance.clone();
            let config = self.config.clone();
            let options = self.options.clone();
            // Indexing and rendering take a moment of CPU: off the request threads.
            let built = tokio::task::spawn_blocking(move || -> Result<_, String> {
                let (guide, _) = guidance.open_guide().map_err(|error| match error {
                    GuideError::Corpus(problems) => {
                        for problem in &problems.problems {
                            tracing::error!(%problem, "reload refused");
                        }
                        problems.to_string()
                    }
                    other => other.to_string(),
                })?;
                let guide = Arc::new(guide);
                let (app, _, _) = web::app_with_routes(guide.clone(), &config, &options)
                    .map_err(|error| error.to_string())?;
                Ok((guide, app))
            })
            .await;
            match built {
                Ok(Ok((guide, app))) => {
                    let changes = Changes::between(&self.serving, &guide);
                    self.live.replace(app);
                    tracing::info!(
                        from = %self.serving.corpus().version,
                        to = %guide.corpus().version,
                        added = %changes.added.join(", "),
                        changed = %changes.changed.join(", "),
                        removed = %changes.removed.join(", "),
                        "reloaded the guidance"
                    );
                    self.serving = guide;
                }
                Ok(Err(reason)) => tracing::error!(
                    %reason,
                    version = %self.serving.corpus().version,
                    "reload refused: still serving the guidance from before"
                ),
                Err(error) => tracing::error!(
                    %error,
                    "reload failed: still serving the guidance from before"
                ),
            }
        }
    }
}
