//! What the bench reads and writes in the run's database: follows, and the inbox jobs'
//! progress and figures.

use std::time::{Duration, Instant};

use sqlx::PgPool;
use starling::id::AccountId;

use crate::actors::RemoteActors;
use crate::process::Process;
use crate::{BenchResult, POLL, RUN_LIMIT};

/// The reader follows every actor (with the follow counts), as an accepted follow leaves it.
pub async fn follow_all(
    pool: &PgPool,
    reader: AccountId,
    actors: &RemoteActors,
) -> BenchResult<()> {
    let mut tx = pool.begin().await.map_err(|e| format!("begin: {e}"))?;
    for actor in &actors.actors {
        let account = starling::db::accounts::find_by_uri(&mut *tx, &actor.uri)
            .await
            .map_err(|e| format!("finding {}: {e}", actor.uri))?
            .ok_or_else(|| format!("the server did not store {}", actor.uri))?;
        if starling::db::follows::insert_follow(&mut *tx, reader, account.id, None)
            .await
            .map_err(|e| format!("follow: {e}"))?
        {
            starling::db::accounts::add_follow_counts(&mut *tx, reader, account.id, 1)
                .await
                .map_err(|e| format!("follow counts: {e}"))?;
        }
    }
    tx.commit().await.map_err(|e| format!("commit: {e}"))
}

pub async fn max_job_id(pool: &PgPool) -> BenchResult<i64> {
    sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM jobs")
        .fetch_one(pool)
        .await
        .map_err(|e| format!("jobs: {e}"))
}

pub async fn remote_statuses(pool: &PgPool) -> BenchResult<i64> {
    sqlx::query_scalar("SELECT count(*) FROM statuses WHERE NOT local")
        .fetch_one(pool)
        .await
        .map_err(|e| format!("statuses: {e}"))
}

/// Waits until no inbox job is running or ready to run. Every 202 means its job was
/// committed, so once the answers are in, nothing more arrives. Both counts use the
/// queue's partial indexes: scanning the whole table would cost the server CPU.
pub async fn wait_until_processed(pool: &PgPool, process: &mut Process) -> BenchResult<()> {
    let started = Instant::now();
    let mut last_report = Instant::now();
    loop {
        let open: i64 = sqlx::query_scalar(
            "SELECT (SELECT count(*) FROM jobs WHERE state = 'pending' AND lane = 'inbox' AND run_at <= now()) \
                  + (SELECT count(*) FROM jobs WHERE state = 'running' AND lane = 'inbox')",
        )
        .fetch_one(pool)
        .await
        .map_err(|e| format!("polling jobs: {e}"))?;
        if open == 0 {
            return Ok(());
        }
        if let Some(e) = process.exited() {
            return Err(e);
        }
        if started.elapsed() > RUN_LIMIT {
            return Err(format!(
                "aborted: {open} inbox jobs unfinished after {} s",
                RUN_LIMIT.as_secs()
            ));
        }
        if last_report.elapsed() > Duration::from_secs(5) {
            last_report = Instant::now();
            eprintln!("inbox bench: {open} inbox jobs to go");
        }
        tokio::time::sleep(POLL).await;
    }
}

pub struct JobFigures {
    pub done: i64,
    pub with_note: i64,
    pub not_done: i64,
    pub first_done: Option<f64>,
    pub last_done: Option<f64>,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// From the inbox jobs queued after job `after`: how many finished, when the last did,
/// and the time from enqueue (just before the 202) to finished.
pub async fn job_figures(pool: &PgPool, after: i64) -> BenchResult<JobFigures> {
    type Row = (
        i64,
        i64,
        i64,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
    );
    let (done, with_note, not_done, first_done, last_done, p50, p99): Row = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE state = 'done'), \
           count(*) FILTER (WHERE state = 'done' AND last_error IS NOT NULL), \
           count(*) FILTER (WHERE state <> 'done'), \
           extract(epoch FROM min(finished_at))::float8, \
           extract(epoch FROM max(finished_at))::float8, \
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)::float8) FILTER (WHERE state = 'done'), \
           percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)::float8) FILTER (WHERE state = 'done') \
         FROM jobs WHERE lane = 'inbox' AND id > $1",
    )
    .bind(after)
    .fetch_one(pool)
    .await
    .map_err(|e| format!("reading figures: {e}"))?;
    Ok(JobFigures {
        done,
        with_note,
        not_done,
        first_done,
        last_done,
        p50_ms: p50.unwrap_or(0.0) * 1000.0,
        p99_ms: p99.unwrap_or(0.0) * 1000.0,
    })
}

impl JobFigures {
    pub fn note_failures(&self) {
        if self.with_note > 0 || self.not_done > 0 {
            println!(
                "# {} jobs finished with a note (nothing stored), {} did not finish",
                self.with_note, self.not_done
            );
        }
    }
}
