//! Dereferenceable local objects: statuses as Notes (and their Create activities and
//! replies) and the actor collections (outbox, followers, following, featured posts and
//! tags).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;

use crate::activitypub::negotiation::wants_activity_json;
use crate::activitypub::types::{Collection, CollectionPage, Note, PageRef, note_context};
use crate::activitypub::{CONTENT_TYPE, render};
use crate::db;
use crate::db::accounts::Account;
use crate::db::replies::{Repliers, Reply};
use crate::db::statuses::Page;
use crate::error::{AppError, AppResult};
use crate::id::StatusId;
use crate::service::pins::LOCAL_PINS_MAX;
use crate::service::timelines::{self, StatusDetail};
use crate::state::AppState;

/// Activities per outbox page (Mastodon's).
const PAGE_SIZE: i64 = 20;
/// Self-replies a Note lists in its `replies` (Mastodon's).
const EMBEDDED_SELF_REPLIES: i64 = 5;
/// Replies per page of a `replies` collection (Mastodon's).
const REPLIES_PAGE_SIZE: i64 = 60;

pub fn json_response<T: Serialize>(doc: &T) -> AppResult<Response> {
    let body = serde_json::to_vec(doc).map_err(AppError::internal)?;
    let mut res = ([(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response();
    res.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    Ok(res)
}

/// A local account others may address, by username.
pub async fn local_account(state: &AppState, username: &str) -> AppResult<Account> {
    db::accounts::find_local(&state.db, username)
        .await?
        .filter(Account::is_addressable)
        .ok_or_else(AppError::not_found)
}

/// A status of `username` that anyone may see (public or unlisted; followers-only and
/// direct posts are not served to unsigned fetches), as a detail ready to render.
pub async fn public_status(state: &AppState, username: &str, id: &str) -> AppResult<StatusDetail> {
    let id: StatusId = id.parse().map_err(|_| AppError::not_found())?;
    let account = local_account(state, username).await?;
    timelines::details(state, &[id], None)
        .await?
        .into_iter()
        .find(|d| {
            d.status.account_id == account.id && d.status.reblog_of_id.is_none() && d.status.local
        })
        .filter(|d| d.status.visibility().is_boostable())
        .ok_or_else(AppError::not_found)
}

/// Local statuses as Notes, each with the URI it answers and its first self-replies,
/// loaded in two queries whatever the number of statuses.
pub async fn notes(
    state: &AppState,
    details: &[&StatusDetail],
    with_context: bool,
) -> AppResult<Vec<Note>> {
    if details.is_empty() {
        return Ok(Vec::new());
    }
    let parent_ids: Vec<StatusId> = details
        .iter()
        .filter_map(|d| d.status.in_reply_to_id)
        .collect();
    let parents: HashMap<StatusId, String> = if parent_ids.is_empty() {
        HashMap::new()
    } else {
        db::statuses::find_many(&state.db, &parent_ids)
            .await?
            .into_iter()
            .map(|s| (s.id, s.uri))
            .collect()
    };
    let ids: Vec<StatusId> = details.iter().map(|d| d.status.id).collect();
    let mut self_replies: HashMap<StatusId, Vec<Reply>> = HashMap::new();
    for r in db::replies::self_replies_of(&state.db, &ids, EMBEDDED_SELF_REPLIES).await? {
        self_replies.entry(r.in_reply_to_id).or_default().push(r);
    }
    Ok(details
        .iter()
        .map(|d| {
            let parent = d
                .status
                .in_reply_to_id
                .and_then(|p| parents.get(&p).cloned());
            let replies = self_replies
                .get(&d.status.id)
                .map_or(&[][..], Vec::as_slice);
            render::note_with_replies(d, parent, replies, &state.urls, with_context)
        })
        .collect())
}

/// One local status as a Note, as [`notes`] renders it.
pub async fn note(state: &AppState, d: &StatusDetail, with_context: bool) -> AppResult<Note> {
    notes(state, &[d], with_context)
        .await?
        .pop()
        .ok_or_else(AppError::not_found)
}

pub async fn note_response(state: &AppState, d: &StatusDetail) -> AppResult<Response> {
    json_response(&note(state, d, true).await?)
}

/// A redirect to the status page, for browsers that asked for one of a status's
/// ActivityPub documents.
fn status_page(d: &StatusDetail) -> Response {
    let location = format!("/@{}/{}", d.account.username, d.status.id);
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, location),
            (header::VARY, "Accept".into()),
        ],
    )
        .into_response()
}

/// `/users/<name>/statuses/<id>`: the Note, or the status page for browsers.
pub async fn status(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((name, id)): Path<(String, String)>,
) -> AppResult<Response> {
    let d = public_status(&state, &name, &id).await?;
    if wants_activity_json(&headers) {
        return note_response(&state, &d).await;
    }
    Ok(status_page(&d))
}

