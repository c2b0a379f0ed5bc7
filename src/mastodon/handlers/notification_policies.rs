//! `/api/v2/notifications/policy` (accept, filter or drop per kind of sender) and its v1
//! form `/api/v1/notifications/policy` (filter or not).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use crate::error::AppResult;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::notification_policy::{NotificationPolicy, V1NotificationPolicy};
use crate::mastodon::params::{Params, lenient};
use crate::mastodon::present::notification_policies as present;
use crate::service::notification_policy::{self, Action, PolicyChange, parse_setting};
use crate::state::AppState;

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
) -> AppResult<Json<NotificationPolicy>> {
    let (_, me) = auth.user("read:notifications")?;
    let (policy, summary) = notification_policy::policy(&state, me.id).await?;
    Ok(Json(present::policy(&policy, summary)))
}

#[derive(Debug, Default, Deserialize)]
pub struct UpdateParams {
    #[serde(default, deserialize_with = "lenient::option_string")]
    for_not_following: Option<String>,
    #[serde(default, deserialize_with = "lenient::option_string")]
    for_not_followers: Option<String>,
    #[serde(default, deserialize_with = "lenient::option_string")]
    for_new_accounts: Option<String>,
    #[serde(default, deserialize_with = "lenient::option_string")]
    for_private_mentions: Option<String>,
    #[serde(default, deserialize_with = "lenient::option_string")]
    for_limited_accounts: Option<String>,
}

impl UpdateParams {
    fn change(&self) -> AppResult<PolicyChange> {
        let setting = |field, v: &Option<String>| parse_setting(field, v.as_deref());
        Ok(PolicyChange {
            for_not_following: setting("for_not_following", &self.for_not_following)?,
            for_not_followers: setting("for_not_followers", &self.for_not_followers)?,
            for_new_accounts: setting("for_new_accounts", &self.for_new_accounts)?,
            for_private_mentions: setting("for_private_mentions", &self.for_private_mentions)?,
            for_limited_accounts: setting("for_limited_accounts", &self.for_limited_accounts)?,
        })
    }
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<UpdateParams>,
) -> AppResult<Json<NotificationPolicy>> {
    let (_, me) = auth.user("write:notifications")?;
    let (policy, summary) = notification_policy::update(&state, me.id, p.change()?).await?;
    Ok(Json(present::policy(&policy, summary)))
}

pub async fn show_v1(
    State(state): State<AppState>,
    auth: Auth,
) -> AppResult<Json<V1NotificationPolicy>> {
    let (_, me) = auth.user("read:notifications")?;
    let (policy, summary) = notification_policy::policy(&state, me.id).await?;
    Ok(Json(present::v1_policy(&policy, summary)))
}

/// v1's booleans: true filters, false accepts.
#[derive(Debug, Default, Deserialize)]
pub struct V1UpdateParams {
    #[serde(default, deserialize_with = "lenient::option_bool")]
    filter_not_following: Option<bool>,
    #[serde(default, deserialize_with = "lenient::option_bool")]
    filter_not_followers: Option<bool>,
    #[serde(default, deserialize_with = "lenient::option_bool")]
    filter_new_accounts: Option<bool>,
    #[serde(default, deserialize_with = "lenient::option_bool")]
    filter_private_mentions: Option<bool>,
}

fn filter_or_accept(filter: Option<bool>) -> Option<Action> {
    filter.map(|f| if f { Action::Filter } else { Action::Accept })
}

pub async fn update_v1(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<V1UpdateParams>,
) -> AppResult<Json<V1NotificationPolicy>> {
    let (_, me) = auth.user("write:notifications")?;
    let change = PolicyChange {
        for_not_following: filter_or_accept(p.filter_not_following),
        for_not_followers: filter_or_accept(p.filter_not_followers),
        for_new_accounts: filter_or_accept(p.filter_new_accounts),
        for_private_mentions: filter_or_accept(p.filter_private_mentions),
        for_limited_accounts: None,
    };
    let (policy, summary) = notification_policy::update(&state, me.id, change).await?;
    Ok(Json(present::v1_policy(&policy, summary)))
}
