//! Published test vectors: draft-cavage-http-signatures-12 Appendix C (C.1 default,
//! C.2 basic, C.3 all headers) and RFC 9421 (§4.3, the one RSASSA-PKCS1-v1_5 example;
//! Appendix B.2.1 and B.2.3 bases, checked against their published RSA-PSS signatures).

use base64::Engine;
use reqwest::header::HeaderMap;

use super::*;
use crate::httpsig::cavage::{self, parse_signature, parse_signature_value, signing_string};
use crate::httpsig::rfc9421::{self, parse_fields, parse_message_signature, signature_base};
use crate::httpsig::{RequestParts, SignatureError, VerifyingKey};

fn b64(value: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(value)
        .expect("published base64")
}

/// The draft's example request: `POST /foo?param=value&pet=dog` to example.com.
fn cavage_request() -> HeaderMap {
    header_map(&[
        ("host", "example.com"),
        ("date", "Sun, 05 Jan 2014 21:31:40 GMT"),
        ("content-type", "application/json"),
        (
            "digest",
            "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",
        ),
        ("content-length", "18"),
    ])
}

fn cavage_parts(headers: &HeaderMap) -> RequestParts<'_> {
    RequestParts::new(
        "POST",
        "https",
        "example.com",
        "/foo?param=value&pet=dog",
        headers,
    )
}

/// 2014-01-05 21:31:40 UTC, the draft's `Date`.
const CAVAGE_DATE: u64 = 1_388_957_500;

const C1_SIGNATURE: &str = "SjWJWbWN7i0wzBvtPl8rbASWz5xQW6mcJmn+ibttBqtifLN7Sazz6m79cNfwwb8DMJ5cou1s7uEGKKCs+FLEEaDV5lp7q25WqS+lavg7T8hc0GppauB6hbgEKTwblDHYGEtbGmtdHgVCk9SuS13F0hZ8FD0k/5OxEPXe5WozsbM=";
const C2_SIGNATURE: &str = "qdx+H7PHHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7ndmw2iicw3HMbe8VfEdKFYRqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0=";
const C3_SIGNATURE: &str = "vSdrb+dS3EceC9bcwHSo4MlyKS59iFIrhgYkz8+oVLEEzmYZZvRs8rgOp+63LEM3v+MFHB32NfpB2bEKBIvB1q52LaEUHFv120V01IL+TAD48XaERZFukWgHoBTLMhYS2Gb51gWxpeIq8knRmPnYePbF5MOkR0Zkly4zKH7s1dE=";

#[test]
fn cavage_c1_default_test_signs_only_the_date() {
    let headers = cavage_request();
    let parts = cavage_parts(&headers);
    let params = parse_signature_value(&format!(
        "keyId=\"Test\",algorithm=\"rsa-sha256\",signature=\"{C1_SIGNATURE}\""
    ))
    .unwrap();
    assert_eq!(params.headers(), ["date"]);
    let string = signing_string(&parts, &params).unwrap();
    assert_eq!(string, b"date: Sun, 05 Jan 2014 21:31:40 GMT");

    let private = SigningKey::from_pem(CAVAGE_PRIVATE_PEM).unwrap();
    let public = VerifyingKey::from_pem(CAVAGE_PUBLIC_PEM).unwrap();
    assert_eq!(public.bits(), 1024);
    assert_eq!(private.sign_sha256(&string).unwrap(), b64(C1_SIGNATURE));
    assert!(public.verify_sha256(&string, &b64(C1_SIGNATURE)));

    // Cryptographically fine, but it covers neither target nor host: refused (S09).
    assert_eq!(
        cavage::verify(&parts, HELLO_BODY, &params, &public, at(CAVAGE_DATE)),
        Err(SignatureError::HeaderNotSigned("(request-target)"))
    );
}

