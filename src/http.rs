//! Assembles the router: web UI, static assets, health; shared layers.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use std::time::Duration;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/static/{name}", get(crate::web::assets::serve))
        .route("/.well-known/webfinger", get(crate::webfinger::webfinger))
        .route("/.well-known/host-meta", get(crate::webfinger::host_meta))
        .route("/.well-known/nodeinfo", get(crate::nodeinfo::discovery))
        .route("/nodeinfo/2.0", get(crate::nodeinfo::v20))
        .route("/nodeinfo/2.1", get(crate::nodeinfo::v21))
        .route("/users/{name}", get(crate::activitypub::routes::user))
        .route(
            "/users/{name}/outbox",
            get(crate::activitypub::objects::outbox),
        )
        .route(
            "/users/{name}/followers",
            get(crate::activitypub::objects::followers),
        )
        .route(
            "/users/{name}/following",
            get(crate::activitypub::objects::following),
        )
        .route(
            "/users/{name}/collections/featured",
            get(crate::activitypub::objects::featured),
        )
        .route(
            "/users/{name}/collections/tags",
            get(crate::activitypub::objects::featured_tags),
        )
        .route(
            "/users/{name}/statuses/{id}",
            get(crate::activitypub::objects::status),
        )
        .route(
            "/users/{name}/statuses/{id}/activity",
            get(crate::activitypub::objects::status_activity),
        )
        .route(
            "/users/{name}/statuses/{id}/replies",
            get(crate::activitypub::objects::replies),
        )
        .route("/actor", get(crate::activitypub::routes::instance_actor))
        .route(
            "/actor/outbox",
            get(crate::activitypub::routes::instance_outbox),
        )
        .route(
            "/actor/followers",
            get(crate::activitypub::routes::instance_followers),
        )
        .route(
            "/actor/following",
            get(crate::activitypub::routes::instance_following),
        )
        .route("/inbox", post(crate::activitypub::inbox::receive))
        .route(
            "/users/{name}/inbox",
            post(crate::activitypub::inbox::receive),
        )
        .route("/actor/inbox", post(crate::activitypub::inbox::receive))
        .merge(crate::mastodon::routes::routes(state.clone()))
        .merge(crate::web::routes(state.clone()))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The router as `axum::serve` takes it, with each connection's peer address (the
/// throttles' client address, see `ratelimit::client_ip`).
pub fn service(
    router: Router,
) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<Router, std::net::SocketAddr> {
    router.into_make_service_with_connect_info::<std::net::SocketAddr>()
}

/// 200 when the database answers, 503 otherwise.
async fn health(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match crate::db::ping(&state.db).await {
        Ok(()) => (StatusCode::OK, "OK"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable"),
    }
}
