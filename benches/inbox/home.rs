//! Watching posts arrive in the reader's home timeline.

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use starling::db::statuses::Page;
use starling::id::{AccountId, StatusId};

use crate::{BENCH_APP, BenchResult, WATCH_BATCH, WATCH_POLL, percentiles};

#[derive(Default)]
pub struct Watcher {
    /// Watched posts not seen yet: Note id and when its POST went out, oldest first.
    pub pending: Mutex<Vec<(String, Instant)>>,
    /// Milliseconds from POST to visible, per post seen.
    pub seen_ms: Mutex<Vec<f64>>,
}

pub struct Visible {
    pub p50: f64,
    pub p99: f64,
    pub count: usize,
    pub missing: usize,
}

impl Watcher {
    pub fn expect(&self, uri: &str, sent: Instant) {
        if let Ok(mut p) = self.pending.lock() {
            p.push((uri.to_string(), sent));
        }
    }

    pub fn oldest(&self) -> Vec<(String, Instant)> {
        self.pending
            .lock()
            .map(|p| p.iter().take(WATCH_BATCH).cloned().collect())
            .unwrap_or_default()
    }

    pub fn seen(&self, uri: &str, at: Instant) {
        let sent = self.pending.lock().ok().and_then(|mut p| {
            let i = p.iter().position(|(u, _)| u == uri)?;
            Some(p.remove(i).1)
        });
        if let (Some(sent), Ok(mut seen)) = (sent, self.seen_ms.lock()) {
            seen.push((at - sent).as_secs_f64() * 1000.0);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pending.lock().map(|p| p.is_empty()).unwrap_or(true)
    }

    pub fn figures(&self) -> Visible {
        let seen = self.seen_ms.lock().map(|s| s.clone()).unwrap_or_default();
        let missing = self.pending.lock().map(|p| p.len()).unwrap_or(0);
        let count = seen.len();
        let p = percentiles(seen);
        Visible {
            p50: p.p50,
            p99: p.p99,
            count,
            missing,
        }
    }
}

/// The watcher's own connection. Postgres plans its prepared statements once for all
/// parameters after a few runs; planned while the table was nearly empty, the lookup by
/// URI would scan the whole table for the rest of the run, so every run is planned for
/// its parameters.
pub async fn watch_pool(db_url: &str) -> BenchResult<PgPool> {
    let options = PgConnectOptions::from_str(db_url)
        .map_err(|e| format!("{db_url}: {e}"))?
        .application_name(BENCH_APP)
        .options([("plan_cache_mode", "force_custom_plan")]);
    PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(|e| format!("watcher connection: {e}"))
}

/// Polls until told to stop (and then until every watched post is seen, for at most
/// ten more seconds): finds the oldest watched posts that are stored, and asks the home
/// timeline query whether it shows each to the reader.
pub async fn watch_home(
    pool: PgPool,
    reader: AccountId,
    watcher: Arc<Watcher>,
    stop: Arc<AtomicBool>,
) {
    let mut stopping_since: Option<Instant> = None;
    loop {
        if stop.load(Ordering::Relaxed) {
            let since = *stopping_since.get_or_insert_with(Instant::now);
            if watcher.is_empty() || since.elapsed() > Duration::from_secs(10) {
                return;
            }
        }
        let batch = watcher.oldest();
        if !batch.is_empty() {
            let uris: Vec<&str> = batch.iter().map(|(u, _)| u.as_str()).collect();
            let stored: Vec<(i64, String)> =
                sqlx::query_as("SELECT id, uri FROM statuses WHERE uri = ANY($1)")
                    .bind(&uris)
                    .fetch_all(&pool)
                    .await
                    .unwrap_or_default();
            for (id, uri) in stored {
                let page = Page {
                    since_id: Some(id - 1),
                    max_id: Some(id + 1),
                    min_id: None,
                    limit: 1,
                };
                let shown = starling::db::home_feeds::home_ids(&pool, reader, page)
                    .await
                    .unwrap_or_default();
                if shown.contains(&StatusId(id)) {
                    watcher.seen(&uri, Instant::now());
                }
            }
        }
        tokio::time::sleep(WATCH_POLL).await;
    }
}
