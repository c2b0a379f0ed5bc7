//! Signing up, confirming an e-mail address, and resetting a forgotten password.

use crate::db;
use crate::db::users::Role;
use crate::delivery::{Job, enqueue};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::id::{AccountId, UserId};
use crate::service::secrets;
use crate::state::AppState;

pub const USERNAME_MAX: usize = 30;
pub const DISPLAY_NAME_MAX: usize = 30;
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;
pub const EMAIL_MAX: usize = 254;

/// Names nobody may register: they read as speaking for the server.
const RESERVED: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "support",
    "help",
    "moderator",
    "mod",
    "webmaster",
    "postmaster",
    "hostmaster",
    "abuse",
    "security",
    "staff",
    "system",
    "starling",
    "mastodon",
    "instance",
    "owner",
    "noreply",
    "no_reply",
    "info",
    "about",
    "api",
    "auth",
    "settings",
    "users",
    "tags",
    "inbox",
    "outbox",
    "actor",
    "null",
    "undefined",
];

/// A local username: 1–30 of `a-z`, `0-9` and `_` (any case, compared case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Username, String> {
        let s = raw.trim().trim_start_matches('@');
        if s.is_empty() {
            return Err("Username can't be blank".into());
        }
        if s.chars().count() > USERNAME_MAX {
            return Err(format!(
                "Username is too long (maximum is {USERNAME_MAX} characters)"
            ));
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err("Username must contain only letters, numbers and underscores".into());
        }
        if RESERVED.contains(&s.to_ascii_lowercase().as_str()) {
            return Err("Username is reserved".into());
        }
        Ok(Username(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A plain RFC 5321 mailbox `local@domain`: one `@`, a dot-atom local part, a domain of
/// LDH labels. Anything a mail server might read differently (quotes, comments, display
/// names, several addresses, `%` routing, control characters) is refused (S46).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<EmailAddress, String> {
        let invalid = || "E-mail address is invalid".to_string();
        let s = raw.trim();
        if s.is_empty() {
            return Err("E-mail address can't be blank".into());
        }
        if s.len() > EMAIL_MAX {
            return Err(invalid());
        }
        let (local, domain) = s.split_once('@').ok_or_else(invalid)?;
        if domain.contains('@') || local.is_empty() || local.len() > 64 {
            return Err(invalid());
        }
        let atext = |c: char| c.is_ascii_alphanumeric() || "!#$&'*+-/=?^_`{|}~".contains(c);
        if !local
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(atext))
        {
            return Err(invalid());
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return Err(invalid());
        }
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if !labels.iter().all(label_ok)
            || labels
                .last()
                .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(invalid());
        }
        Ok(EmailAddress(format!(
            "{local}@{}",
            domain.to_ascii_lowercase()
        )))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
    }
}

pub fn check_password(password: &str, confirmation: Option<&str>, errors: &mut FieldErrors) {
    let n = password.chars().count();
    if n < PASSWORD_MIN {
        errors.push((
            "password",
            format!("Password is too short (minimum is {PASSWORD_MIN} characters)"),
        ));
    } else if n > PASSWORD_MAX {
        errors.push((
            "password",
            format!("Password is too long (maximum is {PASSWORD_MAX} characters)"),
        ));
    }
    if let Some(c) = confirmation
        && c != password
    {
        errors.push((
            "password_confirmation",
            "Password confirmation doesn't match Password".into(),
        ));
    }
}

#[derive(Debug, Clone, Default)]
pub struct SignUp {
    pub display_name: String,
    pub username: String,
    pub email: String,
    pub password: String,
    pub password_confirmation: String,
    pub agreement: bool,
    pub locale: Option<String>,
}

/// Creates an unconfirmed account and mails its confirmation link. Every problem with
/// the form is reported at once, per field, and nothing is stored unless all is well.
pub async fn sign_up(state: &AppState, form: &SignUp) -> AppResult<UserId> {
    if !state.config.registrations.open {
        return Err(AppError::forbidden());
    }
    let mut errors = FieldErrors::new();
    let (username, email) = check_identity(state, &form.username, &form.email, &mut errors).await?;
    let display_name = form.display_name.trim();
    if display_name.chars().count() > DISPLAY_NAME_MAX {
        errors.push((
            "display_name",
            format!("Display name is too long (maximum is {DISPLAY_NAME_MAX} characters)"),
        ));
    }
    check_password(
        &form.password,
        Some(&form.password_confirmation),
        &mut errors,
    );
    if !form.agreement {
        errors.push((
            "agreement",
            "You must accept the server rules to sign up".into(),
        ));
    }
    let (Some(username), Some(email), true) = (username, email, errors.is_empty()) else {
        return Err(AppError::validation(errors));
    };
    let created = create_user(
        state,
        NewUserParams {
            username: &username,
            email: &email,
            password: &form.password,
            display_name,
            role: Role::User,
            confirmed: false,
            agreement: true,
            locale: form.locale.as_deref(),
        },
    )
    .await?;
    Ok(created.user_id)
}

