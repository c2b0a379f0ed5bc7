//! Properties: what we sign we verify, for any body, path and extra header; changing any
//! signed byte (header, body, digest, target, signature) makes verification fail; the
//! checks that need no key agree with the full verification; the parsers never panic on
//! anything a stranger can send.

use proptest::prelude::*;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use super::*;
use crate::httpsig::{
    RequestParts, SignatureError, VerifyingKey, cavage, digest, rfc9421, sign_outgoing,
    sign_outgoing_rfc9421,
};

const NOW: u64 = 1_700_000_000;
const KEY_ID: &str = "https://remote.test/users/bob#main-key";

/// A request worth signing: method, URL, body, and one extra header to cover.
#[derive(Debug, Clone)]
struct Request {
    method: Method,
    url: Url,
    body: Vec<u8>,
    extra: (String, String),
}

fn request() -> impl Strategy<Value = Request> {
    (
        prop_oneof![Just(Method::POST), Just(Method::GET)],
        "[a-z]{1,10}\\.(test|example)(:[1-9][0-9]{0,3})?",
        "(/[a-zA-Z0-9_.~%-]{1,12}){1,4}",
        proptest::option::of("[a-z]{1,6}=[a-zA-Z0-9%]{0,8}(&[a-z]{1,6}=[a-z0-9]{0,6}){0,2}"),
        proptest::collection::vec(any::<u8>(), 0..300),
        ("x-[a-z]{1,10}", "[ -~]{0,40}"),
    )
        .prop_map(|(method, host, path, query, body, extra)| {
            let query = query.map(|q| format!("?{q}")).unwrap_or_default();
            let url = Url::parse(&format!("https://{host}{path}{query}")).expect("test URL");
            let body = if method == Method::GET {
                Vec::new()
            } else {
                body
            };
            Request {
                method,
                url,
                body,
                extra,
            }
        })
}

/// Headers of `request` signed with draft-cavage, covering the extra header too.
fn signed_cavage(request: &Request) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/activity+json"),
    );
    let (name, value) = &request.extra;
    headers.insert(
        HeaderName::from_bytes(name.as_bytes()).unwrap(),
        HeaderValue::from_str(value).unwrap(),
    );
    let body = (request.method == Method::POST).then_some(request.body.as_slice());
    let key = generated_key();
    sign_outgoing(
        &request.method,
        &request.url,
        &mut headers,
        body,
        key,
        KEY_ID,
        at(NOW),
    )
    .unwrap();
    let mut covered = vec!["(request-target)", "host", "date", name.as_str()];
    if body.is_some() {
        covered.push("digest");
    }
    let signature = {
        let parts = RequestParts::for_url(request.method.as_str(), &request.url, &headers);
        cavage::sign_request(&parts, key, KEY_ID, &covered).unwrap()
    };
    headers.insert("signature", HeaderValue::from_str(&signature).unwrap());
    headers
}

fn verify_cavage(
    request: &Request,
    headers: &HeaderMap,
    path_and_query: &str,
    body: &[u8],
) -> Result<(), SignatureError> {
    let parts = RequestParts::for_url(request.method.as_str(), &request.url, headers);
    let parts = RequestParts {
        path_and_query: path_and_query.to_owned().into(),
        ..parts
    };
    let params = cavage::parse_signature(headers)?;
    cavage::verify(
        &parts,
        body,
        &params,
        &generated_key().verifying_key(),
        at(NOW + 30),
    )
}

