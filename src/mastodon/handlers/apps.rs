//! `/api/v1/apps`: registration and the app's own credentials.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use crate::error::AppResult;
use crate::mastodon::auth::{AnyCaller, Auth};
use crate::mastodon::entities::application::{Application, CredentialApplication};
use crate::mastodon::params::{Params, lenient};
use crate::mastodon::present;
use crate::service::oauth::{self, AppRegistration};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct CreateApp {
    #[serde(default)]
    client_name: String,
    /// A string (one URI, or several separated by whitespace) or an array.
    #[serde(default, deserialize_with = "lenient::string_or_vec")]
    redirect_uris: Vec<String>,
    #[serde(default)]
    scopes: Option<String>,
    #[serde(default)]
    website: Option<String>,
}

pub async fn create(
    _: AnyCaller,
    State(state): State<AppState>,
    Params(p): Params<CreateApp>,
) -> AppResult<Json<CredentialApplication>> {
    let app = oauth::register_app(
        &state,
        &AppRegistration {
            client_name: p.client_name,
            redirect_uris: p.redirect_uris,
            scopes: p.scopes,
            website: p.website,
        },
    )
    .await?;
    Ok(Json(present::credential_application(&app)))
}

/// Any valid token of the app, user or app-only (no scope needed, as in Mastodon).
pub async fn verify_credentials(auth: Auth) -> AppResult<Json<Application>> {
    Ok(Json(present::application(&auth.0.app)))
}
