//! OAuth 2 as Mastodon does it: apps register themselves, people authorise them on our
//! consent page (authorization code, optionally with PKCE S256), apps trade the code for
//! a token that never expires, and can revoke it. Codes and tokens are stored hashed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::db;
use crate::db::accounts::Account;
use crate::db::oauth::{Application, NewApplication, NewCode, NewToken, Token};
use crate::db::users::User;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::oauth::scopes::Scopes;
use crate::service::secrets;
use crate::state::AppState;

/// The redirect URI that asks us to show the code instead of redirecting.
pub const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";
/// How long an authorization code may be redeemed.
pub const CODE_TTL: Duration = Duration::minutes(10);
const NAME_MAX: usize = 60;
const URI_MAX: usize = 2000;
const REDIRECT_URIS_MAX: usize = 20;

fn oauth_error(status: ErrorKind, code: &'static str, description: &str) -> AppError {
    AppError::oauth(status, code, description)
}

fn invalid_grant(description: &str) -> AppError {
    oauth_error(ErrorKind::BadRequest, "invalid_grant", description)
}

fn invalid_client() -> AppError {
    oauth_error(
        ErrorKind::Unauthorized,
        "invalid_client",
        "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
    )
}

/// An absolute URI as RFC 6749 §3.1.2 wants it: a scheme, something after it, no
/// fragment, no whitespace. Custom schemes (`icecubesapp://`, `com.app:/cb`) and the
/// out-of-band URN are all fine.
pub fn valid_redirect_uri(uri: &str) -> bool {
    let Some((scheme, rest)) = uri.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    scheme_ok
        && !rest.is_empty()
        && uri.len() <= URI_MAX
        && !uri.contains('#')
        && !uri.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// What `POST /api/v1/apps` sends, already parsed.
#[derive(Debug, Clone, Default)]
pub struct AppRegistration {
    pub client_name: String,
    /// One URI, or several separated by whitespace (as the apps send them).
    pub redirect_uris: Vec<String>,
    pub scopes: Option<String>,
    pub website: Option<String>,
}

pub async fn register_app(state: &AppState, r: &AppRegistration) -> AppResult<Application> {
    let name = r.client_name.trim();
    if name.is_empty() {
        return Err(AppError::invalid(
            "Validation failed: Application name can't be blank",
        ));
    }
    if name.chars().count() > NAME_MAX {
        return Err(AppError::invalid(format!(
            "Validation failed: Application name is too long (maximum is {NAME_MAX} characters)"
        )));
    }
    let uris: Vec<String> = r
        .redirect_uris
        .iter()
        .flat_map(|u| u.split_whitespace())
        .map(str::to_string)
        .collect();
    if uris.is_empty() {
        return Err(AppError::invalid(
            "Validation failed: Redirect URI can't be blank",
        ));
    }
    if uris.len() > REDIRECT_URIS_MAX || !uris.iter().all(|u| valid_redirect_uri(u)) {
        return Err(AppError::invalid(
            "Validation failed: Redirect URI must be an absolute URI.",
        ));
    }
    let scopes = match r.scopes.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Scopes::parse(s).map_err(|_| {
            AppError::invalid("Validation failed: Scopes doesn't match configured on the server.")
        })?,
        None => Scopes::default_for_app(),
    };
    let website = r
        .website
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty());
    if let Some(w) = website {
        let ok = url::Url::parse(w).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
            && w.len() <= URI_MAX;
        if !ok {
            return Err(AppError::invalid("Validation failed: Website is invalid"));
        }
    }
    let client_id = secrets::random_token(32);
    let client_secret = secrets::random_token(32);
    Ok(db::oauth::insert_application(
        &state.db,
        &NewApplication {
            name,
            website,
            redirect_uris: &uris,
            scopes: &scopes.to_string(),
            client_id: &client_id,
            client_secret: &client_secret,
        },
    )
    .await?)
}

