//! Browser sessions. The cookie carries a random token; only its SHA-256 is stored.

use super::Executor;
use crate::id::UserId;
use time::OffsetDateTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    pub user_id: UserId,
    pub csrf_token: String,
    pub last_seen_at: OffsetDateTime,
}

pub async fn insert(
    db: impl Executor<'_>,
    token_hash: &[u8],
    user_id: UserId,
    csrf_token: &str,
    user_agent: &str,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, user_agent) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(user_agent)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn find(db: impl Executor<'_>, token_hash: &[u8]) -> sqlx::Result<Option<Session>> {
    sqlx::query_as("SELECT user_id, csrf_token, last_seen_at FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(db)
        .await
}

/// Records activity at most once a minute per session, to avoid a write per request.
pub async fn touch(db: impl Executor<'_>, token_hash: &[u8]) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE sessions SET last_seen_at = now() WHERE token_hash = $1 AND last_seen_at < now() - interval '1 minute'",
    )
    .bind(token_hash)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn delete(db: impl Executor<'_>, token_hash: &[u8]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(db)
        .await
        .map(|_| ())
}

/// Ends every session of a user, except optionally the one still in use.
pub async fn delete_all_for_user(
    db: impl Executor<'_>,
    user_id: UserId,
    keep: Option<&[u8]>,
) -> sqlx::Result<u64> {
    sqlx::query(
        "DELETE FROM sessions WHERE user_id = $1 AND ($2::bytea IS NULL OR token_hash <> $2)",
    )
    .bind(user_id)
    .bind(keep)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}
