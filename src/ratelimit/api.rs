//! The client API's throttles, as one middleware on `/api`: it reads the bearer token
//! once (handing the result on to the `Auth` extractors), counts the request against the
//! token, its user or the client address, against paging and deletion budgets, answers
//! 429 once one is spent, and sends the tightest budget's `X-RateLimit-*` headers.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{
    API_DELETE, AUTHENTICATED_API, AUTHENTICATED_PAGING, ClientIp, PER_TOKEN_API, Standing,
    Throttle, UNAUTHENTICATED_API, UNAUTHENTICATED_PAGING,
};
use crate::mastodon::auth::{self, Presented};
use crate::state::AppState;

pub async fn throttle(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let presented = match auth::resolve(&parts, &state).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let checks = if state.limits.enabled() {
        budgets(&parts, &state, &presented)
    } else {
        Vec::new()
    };
    parts.extensions.insert(presented);
    let mut tightest: Option<Standing> = None;
    for (throttle, key) in checks {
        let standing = match super::hit(&state, throttle, &key).await {
            Ok(Some(s)) => s,
            Ok(None) => continue,
            Err(e) => return e.into_response(),
        };
        if standing.exceeded() {
            return standing.error(super::now()).into_response();
        }
        if tightest.is_none_or(|t| standing.remaining() < t.remaining()) {
            tightest = Some(standing);
        }
    }
    let mut res = next.run(Request::from_parts(parts, body)).await;
    // As Mastodon: API answers are the caller's own unless a handler says otherwise.
    if !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    if let Some(t) = tightest {
        for (name, value) in t.headers() {
            res.headers_mut().insert(name, value);
        }
    }
    res
}

/// The throttles this request counts against, with its key in each.
fn budgets(
    parts: &axum::http::request::Parts,
    state: &AppState,
    presented: &Presented,
) -> Vec<(&'static Throttle, String)> {
    let bearer = match presented {
        Presented::Valid(b) => Some(b),
        _ => None,
    };
    let user = bearer
        .and_then(|b| b.user.as_ref())
        .map(|(u, _)| u.id.to_string());
    let ip = || ClientIp::of(parts, state).key();
    let mut out = Vec::with_capacity(4);
    match &user {
        Some(u) => out.push((&AUTHENTICATED_API, u.clone())),
        None => out.push((&UNAUTHENTICATED_API, ip())),
    }
    if let Some(b) = bearer {
        out.push((&PER_TOKEN_API, b.token.id.to_string()));
    }
    if is_paging(parts.uri.query()) {
        match &user {
            Some(u) => out.push((&AUTHENTICATED_PAGING, u.clone())),
            None => out.push((&UNAUTHENTICATED_PAGING, ip())),
        }
    }
    if let Some(u) = &user
        && is_deletion(&parts.method, parts.uri.path())
    {
        out.push((&API_DELETE, u.clone()));
    }
    out
}

/// A request for a further page (`max_id`, `min_id`, `since_id` or `page`).
fn is_paging(query: Option<&str>) -> bool {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .any(|(k, v)| matches!(&*k, "max_id" | "min_id" | "since_id" | "page") && !v.is_empty())
}

/// Deleting a status (`DELETE /api/v1/statuses/:id`) or a boost (`POST …/unreblog`).
fn is_deletion(method: &Method, path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/api/v1/statuses/") else {
        return false;
    };
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match rest.split_once('/') {
        None => *method == Method::DELETE && numeric(rest),
        Some((id, "unreblog")) => *method == Method::POST && numeric(id),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_and_deletion_are_recognised() {
        assert!(is_paging(Some("limit=5&max_id=12")));
        assert!(is_paging(Some("page=2")));
        assert!(!is_paging(Some("limit=5&max_id=")));
        assert!(!is_paging(None));
        assert!(is_deletion(&Method::DELETE, "/api/v1/statuses/123"));
        assert!(is_deletion(&Method::POST, "/api/v1/statuses/123/unreblog"));
        assert!(!is_deletion(&Method::GET, "/api/v1/statuses/123"));
        assert!(!is_deletion(&Method::POST, "/api/v1/statuses/123/reblog"));
        assert!(!is_deletion(&Method::DELETE, "/api/v1/statuses/abc"));
    }
}
