//! `POST /oauth/token`, `POST /oauth/revoke` and the server metadata (RFC 8414). Client
//! credentials come in the body or as HTTP Basic; parameters in any encoding.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::error::AppResult;
use crate::mastodon::params::Params;
use crate::oauth::scopes;
use crate::service::oauth::{self, ClientAuth, TokenRequest};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    grant_type: String,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    client_secret: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    redirect_uri: Option<String>,
    #[serde(default)]
    code_verifier: Option<String>,
    #[serde(default)]
    scope: Option<String>,
}

/// The token as Mastodon returns it; `created_at` is UNIX seconds.
#[derive(Debug, Serialize)]
pub struct TokenBody {
    pub access_token: String,
    pub token_type: &'static str,
    pub scope: String,
    pub created_at: i64,
}

/// Client credentials: HTTP Basic (`client_secret_basic`) wins over the body.
fn client_auth(headers: &HeaderMap, id: Option<String>, secret: Option<String>) -> ClientAuth {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| {
            let (i, s) = pair.split_once(':')?;
            let decode = |x: &str| {
                url::form_urlencoded::parse(format!("x={x}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            Some((decode(i), decode(s)))
        });
    match basic {
        Some((client_id, client_secret)) => ClientAuth {
            client_id,
            client_secret,
        },
        None => ClientAuth {
            client_id: id.unwrap_or_default(),
            client_secret: secret.unwrap_or_default(),
        },
    }
}

pub async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    ip: crate::ratelimit::ClientIp,
    Params(f): Params<TokenForm>,
) -> AppResult<Json<TokenBody>> {
    crate::ratelimit::token_request(&state, ip).await?;
    let request = TokenRequest {
        grant_type: f.grant_type,
        client: client_auth(&headers, f.client_id, f.client_secret),
        code: f.code,
        redirect_uri: f.redirect_uri,
        code_verifier: f.code_verifier,
        scope: f.scope,
    };
    let issued = oauth::issue_token(&state, &request).await?;
    Ok(Json(TokenBody {
        access_token: issued.access_token,
        token_type: "Bearer",
        scope: issued.token.scopes,
        created_at: issued.token.created_at.unix_timestamp(),
    }))
}

#[derive(Debug, Default, Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    client_secret: Option<String>,
    #[serde(default)]
    token: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(f): Params<RevokeForm>,
) -> AppResult<Json<serde_json::Map<String, serde_json::Value>>> {
    let client = client_auth(&headers, f.client_id, f.client_secret);
    oauth::revoke(&state, &client, &f.token).await?;
    Ok(Json(serde_json::Map::new()))
}

/// RFC 8414 metadata, with Mastodon's `app_registration_endpoint`.
#[derive(Debug, Serialize)]
pub struct ServerMetadata {
    pub issuer: String,
    pub service_documentation: &'static str,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub app_registration_endpoint: String,
    pub revocation_endpoint: String,
    pub scopes_supported: Vec<&'static str>,
    pub response_types_supported: [&'static str; 1],
    pub response_modes_supported: [&'static str; 2],
    pub code_challenge_methods_supported: [&'static str; 1],
    pub grant_types_supported: [&'static str; 2],
    pub token_endpoint_auth_methods_supported: [&'static str; 2],
}

pub async fn metadata(State(state): State<AppState>) -> Json<ServerMetadata> {
    let base = state.urls.base().trim_end_matches('/').to_string();
    Json(ServerMetadata {
        issuer: format!("{base}/"),
        service_documentation: "https://docs.joinmastodon.org/",
        authorization_endpoint: format!("{base}/oauth/authorize"),
        token_endpoint: format!("{base}/oauth/token"),
        app_registration_endpoint: format!("{base}/api/v1/apps"),
        revocation_endpoint: format!("{base}/oauth/revoke"),
        scopes_supported: scopes::ALL.to_vec(),
        response_types_supported: ["code"],
        response_modes_supported: ["query", "fragment"],
        code_challenge_methods_supported: ["S256"],
        grant_types_supported: ["authorization_code", "client_credentials"],
        token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    })
}
