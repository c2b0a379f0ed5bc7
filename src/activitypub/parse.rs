//! Tolerant readers for what other servers send. AS2 fields that may be a single value
//! or an array go through [`OneOrMany`]; references that may be an IRI or an embedded
//! object go through [`IdOrObject`]. Unknown properties are ignored, never rejected.

use crate::db::statuses::Visibility;
use serde::Deserialize;
use serde_json::Value;

/// A value that may arrive alone or in an array (compaction removes one-element arrays).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    // Arrays first: a `Value` would otherwise swallow an array as a single item.
    Many(Vec<T>),
    One(T),
}

impl<T> OneOrMany<T> {
    pub fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(t) => vec![t],
            OneOrMany::Many(v) => v,
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        let slice: &[T] = match self {
            OneOrMany::One(t) => std::slice::from_ref(t),
            OneOrMany::Many(v) => v,
        };
        slice.iter()
    }
}

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany::Many(Vec::new())
    }
}

/// A reference: an IRI string, or an embedded object carrying an `id`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum IdOrObject<T> {
    Id(String),
    Object(T),
}

/// An embedded object of which only the id matters here.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct WithId {
    pub id: Option<String>,
}

impl IdOrObject<WithId> {
    pub fn id(&self) -> Option<&str> {
        match self {
            IdOrObject::Id(s) => Some(s),
            IdOrObject::Object(o) => o.id.as_deref(),
        }
    }
}

impl IdOrObject<Value> {
    pub fn id(&self) -> Option<&str> {
        match self {
            IdOrObject::Id(s) => Some(s),
            IdOrObject::Object(o) => o.get("id").and_then(Value::as_str),
        }
    }
}

/// The ways servers write the public collection.
pub fn is_public(iri: &str) -> bool {
    matches!(
        iri,
        "https://www.w3.org/ns/activitystreams#Public" | "as:Public" | "Public"
    )
}

/// Whether the `@context` names ActivityStreams (Mastodon drops documents that don't).
pub fn has_as_context(context: &Value) -> bool {
    const AS: &str = "https://www.w3.org/ns/activitystreams";
    match context {
        Value::String(s) => s == AS,
        Value::Array(items) => items.iter().any(|i| i.as_str() == Some(AS)),
        _ => false,
    }
}

