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
