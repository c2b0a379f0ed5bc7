//! Mail about one's account (confirmation and password-reset links), composed and sent
//! by the worker. Each job re-reads the user and makes a fresh token, so no secret ever
//! sits in the job table, and a user who is gone or already confirmed gets nothing.

use crate::db;
use crate::error::AppResult;
use crate::id::UserId;
use crate::mail::Mail;
use crate::service::{instance, secrets};
use crate::state::AppState;
use crate::text::escape_html;

/// Mails a fresh confirmation link, unless the user is gone or already confirmed.
pub async fn mail_confirmation(state: &AppState, user_id: UserId) -> AppResult<()> {
    let Some(user) = db::users::find(&state.db, user_id).await? else {
        return Ok(());
    };
    if user.is_confirmed() {
        return Ok(());
    }
    let token = secrets::random_token(32);
    db::users::set_confirmation_token(&state.db, user.id, &secrets::token_hash(&token)).await?;
    let link = state.urls.confirmation_url(&token);
    let title = instance::site_title(state).await?;
    let hours = state.config.registrations.confirmation_link_hours;
    let text = format!(
        "Welcome to {title}!\n\nTo activate your account, confirm your e-mail address by opening this link:\n\n{link}\n\n\
         The link is valid for {hours} hours. If you did not sign up, ignore this message.\n"
    );
    let html = format!(
        "<p>Welcome to {t}!</p><p>To activate your account, confirm your e-mail address:</p>\
         <p><a href=\"{l}\">Confirm my e-mail address</a></p><p>Or open this link: {l}</p>\
         <p>If you did not sign up, ignore this message.</p>",
        t = escape_html(&title),
        l = escape_html(&link)
    );
    let subject = format!("{title}: confirm your e-mail address");
    state
        .mailer
        .send(Mail {
            to: user.email,
            subject,
            text,
            html,
        })
        .await
}

/// Mails a fresh password-reset link, unless the user is gone.
pub async fn mail_password_reset(state: &AppState, user_id: UserId) -> AppResult<()> {
    let Some(user) = db::users::find(&state.db, user_id).await? else {
        return Ok(());
    };
    let token = secrets::random_token(32);
    db::users::set_reset_token(&state.db, user.id, &secrets::token_hash(&token)).await?;
    let link = state.urls.password_reset_url(&token);
    let title = instance::site_title(state).await?;
    let minutes = state.config.registrations.reset_link_minutes;
    let text = format!(
        "Someone asked to reset the password of your account on {title}.\n\nTo choose a new password, open this link \
         within {minutes} minutes:\n\n{link}\n\nIf it was not you, ignore this message; your password stays as it is.\n"
    );
    let html = format!(
        "<p>Someone asked to reset the password of your account on {t}.</p>\
         <p><a href=\"{l}\">Choose a new password</a> (valid for {minutes} minutes)</p><p>Or open this link: {l}</p>\
         <p>If it was not you, ignore this message.</p>",
        t = escape_html(&title),
        l = escape_html(&link)
    );
    let subject = format!("{title}: reset your password");
    state
        .mailer
        .send(Mail {
            to: user.email,
            subject,
            text,
            html,
        })
        .await
}
