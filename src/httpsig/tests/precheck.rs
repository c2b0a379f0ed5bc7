//! The checks that need no key (S25): a request that fails them is refused by
//! `precheck` alone, with the error `verify` would give, so the inbox never fetches a key
//! for it; a request that passes them can still fail only the signature itself.

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use url::Url;

use super::*;
use crate::httpsig::{
    IncomingSignature, RequestParts, SignatureError, cavage, digest, rfc9421, sign_outgoing,
};

const NOW: u64 = 1_700_000_000;
const KEY_ID: &str = "https://remote.test/users/bob#main-key";
const BODY: &[u8] = br#"{"type":"Follow","actor":"https://remote.test/users/bob"}"#;
const INBOX: &str = "https://here.test/users/alice/inbox";

/// A POST of [`BODY`] to `to`, signed at `date` as our own deliveries are.
fn signed_post(to: &str, date: u64) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let url = Url::parse(to).unwrap();
    sign_outgoing(
        &Method::POST,
        &url,
        &mut headers,
        Some(BODY),
        generated_key(),
        KEY_ID,
        at(date),
    )
    .unwrap();
    headers
}

/// [`signed_post`] to our inbox with an `X-Extra` header, signed again over `covered`
/// only.
fn covering(covered: &[&str]) -> HeaderMap {
    let mut headers = signed_post(INBOX, NOW);
    headers.insert("x-extra", HeaderValue::from_static("1"));
    let url = Url::parse(INBOX).unwrap();
    let signature = cavage::sign_request(
        &RequestParts::for_url("POST", &url, &headers),
        generated_key(),
        KEY_ID,
        covered,
    )
    .unwrap();
    headers.insert("signature", HeaderValue::from_str(&signature).unwrap());
    headers
}

/// An RFC 9421 POST of [`BODY`] to our inbox covering `components`.
fn rfc9421_post(components: &[&str]) -> HeaderMap {
    let url = Url::parse(INBOX).unwrap();
    let mut headers = header_map(&[
        ("host", "here.test"),
        ("content-digest", &digest::content_digest_header_value(BODY)),
    ]);
    let signed = rfc9421::sign_message(
        &RequestParts::for_url("POST", &url, &headers),
        generated_key(),
        KEY_ID,
        components,
        at(NOW),
    )
    .unwrap();
    headers.insert(
        "signature-input",
        HeaderValue::from_str(&signed.signature_input).unwrap(),
    );
    headers.insert(
        "signature",
        HeaderValue::from_str(&signed.signature).unwrap(),
    );
    headers
}

/// The precheck, then the full verification, of a POST to our inbox received at `NOW`.
fn check(
    headers: &HeaderMap,
    body: &[u8],
) -> (Result<(), SignatureError>, Result<(), SignatureError>) {
    let parts = RequestParts::new("POST", "https", "here.test", "/users/alice/inbox", headers);
    let signature = IncomingSignature::parse(headers).unwrap();
    let key = generated_key().verifying_key();
    (
        signature.precheck(&parts, body, at(NOW)),
        signature.verify(&parts, body, &key, at(NOW)),
    )
}

#[test]
fn what_fails_without_a_key_is_refused_before_one_is_needed() {
    let cases = [
        (
            "three hours old",
            signed_post(INBOX, NOW - 3 * 3600),
            BODY,
            SignatureError::DateOutOfWindow,
        ),
        (
            "a day ahead",
            signed_post(INBOX, NOW + 86_400),
            BODY,
            SignatureError::DateOutOfWindow,
        ),
        (
            "another body",
            signed_post(INBOX, NOW),
            br#"{"type":"Follow"}"#.as_slice(),
            SignatureError::DigestMismatch,
        ),
        (
            "digest not covered",
            covering(&["(request-target)", "host", "date"]),
            BODY,
            SignatureError::HeaderNotSigned("digest"),
        ),
        (
            "signed for another server",
            signed_post("https://other.test/users/alice/inbox", NOW),
            BODY,
            SignatureError::WrongHost,
        ),
        (
            "a signed header left out",
            {
                let mut headers =
                    covering(&["(request-target)", "host", "date", "digest", "x-extra"]);
                headers.remove("x-extra");
                headers
            },
            BODY,
            SignatureError::HeaderMissing("x-extra".to_owned()),
        ),
        (
            "RFC 9421 without content-digest",
            rfc9421_post(&["@method", "@target-uri"]),
            BODY,
            SignatureError::HeaderNotSigned("content-digest"),
        ),
    ];
    for (what, headers, body, error) in cases {
        let (pre, full) = check(&headers, body);
        assert_eq!(pre, Err(error.clone()), "{what}");
        assert_eq!(full, Err(error), "{what}");
    }
}

#[test]
fn a_request_passing_the_precheck_still_needs_its_signature() {
    for headers in [
        signed_post(INBOX, NOW),
        rfc9421_post(&["@method", "@target-uri", "content-digest"]),
    ] {
        assert_eq!(check(&headers, BODY), (Ok(()), Ok(())));
    }
    // Signed by another key: only the key can tell.
    let mut forged = signed_post(INBOX, NOW);
    let value = forged["signature"].to_str().unwrap().to_owned();
    let start = value.find("signature=\"").unwrap() + "signature=\"".len();
    let flipped = if &value[start..=start] == "A" {
        "B"
    } else {
        "A"
    };
    let forged_value = format!("{}{flipped}{}", &value[..start], &value[start + 1..]);
    forged.insert("signature", HeaderValue::from_str(&forged_value).unwrap());
    assert_eq!(
        check(&forged, BODY),
        (Ok(()), Err(SignatureError::BadSignature))
    );
}
