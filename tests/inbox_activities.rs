//! The receiving side of federation beyond Create and Follow: Accept/Reject of our
//! follows, Like, Announce, Update, Delete of actors, Block, Flag, Move and Add/Remove,
//! each delivered by scripted remote peers with real keys over real HTTP. Every handler
//! is checked for its effect, for idempotency (the same activity twice changes nothing)
//! and against activities signed by someone who does not own what they touch (S11).

mod support;

use reqwest::StatusCode;
use serde_json::json;
use starling::db;
use starling::db::statuses::Visibility;
use starling::service::{self, notifications, timelines};
use support::TestApp;
use support::queries::{
    count, follow_directly, post, refreshed, rows, status, status_by_uri, statuses_of, unread,
    visible_to,
};
use support::remote::{PUBLIC, Remote, create, deliver, known, note};

/// An app that may reach these peers.
async fn app_with(remotes: &[&Remote]) -> TestApp {
    let hosts: Vec<&str> = remotes.iter().map(|r| r.host.as_str()).collect();
    TestApp::start_allowing(&hosts).await
}

/// The note the last processed inbox job finished with (why it was refused, if it was).
async fn last_note(app: &TestApp) -> Option<String> {
    sqlx::query_scalar(
        "SELECT last_error FROM jobs WHERE lane = 'inbox' AND state = 'done' ORDER BY finished_at DESC, id DESC LIMIT 1",
    )
    .fetch_optional(&app.state.db)
    .await
    .unwrap()
    .flatten()
}

async fn boosts(app: &TestApp) -> i64 {
    rows(app, "statuses WHERE reblog_of_id IS NOT NULL").await
}

async fn pins(app: &TestApp, account: starling::id::AccountId) -> Vec<starling::id::StatusId> {
    db::pins::of_account(&app.state.db, account, 50)
        .await
        .unwrap()
}

// ---------------------------------------------------------------- Accept / Reject

#[tokio::test]
async fn an_accept_turns_our_request_into_a_follow_and_a_reject_ends_it() {
    let rita = Remote::start().await;
    let app = app_with(&[&rita]).await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let alice = app.account("alice").await;
    let bob = app.account("bob").await;
    let rita_here = known(&app, &rita).await;
    // What the sending side stores when alice follows rita.
    let follow_id = format!("{}#follows/1", alice.uri);
    db::follows::insert_request(&app.state.db, alice.id, rita_here.id, Some(&follow_id))
        .await
        .unwrap();
    let follow =
        json!({"id": follow_id, "type": "Follow", "actor": alice.uri, "object": rita.actor()});
    let accept = rita.activity("accepts/1", "Accept", follow.clone());
    deliver(&app, &rita, &accept).await;
    let uri: Option<String> = sqlx::query_scalar(
        "SELECT uri FROM follows WHERE account_id = $1 AND target_account_id = $2",
    )
    .bind(alice.id)
    .bind(rita_here.id)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(
        uri.as_deref(),
        Some(follow_id.as_str()),
        "the follow keeps its id"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM follow_requests WHERE uri = $1",
            &follow_id
        )
        .await,
        0
    );
    assert_eq!(app.account("alice").await.following_count, 1);
    assert_eq!(refreshed(&app, &rita_here).await.followers_count, 1);
    // The same Accept again changes nothing.
    deliver(&app, &rita, &accept).await;
    assert_eq!(app.account("alice").await.following_count, 1);
    assert_eq!(refreshed(&app, &rita_here).await.followers_count, 1);
    // An Accept of something we never asked is acknowledged with no change.
    let stray = rita.activity(
        "accepts/2",
        "Accept",
        json!("https://elsewhere.example/follows/9"),
    );
    deliver(&app, &rita, &stray).await;
    assert_eq!(app.account("alice").await.following_count, 1);
    // Reject of an accepted follow by IRI: "removed as follower".
    deliver(
        &app,
        &rita,
        &rita.activity("rejects/1", "Reject", json!(follow_id)),
    )
    .await;
    let rel = db::follows::relationship(&app.state.db, alice.id, rita_here.id)
        .await
        .unwrap();
    assert!(!rel.following && !rel.requested);
    assert_eq!(app.account("alice").await.following_count, 0);
    assert_eq!(refreshed(&app, &rita_here).await.followers_count, 0);
    // A pending request answered with an embedded Follow that lacks an id (matched by
    // actor and object), then one answered by IRI alone.
    db::follows::insert_request(
        &app.state.db,
        bob.id,
        rita_here.id,
        Some(&format!("{}#follows/2", bob.uri)),
    )
    .await
    .unwrap();
    let no_id = json!({"type": "Follow", "actor": bob.uri, "object": rita.actor()});
    deliver(&app, &rita, &rita.activity("rejects/2", "Reject", no_id)).await;
    assert!(
        !db::follows::relationship(&app.state.db, bob.id, rita_here.id)
            .await
            .unwrap()
            .requested
    );
    let again = format!("{}#follows/3", bob.uri);
    db::follows::insert_request(&app.state.db, bob.id, rita_here.id, Some(&again))
        .await
        .unwrap();
    deliver(
        &app,
        &rita,
        &rita.activity("accepts/3", "Accept", json!(again)),
    )
    .await;
    assert!(
        db::follows::relationship(&app.state.db, bob.id, rita_here.id)
            .await
            .unwrap()
            .following
    );
    assert_eq!(app.account("bob").await.following_count, 1);
}

