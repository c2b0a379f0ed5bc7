//! The signed-in person's lists: bookmarks, favourites, blocks and follow requests
//! (with authorize/reject), paged by their own row ids as Mastodon does (clients follow
//! the `Link` header).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};

use crate::db;
use crate::db::accounts::Account as AccountRow;
use crate::error::{AppError, AppResult};
use crate::id::{AccountId, StatusId};
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::account::{Account, Relationship};
use crate::mastodon::entities::status::Status;
use crate::mastodon::pagination::{PageParams, next_link};
use crate::mastodon::params::QueryParams;
use crate::mastodon::present;
use crate::service::{follows, timelines};
use crate::state::AppState;

type Listed<T> = AppResult<(HeaderMap, Json<Vec<T>>)>;

fn next_cursor(rows: usize, limit: i64, last: Option<i64>) -> Option<String> {
    (rows as i64 == limit)
        .then_some(last)
        .flatten()
        .map(|c| c.to_string())
}

async fn statuses_page(
    state: &AppState,
    uri: &Uri,
    me: &AccountRow,
    rows: Vec<(i64, StatusId)>,
    limit: i64,
) -> Listed<Status> {
    let next = next_cursor(rows.len(), limit, rows.last().map(|r| r.0));
    let ids: Vec<StatusId> = rows.iter().map(|r| r.1).collect();
    // Only what the viewer may still see (a post may have gone private or been deleted).
    let mut visible = Vec::new();
    for id in &ids {
        if db::statuses::find_visible(&state.db, *id, Some(me.id))
            .await?
            .is_some()
        {
            visible.push(*id);
        }
    }
    let details = timelines::details(state, &visible, Some(me.id)).await?;
    let out = present::statuses(state, &details, Some(me)).await?;
    Ok((next_link(state, uri, next), Json(out)))
}

async fn accounts_page(
    state: &AppState,
    uri: &Uri,
    rows: Vec<(i64, AccountId)>,
    limit: i64,
) -> Listed<Account> {
    let next = next_cursor(rows.len(), limit, rows.last().map(|r| r.0));
    let ids: Vec<AccountId> = rows.iter().map(|r| r.1).collect();
    let found = db::accounts::find_many(&state.db, &ids).await?;
    let out = ids
        .iter()
        .filter_map(|id| found.iter().find(|a| a.id == *id))
        .map(|a| present::account(state, a))
        .collect();
    Ok((next_link(state, uri, next), Json(out)))
}

pub async fn bookmarks(
    State(state): State<AppState>,
    auth: Auth,
    uri: Uri,
    QueryParams(p): QueryParams<PageParams>,
) -> Listed<Status> {
    let (_, me) = auth.user("read:bookmarks")?;
    let page = p.page(20, 40);
    let rows = db::bookmarks::page(&state.db, me.id, page.max_id, page.limit).await?;
    statuses_page(&state, &uri, me, rows, page.limit).await
}

pub async fn favourites(
    State(state): State<AppState>,
    auth: Auth,
    uri: Uri,
    QueryParams(p): QueryParams<PageParams>,
) -> Listed<Status> {
    let (_, me) = auth.user("read:favourites")?;
    let page = p.page(20, 40);
    let rows = db::favourites::page(&state.db, me.id, page.max_id, page.limit).await?;
    statuses_page(&state, &uri, me, rows, page.limit).await
}

pub async fn blocks(
    State(state): State<AppState>,
    auth: Auth,
    uri: Uri,
    QueryParams(p): QueryParams<PageParams>,
) -> Listed<Account> {
    let (_, me) = auth.user("read:blocks")?;
    let page = p.page(40, 80);
    let rows = db::blocks::page(&state.db, me.id, page.max_id, page.limit).await?;
    accounts_page(&state, &uri, rows, page.limit).await
}

pub async fn follow_requests(
    State(state): State<AppState>,
    auth: Auth,
    uri: Uri,
    QueryParams(p): QueryParams<PageParams>,
) -> Listed<Account> {
    let (_, me) = auth.user("read:follows")?;
    let page = p.page(40, 80);
    let rows = db::follows::requests_page(&state.db, me.id, page.max_id, page.limit).await?;
    accounts_page(&state, &uri, rows, page.limit).await
}

async fn requester(state: &AppState, raw: &str) -> AppResult<AccountRow> {
    let id: AccountId = raw.parse().map_err(|_| AppError::not_found())?;
    db::accounts::find(&state.db, id)
        .await?
        .ok_or_else(AppError::not_found)
}

async fn relationship(
    state: &AppState,
    me: &AccountRow,
    other: AccountId,
) -> AppResult<Json<Relationship>> {
    db::follows::relationships(&state.db, me.id, &[other])
        .await?
        .first()
        .map(|r| Json(present::relationship(r)))
        .ok_or_else(AppError::not_found)
}

pub async fn authorize(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Relationship>> {
    let (_, me) = auth.user("write:follows")?;
    let other = requester(&state, &id).await?;
    follows::authorize(&state, me, &other).await?;
    relationship(&state, me, other.id).await
}

pub async fn reject(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Relationship>> {
    let (_, me) = auth.user("write:follows")?;
    let other = requester(&state, &id).await?;
    follows::reject(&state, me, &other).await?;
    relationship(&state, me, other.id).await
}

pub async fn mutes(
    State(state): State<AppState>,
    auth: Auth,
    uri: Uri,
    QueryParams(p): QueryParams<PageParams>,
) -> Listed<Account> {
    let (_, me) = auth.user("read:mutes")?;
    let page = p.page(40, 80);
    let rows = db::mutes::page(&state.db, me.id, page.max_id, page.limit).await?;
    accounts_page(&state, &uri, rows, page.limit).await
}
