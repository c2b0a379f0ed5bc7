//! Reading a response body under a byte cap (security.md S19): refuse early on a declared
//! length above the cap, otherwise stream and stop as soon as the cap is passed.

use bytes::Bytes;
use reqwest::header::{CONTENT_LENGTH, HeaderMap};

use super::error::OutboundError;

/// The whole body, or `TooLarge` once it passes `cap` bytes, or at once if the response
/// declares more. `HEAD` responses have none.
pub(super) async fn read_capped(
    mut response: reqwest::Response,
    is_head: bool,
    cap: usize,
) -> Result<Bytes, OutboundError> {
    if is_head {
        return Ok(Bytes::new());
    }
    if declared_length(response.headers()).is_some_and(|len| len > cap as u64) {
        return Err(OutboundError::TooLarge);
    }
    let mut body: Vec<u8> = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(OutboundError::from_reqwest)?
    {
        if chunk.len() > cap.saturating_sub(body.len()) {
            return Err(OutboundError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(body))
}

/// The `Content-Length` the response declares, if it declares one we can read.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}