#[tokio::test]
async fn only_the_account_asked_can_accept_or_reject() {
    let rita = Remote::start().await;
    let mallory = Remote::start_as("mallory").await;
    let app = app_with(&[&rita, &mallory]).await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let alice = app.account("alice").await;
    let bob = app.account("bob").await;
    let rita_here = known(&app, &rita).await;
    known(&app, &mallory).await;
    let pending = format!("{}#follows/1", alice.uri);
    db::follows::insert_request(&app.state.db, alice.id, rita_here.id, Some(&pending))
        .await
        .unwrap();
    let accepted = format!("{}#follows/2", bob.uri);
    follow_directly(&app, &bob, &rita_here, Some(&accepted)).await;
    let attacks = [
        mallory.activity("a/1", "Accept", json!(pending)),
        mallory.activity(
            "a/2",
            "Accept",
            json!({"id": pending, "type": "Follow", "actor": alice.uri, "object": rita.actor()}),
        ),
        mallory.activity(
            "a/3",
            "Accept",
            json!({"type": "Follow", "actor": alice.uri, "object": rita.actor()}),
        ),
        mallory.activity("r/1", "Reject", json!(accepted)),
        mallory.activity(
            "r/2",
            "Reject",
            json!({"id": accepted, "type": "Follow", "actor": bob.uri, "object": rita.actor()}),
        ),
        mallory.activity("r/3", "Reject", json!(pending)),
    ];
    for attack in &attacks {
        deliver(&app, &mallory, attack).await;
        assert_eq!(
            last_note(&app).await.as_deref(),
            Some("This action is not allowed"),
            "{attack}"
        );
    }
    let alice_rel = db::follows::relationship(&app.state.db, alice.id, rita_here.id)
        .await
        .unwrap();
    assert!(
        alice_rel.requested && !alice_rel.following,
        "still only asked"
    );
    let bob_rel = db::follows::relationship(&app.state.db, bob.id, rita_here.id)
        .await
        .unwrap();
    assert!(bob_rel.following, "still following");
    assert_eq!(refreshed(&app, &rita_here).await.followers_count, 1);
}

// ---------------------------------------------------------------- Like

#[tokio::test]
async fn likes_count_notify_and_can_be_undone_only_by_their_author() {
    let rita = Remote::start().await;
    let mallory = Remote::start_as("mallory").await;
    let app = app_with(&[&rita, &mallory]).await;
    let alice_user = app.create_user("alice").await;
    let hello = post(&app, "alice", "hello", Visibility::Public).await;
    let like = rita.activity("likes/1", "Like", json!(hello.uri));
    deliver(&app, &rita, &like).await;
    deliver(&app, &rita, &like).await;
    assert_eq!(
        status(&app, hello.id).await.favourites_count,
        1,
        "delivered twice, counted once"
    );
    assert_eq!(unread(&app, &alice_user).await, 1);
    let page = notifications::page(
        &app.state,
        &alice_user,
        &app.account("alice").await,
        None,
        None,
        10,
    )
    .await
    .unwrap();
    assert_eq!(page[0].notification.kind, "favourite");
    assert_eq!(page[0].from.uri, rita.actor());
    // mallory cannot undo rita's Like, neither embedded nor by its id.
    let forged = mallory.activity("undo/1", "Undo", like.clone());
    deliver(&app, &mallory, &forged).await;
    assert_eq!(
        last_note(&app).await.as_deref(),
        Some("This action is not allowed")
    );
    deliver(
        &app,
        &mallory,
        &mallory.activity("undo/2", "Undo", like["id"].clone()),
    )
    .await;
    let mut own = like.clone();
    own["actor"] = json!(mallory.actor());
    deliver(&app, &mallory, &mallory.activity("undo/3", "Undo", own)).await;
    assert_eq!(status(&app, hello.id).await.favourites_count, 1);
    assert_eq!(unread(&app, &alice_user).await, 1);
    // rita undoes it by naming the Like's id only.
    deliver(
        &app,
        &rita,
        &rita.activity("likes/1/undo", "Undo", like["id"].clone()),
    )
    .await;
    assert_eq!(status(&app, hello.id).await.favourites_count, 0);
    assert_eq!(
        unread(&app, &alice_user).await,
        0,
        "the notification went with it"
    );
    // Liked again, then undone with an embedded Like of another id: matched by object.
    deliver(
        &app,
        &rita,
        &rita.activity("likes/2", "Like", json!(hello.uri)),
    )
    .await;
    assert_eq!(status(&app, hello.id).await.favourites_count, 1);
    let other = json!({"id": "https://elsewhere.example/x", "type": "Like", "actor": rita.actor(), "object": hello.uri});
    deliver(&app, &rita, &rita.activity("likes/2/undo", "Undo", other)).await;
    assert_eq!(status(&app, hello.id).await.favourites_count, 0);
    assert_eq!(rows(&app, "favourites").await, 0);
}

#[tokio::test]
async fn likes_need_a_post_the_actor_may_see() {
    let rita = Remote::start().await;
    let app = app_with(&[&rita]).await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let alice = app.account("alice").await;
    let rita_here = known(&app, &rita).await;
    let followers_only = post(&app, "alice", "for followers", Visibility::Private).await;
    let direct = post(&app, "alice", "@bob just you", Visibility::Direct).await;
    deliver(
        &app,
        &rita,
        &rita.activity("likes/1", "Like", json!(followers_only.uri)),
    )
    .await;
    deliver(
        &app,
        &rita,
        &rita.activity("likes/2", "Like", json!(direct.uri)),
    )
    .await;
    assert_eq!(status(&app, followers_only.id).await.favourites_count, 0);
    assert_eq!(status(&app, direct.id).await.favourites_count, 0);
    assert_eq!(
        last_note(&app).await.as_deref(),
        Some("Record not found"),
        "existence is not leaked"
    );
    // A follower may.
    db::follows::insert_follow(&app.state.db, rita_here.id, alice.id, None)
        .await
        .unwrap();
    deliver(
        &app,
        &rita,
        &rita.activity("likes/3", "Like", json!(followers_only.uri)),
    )
    .await;
    assert_eq!(status(&app, followers_only.id).await.favourites_count, 1);
    // Nobody whom the author blocked may.
    let public = post(&app, "alice", "public", Visibility::Public).await;
    service::blocks::block(&app.state, &alice, &rita_here, None)
        .await
        .unwrap();
    deliver(
        &app,
        &rita,
        &rita.activity("likes/4", "Like", json!(public.uri)),
    )
    .await;
    assert_eq!(status(&app, public.id).await.favourites_count, 0);
    // Likes of posts we do not have, or that are not ours, change nothing.
    deliver(
        &app,
        &rita,
        &rita.activity("likes/5", "Like", json!(app.url("/users/alice/statuses/1"))),
    )
    .await;
    deliver(
        &app,
        &rita,
        &rita.activity("likes/6", "Like", json!(rita.url("/notes/1"))),
    )
    .await;
    assert_eq!(rows(&app, "favourites").await, 1);
}