#[test]
fn cavage_c2_basic_test_in_an_authorization_header() {
    let mut headers = cavage_request();
    let authorization = format!(
        "Signature keyId=\"Test\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date\",signature=\"{C2_SIGNATURE}\""
    );
    headers.insert("authorization", authorization.parse().unwrap());
    let parts = cavage_parts(&headers);
    let params = parse_signature(&headers).unwrap();
    assert_eq!(params.key_id(), "Test");
    let string = signing_string(&parts, &params).unwrap();
    assert_eq!(
        String::from_utf8(string.clone()).unwrap(),
        "(request-target): post /foo?param=value&pet=dog\nhost: example.com\ndate: Sun, 05 Jan 2014 21:31:40 GMT"
    );

    // Our signer reproduces the published header's signature byte for byte.
    let private = SigningKey::from_pem(CAVAGE_PRIVATE_PEM).unwrap();
    let ours = cavage::sign_request(
        &parts,
        &private,
        "Test",
        &["(request-target)", "host", "date"],
    )
    .unwrap();
    assert_eq!(
        ours,
        format!(
            "keyId=\"Test\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date\",signature=\"{C2_SIGNATURE}\""
        )
    );

    // A POST whose digest is not signed is refused even though the signature is valid.
    let public = VerifyingKey::from_pem(CAVAGE_PUBLIC_PEM).unwrap();
    assert!(public.verify_sha256(&string, &b64(C2_SIGNATURE)));
    assert_eq!(
        cavage::verify(&parts, HELLO_BODY, &params, &public, at(CAVAGE_DATE + 60)),
        Err(SignatureError::HeaderNotSigned("digest"))
    );
}

#[test]
fn cavage_c3_all_headers_test_verifies_end_to_end() {
    let mut headers = cavage_request();
    let header = format!(
        "keyId=\"Test\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date content-type digest content-length\",signature=\"{C3_SIGNATURE}\""
    );
    headers.insert("signature", header.parse().unwrap());
    let parts = cavage_parts(&headers);
    let params = parse_signature(&headers).unwrap();
    assert_eq!(
        String::from_utf8(signing_string(&parts, &params).unwrap()).unwrap(),
        "(request-target): post /foo?param=value&pet=dog\nhost: example.com\ndate: Sun, 05 Jan 2014 21:31:40 GMT\ncontent-type: application/json\ndigest: SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=\ncontent-length: 18"
    );
    let public = VerifyingKey::from_pem(CAVAGE_PUBLIC_PEM).unwrap();
    assert_eq!(
        cavage::verify(&parts, HELLO_BODY, &params, &public, at(CAVAGE_DATE + 60)),
        Ok(())
    );
    // The same request two hours later, or with another body, is refused.
    assert_eq!(
        cavage::verify(&parts, HELLO_BODY, &params, &public, at(CAVAGE_DATE + 7200)),
        Err(SignatureError::DateOutOfWindow)
    );
    assert_eq!(
        cavage::verify(
            &parts,
            b"{\"hello\": \"moon\"}",
            &params,
            &public,
            at(CAVAGE_DATE)
        ),
        Err(SignatureError::DigestMismatch)
    );
}

#[test]
fn cavage_c3_as_printed_is_refused_for_signing_created_with_rsa_sha256() {
    // The draft's C.3 header lists (created) and (expires) under rsa-sha256, which its own
    // §2.3 forbids (and Mastodon refuses).
    let printed = format!(
        "keyId=\"Test\",algorithm=\"rsa-sha256\",created=1402170695, expires=1402170699,headers=\"(request-target) (created) (expires) host date content-type digest content-length\",signature=\"{C3_SIGNATURE}\""
    );
    assert!(matches!(
        parse_signature_value(&printed),
        Err(SignatureError::Malformed(_))
    ));
}

