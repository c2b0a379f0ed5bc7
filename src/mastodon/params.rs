//! Mastodon API parameters, read the way Rails reads them: from the query string and the
//! body (`application/x-www-form-urlencoded`, `multipart/form-data` text fields or
//! `application/json`), merged into one tree (a body key replaces a query key of the same
//! name), with Rails bracket keys (`media_ids[]=1`, `poll[options][]=a`,
//! `fields_attributes[0][name]=x`, `data[alerts][mention]=true`, also percent-encoded).
//!
//! Every source becomes one `serde_json::Value` first, then one `serde_json::from_value`
//! into the handler's struct, so a JSON body and a form body go through the same type.
//! Form values are all strings: use the [`lenient`] deserialisers for booleans, numbers,
//! ids and lists.
//!
//! Errors: an unreadable body or malformed JSON is a 400; parameters that parse but do not
//! fit the struct, or that exceed [`MAX_PAIRS`] / [`MAX_DEPTH`], are a 422.
//!
//! The bracket parser is written here rather than taken from `serde_qs`: deserialised into a
//! `Value`, serde_qs turns a repeated scalar (`a=1&a=2`) into a list and `a[0]=x` into a list,
//! and keeps keys past its depth limit as literal strings; Rails takes the last scalar, keeps
//! `{"0": …}` maps and we want over-deep keys refused.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::AppError;

/// Most key/value pairs read from one source (query string or body).
pub const MAX_PAIRS: usize = 1000;
/// Most bracket levels after the name: `a[b][c]` has two.
pub const MAX_DEPTH: usize = 5;

/// Parameters from the query string and the body, merged (the body wins).
///
/// Multipart fields that carry a file name are skipped: files are read by the media
/// handlers, which take the body themselves.
pub struct Params<T>(pub T);

/// Parameters from the query string only, for GET handlers.
pub struct QueryParams<T>(pub T);

impl<T, S> FromRequest<S> for Params<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let query = parse_query(req.uri().query())?;
        let body = body_value(req, state).await?;
        typed(merge(query, body)).map(Params)
    }
}

impl<T, S> FromRequestParts<S> for QueryParams<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        typed(parse_query(parts.uri.query())?).map(QueryParams)
    }
}

/// Builds the parameter tree from decoded pairs, Rails style: `a[b]=1` nests, `a[]=1`
/// appends, `a[][b]=1` fills the last object of a list, and a repeated plain key keeps
/// its last value. Pairs with an empty name are ignored. Always returns an object.
pub fn parse_pairs(pairs: &[(String, String)]) -> Result<Value, String> {
    if pairs.len() > MAX_PAIRS {
        return Err(too_many());
    }
    let mut root = Value::Object(Map::new());
    for (key, value) in pairs {
        let (head, segments) = split_key(key);
        if head.is_empty() {
            continue;
        }
        if segments.len() > MAX_DEPTH {
            return Err(format!("{} is nested too deeply", short(key)));
        }
        let path: Vec<&str> = std::iter::once(head).chain(segments).collect();
        assign(&mut root, &path, Value::String(value.clone()))
            .map_err(|()| format!("{} mixes a value, a list and fields", short(key)))?;
    }
    Ok(root)
}

/// `a[b][]` → ("a", ["b", ""]). A key that is not well-formed brackets is taken whole.
fn split_key(key: &str) -> (&str, Vec<&str>) {
    let Some(open) = key.find('[') else {
        return (key, Vec::new());
    };
    let mut segments = Vec::new();
    let mut rest = &key[open..];
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[').and_then(|r| r.split_once(']'));
        match inner {
            Some((segment, tail)) if !segment.contains('[') => {
                segments.push(segment);
                rest = tail;
            }
            _ => return (key, Vec::new()),
        }
    }
    (&key[..open], segments)
}

/// Puts `value` at `path` under `slot`; `Err` when the path crosses a value of another shape.
fn assign(slot: &mut Value, path: &[&str], value: Value) -> Result<(), ()> {
    let Some((segment, rest)) = path.split_first() else {
        *slot = value;
        return Ok(());
    };
    if slot.is_null() {
        *slot = if segment.is_empty() {
            Value::Array(Vec::new())
        } else {
            Value::Object(Map::new())
        };
    }
    match (slot, segment.is_empty()) {
        (Value::Array(list), true) if rest.is_empty() => {
            list.push(value);
            Ok(())
        }
        (Value::Array(list), true) => {
            let reuse = matches!(list.last(), Some(Value::Object(m)) if !has_path(m, rest));
            if !reuse {
                list.push(Value::Object(Map::new()));
            }
            match list.last_mut() {
                Some(last) => assign(last, rest, value),
                None => Err(()),
            }
        }
        (Value::Object(map), false) => {
            let child = map.entry(segment.to_string()).or_insert(Value::Null);
            assign(child, rest, value)
        }
        _ => Err(()),
    }
}