fn target_of(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

/// Replaces the byte at `index` (modulo the length) with a different printable one.
fn flipped(value: &[u8], index: usize) -> Vec<u8> {
    let mut value = value.to_vec();
    let at = index % value.len();
    value[at] = if value[at] == b'A' { b'B' } else { b'A' };
    value
}

fn flip_header(headers: &mut HeaderMap, name: &str, index: usize) -> bool {
    let Some(value) = headers.get(name).filter(|v| !v.is_empty()) else {
        return false;
    };
    let new = HeaderValue::from_bytes(&flipped(value.as_bytes(), index)).unwrap();
    headers.insert(HeaderName::from_bytes(name.as_bytes()).unwrap(), new);
    true
}

/// Flips one byte inside the `signature="…"` parameter.
fn flip_cavage_signature(headers: &mut HeaderMap, index: usize) {
    let value = headers["signature"].to_str().unwrap().to_owned();
    let start = value.find("signature=\"").unwrap() + "signature=\"".len();
    let end = value.len() - 1;
    let encoded = flipped(&value.as_bytes()[start..end], index);
    let new = format!(
        "{}{}\"",
        &value[..start],
        String::from_utf8(encoded).unwrap()
    );
    headers.insert("signature", HeaderValue::from_str(&new).unwrap());
}

/// `precheck` refuses only what `verify` refuses, with the same error, and lets through
/// only what the key alone decides (S25: no key is fetched for the rest).
fn agrees(
    pre: Result<(), SignatureError>,
    full: Result<(), SignatureError>,
) -> Result<(), TestCaseError> {
    match pre {
        Err(e) => prop_assert_eq!(full, Err(e)),
        Ok(()) => prop_assert!(
            matches!(full, Ok(()) | Err(SignatureError::BadSignature)),
            "precheck passed, verify said {:?}",
            full
        ),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn cavage_precheck_agrees_with_verify(
        request in request(),
        what in 0..8u8,
        index in any::<usize>(),
        skew in -8_000i64..4_000,
    ) {
        let mut headers = signed_cavage(&request);
        let mut target = target_of(&request.url);
        let mut body = request.body.clone();
        let extra = request.extra.0.clone();
        match what {
            0 => { flip_header(&mut headers, &extra, index); }
            1 if !body.is_empty() => body = flipped(&body, index),
            2 => { flip_header(&mut headers, "digest", index); }
            3 => flip_cavage_signature(&mut headers, index),
            4 => target = String::from_utf8(flipped(target.as_bytes(), index)).unwrap(),
            5 => { flip_header(&mut headers, "date", index); }
            6 => { flip_header(&mut headers, "host", index); }
            _ => {}
        }
        let parts = RequestParts::for_url(request.method.as_str(), &request.url, &headers);
        let parts = RequestParts { path_and_query: target.into(), ..parts };
        let Ok(params) = cavage::parse_signature(&headers) else { return Ok(()) };
        let now = at(NOW.checked_add_signed(skew).unwrap());
        let key = generated_key().verifying_key();
        agrees(
            cavage::precheck(&parts, &body, &params, now),
            cavage::verify(&parts, &body, &params, &key, now),
        )?;
    }

    #[test]
    fn cavage_signatures_we_make_verify(request in request()) {
        let headers = signed_cavage(&request);
        let target = target_of(&request.url);
        prop_assert_eq!(verify_cavage(&request, &headers, &target, &request.body), Ok(()));
    }

    #[test]
    fn cavage_any_flipped_byte_fails(request in request(), what in 0..7u8, index in any::<usize>()) {
        let mut headers = signed_cavage(&request);
        let mut target = target_of(&request.url);
        let mut body = request.body.clone();
        let extra = request.extra.0.clone();
        let changed = match what {
            0 => flip_header(&mut headers, &extra, index),
            1 if !body.is_empty() => { body = flipped(&body, index); true }
            2 => flip_header(&mut headers, "digest", index),
            3 => { flip_cavage_signature(&mut headers, index); true }
            4 => { target = String::from_utf8(flipped(target.as_bytes(), index)).unwrap(); true }
            5 => flip_header(&mut headers, "date", index),
            6 => flip_header(&mut headers, "host", index),
            _ => false,
        };
        prop_assume!(changed);
        prop_assert!(verify_cavage(&request, &headers, &target, &body).is_err());
    }

    #[test]
    fn rfc9421_signatures_we_make_verify_and_flips_fail(
        request in request(),
        what in 0..5u8,
        index in any::<usize>(),
    ) {
        let key = generated_key();
        let mut headers = HeaderMap::new();
        headers.insert("accept", HeaderValue::from_static("application/activity+json"));
        let (name, value) = &request.extra;
        headers.insert(HeaderName::from_bytes(name.as_bytes()).unwrap(), HeaderValue::from_str(value).unwrap());
        let body = (request.method == Method::POST).then_some(request.body.as_slice());
        sign_outgoing_rfc9421(&request.method, &request.url, &mut headers, body, key, KEY_ID, at(NOW)).unwrap();
        let mut covered = vec!["@method", "@target-uri", name.as_str()];
        if body.is_some() {
            covered.push("content-digest");
        }
        let signed = {
            let parts = RequestParts::for_url(request.method.as_str(), &request.url, &headers);
            rfc9421::sign_message(&parts, key, KEY_ID, &covered, at(NOW)).unwrap()
        };
        headers.insert("signature-input", HeaderValue::from_str(&signed.signature_input).unwrap());
        headers.insert("signature", HeaderValue::from_str(&signed.signature).unwrap());

        let verify = |headers: &HeaderMap, target: &str, body: &[u8]| {
            let parts = RequestParts::for_url(request.method.as_str(), &request.url, headers);
            let parts = RequestParts { path_and_query: target.to_owned().into(), ..parts };
            let signature = rfc9421::parse_message_signature(headers)?;
            if signature.key_id() != KEY_ID {
                return Err(SignatureError::malformed("key id changed"));
            }
            rfc9421::verify_message(&parts, body, &signature, &key.verifying_key(), at(NOW + 30))
        };
        let target = target_of(&request.url);
        prop_assert_eq!(verify(&headers, &target, &request.body), Ok(()));

        let mut body = request.body.clone();
        let mut target = target;
        let changed = match what {
            0 => flip_header(&mut headers, name, index),
            1 if !body.is_empty() => { body = flipped(&body, index); true }
            2 => flip_header(&mut headers, "content-digest", index),
            3 => {
                let value = headers["signature"].to_str().unwrap().to_owned();
                // sig1=:<base64>: — flip inside the base64.
                let inner = &value[6..value.len() - 1];
                let new = format!("sig1=:{}:", String::from_utf8(flipped(inner.as_bytes(), index)).unwrap());
                headers.insert("signature", HeaderValue::from_str(&new).unwrap());
                true
            }
            4 => { target = String::from_utf8(flipped(target.as_bytes(), index)).unwrap(); true }
            _ => false,
        };
        prop_assume!(changed);
        prop_assert!(verify(&headers, &target, &body).is_err());
    }
}

/// Fragments that make random input look like a signature header more often.
fn signature_like() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("keyId"),
        Just("keyid"),
        Just("algorithm"),
        Just("headers"),
        Just("signature"),
        Just("created"),
        Just("expires"),
        Just("="),
        Just("\""),
        Just(","),
        Just(" "),
        Just("\\"),
        Just("("),
        Just(")"),
        Just(";"),
        Just(":"),
        Just("hs2019"),
        Just("rsa-sha256"),
        Just("(request-target)"),
        Just("(created)"),
        Just("(expires)"),
        Just("host"),
        Just("date"),
        Just("digest"),
        Just("AAAA"),
        Just("1618884473"),
        Just("."),
        Just("-1"),
        Just("@method"),
        Just("@target-uri"),
        Just("sig1"),
        Just("content-digest"),
        Just("alg"),
        Just("rsa-v1_5-sha256"),
        Just("Signature "),
    ];
    proptest::collection::vec(pieces, 0..40).prop_map(|p| p.concat())
}

