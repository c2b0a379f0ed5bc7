//! Who is calling the API: the bearer token (header, or `access_token` in the query as
//! Doorkeeper allows) and what it may do. Scope checks sit at the top of each handler.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::db::accounts::Account;
use crate::db::users::User;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::service::oauth::{self, Bearer};
use crate::state::AppState;

pub const OUTSIDE_SCOPES: &str = "This action is outside the authorized scopes";
pub const NEEDS_USER: &str = "This method requires an authenticated user";

fn presented_token(parts: &Parts) -> Option<String> {
    if let Some(v) = parts.headers.get(header::AUTHORIZATION) {
        let v = v.to_str().ok()?;
        let (scheme, token) = v.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_string());
    }
    url::form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.into_owned())
}

/// A request that must carry a valid token (401 otherwise).
pub struct Auth(pub Bearer);

/// A request that may carry a token (public timelines, instance, lookups); a token that
/// is present but invalid is still 401, as in Mastodon.
pub struct MaybeAuth(pub Option<Bearer>);

/// What the request's token turned out to be. The API's throttle middleware resolves it
/// once and leaves it in the request's extensions for the extractors below.
#[derive(Clone)]
pub enum Presented {
    Nothing,
    Invalid,
    Valid(Box<Bearer>),
}

/// Reads and checks the request's token.
pub async fn resolve(parts: &Parts, state: &AppState) -> AppResult<Presented> {
    Ok(match presented_token(parts) {
        None => Presented::Nothing,
        Some(t) => match oauth::authenticate_bearer(state, &t).await? {
            Some(b) => Presented::Valid(Box::new(b)),
            None => Presented::Invalid,
        },
    })
}

async fn bearer(parts: &mut Parts, state: &AppState) -> AppResult<Option<Bearer>> {
    let presented = match parts.extensions.remove::<Presented>() {
        Some(p) => p,
        None => resolve(parts, state).await?,
    };
    match presented {
        Presented::Nothing => Ok(None),
        Presented::Valid(b) => Ok(Some(*b)),
        Presented::Invalid => Err(AppError::of(ErrorKind::Unauthorized)),
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        bearer(parts, state)
            .await?
            .map(Auth)
            .ok_or_else(|| AppError::of(ErrorKind::Unauthorized))
    }
}

impl FromRequestParts<AppState> for MaybeAuth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        Ok(MaybeAuth(bearer(parts, state).await?))
    }
}

/// A caller of an endpoint that needs no token (instance information, app registration).
/// A token that is unknown is ignored there, as in Mastodon; one whose person may not
/// act (suspended, disabled …) is still refused with 403, as Mastodon's
/// `require_not_suspended!` does on every API call (S32).
pub struct AnyCaller;

impl FromRequestParts<AppState> for AnyCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        // Under /api the throttle middleware has checked the token already (and refused
        // a suspended person's); elsewhere check it here.
        if parts.extensions.get::<Presented>().is_none()
            && let Some(t) = presented_token(parts)
        {
            oauth::authenticate_bearer(state, &t).await?;
        }
        Ok(AnyCaller)
    }
}

fn check_scope(b: &Bearer, scope: &str) -> AppResult<()> {
    if b.scopes.allows(scope) {
        Ok(())
    } else {
        Err(AppError::new(ErrorKind::Forbidden, OUTSIDE_SCOPES))
    }
}

impl Auth {
    /// The token holds `scope` (or a parent of it); 403 otherwise.
    pub fn scope(&self, scope: &str) -> AppResult<&Bearer> {
        check_scope(&self.0, scope)?;
        Ok(&self.0)
    }

    /// The user the token acts for, once it holds `scope`; an app's own token gets 422
    /// as in Mastodon.
    pub fn user(&self, scope: &str) -> AppResult<(&User, &Account)> {
        check_scope(&self.0, scope)?;
        match &self.0.user {
            Some((u, a)) => Ok((u, a)),
            None => Err(AppError::invalid(NEEDS_USER)),
        }
    }
}

impl MaybeAuth {
    /// The viewing account if a user token with `scope` came; anonymous otherwise. A user
    /// token lacking the scope is 403, so apps learn of the mistake.
    pub fn viewer(&self, scope: &str) -> AppResult<Option<&Account>> {
        match &self.0 {
            None => Ok(None),
            Some(b) => {
                check_scope(b, scope)?;
                Ok(b.user.as_ref().map(|(_, a)| a))
            }
        }
    }
}
