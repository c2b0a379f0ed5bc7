//! Per-request web context: who is signed in (session cookie), the CSRF token for
//! forms, security headers, and error pages drawn in the site layout.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use crate::error::{AppError, AppResult, ErrorPageInfo};
use crate::service::instance;
use crate::service::notifications;
use crate::service::secrets;
use crate::service::sessions::{self, Viewer};
use crate::state::AppState;
use crate::web::pages::{Composer, ErrorPage, Layout, PageMeta, ViewerNav, rules_view};
use crate::web::views;
use askama::Template;

pub const SESSION_COOKIE: &str = "_starling_session";
/// Double-submit CSRF cookie for forms shown to visitors who are not signed in.
pub const CSRF_COOKIE: &str = "_starling_csrf";

/// The web session of this request, put into the request extensions by [`web_context`].
#[derive(Clone)]
pub struct WebSession {
    pub viewer: Option<Viewer>,
    /// The token forms must carry: the session's when signed in, else the visitor cookie's.
    pub csrf_token: String,
    /// Path and query of this request (where forms come back to).
    pub here: String,
}

impl WebSession {
    pub fn require_viewer(&self) -> AppResult<&Viewer> {
        self.viewer
            .as_ref()
            .ok_or_else(|| AppError::unauthorized("You need to log in first"))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for WebSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<WebSession>()
            .cloned()
            .ok_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
    }
}

/// A signed-in person; pages that need one send visitors to the log-in page.
pub struct SignedIn {
    pub session: WebSession,
    viewer: Viewer,
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Self::Rejection> {
        let session = WebSession::from_request_parts(parts, s).await?;
        match session.viewer.clone() {
            Some(viewer) => Ok(SignedIn { session, viewer }),
            None => Err(see_other(&format!(
                "/auth/sign_in?return_to={}",
                urlencode(&session.here)
            ))),
        }
    }
}

impl SignedIn {
    pub fn viewer(&self) -> &Viewer {
        &self.viewer
    }
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub fn see_other(location: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, location.to_string())],
    )
        .into_response()
}

/// A path on this site to go back to: only `/something`, never `//host`, `/\host` or
/// an absolute URL (S37).
pub fn safe_return_path(candidate: Option<&str>, fallback: &str) -> String {
    match candidate {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.starts_with("/\\")
                && !p.chars().any(|c| c.is_control() || c == '\\') =>
        {
            p.to_string()
        }
        _ => fallback.to_string(),
    }
}

pub fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.urls.is_https())
        .path("/")
        .build()
}

pub fn removal_cookie(state: &AppState) -> Cookie<'static> {
    let mut c = session_cookie(state, String::new());
    c.make_removal();
    c
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; \
    media-src 'self' https:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

/// Middleware for every web route: resolves the session, makes sure a CSRF token
/// exists, adds security headers, and turns `PageError`s into pages in the layout.
pub async fn web_context(
    State(state): State<AppState>,
    jar: CookieJar,
    mut req: Request,
    next: Next,
) -> Response {
    let viewer = match jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) {
        Some(token) if !token.is_empty() => sessions::viewer_for_cookie(&state, &token)
            .await
            .unwrap_or_else(|e| {
                tracing::error!(error = ?e, "session lookup failed");
                None
            }),
        _ => None,
    };
    let mut new_csrf_cookie = None;
    let csrf_token = match &viewer {
        Some(v) => v.csrf_token.clone(),
        None => match jar
            .get(CSRF_COOKIE)
            .map(|c| c.value().to_string())
            .filter(|t| t.len() == 43)
        {
            Some(t) => t,
            None => {
                let t = secrets::random_token(32);
                new_csrf_cookie = Some(t.clone());
                t
            }
        },
    };
    let stale_session_cookie = viewer.is_none() && jar.get(SESSION_COOKIE).is_some();
    let here = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let session = WebSession {
        viewer,
        csrf_token,
        here,
    };
    req.extensions_mut().insert(session.clone());
    let mut res = next.run(req).await;

    if let Some(info) = res.extensions().get::<ErrorPageInfo>().cloned() {
        res = render_error(&state, &session, &info).await;
        for (name, value) in info.headers {
            res.headers_mut().insert(name, value);
        }
    }
    let headers = res.headers_mut();
    add_security_headers(headers);
    if let Some(t) = new_csrf_cookie {
        let c = Cookie::build((CSRF_COOKIE, t))
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(state.urls.is_https())
            .path("/")
            .build();
        append_cookie(headers, &c);
    }
    if stale_session_cookie
        && !headers
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|v| v.as_bytes().starts_with(SESSION_COOKIE.as_bytes()))
    {
        append_cookie(headers, &removal_cookie(&state));
    }
    res
}

