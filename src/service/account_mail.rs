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
    let title = instance::site_title(state).await?;
    let hours = state.config.registrations.confirmation_link_hours;
    let mail = LinkMail {
        subject: format!("{title}: confirm your e-mail address"),
        before: vec![
            format!("Welcome to {title}!"),
            "To activate your account, confirm your e-mail address by opening this link:".into(),
        ],
        link: state.urls.confirmation_url(&token),
        label: "Confirm my e-mail address",
        after: vec![format!(
            "The link is valid for {hours} hours. If you did not sign up, ignore this message."
        )],
    };
    state.mailer.send(mail.into_mail(user.email)).await
}

/// Mails a fresh password-reset link, unless the user is gone.
pub async fn mail_password_reset(state: &AppState, user_id: UserId) -> AppResult<()> {
    let Some(user) = db::users::find(&state.db, user_id).await? else {
        return Ok(());
    };
    let token = secrets::random_token(32);
    db::users::set_reset_token(&state.db, user.id, &secrets::token_hash(&token)).await?;
    let title = instance::site_title(state).await?;
    let minutes = state.config.registrations.reset_link_minutes;
    let mail = LinkMail {
        subject: format!("{title}: reset your password"),
        before: vec![
            format!("Someone asked to reset the password of your account on {title}."),
            format!("To choose a new password, open this link within {minutes} minutes:"),
        ],
        link: state.urls.password_reset_url(&token),
        label: "Choose a new password",
        after: vec!["If it was not you, ignore this message; your password stays as it is.".into()],
    };
    state.mailer.send(mail.into_mail(user.email)).await
}

/// A short mail built around one link, as plain text and as (escaped) HTML.
struct LinkMail {
    subject: String,
    before: Vec<String>,
    link: String,
    label: &'static str,
    after: Vec<String>,
}

impl LinkMail {
    fn into_mail(self, to: String) -> Mail {
        let text = format!(
            "{}\n\n{}\n\n{}\n",
            self.before.join("\n\n"),
            self.link,
            self.after.join("\n\n")
        );
        let paragraphs = |ps: &[String]| {
            ps.iter()
                .map(|p| format!("<p>{}</p>", escape_html(p)))
                .collect::<String>()
        };
        let link = escape_html(&self.link);
        let html = format!(
            "{}<p><a href=\"{link}\">{}</a></p><p>Or open this link: {link}</p>{}",
            paragraphs(&self.before),
            self.label,
            paragraphs(&self.after)
        );
        Mail {
            to,
            subject: self.subject,
            text,
            html,
        }
    }
}
