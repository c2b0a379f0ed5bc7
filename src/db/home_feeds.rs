//! Kept home feeds (migration 0015): for each person who reads their home timeline, the
//! statuses by them and by the accounts they follow, written as statuses arrive, so a
//! page is a walk over about as many rows as it shows. A feed is built at its owner's
//! first read, kept while they read it and dropped after two weeks without reading.
//! Entries are what the home timeline shows by the rules that depend on statuses and
//! follows, applied as those are written (migration 0016); a page checks blocks and
//! mutes ([`READ_RULES`]), so those count at once. Feeds answer as reading the
//! statuses by [`statuses::home_rules`] does.

use super::status_pages::{self, Standing};
use super::statuses::{self, Page};
use crate::id::{AccountId, StatusId};
use sqlx::{AssertSqlSafe, FromRow, PgConnection, PgPool, Row};

/// How many entries a feed keeps (Mastodon's home feeds keep 800); older pages are read
/// from the statuses.
pub const FEED_SIZE: i64 = 800;

/// A feed not read for this long is dropped (Mastodon stops filling home feeds of
/// people who have not signed in for two weeks).
const IDLE_DAYS: i32 = 14;

/// Whether the feed's owner (`home_feeds` row `h`) last read it over an hour ago: its
/// read time is kept that coarsely, so most reads write nothing.
const STALE: &str = "h.read_at < now() - interval '1 hour'";

/// What one read of a feed found.
struct Read {
    /// Every candidate with an id at or above this is in the feed.
    floor: i64,
    /// The owner last read it over an hour ago (the read time is kept coarsely).
    stale: bool,
    ids: Vec<i64>,
}

impl Read {
    /// The page's ids newest first, when the feed alone answers it.
    fn answer(&self, page: Page) -> Option<Vec<StatusId>> {
        // Status ids are positive, so below a floor of 0 or 1 there is nothing.
        let below_floor = page.lower().unwrap_or(0).max(0) < self.floor - 1;
        let short = self.ids.len() < usize::try_from(page.limit).unwrap_or(0);
        if below_floor && (page.ascending() || short) {
            return None;
        }
        let mut ids: Vec<StatusId> = self.ids.iter().map(|&i| StatusId(i)).collect();
        if page.ascending() {
            ids.reverse();
        }
        Some(ids)
    }
}

/// The viewer's home timeline page with how its statuses stand (see
/// [`status_pages::standings`]). Most pages come whole from the feed, and then both
/// are read in one statement.
///
/// That statement runs on its own, not in `begin_generic`'s transaction: Postgres
/// settles on its generic plan for it unprompted after the first five runs on a
/// connection (the generic plan's estimate is no worse than the custom ones'; see
/// `generic_plans` in `pg_prepared_statements`), and the two round trips saved (BEGIN
/// with its SET, COMMIT) measured a tenth more home pages per second on two cores.
pub async fn home_page(
    db: &PgPool,
    viewer: AccountId,
    page: Page,
) -> sqlx::Result<(Vec<StatusId>, Vec<Standing>)> {
    let read = read_standing(&mut *db.acquire().await?, viewer, page).await?;
    if let Some((read, standings)) = read {
        if let Some(ids) = read.answer(page) {
            if read.stale {
                touch(db, viewer).await?;
            }
            return Ok((ids, standings));
        }
        let ids = ids_after(db, viewer, page, Some(read)).await?;
        let standings = status_pages::standings_of(db, Some(viewer), &ids).await?;
        return Ok((ids, standings));
    }
    let ids = ids_after(db, viewer, page, None).await?;
    let standings = status_pages::standings_of(db, Some(viewer), &ids).await?;
    Ok((ids, standings))
}

/// The viewer's home timeline page, from their feed (built first if they have none)
/// and, for what lies below the feed's floor, from the statuses.
pub async fn home_ids(db: &PgPool, viewer: AccountId, page: Page) -> sqlx::Result<Vec<StatusId>> {
    let read = read_alone(db, viewer, page).await?;
    ids_after(db, viewer, page, read).await
}

