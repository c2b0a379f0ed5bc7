//! Follows and pending follow requests.

use super::Executor;
use crate::id::AccountId;

/// How `viewer` relates to `target`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Relationship {
    pub following: bool,
    pub requested: bool,
    pub followed_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
}

pub async fn relationship(
    db: impl Executor<'_>,
    viewer: AccountId,
    target: AccountId,
) -> sqlx::Result<Relationship> {
    sqlx::query_as(
        "SELECT \
           EXISTS (SELECT 1 FROM follows WHERE account_id = $1 AND target_account_id = $2) AS following, \
           EXISTS (SELECT 1 FROM follow_requests WHERE account_id = $1 AND target_account_id = $2) AS requested, \
           EXISTS (SELECT 1 FROM follows WHERE account_id = $2 AND target_account_id = $1) AS followed_by, \
           EXISTS (SELECT 1 FROM blocks WHERE account_id = $1 AND target_account_id = $2) AS blocking, \
           EXISTS (SELECT 1 FROM blocks WHERE account_id = $2 AND target_account_id = $1) AS blocked_by",
    )
    .bind(viewer)
    .bind(target)
    .fetch_one(db)
    .await
}

/// Inserts a follow; false when it already existed.
pub async fn insert_follow(
    db: impl Executor<'_>,
    follower: AccountId,
    target: AccountId,
    uri: Option<&str>,
) -> sqlx::Result<bool> {
    sqlx::query(
        "INSERT INTO follows (account_id, target_account_id, uri) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id, target_account_id) DO NOTHING",
    )
    .bind(follower)
    .bind(target)
    .bind(uri)
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}

/// Removes a follow; false when there was none.
pub async fn delete_follow(
    db: impl Executor<'_>,
    follower: AccountId,
    target: AccountId,
) -> sqlx::Result<bool> {
    sqlx::query("DELETE FROM follows WHERE account_id = $1 AND target_account_id = $2")
        .bind(follower)
        .bind(target)
        .execute(db)
        .await
        .map(|r| r.rows_affected() == 1)
}

pub async fn insert_request(
    db: impl Executor<'_>,
    follower: AccountId,
    target: AccountId,
    uri: Option<&str>,
) -> sqlx::Result<bool> {
    sqlx::query(
        "INSERT INTO follow_requests (account_id, target_account_id, uri) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id, target_account_id) DO NOTHING",
    )
    .bind(follower)
    .bind(target)
    .bind(uri)
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}

pub async fn delete_request(
    db: impl Executor<'_>,
    follower: AccountId,
    target: AccountId,
) -> sqlx::Result<bool> {
    sqlx::query("DELETE FROM follow_requests WHERE account_id = $1 AND target_account_id = $2")
        .bind(follower)
        .bind(target)
        .execute(db)
        .await
        .map(|r| r.rows_affected() == 1)
}

/// Accounts waiting for `target` to approve them, newest first.
pub async fn pending_requesters(
    db: impl Executor<'_>,
    target: AccountId,
    limit: i64,
) -> sqlx::Result<Vec<AccountId>> {
    sqlx::query_scalar("SELECT account_id FROM follow_requests WHERE target_account_id = $1 ORDER BY id DESC LIMIT $2")
        .bind(target)
        .bind(limit)
        .fetch_all(db)
        .await
}

pub async fn count_requests(db: impl Executor<'_>, target: AccountId) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM follow_requests WHERE target_account_id = $1")
        .bind(target)
        .fetch_one(db)
        .await
}

/// Followers (`followers = true`) or followees of an account, newest follow first.
pub async fn list(
    db: impl Executor<'_>,
    account: AccountId,
    followers: bool,
    max_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<(i64, AccountId)>> {
    let sql = if followers {
        "SELECT id, account_id FROM follows WHERE target_account_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
    } else {
        "SELECT id, target_account_id FROM follows WHERE account_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
    };
    sqlx::query_as(sql)
        .bind(account)
        .bind(max_id)
        .bind(limit)
        .fetch_all(db)
        .await
}
