//! What people do through the client API reaches the other server exactly as from the web
//! UI: two Starling servers in one process on `http://localhost:PORT`, real HTTP and
//! signatures; alice uses an app on A, bob uses an app on B.

mod support;

use reqwest::Method;
use serde_json::{Value, json};
use support::TestApp;
use support::api::{get, send_json, user_token};

async fn server() -> TestApp {
    TestApp::start_on_localhost(|c| c.federation.allowed_private_hosts = vec!["*".into()]).await
}

async fn settle(servers: &[&TestApp]) {
    for _ in 0..20 {
        let mut ran = 0;
        for s in servers {
            ran += s.drain().await;
        }
        if ran == 0 {
            return;
        }
    }
    panic!("the queues did not settle");
}

fn kinds(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn follows_posts_mentions_favourites_and_boosts_federate_through_the_api() {
    let (a, b) = (server().await, server().await);
    let alice = user_token(&a, "alice", "read write follow").await;
    let bob = user_token(&b, "bob", "read write follow").await;
    let bob_handle = format!("bob@{}", b.state.urls.domain());
    let alice_handle = format!("alice@{}", a.state.urls.domain());

    // alice finds bob through the API (lookup resolves by WebFinger) and follows him.
    let found = get(
        &a.base,
        &format!("/api/v1/accounts/lookup?acct={bob_handle}"),
        &alice,
    )
    .await;
    assert_eq!(found.json["acct"], bob_handle.as_str(), "{}", found.json);
    let bob_id_at_a = found.json["id"].as_str().unwrap().to_string();
    let rel = send_json(
        &a.base,
        Method::POST,
        &format!("/api/v1/accounts/{bob_id_at_a}/follow"),
        &alice,
        None,
    )
    .await;
    assert_eq!(
        rel.json["requested"], true,
        "a remote follow waits for the Accept"
    );
    settle(&[&a, &b]).await;
    let rel = get(
        &a.base,
        &format!("/api/v1/accounts/relationships?id[]={bob_id_at_a}"),
        &alice,
    )
    .await;
    assert_eq!(rel.json[0]["following"], true, "{}", rel.json);
    assert_eq!(
        kinds(&get(&b.base, "/api/v1/notifications", &bob).await.json),
        ["follow"]
    );

    // bob posts through his app; it reaches alice's home on A.
    let post = send_json(
        &b.base,
        Method::POST,
        "/api/v1/statuses",
        &bob,
        Some(json!({"status": "Hello from B"})),
    )
    .await
    .json;
    settle(&[&a, &b]).await;
    let home = get(&a.base, "/api/v1/timelines/home", &alice).await;
    assert_eq!(home.json[0]["uri"], post["uri"], "{}", home.json);
    assert_eq!(home.json[0]["account"]["acct"], bob_handle.as_str());
    assert_eq!(
        post["application"]["name"], "Test App",
        "B names the app bob posted with"
    );
    assert!(
        home.json[0].get("application").is_none(),
        "A does not know another server's apps: {}",
        home.json[0]
    );
    let copy_id = home.json[0]["id"].as_str().unwrap().to_string();

    // alice favourites, boosts and replies with a mention through hers.
    send_json(
        &a.base,
        Method::POST,
        &format!("/api/v1/statuses/{copy_id}/favourite"),
        &alice,
        None,
    )
    .await;
    send_json(
        &a.base,
        Method::POST,
        &format!("/api/v1/statuses/{copy_id}/reblog"),
        &alice,
        None,
    )
    .await;
    let reply = send_json(
        &a.base,
        Method::POST,
        "/api/v1/statuses",
        &alice,
        Some(json!({"status": format!("@{bob_handle} nice"), "in_reply_to_id": copy_id})),
    )
    .await
    .json;
    assert_eq!(reply["mentions"][0]["acct"], bob_handle.as_str());
    settle(&[&a, &b]).await;
    let notes = get(&b.base, "/api/v1/notifications", &bob).await.json;
    let mut got = kinds(&notes);
    got.sort();
    assert_eq!(got, ["favourite", "follow", "mention", "reblog"], "{notes}");
    let pid = post["id"].as_str().unwrap();
    let original = get(&b.base, &format!("/api/v1/statuses/{pid}"), &bob)
        .await
        .json;
    assert_eq!(original["favourites_count"], 1);
    assert_eq!(original["reblogs_count"], 1);
    assert_eq!(original["replies_count"], 1);
    let mention = notes
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["type"] == "mention")
        .unwrap();
    assert_eq!(mention["account"]["acct"], alice_handle.as_str());

    // Taking it back through the API is federated too.
    send_json(
        &a.base,
        Method::POST,
        &format!("/api/v1/statuses/{copy_id}/unfavourite"),
        &alice,
        None,
    )
    .await;
    send_json(
        &a.base,
        Method::POST,
        &format!("/api/v1/statuses/{copy_id}/unreblog"),
        &alice,
        None,
    )
    .await;
    send_json(
        &a.base,
        Method::POST,
        &format!("/api/v1/accounts/{bob_id_at_a}/unfollow"),
        &alice,
        None,
    )
    .await;
    settle(&[&a, &b]).await;
    let original = get(&b.base, &format!("/api/v1/statuses/{pid}"), &bob)
        .await
        .json;
    assert_eq!(original["favourites_count"], 0);
    assert_eq!(original["reblogs_count"], 0);
    let b_me = b.account("bob").await;
    assert_eq!(b_me.followers_count, 0, "the Undo Follow arrived");
}
