//! Snapshots of every ActivityStreams document we serve and every activity we deliver,
//! taken through the real server: documents over HTTP with `Accept:
//! application/activity+json`, activities as a local "remote inbox" receives them after
//! the queue is drained. The files live in `tests/snapshots/ap/`; run with
//! `UPDATE_SNAPSHOTS=1` to rewrite them after an intended change.
//!
//! Besides the snapshots, the Mastodon shape rules that matter for interop are asserted
//! on the live JSON: `@context` only at the top, `to`/`cc` by visibility, the Note's
//! fields, and activity ids under the actor's origin.

#[allow(dead_code)]
#[path = "support/ap_shape.rs"]
mod ap_shape;
#[allow(dead_code)]
#[path = "support/receiver.rs"]
mod receiver;
#[allow(dead_code)]
#[path = "support/snapshot.rs"]
mod snapshot;
mod support;

use ap_shape::{
    PUBLIC, assert_activity, assert_addressed, assert_content_warning, assert_context_only_at_top,
    assert_language, assert_note_shape, strings, tags_of,
};
use receiver::{Received, Receiver};
use serde_json::Value;
use snapshot::{Redactor, assert_json_snapshot, assert_text_snapshot};
use starling::db;
use starling::db::accounts::{Account, RemoteAccount};
use starling::db::statuses::{NewStatus, Status, Visibility};
use starling::id::StatusId;
use starling::service::profile::ProfileForm;
use starling::service::statuses::NewPost;
use starling::service::{blocks, favourites, follows, pins, profile, statuses};
use support::TestApp;

/// What the test server's base URL becomes in the snapshots.
const OURS: &str = "https://starling.test";
/// The remote accounts' server (only their inboxes are real, on a local receiver).
const REMOTE: &str = "https://remote.test";

// ---------------------------------------------------------------------------------------
// The rig: accounts, posts, fetches and deliveries.

fn ap(file: &str) -> String {
    format!("ap/{file}.json")
}

fn redactor(app: &TestApp) -> Redactor {
    let mut r = Redactor::new();
    r.server(&app.base, OURS);
    r
}

async fn post(app: &TestApp, author: &Account, p: NewPost) -> Status {
    let id = statuses::post(&app.state, author, &p).await.expect("post");
    db::statuses::find(&app.state.db, id)
        .await
        .expect("query")
        .expect("status stored")
}

fn text(text: &str, visibility: Visibility) -> NewPost {
    NewPost {
        text: text.into(),
        visibility: Some(visibility),
        ..Default::default()
    }
}

/// A remote account at `https://remote.test/users/<name>` whose inbox is on `inbox_base`.
async fn remote_account(app: &TestApp, username: &str, inbox_base: &str) -> Account {
    let uri = format!("{REMOTE}/users/{username}");
    let inbox = format!("{inbox_base}/users/{username}/inbox");
    let url = format!("{REMOTE}/@{username}");
    let followers = format!("{uri}/followers");
    db::accounts::upsert_remote(
        &app.state.db,
        &RemoteAccount {
            username,
            domain: "remote.test",
            display_name: username,
            note: "",
            fields: &[],
            uri: &uri,
            url: Some(&url),
            actor_type: "Person",
            locked: false,
            discoverable: None,
            indexable: false,
            inbox_url: &inbox,
            outbox_url: None,
            shared_inbox_url: None,
            followers_url: Some(&followers),
            following_url: None,
            featured_url: None,
            public_key_pem: None,
            public_key_id: None,
            avatar_remote_url: None,
            header_remote_url: None,
            also_known_as: &[],
        },
    )
    .await
    .expect("remote account");
    app.account_by_uri(&uri).await
}

/// A public post by a remote account, known here; a reply when `parent` is given.
async fn remote_post(app: &TestApp, author: &Account, n: u32, parent: Option<&Status>) -> Status {
    let uri = format!("{}/statuses/{n}", author.uri);
    let url = format!("{REMOTE}/@{}/{n}", author.username);
    let id = db::statuses::next_id(&app.state.db).await.expect("id");
    let stored = db::statuses::insert_remote(
        &app.state.db,
        &NewStatus {
            id,
            uri: &uri,
            url: Some(&url),
            account_id: author.id,
            in_reply_to_id: parent.map(|p| p.id),
            in_reply_to_account_id: parent.map(|p| p.account_id),
            in_reply_to_uri: parent.map(|p| p.uri.as_str()),
            reblog_of_id: None,
            text: "",
            content: "<p>A post from elsewhere</p>",
            spoiler_text: "",
            sensitive: false,
            visibility: Visibility::Public,
            language: Some("en"),
            local: false,
            application_id: None,
        },
        time::OffsetDateTime::now_utc(),
    )
    .await
    .expect("insert remote post");
    assert!(stored.is_some());
    db::statuses::find_by_uri(&app.state.db, &uri)
        .await
        .expect("query")
        .expect("stored")
}

async fn set_profile(app: &TestApp, username: &str, form: ProfileForm) -> Account {
    let account = app.account(username).await;
    profile::update(&app.state, &account, &form)
        .await
        .expect("profile update");
    app.account(username).await
}

/// GETs `path` as ActivityPub clients do; asserts 200 and the AS2 content type.
async fn fetch_ap(app: &TestApp, path: &str) -> Value {
    let (ct, body) = fetch(app, path, "application/activity+json").await;
    assert!(
        ct.starts_with("application/activity+json"),
        "{path}: content type {ct}"
    );
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {body}"))
}

