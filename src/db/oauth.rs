//! OAuth applications, authorization codes and access tokens. Codes and tokens are
//! looked up by the SHA-256 of what the client holds.

use super::Executor;
use super::accounts::{self, Account};
use super::users::{self, User};
use crate::id::{AccountId, ApplicationId, CodeId, TokenId, UserId};
use sqlx::{FromRow, Row};
use time::OffsetDateTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Application {
    pub id: ApplicationId,
    pub name: String,
    pub website: Option<String>,
    pub redirect_uris: Vec<String>,
    pub scopes: String,
    pub client_id: String,
    pub client_secret: String,
    pub created_at: OffsetDateTime,
}

const APP_COLUMNS: &str =
    "id, name, website, redirect_uris, scopes, client_id, client_secret, created_at";

pub struct NewApplication<'a> {
    pub name: &'a str,
    pub website: Option<&'a str>,
    pub redirect_uris: &'a [String],
    pub scopes: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a str,
}

pub async fn insert_application(
    db: impl Executor<'_>,
    app: &NewApplication<'_>,
) -> sqlx::Result<Application> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO oauth_applications (name, website, redirect_uris, scopes, client_id, client_secret) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {APP_COLUMNS}"
    )))
    .bind(app.name)
    .bind(app.website)
    .bind(app.redirect_uris)
    .bind(app.scopes)
    .bind(app.client_id)
    .bind(app.client_secret)
    .fetch_one(db)
    .await
}

pub async fn find_application_by_client_id(
    db: impl Executor<'_>,
    client_id: &str,
) -> sqlx::Result<Option<Application>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {APP_COLUMNS} FROM oauth_applications WHERE client_id = $1"
    )))
    .bind(client_id)
    .fetch_optional(db)
    .await
}

pub async fn find_application(
    db: impl Executor<'_>,
    id: ApplicationId,
) -> sqlx::Result<Option<Application>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {APP_COLUMNS} FROM oauth_applications WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub struct NewCode<'a> {
    pub code_hash: &'a [u8],
    pub application_id: ApplicationId,
    pub user_id: UserId,
    pub redirect_uri: &'a str,
    pub scopes: &'a str,
    pub code_challenge: Option<&'a str>,
    pub expires_at: OffsetDateTime,
}

pub async fn insert_code(db: impl Executor<'_>, code: &NewCode<'_>) -> sqlx::Result<CodeId> {
    sqlx::query_scalar(
        "INSERT INTO oauth_codes (code_hash, application_id, user_id, redirect_uri, scopes, code_challenge, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(code.code_hash)
    .bind(code.application_id)
    .bind(code.user_id)
    .bind(code.redirect_uri)
    .bind(code.scopes)
    .bind(code.code_challenge)
    .bind(code.expires_at)
    .fetch_one(db)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Code {
    pub id: CodeId,
    pub application_id: ApplicationId,
    pub user_id: UserId,
    pub redirect_uri: String,
    pub scopes: String,
    pub code_challenge: Option<String>,
    pub expires_at: OffsetDateTime,
    pub redeemed_at: Option<OffsetDateTime>,
}

/// The code with this hash, locked for the redeeming transaction.
pub async fn find_code_for_update(
    db: impl Executor<'_>,
    code_hash: &[u8],
) -> sqlx::Result<Option<Code>> {
    sqlx::query_as(
        "SELECT id, application_id, user_id, redirect_uri, scopes, code_challenge, expires_at, redeemed_at \
         FROM oauth_codes WHERE code_hash = $1 FOR UPDATE",
    )
    .bind(code_hash)
    .fetch_optional(db)
    .await
}

pub async fn mark_code_redeemed(db: impl Executor<'_>, id: CodeId) -> sqlx::Result<()> {
    sqlx::query("UPDATE oauth_codes SET redeemed_at = now() WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map(|_| ())
}

/// Removes codes that can no longer be redeemed (expired a day ago).
pub async fn prune_codes(db: impl Executor<'_>) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM oauth_codes WHERE expires_at < now() - interval '1 day'")
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

pub struct NewToken<'a> {
    pub token_hash: &'a [u8],
    pub application_id: ApplicationId,
    pub user_id: Option<UserId>,
    pub code_id: Option<CodeId>,
    pub scopes: &'a str,
}

pub async fn insert_token(db: impl Executor<'_>, t: &NewToken<'_>) -> sqlx::Result<Token> {
    sqlx::query_as(
        "INSERT INTO oauth_tokens (token_hash, application_id, user_id, code_id, scopes) \
         VALUES ($1, $2, $3, $4, $5) \
         RETURNING id, application_id, user_id, scopes, created_at, last_used_at",
    )
    .bind(t.token_hash)
    .bind(t.application_id)
    .bind(t.user_id)
    .bind(t.code_id)
    .bind(t.scopes)
    .fetch_one(db)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Token {
    pub id: TokenId,
    pub application_id: ApplicationId,
    pub user_id: Option<UserId>,
    pub scopes: String,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
}

/// A live token with its app and, unless it is an app's own token, the user it acts
/// for and their account.
pub struct LiveBearer {
    pub token: Token,
    pub app: Application,
    pub user: Option<(User, Account)>,
}

/// The live token with this hash and everything it stands for, in one query: every
/// authenticated API request starts here.
pub async fn find_live_bearer(
    db: impl Executor<'_>,
    token_hash: &[u8],
) -> sqlx::Result<Option<LiveBearer>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT t.id AS t_id, t.application_id AS t_application_id, t.user_id AS t_user_id, \
           t.scopes AS t_scopes, t.created_at AS t_created_at, t.last_used_at AS t_last_used_at, \
           o.id AS o_id, o.name AS o_name, o.website AS o_website, o.redirect_uris AS o_redirect_uris, \
           o.scopes AS o_scopes, o.client_id AS o_client_id, o.client_secret AS o_client_secret, \
           o.created_at AS o_created_at, {}, {} \
         FROM oauth_tokens t JOIN oauth_applications o ON o.id = t.application_id \
         LEFT JOIN users u ON u.id = t.user_id LEFT JOIN accounts a ON a.id = u.account_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        users::PREFIXED_COLUMNS,
        accounts::COLUMNS
    )))
    .bind(token_hash)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let token = Token {
        id: row.try_get("t_id")?,
        application_id: row.try_get("t_application_id")?,
        user_id: row.try_get("t_user_id")?,
        scopes: row.try_get("t_scopes")?,
        created_at: row.try_get("t_created_at")?,
        last_used_at: row.try_get("t_last_used_at")?,
    };
    let app = Application {
        id: row.try_get("o_id")?,
        name: row.try_get("o_name")?,
        website: row.try_get("o_website")?,
        redirect_uris: row.try_get("o_redirect_uris")?,
        scopes: row.try_get("o_scopes")?,
        client_id: row.try_get("o_client_id")?,
        client_secret: row.try_get("o_client_secret")?,
        created_at: row.try_get("o_created_at")?,
    };
    // A token whose user or account is gone (or never was: an app's own) acts for nobody.
    let has_user = row.try_get::<Option<UserId>, _>("u_id")?.is_some()
        && row.try_get::<Option<AccountId>, _>("id")?.is_some();
    let user = if has_user {
        Some((User::from_prefixed_row(&row)?, Account::from_row(&row)?))
    } else {
        None
    };
    Ok(Some(LiveBearer { token, app, user }))
}

