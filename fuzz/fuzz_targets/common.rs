//! What each fuzz target does with its input, shared by the targets (nightly, cargo-fuzz)
//! and by `tests/fuzz_regressions.rs`, which replays the saved inputs on stable. Every
//! function must return normally for any input: a panic is a bug in `starling`.

use std::sync::OnceLock;
use std::time::{Duration, UNIX_EPOCH};

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use starling::activitypub::parse::{self, Envelope, RemoteActor, RemoteNote};
use starling::httpsig::{IncomingSignature, RequestParts, SignatureError, VerifyingKey};
use starling::httpsig::{cavage, rfc9421};
use starling::text::{self, Extracted, MentionRef, MentionTarget};

/// The server the requests are addressed to, as the inbox knows itself.
pub const SCHEME: &str = "https";
pub const AUTHORITY: &str = "starling.test";
/// The verifier's clock: 2023-11-14T22:13:20Z, `Date: Tue, 14 Nov 2023 22:13:20 GMT`.
pub const NOW: u64 = 1_700_000_000;

/// The fixed verifying key: `test-key-rsa` of RFC 9421 Appendix B.1.1 (2048 bits). The
/// `signed-*` seeds were signed at [`NOW`] with its published private half (loaded as
/// `rfc_private_key` in `src/httpsig/tests/mod.rs` does) by `sign_outgoing`,
/// `sign_outgoing_rfc9421`, or by hand for the hs2019 and `@path` shapes.
const TEST_KEY_PEM: &str = "-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAhAKYdtoeoy8zcAcR874L8cnZxKzAGwd7v36APp7Pv6Q2jdsPBRrw
WEBnez6d0UDKDwGbc6nxfEXAy5mbhgajzrw3MOEt8uA5txSKobBpKDeBLOsdJKFq
MGmXCQvEG7YemcxDTRPxAleIAgYYRjTSd/QBwVW9OwNFhekro3RtlinV0a75jfZg
kne/YiktSvLG34lw2zqXBDTC5NHROUqGTlML4PlNZS5Ri2U4aCNx2rUPRcKIlE0P
uKxI4T+HIaFpv8+rdV6eUgOrB2xeI1dSFFn/nnv5OoZJEIB+VmuKn3DCUcCZSFlQ
PSXSfBDiUGhwOw76WuSSsf1D4b/vLoJ10wIDAQAB
-----END RSA PUBLIC KEY-----";

fn test_key() -> &'static VerifyingKey {
    static KEY: OnceLock<VerifyingKey> = OnceLock::new();
    KEY.get_or_init(|| VerifyingKey::from_pem(TEST_KEY_PEM).expect("RFC 9421 test key"))
}

/// A request as the inbox receives it, read from a fuzz input laid out like HTTP/1.1:
///
/// ```text
/// POST /users/alice/inbox
/// Host: starling.test
/// Signature: keyId="…",…
///
/// {"type":"Follow",…}
/// ```
///
/// Lines end in `\n` or `\r\n`. A header line is `name: value`; lines that are not a
/// valid header are skipped, repeated headers are kept as separate lines. The body is
/// every byte after the first empty line. An unknown method reads as `POST`; a target
/// that is not visible ASCII (which `http::Uri` would refuse) reads as `/`.
pub struct Request {
    pub method: Method,
    pub target: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Request {
    pub fn parse(data: &[u8]) -> Request {
        let mut lines = Lines { rest: data };
        let request_line = lines.next().unwrap_or_default();
        let mut words = request_line.splitn(2, |&b| b == b' ');
        let method = Method::from_bytes(words.next().unwrap_or_default()).unwrap_or(Method::POST);
        let target = words
            .next()
            .map(<[u8]>::trim_ascii)
            .filter(|t| !t.is_empty() && t.iter().all(u8::is_ascii_graphic))
            .map_or_else(
                || "/".to_owned(),
                |t| String::from_utf8_lossy(t).into_owned(),
            );
        let mut headers = HeaderMap::new();
        while let Some(line) = lines.next().filter(|line| !line.is_empty()) {
            if let Some((name, value)) = header(line) {
                headers.append(name, value);
            }
        }
        Request {
            method,
            target,
            headers,
            body: lines.rest.to_vec(),
        }
    }
}

/// `\n`-separated lines without their `\r`; `rest` is what has not been read.
struct Lines<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        let (line, rest) = match self.rest.iter().position(|&b| b == b'\n') {
            Some(end) => (&self.rest[..end], &self.rest[end + 1..]),
            None => (self.rest, &self.rest[self.rest.len()..]),
        };
        self.rest = rest;
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }
}

/// A `name: value` line as hyper would accept it (value trimmed), or `None`.
fn header(line: &[u8]) -> Option<(HeaderName, HeaderValue)> {
    let colon = line.iter().position(|&b| b == b':')?;
    let name = HeaderName::from_bytes(&line[..colon]).ok()?;
    let value = HeaderValue::from_bytes(line[colon + 1..].trim_ascii()).ok()?;
    Some((name, value))
}

/// `httpsig_parse`: parses the request's signature, as the inbox does, and verifies it
/// against the test key at [`NOW`].
pub fn httpsig_parse(data: &[u8]) {
    if let Err(error) = verify_request(data) {
        let _ = error.to_string();
        let _ = error.may_pass_with_fresh_key();
    }
}

