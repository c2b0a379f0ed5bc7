//! Inboxes: refuse text we could not store, verify the HTTP signature (first what needs
//! no key, then with the key, fetched if unknown), check that the signer is the
//! activity's actor, hand the activity to the queue and answer 202 at once.
//! Processing (one file per activity type) happens in the worker's inbox lane.

pub mod accept;
pub mod announce;
pub mod block;
pub mod delete;
pub mod featured;
pub mod flag;
pub mod follow;
pub mod like;
pub mod moves;
pub mod notes;
pub mod process;
pub mod reject;
pub mod undo;
pub mod update;

use std::borrow::Cow;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::activitypub::fetch::storable_json;
use crate::activitypub::parse::Envelope;
use crate::db;
use crate::db::accounts::Account;
use crate::delivery::{Job, enqueue};
use crate::error::{AppError, AppResult, ErrorKind};
use crate::httpsig::{IncomingSignature, RequestParts, VerifyingKey};
use crate::service::remote_accounts;
use crate::state::AppState;

/// Largest activity accepted.
pub const MAX_BODY: usize = 1024 * 1024;

fn unauthorized(message: &str) -> AppError {
    AppError::new(ErrorKind::Unauthorized, message)
}

/// POST to a personal inbox or the shared inbox.
pub async fn receive(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match accept(&state, &method, &uri, &headers, &body).await {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn accept(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> AppResult<()> {
    let text = storable_text(body)?;
    let signature =
        IncomingSignature::parse(headers).map_err(|e| unauthorized(&format!("Signature: {e}")))?;
    let parts = request_parts(state, method, uri, headers);
    let now = std::time::SystemTime::now();
    // Everything that needs no key first, as Mastodon does: a request failing it must
    // not make us fetch anything (S25).
    signature
        .precheck(&parts, body, now)
        .map_err(|e| unauthorized(&format!("Signature: {e}")))?;
    let envelope = serde_json::from_str::<Envelope>(&text);
    if let Ok(e) = &envelope
        && unknown_actor_deleted_itself(state, &signature, e).await?
    {
        return Ok(());
    }
    let signer = verified_signer(state, &signature, &parts, body, now).await?;
    let envelope = envelope.map_err(|_| AppError::bad_request("The body is not an activity"))?;
    if envelope.actor_id() != Some(signer.uri.as_str()) {
        return Err(unauthorized("The signer is not the activity's actor"));
    }
    if let Some(host) = signer.domain.as_deref() {
        crate::delivery::hosts::record_heard_from(&state.db, &state.heard, host).await;
    }
    let mut conn = state.db.acquire().await?;
    enqueue(
        &mut conn,
        &[Job::Inbox {
            actor: signer.id,
            body: text.into_owned(),
        }],
    )
    .await?;
    Ok(())
}

/// The request as signed for us: our public scheme and host, not what a proxy spoke.
fn request_parts<'a>(
    state: &'a AppState,
    method: &'a Method,
    uri: &'a Uri,
    headers: &'a HeaderMap,
) -> RequestParts<'a> {
    let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let scheme = if state.urls.is_https() {
        "https"
    } else {
        "http"
    };
    RequestParts::new(
        method.as_str(),
        scheme,
        state.urls.domain(),
        path_and_query,
        headers,
    )
}

/// The activity's text, checked before anything else: too large, not UTF-8 or holding a
/// lone surrogate is 400; `\u0000` escapes are removed, since the database cannot store
/// NUL and the worker's job would fail again and again (S24). The signature is checked
/// over the raw body, the activity is read from this text.
fn storable_text(body: &[u8]) -> AppResult<Cow<'_, str>> {
    if body.len() > MAX_BODY {
        return Err(AppError::bad_request("The activity is too large"));
    }
    storable_json(body).map_err(AppError::bad_request)
}

/// A Delete of an actor by itself, when we know neither the actor nor its key: there is
/// nothing of theirs here to remove, and its key can no longer be fetched (the actor
/// answers 410), so it is acknowledged without a fetch, as Mastodon and Pleroma do.
async fn unknown_actor_deleted_itself(
    state: &AppState,
    signature: &IncomingSignature,
    envelope: &Envelope,
) -> AppResult<bool> {
    let actor = match envelope.actor_id() {
        Some(a) if envelope.kind() == Some("Delete") && envelope.object_id() == Some(a) => a,
        _ => return Ok(false),
    };
    let known = db::accounts::find_by_key_id(&state.db, signature.key_id())
        .await?
        .is_some()
        || db::accounts::find_by_uri(&state.db, actor).await?.is_some();
    Ok(!known)
}

/// The account whose key signed this request, once [`IncomingSignature::precheck`] has
/// passed. An unknown key's actor is fetched; a failing signature refetches it once (keys
/// rotate). Anything that cannot be verified is 401, so senders may retry another way.
async fn verified_signer(
    state: &AppState,
    signature: &IncomingSignature,
    parts: &RequestParts<'_>,
    body: &[u8],
    now: std::time::SystemTime,
) -> AppResult<Account> {
    let key_id = signature.key_id();
    let mut owner = match db::accounts::find_key_owner(&state.db, key_id).await? {
        Some(o) => o,
        None => fetch_key_owner(state, key_id).await?,
    };
    for attempt in 0..2 {
        let pem = owner.public_key_pem.as_deref().unwrap_or_default();
        let key =
            VerifyingKey::from_pem(pem).map_err(|e| unauthorized(&format!("Signature: {e}")))?;
        match signature.verify(parts, body, &key, now) {
            Ok(()) => return Ok(owner.account),
            Err(e) if attempt == 0 && e.may_pass_with_fresh_key() => {
                owner = fetch_key_owner(state, key_id).await?;
            }
            Err(e) => return Err(unauthorized(&format!("Signature: {e}"))),
        }
    }
    Err(unauthorized("Signature: could not be verified"))
}

/// Fetches the actor that owns `key_id` (the key id without its fragment is the actor
/// for Mastodon and most others) and checks it really publishes that key (S07).
async fn fetch_key_owner(state: &AppState, key_id: &str) -> AppResult<db::accounts::KeyOwner> {
    let actor_uri = key_id.split('#').next().unwrap_or(key_id);
    let account = remote_accounts::fetch_and_store(state, actor_uri)
        .await
        .map_err(|e| {
            unauthorized(&format!(
                "The signing key could not be fetched: {}",
                e.message()
            ))
        })?;
    match db::accounts::find_key_owner(&state.db, key_id).await? {
        Some(owner) if owner.account.id == account.id => Ok(owner),
        _ => Err(unauthorized(
            "The signing key does not belong to that actor",
        )),
    }
}
