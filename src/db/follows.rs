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

/// The id of the Follow activity behind `account`'s follow of `target`, or behind its
/// pending request, when one was recorded.
pub async fn follow_activity_uri(
    db: impl Executor<'_>,
    account: AccountId,
    target: AccountId,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT uri FROM follows WHERE account_id = $1 AND target_account_id = $2 AND uri IS NOT NULL \
         UNION ALL \
         SELECT uri FROM follow_requests WHERE account_id = $1 AND target_account_id = $2 AND uri IS NOT NULL \
         LIMIT 1",
    )
    .bind(account)
    .bind(target)
    .fetch_optional(db)
    .await
}

/// (follower, target) of the pending request made by the Follow activity `uri`.
pub async fn request_by_uri(
    db: impl Executor<'_>,
    uri: &str,
) -> sqlx::Result<Option<(AccountId, AccountId)>> {
    sqlx::query_as("SELECT account_id, target_account_id FROM follow_requests WHERE uri = $1")
        .bind(uri)
        .fetch_optional(db)
        .await
}

/// (follower, target) of the follow made by the Follow activity `uri`.
pub async fn follow_by_uri(
    db: impl Executor<'_>,
    uri: &str,
) -> sqlx::Result<Option<(AccountId, AccountId)>> {
    sqlx::query_as("SELECT account_id, target_account_id FROM follows WHERE uri = $1")
        .bind(uri)
        .fetch_optional(db)
        .await
}

/// Turns the pending request of `follower` to follow `target` into a follow, keeping
/// its activity id and options (boosts, notify, languages). Returns whether there was a
/// request, and whether a follow was created (the request is gone either way).
pub async fn request_to_follow(
    db: impl Executor<'_>,
    follower: AccountId,
    target: AccountId,
) -> sqlx::Result<(bool, bool)> {
    sqlx::query_as(
        "WITH r AS (DELETE FROM follow_requests WHERE account_id = $1 AND target_account_id = $2 \
           RETURNING account_id, target_account_id, uri, show_reblogs, notify, languages), \
         f AS (INSERT INTO follows (account_id, target_account_id, uri, show_reblogs, notify, languages) \
           SELECT account_id, target_account_id, uri, show_reblogs, notify, languages FROM r \
           ON CONFLICT (account_id, target_account_id) DO NOTHING RETURNING id) \
         SELECT EXISTS (SELECT 1 FROM r), EXISTS (SELECT 1 FROM f)",
    )
    .bind(follower)
    .bind(target)
    .fetch_one(db)
    .await
}

/// Removes up to `limit` follows from or to `account`, fixing the other sides'
/// counters; returns how many went (0 when none are left).
pub async fn delete_batch_involving(
    db: impl Executor<'_>,
    account: AccountId,
    limit: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "WITH gone AS ( \
           DELETE FROM follows WHERE id IN ( \
             SELECT id FROM follows WHERE account_id = $1 OR target_account_id = $1 LIMIT $2) \
           RETURNING account_id, target_account_id), \
         counts AS ( \
           SELECT id, sum(lost_followers) AS lost_followers, sum(lost_following) AS lost_following FROM ( \
             SELECT target_account_id AS id, 1 AS lost_followers, 0 AS lost_following FROM gone WHERE account_id = $1 \
             UNION ALL SELECT account_id, 0, 1 FROM gone WHERE target_account_id = $1) x GROUP BY id), \
         fixed AS ( \
           UPDATE accounts a SET followers_count = greatest(a.followers_count - c.lost_followers, 0), \
             following_count = greatest(a.following_count - c.lost_following, 0) \
           FROM counts c WHERE a.id = c.id AND a.id <> $1) \
         SELECT count(*) FROM gone",
    )
    .bind(account)
    .bind(limit)
    .fetch_one(db)
    .await
}

/// Removes pending requests from or to `account`.
pub async fn delete_requests_involving(
    db: impl Executor<'_>,
    account: AccountId,
) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM follow_requests WHERE account_id = $1 OR target_account_id = $1")
        .bind(account)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

/// Everything Mastodon's Relationship entity says about `viewer` and each of `targets`,
/// in one query (order of `targets`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FullRelationship {
    pub id: AccountId,
    pub following: bool,
    pub showing_reblogs: bool,
    pub notifying: bool,
    pub languages: Option<Vec<String>>,
    pub followed_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
    pub muting_expires_at: Option<time::OffsetDateTime>,
    pub requested: bool,
    pub requested_by: bool,
    /// The viewer's private note on the account ("" without one).
    pub note: String,
}

