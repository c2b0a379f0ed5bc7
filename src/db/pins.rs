//! Pinned ("featured") statuses.

use super::Executor;
use crate::id::{AccountId, StatusId};

/// Pins a status; false when it was pinned already.
pub async fn insert(
    db: impl Executor<'_>,
    account: AccountId,
    status: StatusId,
) -> sqlx::Result<bool> {
    sqlx::query(
        "INSERT INTO status_pins (account_id, status_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(account)
    .bind(status)
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}

/// Pins a status unless the account has `max` pins already: `Some(true)` when added,
/// `Some(false)` when it was pinned already, `None` when the limit is reached.
pub async fn insert_below_limit(
    db: impl Executor<'_>,
    account: AccountId,
    status: StatusId,
    max: i64,
) -> sqlx::Result<Option<bool>> {
    let (already, added): (bool, bool) = sqlx::query_as(
        "WITH existing AS (SELECT 1 FROM status_pins WHERE account_id = $1 AND status_id = $2), \
         added AS ( \
           INSERT INTO status_pins (account_id, status_id) SELECT $1, $2 \
           WHERE NOT EXISTS (SELECT 1 FROM existing) \
             AND (SELECT count(*) FROM status_pins WHERE account_id = $1) < $3 \
           ON CONFLICT DO NOTHING RETURNING 1) \
         SELECT EXISTS (SELECT 1 FROM existing), EXISTS (SELECT 1 FROM added)",
    )
    .bind(account)
    .bind(status)
    .bind(max)
    .fetch_one(db)
    .await?;
    Ok(match (already, added) {
        (true, _) => Some(false),
        (false, true) => Some(true),
        (false, false) => None,
    })
}

/// Unpins a status; false when it was not pinned.
pub async fn delete(
    db: impl Executor<'_>,
    account: AccountId,
    status: StatusId,
) -> sqlx::Result<bool> {
    sqlx::query("DELETE FROM status_pins WHERE account_id = $1 AND status_id = $2")
        .bind(account)
        .bind(status)
        .execute(db)
        .await
        .map(|r| r.rows_affected() == 1)
}

pub async fn count(db: impl Executor<'_>, account: AccountId) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM status_pins WHERE account_id = $1")
        .bind(account)
        .fetch_one(db)
        .await
}

/// An account's pinned statuses, most recently pinned first.
pub async fn of_account(
    db: impl Executor<'_>,
    account: AccountId,
    limit: i64,
) -> sqlx::Result<Vec<StatusId>> {
    sqlx::query_scalar(
        "SELECT status_id FROM status_pins WHERE account_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(account)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Which of `ids` `account` has pinned.
pub async fn pinned_among(
    db: impl Executor<'_>,
    account: AccountId,
    ids: &[crate::id::StatusId],
) -> sqlx::Result<Vec<crate::id::StatusId>> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    sqlx::query_scalar(
        "SELECT status_id FROM status_pins WHERE account_id = $1 AND status_id = ANY($2)",
    )
    .bind(account)
    .bind(raw)
    .fetch_all(db)
    .await
}
