//! `GET /api/v2/search`: accounts, hashtags and posts. Looking things up on other
//! servers (`resolve=true`, a handle or a URL) is for signed-in people only (S31).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use crate::db;
use crate::error::AppResult;
use crate::mastodon::auth::MaybeAuth;
use crate::mastodon::entities::account::Account;
use crate::mastodon::entities::status::Status;
use crate::mastodon::entities::tag::Tag;
use crate::mastodon::params::{QueryParams, lenient};
use crate::mastodon::present;
use crate::service::{search, timelines};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool")]
    resolve: bool,
    #[serde(default, deserialize_with = "lenient::limit")]
    limit: Option<u64>,
    #[serde(default, deserialize_with = "lenient::option_u64")]
    offset: Option<u64>,
    #[serde(default, deserialize_with = "lenient::bool")]
    following: bool,
}

#[derive(Debug, Serialize)]
pub struct Results {
    pub accounts: Vec<Account>,
    pub statuses: Vec<Status>,
    pub hashtags: Vec<Tag>,
}

pub async fn v2(
    State(state): State<AppState>,
    auth: MaybeAuth,
    QueryParams(p): QueryParams<SearchParams>,
) -> AppResult<Json<Results>> {
    let viewer = auth.viewer("read:search")?;
    let limit = p.limit.unwrap_or(20).clamp(1, 40) as usize;
    let q = p.q.trim();
    let wants = |k: &str| p.kind.as_deref().is_none_or(|t| t == k);
    let mut out = Results {
        accounts: Vec::new(),
        statuses: Vec::new(),
        hashtags: Vec::new(),
    };
    // Mastodon pages only with `offset` when signed in; the first page for everyone else.
    if q.is_empty() || (p.offset.unwrap_or(0) > 0 && viewer.is_none()) {
        return Ok(Json(out));
    }
    let resolve = p.resolve && viewer.is_some();
    if wants("accounts") || wants("statuses") {
        let window = search::Window {
            skip: p.offset.unwrap_or(0),
            limit: limit as u64,
            followed_by: viewer.filter(|_| p.following).map(|v| v.id),
        };
        // What cannot be found (or fetched) is simply not in the results.
        let found = search::search(&state, q, resolve, window)
            .await
            .unwrap_or_default();
        if wants("accounts") {
            out.accounts = found
                .accounts
                .iter()
                .filter(|a| a.is_addressable())
                .map(|a| present::account(&state, a))
                .collect();
        }
        if wants("statuses") && !found.statuses.is_empty() {
            let ids: Vec<_> = found.statuses.iter().take(limit).copied().collect();
            let details = timelines::visible_details(&state, &ids, viewer.map(|v| v.id)).await?;
            out.statuses = present::statuses(&state, &details, viewer);
        }
    }
    if wants("hashtags") {
        let name = q.trim_start_matches('#');
        let valid = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_');
        if valid {
            let found =
                db::tags::search_prefix(&state.db, name, viewer.map(|v| v.id), limit as i64)
                    .await?;
            out.hashtags = present::tags(&state, &found, viewer.is_some()).await?;
        }
    }
    Ok(Json(out))
}
