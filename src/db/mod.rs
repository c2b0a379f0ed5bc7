//! The only SQL in Starling. One file per table group; functions take any executor
//! (pool, connection or transaction) so services decide the transaction boundaries.

pub mod account_notes;
pub mod accounts;
pub mod audiences;
pub mod blocks;
pub mod bookmarks;
pub mod conversation_mutes;
pub mod favourites;
pub mod follows;
pub mod home_feeds;
pub mod hosts;
pub mod instance;
pub mod jobs;
pub mod markers;
pub mod media;
pub mod mutes;
pub mod notification_groups;
pub mod notification_policies;
pub mod notification_requests;
pub mod notifications;
pub mod oauth;
pub mod pins;
pub mod rate_limits;
pub mod replies;
pub mod reports;
pub mod seed;
pub mod sessions;
pub mod status_pages;
pub mod statuses;
pub mod tags;
pub mod users;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, PgPool};
use std::str::FromStr;
use std::time::Duration;

pub use sqlx::PgExecutor as Executor;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Creates the database named in `url` if it does not exist yet, by connecting to the
/// server's `postgres` maintenance database.
pub async fn create_database_if_missing(url: &str) -> Result<(), sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?;
    let name = options.get_database().unwrap_or("postgres").to_string();
    let maintenance = options.clone().database("postgres");
    let mut conn = maintenance.connect().await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        // Two processes may race to create it; the loser sees "already exists".
        if let Err(e) = sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {quoted}")))
            .execute(&mut conn)
            .await
        {
            let duplicate = e
                .as_database_error()
                .and_then(|d| d.code())
                .is_some_and(|c| c == "42P04");
            if !duplicate {
                return Err(e);
            }
        }
        tracing::info!(database = %name, "created database");
    }
    conn.close().await?;
    Ok(())
}

/// Drops a database (tests and benchmarks clean up after themselves with this).
pub async fn drop_database(url: &str) -> Result<(), sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?;
    let name = options.get_database().unwrap_or("postgres").to_string();
    let mut conn = options.database("postgres").connect().await?;
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    sqlx::query(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await?;
    conn.close().await?;
    Ok(())
}

pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?;
    PgPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(0)
        .idle_timeout(Some(Duration::from_secs(300)))
        .acquire_timeout(Duration::from_secs(10))
        // No ping before every use: it doubled the round trips of one-query calls (every
        // inbox POST makes two). A connection that died meanwhile (a database restart)
        // fails its next query once and is replaced; jobs retry, pages show an error.
        .test_before_acquire(false)
        .connect_with(options)
        .await
}

pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}

/// Whether an error is a unique violation of the named constraint or index.
pub fn is_unique_violation(e: &sqlx::Error, constraint: &str) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.code().as_deref() == Some("23505") && d.constraint() == Some(constraint))
}

/// Begins a transaction whose commit does not wait for the WAL to reach the disk.
///
/// For work that can be redone after a crash: the worker runs inbox activities from
/// durably queued jobs, and Postgres writes WAL in order, so whenever a job's later
/// `done` mark survives a crash, this commit survives with it; if this commit is lost,
/// so is that mark, and the job runs again (processing is idempotent). Saves each
/// activity a disk flush.
pub async fn begin_relaxed(
    pool: &PgPool,
) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    pool.begin_with("BEGIN; SET LOCAL synchronous_commit = off")
        .await
}

/// Begins a transaction in which Postgres reuses its generic plan of each prepared
/// query. For queries read on every request whose planning costs about as much as
/// running them: Postgres rates their generic plans worse than the custom ones (it
/// cannot see the parameters) and so plans them anew for every execution, though the
/// generic plans run as fast. `SET LOCAL` ends with the transaction, however it ends.
pub async fn begin_generic(
    pool: &PgPool,
) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    pool.begin_with("BEGIN; SET LOCAL plan_cache_mode = force_generic_plan")
        .await
}

/// A `LIKE` pattern matching what starts with `prefix` taken literally (its `\`, `%`
/// and `_` escaped).
pub(crate) fn like_prefix(prefix: &str) -> String {
    format!(
        "{}%",
        prefix
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_prefix_takes_wildcards_literally() {
        assert_eq!(super::like_prefix("a_b%c\\"), "a\\_b\\%c\\\\%");
        assert_eq!(super::like_prefix(""), "%");
    }
}
