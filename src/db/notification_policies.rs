//! Notification policies, and what a policy decision needs to know about a sender.

use super::Executor;
use crate::id::{AccountId, StatusId};
use time::OffsetDateTime;

/// A recipient's policy as stored: `accept`, `filter` or `drop` for each kind of sender.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PolicyRow {
    pub for_not_following: String,
    pub for_not_followers: String,
    pub for_new_accounts: String,
    pub for_private_mentions: String,
    pub for_limited_accounts: String,
}

const POLICY_COLUMNS: &str = "for_not_following, for_not_followers, for_new_accounts, for_private_mentions, for_limited_accounts";

/// The recipient's stored policy, `None` when they never changed the defaults.
pub async fn find(db: impl Executor<'_>, account: AccountId) -> sqlx::Result<Option<PolicyRow>> {
    let sql = format!("SELECT {POLICY_COLUMNS} FROM notification_policies WHERE account_id = $1");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(account)
        .fetch_optional(db)
        .await
}

pub async fn upsert(db: impl Executor<'_>, account: AccountId, p: &PolicyRow) -> sqlx::Result<()> {
    let sql = format!(
        "INSERT INTO notification_policies (account_id, {POLICY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (account_id) DO UPDATE SET for_not_following = excluded.for_not_following, \
           for_not_followers = excluded.for_not_followers, for_new_accounts = excluded.for_new_accounts, \
           for_private_mentions = excluded.for_private_mentions, \
           for_limited_accounts = excluded.for_limited_accounts, updated_at = now()"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account)
        .bind(&p.for_not_following)
        .bind(&p.for_not_followers)
        .bind(&p.for_new_accounts)
        .bind(&p.for_private_mentions)
        .bind(&p.for_limited_accounts)
        .execute(db)
        .await
        .map(|_| ())
}

/// What a policy decision about one notification looks at, read in one query.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SenderFacts {
    /// The recipient's stored policy, if any (all five columns or none).
    pub for_not_following: Option<String>,
    pub for_not_followers: Option<String>,
    pub for_new_accounts: Option<String>,
    pub for_private_mentions: Option<String>,
    pub for_limited_accounts: Option<String>,
    /// The recipient accepted a request from the sender: no policy applies.
    pub permitted: bool,
    /// The recipient follows the sender.
    pub recipient_follows: bool,
    /// Since when the sender follows the recipient, if they do.
    pub follower_since: Option<OffsetDateTime>,
    pub sender_created_at: OffsetDateTime,
    /// A moderator limited (silenced) the sender.
    pub sender_limited: bool,
    /// The local roles (`user`, `moderator`, `admin`) of sender and recipient.
    pub sender_role: Option<String>,
    pub recipient_role: Option<String>,
    /// The visibility and parent of the status the notification is about.
    pub status_visibility: Option<String>,
    pub status_in_reply_to: Option<StatusId>,
}

pub async fn sender_facts(
    db: impl Executor<'_>,
    recipient: AccountId,
    sender: AccountId,
    status: Option<StatusId>,
) -> sqlx::Result<Option<SenderFacts>> {
    sqlx::query_as(
        "SELECT p.for_not_following, p.for_not_followers, p.for_new_accounts, p.for_private_mentions, \
           p.for_limited_accounts, \
           EXISTS (SELECT 1 FROM notification_permissions WHERE account_id = $1 AND from_account_id = $2) AS permitted, \
           EXISTS (SELECT 1 FROM follows WHERE account_id = $1 AND target_account_id = $2) AS recipient_follows, \
           (SELECT created_at FROM follows WHERE account_id = $2 AND target_account_id = $1) AS follower_since, \
           a.created_at AS sender_created_at, a.silenced_at IS NOT NULL AS sender_limited, \
           (SELECT role FROM users WHERE account_id = $2) AS sender_role, \
           (SELECT role FROM users WHERE account_id = $1) AS recipient_role, \
           (SELECT visibility FROM statuses WHERE id = $3) AS status_visibility, \
           (SELECT in_reply_to_id FROM statuses WHERE id = $3) AS status_in_reply_to \
         FROM accounts a LEFT JOIN notification_policies p ON p.account_id = $1 \
         WHERE a.id = $2",
    )
    .bind(recipient)
    .bind(sender)
    .bind(status)
    .fetch_optional(db)
    .await
}

/// Whether the thread above `parent` (up to 100 statuses up) holds a private mention of
/// `sender` written by `recipient`: a direct reply to it is not unsolicited.
pub async fn thread_has_private_mention(
    db: impl Executor<'_>,
    parent: StatusId,
    recipient: AccountId,
    sender: AccountId,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "WITH RECURSIVE thread (id, in_reply_to_id, account_id, visibility, depth) AS ( \
           SELECT s.id, s.in_reply_to_id, s.account_id, s.visibility, 0 FROM statuses s WHERE s.id = $1 \
           UNION ALL \
           SELECT s.id, s.in_reply_to_id, s.account_id, s.visibility, t.depth + 1 \
           FROM thread t JOIN statuses s ON s.id = t.in_reply_to_id WHERE t.depth < 100 \
         ) \
         SELECT EXISTS (SELECT 1 FROM thread t \
           JOIN mentions m ON m.status_id = t.id AND m.account_id = $3 AND NOT m.silent \
           WHERE t.account_id = $2 AND t.visibility = 'direct')",
    )
    .bind(parent)
    .bind(recipient)
    .bind(sender)
    .fetch_one(db)
    .await
}
