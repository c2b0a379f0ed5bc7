//! Request headers: what the caller may not set (framing is the transport's business), what
//! we always send, and the last check before a hop goes out (security.md S17).

use reqwest::header::{
    ACCEPT_ENCODING, CONNECTION, CONTENT_LENGTH, HOST, HeaderMap, HeaderName, HeaderValue, TE,
    TRANSFER_ENCODING, UPGRADE,
};
use url::Url;

use super::error::OutboundError;
use super::target::host_header;

/// Removes framing and hop-by-hop headers from the caller's set and asks for the body as
/// it is: we never decompress, so a small compressed body cannot inflate past the cap.
pub(super) fn prepare(headers: &mut HeaderMap) {
    let hop_by_hop = [
        CONNECTION,
        CONTENT_LENGTH,
        TRANSFER_ENCODING,
        TE,
        UPGRADE,
        HeaderName::from_static("keep-alive"),
        HeaderName::from_static("proxy-connection"),
    ];
    for name in hop_by_hop {
        headers.remove(name);
    }
    headers.insert(ACCEPT_ENCODING, HeaderValue::from_static("identity"));
}

/// The last check on a hop's headers, after signing. A `Host` (signers may add one) must
/// equal what the transport sends for `url` and is then left to the transport; a
/// `Content-Length` must equal the body's. No value may carry CR, LF or NUL.
pub(super) fn finish_hop(
    headers: &mut HeaderMap,
    url: &Url,
    body_len: Option<usize>,
) -> Result<(), OutboundError> {
    if let Some(host) = headers.remove(HOST)
        && Some(host.as_bytes()) != host_header(url).as_deref().map(str::as_bytes)
    {
        return Err(OutboundError::Refused(
            "Host header does not match the URL".to_owned(),
        ));
    }
    if let Some(length) = headers.remove(CONTENT_LENGTH)
        && length.as_bytes() != body_len.unwrap_or(0).to_string().as_bytes()
    {
        return Err(OutboundError::Refused(
            "Content-Length does not match the body".to_owned(),
        ));
    }
    for (name, value) in headers.iter() {
        if value
            .as_bytes()
            .iter()
            .any(|b| matches!(b, b'\r' | b'\n' | 0))
        {
            return Err(OutboundError::Refused(format!(
                "header {name} contains a line break or NUL"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL parses")
    }

    #[test]
    fn framing_headers_are_the_transports() {
        let mut headers = HeaderMap::new();
        headers.insert(TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
        headers.insert(CONTENT_LENGTH, HeaderValue::from_static("5"));
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        prepare(&mut headers);
        assert!(!headers.contains_key(TRANSFER_ENCODING));
        assert!(!headers.contains_key(CONTENT_LENGTH));
        assert_eq!(headers[ACCEPT_ENCODING], "identity");
    }

    #[test]
    fn a_signed_host_must_match_the_url() {
        let target = url("http://peer.test:8080/inbox");
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_static("peer.test:8080"));
        assert!(finish_hop(&mut headers, &target, None).is_ok());
        assert!(!headers.contains_key(HOST));
        headers.insert(HOST, HeaderValue::from_static("victim.test"));
        assert!(finish_hop(&mut headers, &target, None).is_err());
    }

    #[test]
    fn a_signed_content_length_must_match_the_body() {
        let target = url("https://peer.test/inbox");
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_LENGTH, HeaderValue::from_static("3"));
        assert!(finish_hop(&mut headers, &target, Some(3)).is_ok());
        headers.insert(CONTENT_LENGTH, HeaderValue::from_static("4"));
        assert!(finish_hop(&mut headers, &target, Some(3)).is_err());
    }
}