/// The query of `GET /oauth/authorize` (and the hidden fields of the consent form).
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct AuthorizeParams {
    #[serde(default)]
    pub response_type: String,
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub redirect_uri: String,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub code_challenge: Option<String>,
    #[serde(default)]
    pub code_challenge_method: Option<String>,
    #[serde(default)]
    pub force_login: Option<String>,
    #[serde(default)]
    pub lang: Option<String>,
}

/// An authorization request we may show the consent page for.
#[derive(Debug, Clone)]
pub struct Authorization {
    pub app: Application,
    pub redirect_uri: String,
    pub scopes: Scopes,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
}

/// Why an authorization request fails: before the client and redirect URI are known
/// good the person sees an error page (we must not redirect to an unchecked URI); after,
/// the app gets `?error=…` at its redirect URI (RFC 6749 §4.1.2.1).
#[derive(Debug)]
pub enum AuthorizeError {
    Page(AppError),
    Redirect {
        uri: String,
        code: &'static str,
        description: String,
    },
}

pub async fn check_authorization(
    state: &AppState,
    p: &AuthorizeParams,
) -> Result<Authorization, AuthorizeError> {
    let page = |m: &str| AuthorizeError::Page(AppError::invalid(m.to_string()));
    let app = db::oauth::find_application_by_client_id(&state.db, &p.client_id)
        .await
        .map_err(|e| AuthorizeError::Page(e.into()))?
        .ok_or_else(|| {
            page("Client authentication failed: this application is not registered here.")
        })?;
    let redirect_uri = if p.redirect_uri.is_empty() && app.redirect_uris.len() == 1 {
        app.redirect_uris[0].clone()
    } else {
        p.redirect_uri.clone()
    };
    if !app.redirect_uris.contains(&redirect_uri) {
        return Err(page(
            "The redirect URI included is not valid for this application.",
        ));
    }
    let redirect = |code: &'static str, description: &str| AuthorizeError::Redirect {
        uri: error_redirect(&redirect_uri, code, description, p.state.as_deref()),
        code,
        description: description.to_string(),
    };
    if p.response_type != "code" {
        return Err(redirect(
            "unsupported_response_type",
            "The authorization server does not support this response type.",
        ));
    }
    let app_scopes = Scopes::parse(&app.scopes).unwrap_or_else(|_| Scopes::default_for_app());
    let scopes = match p.scope.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Scopes::parse(s).map_err(|_| {
            redirect(
                "invalid_scope",
                "The requested scope is invalid, unknown, or malformed.",
            )
        })?,
        None => app_scopes.clone(),
    };
    if !scopes.is_subset_of(&app_scopes) {
        return Err(redirect(
            "invalid_scope",
            "The requested scope is invalid, unknown, or malformed.",
        ));
    }
    let code_challenge = match (
        p.code_challenge.as_deref().filter(|c| !c.is_empty()),
        p.code_challenge_method.as_deref().filter(|m| !m.is_empty()),
    ) {
        (None, None) => None,
        (Some(c), Some("S256")) if valid_pkce_value(c) => Some(c.to_string()),
        (Some(_), None | Some("S256")) => {
            return Err(redirect(
                "invalid_request",
                "The code challenge is malformed or its method is missing (only S256 is supported).",
            ));
        }
        _ => {
            return Err(redirect(
                "invalid_request",
                "Only the S256 code challenge method is supported.",
            ));
        }
    };
    Ok(Authorization {
        app,
        redirect_uri,
        scopes,
        state: p.state.clone(),
        code_challenge,
    })
}

/// `redirect_uri` with `params` appended to its query (`icecubesapp://` becomes
/// `icecubesapp://?code=…`).
pub fn with_query(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    let encoded: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter().copied())
        .finish();
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    format!("{redirect_uri}{sep}{encoded}")
}

fn error_redirect(uri: &str, code: &str, description: &str, state: Option<&str>) -> String {
    let mut params = vec![("error", code), ("error_description", description)];
    if let Some(s) = state {
        params.push(("state", s));
    }
    with_query(uri, &params)
}

/// Where the browser goes when the person says no.
pub fn denied_redirect(a: &Authorization) -> String {
    error_redirect(
        &a.redirect_uri,
        "access_denied",
        "The resource owner or authorization server denied the request.",
        a.state.as_deref(),
    )
}

