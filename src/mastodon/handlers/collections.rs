//! The signed-in person's lists: bookmarks, favourites, blocks and follow requests
//! (with authorize/reject), paged by their own row ids as Mastodon does (clients follow
//! the `Link` header).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};

use crate::db;
use crate::db::accounts::Account as AccountRow;
use crate::error::AppResult;
use crate::id::{AccountId, StatusId};
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::account::{Account, Relationship};
use crate::mastodon::entities::status::Status;
use crate::mastodon::handlers::accounts;
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
    let details = timelines::visible_details(state, &ids, Some(me.id)).await?;
    let out = present::statuses(state, &details, Some(me));
    Ok((next_link(state, uri, next), Json(out)))
}

pub(crate) async fn accounts_page(
    state: &AppState,
    uri: &Uri,
    rows: Vec<(i64, AccountId)>,
    limit: i64,
) -> Listed<Account> {
    let next = next_cursor(rows.len(), limit, rows.last().map(|r| r.0));
    let ids: Vec<AccountId> = rows.iter().map(|r| r.1).collect();
    let out = db::accounts::find_many_in_order(&state.db, &ids)
        .await?
        .iter()
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

pub async fn authorize(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Relationship>> {
    let (_, me) = auth.user("write:follows")?;
    let other = accounts::find(&state, &id).await?;
    follows::authorize(&state, me, &other).await?;
    accounts::relationship_with(&state, me, other.id).await
}

pub async fn reject(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Relationship>> {
    let (_, me) = auth.user("write:follows")?;
    let other = accounts::find(&state, &id).await?;
    follows::reject(&state, me, &other).await?;
    accounts::relationship_with(&state, me, other.id).await
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
