//! Statuses (posts and boosts), their mentions, edit history and tombstones.

use super::Executor;
use crate::id::{AccountId, ApplicationId, StatusId, TagId};
use sqlx::AssertSqlSafe;
use std::fmt;
use std::str::FromStr;
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Visibility {
    Public,
    Unlisted,
    Private,
    Direct,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Unlisted => "unlisted",
            Visibility::Private => "private",
            Visibility::Direct => "direct",
        }
    }

    /// Whether others may boost a status of this visibility.
    pub fn is_boostable(self) -> bool {
        matches!(self, Visibility::Public | Visibility::Unlisted)
    }

    /// The narrower of two audiences (a reply starts with the narrower of its parent's
    /// and the poster's default, as in Mastodon's composer).
    pub fn narrower(self, other: Visibility) -> Visibility {
        // Declared from widest to narrowest, so the derived order ranks them.
        self.max(other)
    }
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Visibility {
    type Err = ();
    fn from_str(s: &str) -> Result<Visibility, ()> {
        match s {
            "public" => Ok(Visibility::Public),
            "unlisted" => Ok(Visibility::Unlisted),
            "private" => Ok(Visibility::Private),
            "direct" => Ok(Visibility::Direct),
            _ => Err(()),
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Status {
    pub id: StatusId,
    pub uri: String,
    pub url: Option<String>,
    pub account_id: AccountId,
    pub in_reply_to_id: Option<StatusId>,
    pub in_reply_to_account_id: Option<AccountId>,
    pub reblog_of_id: Option<StatusId>,
    pub text: String,
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    visibility: String,
    pub language: Option<String>,
    pub local: bool,
    pub replies_count: i64,
    pub reblogs_count: i64,
    pub favourites_count: i64,
    pub created_at: OffsetDateTime,
    pub edited_at: Option<OffsetDateTime>,
    /// The OAuth application a local post was written with (none from the web UI).
    pub application_id: Option<ApplicationId>,
}

impl Status {
    pub fn visibility(&self) -> Visibility {
        self.visibility.parse().unwrap_or(Visibility::Direct)
    }
}

pub const COLUMNS: &str = "s.id, s.uri, s.url, s.account_id, s.in_reply_to_id, s.in_reply_to_account_id, \
    s.reblog_of_id, s.text, s.content, s.spoiler_text, s.sensitive, s.visibility, s.language, s.local, \
    s.replies_count, s.reblogs_count, s.favourites_count, s.created_at, s.edited_at, s.application_id";

/// SQL condition: the status `s` may be seen by the account in parameter `$n`
/// (NULL for a logged-out visitor). Public and unlisted are visible to all; followers-only
/// to the author, followers and mentioned accounts; direct to the author and mentioned
/// accounts. An author who blocked the viewer hides everything from them. A boost is
/// visible only when the boosted status is too, so nobody reads through someone else's
/// boost what its author hides from them (S27).
pub fn visible_to(n: usize) -> String {
    format!(
        "({} AND (s.reblog_of_id IS NULL OR EXISTS (SELECT 1 FROM statuses o WHERE o.id = s.reblog_of_id AND {})))",
        visible_as("s", n),
        visible_as("o", n)
    )
}

/// The visibility rule of [`visible_to`] for the status aliased `a`, boosts aside.
fn visible_as(a: &str, n: usize) -> String {
    format!(
        "({a}.account_id = ${n} OR (\
            ({a}.visibility IN ('public', 'unlisted') \
             OR ({a}.visibility = 'private' AND EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ${n} AND f.target_account_id = {a}.account_id)) \
             OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = {a}.id AND m.account_id = ${n})) \
            AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = {a}.account_id AND b.target_account_id = ${n})))"
    )
}

/// Where a page of a timeline starts and ends (Mastodon's max_id / since_id / min_id).
#[derive(Debug, Clone, Copy, Default)]
pub struct Page {
    pub max_id: Option<i64>,
    pub since_id: Option<i64>,
    pub min_id: Option<i64>,
    pub limit: i64,
}

impl Page {
    pub fn older_than(max_id: Option<i64>, limit: i64) -> Page {
        Page {
            max_id,
            limit,
            ..Page::default()
        }
    }

    pub fn lower(&self) -> Option<i64> {
        self.min_id.or(self.since_id)
    }

    /// `min_id` pages forward from the given id (oldest first, then reversed).
    pub fn ascending(&self) -> bool {
        self.min_id.is_some()
    }

    /// The SQL order a page is read in.
    pub fn order(&self) -> &'static str {
        if self.ascending() { "ASC" } else { "DESC" }
    }

    /// The parameters every page query takes: `$1` the viewer (or who the page is
    /// for), `$2` the id the page lies below, `$3` the id it lies above, `$4` how many.
    pub(super) fn arguments(
        &self,
        viewer: Option<AccountId>,
    ) -> sqlx::Result<sqlx::postgres::PgArguments> {
        use sqlx::Arguments;
        let mut args = sqlx::postgres::PgArguments::default();
        args.add(viewer).map_err(sqlx::Error::Encode)?;
        args.add(self.max_id.unwrap_or(i64::MAX))
            .map_err(sqlx::Error::Encode)?;
        args.add(self.lower().unwrap_or(i64::MIN))
            .map_err(sqlx::Error::Encode)?;
        args.add(self.limit).map_err(sqlx::Error::Encode)?;
        Ok(args)
    }
}

/// SQL condition for home, public and hashtag timelines: nothing by (or boosted from)
/// accounts viewer `$1` mutes. Profiles still show a muted account's posts.
const NOT_MUTED: &str = "NOT EXISTS (SELECT 1 FROM mutes vm WHERE vm.account_id = $1 AND vm.target_account_id IN \
    (s.account_id, coalesce((SELECT o.account_id FROM statuses o WHERE o.id = s.reblog_of_id), s.account_id)) \
    AND (vm.expires_at IS NULL OR vm.expires_at > now()) AND s.account_id <> $1)";

/// SQL condition for every timeline: nothing by accounts viewer `$1` blocks, nor boosts
/// of their posts.
const NOT_BLOCKED: &str = "NOT EXISTS (SELECT 1 FROM blocks vb WHERE vb.account_id = $1 AND vb.target_account_id IN \
    (s.account_id, coalesce((SELECT o.account_id FROM statuses o WHERE o.id = s.reblog_of_id), s.account_id)))";

/// Whether a timeline leaves out what the viewer muted (home, public, hashtags) or not
/// (profiles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mutes {
    Hide,
    Show,
}

/// Runs a timeline query over `statuses s` with `filter` (which may use $1 = viewer)
/// and returns ids newest first. Timelines show what the viewer may see and leave out
/// accounts the viewer blocks, and boosts of their posts. A logged-out visitor's query
/// has no viewer conditions at all.
async fn page_ids(
    db: impl Executor<'_>,
    filter: &str,
    viewer: Option<AccountId>,
    mutes: Mutes,
    page: Page,
) -> sqlx::Result<Vec<StatusId>> {
    let condition = match viewer {
        Some(_) if mutes == Mutes::Hide => {
            format!(
                "{filter} AND {} AND {NOT_BLOCKED} AND {NOT_MUTED}",
                visible_to(1)
            )
        }
        Some(_) => format!("{filter} AND {} AND {NOT_BLOCKED}", visible_to(1)),
        None => format!("{filter} AND s.visibility IN ('public', 'unlisted')"),
    };
    run_page(db, &condition, viewer, page).await
}

/// `SELECT s.id FROM statuses s WHERE {condition}` for one page. The bounds are always
/// numbers (the whole id range when absent), so one plan serves every page and
/// Postgres can reuse it instead of planning each request anew.
async fn run_page(
    db: impl Executor<'_>,
    condition: &str,
    viewer: Option<AccountId>,
    page: Page,
) -> sqlx::Result<Vec<StatusId>> {
    let sql = format!(
        "SELECT s.id FROM statuses s WHERE {condition} AND s.id < $2 AND s.id > $3 \
         ORDER BY s.id {} LIMIT $4",
        page.order()
    );
    fetch_page(db, sql, viewer, page).await
}

/// Runs a page query whose parameters are $1 = viewer, $2/$3 = the id bounds, $4 = the
/// limit, ordered as [`Page::order`] says; returns the ids newest first.
async fn fetch_page(
    db: impl Executor<'_>,
    sql: String,
    viewer: Option<AccountId>,
    page: Page,
) -> sqlx::Result<Vec<StatusId>> {
    let mut ids: Vec<StatusId> =
        sqlx::query_scalar_with(AssertSqlSafe(sql), page.arguments(viewer)?)
            .fetch_all(db)
            .await?;
    if page.ascending() {
        ids.reverse();
    }
    Ok(ids)
}

/// The accounts viewer `$1` blocks, is blocked by and mutes (mutes not yet expired),
/// as one row of arrays `blocked`, `blocked_by` and `muted`, read once per query
/// (`OFFSET 0` keeps Postgres from copying each array's subquery to every place that
/// uses it).
pub(super) const VIEWER_LISTS: &str = "(SELECT \
      ARRAY(SELECT target_account_id FROM blocks WHERE account_id = $1) AS blocked, \
      ARRAY(SELECT account_id FROM blocks WHERE target_account_id = $1) AS blocked_by, \
      ARRAY(SELECT target_account_id FROM mutes WHERE account_id = $1 \
              AND (expires_at IS NULL OR expires_at > now())) AS muted OFFSET 0)";

/// The rules of the home timeline for a status `s` by the viewer `$1` or an account
/// they follow, as (joins, condition): the joins bring `f`, the viewer's follow of the
/// author, `rf`, their follow of the account replied to, and `v`, the viewer's
/// [`VIEWER_LISTS`]. Replies only when they answer the viewer, the author themself or someone
/// the viewer follows; boosts unless the viewer turned them off for that account, and
/// only of posts the viewer may see; posts in a language the follow did not ask for are
/// left out; nothing by or boosted from accounts the viewer blocks or mutes (their own
/// boosts aside), nor by accounts blocking them. Everything here is by the viewer or
/// someone they follow, so followers-only posts are visible and only direct ones need
/// a mention. `s` needs the columns id, account_id, in_reply_to_account_id,
/// reblog_of_id, visibility, language and mention_ids.
///
/// Kept home feeds apply the same rules in two halves, which must change with these:
/// `home_feed_shows` (migration 0016) as statuses and follows are written, and
/// `home_feeds::READ_RULES` at every read.
pub(super) fn home_rules() -> (String, String) {
    let joins = format!(
        "CROSS JOIN {VIEWER_LISTS} v \
        LEFT JOIN follows f ON f.account_id = $1 AND f.target_account_id = s.account_id \
        LEFT JOIN follows rf ON rf.account_id = $1 AND rf.target_account_id = s.in_reply_to_account_id"
    );
    let condition = format!(
        "(s.account_id = $1 OR (f.id IS NOT NULL \
            AND (s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id IN (s.account_id, $1) \
                 OR rf.id IS NOT NULL) \
            AND (s.reblog_of_id IS NULL OR f.show_reblogs) \
            AND (s.visibility <> 'direct' OR $1 = ANY (s.mention_ids)) \
            AND NOT (s.account_id = ANY (v.blocked_by)) \
            AND (s.language IS NULL OR f.languages IS NULL OR s.language = ANY (f.languages)) \
            AND NOT (s.account_id = ANY (v.muted)))) \
         AND NOT (s.account_id = ANY (v.blocked)) \
         AND (s.reblog_of_id IS NULL OR EXISTS (SELECT 1 FROM statuses o WHERE o.id = s.reblog_of_id AND {boosted} \
              AND NOT (o.account_id = ANY (v.blocked)) \
              AND (s.account_id = $1 OR NOT (o.account_id = ANY (v.muted)))))",
        boosted = visible_as("o", 1)
    );
    (joins, condition)
}

/// The home timeline read from the statuses themselves: own statuses and those of
/// followed accounts, by [`home_rules`]. Kept home feeds (`db::home_feeds`) answer most
/// pages; this reads what lies below a feed's floor.
pub async fn home_ids(
    db: &sqlx::PgPool,
    viewer: AccountId,
    page: Page,
) -> sqlx::Result<Vec<StatusId>> {
    let (joins, condition) = home_rules();
    let order = page.order();
    // The inner scan walks the newest statuses keeping those by the viewer and the
    // accounts they follow (about one in ten); `OFFSET 0` keeps Postgres from merging
    // it into the outer query, so the costlier checks run on those candidates only.
    let sql = format!(
        "SELECT s.id FROM (SELECT c.id, c.account_id, c.in_reply_to_account_id, c.reblog_of_id, c.visibility, \
             c.language, c.mention_ids \
           FROM statuses c \
           WHERE (c.account_id = $1 OR c.account_id IN (SELECT target_account_id FROM follows WHERE account_id = $1)) \
             AND c.id < $2 AND c.id > $3 ORDER BY c.id {order} OFFSET 0) s {joins} \
         WHERE {condition} ORDER BY s.id {order} LIMIT $4"
    );
    let mut tx = super::begin_generic(db).await?;
    let ids = fetch_page(&mut *tx, sql, Some(viewer), page).await?;
    tx.commit().await?;
    Ok(ids)
}

/// Public, original posts; `local_only` keeps those written here.
pub async fn public_ids(
    db: impl Executor<'_>,
    viewer: Option<AccountId>,
    local_only: bool,
    page: Page,
) -> sqlx::Result<Vec<StatusId>> {
    let filter = if local_only {
        "s.local AND s.visibility = 'public' AND s.reblog_of_id IS NULL"
    } else {
        "s.visibility = 'public' AND s.reblog_of_id IS NULL"
    };
    page_ids(db, filter, viewer, Mutes::Show, page).await
}

/// An account's statuses as the viewer may see them; without replies unless asked
/// (a reply to oneself counts as a post, as on Mastodon).
pub async fn account_ids(
    db: impl Executor<'_>,
    account: AccountId,
    viewer: Option<AccountId>,
    with_replies: bool,
    page: Page,
) -> sqlx::Result<Vec<StatusId>> {
    let filter = if with_replies {
        format!("s.account_id = {}", account.0)
    } else {
        format!(
            "s.account_id = {} AND (s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id)",
            account.0
        )
    };
    page_ids(db, &filter, viewer, Mutes::Show, page).await
}

/// Which of an account's statuses its API timeline shows (Mastodon's `exclude_replies`,
/// `exclude_reblogs`, `only_media`, `pinned`, `tagged`).
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    pub exclude_replies: bool,
    pub exclude_reblogs: bool,
    pub only_media: bool,
    pub pinned: bool,
    pub tagged: Option<TagId>,
}

