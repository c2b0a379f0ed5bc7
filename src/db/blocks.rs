//! Blocks between accounts (local or remote, either way round).

use super::Executor;
use crate::id::AccountId;

/// Records that `account` blocks `target`; false when it already did. A repeated block
/// that names its activity fills in the activity id if none was known.
pub async fn insert(
    db: impl Executor<'_>,
    account: AccountId,
    target: AccountId,
    uri: Option<&str>,
) -> sqlx::Result<bool> {
    // `xmax = 0` tells a fresh row from one the conflict clause touched.
    sqlx::query_scalar(
        "INSERT INTO blocks (account_id, target_account_id, uri) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id, target_account_id) DO UPDATE SET uri = coalesce(blocks.uri, excluded.uri) \
         RETURNING (xmax = 0)",
    )
    .bind(account)
    .bind(target)
    .bind(uri)
    .fetch_one(db)
    .await
}

/// Lifts a block; false when there was none.
pub async fn delete(
    db: impl Executor<'_>,
    account: AccountId,
    target: AccountId,
) -> sqlx::Result<bool> {
    sqlx::query("DELETE FROM blocks WHERE account_id = $1 AND target_account_id = $2")
        .bind(account)
        .bind(target)
        .execute(db)
        .await
        .map(|r| r.rows_affected() == 1)
}

/// Whom `account` blocks with the Block activity `uri`, if any.
pub async fn target_by_uri(
    db: impl Executor<'_>,
    account: AccountId,
    uri: &str,
) -> sqlx::Result<Option<AccountId>> {
    sqlx::query_scalar("SELECT target_account_id FROM blocks WHERE account_id = $1 AND uri = $2")
        .bind(account)
        .bind(uri)
        .fetch_optional(db)
        .await
}

/// Removes every block a (deleted) account made.
pub async fn delete_all_by(db: impl Executor<'_>, account: AccountId) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM blocks WHERE account_id = $1")
        .bind(account)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

/// The id of the Block activity behind `account`'s block of `target`: `None` when there
/// is no block, `Some(None)` when it has no activity id.
pub async fn uri_of(
    db: impl Executor<'_>,
    account: AccountId,
    target: AccountId,
) -> sqlx::Result<Option<Option<String>>> {
    sqlx::query_scalar("SELECT uri FROM blocks WHERE account_id = $1 AND target_account_id = $2")
        .bind(account)
        .bind(target)
        .fetch_optional(db)
        .await
}

/// A page of (block id, blocked account), newest block first.
pub async fn page(
    db: impl Executor<'_>,
    account: AccountId,
    max_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<(i64, AccountId)>> {
    sqlx::query_as(
        "SELECT id, target_account_id FROM blocks WHERE account_id = $1 AND ($2::bigint IS NULL OR id < $2) \
         ORDER BY id DESC LIMIT $3",
    )
    .bind(account)
    .bind(max_id)
    .bind(limit)
    .fetch_all(db)
    .await
}
