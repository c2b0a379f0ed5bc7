//! `GET/POST /oauth/authorize`: the consent page. A visitor logs in first (our log-in
//! page, coming back here); `force_login` logs the current person out first. Problems
//! with the client or redirect URI show an error page; any other problem, and a "Deny",
//! go back to the app's redirect URI with `?error=…`.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::error::{PageError, PageResult};
use crate::oauth::scopes::Scopes;
use crate::service::oauth::{self, Authorization, AuthorizeError, AuthorizeParams, Granted};
use crate::service::sessions;
use crate::state::AppState;
use crate::web::context::{CSP_FORM_LEAVES_SITE, WebSession, layout, see_other, urlencode};
use crate::web::forms::WebForm;
use crate::web::pages::Layout;

#[derive(Template)]
#[template(path = "oauth/authorize.html")]
pub struct ConsentPage {
    pub layout: Layout,
    pub app_name: String,
    pub app_website: Option<String>,
    pub username: String,
    pub scope_lines: Vec<&'static str>,
    pub hidden: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "oauth/code.html")]
pub struct CodePage {
    pub layout: Layout,
    pub app_name: String,
    pub code: String,
}

/// A redirect to an app's URI (any scheme).
fn found(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(v) => (StatusCode::FOUND, [(header::LOCATION, v)]).into_response(),
        Err(_) => PageError(crate::error::AppError::invalid(
            "The redirect URI cannot be used.",
        ))
        .into_response(),
    }
}

fn refused(e: AuthorizeError) -> Response {
    match e {
        AuthorizeError::Page(e) => PageError(e).into_response(),
        AuthorizeError::Redirect { uri, .. } => found(&uri),
    }
}

/// Rails' reading of a boolean parameter: only these words mean yes (Mastodon.py sends
/// `force_login=False` on every request).
fn force_login(v: Option<&str>) -> bool {
    v.is_some_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "true" | "1" | "on" | "yes" | "t"
        )
    })
}

/// This request's authorize URL without `force_login`, to come back to after log-in.
fn come_back_to(p: &AuthorizeParams) -> String {
    let mut again = p.clone();
    again.force_login = None;
    let query = serde_urlencoded::to_string(&again).unwrap_or_default();
    format!("/oauth/authorize?{query}")
}

pub async fn authorize_page(
    State(state): State<AppState>,
    session: WebSession,
    Query(p): Query<AuthorizeParams>,
) -> PageResult<Response> {
    if force_login(p.force_login.as_deref())
        && let Some(v) = &session.viewer
    {
        sessions::log_out(&state, v).await?;
        let back = come_back_to(&p);
        let jar = axum_extra::extract::cookie::CookieJar::new()
            .add(crate::web::context::removal_cookie(&state));
        return Ok((
            jar,
            see_other(&format!("/auth/sign_in?return_to={}", urlencode(&back))),
        )
            .into_response());
    }
    let Some(viewer) = &session.viewer else {
        // Check the client before sending anyone to log in for it.
        if let Err(e) = oauth::check_authorization(&state, &p).await {
            return Ok(refused(e));
        }
        let back = come_back_to(&p);
        return Ok(see_other(&format!(
            "/auth/sign_in?return_to={}",
            urlencode(&back)
        )));
    };
    let a = match oauth::check_authorization(&state, &p).await {
        Ok(a) => a,
        Err(e) => return Ok(refused(e)),
    };
    let page = ConsentPage {
        layout: layout(&state, &session, "Authorise app", "").await?,
        app_name: a.app.name.clone(),
        app_website: a.app.website.clone(),
        username: viewer.account.username.clone(),
        scope_lines: scope_lines(&a.scopes),
        hidden: hidden_fields(&a, &p),
    };
    let mut res = Html(page.render()?).into_response();
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP_FORM_LEAVES_SITE),
    );
    Ok(res)
}

fn hidden_fields(a: &Authorization, p: &AuthorizeParams) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("response_type", "code".to_string()),
        ("client_id", a.app.client_id.clone()),
        ("redirect_uri", a.redirect_uri.clone()),
        ("scope", a.scopes.to_string()),
    ];
    if let Some(s) = &p.state {
        out.push(("state", s.clone()));
    }
    if let Some(c) = &a.code_challenge {
        out.push(("code_challenge", c.clone()));
        out.push(("code_challenge_method", "S256".into()));
    }
    out
}

#[derive(Deserialize)]
pub struct ConsentForm {
    #[serde(default)]
    decision: String,
    #[serde(flatten)]
    params: AuthorizeParams,
}

pub async fn authorize(
    State(state): State<AppState>,
    session: WebSession,
    WebForm(form): WebForm<ConsentForm>,
) -> PageResult<Response> {
    let viewer = session.require_viewer()?.clone();
    let a = match oauth::check_authorization(&state, &form.params).await {
        Ok(a) => a,
        Err(e) => return Ok(refused(e)),
    };
    if form.decision != "approve" {
        return Ok(found(&oauth::denied_redirect(&a)));
    }
    match oauth::grant_code(&state, &a, &viewer.user).await? {
        Granted::Redirect(uri) => Ok(found(&uri)),
        Granted::ShowCode(code) => {
            let page = CodePage {
                layout: layout(&state, &session, "Authorisation code", "").await?,
                app_name: a.app.name.clone(),
                code,
            };
            Ok(Html(page.render()?).into_response())
        }
    }
}

/// What each granted scope lets the app do, in words, most general first.
pub fn scope_lines(scopes: &Scopes) -> Vec<&'static str> {
    const LINES: &[(&str, &str)] = &[
        ("read", "read all your account's data"),
        ("write", "change all your account's data and post for you"),
        ("follow", "follow, block and mute accounts for you"),
        ("push", "receive push notifications"),
        ("profile", "read only your profile information"),
        ("read:accounts", "see accounts' information"),
        ("read:blocks", "see your blocks"),
        ("read:bookmarks", "see your bookmarks"),
        ("read:favourites", "see your favourites"),
        ("read:filters", "see your filters"),
        ("read:follows", "see your follows"),
        ("read:lists", "see your lists"),
        ("read:mutes", "see your mutes"),
        ("read:notifications", "see your notifications"),
        ("read:search", "search on your behalf"),
        ("read:statuses", "see all posts"),
        ("write:accounts", "change your profile"),
        ("write:blocks", "block accounts and domains"),
        ("write:bookmarks", "bookmark posts"),
        ("write:conversations", "mute and delete conversations"),
        ("write:favourites", "favourite posts"),
        ("write:filters", "create filters"),
        ("write:follows", "follow people"),
        ("write:lists", "create lists"),
        ("write:media", "upload media files"),
        ("write:mutes", "mute people and conversations"),
        ("write:notifications", "clear your notifications"),
        ("write:reports", "report other people"),
        ("write:statuses", "publish posts"),
        ("admin:read", "read all data on the server"),
        ("admin:write", "moderate all data on the server"),
    ];
    let mut out: Vec<&'static str> = scopes
        .iter()
        .filter_map(|s| {
            LINES
                .iter()
                .find(|(k, _)| *k == s.as_str())
                .map(|(_, l)| *l)
        })
        .collect();
    if out.is_empty() {
        out.push("use your account");
    }
    out
}
