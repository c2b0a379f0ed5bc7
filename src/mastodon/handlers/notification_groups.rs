//! `/api/v2/notifications`: grouped notifications (a page, one group, its accounts,
//! dismissing it) and the unread group count.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use serde::Deserialize;

use crate::error::AppResult;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::account::Account;
use crate::mastodon::entities::notification::UnreadCount;
use crate::mastodon::entities::notification_group::GroupedNotificationsResults;
use crate::mastodon::handlers::notifications::{CountParams, FilterParams};
use crate::mastodon::pagination::{PageParams, link_header};
use crate::mastodon::params::{QueryParams, lenient};
use crate::mastodon::present;
use crate::service::notification_groups;
use crate::state::AppState;

/// `grouped_types[]`: the kinds the client shows grouped (all groupable ones if absent).
#[derive(Debug, Default, Deserialize)]
pub struct GroupingParams {
    #[serde(default, deserialize_with = "lenient::string_or_vec")]
    grouped_types: Vec<String>,
}

impl GroupingParams {
    fn grouped(&self) -> Vec<String> {
        let asked = (!self.grouped_types.is_empty()).then_some(self.grouped_types.as_slice());
        notification_groups::grouped_types(asked)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct IndexParams {
    #[serde(flatten)]
    page: PageParams,
    #[serde(flatten)]
    filter: FilterParams,
    #[serde(flatten)]
    grouping: GroupingParams,
    /// `full` (the default) or `partial_avatars`.
    #[serde(default, deserialize_with = "lenient::option_string")]
    expand_accounts: Option<String>,
}

pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    uri: Uri,
    QueryParams(p): QueryParams<IndexParams>,
) -> AppResult<(HeaderMap, Json<GroupedNotificationsResults>)> {
    let (_, me) = auth.user("read:notifications")?;
    let page = p.page.page(40, 80);
    let groups =
        notification_groups::page(&state, me, &p.filter.filter(), &p.grouping.grouped(), &page)
            .await?;
    let partial = p.expand_accounts.as_deref() == Some("partial_avatars");
    let out =
        present::notification_groups::grouped_notifications(&state, &groups.groups, me, partial);
    let links = link_header(
        &state,
        &uri,
        groups.newest.map(|id| id.to_string()),
        groups.oldest.map(|id| id.to_string()),
    );
    Ok((links, Json(out)))
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(key): Path<String>,
) -> AppResult<Json<GroupedNotificationsResults>> {
    let (_, me) = auth.user("read:notifications")?;
    let group = notification_groups::one(&state, me, &key).await?;
    let out = present::notification_groups::grouped_notifications(&state, &[group], me, false);
    Ok(Json(out))
}

/// Mastodon asks for `read:notifications` here (its docs and mastodon-openapi say
/// `write:notifications`; the controller is what apps meet).
pub async fn accounts(
    State(state): State<AppState>,
    auth: Auth,
    uri: Uri,
    Path(key): Path<String>,
    QueryParams(p): QueryParams<PageParams>,
) -> AppResult<(HeaderMap, Json<Vec<Account>>)> {
    let (_, me) = auth.user("read:notifications")?;
    let page = p.page(40, 80);
    let (accounts, newest, oldest) = notification_groups::accounts(&state, me, &key, &page).await?;
    let out = accounts
        .iter()
        .map(|a| present::account(&state, a))
        .collect();
    let links = link_header(
        &state,
        &uri,
        newest.map(|id| id.to_string()),
        oldest.map(|id| id.to_string()),
    );
    Ok((links, Json(out)))
}

pub async fn dismiss(
    State(state): State<AppState>,
    auth: Auth,
    Path(key): Path<String>,
) -> AppResult<Json<serde_json::Map<String, serde_json::Value>>> {
    let (_, me) = auth.user("write:notifications")?;
    notification_groups::dismiss(&state, me, &key).await?;
    Ok(Json(serde_json::Map::new()))
}

#[derive(Debug, Default, Deserialize)]
pub struct GroupCountParams {
    #[serde(flatten)]
    count: CountParams,
    #[serde(flatten)]
    grouping: GroupingParams,
}

pub async fn unread_count(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(p): QueryParams<GroupCountParams>,
) -> AppResult<Json<UnreadCount>> {
    let (user, _) = auth.user("read:notifications")?;
    let count = notification_groups::unread_count(
        &state,
        user,
        &p.count.filter(),
        &p.grouping.grouped(),
        p.count.cap(),
    )
    .await?;
    Ok(Json(UnreadCount { count }))
}
