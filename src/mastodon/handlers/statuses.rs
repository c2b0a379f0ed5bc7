//! `/api/v1/statuses`: post, read, delete, thread context, favourite and boost.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::db;
use crate::db::accounts::Account;
use crate::db::statuses::Visibility;
use crate::error::{AppError, AppResult};
use crate::id::StatusId;
use crate::mastodon::auth::{Auth, MaybeAuth};
use crate::mastodon::entities::status::Status;
use crate::mastodon::params::{Ids, Params, QueryParams, lenient};
use crate::mastodon::{present, rendered};
use crate::service::statuses::{self as statuses_service, NewPost};
use crate::service::{favourites, timelines};
use crate::state::AppState;

fn status_id(raw: &str) -> AppResult<StatusId> {
    raw.parse().map_err(|_| AppError::not_found())
}

/// One status as `viewer` may see it; 404 if they may not.
async fn one(state: &AppState, id: StatusId, viewer: Option<&Account>) -> AppResult<Status> {
    let visible = db::statuses::find_visible(&state.db, id, viewer.map(|v| v.id))
        .await?
        .ok_or_else(AppError::not_found)?;
    let details = timelines::details(state, &[visible.id], viewer.map(|v| v.id)).await?;
    present::statuses(state, &details, viewer)
        .pop()
        .ok_or_else(AppError::not_found)
}

#[derive(Debug, Default, Deserialize)]
pub struct CreateStatus {
    #[serde(default, deserialize_with = "lenient::string")]
    status: String,
    #[serde(default, deserialize_with = "lenient::option_id")]
    in_reply_to_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::option_bool")]
    sensitive: Option<bool>,
    #[serde(default, deserialize_with = "lenient::string")]
    spoiler_text: String,
    #[serde(default, deserialize_with = "lenient::option_string")]
    visibility: Option<String>,
    #[serde(default, deserialize_with = "lenient::option_string")]
    language: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_or_vec")]
    media_ids: Vec<String>,
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Params(p): Params<CreateStatus>,
) -> AppResult<Json<Status>> {
    let (user, me) = auth.user("write:statuses")?;
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 200);
    if let Some(k) = key
        && let Some(id) = db::statuses::find_by_idempotency_key(&state.db, me.id, k).await?
    {
        return Ok(Json(one(&state, id, Some(me)).await?));
    }
    if !p.media_ids.is_empty() {
        return Err(AppError::invalid(
            "Validation failed: media attachments cannot be uploaded to this server yet",
        ));
    }
    let visibility = match p.visibility.as_deref() {
        None => None,
        Some(v) => Some(v.parse::<Visibility>().map_err(|_| {
            AppError::invalid("Validation failed: Visibility is not included in the list")
        })?),
    };
    // What the post leaves unsaid comes from the poster's preferences.
    let visibility = visibility.unwrap_or_else(|| user.default_visibility());
    let language = p
        .language
        .filter(|l| crate::text::languages::is_known(l))
        .or_else(|| user.posting_language());
    let in_reply_to = p.in_reply_to_id.as_deref().map(status_id).transpose()?;
    let id = statuses_service::post(
        &state,
        me,
        &NewPost {
            text: p.status,
            spoiler_text: p.spoiler_text,
            visibility: Some(visibility),
            in_reply_to,
            sensitive: p.sensitive.unwrap_or(user.settings.default_sensitive),
            language,
            application: Some(auth.0.app.id),
        },
    )
    .await?;
    if let Some(k) = key {
        db::statuses::remember_idempotency_key(&state.db, me.id, k, id).await?;
    }
    Ok(Json(one(&state, id, Some(me)).await?))
}

pub async fn show(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    let viewer = auth.viewer("read:statuses")?;
    Ok(Json(one(&state, status_id(&id)?, viewer).await?))
}

/// `DELETE /api/v1/statuses/:id`: the deleted status with its source text, for redraft.
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    let (_, me) = auth.user("write:statuses")?;
    let id = status_id(&id)?;
    // Rendered before it goes, the way Mastodon answers.
    let mut shown = one(&state, id, Some(me)).await?;
    let deleted = statuses_service::delete_own(&state, me, id).await?;
    shown.text = Some(deleted.text);
    Ok(Json(shown))
}