/// `/users/<name>/statuses/<id>/activity`: the Create that published it.
pub async fn status_activity(
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
) -> AppResult<Response> {
    let d = public_status(&state, &name, &id).await?;
    json_response(&render::create(note(&state, &d, true).await?))
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
    max_id: Option<String>,
    min_id: Option<String>,
    only_other_accounts: Option<String>,
}

impl PageQuery {
    fn page_requested(&self) -> bool {
        truthy(self.page.as_deref())
    }

    fn max_id(&self) -> Option<StatusId> {
        self.max_id.as_deref().and_then(|m| m.parse().ok())
    }

    fn min_id(&self) -> Option<StatusId> {
        self.min_id.as_deref().and_then(|m| m.parse().ok())
    }
}

/// A query flag as Rails reads one: set, and not one of the false spellings.
fn truthy(value: Option<&str>) -> bool {
    value.is_some_and(|v| !matches!(v, "" | "0" | "f" | "F" | "false" | "FALSE" | "off" | "OFF"))
}

/// The AS2 context alone.
fn context() -> Option<Value> {
    Some(Value::String(
        "https://www.w3.org/ns/activitystreams".into(),
    ))
}

/// The context of a document embedding Notes: their terms (`sensitive`, `atomUri` …)
/// go to the top, as Mastodon's serializer gathers them.
fn context_with_notes(embeds_notes: bool) -> Option<Value> {
    if embeds_notes {
        Some(note_context())
    } else {
        context()
    }
}

fn to_value<T: Serialize>(doc: &T) -> AppResult<Value> {
    serde_json::to_value(doc).map_err(AppError::internal)
}

/// An outbox page's own URL, with the query in Mastodon's (alphabetical) order.
fn outbox_page_url(outbox: &str, max_id: Option<StatusId>, min_id: Option<StatusId>) -> String {
    let mut query = Vec::new();
    if let Some(m) = max_id {
        query.push(format!("max_id={m}"));
    }
    if let Some(m) = min_id {
        query.push(format!("min_id={m}"));
    }
    query.push("page=true".to_string());
    format!("{outbox}?{}", query.join("&"))
}

/// `/users/<name>/outbox`: public and unlisted posts as Create activities and boosts
/// as Announces, newest first, 20 a page; `max_id` pages back, `min_id` forward
/// (`min_id=0` is the oldest page).
pub async fn outbox(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let account = local_account(&state, &name).await?;
    let id = state.urls.outbox_url(&account.username);
    if !q.page_requested() {
        let mut collection = Collection::paged(
            id.clone(),
            "OrderedCollection",
            Some(account.statuses_count),
            format!("{id}?page=true"),
        );
        collection.context = context();
        collection.last = Some(format!("{id}?min_id=0&page=true"));
        return json_response(&collection);
    }
    let bounds = Page {
        max_id: q.max_id().map(|m| m.0),
        min_id: q.min_id().map(|m| m.0),
        limit: PAGE_SIZE,
        ..Page::default()
    };
    // Without a viewer only public and unlisted statuses (and boosts) come back.
    let page = timelines::account(&state, &account, None, true, bounds).await?;
    let shown: Vec<&StatusDetail> = page
        .iter()
        .filter(|d| d.status.visibility().is_boostable())
        .collect();
    let originals: Vec<&StatusDetail> = shown
        .iter()
        .copied()
        .filter(|d| d.reblog.is_none())
        .collect();
    let mut notes: HashMap<StatusId, Note> = originals
        .iter()
        .map(|d| d.status.id)
        .zip(notes(&state, &originals, false).await?)
        .collect();
    let mut items = Vec::with_capacity(shown.len());
    for d in &shown {
        let mut activity = match (&d.reblog, notes.remove(&d.status.id)) {
            (Some(original), _) => render::announce(
                &state.urls,
                &d.account,
                &d.status,
                &original.status,
                &original.account,
            ),
            (None, Some(note)) => render::create(note),
            (None, None) => continue,
        };
        activity.context = None;
        items.push(to_value(&activity)?);
    }
    let mut doc = CollectionPage::ordered(
        outbox_page_url(&id, q.max_id(), q.min_id()),
        id.clone(),
        items,
    );
    doc.context = context_with_notes(!originals.is_empty());
    doc.next = (page.len() as i64 == PAGE_SIZE)
        .then(|| page.last())
        .flatten()
        .map(|d| outbox_page_url(&id, Some(d.status.id), None));
    doc.prev = page
        .first()
        .map(|d| outbox_page_url(&id, None, Some(d.status.id)));
    json_response(&doc)
}

