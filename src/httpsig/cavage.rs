//! draft-cavage-http-signatures-12 as the fediverse speaks it.
//!
//! Signing follows Mastodon (federation.md §1.1): `algorithm="rsa-sha256"`, parameters in
//! the order `keyId, algorithm, headers, signature`, `(request-target)` with the query.
//!
//! Verifying is lenient about form and strict about substance:
//! - the header is parsed tolerantly (any parameter order, token or quoted values, commas
//!   inside quotes, unknown parameters ignored, an `Authorization: Signature` scheme or a
//!   stray `Signature ` prefix), but a repeated parameter is refused (Mastodon 4.5.5, S09);
//! - `rsa-sha256` and `hs2019` (RSASSA-PKCS1-v1_5; SHA-256, and SHA-512 too for hs2019)
//!   are accepted; a missing `algorithm` means hs2019, a missing `headers` means `date`
//!   (rsa-sha256) or `(created)` (hs2019); `(created)`/`(expires)` only with hs2019
//!   (federation.md §1.2);
//! - the signature must cover `(request-target)`, `host`, `date` or `(created)`, and, for
//!   anything but a bodiless GET/HEAD, `digest` (or `content-digest`) — S09;
//! - `Host` must name us, the date must be in [`window`], the digest must
//!   match the raw body;
//! - the target is tried with its query first; for GET and HEAD only, then without it
//!   (Mastodon before 4.3 and Fedify 1.5 signed the bare path, federation.md §1.2 step 8
//!   and §1.3). A POST signed without its query is refused (S09 case 4).

use std::time::SystemTime;

use base64::Engine;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName};

use super::digest::{self, Found};
use super::keys::lenient_base64;
use super::{RequestParts, SignatureError, SigningKey, VerifyingKey, unix_seconds, window};

/// Longest `Signature` header value parsed.
const MAX_HEADER_LEN: usize = 16 * 1024;
/// Most entries accepted in `headers=`.
const MAX_SIGNED_HEADERS: usize = 64;

/// The `algorithm` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// `rsa-sha256`: RSASSA-PKCS1-v1_5 with SHA-256.
    RsaSha256,
    /// `hs2019`: the key decides; for RSA keys the fediverse means rsa-sha256.
    Hs2019,
}

impl Algorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::RsaSha256 => "rsa-sha256",
            Algorithm::Hs2019 => "hs2019",
        }
    }
}

/// A parsed `Signature` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureParams {
    key_id: String,
    algorithm: Algorithm,
    headers: Vec<String>,
    created: Option<String>,
    expires: Option<String>,
    signature: Vec<u8>,
}

impl SignatureParams {
    /// The `keyId`: whose key to load. Check that it belongs to the actor (S07).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The signed header names, lower-cased, in signing order.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    fn signs(&self, name: &str) -> bool {
        self.headers.iter().any(|h| h == name)
    }

    fn created(&self) -> Result<i64, SignatureError> {
        let raw = self
            .created
            .as_deref()
            .ok_or_else(|| SignatureError::malformed("(created) without created="))?;
        raw.parse()
            .map_err(|_| SignatureError::malformed("created= is not an integer"))
    }

    /// `expires=` in whole seconds; the draft allows a decimal fraction, dropped here.
    fn expires(&self) -> Result<i64, SignatureError> {
        let raw = self
            .expires
            .as_deref()
            .ok_or_else(|| SignatureError::malformed("(expires) without expires="))?;
        let (whole, fraction) = raw.split_once('.').unwrap_or((raw, "0"));
        if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SignatureError::malformed("expires= is not a number"));
        }
        whole
            .parse()
            .map_err(|_| SignatureError::malformed("expires= is not a number"))
    }
}

/// Finds and parses the request's signature: the `Signature` header, else an
/// `Authorization: Signature …` header. Two `Signature` headers are refused.
pub fn parse_signature(headers: &HeaderMap) -> Result<SignatureParams, SignatureError> {
    let mut lines = headers.get_all("signature").iter();
    let value = match (lines.next(), lines.next()) {
        (Some(_), Some(_)) => return Err(SignatureError::malformed("two Signature headers")),
        (Some(line), None) => line,
        (None, _) => {
            let auth = headers.get(AUTHORIZATION).ok_or(SignatureError::Missing)?;
            let scheme = auth.as_bytes().get(..10).unwrap_or_default();
            if !scheme.eq_ignore_ascii_case(b"signature ") {
                return Err(SignatureError::Missing);
            }
            auth
        }
    };
    let value = value
        .to_str()
        .map_err(|_| SignatureError::malformed("Signature header is not ASCII"))?;
    parse_signature_value(value)
}

