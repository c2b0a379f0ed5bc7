//! Kept home feeds answer exactly as reading the statuses would: after posts, replies,
//! boosts, direct messages, follows made after the posts, edits of languages and
//! mentions, mutes, blocks, unfollows, boosts turned off and on, trimming and dropping
//! idle feeds, every page of the feed path
//! equals the same page read from the statuses.

mod support;

use serde_json::Value;
use starling::db;
use starling::db::statuses::Page;
use starling::id::{AccountId, StatusId};
use support::TestApp;
use support::api::{get, send_form, user_token};

async fn post(app: &TestApp, token: &str, fields: &[(&str, &str)]) -> String {
    let r = send_form(&app.base, "/api/v1/statuses", token, fields).await;
    assert_eq!(r.status, 200, "{}", r.json);
    r.json["id"].as_str().expect("id").to_string()
}

async fn call(app: &TestApp, token: &str, path: &str, fields: &[(&str, &str)]) -> Value {
    let r = send_form(&app.base, path, token, fields).await;
    assert_eq!(r.status, 200, "{path}: {}", r.json);
    r.json
}

/// `token`'s account does `action` (follow, mute, …) to `target`.
async fn act(app: &TestApp, token: &str, target: AccountId, action: &str, fields: &[(&str, &str)]) {
    call(
        app,
        token,
        &format!("/api/v1/accounts/{}/{action}", target.0),
        fields,
    )
    .await;
}

/// Every page of `viewer`'s home timeline of `limit` statuses, newest first, by the
/// feed path and by the statuses, must be the same; returns the feed path's ids.
async fn same_pages(app: &TestApp, viewer: AccountId, limit: i64) -> Vec<StatusId> {
    let db = &app.state.db;
    let mut all = Vec::new();
    let mut max_id = None;
    loop {
        let page = Page::older_than(max_id, limit);
        let fed = db::home_feeds::home_ids(db, viewer, page).await.unwrap();
        let read = db::statuses::home_ids(db, viewer, page).await.unwrap();
        assert_eq!(fed, read, "page below {max_id:?}");
        // The client API's read (ids with their standings) agrees too.
        let (paged, standings) = db::home_feeds::home_page(db, viewer, page).await.unwrap();
        assert_eq!(paged, read, "API page below {max_id:?}");
        // Its standings are those read on their own: each status and boosted original once.
        let alone = db::status_pages::standings_of(db, Some(viewer), &paged)
            .await
            .unwrap();
        for standing in &standings {
            assert_eq!(
                [
                    standing.favourited,
                    standing.reblogged,
                    standing.bookmarked,
                    standing.pinned
                ],
                marks_by_hand(app, viewer, standing.id).await,
                "marks of {:?} below {max_id:?}",
                standing.id
            );
        }
        assert_eq!(
            standing_keys(standings),
            standing_keys(alone),
            "standings below {max_id:?}"
        );
        let Some(last) = fed.last() else { break };
        max_id = Some(last.0);
        all.extend(fed);
    }
    // Forward paging (min_id) from the very start and from the middle agrees too.
    for from in [Some(i64::MIN + 1), all.get(all.len() / 2).map(|s| s.0)] {
        let page = Page {
            min_id: from,
            limit,
            ..Page::default()
        };
        let fed = db::home_feeds::home_ids(db, viewer, page).await.unwrap();
        let read = db::statuses::home_ids(db, viewer, page).await.unwrap();
        assert_eq!(fed, read, "page above {from:?}");
        let (paged, _) = db::home_feeds::home_page(db, viewer, page).await.unwrap();
        assert_eq!(paged, read, "API page above {from:?}");
    }
    all
}