pub async fn account_filtered_ids(
    db: impl Executor<'_>,
    account: AccountId,
    filter: &AccountFilter,
    viewer: Option<AccountId>,
    page: Page,
) -> sqlx::Result<Vec<StatusId>> {
    // Only numbers go into the text.
    let mut parts = vec![format!("s.account_id = {}", account.0)];
    if filter.exclude_replies {
        parts.push("(s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id)".into());
    }
    if filter.exclude_reblogs {
        parts.push("s.reblog_of_id IS NULL".into());
    }
    if filter.only_media {
        parts.push("EXISTS (SELECT 1 FROM media_attachments m WHERE m.status_id = s.id)".into());
    }
    if filter.pinned {
        parts.push(format!(
            "EXISTS (SELECT 1 FROM status_pins p WHERE p.status_id = s.id AND p.account_id = {})",
            account.0
        ));
    }
    if let Some(t) = filter.tagged {
        parts.push(format!(
            "EXISTS (SELECT 1 FROM statuses_tags st WHERE st.status_id = s.id AND st.tag_id = {})",
            t.0
        ));
    }
    page_ids(db, &parts.join(" AND "), viewer, Mutes::Show, page).await
}

pub async fn tag_ids(
    db: impl Executor<'_>,
    tag: TagId,
    viewer: Option<AccountId>,
    page: Page,
) -> sqlx::Result<Vec<StatusId>> {
    let filter = format!(
        "s.visibility = 'public' AND s.reblog_of_id IS NULL \
         AND EXISTS (SELECT 1 FROM statuses_tags st WHERE st.status_id = s.id AND st.tag_id = {})",
        tag.0
    );
    page_ids(db, &filter, viewer, Mutes::Show, page).await
}

