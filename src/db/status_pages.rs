//! A page of statuses as a timeline shows it: each status (and the original of each
//! boost) with its mentions and tags, whether it has media, emoji or a poll, and what
//! the viewer did to it, in one query. Every page of every timeline is loaded this way,
//! so it costs one round trip whatever the page holds.

use super::Executor;
use super::statuses::{COLUMNS, Status};
use crate::id::{AccountId, StatusId, TagId};
use sqlx::AssertSqlSafe;
use std::collections::HashSet;
use std::sync::LazyLock;

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

/// The viewer's (`$1`) marks on the rows of a CTE `src` (columns `id`, `in_page`,
/// `conversation_uri`, `uri`), as a CTE `mk` of arrays: the statuses they favourited,
/// boosted, bookmarked and pinned. Each comes from one range scan of the viewer's part
/// of a unique index, over the ids the page spans (a page is a stretch of time, and
/// people mark few of the statuses in it), plus a lookup for each row outside that
/// span (older boosted originals; `LATERAL … LIMIT 1`, since a generic plan, guessing
/// the viewer marked few statuses, would read all their marks to hash them). On the
/// bench's home page this made the whole page query a sixth cheaper than a lookup per
/// status and mark. Both CTEs are `MATERIALIZED`, so the arrays are made once.
fn marks_cte() -> &'static str {
    static CTE: LazyLock<String> = LazyLock::new(|| {
        // The viewer's marks of one kind: `column` of their rows in `table`.
        let marked = |table: &str, column: &str, name: &str| {
            format!(
                "ARRAY(SELECT t.{column} FROM {table} t WHERE t.account_id = $1 AND t.{column} BETWEEN p.lo AND p.hi \
                   UNION ALL SELECT x.id FROM unnest(p.others) o, LATERAL (SELECT t.{column} AS id FROM {table} t \
                     WHERE t.account_id = $1 AND t.{column} = o LIMIT 1) x) AS {name}"
            )
        };
        format!(
            "span AS MATERIALIZED (SELECT min(id) FILTER (WHERE in_page) AS lo, max(id) FILTER (WHERE in_page) AS hi, \
                 ARRAY(SELECT o.id FROM src o WHERE NOT o.in_page) AS others FROM src), \
             mk AS MATERIALIZED (SELECT {}, {}, {}, {} FROM span p)",
            marked("favourites", "status_id", "favourited"),
            marked("statuses", "reblog_of_id", "reblogged"),
            marked("bookmarks", "status_id", "bookmarked"),
            marked("status_pins", "status_id", "pinned"),
        )
    });
    &CTE
}

/// The marks of row `s` as five booleans, from [`marks_cte`]'s `mk`: favourited,
/// boosted, bookmarked, pinned, in a muted conversation (looked for only when the
/// viewer muted one).
const MARKS: &str = "s.id = ANY (mk.favourited) AS favourited, s.id = ANY (mk.reblogged) AS reblogged, \
    s.id = ANY (mk.bookmarked) AS bookmarked, s.id = ANY (mk.pinned) AS pinned, \
    (EXISTS (SELECT 1 FROM conversation_mutes c WHERE c.account_id = $1) \
     AND EXISTS (SELECT 1 FROM conversation_mutes m \
                  WHERE m.account_id = $1 AND m.conversation_uri = coalesce(s.conversation_uri, s.uri))) AS muted";

/// Which of `ids` the viewer favourited, boosted, bookmarked, pinned or muted the
/// conversation of, in one round trip ([`MARKS`]).
pub async fn marks(
    db: impl Executor<'_>,
    viewer: AccountId,
    ids: &[StatusId],
) -> sqlx::Result<Marks> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let rows: Vec<(StatusId, bool, bool, bool, bool, bool)> = sqlx::query_as(AssertSqlSafe(
        format!(
            "WITH src AS (SELECT s.id, true AS in_page, s.conversation_uri, s.uri FROM statuses s WHERE s.id = ANY($2)), \
             {} SELECT s.id, {MARKS} FROM src s CROSS JOIN mk",
            marks_cte()
        ),
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

/// The standings of the rows `source` gives (the columns of [`STANDING_SOURCE`], then
/// `in_page`: false for boosted originals brought in with the page, and any that
/// `extra` names as `s.…`), with the marks of the viewer bound as `$1` (none for a
/// visitor, `with_marks` false).
pub(super) fn standings_over(source: &str, extra: &str, with_marks: bool) -> String {
    let (ctes, marks, joins) = if with_marks {
        (format!(", {}", marks_cte()), MARKS, "CROSS JOIN mk")
    } else {
        (
            String::new(),
            "false AS favourited, false AS reblogged, false AS bookmarked, false AS pinned, false AS muted",
            "",
        )
    };
    format!(
        "WITH src AS ({source}){ctes} \
         SELECT s.id, s.version, \
           CASE WHEN cardinality(s.mention_ids) = 0 THEN 0::bigint ELSE \
             (SELECT coalesce(sum(m.xmin::text::bigint), 0)::bigint FROM accounts m WHERE m.id = ANY (s.mention_ids)) \
           END AS mentions_version, \
           s.account_id, a.xmin::text::bigint AS account_version, s.reblog_of_id, s.self_contained, \
           {marks}{extra} \
         FROM src s JOIN accounts a ON a.id = s.account_id {joins}"
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
        "SELECT {STANDING_SOURCE}, s.id = ANY($2) AS in_page FROM statuses s \
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
