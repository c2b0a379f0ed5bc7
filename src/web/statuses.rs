//! Status pages and actions: the thread page, the composer, publishing, boosting,
//! favouriting, editing and deleting.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::db;
use crate::db::accounts::Account;
use crate::db::statuses::Visibility;
use crate::error::{AppError, ErrorKind, PageResult};
use crate::id::StatusId;
use crate::service::statuses::NewPost;
use crate::service::{favourites, statuses, timelines};
use crate::state::AppState;
use crate::web::context::{
    SignedIn, WebSession, composer, layout, safe_return_path, see_other, wants_json,
};
use crate::web::forms::WebForm;
use crate::web::pages::{ComposePage, Composer, DeleteStatusPage, ThreadPage};
use crate::web::profile::{ActionResult, find_by_handle};
use crate::web::views;

fn parse_id(raw: &str) -> Result<StatusId, AppError> {
    raw.parse().map_err(|_| AppError::not_found())
}

/// `/@username/<id>`: the status with its conversation.
pub async fn thread(
    state: &AppState,
    session: &WebSession,
    handle: &str,
    id: &str,
) -> PageResult<Response> {
    let id = parse_id(id)?;
    let account = find_by_handle(state, handle).await?;
    let viewer = session.viewer.as_ref().map(|v| &v.account);
    let thread = timelines::thread(state, id, viewer).await?;
    if thread.focus.status.account_id != account.id {
        return Err(AppError::not_found().into());
    }
    let focus = views::status(&thread.focus, viewer, &state.urls);
    let plain = crate::text::html_to_plain(&thread.focus.status.content);
    let summary: String = plain.chars().take(160).collect();
    let title = format!(
        "{}: \"{}\"",
        focus.author.display_name,
        summary.chars().take(60).collect::<String>()
    );
    let mut layout = layout(state, session, &title, "").await?;
    layout.meta.canonical_url = focus.url.clone();
    layout.meta.activity_json_url = thread.focus.status.uri.clone();
    layout.meta.description = if focus.spoiler_text.is_empty() {
        summary
    } else {
        focus.spoiler_text.clone()
    };
    layout.meta.og_type = "article";
    let reply = session.viewer.as_ref().map(|v| {
        // A reply keeps the parent's audience, or the replier's narrower default.
        let vis = thread
            .focus
            .status
            .visibility()
            .narrower(v.user.default_visibility());
        composer(
            &focus.path,
            Some(&focus.id),
            &focus.reply_prefill,
            vis.as_str(),
        )
    });
    let page = ThreadPage {
        layout,
        ancestors: thread
            .ancestors
            .iter()
            .map(|d| views::status(d, viewer, &state.urls))
            .collect(),
        descendants: thread
            .descendants
            .iter()
            .map(|(d, depth)| (views::status(d, viewer, &state.urls), *depth))
            .collect(),
        focus,
        reply,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub struct ComposeQuery {
    in_reply_to: Option<String>,
}

pub async fn compose_page(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(q): Query<ComposeQuery>,
) -> PageResult<Response> {
    let viewer = &signed.viewer().account;
    let default_visibility = signed.viewer().user.default_visibility();
    let parent = match q.in_reply_to.as_deref() {
        Some(raw) => {
            let id = parse_id(raw)?;
            let found = timelines::details(&state, &[id], Some(viewer.id)).await?;
            let visible = db::statuses::find_visible(&state.db, id, Some(viewer.id))
                .await?
                .is_some();
            Some(
                found
                    .into_iter()
                    .next()
                    .filter(|_| visible)
                    .ok_or_else(AppError::not_found)?,
            )
        }
        None => None,
    };
    let reply_to = parent
        .as_ref()
        .map(|p| views::status(p.shown(), Some(viewer), &state.urls));
    let composer = match (&parent, &reply_to) {
        (Some(p), Some(r)) => composer(
            &r.path,
            Some(&r.id),
            &r.reply_prefill,
            p.shown()
                .status
                .visibility()
                .narrower(default_visibility)
                .as_str(),
        ),
        _ => composer("/home", None, "", default_visibility.as_str()),
    };
    let page = ComposePage {
        layout: layout(
            &state,
            &signed.session,
            if reply_to.is_some() {
                "Reply"
            } else {
                "New post"
            },
            "compose",
        )
        .await?,
        reply_to,
        composer,
        editing: false,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub struct PostForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    spoiler_text: String,
    visibility: Option<String>,
    in_reply_to_id: Option<String>,
    return_to: Option<String>,
}

pub async fn publish(
    State(state): State<AppState>,
    signed: SignedIn,
    WebForm(form): WebForm<PostForm>,
) -> PageResult<Response> {
    let viewer = &signed.viewer().account;
    let visibility = match form.visibility.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => Some(
            v.parse::<Visibility>()
                .map_err(|_| AppError::invalid("Visibility is not valid"))?,
        ),
        // A form without a choice posts with the poster's default audience.
        None => Some(signed.viewer().user.default_visibility()),
    };
    let in_reply_to = match form.in_reply_to_id.as_deref().filter(|v| !v.is_empty()) {
        Some(raw) => Some(parse_id(raw)?),
        None => None,
    };
    let post = NewPost {
        text: form.status.clone(),
        spoiler_text: form.spoiler_text.clone(),
        visibility,
        in_reply_to,
        ..NewPost::default()
    };
    let return_to = safe_return_path(form.return_to.as_deref(), "/home");
    match statuses::post(&state, viewer, &post).await {
        Ok(_) => Ok(see_other(&return_to)),
        Err(e) if e.kind == ErrorKind::Validation => {
            let reply_to = match in_reply_to {
                Some(id) => timelines::details(&state, &[id], Some(viewer.id))
                    .await?
                    .first()
                    .map(|d| views::status(d, Some(viewer), &state.urls)),
                None => None,
            };
            let mut composer = composer(
                &return_to,
                in_reply_to.map(|i| i.to_string()).as_deref(),
                &form.status,
                visibility.map_or("public", |v| v.as_str()),
            );
            composer.spoiler_text = form.spoiler_text;
            composer.error = Some(e.field("text").unwrap_or(e.message()).to_string());
            let page = ComposePage {
                layout: layout(&state, &signed.session, "New post", "compose").await?,
                reply_to,
                composer,
                editing: false,
            };
            Ok((e.kind.status(), Html(page.render()?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ActionForm {
    return_to: Option<String>,
}

#[derive(Clone, Copy)]
enum Action {
    Favourite,
    Unfavourite,
    Reblog,
    Unreblog,
}

async fn act(
    state: &AppState,
    signed: &SignedIn,
    headers: &HeaderMap,
    id: &str,
    form: ActionForm,
    action: Action,
) -> PageResult<Response> {
    let id = parse_id(id)?;
    let me = &signed.viewer().account;
    let (status_id, active) = match action {
        Action::Favourite => (favourites::favourite(state, me, id).await?.id, true),
        Action::Unfavourite => (favourites::unfavourite(state, me, id).await?.id, false),
        Action::Reblog => {
            statuses::reblog(state, me, id).await?;
            (statuses::boost_target(state, me, id).await?.id, true)
        }
        Action::Unreblog => (statuses::unreblog(state, me, id).await?.id, false),
    };
    if wants_json(headers) {
        let s = db::statuses::find(&state.db, status_id)
            .await?
            .ok_or_else(AppError::not_found)?;
        let count = match action {
            Action::Favourite | Action::Unfavourite => s.favourites_count,
            Action::Reblog | Action::Unreblog => s.reblogs_count,
        };
        return Ok(Json(ActionResult {
            active,
            count: Some(count),
            requested: None,
        })
        .into_response());
    }
    Ok(see_other(&safe_return_path(
        form.return_to.as_deref(),
        "/home",
    )))
}

macro_rules! action_handler {
    ($name:ident, $action:expr) => {
        pub async fn $name(
            State(state): State<AppState>,
            signed: SignedIn,
            headers: HeaderMap,
            Path(id): Path<String>,
            WebForm(form): WebForm<ActionForm>,
        ) -> PageResult<Response> {
            act(&state, &signed, &headers, &id, form, $action).await
        }
    };
}

action_handler!(favourite, Action::Favourite);
action_handler!(unfavourite, Action::Unfavourite);
action_handler!(reblog, Action::Reblog);
action_handler!(unreblog, Action::Unreblog);

pub async fn delete_page(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let id = parse_id(&id)?;
    let me = &signed.viewer().account;
    let detail = timelines::details(&state, &[id], Some(me.id))
        .await?
        .into_iter()
        .next();
    let detail = detail
        .filter(|d| d.status.account_id == me.id && d.status.reblog_of_id.is_none())
        .ok_or_else(AppError::not_found)?;
    let page = DeleteStatusPage {
        layout: layout(&state, &signed.session, "Delete post", "").await?,
        status: views::status(&detail, Some(me), &state.urls),
    };
    Ok(Html(page.render()?).into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    WebForm(form): WebForm<ActionForm>,
) -> PageResult<Response> {
    let id = parse_id(&id)?;
    let viewer = signed.viewer();
    let deleted = statuses::delete(&state, &viewer.account, false, id).await?;
    let profile = format!("/@{}", viewer.account.username);
    let own_page = format!("{profile}/{}", deleted.id);
    let back = safe_return_path(form.return_to.as_deref(), &profile);
    Ok(see_other(
        if back.starts_with(&own_page) || back.starts_with(&format!("/statuses/{}", deleted.id)) {
            &profile
        } else {
            &back
        },
    ))
}

/// The own status `id` as its author typed it, for editing.
async fn own_for_edit(
    state: &AppState,
    me: &Account,
    id: StatusId,
) -> PageResult<db::statuses::Status> {
    Ok(db::statuses::find(&state.db, id)
        .await?
        .filter(|s| s.account_id == me.id && s.reblog_of_id.is_none() && s.local)
        .ok_or_else(AppError::not_found)?)
}

fn edit_composer(
    status_id: StatusId,
    path: &str,
    text: &str,
    spoiler: &str,
    visibility: &str,
) -> Composer {
    let mut c = composer(path, None, text, visibility);
    c.spoiler_text = spoiler.to_string();
    c.edit_id = status_id.to_string();
    c
}

/// `/statuses/<id>/edit`: the composer, filled with the post as it was written.
pub async fn edit_page(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let me = &signed.viewer().account;
    let status = own_for_edit(&state, me, parse_id(&id)?).await?;
    let path = format!("/@{}/{}", me.username, status.id);
    let page = ComposePage {
        layout: layout(&state, &signed.session, "Edit post", "compose").await?,
        reply_to: None,
        composer: edit_composer(
            status.id,
            &path,
            &status.text,
            &status.spoiler_text,
            status.visibility().as_str(),
        ),
        editing: true,
    };
    Ok(Html(page.render()?).into_response())
}

/// Saves an edit; back to the post, or the form again with the error.
pub async fn edit(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    WebForm(form): WebForm<PostForm>,
) -> PageResult<Response> {
    let me = &signed.viewer().account;
    let status = own_for_edit(&state, me, parse_id(&id)?).await?;
    let path = format!("/@{}/{}", me.username, status.id);
    let change = NewPost {
        text: form.status.clone(),
        spoiler_text: form.spoiler_text.clone(),
        ..NewPost::default()
    };
    match statuses::edit(&state, me, status.id, &change).await {
        Ok(_) => Ok(see_other(&path)),
        Err(e) if e.kind == ErrorKind::Validation => {
            let mut composer = edit_composer(
                status.id,
                &path,
                &form.status,
                &form.spoiler_text,
                status.visibility().as_str(),
            );
            composer.error = Some(e.field("text").unwrap_or(e.message()).to_string());
            let page = ComposePage {
                layout: layout(&state, &signed.session, "Edit post", "compose").await?,
                reply_to: None,
                composer,
                editing: true,
            };
            Ok((e.kind.status(), Html(page.render()?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