/// RFC 9421's example request (Appendix B.2 and §4.3 use the same body and digest).
fn rfc_request(extra: &[(&str, &str)]) -> HeaderMap {
    let mut pairs = vec![
        ("date", "Tue, 20 Apr 2021 02:07:55 GMT"),
        ("content-type", "application/json"),
        (
            "content-digest",
            "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
        ),
        ("content-length", "18"),
    ];
    pairs.extend_from_slice(extra);
    header_map(&pairs)
}

const PROXY_SIG_INPUT: &str = "proxy_sig=(\"@method\" \"@authority\" \"@path\" \"content-digest\" \"content-type\" \"content-length\" \"forwarded\");created=1618884480;keyid=\"test-key-rsa\";alg=\"rsa-v1_5-sha256\";expires=1618884540";
const PROXY_SIG: &str = "proxy_sig=:S6ZzPXSdAMOPjN/6KXfXWNO/f7V6cHm7BXYUh3YD/fRad4BCaRZxP+JH+8XY1I6+8Cy+CM5g92iHgxtRPz+MjniOaYmdkDcnL9cCpXJleXsOckpURl49GwiyUpZ10KHgOEe11sx3G2gxI8S0jnxQB+Pu68U9vVcasqOWAEObtNKKZd8tSFu7LB5YAv0RAGhB8tmpv7sFnIm9y+7X5kXQfi8NMaZaA8i2ZHwpBdg7a6CMfwnnrtflzvZdXAsD3LH2TwevU+/PBPv0B6NMNk93wUs/vfJvye+YuI87HU38lZHowtznbLVdp770I6VHR6WfgS9ddzirrswsE1w5o0LV/g==:";

#[test]
fn rfc9421_section_4_3_rsa_v1_5_sha256_verifies_end_to_end() {
    let headers = rfc_request(&[
        ("forwarded", "for=192.0.2.123;host=example.com;proto=https"),
        ("signature-input", PROXY_SIG_INPUT),
        ("signature", PROXY_SIG),
    ]);
    let signature = parse_message_signature(&headers).unwrap();
    assert_eq!(signature.key_id(), "test-key-rsa");
    assert_eq!(signature.label(), "proxy_sig");
    let key = VerifyingKey::from_pem(RFC_RSA_PUBLIC_PEM).unwrap();
    // The proxy saw the request without its query (the example covers @path only).
    let parts = RequestParts::new(
        "POST",
        "https",
        "origin.host.internal.example",
        "/foo",
        &headers,
    );
    let base = signature_base(&parts, &signature).unwrap();
    assert_eq!(
        String::from_utf8(base.clone()).unwrap(),
        [
            "\"@method\": POST",
            "\"@authority\": origin.host.internal.example",
            "\"@path\": /foo",
            "\"content-digest\": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
            "\"content-type\": application/json",
            "\"content-length\": 18",
            "\"forwarded\": for=192.0.2.123;host=example.com;proto=https",
            "\"@signature-params\": (\"@method\" \"@authority\" \"@path\" \"content-digest\" \"content-type\" \"content-length\" \"forwarded\");created=1618884480;keyid=\"test-key-rsa\";alg=\"rsa-v1_5-sha256\";expires=1618884540",
        ]
        .join("\n")
    );
    // PKCS#1 v1.5 is deterministic: the published private key reproduces the signature.
    let private = rfc_private_key();
    let published = &PROXY_SIG["proxy_sig=:".len()..PROXY_SIG.len() - 1];
    assert_eq!(private.sign_sha256(&base).unwrap(), b64(published));

    assert_eq!(
        rfc9421::verify_message(&parts, HELLO_BODY, &signature, &key, at(1_618_884_500)),
        Ok(())
    );
    assert_eq!(
        rfc9421::verify_message(&parts, HELLO_BODY, &signature, &key, at(1_618_884_541)),
        Err(SignatureError::Expired)
    );
    // Sent with a query the signature does not cover: refused before any RSA work.
    let with_query = RequestParts::new(
        "POST",
        "https",
        "origin.host.internal.example",
        "/foo?param=Value&Pet=dog",
        &headers,
    );
    assert_eq!(
        rfc9421::verify_message(&with_query, HELLO_BODY, &signature, &key, at(1_618_884_500)),
        Err(SignatureError::HeaderNotSigned("@target-uri"))
    );
    // Another body, another authority.
    assert_eq!(
        rfc9421::verify_message(&parts, b"{}", &signature, &key, at(1_618_884_500)),
        Err(SignatureError::DigestMismatch)
    );
    let elsewhere = RequestParts::new("POST", "https", "other.example", "/foo", &headers);
    assert_eq!(
        rfc9421::verify_message(&elsewhere, HELLO_BODY, &signature, &key, at(1_618_884_500)),
        Err(SignatureError::BadSignature)
    );
}

