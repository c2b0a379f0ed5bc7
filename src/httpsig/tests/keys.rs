//! Key parsing: the PEM forms remotes publish, the sizes we accept, and what we refuse.

use base64::Engine;
use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::pkcs8::{EncodePrivateKey, LineEnding};

use super::*;
use crate::httpsig::{SignatureError, VerifyingKey};

fn pem(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// DER `INTEGER` of a big-endian magnitude, `SEQUENCE` of parts.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 128 {
        out.push(len as u8);
    } else if len < 256 {
        out.extend_from_slice(&[0x81, len as u8]);
    } else {
        out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(content);
    out
}

/// A PKCS#1 public key with an odd modulus of exactly `bits` bits.
fn pkcs1_public_of_bits(bits: usize) -> String {
    let mut modulus = vec![0xC5u8; bits.div_ceil(8)];
    modulus[0] = 1 << ((bits - 1) % 8);
    let last = modulus.len() - 1;
    modulus[last] |= 1;
    let mut integer = if modulus[0] & 0x80 != 0 {
        vec![0u8]
    } else {
        Vec::new()
    };
    integer.extend_from_slice(&modulus);
    let mut sequence = der(0x02, &integer);
    sequence.extend(der(0x02, &[0x01, 0x00, 0x01]));
    pem("RSA PUBLIC KEY", &der(0x30, &sequence))
}

#[test]
fn public_keys_parse_in_spki_and_pkcs1_form() {
    let spki = VerifyingKey::from_pem(RFC_RSA_PSS_PUBLIC_PEM).unwrap();
    assert_eq!(spki.bits(), 2048);
    let pkcs1 = VerifyingKey::from_pem(RFC_RSA_PUBLIC_PEM).unwrap();
    assert_eq!(pkcs1.bits(), 2048);
    let private = rfc_private_key();
    assert_eq!(private.verifying_key(), pkcs1);
    // Its primes are unbalanced: the PEM decoder refuses such keys rather than guess.
    assert!(matches!(
        SigningKey::from_pem(RFC_RSA_PRIVATE_PEM),
        Err(SignatureError::InvalidKey(_))
    ));
    // Re-published as SPKI, it parses back to the same key.
    let republished = pkcs1.to_pem().unwrap();
    assert!(republished.starts_with("-----BEGIN PUBLIC KEY-----\n"));
    assert_eq!(VerifyingKey::from_pem(&republished).unwrap(), pkcs1);
}

#[test]
fn private_keys_parse_in_pkcs8_and_pkcs1_form() {
    let key = generated_key();
    let rsa_key = generated_rsa_key();
    let pkcs8 = rsa_key.to_pkcs8_pem(LineEnding::LF).unwrap();
    let pkcs1 = rsa_key.to_pkcs1_pem(LineEnding::CRLF).unwrap();
    for text in [pkcs8.as_str(), pkcs1.as_str()] {
        let parsed = SigningKey::from_pem(text).unwrap();
        assert_eq!(parsed.verifying_key(), key.verifying_key());
    }
    let public_pkcs1 = rsa_key
        .to_public_key()
        .to_pkcs1_pem(LineEnding::LF)
        .unwrap();
    assert_eq!(
        VerifyingKey::from_pem(&public_pkcs1).unwrap(),
        key.verifying_key()
    );
}

#[test]
fn pem_layout_is_tolerated() {
    let crlf = RFC_RSA_PSS_PUBLIC_PEM.replace('\n', "\r\n");
    let indented: String = RFC_RSA_PSS_PUBLIC_PEM
        .lines()
        .map(|l| format!("    {l}  \n"))
        .collect();
    let one_line = RFC_RSA_PSS_PUBLIC_PEM
        .replace("-----\n", "-----")
        .replace('\n', "");
    let expected = VerifyingKey::from_pem(RFC_RSA_PSS_PUBLIC_PEM).unwrap();
    for text in [
        crlf,
        indented,
        one_line,
        format!("\n\n{RFC_RSA_PSS_PUBLIC_PEM}\n\n"),
    ] {
        assert_eq!(VerifyingKey::from_pem(&text).unwrap(), expected, "{text:?}");
    }
}

#[test]
fn key_sizes_are_bounded() {
    assert_eq!(
        VerifyingKey::from_pem(&pkcs1_public_of_bits(512)),
        Err(SignatureError::KeyTooSmall(512))
    );
    assert_eq!(
        VerifyingKey::from_pem(&pkcs1_public_of_bits(1023)),
        Err(SignatureError::KeyTooSmall(1023))
    );
    assert_eq!(
        VerifyingKey::from_pem(&pkcs1_public_of_bits(8200)),
        Err(SignatureError::KeyTooLarge(8200))
    );
    assert_eq!(
        VerifyingKey::from_pem(&pkcs1_public_of_bits(1024))
            .unwrap()
            .bits(),
        1024
    );
    assert_eq!(
        VerifyingKey::from_pem(CAVAGE_PUBLIC_PEM).unwrap().bits(),
        1024
    );
}

#[test]
fn other_keys_and_garbage_are_refused() {
    let ed25519 = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=\n-----END PUBLIC KEY-----\n";
    let cases = [
        ed25519.to_owned(),
        RFC_RSA_PRIVATE_PEM.to_owned(),
        RFC_RSA_PUBLIC_PEM.replace("RSA PUBLIC KEY", "CERTIFICATE"),
        RFC_RSA_PUBLIC_PEM.replace("-----END RSA PUBLIC KEY-----", ""),
        RFC_RSA_PUBLIC_PEM.replace("MIIB", "M!IB"),
        "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----".to_owned(),
        "not a key".to_owned(),
        String::new(),
        "x".repeat(100_000),
    ];
    for text in &cases {
        assert!(
            matches!(
                VerifyingKey::from_pem(text),
                Err(SignatureError::InvalidKey(_))
            ),
            "{:?}",
            &text[..text.len().min(80)]
        );
    }
    assert!(matches!(
        SigningKey::from_pem(RFC_RSA_PUBLIC_PEM),
        Err(SignatureError::InvalidKey(_))
    ));
    let encrypted = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----";
    assert!(matches!(
        SigningKey::from_pem(encrypted),
        Err(SignatureError::InvalidKey(_))
    ));
}

#[test]
fn signing_key_debug_output_hides_the_secret() {
    let shown = format!("{:?}", generated_key());
    assert_eq!(shown, "SigningKey(RSA-2048, redacted)");
}
