//! The notifications page and pending follow requests.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::db;
use crate::error::{AppError, PageResult};
use crate::id::AccountId;
use crate::service::{follows, notifications};
use crate::state::AppState;
use crate::web::context::{SignedIn, layout, see_other};
use crate::web::forms::WebForm;
use crate::web::pages::{FollowRequestsPage, NotificationsPage};
use crate::web::timelines::PAGE_SIZE;
use crate::web::views;

const FILTERS: &[&str] = &["mention", "reblog", "favourite", "follow"];

#[derive(Deserialize)]
pub struct NotificationsQuery {
    #[serde(rename = "type")]
    kind: Option<String>,
    max_id: Option<String>,
}

/// Shows notifications, newest first; opening the first page marks all as read.
pub async fn index(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(q): Query<NotificationsQuery>,
) -> PageResult<Response> {
    let viewer = signed.viewer();
    let filter = q
        .kind
        .filter(|k| FILTERS.contains(&k.as_str()))
        .unwrap_or_default();
    let types: Option<Vec<String>> = match filter.as_str() {
        "" => None,
        "follow" => Some(vec!["follow".into(), "follow_request".into()]),
        other => Some(vec![other.to_string()]),
    };
    let max_id = q.max_id.as_deref().and_then(|s| s.parse().ok());
    let items = notifications::page(
        &state,
        &viewer.user,
        &viewer.account,
        types.as_deref(),
        max_id,
        PAGE_SIZE,
    )
    .await?;
    if max_id.is_none() {
        notifications::mark_all_read(&state, &viewer.user).await?;
    }
    let next_page = (items.len() as i64 == PAGE_SIZE).then(|| {
        let last = items
            .last()
            .map(|n| n.notification.id.to_string())
            .unwrap_or_default();
        if filter.is_empty() {
            format!("/notifications?max_id={last}")
        } else {
            format!("/notifications?type={filter}&max_id={last}")
        }
    });
    let mut layout = layout(&state, &signed.session, "Notifications", "notifications").await?;
    // The page itself shows what was unread; the badge is cleared.
    layout.unread_count = 0;
    let page = NotificationsPage {
        layout,
        items: items
            .iter()
            .map(|n| views::notification(n, &viewer.account, &state.urls))
            .collect(),
        filter,
        next_page,
    };
    Ok(Html(page.render()?).into_response())
}

pub async fn follow_requests(
    State(state): State<AppState>,
    signed: SignedIn,
) -> PageResult<Response> {
    let viewer = signed.viewer();
    let ids = db::follows::pending_requesters(&state.db, viewer.account.id, 80).await?;
    let accounts = db::accounts::find_many(&state.db, &ids).await?;
    let requests = ids
        .iter()
        .filter_map(|id| accounts.iter().find(|a| a.id == *id))
        .map(|a| views::account(a, &state.urls))
        .collect();
    let page = FollowRequestsPage {
        layout: layout(
            &state,
            &signed.session,
            "Follow requests",
            "follow_requests",
        )
        .await?,
        requests,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn authorize(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    WebForm(_): WebForm<Empty>,
) -> PageResult<Response> {
    decide(&state, &signed, &id, true).await
}

pub async fn reject(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    WebForm(_): WebForm<Empty>,
) -> PageResult<Response> {
    decide(&state, &signed, &id, false).await
}

async fn decide(
    state: &AppState,
    signed: &SignedIn,
    id: &str,
    accept: bool,
) -> PageResult<Response> {
    let id: AccountId = id.parse().map_err(|_| AppError::not_found())?;
    let requester = db::accounts::find(&state.db, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let owner = &signed.viewer().account;
    if accept {
        follows::authorize(state, owner, &requester).await?;
    } else {
        follows::reject(state, owner, &requester).await?;
    }
    Ok(see_other("/follow_requests"))
}
