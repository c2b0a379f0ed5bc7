//! Starling: a Mastodon-compatible federated microblogging server in one binary.
//! `build` turns a configuration into a running-ready `App`; `main.rs` and the tests
//! both go through it.

pub mod activitypub;
pub mod config;
pub mod db;
pub mod delivery;
pub mod error;
pub mod http;
pub mod httpsig;
pub mod id;
pub mod mail;
pub mod mastodon;
pub mod nodeinfo;
pub mod oauth;
pub mod outbound;
pub mod ratelimit;
pub mod service;
pub mod state;
pub mod text;
pub mod urls;
pub mod web;
pub mod webfinger;

use std::sync::Arc;

use config::Config;
use state::AppState;

/// A configured server: its state and its router.
pub struct App {
    pub state: AppState,
    pub router: axum::Router,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Connects to the database (creating it if missing), applies migrations and builds
/// the application state and router.
pub async fn build(config: Config) -> Result<App, BuildError> {
    let state = connect(config).await?;
    let router = http::router(state.clone());
    Ok(App { state, router })
}

/// The state alone, for commands that serve no HTTP (admin, worker).
pub async fn connect(config: Config) -> Result<AppState, BuildError> {
    let urls = urls::Urls::new(&config.instance.url).map_err(BuildError::Config)?;
    let mailer = mail::Mailer::new(
        &config.mail.smtp_url,
        &config.mail.from,
        &config.storage.data_dir,
    )
    .map_err(BuildError::Config)?;
    let outbound =
        outbound::OutboundClient::new(outbound_settings(&config)).map_err(BuildError::Config)?;
    let limits = ratelimit::RateLimiter::new(&config.http).map_err(BuildError::Config)?;
    db::create_database_if_missing(&config.database.url).await?;
    let pool = db::connect(&config.database.url, config.database.max_connections).await?;
    db::migrate(&pool).await?;
    Ok(AppState {
        db: pool,
        urls,
        mailer,
        assets: Arc::new(web::assets::Assets::new()),
        decoy_hash: Arc::new(tokio::sync::OnceCell::new()),
        outbound,
        hosts: delivery::hosts::HostLimiter::new(config.worker.per_host_concurrency),
        heard: delivery::hosts::RecentlyHeard::default(),
        signing_keys: delivery::keys::SigningKeys::default(),
        limits: Arc::new(limits),
        public_cache: Arc::new(mastodon::public_cache::PublicCache::new(
            std::time::Duration::from_secs(config.http.public_cache_seconds),
        )),
        rendered: Arc::new(mastodon::rendered::Rendered::default()),
        config: Arc::new(config),
    })
}

/// Settings of the shared outbound client, from the configuration.
pub fn outbound_settings(config: &Config) -> outbound::OutboundSettings {
    let f = &config.federation;
    outbound::OutboundSettings {
        user_agent: format!(
            "Starling/{} (+{})",
            env!("CARGO_PKG_VERSION"),
            config.instance.url
        ),
        allowed_private_hosts: f.allowed_private_hosts.clone(),
        connect_timeout: std::time::Duration::from_secs_f64(f.connect_timeout_seconds.max(0.1)),
        request_timeout: std::time::Duration::from_secs_f64(f.request_timeout_seconds.max(0.1)),
        max_response_bytes: f.max_response_bytes,
        max_redirects: 3,
    }
}
