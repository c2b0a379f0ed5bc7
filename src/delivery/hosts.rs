//! Per-host limits and the circuit breaker: a host that keeps failing costs one probe
//! per cool-down, not a time-out per job, and a host failing for a long window is marked
//! unavailable (its deliveries wait, they are not dropped) until it answers again.

use crate::config::FederationConfig;
use crate::db;
use crate::db::hosts::Failure;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Bounds deliveries in flight to one host within this process. A host not yet heard
/// from gets one delivery at a time, so a dead host costs one time-out, not one per slot;
/// once it answers, it gets `per_host`.
#[derive(Clone)]
pub struct HostLimiter {
    per_host: usize,
    hosts: Arc<Mutex<HashMap<String, Arc<HostSlot>>>>,
}

struct HostSlot {
    semaphore: Arc<Semaphore>,
    widened: AtomicBool,
}

impl HostSlot {
    fn capacity(&self, per_host: usize) -> usize {
        if self.widened.load(Ordering::Relaxed) {
            per_host
        } else {
            1
        }
    }
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
                hosts
                    .retain(|_, slot| slot.semaphore.available_permits() < slot.capacity(per_host));
            }
            hosts
                .entry(host.to_string())
                .or_insert_with(|| {
                    Arc::new(HostSlot {
                        semaphore: Arc::new(Semaphore::new(1)),
                        widened: AtomicBool::new(false),
                    })
                })
                .semaphore
                .clone()
        };
        semaphore.acquire_owned().await.ok()
    }

    /// The host answered: let it have its full share of concurrent deliveries.
    pub fn widen(&self, host: &str) {
        let Ok(hosts) = self.hosts.lock() else { return };
        if let Some(slot) = hosts.get(host)
            && !slot.widened.swap(true, Ordering::Relaxed)
        {
            slot.semaphore.add_permits(self.per_host - 1);
        }
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
/// Hosts that contacted us lately, within this process: a busy sender's every inbox POST
/// need not touch its health row, once a minute says it is alive.
#[derive(Clone, Default)]
pub struct RecentlyHeard {
    seen: Arc<Mutex<HashMap<String, std::time::Instant>>>,
}

impl RecentlyHeard {
    pub const WINDOW: std::time::Duration = std::time::Duration::from_secs(60);
    const MAX_HOSTS: usize = 10_000;

    /// Whether `host` was not heard from within the window; it counts as heard now.
    pub fn first_in_window(&self, host: &str) -> bool {
        let now = std::time::Instant::now();
        let Ok(mut seen) = self.seen.lock() else {
            return true;
        };
        if let Some(at) = seen.get(host)
            && now.duration_since(*at) < Self::WINDOW
        {
            return false;
        }
        if seen.len() >= Self::MAX_HOSTS {
            seen.retain(|_, at| now.duration_since(*at) < Self::WINDOW);
            if seen.len() >= Self::MAX_HOSTS {
                seen.clear();
            }
        }
        seen.insert(host.to_string(), now);
        true
    }
}

/// A host sent us a verified activity: it is alive, so its deliveries may resume (at
/// most once a minute per host and process).
pub async fn record_heard_from(pool: &sqlx::PgPool, recent: &RecentlyHeard, host: &str) {
    if recent.first_in_window(host) {
        record_success(pool, host).await;
    }
}

pub async fn record_success(pool: &sqlx::PgPool, host: &str) {
    match db::hosts::record_success(pool, host).await {
        Ok(true) => tracing::debug!(host, "host healthy again"),
        Ok(false) => {}
        Err(e) => tracing::error!(error = %e, host, "could not record a host success"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_counts_as_heard_once_per_window() {
        let recent = RecentlyHeard::default();
        assert!(recent.first_in_window("a.test"));
        assert!(!recent.first_in_window("a.test"));
        assert!(recent.first_in_window("b.test"));
        recent.seen.lock().unwrap().insert(
            "a.test".into(),
            std::time::Instant::now() - RecentlyHeard::WINDOW,
        );
        assert!(
            recent.first_in_window("a.test"),
            "after the window it counts again"
        );
    }

    #[tokio::test]
    async fn unknown_hosts_get_one_slot_until_they_answer() {
        let limiter = HostLimiter::new(4);
        let first = limiter.acquire("dead.test").await.unwrap();
        let second = tokio::time::timeout(
            std::time::Duration::from_millis(50),
            limiter.acquire("dead.test"),
        )
        .await;
        assert!(
            second.is_err(),
            "a second delivery waits while the first is out"
        );
        limiter.widen("dead.test");
        let more: Vec<_> = futures_all(&limiter, "dead.test", 3).await;
        assert_eq!(more.len(), 3, "after an answer it gets its full share");
        drop(first);
        // Other hosts are independent.
        assert!(limiter.acquire("other.test").await.is_some());
    }

    async fn futures_all(l: &HostLimiter, host: &str, n: usize) -> Vec<OwnedSemaphorePermit> {
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(l.acquire(host).await.unwrap());
        }
        out
    }
}
