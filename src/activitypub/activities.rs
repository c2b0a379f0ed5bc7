//! The activities we send, shaped like Mastodon's: what the delivery worker will POST.
//! Each builder takes ids and URIs only; the caller decides the audience.

use crate::activitypub::types::{Activity, PUBLIC};
use serde_json::{Value, json};

const AS: &str = "https://www.w3.org/ns/activitystreams";

fn activity(id: String, kind: &str, actor: &str, object: Value) -> Activity {
    Activity {
        context: Some(Value::String(AS.into())),
        id,
        kind: kind.into(),
        actor: actor.into(),
        published: None,
        to: Vec::new(),
        cc: Vec::new(),
        object,
    }
}

/// The embedded form of an activity inside Accept, Reject and Undo: no `@context`.
pub fn embedded(a: &Activity) -> Value {
    let mut inner = a.clone();
    inner.context = None;
    serde_json::to_value(inner).unwrap_or(Value::Null)
}

pub fn follow(id: String, actor: &str, target: &str) -> Activity {
    activity(id, "Follow", actor, Value::String(target.into()))
}

/// Accept or Reject of a follow, embedding the whole Follow (id, actor, object), which
/// Misskey and others need to match it.
pub fn answer_follow(id: String, accept: bool, actor: &str, follow: &Activity) -> Activity {
    let mut a = activity(
        id,
        if accept { "Accept" } else { "Reject" },
        actor,
        embedded(follow),
    );
    a.to = vec![follow.actor.clone()];
    a
}

/// Undo of an earlier activity, embedding it (an IRI alone breaks some servers).
pub fn undo(inner: &Activity) -> Activity {
    let mut a = activity(
        format!("{}/undo", inner.id),
        "Undo",
        &inner.actor,
        embedded(inner),
    );
    a.to = inner.to.clone();
    a.cc = inner.cc.clone();
    a
}

pub fn like(id: String, actor: &str, object: &str, author: &str) -> Activity {
    let mut a = activity(id, "Like", actor, Value::String(object.into()));
    a.to = vec![author.into()];
    a
}

/// A boost: public, copied to the original author and the booster's followers.
pub fn announce(
    id: String,
    actor: &str,
    followers: &str,
    object: &str,
    author: &str,
    published: String,
) -> Activity {
    let mut a = activity(id, "Announce", actor, Value::String(object.into()));
    a.published = Some(published);
    a.to = vec![PUBLIC.into()];
    a.cc = vec![author.into(), followers.into()];
    a
}

/// Deletion of a status: the object becomes a Tombstone; addressed like the original.
pub fn delete_status(actor: &str, status_uri: &str, to: Vec<String>, cc: Vec<String>) -> Activity {
    let tombstone = json!({"id": status_uri, "type": "Tombstone", "atomUri": status_uri});
    let mut a = activity(format!("{status_uri}#delete"), "Delete", actor, tombstone);
    a.to = to;
    a.cc = cc;
    a
}

/// An Update carrying the whole new object (an edited Note, or the actor itself).
pub fn update(
    id: String,
    actor: &str,
    object: Value,
    to: Vec<String>,
    cc: Vec<String>,
) -> Activity {
    let mut a = activity(id, "Update", actor, object);
    a.to = to;
    a.cc = cc;
    a
}

pub fn block(id: String, actor: &str, target: &str) -> Activity {
    let mut a = activity(id, "Block", actor, Value::String(target.into()));
    a.to = vec![target.into()];
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "https://starling.example/users/alice";
    const BOB: &str = "https://remote.example/users/bob";

    #[test]
    fn follow_accept_undo_embed_the_follow() {
        let f = follow(format!("{ALICE}#follows/1"), ALICE, BOB);
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(
            v,
            json!({"@context": AS, "id": format!("{ALICE}#follows/1"), "type": "Follow", "actor": ALICE, "object": BOB})
        );
        let accept = serde_json::to_value(answer_follow(
            format!("{BOB}#accepts/follows/1"),
            true,
            BOB,
            &f,
        ))
        .unwrap();
        assert_eq!(accept["type"], "Accept");
        assert_eq!(accept["object"]["actor"], ALICE);
        assert_eq!(accept["object"]["object"], BOB);
        assert_eq!(accept["object"]["id"], format!("{ALICE}#follows/1"));
        assert!(accept["object"].get("@context").is_none());
        let u = serde_json::to_value(undo(&f)).unwrap();
        assert_eq!(u["type"], "Undo");
        assert_eq!(u["id"], format!("{ALICE}#follows/1/undo"));
        assert_eq!(u["object"]["type"], "Follow");
    }

    #[test]
    fn announce_and_delete_are_addressed_like_mastodon() {
        let a = serde_json::to_value(announce(
            format!("{ALICE}/statuses/9/activity"),
            ALICE,
            &format!("{ALICE}/followers"),
            "https://remote.example/notes/1",
            BOB,
            "2026-11-27T10:00:00Z".into(),
        ))
        .unwrap();
        assert_eq!(a["to"], json!([PUBLIC]));
        assert_eq!(a["cc"], json!([BOB, format!("{ALICE}/followers")]));
        let d = serde_json::to_value(delete_status(
            ALICE,
            &format!("{ALICE}/statuses/7"),
            vec![PUBLIC.into()],
            vec![],
        ))
        .unwrap();
        assert_eq!(d["object"]["type"], "Tombstone");
        assert_eq!(d["id"], format!("{ALICE}/statuses/7#delete"));
        assert!(d.get("cc").is_none(), "empty audiences are left out");
    }
}
