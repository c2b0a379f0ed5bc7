//! RFC 9421 HTTP Message Signatures, with the rules Mastodon 4.5 applies on receipt
//! (federation.md §1.4): exactly one signature; `keyid` and `created` present; only
//! `rsa-v1_5-sha256`; `@method` covered; the target covered by `@target-uri` (or, more
//! leniently than Mastodon, `@authority` with `@request-target`, or with `@path` plus
//! `@query` when the request has a query); `content-digest` (or `digest`) covered and
//! matching the body whenever there is one; the same time window as cavage.
//!
//! Components we can build: `@method`, `@target-uri`, `@authority`, `@scheme`,
//! `@request-target`, `@path`, `@query` and header fields without parameters. Others
//! (`@query-param`, `@status`, `;sf`, `;key`, `;bs`, `;req`, `;tr`) are refused as
//! malformed: nobody in the fediverse sends them.
//!
//! The signature base is built exactly as §2.5 says: one `"<component>": <value>` line
//! per component, then `"@signature-params": <serialised inner list>`, no final newline.

use std::time::SystemTime;

use base64::Engine;
use reqwest::header::{HeaderMap, HeaderName};

use super::digest::{self, Found};
use super::{
    RequestParts, SignatureError, SigningKey, VerifyingKey, normalize_authority, unix_seconds,
    window,
};

/// The only algorithm accepted (and sent).
pub const ALG_RSA_V1_5_SHA256: &str = "rsa-v1_5-sha256";
/// Longest `Signature-Input` or `Signature` field parsed.
const MAX_FIELD_LEN: usize = 16 * 1024;
/// Most covered components accepted.
const MAX_COMPONENTS: usize = 64;

/// A covered component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Component {
    Method,
    TargetUri,
    Authority,
    Scheme,
    RequestTarget,
    Path,
    Query,
    /// A header field, lower case.
    Field(String),
}

impl Component {
    /// Parses a component name as it appears in `Signature-Input`.
    pub fn parse(name: &str) -> Result<Component, SignatureError> {
        Ok(match name {
            "@method" => Component::Method,
            "@target-uri" => Component::TargetUri,
            "@authority" => Component::Authority,
            "@scheme" => Component::Scheme,
            "@request-target" => Component::RequestTarget,
            "@path" => Component::Path,
            "@query" => Component::Query,
            other if other.starts_with('@') => {
                return Err(SignatureError::malformed(format!(
                    "unsupported component {other}"
                )));
            }
            field => {
                let valid = HeaderName::from_bytes(field.as_bytes()).is_ok()
                    && !field.bytes().any(|b| b.is_ascii_uppercase());
                if !valid {
                    return Err(SignatureError::malformed(format!(
                        "bad component name {field:?}"
                    )));
                }
                Component::Field(field.to_owned())
            }
        })
    }

    pub fn name(&self) -> &str {
        match self {
            Component::Method => "@method",
            Component::TargetUri => "@target-uri",
            Component::Authority => "@authority",
            Component::Scheme => "@scheme",
            Component::RequestTarget => "@request-target",
            Component::Path => "@path",
            Component::Query => "@query",
            Component::Field(name) => name,
        }
    }

    /// The component's value for this request (§2.1, §2.2).
    fn value(&self, parts: &RequestParts<'_>) -> Result<Vec<u8>, SignatureError> {
        let scheme = parts.scheme.to_ascii_lowercase();
        let authority = normalize_authority(&scheme, &parts.authority);
        let value = match self {
            Component::Method => parts.method.to_owned(),
            Component::TargetUri => {
                let target = if parts.path_and_query.is_empty() {
                    "/"
                } else {
                    &parts.path_and_query
                };
                format!("{scheme}://{authority}{target}")
            }
            Component::Authority => authority,
            Component::Scheme => scheme,
            Component::RequestTarget => parts.path_and_query.clone().into_owned(),
            Component::Path => parts.path().to_owned(),
            Component::Query => format!("?{}", parts.query().unwrap_or_default()),
            Component::Field(name) => {
                return parts
                    .field_value(name)
                    .ok_or_else(|| SignatureError::HeaderMissing(name.clone()));
            }
        };
        Ok(value.into_bytes())
    }
}

