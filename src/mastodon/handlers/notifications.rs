//! `/api/v1/notifications`: list (filtered and paged), one, dismiss, clear, unread count.
//! Its filter parameters serve the grouped (v2) list too.

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

/// Which notifications a list or count is of (`types[]`, `exclude_types[]`,
/// `account_id`, `include_filtered`), shared by v1 and v2.
#[derive(Debug, Default, Deserialize)]
pub struct FilterParams {
    #[serde(default, deserialize_with = "lenient::string_or_vec")]
    types: Vec<String>,
    #[serde(default, deserialize_with = "lenient::string_or_vec")]
    exclude_types: Vec<String>,
    #[serde(default, deserialize_with = "lenient::option_id")]
    account_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool")]
    include_filtered: bool,
}

impl FilterParams {
    pub fn filter(&self) -> NotificationFilter {
        NotificationFilter {
            types: (!self.types.is_empty()).then(|| self.types.clone()),
            exclude_types: (!self.exclude_types.is_empty()).then(|| self.exclude_types.clone()),
            from: self
                .account_id
                .as_deref()
                .and_then(|a| a.parse::<AccountId>().ok()),
            include_filtered: self.include_filtered,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    #[serde(flatten)]
    page: PageParams,
    #[serde(flatten)]
    filter: FilterParams,
}

pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    uri: Uri,
    QueryParams(p): QueryParams<ListParams>,
) -> AppResult<(HeaderMap, Json<Vec<Notification>>)> {
    let (user, me) = auth.user("read:notifications")?;
    let page = p.page.page(40, 80);
    let items = notifications::api_page(&state, user, me, &p.filter.filter(), &page).await?;
    let out = present::notifications(&state, &items, me);
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
    let id: NotificationId = id.parse().map_err(|_| AppError::not_found())?;
    let item = notifications::one(&state, user, me, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    present::notifications(&state, &[item], me)
        .into_iter()
        .next()
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

/// `limit` (default 100, at most 1000) and the list's filters.
#[derive(Debug, Default, Deserialize)]
pub struct CountParams {
    #[serde(default, deserialize_with = "lenient::option_u64")]
    limit: Option<u64>,
    #[serde(flatten)]
    filter: FilterParams,
}

impl CountParams {
    pub fn filter(&self) -> NotificationFilter {
        self.filter.filter()
    }

    pub fn cap(&self) -> i64 {
        self.limit.map_or(100, |l| l.clamp(1, 1000) as i64)
    }
}

pub async fn unread_count(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(p): QueryParams<CountParams>,
) -> AppResult<Json<UnreadCount>> {
    let (user, _) = auth.user("read:notifications")?;
    let count = notifications::unread_count_of(&state, user, &p.filter(), p.cap()).await?;
    Ok(Json(UnreadCount { count }))
}
