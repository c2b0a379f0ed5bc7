//! Shared throttle counters (see `crate::ratelimit`).

use super::Executor;

/// One more hit of `key` in the window ending at `window_end` (unix seconds): a new
/// window starts again at one. Returns the hits so far in the window.
pub async fn hit(db: impl Executor<'_>, key: &str, window_end: i64) -> sqlx::Result<u32> {
    let hits: i32 = sqlx::query_scalar(
        "INSERT INTO rate_limits (key, window_end, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
           hits = CASE WHEN rate_limits.window_end = EXCLUDED.window_end \
                       THEN rate_limits.hits + 1 ELSE 1 END, \
           window_end = EXCLUDED.window_end \
         RETURNING hits",
    )
    .bind(key)
    .bind(window_end)
    .fetch_one(db)
    .await?;
    Ok(hits.max(0) as u32)
}

/// Forgets windows that ended before `now` (unix seconds).
pub async fn prune(db: impl Executor<'_>, now: i64) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("DELETE FROM rate_limits WHERE window_end <= $1")
            .bind(now)
            .execute(db)
            .await?
            .rows_affected(),
    )
}
