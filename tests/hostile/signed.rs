//! Requests signed by hand, for the scenarios that bend signatures: draft-cavage or
//! RFC 9421 headers covering what a test chooses, a POST under any key id, and signed or
//! unsigned ActivityStreams GETs.

use std::time::SystemTime;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;
use starling::httpsig::{RequestParts, SigningKey, cavage, rfc9421, sign_outgoing};
use url::Url;

use crate::support::TestApp;
use crate::support::remote::{AP, Remote, post_signed_at, signed_post_headers};

/// `remote`'s POST of `body` to `inbox`, signed by hand: as we sign, or wrongly in the
/// one way a test chooses. Each method returns the request's headers.
pub struct HandSigned<'a> {
    pub remote: &'a Remote,
    pub inbox: &'a str,
    pub body: &'a [u8],
    /// The date every signature claims unless a test says otherwise.
    pub now: SystemTime,
}

impl<'a> HandSigned<'a> {
    /// Signatures dated now.
    pub fn new(remote: &'a Remote, inbox: &'a str, body: &'a [u8]) -> HandSigned<'a> {
        let now = SystemTime::now();
        HandSigned {
            remote,
            inbox,
            body,
            now,
        }
    }

    /// Signed as our own deliveries are.
    pub fn usual(&self) -> HeaderMap {
        self.dated(self.now)
    }

    /// Signed as usual, but at `date`.
    pub fn dated(&self, date: SystemTime) -> HeaderMap {
        cavage_headers(self.remote, self.inbox, self.body, date, None)
    }

    /// Signed as usual, but as if sent to `target`.
    pub fn for_target(&self, target: &str) -> HeaderMap {
        cavage_headers(self.remote, target, self.body, self.now, None)
    }

    /// A draft-cavage signature covering `covered` alone.
    pub fn covering(&self, covered: &[&str]) -> HeaderMap {
        cavage_headers(self.remote, self.inbox, self.body, self.now, Some(covered))
    }

    /// An RFC 9421 signature covering `components`.
    pub fn rfc9421(&self, components: &[&str]) -> HeaderMap {
        let url = Url::parse(self.inbox).unwrap();
        let mut headers = unsigned_post_headers(&url);
        let digest = starling::httpsig::digest::content_digest_header_value(self.body);
        set(&mut headers, "content-digest", &digest);
        let parts = RequestParts::for_url("POST", &url, &headers);
        let (key, key_id) = (&self.remote.key, self.remote.key_id());
        let signed = rfc9421::sign_message(&parts, key, &key_id, components, self.now).unwrap();
        set(&mut headers, "signature-input", &signed.signature_input);
        set(&mut headers, "signature", &signed.signature);
        headers
    }
}

/// Headers of a POST of `body` by `remote`, signed as if sent to `signed_for` at `date`,
/// covering `covered` (None: exactly what our own deliveries cover).
fn cavage_headers(
    remote: &Remote,
    signed_for: &str,
    body: &[u8],
    date: SystemTime,
    covered: Option<&[&str]>,
) -> HeaderMap {
    let url = Url::parse(signed_for).unwrap();
    let Some(covered) = covered else {
        return signed_post_headers(&url, body, &remote.key, &remote.key_id(), date);
    };
    let mut headers = unsigned_post_headers(&url);
    set(&mut headers, "date", &httpdate::fmt_http_date(date));
    let digest = starling::httpsig::digest::digest_header_value(body);
    set(&mut headers, "digest", &digest);
    let parts = RequestParts::for_url("POST", &url, &headers);
    let signature = cavage::sign_request(&parts, &remote.key, &remote.key_id(), covered).unwrap();
    set(&mut headers, "signature", &signature);
    headers
}

/// The headers of an ActivityStreams POST to `url`, before any digest or signature.
fn unsigned_post_headers(url: &Url) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static(AP));
    let host = starling::outbound::host_header(url).unwrap();
    set(&mut headers, "host", &host);
    headers
}

fn set(headers: &mut HeaderMap, name: &'static str, value: &str) {
    headers.insert(name, HeaderValue::from_str(value).unwrap());
}

/// POSTs `activity` to `to`, signed (as we sign) with `key` under `key_id`.
pub async fn post_signed(to: &str, activity: &Value, key: &SigningKey, key_id: &str) -> StatusCode {
    let body = activity.to_string();
    post_signed_at(to, body.as_bytes(), key, key_id, SystemTime::now()).await
}

/// GET `path` with an ActivityStreams `Accept`, unsigned or signed by `signer`.
pub async fn get_ap(app: &TestApp, path: &str, signer: Option<&Remote>) -> (StatusCode, String) {
    let url = Url::parse(&app.url(path)).unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("accept", HeaderValue::from_static(AP));
    if let Some(remote) = signer {
        sign_outgoing(
            &reqwest::Method::GET,
            &url,
            &mut headers,
            None,
            &remote.key,
            &remote.key_id(),
            SystemTime::now(),
        )
        .unwrap();
    }
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(url)
        .headers(headers)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.text().await.unwrap_or_default())
}
