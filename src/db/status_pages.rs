//! A page of statuses as a timeline shows it: each status (and the original of each
//! boost) with its mentions and tags, whether it has media, emoji or a poll, and what
//! the viewer did to it, in one query. Every page of every timeline is loaded this way,
//! so it costs one round trip whatever the page holds.

use super::Executor;
use super::statuses::{COLUMNS, Status};
use crate::id::{AccountId, StatusId, TagId};
use sqlx::AssertSqlSafe;
use std::collections::HashSet;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PageRow {
    #[sqlx(flatten)]
    pub status: Status,
    /// Mentioned accounts, in the order they were recorded.
    mention_ids: Vec<i64>,
    tag_ids: Vec<i64>,
    tag_names: Vec<String>,
    pub has_media: bool,
    pub has_emojis: bool,
    pub has_poll: bool,
    /// The OAuth application a local post was written with: name and website.
    pub application_name: Option<String>,
    pub application_website: Option<String>,
}

impl PageRow {
    pub fn mentions(&self) -> impl Iterator<Item = AccountId> + '_ {
        self.mention_ids.iter().map(|&a| AccountId(a))
    }

    /// (tag, name as first written), oldest tag first.
    pub fn tags(&self) -> Vec<(TagId, String)> {
        self.tag_ids
            .iter()
            .zip(&self.tag_names)
            .map(|(&id, name)| (TagId(id), name.clone()))
            .collect()
    }
}

/// The statuses of `ids` and the originals of the boosts among them, in no particular
/// order. Mentions, tags and what extras a status has are kept on its row (migration
/// 0014), so this is one index lookup per status.
pub async fn find_page(db: impl Executor<'_>, ids: &[StatusId]) -> sqlx::Result<Vec<PageRow>> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS}, s.mention_ids, s.tag_ids, s.tag_names, s.has_media, s.has_emojis, s.has_poll, \
           app.name AS application_name, app.website AS application_website \
         FROM statuses s \
         LEFT JOIN oauth_applications app ON app.id = s.application_id \
         WHERE s.id IN (SELECT unnest($1::bigint[]) \
           UNION SELECT b.reblog_of_id FROM statuses b WHERE b.id = ANY($1) AND b.reblog_of_id IS NOT NULL)"
    )))
    .bind(raw)
    .fetch_all(db)
    .await
}

/// What a viewer did to statuses, as one query over the page's ids.
#[derive(Debug, Default, Clone)]
pub struct Marks {
    pub favourited: HashSet<StatusId>,
    pub reblogged: HashSet<StatusId>,
    pub bookmarked: HashSet<StatusId>,
    pub pinned: HashSet<StatusId>,
    /// In a conversation the viewer muted.
    pub muted: HashSet<StatusId>,
}

/// The viewer's (`$1`) marks on status `s`, as five booleans: favourited, boosted,
/// bookmarked, pinned, in a muted conversation. Each is a lookup in a unique index per
/// status (a lateral `LIMIT 1` keeps Postgres from hashing all of a viewer's favourites
/// instead), and the conversation check runs only for viewers who muted one.
const MARKS: &str = "fv.x IS NOT NULL AS favourited, rb.x IS NOT NULL AS reblogged, \
    bm.x IS NOT NULL AS bookmarked, pn.x IS NOT NULL AS pinned, \
    (EXISTS (SELECT 1 FROM conversation_mutes c WHERE c.account_id = $1) \
     AND EXISTS (SELECT 1 FROM conversation_mutes m \
                  WHERE m.account_id = $1 AND m.conversation_uri = coalesce(s.conversation_uri, s.uri))) AS muted";
/// Bookmarks, pins and boosts are looked for only when the viewer has any (most
/// people have few or none), each decided once per query.
const MARKS_JOINS: &str = "\
    LEFT JOIN LATERAL (SELECT 1 AS x FROM favourites f WHERE f.account_id = $1 AND f.status_id = s.id LIMIT 1) fv ON true \
    LEFT JOIN LATERAL (SELECT 1 AS x FROM statuses r \
        WHERE EXISTS (SELECT 1 FROM statuses rr WHERE rr.account_id = $1 AND rr.reblog_of_id IS NOT NULL) \
          AND r.account_id = $1 AND r.reblog_of_id = s.id LIMIT 1) rb ON true \
    LEFT JOIN LATERAL (SELECT 1 AS x FROM bookmarks b \
        WHERE EXISTS (SELECT 1 FROM bookmarks bb WHERE bb.account_id = $1) \
          AND b.account_id = $1 AND b.status_id = s.id LIMIT 1) bm ON true \
    LEFT JOIN LATERAL (SELECT 1 AS x FROM status_pins p \
        WHERE EXISTS (SELECT 1 FROM status_pins pp WHERE pp.account_id = $1) \
          AND p.account_id = $1 AND p.status_id = s.id LIMIT 1) pn ON true";

