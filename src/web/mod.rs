//! The server-rendered web UI. Handlers are thin: they read the request, call a
//! service, and fill a page from `pages.rs` with views from `views.rs`.

pub mod assets;
pub mod auth;
pub mod context;
pub mod forms;
pub mod notifications;
pub mod pages;
pub mod profile;
pub mod public;
pub mod search;
pub mod settings;
pub mod statuses;
pub mod timelines;
pub mod views;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::error::{AppError, PageResult};
use crate::state::AppState;
use context::WebSession;
use timelines::PageQuery;

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(public::landing))
        .route("/about", get(public::about))
        .route("/auth/sign_up", get(auth::sign_up_page))
        .route("/auth", post(auth::sign_up))
        .route("/auth/sign_in", get(auth::sign_in_page).post(auth::sign_in))
        .route("/auth/sign_out", post(auth::sign_out))
        .route(
            "/oauth/authorize",
            get(crate::oauth::authorize::authorize_page).post(crate::oauth::authorize::authorize),
        )
        .route(
            "/auth/confirmation",
            get(auth::confirm).post(auth::confirmation_resend),
        )
        .route("/auth/confirmation/new", get(auth::confirmation_new))
        .route("/auth/password", post(auth::password_request))
        .route("/auth/password/new", get(auth::password_new))
        .route(
            "/auth/password/edit",
            get(auth::password_edit).post(auth::password_update),
        )
        .route("/home", get(timelines::home))
        .route("/public/local", get(timelines::local))
        .route("/tags/{name}", get(timelines::tag))
        .route("/notifications", get(notifications::index))
        .route("/follow_requests", get(notifications::follow_requests))
        .route(
            "/follow_requests/{id}/authorize",
            post(notifications::authorize),
        )
        .route("/follow_requests/{id}/reject", post(notifications::reject))
        .route("/compose", get(statuses::compose_page))
        .route("/search", get(search::index))
        .route("/statuses", post(statuses::publish))
        .route("/statuses/{id}/favourite", post(statuses::favourite))
        .route("/statuses/{id}/unfavourite", post(statuses::unfavourite))
        .route("/statuses/{id}/reblog", post(statuses::reblog))
        .route("/statuses/{id}/unreblog", post(statuses::unreblog))
        .route(
            "/statuses/{id}/edit",
            get(statuses::edit_page).post(statuses::edit),
        )
        .route(
            "/statuses/{id}/delete",
            get(statuses::delete_page).post(statuses::delete),
        )
        .route("/accounts/{id}/follow", post(profile::follow))
        .route("/accounts/{id}/unfollow", post(profile::unfollow))
        .route("/accounts/{id}/block", post(profile::block))
        .route("/accounts/{id}/unblock", post(profile::unblock))
        .route(
            "/settings/profile",
            get(settings::profile_page).post(settings::update_profile),
        )
        .route(
            "/settings/password",
            get(settings::password_page).post(settings::update_password),
        )
        .route(
            "/oauth/authorized_applications",
            get(settings::authorized_apps_page),
        )
        .route(
            "/oauth/authorized_applications/{id}/revoke",
            post(settings::revoke_app),
        )
        .route("/{handle}", get(profile_root))
        .route("/{handle}/{rest}", get(profile_sub))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state, context::web_context))
}

/// `/@username`: the profile page, or the actor document for ActivityPub clients.
async fn profile_root(
    State(state): State<AppState>,
    session: WebSession,
    headers: axum::http::HeaderMap,
    Path(handle): Path<String>,
    Query(q): Query<PageQuery>,
) -> PageResult<Response> {
    if crate::activitypub::negotiation::wants_activity_json(&headers) {
        let account = profile::find_by_handle(&state, &handle).await?;
        if account.is_local() {
            return Ok(crate::activitypub::routes::actor_response(&state, &account).await?);
        }
    }
    profile::show(&state, &session, &handle, false, &q).await
}

/// `/@username/with_replies`, `/followers`, `/following` and `/@username/<status id>`.
async fn profile_sub(
    State(state): State<AppState>,
    session: WebSession,
    headers: axum::http::HeaderMap,
    Path((handle, rest)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> PageResult<Response> {
    if crate::activitypub::negotiation::wants_activity_json(&headers)
        && let Some(name) = handle.strip_prefix('@')
        && rest.chars().all(|c| c.is_ascii_digit())
    {
        let d = crate::activitypub::objects::public_status(&state, name, &rest).await?;
        return Ok(crate::activitypub::objects::note_response(&state, &d).await?);
    }
    match rest.as_str() {
        "with_replies" => profile::show(&state, &session, &handle, true, &q).await,
        "followers" => profile::follow_list(&state, &session, &handle, true, &q).await,
        "following" => profile::follow_list(&state, &session, &handle, false, &q).await,
        id => statuses::thread(&state, &session, &handle, id).await,
    }
}

/// Unknown paths: `/api/...` with a trailing slash goes to the same path without it
/// (Rails ignores the slash and Mastodon.py asks for `/api/v1/instance/`); anything
/// else is the 404 page.
async fn not_found(uri: axum::http::Uri) -> PageResult<Response> {
    let path = uri.path();
    if path.starts_with("/api/") && path.len() > 5 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let target = match uri.query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_string(),
        };
        return Ok(axum::response::Redirect::permanent(&target).into_response());
    }
    Err(AppError::not_found().into())
}