// ---------------------------------------------------------------- Announce

#[tokio::test]
async fn boosts_reach_the_boosters_followers_and_only_the_booster_can_undo_them() {
    let rita = Remote::start().await;
    let mallory = Remote::start_as("mallory").await;
    let app = app_with(&[&rita, &mallory]).await;
    let alice_user = app.create_user("alice").await;
    app.create_user("bob").await;
    let bob = app.account("bob").await;
    let rita_here = known(&app, &rita).await;
    known(&app, &mallory).await;
    db::follows::insert_follow(&app.state.db, bob.id, rita_here.id, None)
        .await
        .unwrap();
    let hello = post(&app, "alice", "hello world", Visibility::Public).await;
    let mut announce = rita.activity("announces/1", "Announce", json!(hello.uri));
    announce["published"] = json!("2026-11-22T12:00:00Z");
    announce["to"] = json!([PUBLIC]);
    announce["cc"] = json!([app.account("alice").await.uri, rita.followers()]);
    deliver(&app, &rita, &announce).await;
    deliver(&app, &rita, &announce).await;
    let boost = status_by_uri(&app, announce["id"].as_str().unwrap())
        .await
        .expect("stored");
    assert_eq!(boost.reblog_of_id, Some(hello.id));
    assert_eq!(boost.account_id, rita_here.id);
    assert_eq!(boost.visibility(), Visibility::Public);
    assert!(!boost.local);
    assert_eq!(
        status(&app, hello.id).await.reblogs_count,
        1,
        "delivered twice, counted once"
    );
    assert_eq!(
        unread(&app, &alice_user).await,
        1,
        "alice hears of the boost"
    );
    let home = timelines::home(&app.state, &bob, db::statuses::Page::older_than(None, 20))
        .await
        .unwrap();
    assert_eq!(home.len(), 1);
    assert_eq!(home[0].status.id, boost.id);
    assert_eq!(
        home[0].shown().status.content,
        hello.content,
        "bob sees alice's post boosted"
    );
    // mallory cannot undo it, embedded or by id.
    deliver(
        &app,
        &mallory,
        &mallory.activity("undo/1", "Undo", announce.clone()),
    )
    .await;
    assert_eq!(
        last_note(&app).await.as_deref(),
        Some("This action is not allowed")
    );
    deliver(
        &app,
        &mallory,
        &mallory.activity("undo/2", "Undo", announce["id"].clone()),
    )
    .await;
    assert_eq!(
        last_note(&app).await.as_deref(),
        Some("This action is not allowed")
    );
    assert!(
        status_by_uri(&app, announce["id"].as_str().unwrap())
            .await
            .is_some()
    );
    // rita can; a replayed Announce does not bring it back.
    deliver(
        &app,
        &rita,
        &rita.activity("announces/1/undo", "Undo", announce.clone()),
    )
    .await;
    assert!(
        status_by_uri(&app, announce["id"].as_str().unwrap())
            .await
            .is_none()
    );
    assert_eq!(status(&app, hello.id).await.reblogs_count, 0);
    assert_eq!(unread(&app, &alice_user).await, 0);
    assert!(
        timelines::home(&app.state, &bob, db::statuses::Page::older_than(None, 20))
            .await
            .unwrap()
            .is_empty()
    );
    deliver(&app, &rita, &announce).await;
    assert!(
        status_by_uri(&app, announce["id"].as_str().unwrap())
            .await
            .is_none()
    );
}

