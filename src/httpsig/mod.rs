//! HTTP Signatures, pure: no I/O, no clock, no framework. Callers pass the request as
//! [`RequestParts`], the raw body bytes, an RSA key they loaded once, and `now`.
//!
//! Two schemes:
//! - [`cavage`]: draft-cavage-http-signatures-12 as the fediverse uses it (Mastodon's
//!   `Signature: keyId=…,algorithm="rsa-sha256",headers=…,signature=…`), signing and
//!   verifying; this is what we send (federation.md §1.1).
//! - [`rfc9421`]: HTTP Message Signatures (`Signature-Input` + `Signature`), verified with
//!   Mastodon 4.5's rules and signed for double-knocking (federation.md §1.4).
//!
//! Verifying is three steps so the caller can fetch the key in between: parse with
//! [`IncomingSignature::parse`] (which picks the scheme) to learn the key id,
//! [`IncomingSignature::precheck`] everything that needs no key, load that key, then
//! verify. A verified signature only proves the key signed the
//! request; the caller must still check that the key belongs to the activity's actor
//! (security.md S07).
//!
//! What a signature must cover, and the time window, are fixed here (security.md S09,
//! federation.md §1.2): see [`cavage::verify`] and [`window`].

pub mod cavage;
pub mod digest;
mod error;
pub mod keys;
pub mod outgoing;
pub mod rfc9421;
pub mod window;

#[cfg(test)]
mod tests;

use std::borrow::Cow;

use reqwest::header::HeaderMap;

pub use error::SignatureError;
pub use keys::{SigningKey, VerifyingKey};
pub use outgoing::{sign_outgoing, sign_outgoing_rfc9421};

/// The parts of an HTTP request that signatures cover.
///
/// `scheme` and `authority` describe the target URI as the *receiver* knows it: on the
/// inbox side, our public scheme and host from the configuration (not what a proxy in
/// front of us spoke), so a request signed for another server fails (S09) and RFC 9421's
/// `@target-uri` is rebuilt as the sender saw it. When signing, they come from the URL.
#[derive(Debug, Clone)]
pub struct RequestParts<'a> {
    /// The method as sent, e.g. `POST`.
    pub method: &'a str,
    /// `https` or `http`.
    pub scheme: &'a str,
    /// `host` or `host:port`, as in a `Host` header.
    pub authority: Cow<'a, str>,
    /// The origin-form request target as received: path and, if any, `?query`.
    pub path_and_query: Cow<'a, str>,
    /// Every header of the request.
    pub headers: &'a HeaderMap,
}

impl<'a> RequestParts<'a> {
    pub fn new(
        method: &'a str,
        scheme: &'a str,
        authority: &'a str,
        path_and_query: &'a str,
        headers: &'a HeaderMap,
    ) -> RequestParts<'a> {
        RequestParts {
            method,
            scheme,
            authority: Cow::Borrowed(authority),
            path_and_query: Cow::Borrowed(path_and_query),
            headers,
        }
    }

    /// The parts of a request about to be sent to `url`.
    pub fn for_url(method: &'a str, url: &'a url::Url, headers: &'a HeaderMap) -> RequestParts<'a> {
        let host = url.host_str().unwrap_or_default();
        let authority = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        let path_and_query = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        RequestParts {
            method,
            scheme: url.scheme(),
            authority: Cow::Owned(authority),
            path_and_query: Cow::Owned(path_and_query),
            headers,
        }
    }

    /// The path without the query; `/` when empty.
    pub(crate) fn path(&self) -> &str {
        let path = match self.path_and_query.split_once('?') {
            Some((path, _)) => path,
            None => &self.path_and_query,
        };
        if path.is_empty() { "/" } else { path }
    }

    /// The query without its `?`, if the target has one.
    pub(crate) fn query(&self) -> Option<&str> {
        self.path_and_query.split_once('?').map(|(_, query)| query)
    }

    /// Whether the method carries no meaningful body (no digest is then required).
    pub(crate) fn is_safe_method(&self) -> bool {
        self.method.eq_ignore_ascii_case("GET") || self.method.eq_ignore_ascii_case("HEAD")
    }

    /// Whether the signature must bind the body through a digest: any method that is not
    /// GET or HEAD, and any request with a body.
    pub(crate) fn needs_digest(&self, body: &[u8]) -> bool {
        !self.is_safe_method() || !body.is_empty()
    }

    /// The values of every line of header `name`, trimmed and joined with `, `
    /// (draft-cavage §2.3 and RFC 9421 §2.1 agree on this), as raw bytes. `None` when the
    /// request has no such header; `host` then falls back to the authority (HTTP/2
    /// requests carry it as `:authority`, not as a header).
    pub(crate) fn field_value(&self, name: &str) -> Option<Vec<u8>> {
        let mut lines = self.headers.get_all(name).iter().peekable();
        if lines.peek().is_none() {
            return (name == "host").then(|| self.authority.as_bytes().to_vec());
        }
        let mut joined = Vec::new();
        for (i, line) in lines.enumerate() {
            if i > 0 {
                joined.extend_from_slice(b", ");
            }
            joined.extend_from_slice(line.as_bytes().trim_ascii());
        }
        Some(joined)
    }

    /// Refuses a `Host` header that names another server than `authority` (a request
    /// signed for someone else, replayed to us: S09). Case and default ports are ignored.
    pub(crate) fn check_host(&self) -> Result<(), SignatureError> {
        let expected = normalize_authority(self.scheme, &self.authority);
        let mut hosts = self.headers.get_all(reqwest::header::HOST).iter();
        match (hosts.next(), hosts.next()) {
            (None, _) => Ok(()),
            (Some(host), None) => {
                let host = host.to_str().map_err(|_| SignatureError::WrongHost)?;
                if normalize_authority(self.scheme, host.trim()) == expected {
                    Ok(())
                } else {
                    Err(SignatureError::WrongHost)
                }
            }
            (Some(_), Some(_)) => Err(SignatureError::WrongHost),
        }
    }
}