/// Records use at most once an hour per token, to avoid a write per request.
pub async fn touch_token(db: impl Executor<'_>, id: TokenId) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE oauth_tokens SET last_used_at = now() WHERE id = $1 \
         AND (last_used_at IS NULL OR last_used_at < now() - interval '1 hour')",
    )
    .bind(id)
    .execute(db)
    .await
    .map(|_| ())
}

/// Revokes the token with this hash if `application_id` issued it; true if one was live.
pub async fn revoke_token_of_app(
    db: impl Executor<'_>,
    token_hash: &[u8],
    application_id: ApplicationId,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE oauth_tokens SET revoked_at = now() \
         WHERE token_hash = $1 AND application_id = $2 AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .bind(application_id)
    .execute(db)
    .await
    .map(|r| r.rows_affected() > 0)
}

/// Revokes every token issued from a code (the code was presented twice: RFC 6749 §4.1.2).
pub async fn revoke_tokens_of_code(db: impl Executor<'_>, code: CodeId) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE oauth_tokens SET revoked_at = now() WHERE code_id = $1 AND revoked_at IS NULL",
    )
    .bind(code)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

/// An app a user has authorised, with when they last used it (for the settings page).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuthorizedApp {
    pub application_id: ApplicationId,
    pub name: String,
    pub website: Option<String>,
    pub scopes: String,
    pub authorized_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
}

pub async fn authorized_apps(
    db: impl Executor<'_>,
    user: UserId,
) -> sqlx::Result<Vec<AuthorizedApp>> {
    sqlx::query_as(
        "SELECT a.id AS application_id, a.name, a.website, \
                string_agg(DISTINCT t.scopes, ' ') AS scopes, min(t.created_at) AS authorized_at, \
                max(t.last_used_at) AS last_used_at \
         FROM oauth_tokens t JOIN oauth_applications a ON a.id = t.application_id \
         WHERE t.user_id = $1 AND t.revoked_at IS NULL \
         GROUP BY a.id, a.name, a.website ORDER BY min(t.created_at) DESC",
    )
    .bind(user)
    .fetch_all(db)
    .await
}

/// Revokes every token a user gave an app; returns how many.
pub async fn revoke_app_for_user(
    db: impl Executor<'_>,
    user: UserId,
    application_id: ApplicationId,
) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE oauth_tokens SET revoked_at = now() \
         WHERE user_id = $1 AND application_id = $2 AND revoked_at IS NULL",
    )
    .bind(user)
    .bind(application_id)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}