/// Parses one `Signature` header value (with or without a `Signature ` prefix).
pub fn parse_signature_value(value: &str) -> Result<SignatureParams, SignatureError> {
    if value.len() > MAX_HEADER_LEN {
        return Err(SignatureError::malformed("Signature header too long"));
    }
    let value = strip_scheme(value.trim());
    let mut key_id = None;
    let mut algorithm = None;
    let mut headers = None;
    let mut created = None;
    let mut expires = None;
    let mut signature = None;
    for (name, param) in split_params(value)? {
        let slot = match name.to_ascii_lowercase().as_str() {
            "keyid" => &mut key_id,
            "algorithm" => &mut algorithm,
            "headers" => &mut headers,
            "created" => &mut created,
            "expires" => &mut expires,
            "signature" => &mut signature,
            _ => continue,
        };
        if slot.replace(param).is_some() {
            return Err(SignatureError::malformed(format!(
                "repeated parameter {name}"
            )));
        }
    }
    let key_id = key_id
        .filter(|k| !k.is_empty())
        .ok_or_else(|| SignatureError::malformed("no keyId"))?;
    let signature = signature
        .filter(|s| !s.is_empty())
        .ok_or_else(|| SignatureError::malformed("no signature"))?;
    let signature = lenient_base64()
        .decode(signature.trim())
        .map_err(|_| SignatureError::malformed("signature is not base64"))?;
    let algorithm = match algorithm.map(|a| a.to_ascii_lowercase()).as_deref() {
        None | Some("hs2019") => Algorithm::Hs2019,
        Some("rsa-sha256") => Algorithm::RsaSha256,
        Some(other) => return Err(SignatureError::UnsupportedAlgorithm(other.to_owned())),
    };
    let headers = match headers {
        Some(list) => header_list(&list)?,
        None if algorithm == Algorithm::RsaSha256 => vec!["date".to_owned()],
        None => vec!["(created)".to_owned()],
    };
    let params = SignatureParams {
        key_id,
        algorithm,
        headers,
        created,
        expires,
        signature,
    };
    check_pseudo_headers(&params)?;
    Ok(params)
}

/// The signing string `params` describes for this request, with the query in
/// `(request-target)`. Handy in a 401 body when a peer cannot get its signature right.
pub fn signing_string(
    parts: &RequestParts<'_>,
    params: &SignatureParams,
) -> Result<Vec<u8>, SignatureError> {
    build_string(parts, params, &parts.path_and_query)
}

/// Every check of [`verify`] that needs no key: what the signature covers, `Host`, the
/// time window, the body's digest, and that each signed header is present. Run it before
/// loading or fetching the key, so that a request failing it costs no fetch (S25).
pub fn precheck(
    parts: &RequestParts<'_>,
    body: &[u8],
    params: &SignatureParams,
    now: SystemTime,
) -> Result<(), SignatureError> {
    require_coverage(parts, body, params)?;
    parts.check_host()?;
    check_time(parts, params, unix_seconds(now))?;
    check_digests(parts, body, params)?;
    signing_string(parts, params).map(drop)
}

/// Verifies a parsed signature over the request and its raw `body` at time `now`; see
/// the module documentation for the rules. Runs [`precheck`] first.
pub fn verify(
    parts: &RequestParts<'_>,
    body: &[u8],
    params: &SignatureParams,
    key: &VerifyingKey,
    now: SystemTime,
) -> Result<(), SignatureError> {
    precheck(parts, body, params, now)?;
    let mut targets = vec![parts.path_and_query.as_ref()];
    if parts.is_safe_method() && parts.query().is_some() {
        targets.push(parts.path());
    }
    for target in targets {
        let message = build_string(parts, params, target)?;
        if key.verify_sha256(&message, &params.signature)
            || (params.algorithm == Algorithm::Hs2019
                && key.verify_sha512(&message, &params.signature))
        {
            return Ok(());
        }
    }
    Err(SignatureError::BadSignature)
}

