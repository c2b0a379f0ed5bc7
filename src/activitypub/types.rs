//! Typed ActivityStreams 2.0 shapes we emit (and, later, parse), with the Mastodon
//! extension terms other servers string-match on.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The `@context` Mastodon puts on actors: AS2, security v1 and the extension terms.
pub fn actor_context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "toot": "http://joinmastodon.org/ns#",
            "featured": {"@id": "toot:featured", "@type": "@id"},
            "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
            "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
            "movedTo": {"@id": "as:movedTo", "@type": "@id"},
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "memorial": "toot:memorial",
            "suspended": "toot:suspended",
            "Hashtag": "as:Hashtag",
            "Emoji": "toot:Emoji",
            "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
            "webfinger": "https://purl.archive.org/socialweb/webfinger"
        }
    ])
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    #[serde(rename = "@context")]
    pub context: Value,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub following: String,
    pub followers: String,
    pub inbox: String,
    pub outbox: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub featured: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub featured_tags: Option<String>,
    pub preferred_username: String,
    pub name: String,
    pub summary: String,
    pub url: String,
    pub manually_approves_followers: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub memorial: bool,
    pub published: String,
    pub public_key: PublicKey,
    pub tag: Vec<Value>,
    pub attachment: Vec<PropertyValue>,
    pub endpoints: Endpoints,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub also_known_as: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<String>,
    /// FEP-2c59: the canonical handle, which Mastodon 4.6 prefers to preferredUsername.
    pub webfinger: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PublicKey {
    pub id: String,
    pub owner: String,
    pub public_key_pem: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    pub shared_inbox: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PropertyValue {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    /// HTML.
    pub value: String,
}

pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// The `@context` Mastodon puts on notes and their activities.
pub fn note_context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        {
            "ostatus": "http://ostatus.org#",
            "atomUri": "ostatus:atomUri",
            "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
            "conversation": "ostatus:conversation",
            "sensitive": "as:sensitive",
            "toot": "http://joinmastodon.org/ns#",
            "votersCount": "toot:votersCount",
            "Hashtag": "as:Hashtag",
            "Emoji": "toot:Emoji"
        }
    ])
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    #[serde(rename = "@context", skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// Content warning, or null.
    pub summary: Option<String>,
    pub in_reply_to: Option<String>,
    pub published: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    pub url: String,
    pub attributed_to: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub sensitive: bool,
    pub atom_uri: String,
    pub in_reply_to_atom_uri: Option<String>,
    pub content: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_map: Option<std::collections::BTreeMap<String, String>>,
    pub attachment: Vec<Value>,
    pub tag: Vec<TagObject>,
    pub replies: Collection,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TagObject {
    #[serde(rename = "type")]
    pub kind: String,
    pub href: String,
    pub name: String,
}

/// A collection, unordered (`Collection`) or `OrderedCollection`: either paged (with
/// `first`, and `last` for the outbox) or holding its few items inline (featured posts
/// and tags, the instance actor's empty collections). Shaped like Mastodon's
/// collection serializer: what is absent is left out.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Collection {
    #[serde(rename = "@context", skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_items: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<PageRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
    /// The items of an unordered collection held inline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<Value>>,
    /// The items of an ordered collection held inline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordered_items: Option<Vec<Value>>,
}

impl Collection {
    /// A paged collection: its size (when told) and a link to its first page.
    pub fn paged(id: String, kind: &str, total_items: Option<i64>, first: String) -> Collection {
        Collection {
            context: None,
            id,
            kind: kind.into(),
            total_items,
            first: Some(PageRef::Link(first)),
            last: None,
            items: None,
            ordered_items: None,
        }
    }

    /// An `OrderedCollection` holding all its items.
    pub fn ordered_inline(id: String, items: Vec<Value>) -> Collection {
        Collection {
            context: None,
            id,
            kind: "OrderedCollection".into(),
            total_items: Some(items.len() as i64),
            first: None,
            last: None,
            items: None,
            ordered_items: Some(items),
        }
    }

    /// A `Collection` (unordered) holding all its items.
    pub fn unordered_inline(id: String, items: Vec<Value>) -> Collection {
        Collection {
            context: None,
            id,
            kind: "Collection".into(),
            total_items: Some(items.len() as i64),
            first: None,
            last: None,
            items: Some(items),
            ordered_items: None,
        }
    }
}

/// A collection's `first` page: a link, or the page itself (a Note embeds the first
/// page of its replies).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum PageRef {
    Link(String),
    Page(Box<CollectionPage>),
}

