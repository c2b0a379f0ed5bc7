//! Sign-up, log-in and -out, e-mail confirmation and password reset pages.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use crate::error::{ErrorKind, PageResult};
use crate::ratelimit::{self, ClientIp};
use crate::service::registration::{self, SignUp};
use crate::service::sessions::{self, LoginError};
use crate::state::AppState;
use crate::web::context::{
    WebSession, layout, removal_cookie, safe_return_path, see_other, session_cookie,
};
use crate::web::forms::{WebForm, checked};
use crate::web::pages::*;

pub async fn sign_up_page(
    State(state): State<AppState>,
    session: WebSession,
) -> PageResult<Response> {
    if session.viewer.is_some() {
        return Ok(see_other("/home"));
    }
    let page = SignUpPage {
        layout: layout(&state, &session, "Create account", "").await?,
        display_name: String::new(),
        username: String::new(),
        email: String::new(),
        agreement: false,
        errors: FormErrors::default(),
        registrations_open: state.config.registrations.open,
        username_max: registration::USERNAME_MAX,
        password_min: registration::PASSWORD_MIN,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
    agreement: Option<String>,
}

pub async fn sign_up(
    State(state): State<AppState>,
    session: WebSession,
    headers: HeaderMap,
    ip: ClientIp,
    WebForm(form): WebForm<SignUpForm>,
) -> PageResult<Response> {
    ratelimit::sign_up_attempt(&state, ip).await?;
    let locale = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split([',', ';', '-']).next())
        .filter(|l| l.len() == 2 && l.chars().all(|c| c.is_ascii_alphabetic()))
        .map(str::to_ascii_lowercase);
    let input = SignUp {
        display_name: form.display_name.clone(),
        username: form.username.clone(),
        email: form.email.clone(),
        password: form.password,
        password_confirmation: form.password_confirmation,
        agreement: checked(&form.agreement),
        locale,
    };
    match registration::sign_up(&state, &input).await {
        Ok(_) => {
            let page = MessagePage {
                layout: layout(&state, &session, "Check your inbox", "").await?,
                heading: "Check your inbox".into(),
                message: format!(
                    "We sent a confirmation link to {}. Open it to activate your account, then log in.",
                    input.email.trim()
                ),
                link: Some((
                    "/auth/confirmation/new".into(),
                    "Didn't get the e-mail? Send it again".into(),
                )),
            };
            Ok(Html(page.render()?).into_response())
        }
        Err(e) if e.kind == ErrorKind::Validation => {
            let page = SignUpPage {
                layout: layout(&state, &session, "Create account", "").await?,
                display_name: form.display_name,
                username: form.username,
                email: form.email,
                agreement: input.agreement,
                errors: FormErrors::from_app(&e),
                registrations_open: state.config.registrations.open,
                username_max: registration::USERNAME_MAX,
                password_min: registration::PASSWORD_MIN,
            };
            Ok((e.kind.status(), Html(page.render()?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ReturnTo {
    return_to: Option<String>,
}

pub async fn sign_in_page(
    State(state): State<AppState>,
    session: WebSession,
    Query(q): Query<ReturnTo>,
) -> PageResult<Response> {
    let return_to = safe_return_path(q.return_to.as_deref(), "/home");
    if session.viewer.is_some() {
        return Ok(see_other(&return_to));
    }
    let page = SignInPage {
        layout: layout(&state, &session, "Log in", "").await?,
        login: String::new(),
        error: None,
        unconfirmed_email: None,
        return_to,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    return_to: Option<String>,
}

pub async fn sign_in(
    State(state): State<AppState>,
    session: WebSession,
    jar: CookieJar,
    headers: HeaderMap,
    ip: ClientIp,
    WebForm(form): WebForm<SignInForm>,
) -> PageResult<Response> {
    ratelimit::login_attempt(&state, ip, &form.login).await?;
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let return_to = safe_return_path(form.return_to.as_deref(), "/home");
    let (error, unconfirmed_email) =
        match sessions::log_in(&state, &form.login, &form.password, agent).await {
            Ok(new) => {
                // A new session replaces any old one in this browser.
                if let Some(old) = &session.viewer {
                    sessions::log_out(&state, old).await?;
                }
                let jar = jar.add(session_cookie(&state, new.cookie_token));
                return Ok((jar, see_other(&return_to)).into_response());
            }
            Err(LoginError::Invalid) => (sessions::BAD_LOGIN.to_string(), None),
            Err(LoginError::Unconfirmed { email }) => {
                (sessions::UNCONFIRMED.to_string(), Some(email))
            }
            Err(LoginError::Disabled) => ("Your account has been disabled.".to_string(), None),
            Err(LoginError::Other(e)) => return Err(e.into()),
        };
    let page = SignInPage {
        layout: layout(&state, &session, "Log in", "").await?,
        login: form.login,
        error: Some(error),
        unconfirmed_email,
        return_to,
    };
    Ok((axum::http::StatusCode::UNAUTHORIZED, Html(page.render()?)).into_response())
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn sign_out(
    State(state): State<AppState>,
    session: WebSession,
    jar: CookieJar,
    WebForm(_): WebForm<Empty>,
) -> PageResult<Response> {
    if let Some(v) = &session.viewer {
        sessions::log_out(&state, v).await?;
    }
    Ok((jar.add(removal_cookie(&state)), see_other("/")).into_response())
}

#[derive(Deserialize)]
pub struct ConfirmQuery {
    confirmation_token: Option<String>,
}

pub async fn confirm(
    State(state): State<AppState>,
    session: WebSession,
    Query(q): Query<ConfirmQuery>,
) -> PageResult<Response> {
    let token = q.confirmation_token.unwrap_or_default();
    match registration::confirm(&state, &token).await {
        Ok(_) => {
            let page = MessagePage {
                layout: layout(&state, &session, "Account confirmed", "").await?,
                heading: "Your account is confirmed".into(),
                message: "Welcome! You can log in now.".into(),
                link: Some(("/auth/sign_in".into(), "Log in".into())),
            };
            Ok(Html(page.render()?).into_response())
        }
        Err(e) if e.kind == ErrorKind::Validation => {
            let page = ConfirmationNewPage {
                layout: layout(&state, &session, "Confirmation link", "").await?,
                email: String::new(),
                error: Some(e.message().to_string()),
            };
            Ok((e.kind.status(), Html(page.render()?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn confirmation_new(
    State(state): State<AppState>,
    session: WebSession,
) -> PageResult<Response> {
    let page = ConfirmationNewPage {
        layout: layout(&state, &session, "Resend confirmation", "").await?,
        email: String::new(),
        error: None,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

pub async fn confirmation_resend(
    State(state): State<AppState>,
    session: WebSession,
    ip: ClientIp,
    WebForm(form): WebForm<EmailForm>,
) -> PageResult<Response> {
    ratelimit::confirmation_request(&state, ip, &form.email).await?;
    registration::resend_confirmation(&state, &form.email).await?;
    let page = MessagePage {
        layout: layout(&state, &session, "Check your inbox", "").await?,
        heading: "Check your inbox".into(),
        message: "If this address belongs to an account that still needs confirming, a new link is on its way.".into(),
        link: Some(("/auth/sign_in".into(), "Back to log in".into())),
    };
    Ok(Html(page.render()?).into_response())
}

pub async fn password_new(
    State(state): State<AppState>,
    session: WebSession,
) -> PageResult<Response> {
    let page = PasswordNewPage {
        layout: layout(&state, &session, "Forgot password", "").await?,
        email: String::new(),
    };
    Ok(Html(page.render()?).into_response())
}

pub async fn password_request(
    State(state): State<AppState>,
    session: WebSession,
    ip: ClientIp,
    WebForm(form): WebForm<EmailForm>,
) -> PageResult<Response> {
    ratelimit::password_reset_request(&state, ip, &form.email).await?;
    registration::request_password_reset(&state, &form.email).await?;
    let page = MessagePage {
        layout: layout(&state, &session, "Check your inbox", "").await?,
        heading: "Check your inbox".into(),
        message: format!(
            "If this address belongs to an account, we sent it a link to choose a new password. The link works for {} minutes.",
            state.config.registrations.reset_link_minutes
        ),
        link: Some(("/auth/sign_in".into(), "Back to log in".into())),
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub struct ResetQuery {
    reset_password_token: Option<String>,
}

pub async fn password_edit(
    State(state): State<AppState>,
    session: WebSession,
    Query(q): Query<ResetQuery>,
) -> PageResult<Response> {
    let token = q.reset_password_token.unwrap_or_default();
    if !registration::reset_token_valid(&state, &token).await? {
        return expired_reset(&state, &session).await;
    }
    let page = PasswordEditPage {
        layout: layout(&state, &session, "Choose a new password", "").await?,
        token,
        errors: FormErrors::default(),
        password_min: registration::PASSWORD_MIN,
    };
    Ok(Html(page.render()?).into_response())
}

async fn expired_reset(state: &AppState, session: &WebSession) -> PageResult<Response> {
    let page = MessagePage {
        layout: layout(state, session, "Link expired", "").await?,
        heading: "This link is invalid or has expired".into(),
        message: "Password-reset links work once and only for a while. Ask for a new one.".into(),
        link: Some(("/auth/password/new".into(), "Send me a new link".into())),
    };
    Ok((
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        Html(page.render()?),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    reset_password_token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
}

pub async fn password_update(
    State(state): State<AppState>,
    session: WebSession,
    WebForm(form): WebForm<ResetForm>,
) -> PageResult<Response> {
    if !registration::reset_token_valid(&state, &form.reset_password_token).await? {
        return expired_reset(&state, &session).await;
    }
    match registration::reset_password(
        &state,
        &form.reset_password_token,
        &form.password,
        &form.password_confirmation,
    )
    .await
    {
        Ok(_) => {
            let page = MessagePage {
                layout: layout(&state, &session, "Password changed", "").await?,
                heading: "Your password has been changed".into(),
                message: "You were logged out everywhere. Log in with your new password.".into(),
                link: Some(("/auth/sign_in".into(), "Log in".into())),
            };
            Ok(Html(page.render()?).into_response())
        }
        Err(e) if e.kind == ErrorKind::Validation => {
            let page = PasswordEditPage {
                layout: layout(&state, &session, "Choose a new password", "").await?,
                token: form.reset_password_token,
                errors: FormErrors::from_app(&e),
                password_min: registration::PASSWORD_MIN,
            };
            Ok((e.kind.status(), Html(page.render()?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
