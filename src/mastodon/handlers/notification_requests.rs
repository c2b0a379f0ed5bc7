//! `/api/v1/notifications/requests`: the senders whose mentions the policy filtered;
//! list, one, accept or dismiss (one or many), and whether accepted ones are merged.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::id::NotificationRequestId;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::notification_policy::{MergedResponse, NotificationRequest};
use crate::mastodon::pagination::{PageParams, link_header};
use crate::mastodon::params::{Params, QueryParams, lenient};
use crate::mastodon::present::notification_policies as present;
use crate::service::notification_requests::{self, Decision};
use crate::state::AppState;

type Empty = Json<serde_json::Map<String, serde_json::Value>>;

fn request_id(id: &str) -> AppResult<NotificationRequestId> {
    id.parse().map_err(|_| AppError::not_found())
}

pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    uri: Uri,
    QueryParams(p): QueryParams<PageParams>,
) -> AppResult<(HeaderMap, Json<Vec<NotificationRequest>>)> {
    let (_, me) = auth.user("read:notifications")?;
    let items = notification_requests::page(&state, me, &p.page(40, 80)).await?;
    let out = present::requests(&state, &items, me);
    let first = out.first().map(|r| r.id.clone());
    let last = out.last().map(|r| r.id.clone());
    Ok((link_header(&state, &uri, first, last), Json(out)))
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<NotificationRequest>> {
    let (_, me) = auth.user("read:notifications")?;
    let item = notification_requests::one(&state, me, request_id(&id)?).await?;
    present::requests(&state, &[item], me)
        .into_iter()
        .next()
        .map(Json)
        .ok_or_else(AppError::not_found)
}

pub async fn accept(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Empty> {
    let (_, me) = auth.user("write:notifications")?;
    notification_requests::decide_one(&state, me, request_id(&id)?, Decision::Accept).await?;
    Ok(Json(serde_json::Map::new()))
}

pub async fn dismiss(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Empty> {
    let (_, me) = auth.user("write:notifications")?;
    notification_requests::decide_one(&state, me, request_id(&id)?, Decision::Dismiss).await?;
    Ok(Json(serde_json::Map::new()))
}

/// `id[]`: the requests to accept or dismiss; ids that are not the caller's are ignored.
#[derive(Debug, Default, Deserialize)]
pub struct BulkParams {
    #[serde(default, deserialize_with = "lenient::string_or_vec")]
    id: Vec<String>,
}

impl BulkParams {
    fn ids(&self) -> Vec<NotificationRequestId> {
        self.id.iter().filter_map(|i| i.parse().ok()).collect()
    }
}

pub async fn accept_many(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<BulkParams>,
) -> AppResult<Empty> {
    let (_, me) = auth.user("write:notifications")?;
    notification_requests::decide(&state, me, &p.ids(), Decision::Accept).await?;
    Ok(Json(serde_json::Map::new()))
}

pub async fn dismiss_many(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<BulkParams>,
) -> AppResult<Empty> {
    let (_, me) = auth.user("write:notifications")?;
    notification_requests::decide(&state, me, &p.ids(), Decision::Dismiss).await?;
    Ok(Json(serde_json::Map::new()))
}

/// Accepting merges a request's notifications in the same transaction (Mastodon does it
/// in a background job, hence the question).
pub async fn merged(State(state): State<AppState>, auth: Auth) -> AppResult<Json<MergedResponse>> {
    let (_, me) = auth.user("read:notifications")?;
    let merged = notification_requests::all_merged(&state, me).await?;
    Ok(Json(MergedResponse { merged }))
}