#[tokio::test]
async fn boosts_fetch_unknown_posts_and_refuse_private_ones() {
    let rita = Remote::start().await;
    let mallory = Remote::start_as("mallory").await;
    let app = app_with(&[&rita, &mallory]).await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    known(&app, &rita).await;
    // A post of mallory's we have never seen is fetched from mallory's server.
    let theirs = note(&mallory, 1, "<p>from far away</p>");
    mallory.serve("/notes/1", theirs.clone());
    deliver(
        &app,
        &rita,
        &rita.activity("announces/1", "Announce", json!(theirs["id"])),
    )
    .await;
    let original = status_by_uri(&app, theirs["id"].as_str().unwrap())
        .await
        .expect("fetched");
    assert_eq!(original.reblogs_count, 1);
    assert!(
        status_by_uri(&app, &format!("{}#announces/1", rita.actor()))
            .await
            .is_some()
    );
    // An embedded copy is not trusted: the post is read from its origin.
    let forged = json!({"id": mallory.url("/notes/2"), "type": "Note", "attributedTo": mallory.actor(),
                        "content": "forged", "to": [PUBLIC]});
    deliver(
        &app,
        &rita,
        &rita.activity("announces/2", "Announce", forged),
    )
    .await;
    assert!(
        status_by_uri(&app, &mallory.url("/notes/2"))
            .await
            .is_none()
    );
    // Followers-only and direct posts cannot be boosted by others.
    let private = post(&app, "alice", "followers only", Visibility::Private).await;
    let direct = post(&app, "alice", "@bob secret", Visibility::Direct).await;
    deliver(
        &app,
        &rita,
        &rita.activity("announces/3", "Announce", json!(private.uri)),
    )
    .await;
    deliver(
        &app,
        &rita,
        &rita.activity("announces/4", "Announce", json!(direct.uri)),
    )
    .await;
    assert_eq!(status(&app, private.id).await.reblogs_count, 0);
    assert_eq!(status(&app, direct.id).await.reblogs_count, 0);
    assert_eq!(boosts(&app).await, 1);
    // A group relaying a whole activity is not a boost.
    let wrapped = create(&mallory, &theirs);
    deliver(
        &app,
        &rita,
        &rita.activity("announces/5", "Announce", wrapped),
    )
    .await;
    assert_eq!(boosts(&app).await, 1);
    // An unlisted boost of a public post stays unlisted; a boost's id on another host is refused.
    let public = post(&app, "alice", "public", Visibility::Public).await;
    let mut quiet = rita.activity("announces/6", "Announce", json!(public.uri));
    quiet["to"] = json!([rita.followers()]);
    quiet["cc"] = json!([PUBLIC]);
    deliver(&app, &rita, &quiet).await;
    let quiet_boost = status_by_uri(&app, quiet["id"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(quiet_boost.visibility(), Visibility::Unlisted);
    let mut foreign = rita.activity("x", "Announce", json!(public.uri));
    foreign["id"] = json!(mallory.url("/announces/7"));
    deliver(&app, &rita, &foreign).await;
    assert!(
        status_by_uri(&app, &mallory.url("/announces/7"))
            .await
            .is_none()
    );
}

// ---------------------------------------------------------------- Update

#[tokio::test]
async fn edits_keep_their_history_and_stale_or_foreign_updates_change_nothing() {
    let rita = Remote::start().await;
    let mallory = Remote::start_as("mallory").await;
    let app = app_with(&[&rita, &mallory]).await;
    let alice_user = app.create_user("alice").await;
    let alice = app.account("alice").await;
    let original = note(&rita, 1, "<p>first version</p>");
    deliver(&app, &rita, &create(&rita, &original)).await;
    let uri = original["id"].as_str().unwrap().to_string();
    let update = |n: &str, content: &str, updated: &str| {
        let mut edited = original.clone();
        edited["content"] = json!(content);
        edited["updated"] = json!(updated);
        edited["summary"] = json!("cw");
        edited["tag"] = json!([{"type": "Mention", "href": alice.uri, "name": "@alice"},
                               {"type": "Hashtag", "name": "#edited"}]);
        rita.activity(&format!("updates/{n}"), "Update", edited)
    };
    let first = update(
        "1",
        "<p>second version <script>x()</script></p>",
        "2026-11-21T10:00:00Z",
    );
    deliver(&app, &rita, &first).await;
    let s = status_by_uri(&app, &uri).await.unwrap();
    assert_eq!(s.content, "<p>second version </p>");
    assert_eq!(s.spoiler_text, "cw");
    assert!(s.sensitive);
    assert_eq!(
        s.edited_at,
        Some(time::macros::datetime!(2026-11-21 10:00 UTC))
    );
    let history: Vec<String> = sqlx::query_scalar(
        "SELECT content FROM status_edits WHERE status_id = $1 ORDER BY created_at, id",
    )
    .bind(s.id)
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    assert_eq!(
        history,
        vec!["<p>first version</p>", "<p>second version </p>"],
        "the original first"
    );
    assert_eq!(unread(&app, &alice_user).await, 1, "newly mentioned");
    assert_eq!(count(&app, "SELECT count(*) FROM statuses_tags st JOIN tags t ON t.id = st.tag_id WHERE t.name = $1", "edited").await, 1);
    // The same edit again, and an older one, change nothing.
    deliver(&app, &rita, &first).await;
    deliver(
        &app,
        &rita,
        &update("0", "<p>stale</p>", "2026-11-20T11:00:00Z"),
    )
    .await;
    let mut no_date = update("x", "<p>undated</p>", "");
    no_date["object"].as_object_mut().unwrap().remove("updated");
    deliver(&app, &rita, &no_date).await;
    assert_eq!(
        status_by_uri(&app, &uri).await.unwrap().content,
        "<p>second version </p>"
    );
    // A third version adds one row.
    deliver(
        &app,
        &rita,
        &update("2", "<p>third version</p>", "2026-11-22T10:00:00Z"),
    )
    .await;
    assert_eq!(
        status_by_uri(&app, &uri).await.unwrap().content,
        "<p>third version</p>"
    );
    assert_eq!(count(&app, "SELECT count(*) FROM status_edits s JOIN statuses t ON t.id = s.status_id WHERE t.uri = $1", &uri).await, 3);
    // mallory cannot edit rita's post: neither as rita's nor claimed as her own.
    let mut as_rita = update("3", "<p>hacked</p>", "2026-11-23T10:00:00Z");
    as_rita["id"] = json!(format!("{}#u", mallory.actor()));
    as_rita["actor"] = json!(mallory.actor());
    deliver(&app, &mallory, &as_rita).await;
    assert_eq!(
        last_note(&app).await.as_deref(),
        Some("This action is not allowed")
    );
    let mut claimed = as_rita.clone();
    claimed["object"]["attributedTo"] = json!(mallory.actor());
    deliver(&app, &mallory, &claimed).await;
    assert_eq!(
        last_note(&app).await.as_deref(),
        Some("This action is not allowed")
    );
    assert_eq!(
        status_by_uri(&app, &uri).await.unwrap().content,
        "<p>third version</p>"
    );
    // An edit of a post we never had is not an implicit Create here.
    let unknown = note(&rita, 9, "<p>never seen</p>");
    let mut edit_unknown = rita.activity("updates/9", "Update", unknown);
    edit_unknown["object"]["updated"] = json!("2026-11-23T10:00:00Z");
    deliver(&app, &rita, &edit_unknown).await;
    assert!(status_by_uri(&app, &rita.url("/notes/9")).await.is_none());
}

#[tokio::test]
async fn profile_updates_are_read_from_the_actors_own_server() {
    let rita = Remote::start().await;
    let mallory = Remote::start_as("mallory").await;
    let app = app_with(&[&rita, &mallory]).await;
    rita.set_actor_field("name", json!("Rita"));
    let rita_here = known(&app, &rita).await;
    known(&app, &mallory).await;
    assert_eq!(rita_here.display_name, "Rita");
    rita.set_actor_field("name", json!("Rita Renamed"));
    rita.set_actor_field("alsoKnownAs", json!(["https://old.example/users/rita"]));
    let mut embedded = rita.actor_doc();
    embedded["name"] = json!("Whatever the activity says");
    deliver(&app, &rita, &rita.activity("updates/1", "Update", embedded)).await;
    assert_eq!(
        refreshed(&app, &rita_here).await.display_name,
        "Rita Renamed"
    );
    assert_eq!(
        db::accounts::also_known_as(&app.state.db, rita_here.id)
            .await
            .unwrap(),
        vec!["https://old.example/users/rita"]
    );
    // mallory cannot update rita's profile.
    rita.set_actor_field("name", json!("Changed again"));
    deliver(
        &app,
        &mallory,
        &mallory.activity("updates/2", "Update", rita.actor_doc()),
    )
    .await;
    assert_eq!(
        last_note(&app).await.as_deref(),
        Some("This action is not allowed")
    );
    assert_eq!(
        refreshed(&app, &rita_here).await.display_name,
        "Rita Renamed"
    );
}

// ---------------------------------------------------------------- Mentions (S12)

#[tokio::test]
async fn a_mention_tag_alone_does_not_reveal_a_followers_only_post() {
    let rita = Remote::start().await;
    let app = app_with(&[&rita]).await;
    let carol_user = app.create_user("carol").await;
    let carol = app.account("carol").await;
    let mut hidden = note(&rita, 1, "<p>@carol psst</p>");
    hidden["to"] = json!([rita.followers()]);
    hidden["cc"] = json!([]);
    hidden["tag"] = json!([{"type": "Mention", "href": carol.uri, "name": "@carol"}]);
    deliver(&app, &rita, &create(&rita, &hidden)).await;
    let stored = status_by_uri(&app, &rita.url("/notes/1")).await.unwrap();
    assert_eq!(stored.visibility(), Visibility::Private);
    assert_eq!(
        unread(&app, &carol_user).await,
        0,
        "not addressed, not notified"
    );
    assert!(!visible_to(&app, &stored, &carol).await);
    // Control: addressed to carol, she is told and may read it.
    let mut addressed = hidden.clone();
    addressed["id"] = json!(rita.url("/notes/2"));
    addressed["cc"] = json!([carol.uri]);
    deliver(&app, &rita, &create(&rita, &addressed)).await;
    let stored = status_by_uri(&app, &rita.url("/notes/2")).await.unwrap();
    assert_eq!(unread(&app, &carol_user).await, 1);
    assert!(visible_to(&app, &stored, &carol).await);
}

// ---------------------------------------------------------------- Delete of an actor

#[tokio::test]
async fn a_deleted_actor_leaves_nothing_behind_and_stays_deleted() {
    let rita = Remote::start().await;
    let mallory = Remote::start_as("mallory").await;
    let app = app_with(&[&rita, &mallory]).await;
    let alice_user = app.create_user("alice").await;
    let alice = app.account("alice").await;
    known(&app, &mallory).await;
    let hello = post(&app, "alice", "hello", Visibility::Public).await;
    // rita follows alice, alice follows rita, rita replies, boosts, likes and mentions.
    deliver(
        &app,
        &rita,
        &rita.activity("follows/1", "Follow", json!(alice.uri)),
    )
    .await;
    let rita_here = known(&app, &rita).await;
    follow_directly(&app, &alice, &rita_here, None).await;
    let mut reply = note(&rita, 1, "<p>@alice hi</p>");
    reply["inReplyTo"] = json!(hello.uri);
    reply["tag"] = json!([{"type": "Mention", "href": alice.uri}]);
    deliver(&app, &rita, &create(&rita, &reply)).await;
    deliver(
        &app,
        &rita,
        &create(&rita, &note(&rita, 2, "<p>just a post</p>")),
    )
    .await;
    deliver(
        &app,
        &rita,
        &rita.activity("announces/1", "Announce", json!(hello.uri)),
    )
    .await;
    deliver(
        &app,
        &rita,
        &rita.activity("likes/1", "Like", json!(hello.uri)),
    )
    .await;
    let before = status(&app, hello.id).await;
    assert_eq!(
        (
            before.replies_count,
            before.reblogs_count,
            before.favourites_count
        ),
        (1, 1, 1)
    );
    assert_eq!(app.account("alice").await.followers_count, 1);
    assert!(unread(&app, &alice_user).await >= 4);
    // A long history goes too, in batches.
    sqlx::query(
        "INSERT INTO statuses (uri, account_id, visibility, local) \
         SELECT $1 || g, $2, 'public', false FROM generate_series(1, 1200) g",
    )
    .bind(rita.url("/bulk/"))
    .bind(rita_here.id)
    .execute(&app.state.db)
    .await
    .unwrap();
    // Someone else cannot delete rita.
    deliver(
        &app,
        &mallory,
        &mallory.activity("delete/1", "Delete", json!(rita.actor())),
    )
    .await;
    assert!(refreshed(&app, &rita_here).await.suspended_at.is_none());
    assert_eq!(statuses_of(&app, &rita).await, 1203);
    // rita deletes herself; her actor answers 410 from now on.
    rita.gone(&format!("/users/{}", rita.username));
    let delete = json!({"@context": "https://www.w3.org/ns/activitystreams", "id": format!("{}#delete", rita.actor()),
                        "type": "Delete", "actor": rita.actor(), "object": rita.actor(), "to": [PUBLIC]});
    deliver(&app, &rita, &delete).await;
    let gone = refreshed(&app, &rita_here).await;
    assert!(gone.suspended_at.is_some(), "kept, but suspended");
    assert_eq!(gone.display_name, "");
    assert!(
        db::accounts::is_deleted(&app.state.db, gone.id)
            .await
            .unwrap()
    );
    assert_eq!(statuses_of(&app, &rita).await, 0);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM tombstones WHERE uri LIKE $1 || '%'",
            &rita.base
        )
        .await,
        1203
    );
    let after = status(&app, hello.id).await;
    assert_eq!(
        (
            after.replies_count,
            after.reblogs_count,
            after.favourites_count
        ),
        (0, 0, 0)
    );
    let alice_now = app.account("alice").await;
    assert_eq!(
        (alice_now.followers_count, alice_now.following_count),
        (0, 0)
    );
    assert_eq!(
        unread(&app, &alice_user).await,
        0,
        "nothing from rita is left to read"
    );
    assert_eq!(count(&app, "SELECT count(*) FROM follows f JOIN accounts a ON a.id IN (f.account_id, f.target_account_id) WHERE a.uri = $1", &rita.actor()).await, 0);
    // Again: nothing more to do. A replayed Create or Like is refused.
    deliver(&app, &rita, &delete).await;
    deliver(&app, &rita, &create(&rita, &note(&rita, 3, "<p>back?</p>"))).await;
    assert_eq!(
        last_note(&app).await.as_deref(),
        Some("the sender is suspended")
    );
    deliver(
        &app,
        &rita,
        &rita.activity("likes/2", "Like", json!(hello.uri)),
    )
    .await;
    assert_eq!(status(&app, hello.id).await.favourites_count, 0);
    assert_eq!(statuses_of(&app, &rita).await, 0);
}

