//! Signed, bounded fetches of ActivityPub documents from other servers. Every GET is
//! signed as the instance actor (servers in authorized-fetch mode refuse unsigned ones),
//! goes through the SSRF-safe outbound client, and is accepted only as a 200 with an
//! ActivityStreams content type whose `id` is where it was fetched from.

use crate::delivery::keys::Signer;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::outbound::{OutboundError, OutboundRequest};
use crate::state::AppState;
use reqwest::header::{ACCEPT, HeaderValue};
use serde_json::Value;
use std::borrow::Cow;
use std::sync::Arc;
use url::Url;

pub const ACCEPT_AP: &str = "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

fn unavailable(message: impl Into<String>) -> AppError {
    AppError::new(ErrorKind::Unavailable, message)
}

/// Whether a response content type is one ActivityPub documents come in.
pub fn is_activity_json(content_type: &str) -> bool {
    let ct = content_type.to_ascii_lowercase();
    ct.starts_with("application/activity+json")
        || (ct.starts_with("application/ld+json")
            && ct.contains("https://www.w3.org/ns/activitystreams"))
}

/// The text of a JSON document from another server (an activity delivered to our inbox,
/// a document we fetched), made storable: every `\u0000` escape is removed, since Postgres
/// refuses NUL in `text` and `jsonb` and a job failing on it would be retried again and
/// again (S24). Refused, with the reason: a document that is not UTF-8, or holds a lone
/// surrogate escape (`\ud800` without the low half after it, or a low half alone), which
/// is no text at all and which serde_json reads in some places and not in others. One
/// pass over the raw bytes; borrowed when nothing is removed.
pub fn storable_json(body: &[u8]) -> Result<Cow<'_, str>, &'static str> {
    let text = std::str::from_utf8(body).map_err(|_| "The document is not UTF-8")?;
    let mut nuls = Vec::new();
    let mut at = 0;
    while let Some(offset) = body
        .get(at..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\\'))
    {
        let escape = at + offset;
        if body.get(escape + 1) != Some(&b'u') {
            // `\\`, `\"` and the like: skip the escaped character too.
            at = escape + 2;
            continue;
        }
        let Some(unit) = hex4(body, escape + 2) else {
            // Not an escape serde_json reads: it refuses the document later.
            at = escape + 2;
            continue;
        };
        at = escape + 6;
        match unit {
            0 => nuls.push(escape),
            0xD800..=0xDBFF => {
                let low = body
                    .get(at..at + 2)
                    .filter(|u| *u == b"\\u")
                    .and_then(|_| hex4(body, at + 2));
                if !matches!(low, Some(0xDC00..=0xDFFF)) {
                    return Err("The document contains a lone surrogate");
                }
                at += 6;
            }
            0xDC00..=0xDFFF => return Err("The document contains a lone surrogate"),
            _ => {}
        }
    }
    if nuls.is_empty() {
        return Ok(Cow::Borrowed(text));
    }
    let mut kept = String::with_capacity(text.len());
    let mut from = 0;
    for nul in nuls {
        kept.push_str(&text[from..nul]);
        from = nul + 6;
    }
    kept.push_str(&text[from..]);
    Ok(Cow::Owned(kept))
}

/// The four hex digits at `at`, as a UTF-16 code unit.
fn hex4(json: &[u8], at: usize) -> Option<u16> {
    let digits = json.get(at..at + 4)?;
    if !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u16::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

async fn instance_signer(state: &AppState) -> AppResult<Arc<Signer>> {
    let actor = crate::service::instance::instance_actor(state).await?;
    state
        .signing_keys
        .get(&state.db, actor.id)
        .await
        .map_err(AppError::internal)?
        .ok_or_else(|| AppError::internal("the instance actor has no key"))
}

/// GETs `url` signed as the instance actor; returns the document and the URL it came
/// from. A document whose `id` differs from that URL is refetched once by its `id` when
/// both are on the same host, and refused otherwise (S01).
pub async fn fetch_object(state: &AppState, url: &str) -> AppResult<(Value, Url)> {
    let url = Url::parse(url).map_err(|_| AppError::invalid("Not a URL"))?;
    let (doc, from) = get(state, url.clone()).await?;
    let id = doc
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if id == from.as_str() {
        return Ok((doc, from));
    }
    let id_url =
        Url::parse(&id).map_err(|_| unavailable("The fetched document has no usable id"))?;
    if id_url.host_str() != from.host_str()
        || id_url.port_or_known_default() != from.port_or_known_default()
    {
        return Err(unavailable(
            "The fetched document claims an id on another host",
        ));
    }
    let (doc, from) = get(state, id_url).await?;
    if doc.get("id").and_then(Value::as_str) != Some(from.as_str()) {
        return Err(unavailable(
            "The fetched document's id does not match where it was fetched",
        ));
    }
    Ok((doc, from))
}

async fn get(state: &AppState, url: Url) -> AppResult<(Value, Url)> {
    let signer = instance_signer(state).await?;
    let mut request = OutboundRequest::get(url);
    request
        .headers
        .insert(ACCEPT, HeaderValue::from_static(ACCEPT_AP));
    request.sign = Some(signer.hop());
    let res = state.outbound.send(request).await.map_err(|e| match e {
        OutboundError::Refused(_) => unavailable("That address cannot be fetched"),
        other => unavailable(format!("Remote data could not be fetched: {other}")),
    })?;
    if res.status != 200 {
        return Err(unavailable(format!(
            "Remote data could not be fetched (HTTP {})",
            res.status
        )));
    }
    let ct = res
        .headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !is_activity_json(ct) {
        return Err(unavailable(
            "The remote server did not answer with ActivityStreams JSON",
        ));
    }
    let text = storable_json(&res.body).map_err(unavailable)?;
    let doc: Value =
        serde_json::from_str(&text).map_err(|_| unavailable("The remote document is not JSON"))?;
    if !doc.is_object() {
        return Err(unavailable("The remote document is not an object"));
    }
    Ok((doc, res.final_url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_activitystreams_types_are_accepted() {
        assert!(is_activity_json("application/activity+json"));
        assert!(is_activity_json("application/activity+json; charset=utf-8"));
        assert!(is_activity_json(
            "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""
        ));
        assert!(!is_activity_json("application/ld+json"));
        assert!(!is_activity_json("application/json"));
        assert!(!is_activity_json("text/html"));
    }

    #[test]
    fn nul_escapes_are_removed_and_lone_surrogates_refused() {
        let kept = |json: &str| storable_json(json.as_bytes()).map(Cow::into_owned);
        for (json, clean) in [
            (r#"{"a":"x\u0000y"}"#, r#"{"a":"xy"}"#),
            (r#"{"a\u0000":"\u0000\u0000"}"#, r#"{"a":""}"#),
            (r#"{"a":"\\\u0000"}"#, r#"{"a":"\\"}"#),
            (r#"{"a":"\\u0000"}"#, r#"{"a":"\\u0000"}"#),
            (
                r#"{"a":"\u0001 \u00e9 \n \""}"#,
                r#"{"a":"\u0001 \u00e9 \n \""}"#,
            ),
            (
                r#"{"a":"\ud83d\ude00\uD83D\uDE00"}"#,
                r#"{"a":"\ud83d\ude00\uD83D\uDE00"}"#,
            ),
            (r#"{"a":"\u00"}"#, r#"{"a":"\u00"}"#),
            (r#"{"a":"\"#, r#"{"a":"\"#),
        ] {
            assert_eq!(kept(json).as_deref(), Ok(clean), "{json}");
        }
        assert!(matches!(storable_json(b"{}"), Ok(Cow::Borrowed("{}"))));
        for lone in [
            r#"{"a":"\ud800"}"#,
            r#"{"a":"\uD83D x"}"#,
            r#"{"a":"\udc00"}"#,
            r#"{"a":"\ud800\u0041"}"#,
            r#"{"a":"\ud800\u0000"}"#,
            r#"{"a":"\ud800"#,
        ] {
            assert!(kept(lone).is_err(), "{lone}");
        }
        assert!(storable_json(b"{\"a\":\"\xff\"}").is_err());
    }
}