/// Whether `map` already holds `path` (Rack's `params_hash_has_key?`).
fn has_path(map: &Map<String, Value>, path: &[&str]) -> bool {
    if path.contains(&"") {
        return false;
    }
    let mut node = map;
    for (i, segment) in path.iter().enumerate() {
        match node.get(*segment) {
            None => return false,
            Some(_) if i + 1 == path.len() => return true,
            Some(Value::Object(next)) => node = next,
            Some(_) => return false,
        }
    }
    false
}

fn parse_query(query: Option<&str>) -> Result<Value, AppError> {
    let pairs = decode_form(query.unwrap_or("").as_bytes());
    parse_pairs(&pairs).map_err(validation)
}

/// Decodes `application/x-www-form-urlencoded` (also percent-encoded brackets and `+`),
/// stopping one pair past the cap so that `parse_pairs` refuses it without reading on.
fn decode_form(input: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(input)
        .take(MAX_PAIRS + 1)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[derive(Debug, PartialEq, Eq)]
enum BodyKind {
    Json,
    Multipart,
    Form,
}

/// JSON for `application/json` and `*+json`, multipart for `multipart/form-data`, form
/// encoding for everything else (including no content type).
fn body_kind(headers: &HeaderMap) -> BodyKind {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        BodyKind::Json
    } else if essence == "multipart/form-data" {
        BodyKind::Multipart
    } else {
        BodyKind::Form
    }
}

async fn body_value<S: Send + Sync>(req: Request, state: &S) -> Result<Value, AppError> {
    let kind = body_kind(req.headers());
    let headers = req.headers().clone();
    let extensions = req.extensions().clone();
    let bytes = Bytes::from_request(req, state).await.map_err(|e| {
        AppError::bad_request(format!("Unable to read request body: {}", e.body_text()))
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    match kind {
        BodyKind::Json => json_body(&bytes),
        BodyKind::Form => parse_pairs(&decode_form(&bytes)).map_err(validation),
        BodyKind::Multipart => {
            let mut req = Request::new(Body::from(bytes));
            *req.headers_mut() = headers;
            *req.extensions_mut() = extensions;
            let pairs = multipart_pairs(req, state).await?;
            parse_pairs(&pairs).map_err(validation)
        }
    }
}

fn json_body(bytes: &[u8]) -> Result<Value, AppError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| AppError::bad_request(format!("Invalid JSON in request body: {e}")))?;
    if !value.is_object() {
        return Err(AppError::bad_request(
            "The JSON request body must be an object",
        ));
    }
    check_tree(&value, 0, &mut 0).map_err(validation)?;
    Ok(value)
}

/// The caps of form bodies, applied to a JSON tree: depth below the top object and the
/// number of values (scalars and empty containers).
fn check_tree(value: &Value, depth: usize, count: &mut usize) -> Result<(), String> {
    let children: Box<dyn Iterator<Item = &Value>> = match value {
        Value::Object(m) if !m.is_empty() => Box::new(m.values()),
        Value::Array(a) if !a.is_empty() => Box::new(a.iter()),
        _ => {
            *count += 1;
            return if *count > MAX_PAIRS {
                Err(too_many())
            } else {
                Ok(())
            };
        }
    };
    if depth > MAX_DEPTH {
        return Err("the JSON body is nested too deeply".to_string());
    }
    for child in children {
        check_tree(child, depth + 1, count)?;
    }
    Ok(())
}

/// The text fields of a multipart body as pairs; fields with a file name are skipped.
async fn multipart_pairs<S: Send + Sync>(
    req: Request,
    state: &S,
) -> Result<Vec<(String, String)>, AppError> {
    let bad = |text: String| AppError::bad_request(format!("Invalid multipart body: {text}"));
    let mut multipart = Multipart::from_request(req, state)
        .await
        .map_err(|e| bad(e.body_text()))?;
    let mut pairs = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| bad(e.body_text()))?
    {
        if field.file_name().is_some() {
            continue;
        }
        let Some(name) = field.name().map(str::to_owned) else {
            continue;
        };
        let value = field.text().await.map_err(|e| bad(e.body_text()))?;
        pairs.push((name, value));
        if pairs.len() > MAX_PAIRS {
            return Err(validation(too_many()));
        }
    }
    Ok(pairs)
}

/// Query and body trees merged at the top level; the body wins.
fn merge(query: Value, body: Value) -> Value {
    match (query, body) {
        (Value::Object(mut q), Value::Object(b)) => {
            q.extend(b);
            Value::Object(q)
        }
        (_, body) => body,
    }
}