/// GETs `path` with `accept`; asserts 200 and returns the content type and body.
async fn fetch(app: &TestApp, path: &str, accept: &str) -> (String, String) {
    let res = reqwest::Client::new()
        .get(app.url(path))
        .header("accept", accept)
        .send()
        .await
        .expect("GET");
    let status = res.status();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = res.text().await.expect("body");
    assert_eq!(status, 200, "GET {path}: {body}");
    (ct, body)
}

/// GETs `path` with `accept`, following no redirect: the status and `Location`.
async fn fetch_status(app: &TestApp, path: &str, accept: &str) -> (u16, Option<String>) {
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(app.url(path))
        .header("accept", accept)
        .send()
        .await
        .expect("GET");
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    (res.status().as_u16(), location)
}

/// The path of one of our URLs.
fn path_of<'a>(app: &TestApp, url: &'a str) -> &'a str {
    url.strip_prefix(&app.base)
        .unwrap_or_else(|| panic!("{url} is not ours"))
}

/// Mastodon writes timestamps in whole seconds, UTC: `2026-11-27T10:00:00Z`.
fn assert_whole_seconds(at: &Value) {
    let at = at.as_str().expect("a timestamp");
    let parsed = time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|e| panic!("{at}: {e}"));
    assert_eq!(parsed.nanosecond(), 0, "{at}");
    assert!(at.ends_with('Z') && !at.contains('.'), "{at}");
}

/// The deliveries since the last call (after draining the queue), by inbox path.
struct Inboxes {
    receiver: Receiver,
    seen: usize,
}

impl Inboxes {
    async fn start() -> Inboxes {
        Inboxes {
            receiver: Receiver::start().await,
            seen: 0,
        }
    }

    fn base(&self) -> String {
        self.receiver.url("")
    }

    async fn new_deliveries(&mut self, app: &TestApp) -> Vec<Received> {
        app.drain().await;
        let all = self.receiver.received();
        let mut fresh = all[self.seen..].to_vec();
        self.seen = all.len();
        fresh.sort_by(|a, b| a.path.cmp(&b.path));
        for d in &fresh {
            let ct = d
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            assert_eq!(ct, "application/activity+json", "{}", d.path);
            assert!(d.headers.contains_key("signature"), "signed: {}", d.path);
        }
        fresh
    }

    /// The one activity the last action delivered, to `to`'s inbox.
    async fn only(&mut self, app: &TestApp, to: &Account) -> Value {
        let fresh = self.new_deliveries(app).await;
        let paths: Vec<&str> = fresh.iter().map(|d| d.path.as_str()).collect();
        let inbox = format!("/users/{}/inbox", to.username);
        assert_eq!(paths, vec![inbox.as_str()], "deliveries");
        serde_json::from_str(&fresh[0].body).expect("delivered JSON")
    }
}

// ---------------------------------------------------------------------------------------
// Documents served over HTTP.

#[tokio::test]
async fn actors_are_served_like_mastodon() {
    let app = TestApp::start().await;
    let r = redactor(&app);
    app.create_user("alice").await;
    app.create_user("botty").await;
    app.create_user("lena").await;
    set_profile(
        &app,
        "alice",
        ProfileForm {
            display_name: "Alice Liddell".into(),
            note: "Curiouser and curiouser. #wonderland".into(),
            fields: vec![
                ("Pronouns".into(), "she/her".into()),
                ("Site".into(), "https://alice.example".into()),
            ],
            ..Default::default()
        },
    )
    .await;
    set_profile(
        &app,
        "botty",
        ProfileForm {
            display_name: "Botty".into(),
            bot: true,
            ..Default::default()
        },
    )
    .await;
    let lena = set_profile(
        &app,
        "lena",
        ProfileForm {
            locked: true,
            ..Default::default()
        },
    )
    .await;
    assert!(lena.locked);

    let alice = fetch_ap(&app, "/users/alice").await;
    assert_eq!(alice["type"], "Person");
    assert_context_only_at_top(&alice);
    assert_eq!(alice["manuallyApprovesFollowers"], false);
    assert_eq!(alice["attachment"][0]["type"], "PropertyValue");
    assert_eq!(
        alice["publicKey"]["id"],
        format!("{}#main-key", app.url("/users/alice"))
    );
    assert_json_snapshot(&ap("actor_person"), &r, &alice);

    let botty = fetch_ap(&app, "/users/botty").await;
    assert_eq!(botty["type"], "Service");
    assert_json_snapshot(&ap("actor_service_bot"), &r, &botty);

    let lena = fetch_ap(&app, "/users/lena").await;
    assert_eq!(lena["manuallyApprovesFollowers"], true);
    assert_json_snapshot(&ap("actor_locked"), &r, &lena);

    let instance = fetch_ap(&app, "/actor").await;
    assert_eq!(instance["type"], "Application");
    assert_eq!(instance["id"], app.url("/actor"));
    assert_eq!(instance["preferredUsername"], app.state.urls.domain());
    assert_context_only_at_top(&instance);
    assert_json_snapshot(&ap("actor_instance_application"), &r, &instance);
}

/// The posts of the note tests, named for the redactions.
struct Posts {
    plain: Status,
    reply: Status,
    tagged: Status,
    english: Status,
}

async fn write_posts(app: &TestApp, alice: &Account, r: &mut Redactor) -> Posts {
    let plain = post(app, alice, text("Hello, world!", Visibility::Public)).await;
    let reply = post(
        app,
        alice,
        NewPost {
            in_reply_to: Some(plain.id),
            ..text("Replying to myself.", Visibility::Public)
        },
    )
    .await;
    let tagged = post(
        app,
        alice,
        NewPost {
            spoiler_text: "Spoilers ahead".into(),
            ..text("@bob have you read #Alice yet? #books", Visibility::Public)
        },
    )
    .await;
    let english = post(
        app,
        alice,
        NewPost {
            language: Some("en".into()),
            ..text("Written in English.", Visibility::Unlisted)
        },
    )
    .await;
    for (status, name) in [
        (&plain, "plain"),
        (&reply, "reply"),
        (&tagged, "tagged"),
        (&english, "english"),
    ] {
        r.replace(status.id.to_string(), format!("[{name}]"));
    }
    Posts {
        plain,
        reply,
        tagged,
        english,
    }
}

