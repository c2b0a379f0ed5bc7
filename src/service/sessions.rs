//! Logging in and out of the web UI, and who a session cookie belongs to.

use crate::db;
use crate::db::accounts::Account;
use crate::db::users::User;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::id::UserId;
use crate::service::{registration, secrets};
use crate::state::AppState;

/// The one message for an unknown login and a wrong password, so neither is revealed.
pub const BAD_LOGIN: &str = "Invalid e-mail address or password.";
pub const UNCONFIRMED: &str = "You have to confirm your e-mail address before continuing.";

/// A signed-in person: their credentials, their account, and the session's CSRF token.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: User,
    pub account: Account,
    pub csrf_token: String,
    pub token_hash: Vec<u8>,
}

/// A new session: the cookie value to hand to the browser.
pub struct NewSession {
    pub cookie_token: String,
    pub user_id: UserId,
}

pub enum LoginError {
    /// Unknown login or wrong password.
    Invalid,
    /// Right password, address not confirmed yet.
    Unconfirmed {
        email: String,
    },
    Disabled,
    Other(AppError),
}

impl From<sqlx::Error> for LoginError {
    fn from(e: sqlx::Error) -> Self {
        LoginError::Other(e.into())
    }
}

/// Checks a login (e-mail or username) and password and opens a session.
pub async fn log_in(
    state: &AppState,
    login: &str,
    password: &str,
    user_agent: &str,
) -> Result<NewSession, LoginError> {
    let login = login.trim();
    let found =
        if login.is_empty() || login.len() > 320 || password.len() > registration::PASSWORD_MAX * 4
        {
            None
        } else {
            db::users::find_by_login(&state.db, login).await?
        };
    let Some(user) = found else {
        // Spend the same time as a real check so timing does not tell who exists.
        let _ = secrets::verify_password(
            password.to_string(),
            secrets::decoy_hash(&state.decoy_hash).await,
        )
        .await;
        return Err(LoginError::Invalid);
    };
    if !secrets::verify_password(password.to_string(), user.encrypted_password.clone()).await {
        return Err(LoginError::Invalid);
    }
    let account = db::accounts::find(&state.db, user.account_id)
        .await?
        .ok_or(LoginError::Invalid)?;
    if user.disabled || account.suspended_at.is_some() {
        return Err(LoginError::Disabled);
    }
    if !user.is_confirmed() {
        return Err(LoginError::Unconfirmed { email: user.email });
    }
    let session = open_session(state, user.id, user_agent)
        .await
        .map_err(LoginError::Other)?;
    db::users::touch_sign_in(&state.db, user.id).await?;
    Ok(session)
}

pub async fn open_session(
    state: &AppState,
    user: UserId,
    user_agent: &str,
) -> AppResult<NewSession> {
    let cookie_token = secrets::random_token(32);
    let csrf = secrets::random_token(32);
    let agent: String = user_agent.chars().take(500).collect();
    db::sessions::insert(
        &state.db,
        &secrets::token_hash(&cookie_token),
        user,
        &csrf,
        &agent,
    )
    .await?;
    Ok(NewSession {
        cookie_token,
        user_id: user,
    })
}

/// The person a session cookie belongs to, if the session still exists and the account
/// may still use it.
pub async fn viewer_for_cookie(state: &AppState, cookie_token: &str) -> AppResult<Option<Viewer>> {
    if cookie_token.len() > 100 {
        return Ok(None);
    }
    let hash = secrets::token_hash(cookie_token);
    let Some(session) = db::sessions::find(&state.db, &hash).await? else {
        return Ok(None);
    };
    let Some(user) = db::users::find(&state.db, session.user_id).await? else {
        return Ok(None);
    };
    let Some(account) = db::accounts::find(&state.db, user.account_id).await? else {
        return Ok(None);
    };
    if user.disabled || account.suspended_at.is_some() || !user.is_confirmed() {
        return Ok(None);
    }
    if session.last_seen_at < time::OffsetDateTime::now_utc() - time::Duration::minutes(1) {
        db::sessions::touch(&state.db, &hash).await?;
    }
    Ok(Some(Viewer {
        user,
        account,
        csrf_token: session.csrf_token,
        token_hash: hash,
    }))
}

pub async fn log_out(state: &AppState, viewer: &Viewer) -> AppResult<()> {
    db::sessions::delete(&state.db, &viewer.token_hash).await?;
    Ok(())
}

/// Changes the password after checking the current one; every other session ends.
pub async fn change_password(
    state: &AppState,
    viewer: &Viewer,
    current: &str,
    new: &str,
    confirmation: &str,
) -> AppResult<()> {
    let mut errors = FieldErrors::new();
    if !secrets::verify_password(current.to_string(), viewer.user.encrypted_password.clone()).await
    {
        errors.push(("current_password", "Current password is invalid".into()));
    }
    registration::check_password(new, Some(confirmation), &mut errors);
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let hash = secrets::hash_password(new.to_string()).await?;
    let mut tx = state.db.begin().await?;
    db::users::set_password(&mut *tx, viewer.user.id, &hash).await?;
    db::sessions::delete_all_for_user(&mut *tx, viewer.user.id, Some(&viewer.token_hash)).await?;
    tx.commit().await?;
    Ok(())
}