/// Which public posts a public or hashtag timeline shows (Mastodon's `local`, `remote`,
/// `only_media`, and for hashtags `any[]`, `all[]`, `none[]`).
#[derive(Debug, Clone, Default)]
pub struct PublicFilter {
    pub local_only: bool,
    pub remote_only: bool,
    pub only_media: bool,
    /// At least one of these tags (empty: no condition).
    pub any_tags: Vec<TagId>,
    /// Every one of these tags.
    pub all_tags: Vec<TagId>,
    /// None of these tags.
    pub no_tags: Vec<TagId>,
}

impl PublicFilter {
    /// The SQL condition; only numbers and fixed text go in, so it is safe to inline.
    fn sql(&self) -> String {
        let mut parts = vec!["s.visibility = 'public' AND s.reblog_of_id IS NULL".to_string()];
        if self.local_only {
            parts.push("s.local".into());
        }
        if self.remote_only {
            parts.push("NOT s.local".into());
        }
        if self.only_media {
            parts
                .push("EXISTS (SELECT 1 FROM media_attachments m WHERE m.status_id = s.id)".into());
        }
        let list = |ids: &[TagId]| {
            ids.iter()
                .map(|t| t.0.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        if !self.any_tags.is_empty() {
            parts.push(format!(
                "EXISTS (SELECT 1 FROM statuses_tags st WHERE st.status_id = s.id AND st.tag_id IN ({}))",
                list(&self.any_tags)
            ));
        }
        for t in &self.all_tags {
            parts.push(format!(
                "EXISTS (SELECT 1 FROM statuses_tags st WHERE st.status_id = s.id AND st.tag_id = {})",
                t.0
            ));
        }
        if !self.no_tags.is_empty() {
            parts.push(format!(
                "NOT EXISTS (SELECT 1 FROM statuses_tags st WHERE st.status_id = s.id AND st.tag_id IN ({}))",
                list(&self.no_tags)
            ));
        }
        parts.join(" AND ")
    }
}

/// Public posts as `filter` selects them.
pub async fn public_filtered_ids(
    db: impl Executor<'_>,
    filter: &PublicFilter,
    viewer: Option<AccountId>,
    page: Page,
) -> sqlx::Result<Vec<StatusId>> {
    page_ids(db, &filter.sql(), viewer, Mutes::Hide, page).await
}

/// The statuses a status replies to, oldest first, that the viewer may see.
pub async fn ancestor_ids(
    db: impl Executor<'_>,
    id: StatusId,
    viewer: Option<AccountId>,
) -> sqlx::Result<Vec<StatusId>> {
    let sql = format!(
        "WITH RECURSIVE up(id, parent, depth) AS ( \
            SELECT id, in_reply_to_id, 0 FROM statuses WHERE id = $2 \
            UNION ALL SELECT p.id, p.in_reply_to_id, up.depth + 1 FROM statuses p JOIN up ON p.id = up.parent WHERE up.depth < 100) \
         SELECT s.id FROM up JOIN statuses s ON s.id = up.id WHERE up.depth > 0 AND {} ORDER BY up.depth DESC",
        visible_to(1)
    );
    sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(viewer)
        .bind(id)
        .fetch_all(db)
        .await
}

/// Replies to a status and their replies, depth first in time order, that the viewer
/// may see; each with its depth below the status (1 = direct reply).
pub async fn descendant_ids(
    db: impl Executor<'_>,
    id: StatusId,
    viewer: Option<AccountId>,
) -> sqlx::Result<Vec<(StatusId, i32)>> {
    let sql = format!(
        "WITH RECURSIVE down(id, depth, path) AS ( \
            SELECT id, 1, ARRAY[id] FROM statuses WHERE in_reply_to_id = $2 \
            UNION ALL SELECT c.id, down.depth + 1, down.path || c.id FROM statuses c JOIN down ON c.in_reply_to_id = down.id \
              WHERE down.depth < 100) \
         SELECT s.id, down.depth FROM down JOIN statuses s ON s.id = down.id WHERE {} ORDER BY down.path LIMIT 1000",
        visible_to(1)
    );
    sqlx::query_as(AssertSqlSafe(sql))
        .bind(viewer)
        .bind(id)
        .fetch_all(db)
        .await
}

/// A status if the viewer may see it.
/// Which of `ids` the viewer may see, in one query (order of `ids` kept).
pub async fn visible_among(
    db: impl Executor<'_>,
    ids: &[StatusId],
    viewer: Option<AccountId>,
) -> sqlx::Result<Vec<StatusId>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let found: Vec<StatusId> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT s.id FROM statuses s WHERE s.id = ANY($2) AND {}",
        visible_to(1)
    )))
    .bind(viewer)
    .bind(raw)
    .fetch_all(db)
    .await?;
    Ok(ids.iter().copied().filter(|i| found.contains(i)).collect())
}