/// What follows consent: a redirect carrying the code, or (out-of-band) the code to show.
pub enum Granted {
    Redirect(String),
    ShowCode(String),
}

pub async fn grant_code(state: &AppState, a: &Authorization, user: &User) -> AppResult<Granted> {
    let code = secrets::random_token(32);
    db::oauth::insert_code(
        &state.db,
        &NewCode {
            code_hash: &secrets::token_hash(&code),
            application_id: a.app.id,
            user_id: user.id,
            redirect_uri: &a.redirect_uri,
            scopes: &a.scopes.to_string(),
            code_challenge: a.code_challenge.as_deref(),
            expires_at: OffsetDateTime::now_utc() + CODE_TTL,
        },
    )
    .await?;
    if a.redirect_uri == OOB {
        return Ok(Granted::ShowCode(code));
    }
    let mut params = vec![("code", code.as_str())];
    if let Some(s) = &a.state {
        params.push(("state", s));
    }
    Ok(Granted::Redirect(with_query(&a.redirect_uri, &params)))
}

/// PKCE values: 43–128 characters of `[A-Za-z0-9-._~]` (RFC 7636 §4.1–4.2).
fn valid_pkce_value(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~'))
}

/// Whether `verifier` answers an S256 `challenge`.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    valid_pkce_value(verifier)
        && secrets::secrets_match(
            &URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
            challenge,
        )
}

/// The client credentials of a token or revoke request (body or HTTP Basic).
#[derive(Debug, Clone, Default)]
pub struct ClientAuth {
    pub client_id: String,
    pub client_secret: String,
}

async fn authenticate_client(state: &AppState, c: &ClientAuth) -> AppResult<Application> {
    let app = db::oauth::find_application_by_client_id(&state.db, &c.client_id)
        .await?
        .ok_or_else(invalid_client)?;
    if !secrets::secrets_match(&c.client_secret, &app.client_secret) {
        return Err(invalid_client());
    }
    Ok(app)
}

/// What `POST /oauth/token` sends.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    pub grant_type: String,
    pub client: ClientAuth,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub scope: Option<String>,
}

/// A token just issued: the secret goes to the client once.
pub struct IssuedToken {
    pub access_token: String,
    pub token: Token,
}

pub async fn issue_token(state: &AppState, r: &TokenRequest) -> AppResult<IssuedToken> {
    match r.grant_type.as_str() {
        "authorization_code" => {
            let app = authenticate_client(state, &r.client).await?;
            redeem_code(state, &app, r).await
        }
        "client_credentials" => {
            let app = authenticate_client(state, &r.client).await?;
            let app_scopes =
                Scopes::parse(&app.scopes).unwrap_or_else(|_| Scopes::default_for_app());
            let scopes = match r.scope.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                Some(s) => Scopes::parse(s).map_err(|_| {
                    oauth_error(
                        ErrorKind::BadRequest,
                        "invalid_scope",
                        "The requested scope is invalid, unknown, or malformed.",
                    )
                })?,
                None => Scopes::default_for_app(),
            };
            if !scopes.is_subset_of(&app_scopes) {
                return Err(oauth_error(
                    ErrorKind::BadRequest,
                    "invalid_scope",
                    "The requested scope is invalid, unknown, or malformed.",
                ));
            }
            new_token(&state.db, &app, None, None, &scopes).await
        }
        "" => Err(oauth_error(
            ErrorKind::BadRequest,
            "invalid_request",
            "The request is missing a required parameter: grant_type.",
        )),
        _ => Err(oauth_error(
            ErrorKind::BadRequest,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
        )),
    }
}

