//! Timelines and threads: pages of status ids, then every status with what is needed
//! to show it (author, boosted original, reply target, mentions, tags, the viewer's own
//! favourite/boost state), loaded in a fixed number of queries per page.

use crate::db;
use crate::db::accounts::Account;
use crate::db::status_pages::{Marks, PageRow};
use crate::db::statuses::{Page, Status};
use crate::error::{AppError, AppResult};
use crate::id::{AccountId, StatusId, TagId};
use crate::state::AppState;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone)]
pub struct StatusDetail {
    pub status: Status,
    pub account: Account,
    /// For a boost: the boosted status (with its own author and flags).
    pub reblog: Option<Box<StatusDetail>>,
    pub in_reply_to_account: Option<Account>,
    pub mentions: Vec<Account>,
    pub tags: Vec<(TagId, String)>,
    pub favourited: bool,
    pub reblogged: bool,
    pub bookmarked: bool,
    pub pinned: bool,
    /// The viewer muted the conversation this status belongs to.
    pub muted: bool,
    pub attachments: Vec<db::media::Attachment>,
    /// Custom emoji used in the text: (shortcode, image URL).
    pub emojis: Vec<(String, String)>,
    pub poll: Option<db::media::Poll>,
    /// The application a local post was written with: (name, website). Local posts
    /// from the web UI and all remote posts have none.
    pub application: Option<(String, Option<String>)>,
}

impl StatusDetail {
    /// The status whose content is shown: the original for a boost.
    pub fn shown(&self) -> &StatusDetail {
        self.reblog.as_deref().unwrap_or(self)
    }
}

/// Loads statuses with their details, in the order of `ids`; missing ones are skipped.
/// A fixed number of queries for any page: the statuses, then their authors and the
/// viewer's marks side by side, and, only when some status has them, media, emoji and
/// polls.
pub async fn details(
    state: &AppState,
    ids: &[StatusId],
    viewer: Option<AccountId>,
) -> AppResult<Vec<StatusDetail>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let db = &state.db;
    let rows: HashMap<StatusId, PageRow> = db::status_pages::find_page(db, ids)
        .await?
        .into_iter()
        .map(|r| (r.status.id, r))
        .collect();
    let mut account_ids: HashSet<AccountId> = HashSet::new();
    for r in rows.values() {
        account_ids.insert(r.status.account_id);
        account_ids.extend(r.status.in_reply_to_account_id);
        account_ids.extend(r.mentions());
    }
    let account_ids: Vec<AccountId> = account_ids.into_iter().collect();
    let status_ids: Vec<StatusId> = rows.keys().copied().collect();
    let marks = async {
        match viewer {
            Some(v) => db::status_pages::marks(db, v, &status_ids).await,
            None => Ok(Marks::default()),
        }
    };
    let (accounts, marks) = tokio::try_join!(db::accounts::find_many(db, &account_ids), marks)?;
    let accounts: HashMap<AccountId, Account> = accounts.into_iter().map(|a| (a.id, a)).collect();
    let extras = Extras::load(state, &rows).await?;
    let build = |r: &PageRow| -> Option<StatusDetail> {
        let s = &r.status;
        Some(StatusDetail {
            account: accounts.get(&s.account_id)?.clone(),
            reblog: None,
            in_reply_to_account: s
                .in_reply_to_account_id
                .and_then(|a| accounts.get(&a).cloned()),
            mentions: r
                .mentions()
                .filter_map(|a| accounts.get(&a).cloned())
                .collect(),
            tags: r.tags(),
            favourited: marks.favourited.contains(&s.id),
            reblogged: marks.reblogged.contains(&s.id),
            bookmarked: marks.bookmarked.contains(&s.id),
            pinned: marks.pinned.contains(&s.id),
            muted: marks.muted.contains(&s.id),
            attachments: extras.attachments.get(&s.id).cloned().unwrap_or_default(),
            emojis: extras.emojis.get(&s.id).cloned().unwrap_or_default(),
            poll: extras.polls.get(&s.id).cloned(),
            application: r
                .application_name
                .clone()
                .map(|name| (name, r.application_website.clone())),
            status: s.clone(),
        })
    };
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(r) = rows.get(id) else { continue };
        let Some(mut detail) = build(r) else { continue };
        if let Some(original) = r.status.reblog_of_id {
            match rows.get(&original).and_then(&build) {
                Some(o) => detail.reblog = Some(Box::new(o)),
                None => continue,
            }
        }
        out.push(detail);
    }
    Ok(out)
}