/// A parsed RFC 9421 signature (the one member of `Signature-Input` and its `Signature`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSignature {
    label: String,
    components: Vec<Component>,
    /// The inner list re-serialised: the `@signature-params` value.
    params_line: String,
    key_id: String,
    created: i64,
    expires: Option<i64>,
    signature: Vec<u8>,
}

impl MessageSignature {
    /// The `keyid`: whose key to load. Check that it belongs to the actor (S07).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn components(&self) -> &[Component] {
        &self.components
    }

    fn covers(&self, component: &Component) -> bool {
        self.components.contains(component)
    }

    fn covers_field(&self, name: &str) -> bool {
        self.components
            .iter()
            .any(|c| matches!(c, Component::Field(f) if f == name))
    }
}

/// The `Signature` and `Signature-Input` values to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHeaders {
    pub signature_input: String,
    pub signature: String,
}

/// Whether the request carries an RFC 9421 signature (then it is not a cavage one).
pub fn is_rfc9421(headers: &HeaderMap) -> bool {
    headers.contains_key("signature-input")
}

/// Parses the request's `Signature-Input` and `Signature` fields.
pub fn parse_message_signature(headers: &HeaderMap) -> Result<MessageSignature, SignatureError> {
    let input = joined_field(headers, "signature-input")?.ok_or(SignatureError::Missing)?;
    let signature = joined_field(headers, "signature")?.ok_or(SignatureError::Missing)?;
    parse_fields(&input, &signature)
}

/// Parses `Signature-Input` and `Signature` field values.
pub fn parse_fields(input: &str, signature: &str) -> Result<MessageSignature, SignatureError> {
    if input.len() > MAX_FIELD_LEN || signature.len() > MAX_FIELD_LEN {
        return Err(SignatureError::malformed("signature field too long"));
    }
    let inputs: sfv::Dictionary = sfv::Parser::new(input)
        .parse()
        .map_err(|e| SignatureError::malformed(format!("Signature-Input: {e}")))?;
    let signatures: sfv::Dictionary = sfv::Parser::new(signature)
        .parse()
        .map_err(|e| SignatureError::malformed(format!("Signature: {e}")))?;
    let mut members = inputs.iter();
    let (label, inner) = match (members.next(), members.next()) {
        (Some((label, sfv::ListEntry::InnerList(inner))), None) => (label, inner),
        (Some(_), None) => return Err(SignatureError::malformed("Signature-Input is not a list")),
        _ => return Err(SignatureError::malformed("expected exactly one signature")),
    };
    let signature = match signatures.get(label.as_str()) {
        Some(sfv::ListEntry::Item(item)) => item.bare_item.as_byte_sequence(),
        _ => None,
    }
    .filter(|s| !s.is_empty())
    .ok_or_else(|| SignatureError::malformed(format!("no signature labelled {label}")))?;
    let components = parse_components(inner)?;
    let param = |name: &str| inner.params.get(name);
    let key_id = param("keyid")
        .map(|v| v.as_string().map(|s| s.as_str().to_owned()))
        .ok_or_else(|| SignatureError::malformed("no keyid"))?
        .ok_or_else(|| SignatureError::malformed("keyid is not a string"))?;
    let created = param("created")
        .ok_or_else(|| SignatureError::malformed("no created"))?
        .as_integer()
        .map(i64::from)
        .ok_or_else(|| SignatureError::malformed("created is not an integer"))?;
    let expires = match param("expires") {
        None => None,
        Some(v) => Some(
            v.as_integer()
                .map(i64::from)
                .ok_or_else(|| SignatureError::malformed("expires is not an integer"))?,
        ),
    };
    if let Some(alg) = param("alg") {
        let alg = alg
            .as_string()
            .ok_or_else(|| SignatureError::malformed("alg is not a string"))?;
        if alg.as_str() != ALG_RSA_V1_5_SHA256 {
            return Err(SignatureError::UnsupportedAlgorithm(
                alg.as_str().to_owned(),
            ));
        }
    }
    Ok(MessageSignature {
        label: label.as_str().to_owned(),
        components,
        params_line: serialize_inner_list(inner)?,
        key_id,
        created,
        expires,
        signature: signature.to_vec(),
    })
}

