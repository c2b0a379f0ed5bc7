//! A page of statuses as a timeline shows it: each status (and the original of each
//! boost) with its mentions and tags, whether it has media, emoji or a poll, and what
//! the viewer did to it, in one query. Every page of every timeline is loaded this way,
//! so it costs one round trip whatever the page holds.

use super::Executor;
use super::statuses::{COLUMNS, Status};
use crate::id::{AccountId, StatusId, TagId};
use sqlx::AssertSqlSafe;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PageRow {
    #[sqlx(flatten)]
    pub status: Status,
    /// Mentioned accounts, in the order they were recorded.
    mention_ids: Vec<i64>,
    tag_ids: Option<Vec<i64>>,
    tag_names: Option<Vec<String>>,
    pub has_media: bool,
    pub has_emojis: bool,
    pub has_poll: bool,
    pub favourited: bool,
    pub reblogged: bool,
    pub bookmarked: bool,
    pub pinned: bool,
}

impl PageRow {
    pub fn mentions(&self) -> impl Iterator<Item = AccountId> + '_ {
        self.mention_ids.iter().map(|&a| AccountId(a))
    }

    /// (tag, name as first written), oldest tag first.
    pub fn tags(&self) -> Vec<(TagId, String)> {
        match (&self.tag_ids, &self.tag_names) {
            (Some(ids), Some(names)) => ids
                .iter()
                .zip(names)
                .map(|(&id, name)| (TagId(id), name.clone()))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// The statuses of `ids` and the originals of the boosts among them, in no particular
/// order; the viewer's marks are all false without a viewer.
pub async fn find_page(
    db: impl Executor<'_>,
    ids: &[StatusId],
    viewer: Option<AccountId>,
) -> sqlx::Result<Vec<PageRow>> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS}, \
           ARRAY(SELECT m.account_id FROM mentions m WHERE m.status_id = s.id ORDER BY m.id) AS mention_ids, \
           tg.tag_ids, tg.tag_names, \
           EXISTS (SELECT 1 FROM media_attachments ma WHERE ma.status_id = s.id) AS has_media, \
           EXISTS (SELECT 1 FROM status_emojis se WHERE se.status_id = s.id) AS has_emojis, \
           EXISTS (SELECT 1 FROM polls p WHERE p.status_id = s.id) AS has_poll, \
           EXISTS (SELECT 1 FROM favourites f WHERE f.account_id = $2 AND f.status_id = s.id) AS favourited, \
           EXISTS (SELECT 1 FROM statuses r WHERE r.account_id = $2 AND r.reblog_of_id = s.id) AS reblogged, \
           EXISTS (SELECT 1 FROM bookmarks b WHERE b.account_id = $2 AND b.status_id = s.id) AS bookmarked, \
           EXISTS (SELECT 1 FROM status_pins sp WHERE sp.account_id = $2 AND sp.status_id = s.id) AS pinned \
         FROM statuses s \
         LEFT JOIN LATERAL (SELECT array_agg(t.id ORDER BY t.id) AS tag_ids, array_agg(t.name ORDER BY t.id) AS tag_names \
           FROM statuses_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = s.id) tg ON true \
         WHERE s.id IN (SELECT unnest($1::bigint[]) \
           UNION SELECT b.reblog_of_id FROM statuses b WHERE b.id = ANY($1) AND b.reblog_of_id IS NOT NULL)"
    )))
    .bind(raw)
    .bind(viewer)
    .fetch_all(db)
    .await
}