#[test]
fn rfc9421_b_2_3_full_coverage_base_matches_its_pss_signature() {
    let input = "sig-b23=(\"date\" \"@method\" \"@path\" \"@query\" \"@authority\" \"content-type\" \"content-digest\" \"content-length\");created=1618884473;keyid=\"test-key-rsa-pss\"";
    let published = "bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pFkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==";
    let headers = rfc_request(&[("host", "example.com")]);
    let signature = parse_fields(input, &format!("sig-b23=:{published}:")).unwrap();
    let parts = RequestParts::new(
        "POST",
        "https",
        "example.com",
        "/foo?param=Value&Pet=dog",
        &headers,
    );
    let base = signature_base(&parts, &signature).unwrap();
    assert_eq!(
        String::from_utf8(base.clone()).unwrap(),
        [
            "\"date\": Tue, 20 Apr 2021 02:07:55 GMT",
            "\"@method\": POST",
            "\"@path\": /foo",
            "\"@query\": ?param=Value&Pet=dog",
            "\"@authority\": example.com",
            "\"content-type\": application/json",
            "\"content-digest\": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
            "\"content-length\": 18",
            "\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@query\" \"@authority\" \"content-type\" \"content-digest\" \"content-length\");created=1618884473;keyid=\"test-key-rsa-pss\"",
        ]
        .join("\n")
    );
    let key = VerifyingKey::from_pem(RFC_RSA_PSS_PUBLIC_PEM).unwrap();
    assert!(
        key.as_rsa()
            .pss_verify::<sha2::Sha512>(&base, &b64(published))
            .is_ok()
    );
    // We only verify rsa-v1_5-sha256: the PSS signature does not pass as one.
    assert_eq!(
        rfc9421::verify_message(&parts, HELLO_BODY, &signature, &key, at(1_618_884_480)),
        Err(SignatureError::BadSignature)
    );
}

#[test]
fn rfc9421_b_2_1_minimal_signature_covers_nothing_and_is_refused() {
    let input =
        "sig-b21=();created=1618884473;keyid=\"test-key-rsa-pss\";nonce=\"b3k2pp5k7z-50gnwp.yemd\"";
    let published = "d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==";
    let headers = rfc_request(&[]);
    let signature = parse_fields(input, &format!("sig-b21=:{published}:")).unwrap();
    let parts = RequestParts::new("POST", "https", "example.com", "/foo", &headers);
    let base = signature_base(&parts, &signature).unwrap();
    assert_eq!(
        base,
        b"\"@signature-params\": ();created=1618884473;keyid=\"test-key-rsa-pss\";nonce=\"b3k2pp5k7z-50gnwp.yemd\""
    );
    let key = VerifyingKey::from_pem(RFC_RSA_PSS_PUBLIC_PEM).unwrap();
    assert!(
        key.as_rsa()
            .pss_verify::<sha2::Sha512>(&base, &b64(published))
            .is_ok()
    );
    assert_eq!(
        rfc9421::verify_message(&parts, HELLO_BODY, &signature, &key, at(1_618_884_480)),
        Err(SignatureError::HeaderNotSigned("@method"))
    );
}
