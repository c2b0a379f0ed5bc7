//! Every route of the client API and of OAuth's JSON endpoints, in one table, with the
//! CORS policy Mastodon applies there (any origin, no credentials, paging and rate-limit
//! headers readable). The consent page lives with the web UI.

use axum::Router;
use axum::http::{HeaderName, Method, header};
use axum::routing::{get, post};
use tower_http::cors::{Any, CorsLayer};

use crate::mastodon::handlers::{accounts, apps};
use crate::oauth::token;
use crate::state::AppState;

fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_headers(Any)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .expose_headers([
            header::LINK,
            HeaderName::from_static("x-ratelimit-reset"),
            HeaderName::from_static("x-ratelimit-limit"),
            HeaderName::from_static("x-ratelimit-remaining"),
            HeaderName::from_static("x-request-id"),
        ])
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/apps", post(apps::create))
        .route(
            "/api/v1/apps/verify_credentials",
            get(apps::verify_credentials),
        )
        .route(
            "/api/v1/accounts/verify_credentials",
            get(accounts::verify_credentials),
        )
        .route("/oauth/token", post(token::token))
        .route("/oauth/revoke", post(token::revoke))
        .route(
            "/.well-known/oauth-authorization-server",
            get(token::metadata),
        )
        .layer(cors())
}
