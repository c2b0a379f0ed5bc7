//! Per-host limits and the circuit breaker: a host that keeps failing costs one probe
//! per cool-down, not a time-out per job, and a host failing for a long window is marked
//! unavailable (its deliveries wait, they are not dropped) until it answers again.

use crate::config::FederationConfig;
use crate::db;
use crate::db::hosts::Failure;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Bounds deliveries in flight to one host within this process.
#[derive(Clone)]
pub struct HostLimiter {
    per_host: usize,
    hosts: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

impl HostLimiter {
    pub fn new(per_host: usize) -> HostLimiter {
        HostLimiter {
            per_host: per_host.max(1),
            hosts: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    pub async fn acquire(&self, host: &str) -> Option<OwnedSemaphorePermit> {
        let semaphore = {
            let mut hosts = self.hosts.lock().ok()?;
            if hosts.len() > 10_000 {
                // Forget idle hosts so the map does not grow without bound.
                let per_host = self.per_host;
                hosts.retain(|_, s| s.available_permits() < per_host);
            }
            hosts
                .entry(host.to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
                .clone()
        };
        semaphore.acquire_owned().await.ok()
    }
}

/// Whether a delivery to a host may go out now.
#[derive(Debug, PartialEq)]
pub enum Gate {
    /// Go ahead; `known` says whether the host has a health record (else a success
    /// needs no bookkeeping).
    Go { known: bool },
    /// The host is cooling down (or another worker is probing it): try again then.
    Wait(OffsetDateTime),
}

/// Decides whether to contact `host` now: healthy hosts yes; a host whose cool-down has
/// not passed no; after the cool-down exactly one worker gets to probe it.
pub async fn gate(pool: &sqlx::PgPool, host: &str, probe_secs: f64) -> sqlx::Result<Gate> {
    let Some(h) = db::hosts::find(pool, host).await? else {
        return Ok(Gate::Go { known: false });
    };
    let now = OffsetDateTime::now_utc();
    let Some(open_until) = h.circuit_open_until else {
        return Ok(Gate::Go { known: true });
    };
    if open_until > now {
        return Ok(Gate::Wait(open_until));
    }
    if db::hosts::try_probe(pool, host, probe_secs).await? {
        Ok(Gate::Go { known: true })
    } else {
        Ok(Gate::Wait(
            now + time::Duration::seconds_f64(probe_secs.min(30.0)),
        ))
    }
}

/// How a failed contact counts against its host.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HostFailure {
    /// Could not connect, or no answer in time: open the circuit at once.
    Unreachable,
    /// It answered with a server error: open the circuit after a few in a row.
    ServerError,
}

pub async fn record_failure(
    pool: &sqlx::PgPool,
    cfg: &FederationConfig,
    host: &str,
    kind: HostFailure,
    error: &str,
) {
    let failure = Failure {
        error,
        open_now: kind == HostFailure::Unreachable,
        threshold: cfg.circuit_error_threshold.max(1),
        cooldown_secs: cfg.circuit_cooldown_seconds,
        max_cooldown_secs: cfg.circuit_max_cooldown_seconds,
        unavailable_after_secs: cfg.unavailable_after_hours * 3600.0,
    };
    match db::hosts::record_failure(pool, host, &failure).await {
        Ok(h) if h.unavailable_since.is_some() => {
            tracing::warn!(
                host,
                failures = h.consecutive_failures,
                "host marked unavailable; its deliveries wait"
            )
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, host, "could not record a host failure"),
    }
}

/// Any successful contact (or, later, an inbound request from the host) clears its
/// failures, closes its circuit and lifts the unavailable mark.
pub async fn record_success(pool: &sqlx::PgPool, host: &str) {
    match db::hosts::record_success(pool, host).await {
        Ok(true) => tracing::debug!(host, "host healthy again"),
        Ok(false) => {}
        Err(e) => tracing::error!(error = %e, host, "could not record a host success"),
    }
}
