//! The shapes Mastodon gives the ActivityStreams JSON it emits, as assertions on live
//! JSON: `@context` only at the top, `to`/`cc` by visibility, what a Note carries, and
//! activity ids under their actor's origin.

use serde_json::Value;
use starling::db::accounts::Account;
use starling::db::statuses::Visibility;

pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
pub const AS_CONTEXT: &str = "https://www.w3.org/ns/activitystreams";

/// `@context` at the top, and nowhere inside (embedded objects inherit it).
pub fn assert_context_only_at_top(doc: &Value) {
    let context = doc.get("@context").expect("@context at the top");
    let has_as = match context {
        Value::String(s) => s == AS_CONTEXT,
        Value::Array(items) => items.first() == Some(&Value::String(AS_CONTEXT.into())),
        _ => false,
    };
    assert!(has_as, "the AS2 context comes first: {context}");
    fn inner(v: &Value, path: &str) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    assert!(k != "@context", "@context inside the document at {path}");
                    inner(v, &format!("{path}.{k}"));
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    inner(v, &format!("{path}[{i}]"));
                }
            }
            _ => {}
        }
    }
    for (k, v) in doc.as_object().expect("an object") {
        if k != "@context" {
            inner(v, k);
        }
    }
}

pub fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(String::from))
            .collect(),
        Value::String(s) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// `to`/`cc` as Mastodon addresses a status of this visibility (`mentioned` are the
/// mentioned actors' ids).
pub fn assert_addressed(doc: &Value, visibility: Visibility, followers: &str, mentioned: &[&str]) {
    let to = strings(&doc["to"]);
    let cc = strings(&doc["cc"]);
    let mentioned: Vec<String> = mentioned.iter().map(|m| m.to_string()).collect();
    let (want_to, want_cc): (Vec<String>, Vec<String>) = match visibility {
        Visibility::Public => (
            vec![PUBLIC.into()],
            [vec![followers.to_string()], mentioned].concat(),
        ),
        Visibility::Unlisted => (
            vec![followers.into()],
            [vec![PUBLIC.to_string()], mentioned].concat(),
        ),
        Visibility::Private => (vec![followers.into()], mentioned),
        Visibility::Direct => (mentioned, Vec::new()),
    };
    assert_eq!((to, cc), (want_to, want_cc), "{visibility:?} addressing");
}

/// What every Note of ours carries, as Mastodon's NoteSerializer emits it.
pub fn assert_note_shape(note: &Value, author: &Account) {
    let id = note["id"].as_str().expect("id");
    assert_eq!(note["type"], "Note");
    assert_eq!(note["attributedTo"], author.uri.as_str());
    assert!(note["content"].as_str().is_some_and(|c| !c.is_empty()));
    assert!(note["url"].as_str().is_some(), "url");
    assert!(note["published"].as_str().is_some(), "published");
    assert_eq!(note["atomUri"], id, "atomUri");
    assert!(note.get("summary").is_some(), "summary (null without a CW)");
    assert!(note.get("inReplyTo").is_some(), "inReplyTo (may be null)");
    assert!(note["sensitive"].is_boolean(), "sensitive");
    assert!(note["tag"].is_array() && note["attachment"].is_array());
    let replies = &note["replies"];
    assert_eq!(replies["type"], "Collection", "replies");
    assert_eq!(replies["id"], format!("{id}/replies"));
    assert_eq!(replies["first"]["type"], "CollectionPage");
    assert_eq!(replies["first"]["partOf"], format!("{id}/replies"));
    assert!(replies["first"]["items"].is_array());
    assert_eq!(origin(id), origin(author.uri.as_str()), "note id origin");
}

pub fn assert_content_warning(note: &Value, cw: &str) {
    assert_eq!(note["summary"], cw);
    assert_eq!(note["sensitive"], true, "a CW makes the note sensitive");
}

pub fn assert_language(note: &Value, lang: &str) {
    assert_eq!(
        note["contentMap"][lang], note["content"],
        "contentMap[{lang}] is the content"
    );
}

pub fn tags_of<'a>(note: &'a Value, kind: &str) -> Vec<&'a Value> {
    note["tag"]
        .as_array()
        .expect("tag array")
        .iter()
        .filter(|t| t["type"] == kind)
        .collect()
}

/// `scheme://host[:port]` of a URL.
pub fn origin(url: &str) -> String {
    let u = url::Url::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    u.origin().ascii_serialization()
}

/// The activity's id (and its embedded activity's) is under its actor's origin.
pub fn assert_id_under_actor(activity: &Value) {
    let actor = activity["actor"].as_str().expect("actor");
    let id = activity["id"].as_str().expect("id");
    assert_eq!(origin(id), origin(actor), "{id} is not under {actor}");
    let object = &activity["object"];
    if object.get("actor").is_some() {
        assert_id_under_actor(object);
    }
}

/// An activity as delivered: context at the top, id under the actor.
pub fn assert_activity(activity: &Value, kind: &str) {
    assert_eq!(activity["type"], kind);
    assert_context_only_at_top(activity);
    assert_id_under_actor(activity);
}
