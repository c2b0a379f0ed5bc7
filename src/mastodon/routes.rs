//! Every route of the client API and of OAuth's JSON endpoints, in one table, with the
//! CORS policy Mastodon applies there (any origin, no credentials, paging and rate-limit
//! headers readable). The consent page lives with the web UI.

use axum::Router;
use axum::http::{HeaderName, Method, header};
use axum::routing::{get, post};
use tower_http::cors::{Any, CorsLayer};

use crate::mastodon::handlers::{
    accounts, apps, collections, instance, markers, notification_groups, notification_policies,
    notification_requests, notifications, search, statuses, timelines,
};
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

pub fn routes(state: AppState) -> Router<AppState> {
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
        .route(
            "/api/v1/accounts/update_credentials",
            axum::routing::patch(accounts::update_credentials),
        )
        .route("/api/v1/accounts", get(accounts::index))
        .route("/api/v1/accounts/lookup", get(accounts::lookup))
        .route("/api/v1/accounts/search", get(accounts::search))
        .route(
            "/api/v1/accounts/familiar_followers",
            get(accounts::familiar_followers),
        )
        .route("/api/v1/accounts/{id}/note", post(accounts::note))
        .route(
            "/api/v1/accounts/{id}/remove_from_followers",
            post(accounts::remove_from_followers),
        )
        .route(
            "/api/v1/accounts/relationships",
            get(accounts::relationships),
        )
        .route("/api/v1/accounts/{id}", get(accounts::show))
        .route("/api/v1/accounts/{id}/statuses", get(accounts::statuses))
        .route("/api/v1/accounts/{id}/followers", get(accounts::followers))
        .route("/api/v1/accounts/{id}/following", get(accounts::following))
        .route("/api/v1/accounts/{id}/follow", post(accounts::follow))
        .route("/api/v1/accounts/{id}/unfollow", post(accounts::unfollow))
        .route("/api/v1/accounts/{id}/block", post(accounts::block))
        .route("/api/v1/accounts/{id}/unblock", post(accounts::unblock))
        .route("/api/v1/accounts/{id}/mute", post(accounts::mute))
        .route("/api/v1/accounts/{id}/unmute", post(accounts::unmute))
        .route("/api/v1/mutes", get(collections::mutes))
        .route("/api/v1/instance", get(instance::v1))
        .route("/api/v2/instance", get(instance::v2))
        .route("/api/v1/instance/peers", get(instance::peers))
        .route("/api/v1/instance/rules", get(instance::rules_list))
        .route(
            "/api/v1/instance/extended_description",
            get(instance::extended_description),
        )
        .route("/api/v1/instance/activity", get(instance::activity))
        .route("/api/v1/instance/languages", get(instance::languages_list))
        .route(
            "/api/v1/instance/translation_languages",
            get(instance::translation_languages),
        )
        .route("/api/v1/custom_emojis", get(instance::custom_emojis))
        .route("/api/v1/preferences", get(instance::preferences))
        .route(
            "/api/v1/statuses",
            get(statuses::index).post(statuses::create),
        )
        .route(
            "/api/v1/statuses/{id}",
            get(statuses::show)
                .put(statuses::edit)
                .delete(statuses::delete),
        )
        .route("/api/v1/statuses/{id}/history", get(statuses::history))
        .route("/api/v1/statuses/{id}/source", get(statuses::source))
        .route("/api/v1/statuses/{id}/pin", post(statuses::pin))
        .route("/api/v1/statuses/{id}/unpin", post(statuses::unpin))
        .route("/api/v1/statuses/{id}/mute", post(statuses::mute))
        .route("/api/v1/statuses/{id}/unmute", post(statuses::unmute))
        .route(
            "/api/v1/statuses/{id}/favourited_by",
            get(statuses::favourited_by),
        )
        .route(
            "/api/v1/statuses/{id}/reblogged_by",
            get(statuses::reblogged_by),
        )
        .route("/api/v1/statuses/{id}/context", get(statuses::context))
        .route("/api/v1/statuses/{id}/favourite", post(statuses::favourite))
        .route(
            "/api/v1/statuses/{id}/unfavourite",
            post(statuses::unfavourite),
        )
        .route("/api/v1/statuses/{id}/reblog", post(statuses::reblog))
        .route("/api/v1/statuses/{id}/unreblog", post(statuses::unreblog))
        .route("/api/v1/timelines/home", get(timelines::home))
        .route("/api/v1/timelines/public", get(timelines::public))
        .route("/api/v1/timelines/tag/{hashtag}", get(timelines::tag))
        .route("/api/v1/notifications", get(notifications::index))
        .route(
            "/api/v1/notifications/unread_count",
            get(notifications::unread_count),
        )
        .route("/api/v1/notifications/clear", post(notifications::clear))
        .route("/api/v1/notifications/{id}", get(notifications::show))
        .route(
            "/api/v1/notifications/{id}/dismiss",
            post(notifications::dismiss),
        )
        .route(
            "/api/v1/notifications/policy",
            get(notification_policies::show_v1)
                .patch(notification_policies::update_v1)
                .put(notification_policies::update_v1),
        )
        .route(
            "/api/v1/notifications/requests",
            get(notification_requests::index),
        )
        .route(
            "/api/v1/notifications/requests/merged",
            get(notification_requests::merged),
        )
        .route(
            "/api/v1/notifications/requests/accept",
            post(notification_requests::accept_many),
        )
        .route(
            "/api/v1/notifications/requests/dismiss",
            post(notification_requests::dismiss_many),
        )
        .route(
            "/api/v1/notifications/requests/{id}",
            get(notification_requests::show),
        )
        .route(
            "/api/v1/notifications/requests/{id}/accept",
            post(notification_requests::accept),
        )
        .route(
            "/api/v1/notifications/requests/{id}/dismiss",
            post(notification_requests::dismiss),
        )
        .route("/api/v2/notifications", get(notification_groups::index))
        .route(
            "/api/v2/notifications/unread_count",
            get(notification_groups::unread_count),
        )
        .route(
            "/api/v2/notifications/policy",
            get(notification_policies::show)
                .patch(notification_policies::update)
                .put(notification_policies::update),
        )
        .route(
            "/api/v2/notifications/{group_key}",
            get(notification_groups::show),
        )
        .route(
            "/api/v2/notifications/{group_key}/accounts",
            get(notification_groups::accounts),
        )
        .route(
            "/api/v2/notifications/{group_key}/dismiss",
            post(notification_groups::dismiss),
        )
        .route("/api/v1/statuses/{id}/bookmark", post(statuses::bookmark))
        .route(
            "/api/v1/statuses/{id}/unbookmark",
            post(statuses::unbookmark),
        )
        .route("/api/v1/bookmarks", get(collections::bookmarks))
        .route("/api/v1/favourites", get(collections::favourites))
        .route("/api/v1/blocks", get(collections::blocks))
        .route("/api/v1/follow_requests", get(collections::follow_requests))
        .route(
            "/api/v1/follow_requests/{id}/authorize",
            post(collections::authorize),
        )
        .route(
            "/api/v1/follow_requests/{id}/reject",
            post(collections::reject),
        )
        .route("/api/v1/markers", get(markers::show).post(markers::update))
        .route("/api/v2/search", get(search::v2))
        .route("/oauth/token", post(token::token))
        .route("/oauth/revoke", post(token::revoke))
        .route(
            "/.well-known/oauth-authorization-server",
            get(token::metadata),
        )
        // Inside CORS, so browser apps can read a 429 and its headers too.
        .layer(axum::middleware::from_fn_with_state(
            state,
            crate::ratelimit::api::throttle,
        ))
        .layer(cors())
}