#[tokio::test]
async fn an_unknown_actor_deleting_itself_is_acknowledged_without_a_fetch() {
    let stranger = Remote::start_as("stranger").await;
    let app = app_with(&[&stranger]).await;
    stranger.gone(&format!("/users/{}", stranger.username));
    let delete = json!({"@context": "https://www.w3.org/ns/activitystreams", "id": format!("{}#delete", stranger.actor()),
                        "type": "Delete", "actor": stranger.actor(), "object": stranger.actor()});
    assert_eq!(
        stranger.post(&app.url("/inbox"), &delete, true).await,
        StatusCode::ACCEPTED
    );
    assert!(stranger.peer.gets.lock().unwrap().is_empty(), "no fetch");
    assert_eq!(
        count(&app, "SELECT count(*) FROM jobs WHERE lane = $1", "inbox").await,
        0
    );
    // Other activities from unknown actors still need their key.
    let follow = stranger.activity("f", "Follow", json!(app.url("/users/nobody")));
    assert_eq!(
        stranger.post(&app.url("/inbox"), &follow, true).await,
        StatusCode::UNAUTHORIZED
    );
}

// ---------------------------------------------------------------- Block

#[tokio::test]
async fn a_block_severs_follows_both_ways_and_only_its_author_lifts_it() {
    let rita = Remote::start().await;
    let mallory = Remote::start_as("mallory").await;
    let app = app_with(&[&rita, &mallory]).await;
    app.create_user("alice").await;
    let alice = app.account("alice").await;
    known(&app, &mallory).await;
    deliver(
        &app,
        &rita,
        &rita.activity("follows/1", "Follow", json!(alice.uri)),
    )
    .await;
    let rita_here = known(&app, &rita).await;
    follow_directly(&app, &alice, &rita_here, None).await;
    deliver(
        &app,
        &rita,
        &create(&rita, &note(&rita, 1, "<p>public words</p>")),
    )
    .await;
    let words = status_by_uri(&app, &rita.url("/notes/1")).await.unwrap();
    assert!(visible_to(&app, &words, &alice).await);
    let mut block = rita.activity("blocks/1", "Block", json!(alice.uri));
    block["to"] = json!([alice.uri]);
    deliver(&app, &rita, &block).await;
    deliver(&app, &rita, &block).await;
    let rel = db::follows::relationship(&app.state.db, alice.id, rita_here.id)
        .await
        .unwrap();
    assert!(rel.blocked_by && !rel.following && !rel.followed_by);
    let alice_now = app.account("alice").await;
    assert_eq!(
        (alice_now.followers_count, alice_now.following_count),
        (0, 0)
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM blocks WHERE uri = $1",
            block["id"].as_str().unwrap()
        )
        .await,
        1
    );
    assert!(
        !visible_to(&app, &words, &alice).await,
        "the blocker is hidden from alice"
    );
    // mallory cannot lift rita's block.
    deliver(
        &app,
        &mallory,
        &mallory.activity("undo/1", "Undo", block.clone()),
    )
    .await;
    assert_eq!(
        last_note(&app).await.as_deref(),
        Some("This action is not allowed")
    );
    deliver(
        &app,
        &mallory,
        &mallory.activity("undo/2", "Undo", block["id"].clone()),
    )
    .await;
    assert!(
        db::follows::relationship(&app.state.db, alice.id, rita_here.id)
            .await
            .unwrap()
            .blocked_by
    );
    // rita can, embedded or by id.
    deliver(
        &app,
        &rita,
        &rita.activity("blocks/1/undo", "Undo", block.clone()),
    )
    .await;
    assert!(
        !db::follows::relationship(&app.state.db, alice.id, rita_here.id)
            .await
            .unwrap()
            .blocked_by
    );
    deliver(
        &app,
        &rita,
        &rita.activity("blocks/2", "Block", json!(alice.uri)),
    )
    .await;
    deliver(
        &app,
        &rita,
        &rita.activity(
            "blocks/2/undo",
            "Undo",
            json!(format!("{}#blocks/2", rita.actor())),
        ),
    )
    .await;
    assert!(
        !db::follows::relationship(&app.state.db, alice.id, rita_here.id)
            .await
            .unwrap()
            .blocked_by
    );
    // Blocks of someone who is not ours are no business of ours.
    deliver(
        &app,
        &rita,
        &rita.activity("blocks/3", "Block", json!(mallory.actor())),
    )
    .await;
    assert_eq!(rows(&app, "blocks").await, 0);
}

