//! Notification groups: the keys that tie notifications together, pages of groups, and
//! what a page shows of each group.

use super::Executor;
use super::notifications::{COLUMNS, FILTER_SQL, Notification, NotificationFilter};
use crate::db::statuses::Page;
use crate::id::{AccountId, NotificationId};
use time::OffsetDateTime;

/// The first of `keys` that one of the recipient's notifications already carries.
pub async fn first_in_use(
    db: impl Executor<'_>,
    recipient: AccountId,
    keys: &[String],
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT group_key FROM notifications WHERE account_id = $1 AND group_key = ANY($2) LIMIT 1",
    )
    .bind(recipient)
    .bind(keys)
    .fetch_optional(db)
    .await
}

/// A notification that stands for its group on a page, with the group's key as the page
/// shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GroupHead {
    #[sqlx(flatten)]
    pub notification: Notification,
    pub page_group_key: String,
}

/// The key a page groups a notification under: its own group key when its type may be
/// grouped (`$9`), `ungrouped-<id>` otherwise.
const PAGE_KEY_SQL: &str = "CASE WHEN n.group_key IS NOT NULL AND n.type = ANY($9) THEN n.group_key ELSE 'ungrouped-' || n.id END";

/// The newest notification of each of up to `page.limit` groups, walking the recipient's
/// notifications from `max_id` down (or from `min_id` up) and stopping once the page
/// holds that many groups, as Mastodon pages groups. Newest first. Notifications of
/// types not in `grouped_types` are each their own group.
pub async fn page_heads(
    db: impl Executor<'_>,
    recipient: AccountId,
    filter: &NotificationFilter,
    grouped_types: &[String],
    page: &Page,
) -> sqlx::Result<Vec<GroupHead>> {
    let ascending = page.min_id.is_some();
    let (order, step) = if ascending {
        ("ASC", ">")
    } else {
        ("DESC", "<")
    };
    let lower = page.min_id.or(page.since_id);
    // Each step of the walk takes the next notification (by id) whose group is not on
    // the page yet; the walk ends when the page is full or nothing is left.
    let sql = format!(
        "WITH RECURSIVE walk (id, groups) AS ( \
           (SELECT n.id, ARRAY[{PAGE_KEY_SQL}] FROM notifications n \
            WHERE {FILTER_SQL} AND ($6::bigint IS NULL OR n.id < $6) AND ($7::bigint IS NULL OR n.id > $7) \
            ORDER BY n.id {order} LIMIT 1) \
           UNION ALL \
           SELECT next.id, w.groups || next.page_group_key FROM walk w, LATERAL ( \
             SELECT n.id, {PAGE_KEY_SQL} AS page_group_key FROM notifications n \
             WHERE {FILTER_SQL} AND ($6::bigint IS NULL OR n.id < $6) AND ($7::bigint IS NULL OR n.id > $7) \
               AND n.id {step} w.id AND NOT ({PAGE_KEY_SQL} = ANY(w.groups)) \
             ORDER BY n.id {order} LIMIT 1) next \
           WHERE cardinality(w.groups) < $8 \
         ) \
         SELECT {COLUMNS}, {PAGE_KEY_SQL} AS page_group_key \
         FROM walk JOIN notifications n ON n.id = walk.id ORDER BY n.id DESC"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(recipient)
        .bind(&filter.types)
        .bind(&filter.exclude_types)
        .bind(filter.from)
        .bind(filter.include_filtered)
        .bind(page.max_id)
        .bind(lower)
        .bind(page.limit)
        .bind(grouped_types)
        .fetch_all(db)
        .await
}

/// What a page shows of a group, counted over its notifications up to the page's newest
/// (`upper`, none for all).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GroupSummary {
    pub group_key: String,
    pub most_recent_id: Option<NotificationId>,
    pub latest_at: Option<OffsetDateTime>,
    pub notifications_count: i64,
    /// The senders of its newest notifications, newest first.
    pub sample_account_ids: Vec<AccountId>,
    /// Its oldest notification at or above the page's lower bound (`lower`).
    pub page_min_id: Option<NotificationId>,
}

