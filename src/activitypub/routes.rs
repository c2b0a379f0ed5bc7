//! ActivityPub endpoints: actor documents (content-negotiated with the profile pages)
//! and the instance actor with its collections.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::activitypub::negotiation::wants_activity_json;
use crate::activitypub::objects::{json_response, local_account};
use crate::activitypub::render;
use crate::activitypub::types::Collection;
use crate::db;
use crate::db::accounts::Account;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The JSON document of a local actor.
pub async fn actor_response(state: &AppState, account: &Account) -> AppResult<Response> {
    let pem = db::accounts::public_key_pem(&state.db, account.id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let mut res = json_response(&render::actor(account, &pem, &state.urls))?;
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=60, public"),
    );
    Ok(res)
}

/// `/users/<name>`: the actor for ActivityPub clients, the profile page for browsers.
pub async fn user(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let account = local_account(&state, &name).await?;
    if wants_activity_json(&headers) {
        return actor_response(&state, &account).await;
    }
    let location = format!("/@{}", account.username);
    Ok((
        StatusCode::FOUND,
        [
            (header::LOCATION, location),
            (header::VARY, "Accept".to_string()),
        ],
    )
        .into_response())
}

/// `/actor`: the server's own actor, served without asking for a signature.
pub async fn instance_actor(State(state): State<AppState>) -> AppResult<Response> {
    let account = crate::service::instance::instance_actor(&state).await?;
    actor_response(&state, &account).await
}

/// One of the instance actor's collections (`outbox`, `followers`, `following`): the
/// server posts nothing, follows no one and is followed by no one, so each is an empty
/// `OrderedCollection`, served like the actor itself.
fn instance_collection(state: &AppState, name: &str) -> AppResult<Response> {
    let mut collection = Collection::ordered_inline(
        format!("{}/{name}", state.urls.instance_actor_uri()),
        Vec::new(),
    );
    collection.context = Some(serde_json::Value::String(
        "https://www.w3.org/ns/activitystreams".into(),
    ));
    json_response(&collection)
}

/// `/actor/outbox`.
pub async fn instance_outbox(State(state): State<AppState>) -> AppResult<Response> {
    instance_collection(&state, "outbox")
}

/// `/actor/followers`.
pub async fn instance_followers(State(state): State<AppState>) -> AppResult<Response> {
    instance_collection(&state, "followers")
}

/// `/actor/following`.
pub async fn instance_following(State(state): State<AppState>) -> AppResult<Response> {
    instance_collection(&state, "following")
}
