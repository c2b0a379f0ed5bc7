//! Request throttles, with Mastodon's limits and headers: 300 API calls per 5 minutes per
//! token, 1,500 per user, 300 per address without a user, 25 log-ins or sign-ups per 5
//! minutes per address, 5 reset or confirmation mails per 30 minutes per address …
//!
//! Each throttle counts hits in fixed windows (`period` seconds, aligned to the epoch) in
//! one of two places: high-volume API throttles count in this process (cheap, and with
//! several web processes a client gets at most that many times the budget), while the
//! throttles that guard passwords and outgoing mail count in Postgres, so they hold
//! however many processes serve the site. Keys are client addresses from [`client_ip`]
//! (never a header the client controls), token and user ids, or normalised e-mail
//! addresses and log-in names.

pub mod api;
pub mod client_ip;
mod windows;

use axum::http::{HeaderName, HeaderValue};
use ipnet::IpNet;
use std::net::IpAddr;
use time::OffsetDateTime;

use crate::config::HttpConfig;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::state::AppState;

pub use client_ip::ClientIp;

/// Where a throttle keeps its counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// In this process's memory.
    Process,
    /// In the shared database (`rate_limits`).
    Database,
}

/// One throttle: at most `limit` hits per key in each window of `period` seconds.
#[derive(Debug)]
pub struct Throttle {
    pub name: &'static str,
    pub limit: u32,
    pub period: u64,
    pub store: Store,
}

const fn throttle(name: &'static str, limit: u32, period: u64, store: Store) -> Throttle {
    Throttle {
        name,
        limit,
        period,
        store,
    }
}

const MINUTE: u64 = 60;

pub const PER_TOKEN_API: Throttle = throttle("api/token", 300, 5 * MINUTE, Store::Process);
pub const AUTHENTICATED_API: Throttle = throttle("api/user", 1500, 5 * MINUTE, Store::Process);
pub const UNAUTHENTICATED_API: Throttle = throttle("api/ip", 300, 5 * MINUTE, Store::Process);
pub const AUTHENTICATED_PAGING: Throttle =
    throttle("paging/user", 300, 15 * MINUTE, Store::Process);
pub const UNAUTHENTICATED_PAGING: Throttle =
    throttle("paging/ip", 300, 15 * MINUTE, Store::Process);
/// Deleting statuses and boosts (each deletion federates).
pub const API_DELETE: Throttle = throttle("api/delete", 30, 30 * MINUTE, Store::Process);
pub const SIGN_UP_IP: Throttle = throttle("sign_up/ip", 25, 5 * MINUTE, Store::Database);
pub const LOGIN_IP: Throttle = throttle("login/ip", 25, 5 * MINUTE, Store::Database);
pub const LOGIN_ACCOUNT: Throttle = throttle("login/account", 25, 60 * MINUTE, Store::Database);
pub const PASSWORD_RESET_IP: Throttle =
    throttle("password_reset/ip", 25, 5 * MINUTE, Store::Database);
pub const PASSWORD_RESET_EMAIL: Throttle =
    throttle("password_reset/email", 5, 30 * MINUTE, Store::Database);
pub const CONFIRMATION_IP: Throttle = throttle("confirmation/ip", 25, 5 * MINUTE, Store::Database);
pub const CONFIRMATION_EMAIL: Throttle =
    throttle("confirmation/email", 5, 30 * MINUTE, Store::Database);
/// Token requests (authorization codes and client credentials) per address.
pub const OAUTH_TOKEN_IP: Throttle = throttle("oauth_token/ip", 300, 5 * MINUTE, Store::Database);

/// A key's standing in a throttle after one more hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub limit: u32,
    /// Hits so far in this window, this one included.
    pub hits: u32,
    /// Unix seconds when the window ends.
    pub reset_at: i64,
}

impl Standing {
    pub fn exceeded(&self) -> bool {
        self.hits > self.limit
    }

    pub fn remaining(&self) -> u32 {
        self.limit.saturating_sub(self.hits)
    }

    /// `X-RateLimit-Limit`, `-Remaining` and `-Reset` (ISO 8601 with microseconds, as
    /// Mastodon sends).
    pub fn headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        let reset = OffsetDateTime::from_unix_timestamp(self.reset_at)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
            .format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
            ))
            .unwrap_or_default();
        let num = |n: u32| HeaderValue::from(n);
        let mut out = vec![
            (
                HeaderName::from_static("x-ratelimit-limit"),
                num(self.limit),
            ),
            (
                HeaderName::from_static("x-ratelimit-remaining"),
                num(self.remaining()),
            ),
        ];
        if let Ok(v) = HeaderValue::from_str(&reset) {
            out.push((HeaderName::from_static("x-ratelimit-reset"), v));
        }
        out
    }

    /// The 429 answer: Mastodon's message, the headers and `Retry-After`.
    pub fn error(&self, now: i64) -> AppError {
        let mut headers = self.headers();
        headers.push((
            axum::http::header::RETRY_AFTER,
            HeaderValue::from((self.reset_at - now).max(1)),
        ));
        AppError::of(ErrorKind::TooManyRequests).with_headers(headers)
    }
}