/// Visibility from addressing, as Mastodon reads it: Public in `to` → public; in `cc` →
/// unlisted; the author's followers collection in `to` or `cc` → followers-only; else
/// direct.
pub fn visibility(to: &[String], cc: &[String], followers: Option<&str>) -> Visibility {
    if to.iter().any(|a| is_public(a)) {
        Visibility::Public
    } else if cc.iter().any(|a| is_public(a)) {
        Visibility::Unlisted
    } else if followers.is_some_and(|f| to.iter().chain(cc).any(|a| a == f)) {
        Visibility::Private
    } else {
        Visibility::Direct
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RemoteKey {
    pub id: String,
    pub owner: Option<String>,
    pub public_key_pem: String,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    pub shared_inbox: Option<String>,
}

/// An image reference (`icon`, `image`): a URL string or an Image object with `url`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum ImageRef {
    Url(String),
    Object {
        url: Option<OneOrMany<IdOrObject<LinkObject>>>,
        #[serde(rename = "mediaType")]
        media_type: Option<String>,
    },
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct LinkObject {
    pub href: Option<String>,
    #[serde(rename = "mediaType")]
    pub media_type: Option<String>,
}

impl ImageRef {
    pub fn url(&self) -> Option<&str> {
        match self {
            ImageRef::Url(u) => Some(u),
            ImageRef::Object { url, .. } => url.as_ref()?.iter().find_map(|u| match u {
                IdOrObject::Id(s) => Some(s.as_str()),
                IdOrObject::Object(l) => l.href.as_deref(),
            }),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RemoteActor {
    #[serde(rename = "@context", default)]
    pub context: Value,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: OneOrMany<String>,
    pub preferred_username: Option<String>,
    pub name: Option<String>,
    pub summary: Option<String>,
    pub url: Option<OneOrMany<IdOrObject<LinkObject>>>,
    pub inbox: Option<String>,
    pub outbox: Option<String>,
    pub followers: Option<String>,
    pub following: Option<String>,
    pub featured: Option<String>,
    #[serde(default)]
    pub endpoints: Option<Endpoints>,
    pub shared_inbox: Option<String>,
    pub public_key: Option<OneOrMany<IdOrObject<RemoteKey>>>,
    pub manually_approves_followers: Option<bool>,
    pub discoverable: Option<bool>,
    pub indexable: Option<bool>,
    pub icon: Option<OneOrMany<ImageRef>>,
    pub image: Option<OneOrMany<ImageRef>>,
    pub attachment: Option<OneOrMany<Value>>,
    pub also_known_as: Option<OneOrMany<String>>,
    pub moved_to: Option<String>,
    pub published: Option<String>,
    pub webfinger: Option<String>,
}

/// A profile field (`PropertyValue`) as sent: name and HTML value.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteField {
    pub name: String,
    pub value_html: String,
}

impl RemoteActor {
    pub fn is_actor_type(&self) -> bool {
        self.kind.iter().any(|t| {
            matches!(
                t.as_str(),
                "Person" | "Service" | "Group" | "Organization" | "Application"
            )
        })
    }

    pub fn shared_inbox(&self) -> Option<&str> {
        self.endpoints
            .as_ref()
            .and_then(|e| e.shared_inbox.as_deref())
            .or(self.shared_inbox.as_deref())
    }

    /// The key this actor publishes, if embedded.
    pub fn key(&self) -> Option<&RemoteKey> {
        self.public_key.as_ref()?.iter().find_map(|k| match k {
            IdOrObject::Object(key) => Some(key),
            IdOrObject::Id(_) => None,
        })
    }

    pub fn icon_url(&self) -> Option<&str> {
        self.icon.as_ref()?.iter().find_map(ImageRef::url)
    }

    pub fn profile_url(&self) -> Option<&str> {
        self.url.as_ref()?.iter().find_map(|u| match u {
            IdOrObject::Id(s) => Some(s.as_str()),
            IdOrObject::Object(l) => l.href.as_deref(),
        })
    }

    /// Profile fields; Mastodon reads them only from an array, and so do we.
    pub fn fields(&self) -> Vec<RemoteField> {
        let Some(OneOrMany::Many(items)) = &self.attachment else {
            return Vec::new();
        };
        items
            .iter()
            .filter(|i| i.get("type").and_then(Value::as_str) == Some("PropertyValue"))
            .filter_map(|i| {
                Some(RemoteField {
                    name: i.get("name")?.as_str()?.to_string(),
                    value_html: i.get("value")?.as_str()?.to_string(),
                })
            })
            .take(16)
            .collect()
    }
}

/// A post-like object: Note, Question, Article, Page …
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RemoteNote {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: OneOrMany<String>,
    pub attributed_to: Option<OneOrMany<IdOrObject<WithId>>>,
    pub name: Option<String>,
    pub content: Option<String>,
    pub content_map: Option<std::collections::BTreeMap<String, String>>,
    pub summary: Option<String>,
    #[serde(default)]
    pub sensitive: Option<bool>,
    pub in_reply_to: Option<OneOrMany<IdOrObject<WithId>>>,
    pub published: Option<String>,
    pub updated: Option<String>,
    pub url: Option<OneOrMany<IdOrObject<LinkObject>>>,
    #[serde(default)]
    pub to: OneOrMany<String>,
    #[serde(default)]
    pub cc: OneOrMany<String>,
    pub tag: Option<OneOrMany<Value>>,
    pub attachment: Option<OneOrMany<Value>>,
    /// A Question's choices: `oneOf` for single choice, `anyOf` for multiple.
    pub one_of: Option<OneOrMany<Value>>,
    pub any_of: Option<OneOrMany<Value>>,
    pub end_time: Option<String>,
    pub closed: Option<Value>,
    pub voters_count: Option<i64>,
}

impl RemoteNote {
    pub fn author(&self) -> Option<&str> {
        self.attributed_to
            .as_ref()?
            .iter()
            .find_map(IdOrObject::<WithId>::id)
    }

    pub fn in_reply_to(&self) -> Option<&str> {
        self.in_reply_to
            .as_ref()?
            .iter()
            .find_map(IdOrObject::<WithId>::id)
    }

    /// The HTML to show: `content`, else the single (or first) `contentMap` entry.
    pub fn content_html(&self) -> Option<&str> {
        self.content.as_deref().or_else(|| {
            self.content_map
                .as_ref()?
                .values()
                .next()
                .map(String::as_str)
        })
    }

    /// The language: the `contentMap` key whose value is `content`, else the first key.
    pub fn language(&self) -> Option<&str> {
        let map = self.content_map.as_ref()?;
        map.iter()
            .find(|(_, v)| Some(v.as_str()) == self.content.as_deref())
            .or_else(|| map.iter().next())
            .map(|(k, _)| k.as_str())
    }

    pub fn mentions(&self) -> Vec<&str> {
        self.tag
            .iter()
            .flat_map(|t| t.iter())
            .filter(|t| t.get("type").and_then(Value::as_str) == Some("Mention"))
            .filter_map(|t| t.get("href").and_then(Value::as_str))
            .collect()
    }

    pub fn hashtags(&self) -> Vec<String> {
        self.hashtag_links()
            .into_iter()
            .map(|(_, name)| name)
            .collect()
    }

    /// `(href, name)` of each Hashtag tag (`href` empty when it has none).
    pub fn hashtag_links(&self) -> Vec<(String, String)> {
        self.tag
            .iter()
            .flat_map(|t| t.iter())
            .filter(|t| t.get("type").and_then(Value::as_str) == Some("Hashtag"))
            .filter_map(|t| {
                let name = t.get("name").and_then(Value::as_str)?;
                let href = t.get("href").and_then(Value::as_str).unwrap_or("");
                Some((href.to_string(), name.trim_start_matches('#').to_string()))
            })
            .filter(|(_, n)| !n.is_empty())
            .collect()
    }
}

/// The envelope of any activity: read the type first, then the matching object.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Envelope {
    #[serde(rename = "@context", default)]
    pub context: Value,
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: OneOrMany<String>,
    pub actor: Option<IdOrObject<Value>>,
    pub object: Option<Value>,
    #[serde(default)]
    pub to: OneOrMany<String>,
    #[serde(default)]
    pub cc: OneOrMany<String>,
    /// Move's new account, Add/Remove's collection: an IRI or an object with `id`.
    pub target: Option<Value>,
    #[serde(default, deserialize_with = "string_or_none")]
    pub published: Option<String>,
    /// Flag's comment (Misskey also puts a reaction here on Likes).
    #[serde(default, deserialize_with = "string_or_none")]
    pub content: Option<String>,
}

/// A string, or `None` for anything else: optional text fields must not make a whole
/// activity unreadable.
fn string_or_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        _ => None,
    })
}