/// Parses a new username and e-mail address and checks that neither is taken, adding a
/// message per field for each problem.
pub async fn check_identity(
    state: &AppState,
    username: &str,
    email: &str,
    errors: &mut FieldErrors,
) -> AppResult<(Option<Username>, Option<EmailAddress>)> {
    let username = Username::parse(username)
        .map_err(|e| errors.push(("username", e)))
        .ok();
    let email = EmailAddress::parse(email)
        .map_err(|e| errors.push(("email", e)))
        .ok();
    if let Some(u) = &username
        && db::accounts::local_username_unavailable(&state.db, u.as_str()).await?
    {
        errors.push(("username", "Username has already been taken".into()));
    }
    if let Some(e) = &email
        && db::users::email_taken(&state.db, e.as_str()).await?
    {
        errors.push(("email", "E-mail address has already been taken".into()));
    }
    Ok((username, email))
}

pub struct NewUserParams<'a> {
    pub username: &'a Username,
    pub email: &'a EmailAddress,
    pub password: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub confirmed: bool,
    pub agreement: bool,
    pub locale: Option<&'a str>,
}

pub struct CreatedUser {
    pub user_id: UserId,
    pub account_id: AccountId,
}

/// Inserts account and user in one transaction (used by sign-up and by the admin CLI).
pub async fn create_user(state: &AppState, p: NewUserParams<'_>) -> AppResult<CreatedUser> {
    let hash = secrets::hash_password(p.password.to_string()).await?;
    let keys = secrets::generate_key_pair().await?;
    let urls = &state.urls;
    let name = p.username.as_str();
    let (uri, url) = (urls.account_uri(name), urls.profile_url(name));
    let (inbox, outbox) = (urls.inbox_url(name), urls.outbox_url(name));
    let (followers, following) = (urls.followers_url(name), urls.following_url(name));
    let (featured, shared, key_id) = (
        urls.featured_url(name),
        urls.shared_inbox_url(),
        urls.key_id(name),
    );
    let mut tx = state.db.begin().await?;
    let account_id = db::accounts::insert_local(
        &mut *tx,
        &db::accounts::NewLocalAccount {
            username: name,
            display_name: p.display_name,
            uri: &uri,
            url: &url,
            inbox_url: &inbox,
            outbox_url: &outbox,
            shared_inbox_url: &shared,
            followers_url: &followers,
            following_url: &following,
            featured_url: &featured,
            public_key_pem: &keys.public_pem,
            private_key_pem: &keys.private_pem,
            public_key_id: &key_id,
        },
    )
    .await
    .map_err(|e| {
        taken_or(
            e,
            "accounts_username_domain_key",
            "username",
            "Username has already been taken",
        )
    })?;
    // The name stays taken for good, even if the account row should ever go (S32).
    db::accounts::reserve_username(&mut *tx, name)
        .await
        .map_err(|e| {
            taken_or(
                e,
                "reserved_usernames_pkey",
                "username",
                "Username has already been taken",
            )
        })?;
    let user_id = db::users::insert(
        &mut *tx,
        &db::users::NewUser {
            account_id,
            email: p.email.as_str(),
            encrypted_password: &hash,
            role: p.role,
            confirmed: p.confirmed,
            agreement: p.agreement,
            locale: p.locale,
        },
    )
    .await
    .map_err(|e| {
        taken_or(
            e,
            "users_email_key",
            "email",
            "E-mail address has already been taken",
        )
    })?;
    if !p.confirmed {
        // Mailed by the worker once this commits; no account, no mail.
        enqueue(&mut tx, &[Job::ConfirmationMail { user_id }]).await?;
    }
    tx.commit().await?;
    Ok(CreatedUser {
        user_id,
        account_id,
    })
}

/// Two sign-ups racing for one name: the loser gets the same message as a form check.
fn taken_or(e: sqlx::Error, constraint: &str, field: &'static str, message: &str) -> AppError {
    if db::is_unique_violation(&e, constraint) {
        AppError::validation(vec![(field, message.to_string())])
    } else {
        e.into()
    }
}