pub async fn find_visible(
    db: impl Executor<'_>,
    id: StatusId,
    viewer: Option<AccountId>,
) -> sqlx::Result<Option<Status>> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM statuses s WHERE s.id = $2 AND {}",
        visible_to(1)
    )))
    .bind(viewer)
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn find(db: impl Executor<'_>, id: StatusId) -> sqlx::Result<Option<Status>> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM statuses s WHERE s.id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn find_many(db: impl Executor<'_>, ids: &[StatusId]) -> sqlx::Result<Vec<Status>> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM statuses s WHERE s.id = ANY($1)"
    )))
    .bind(raw)
    .fetch_all(db)
    .await
}

/// A fresh id from the same generator as the column default, so the URI can be built
/// before the insert.
pub async fn next_id(db: impl Executor<'_>) -> sqlx::Result<StatusId> {
    sqlx::query_scalar("SELECT timestamp_id('statuses')")
        .fetch_one(db)
        .await
}

pub struct NewStatus<'a> {
    pub id: StatusId,
    pub uri: &'a str,
    pub url: Option<&'a str>,
    pub account_id: AccountId,
    pub in_reply_to_id: Option<StatusId>,
    pub in_reply_to_account_id: Option<AccountId>,
    /// For remote replies: the URI answered, even when we do not have that status.
    pub in_reply_to_uri: Option<&'a str>,
    pub reblog_of_id: Option<StatusId>,
    pub text: &'a str,
    pub content: &'a str,
    pub spoiler_text: &'a str,
    pub sensitive: bool,
    pub visibility: Visibility,
    pub language: Option<&'a str>,
    pub local: bool,
    /// For local posts: the OAuth application used (shown as the status's `application`).
    pub application_id: Option<ApplicationId>,
}