fn note_path(id: StatusId) -> String {
    format!("/users/alice/statuses/{id}")
}

#[tokio::test]
async fn notes_and_their_creates_are_served_like_mastodon() {
    let app = TestApp::start().await;
    let mut r = redactor(&app);
    app.create_user("alice").await;
    app.create_user("bob").await;
    let alice = app.account("alice").await;
    let bob = app.account("bob").await;
    let posts = write_posts(&app, &alice, &mut r).await;
    let followers = app.url("/users/alice/followers");

    let plain = fetch_ap(&app, &note_path(posts.plain.id)).await;
    assert_note_shape(&plain, &alice);
    assert_context_only_at_top(&plain);
    assert_addressed(&plain, Visibility::Public, &followers, &[]);
    assert_eq!(plain["summary"], Value::Null);
    assert_eq!(plain["sensitive"], false);
    assert_whole_seconds(&plain["published"]);
    assert_eq!(
        plain["replies"]["first"]["items"],
        serde_json::json!([posts.reply.uri]),
        "the self-reply is listed"
    );
    assert!(plain.get("contentMap").is_none(), "no language, no map");
    assert_json_snapshot(&ap("note_plain"), &r, &plain);

    let reply = fetch_ap(&app, &note_path(posts.reply.id)).await;
    assert_note_shape(&reply, &alice);
    assert_eq!(reply["inReplyTo"], posts.plain.uri.as_str());
    assert_eq!(reply["inReplyToAtomUri"], posts.plain.uri.as_str());
    assert_json_snapshot(&ap("note_reply"), &r, &reply);

    let tagged = fetch_ap(&app, &note_path(posts.tagged.id)).await;
    assert_note_shape(&tagged, &alice);
    assert_content_warning(&tagged, "Spoilers ahead");
    assert_addressed(&tagged, Visibility::Public, &followers, &[&bob.uri]);
    let mentions = tags_of(&tagged, "Mention");
    assert_eq!(mentions.len(), 1);
    assert_eq!(mentions[0]["href"], bob.uri.as_str());
    assert_eq!(
        mentions[0]["name"],
        format!("@bob@{}", app.state.urls.domain())
    );
    let hashtags = tags_of(&tagged, "Hashtag");
    assert_eq!(hashtags.len(), 2, "{hashtags:?}");
    assert!(hashtags.iter().all(|h| {
        let name = h["name"].as_str().unwrap_or_default();
        name.starts_with('#') && h["href"].as_str().is_some_and(|u| u.contains("/tags/"))
    }));
    assert_json_snapshot(&ap("note_mention_hashtag_cw"), &r, &tagged);

    let english = fetch_ap(&app, &note_path(posts.english.id)).await;
    assert_note_shape(&english, &alice);
    assert_language(&english, "en");
    assert_addressed(&english, Visibility::Unlisted, &followers, &[]);
    assert_json_snapshot(&ap("note_language_unlisted"), &r, &english);

    let create = fetch_ap(&app, &format!("{}/activity", note_path(posts.tagged.id))).await;
    assert_activity(&create, "Create");
    assert_eq!(create["id"], format!("{}/activity", posts.tagged.uri));
    assert_eq!(create["actor"], alice.uri.as_str());
    assert_eq!(create["to"], tagged["to"]);
    assert_eq!(create["cc"], tagged["cc"]);
    assert_eq!(create["published"], tagged["published"]);
    let mut embedded = tagged.clone();
    embedded.as_object_mut().expect("object").remove("@context");
    assert_eq!(
        create["object"], embedded,
        "the Create embeds the same Note"
    );
    assert_json_snapshot(&ap("create_note_served"), &r, &create);
}

