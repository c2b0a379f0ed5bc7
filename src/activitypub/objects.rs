//! Dereferenceable local objects: statuses as Notes (and their Create activities) and
//! the actor collections (outbox, followers, following, featured).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::activitypub::negotiation::wants_activity_json;
use crate::activitypub::types::{Collection, CollectionPage};
use crate::activitypub::{CONTENT_TYPE, render};
use crate::db;
use crate::db::accounts::Account;
use crate::db::statuses::Page;
use crate::error::{AppError, AppResult};
use crate::id::StatusId;
use crate::service::timelines::{self, StatusDetail};
use crate::state::AppState;

const PAGE_SIZE: i64 = 20;

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

pub async fn parent_uri(state: &AppState, d: &StatusDetail) -> AppResult<Option<String>> {
    Ok(match d.status.in_reply_to_id {
        Some(p) => db::statuses::find(&state.db, p).await?.map(|s| s.uri),
        None => None,
    })
}

pub async fn note_response(state: &AppState, d: &StatusDetail) -> AppResult<Response> {
    let parent = parent_uri(state, d).await?;
    json_response(&render::note(d, parent, &state.urls, true))
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
    let location = format!("/@{}/{}", d.account.username, d.status.id);
    Ok((
        StatusCode::FOUND,
        [
            (header::LOCATION, location),
            (header::VARY, "Accept".into()),
        ],
    )
        .into_response())
}

/// `/users/<name>/statuses/<id>/activity`: the Create that published it.
pub async fn status_activity(
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
) -> AppResult<Response> {
    let d = public_status(&state, &name, &id).await?;
    let parent = parent_uri(&state, &d).await?;
    json_response(&render::create(render::note(&d, parent, &state.urls, true)))
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
    max_id: Option<String>,
}

fn context() -> Option<Value> {
    Some(Value::String(
        "https://www.w3.org/ns/activitystreams".into(),
    ))
}

/// `/users/<name>/outbox`: public posts as Create activities, newest first, paged.
pub async fn outbox(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let account = local_account(&state, &name).await?;
    let id = state.urls.outbox_url(&account.username);
    if q.page.is_none() {
        return json_response(&Collection {
            context: context(),
            id: id.clone(),
            kind: "OrderedCollection".into(),
            total_items: Some(account.statuses_count),
            first: Some(Value::String(format!("{id}?page=true"))),
            last: Some(format!("{id}?min_id=0&page=true")),
        });
    }
    let max_id = q.max_id.as_deref().and_then(|m| m.parse().ok());
    let page = timelines::account(
        &state,
        &account,
        None,
        true,
        Page::older_than(max_id, PAGE_SIZE),
    )
    .await?;
    let mut items = Vec::with_capacity(page.len());
    for d in page
        .iter()
        .filter(|d| d.reblog.is_none() && d.status.visibility().is_boostable())
    {
        let parent = parent_uri(&state, d).await?;
        let mut create = render::create(render::note(d, parent, &state.urls, false));
        create.context = None;
        items.push(serde_json::to_value(create).map_err(AppError::internal)?);
    }
    let next = (page.len() as i64 == PAGE_SIZE)
        .then(|| {
            page.last()
                .map(|d| format!("{id}?max_id={}&page=true", d.status.id))
        })
        .flatten();
    let this = match &q.max_id {
        Some(m) => format!("{id}?max_id={m}&page=true"),
        None => format!("{id}?page=true"),
    };
    json_response(&CollectionPage {
        context: context(),
        id: this,
        kind: "OrderedCollectionPage".into(),
        part_of: Some(id),
        next,
        prev: None,
        total_items: None,
        ordered_items: items,
    })
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
    if q.page.is_none() {
        return json_response(&Collection {
            context: context(),
            id: id.clone(),
            kind: "OrderedCollection".into(),
            total_items: Some(total),
            first: Some(Value::String(format!("{id}?page=1"))),
            last: None,
        });
    }
    let max_id = q.max_id.as_deref().and_then(|m| m.parse().ok());
    let (accounts, next_cursor) =
        crate::service::follows::list_page(state, &account, followers, max_id, 40).await?;
    let items = accounts
        .iter()
        .map(|a| Value::String(a.uri.clone()))
        .collect();
    let next = next_cursor.map(|c| format!("{id}?max_id={c}&page=1"));
    json_response(&CollectionPage {
        context: context(),
        id: format!("{id}?page=1"),
        kind: "OrderedCollectionPage".into(),
        part_of: Some(id),
        next,
        prev: None,
        total_items: Some(total),
        ordered_items: items,
    })
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

/// `/users/<name>/collections/featured`: pinned posts (none can be pinned yet).
pub async fn featured(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let account = local_account(&state, &name).await?;
    json_response(&CollectionPage {
        context: context(),
        id: state.urls.featured_url(&account.username),
        kind: "OrderedCollection".into(),
        part_of: None,
        next: None,
        prev: None,
        total_items: Some(0),
        ordered_items: Vec::new(),
    })
}
