//! Grouped notifications (`/api/v2/notifications`) and notification policies, as
//! Mastodon 4.3 has them: favourites and boosts of one post and follows come as one
//! group each with their newest senders; groups page on the `Link` header, are shown
//! one at a time, list their accounts, are dismissed and counted unread against the
//! marker. A policy accepts, filters or drops what strangers cause; filtered mentions
//! wait in a request per sender until it is accepted (into the list) or dismissed.

#[allow(dead_code)]
#[path = "support/snapshot.rs"]
mod snapshot;
mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::TestApp;
use support::api::{self, JsonResponse, user_token};

/// A signed-in person with a token for everything an app asks for.
struct Person<'a> {
    app: &'a TestApp,
    token: String,
    id: String,
}

impl<'a> Person<'a> {
    async fn new(app: &'a TestApp, name: &str) -> Person<'a> {
        let token = user_token(app, name, "read write follow").await;
        let id = app.account(name).await.id.to_string();
        Person { app, token, id }
    }

    async fn get(&self, path: &str) -> JsonResponse {
        api::get(&self.app.base, path, &self.token).await
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> JsonResponse {
        api::send_json(&self.app.base, method, path, &self.token, body).await
    }

    async fn post(&self, path: &str) -> JsonResponse {
        let res = self.send(Method::POST, path, None).await;
        assert_eq!(res.status, StatusCode::OK, "POST {path}: {}", res.json);
        res
    }

    /// Posts with this visibility (in reply to `parent`, if any); returns the id.
    async fn say(&self, text: &str, visibility: &str, parent: Option<&str>) -> String {
        let res = self
            .send(
                Method::POST,
                "/api/v1/statuses",
                Some(json!({"status": text, "visibility": visibility, "in_reply_to_id": parent})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.json);
        res.json["id"].as_str().unwrap().to_string()
    }

    async fn favourite(&self, status: &str) {
        self.post(&format!("/api/v1/statuses/{status}/favourite"))
            .await;
    }

    async fn boost(&self, status: &str) {
        self.post(&format!("/api/v1/statuses/{status}/reblog"))
            .await;
    }

    async fn follow(&self, other: &Person<'_>) {
        self.post(&format!("/api/v1/accounts/{}/follow", other.id))
            .await;
    }

    async fn set_policy(&self, body: Value) -> JsonResponse {
        let res = self
            .send(Method::PATCH, "/api/v2/notifications/policy", Some(body))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.json);
        res
    }

    /// The types of the v1 list, newest first (`query` added to the URL).
    async fn v1_types(&self, query: &str) -> Vec<String> {
        let res = self.get(&format!("/api/v1/notifications{query}")).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.json);
        res.json
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["type"].as_str().unwrap().to_string())
            .collect()
    }
}

fn groups(res: &JsonResponse) -> &Vec<Value> {
    assert_eq!(res.status, StatusCode::OK, "{}", res.json);
    res.json["notification_groups"].as_array().unwrap()
}

fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

