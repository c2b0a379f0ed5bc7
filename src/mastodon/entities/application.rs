//! Application and CredentialApplication.

use serde::Serialize;

/// An app as shown on statuses and by `apps/verify_credentials`.
#[derive(Debug, Clone, Serialize)]
pub struct Application {
    pub id: String,
    pub name: String,
    pub website: Option<String>,
    pub scopes: Vec<String>,
    pub redirect_uri: String,
    pub redirect_uris: Vec<String>,
    /// Deprecated, still read by old clients; the server's VAPID key once push lands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vapid_key: Option<String>,
}

/// What `POST /api/v1/apps` returns: the app with its client credentials.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialApplication {
    #[serde(flatten)]
    pub application: Application,
    pub client_id: String,
    pub client_secret: String,
    pub client_secret_expires_at: i64,
}
