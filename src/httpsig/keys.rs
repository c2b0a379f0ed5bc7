//! RSA keys in the PEM forms the fediverse publishes, loaded once and reused: parsing a key
//! costs far more than verifying with it, so callers keep the parsed value.
//!
//! Public keys: SPKI (`BEGIN PUBLIC KEY`, what Mastodon publishes) and PKCS#1 (`BEGIN RSA
//! PUBLIC KEY`). Private keys: PKCS#8 (`BEGIN PRIVATE KEY`, what we store) and PKCS#1
//! (`BEGIN RSA PRIVATE KEY`). Sizes from 1024 to 8192 bits: Mastodon uses 2048, old
//! software and the draft-cavage test key use 1024, and the upper bound caps the cost of
//! a verification a stranger can make us do.

use std::fmt;

use base64::Engine;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use sha2::{Sha256, Sha512};

use super::SignatureError;

/// Smallest RSA modulus accepted, in bits.
pub const MIN_KEY_BITS: usize = 1024;
/// Largest RSA modulus accepted, in bits.
pub const MAX_KEY_BITS: usize = 8192;
/// Longest PEM text looked at (an 8192-bit private key is about 6.5 KB).
const MAX_PEM_LEN: usize = 64 * 1024;
/// `rsassaPss`: some RFC 9421 test keys carry it instead of `rsaEncryption`.
const RSASSA_PSS_OID: &str = "1.2.840.113549.1.1.10";

/// A public key that verifies signatures.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyingKey(rsa::PublicKey);

/// A private key that makes signatures. Its `Debug` output shows nothing secret.
#[derive(Clone)]
pub struct SigningKey(rsa::PrivateKey);

impl VerifyingKey {
    /// Parses an SPKI or PKCS#1 PEM public key, tolerating CRLF, indentation and a missing
    /// final newline.
    pub fn from_pem(pem: &str) -> Result<VerifyingKey, SignatureError> {
        let (label, der) = pem_contents(pem)?;
        let pkcs1 = match label.as_str() {
            "PUBLIC KEY" => spki_rsa_key(&der)?,
            "RSA PUBLIC KEY" => der.as_slice(),
            other => {
                return Err(SignatureError::InvalidKey(format!(
                    "a {other:?} PEM is not a public key"
                )));
            }
        };
        check_modulus_bits(pkcs1)?;
        rsa::PublicKey::from_pkcs1_der(pkcs1)
            .map(VerifyingKey)
            .map_err(|e| SignatureError::InvalidKey(e.to_string()))
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.0.n().bit_width_vartime() as usize
    }

    /// The key as SPKI PEM (`BEGIN PUBLIC KEY`, LF line ends), as actors publish it.
    pub fn to_pem(&self) -> Result<String, SignatureError> {
        self.0
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| SignatureError::InvalidKey(e.to_string()))
    }

    /// Whether `signature` is an RSASSA-PKCS1-v1_5 signature over SHA-256 of `message`.
    pub fn verify_sha256(&self, message: &[u8], signature: &[u8]) -> bool {
        self.0.pkcs1v15_verify::<Sha256>(message, signature).is_ok()
    }

    /// The same over SHA-512 (tried for `hs2019`, whose hash the draft leaves to the key).
    pub fn verify_sha512(&self, message: &[u8], signature: &[u8]) -> bool {
        self.0.pkcs1v15_verify::<Sha512>(message, signature).is_ok()
    }

    /// The wrapped key, for checks the HTTP signature schemes do not cover.
    pub fn as_rsa(&self) -> &rsa::PublicKey {
        &self.0
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyingKey(RSA-{})", self.bits())
    }
}

impl SigningKey {
    /// Parses a PKCS#8 or PKCS#1 PEM private key (unencrypted).
    pub fn from_pem(pem: &str) -> Result<SigningKey, SignatureError> {
        let (label, der) = pem_contents(pem)?;
        let key = match label.as_str() {
            "PRIVATE KEY" => rsa::PrivateKey::from_pkcs8_der(&der)
                .map_err(|e| SignatureError::InvalidKey(e.to_string()))?,
            "RSA PRIVATE KEY" => rsa::PrivateKey::from_pkcs1_der(&der)
                .map_err(|e| SignatureError::InvalidKey(e.to_string()))?,
            other => {
                return Err(SignatureError::InvalidKey(format!(
                    "a {other:?} PEM is not a private key"
                )));
            }
        };
        SigningKey::from_rsa(key)
    }

