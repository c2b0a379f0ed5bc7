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

/// Which of `ids` the viewer favourited, boosted, bookmarked, pinned or muted the
/// conversation of, in one round trip. Each mark is a lookup in a unique index per
/// status (a lateral `LIMIT 1` keeps Postgres from hashing all of a viewer's
/// favourites instead), and the conversation check runs only for viewers who muted one.
pub async fn marks(
    db: impl Executor<'_>,
    viewer: AccountId,
    ids: &[StatusId],
) -> sqlx::Result<Marks> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let rows: Vec<(StatusId, bool, bool, bool, bool, bool)> = sqlx::query_as(
        "SELECT i.id, fv.x IS NOT NULL, rb.x IS NOT NULL, bm.x IS NOT NULL, pn.x IS NOT NULL, \
           i.id IN (SELECT s.id FROM statuses s JOIN conversation_mutes m \
               ON m.account_id = $1 AND m.conversation_uri = coalesce(s.conversation_uri, s.uri) \
             WHERE s.id = ANY($2) AND EXISTS (SELECT 1 FROM conversation_mutes c WHERE c.account_id = $1)) \
         FROM unnest($2::bigint[]) i(id) \
         LEFT JOIN LATERAL (SELECT 1 AS x FROM favourites f WHERE f.account_id = $1 AND f.status_id = i.id LIMIT 1) fv ON true \
         LEFT JOIN LATERAL (SELECT 1 AS x FROM statuses r WHERE r.account_id = $1 AND r.reblog_of_id = i.id LIMIT 1) rb ON true \
         LEFT JOIN LATERAL (SELECT 1 AS x FROM bookmarks b WHERE b.account_id = $1 AND b.status_id = i.id LIMIT 1) bm ON true \
         LEFT JOIN LATERAL (SELECT 1 AS x FROM status_pins p WHERE p.account_id = $1 AND p.status_id = i.id LIMIT 1) pn ON true",
    )
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
