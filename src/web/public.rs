//! The front page and the About page.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};

use crate::db::statuses::Page;
use crate::error::PageResult;
use crate::service::{instance, timelines};
use crate::state::AppState;
use crate::web::context::{WebSession, layout, see_other};
use crate::web::pages::{AboutPage, LandingPage};
use crate::web::views;

/// Signed-in people go to their home timeline; visitors see what this server is.
pub async fn landing(State(state): State<AppState>, session: WebSession) -> PageResult<Response> {
    if session.viewer.is_some() {
        return Ok(see_other("/home"));
    }
    let stats = instance::stats(&state).await?;
    let recent = timelines::public(&state, None, true, Page::older_than(None, 5)).await?;
    let mut layout = layout(&state, &session, "Welcome", "").await?;
    layout.meta.canonical_url = state.urls.path("/");
    let page = LandingPage {
        statuses: recent
            .iter()
            .map(|d| views::status(d, None, &state.urls))
            .collect(),
        user_count: stats.users,
        status_count: stats.statuses,
        layout,
    };
    Ok(Html(page.render()?).into_response())
}

pub async fn about(State(state): State<AppState>, session: WebSession) -> PageResult<Response> {
    let info = instance::info(&state).await?;
    let stats = instance::stats(&state).await?;
    let contact_account = if info.contact_username.is_empty() {
        None
    } else {
        crate::db::accounts::find_local(&state.db, &info.contact_username)
            .await?
            .map(|a| views::account(&a, &state.urls))
    };
    let mut layout = layout(&state, &session, "About", "about").await?;
    layout.meta.canonical_url = state.urls.path("/about");
    let page = AboutPage {
        layout,
        extended_description: info.extended_description,
        contact_email: info.contact_email,
        contact_account,
        user_count: stats.users,
        status_count: stats.statuses,
    };
    Ok(Html(page.render()?).into_response())
}
