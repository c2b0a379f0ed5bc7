//! The one error type of HTTP signing and verification. Every failure a stranger can cause
//! is a value here, never a panic.

/// Why a signature could not be made, parsed or accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The request carries no `Signature` (nor `Authorization: Signature …`) header.
    #[error("the request is not signed")]
    Missing,
    /// A header or parameter could not be parsed, or breaks a rule of the scheme.
    #[error("malformed signature: {0}")]
    Malformed(String),
    /// An `algorithm` (cavage) or `alg` (RFC 9421) we do not verify.
    #[error("unsupported signature algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// The signature does not cover something it must (security.md S09): the request
    /// target, `host`, a date, the body digest, `@method` …
    #[error("the signature does not cover {0}")]
    HeaderNotSigned(&'static str),
    /// A header the signature names is absent from the request.
    #[error("signed header {0:?} is absent from the request")]
    HeaderMissing(String),
    /// The `Host` header names another server than the one verifying (a replay, S09).
    #[error("the Host header does not name this server")]
    WrongHost,
    /// The signature's date or creation time is too far in the past or the future.
    #[error("the signature's date is outside the accepted window")]
    DateOutOfWindow,
    /// The signature's explicit expiry time has passed.
    #[error("the signature has expired")]
    Expired,
    /// A body without any digest we recognise (SHA-256 or SHA-512).
    #[error("the body has no supported digest")]
    DigestMissing,
    /// A recognised digest does not match the body.
    #[error("the body does not match its digest")]
    DigestMismatch,
    /// The signature does not verify with the key (the caller may refetch the key once).
    #[error("the signature does not verify")]
    BadSignature,
    /// An RSA key below 1024 bits.
    #[error("the key is too small ({0} bits)")]
    KeyTooSmall(usize),
    /// An RSA key above 8192 bits (refused to bound the cost of verifying).
    #[error("the key is too large ({0} bits)")]
    KeyTooLarge(usize),
    /// A key that is not an RSA key in a PEM form we read.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// Our own signing failed (a key or header we were given cannot be used).
    #[error("signing failed: {0}")]
    Signing(String),
}

impl SignatureError {
    /// Whether verifying again with a freshly fetched key could succeed: only a signature
    /// that failed the cryptographic check (the sender may have rotated its key).
    pub fn may_pass_with_fresh_key(&self) -> bool {
        matches!(self, SignatureError::BadSignature)
    }

    pub(crate) fn malformed(message: impl Into<String>) -> SignatureError {
        SignatureError::Malformed(message.into())
    }
}