/// Signs the request with `algorithm="rsa-sha256"` over `headers_to_sign` (lower case,
/// e.g. `["(request-target)", "host", "date", "digest", "content-type"]`) and returns the
/// `Signature` header value. Every named header must be present (`host` may come from
/// the authority).
pub fn sign_request(
    parts: &RequestParts<'_>,
    key: &SigningKey,
    key_id: &str,
    headers_to_sign: &[&str],
) -> Result<String, SignatureError> {
    let params = SignatureParams {
        key_id: key_id.to_owned(),
        algorithm: Algorithm::RsaSha256,
        headers: header_list(&headers_to_sign.join(" "))?,
        created: None,
        expires: None,
        signature: Vec::new(),
    };
    check_pseudo_headers(&params)?;
    let message = signing_string(parts, &params)?;
    let signature = base64::engine::general_purpose::STANDARD.encode(key.sign_sha256(&message)?);
    Ok(format!(
        "keyId=\"{}\",algorithm=\"rsa-sha256\",headers=\"{}\",signature=\"{signature}\"",
        quote(key_id),
        params.headers.join(" "),
    ))
}

/// S09: what a signature must cover before we spend an RSA operation on it.
fn require_coverage(
    parts: &RequestParts<'_>,
    body: &[u8],
    params: &SignatureParams,
) -> Result<(), SignatureError> {
    if !params.signs("(request-target)") {
        return Err(SignatureError::HeaderNotSigned("(request-target)"));
    }
    if !params.signs("host") {
        return Err(SignatureError::HeaderNotSigned("host"));
    }
    if !params.signs("date") && !params.signs("(created)") {
        return Err(SignatureError::HeaderNotSigned("date"));
    }
    if parts.needs_digest(body)
        && !params.signs(digest::DIGEST)
        && !params.signs(digest::CONTENT_DIGEST)
    {
        return Err(SignatureError::HeaderNotSigned("digest"));
    }
    Ok(())
}

/// Every signed time (`(created)`, `Date`) must be in the window.
fn check_time(
    parts: &RequestParts<'_>,
    params: &SignatureParams,
    now: i64,
) -> Result<(), SignatureError> {
    let expires = if params.signs("(expires)") {
        Some(params.expires()?)
    } else {
        None
    };
    if params.signs("(created)") {
        window::check(params.created()?, expires, now)?;
    }
    if params.signs("date") {
        let date = parts
            .field_value("date")
            .ok_or_else(|| SignatureError::HeaderMissing("date".to_owned()))?;
        let date = std::str::from_utf8(&date)
            .ok()
            .and_then(|d| httpdate::parse_http_date(d).ok())
            .ok_or_else(|| SignatureError::malformed("Date is not an HTTP date"))?;
        window::check(unix_seconds(date), expires, now)?;
    }
    Ok(())
}

/// A signed digest field must hold a recognised digest of the body, and no digest at all
/// may contradict the body.
fn check_digests(
    parts: &RequestParts<'_>,
    body: &[u8],
    params: &SignatureParams,
) -> Result<(), SignatureError> {
    if parts.needs_digest(body) {
        let mut matched = false;
        for name in [digest::DIGEST, digest::CONTENT_DIGEST] {
            if params.signs(name)
                && digest::check_field(parts.headers, name, body)? == Found::Matched
            {
                matched = true;
            }
        }
        if !matched {
            return Err(SignatureError::DigestMissing);
        }
    }
    digest::verify_body_digest(parts.headers, body)
}

/// The signing string over `params.headers`, with `target` as the request target.
fn build_string(
    parts: &RequestParts<'_>,
    params: &SignatureParams,
    target: &str,
) -> Result<Vec<u8>, SignatureError> {
    let mut out = Vec::with_capacity(256);
    for (i, name) in params.headers.iter().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        match name.as_str() {
            "(request-target)" => {
                out.extend_from_slice(parts.method.to_ascii_lowercase().as_bytes());
                out.push(b' ');
                out.extend_from_slice(target.as_bytes());
            }
            "(created)" => out.extend_from_slice(params.created()?.to_string().as_bytes()),
            "(expires)" => {
                let raw = params.expires.as_deref().unwrap_or_default();
                out.extend_from_slice(raw.as_bytes());
            }
            header => {
                let value = parts
                    .field_value(header)
                    .ok_or_else(|| SignatureError::HeaderMissing(header.to_owned()))?;
                out.extend_from_slice(&value);
            }
        }
    }
    Ok(out)
}