/// The signature base (§2.5) for `signature` over this request.
pub fn signature_base(
    parts: &RequestParts<'_>,
    signature: &MessageSignature,
) -> Result<Vec<u8>, SignatureError> {
    build_base(parts, &signature.components, &signature.params_line)
}

/// Every check of [`verify_message`] that needs no key: what the signature covers, `Host`,
/// the time window, the body's digest, and that each covered component can be built. Run
/// it before loading or fetching the key, so that a request failing it costs no fetch
/// (S25).
pub fn precheck_message(
    parts: &RequestParts<'_>,
    body: &[u8],
    signature: &MessageSignature,
    now: SystemTime,
) -> Result<(), SignatureError> {
    require_coverage(parts, body, signature)?;
    parts.check_host()?;
    window::check(signature.created, signature.expires, unix_seconds(now))?;
    if parts.needs_digest(body) {
        let mut matched = false;
        for name in [digest::CONTENT_DIGEST, digest::DIGEST] {
            if signature.covers_field(name)
                && digest::check_field(parts.headers, name, body)? == Found::Matched
            {
                matched = true;
            }
        }
        if !matched {
            return Err(SignatureError::DigestMissing);
        }
    }
    digest::verify_body_digest(parts.headers, body)?;
    signature_base(parts, signature).map(drop)
}

/// Verifies a parsed signature over the request and its raw `body` at time `now`; see the
/// module documentation for the rules. Runs [`precheck_message`] first.
pub fn verify_message(
    parts: &RequestParts<'_>,
    body: &[u8],
    signature: &MessageSignature,
    key: &VerifyingKey,
    now: SystemTime,
) -> Result<(), SignatureError> {
    precheck_message(parts, body, signature, now)?;
    let base = signature_base(parts, signature)?;
    if key.verify_sha256(&base, &signature.signature) {
        Ok(())
    } else {
        Err(SignatureError::BadSignature)
    }
}