async fn redeem_code(
    state: &AppState,
    app: &Application,
    r: &TokenRequest,
) -> AppResult<IssuedToken> {
    let presented = r.code.as_deref().unwrap_or("");
    if presented.is_empty() {
        return Err(oauth_error(
            ErrorKind::BadRequest,
            "invalid_request",
            "The request is missing a required parameter: code.",
        ));
    }
    let bad = "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.";
    let mut tx = state.db.begin().await?;
    let code = db::oauth::find_code_for_update(&mut *tx, &secrets::token_hash(presented))
        .await?
        .ok_or_else(|| invalid_grant(bad))?;
    if code.redeemed_at.is_some() {
        // A code presented twice was probably stolen: what it gave is taken back.
        db::oauth::revoke_tokens_of_code(&mut *tx, code.id).await?;
        tx.commit().await?;
        return Err(invalid_grant(bad));
    }
    let redirect_ok = r
        .redirect_uri
        .as_deref()
        .is_none_or(|u| u == code.redirect_uri);
    if code.application_id != app.id || code.expires_at < OffsetDateTime::now_utc() || !redirect_ok
    {
        return Err(invalid_grant(bad));
    }
    if let Some(challenge) = &code.code_challenge {
        let ok = r
            .code_verifier
            .as_deref()
            .is_some_and(|v| pkce_matches(v, challenge));
        if !ok {
            return Err(invalid_grant(bad));
        }
    }
    let user = db::users::find(&mut *tx, code.user_id)
        .await?
        .ok_or_else(|| invalid_grant(bad))?;
    if !may_hold_tokens(&user) {
        return Err(invalid_grant(bad));
    }
    db::oauth::mark_code_redeemed(&mut *tx, code.id).await?;
    // A scope asked for now can narrow what was granted, never widen it.
    let granted = Scopes::parse(&code.scopes).unwrap_or_else(|_| Scopes::default_for_app());
    let scopes = match r.scope.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => match Scopes::parse(s) {
            Ok(asked) if asked.is_subset_of(&granted) => asked,
            _ => granted,
        },
        None => granted,
    };
    let issued = new_token(&mut *tx, app, Some(&user), Some(code.id), &scopes).await?;
    tx.commit().await?;
    Ok(issued)
}

/// A fresh token for `app` (and `user`, unless it is the app's own), stored hashed; the
/// secret itself is handed out once.
async fn new_token(
    db: impl db::Executor<'_>,
    app: &Application,
    user: Option<&User>,
    code: Option<crate::id::CodeId>,
    scopes: &Scopes,
) -> AppResult<IssuedToken> {
    let access_token = secrets::random_token(32);
    let token = db::oauth::insert_token(
        db,
        &NewToken {
            token_hash: &secrets::token_hash(&access_token),
            application_id: app.id,
            user_id: user.map(|u| u.id),
            code_id: code,
            scopes: &scopes.to_string(),
        },
    )
    .await?;
    Ok(IssuedToken {
        access_token,
        token,
    })
}

/// Whether a user may be given or use tokens: confirmed, approved, not disabled.
pub fn may_hold_tokens(user: &User) -> bool {
    user.confirmed_at.is_some() && user.approved && !user.disabled
}

/// `POST /oauth/revoke`: revokes the token if this client issued it; unknown tokens
/// are not an error (RFC 7009 §2.2).
pub async fn revoke(state: &AppState, client: &ClientAuth, token: &str) -> AppResult<()> {
    let app = authenticate_client(state, client).await?;
    db::oauth::revoke_token_of_app(&state.db, &secrets::token_hash(token), app.id).await?;
    Ok(())
}

/// Who a bearer token speaks for.
#[derive(Debug, Clone)]
pub struct Bearer {
    pub token: Token,
    pub scopes: Scopes,
    pub app: Application,
    /// `None` for an app's own (client credentials) token.
    pub user: Option<(User, Account)>,
}

/// Mastodon's answer to a token whose person may not act now (`require_not_suspended!`
/// and `require_user!`): 403 with the reason, on every API call.
pub const LOGIN_DISABLED: &str = "Your login is currently disabled";
pub const LOGIN_UNCONFIRMED: &str = "Your login is missing a confirmed e-mail address";
pub const LOGIN_PENDING: &str = "Your login is currently pending approval";