pub async fn relationships(
    db: impl Executor<'_>,
    viewer: AccountId,
    targets: &[AccountId],
) -> sqlx::Result<Vec<FullRelationship>> {
    let raw: Vec<i64> = targets.iter().map(|t| t.0).collect();
    sqlx::query_as(
        "SELECT t.id, \
           f.id IS NOT NULL AS following, \
           coalesce(f.show_reblogs, r.show_reblogs, false) AS showing_reblogs, \
           coalesce(f.notify, r.notify, false) AS notifying, \
           coalesce(f.languages, r.languages) AS languages, \
           EXISTS (SELECT 1 FROM follows b WHERE b.account_id = t.id AND b.target_account_id = $1) AS followed_by, \
           EXISTS (SELECT 1 FROM blocks WHERE account_id = $1 AND target_account_id = t.id) AS blocking, \
           EXISTS (SELECT 1 FROM blocks WHERE account_id = t.id AND target_account_id = $1) AS blocked_by, \
           m.id IS NOT NULL AS muting, \
           coalesce(m.hide_notifications, false) AS muting_notifications, \
           m.expires_at AS muting_expires_at, \
           r.id IS NOT NULL AS requested, \
           EXISTS (SELECT 1 FROM follow_requests q WHERE q.account_id = t.id AND q.target_account_id = $1) AS requested_by, \
           coalesce(an.comment, '') AS note \
         FROM unnest($2::bigint[]) WITH ORDINALITY AS t(id, n) \
         LEFT JOIN account_notes an ON an.account_id = $1 AND an.target_account_id = t.id \
         LEFT JOIN follows f ON f.account_id = $1 AND f.target_account_id = t.id \
         LEFT JOIN follow_requests r ON r.account_id = $1 AND r.target_account_id = t.id \
         LEFT JOIN mutes m ON m.account_id = $1 AND m.target_account_id = t.id \
           AND (m.expires_at IS NULL OR m.expires_at > now()) \
         ORDER BY t.n",
    )
    .bind(viewer)
    .bind(raw)
    .fetch_all(db)
    .await
}

/// A page of (request id, requester) waiting for `target`, newest first.
pub async fn requests_page(
    db: impl Executor<'_>,
    target: AccountId,
    max_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<(i64, AccountId)>> {
    sqlx::query_as(
        "SELECT id, account_id FROM follow_requests WHERE target_account_id = $1 \
         AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
    )
    .bind(target)
    .bind(max_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Sets how a follow (or pending request) shows the target's posts: boosts, a
/// notification per post, and which languages (an empty list means all).
pub async fn set_options(
    db: impl Executor<'_>,
    follower: AccountId,
    target: AccountId,
    show_reblogs: Option<bool>,
    notify: Option<bool>,
    languages: Option<&[String]>,
) -> sqlx::Result<()> {
    let set = "show_reblogs = coalesce($3, show_reblogs), notify = coalesce($4, notify), \
         languages = CASE WHEN $5::text[] IS NULL THEN languages WHEN cardinality($5::text[]) = 0 THEN NULL ELSE $5 END \
         WHERE account_id = $1 AND target_account_id = $2";
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "WITH f AS (UPDATE follows SET {set} RETURNING 1), r AS (UPDATE follow_requests SET {set} RETURNING 1) \
         SELECT (SELECT count(*) FROM f) + (SELECT count(*) FROM r)"
    )))
    .bind(follower)
    .bind(target)
    .bind(show_reblogs)
    .bind(notify)
    .bind(languages)
    .execute(db)
    .await
    .map(|_| ())
}

/// Local followers of `target` who asked to be notified of its posts.
pub async fn notified_followers(
    db: impl Executor<'_>,
    target: AccountId,
) -> sqlx::Result<Vec<AccountId>> {
    sqlx::query_scalar(
        "SELECT f.account_id FROM follows f JOIN accounts a ON a.id = f.account_id \
         WHERE f.target_account_id = $1 AND f.notify AND a.domain IS NULL LIMIT 10000",
    )
    .bind(target)
    .fetch_all(db)
    .await
}

/// Accounts `viewer` follows that also follow `target` (Mastodon's familiar followers).
pub async fn familiar_followers(
    db: impl Executor<'_>,
    viewer: AccountId,
    target: AccountId,
    limit: i64,
) -> sqlx::Result<Vec<AccountId>> {
    sqlx::query_scalar(
        "SELECT mine.target_account_id FROM follows mine \
         JOIN follows theirs ON theirs.account_id = mine.target_account_id AND theirs.target_account_id = $2 \
         WHERE mine.account_id = $1 ORDER BY mine.id DESC LIMIT $3",
    )
    .bind(viewer)
    .bind(target)
    .bind(limit)
    .fetch_all(db)
    .await
}
