//! The one place our rows become ActivityStreams JSON.

use crate::activitypub::types::{Actor, Endpoints, PropertyValue, PublicKey, actor_context};
use crate::db::accounts::Account;
use crate::urls::Urls;
use time::format_description::well_known::Rfc3339;

/// A local account's actor document, shaped like Mastodon's.
pub fn actor(account: &Account, public_key_pem: &str, urls: &Urls) -> Actor {
    let name = &account.username;
    let is_instance = account.actor_type == "Application";
    let (id, inbox, outbox) = if is_instance {
        let id = urls.instance_actor_uri();
        (id.clone(), format!("{id}/inbox"), format!("{id}/outbox"))
    } else {
        (
            account.uri.clone(),
            urls.inbox_url(name),
            urls.outbox_url(name),
        )
    };
    // Mastodon publishes the day of creation at midnight UTC.
    let published = account
        .created_at
        .replace_time(time::Time::MIDNIGHT)
        .format(&Rfc3339)
        .unwrap_or_default();
    Actor {
        context: actor_context(),
        kind: account.actor_type.clone(),
        following: if is_instance {
            format!("{id}/following")
        } else {
            urls.following_url(name)
        },
        followers: if is_instance {
            format!("{id}/followers")
        } else {
            urls.followers_url(name)
        },
        inbox,
        outbox,
        featured: (!is_instance).then(|| urls.featured_url(name)),
        featured_tags: (!is_instance).then(|| format!("{}/collections/tags", account.uri)),
        preferred_username: name.clone(),
        name: account.display_name.clone(),
        summary: account.note.clone(),
        url: if is_instance {
            urls.path("/about")
        } else {
            urls.profile_url(name)
        },
        manually_approves_followers: account.locked || is_instance,
        discoverable: account.discoverable.unwrap_or(false),
        indexable: false,
        memorial: account.memorial,
        published,
        public_key: PublicKey {
            id: format!("{id}#main-key"),
            owner: id.clone(),
            public_key_pem: public_key_pem.to_string(),
        },
        tag: Vec::new(),
        attachment: account
            .fields
            .0
            .iter()
            .map(|f| PropertyValue {
                kind: "PropertyValue".into(),
                name: f.name.clone(),
                value: f.value_html.clone(),
            })
            .collect(),
        endpoints: Endpoints {
            shared_inbox: urls.shared_inbox_url(),
        },
        also_known_as: Vec::new(),
        moved_to: None,
        webfinger: format!("{}@{}", name, urls.domain()),
        id,
    }
}

use crate::activitypub::types::{Activity, Collection, Note, PUBLIC, TagObject, note_context};
use crate::db::statuses::Visibility;
use crate::service::timelines::StatusDetail;

pub fn iso(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// `to` and `cc` of a status by visibility, as Mastodon addresses them.
pub fn addressing(
    visibility: Visibility,
    followers: &str,
    mentioned: &[String],
) -> (Vec<String>, Vec<String>) {
    let mentioned = mentioned.to_vec();
    match visibility {
        Visibility::Public => (
            vec![PUBLIC.into()],
            [vec![followers.to_string()], mentioned].concat(),
        ),
        Visibility::Unlisted => (
            vec![followers.to_string()],
            [vec![PUBLIC.to_string()], mentioned].concat(),
        ),
        Visibility::Private => (vec![followers.to_string()], mentioned),
        Visibility::Direct => (mentioned, Vec::new()),
    }
}

/// A local status as a Note. `in_reply_to` is the URI of the status it answers.
pub fn note(
    d: &StatusDetail,
    in_reply_to: Option<String>,
    urls: &Urls,
    with_context: bool,
) -> Note {
    let s = &d.status;
    let author = &d.account;
    let followers = urls.followers_url(&author.username);
    let mentioned: Vec<String> = d.mentions.iter().map(|a| a.uri.clone()).collect();
    let (to, cc) = addressing(s.visibility(), &followers, &mentioned);
    let mut tag: Vec<TagObject> = d
        .mentions
        .iter()
        .map(|a| TagObject {
            kind: "Mention".into(),
            href: a.uri.clone(),
            name: format!(
                "@{}@{}",
                a.username,
                a.domain
                    .clone()
                    .unwrap_or_else(|| urls.domain().to_string())
            ),
        })
        .collect();
    tag.extend(d.tags.iter().map(|(_, name)| TagObject {
        kind: "Hashtag".into(),
        href: urls.tag_url(&name.to_lowercase()),
        name: format!("#{}", name.to_lowercase()),
    }));
    let content_map = s
        .language
        .as_ref()
        .map(|l| [(l.clone(), s.content.clone())].into_iter().collect());
    Note {
        context: with_context.then(note_context),
        id: s.uri.clone(),
        kind: "Note".into(),
        summary: (!s.spoiler_text.is_empty()).then(|| s.spoiler_text.clone()),
        in_reply_to: in_reply_to.clone(),
        published: iso(s.created_at),
        updated: s.edited_at.map(iso),
        url: s.url.clone().unwrap_or_else(|| s.uri.clone()),
        attributed_to: author.uri.clone(),
        to,
        cc,
        sensitive: s.sensitive || !s.spoiler_text.is_empty(),
        atom_uri: s.uri.clone(),
        in_reply_to_atom_uri: in_reply_to,
        content: s.content.clone(),
        content_map,
        attachment: Vec::new(),
        tag,
        replies: Collection {
            context: None,
            id: format!("{}/replies", s.uri),
            kind: "Collection".into(),
            total_items: None,
            first: Some(serde_json::json!({
                "type": "CollectionPage",
                "next": format!("{}/replies?only_other_accounts=true&page=true", s.uri),
                "partOf": format!("{}/replies", s.uri),
                "items": []
            })),
            last: None,
        },
    }
}

/// The Create activity of a local status (served at `<status uri>/activity`).
pub fn create(note: Note) -> Activity {
    let mut object = note;
    let context = object.context.take().unwrap_or_else(note_context);
    Activity {
        context: Some(context),
        id: format!("{}/activity", object.id),
        kind: "Create".into(),
        actor: object.attributed_to.clone(),
        published: Some(object.published.clone()),
        to: object.to.clone(),
        cc: object.cc.clone(),
        object: serde_json::to_value(&object).unwrap_or_default(),
    }
}
