//! Health of the hosts we deliver to (the circuit breaker's memory).

use super::Executor;
use time::OffsetDateTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HostHealth {
    pub host: String,
    pub consecutive_failures: i32,
    pub first_failure_at: Option<OffsetDateTime>,
    pub last_failure_at: Option<OffsetDateTime>,
    pub last_error: Option<String>,
    pub circuit_open_until: Option<OffsetDateTime>,
    pub probe_until: Option<OffsetDateTime>,
    pub unavailable_since: Option<OffsetDateTime>,
    pub last_success_at: Option<OffsetDateTime>,
}

const COLUMNS: &str = "host, consecutive_failures, first_failure_at, last_failure_at, last_error, \
    circuit_open_until, probe_until, unavailable_since, last_success_at";

pub async fn find(db: impl Executor<'_>, host: &str) -> sqlx::Result<Option<HostHealth>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM delivery_hosts WHERE host = $1"
    )))
    .bind(host)
    .fetch_optional(db)
    .await
}

/// Hosts that are failing or marked unavailable, worst first.
pub async fn unhealthy(db: impl Executor<'_>, limit: i64) -> sqlx::Result<Vec<HostHealth>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM delivery_hosts WHERE consecutive_failures > 0 OR unavailable_since IS NOT NULL \
         ORDER BY unavailable_since NULLS LAST, consecutive_failures DESC LIMIT $1"
    )))
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Forgets a host's failures (it answered, or it contacted us). Returns whether it had
/// been failing; then deliveries that were waiting for it are made due at once.
pub async fn record_success(db: &sqlx::PgPool, host: &str) -> sqlx::Result<bool> {
    let was_failing: Option<bool> = sqlx::query_scalar(
        "WITH old AS (SELECT host, consecutive_failures > 0 OR circuit_open_until IS NOT NULL \
                          OR unavailable_since IS NOT NULL AS failing \
                      FROM delivery_hosts WHERE host = $1 FOR UPDATE) \
         UPDATE delivery_hosts h SET consecutive_failures = 0, first_failure_at = NULL, circuit_open_until = NULL, \
           probe_until = NULL, unavailable_since = NULL, last_success_at = now(), updated_at = now() \
         FROM old WHERE h.host = old.host \
           AND (old.failing OR h.last_success_at IS NULL OR h.last_success_at < now() - interval '1 hour') \
         RETURNING old.failing",
    )
    .bind(host)
    .fetch_optional(db)
    .await?;
    let was_failing = was_failing.unwrap_or(false);
    if was_failing {
        sqlx::query("UPDATE jobs SET run_at = now() WHERE host = $1 AND state = 'pending' AND run_at > now()")
            .bind(host)
            .execute(db)
            .await?;
    }
    Ok(was_failing)
}

/// What a failure does to the host's circuit.
pub struct Failure<'a> {
    pub error: &'a str,
    /// Open the circuit now (connection failures, time-outs) rather than only after
    /// `threshold` consecutive failures (server errors).
    pub open_now: bool,
    pub threshold: i32,
    /// First cool-down; doubles with every further failure up to `max_cooldown_secs`.
    pub cooldown_secs: f64,
    pub max_cooldown_secs: f64,
    /// After failing this long without a success, the host is marked unavailable and
    /// probed only every `max_cooldown_secs`.
    pub unavailable_after_secs: f64,
}

/// Records a failed contact, opening or extending the circuit as `f` says, and
/// returns the host's new state.
pub async fn record_failure(
    db: impl Executor<'_>,
    host: &str,
    f: &Failure<'_>,
) -> sqlx::Result<HostHealth> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO delivery_hosts AS h (host, consecutive_failures, first_failure_at, last_failure_at, last_error, \
           circuit_open_until) \
         VALUES ($1, 1, now(), now(), $2, CASE WHEN $3 OR $4 <= 1 THEN now() + make_interval(secs => $5) END) \
         ON CONFLICT (host) DO UPDATE SET \
           consecutive_failures = h.consecutive_failures + 1, \
           first_failure_at = coalesce(h.first_failure_at, now()), \
           last_failure_at = now(), last_error = $2, probe_until = NULL, updated_at = now(), \
           unavailable_since = CASE WHEN coalesce(h.first_failure_at, now()) < now() - make_interval(secs => $7) \
             THEN coalesce(h.unavailable_since, now()) ELSE h.unavailable_since END, \
           circuit_open_until = CASE \
             WHEN coalesce(h.first_failure_at, now()) < now() - make_interval(secs => $7) \
               THEN now() + make_interval(secs => $6) \
             WHEN $3 OR h.consecutive_failures + 1 >= $4 \
               THEN now() + make_interval(secs => least($6, $5 * power(2, least(h.consecutive_failures, 20)))) \
             ELSE h.circuit_open_until END \
         RETURNING {COLUMNS}"
    )))
    .bind(host)
    .bind(f.error)
    .bind(f.open_now)
    .bind(f.threshold)
    .bind(f.cooldown_secs)
    .bind(f.max_cooldown_secs)
    .bind(f.unavailable_after_secs)
    .fetch_one(db)
    .await
}

/// Lets one worker probe a host whose cool-down has passed; false when another worker
/// is probing it already.
pub async fn try_probe(db: impl Executor<'_>, host: &str, secs: f64) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE delivery_hosts SET probe_until = now() + make_interval(secs => $2), updated_at = now() \
         WHERE host = $1 AND (probe_until IS NULL OR probe_until < now())",
    )
    .bind(host)
    .bind(secs)
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}
