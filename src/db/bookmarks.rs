//! Bookmarks: posts people keep for themselves (never federated).

use super::Executor;
use crate::id::{AccountId, StatusId};

/// Which of `ids` `account` has bookmarked.
pub async fn bookmarked_among(
    db: impl Executor<'_>,
    account: AccountId,
    ids: &[StatusId],
) -> sqlx::Result<Vec<StatusId>> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    sqlx::query_scalar(
        "SELECT status_id FROM bookmarks WHERE account_id = $1 AND status_id = ANY($2)",
    )
    .bind(account)
    .bind(raw)
    .fetch_all(db)
    .await
}

/// Bookmarks a status; false if it already was.
pub async fn insert(
    db: impl Executor<'_>,
    account: AccountId,
    status: StatusId,
) -> sqlx::Result<bool> {
    sqlx::query(
        "INSERT INTO bookmarks (account_id, status_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(account)
    .bind(status)
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}

pub async fn delete(
    db: impl Executor<'_>,
    account: AccountId,
    status: StatusId,
) -> sqlx::Result<bool> {
    sqlx::query("DELETE FROM bookmarks WHERE account_id = $1 AND status_id = $2")
        .bind(account)
        .bind(status)
        .execute(db)
        .await
        .map(|r| r.rows_affected() == 1)
}

/// A page of (bookmark id, status id), newest bookmark first.
pub async fn page(
    db: impl Executor<'_>,
    account: AccountId,
    max_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<(i64, StatusId)>> {
    sqlx::query_as(
        "SELECT id, status_id FROM bookmarks WHERE account_id = $1 AND ($2::bigint IS NULL OR id < $2) \
         ORDER BY id DESC LIMIT $3",
    )
    .bind(account)
    .bind(max_id)
    .bind(limit)
    .fetch_all(db)
    .await
}
