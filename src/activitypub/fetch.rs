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
    let doc: Value = serde_json::from_slice(&res.body)
        .map_err(|_| unavailable("The remote document is not JSON"))?;
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
}
