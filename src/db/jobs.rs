//! The job queue table: enqueue, claim with a lease, record outcomes, and the
//! operator's views (stats, dead jobs, retry, pruning).

use super::Executor;
use serde_json::Value;
use sqlx::types::Json;
use time::OffsetDateTime;

pub const NOTIFY_CHANNEL: &str = "starling_jobs";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    pub id: i64,
    pub lane: String,
    pub kind: String,
    pub payload: Json<Value>,
    pub host: Option<String>,
    pub attempts: i32,
    pub max_attempts: i32,
}

pub struct NewJob<'a> {
    pub lane: &'a str,
    pub kind: &'a str,
    pub payload: &'a Value,
    pub host: Option<&'a str>,
    pub max_attempts: i32,
    pub run_at: Option<OffsetDateTime>,
}

/// Inserts jobs and notifies idle workers of their lanes; both take effect when the
/// surrounding transaction commits, and vanish with it on rollback.
pub async fn insert(db: &mut sqlx::PgConnection, jobs: &[NewJob<'_>]) -> sqlx::Result<Vec<i64>> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let lanes: Vec<&str> = jobs.iter().map(|j| j.lane).collect();
    let kinds: Vec<&str> = jobs.iter().map(|j| j.kind).collect();
    let payloads: Vec<Json<&Value>> = jobs.iter().map(|j| Json(j.payload)).collect();
    let hosts: Vec<Option<&str>> = jobs.iter().map(|j| j.host).collect();
    let max: Vec<i32> = jobs.iter().map(|j| j.max_attempts).collect();
    let run_at: Vec<Option<OffsetDateTime>> = jobs.iter().map(|j| j.run_at).collect();
    // One round trip: the notification (one per lane; Postgres also folds repeats within
    // a transaction) rides on the insert and is delivered when the caller commits. The
    // `woken` CTE is referenced so that it runs, once.
    let ids: Vec<i64> = sqlx::query_scalar(
        "WITH inserted AS ( \
            INSERT INTO jobs (lane, kind, payload, host, max_attempts, run_at) \
            SELECT l, k, p, h, m, coalesce(r, now()) \
            FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::text[], $5::int[], $6::timestamptz[]) AS t(l, k, p, h, m, r) \
            RETURNING id, lane), \
         woken AS (SELECT pg_notify($7, lane) FROM (SELECT DISTINCT lane FROM inserted) d) \
         SELECT id FROM inserted WHERE (SELECT count(*) FROM woken) > 0",
    )
    .bind(lanes)
    .bind(kinds)
    .bind(payloads)
    .bind(hosts)
    .bind(max)
    .bind(run_at)
    .bind(NOTIFY_CHANNEL)
    .fetch_all(&mut *db)
    .await?;
    Ok(ids)
}

/// Claims up to `limit` ready jobs of a lane, skipping rows other workers hold and hosts
/// whose circuit is open, and leases them to `owner` for `lease_secs`.
pub async fn claim(
    db: impl Executor<'_>,
    lane: &str,
    limit: i64,
    owner: &str,
    lease_secs: f64,
) -> sqlx::Result<Vec<JobRow>> {
    sqlx::query_as(
        "WITH picked AS ( \
            SELECT j.id FROM jobs j \
            WHERE j.state = 'pending' AND j.lane = $1 AND j.run_at <= now() \
              AND (j.host IS NULL OR NOT EXISTS ( \
                    SELECT 1 FROM delivery_hosts h WHERE h.host = j.host \
                      AND (h.circuit_open_until > now() OR h.probe_until > now()))) \
            ORDER BY j.run_at, j.id LIMIT $2 FOR UPDATE OF j SKIP LOCKED) \
         UPDATE jobs j SET state = 'running', leased_until = now() + make_interval(secs => $4), \
           lease_owner = $3, attempts = j.attempts + 1, updated_at = now() \
         FROM picked WHERE j.id = picked.id \
         RETURNING j.id, j.lane, j.kind, j.payload, j.host, j.attempts, j.max_attempts",
    )
    .bind(lane)
    .bind(limit)
    .bind(owner)
    .bind(lease_secs)
    .fetch_all(db)
    .await
}

/// Returns jobs whose lease ran out (their worker died) to the queue.
pub async fn reclaim_expired(db: impl Executor<'_>) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE jobs SET state = 'pending', lease_owner = NULL, leased_until = NULL, updated_at = now() \
         WHERE state = 'running' AND leased_until < now()",
    )
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

/// Marks jobs done, if this worker still holds their lease.
///
/// The commit does not wait for the disk (`set_config(…, true)` lasts until the end of
/// the statement's own transaction, its commit included). Jobs run at least once anyway:
/// a mark lost in a crash only means the job runs again, as when a worker dies mid-job.
pub async fn mark_done(
    db: impl Executor<'_>,
    ids: &[i64],
    owner: &str,
    note: Option<&str>,
) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE jobs SET state = 'done', finished_at = now(), updated_at = now(), leased_until = NULL, \
           last_error = coalesce($3, last_error) \
         WHERE id = ANY($1) AND lease_owner = $2 AND state = 'running' \
           AND set_config('synchronous_commit', 'off', true) IS NOT NULL",
    )
    .bind(ids)
    .bind(owner)
    .bind(note)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

