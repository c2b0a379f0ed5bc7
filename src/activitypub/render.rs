//! The one place our rows become ActivityStreams JSON.

use crate::activitypub::activities;
use crate::activitypub::types::{
    Activity, Actor, Collection, CollectionPage, Endpoints, Note, PUBLIC, PageRef, PropertyValue,
    PublicKey, TagObject, actor_context, note_context,
};
use crate::db::accounts::Account;
use crate::db::replies::Reply;
use crate::db::statuses::{Status, Visibility};
use crate::id::StatusId;
use crate::service::timelines::StatusDetail;
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

/// A timestamp as Mastodon writes it: UTC, whole seconds (`2026-11-27T10:00:00Z`).
pub fn iso(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
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

/// The `replies` collection of a local status.
pub fn replies_url(status_uri: &str) -> String {
    format!("{status_uri}/replies")
}

/// A page of the `replies` collection, with the query in Mastodon's (alphabetical)
/// order: `?min_id=…&only_other_accounts=true&page=true`.
pub fn replies_page_url(
    status_uri: &str,
    min_id: Option<StatusId>,
    only_other_accounts: bool,
) -> String {
    let mut query = Vec::new();
    if let Some(min_id) = min_id {
        query.push(format!("min_id={min_id}"));
    }
    if only_other_accounts {
        query.push("only_other_accounts=true".into());
    }
    query.push("page=true".into());
    format!("{}?{}", replies_url(status_uri), query.join("&"))
}

/// The `replies` a Note embeds, as Mastodon's note serializer does: a `Collection`
/// whose `first` page holds the URIs of the author's first self-replies (up to five,
/// oldest first) and leads on to the rest of them (`min_id` of the last one) or, when
/// there are none, to other accounts' replies.
pub fn embedded_replies(status_uri: &str, self_replies: &[Reply]) -> Collection {
    let next = match self_replies.last() {
        Some(last) => replies_page_url(status_uri, Some(last.id), false),
        None => replies_page_url(status_uri, None, true),
    };
    let items = self_replies
        .iter()
        .map(|r| serde_json::Value::String(r.uri.clone()))
        .collect();
    let mut first = CollectionPage::unordered(None, replies_url(status_uri), items);
    first.next = Some(next);
    Collection {
        context: None,
        id: replies_url(status_uri),
        kind: "Collection".into(),
        total_items: None,
        first: Some(PageRef::Page(Box::new(first))),
        last: None,
        items: None,
        ordered_items: None,
    }
}

/// A local status as a Note, with no self-replies listed under `replies` (what a new
/// status has). `in_reply_to` is the URI of the status it answers.
pub fn note(
    d: &StatusDetail,
    in_reply_to: Option<String>,
    urls: &Urls,
    with_context: bool,
) -> Note {
    note_with_replies(d, in_reply_to, &[], urls, with_context)
}

/// A local status as a Note. `in_reply_to` is the URI of the status it answers;
/// `self_replies` are its author's first public or unlisted replies to it.
pub fn note_with_replies(
    d: &StatusDetail,
    in_reply_to: Option<String>,
    self_replies: &[Reply],
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
        replies: embedded_replies(&s.uri, self_replies),
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

/// The Announce of a boost (`reblog`, by `booster`, of `original` by
/// `original_author`): public, copied to the original's author and the booster's
/// followers; a boost of one's own followers-only post stays with the followers.
pub fn announce(
    urls: &Urls,
    booster: &Account,
    reblog: &Status,
    original: &Status,
    original_author: &Account,
) -> Activity {
    let followers = urls.followers_url(&booster.username);
    let mut a = activities::announce(
        reblog.uri.clone(),
        &booster.uri,
        &followers,
        &original.uri,
        &original_author.uri,
        iso(reblog.created_at),
    );
    if reblog.visibility() == Visibility::Private {
        a.to = vec![followers];
        a.cc = vec![original_author.uri.clone()];
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn timestamps_are_whole_seconds_in_utc() {
        assert_eq!(
            iso(datetime!(2026-11-27 10:00:00.123456 UTC)),
            "2026-11-27T10:00:00Z"
        );
        assert_eq!(
            iso(datetime!(2026-11-27 11:30:05.999 +01:00)),
            "2026-11-27T10:30:05Z"
        );
    }

    #[test]
    fn replies_pages_are_named_like_mastodon() {
        let uri = "https://a.example/users/a/statuses/1";
        assert_eq!(
            replies_page_url(uri, None, true),
            format!("{uri}/replies?only_other_accounts=true&page=true")
        );
        assert_eq!(
            replies_page_url(uri, Some(StatusId(7)), false),
            format!("{uri}/replies?min_id=7&page=true")
        );
        assert_eq!(
            replies_page_url(uri, Some(StatusId(7)), true),
            format!("{uri}/replies?min_id=7&only_other_accounts=true&page=true")
        );
    }

    #[test]
    fn a_note_embeds_its_first_self_replies() {
        let uri = "https://a.example/users/a/statuses/1";
        let none = serde_json::to_value(embedded_replies(uri, &[])).unwrap();
        assert_eq!(
            none,
            serde_json::json!({"id": format!("{uri}/replies"), "type": "Collection",
                "first": {"type": "CollectionPage", "partOf": format!("{uri}/replies"), "items": [],
                          "next": format!("{uri}/replies?only_other_accounts=true&page=true")}})
        );
        let reply = |id: i64| Reply {
            id: StatusId(id),
            in_reply_to_id: StatusId(1),
            account_id: crate::id::AccountId(1),
            uri: format!("{uri}{id}"),
        };
        let v = serde_json::to_value(embedded_replies(uri, &[reply(5), reply(9)])).unwrap();
        assert_eq!(
            v["first"]["items"],
            serde_json::json!([format!("{uri}5"), format!("{uri}9")])
        );
        assert_eq!(
            v["first"]["next"],
            format!("{uri}/replies?min_id=9&page=true")
        );
    }
}