/// `GET /api/v1/statuses/:id/context`: what the status answers and the replies below
/// it, put together from kept renderings like the timelines.
pub async fn context(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let viewer = auth.viewer("read:statuses")?.map(|a| a.id);
    let thread = timelines::thread_ids(&state, status_id(&id)?, viewer).await?;
    let descendants: Vec<StatusId> = thread.descendants.iter().map(|(d, _)| *d).collect();
    let [ancestors, descendants] =
        rendered::pages(&state, [&thread.ancestors, &descendants], viewer).await?;
    let mut json = Vec::with_capacity(ancestors.json.len() + descendants.json.len() + 32);
    json.extend_from_slice(b"{\"ancestors\":");
    json.extend_from_slice(&ancestors.json);
    json.extend_from_slice(b",\"descendants\":");
    json.extend_from_slice(&descendants.json);
    json.push(b'}');
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

pub async fn favourite(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    let (_, me) = auth.user("write:favourites")?;
    let s = favourites::favourite(&state, me, status_id(&id)?).await?;
    Ok(Json(one(&state, s.id, Some(me)).await?))
}

pub async fn unfavourite(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    let (_, me) = auth.user("write:favourites")?;
    let s = favourites::unfavourite(&state, me, status_id(&id)?).await?;
    Ok(Json(one(&state, s.id, Some(me)).await?))
}

/// `POST /api/v1/statuses/:id/reblog`: the boost (its own id), with the original inside.
pub async fn reblog(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    let (_, me) = auth.user("write:statuses")?;
    let boost = statuses_service::reblog(&state, me, status_id(&id)?).await?;
    Ok(Json(one(&state, boost, Some(me)).await?))
}

/// `POST /api/v1/statuses/:id/unreblog`: the original, no longer boosted.
pub async fn unreblog(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    let (_, me) = auth.user("write:statuses")?;
    let original = statuses_service::unreblog(&state, me, status_id(&id)?).await?;
    Ok(Json(one(&state, original.id, Some(me)).await?))
}

pub async fn bookmark(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    let (_, me) = auth.user("write:bookmarks")?;
    let id = status_id(&id)?;
    // Only what one may see can be bookmarked (S27).
    let s = db::statuses::find_visible(&state.db, id, Some(me.id))
        .await?
        .ok_or_else(AppError::not_found)?;
    db::bookmarks::insert(&state.db, me.id, s.id).await?;
    Ok(Json(one(&state, s.id, Some(me)).await?))
}

pub async fn unbookmark(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    let (_, me) = auth.user("write:bookmarks")?;
    let id = status_id(&id)?;
    let s = db::statuses::find_visible(&state.db, id, Some(me.id))
        .await?
        .ok_or_else(AppError::not_found)?;
    db::bookmarks::delete(&state.db, me.id, s.id).await?;
    Ok(Json(one(&state, s.id, Some(me)).await?))
}

#[derive(Debug, Default, Deserialize)]
pub struct EditStatus {
    #[serde(default, deserialize_with = "lenient::string")]
    status: String,
    #[serde(default, deserialize_with = "lenient::string")]
    spoiler_text: String,
    #[serde(default, deserialize_with = "lenient::bool")]
    sensitive: bool,
    #[serde(default, deserialize_with = "lenient::option_string")]
    language: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_or_vec")]
    media_ids: Vec<String>,
}

/// `PUT /api/v1/statuses/:id`: one's own post, new text (history kept, Update federated).
pub async fn edit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<EditStatus>,
) -> AppResult<Json<Status>> {
    let (_, me) = auth.user("write:statuses")?;
    let id = status_id(&id)?;
    let visible = db::statuses::find_visible(&state.db, id, Some(me.id))
        .await?
        .ok_or_else(AppError::not_found)?;
    if !p.media_ids.is_empty() {
        return Err(AppError::invalid(
            "Validation failed: media attachments cannot be uploaded to this server yet",
        ));
    }
    let edited = statuses_service::edit(
        &state,
        me,
        visible.id,
        &NewPost {
            text: p.status,
            spoiler_text: p.spoiler_text,
            sensitive: p.sensitive,
            language: p.language.filter(|l| crate::text::languages::is_known(l)),
            ..NewPost::default()
        },
    )
    .await?;
    Ok(Json(one(&state, edited.id, Some(me)).await?))
}

#[derive(Debug, Serialize)]
pub struct StatusEdit {
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub created_at: String,
    pub account: crate::mastodon::entities::account::Account,
    pub poll: Option<serde_json::Value>,
    pub media_attachments: Vec<crate::mastodon::entities::status::MediaAttachment>,
    pub emojis: Vec<crate::mastodon::entities::account::CustomEmoji>,
}

