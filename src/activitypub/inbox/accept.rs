//! Accept of a Follow one of our accounts sent: the remote account agreed.

use crate::activitypub::parse::{Envelope, reference_id};
use crate::db::accounts::Account;
use crate::error::{AppError, AppResult};
use crate::service::follow_requests::{self, FollowRef};
use crate::state::AppState;
use serde_json::Value;

/// Only the account that was asked can accept; anything else we did not ask is
/// acknowledged with no change.
pub async fn accept(state: &AppState, actor: &Account, envelope: &Envelope) -> AppResult<()> {
    let object = envelope
        .object
        .as_ref()
        .ok_or_else(|| AppError::invalid("Accept needs an object"))?;
    let Some(follow) = follow_ref(object) else {
        return Err(AppError::invalid("Only Accept of a Follow is handled"));
    };
    follow_requests::accepted(state, actor, &follow)
        .await
        .map(|_| ())
}

/// The Follow an Accept or Reject answers: an IRI (the Follow's id), or the embedded
/// Follow with its id, actor and object. `None` for an embedded object of another type
/// (an Accept of a QuoteRequest, say).
pub fn follow_ref(object: &Value) -> Option<FollowRef<'_>> {
    match object {
        Value::String(id) => Some(FollowRef {
            id: Some(id),
            ..FollowRef::default()
        }),
        Value::Object(o) => {
            let kind = o.get("type").and_then(Value::as_str);
            if kind.is_some_and(|k| k != "Follow") {
                return None;
            }
            Some(FollowRef {
                id: o.get("id").and_then(Value::as_str),
                follower: o.get("actor").and_then(reference_id),
                followee: o.get("object").and_then(reference_id),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn follows_are_read_from_iris_and_embedded_objects() {
        let iri = json!("https://here.example/users/a#follows/1");
        assert_eq!(
            follow_ref(&iri),
            Some(FollowRef {
                id: Some("https://here.example/users/a#follows/1"),
                follower: None,
                followee: None
            })
        );
        let embedded = json!({"id": "f1", "type": "Follow", "actor": {"id": "https://here.example/users/a"},
                              "object": "https://far.example/users/b"});
        assert_eq!(
            follow_ref(&embedded),
            Some(FollowRef {
                id: Some("f1"),
                follower: Some("https://here.example/users/a"),
                followee: Some("https://far.example/users/b")
            })
        );
        let bare = json!({"actor": "a", "object": "b"});
        assert_eq!(follow_ref(&bare).unwrap().id, None);
        assert_eq!(
            follow_ref(&json!({"type": "QuoteRequest", "id": "q"})),
            None
        );
        assert_eq!(follow_ref(&json!(42)), None);
        assert_eq!(
            follow_ref(&json!({"type": "Follow", "id": 7, "actor": [1]})),
            Some(FollowRef::default())
        );
    }
}