pub async fn insert(db: impl Executor<'_>, s: &NewStatus<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO statuses (id, uri, url, account_id, in_reply_to_id, in_reply_to_account_id, reblog_of_id, \
         text, content, spoiler_text, sensitive, visibility, language, local, in_reply_to_uri, application_id, \
         conversation_uri) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
           coalesce((SELECT p.conversation_uri FROM statuses p WHERE p.id = $5), $2))",
    )
    .bind(s.id)
    .bind(s.uri)
    .bind(s.url)
    .bind(s.account_id)
    .bind(s.in_reply_to_id)
    .bind(s.in_reply_to_account_id)
    .bind(s.reblog_of_id)
    .bind(s.text)
    .bind(s.content)
    .bind(s.spoiler_text)
    .bind(s.sensitive)
    .bind(s.visibility.as_str())
    .bind(s.language)
    .bind(s.local)
    .bind(s.in_reply_to_uri)
    .bind(s.application_id)
    .execute(db)
    .await
    .map(|_| ())
}

/// Deletes a status (its boosts, mentions, tags and notifications cascade) and leaves a
/// tombstone for its URI.
pub async fn delete_with_tombstone(
    db: &mut sqlx::PgConnection,
    status: &Status,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO tombstones (uri, account_id) VALUES ($1, $2) ON CONFLICT (uri) DO NOTHING",
    )
    .bind(&status.uri)
    .bind(status.account_id)
    .execute(&mut *db)
    .await?;
    sqlx::query("DELETE FROM statuses WHERE id = $1")
        .bind(status.id)
        .execute(&mut *db)
        .await?;
    Ok(())
}

