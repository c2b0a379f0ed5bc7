//! Profile pages (`/@username`), follower lists, and following from a profile.

use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::db;
use crate::db::accounts::Account;
use crate::error::{AppError, PageResult};
use crate::id::AccountId;
use crate::service::{blocks, follows, timelines};
use crate::state::AppState;
use crate::web::context::{SignedIn, WebSession, layout, safe_return_path, see_other, wants_json};
use crate::web::forms::WebForm;
use crate::web::pages::{FollowListPage, ProfilePage};
use crate::web::timelines::{PageQuery, next_page};
use crate::web::views::{self, RelationshipView};

/// The account named by `@user` or `@user@domain` (our own domain means local).
pub async fn find_by_handle(state: &AppState, handle: &str) -> PageResult<Account> {
    let Some(rest) = handle.strip_prefix('@') else {
        return Err(AppError::not_found().into());
    };
    let (user, domain) = match rest.split_once('@') {
        Some((u, d)) if !d.eq_ignore_ascii_case(state.urls.domain()) => (u, Some(d.to_lowercase())),
        Some((u, _)) => (u, None),
        None => (rest, None),
    };
    if user.is_empty() || user.len() > 64 || domain.as_ref().is_some_and(|d| d.len() > 253) {
        return Err(AppError::not_found().into());
    }
    let found = db::accounts::find_by_handles(&state.db, &[(user.to_lowercase(), domain)]).await?;
    found
        .into_iter()
        .find(Account::is_addressable)
        .ok_or_else(|| AppError::not_found().into())
}

async fn relationship(
    state: &AppState,
    session: &WebSession,
    account: &Account,
) -> PageResult<RelationshipView> {
    Ok(match &session.viewer {
        Some(v) if v.account.id == account.id => views::relationship(Default::default(), true),
        Some(v) => views::relationship(
            db::follows::relationship(&state.db, v.account.id, account.id).await?,
            false,
        ),
        None => RelationshipView::default(),
    })
}

/// `/@username` and `/@username/with_replies`.
pub async fn show(
    state: &AppState,
    session: &WebSession,
    handle: &str,
    with_replies: bool,
    q: &PageQuery,
) -> PageResult<Response> {
    let account = find_by_handle(state, handle).await?;
    let viewer = session.viewer.as_ref().map(|v| &v.account);
    let statuses = timelines::account(state, &account, viewer, with_replies, q.page()).await?;
    let profile = views::profile(&account, &state.urls);
    let base = if with_replies {
        format!("{}/with_replies", profile.account.path)
    } else {
        profile.account.path.clone()
    };
    let title = format!(
        "{} (@{})",
        profile.account.display_name, profile.account.handle
    );
    let mut layout = layout(
        state,
        session,
        &title,
        if viewer.is_some_and(|v| v.id == account.id) {
            "profile"
        } else {
            ""
        },
    )
    .await?;
    layout.meta.canonical_url = account.url.clone().unwrap_or_else(|| account.uri.clone());
    layout.meta.activity_json_url = account.uri.clone();
    layout.meta.description = crate::text::html_to_plain(&account.note);
    layout.meta.og_type = "profile";
    let page = ProfilePage {
        layout,
        relationship: relationship(state, session, &account).await?,
        tab: if with_replies { "replies" } else { "posts" },
        next_page: next_page(&base, &statuses),
        statuses: statuses
            .iter()
            .map(|d| views::status(d, viewer, &state.urls))
            .collect(),
        profile,
    };
    Ok(Html(page.render()?).into_response())
}

/// `/@username/followers` and `/@username/following`.
pub async fn follow_list(
    state: &AppState,
    session: &WebSession,
    handle: &str,
    followers: bool,
    q: &PageQuery,
) -> PageResult<Response> {
    let account = find_by_handle(state, handle).await?;
    let max_id = q.max_id.as_deref().and_then(|s| s.parse().ok());
    let (found, next_cursor) = follows::list_page(state, &account, followers, max_id, 40).await?;
    let accounts = found
        .iter()
        .map(|a| views::account(a, &state.urls))
        .collect();
    let profile = views::profile(&account, &state.urls);
    let which = if followers { "followers" } else { "following" };
    let next = next_cursor.map(|c| format!("{}/{which}?max_id={c}", profile.account.path));
    let title = format!(
        "People {} {}",
        if followers {
            "following"
        } else {
            "followed by"
        },
        profile.account.display_name
    );
    let page = FollowListPage {
        layout: layout(state, session, &title, "").await?,
        profile,
        which,
        accounts,
        next_page: next,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub struct ActionForm {
    return_to: Option<String>,
}

#[derive(Serialize)]
pub struct ActionResult {
    pub active: bool,
    pub count: Option<i64>,
    /// For follows of locked accounts: the request waits for approval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested: Option<bool>,
}

pub async fn follow(
    State(state): State<AppState>,
    signed: SignedIn,
    headers: HeaderMap,
    Path(id): Path<String>,
    WebForm(form): WebForm<ActionForm>,
) -> PageResult<Response> {
    change_follow(&state, &signed, &headers, &id, form, true).await
}

pub async fn unfollow(
    State(state): State<AppState>,
    signed: SignedIn,
    headers: HeaderMap,
    Path(id): Path<String>,
    WebForm(form): WebForm<ActionForm>,
) -> PageResult<Response> {
    change_follow(&state, &signed, &headers, &id, form, false).await
}

async fn change_follow(
    state: &AppState,
    signed: &SignedIn,
    headers: &HeaderMap,
    id: &str,
    form: ActionForm,
    follow: bool,
) -> PageResult<Response> {
    let id: AccountId = id.parse().map_err(|_| AppError::not_found())?;
    let target = db::accounts::find(&state.db, id)
        .await?
        .filter(|a| a.suspended_at.is_none())
        .ok_or_else(AppError::not_found)?;
    let me = &signed.viewer().account;
    let rel = if follow {
        follows::follow(state, me, &target).await?
    } else {
        follows::unfollow(state, me, &target).await?
    };
    if wants_json(headers) {
        let count = db::accounts::find(&state.db, id)
            .await?
            .map(|a| a.followers_count);
        return Ok(Json(ActionResult {
            active: rel.following || rel.requested,
            count,
            requested: Some(rel.requested),
        })
        .into_response());
    }
    let fallback = views::account(&target, &state.urls).path;
    Ok(see_other(&safe_return_path(
        form.return_to.as_deref(),
        &fallback,
    )))
}

pub async fn block(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    WebForm(form): WebForm<ActionForm>,
) -> PageResult<Response> {
    change_block(&state, &signed, &id, form, true).await
}

pub async fn unblock(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    WebForm(form): WebForm<ActionForm>,
) -> PageResult<Response> {
    change_block(&state, &signed, &id, form, false).await
}

async fn change_block(
    state: &AppState,
    signed: &SignedIn,
    id: &str,
    form: ActionForm,
    block: bool,
) -> PageResult<Response> {
    let id: AccountId = id.parse().map_err(|_| AppError::not_found())?;
    let target = db::accounts::find(&state.db, id)
        .await?
        .filter(Account::is_addressable)
        .ok_or_else(AppError::not_found)?;
    let me = &signed.viewer().account;
    if block {
        blocks::block_by_local(state, me, &target).await?;
    } else {
        blocks::unblock_by_local(state, me, &target).await?;
    }
    let fallback = views::account(&target, &state.urls).path;
    Ok(see_other(&safe_return_path(
        form.return_to.as_deref(),
        &fallback,
    )))
}