/// Whether `viewer` favourited, boosted, bookmarked and pinned `status`, asked of each
/// table on its own.
async fn marks_by_hand(app: &TestApp, viewer: AccountId, status: StatusId) -> [bool; 4] {
    let mut marks = [false; 4];
    for (mark, sql) in marks.iter_mut().zip([
        "SELECT EXISTS (SELECT 1 FROM favourites WHERE account_id = $1 AND status_id = $2)",
        "SELECT EXISTS (SELECT 1 FROM statuses WHERE account_id = $1 AND reblog_of_id = $2)",
        "SELECT EXISTS (SELECT 1 FROM bookmarks WHERE account_id = $1 AND status_id = $2)",
        "SELECT EXISTS (SELECT 1 FROM status_pins WHERE account_id = $1 AND status_id = $2)",
    ]) {
        *mark = sqlx::query_scalar(sql)
            .bind(viewer)
            .bind(status)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    }
    marks
}

fn id(s: &str) -> StatusId {
    StatusId(s.parse().expect("numeric id"))
}

/// What tells standings apart, sorted by status.
fn standing_keys(standings: Vec<db::status_pages::Standing>) -> Vec<String> {
    let mut keys: Vec<String> = standings
        .iter()
        .map(|s| {
            format!(
                "{} v{} m{} a{}:{} r{:?} c{} {}{}{}{}{}",
                s.id.0,
                s.version,
                s.mentions_version,
                s.account_id.0,
                s.account_version,
                s.reblog_of_id,
                s.self_contained,
                s.favourited,
                s.reblogged,
                s.bookmarked,
                s.pinned,
                s.muted
            )
        })
        .collect();
    keys.sort();
    keys
}