pub async fn is_tombstoned(db: impl Executor<'_>, uri: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM tombstones WHERE uri = $1)")
        .bind(uri)
        .fetch_one(db)
        .await
}

#[derive(Debug, Clone, Copy)]
pub enum Counter {
    Replies,
    Reblogs,
    Favourites,
}

pub async fn add_to_counter(
    db: impl Executor<'_>,
    id: StatusId,
    counter: Counter,
    delta: i64,
) -> sqlx::Result<()> {
    let column = match counter {
        Counter::Replies => "replies_count",
        Counter::Reblogs => "reblogs_count",
        Counter::Favourites => "favourites_count",
    };
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE statuses SET {column} = greatest({column} + $2, 0) WHERE id = $1"
    )))
    .bind(id)
    .bind(delta)
    .execute(db)
    .await
    .map(|_| ())
}

/// The boost of `status` by `account`, if any.
pub async fn find_reblog(
    db: impl Executor<'_>,
    account: AccountId,
    status: StatusId,
) -> sqlx::Result<Option<Status>> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM statuses s WHERE s.account_id = $1 AND s.reblog_of_id = $2"
    )))
    .bind(account)
    .bind(status)
    .fetch_optional(db)
    .await
}

/// Which of `ids` the account has boosted.
pub async fn reblogged_among(
    db: impl Executor<'_>,
    account: AccountId,
    ids: &[StatusId],
) -> sqlx::Result<Vec<StatusId>> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    sqlx::query_scalar(
        "SELECT reblog_of_id FROM statuses WHERE account_id = $1 AND reblog_of_id = ANY($2)",
    )
    .bind(account)
    .bind(raw)
    .fetch_all(db)
    .await
}

