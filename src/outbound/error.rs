//! What can go wrong with an outbound request, and which failures are worth retrying.

use std::error::Error as _;

use super::resolve::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// We will not send this: a private, loopback, link-local or otherwise special address
    /// that is not allowed; a scheme other than http(s); credentials in the URL; a header
    /// value that cannot be sent; a redirect to any of those.
    #[error("refused: {0}")]
    Refused(String),
    /// The connect timeout or the overall deadline passed (a slow drip included).
    #[error("timed out")]
    Timeout,
    /// Resolution failed, or the connection was refused, reset or failed TLS.
    #[error("connection failed: {0}")]
    Connect(String),
    /// The body is larger than `max_response_bytes`, declared or streamed.
    #[error("response body too large")]
    TooLarge,
    /// More redirects than `max_redirects`.
    #[error("too many redirects")]
    TooManyRedirects,
    /// Anything else, e.g. the connection dropping mid-body or a protocol error.
    #[error("{0}")]
    Other(String),
}

impl OutboundError {
    /// Whether trying again later may succeed. Network trouble may pass; a refused
    /// destination, an oversized body or a redirect loop will not change by waiting.
    pub fn is_transient(&self) -> bool {
        match self {
            OutboundError::Timeout | OutboundError::Connect(_) | OutboundError::Other(_) => true,
            OutboundError::Refused(_)
            | OutboundError::TooLarge
            | OutboundError::TooManyRedirects => false,
        }
    }

    /// Classifies a reqwest error, recognising a refusal raised inside our resolver.
    pub(super) fn from_reqwest(err: reqwest::Error) -> OutboundError {
        if let Some(refusal) = find_refusal(&err) {
            return OutboundError::Refused(refusal.0.clone());
        }
        let text = describe(&err);
        if err.is_timeout() {
            OutboundError::Timeout
        } else if err.is_connect() {
            OutboundError::Connect(text)
        } else if err.is_builder() {
            OutboundError::Refused(text)
        } else {
            OutboundError::Other(text)
        }
    }
}

fn find_refusal(err: &reqwest::Error) -> Option<&Refusal> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = err.source();
    while let Some(cause) = current {
        if let Some(refusal) = cause.downcast_ref::<Refusal>() {
            return Some(refusal);
        }
        current = cause.source();
    }
    None
}

/// The error and its causes on one line ("error sending request: …: connection refused").
fn describe(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut current = err.source();
    while let Some(cause) = current {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        current = cause.source();
    }
    text
}
