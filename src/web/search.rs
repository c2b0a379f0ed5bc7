//! The search page: people here by name, people elsewhere by `@user@domain` or URL.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::error::{ErrorKind, PageResult};
use crate::service::search;
use crate::state::AppState;
use crate::web::context::{WebSession, layout};
use crate::web::pages::SearchPage;
use crate::web::views;

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

pub async fn index(
    State(state): State<AppState>,
    session: WebSession,
    Query(q): Query<SearchQuery>,
) -> PageResult<Response> {
    let query = q.q.unwrap_or_default();
    let signed_in = session.viewer.is_some();
    let (found, message) =
        match search::search(&state, &query, signed_in, search::Window::first(20)).await {
            Ok(found)
                if found.accounts.is_empty()
                    && found.statuses.is_empty()
                    && !query.trim().is_empty() =>
            {
                (
                    search::Found::default(),
                    Some("No accounts found.".to_string()),
                )
            }
            Ok(found) => (found, None),
            Err(e)
                if matches!(
                    e.kind,
                    ErrorKind::NotFound | ErrorKind::Validation | ErrorKind::Unavailable
                ) =>
            {
                (
                    search::Found::default(),
                    Some(format!("Nothing found: {}", e.message())),
                )
            }
            Err(e) => return Err(e.into()),
        };
    let viewer = session.viewer.as_ref().map(|v| &v.account);
    let statuses =
        crate::service::timelines::details(&state, &found.statuses, viewer.map(|v| v.id)).await?;
    let hint = (!signed_in).then(|| {
        "Log in to look up people on other servers by @user@domain or profile link.".to_string()
    });
    let page = SearchPage {
        layout: layout(&state, &session, "Search", "search").await?,
        query,
        accounts: found
            .accounts
            .iter()
            .map(|a| views::account(a, &state.urls))
            .collect(),
        statuses: statuses
            .iter()
            .map(|d| views::status(d, viewer, &state.urls))
            .collect(),
        message,
        hint,
    };
    Ok(Html(page.render()?).into_response())
}