/// Signing in on the web reads the home page, which builds a feed; these tests start
/// from nobody having one.
async fn forget_feeds(app: &TestApp) {
    sqlx::query("DELETE FROM home_feeds")
        .execute(&app.state.db)
        .await
        .unwrap();
    sqlx::query("DELETE FROM home_feed_entries")
        .execute(&app.state.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn kept_home_feeds_answer_as_the_statuses_do() {
    let app = TestApp::start().await;
    let alice_t = user_token(&app, "alice", "read write follow").await;
    let bob_t = user_token(&app, "bob", "read write follow").await;
    let carol_t = user_token(&app, "carol", "read write follow").await;
    let dave_t = user_token(&app, "dave", "read write follow").await;
    forget_feeds(&app).await;
    let alice = app.account("alice").await.id;
    let (bob, carol, dave) = (
        app.account("bob").await.id,
        app.account("carol").await.id,
        app.account("dave").await.id,
    );

    // Carol posts before anyone follows her; Alice has no feed yet.
    for i in 0..12 {
        post(&app, &carol_t, &[("status", &format!("carol early {i}"))]).await;
    }
    assert!(
        db::home_feeds::size(&app.state.db, alice)
            .await
            .unwrap()
            .is_none()
    );
    act(&app, &alice_t, bob, "follow", &[]).await;
    act(&app, &alice_t, dave, "follow", &[]).await;

    // Bob reads his home timeline, so he has a feed too.
    assert_eq!(
        get(&app.base, "/api/v1/timelines/home", &bob_t)
            .await
            .status,
        200
    );
    // The first read builds Alice's feed.
    let home = get(&app.base, "/api/v1/timelines/home", &alice_t).await;
    assert_eq!(home.status, 200);
    assert!(
        db::home_feeds::size(&app.state.db, alice)
            .await
            .unwrap()
            .is_some()
    );

    // Everything the home rules look at, written after the feed exists.
    let bob_post = post(&app, &bob_t, &[("status", "bob public")]).await;
    post(
        &app,
        &bob_t,
        &[("status", "bob private"), ("visibility", "private")],
    )
    .await;
    post(
        &app,
        &bob_t,
        &[("status", "@alice direct"), ("visibility", "direct")],
    )
    .await;
    let to_carol = post(
        &app,
        &bob_t,
        &[("status", "@carol direct"), ("visibility", "direct")],
    )
    .await;
    let bob_en = post(&app, &bob_t, &[("status", "bob en"), ("language", "en")]).await;
    post(&app, &bob_t, &[("status", "bob de"), ("language", "de")]).await;
    let carol_post = post(&app, &carol_t, &[("status", "carol public")]).await;
    // Dave replies to Carol, whom Alice does not follow yet, and to Bob, whom she does.
    let to_carol_reply = post(
        &app,
        &dave_t,
        &[("status", "@carol hi"), ("in_reply_to_id", &carol_post)],
    )
    .await;
    post(
        &app,
        &dave_t,
        &[("status", "@bob hi"), ("in_reply_to_id", &bob_post)],
    )
    .await;
    call(
        &app,
        &dave_t,
        &format!("/api/v1/statuses/{carol_post}/reblog"),
        &[],
    )
    .await;
    call(
        &app,
        &dave_t,
        &format!("/api/v1/statuses/{bob_post}/reblog"),
        &[],
    )
    .await;
    let alice_post = post(&app, &alice_t, &[("status", "alice herself")]).await;
    // Alice's marks, and her own boost of a post her feed also holds; boosts of Bob's
    // and Carol's posts bring them into pages far below where they sit.
    for (id, what) in [
        (&bob_post, "favourite"),
        (&bob_post, "reblog"),
        (&bob_post, "bookmark"),
        (&carol_post, "favourite"),
        (&carol_post, "bookmark"),
        (&alice_post, "pin"),
    ] {
        call(
            &app,
            &alice_t,
            &format!("/api/v1/statuses/{id}/{what}"),
            &[],
        )
        .await;
    }
    let before_follow = same_pages(&app, alice, 4).await;
    // One page holding both her boost and the boosted post.
    assert_eq!(same_pages(&app, alice, 40).await, before_follow);
    assert!(before_follow.len() >= 8, "{before_follow:?}");

    // Following Carol brings her earlier posts in; the reply to her now shows.
    act(&app, &alice_t, carol, "follow", &[]).await;
    let after_follow = same_pages(&app, alice, 5).await;
    assert!(after_follow.len() >= before_follow.len() + 13);

    // Languages, boosts off, mutes, blocks and unfollows count at once.
    act(&app, &alice_t, bob, "follow", &[("languages[]", "en")]).await;
    same_pages(&app, alice, 3).await;
    // An edit into a language the follow did not ask for takes the post out.
    let edited = support::api::send_json(
        &app.base,
        reqwest::Method::PUT,
        &format!("/api/v1/statuses/{bob_en}"),
        &bob_t,
        Some(serde_json::json!({"status": "bob now de", "language": "de"})),
    )
    .await;
    assert_eq!(edited.status, 200, "{}", edited.json);
    assert!(!same_pages(&app, alice, 3).await.contains(&id(&bob_en)));
    act(&app, &alice_t, bob, "follow", &[("languages[]", "de")]).await;
    assert!(same_pages(&app, alice, 3).await.contains(&id(&bob_en)));
    act(&app, &alice_t, bob, "follow", &[("languages[]", "en")]).await;
    same_pages(&app, alice, 3).await;
    // A direct message edited to mention Alice reaches her feed.
    assert!(!same_pages(&app, alice, 40).await.contains(&id(&to_carol)));
    let edited = support::api::send_json(
        &app.base,
        reqwest::Method::PUT,
        &format!("/api/v1/statuses/{to_carol}"),
        &bob_t,
        Some(serde_json::json!({"status": "@carol @alice direct"})),
    )
    .await;
    assert_eq!(edited.status, 200, "{}", edited.json);
    assert!(same_pages(&app, alice, 40).await.contains(&id(&to_carol)));
    act(&app, &alice_t, dave, "follow", &[("reblogs", "false")]).await;
    let no_boosts = same_pages(&app, alice, 3).await;
    act(&app, &alice_t, dave, "follow", &[("reblogs", "true")]).await;
    assert!(same_pages(&app, alice, 3).await.len() > no_boosts.len());
    act(&app, &alice_t, dave, "follow", &[("reblogs", "false")]).await;
    same_pages(&app, alice, 3).await;
    act(&app, &alice_t, carol, "mute", &[]).await;
    same_pages(&app, alice, 3).await;
    act(&app, &alice_t, carol, "unmute", &[]).await;
    // Unfollowing Carol takes Dave's reply to her out; following her again brings it back.
    act(&app, &alice_t, carol, "unfollow", &[]).await;
    assert!(
        !same_pages(&app, alice, 3)
            .await
            .contains(&id(&to_carol_reply))
    );
    act(&app, &alice_t, carol, "follow", &[]).await;
    assert!(
        same_pages(&app, alice, 3)
            .await
            .contains(&id(&to_carol_reply))
    );
    act(&app, &carol_t, dave, "block", &[]).await;
    same_pages(&app, alice, 3).await;
    act(&app, &alice_t, dave, "block", &[]).await;
    same_pages(&app, alice, 3).await;
    act(&app, &alice_t, dave, "unblock", &[]).await;
    act(&app, &alice_t, dave, "follow", &[("reblogs", "false")]).await;
    same_pages(&app, alice, 3).await;
    act(&app, &alice_t, bob, "unfollow", &[]).await;
    let after_unfollow = same_pages(&app, alice, 3).await;
    assert!(after_unfollow.len() < after_follow.len());

    // Trimmed to a few entries, older pages come from the statuses.
    let gone = db::home_feeds::trim(&app.state.db, 4).await.unwrap();
    assert!(gone > 0);
    let (entries, floor) = db::home_feeds::size(&app.state.db, alice)
        .await
        .unwrap()
        .unwrap();
    assert!(
        entries <= 4 && floor > 0,
        "{entries} entries, floor {floor}"
    );
    assert_eq!(same_pages(&app, alice, 3).await, after_unfollow);
    // New posts still arrive in the trimmed feed.
    post(&app, &carol_t, &[("status", "carol after trim")]).await;
    let after_trim = same_pages(&app, alice, 3).await;
    assert_eq!(after_trim.len(), after_unfollow.len() + 1);

    // A feed read recently is kept; deleted statuses leave it.
    db::home_feeds::drop_idle(&app.state.db).await.unwrap();
    assert!(
        db::home_feeds::size(&app.state.db, alice)
            .await
            .unwrap()
            .is_some()
    );
    let newest = after_trim[0];
    let r = support::api::send_json(
        &app.base,
        reqwest::Method::DELETE,
        &format!("/api/v1/statuses/{}", newest.0),
        &carol_t,
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(same_pages(&app, alice, 3).await, after_unfollow);
    db::home_feeds::drop_idle(&app.state.db).await.unwrap();
    let (entries_now, _) = db::home_feeds::size(&app.state.db, alice)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entries_now, entries, "the deleted status's entry went");

    // A feed nobody read for two weeks is dropped, and built again on return.
    sqlx::query("UPDATE home_feeds SET read_at = now() - interval '15 days' WHERE account_id = $1")
        .bind(alice)
        .execute(&app.state.db)
        .await
        .unwrap();
    db::home_feeds::drop_idle(&app.state.db).await.unwrap();
    assert!(
        db::home_feeds::size(&app.state.db, alice)
            .await
            .unwrap()
            .is_none()
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM home_feed_entries")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert!(count > 0, "bob's feed is kept");
    assert_eq!(same_pages(&app, alice, 3).await, after_unfollow);
    assert!(
        db::home_feeds::size(&app.state.db, alice)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn a_feed_is_not_written_for_people_who_do_not_read_it() {
    let app = TestApp::start().await;
    let alice_t = user_token(&app, "alice", "read write follow").await;
    let bob_t = user_token(&app, "bob", "read write follow").await;
    let bob = app.account("bob").await.id;
    forget_feeds(&app).await;
    act(&app, &alice_t, bob, "follow", &[]).await;
    post(&app, &bob_t, &[("status", "nobody reads this yet")]).await;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM home_feed_entries")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(count, 0);
    // Alice reads: her feed holds the post, and the next one arrives by fan-out.
    let home = get(&app.base, "/api/v1/timelines/home", &alice_t).await;
    assert_eq!(home.json.as_array().map(Vec::len), Some(1));
    post(&app, &bob_t, &[("status", "now she does")]).await;
    let home = get(&app.base, "/api/v1/timelines/home", &alice_t).await;
    assert_eq!(home.json[0]["content"], "<p>now she does</p>");
    let alice = app.account("alice").await.id;
    let (entries, floor) = db::home_feeds::size(&app.state.db, alice)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((entries, floor), (2, 0));
}