fn typed<T: DeserializeOwned>(value: Value) -> Result<T, AppError> {
    serde_json::from_value(value).map_err(|e| validation(e.to_string()))
}

fn validation(what: String) -> AppError {
    AppError::invalid(format!("Validation failed: {what}"))
}

fn too_many() -> String {
    format!("too many parameters (at most {MAX_PAIRS})")
}

/// A client's key, cut short for an error message.
fn short(key: &str) -> String {
    match key.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &key[..cut]),
        None => key.to_string(),
    }
}

/// `id[]=…` of the endpoints that take several records at once.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Ids {
    #[serde(default, deserialize_with = "lenient::string_or_vec")]
    id: Vec<String>,
}

impl Ids {
    /// The ids asked for, each once and in the order first asked. Mastodon refuses more
    /// than `most` distinct ones (422); ids that are not numbers match nothing.
    pub fn at_most<T: std::str::FromStr>(&self, most: usize) -> crate::error::AppResult<Vec<T>> {
        let mut seen = std::collections::HashSet::new();
        let distinct: Vec<&str> = self
            .id
            .iter()
            .map(|raw| raw.trim())
            .filter(|raw| seen.insert(*raw))
            .collect();
        if distinct.len() > most {
            return Err(crate::error::AppError::invalid("Mastodon::ValidationError"));
        }
        Ok(distinct
            .into_iter()
            .filter_map(|raw| raw.parse().ok())
            .collect())
    }

    /// The first `n` ids asked for that are numbers, where Mastodon ignores the rest.
    pub fn first<T: std::str::FromStr>(&self, n: usize) -> Vec<T> {
        self.id
            .iter()
            .take(n)
            .filter_map(|raw| raw.parse().ok())
            .collect()
    }
}

/// Deserialisers that take what Mastodon clients send: strings for every form value,
/// numbers or strings for ids, `"1"`/`"on"` for booleans, `""` for unset. Use with
/// `#[serde(default, deserialize_with = "lenient::…")]` (the `default` covers absence).
pub mod lenient {
    use serde::Deserialize;
    use serde::de::{Deserializer, Error, Unexpected};
    use serde_json::Value;

