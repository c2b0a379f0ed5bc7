//! Parsing what other servers send, in the shapes Mastodon, GoToSocial, Misskey,
//! Pleroma/Akkoma, Pixelfed and Lemmy emit (fixtures written from their documented
//! shapes): single values where arrays are usual, embedded or IRI references, `as:Public`,
//! nulls and unknown extension properties.

use starling::activitypub::parse::{Envelope, RemoteActor, RemoteNote, has_as_context, visibility};
use starling::db::statuses::Visibility;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

#[test]
fn mastodon_actor() {
    let a: RemoteActor = serde_json::from_str(&fixture("mastodon_actor.json")).unwrap();
    assert!(a.is_actor_type() && has_as_context(&a.context));
    assert_eq!(a.preferred_username.as_deref(), Some("bob"));
    assert_eq!(a.shared_inbox(), Some("https://mastodon.example/inbox"));
    assert_eq!(
        a.key().unwrap().id,
        "https://mastodon.example/users/bob#main-key"
    );
    assert_eq!(
        a.icon_url(),
        Some("https://files.mastodon.example/avatars/bob.png")
    );
    assert_eq!(a.profile_url(), Some("https://mastodon.example/@bob"));
    let fields = a.fields();
    assert_eq!(fields.len(), 1);
    assert_eq!(fields[0].name, "Site");
    assert_eq!(a.indexable, Some(true));
}

#[test]
fn misskey_actor_with_nulls_and_top_level_shared_inbox() {
    let a: RemoteActor = serde_json::from_str(&fixture("misskey_actor.json")).unwrap();
    assert_eq!(a.preferred_username.as_deref(), Some("dave"));
    assert_eq!(a.name, None);
    assert_eq!(a.icon_url(), None);
    assert_eq!(a.shared_inbox(), Some("https://misskey.example/inbox"));
    assert_eq!(a.manually_approves_followers, Some(true));
    assert!(a.fields().is_empty());
}

#[test]
fn lemmy_person_without_optional_collections() {
    let a: RemoteActor = serde_json::from_str(&fixture("lemmy_person.json")).unwrap();
    assert!(has_as_context(&a.context), "AS2 context found among others");
    assert_eq!(a.followers, None);
    assert_eq!(
        a.icon_url(),
        Some("https://lemmy.example/pictrs/image/a.png")
    );
    assert_eq!(
        a.key().unwrap().owner.as_deref(),
        Some("https://lemmy.example/u/gina")
    );
}

#[test]
fn gotosocial_note_with_single_values() {
    let n: RemoteNote = serde_json::from_str(&fixture("gotosocial_note.json")).unwrap();
    assert_eq!(n.author(), Some("https://gts.example/users/carol"));
    assert_eq!(
        n.mentions(),
        vec!["https://starling.example/users/alice"],
        "a lone tag object"
    );
    assert_eq!(n.language(), Some("en"));
    let to = n.to.clone().into_vec();
    let cc = n.cc.clone().into_vec();
    assert_eq!(
        visibility(&to, &cc, Some("https://gts.example/users/carol/followers")),
        Visibility::Public
    );
}

#[test]
fn misskey_followers_only_create() {
    let e: Envelope = serde_json::from_str(&fixture("misskey_create.json")).unwrap();
    assert_eq!(e.kind(), Some("Create"));
    assert_eq!(e.actor_id(), Some("https://misskey.example/users/9abc"));
    let note: RemoteNote = serde_json::from_value(e.object.clone().unwrap()).unwrap();
    assert_eq!(note.in_reply_to(), None);
    let (to, cc) = (note.to.clone().into_vec(), note.cc.clone().into_vec());
    assert_eq!(
        visibility(
            &to,
            &cc,
            Some("https://misskey.example/users/9abc/followers")
        ),
        Visibility::Private
    );
    assert_eq!(
        note.content_html(),
        Some("<p><span>followers only</span></p>")
    );
}

#[test]
fn akkoma_announce_with_as_public_and_iri_object() {
    let e: Envelope = serde_json::from_str(&fixture("pleroma_announce.json")).unwrap();
    assert_eq!(e.kind(), Some("Announce"));
    assert_eq!(
        e.object_id(),
        Some("https://starling.example/users/alice/statuses/1")
    );
    let to = e.to.clone().into_vec();
    assert_eq!(
        visibility(&to, &e.cc.clone().into_vec(), None),
        Visibility::Public,
        "as:Public counts"
    );
}

#[test]
fn pixelfed_note_with_image_and_hashtag() {
    let n: RemoteNote = serde_json::from_str(&fixture("pixelfed_note.json")).unwrap();
    assert_eq!(n.hashtags(), vec!["photography"]);
    assert_eq!(n.attachment.as_ref().unwrap().iter().count(), 1);
    assert_eq!(n.language(), None);
}

#[test]
fn addressing_maps_to_visibility_like_mastodon() {
    let f = "https://x.example/users/a/followers";
    let public = "https://www.w3.org/ns/activitystreams#Public".to_string();
    assert_eq!(
        visibility(std::slice::from_ref(&public), &[], Some(f)),
        Visibility::Public
    );
    assert_eq!(
        visibility(&[f.into()], &["Public".into()], Some(f)),
        Visibility::Unlisted
    );
    assert_eq!(
        visibility(&[], &[f.into()], Some(f)),
        Visibility::Private,
        "followers in cc only"
    );
    assert_eq!(
        visibility(&["https://y.example/users/b".into()], &[], Some(f)),
        Visibility::Direct
    );
}

#[test]
fn parsers_never_panic_on_odd_json() {
    for doc in [
        "{}",
        "[]",
        "null",
        r#"{"type": 5}"#,
        r#"{"id": "x", "type": ["Person", "Object"], "publicKey": ["https://a#k"]}"#,
        r#"{"id": "x", "type": "Note", "to": null, "tag": "nonsense"}"#,
        r#"{"type": "Create", "object": [1, 2, 3], "actor": {"no": "id"}}"#,
    ] {
        let _ = serde_json::from_str::<RemoteActor>(doc);
        let _ = serde_json::from_str::<RemoteNote>(doc);
        if let Ok(e) = serde_json::from_str::<Envelope>(doc) {
            let _ = (e.kind(), e.actor_id(), e.object_id());
        }
    }
}