pub async fn insert_mention(
    db: impl Executor<'_>,
    status: StatusId,
    account: AccountId,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO mentions (status_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(status)
    .bind(account)
    .execute(db)
    .await
    .map(|_| ())
}

/// (status, mentioned account) pairs for a set of statuses.
pub async fn mentions_of(
    db: impl Executor<'_>,
    ids: &[StatusId],
) -> sqlx::Result<Vec<(StatusId, AccountId)>> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    sqlx::query_as(
        "SELECT status_id, account_id FROM mentions WHERE status_id = ANY($1) ORDER BY id",
    )
    .bind(raw)
    .fetch_all(db)
    .await
}

pub async fn count_local(db: impl Executor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM statuses WHERE local AND reblog_of_id IS NULL")
        .fetch_one(db)
        .await
}

pub async fn find_by_uri(db: impl Executor<'_>, uri: &str) -> sqlx::Result<Option<Status>> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM statuses s WHERE s.uri = $1"
    )))
    .bind(uri)
    .fetch_optional(db)
    .await
}

/// Inserts a remote status (or boost) under a backdated id and returns it; `None` when
/// the id, the URI or (for a boost) the booster's one boost of that status was taken, or
/// the URI was deleted (tombstoned) — the caller looks for the existing row, gives up or
/// tries another id.
pub async fn insert_remote(
    db: impl Executor<'_>,
    s: &NewStatus<'_>,
    created_at: time::OffsetDateTime,
) -> sqlx::Result<Option<Status>> {
    sqlx::query_as(AssertSqlSafe(format!(
        "INSERT INTO statuses AS s (id, uri, url, account_id, in_reply_to_id, in_reply_to_account_id, in_reply_to_uri, \
         text, content, spoiler_text, sensitive, visibility, language, local, created_at, reblog_of_id, conversation_uri) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, false, $14, $15, \
           coalesce((SELECT p.conversation_uri FROM statuses p WHERE p.id = $5), $2) \
         WHERE NOT EXISTS (SELECT 1 FROM tombstones t WHERE t.uri = $2) \
         ON CONFLICT DO NOTHING RETURNING {COLUMNS}"
    )))
    .bind(s.id)
    .bind(s.uri)
    .bind(s.url)
    .bind(s.account_id)
    .bind(s.in_reply_to_id)
    .bind(s.in_reply_to_account_id)
    .bind(s.in_reply_to_uri)
    .bind(s.text)
    .bind(s.content)
    .bind(s.spoiler_text)
    .bind(s.sensitive)
    .bind(s.visibility.as_str())
    .bind(s.language)
    .bind(created_at)
    .bind(s.reblog_of_id)
    .fetch_optional(db)
    .await
}

/// Remembers a deleted URI (also for posts that never arrived), so a late Create is not
/// stored.
pub async fn insert_tombstone(
    db: impl Executor<'_>,
    uri: &str,
    account: AccountId,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO tombstones (uri, account_id) VALUES ($1, $2) ON CONFLICT (uri) DO NOTHING",
    )
    .bind(uri)
    .bind(account)
    .execute(db)
    .await
    .map(|_| ())
}

/// Removes up to `limit` statuses of `account` (a deleted actor), leaving tombstones and
/// fixing the reply and boost counters of other people's statuses they answered or
/// boosted; returns how many went (0 when none are left).
pub async fn delete_batch_of_account(
    db: impl Executor<'_>,
    account: AccountId,
    limit: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "WITH batch AS ( \
           SELECT id, uri, in_reply_to_id, reblog_of_id, visibility FROM statuses WHERE account_id = $1 ORDER BY id LIMIT $2), \
         stones AS ( \
           INSERT INTO tombstones (uri, account_id) SELECT uri, $1 FROM batch ON CONFLICT (uri) DO NOTHING), \
         counts AS ( \
           SELECT id, sum(replies) AS replies, sum(reblogs) AS reblogs FROM ( \
             SELECT in_reply_to_id AS id, 1 AS replies, 0 AS reblogs FROM batch \
               WHERE in_reply_to_id IS NOT NULL AND visibility IN ('public', 'unlisted') \
             UNION ALL SELECT reblog_of_id, 0, 1 FROM batch WHERE reblog_of_id IS NOT NULL) x GROUP BY id), \
         fixed AS ( \
           UPDATE statuses s SET replies_count = greatest(s.replies_count - c.replies, 0), \
             reblogs_count = greatest(s.reblogs_count - c.reblogs, 0) \
           FROM counts c WHERE s.id = c.id AND s.account_id <> $1), \
         gone AS (DELETE FROM statuses WHERE id IN (SELECT id FROM batch) RETURNING id) \
         SELECT count(*) FROM gone",
    )
    .bind(account)
    .bind(limit)
    .fetch_one(db)
    .await
}