/// The inbox's flow (`verified_signer` in `src/activitypub/inbox/mod.rs`) on a fuzz
/// input: the key id of a signature that verifies, or why it does not.
pub fn verify_request(data: &[u8]) -> Result<String, SignatureError> {
    let request = Request::parse(data);
    let signature = IncomingSignature::parse(&request.headers)?;
    let key_id = signature.key_id().to_owned();
    let parts = RequestParts::new(
        request.method.as_str(),
        SCHEME,
        AUTHORITY,
        &request.target,
        &request.headers,
    );
    // What a 401 body may show a peer that cannot get its signature right.
    match &signature {
        IncomingSignature::Cavage(params) => {
            let _ = (params.algorithm().as_str(), params.headers().len());
            let _ = cavage::signing_string(&parts, params);
        }
        IncomingSignature::Rfc9421(message) => {
            let _ = (message.label(), message.components().len());
            let _ = rfc9421::signature_base(&parts, message);
        }
    }
    let now = UNIX_EPOCH + Duration::from_secs(NOW);
    signature.verify(&parts, &request.body, test_key(), now)?;
    Ok(key_id)
}

/// `activity_parse`: reads a JSON document the ways the server reads what it receives
/// (an inbox body as an [`Envelope`] and its embedded object) and what it fetches (a
/// document as a [`RemoteNote`] or a [`RemoteActor`]), and calls every accessor.
pub fn activity_parse(data: &[u8]) {
    if let Ok(envelope) = serde_json::from_slice::<Envelope>(data) {
        read_envelope(&envelope);
        if let Some(object) = &envelope.object {
            read_document(object);
        }
    }
    if let Ok(document) = serde_json::from_slice::<Value>(data) {
        read_document(&document);
    }
}

fn read_envelope(envelope: &Envelope) {
    let _ = parse::has_as_context(&envelope.context);
    let _ = (envelope.kind(), envelope.actor_id(), envelope.object_id());
    let _ = (envelope.embedded_object(), envelope.object_kind());
    let _ = (envelope.target_id(), envelope.object_ids(16));
    let to: Vec<String> = envelope.to.iter().cloned().collect();
    let cc: Vec<String> = envelope.cc.iter().cloned().collect();
    let _ = parse::visibility(&to, &cc, envelope.actor_id());
}

/// A fetched document, or an activity's embedded object.
fn read_document(document: &Value) {
    let _ = parse::reference_id(document);
    if let Ok(note) = serde_json::from_value::<RemoteNote>(document.clone()) {
        read_note(&note);
    }
    if let Ok(actor) = serde_json::from_value::<RemoteActor>(document.clone()) {
        read_actor(&actor);
    }
}

fn read_note(note: &RemoteNote) {
    let _ = (note.author(), note.in_reply_to());
    let _ = (note.content_html(), note.language());
    let _ = (note.mentions(), note.hashtags(), note.hashtag_links());
    let to = note.to.clone().into_vec();
    let cc = note.cc.clone().into_vec();
    let _ = parse::visibility(&to, &cc, note.author());
}

fn read_actor(actor: &RemoteActor) {
    let _ = parse::has_as_context(&actor.context);
    let _ = (actor.is_actor_type(), actor.shared_inbox());
    let _ = (actor.icon_url(), actor.profile_url(), actor.fields());
    if let Some(key) = actor.key() {
        // The PEM is stored as sent and parsed when a signature names the key.
        let _ = VerifyingKey::from_pem(&key.public_key_pem).map(|k| k.bits());
    }
}

/// `sanitize`: remote HTML through the sanitiser and the plain-text converter, and the
/// same text as a local post through extraction, counting and rendering.
pub fn sanitize(data: &[u8]) {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let clean = text::sanitize_remote_html(input);
    assert!(
        !clean.to_ascii_lowercase().contains("<script"),
        "a script survived sanitising: {clean:?}"
    );
    let _ = text::html_to_plain(input);
    let extracted = text::extract(input);
    check_entities(input, &extracted);
    let _ = text::count_chars(input, &extracted);
    let resolve = |m: &MentionRef| {
        Some(MentionTarget {
            url: format!("https://remote.test/@{}", m.username),
            display: m.username.clone(),
        })
    };
    let tag_url = |name: &str| format!("https://starling.test/tags/{name}");
    let status = text::render_status(input, &extracted, &resolve, &tag_url);
    let _ = text::render_plain_with_links(input, &extracted, &resolve, &tag_url);
    let _ = text::html_to_plain(&status);
}

/// What `extract` promises: entities inside the text, in order, never overlapping.
fn check_entities(input: &str, extracted: &Extracted) {
    let mut ranges: Vec<_> = extracted.links.iter().map(|l| l.range.clone()).collect();
    for mention in &extracted.mentions {
        let written = input.get(mention.range.clone());
        assert!(
            written.is_some_and(|w| w.starts_with('@')),
            "mention {mention:?} in {input:?}"
        );
        ranges.push(mention.range.clone());
    }
    for tag in &extracted.tags {
        let written = input.get(tag.range.clone());
        assert_eq!(
            written,
            Some(format!("#{}", tag.name).as_str()),
            "in {input:?}"
        );
        ranges.push(tag.range.clone());
    }
    ranges.sort_by_key(|r| r.start);
    let mut end = 0;
    for range in ranges {
        assert!(input.get(range.clone()).is_some(), "{range:?} in {input:?}");
        assert!(range.start >= end, "overlap at {range:?} in {input:?}");
        end = range.end;
    }
}