#[tokio::test]
async fn local_blocks_through_the_service_report_what_changed() {
    let app = TestApp::start().await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let alice = app.account("alice").await;
    let bob = app.account("bob").await;
    service::follows::follow(&app.state, &bob, &alice)
        .await
        .unwrap();
    service::follows::follow(&app.state, &alice, &bob)
        .await
        .unwrap();
    let mut tx = app.state.db.begin().await.unwrap();
    let change = service::blocks::block_in(&mut tx, &alice, &bob, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(change.blocked && change.unfollowed && change.removed_follower);
    assert!(!change.withdrew_request && !change.dropped_request);
    assert!(
        !service::blocks::block(&app.state, &alice, &bob, None)
            .await
            .unwrap(),
        "no change the second time"
    );
    let (a, b) = (app.account("alice").await, app.account("bob").await);
    assert_eq!(
        (
            a.followers_count,
            a.following_count,
            b.followers_count,
            b.following_count
        ),
        (0, 0, 0, 0)
    );
    assert!(
        service::follows::follow(&app.state, &bob, &alice)
            .await
            .is_err(),
        "blocked people cannot follow"
    );
    assert!(
        service::blocks::unblock(&app.state, &alice, &bob)
            .await
            .unwrap()
    );
    assert!(
        !service::blocks::unblock(&app.state, &alice, &bob)
            .await
            .unwrap()
    );
    assert!(
        service::blocks::block(&app.state, &alice, &alice, None)
            .await
            .is_err()
    );
}

// ---------------------------------------------------------------- Flag

#[tokio::test]
async fn flags_about_our_accounts_become_reports() {
    let rita = Remote::start().await;
    let mallory = Remote::start_as("mallory").await;
    let app = app_with(&[&rita, &mallory]).await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let alice = app.account("alice").await;
    let bad = post(&app, "alice", "something bad", Visibility::Public).await;
    let bobs = post(&app, "bob", "unrelated", Visibility::Public).await;
    let mut flag = rita.activity(
        "flags/1",
        "Flag",
        json!([alice.uri, bad.uri, bobs.uri, mallory.actor()]),
    );
    flag["content"] = json!("spam\u{0000} and worse");
    deliver(&app, &rita, &flag).await;
    deliver(&app, &rita, &flag).await;
    let reports = db::reports::open(&app.state.db, 10).await.unwrap();
    assert_eq!(reports.len(), 1, "delivered twice, filed once");
    let r = &reports[0];
    assert_eq!(r.target_account_id, alice.id);
    assert_eq!(
        r.account_id,
        known(&app, &rita).await.id,
        "the remote reporter"
    );
    assert_eq!(
        r.statuses(),
        vec![bad.id],
        "only the reported account's posts"
    );
    assert_eq!(r.comment, "spam and worse");
    assert_eq!(r.uri.as_deref(), flag["id"].as_str());
    assert!(!r.forwarded && r.action_taken_at.is_none());
    // A status alone names its author; an endless comment is cut.
    let mut by_status = rita.activity("flags/2", "Flag", json!(bobs.uri));
    by_status["content"] = json!("x".repeat(20_000));
    deliver(&app, &rita, &by_status).await;
    let reports = db::reports::open(&app.state.db, 10).await.unwrap();
    assert_eq!(reports[0].target_account_id, app.account("bob").await.id);
    assert_eq!(reports[0].comment.len(), 5000);
    // Reports about others' accounts are not ours to keep.
    deliver(
        &app,
        &rita,
        &rita.activity(
            "flags/3",
            "Flag",
            json!([mallory.actor(), mallory.url("/notes/1")]),
        ),
    )
    .await;
    assert_eq!(db::reports::open(&app.state.db, 10).await.unwrap().len(), 2);
}

// ---------------------------------------------------------------- Move

#[tokio::test]
async fn a_move_is_recorded_only_when_the_new_account_names_the_old_one() {
    let rita = Remote::start().await;
    let rosa = Remote::start_as("rosa").await;
    let mallory = Remote::start_as("mallory").await;
    let app = app_with(&[&rita, &rosa, &mallory]).await;
    let rita_here = known(&app, &rita).await;
    known(&app, &mallory).await;
    let mut moved = rita.activity("moves/1", "Move", json!(rita.actor()));
    moved["target"] = json!(rosa.actor());
    deliver(&app, &rita, &moved).await;
    assert!(
        refreshed(&app, &rita_here)
            .await
            .moved_to_account_id
            .is_none(),
        "no alsoKnownAs yet"
    );
    // mallory cannot move rita, even to an account that names rita.
    rosa.set_actor_field("alsoKnownAs", json!([rita.actor()]));
    let mut hijack = mallory.activity("moves/2", "Move", json!(rita.actor()));
    hijack["target"] = json!(rosa.actor());
    deliver(&app, &mallory, &hijack).await;
    assert_eq!(
        last_note(&app).await.as_deref(),
        Some("This action is not allowed")
    );
    assert!(
        refreshed(&app, &rita_here)
            .await
            .moved_to_account_id
            .is_none()
    );
    // Once rosa names rita, rita's Move counts; repeating it changes nothing.
    deliver(&app, &rita, &moved).await;
    deliver(&app, &rita, &moved).await;
    let rosa_here = db::accounts::find_by_uri(&app.state.db, &rosa.actor())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        refreshed(&app, &rita_here).await.moved_to_account_id,
        Some(rosa_here.id)
    );
}

