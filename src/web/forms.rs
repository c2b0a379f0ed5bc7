//! Form posts from our pages: the body is parsed only after the CSRF token matches the
//! session's (or, before log-in, the visitor cookie's) and the request is not cross-site.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::error::{AppError, PageError};
use crate::service::secrets;
use crate::state::AppState;
use crate::web::context::WebSession;

/// Bodies of our forms are small; a bio or a post is far below this.
const FORM_LIMIT: usize = 256 * 1024;

pub const CSRF_FIELD: &str = "authenticity_token";

/// A form body of type `T` that passed the CSRF checks.
pub struct WebForm<T>(pub T);

fn csrf_failure() -> Response {
    PageError(AppError::new(
        crate::error::ErrorKind::Forbidden,
        "This form has expired or did not come from this site. Go back, reload the page and try again.",
    ))
    .into_response()
}

/// Refuses requests a browser marks as cross-site, or whose Origin is another site.
fn same_origin(headers: &HeaderMap, base: &str) -> bool {
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return false;
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => origin == base,
    }
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for WebForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let session = req.extensions().get::<WebSession>().cloned();
        if !same_origin(req.headers(), state.urls.base()) {
            return Err(csrf_failure());
        }
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(
                PageError(AppError::bad_request("Expected a form submission")).into_response(),
            );
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|_| {
            (StatusCode::PAYLOAD_TOO_LARGE, "The form is too large").into_response()
        })?;
        if bytes.len() > FORM_LIMIT {
            return Err(PageError(AppError::invalid("The form is too large")).into_response());
        }
        let sent = url::form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let expected = session.map(|s| s.csrf_token).unwrap_or_default();
        if expected.is_empty() || !secrets::secrets_match(&sent, &expected) {
            return Err(csrf_failure());
        }
        serde_urlencoded::from_bytes::<T>(&bytes)
            .map(WebForm)
            .map_err(|e| {
                PageError(AppError::bad_request(format!(
                    "The form could not be read: {e}"
                )))
                .into_response()
            })
    }
}

/// An unchecked HTML checkbox is absent; a checked one sends a value.
pub fn checked(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|s| !s.is_empty() && s != "0")
}