/// The URL of a `Link` header's `rel`, as a path on the server.
fn link(res: &JsonResponse, rel: &str, base: &str) -> Option<String> {
    let header = res.headers.get("link")?.to_str().ok()?;
    header.split(", ").find_map(|part| {
        let (url, r) = part.split_once("; ")?;
        (r == format!("rel=\"{rel}\"")).then(|| {
            url.trim_matches(|c| c == '<' || c == '>')
                .trim_start_matches(base)
                .to_string()
        })
    })
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

#[tokio::test]
async fn policies_have_mastodons_defaults_and_shapes() {
    let app = TestApp::start().await;
    let alice = Person::new(&app, "alice").await;
    let v2 = alice.get("/api/v2/notifications/policy").await;
    assert_eq!(
        v2.json,
        json!({
            "for_not_following": "accept",
            "for_not_followers": "accept",
            "for_new_accounts": "accept",
            "for_private_mentions": "filter",
            "for_limited_accounts": "filter",
            "summary": {"pending_requests_count": 0, "pending_notifications_count": 0}
        })
    );
    let r = redactor(&app, &[]);
    snapshot::assert_json_snapshot("api/notification_policy.json", &r, &v2.json);
    let v1 = alice.get("/api/v1/notifications/policy").await;
    snapshot::assert_json_snapshot("api/notification_policy_v1.json", &r, &v1.json);
    assert_eq!(v1.json["filter_private_mentions"], true);
    assert_eq!(v1.json["filter_not_following"], false);

    // v2 changes only what it is given; form fields work as JSON does.
    let changed = alice
        .set_policy(json!({"for_not_following": "drop", "for_new_accounts": "filter"}))
        .await;
    assert_eq!(changed.json["for_not_following"], "drop");
    assert_eq!(changed.json["for_new_accounts"], "filter");
    assert_eq!(changed.json["for_private_mentions"], "filter");
    let form = api::http()
        .patch(app.url("/api/v2/notifications/policy"))
        .bearer_auth(&alice.token)
        .form(&[("for_limited_accounts", "accept")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let bad = alice
        .send(
            Method::PATCH,
            "/api/v2/notifications/policy",
            Some(json!({"for_not_followers": "ignore"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bad.json["error"],
        "Validation failed: For not followers is not included in the list"
    );
    // v1 reads any non-accept as filtering, and writes filter or accept.
    let v1 = alice.get("/api/v1/notifications/policy").await;
    assert_eq!(v1.json["filter_not_following"], true);
    assert_eq!(v1.json["filter_not_followers"], false);
    let v1 = alice
        .send(
            Method::PATCH,
            "/api/v1/notifications/policy",
            Some(json!({"filter_not_following": false, "filter_not_followers": "1"})),
        )
        .await;
    assert_eq!(v1.status, StatusCode::OK, "{}", v1.json);
    let v2 = alice.get("/api/v2/notifications/policy").await;
    assert_eq!(v2.json["for_not_following"], "accept");
    assert_eq!(v2.json["for_not_followers"], "filter");
    assert_eq!(v2.json["for_new_accounts"], "filter");
    assert_eq!(v2.json["for_limited_accounts"], "accept");
}

/// Moves an account's creation, or a follow, back in time (tests cannot wait 30 days).
async fn age(app: &TestApp, sql: &str, id: &str, days: i32) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(id.parse::<i64>().unwrap())
        .bind(days)
        .execute(&app.state.db)
        .await
        .unwrap();
}

const AGE_ACCOUNT: &str =
    "UPDATE accounts SET created_at = now() - make_interval(days => $2) WHERE id = $1";
const AGE_FOLLOWS_OF: &str =
    "UPDATE follows SET created_at = now() - make_interval(days => $2) WHERE account_id = $1";

#[tokio::test]
async fn each_policy_setting_changes_what_arrives() {
    let app = TestApp::start().await;
    let alice = Person::new(&app, "alice").await;
    let bob = Person::new(&app, "bob").await;
    let carol = Person::new(&app, "carol").await;
    let post = alice.say("a post", "public", None).await;
    // Old accounts, so only the setting under test applies.
    for p in [&alice, &bob, &carol] {
        age(&app, AGE_ACCOUNT, &p.id, 400).await;
    }

    // Not following: filter hides bob's favourite (until asked for), drop stores nothing,
    // and once alice follows bob, bob's notifications come through.
    alice
        .set_policy(json!({"for_not_following": "filter"}))
        .await;
    bob.favourite(&post).await;
    assert_eq!(alice.v1_types("").await, Vec::<String>::new());
    assert_eq!(
        groups(&alice.get("/api/v2/notifications").await).len(),
        0,
        "filtered favourites are not listed"
    );
    let with_filtered = alice
        .get("/api/v1/notifications?include_filtered=true")
        .await;
    assert_eq!(with_filtered.json[0]["type"], "favourite");
    assert_eq!(with_filtered.json[0]["filtered"], true);
    assert!(
        with_filtered.json[0]["group_key"]
            .as_str()
            .unwrap()
            .starts_with("ungrouped-"),
        "filtered notifications are not grouped"
    );
    let v2_filtered = alice
        .get("/api/v2/notifications?include_filtered=true")
        .await;
    assert_eq!(groups(&v2_filtered).len(), 1);
    assert_eq!(
        alice.get("/api/v1/notifications/unread_count").await.json["count"],
        0
    );
    alice.set_policy(json!({"for_not_following": "drop"})).await;
    carol.favourite(&post).await;
    assert_eq!(
        alice.v1_types("?include_filtered=true").await.len(),
        1,
        "carol's favourite was dropped"
    );
    alice.follow(&carol).await;
    carol.boost(&post).await;
    assert_eq!(alice.v1_types("").await, ["reblog"]);
    alice
        .set_policy(json!({"for_not_following": "accept"}))
        .await;
    bob.boost(&post).await;
    assert_eq!(alice.v1_types("").await, ["reblog", "reblog"]);

    // Not followers: a follower of less than three days is not one yet.
    alice
        .set_policy(json!({"for_not_followers": "filter"}))
        .await;
    bob.follow(&alice).await;
    let reply = bob.say("@alice hi", "public", None).await;
    assert_eq!(alice.v1_types("?types[]=mention").await.len(), 0);
    age(&app, AGE_FOLLOWS_OF, &bob.id, 4).await;
    bob.say("@alice hi again", "public", Some(&reply)).await;
    assert_eq!(alice.v1_types("?types[]=mention").await, ["mention"]);
    alice
        .set_policy(json!({"for_not_followers": "accept"}))
        .await;

    // New accounts: younger than 30 days, unless followed.
    let dave = Person::new(&app, "dave").await;
    alice.set_policy(json!({"for_new_accounts": "drop"})).await;
    dave.favourite(&post).await;
    assert_eq!(
        alice
            .v1_types("?types[]=favourite&include_filtered=1")
            .await
            .len(),
        1
    );
    age(&app, AGE_ACCOUNT, &dave.id, 31).await;
    dave.boost(&post).await;
    assert_eq!(alice.v1_types("?types[]=reblog").await.len(), 3);
    alice
        .set_policy(json!({"for_new_accounts": "accept"}))
        .await;

    // Limited accounts (silenced by a moderator) are filtered by default.
    sqlx::query("UPDATE accounts SET silenced_at = now() WHERE id = $1")
        .bind(dave.id.parse::<i64>().unwrap())
        .execute(&app.state.db)
        .await
        .unwrap();
    dave.say("@alice from a limited account", "public", None)
        .await;
    assert_eq!(alice.v1_types("?types[]=mention").await.len(), 1);
    assert_eq!(
        alice
            .v1_types(&format!("?types[]=mention&account_id={}", dave.id))
            .await
            .len(),
        1,
        "a sender's own page shows their filtered notifications"
    );

    // Private mentions: filtered by default from strangers, unless they answer a private
    // mention of alice's; accepted or dropped when set so.
    let erin = Person::new(&app, "erin").await;
    age(&app, AGE_ACCOUNT, &erin.id, 400).await;
    let dm = erin.say("@alice psst", "direct", None).await;
    assert_eq!(alice.v1_types("?types[]=mention").await.len(), 1);
    let asked = alice.say("@erin what is it?", "direct", Some(&dm)).await;
    erin.say("@alice this", "direct", Some(&asked)).await;
    assert_eq!(
        alice.v1_types("?types[]=mention").await.len(),
        2,
        "an answer to alice's private mention"
    );
    erin.say("@alice psst again", "direct", None).await;
    assert_eq!(alice.v1_types("?types[]=mention").await.len(), 2);
    alice
        .set_policy(json!({"for_private_mentions": "accept"}))
        .await;
    erin.say("@alice now you see me", "direct", None).await;
    assert_eq!(alice.v1_types("?types[]=mention").await.len(), 3);
    alice
        .set_policy(json!({"for_private_mentions": "drop"}))
        .await;
    erin.say("@alice and now you do not", "direct", None).await;
    assert_eq!(
        alice
            .v1_types(&format!("?include_filtered=true&account_id={}", erin.id))
            .await
            .len(),
        4,
        "psst, this, psst again, now you see me"
    );
}

#[tokio::test]
async fn filtered_mentions_wait_in_requests_until_accepted_or_dismissed() {
    let app = TestApp::start().await;
    let alice = Person::new(&app, "alice").await;
    let bob = Person::new(&app, "bob").await;
    let carol = Person::new(&app, "carol").await;
    let dave = Person::new(&app, "dave").await;
    alice
        .set_policy(json!({"for_not_following": "filter"}))
        .await;
    bob.say("@alice one", "public", None).await;
    let newest = bob.say("@alice two", "public", None).await;
    carol.say("@alice from carol", "public", None).await;
    dave.say("@alice from dave", "public", None).await;
    assert_eq!(alice.v1_types("").await.len(), 0);

    let policy = alice.get("/api/v2/notifications/policy").await;
    assert_eq!(
        policy.json["summary"],
        json!({"pending_requests_count": 3, "pending_notifications_count": 4})
    );
    let requests = alice.get("/api/v1/notifications/requests").await;
    assert_eq!(requests.status, StatusCode::OK);
    let list = requests.json.as_array().unwrap();
    let senders: Vec<&str> = list
        .iter()
        .map(|r| r["account"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        senders,
        [dave.id.as_str(), carol.id.as_str(), bob.id.as_str()]
    );
    let bobs = &list[2];
    assert_eq!(bobs["notifications_count"], "2");
    assert_eq!(bobs["last_status"]["id"], newest.as_str());
    let mut r = redactor(&app, &[]);
    r.replace(&newest, "[status]");
    snapshot::assert_json_snapshot(
        "api/notification_request.json",
        &r,
        &snapshot::without_days(bobs),
    );
    let paged = alice.get("/api/v1/notifications/requests?limit=1").await;
    assert_eq!(paged.json.as_array().unwrap().len(), 1);
    let next = link(&paged, "next", &app.base).expect("next link");
    assert_eq!(
        alice.get(&next).await.json[0]["account"]["id"],
        carol.id.as_str()
    );

    let bob_request = bobs["id"].as_str().unwrap();
    let one = alice
        .get(&format!("/api/v1/notifications/requests/{bob_request}"))
        .await;
    assert_eq!(one.json["id"], bob_request);
    assert_eq!(
        bob.get(&format!("/api/v1/notifications/requests/{bob_request}"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "not bob's"
    );
    // A sender's filtered notifications are readable from their page.
    assert_eq!(
        alice
            .v1_types(&format!("?account_id={}", bob.id))
            .await
            .len(),
        2
    );

    // Accepting merges them into the list, and bob gets through from now on.
    alice
        .post(&format!(
            "/api/v1/notifications/requests/{bob_request}/accept"
        ))
        .await;
    assert_eq!(alice.v1_types("").await, ["mention", "mention"]);
    assert_eq!(
        alice
            .get("/api/v1/notifications/requests/merged")
            .await
            .json,
        json!({"merged": true})
    );
    bob.say("@alice three", "public", None).await;
    assert_eq!(alice.v1_types("").await.len(), 3);
    assert_eq!(
        alice
            .get(&format!("/api/v1/notifications/requests/{bob_request}"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "an accepted request is gone"
    );
    let again = alice
        .send(
            Method::POST,
            &format!("/api/v1/notifications/requests/{bob_request}/accept"),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);

    // Dismissing deletes the filtered mentions; carol's next one opens a new request.
    let ids: Vec<String> = alice
        .get("/api/v1/notifications/requests")
        .await
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let (daves, carols) = (&ids[0], &ids[1]);
    alice
        .post(&format!("/api/v1/notifications/requests/{carols}/dismiss"))
        .await;
    assert_eq!(
        alice
            .v1_types(&format!("?account_id={}", carol.id))
            .await
            .len(),
        0
    );
    carol.say("@alice still me", "public", None).await;
    let policy = alice.get("/api/v1/notifications/policy").await;
    assert_eq!(
        policy.json["summary"],
        json!({"pending_requests_count": 2, "pending_notifications_count": 2})
    );

    // Many at once: unknown ids are ignored.
    let ids: Vec<String> = alice
        .get("/api/v1/notifications/requests")
        .await
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.contains(daves));
    let res = api::send_form(
        &app.base,
        "/api/v1/notifications/requests/accept",
        &alice.token,
        &[("id[]", daves.as_str()), ("id[]", "12345")],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.json);
    assert_eq!(
        alice
            .v1_types(&format!("?account_id={}", dave.id))
            .await
            .len(),
        1
    );
    assert!(!alice.v1_types("").await.is_empty());
    let rest = alice.get("/api/v1/notifications/requests").await;
    let last = rest.json[0]["id"].as_str().unwrap();
    alice
        .send(
            Method::POST,
            "/api/v1/notifications/requests/dismiss",
            Some(json!({"id": [last]})),
        )
        .await;
    assert_eq!(
        alice.get("/api/v1/notifications/requests").await.json,
        json!([])
    );
    assert_eq!(
        alice.get("/api/v2/notifications/policy").await.json["summary"],
        json!({"pending_requests_count": 0, "pending_notifications_count": 0})
    );
}