/// `GET /api/v1/statuses/:id/history`: every version, oldest first (just the one for a
/// post never edited).
pub async fn history(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<StatusEdit>>> {
    let viewer = auth.viewer("read:statuses")?;
    let shown = one(&state, status_id(&id)?, viewer).await?;
    let edits = db::statuses::edits_of(&state.db, status_id(&shown.id)?).await?;
    let version = |content: String, spoiler_text: String, sensitive: bool, at| StatusEdit {
        content,
        spoiler_text,
        sensitive,
        created_at: crate::mastodon::entities::datetime(at),
        account: shown.account.clone(),
        poll: None,
        media_attachments: shown.media_attachments.clone(),
        emojis: shown.emojis.clone(),
    };
    if edits.is_empty() {
        return Ok(Json(vec![version(
            shown.content.clone(),
            shown.spoiler_text.clone(),
            shown.sensitive,
            shown.created_at,
        )]));
    }
    Ok(Json(
        edits
            .into_iter()
            .map(|e| version(e.content, e.spoiler_text, e.sensitive, e.created_at))
            .collect(),
    ))
}

#[derive(Debug, Serialize)]
pub struct StatusSource {
    pub id: String,
    pub text: String,
    pub spoiler_text: String,
}

/// `GET /api/v1/statuses/:id/source`: what the author typed (their own posts).
pub async fn source(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<StatusSource>> {
    let (_, me) = auth.user("read:statuses")?;
    let s = db::statuses::find_visible(&state.db, status_id(&id)?, Some(me.id))
        .await?
        .filter(|s| s.account_id == me.id)
        .ok_or_else(AppError::not_found)?;
    Ok(Json(StatusSource {
        id: s.id.to_string(),
        text: s.text,
        spoiler_text: s.spoiler_text,
    }))
}

/// `GET /api/v1/statuses?id[]=`: those the viewer may see, in the order asked (20 at
/// most).
pub async fn index(
    State(state): State<AppState>,
    auth: MaybeAuth,
    QueryParams(p): QueryParams<Ids>,
) -> AppResult<Json<Vec<Status>>> {
    let viewer = auth.viewer("read:statuses")?;
    let ids: Vec<StatusId> = p.at_most(20)?;
    let details = timelines::visible_details(&state, &ids, viewer.map(|v| v.id)).await?;
    Ok(Json(present::statuses(&state, &details, viewer)))
}

async fn pin_or_unpin(
    state: &AppState,
    auth: &Auth,
    raw: &str,
    pin: bool,
) -> AppResult<Json<Status>> {
    let (_, me) = auth.user("write:accounts")?;
    let s = db::statuses::find_visible(&state.db, status_id(raw)?, Some(me.id))
        .await?
        .ok_or_else(AppError::not_found)?;
    if pin {
        crate::service::pins::pin(state, me, &s).await?;
    } else {
        crate::service::pins::unpin(state, me, &s).await?;
    }
    Ok(Json(one(state, s.id, Some(me)).await?))
}

pub async fn pin(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    pin_or_unpin(&state, &auth, &id, true).await
}

pub async fn unpin(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    pin_or_unpin(&state, &auth, &id, false).await
}

async fn mute_or_unmute(
    state: &AppState,
    auth: &Auth,
    raw: &str,
    mute: bool,
) -> AppResult<Json<Status>> {
    let (_, me) = auth.user("write:mutes")?;
    let s = db::statuses::find_visible(&state.db, status_id(raw)?, Some(me.id))
        .await?
        .ok_or_else(AppError::not_found)?;
    if mute {
        db::conversation_mutes::mute(&state.db, me.id, s.id).await?;
    } else {
        db::conversation_mutes::unmute(&state.db, me.id, s.id).await?;
    }
    Ok(Json(one(state, s.id, Some(me)).await?))
}

/// `POST /api/v1/statuses/:id/mute`: no more notifications from its conversation.
pub async fn mute(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    mute_or_unmute(&state, &auth, &id, true).await
}

pub async fn unmute(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    mute_or_unmute(&state, &auth, &id, false).await
}

async fn interacted(
    state: &AppState,
    auth: &MaybeAuth,
    uri: &axum::http::Uri,
    raw: &str,
    p: &crate::mastodon::pagination::PageParams,
    boosts: bool,
) -> AppResult<(
    axum::http::HeaderMap,
    Json<Vec<crate::mastodon::entities::account::Account>>,
)> {
    let viewer = auth.viewer("read:statuses")?;
    let s = db::statuses::find_visible(&state.db, status_id(raw)?, viewer.map(|v| v.id))
        .await?
        .ok_or_else(AppError::not_found)?;
    let page = p.page(40, 80);
    let rows =
        db::statuses::interacted_by(&state.db, s.id, boosts, page.max_id, page.limit).await?;
    crate::mastodon::handlers::collections::accounts_page(state, uri, rows, page.limit).await
}

pub async fn favourited_by(
    State(state): State<AppState>,
    auth: MaybeAuth,
    uri: axum::http::Uri,
    Path(id): Path<String>,
    crate::mastodon::params::QueryParams(p): crate::mastodon::params::QueryParams<
        crate::mastodon::pagination::PageParams,
    >,
) -> AppResult<(
    axum::http::HeaderMap,
    Json<Vec<crate::mastodon::entities::account::Account>>,
)> {
    interacted(&state, &auth, &uri, &id, &p, false).await
}

pub async fn reblogged_by(
    State(state): State<AppState>,
    auth: MaybeAuth,
    uri: axum::http::Uri,
    Path(id): Path<String>,
    crate::mastodon::params::QueryParams(p): crate::mastodon::params::QueryParams<
        crate::mastodon::pagination::PageParams,
    >,
) -> AppResult<(
    axum::http::HeaderMap,
    Json<Vec<crate::mastodon::entities::account::Account>>,
)> {
    interacted(&state, &auth, &uri, &id, &p, true).await
}
