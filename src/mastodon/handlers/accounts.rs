//! `/api/v1/accounts`: the signed-in account and others.

use axum::Json;
use axum::extract::State;

use crate::db;
use crate::error::AppResult;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::account::CredentialAccount;
use crate::mastodon::present;
use crate::state::AppState;

/// `GET /api/v1/accounts/verify_credentials`: `read:accounts` (or `profile`).
pub async fn verify_credentials(
    State(state): State<AppState>,
    auth: Auth,
) -> AppResult<Json<CredentialAccount>> {
    let scope = if auth.0.scopes.allows("profile") {
        "profile"
    } else {
        "read:accounts"
    };
    let (user, account) = auth.user(scope)?;
    let requests = db::follows::count_requests(&state.db, account.id).await?;
    Ok(Json(present::credential_account(
        &state, account, user, requests,
    )))
}