/// Schedules another attempt at `run_at`.
pub async fn retry_later(
    db: impl Executor<'_>,
    id: i64,
    owner: &str,
    run_at: OffsetDateTime,
    error: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE jobs SET state = 'pending', run_at = $3, last_error = $4, lease_owner = NULL, leased_until = NULL, \
           updated_at = now() WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
    )
    .bind(id)
    .bind(owner)
    .bind(run_at)
    .bind(error)
    .execute(db)
    .await
    .map(|_| ())
}

/// Puts a job back without counting the attempt (its host is cooling down, or the
/// worker is shutting down).
pub async fn defer(
    db: impl Executor<'_>,
    ids: &[i64],
    owner: &str,
    run_at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE jobs SET state = 'pending', run_at = $3, attempts = greatest(attempts - 1, 0), lease_owner = NULL, \
           leased_until = NULL, updated_at = now() WHERE id = ANY($1) AND lease_owner = $2 AND state = 'running'",
    )
    .bind(ids)
    .bind(owner)
    .bind(run_at)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn mark_dead(
    db: impl Executor<'_>,
    id: i64,
    owner: &str,
    error: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE jobs SET state = 'dead', last_error = $3, finished_at = now(), leased_until = NULL, updated_at = now() \
         WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
    )
    .bind(id)
    .bind(owner)
    .bind(error)
    .execute(db)
    .await
    .map(|_| ())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LaneStats {
    pub lane: String,
    pub state: String,
    pub count: i64,
    /// Age in seconds of the oldest job of this lane and state that is ready to run.
    pub oldest_ready_secs: Option<f64>,
}

pub async fn stats(db: impl Executor<'_>) -> sqlx::Result<Vec<LaneStats>> {
    sqlx::query_as(
        "SELECT lane, state, count(*) AS count, \
           extract(epoch FROM now() - min(run_at) FILTER (WHERE state = 'pending' AND run_at <= now()))::float8 AS oldest_ready_secs \
         FROM jobs GROUP BY lane, state ORDER BY lane, state",
    )
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeadJob {
    pub id: i64,
    pub lane: String,
    pub kind: String,
    pub host: Option<String>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub finished_at: Option<OffsetDateTime>,
}

pub async fn dead(db: impl Executor<'_>, limit: i64) -> sqlx::Result<Vec<DeadJob>> {
    sqlx::query_as(
        "SELECT id, lane, kind, host, attempts, last_error, finished_at FROM jobs WHERE state = 'dead' \
         ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Puts dead jobs back in the queue with a fresh set of attempts (one id, or all).
pub async fn retry_dead(db: impl Executor<'_>, id: Option<i64>) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE jobs SET state = 'pending', attempts = 0, run_at = now(), finished_at = NULL, updated_at = now() \
         WHERE state = 'dead' AND ($1::bigint IS NULL OR id = $1)",
    )
    .bind(id)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

/// Deletes done jobs finished more than `hours` ago, a batch at a time.
pub async fn prune_done(db: impl Executor<'_>, hours: i64, batch: i64) -> sqlx::Result<u64> {
    sqlx::query(
        "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state = 'done' \
           AND finished_at < now() - make_interval(hours => $1::int) LIMIT $2)",
    )
    .bind(hours as i32)
    .bind(batch)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

/// Jobs of a lane not finished yet (pending or running), for draining in tests.
pub async fn unfinished(db: impl Executor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state IN ('pending', 'running')")
        .fetch_one(db)
        .await
}

/// Wakes idle workers of a lane.
pub async fn notify(db: impl Executor<'_>, lane: &str) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(NOTIFY_CHANNEL)
        .bind(lane)
        .execute(db)
        .await
        .map(|_| ())
}