/// A request's signature in whichever scheme it uses: RFC 9421 when the request has a
/// `Signature-Input` header (as Mastodon decides), draft-cavage otherwise.
///
/// The inbox flow: [`IncomingSignature::parse`], [`precheck`](IncomingSignature::precheck),
/// load the key named by [`key_id`](IncomingSignature::key_id),
/// [`verify`](IncomingSignature::verify); on an error for which
/// [`SignatureError::may_pass_with_fresh_key`] holds, refetch the key once and verify
/// again. Answer 401 to any failure so double-knocking senders retry with the other scheme
/// (federation.md §1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncomingSignature {
    Cavage(cavage::SignatureParams),
    Rfc9421(rfc9421::MessageSignature),
}

impl IncomingSignature {
    pub fn parse(headers: &HeaderMap) -> Result<IncomingSignature, SignatureError> {
        if rfc9421::is_rfc9421(headers) {
            rfc9421::parse_message_signature(headers).map(IncomingSignature::Rfc9421)
        } else {
            cavage::parse_signature(headers).map(IncomingSignature::Cavage)
        }
    }

    /// Whose key signed: check that it belongs to the activity's actor (S07).
    pub fn key_id(&self) -> &str {
        match self {
            IncomingSignature::Cavage(params) => params.key_id(),
            IncomingSignature::Rfc9421(signature) => signature.key_id(),
        }
    }

    /// The checks of [`verify`](IncomingSignature::verify) that need no key (coverage,
    /// `Host`, date window, digest). Run before loading or fetching the key: a request
    /// that fails them must cost us no fetch (S25), as in Mastodon.
    pub fn precheck(
        &self,
        parts: &RequestParts<'_>,
        body: &[u8],
        now: std::time::SystemTime,
    ) -> Result<(), SignatureError> {
        match self {
            IncomingSignature::Cavage(params) => cavage::precheck(parts, body, params, now),
            IncomingSignature::Rfc9421(signature) => {
                rfc9421::precheck_message(parts, body, signature, now)
            }
        }
    }

    /// Verifies the signature over the request and its raw `body` at time `now` (the
    /// [`precheck`](IncomingSignature::precheck) included).
    pub fn verify(
        &self,
        parts: &RequestParts<'_>,
        body: &[u8],
        key: &VerifyingKey,
        now: std::time::SystemTime,
    ) -> Result<(), SignatureError> {
        match self {
            IncomingSignature::Cavage(params) => cavage::verify(parts, body, params, key, now),
            IncomingSignature::Rfc9421(signature) => {
                rfc9421::verify_message(parts, body, signature, key, now)
            }
        }
    }
}

/// `host[:port]` lower-cased, without the scheme's default port.
pub(crate) fn normalize_authority(scheme: &str, authority: &str) -> String {
    let lower = authority.to_ascii_lowercase();
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "https" => ":443",
        "http" => ":80",
        _ => return lower,
    };
    match lower.strip_suffix(default_port) {
        Some(stripped) => stripped.to_owned(),
        None => lower,
    }
}

/// Seconds since the Unix epoch; negative before it.
pub(crate) fn unix_seconds(time: std::time::SystemTime) -> i64 {
    match time.duration_since(std::time::UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}
