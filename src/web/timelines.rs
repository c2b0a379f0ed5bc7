//! Home, local and hashtag timelines.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::db::statuses::Page;
use crate::error::{AppError, PageResult};
use crate::service::timelines::{self, StatusDetail};
use crate::state::AppState;
use crate::web::context::{SignedIn, WebSession, layout, urlencode};
use crate::web::pages::TimelinePage;
use crate::web::views;

pub const PAGE_SIZE: i64 = 20;

#[derive(Deserialize)]
pub struct PageQuery {
    pub max_id: Option<String>,
}

impl PageQuery {
    /// The page asked for; a malformed cursor is treated as the first page.
    pub fn page(&self) -> Page {
        Page::older_than(
            self.max_id.as_deref().and_then(|s| s.parse().ok()),
            PAGE_SIZE,
        )
    }
}

/// The link to the next (older) page when this one was full.
pub fn next_page(path: &str, statuses: &[StatusDetail]) -> Option<String> {
    if statuses.len() < PAGE_SIZE as usize {
        return None;
    }
    let last = statuses.last()?;
    let sep = if path.contains('?') { '&' } else { '?' };
    Some(format!("{path}{sep}max_id={}", last.status.id))
}

pub async fn home(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(q): Query<PageQuery>,
) -> PageResult<Response> {
    let viewer = signed.viewer();
    let statuses = timelines::home(&state, &viewer.account, q.page()).await?;
    let suggestions = if statuses.is_empty() && q.max_id.is_none() {
        crate::db::accounts::recent_local(&state.db, 6)
            .await?
            .iter()
            .filter(|a| a.id != viewer.account.id)
            .map(|a| views::account(a, &state.urls))
            .collect()
    } else {
        Vec::new()
    };
    let page = TimelinePage {
        layout: layout(&state, &signed.session, "Home", "home").await?,
        heading: "Home".into(),
        subheading: "Your posts and posts from people you follow, newest first".into(),
        next_page: next_page("/home", &statuses),
        newest_id: statuses.first().map(|s| s.status.id.to_string()).unwrap_or_default(),
        statuses: statuses.iter().map(|d| views::status(d, Some(&viewer.account), &state.urls)).collect(),
        empty_message: "Your home timeline is empty. Follow people to see their posts here, or write your first post."
            .into(),
        suggestions,
        stream: "home",
    };
    Ok(Html(page.render()?).into_response())
}

pub async fn local(
    State(state): State<AppState>,
    session: WebSession,
    Query(q): Query<PageQuery>,
) -> PageResult<Response> {
    let viewer = session.viewer.as_ref().map(|v| &v.account);
    let statuses = timelines::public(&state, viewer, true, q.page()).await?;
    let mut layout = layout(&state, &session, "Local timeline", "local").await?;
    layout.meta.canonical_url = state.urls.path("/public/local");
    let page = TimelinePage {
        layout,
        heading: "Local".into(),
        subheading: format!("Public posts from people on {}", state.urls.domain()),
        next_page: next_page("/public/local", &statuses),
        newest_id: statuses
            .first()
            .map(|s| s.status.id.to_string())
            .unwrap_or_default(),
        statuses: statuses
            .iter()
            .map(|d| views::status(d, viewer, &state.urls))
            .collect(),
        empty_message: "Nobody here has posted publicly yet.".into(),
        suggestions: Vec::new(),
        stream: "local",
    };
    Ok(Html(page.render()?).into_response())
}

pub async fn tag(
    State(state): State<AppState>,
    session: WebSession,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
) -> PageResult<Response> {
    let name = name.trim_start_matches('#').to_string();
    if name.is_empty()
        || name.chars().count() > 200
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '·' || c == '\u{200c}')
    {
        return Err(AppError::not_found().into());
    }
    let viewer = session.viewer.as_ref().map(|v| &v.account);
    let statuses = timelines::tag(&state, &name, viewer, q.page()).await?;
    let path = format!("/tags/{}", urlencode(&name));
    let mut layout = layout(&state, &session, &format!("#{name}"), "").await?;
    layout.meta.canonical_url = state.urls.path(&path);
    layout.meta.description = format!("Public posts tagged #{name}");
    let page = TimelinePage {
        layout,
        heading: format!("#{name}"),
        subheading: "Public posts with this hashtag".into(),
        next_page: next_page(&path, &statuses),
        newest_id: statuses
            .first()
            .map(|s| s.status.id.to_string())
            .unwrap_or_default(),
        statuses: statuses
            .iter()
            .map(|d| views::status(d, viewer, &state.urls))
            .collect(),
        empty_message: format!("No public posts with #{name} yet."),
        suggestions: Vec::new(),
        stream: "",
    };
    Ok(Html(page.render()?).into_response())
}