fn append_cookie(headers: &mut HeaderMap, c: &Cookie<'_>) {
    if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
        headers.append(header::SET_COOKIE, v);
    }
}

/// The policy of pages whose form sends the browser on to another site: the OAuth
/// consent page redirects to an app's own URI (`icecubesapp://…`), which `form-action
/// 'self'` would block, so it goes without that one directive.
pub const CSP_FORM_LEAVES_SITE: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; \
    media-src 'self' https:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
    frame-ancestors 'none'";

/// Security headers of every page; a page that set its own policy keeps it.
pub fn add_security_headers(headers: &mut HeaderMap) {
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}

async fn render_error(state: &AppState, session: &WebSession, info: &ErrorPageInfo) -> Response {
    let heading = match info.status {
        StatusCode::NOT_FOUND => "This page does not exist",
        StatusCode::FORBIDDEN => "You are not allowed to do that",
        StatusCode::UNAUTHORIZED => "You need to log in",
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => "That did not work",
        StatusCode::TOO_MANY_REQUESTS => "Slow down",
        _ => "Something went wrong",
    };
    let page = match layout(state, session, heading, "").await {
        Ok(mut layout) => {
            // Nothing of the request goes into an error page, so a hidden thing and a
            // missing thing answer byte for byte alike (S28).
            layout.here = "/".into();
            layout.composer.return_to = "/home".into();
            ErrorPage {
                layout,
                status: info.status.as_u16(),
                heading: heading.to_string(),
                message: info.message.clone(),
            }
            .render()
        }
        Err(e) => Err(askama::Error::Custom(Box::new(std::io::Error::other(
            e.to_string(),
        )))),
    };
    match page {
        Ok(html) => (info.status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "could not render the error page");
            (
                info.status,
                Html(format!(
                    "<!doctype html><title>{heading}</title><h1>{heading}</h1>"
                )),
            )
                .into_response()
        }
    }
}

/// The frame of a page: site identity, the signed-in person, counts and composer.
pub async fn layout(
    state: &AppState,
    session: &WebSession,
    page_title: &str,
    nav: &'static str,
) -> AppResult<Layout> {
    let info = instance::info(state).await?;
    let (viewer, unread_count, requests_count) = match &session.viewer {
        Some(v) => (
            Some(ViewerNav {
                account: views::account(&v.account, &state.urls),
                is_staff: v.user.role().is_staff(),
            }),
            notifications::unread_count(state, &v.user).await?,
            crate::db::follows::count_requests(&state.db, v.account.id).await?,
        ),
        None => (None, 0, 0),
    };
    Ok(Layout {
        site_title: info.title.clone(),
        site_short_description: info.short_description.clone(),
        domain: info.domain.clone(),
        rules: rules_view(&info),
        page_title: page_title.to_string(),
        viewer,
        csrf_token: session.csrf_token.clone(),
        unread_count,
        requests_count,
        nav,
        css_url: state.assets.url("starling.css"),
        js_url: state.assets.url("starling.js"),
        icons_url: state.assets.url("icons.svg"),
        composer: composer(
            &session.here,
            None,
            "",
            session
                .viewer
                .as_ref()
                .map_or("public", |v| v.user.default_visibility().as_str()),
        ),
        notice: None,
        meta: PageMeta {
            description: info.short_description,
            og_type: "website",
            ..PageMeta::default()
        },
        here: session.here.clone(),
    })
}

pub fn composer(
    return_to: &str,
    in_reply_to: Option<&str>,
    text: &str,
    visibility: &str,
) -> Composer {
    Composer {
        max_chars: crate::service::statuses::MAX_CHARS,
        url_length: crate::text::URL_LENGTH,
        text: text.to_string(),
        spoiler_text: String::new(),
        visibility: if visibility.is_empty() {
            "public".into()
        } else {
            visibility.to_string()
        },
        in_reply_to_id: in_reply_to.unwrap_or("").to_string(),
        error: None,
        return_to: return_to.to_string(),
        edit_id: String::new(),
    }
}

/// Whether the request came from our script wanting JSON instead of a redirect.
pub fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}
