//! Favourites and bookmarks.

use super::Executor;
use crate::id::{AccountId, StatusId};

/// Inserts a favourite; false when it already existed.
pub async fn insert(
    db: impl Executor<'_>,
    account: AccountId,
    status: StatusId,
) -> sqlx::Result<bool> {
    sqlx::query(
        "INSERT INTO favourites (account_id, status_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
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
    sqlx::query("DELETE FROM favourites WHERE account_id = $1 AND status_id = $2")
        .bind(account)
        .bind(status)
        .execute(db)
        .await
        .map(|r| r.rows_affected() == 1)
}

/// Which of `ids` the account has favourited.
pub async fn favourited_among(
    db: impl Executor<'_>,
    account: AccountId,
    ids: &[StatusId],
) -> sqlx::Result<Vec<StatusId>> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    sqlx::query_scalar(
        "SELECT status_id FROM favourites WHERE account_id = $1 AND status_id = ANY($2)",
    )
    .bind(account)
    .bind(raw)
    .fetch_all(db)
    .await
}