/// Why `user` may not use their tokens now, if they may not: suspended, disabled or
/// memorialised first (Mastodon checks suspension before anything else), then an
/// unconfirmed address, then a sign-up still waiting for approval.
pub fn token_refusal(user: &User, account: &Account) -> Option<&'static str> {
    if account.suspended_at.is_some() || user.disabled || account.memorial {
        Some(LOGIN_DISABLED)
    } else if !user.is_confirmed() {
        Some(LOGIN_UNCONFIRMED)
    } else if !user.approved {
        Some(LOGIN_PENDING)
    } else {
        None
    }
}

/// The live token `presented` and who it acts for; `None` if it is unknown or revoked.
/// A token whose user may no longer act (suspended, disabled, unconfirmed, unapproved)
/// is a 403 with Mastodon's reason (S32): the app learns why, and the token stays
/// valid for when the account is restored, as in Mastodon.
pub async fn authenticate_bearer(state: &AppState, presented: &str) -> AppResult<Option<Bearer>> {
    if presented.is_empty() || presented.len() > 512 {
        return Ok(None);
    }
    let Some(found) =
        db::oauth::find_live_bearer(&state.db, &secrets::token_hash(presented)).await?
    else {
        return Ok(None);
    };
    let user = match (found.token.user_id, found.user) {
        (None, _) => None,
        (Some(_), None) => return Ok(None),
        (Some(_), Some((user, account))) => {
            if let Some(reason) = token_refusal(&user, &account) {
                return Err(AppError::new(ErrorKind::Forbidden, reason));
            }
            Some((user, account))
        }
    };
    let token = found.token;
    // Use is recorded at most once an hour: most requests write nothing.
    let hour_ago = OffsetDateTime::now_utc() - Duration::hours(1);
    if token.last_used_at.is_none_or(|t| t < hour_ago) {
        db::oauth::touch_token(&state.db, token.id).await?;
    }
    let scopes = Scopes::parse(&token.scopes).unwrap_or_else(|_| Scopes::default_for_app());
    Ok(Some(Bearer {
        token,
        scopes,
        app: found.app,
        user,
    }))
}

/// The apps `user` has authorised and not revoked, most recently authorised first.
pub async fn authorized_apps(
    state: &AppState,
    user: &User,
) -> AppResult<Vec<crate::db::oauth::AuthorizedApp>> {
    Ok(db::oauth::authorized_apps(&state.db, user.id).await?)
}

/// Takes back every token `user` gave an app: it gets 401 from its next request on.
/// Not found when `user` had no live token for it (existence is not leaked).
pub async fn revoke_app(
    state: &AppState,
    user: &User,
    application_id: crate::id::ApplicationId,
) -> AppResult<()> {
    match db::oauth::revoke_app_for_user(&state.db, user.id, application_id).await? {
        0 => Err(AppError::not_found()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_of_real_apps_are_accepted() {
        for uri in [
            "oauth2redirect://com.keylesspalace.tusky/",
            "icecubesapp://",
            "mastodon://joinmastodon.org/oauth",
            "org.joinmastodon.android-auth://callback",
            "com.tapbots.Ivory.19300:/request_token",
            OOB,
            "https://elk.zone/api/mastodon.social/oauth/https%3A%2F%2Felk.zone",
            "http://localhost:4000/callback?x=1",
        ] {
            assert!(valid_redirect_uri(uri), "{uri}");
        }
        for uri in [
            "",
            "/relative",
            "no-scheme",
            "https://a.example/#frag",
            "1abc://x",
            "https://a example",
            "javascript",
        ] {
            assert!(!valid_redirect_uri(uri), "{uri}");
        }
    }

    #[test]
    fn codes_are_appended_to_any_redirect_uri() {
        assert_eq!(
            with_query("icecubesapp://", &[("code", "abc")]),
            "icecubesapp://?code=abc"
        );
        assert_eq!(
            with_query(
                "https://a.example/cb?x=1",
                &[("code", "a b"), ("state", "s&t")]
            ),
            "https://a.example/cb?x=1&code=a+b&state=s%26t"
        );
    }

    #[test]
    fn pkce_s256_matches_rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj",
            challenge
        ));
        assert!(!pkce_matches("short", challenge));
    }
}