/// The page, given what reading the feed found (`None`: the viewer has no feed yet).
async fn ids_after(
    db: &PgPool,
    viewer: AccountId,
    page: Page,
    read: Option<Read>,
) -> sqlx::Result<Vec<StatusId>> {
    let read = match read {
        Some(read) => read,
        None => {
            match build(db, viewer, FEED_SIZE).await {
                Ok(()) => {}
                // Building waits on statuses being written; should one of those
                // writers also wait on it, Postgres ends one side. This page is then
                // read from the statuses and the next read builds the feed.
                Err(e) if is_deadlock(&e) => return statuses::home_ids(db, viewer, page).await,
                Err(e) => return Err(e),
            }
            match read_alone(db, viewer, page).await? {
                Some(read) => read,
                // Dropped again at once (housekeeping); the statuses still answer.
                None => return statuses::home_ids(db, viewer, page).await,
            }
        }
    };
    if read.stale {
        touch(db, viewer).await?;
    }
    if let Some(ids) = read.answer(page) {
        return Ok(ids);
    }
    if page.ascending() {
        // Paging forward from below the floor: the oldest part is not in the feed.
        return statuses::home_ids(db, viewer, page).await;
    }
    // The feed ran out above the floor: the rest is older than the feed.
    let mut ids: Vec<StatusId> = read.ids.into_iter().map(StatusId).collect();
    let rest = Page {
        max_id: Some(page.max_id.map_or(read.floor, |m| m.min(read.floor))),
        since_id: page.since_id,
        min_id: None,
        limit: page.limit - ids.len() as i64,
    };
    ids.extend(statuses::home_ids(db, viewer, rest).await?);
    Ok(ids)
}

fn is_deadlock(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|c| c == "40P01")
}

async fn read_alone(db: &PgPool, viewer: AccountId, page: Page) -> sqlx::Result<Option<Read>> {
    let mut tx = super::begin_generic(db).await?;
    let read = read(&mut tx, viewer, page).await?;
    tx.commit().await?;
    Ok(read)
}

/// What a page of a feed still checks of an entry `e` for its status `s`: the rules
/// the feed's writers cannot apply, because they change without a write to statuses or
/// follows. Nothing by accounts the viewer `$1` blocks, nor boosts of their posts;
/// nothing by accounts they mute or that block them, nor boosts of posts by either,
/// their own statuses aside. Direct messages are checked again for a mention (the
/// writers place them by their mentions too; this costs nothing).
const READ_RULES: &str = "NOT (s.account_id = ANY (v.blocked)) \
    AND (s.account_id = $1 OR NOT (s.account_id = ANY (v.blocked_by) OR s.account_id = ANY (v.muted) \
         OR (s.visibility = 'direct' AND NOT $1 = ANY (s.mention_ids)))) \
    AND (e.reblog_author_id IS NULL OR NOT (e.reblog_author_id = ANY (v.blocked) \
         OR e.reblog_author_id = ANY (v.blocked_by) \
         OR (s.account_id <> $1 AND e.reblog_author_id = ANY (v.muted))))";

/// The entries of the viewer's feed (`$1`) on `page` (`$2`–`$4`) that [`READ_RULES`]
/// let through, as `columns` of their statuses `s`, in the page's order; `floor` is
/// the feed's floor as the enclosing query has it.
fn entries(columns: &str, floor: &str, page: Page) -> String {
    let lists = statuses::VIEWER_LISTS;
    let order = page.order();
    format!(
        "SELECT {columns} FROM home_feed_entries e JOIN statuses s ON s.id = e.status_id CROSS JOIN {lists} v \
          WHERE e.account_id = $1 AND e.status_id < $2 AND e.status_id > greatest($3, {floor} - 1) \
            AND {READ_RULES} \
          ORDER BY e.status_id {order} LIMIT $4"
    )
}

/// One page of the viewer's feed in one round trip, or `None` when they have no feed.
async fn read(db: &mut PgConnection, viewer: AccountId, page: Page) -> sqlx::Result<Option<Read>> {
    let sql = format!(
        "SELECT h.floor_id, {STALE}, ARRAY({}) FROM home_feeds h WHERE h.account_id = $1",
        entries("s.id", "h.floor_id", page)
    );
    let row: Option<(i64, bool, Vec<i64>)> =
        sqlx::query_as_with(AssertSqlSafe(sql), page.arguments(Some(viewer))?)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(floor, stale, ids)| Read { floor, stale, ids }))
}

/// [`read`] with the standings of the page's statuses and of the originals of its
/// boosts, in one statement: the statuses are read once for both.
async fn read_standing(
    db: &mut PgConnection,
    viewer: AccountId,
    page: Page,
) -> sqlx::Result<Option<(Read, Vec<Standing>)>> {
    let source = status_pages::STANDING_SOURCE;
    let rows = format!(
        "SELECT *, true AS in_page FROM page \
         UNION ALL SELECT {source}, false FROM statuses s \
          WHERE s.id IN (SELECT reblog_of_id FROM page) AND s.id NOT IN (SELECT id FROM page)"
    );
    let sql = format!(
        "WITH h AS (SELECT floor_id, {STALE} AS stale FROM home_feeds h WHERE account_id = $1), \
           page AS ({}) \
         SELECT h.floor_id, h.stale, st.* FROM h LEFT JOIN ({}) st ON true",
        entries(source, "(SELECT floor_id FROM h)", page),
        status_pages::standings_over(&rows, ", s.in_page", true)
    );
    let rows = sqlx::query_with(AssertSqlSafe(sql), page.arguments(Some(viewer))?)
        .fetch_all(db)
        .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut read = Read {
        floor: first.try_get("floor_id")?,
        stale: first.try_get("stale")?,
        ids: Vec::new(),
    };
    let mut standings = Vec::with_capacity(rows.len());
    for row in &rows {
        // An empty page still has the feed's row, with nothing joined to it.
        if row.try_get::<Option<i64>, _>("id")?.is_none() {
            continue;
        }
        if row.try_get("in_page")? {
            read.ids.push(row.try_get("id")?);
        }
        standings.push(Standing::from_row(row)?);
    }
    if page.ascending() {
        read.ids.sort_unstable();
    } else {
        read.ids.sort_unstable_by(|a, b| b.cmp(a));
    }
    Ok(Some((read, standings)))
}