/// `(created)`/`(expires)` need hs2019 and their parameter (draft §2.3, Mastodon).
fn check_pseudo_headers(params: &SignatureParams) -> Result<(), SignatureError> {
    for (name, value) in [
        ("(created)", &params.created),
        ("(expires)", &params.expires),
    ] {
        if !params.signs(name) {
            continue;
        }
        if params.algorithm != Algorithm::Hs2019 {
            return Err(SignatureError::malformed(format!(
                "{name} is only allowed with hs2019"
            )));
        }
        if value.is_none() {
            return Err(SignatureError::malformed(format!(
                "{name} without its parameter"
            )));
        }
    }
    if params.signs("(created)") {
        params.created()?;
    }
    if params.signs("(expires)") {
        params.expires()?;
    }
    Ok(())
}

/// `headers="…"`: space-separated, lower-cased names; pseudo-headers or valid field names.
fn header_list(list: &str) -> Result<Vec<String>, SignatureError> {
    let names: Vec<String> = list
        .split_ascii_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    if names.is_empty() {
        return Err(SignatureError::malformed("empty headers="));
    }
    if names.len() > MAX_SIGNED_HEADERS {
        return Err(SignatureError::malformed("too many signed headers"));
    }
    for name in &names {
        let pseudo = matches!(
            name.as_str(),
            "(request-target)" | "(created)" | "(expires)"
        );
        if !pseudo && HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(SignatureError::malformed(format!(
                "bad header name {name:?}"
            )));
        }
    }
    Ok(names)
}

/// Drops an `Authorization` scheme or a stray `Signature ` prefix.
fn strip_scheme(value: &str) -> &str {
    match value.get(..10) {
        Some(prefix) if prefix.eq_ignore_ascii_case("signature ") => value[10..].trim_start(),
        _ => value,
    }
}

/// `name=value` pairs separated by commas; values are tokens or quoted strings.
fn split_params(input: &str) -> Result<Vec<(String, String)>, SignatureError> {
    let bytes = input.as_bytes();
    let mut at = 0;
    let mut params = Vec::new();
    let skip = |at: &mut usize, also_commas: bool| {
        while *at < bytes.len()
            && (bytes[*at] == b' ' || bytes[*at] == b'\t' || (also_commas && bytes[*at] == b','))
        {
            *at += 1;
        }
    };
    loop {
        skip(&mut at, true);
        if at >= bytes.len() {
            return Ok(params);
        }
        let start = at;
        while at < bytes.len() && is_tchar(bytes[at]) {
            at += 1;
        }
        if at == start {
            return Err(SignatureError::malformed("expected a parameter name"));
        }
        let name = &input[start..at];
        skip(&mut at, false);
        if bytes.get(at) != Some(&b'=') {
            return Err(SignatureError::malformed(format!("no value for {name}")));
        }
        at += 1;
        skip(&mut at, false);
        let value = if bytes.get(at) == Some(&b'"') {
            quoted_string(bytes, &mut at)?
        } else {
            let start = at;
            while at < bytes.len() && !matches!(bytes[at], b',' | b' ' | b'\t') {
                at += 1;
            }
            input[start..at].to_owned()
        };
        skip(&mut at, false);
        if at < bytes.len() && bytes[at] != b',' {
            return Err(SignatureError::malformed(format!("junk after {name}")));
        }
        params.push((name.to_owned(), value));
    }
}

/// A quoted string starting at `bytes[*at] == '"'`, with `\` escapes; moves past it.
fn quoted_string(bytes: &[u8], at: &mut usize) -> Result<String, SignatureError> {
    let mut value = Vec::new();
    *at += 1;
    loop {
        match bytes.get(*at) {
            None => return Err(SignatureError::malformed("unterminated quoted string")),
            Some(b'"') => {
                *at += 1;
                break;
            }
            Some(b'\\') => {
                let escaped = bytes
                    .get(*at + 1)
                    .ok_or_else(|| SignatureError::malformed("unterminated quoted string"))?;
                value.push(*escaped);
                *at += 2;
            }
            Some(b) => {
                value.push(*b);
                *at += 1;
            }
        }
    }
    String::from_utf8(value).map_err(|_| SignatureError::malformed("quoted string is not UTF-8"))
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Escapes `"` and `\` for a quoted-string.
fn quote(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}
