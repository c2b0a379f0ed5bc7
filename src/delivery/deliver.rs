//! One delivery attempt: POST the stored activity to an inbox through the shared
//! outbound client, then classify the answer. 2xx done; 4xx other than 401, 408 and 429
//! final (410 Gone quietly: the recipient no longer exists); 401 (the receiver may still
//! be fetching our key), 408, 429 (honouring Retry-After), 5xx, time-outs and connection
//! errors retried.

use crate::delivery::hosts::{self, Gate, HostFailure};
use crate::delivery::worker::Outcome;
use crate::id::AccountId;
use crate::outbound::{OutboundError, OutboundRequest};
use crate::state::AppState;
use base64::Engine;
use reqwest::header::{HeaderMap, HeaderValue};
use sha2::{Digest, Sha256};
use std::time::{Duration, SystemTime};

pub const ACTIVITY_JSON: &str = "application/activity+json";

pub async fn deliver(
    state: &AppState,
    inbox: &str,
    body: &str,
    sender: Option<AccountId>,
) -> Outcome {
    let Ok(url) = url::Url::parse(inbox) else {
        return Outcome::Final(format!("not a URL: {inbox:?}"));
    };
    let Some(host) = crate::delivery::queue::host_of(inbox) else {
        return Outcome::Final(format!("no host in {inbox:?}"));
    };
    let Some(_permit) = state.hosts.acquire(&host).await else {
        return Outcome::Retry {
            error: "host limiter closed".into(),
            after: None,
        };
    };
    let probe_secs = state.config.federation.request_timeout_seconds + 5.0;
    let known = match hosts::gate(&state.db, &host, probe_secs).await {
        Ok(Gate::Go { known }) => known,
        Ok(Gate::Wait(until)) => return Outcome::Defer(until),
        Err(e) => {
            return Outcome::Retry {
                error: format!("database: {e}"),
                after: None,
            };
        }
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        reqwest::header::CONTENT_TYPE,
        HeaderValue::from_static(ACTIVITY_JSON),
    );
    headers.insert(
        reqwest::header::ACCEPT,
        HeaderValue::from_static(ACTIVITY_JSON),
    );
    // Fresh for every attempt: receivers refuse stale dates, and signatures cover them.
    if let Ok(date) = HeaderValue::from_str(&httpdate::fmt_http_date(SystemTime::now())) {
        headers.insert(reqwest::header::DATE, date);
    }
    let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes()));
    if let Ok(v) = HeaderValue::from_str(&format!("SHA-256={digest}")) {
        headers.insert("digest", v);
    }
    let sign = match sender {
        Some(id) => match state.signing_keys.get(&state.db, id).await {
            Ok(Some(signer)) => Some(signer.hop()),
            // The sender is gone: nothing to deliver on its behalf.
            Ok(None) => return Outcome::DoneWithNote("the sender no longer exists".into()),
            Err(e) => {
                return Outcome::Retry {
                    error: e,
                    after: None,
                };
            }
        },
        None => None,
    };
    let request = OutboundRequest {
        method: reqwest::Method::POST,
        url,
        headers,
        body: Some(bytes::Bytes::copy_from_slice(body.as_bytes())),
        sign,
        follow_redirects: false,
    };
    let fed = &state.config.federation;
    match state.outbound.send(request).await {
        Ok(res) => {
            state.hosts.widen(&host);
            let outcome = classify(res.status, retry_after(&res.headers));
            if res.status == 410 {
                // An actor's own inbox that is gone means the actor is gone (a shared
                // inbox matches no account's inbox_url, so a whole server is never marked).
                if let Err(e) = crate::db::audiences::mark_inbox_gone(&state.db, inbox).await {
                    tracing::warn!(%inbox, error = %e, "could not mark the actor as gone");
                }
            }
            match res.status {
                500..=599 => {
                    hosts::record_failure(
                        &state.db,
                        fed,
                        &host,
                        HostFailure::ServerError,
                        &format!("HTTP {}", res.status),
                    )
                    .await
                }
                // A host without a health record has nothing to forget.
                _ if known => hosts::record_success(&state.db, &host).await,
                _ => {}
            }
            outcome
        }
        Err(e @ (OutboundError::Timeout | OutboundError::Connect(_))) => {
            let error = e.to_string();
            hosts::record_failure(&state.db, fed, &host, HostFailure::Unreachable, &error).await;
            Outcome::Retry { error, after: None }
        }
        Err(e) if e.is_transient() => Outcome::Retry {
            error: e.to_string(),
            after: None,
        },
        Err(e) => Outcome::Final(e.to_string()),
    }
}

/// What an HTTP status means for a delivery.
pub fn classify(status: u16, retry_after: Option<Duration>) -> Outcome {
    match status {
        200..=299 => Outcome::Done,
        410 => Outcome::DoneWithNote("410 Gone: the recipient no longer exists".into()),
        401 | 408 => Outcome::Retry {
            error: format!("HTTP {status}"),
            after: None,
        },
        429 => Outcome::Retry {
            error: "HTTP 429".into(),
            after: retry_after,
        },
        400..=499 => Outcome::Final(format!("HTTP {status}")),
        503 => Outcome::Retry {
            error: "HTTP 503".into(),
            after: retry_after,
        },
        _ => Outcome::Retry {
            error: format!("HTTP {status}"),
            after: None,
        },
    }
}

/// `Retry-After` as seconds or an HTTP date, capped at a day.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let raw = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    let wait = match raw.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => httpdate::parse_http_date(raw)
            .ok()?
            .duration_since(SystemTime::now())
            .unwrap_or_default(),
    };
    Some(wait.min(Duration::from_secs(86400)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified_like_mastodon() {
        assert!(matches!(classify(202, None), Outcome::Done));
        assert!(matches!(classify(410, None), Outcome::DoneWithNote(_)));
        assert!(matches!(classify(400, None), Outcome::Final(_)));
        assert!(matches!(classify(403, None), Outcome::Final(_)));
        assert!(matches!(classify(401, None), Outcome::Retry { .. }));
        assert!(matches!(classify(408, None), Outcome::Retry { .. }));
        assert!(matches!(classify(500, None), Outcome::Retry { .. }));
        let wait = Some(Duration::from_secs(7));
        assert!(
            matches!(classify(429, wait), Outcome::Retry { after: Some(d), .. } if d == Duration::from_secs(7))
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_static("120"),
        );
        assert_eq!(retry_after(&h), Some(Duration::from_secs(120)));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(300));
        h.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_str(&later).unwrap(),
        );
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(290) && d <= Duration::from_secs(300),
            "{d:?}"
        );
        h.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_static("soon"),
        );
        assert_eq!(retry_after(&h), None);
    }
}