async fn touch(db: &PgPool, viewer: AccountId) -> sqlx::Result<()> {
    sqlx::query("UPDATE home_feeds SET read_at = now() WHERE account_id = $1")
        .bind(viewer)
        .execute(db)
        .await?;
    Ok(())
}

/// Builds the viewer's feed from the newest `size` statuses it shows (their own and
/// those of followed accounts, by the home rules); nothing when they already have one.
/// The advisory locks (see the migration) make statuses and follows written meanwhile
/// land in it.
pub async fn build(db: &PgPool, viewer: AccountId, size: i64) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("SELECT lock_home_feed_buckets(0, ARRAY[$1::bigint], true)")
        .bind(viewer)
        .execute(&mut *tx)
        .await?;
    let created = sqlx::query(
        "INSERT INTO home_feeds (account_id) SELECT $1 WHERE EXISTS (SELECT 1 FROM accounts WHERE id = $1) \
         ON CONFLICT DO NOTHING",
    )
    .bind(viewer)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if created == 0 {
        return tx.commit().await;
    }
    sqlx::query(
        "SELECT lock_home_feed_buckets(1, \
           ARRAY(SELECT target_account_id FROM follows WHERE account_id = $1) || $1::bigint, true)",
    )
    .bind(viewer)
    .execute(&mut *tx)
    .await?;
    // The newest `size` statuses the feed shows (migration 0016's `home_feed_shows`).
    let picked: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM statuses s \
          WHERE (account_id = $1 OR account_id IN (SELECT target_account_id FROM follows WHERE account_id = $1)) \
            AND home_feed_shows($1, s.id) \
          ORDER BY id DESC LIMIT $2",
    )
    .bind(viewer)
    .bind(size)
    .fetch_all(&mut *tx)
    .await?;
    let floor = match picked.last() {
        Some(&oldest) if picked.len() as i64 >= size => oldest,
        _ => 0,
    };
    sqlx::query("UPDATE home_feeds SET floor_id = $2 WHERE account_id = $1")
        .bind(viewer)
        .bind(floor)
        .execute(&mut *tx)
        .await?;
    sqlx::query("SELECT home_feed_put($1, $2)")
        .bind(viewer)
        .bind(&picked)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Keeps the newest `keep` entries of every feed, raising floors to match. Returns how
/// many entries went.
pub async fn trim(db: &PgPool, keep: i64) -> sqlx::Result<u64> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE home_feeds h SET floor_id = c.cut \
           FROM (SELECT f.account_id, (SELECT e.status_id FROM home_feed_entries e \
                                        WHERE e.account_id = f.account_id \
                                        ORDER BY e.status_id DESC OFFSET $1 - 1 LIMIT 1) AS cut \
                   FROM home_feeds f) c \
          WHERE c.account_id = h.account_id AND c.cut > h.floor_id",
    )
    .bind(keep.max(1))
    .execute(&mut *tx)
    .await?;
    let gone = sqlx::query(
        "DELETE FROM home_feed_entries e USING home_feeds h \
          WHERE e.account_id = h.account_id AND e.status_id < h.floor_id",
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(gone)
}

/// Drops the feeds nobody read for two weeks (built anew when their owner returns),
/// and entries left by deleted statuses, feeds or accounts. Returns how many entries
/// went.
pub async fn drop_idle(db: &PgPool) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM home_feeds WHERE read_at < now() - make_interval(days => $1)")
        .bind(IDLE_DAYS)
        .execute(db)
        .await?;
    let strays = sqlx::query(
        "DELETE FROM home_feed_entries e \
          WHERE NOT EXISTS (SELECT 1 FROM home_feeds h WHERE h.account_id = e.account_id) \
             OR NOT EXISTS (SELECT 1 FROM statuses s WHERE s.id = e.status_id)",
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(strays)
}

/// How many entries the viewer's feed holds and its floor, if they have a feed.
pub async fn size(db: &PgPool, viewer: AccountId) -> sqlx::Result<Option<(i64, i64)>> {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM home_feed_entries WHERE account_id = $1), floor_id \
           FROM home_feeds WHERE account_id = $1",
    )
    .bind(viewer)
    .fetch_optional(db)
    .await
}
