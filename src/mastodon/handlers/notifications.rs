//! `/api/v1/notifications`: list (filtered and paged), one, dismiss, clear, unread count.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use serde::Deserialize;

use crate::db;
use crate::db::notifications::NotificationFilter;
use crate::error::{AppError, AppResult};
use crate::id::{AccountId, NotificationId};
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::notification::{Notification, UnreadCount};
use crate::mastodon::pagination::{PageParams, link_header};
use crate::mastodon::params::{QueryParams, lenient};
use crate::mastodon::present;
use crate::service::notifications;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "lenient::string_or_vec")]
    types: Vec<String>,
    #[serde(default, deserialize_with = "lenient::string_or_vec")]
    exclude_types: Vec<String>,
    #[serde(default, deserialize_with = "lenient::option_id")]
    account_id: Option<String>,
}

pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    uri: Uri,
    QueryParams(p): QueryParams<ListParams>,
) -> AppResult<(HeaderMap, Json<Vec<Notification>>)> {
    let (user, me) = auth.user("read:notifications")?;
    let filter = NotificationFilter {
        types: (!p.types.is_empty()).then(|| p.types.clone()),
        exclude_types: (!p.exclude_types.is_empty()).then(|| p.exclude_types.clone()),
        from: p
            .account_id
            .as_deref()
            .and_then(|a| a.parse::<AccountId>().ok()),
    };
    let page = p.page.page(40, 80);
    let items = notifications::api_page(&state, user, me, &filter, &page).await?;
    let out = present::notifications(&state, &items, me).await?;
    let first = out.first().map(|n| n.id.clone());
    let last = out.last().map(|n| n.id.clone());
    Ok((link_header(&state, &uri, first, last), Json(out)))
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Notification>> {
    let (user, me) = auth.user("read:notifications")?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    // The page just at and below this id, of one item.
    let page = db::statuses::Page {
        max_id: Some(id.saturating_add(1)),
        limit: 1,
        ..Default::default()
    };
    let items =
        notifications::api_page(&state, user, me, &NotificationFilter::default(), &page).await?;
    present::notifications(&state, &items, me)
        .await?
        .into_iter()
        .find(|n| n.id == id.to_string())
        .map(Json)
        .ok_or_else(AppError::not_found)
}

pub async fn dismiss(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<serde_json::Map<String, serde_json::Value>>> {
    let (_, me) = auth.user("write:notifications")?;
    let id: NotificationId = id.parse().map_err(|_| AppError::not_found())?;
    if !db::notifications::dismiss(&state.db, me.id, id).await? {
        return Err(AppError::not_found());
    }
    Ok(Json(serde_json::Map::new()))
}

pub async fn clear(
    State(state): State<AppState>,
    auth: Auth,
) -> AppResult<Json<serde_json::Map<String, serde_json::Value>>> {
    let (_, me) = auth.user("write:notifications")?;
    db::notifications::clear(&state.db, me.id).await?;
    Ok(Json(serde_json::Map::new()))
}

pub async fn unread_count(
    State(state): State<AppState>,
    auth: Auth,
) -> AppResult<Json<UnreadCount>> {
    let (user, _) = auth.user("read:notifications")?;
    Ok(Json(UnreadCount {
        count: notifications::unread_count(&state, user).await?,
    }))
}