    /// Wraps a key made elsewhere (e.g. freshly generated), checking its size.
    pub fn from_rsa(key: rsa::PrivateKey) -> Result<SigningKey, SignatureError> {
        let bits = key.n().bit_width_vartime() as usize;
        check_bits(bits)?;
        Ok(SigningKey(key))
    }

    /// The matching public key.
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey(self.0.to_public_key())
    }

    /// An RSASSA-PKCS1-v1_5 signature over SHA-256 of `message` (`rsa-sha256`,
    /// `rsa-v1_5-sha256`). Deterministic: the same message gives the same signature.
    pub fn sign_sha256(&self, message: &[u8]) -> Result<Vec<u8>, SignatureError> {
        self.0
            .pkcs1v15_sign::<Sha256>(message)
            .map_err(|e| SignatureError::Signing(e.to_string()))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SigningKey(RSA-{}, redacted)",
            self.0.n().bit_width_vartime()
        )
    }
}

/// The label and decoded body of the first PEM block in `pem`.
fn pem_contents(pem: &str) -> Result<(String, Vec<u8>), SignatureError> {
    let invalid = |why: &str| SignatureError::InvalidKey(why.to_owned());
    if pem.len() > MAX_PEM_LEN {
        return Err(invalid("PEM text too long"));
    }
    let after_begin = pem
        .split_once("-----BEGIN ")
        .map(|(_, rest)| rest)
        .ok_or_else(|| invalid("no PEM BEGIN line"))?;
    let (label, rest) = after_begin
        .split_once("-----")
        .ok_or_else(|| invalid("unterminated PEM BEGIN line"))?;
    let end_line = format!("-----END {label}-----");
    let (body, _) = rest
        .split_once(end_line.as_str())
        .ok_or_else(|| invalid("no matching PEM END line"))?;
    let base64: Vec<u8> = body.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let der = lenient_base64()
        .decode(base64)
        .map_err(|_| invalid("PEM body is not base64 (an encrypted key?)"))?;
    Ok((label.trim().to_owned(), der))
}

/// The PKCS#1 `RSAPublicKey` inside an SPKI structure, if it is an RSA key.
fn spki_rsa_key(der: &[u8]) -> Result<&[u8], SignatureError> {
    let spki = rsa::pkcs8::SubjectPublicKeyInfoRef::try_from(der)
        .map_err(|e| SignatureError::InvalidKey(e.to_string()))?;
    let oid = spki.algorithm.oid;
    if oid != rsa::pkcs1::ALGORITHM_OID && oid.to_string() != RSASSA_PSS_OID {
        return Err(SignatureError::InvalidKey(format!(
            "not an RSA key ({oid})"
        )));
    }
    spki.subject_public_key
        .as_bytes()
        .ok_or_else(|| SignatureError::InvalidKey("key bits are not whole bytes".to_owned()))
}

/// Refuses a PKCS#1 public key whose modulus is outside the accepted sizes, before the
/// costlier full parse.
fn check_modulus_bits(pkcs1: &[u8]) -> Result<(), SignatureError> {
    let key = rsa::pkcs1::RsaPublicKeyRef::try_from(pkcs1)
        .map_err(|e| SignatureError::InvalidKey(e.to_string()))?;
    let modulus = key.modulus.as_bytes();
    let bits = match modulus.first() {
        Some(first) => (modulus.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
        None => 0,
    };
    check_bits(bits)
}

fn check_bits(bits: usize) -> Result<(), SignatureError> {
    if bits < MIN_KEY_BITS {
        Err(SignatureError::KeyTooSmall(bits))
    } else if bits > MAX_KEY_BITS {
        Err(SignatureError::KeyTooLarge(bits))
    } else {
        Ok(())
    }
}

/// Standard base64 that accepts missing padding, as lenient senders produce.
pub(crate) fn lenient_base64() -> base64::engine::GeneralPurpose {
    base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    )
}