/// The id of a reference that may be an IRI or an embedded object.
pub fn reference_id(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

impl Envelope {
    pub fn kind(&self) -> Option<&str> {
        self.kind.iter().next().map(String::as_str)
    }

    pub fn actor_id(&self) -> Option<&str> {
        self.actor.as_ref()?.id()
    }

    /// The object's id, whether it came as an IRI or embedded.
    pub fn object_id(&self) -> Option<&str> {
        reference_id(self.object.as_ref()?)
    }

    /// The embedded object, when the object came as one rather than as an IRI.
    pub fn embedded_object(&self) -> Option<&serde_json::Map<String, Value>> {
        self.object.as_ref()?.as_object()
    }

    /// The object's `type`, when embedded (the first one if several).
    pub fn object_kind(&self) -> Option<&str> {
        match self.embedded_object()?.get("type")? {
            Value::String(s) => Some(s),
            Value::Array(items) => items.first()?.as_str(),
            _ => None,
        }
    }

    pub fn target_id(&self) -> Option<&str> {
        reference_id(self.target.as_ref()?)
    }

    /// Every IRI in `object`: one reference or an array of them (Flag lists an account
    /// and statuses this way), at most `max`.
    pub fn object_ids(&self, max: usize) -> Vec<&str> {
        match self.object.as_ref() {
            Some(Value::Array(items)) => items.iter().filter_map(reference_id).take(max).collect(),
            Some(other) => reference_id(other).into_iter().collect(),
            None => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn envelope(doc: Value) -> Envelope {
        serde_json::from_value(doc).unwrap()
    }

    #[test]
    fn references_are_iris_or_objects_with_ids() {
        assert_eq!(
            reference_id(&json!("https://a.example/x")),
            Some("https://a.example/x")
        );
        assert_eq!(
            reference_id(&json!({"id": "https://a.example/x"})),
            Some("https://a.example/x")
        );
        assert_eq!(reference_id(&json!({"id": 7})), None);
        assert_eq!(reference_id(&json!(["https://a.example/x"])), None);
        assert_eq!(reference_id(&Value::Null), None);
    }

    #[test]
    fn flag_objects_come_alone_or_in_arrays() {
        let one = envelope(json!({"type": "Flag", "object": "https://h.example/users/a"}));
        assert_eq!(one.object_ids(10), vec!["https://h.example/users/a"]);
        let many = envelope(json!({"type": "Flag", "object": [
            "https://h.example/users/a", {"id": "https://h.example/s/1"}, 3, {"x": 1}, "https://h.example/s/2"]}));
        assert_eq!(
            many.object_ids(10),
            vec![
                "https://h.example/users/a",
                "https://h.example/s/1",
                "https://h.example/s/2"
            ]
        );
        assert_eq!(many.object_ids(2).len(), 2);
        assert!(envelope(json!({"type": "Flag"})).object_ids(10).is_empty());
    }

    #[test]
    fn embedded_types_and_targets_are_read_tolerantly() {
        let e = envelope(
            json!({"type": "Add", "object": {"type": ["Note", "x"], "id": "n"},
                                "target": {"id": "https://h.example/featured", "type": "OrderedCollection"}}),
        );
        assert_eq!(e.object_kind(), Some("Note"));
        assert_eq!(e.target_id(), Some("https://h.example/featured"));
        let iri = envelope(json!({"type": "Undo", "object": "https://h.example/likes/1"}));
        assert_eq!(iri.object_kind(), None);
        assert!(iri.embedded_object().is_none());
        assert_eq!(iri.object_id(), Some("https://h.example/likes/1"));
    }

    #[test]
    fn odd_optional_text_does_not_make_an_activity_unreadable() {
        let e = envelope(json!({"type": "Flag", "content": {"en": "x"}, "published": 17}));
        assert_eq!(e.content, None);
        assert_eq!(e.published, None);
        let ok = envelope(
            json!({"type": "Announce", "published": "2026-11-22T12:00:00Z", "content": "c"}),
        );
        assert_eq!(ok.published.as_deref(), Some("2026-11-22T12:00:00Z"));
        assert_eq!(ok.content.as_deref(), Some("c"));
    }
}