/// Which of `ids` the viewer favourited, boosted, bookmarked, pinned or muted the
/// conversation of, in one round trip ([`MARKS`]).
pub async fn marks(
    db: impl Executor<'_>,
    viewer: AccountId,
    ids: &[StatusId],
) -> sqlx::Result<Marks> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let rows: Vec<(StatusId, bool, bool, bool, bool, bool)> = sqlx::query_as(AssertSqlSafe(
        format!("SELECT s.id, {MARKS} FROM statuses s {MARKS_JOINS} WHERE s.id = ANY($2)"),
    ))
    .bind(viewer)
    .bind(raw)
    .fetch_all(db)
    .await?;
    let mut marks = Marks::default();
    for (id, favourited, reblogged, bookmarked, pinned, muted) in rows {
        for (set, on) in [
            (&mut marks.favourited, favourited),
            (&mut marks.reblogged, reblogged),
            (&mut marks.bookmarked, bookmarked),
            (&mut marks.pinned, pinned),
            (&mut marks.muted, muted),
        ] {
            if on {
                set.insert(id);
            }
        }
    }
    Ok(marks)
}

/// Where a status of a page stands now: enough to tell whether a rendering kept from an
/// earlier request still holds (`mastodon::rendered`), and what the viewer did to it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Standing {
    pub id: StatusId,
    /// The row's version (its `xmin`: every update writes a new one).
    pub version: i64,
    /// The versions of the mentioned accounts' rows, summed (mentions show their URLs).
    pub mentions_version: i64,
    pub account_id: AccountId,
    pub account_version: i64,
    pub reblog_of_id: Option<StatusId>,
    /// Shown from its own row, its mentions and its author alone: no poll (whose
    /// rendering depends on the viewer's votes) and no custom emoji (kept elsewhere).
    pub self_contained: bool,
    pub favourited: bool,
    pub reblogged: bool,
    pub bookmarked: bool,
    pub pinned: bool,
    pub muted: bool,
}

/// The columns of a statuses row `s` that its [`Standing`] is worked out from; the
/// source of [`standings_over`].
pub(super) const STANDING_SOURCE: &str = "s.id, s.xmin::text::bigint AS version, s.mention_ids, s.account_id, \
    s.reblog_of_id, NOT (s.has_poll OR s.has_emojis) AS self_contained, s.conversation_uri, s.uri";

/// The standings of the rows `source` gives (the columns of [`STANDING_SOURCE`], and
/// any that `extra` names as `s.…`), with the marks of the viewer bound as `$1` (none
/// for a visitor, `with_marks` false).
pub(super) fn standings_over(source: &str, extra: &str, with_marks: bool) -> String {
    let (marks, joins) = if with_marks {
        (MARKS, MARKS_JOINS)
    } else {
        (
            "false AS favourited, false AS reblogged, false AS bookmarked, false AS pinned, false AS muted",
            "",
        )
    };
    format!(
        "SELECT s.id, s.version, \
           CASE WHEN cardinality(s.mention_ids) = 0 THEN 0::bigint ELSE \
             (SELECT coalesce(sum(m.xmin::text::bigint), 0)::bigint FROM accounts m WHERE m.id = ANY (s.mention_ids)) \
           END AS mentions_version, \
           s.account_id, a.xmin::text::bigint AS account_version, s.reblog_of_id, s.self_contained, \
           {marks}{extra} \
         FROM ({source}) s JOIN accounts a ON a.id = s.account_id {joins}"
    )
}

/// How the statuses of `ids` and the originals of the boosts among them stand, with the
/// viewer's marks (none for a visitor), in one round trip; in no particular order. Run
/// it within `db::begin_generic`: planning it costs more than running it.
pub async fn standings(
    db: &mut sqlx::PgConnection,
    viewer: Option<AccountId>,
    ids: &[StatusId],
) -> sqlx::Result<Vec<Standing>> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let source = format!(
        "SELECT {STANDING_SOURCE} FROM statuses s \
         WHERE s.id IN (SELECT unnest($2::bigint[]) \
           UNION SELECT b.reblog_of_id FROM statuses b WHERE b.id = ANY($2) AND b.reblog_of_id IS NOT NULL)"
    );
    sqlx::query_as(AssertSqlSafe(standings_over(&source, "", viewer.is_some())))
        .bind(viewer)
        .bind(raw)
        .fetch_all(db)
        .await
}

/// [`standings`] on its own, with the generic plan (see `db::begin_generic`).
pub async fn standings_of(
    db: &sqlx::PgPool,
    viewer: Option<AccountId>,
    ids: &[StatusId],
) -> sqlx::Result<Vec<Standing>> {
    let mut tx = super::begin_generic(db).await?;
    let rows = standings(&mut tx, viewer, ids).await?;
    tx.commit().await?;
    Ok(rows)
}