/// `/users/<name>/followers` and `/following`: counts, and the actors page by page.
async fn follow_collection(
    state: &AppState,
    name: &str,
    followers: bool,
    q: &PageQuery,
) -> AppResult<Response> {
    let account = local_account(state, name).await?;
    let (id, total) = if followers {
        (
            state.urls.followers_url(&account.username),
            account.followers_count,
        )
    } else {
        (
            state.urls.following_url(&account.username),
            account.following_count,
        )
    };
    if !q.page_requested() {
        let mut collection = Collection::paged(
            id.clone(),
            "OrderedCollection",
            Some(total),
            format!("{id}?page=1"),
        );
        collection.context = context();
        return json_response(&collection);
    }
    let max_id = q.max_id.as_deref().and_then(|m| m.parse().ok());
    let (accounts, next_cursor) =
        crate::service::follows::list_page(state, &account, followers, max_id, 40).await?;
    let items = accounts
        .iter()
        .map(|a| Value::String(a.uri.clone()))
        .collect();
    let mut doc = CollectionPage::ordered(format!("{id}?page=1"), id.clone(), items);
    doc.context = context();
    doc.next = next_cursor.map(|c| format!("{id}?max_id={c}&page=1"));
    doc.total_items = Some(total);
    json_response(&doc)
}

pub async fn followers(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    follow_collection(&state, &name, true, &q).await
}

pub async fn following(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    follow_collection(&state, &name, false, &q).await
}

/// `/users/<name>/collections/featured`: the pinned posts anyone may see (public and
/// unlisted), most recently pinned first, as Notes.
pub async fn featured(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let account = local_account(&state, &name).await?;
    let ids = db::pins::of_account(&state.db, account.id, LOCAL_PINS_MAX).await?;
    let details = timelines::details(&state, &ids, None).await?;
    let pinned: Vec<&StatusDetail> = details
        .iter()
        .filter(|d| {
            d.status.account_id == account.id
                && d.status.local
                && d.reblog.is_none()
                && d.status.visibility().is_boostable()
        })
        .collect();
    let items = notes(&state, &pinned, false)
        .await?
        .iter()
        .map(to_value)
        .collect::<AppResult<Vec<Value>>>()?;
    let mut collection =
        Collection::ordered_inline(state.urls.featured_url(&account.username), items);
    collection.context = context_with_notes(!pinned.is_empty());
    json_response(&collection)
}

/// `/users/<name>/collections/tags`: featured hashtags, which we do not have yet, so
/// the collection is truthfully empty.
pub async fn featured_tags(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let account = local_account(&state, &name).await?;
    let mut collection =
        Collection::unordered_inline(format!("{}/collections/tags", account.uri), Vec::new());
    collection.context = context();
    json_response(&collection)
}

/// `/users/<name>/statuses/<id>/replies`: the public and unlisted replies to a status
/// anyone may see, as URIs, 60 a page, oldest first, the way Mastodon serves them: the
/// author's own replies first, then (`only_other_accounts=true`) everyone else's, local
/// or remote. Without `page=true` the collection embeds its first page. Browsers are
/// sent to the status page.
pub async fn replies(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((name, id)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let d = public_status(&state, &name, &id).await?;
    if !wants_activity_json(&headers) {
        return Ok(status_page(&d));
    }
    let others = truthy(q.only_other_accounts.as_deref());
    let repliers = if others {
        Repliers::Others
    } else {
        Repliers::Author
    };
    let min_id = q.min_id();
    let replies = db::replies::page(
        &state.db,
        d.status.id,
        d.status.account_id,
        repliers,
        min_id.map(|m| m.0),
        REPLIES_PAGE_SIZE,
    )
    .await?;
    let uri = &d.status.uri;
    let full = replies.len() as i64 == REPLIES_PAGE_SIZE;
    let last = replies.last().map(|r| r.id);
    let next = if others {
        full.then(|| render::replies_page_url(uri, last, true))
    } else if full {
        // Maybe more of the author's own; then the others'.
        Some(render::replies_page_url(uri, last, false))
    } else {
        Some(render::replies_page_url(uri, None, true))
    };
    let items = replies.into_iter().map(|r| Value::String(r.uri)).collect();
    let mut page = CollectionPage::unordered(
        Some(render::replies_page_url(uri, min_id, others)),
        render::replies_url(uri),
        items,
    );
    page.next = next;
    if q.page_requested() {
        page.context = context();
        return json_response(&page);
    }
    json_response(&Collection {
        context: context(),
        id: render::replies_url(uri),
        kind: "Collection".into(),
        total_items: None,
        first: Some(PageRef::Page(Box::new(page))),
        last: None,
        items: None,
        ordered_items: None,
    })
}