/// Summaries of the recipient's groups `keys`, within `lower..=upper` (open ends when
/// `None`), with at most `samples` sample accounts each.
pub async fn summaries(
    db: impl Executor<'_>,
    recipient: AccountId,
    keys: &[String],
    lower: Option<i64>,
    upper: Option<i64>,
    samples: i64,
) -> sqlx::Result<Vec<GroupSummary>> {
    const IN_GROUP: &str = "n.account_id = $1 AND n.group_key = g.key";
    const UPTO: &str = "($4::bigint IS NULL OR n.id <= $4)";
    let sql = format!(
        "SELECT g.key AS group_key, \
           (SELECT n.id FROM notifications n WHERE {IN_GROUP} AND {UPTO} ORDER BY n.id DESC LIMIT 1) AS most_recent_id, \
           (SELECT n.created_at FROM notifications n WHERE {IN_GROUP} AND {UPTO} ORDER BY n.id DESC LIMIT 1) AS latest_at, \
           (SELECT count(*) FROM notifications n WHERE {IN_GROUP} AND {UPTO}) AS notifications_count, \
           ARRAY(SELECT n.from_account_id FROM notifications n WHERE {IN_GROUP} AND {UPTO} \
                 ORDER BY n.id DESC LIMIT $5) AS sample_account_ids, \
           (SELECT n.id FROM notifications n WHERE {IN_GROUP} AND ($3::bigint IS NULL OR n.id >= $3) \
            ORDER BY n.id ASC LIMIT 1) AS page_min_id \
         FROM unnest($2::text[]) AS g(key)"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(recipient)
        .bind(keys)
        .bind(lower)
        .bind(upper)
        .bind(samples)
        .fetch_all(db)
        .await
}

/// Which notifications a group key names: `ungrouped-<id>` one notification, any other
/// key the notifications that carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Members<'a> {
    One(NotificationId),
    Keyed(&'a str),
}

impl<'a> Members<'a> {
    /// `None` for an `ungrouped-` key without a notification id.
    pub fn of(key: &'a str) -> Option<Members<'a>> {
        match key.strip_prefix("ungrouped-") {
            Some(id) => id.parse().ok().map(Members::One),
            None => Some(Members::Keyed(key)),
        }
    }

    /// The condition on `notifications n`, with the recipient as `$1` and the key `$2`.
    fn condition(self) -> &'static str {
        match self {
            Members::One(_) => "n.account_id = $1 AND n.id = $2",
            Members::Keyed(_) => "n.account_id = $1 AND n.group_key = $2",
        }
    }
}

/// Binds the recipient and `members`' key as `$1` and `$2`.
macro_rules! bind_members {
    ($query:expr, $recipient:expr, $members:expr) => {{
        let q = $query.bind($recipient);
        match $members {
            Members::One(id) => q.bind(id),
            Members::Keyed(key) => q.bind(key),
        }
    }};
}

/// The newest of the recipient's notifications in a group.
pub async fn newest_in(
    db: impl Executor<'_>,
    recipient: AccountId,
    members: Members<'_>,
) -> sqlx::Result<Option<Notification>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM notifications n WHERE {} ORDER BY n.id DESC LIMIT 1",
        members.condition()
    );
    bind_members!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), recipient, members)
        .fetch_optional(db)
        .await
}

/// A page of the notifications in a group, newest first (`min_id` pages forward and is
/// reversed back).
pub async fn members(
    db: impl Executor<'_>,
    recipient: AccountId,
    members: Members<'_>,
    page: &Page,
) -> sqlx::Result<Vec<Notification>> {
    let ascending = page.min_id.is_some();
    let sql = format!(
        "SELECT {COLUMNS} FROM notifications n WHERE {} \
           AND ($3::bigint IS NULL OR n.id < $3) AND ($4::bigint IS NULL OR n.id > $4) \
         ORDER BY n.id {} LIMIT $5",
        members.condition(),
        if ascending { "ASC" } else { "DESC" }
    );
    let mut rows: Vec<Notification> =
        bind_members!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), recipient, members)
            .bind(page.max_id)
            .bind(page.min_id.or(page.since_id))
            .bind(page.limit)
            .fetch_all(db)
            .await?;
    if ascending {
        rows.reverse();
    }
    Ok(rows)
}

/// Deletes the recipient's notifications in a group; how many there were.
pub async fn dismiss(
    db: impl Executor<'_>,
    recipient: AccountId,
    members: Members<'_>,
) -> sqlx::Result<u64> {
    let sql = format!("DELETE FROM notifications n WHERE {}", members.condition());
    bind_members!(sqlx::query(sqlx::AssertSqlSafe(sql)), recipient, members)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}
