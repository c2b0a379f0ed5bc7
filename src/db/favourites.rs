//! Favourites and bookmarks.

use super::Executor;
use crate::id::{AccountId, StatusId};

/// Inserts a favourite with the id of its Like activity (ours or a remote one); false
/// when it already existed.
pub async fn insert_with_uri(
    db: impl Executor<'_>,
    account: AccountId,
    status: StatusId,
    uri: Option<&str>,
) -> sqlx::Result<bool> {
    sqlx::query(
        "INSERT INTO favourites (account_id, status_id, uri) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(account)
    .bind(status)
    .bind(uri)
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}

/// Deletes a favourite, returning the id of its Like activity: `None` when there was no
/// favourite, `Some(None)` when it had no activity id.
pub async fn delete_returning_uri(
    db: impl Executor<'_>,
    account: AccountId,
    status: StatusId,
) -> sqlx::Result<Option<Option<String>>> {
    sqlx::query_scalar(
        "DELETE FROM favourites WHERE account_id = $1 AND status_id = $2 RETURNING uri",
    )
    .bind(account)
    .bind(status)
    .fetch_optional(db)
    .await
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

/// The status `account` favourited with the Like activity `uri`.
pub async fn status_by_uri(
    db: impl Executor<'_>,
    account: AccountId,
    uri: &str,
) -> sqlx::Result<Option<StatusId>> {
    sqlx::query_scalar("SELECT status_id FROM favourites WHERE account_id = $1 AND uri = $2")
        .bind(account)
        .bind(uri)
        .fetch_optional(db)
        .await
}

/// Removes up to `limit` of an account's favourites, fixing the statuses' counters;
/// returns how many went (0 when none are left).
pub async fn delete_batch_by_account(
    db: impl Executor<'_>,
    account: AccountId,
    limit: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "WITH gone AS ( \
           DELETE FROM favourites WHERE id IN (SELECT id FROM favourites WHERE account_id = $1 LIMIT $2) \
           RETURNING status_id), \
         fixed AS ( \
           UPDATE statuses s SET favourites_count = greatest(s.favourites_count - c.n, 0) \
           FROM (SELECT status_id AS id, count(*) AS n FROM gone GROUP BY status_id) c WHERE s.id = c.id) \
         SELECT count(*) FROM gone",
    )
    .bind(account)
    .bind(limit)
    .fetch_one(db)
    .await
}

/// A page of (favourite id, status id), newest favourite first.
pub async fn page(
    db: impl Executor<'_>,
    account: AccountId,
    max_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<(i64, StatusId)>> {
    sqlx::query_as(
        "SELECT id, status_id FROM favourites WHERE account_id = $1 AND ($2::bigint IS NULL OR id < $2) \
         ORDER BY id DESC LIMIT $3",
    )
    .bind(account)
    .bind(max_id)
    .bind(limit)
    .fetch_all(db)
    .await
}