/// The throttles' settings and this process's counters (one per process, in `AppState`).
pub struct RateLimiter {
    enabled: bool,
    trusted_proxies: Vec<IpNet>,
    windows: windows::Windows,
}

impl RateLimiter {
    pub fn new(cfg: &HttpConfig) -> Result<RateLimiter, String> {
        let trusted_proxies = cfg
            .trusted_proxies
            .iter()
            .map(|s| client_ip::parse_net(s))
            .collect::<Result<_, _>>()?;
        Ok(RateLimiter {
            enabled: cfg.rate_limits,
            trusted_proxies,
            windows: windows::Windows::default(),
        })
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The client behind a connection from `peer` (see [`client_ip::resolve`]).
    pub fn client_ip(&self, peer: IpAddr, headers: &axum::http::HeaderMap) -> IpAddr {
        client_ip::resolve(peer, headers, &self.trusted_proxies)
    }
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn window_end(period: u64, now: i64) -> i64 {
    let p = period.max(1) as i64;
    (now.div_euclid(p) + 1) * p
}

/// Counts one hit of `key` in `throttle`; `None` when throttles are off.
pub async fn hit(state: &AppState, throttle: &Throttle, key: &str) -> AppResult<Option<Standing>> {
    let limiter = &state.limits;
    if !limiter.enabled {
        return Ok(None);
    }
    let now = now();
    let reset_at = window_end(throttle.period, now);
    let full_key = storage_key(throttle, key);
    let hits = match throttle.store {
        Store::Process => limiter.windows.hit(full_key, reset_at, now),
        Store::Database => crate::db::rate_limits::hit(&state.db, &full_key, reset_at).await?,
    };
    Ok(Some(Standing {
        limit: throttle.limit,
        hits,
        reset_at,
    }))
}

/// Counts one hit and refuses with 429 once the key is over the limit.
pub async fn enforce(state: &AppState, throttle: &Throttle, key: &str) -> AppResult<()> {
    match hit(state, throttle, key).await? {
        Some(s) if s.exceeded() => Err(s.error(now())),
        _ => Ok(()),
    }
}

/// A log-in attempt: counted per client address and per name tried (existing or not,
/// so the limit reveals nothing about which names exist).
pub async fn login_attempt(state: &AppState, ip: ClientIp, login: &str) -> AppResult<()> {
    enforce(state, &LOGIN_IP, &ip.key()).await?;
    enforce(state, &LOGIN_ACCOUNT, &identity_key(login)).await
}

/// A sign-up form sent.
pub async fn sign_up_attempt(state: &AppState, ip: ClientIp) -> AppResult<()> {
    enforce(state, &SIGN_UP_IP, &ip.key()).await
}

/// A password-reset mail asked for: per address and per e-mail address.
pub async fn password_reset_request(state: &AppState, ip: ClientIp, email: &str) -> AppResult<()> {
    enforce(state, &PASSWORD_RESET_IP, &ip.key()).await?;
    enforce(state, &PASSWORD_RESET_EMAIL, &identity_key(email)).await
}

/// A new confirmation mail asked for: per address and per e-mail address.
pub async fn confirmation_request(state: &AppState, ip: ClientIp, email: &str) -> AppResult<()> {
    enforce(state, &CONFIRMATION_IP, &ip.key()).await?;
    enforce(state, &CONFIRMATION_EMAIL, &identity_key(email)).await
}

/// A request to `/oauth/token`.
pub async fn token_request(state: &AppState, ip: ClientIp) -> AppResult<()> {
    enforce(state, &OAUTH_TOKEN_IP, &ip.key()).await
}

/// The key as stored: the throttle's name and the key, user-supplied parts bounded.
fn storage_key(throttle: &Throttle, key: &str) -> String {
    let key: String = key.chars().take(320).collect();
    format!("{}:{}", throttle.name, key)
}

/// A log-in name or e-mail address as a throttle key: trimmed and lower-cased, so case
/// and spaces do not make new keys.
pub fn identity_key(s: &str) -> String {
    s.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_align_to_the_period() {
        assert_eq!(window_end(300, 0), 300);
        assert_eq!(window_end(300, 299), 300);
        assert_eq!(window_end(300, 300), 600);
        assert_eq!(window_end(0, 5), 6);
    }

    #[test]
    fn standing_headers_and_error() {
        let s = Standing {
            limit: 300,
            hits: 301,
            reset_at: 1_700_000_100,
        };
        assert!(s.exceeded());
        assert_eq!(s.remaining(), 0);
        let h = s.headers();
        assert_eq!(h[0].1, "300");
        assert_eq!(h[1].1, "0");
        assert_eq!(h[2].1, "2023-11-14T22:15:00.000000Z");
        let e = s.error(1_700_000_000);
        assert_eq!(e.kind, ErrorKind::TooManyRequests);
    }

    #[test]
    fn keys_are_bounded_and_normalised() {
        let long = "a".repeat(1000);
        assert_eq!(storage_key(&LOGIN_ACCOUNT, &long).len(), 320 + 14);
        assert_eq!(identity_key("  Alice@Example.COM "), "alice@example.com");
    }
}
