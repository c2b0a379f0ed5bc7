//! Grouped notifications (`/api/v2/notifications`), as Mastodon 4.3 has them: favourites
//! and boosts of one post and follows come as one group each with their newest senders;
//! groups page on the `Link` header, are shown one at a time, list their accounts, are
//! dismissed and counted unread against the marker.

#[allow(dead_code)]
#[path = "support/snapshot.rs"]
mod snapshot;
mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::TestApp;
use support::api::{self, user_token};
use support::person::{Person, link, notification_groups as groups};

fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

fn redactor(app: &TestApp, keys: &[&Value]) -> snapshot::Redactor {
    let mut r = snapshot::Redactor::new();
    r.server(&app.base, "https://starling.example");
    for key in keys {
        let key = key.as_str().unwrap();
        // `<type>-<status id>-<hour>`: the hour changes from run to run.
        if let Some((prefix, _hour)) = key.rsplit_once('-')
            && !key.starts_with("ungrouped-")
        {
            r.replace(key, format!("{prefix}-[hour]"));
        }
    }
    r
}

#[tokio::test]
async fn favourites_boosts_and_follows_of_one_post_come_grouped() {
    let app = TestApp::start().await;
    let alice = Person::new(&app, "alice").await;
    let bob = Person::new(&app, "bob").await;
    let carol = Person::new(&app, "carol").await;
    let dave = Person::new(&app, "dave").await;
    let post = alice.say("group me", "public", None).await;
    let other = alice.say("another post", "public", None).await;
    bob.favourite(&post).await;
    carol.favourite(&post).await;
    bob.boost(&post).await;
    dave.favourite(&post).await;
    carol.boost(&post).await;
    dave.favourite(&other).await;
    bob.follow(&alice).await;
    carol.follow(&alice).await;
    bob.say("@alice look", "public", None).await;

    let page = alice.get("/api/v2/notifications").await;
    let gs = groups(&page);
    let kinds: Vec<&str> = gs.iter().map(|g| g["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["mention", "follow", "favourite", "reblog", "favourite"],
        "one group per kind and post, newest first: {}",
        page.json
    );
    let (mention, follows, other_favs, boosts, favs) = (&gs[0], &gs[1], &gs[2], &gs[3], &gs[4]);
    assert!(
        mention["group_key"]
            .as_str()
            .unwrap()
            .starts_with("ungrouped-")
    );
    assert_eq!(mention["notifications_count"], 1);
    assert_eq!(favs["notifications_count"], 3);
    assert_eq!(favs["status_id"], post.as_str());
    assert_eq!(
        strs(&favs["sample_account_ids"]),
        [dave.id.as_str(), carol.id.as_str(), bob.id.as_str()],
        "newest sender first"
    );
    assert!(
        favs["group_key"]
            .as_str()
            .unwrap()
            .starts_with(&format!("favourite-{post}-"))
    );
    assert_eq!(boosts["notifications_count"], 2);
    assert_eq!(
        strs(&boosts["sample_account_ids"]),
        [carol.id.as_str(), bob.id.as_str()]
    );
    assert_eq!(other_favs["status_id"], other.as_str());
    assert_eq!(other_favs["notifications_count"], 1);
    assert!(
        follows["group_key"]
            .as_str()
            .unwrap()
            .starts_with("follow-")
    );
    assert!(
        follows.get("status_id").is_none(),
        "a follow is about no post"
    );
    assert_eq!(
        strs(&follows["sample_account_ids"]),
        [carol.id.as_str(), bob.id.as_str()]
    );
    // On a page, a group tells where its notifications on the page lie.
    assert_eq!(favs["page_max_id"], favs["most_recent_notification_id"]);
    assert!(
        favs["page_min_id"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .unwrap()
            < favs["page_max_id"]
                .as_str()
                .unwrap()
                .parse::<i64>()
                .unwrap()
    );
    assert!(favs["latest_page_notification_at"].is_string());
    // Each account and post once.
    let account_ids: Vec<&str> = page.json["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        account_ids,
        [bob.id.as_str(), carol.id.as_str(), dave.id.as_str()]
    );
    let status_ids: Vec<&str> = page.json["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(status_ids.len(), 3, "mention, other, post: {status_ids:?}");
    assert!(status_ids.contains(&post.as_str()) && status_ids.contains(&other.as_str()));
    assert!(page.json.get("partial_accounts").is_none());
    // v1 shows the same keys.
    let v1 = alice.get("/api/v1/notifications?types[]=favourite").await;
    assert_eq!(v1.json[0]["group_key"], other_favs["group_key"]);
    assert_eq!(v1.json[1]["group_key"], favs["group_key"]);

    let keys: Vec<&Value> = gs.iter().map(|g| &g["group_key"]).collect();
    let mut r = redactor(&app, &keys);
    snapshot::assert_json_snapshot(
        "api/grouped_notifications.json",
        &r,
        &snapshot::without_days(&page.json),
    );

    // partial_avatars: each group's newest sender in full, the others as avatars.
    let partial = alice
        .get("/api/v2/notifications?expand_accounts=partial_avatars&types[]=favourite")
        .await;
    let full: Vec<&str> = partial.json["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(full, [dave.id.as_str()], "dave leads both favourite groups");
    let partly = &partial.json["partial_accounts"];
    let partly_ids: Vec<&str> = partly
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(partly_ids, [carol.id.as_str(), bob.id.as_str()]);
    r.replace(&carol.id, "[carol]");
    snapshot::assert_json_snapshot("api/partial_account_with_avatar.json", &r, &partly[0]);

    // A client that groups only follows gets each favourite and boost alone.
    let follows_only = alice
        .get("/api/v2/notifications?grouped_types[]=follow")
        .await;
    let gs = groups(&follows_only);
    assert_eq!(
        gs.len(),
        1 + 1 + 4 + 2,
        "mention, follows, 4 favourites, 2 boosts"
    );
    assert!(gs.iter().filter(|g| g["type"] != "follow").all(|g| {
        g["group_key"].as_str().unwrap().starts_with("ungrouped-") && g["notifications_count"] == 1
    }));
    // Types and senders narrow the page as in v1.
    let only = alice
        .get(&format!(
            "/api/v2/notifications?exclude_types[]=follow&account_id={}",
            carol.id
        ))
        .await;
    let kinds: Vec<&str> = groups(&only)
        .iter()
        .map(|g| g["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["reblog", "favourite"]);

    assert_eq!(
        bob.get("/api/v2/notifications").await.json["notification_groups"],
        json!([])
    );
    let no_scope = user_token(&app, "erin", "write").await;
    assert_eq!(
        api::get(&app.base, "/api/v2/notifications", &no_scope)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn groups_page_on_the_link_header_and_are_shown_listed_and_dismissed() {
    let app = TestApp::start().await;
    let alice = Person::new(&app, "alice").await;
    let fans = [
        Person::new(&app, "bob").await,
        Person::new(&app, "carol").await,
        Person::new(&app, "dave").await,
    ];
    // Five posts, oldest first, each favourited by all three: five groups of three.
    let mut posts = Vec::new();
    for i in 0..5 {
        posts.push(alice.say(&format!("post {i}"), "public", None).await);
    }
    for post in &posts {
        for fan in &fans {
            fan.favourite(post).await;
        }
    }

    // Pages hold two groups each, paged by notification id as Mastodon does: the next
    // page starts below the oldest notification the page stood on, so a group may go on
    // there with its older notifications (a client merges it by key).
    let mut pages = Vec::new();
    let mut path = "/api/v2/notifications?limit=2".to_string();
    loop {
        let res = alice.get(&path).await;
        if groups(&res).is_empty() {
            assert!(res.headers.get("link").is_none(), "no links past the end");
            break;
        }
        assert!(groups(&res).len() <= 2, "limit=2: {}", res.json);
        path = link(&res, "next", &app.base).expect("next link");
        assert!(path.contains("limit=2"), "the link keeps the query: {path}");
        pages.push(res);
        assert!(pages.len() < 10, "the links do not end");
    }
    let on_page = |i: usize| -> Vec<String> {
        groups(&pages[i])
            .iter()
            .map(|g| g["status_id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(on_page(0), [posts[4].clone(), posts[3].clone()]);
    assert_eq!(on_page(1), [posts[3].clone(), posts[2].clone()]);
    assert_eq!(groups(&pages[0])[1]["notifications_count"], 3);
    assert_eq!(
        groups(&pages[1])[0]["notifications_count"],
        2,
        "counted up to the page"
    );
    // Every group comes, newest first, and where one goes on, its notifications on the
    // later page are older than those on the earlier one (a last, short page claims
    // everything below it, as in Mastodon, hence `<=`).
    let mut first_seen: Vec<String> = Vec::new();
    let mut last_span: std::collections::HashMap<String, i64> = Default::default();
    for page in &pages {
        for g in groups(page) {
            let post = g["status_id"].as_str().unwrap().to_string();
            let id = |k: &str| g[k].as_str().unwrap().parse::<i64>().unwrap();
            assert!(id("page_min_id") <= id("page_max_id"), "{g}");
            if let Some(earlier_min) = last_span.get(&post) {
                assert!(id("page_max_id") <= *earlier_min, "{g}");
            } else {
                first_seen.push(post.clone());
            }
            last_span.insert(post, id("page_min_id"));
        }
    }
    let newest_first: Vec<String> = posts.iter().rev().cloned().collect();
    assert_eq!(first_seen, newest_first);
    // Back from the third page: the groups just above it.
    let prev = link(&pages[2], "prev", &app.base).expect("prev link");
    let back = alice.get(&prev).await;
    let back_ids: Vec<&str> = groups(&back)
        .iter()
        .map(|g| g["status_id"].as_str().unwrap())
        .collect();
    assert_eq!(back_ids, [posts[3].as_str(), posts[2].as_str()]);

    // One group, by its key: no page fields.
    let first = &groups(&pages[0])[0];
    let key = first["group_key"].as_str().unwrap();
    let one = alice.get(&format!("/api/v2/notifications/{key}")).await;
    let g = &groups(&one)[0];
    assert_eq!(g["group_key"], key);
    assert_eq!(g["notifications_count"], 3);
    assert!(g.get("page_min_id").is_none() && g.get("latest_page_notification_at").is_none());
    assert_eq!(one.json["statuses"][0]["id"], posts[4].as_str());
    let keys = [&g["group_key"]];
    snapshot::assert_json_snapshot("api/notification_group.json", &redactor(&app, &keys), g);
    // Its accounts, newest first, paged.
    let accounts = alice
        .get(&format!("/api/v2/notifications/{key}/accounts"))
        .await;
    let ids: Vec<&str> = accounts
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            fans[2].id.as_str(),
            fans[1].id.as_str(),
            fans[0].id.as_str()
        ]
    );
    let two = alice
        .get(&format!("/api/v2/notifications/{key}/accounts?limit=2"))
        .await;
    assert_eq!(two.json.as_array().unwrap().len(), 2);
    let rest = alice
        .get(&link(&two, "next", &app.base).expect("next link"))
        .await;
    assert_eq!(rest.json[0]["id"], fans[0].id.as_str());
    // Someone else's key is nobody's group here.
    let bob = &fans[0];
    assert_eq!(
        bob.get(&format!("/api/v2/notifications/{key}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        alice
            .get("/api/v2/notifications/ungrouped-12x")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Dismissing a group dismisses all its notifications.
    alice
        .post(&format!("/api/v2/notifications/{key}/dismiss"))
        .await;
    assert_eq!(
        alice
            .get(&format!("/api/v2/notifications/{key}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let left = alice.get("/api/v2/notifications").await;
    assert_eq!(groups(&left).len(), 4);
    assert_eq!(alice.v1_types("").await.len(), 12);
    // A single notification by its ungrouped key, and dismissing it.
    let mention_post = bob.say("@alice hello", "public", None).await;
    let single = &groups(&alice.get("/api/v2/notifications?limit=1").await)[0].clone();
    let single_key = single["group_key"].as_str().unwrap();
    assert_eq!(single["status_id"], mention_post.as_str());
    let shown = alice
        .get(&format!("/api/v2/notifications/{single_key}"))
        .await;
    assert_eq!(groups(&shown)[0]["type"], "mention");
    alice
        .post(&format!("/api/v2/notifications/{single_key}/dismiss"))
        .await;
    assert_eq!(alice.v1_types("?types[]=mention").await.len(), 0);
    // Dismissing what is already gone is fine, as in Mastodon.
    alice
        .post(&format!("/api/v2/notifications/{single_key}/dismiss"))
        .await;
}

#[tokio::test]
async fn unread_groups_are_counted_against_the_marker() {
    let app = TestApp::start().await;
    let alice = Person::new(&app, "alice").await;
    let bob = Person::new(&app, "bob").await;
    let carol = Person::new(&app, "carol").await;
    let post = alice.say("count me", "public", None).await;
    bob.favourite(&post).await;
    carol.favourite(&post).await;
    bob.follow(&alice).await;
    let count = |p: &'static str| {
        let alice = &alice;
        async move { alice.get(p).await.json["count"].clone() }
    };
    assert_eq!(count("/api/v2/notifications/unread_count").await, 2);
    assert_eq!(count("/api/v1/notifications/unread_count").await, 3);
    assert_eq!(
        count("/api/v2/notifications/unread_count?grouped_types[]=follow").await,
        3
    );
    assert_eq!(
        count("/api/v2/notifications/unread_count?types[]=follow").await,
        1
    );
    assert_eq!(count("/api/v2/notifications/unread_count?limit=1").await, 1);

    // Read up to the newest favourite: only the follow is unread.
    let favs = alice.get("/api/v1/notifications?types[]=favourite").await;
    let newest_fav = favs.json[0]["id"].as_str().unwrap();
    let marker = alice
        .send(
            Method::POST,
            "/api/v1/markers",
            Some(json!({"notifications": {"last_read_id": newest_fav}})),
        )
        .await;
    assert_eq!(marker.status, StatusCode::OK, "{}", marker.json);
    assert_eq!(count("/api/v2/notifications/unread_count").await, 1);
    // A new favourite joins the read group, which is unread again.
    let dave = Person::new(&app, "dave").await;
    dave.favourite(&post).await;
    assert_eq!(count("/api/v2/notifications/unread_count").await, 2);
    assert_eq!(count("/api/v1/notifications/unread_count").await, 2);
}
