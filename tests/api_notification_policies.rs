//! Notification policies and requests, as Mastodon 4.3 has them: a policy accepts,
//! filters or drops what strangers cause (not followed, not following, new accounts,
//! unsolicited private mentions, limited accounts); filtered mentions wait in a request
//! per sender until it is accepted (into the list, and the sender let through) or
//! dismissed (deleted).

#[allow(dead_code)]
#[path = "support/snapshot.rs"]
mod snapshot;
mod support;

use reqwest::{Method, StatusCode};
use serde_json::json;
use support::TestApp;
use support::api;
use support::person::{Person, link, notification_groups as groups};

fn redactor(app: &TestApp) -> snapshot::Redactor {
    let mut r = snapshot::Redactor::new();
    r.server(&app.base, "https://starling.example");
    r
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
    let r = redactor(&app);
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
    let mut r = redactor(&app);
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