#[tokio::test]
async fn collections_are_served_like_mastodon() {
    let app = TestApp::start().await;
    let mut r = redactor(&app);
    app.create_user("alice").await;
    app.create_user("bob").await;
    let alice = app.account("alice").await;
    let bob = app.account("bob").await;
    let rita = remote_account(&app, "rita", "http://127.0.0.1:9").await;
    let posts = write_posts(&app, &alice, &mut r).await;
    let private = post(
        &app,
        &alice,
        text("Only for followers", Visibility::Private),
    )
    .await;
    r.replace(private.id.to_string(), "[private]");
    // A boost: Mastodon's outbox lists it as an Announce.
    let bobs = post(&app, &bob, text("Bob's post", Visibility::Public)).await;
    r.replace(bobs.id.to_string(), "[bobs]");
    let boost = statuses::reblog(&app.state, &alice, bobs.id)
        .await
        .expect("boost");
    r.replace(boost.to_string(), "[boost]");
    follows::follow(&app.state, &bob, &alice)
        .await
        .expect("bob follows alice");
    follows::follow(&app.state, &alice, &bob)
        .await
        .expect("alice follows bob");
    follows::accept_remote_follow(
        &app.state,
        &rita,
        &alice,
        &format!("{}#follows/1", rita.uri),
    )
    .await
    .expect("rita follows alice");
    pins::pin(&app.state, &alice, &posts.plain)
        .await
        .expect("pin");
    // Pinned, but only for followers: not for the public featured collection.
    pins::pin(&app.state, &alice, &private).await.expect("pin");

    let actor = fetch_ap(&app, "/users/alice").await;
    let outbox = fetch_ap(&app, "/users/alice/outbox").await;
    assert_eq!(outbox["id"], actor["outbox"]);
    assert_eq!(outbox["type"], "OrderedCollection");
    assert_context_only_at_top(&outbox);
    assert_json_snapshot(&ap("outbox"), &r, &outbox);
    let first = outbox["first"].as_str().expect("first page URL");
    let page = fetch_ap(&app, path_of(&app, first)).await;
    assert_eq!(page["type"], "OrderedCollectionPage");
    assert_context_only_at_top(&page);
    let items = page["orderedItems"].as_array().expect("items");
    assert!(
        items
            .iter()
            .all(|i| i["type"] == "Create" || i["type"] == "Announce")
    );
    assert!(
        !items
            .iter()
            .any(|i| i["object"]["id"] == private.uri.as_str()),
        "followers-only posts stay out of the public outbox"
    );
    let announce = &items[0];
    assert_eq!(announce["type"], "Announce", "the boost is the newest");
    assert_eq!(announce["object"], bobs.uri.as_str());
    assert_eq!(announce["actor"], alice.uri.as_str());
    assert_eq!(strings(&announce["to"]), [PUBLIC]);
    assert_eq!(
        strings(&announce["cc"]),
        [bob.uri.clone(), app.url("/users/alice/followers")]
    );
    assert_eq!(
        page["prev"],
        format!(
            "{}?min_id={boost}&page=true",
            app.url("/users/alice/outbox")
        )
    );
    assert!(page.get("next").is_none(), "one page holds them all");
    assert_json_snapshot(&ap("outbox_page"), &r, &page);
    // `last` is the oldest page: here the same activities.
    let last = fetch_ap(&app, path_of(&app, outbox["last"].as_str().expect("last"))).await;
    assert_eq!(last["orderedItems"], page["orderedItems"]);
    assert_eq!(last["id"], outbox["last"]);
    // Nothing is newer than the newest.
    let newer = fetch_ap(&app, path_of(&app, page["prev"].as_str().expect("prev"))).await;
    assert_eq!(newer["orderedItems"], serde_json::json!([]));
    assert!(newer.get("prev").is_none() && newer.get("next").is_none());

    for (name, total) in [("followers", 2), ("following", 1)] {
        let path = format!("/users/alice/{name}");
        let collection = fetch_ap(&app, &path).await;
        assert_eq!(collection["type"], "OrderedCollection");
        assert_eq!(collection["totalItems"], total);
        assert_context_only_at_top(&collection);
        assert_json_snapshot(&ap(name), &r, &collection);
        let first = collection["first"].as_str().expect("first page URL");
        let page = fetch_ap(&app, path_of(&app, first)).await;
        assert_eq!(page["type"], "OrderedCollectionPage");
        assert_eq!(page["partOf"], app.url(&path));
        assert_json_snapshot(&ap(&format!("{name}_page")), &r, &page);
    }

    let featured = fetch_ap(&app, "/users/alice/collections/featured").await;
    assert_eq!(featured["id"], actor["featured"]);
    assert_eq!(featured["type"], "OrderedCollection");
    assert_eq!(featured["totalItems"], 1, "public and unlisted pins only");
    assert_context_only_at_top(&featured);
    let pinned = &featured["orderedItems"][0];
    assert_note_shape(pinned, &alice);
    assert_eq!(pinned["id"], posts.plain.uri.as_str());
    let mut served = fetch_ap(&app, &note_path(posts.plain.id)).await;
    served.as_object_mut().expect("object").remove("@context");
    assert_eq!(*pinned, served, "the pinned Note as it is served");
    assert_json_snapshot(&ap("featured"), &r, &featured);

    let tags = fetch_ap(&app, "/users/alice/collections/tags").await;
    assert_eq!(tags["id"], actor["featuredTags"]);
    assert_eq!(tags["type"], "Collection");
    assert_eq!(tags["totalItems"], 0);
    assert_eq!(tags["items"], serde_json::json!([]));
    assert_json_snapshot(&ap("featured_tags"), &r, &tags);
}

#[tokio::test]
async fn the_outbox_pages_by_id_both_ways() {
    let app = TestApp::start().await;
    app.create_user("alice").await;
    let alice = app.account("alice").await;
    let mut posted = Vec::new();
    for n in 0..23 {
        posted.push(post(&app, &alice, text(&format!("Post {n}"), Visibility::Public)).await);
    }
    let ids = |page: &Value| -> Vec<String> {
        page["orderedItems"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["object"]["id"].as_str().expect("note id").to_string())
            .collect()
    };
    let uris = |range: std::ops::Range<usize>| -> Vec<String> {
        posted[range].iter().rev().map(|s| s.uri.clone()).collect()
    };
    let outbox = fetch_ap(&app, "/users/alice/outbox").await;
    let first = fetch_ap(
        &app,
        path_of(&app, outbox["first"].as_str().expect("first")),
    )
    .await;
    assert_eq!(ids(&first), uris(3..23), "the newest 20, newest first");
    let next = first["next"].as_str().expect("a full page has a next");
    assert_eq!(
        next,
        format!(
            "{}?max_id={}&page=true",
            app.url("/users/alice/outbox"),
            posted[3].id
        )
    );
    let second = fetch_ap(&app, path_of(&app, next)).await;
    assert_eq!(ids(&second), uris(0..3));
    assert!(second.get("next").is_none(), "the end");
    // Back again from the second page.
    let back = fetch_ap(&app, path_of(&app, second["prev"].as_str().expect("prev"))).await;
    assert_eq!(ids(&back), uris(3..23));
    // `last` (`min_id=0`): the oldest 20, still newest first.
    let last = fetch_ap(&app, path_of(&app, outbox["last"].as_str().expect("last"))).await;
    assert_eq!(ids(&last), uris(0..20));
    assert_eq!(
        last["prev"],
        format!(
            "{}?min_id={}&page=true",
            app.url("/users/alice/outbox"),
            posted[19].id
        )
    );
}