// ---------------------------------------------------------------- Add / Remove

#[tokio::test]
async fn pins_come_only_from_the_actors_own_featured_collection_and_posts() {
    let rita = Remote::start().await;
    let mallory = Remote::start_as("mallory").await;
    let app = app_with(&[&rita, &mallory]).await;
    let rita_here = known(&app, &rita).await;
    known(&app, &mallory).await;
    deliver(
        &app,
        &rita,
        &create(&rita, &note(&rita, 1, "<p>pin me</p>")),
    )
    .await;
    deliver(
        &app,
        &mallory,
        &create(&mallory, &note(&mallory, 1, "<p>mallory's</p>")),
    )
    .await;
    let mut add = rita.activity("add/1", "Add", json!(rita.url("/notes/1")));
    add["target"] = json!(rita.featured());
    deliver(&app, &rita, &add).await;
    deliver(&app, &rita, &add).await;
    let pinned = status_by_uri(&app, &rita.url("/notes/1")).await.unwrap();
    assert_eq!(pins(&app, rita_here.id).await, vec![pinned.id]);
    // A post we did not have is fetched from rita's server.
    rita.serve("/notes/2", note(&rita, 2, "<p>older post</p>"));
    let mut add_unknown = rita.activity("add/2", "Add", json!(rita.url("/notes/2")));
    add_unknown["target"] = json!({"id": rita.featured(), "type": "OrderedCollection"});
    deliver(&app, &rita, &add_unknown).await;
    assert_eq!(pins(&app, rita_here.id).await.len(), 2);
    // Not someone else's post, not into someone else's collection.
    let mut foreign_post = rita.activity("add/3", "Add", json!(mallory.url("/notes/1")));
    foreign_post["target"] = json!(rita.featured());
    deliver(&app, &rita, &foreign_post).await;
    assert_eq!(
        last_note(&app).await.as_deref(),
        Some("This action is not allowed")
    );
    let mut foreign_collection = mallory.activity("add/4", "Add", json!(mallory.url("/notes/1")));
    foreign_collection["target"] = json!(rita.featured());
    deliver(&app, &mallory, &foreign_collection).await;
    assert_eq!(
        last_note(&app).await.as_deref(),
        Some("This action is not allowed")
    );
    let mut foreign_remove = mallory.activity("remove/1", "Remove", json!(rita.url("/notes/1")));
    foreign_remove["target"] = json!(rita.featured());
    deliver(&app, &mallory, &foreign_remove).await;
    assert_eq!(pins(&app, rita_here.id).await.len(), 2);
    // rita unpins.
    let mut remove = rita.activity("remove/2", "Remove", json!(rita.url("/notes/1")));
    remove["target"] = json!(rita.featured());
    deliver(&app, &rita, &remove).await;
    assert_eq!(pins(&app, rita_here.id).await.len(), 1);
    assert_eq!(rows(&app, "status_pins").await, 1);
}