/// Media, custom emoji and polls of a page, looked up only for the statuses that have
/// them (most have none).
#[derive(Default)]
struct Extras {
    attachments: HashMap<StatusId, Vec<db::media::Attachment>>,
    emojis: HashMap<StatusId, Vec<(String, String)>>,
    polls: HashMap<StatusId, db::media::Poll>,
}

impl Extras {
    async fn load(state: &AppState, rows: &HashMap<StatusId, PageRow>) -> AppResult<Extras> {
        let with = |has: fn(&PageRow) -> bool| -> Vec<StatusId> {
            rows.values()
                .filter(|r| has(r))
                .map(|r| r.status.id)
                .collect()
        };
        let (media, emoji, polls) = (
            with(|r| r.has_media),
            with(|r| r.has_emojis),
            with(|r| r.has_poll),
        );
        let mut extras = Extras::default();
        if !media.is_empty() {
            for a in db::media::attachments_of(&state.db, &media).await? {
                extras.attachments.entry(a.status_id).or_default().push(a);
            }
        }
        if !emoji.is_empty() {
            for e in db::media::emojis_of(&state.db, &emoji).await? {
                if let Some(url) = e.image_remote_url {
                    extras
                        .emojis
                        .entry(e.status_id)
                        .or_default()
                        .push((e.shortcode, url));
                }
            }
        }
        if !polls.is_empty() {
            extras.polls = db::media::polls_of(&state.db, &polls)
                .await?
                .into_iter()
                .map(|p| (p.status_id, p))
                .collect();
        }
        Ok(extras)
    }
}

/// The statuses of `ids` the viewer may still see (a post may have gone private or been
/// deleted since it was listed), with their details, in the order of `ids`.
pub async fn visible_details(
    state: &AppState,
    ids: &[StatusId],
    viewer: Option<AccountId>,
) -> AppResult<Vec<StatusDetail>> {
    let visible = db::statuses::visible_among(&state.db, ids, viewer).await?;
    details(state, &visible, viewer).await
}

/// A page of the viewer's home timeline (see `db::home_feeds`).
pub async fn home_ids(state: &AppState, viewer: &Account, page: Page) -> AppResult<Vec<StatusId>> {
    Ok(db::home_feeds::home_ids(&state.db, viewer.id, page).await?)
}

/// A page of the viewer's home timeline with how its statuses stand, for the client
/// API's kept renderings.
pub async fn home_page(
    state: &AppState,
    viewer: &Account,
    page: Page,
) -> AppResult<(Vec<StatusId>, Vec<db::status_pages::Standing>)> {
    Ok(db::home_feeds::home_page(&state.db, viewer.id, page).await?)
}

pub async fn home(state: &AppState, viewer: &Account, page: Page) -> AppResult<Vec<StatusDetail>> {
    let ids = home_ids(state, viewer, page).await?;
    details(state, &ids, Some(viewer.id)).await
}

pub async fn public(
    state: &AppState,
    viewer: Option<&Account>,
    local_only: bool,
    page: Page,
) -> AppResult<Vec<StatusDetail>> {
    let v = viewer.map(|a| a.id);
    let ids = db::statuses::public_ids(&state.db, v, local_only, page).await?;
    details(state, &ids, v).await
}