/// One page of a collection: `OrderedCollectionPage` with `orderedItems`, or
/// `CollectionPage` with `items`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CollectionPage {
    #[serde(rename = "@context", skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    /// Left out on the page a Note embeds (Mastodon gives it none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_of: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_items: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordered_items: Option<Vec<Value>>,
}

impl CollectionPage {
    /// An `OrderedCollectionPage` of `part_of`.
    pub fn ordered(id: String, part_of: String, items: Vec<Value>) -> CollectionPage {
        CollectionPage {
            context: None,
            id: Some(id),
            kind: "OrderedCollectionPage".into(),
            part_of: Some(part_of),
            next: None,
            prev: None,
            total_items: None,
            items: None,
            ordered_items: Some(items),
        }
    }

    /// A `CollectionPage` (unordered) of `part_of`.
    pub fn unordered(id: Option<String>, part_of: String, items: Vec<Value>) -> CollectionPage {
        CollectionPage {
            context: None,
            id,
            kind: "CollectionPage".into(),
            part_of: Some(part_of),
            next: None,
            prev: None,
            total_items: None,
            items: Some(items),
            ordered_items: None,
        }
    }
}

/// An activity wrapping an object (Create, Announce …). Empty `to`/`cc` are left out,
/// except on a Create, which Mastodon always addresses with both arrays (a direct
/// post's `cc` is `[]`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Activity {
    #[serde(rename = "@context", default)]
    pub context: Option<Value>,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub actor: String,
    #[serde(default)]
    pub published: Option<String>,
    #[serde(default)]
    pub to: Vec<String>,
    #[serde(default)]
    pub cc: Vec<String>,
    pub object: Value,
}

/// The wire form of an [`Activity`], borrowing from it.
#[derive(Serialize)]
struct ActivityWire<'a> {
    #[serde(rename = "@context", skip_serializing_if = "Option::is_none")]
    context: Option<&'a Value>,
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    actor: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    published: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cc: Option<&'a [String]>,
    object: &'a Value,
}

impl Serialize for Activity {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let always = self.kind == "Create";
        ActivityWire {
            context: self.context.as_ref(),
            id: &self.id,
            kind: &self.kind,
            actor: &self.actor,
            published: self.published.as_deref(),
            to: audience(&self.to, always),
            cc: audience(&self.cc, always),
            object: &self.object,
        }
        .serialize(serializer)
    }
}

/// An audience as sent: left out when empty, unless it must always be there.
fn audience(ids: &[String], always: bool) -> Option<&[String]> {
    (always || !ids.is_empty()).then_some(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn activity(kind: &str) -> Activity {
        Activity {
            context: None,
            id: "https://a.example/1".into(),
            kind: kind.into(),
            actor: "https://a.example/users/a".into(),
            published: None,
            to: vec!["https://b.example/users/b".into()],
            cc: Vec::new(),
            object: Value::String("https://a.example/notes/1".into()),
        }
    }

    #[test]
    fn a_create_always_carries_to_and_cc() {
        let v = serde_json::to_value(activity("Create")).unwrap();
        assert_eq!(v["cc"], json!([]));
        assert_eq!(v["to"], json!(["https://b.example/users/b"]));
        let v = serde_json::to_value(activity("Announce")).unwrap();
        assert!(
            v.get("cc").is_none(),
            "other activities leave empty audiences out"
        );
        assert!(v.get("@context").is_none() && v.get("published").is_none());
    }

    #[test]
    fn activities_read_back_what_they_write() {
        let mut a = activity("Create");
        a.context = Some(json!("https://www.w3.org/ns/activitystreams"));
        a.published = Some("2026-11-27T10:00:00Z".into());
        let back: Activity = serde_json::from_value(serde_json::to_value(&a).unwrap()).unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn a_first_page_is_a_link_or_the_page() {
        let link: PageRef = serde_json::from_value(json!("https://a.example/c?page=true")).unwrap();
        assert_eq!(link, PageRef::Link("https://a.example/c?page=true".into()));
        let page = PageRef::Page(Box::new(CollectionPage::unordered(
            None,
            "https://a.example/c".into(),
            Vec::new(),
        )));
        let v = serde_json::to_value(&page).unwrap();
        assert_eq!(
            v,
            json!({"type": "CollectionPage", "partOf": "https://a.example/c", "items": []})
        );
        assert_eq!(serde_json::from_value::<PageRef>(v).unwrap(), page);
    }
}
