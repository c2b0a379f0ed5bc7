//! Local users' credentials: e-mail, password hash, confirmation, role.

use super::Executor;
use crate::id::{AccountId, UserId};
use sqlx::AssertSqlSafe;
use std::fmt;
use std::str::FromStr;
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    User,
    Moderator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    pub fn is_staff(self) -> bool {
        self >= Role::Moderator
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        match s.to_ascii_lowercase().as_str() {
            "user" => Ok(Role::User),
            "moderator" => Ok(Role::Moderator),
            "admin" => Ok(Role::Admin),
            other => Err(format!("unknown role {other:?} (user, moderator or admin)")),
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: UserId,
    pub account_id: AccountId,
    pub email: String,
    pub encrypted_password: String,
    role: String,
    pub confirmed_at: Option<OffsetDateTime>,
    pub confirmation_sent_at: Option<OffsetDateTime>,
    pub reset_password_sent_at: Option<OffsetDateTime>,
    pub approved: bool,
    pub disabled: bool,
    pub locale: Option<String>,
    pub last_sign_in_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub settings: sqlx::types::Json<UserSettings>,
}

/// Preferences kept in `users.settings` (unknown keys are ignored, missing ones default).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct UserSettings {
    /// `public`, `unlisted` or `private`: a post's visibility when none is given.
    pub default_privacy: Option<String>,
    /// Mark posts sensitive unless told otherwise.
    pub default_sensitive: bool,
    /// ISO 639-1 code of the language posts are in unless told otherwise.
    pub default_language: Option<String>,
}

impl User {
    /// Visibility for a post that names none.
    pub fn default_visibility(&self) -> crate::db::statuses::Visibility {
        self.settings
            .default_privacy
            .as_deref()
            .and_then(|p| p.parse().ok())
            .unwrap_or(crate::db::statuses::Visibility::Public)
    }

    /// Language for a post that names none: the chosen default, else the interface's.
    pub fn posting_language(&self) -> Option<String> {
        self.settings
            .default_language
            .clone()
            .or_else(|| self.locale.clone())
            .filter(|l| crate::text::languages::is_known(l))
    }

    pub fn role(&self) -> Role {
        self.role.parse().unwrap_or(Role::User)
    }

    pub fn is_confirmed(&self) -> bool {
        self.confirmed_at.is_some()
    }
}

const COLUMNS: &str = "u.id, u.account_id, u.email, u.encrypted_password, u.role, u.confirmed_at, \
    u.confirmation_sent_at, u.reset_password_sent_at, u.approved, u.disabled, u.locale, u.last_sign_in_at, u.created_at, \
    u.settings";

/// The columns of [`User`] as `u_<column>`, for queries that join users to tables with
/// columns of the same names; read back with [`User::from_prefixed_row`].
pub const PREFIXED_COLUMNS: &str = "u.id AS u_id, u.account_id AS u_account_id, u.email AS u_email, \
    u.encrypted_password AS u_encrypted_password, u.role AS u_role, u.confirmed_at AS u_confirmed_at, \
    u.confirmation_sent_at AS u_confirmation_sent_at, u.reset_password_sent_at AS u_reset_password_sent_at, \
    u.approved AS u_approved, u.disabled AS u_disabled, u.locale AS u_locale, \
    u.last_sign_in_at AS u_last_sign_in_at, u.created_at AS u_created_at, u.settings AS u_settings";

impl User {
    /// A user from a row selected with [`PREFIXED_COLUMNS`].
    pub fn from_prefixed_row(row: &sqlx::postgres::PgRow) -> sqlx::Result<User> {
        use sqlx::Row;
        Ok(User {
            id: row.try_get("u_id")?,
            account_id: row.try_get("u_account_id")?,
            email: row.try_get("u_email")?,
            encrypted_password: row.try_get("u_encrypted_password")?,
            role: row.try_get("u_role")?,
            confirmed_at: row.try_get("u_confirmed_at")?,
            confirmation_sent_at: row.try_get("u_confirmation_sent_at")?,
            reset_password_sent_at: row.try_get("u_reset_password_sent_at")?,
            approved: row.try_get("u_approved")?,
            disabled: row.try_get("u_disabled")?,
            locale: row.try_get("u_locale")?,
            last_sign_in_at: row.try_get("u_last_sign_in_at")?,
            created_at: row.try_get("u_created_at")?,
            settings: row.try_get("u_settings")?,
        })
    }
}

pub struct NewUser<'a> {
    pub account_id: AccountId,
    pub email: &'a str,
    pub encrypted_password: &'a str,
    pub role: Role,
    pub confirmed: bool,
    pub agreement: bool,
    pub locale: Option<&'a str>,
}