pub async fn account(
    state: &AppState,
    account: &Account,
    viewer: Option<&Account>,
    with_replies: bool,
    page: Page,
) -> AppResult<Vec<StatusDetail>> {
    let v = viewer.map(|a| a.id);
    let ids = db::statuses::account_ids(&state.db, account.id, v, with_replies, page).await?;
    details(state, &ids, v).await
}

pub async fn tag(
    state: &AppState,
    name: &str,
    viewer: Option<&Account>,
    page: Page,
) -> AppResult<Vec<StatusDetail>> {
    let Some(tag) = db::tags::find(&state.db, name).await? else {
        return Ok(Vec::new());
    };
    let v = viewer.map(|a| a.id);
    let ids = db::statuses::tag_ids(&state.db, tag.id, v, page).await?;
    details(state, &ids, v).await
}

pub struct Thread {
    pub ancestors: Vec<StatusDetail>,
    pub focus: StatusDetail,
    /// Replies with their depth below the focused status (1 = direct reply).
    pub descendants: Vec<(StatusDetail, i32)>,
}

/// The conversation around a status, as ids: what it answers, oldest first, and the
/// replies below it, depth first in time order, each with its depth (1 = direct reply).
pub struct ThreadIds {
    pub ancestors: Vec<StatusId>,
    pub descendants: Vec<(StatusId, i32)>,
}

/// The ids of the conversation around status `id`, as far as the viewer may see. A
/// status the viewer may not see is "not found", exactly like one that does not exist,
/// and so is a boost (it has no conversation of its own).
pub async fn thread_ids(
    state: &AppState,
    id: StatusId,
    viewer: Option<AccountId>,
) -> AppResult<ThreadIds> {
    let status = db::statuses::find_visible(&state.db, id, viewer)
        .await?
        .ok_or_else(AppError::not_found)?;
    if status.reblog_of_id.is_some() {
        return Err(AppError::not_found());
    }
    Ok(ThreadIds {
        ancestors: db::statuses::ancestor_ids(&state.db, id, viewer).await?,
        descendants: db::statuses::descendant_ids(&state.db, id, viewer).await?,
    })
}

/// A status with the conversation around it, as far as the viewer may see (see
/// [`thread_ids`]).
pub async fn thread(state: &AppState, id: StatusId, viewer: Option<&Account>) -> AppResult<Thread> {
    let v = viewer.map(|a| a.id);
    let ids = thread_ids(state, id, v).await?;
    let mut all: Vec<StatusId> = ids.ancestors.clone();
    all.push(id);
    all.extend(ids.descendants.iter().map(|(d, _)| *d));
    let mut loaded: HashMap<StatusId, StatusDetail> = details(state, &all, v)
        .await?
        .into_iter()
        .map(|d| (d.status.id, d))
        .collect();
    let focus = loaded.remove(&id).ok_or_else(AppError::not_found)?;
    let ancestors = ids
        .ancestors
        .iter()
        .filter_map(|a| loaded.remove(a))
        .collect();
    let descendants = ids
        .descendants
        .iter()
        .filter_map(|(d, depth)| loaded.remove(d).map(|x| (x, *depth)))
        .collect();
    Ok(Thread {
        ancestors,
        focus,
        descendants,
    })
}

/// A page of the public or a hashtag timeline, as `viewer` may see it.
pub async fn public_filtered_ids(
    state: &AppState,
    viewer: Option<&Account>,
    filter: &db::statuses::PublicFilter,
    page: Page,
) -> AppResult<Vec<StatusId>> {
    let v = viewer.map(|a| a.id);
    Ok(db::statuses::public_filtered_ids(&state.db, filter, v, page).await?)
}

/// The ids of an account's posts as its API timeline filters them, newest first.
pub async fn account_filtered_ids(
    state: &AppState,
    account: &Account,
    viewer: Option<&Account>,
    filter: &db::statuses::AccountFilter,
    page: Page,
) -> AppResult<Vec<StatusId>> {
    let v = viewer.map(|a| a.id);
    Ok(db::statuses::account_filtered_ids(&state.db, account.id, filter, v, page).await?)
}
