//! One error type for the whole server. `AppError` renders as Mastodon's
//! `{"error": "…"}` JSON; wrapped in `PageError` it renders as an HTML page in the site
//! layout (see `web::error_pages`). The message a client sees is always a safe one; the
//! source goes to the log only.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Validation,
    TooManyRequests,
    Unavailable,
    Internal,
}

impl ErrorKind {
    pub fn status(self) -> StatusCode {
        match self {
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Validation => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Mastodon's wording for each kind, used when no more specific message is given.
    pub fn default_message(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "Bad request",
            ErrorKind::Unauthorized => "The access token is invalid",
            ErrorKind::Forbidden => "This action is not allowed",
            ErrorKind::NotFound => "Record not found",
            ErrorKind::Validation => "Validation failed",
            ErrorKind::TooManyRequests => "Too many requests",
            ErrorKind::Unavailable => "Remote data could not be fetched",
            ErrorKind::Internal => "Internal server error",
        }
    }
}

/// Per-field validation messages, for forms that show errors next to each field.
pub type FieldErrors = Vec<(&'static str, String)>;

pub struct AppError {
    pub kind: ErrorKind,
    message: String,
    pub fields: FieldErrors,
    /// An RFC 6749 error code (`invalid_grant`, …): the body becomes
    /// `{"error": code, "error_description": message}`, as OAuth clients expect.
    pub oauth_code: Option<&'static str>,
    /// Headers the response carries besides the body (`Retry-After`, rate limits).
    pub headers: Vec<(axum::http::HeaderName, axum::http::HeaderValue)>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        AppError {
            kind,
            message: message.into(),
            fields: Vec::new(),
            oauth_code: None,
            headers: Vec::new(),
            source: None,
        }
    }

    /// An OAuth error (RFC 6749 §5.2) with its code and a readable description.
    pub fn oauth(kind: ErrorKind, code: &'static str, description: impl Into<String>) -> Self {
        let mut e = Self::new(kind, description);
        e.oauth_code = Some(code);
        e
    }

    /// The same error, its response carrying `headers` too.
    pub fn with_headers(
        mut self,
        headers: Vec<(axum::http::HeaderName, axum::http::HeaderValue)>,
    ) -> Self {
        self.headers.extend(headers);
        self
    }

    pub fn of(kind: ErrorKind) -> Self {
        Self::new(kind, kind.default_message())
    }

    pub fn not_found() -> Self {
        Self::of(ErrorKind::NotFound)
    }

    pub fn forbidden() -> Self {
        Self::of(ErrorKind::Forbidden)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthorized, message)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, message)
    }

    /// A 422 carrying messages per field; the summary reads like Mastodon's
    /// "Validation failed: Username has already been taken".
    pub fn validation(fields: FieldErrors) -> Self {
        let summary = fields
            .iter()
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        AppError {
            kind: ErrorKind::Validation,
            message: format!("Validation failed: {summary}"),
            fields,
            oauth_code: None,
            headers: Vec::new(),
            source: None,
        }
    }

    /// A 422 with one message not tied to a form field.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Validation, message)
    }

    pub fn internal(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        let mut e = Self::of(ErrorKind::Internal);
        e.source = Some(source.into());
        e
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| *f == name)
            .map(|(_, m)| m.as_str())
    }

    fn log(&self) {
        if self.kind == ErrorKind::Internal {
            match &self.source {
                Some(src) => tracing::error!(error = %src, "internal error"),
                None => tracing::error!(message = %self.message, "internal error"),
            }
        }
    }
}

impl fmt::Debug for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AppError({:?}: {}", self.kind, self.message)?;
        if let Some(src) = &self.source {
            write!(f, "; {src}")?;
        }
        write!(f, ")")
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        if matches!(e, sqlx::Error::RowNotFound) {
            return AppError::not_found();
        }
        AppError::internal(e)
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::internal(e)
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_description: Option<&'a str>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let body = match self.oauth_code {
            Some(code) => ErrorBody {
                error: code,
                error_description: Some(&self.message),
            },
            None => ErrorBody {
                error: &self.message,
                error_description: None,
            },
        };
        let mut res = (self.kind.status(), Json(body)).into_response();
        for (name, value) in self.headers {
            res.headers_mut().insert(name, value);
        }
        res
    }
}

/// An error on a web page: rendered as an HTML page in the site layout by the
/// `web::error_pages` middleware, which finds this in the response extensions.
pub struct PageError(pub AppError);

pub type PageResult<T> = Result<T, PageError>;

/// What the error-page middleware needs to draw the page.
#[derive(Clone, Debug)]
pub struct ErrorPageInfo {
    pub status: StatusCode,
    pub message: String,
    /// The error's own headers (`Retry-After` …), kept on the rendered page.
    pub headers: Vec<(axum::http::HeaderName, axum::http::HeaderValue)>,
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError(e)
    }
}

impl From<sqlx::Error> for PageError {
    fn from(e: sqlx::Error) -> Self {
        PageError(e.into())
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let e = self.0;
        e.log();
        let status = e.kind.status();
        let message = match e.kind {
            ErrorKind::Internal => {
                "Something went wrong on our side. Please try again.".to_string()
            }
            _ => e.message,
        };
        let mut res = (status, message.clone()).into_response();
        for (name, value) in &e.headers {
            res.headers_mut().insert(name.clone(), value.clone());
        }
        res.extensions_mut().insert(ErrorPageInfo {
            status,
            message,
            headers: e.headers,
        });
        res
    }
}