    /// A boolean; `""`, `null` and absence are false.
    pub fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        Ok(option_bool(d)?.unwrap_or(false))
    }

    /// A boolean, or `None` for `""` and `null`. Accepts `true`/`1`/`on`/`yes`/`t` and
    /// `false`/`0`/`off`/`no`/`f` (any case), JSON booleans and the numbers 1 and 0.
    pub fn option_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::Bool(b) => Ok(Some(b)),
            Value::Number(n) => match n.as_u64() {
                Some(1) => Ok(Some(true)),
                Some(0) => Ok(Some(false)),
                _ => Err(D::Error::invalid_value(
                    unexpected(&Value::Number(n)),
                    &"a boolean",
                )),
            },
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "" => Ok(None),
                "true" | "1" | "on" | "yes" | "t" => Ok(Some(true)),
                "false" | "0" | "off" | "no" | "f" => Ok(Some(false)),
                _ => Err(D::Error::invalid_value(Unexpected::Str(&s), &"a boolean")),
            },
            other => Err(D::Error::invalid_type(unexpected(&other), &"a boolean")),
        }
    }

    /// A whole number from a JSON number or a numeric string; `""`/`null` → `None`.
    pub fn option_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        integer(d)
    }

    /// A page size as Mastodon reads one (`params[:limit].to_i.abs`): a number, or the
    /// digits a string starts with, its sign dropped; one too large for `u64` is the
    /// largest (callers cap it). Anything else means no limit was asked (the default),
    /// so no page size a client sends is an error (S25).
    pub fn limit<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Number(n) => n
                .as_u64()
                .or_else(|| n.as_i64().map(i64::unsigned_abs))
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.is_finite())
                        .map(|f| f.abs().min(u64::MAX as f64) as u64)
                }),
            Value::String(s) => leading_digits(&s),
            _ => None,
        })
    }

    fn leading_digits(s: &str) -> Option<u64> {
        let t = s.trim_start();
        let t = t.strip_prefix(['-', '+']).unwrap_or(t);
        let end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let digits = &t[..end];
        (!digits.is_empty()).then(|| digits.parse().unwrap_or(u64::MAX))
    }

    /// As [`option_u64`], signed.
    pub fn option_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        integer(d)
    }

    /// As [`option_u64`], at most `u32::MAX`.
    pub fn option_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        integer(d)
    }

    fn integer<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: TryFrom<i128>,
    {
        let value = Value::deserialize(d)?;
        let wide: Option<i128> = match &value {
            Value::Null => return Ok(None),
            Value::String(s) if s.trim().is_empty() => return Ok(None),
            Value::String(s) => s.trim().parse().ok(),
            Value::Number(n) => n
                .as_i64()
                .map(i128::from)
                .or_else(|| n.as_u64().map(i128::from)),
            other => return Err(D::Error::invalid_type(unexpected(other), &"an integer")),
        };
        wide.and_then(|w| T::try_from(w).ok())
            .map(Some)
            .ok_or_else(|| D::Error::invalid_value(unexpected(&value), &"an integer in range"))
    }

    /// A string, numbers and booleans written out; `""`/`null` → `None`
    /// (Mastodon treats `spoiler_text=""` as unset).
    pub fn option_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        let s = string(d)?;
        Ok((!s.is_empty()).then_some(s))
    }

    /// A string when the key is present, even empty (clearing a field); `null` → `None`.
    pub fn option_string_keep_empty<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<String>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            Value::Number(n) => Ok(Some(n.to_string())),
            Value::Bool(b) => Ok(Some(b.to_string())),
            _ => Err(serde::de::Error::custom("expected a string")),
        }
    }

    /// A string, numbers and booleans written out; `null` → `""`.
    pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(String::new()),
            other => scalar(other).ok_or_else(|| D::Error::custom("expected a string")),
        }
    }

    /// A list of strings from one string, a list, or a map with numeric keys
    /// (`ids[0]=a&ids[1]=b`), in key order. `""`, `null` and empty items are dropped.
    pub fn string_or_vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        let items: Vec<Value> = match Value::deserialize(d)? {
            Value::Array(items) => items,
            Value::Object(map) => {
                let mut keyed = map
                    .into_iter()
                    .map(|(k, v)| k.parse::<u64>().map(|i| (i, v)))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| D::Error::custom("expected a list, got named fields"))?;
                keyed.sort_by_key(|(i, _)| *i);
                keyed.into_iter().map(|(_, v)| v).collect()
            }
            one => vec![one],
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            if item.is_null() {
                continue;
            }
            let s = scalar(item).ok_or_else(|| D::Error::custom("expected a list of strings"))?;
            if !s.is_empty() {
                out.push(s);
            }
        }
        Ok(out)
    }

    /// An id given as a JSON number or a string of digits; `""`/`null` → `None`.
    pub fn option_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::String(s) if s.is_empty() => Ok(None),
            Value::String(s) if s.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(s)),
            Value::Number(n) if n.is_u64() => Ok(Some(n.to_string())),
            other => Err(D::Error::invalid_value(
                unexpected(&other),
                &"an id made of digits",
            )),
        }
    }

    fn scalar(value: Value) -> Option<String> {
        match value {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    fn unexpected(value: &Value) -> Unexpected<'_> {
        match value {
            Value::Null => Unexpected::Unit,
            Value::Bool(b) => Unexpected::Bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => Unexpected::Unsigned(u),
                (_, Some(i), _) => Unexpected::Signed(i),
                (_, _, Some(f)) => Unexpected::Float(f),
                _ => Unexpected::Other("number"),
            },
            Value::String(s) => Unexpected::Str(s),
            Value::Array(_) => Unexpected::Seq,
            Value::Object(_) => Unexpected::Map,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use axum::http::StatusCode;
    use serde::Deserialize;
    use serde_json::json;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize, PartialEq)]
    struct NewStatus {
        #[serde(default, deserialize_with = "lenient::option_string")]
        status: Option<String>,
        #[serde(default)]
        visibility: Option<String>,
        #[serde(default, deserialize_with = "lenient::bool")]
        sensitive: bool,
        #[serde(default, deserialize_with = "lenient::string_or_vec")]
        media_ids: Vec<String>,
        #[serde(default)]
        poll: Option<NewPoll>,
        #[serde(default, deserialize_with = "lenient::option_id")]
        in_reply_to_id: Option<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct NewPoll {
        #[serde(default, deserialize_with = "lenient::string_or_vec")]
        options: Vec<String>,
        #[serde(default, deserialize_with = "lenient::option_u32")]
        expires_in: Option<u32>,
    }

    fn expected_status() -> NewStatus {
        NewStatus {
            status: Some("hello world".into()),
            visibility: Some("unlisted".into()),
            sensitive: true,
            media_ids: vec!["1".into(), "2".into()],
            poll: Some(NewPoll {
                options: vec!["yes".into(), "no".into()],
                expires_in: Some(300),
            }),
            in_reply_to_id: Some("109".into()),
        }
    }

    const STATUS_FORM: &str = "status=hello+world&visibility=unlisted&sensitive=true\
        &media_ids[]=1&media_ids[]=2&poll[options][]=yes&poll[options][]=no\
        &poll[expires_in]=300&in_reply_to_id=109";

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn from_pairs<T: DeserializeOwned>(list: &[(&str, &str)]) -> Result<T, String> {
        let tree = parse_pairs(&pairs(list))?;
        serde_json::from_value(tree).map_err(|e| e.to_string())
    }

    fn from_form<T: DeserializeOwned>(form: &str) -> Result<T, String> {
        let tree = parse_pairs(&decode_form(form.as_bytes()))?;
        serde_json::from_value(tree).map_err(|e| e.to_string())
    }

    #[test]
    fn status_from_json_value() {
        let body = json!({
            "status": "hello world", "visibility": "unlisted", "sensitive": true,
            "media_ids": ["1", 2], "poll": {"options": ["yes", "no"], "expires_in": "300"},
            "in_reply_to_id": 109
        });
        let got: NewStatus = serde_json::from_value(body).unwrap();
        assert_eq!(got, expected_status());
    }

    #[test]
    fn status_from_bracket_pairs() {
        let got: NewStatus = from_pairs(&[
            ("status", "hello world"),
            ("visibility", "unlisted"),
            ("sensitive", "true"),
            ("media_ids[]", "1"),
            ("media_ids[]", "2"),
            ("poll[options][]", "yes"),
            ("poll[options][]", "no"),
            ("poll[expires_in]", "300"),
            ("in_reply_to_id", "109"),
        ])
        .unwrap();
        assert_eq!(got, expected_status());
    }

    #[test]
    fn status_from_form_string_plain_and_percent_encoded() {
        assert_eq!(
            from_form::<NewStatus>(STATUS_FORM).unwrap(),
            expected_status()
        );
        let encoded = STATUS_FORM.replace('[', "%5B").replace(']', "%5D");
        assert_eq!(from_form::<NewStatus>(&encoded).unwrap(), expected_status());
        let lower = STATUS_FORM.replace('[', "%5b").replace(']', "%5d");
        assert_eq!(from_form::<NewStatus>(&lower).unwrap(), expected_status());
    }

    #[test]
    fn indexed_keys_make_maps_keyed_by_index() {
        let tree = parse_pairs(&pairs(&[
            ("fields_attributes[0][name]", "a"),
            ("fields_attributes[0][value]", "b"),
            ("fields_attributes[1][name]", "c"),
        ]))
        .unwrap();
        assert_eq!(
            tree,
            json!({"fields_attributes": {"0": {"name": "a", "value": "b"}, "1": {"name": "c"}}})
        );
        #[derive(Deserialize)]
        struct Field {
            name: String,
            #[serde(default)]
            value: String,
        }
        #[derive(Deserialize)]
        struct Profile {
            fields_attributes: BTreeMap<String, Field>,
        }
        let profile: Profile = serde_json::from_value(tree).unwrap();
        assert_eq!(profile.fields_attributes["0"].value, "b");
        assert_eq!(profile.fields_attributes["1"].name, "c");
    }

    #[test]
    fn indexed_list_comes_back_in_index_order() {
        let got: NewStatus = from_form("media_ids[10]=c&media_ids[2]=b&media_ids[0]=a").unwrap();
        assert_eq!(got.media_ids, ["a", "b", "c"]);
    }

    #[test]
    fn list_of_objects_with_empty_brackets() {
        let tree = parse_pairs(&pairs(&[
            ("f[][name]", "a"),
            ("f[][value]", "1"),
            ("f[][name]", "b"),
        ]))
        .unwrap();
        assert_eq!(
            tree,
            json!({"f": [{"name": "a", "value": "1"}, {"name": "b"}]})
        );
    }

    #[test]
    fn nested_maps() {
        let tree = parse_pairs(&pairs(&[
            ("data[alerts][mention]", "true"),
            ("data[policy]", "all"),
            ("subscription[keys][p256dh]", "x"),
            ("subscription[endpoint]", "https://push.example/1"),
        ]))
        .unwrap();
        assert_eq!(
            tree,
            json!({
                "data": {"alerts": {"mention": "true"}, "policy": "all"},
                "subscription": {"keys": {"p256dh": "x"}, "endpoint": "https://push.example/1"}
            })
        );
    }

    #[test]
    fn repeated_plain_key_keeps_the_last_value() {
        let got: NewStatus = from_form("status=a&status=b").unwrap();
        assert_eq!(got.status.as_deref(), Some("b"));
    }

    #[test]
    fn malformed_and_empty_keys() {
        let tree = parse_pairs(&pairs(&[
            ("a[b", "1"),
            ("c]d", "2"),
            ("[x]", "3"),
            ("", "4"),
        ]))
        .unwrap();
        assert_eq!(tree, json!({"a[b": "1", "c]d": "2"}));
    }

    #[test]
    fn shape_conflicts_are_errors() {
        assert!(parse_pairs(&pairs(&[("a", "1"), ("a[b]", "2")])).is_err());
        assert!(parse_pairs(&pairs(&[("a[]", "1"), ("a[b]", "2")])).is_err());
        assert!(parse_pairs(&pairs(&[("a[b]", "1"), ("a[]", "2")])).is_err());
    }

    #[test]
    fn caps_on_pairs_and_depth() {
        let many: Vec<(String, String)> = (0..=MAX_PAIRS)
            .map(|i| (format!("k{i}"), "v".to_string()))
            .collect();
        assert!(parse_pairs(&many[..MAX_PAIRS]).is_ok());
        assert!(parse_pairs(&many).unwrap_err().contains("too many"));
        assert!(parse_pairs(&pairs(&[("a[1][2][3][4][5]", "x")])).is_ok());
        let deep = parse_pairs(&pairs(&[("a[1][2][3][4][5][6]", "x")])).unwrap_err();
        assert!(deep.contains("nested too deeply"), "{deep}");
    }

    #[derive(Debug, Deserialize)]
    struct Flags {
        #[serde(default, deserialize_with = "lenient::bool")]
        a: bool,
        #[serde(default, deserialize_with = "lenient::option_bool")]
        b: Option<bool>,
    }

    #[test]
    fn lenient_booleans() {
        for yes in [
            json!(true),
            json!("true"),
            json!("1"),
            json!("on"),
            json!("YES"),
            json!(1),
        ] {
            let f: Flags = serde_json::from_value(json!({"a": yes, "b": yes})).unwrap();
            assert!(f.a && f.b == Some(true), "{yes}");
        }
        for no in [
            json!(false),
            json!("false"),
            json!("0"),
            json!("off"),
            json!(0),
        ] {
            let f: Flags = serde_json::from_value(json!({"a": no, "b": no})).unwrap();
            assert!(!f.a && f.b == Some(false), "{no}");
        }
        let f: Flags = serde_json::from_value(json!({"a": "", "b": ""})).unwrap();
        assert!(!f.a && f.b.is_none());
        let f: Flags = serde_json::from_value(json!({})).unwrap();
        assert!(!f.a && f.b.is_none());
        assert!(serde_json::from_value::<Flags>(json!({"a": "maybe"})).is_err());
        assert!(serde_json::from_value::<Flags>(json!({"a": 2})).is_err());
    }

    #[derive(Debug, Deserialize)]
    struct Numbers {
        #[serde(default, deserialize_with = "lenient::option_u64")]
        u: Option<u64>,
        #[serde(default, deserialize_with = "lenient::option_i64")]
        i: Option<i64>,
        #[serde(default, deserialize_with = "lenient::option_u32")]
        small: Option<u32>,
        #[serde(default, deserialize_with = "lenient::option_id")]
        id: Option<String>,
        #[serde(default, deserialize_with = "lenient::option_string")]
        text: Option<String>,
        #[serde(default, deserialize_with = "lenient::string")]
        plain: String,
    }

    #[test]
    fn lenient_numbers_ids_and_strings() {
        let n: Numbers = serde_json::from_value(json!({
            "u": "40", "i": -3, "small": 7, "id": 12, "text": 5, "plain": "x"
        }))
        .unwrap();
        assert_eq!(
            (n.u, n.i, n.small, n.id.as_deref()),
            (Some(40), Some(-3), Some(7), Some("12"))
        );
        assert_eq!((n.text.as_deref(), n.plain.as_str()), (Some("5"), "x"));
        let n: Numbers = serde_json::from_value(json!({
            "u": "", "i": null, "small": "", "id": "", "text": "", "plain": null
        }))
        .unwrap();
        assert_eq!(
            (n.u, n.i, n.small, n.id, n.text),
            (None, None, None, None, None)
        );
        assert_eq!(n.plain, "");
        for bad in [
            json!({"u": "-1"}),
            json!({"u": "abc"}),
            json!({"u": 1.5}),
            json!({"small": 4294967296u64}),
            json!({"id": "12a"}),
            json!({"id": -4}),
            json!({"text": ["a"]}),
        ] {
            assert!(
                serde_json::from_value::<Numbers>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn page_sizes_are_read_as_mastodon_reads_them() {
        #[derive(Deserialize)]
        struct Paged {
            #[serde(default, deserialize_with = "lenient::limit")]
            limit: Option<u64>,
        }
        let read = |v: Value| {
            serde_json::from_value::<Paged>(json!({ "limit": v }))
                .unwrap()
                .limit
        };
        assert_eq!(read(json!("40")), Some(40));
        assert_eq!(read(json!(" 12 ")), Some(12));
        assert_eq!(read(json!("-5")), Some(5));
        assert_eq!(read(json!(-7)), Some(7));
        assert_eq!(read(json!("20abc")), Some(20));
        assert_eq!(read(json!(2.9)), Some(2));
        assert_eq!(read(json!("99999999999999999999999999")), Some(u64::MAX));
        assert_eq!(read(json!(1e300)), Some(u64::MAX));
        for none in [
            json!("abc"),
            json!(""),
            json!(null),
            json!(true),
            json!(["5"]),
        ] {
            assert_eq!(read(none.clone()), None, "{none}");
        }
    }

    #[test]
    fn lenient_string_or_vec() {
        let list = |v: Value| -> Result<Vec<String>, String> {
            #[derive(Deserialize)]
            struct L {
                #[serde(default, deserialize_with = "lenient::string_or_vec")]
                l: Vec<String>,
            }
            serde_json::from_value::<L>(json!({ "l": v }))
                .map(|x| x.l)
                .map_err(|e| e.to_string())
        };
        assert_eq!(list(json!("a")).unwrap(), ["a"]);
        assert_eq!(list(json!(["a", 2, ""])).unwrap(), ["a", "2"]);
        assert_eq!(list(json!({"1": "b", "0": "a"})).unwrap(), ["a", "b"]);
        assert!(list(json!("")).unwrap().is_empty());
        assert!(list(json!(null)).unwrap().is_empty());
        assert!(list(json!({"x": "a"})).is_err());
        assert!(list(json!([["a"]])).is_err());
    }

    proptest::proptest! {
        #[test]
        fn parse_pairs_never_panics(
            list in proptest::collection::vec(("[a-c\\[\\]0-9]{0,12}", ".{0,4}"), 0..20)
        ) {
            let list: Vec<(String, String)> = list;
            if let Ok(tree) = parse_pairs(&list) {
                proptest::prop_assert!(tree.is_object());
            }
        }
    }

    // --- the extractors ---

    fn request(uri: &str, content_type: Option<&str>, body: &str) -> Request {
        let mut builder = Request::builder().method("POST").uri(uri);
        if let Some(ct) = content_type {
            builder = builder.header(header::CONTENT_TYPE, ct);
        }
        builder.body(Body::from(body.to_string())).unwrap()
    }

    async fn extract<T: DeserializeOwned>(req: Request) -> Result<T, AppError> {
        Params::<T>::from_request(req, &()).await.map(|p| p.0)
    }

    const FORM: Option<&str> = Some("application/x-www-form-urlencoded");
    const JSON: Option<&str> = Some("application/json; charset=utf-8");

    #[tokio::test]
    async fn extracts_the_same_status_from_every_source() {
        let json_body = r#"{"status":"hello world","visibility":"unlisted","sensitive":"1",
            "media_ids":[1,"2"],"poll":{"options":["yes","no"],"expires_in":300},
            "in_reply_to_id":"109"}"#;
        let encoded = STATUS_FORM.replace('[', "%5B").replace(']', "%5D");
        let requests = [
            request("/api/v1/statuses", JSON, json_body),
            request("/api/v1/statuses", FORM, STATUS_FORM),
            request("/api/v1/statuses", FORM, &encoded),
            request("/api/v1/statuses", None, STATUS_FORM),
            request(&format!("/api/v1/statuses?{encoded}"), None, ""),
            request(&format!("/api/v1/statuses?{STATUS_FORM}"), JSON, ""),
            request(
                "/api/v1/statuses",
                Some("multipart/form-data; boundary=XyZ"),
                &status_multipart(),
            ),
        ];
        for req in requests {
            let got: NewStatus = extract(req).await.unwrap();
            assert_eq!(got, expected_status());
        }
    }

    fn status_multipart() -> String {
        let field = |name: &str, value: &str| {
            format!("--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
        };
        [
            field("status", "hello world"),
            field("visibility", "unlisted"),
            field("sensitive", "on"),
            field("media_ids[]", "1"),
            field("media_ids[]", "2"),
            "--XyZ\r\nContent-Disposition: form-data; name=\"media_ids[]\"; filename=\"a.png\"\r\n\
             Content-Type: image/png\r\n\r\n\u{1}PNG-bytes\r\n"
                .to_string(),
            field("poll[options][]", "yes"),
            field("poll[options][]", "no"),
            field("poll[expires_in]", "300"),
            field("in_reply_to_id", "109"),
            "--XyZ--\r\n".to_string(),
        ]
        .concat()
    }

    #[tokio::test]
    async fn body_overrides_query() {
        let req = request("/x?status=query&visibility=private", FORM, "status=body");
        let got: NewStatus = extract(req).await.unwrap();
        assert_eq!(got.status.as_deref(), Some("body"));
        assert_eq!(got.visibility.as_deref(), Some("private"));
        let req = request("/x?status=query", JSON, r#"{"status":"body"}"#);
        let got: NewStatus = extract(req).await.unwrap();
        assert_eq!(got.status.as_deref(), Some("body"));
    }

    #[tokio::test]
    async fn empty_body_of_any_type_means_query_only() {
        for ct in [
            JSON,
            FORM,
            Some("multipart/form-data; boundary=XyZ"),
            Some("text/plain"),
            None,
        ] {
            let got: NewStatus = extract(request("/x?status=hi", ct, "")).await.unwrap();
            assert_eq!(got.status.as_deref(), Some("hi"));
        }
    }

    fn assert_error(result: Result<NewStatus, AppError>, kind: ErrorKind, status: StatusCode) {
        match result {
            Ok(v) => panic!("expected an error, got {v:?}"),
            Err(e) => {
                assert_eq!((e.kind, e.kind.status()), (kind, status), "{e}");
            }
        }
    }

    #[tokio::test]
    async fn bad_json_and_non_objects_are_400() {
        for body in [r#"{"status": "#, "[1, 2]", "\"text\"", "null"] {
            let result = extract(request("/x", JSON, body)).await;
            assert_error(result, ErrorKind::BadRequest, StatusCode::BAD_REQUEST);
        }
        let result = extract(request(
            "/x",
            Some("multipart/form-data; boundary=XyZ"),
            "garbage",
        ))
        .await;
        assert_error(result, ErrorKind::BadRequest, StatusCode::BAD_REQUEST);
    }

    #[tokio::test]
    async fn bodies_that_do_not_fit_are_422() {
        let result = extract(request("/x", JSON, r#"{"sensitive": "perhaps"}"#)).await;
        assert_error(
            result,
            ErrorKind::Validation,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        let result = extract(request("/x", FORM, "poll[expires_in]=soon")).await;
        assert_error(
            result,
            ErrorKind::Validation,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        let e = extract::<NewStatus>(request("/x", FORM, "in_reply_to_id=abc"))
            .await
            .err()
            .map(|e| e.message().to_string());
        assert!(e.is_some_and(|m| m.starts_with("Validation failed: ")));

        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Required {
            name: String,
        }
        let e = extract::<Required>(request("/x", FORM, "other=1"))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Validation);
        assert!(e.message().contains("missing field `name`"), "{e}");
    }

    #[tokio::test]
    async fn caps_apply_to_every_source() {
        let deep = "a[b][c][d][e][f][g]=1";
        let result = extract(request("/x", FORM, deep)).await;
        assert_error(
            result,
            ErrorKind::Validation,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        let result = extract(request(&format!("/x?{deep}"), None, "")).await;
        assert_error(
            result,
            ErrorKind::Validation,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        let deep_json = r#"{"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}}"#;
        let result = extract(request("/x", JSON, deep_json)).await;
        assert_error(
            result,
            ErrorKind::Validation,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        let many = (0..=MAX_PAIRS)
            .map(|i| format!("k{i}=v"))
            .collect::<Vec<_>>()
            .join("&");
        let result = extract(request("/x", FORM, &many)).await;
        assert_error(
            result,
            ErrorKind::Validation,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        let long = format!("{{\"l\":[{}]}}", vec!["1"; MAX_PAIRS + 1].join(","));
        let result = extract(request("/x", JSON, &long)).await;
        assert_error(
            result,
            ErrorKind::Validation,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }

    #[tokio::test]
    async fn query_params_read_the_query_string() {
        let (mut parts, _) = request(
            "/api/v1/accounts/relationships?id%5B%5D=1&id[]=2&with_suspended=1",
            None,
            "",
        )
        .into_parts();
        #[derive(Deserialize)]
        struct Relationships {
            #[serde(deserialize_with = "lenient::string_or_vec")]
            id: Vec<String>,
            #[serde(default, deserialize_with = "lenient::bool")]
            with_suspended: bool,
        }
        let QueryParams(q) = QueryParams::<Relationships>::from_request_parts(&mut parts, &())
            .await
            .unwrap();
        assert_eq!(q.id, ["1", "2"]);
        assert!(q.with_suspended);
    }
}