/// Signs the request with `rsa-v1_5-sha256` over `components` (names as in
/// `Signature-Input`, e.g. `["@method", "@target-uri", "content-digest"]`), labelled
/// `sig1`, created at `created`.
pub fn sign_message(
    parts: &RequestParts<'_>,
    key: &SigningKey,
    key_id: &str,
    components: &[&str],
    created: SystemTime,
) -> Result<SignatureHeaders, SignatureError> {
    let parsed = components
        .iter()
        .map(|name| Component::parse(name))
        .collect::<Result<Vec<_>, _>>()?;
    let items = parsed
        .iter()
        .map(|c| {
            sfv::String::from_string(c.name().to_owned())
                .map(sfv::Item::new)
                .map_err(|(e, _)| SignatureError::Signing(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut params = sfv::Parameters::new();
    let key_id_item = sfv::String::from_string(key_id.to_owned())
        .map_err(|(e, _)| SignatureError::Signing(format!("keyid: {e}")))?;
    let created = sfv::Integer::try_from(unix_seconds(created))
        .map_err(|e| SignatureError::Signing(format!("created: {e}")))?;
    params.insert(key_ref("created")?, sfv::BareItem::Integer(created));
    params.insert(key_ref("keyid")?, sfv::BareItem::String(key_id_item));
    let alg = sfv::String::from_string(ALG_RSA_V1_5_SHA256.to_owned())
        .map_err(|(e, _)| SignatureError::Signing(e.to_string()))?;
    params.insert(key_ref("alg")?, sfv::BareItem::String(alg));
    let params_line = serialize_inner_list(&sfv::InnerList::with_params(items, params))?;
    let base = build_base(parts, &parsed, &params_line)?;
    let signature = base64::engine::general_purpose::STANDARD.encode(key.sign_sha256(&base)?);
    Ok(SignatureHeaders {
        signature_input: format!("sig1={params_line}"),
        signature: format!("sig1=:{signature}:"),
    })
}

/// S09 and Mastodon: method, target and (with a body) its digest must be covered.
fn require_coverage(
    parts: &RequestParts<'_>,
    body: &[u8],
    signature: &MessageSignature,
) -> Result<(), SignatureError> {
    if !signature.covers(&Component::Method) {
        return Err(SignatureError::HeaderNotSigned("@method"));
    }
    let authority = signature.covers(&Component::Authority);
    let path_and_query = signature.covers(&Component::Path)
        && (parts.query().is_none() || signature.covers(&Component::Query));
    let target = signature.covers(&Component::TargetUri)
        || (authority && (signature.covers(&Component::RequestTarget) || path_and_query));
    if !target {
        return Err(SignatureError::HeaderNotSigned("@target-uri"));
    }
    if parts.needs_digest(body)
        && !signature.covers_field(digest::CONTENT_DIGEST)
        && !signature.covers_field(digest::DIGEST)
    {
        return Err(SignatureError::HeaderNotSigned("content-digest"));
    }
    Ok(())
}

fn parse_components(inner: &sfv::InnerList) -> Result<Vec<Component>, SignatureError> {
    if inner.items.len() > MAX_COMPONENTS {
        return Err(SignatureError::malformed("too many covered components"));
    }
    let mut components: Vec<Component> = Vec::with_capacity(inner.items.len());
    for item in &inner.items {
        if !item.params.is_empty() {
            return Err(SignatureError::malformed(
                "component parameters are not supported",
            ));
        }
        let name = item
            .bare_item
            .as_string()
            .ok_or_else(|| SignatureError::malformed("a component is not a string"))?;
        let component = Component::parse(name.as_str())?;
        if components.contains(&component) {
            return Err(SignatureError::malformed(format!(
                "component {} covered twice",
                component.name()
            )));
        }
        components.push(component);
    }
    Ok(components)
}

fn build_base(
    parts: &RequestParts<'_>,
    components: &[Component],
    params_line: &str,
) -> Result<Vec<u8>, SignatureError> {
    let mut base = Vec::with_capacity(512);
    for component in components {
        let value = component.value(parts)?;
        if value.iter().any(|b| matches!(b, b'\r' | b'\n')) {
            return Err(SignatureError::malformed(
                "a component value has a line break",
            ));
        }
        base.push(b'"');
        base.extend_from_slice(component.name().as_bytes());
        base.extend_from_slice(b"\": ");
        base.extend_from_slice(&value);
        base.push(b'\n');
    }
    base.extend_from_slice(b"\"@signature-params\": ");
    base.extend_from_slice(params_line.as_bytes());
    Ok(base)
}

/// An inner list with its parameters, serialised alone (RFC 8941 §4.1.1.1).
fn serialize_inner_list(inner: &sfv::InnerList) -> Result<String, SignatureError> {
    let list: sfv::List = vec![sfv::ListEntry::InnerList(inner.clone())];
    sfv::FieldType::serialize(&list)
        .ok_or_else(|| SignatureError::malformed("cannot serialise the signature parameters"))
}

fn key_ref(name: &str) -> Result<sfv::Key, SignatureError> {
    sfv::Key::from_string(name.to_owned()).map_err(|(e, _)| SignatureError::Signing(e.to_string()))
}

/// Every line of a field joined with `, ` as one structured field value.
fn joined_field(headers: &HeaderMap, name: &str) -> Result<Option<String>, SignatureError> {
    let mut joined: Option<String> = None;
    for line in headers.get_all(name) {
        let line = line
            .to_str()
            .map_err(|_| SignatureError::malformed(format!("{name} is not ASCII")))?;
        match joined.as_mut() {
            Some(value) => {
                value.push_str(", ");
                value.push_str(line);
            }
            None => joined = Some(line.to_owned()),
        }
    }
    Ok(joined)
}
