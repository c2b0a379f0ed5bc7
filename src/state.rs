//! Shared application state: cheap to clone, no globals.

use crate::config::Config;
use crate::delivery::hosts::HostLimiter;
use crate::delivery::keys::SigningKeys;
use crate::mail::Mailer;
use crate::outbound::OutboundClient;
use crate::urls::Urls;
use crate::web::assets::Assets;
use sqlx::PgPool;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub config: Arc<Config>,
    pub urls: Urls,
    pub mailer: Mailer,
    pub assets: Arc<Assets>,
    /// The one outbound HTTP client (SSRF-safe, bounded) every job uses.
    pub outbound: OutboundClient,
    /// Deliveries in flight per host, within this process.
    pub hosts: HostLimiter,
    /// Hosts whose inbox POSTs recently marked them alive.
    pub heard: crate::delivery::hosts::RecentlyHeard,
    /// Local accounts' parsed signing keys.
    pub signing_keys: SigningKeys,
    /// Request throttles' settings and this process's counters.
    pub limits: Arc<crate::ratelimit::RateLimiter>,
    /// Visitors' public and hashtag timeline pages, kept a few seconds.
    pub public_cache: Arc<crate::mastodon::public_cache::PublicCache>,
    /// Statuses and accounts as the client API renders them, kept while unchanged.
    pub rendered: Arc<crate::mastodon::rendered::Rendered>,
    /// A password hash of nothing, made on first use; log-ins for unknown names verify
    /// against it so they take as long as real ones.
    pub decoy_hash: Arc<tokio::sync::OnceCell<String>>,
}