#[tokio::test]
async fn replies_are_served_like_mastodon() {
    let app = TestApp::start().await;
    let mut r = redactor(&app);
    app.create_user("alice").await;
    app.create_user("bob").await;
    let alice = app.account("alice").await;
    let bob = app.account("bob").await;
    let rita = remote_account(&app, "rita", "http://127.0.0.1:9").await;
    let posts = write_posts(&app, &alice, &mut r).await;
    let parent = &posts.plain;
    let reply_to = |visibility| NewPost {
        in_reply_to: Some(parent.id),
        ..text("@alice an answer", visibility)
    };
    let bobs = post(&app, &bob, reply_to(Visibility::Public)).await;
    r.replace(bobs.id.to_string(), "[bobs]");
    let bobs_private = post(&app, &bob, reply_to(Visibility::Private)).await;
    let alices_unlisted = post(
        &app,
        &alice,
        NewPost {
            in_reply_to: Some(parent.id),
            ..text("More from me, quietly.", Visibility::Unlisted)
        },
    )
    .await;
    r.replace(alices_unlisted.id.to_string(), "[unlisted reply]");
    let alices_direct = post(
        &app,
        &alice,
        NewPost {
            in_reply_to: Some(parent.id),
            ..text("@bob between us", Visibility::Direct)
        },
    )
    .await;
    let ritas = remote_post(&app, &rita, 1, Some(parent)).await;
    let replies_path = format!("{}/replies", note_path(parent.id));
    let replies_url = app.url(&replies_path);

    // The Note lists its first self-replies and points on past the last of them.
    let note = fetch_ap(&app, &note_path(parent.id)).await;
    let embedded = &note["replies"];
    assert_eq!(embedded["id"], replies_url);
    assert_eq!(
        embedded["first"]["items"],
        serde_json::json!([posts.reply.uri, alices_unlisted.uri])
    );
    assert_eq!(
        embedded["first"]["next"],
        format!("{replies_url}?min_id={}&page=true", alices_unlisted.id)
    );

    // The collection: its first page holds the author's own replies, then leads to the
    // others'.
    let collection = fetch_ap(&app, &replies_path).await;
    assert_eq!(collection["type"], "Collection");
    assert_context_only_at_top(&collection);
    let first = &collection["first"];
    assert_eq!(first["type"], "CollectionPage");
    assert_eq!(first["id"], format!("{replies_url}?page=true"));
    assert_eq!(first["partOf"], replies_url);
    assert_eq!(first["items"], embedded["first"]["items"]);
    let others_url = format!("{replies_url}?only_other_accounts=true&page=true");
    assert_eq!(first["next"], others_url);
    assert_json_snapshot(&ap("replies"), &r, &collection);

    let page = fetch_ap(&app, &format!("{replies_path}?page=true")).await;
    assert_eq!(page["type"], "CollectionPage");
    assert_eq!(page["items"], first["items"]);
    assert_context_only_at_top(&page);

    // Following the Note's `next`: no more of the author's own, on to the others'.
    let rest = embedded["first"]["next"].as_str().expect("next");
    let rest = fetch_ap(&app, path_of(&app, rest)).await;
    assert_eq!(rest["items"], serde_json::json!([]));
    assert_eq!(rest["next"], others_url);

    // Everyone else's public and unlisted replies, local or remote, oldest first.
    let others = fetch_ap(&app, path_of(&app, &others_url)).await;
    assert_eq!(others["type"], "CollectionPage");
    assert_eq!(others["id"], others_url);
    assert_eq!(others["partOf"], replies_url);
    assert_eq!(others["items"], serde_json::json!([bobs.uri, ritas.uri]));
    assert!(others.get("next").is_none(), "the last page");
    for hidden in [&bobs_private, &alices_direct] {
        assert!(!strings(&others["items"]).contains(&hidden.uri));
        assert!(!strings(&first["items"]).contains(&hidden.uri));
    }
    assert_context_only_at_top(&others);
    assert_json_snapshot(&ap("replies_other_accounts"), &r, &others);

    // Browsers get the status page; replies of what not everyone may see do not exist.
    let (status, location) = fetch_status(&app, &replies_path, "text/html").await;
    assert_eq!(status, 302);
    assert_eq!(location, Some(format!("/@alice/{}", parent.id)));
    let private = post(&app, &alice, text("Followers only", Visibility::Private)).await;
    let path = format!("{}/replies", note_path(private.id));
    let (status, _) = fetch_status(&app, &path, "application/activity+json").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_instance_actor_collections_exist_and_are_empty() {
    let app = TestApp::start().await;
    let r = redactor(&app);
    let actor = fetch_ap(&app, "/actor").await;
    for name in ["outbox", "followers", "following"] {
        let url = actor[name].as_str().expect("advertised");
        let collection = fetch_ap(&app, path_of(&app, url)).await;
        assert_eq!(collection["id"], url);
        assert_eq!(collection["type"], "OrderedCollection");
        assert_eq!(collection["totalItems"], 0);
        assert_eq!(collection["orderedItems"], serde_json::json!([]));
        assert_context_only_at_top(&collection);
        assert_json_snapshot(&ap(&format!("actor_instance_{name}")), &r, &collection);
    }
}

#[tokio::test]
async fn discovery_documents_are_served_like_mastodon() {
    let app = TestApp::start().await;
    let r = redactor(&app);
    app.create_user("alice").await;
    let domain = app.state.urls.domain().to_string();

    let (ct, body) = fetch(
        &app,
        &format!("/.well-known/webfinger?resource=acct:alice@{domain}"),
        "application/jrd+json",
    )
    .await;
    assert!(ct.starts_with("application/jrd+json"), "{ct}");
    let jrd: Value = serde_json::from_str(&body).expect("JRD");
    assert_eq!(jrd["subject"], format!("acct:alice@{domain}"));
    let selves: Vec<&Value> = jrd["links"]
        .as_array()
        .expect("links")
        .iter()
        .filter(|l| l["rel"] == "self")
        .collect();
    assert_eq!(selves.len(), 1, "one self link");
    assert_eq!(selves[0]["type"], "application/activity+json");
    assert_eq!(selves[0]["href"], app.url("/users/alice"));
    assert_json_snapshot(&ap("webfinger_account"), &r, &jrd);

    let (_, body) = fetch(
        &app,
        &format!("/.well-known/webfinger?resource=acct:{domain}@{domain}"),
        "application/jrd+json",
    )
    .await;
    let jrd: Value = serde_json::from_str(&body).expect("JRD");
    assert_json_snapshot(&ap("webfinger_instance_actor"), &r, &jrd);

    let (ct, body) = fetch(&app, "/.well-known/host-meta", "application/xrd+xml").await;
    assert!(ct.starts_with("application/xrd+xml"), "{ct}");
    assert_text_snapshot("ap/host_meta.xml", &r.text(&body));

    let (ct, body) = fetch(&app, "/.well-known/nodeinfo", "application/json").await;
    assert!(ct.starts_with("application/json"), "{ct}");
    let links: Value = serde_json::from_str(&body).expect("JSON");
    assert_json_snapshot(&ap("nodeinfo_links"), &r, &links);

    for v in ["2.0", "2.1"] {
        let (ct, body) = fetch(&app, &format!("/nodeinfo/{v}"), "application/json").await;
        assert_eq!(
            ct,
            format!(
                "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/{v}#\""
            )
        );
        let mut doc: Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(doc["version"], v);
        assert_eq!(doc["software"]["name"], "starling");
        assert_eq!(doc["software"]["version"], env!("CARGO_PKG_VERSION"));
        // Where the source is, from Cargo.toml, in 2.1 only and only when it says.
        let repository = env!("CARGO_PKG_REPOSITORY");
        if v == "2.1" && !repository.is_empty() {
            assert_eq!(doc["software"]["repository"], repository);
        } else {
            assert!(doc["software"].get("repository").is_none(), "{v}");
        }
        // The version changes with every release: not part of the snapshot.
        doc["software"]["version"] = Value::String("[version]".into());
        assert_json_snapshot(&ap(&format!("nodeinfo_{v}")), &r, &doc);
    }
}

// ---------------------------------------------------------------------------------------
// Activities we deliver.

/// A server whose remote peers' inboxes are on `inboxes`, with alice (followed by the
/// remote rita) and the locked lena.
struct World {
    app: TestApp,
    inboxes: Inboxes,
    r: Redactor,
    alice: Account,
    lena: Account,
    rita: Account,
    sam: Account,
}

async fn world() -> World {
    let mut inboxes = Inboxes::start().await;
    let allowed = inboxes.receiver.host();
    let app =
        TestApp::start_with(move |c| c.federation.allowed_private_hosts = vec![allowed]).await;
    let mut r = redactor(&app);
    r.server(inboxes.base().trim_end_matches('/'), REMOTE);
    app.create_user("alice").await;
    app.create_user("lena").await;
    let lena = set_profile(
        &app,
        "lena",
        ProfileForm {
            locked: true,
            ..Default::default()
        },
    )
    .await;
    let rita = remote_account(&app, "rita", inboxes.base().trim_end_matches('/')).await;
    let sam = remote_account(&app, "sam", inboxes.base().trim_end_matches('/')).await;
    let alice = app.account("alice").await;
    assert!(inboxes.new_deliveries(&app).await.is_empty());
    World {
        app,
        inboxes,
        r,
        alice,
        lena,
        rita,
        sam,
    }
}

impl World {
    /// The one activity the last action delivered to `to`.
    async fn delivered(&mut self, to: &Account) -> Value {
        self.inboxes.only(&self.app, to).await
    }

    fn snapshot(&self, name: &str, activity: &Value) {
        assert_json_snapshot(&ap(name), &self.r, activity);
    }

    async fn post(&mut self, name: &str, p: NewPost) -> Status {
        let status = post(&self.app, &self.alice, p).await;
        self.r.replace(status.id.to_string(), format!("[{name}]"));
        status
    }
}

#[tokio::test]
async fn creates_and_deletes_are_delivered_like_mastodon() {
    let mut w = world().await;
    let followers = w.app.url("/users/alice/followers");
    follows::accept_remote_follow(
        &w.app.state,
        &w.rita,
        &w.alice,
        &format!("{}#follows/1", w.rita.uri),
    )
    .await
    .expect("rita follows alice");
    let accept = w.delivered(&w.rita.clone()).await;
    assert_activity(&accept, "Accept");
    assert_eq!(accept["actor"], w.alice.uri.as_str());
    assert_eq!(
        accept["object"],
        serde_json::json!({"id": format!("{}#follows/1", w.rita.uri), "type": "Follow",
                           "actor": w.rita.uri, "object": w.alice.uri}),
        "the Follow is embedded whole"
    );
    w.snapshot("deliver_accept_follow", &accept);

    // Public, with a hashtag and a language.
    let public = w
        .post(
            "public",
            NewPost {
                language: Some("en".into()),
                ..text("Hello, fediverse! #introductions", Visibility::Public)
            },
        )
        .await;
    let create = w.delivered(&w.rita.clone()).await;
    assert_activity(&create, "Create");
    assert_addressed(&create, Visibility::Public, &followers, &[]);
    assert_addressed(&create["object"], Visibility::Public, &followers, &[]);
    assert_note_shape(&create["object"], &w.alice);
    assert_language(&create["object"], "en");
    let served = fetch_ap(&w.app, &format!("{}/activity", note_path(public.id))).await;
    assert_eq!(create, served, "one renderer: delivered = served");
    w.snapshot("deliver_create_public", &create);

    // Unlisted, mentioning sam: to both inboxes.
    w.post(
        "unlisted",
        text("@sam@remote.test quietly public", Visibility::Unlisted),
    )
    .await;
    let fresh = w.inboxes.new_deliveries(&w.app).await;
    let paths: Vec<&str> = fresh.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(paths, ["/users/rita/inbox", "/users/sam/inbox"]);
    assert_eq!(fresh[0].body, fresh[1].body, "one body for every inbox");
    let create: Value = serde_json::from_str(&fresh[0].body).expect("JSON");
    assert_activity(&create, "Create");
    assert_addressed(&create, Visibility::Unlisted, &followers, &[&w.sam.uri]);
    assert_addressed(
        &create["object"],
        Visibility::Unlisted,
        &followers,
        &[&w.sam.uri],
    );
    assert_eq!(
        tags_of(&create["object"], "Mention")[0]["name"],
        "@sam@remote.test"
    );
    w.snapshot("deliver_create_unlisted", &create);

    // Followers-only.
    w.post(
        "private",
        text("Just for my followers", Visibility::Private),
    )
    .await;
    let create = w.delivered(&w.rita.clone()).await;
    assert_activity(&create, "Create");
    assert_eq!(create["cc"], serde_json::json!([]), "cc is there, empty");
    assert_addressed(&create, Visibility::Private, &followers, &[]);
    assert_addressed(&create["object"], Visibility::Private, &followers, &[]);
    w.snapshot("deliver_create_private", &create);

    // Direct: only to the mentioned, whether or not they follow.
    w.post(
        "direct",
        NewPost {
            spoiler_text: "Secret".into(),
            ..text("@rita@remote.test just between us", Visibility::Direct)
        },
    )
    .await;
    let create = w.delivered(&w.rita.clone()).await;
    assert_activity(&create, "Create");
    assert_eq!(create["cc"], serde_json::json!([]), "cc is there, empty");
    assert_eq!(create["object"]["cc"], serde_json::json!([]));
    assert_addressed(&create, Visibility::Direct, &followers, &[&w.rita.uri]);
    assert_addressed(
        &create["object"],
        Visibility::Direct,
        &followers,
        &[&w.rita.uri],
    );
    assert_content_warning(&create["object"], "Secret");
    w.snapshot("deliver_create_direct", &create);

    // Edit: an Update carrying the whole new Note, with `updated`.
    statuses::edit(
        &w.app.state,
        &w.alice,
        public.id,
        &NewPost {
            language: Some("en".into()),
            ..text("Hello again, fediverse! #introductions", Visibility::Public)
        },
    )
    .await
    .expect("edit");
    let update = w.delivered(&w.rita.clone()).await;
    assert_activity(&update, "Update");
    assert_whole_seconds(&update["object"]["updated"]);
    assert_whole_seconds(&update["object"]["published"]);
    let edited_at = update["object"]["updated"].as_str().expect("updated");
    assert_eq!(update["published"], edited_at, "published is the edit time");
    assert!(
        update["id"]
            .as_str()
            .is_some_and(|id| id.starts_with(&format!("{}#updates/", public.uri))),
        "{}",
        update["id"]
    );
    assert_addressed(&update, Visibility::Public, &followers, &[]);
    assert_note_shape(&update["object"], &w.alice);
    assert!(
        update["object"]["content"]
            .as_str()
            .is_some_and(|c| c.contains("Hello again"))
    );
    w.snapshot("deliver_update_note", &update);

    // Delete: a Tombstone, to everyone who got the Create.
    statuses::delete(&w.app.state, &w.alice, false, public.id)
        .await
        .expect("delete");
    let delete = w.delivered(&w.rita.clone()).await;
    assert_activity(&delete, "Delete");
    assert_eq!(delete["id"], format!("{}#delete", public.uri));
    assert_eq!(delete["object"]["type"], "Tombstone");
    assert_eq!(delete["object"]["id"], public.uri.as_str());
    assert!(strings(&delete["to"]).contains(&PUBLIC.to_string()));
    w.snapshot("deliver_delete_tombstone", &delete);
}

#[tokio::test]
async fn boosts_and_favourites_are_delivered_like_mastodon() {
    let mut w = world().await;
    let followers = w.app.url("/users/alice/followers");
    follows::accept_remote_follow(
        &w.app.state,
        &w.rita,
        &w.alice,
        &format!("{}#follows/1", w.rita.uri),
    )
    .await
    .expect("rita follows alice");
    w.inboxes.new_deliveries(&w.app).await;
    let theirs = remote_post(&w.app, &w.rita, 1, None).await;

    let reblog_id = statuses::reblog(&w.app.state, &w.alice, theirs.id)
        .await
        .expect("boost");
    w.r.replace(reblog_id.to_string(), "[boost]");
    let announce = w.delivered(&w.rita.clone()).await;
    assert_activity(&announce, "Announce");
    assert_eq!(announce["object"], theirs.uri.as_str());
    assert_eq!(strings(&announce["to"]), [PUBLIC]);
    assert_eq!(
        strings(&announce["cc"]),
        [w.rita.uri.clone(), followers.clone()]
    );
    assert!(announce["published"].as_str().is_some());
    w.snapshot("deliver_announce", &announce);
    let outbox = fetch_ap(&w.app, "/users/alice/outbox?page=true").await;
    let mut sent = announce.clone();
    sent.as_object_mut().expect("object").remove("@context");
    assert_eq!(
        outbox["orderedItems"][0], sent,
        "the outbox lists the boost as it was sent"
    );

    statuses::unreblog(&w.app.state, &w.alice, theirs.id)
        .await
        .expect("unboost");
    let undo = w.delivered(&w.rita.clone()).await;
    assert_activity(&undo, "Undo");
    assert_eq!(undo["object"]["id"], announce["id"]);
    assert_eq!(undo["object"]["type"], "Announce");
    w.snapshot("deliver_undo_announce", &undo);

    favourites::favourite(&w.app.state, &w.alice, theirs.id)
        .await
        .expect("favourite");
    let like = w.delivered(&w.rita.clone()).await;
    assert_activity(&like, "Like");
    assert_eq!(like["object"], theirs.uri.as_str());
    w.snapshot("deliver_like", &like);

    favourites::unfavourite(&w.app.state, &w.alice, theirs.id)
        .await
        .expect("unfavourite");
    let undo = w.delivered(&w.rita.clone()).await;
    assert_activity(&undo, "Undo");
    assert_eq!(undo["object"]["id"], like["id"], "the Undo names the Like");
    assert_eq!(undo["object"]["type"], "Like");
    w.snapshot("deliver_undo_like", &undo);
}

#[tokio::test]
async fn follows_answers_and_profile_updates_are_delivered_like_mastodon() {
    let mut w = world().await;
    let (rita, sam) = (w.rita.clone(), w.sam.clone());

    follows::follow(&w.app.state, &w.alice, &sam)
        .await
        .expect("follow");
    let follow = w.delivered(&sam).await;
    assert_activity(&follow, "Follow");
    assert_eq!(follow["actor"], w.alice.uri.as_str());
    assert_eq!(follow["object"], sam.uri.as_str());
    w.snapshot("deliver_follow", &follow);

    follows::unfollow(&w.app.state, &w.alice, &sam)
        .await
        .expect("unfollow");
    let undo = w.delivered(&sam).await;
    assert_activity(&undo, "Undo");
    assert_eq!(undo["object"], {
        let mut f = follow.clone();
        f.as_object_mut().expect("object").remove("@context");
        f
    });
    w.snapshot("deliver_undo_follow", &undo);

    // Requests to the locked lena: one authorized, one rejected.
    let rita_follow = format!("{}#follows/7", rita.uri);
    let sam_follow = format!("{}#follows/8", sam.uri);
    follows::accept_remote_follow(&w.app.state, &rita, &w.lena, &rita_follow)
        .await
        .expect("rita asks");
    follows::accept_remote_follow(&w.app.state, &sam, &w.lena, &sam_follow)
        .await
        .expect("sam asks");
    assert!(
        w.inboxes.new_deliveries(&w.app).await.is_empty(),
        "a request waits"
    );
    follows::authorize(&w.app.state, &w.lena, &rita)
        .await
        .expect("authorize");
    let accept = w.delivered(&rita).await;
    assert_activity(&accept, "Accept");
    assert_eq!(accept["object"]["id"], rita_follow);
    assert_eq!(accept["object"]["actor"], rita.uri.as_str());
    assert_eq!(accept["object"]["object"], w.lena.uri.as_str());
    w.snapshot("deliver_accept_follow_request", &accept);

    follows::reject(&w.app.state, &w.lena, &sam)
        .await
        .expect("reject");
    let reject = w.delivered(&sam).await;
    assert_activity(&reject, "Reject");
    assert_eq!(reject["object"]["id"], sam_follow);
    assert_eq!(reject["object"]["type"], "Follow");
    w.snapshot("deliver_reject_follow", &reject);

    // Profile change: Update of the whole actor, to the followers (rita follows lena).
    set_profile(
        &w.app,
        "lena",
        ProfileForm {
            display_name: "Lena".into(),
            note: "Now with a bio.".into(),
            locked: true,
            ..Default::default()
        },
    )
    .await;
    let update = w.delivered(&rita).await;
    assert_activity(&update, "Update");
    assert_eq!(update["object"]["type"], "Person");
    assert_eq!(update["object"]["id"], w.lena.uri.as_str());
    assert_eq!(update["object"]["name"], "Lena");
    let served = fetch_ap(&w.app, "/users/lena").await;
    let mut actor = served.clone();
    actor.as_object_mut().expect("object").remove("@context");
    assert_eq!(
        update["object"], actor,
        "the Update embeds the served actor"
    );
    w.snapshot("deliver_update_person", &update);

    // Block and Undo(Block), of someone with no follow either way (so nothing else is
    // severed and sent).
    blocks::block_by_local(&w.app.state, &w.alice, &sam)
        .await
        .expect("block");
    let block = w.delivered(&sam).await;
    assert_activity(&block, "Block");
    assert_eq!(block["actor"], w.alice.uri.as_str());
    assert_eq!(block["object"], sam.uri.as_str());
    w.snapshot("deliver_block", &block);

    blocks::unblock_by_local(&w.app.state, &w.alice, &sam)
        .await
        .expect("unblock");
    let undo = w.delivered(&sam).await;
    assert_activity(&undo, "Undo");
    assert_eq!(
        undo["object"]["id"], block["id"],
        "the Undo names the Block"
    );
    assert_eq!(undo["object"]["type"], "Block");
    w.snapshot("deliver_undo_block", &undo);
}