/// One version of a status, for its edit history.
pub struct Version<'a> {
    pub text: &'a str,
    pub content: &'a str,
    pub spoiler_text: &'a str,
    pub sensitive: bool,
}

/// Whether a status has any recorded versions yet.
pub async fn has_edits(db: impl Executor<'_>, id: StatusId) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM status_edits WHERE status_id = $1)")
        .bind(id)
        .fetch_one(db)
        .await
}

/// Records a version of a status as it was at `at`.
pub async fn insert_edit(
    db: impl Executor<'_>,
    status: &Status,
    v: &Version<'_>,
    at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO status_edits (status_id, account_id, text, content, spoiler_text, sensitive, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(status.id)
    .bind(status.account_id)
    .bind(v.text)
    .bind(v.content)
    .bind(v.spoiler_text)
    .bind(v.sensitive)
    .bind(at)
    .execute(db)
    .await
    .map(|_| ())
}

/// Replaces a status's text with a new version edited at `edited_at`.
pub async fn apply_edit(
    db: impl Executor<'_>,
    id: StatusId,
    v: &Version<'_>,
    language: Option<&str>,
    edited_at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE statuses SET text = $2, content = $3, spoiler_text = $4, sensitive = $5, language = $6, \
         edited_at = $7, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(v.text)
    .bind(v.content)
    .bind(v.spoiler_text)
    .bind(v.sensitive)
    .bind(language)
    .bind(edited_at)
    .execute(db)
    .await
    .map(|_| ())
}

/// Drops the mentions of a status other than `keep` (after an edit removed them).
pub async fn delete_mentions_except(
    db: impl Executor<'_>,
    status: StatusId,
    keep: &[AccountId],
) -> sqlx::Result<()> {
    let raw: Vec<i64> = keep.iter().map(|a| a.0).collect();
    sqlx::query("DELETE FROM mentions WHERE status_id = $1 AND NOT (account_id = ANY($2))")
        .bind(status)
        .bind(raw)
        .execute(db)
        .await
        .map(|_| ())
}

/// Whether we hold any status (or boost) by `account`.
pub async fn any_by_account(db: impl Executor<'_>, account: AccountId) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM statuses WHERE account_id = $1)")
        .bind(account)
        .fetch_one(db)
        .await
}

/// The status an earlier request with this `Idempotency-Key` created (within the hour).
pub async fn find_by_idempotency_key(
    db: impl Executor<'_>,
    account: AccountId,
    key: &str,
) -> sqlx::Result<Option<StatusId>> {
    sqlx::query_scalar(
        "SELECT status_id FROM idempotency_keys WHERE account_id = $1 AND key = $2 \
         AND created_at > now() - interval '1 hour'",
    )
    .bind(account)
    .bind(key)
    .fetch_optional(db)
    .await
}

/// Remembers which status a key created; an older entry for the key is replaced.
pub async fn remember_idempotency_key(
    db: impl Executor<'_>,
    account: AccountId,
    key: &str,
    status: StatusId,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO idempotency_keys (account_id, key, status_id) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id, key) DO UPDATE SET status_id = excluded.status_id, created_at = now()",
    )
    .bind(account)
    .bind(key)
    .bind(status)
    .execute(db)
    .await
    .map(|_| ())
}

/// A version of a status as its history shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Edit {
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub created_at: time::OffsetDateTime,
}

/// Every recorded version of a status, oldest first (empty if never edited).
pub async fn edits_of(db: impl Executor<'_>, id: StatusId) -> sqlx::Result<Vec<Edit>> {
    sqlx::query_as(
        "SELECT content, spoiler_text, sensitive, created_at FROM status_edits WHERE status_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(db)
    .await
}

/// Who favourited (`favourites`) or boosted a status: (row id, account), newest first.
pub async fn interacted_by(
    db: impl Executor<'_>,
    id: StatusId,
    boosts: bool,
    max_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<(i64, AccountId)>> {
    let sql = if boosts {
        "SELECT id, account_id FROM statuses WHERE reblog_of_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
    } else {
        "SELECT id, account_id FROM favourites WHERE status_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
    };
    sqlx::query_as(sql)
        .bind(id)
        .bind(max_id)
        .bind(limit)
        .fetch_all(db)
        .await
}