pub async fn insert(db: impl Executor<'_>, u: &NewUser<'_>) -> sqlx::Result<UserId> {
    sqlx::query_scalar(
        "INSERT INTO users (account_id, email, encrypted_password, role, confirmed_at, agreement_accepted_at, locale) \
         VALUES ($1, $2, $3, $4, CASE WHEN $5 THEN now() END, CASE WHEN $6 THEN now() END, $7) RETURNING id",
    )
    .bind(u.account_id)
    .bind(u.email)
    .bind(u.encrypted_password)
    .bind(u.role.as_str())
    .bind(u.confirmed)
    .bind(u.agreement)
    .bind(u.locale)
    .fetch_one(db)
    .await
}

pub async fn find(db: impl Executor<'_>, id: UserId) -> sqlx::Result<Option<User>> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users u WHERE u.id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn find_by_account(db: impl Executor<'_>, id: AccountId) -> sqlx::Result<Option<User>> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users u WHERE u.account_id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn find_by_email(db: impl Executor<'_>, email: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users u WHERE lower(u.email) = lower($1)"
    )))
    .bind(email)
    .fetch_optional(db)
    .await
}

/// A user by e-mail or by local username, case-insensitively (the log-in form takes either).
pub async fn find_by_login(db: impl Executor<'_>, login: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users u JOIN accounts a ON a.id = u.account_id \
         WHERE lower(u.email) = lower($1) OR (a.domain IS NULL AND lower(a.username) = lower($1)) \
         ORDER BY (lower(u.email) = lower($1)) DESC LIMIT 1"
    )))
    .bind(login)
    .fetch_optional(db)
    .await
}

pub async fn email_taken(db: impl Executor<'_>, email: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($1))")
        .bind(email)
        .fetch_one(db)
        .await
}

pub async fn set_confirmation_token(
    db: impl Executor<'_>,
    id: UserId,
    hash: &[u8],
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET confirmation_token_hash = $2, confirmation_sent_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(hash)
    .execute(db)
    .await
    .map(|_| ())
}

/// Confirms the user holding this token if it was sent within `max_age_hours`;
/// returns the user confirmed.
pub async fn confirm_by_token(
    db: impl Executor<'_>,
    hash: &[u8],
    max_age_hours: i64,
) -> sqlx::Result<Option<UserId>> {
    sqlx::query_scalar(
        "UPDATE users SET confirmed_at = coalesce(confirmed_at, now()), confirmation_token_hash = NULL, updated_at = now() \
         WHERE confirmation_token_hash = $1 AND confirmation_sent_at > now() - make_interval(hours => $2::int) \
         RETURNING id",
    )
    .bind(hash)
    .bind(max_age_hours as i32)
    .fetch_optional(db)
    .await
}

pub async fn confirm(db: impl Executor<'_>, id: UserId) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET confirmed_at = coalesce(confirmed_at, now()), confirmation_token_hash = NULL WHERE id = $1",
    )
    .bind(id)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn set_reset_token(db: impl Executor<'_>, id: UserId, hash: &[u8]) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET reset_password_token_hash = $2, reset_password_sent_at = now() WHERE id = $1")
        .bind(id)
        .bind(hash)
        .execute(db)
        .await
        .map(|_| ())
}

/// The user a reset token belongs to, if it is still fresh.
pub async fn find_by_reset_token(
    db: impl Executor<'_>,
    hash: &[u8],
    max_age_minutes: i64,
) -> sqlx::Result<Option<User>> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users u WHERE u.reset_password_token_hash = $1 \
         AND u.reset_password_sent_at > now() - make_interval(mins => $2::int)"
    )))
    .bind(hash)
    .bind(max_age_minutes as i32)
    .fetch_optional(db)
    .await
}

/// Sets a new password hash and clears any reset token.
pub async fn set_password(
    db: impl Executor<'_>,
    id: UserId,
    encrypted_password: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET encrypted_password = $2, reset_password_token_hash = NULL, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(encrypted_password)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn set_role(db: impl Executor<'_>, id: UserId, role: Role) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET role = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(role.as_str())
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn touch_sign_in(db: impl Executor<'_>, id: UserId) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET last_sign_in_at = now() WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map(|_| ())
}

/// Replaces the posting defaults in `users.settings`, leaving other keys alone.
pub async fn set_posting_defaults(
    db: impl Executor<'_>,
    user: UserId,
    defaults: &UserSettings,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET settings = settings || $2, updated_at = now() WHERE id = $1")
        .bind(user)
        .bind(sqlx::types::Json(defaults))
        .execute(db)
        .await
        .map(|_| ())
}