// ---------------------------------------------------------------- Hostile input

#[tokio::test]
async fn odd_and_hostile_activities_are_acknowledged_without_effect_or_retries() {
    let rita = Remote::start().await;
    let app = app_with(&[&rita]).await;
    app.create_user("alice").await;
    let alice = app.account("alice").await;
    let hello = post(&app, "alice", "hello", Visibility::Public).await;
    let a = rita.actor();
    let odd = [
        json!({"id": format!("{a}#1"), "type": "Like", "actor": a}),
        json!({"id": format!("{a}#2"), "type": "Like", "actor": a, "object": 42}),
        json!({"type": "Like", "actor": a, "object": hello.uri}),
        json!({"id": format!("{a}#3"), "type": "Like", "actor": a, "object": [hello.uri, hello.uri]}),
        json!({"id": format!("{a}#4"), "type": "Announce", "actor": a, "object": null, "published": 17}),
        json!({"id": format!("{a}#5"), "type": "Accept", "actor": a, "object": {"type": "Follow", "actor": [], "object": {}}}),
        json!({"id": format!("{a}#6"), "type": "Reject", "actor": a, "object": true}),
        json!({"id": format!("{a}#7"), "type": "Undo", "actor": a, "object": {"type": ["Like", "x"], "actor": a}}),
        json!({"id": format!("{a}#8"), "type": "Undo", "actor": a, "object": {"type": "EmojiReact"}}),
        json!({"id": format!("{a}#9"), "type": "Undo", "actor": a}),
        json!({"id": format!("{a}#10"), "type": "Update", "actor": a, "object": {"type": "Note", "id": hello.uri}}),
        json!({"id": format!("{a}#11"), "type": "Update", "actor": a, "object": {"type": "Tombstone", "id": "x"}}),
        json!({"id": format!("{a}#12"), "type": "Block", "actor": a, "object": {"id": 5}}),
        json!({"id": format!("{a}#13"), "type": "Flag", "actor": a, "object": [], "content": {"x": 1}}),
        json!({"id": format!("{a}#14"), "type": "Move", "actor": a, "object": a}),
        json!({"id": format!("{a}#15"), "type": "Move", "actor": a, "object": a, "target": a}),
        json!({"id": format!("{a}#16"), "type": "Add", "actor": a, "object": {"type": "Hashtag", "name": "#x"}, "target": "y"}),
        json!({"id": format!("{a}#17"), "type": "Remove", "actor": a, "object": hello.uri}),
        json!({"id": format!("{a}#18"), "type": "EmojiReact", "actor": a, "object": hello.uri, "content": "🔥"}),
        json!({"id": format!("{a}#19"), "type": ["Like", "Other"], "actor": {"id": a}, "object": {"id": hello.uri, "type": "Note"}}),
    ];
    for activity in &odd {
        assert_eq!(
            rita.post(&app.url("/inbox"), activity, true).await,
            StatusCode::ACCEPTED,
            "{activity}"
        );
    }
    app.drain().await;
    let states: Vec<(String, i32)> =
        sqlx::query_as("SELECT state, attempts FROM jobs WHERE lane = 'inbox'")
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    assert_eq!(states.len(), odd.len());
    assert!(
        states.iter().all(|(s, _)| s == "done"),
        "acknowledged, not retried: {states:?}"
    );
    // Only the last one, a well-formed Like with an array type and embedded object, counted.
    assert_eq!(status(&app, hello.id).await.favourites_count, 1);
    assert_eq!(status(&app, hello.id).await.content, hello.content);
    assert_eq!(
        app.account("alice").await.followers_count,
        alice.followers_count
    );
    assert!(
        db::reports::open(&app.state.db, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