/// Well-formed-looking cavage headers: a key id and signature, then any of the other
/// parameters with plausible values, in any order.
fn cavage_header() -> impl Strategy<Value = String> {
    let names = prop_oneof![
        4 => Just("(request-target)"), 4 => Just("host"), 3 => Just("date"),
        2 => Just("(created)"), 1 => Just("(expires)"), 3 => Just("digest"),
        1 => Just("content-digest"), 1 => Just("x-absent"), 1 => Just("content-type"),
        1 => Just("(bogus)"),
    ];
    let list =
        proptest::collection::vec(names, 0..7).prop_map(|n| format!("headers=\"{}\"", n.join(" ")));
    let algorithm = prop_oneof![
        Just("algorithm=\"hs2019\"".to_owned()),
        Just("algorithm=rsa-sha256".to_owned()),
        Just("algorithm=\"x\"".to_owned()),
    ];
    (
        proptest::option::weighted(0.9, list),
        proptest::option::of(algorithm),
        proptest::option::of("created=1700000[0-9]{3}"),
        proptest::option::of("expires=1700000[0-9]{3}(\\.[0-9]{1,3})?"),
    )
        .prop_flat_map(|(list, algorithm, created, expires)| {
            let mut params = vec!["keyId=\"k\"".to_owned(), "signature=\"AAAA\"".to_owned()];
            params.extend([list, algorithm, created, expires].into_iter().flatten());
            Just(params).prop_shuffle()
        })
        .prop_map(|params| params.join(","))
}

