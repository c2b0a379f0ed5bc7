//! Read positions per timeline (Mastodon's markers).

use super::Executor;
use crate::id::UserId;

pub async fn last_read(db: impl Executor<'_>, user: UserId, timeline: &str) -> sqlx::Result<i64> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT last_read_id FROM markers WHERE user_id = $1 AND timeline = $2")
            .bind(user)
            .bind(timeline)
            .fetch_optional(db)
            .await?;
    Ok(id.unwrap_or(0))
}

/// Moves the marker forward (never back) to `id`.
pub async fn advance(
    db: impl Executor<'_>,
    user: UserId,
    timeline: &str,
    id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO markers (user_id, timeline, last_read_id) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, timeline) DO UPDATE SET last_read_id = excluded.last_read_id, \
           version = markers.version + 1, updated_at = now() \
         WHERE markers.last_read_id < excluded.last_read_id",
    )
    .bind(user)
    .bind(timeline)
    .bind(id)
    .execute(db)
    .await
    .map(|_| ())
}
