//! Signing a request we are about to send, the way Mastodon does (federation.md §1.1):
//! fill in `Host`, `Date` and the body digest, then sign. Called per attempt and per
//! redirect hop, so every retry carries a fresh `Date` (never store a signed request).

use std::time::SystemTime;

use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE, DATE, HOST, HeaderMap, HeaderName, HeaderValue};
use url::Url;

use super::digest::{CONTENT_DIGEST, DIGEST, content_digest_header_value, digest_header_value};
use super::{RequestParts, SignatureError, SigningKey, cavage, rfc9421};

/// Adds a draft-cavage `Signature` header to a request for `url`.
///
/// Sets `Host` (as the transport will send it) and `Date` (from `now`) when absent and,
/// given the body, `Digest: SHA-256=…` (always recomputed, so it cannot disagree with the
/// body). Signs `(request-target) host date`, then `digest` when the request has one, and
/// `content-type` for a POST or `accept` for a GET when present: Mastodon's
/// `(request-target) host date digest content-type` and `(request-target) host date accept`.
pub fn sign_outgoing(
    method: &Method,
    url: &Url,
    headers: &mut HeaderMap,
    body: Option<&[u8]>,
    key: &SigningKey,
    key_id: &str,
    now: SystemTime,
) -> Result<(), SignatureError> {
    prepare(url, headers, now)?;
    if let Some(body) = body {
        headers.insert(DIGEST, header_value(&digest_header_value(body))?);
    }
    let mut covered = vec!["(request-target)", "host", "date"];
    if headers.contains_key(DIGEST) {
        covered.push(DIGEST);
    }
    covered.extend(negotiation_header(method, headers));
    let signature = {
        let parts = RequestParts::for_url(method.as_str(), url, headers);
        cavage::sign_request(&parts, key, key_id, &covered)?
    };
    headers.insert("signature", header_value(&signature)?);
    Ok(())
}

/// Adds an RFC 9421 signature (`Signature-Input` + `Signature`, label `sig1`) to a
/// request for `url`: the second knock for peers that refuse cavage.
///
/// Sets `Host` and `Date` when absent and, given the body, `Content-Digest: sha-256=…`.
/// Covers `@method`, `@target-uri`, then `content-digest` when present and `content-type`
/// (POST) or `accept` (GET) when present. Replaces any cavage `Signature` header: the two
/// schemes must not share a request (federation.md §1.4).
pub fn sign_outgoing_rfc9421(
    method: &Method,
    url: &Url,
    headers: &mut HeaderMap,
    body: Option<&[u8]>,
    key: &SigningKey,
    key_id: &str,
    now: SystemTime,
) -> Result<(), SignatureError> {
    prepare(url, headers, now)?;
    if let Some(body) = body {
        headers.insert(
            CONTENT_DIGEST,
            header_value(&content_digest_header_value(body))?,
        );
    }
    let mut covered = vec!["@method", "@target-uri"];
    if headers.contains_key(CONTENT_DIGEST) {
        covered.push(CONTENT_DIGEST);
    }
    covered.extend(negotiation_header(method, headers));
    let signed = {
        let parts = RequestParts::for_url(method.as_str(), url, headers);
        rfc9421::sign_message(&parts, key, key_id, &covered, now)?
    };
    headers.insert("signature-input", header_value(&signed.signature_input)?);
    headers.insert("signature", header_value(&signed.signature)?);
    Ok(())
}

/// `Host` and `Date`, when the caller has not set them.
fn prepare(url: &Url, headers: &mut HeaderMap, now: SystemTime) -> Result<(), SignatureError> {
    if !headers.contains_key(HOST) {
        let parts = RequestParts::for_url("GET", url, headers);
        let host = header_value(&parts.authority)?;
        headers.insert(HOST, host);
    }
    if !headers.contains_key(DATE) {
        headers.insert(DATE, header_value(&httpdate::fmt_http_date(now))?);
    }
    Ok(())
}

/// `content-type` for requests with a body, `accept` for GET/HEAD, when present.
fn negotiation_header(method: &Method, headers: &HeaderMap) -> Option<&'static str> {
    let (name, header): (&'static str, HeaderName) =
        if method == Method::GET || method == Method::HEAD {
            ("accept", ACCEPT)
        } else {
            ("content-type", CONTENT_TYPE)
        };
    headers.contains_key(header).then_some(name)
}

fn header_value(value: &str) -> Result<HeaderValue, SignatureError> {
    HeaderValue::from_str(value)
        .map_err(|_| SignatureError::Signing(format!("{value:?} is not a valid header value")))
}
