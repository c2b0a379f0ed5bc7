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

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Marker {
    pub timeline: String,
    pub last_read_id: i64,
    pub version: i32,
    pub updated_at: time::OffsetDateTime,
}

/// The user's markers of these timelines (only those ever set).
pub async fn of_user(
    db: impl Executor<'_>,
    user: UserId,
    timelines: &[String],
) -> sqlx::Result<Vec<Marker>> {
    sqlx::query_as(
        "SELECT timeline, last_read_id, version, updated_at FROM markers \
         WHERE user_id = $1 AND timeline = ANY($2) ORDER BY timeline",
    )
    .bind(user)
    .bind(timelines)
    .fetch_all(db)
    .await
}

/// Sets a marker where the client says (back as well as forward), counting versions.
pub async fn set(
    db: impl Executor<'_>,
    user: UserId,
    timeline: &str,
    id: i64,
) -> sqlx::Result<Marker> {
    sqlx::query_as(
        "INSERT INTO markers (user_id, timeline, last_read_id) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, timeline) DO UPDATE SET last_read_id = excluded.last_read_id, \
           version = markers.version + 1, updated_at = now() \
         RETURNING timeline, last_read_id, version, updated_at",
    )
    .bind(user)
    .bind(timeline)
    .bind(id)
    .fetch_one(db)
    .await
}