/// Activates the account whose link this is.
pub async fn confirm(state: &AppState, token: &str) -> AppResult<UserId> {
    let hours = state.config.registrations.confirmation_link_hours;
    db::users::confirm_by_token(&state.db, &secrets::token_hash(token), hours)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                "This confirmation link is invalid or has expired. Ask for a new one below.",
            )
        })
}

/// Queues a new confirmation mail if the address belongs to an unconfirmed user. Says
/// nothing either way, so the form reveals no addresses.
pub async fn resend_confirmation(state: &AppState, email: &str) -> AppResult<()> {
    let Ok(email) = EmailAddress::parse(email) else {
        return Ok(());
    };
    if let Some(user) = db::users::find_by_email(&state.db, email.as_str()).await?
        && !user.is_confirmed()
    {
        let mut conn = state.db.acquire().await?;
        enqueue(&mut conn, &[Job::ConfirmationMail { user_id: user.id }]).await?;
    }
    Ok(())
}

/// Queues a password-reset mail if the address is registered; says nothing either way.
pub async fn request_password_reset(state: &AppState, email: &str) -> AppResult<()> {
    let Ok(email) = EmailAddress::parse(email) else {
        return Ok(());
    };
    if let Some(user) = db::users::find_by_email(&state.db, email.as_str()).await? {
        let mut conn = state.db.acquire().await?;
        enqueue(&mut conn, &[Job::PasswordResetMail { user_id: user.id }]).await?;
    }
    Ok(())
}

/// Whether a reset link is still good (to show the form or an error page).
pub async fn reset_token_valid(state: &AppState, token: &str) -> AppResult<bool> {
    let minutes = state.config.registrations.reset_link_minutes;
    Ok(
        db::users::find_by_reset_token(&state.db, &secrets::token_hash(token), minutes)
            .await?
            .is_some(),
    )
}

/// Sets a new password through a reset link, ends every session, and confirms the
/// address (the link proved the person reads that mailbox).
pub async fn reset_password(
    state: &AppState,
    token: &str,
    password: &str,
    confirmation: &str,
) -> AppResult<UserId> {
    let minutes = state.config.registrations.reset_link_minutes;
    let user = db::users::find_by_reset_token(&state.db, &secrets::token_hash(token), minutes)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                "This password-reset link is invalid or has expired. Ask for a new one.",
            )
        })?;
    let mut errors = FieldErrors::new();
    check_password(password, Some(confirmation), &mut errors);
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let hash = secrets::hash_password(password.to_string()).await?;
    let mut tx = state.db.begin().await?;
    db::users::set_password(&mut *tx, user.id, &hash).await?;
    db::users::confirm(&mut *tx, user.id).await?;
    db::sessions::delete_all_for_user(&mut *tx, user.id, None).await?;
    tx.commit().await?;
    Ok(user.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(Username::parse("Alice_1").unwrap().as_str(), "Alice_1");
        assert_eq!(Username::parse("@bob").unwrap().as_str(), "bob");
        assert!(Username::parse("").is_err());
        assert!(Username::parse("a.b").is_err());
        assert!(Username::parse("a-b").is_err());
        assert!(Username::parse("élan").is_err());
        assert!(Username::parse(&"a".repeat(31)).is_err());
        assert!(Username::parse("Admin").unwrap_err().contains("reserved"));
    }

    #[test]
    fn only_plain_addresses_are_emails() {
        assert_eq!(
            EmailAddress::parse(" Ann.Lee+x@Example.TEST ")
                .unwrap()
                .as_str(),
            "Ann.Lee+x@example.test"
        );
        for bad in [
            "a@allowed.test@blocked.test",
            "a@blocked.test <a@allowed.test>",
            "\"a@blocked.test\"@allowed.test",
            "a@allowed.test(comment)",
            "a@blocked.test,b@allowed.test",
            "a@allowed.test\r\nBcc: x@blocked.test",
            "a%blocked.test@allowed.test",
            "a@blocked.test.",
            "a@localhost",
            "a..b@x.test",
            ".a@x.test",
            "a@-x.test",
            "a@x.123",
            "a@xn--ls8h.test\u{0}",
            "a@exаmple.test", // Cyrillic а
            "",
            "plainaddress",
        ] {
            assert!(
                EmailAddress::parse(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn password_rules() {
        let mut e = FieldErrors::new();
        check_password("short", Some("short"), &mut e);
        assert_eq!(e[0].0, "password");
        let mut e = FieldErrors::new();
        check_password("long enough", Some("different"), &mut e);
        assert_eq!(e[0].0, "password_confirmation");
        let mut e = FieldErrors::new();
        check_password("long enough", Some("long enough"), &mut e);
        assert!(e.is_empty());
    }
}