/// Well-formed-looking `Signature-Input` values: mostly valid components, `created` and
/// `keyid` present, other parameters sometimes.
fn rfc9421_input() -> impl Strategy<Value = String> {
    let component = prop_oneof![
        4 => Just("\"@method\""), 3 => Just("\"@target-uri\""), 2 => Just("\"@authority\""),
        2 => Just("\"@path\""), 1 => Just("\"@query\""), 1 => Just("\"@request-target\""),
        1 => Just("\"@scheme\""), 3 => Just("\"content-digest\""), 1 => Just("\"digest\""),
        1 => Just("\"date\""), 1 => Just("\"x-absent\""), 1 => Just("\"host\""),
        1 => prop_oneof![Just("\"@status\""), Just("\"Host\""), Just("\"host\";sf"), Just("token")],
    ];
    let components = proptest::collection::vec(component, 0..6).prop_map(|mut c| {
        let mut seen = Vec::new();
        c.retain(|x| {
            if seen.contains(x) {
                false
            } else {
                seen.push(*x);
                true
            }
        });
        c
    });
    let optional = prop_oneof![
        "expires=1700000[0-9]{3}",
        Just("alg=\"rsa-v1_5-sha256\"".to_owned()),
        Just("alg=\"hmac-sha256\"".to_owned()),
        Just("keyid=1".to_owned()),
        "[a-z]{1,4}=\"[a-z]{0,4}\"",
    ];
    (
        components,
        "created=1700000[0-9]{3}",
        proptest::collection::vec(optional, 0..3),
    )
        .prop_flat_map(|(components, created, optional)| {
            let mut params = vec![created, "keyid=\"k\"".to_owned()];
            params.extend(optional);
            (Just(components), Just(params).prop_shuffle())
        })
        .prop_map(|(components, params)| {
            let params: String = params.iter().map(|p| format!(";{p}")).collect();
            format!("sig1=({}){params}", components.join(" "))
        })
}

fn fixed_request_headers() -> HeaderMap {
    header_map(&[
        ("host", "example.com"),
        ("date", "Tue, 14 Nov 2023 22:13:20 GMT"),
        (
            "digest",
            "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",
        ),
        (
            "content-digest",
            "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
        ),
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn cavage_parser_never_panics(input in any::<String>()) {
        let _ = cavage::parse_signature_value(&input);
    }

    #[test]
    fn cavage_parse_and_verify_never_panic(input in prop_oneof![signature_like(), cavage_header()]) {
        if let Ok(params) = cavage::parse_signature_value(&input) {
            let headers = fixed_request_headers();
            let parts = RequestParts::new("POST", "https", "example.com", "/inbox?x=1", &headers);
            let _ = cavage::signing_string(&parts, &params);
            let key = VerifyingKey::from_pem(RFC_RSA_PUBLIC_PEM).unwrap();
            agrees(
                cavage::precheck(&parts, HELLO_BODY, &params, at(NOW)),
                cavage::verify(&parts, HELLO_BODY, &params, &key, at(NOW)),
            )?;
        }
    }

    #[test]
    fn rfc9421_parser_never_panics(input in any::<String>(), signature in any::<String>()) {
        let _ = rfc9421::parse_fields(&input, &signature);
    }

    #[test]
    fn rfc9421_parse_and_verify_never_panic(
        input in prop_oneof![signature_like().prop_map(|s| format!("sig1=({s}")), rfc9421_input()],
        signature in prop_oneof![signature_like(), Just("AAAA".to_owned())],
    ) {
        if let Ok(parsed) = rfc9421::parse_fields(&input, &format!("sig1=:{signature}:")) {
            let headers = fixed_request_headers();
            let parts = RequestParts::new("POST", "https", "example.com", "/inbox", &headers);
            let _ = rfc9421::signature_base(&parts, &parsed);
            let key = VerifyingKey::from_pem(RFC_RSA_PUBLIC_PEM).unwrap();
            agrees(
                rfc9421::precheck_message(&parts, HELLO_BODY, &parsed, at(NOW)),
                rfc9421::verify_message(&parts, HELLO_BODY, &parsed, &key, at(NOW)),
            )?;
        }
    }

    #[test]
    fn key_and_digest_parsers_never_panic(text in any::<String>(), b64 in "[A-Za-z0-9+/= \n]{0,400}") {
        let _ = VerifyingKey::from_pem(&text);
        let _ = VerifyingKey::from_pem(&format!("-----BEGIN PUBLIC KEY-----\n{b64}\n-----END PUBLIC KEY-----"));
        let _ = VerifyingKey::from_pem(&format!("-----BEGIN RSA PUBLIC KEY-----\n{b64}\n-----END RSA PUBLIC KEY-----"));
        let _ = SigningKey::from_pem(&format!("-----BEGIN PRIVATE KEY-----\n{b64}\n-----END PRIVATE KEY-----"));
        if let Ok(value) = HeaderValue::from_str(&text) {
            let mut headers = HeaderMap::new();
            headers.insert("digest", value.clone());
            headers.insert("content-digest", value);
            let _ = digest::verify_body_digest(&headers, HELLO_BODY);
        }
    }
}
