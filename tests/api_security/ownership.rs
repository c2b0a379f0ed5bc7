//! S33: objects named by id in the URL are looked up among the caller's own; carol,
//! using alice's and bob's ids, finds nothing to act on and changes nothing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::api::user_token;
use crate::{Rig, count, ids};

/// What alice and bob have, as they see it: the state carol must not change.
async fn snapshot(rig: &Rig, boost: &str) -> Value {
    let alice = Some(rig.alice.as_str());
    let bob = Some(rig.bob.as_str());
    let p_pub = rig
        .get(&format!("/api/v1/statuses/{}", rig.p_pub), alice)
        .await
        .json;
    let p_fo = rig
        .get(&format!("/api/v1/statuses/{}", rig.p_fo), alice)
        .await
        .json;
    json!({
        "notifications": ids(&rig.get("/api/v1/notifications", alice).await.json),
        "requests": ids(&rig.get("/api/v1/follow_requests", alice).await.json),
        "followers": ids(&rig.get(&format!("/api/v1/accounts/{}/followers", rig.alice_id), alice).await.json),
        "markers": rig.get("/api/v1/markers?timeline[]=home&timeline[]=notifications", alice).await.json,
        "pins": ids(&rig.get(&format!("/api/v1/accounts/{}/statuses?pinned=true", rig.alice_id), alice).await.json),
        "p_pub": [p_pub["content"].clone(), p_pub["edited_at"].clone(), p_pub["favourites_count"].clone(),
                  p_pub["reblogs_count"].clone()],
        "p_fo": [p_fo["content"].clone(), p_fo["edited_at"].clone()],
        "bob_bookmarks": ids(&rig.get("/api/v1/bookmarks", bob).await.json),
        "bob_favourites": ids(&rig.get("/api/v1/favourites", bob).await.json),
        "bob_boost": rig.get(&format!("/api/v1/statuses/{boost}"), bob).await.status.as_u16(),
        "bob_follows_alice": rig.get(&format!("/api/v1/accounts/relationships?id[]={}", rig.alice_id), bob)
            .await.json[0]["following"].clone(),
    })
}

#[tokio::test]
async fn s33_carol_acting_on_alices_and_bobs_ids_finds_nothing_and_changes_nothing() {
    let rig = Rig::start().await;
    let (alice, bob, carol) = (rig.alice.as_str(), rig.bob.as_str(), rig.carol.as_str());
    let (p_pub, p_fo) = (rig.p_pub.clone(), rig.p_fo.clone());
    // dave asks to follow alice and waits; bob favourites, boosts and bookmarks her
    // public post; alice pins two posts and marks where she stopped reading.
    let dave = user_token(&rig.app, "dave", "read write follow").await;
    let dave_id = rig.app.account("dave").await.id.to_string();
    rig.call(
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", rig.alice_id),
        Some(&dave),
        None,
    )
    .await;
    for action in ["favourite", "bookmark"] {
        rig.call(
            Method::POST,
            &format!("/api/v1/statuses/{p_pub}/{action}"),
            Some(bob),
            None,
        )
        .await;
    }
    let boost = rig
        .call(
            Method::POST,
            &format!("/api/v1/statuses/{p_pub}/reblog"),
            Some(bob),
            None,
        )
        .await
        .json["id"]
        .as_str()
        .unwrap()
        .to_string();
    for id in [&p_pub, &p_fo] {
        let pinned = rig
            .call(
                Method::POST,
                &format!("/api/v1/statuses/{id}/pin"),
                Some(alice),
                None,
            )
            .await;
        assert_eq!(pinned.json["pinned"], true);
    }
    let notes = ids(&rig.get("/api/v1/notifications", Some(alice)).await.json);
    assert!(
        notes.len() >= 3,
        "follow, follow request, favourite, boost: {notes:?}"
    );
    rig.call(
        Method::POST,
        "/api/v1/markers",
        Some(alice),
        Some(json!({"home": {"last_read_id": p_pub}, "notifications": {"last_read_id": notes[0]}})),
    )
    .await;
    let before = snapshot(&rig, &boost).await;

    // alice's notifications, by id: not carol's to read or dismiss.
    for id in &notes {
        let shown = rig
            .get(&format!("/api/v1/notifications/{id}"), Some(carol))
            .await;
        assert_eq!(shown.status, StatusCode::NOT_FOUND, "GET notification {id}");
        let dismissed = rig
            .call(
                Method::POST,
                &format!("/api/v1/notifications/{id}/dismiss"),
                Some(carol),
                None,
            )
            .await;
        assert_eq!(dismissed.status, StatusCode::NOT_FOUND, "dismiss {id}");
        assert_eq!(dismissed.json["error"], "Record not found");
    }
    let filtered = rig
        .get(
            &format!("/api/v1/notifications?account_id={}", rig.bob_id),
            Some(carol),
        )
        .await;
    assert_eq!(filtered.json, json!([]));
    rig.call(
        Method::POST,
        "/api/v1/notifications/clear",
        Some(carol),
        None,
    )
    .await;

    // Follow requests that are not to carol: nothing to authorise or reject.
    for who in [&dave_id, &rig.bob_id] {
        for answer in ["authorize", "reject"] {
            let r = rig
                .call(
                    Method::POST,
                    &format!("/api/v1/follow_requests/{who}/{answer}"),
                    Some(carol),
                    None,
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::NOT_FOUND,
                "{answer} {who}: {}",
                r.json
            );
        }
    }

    // alice's posts (seen or not) and bob's boost: not carol's to delete or edit.
    for id in [&p_pub, &p_fo, &boost] {
        let deleted = rig
            .call(
                Method::DELETE,
                &format!("/api/v1/statuses/{id}"),
                Some(carol),
                None,
            )
            .await;
        assert_eq!(
            deleted.status,
            StatusCode::NOT_FOUND,
            "DELETE {id}: {}",
            deleted.json
        );
        assert_eq!(deleted.json, json!({"error": "Record not found"}));
        let edited = rig
            .call(
                Method::PUT,
                &format!("/api/v1/statuses/{id}"),
                Some(carol),
                Some(json!({"status": "carol was here"})),
            )
            .await;
        assert_eq!(edited.status, StatusCode::NOT_FOUND, "PUT {id}");
    }

    // Undoing what others did: carol's own favourite, bookmark, boost and pin are the
    // only ones these touch (none), as in Mastodon; a post she cannot see is 404.
    for action in ["unfavourite", "unbookmark", "unreblog", "unpin"] {
        let r = rig
            .call(
                Method::POST,
                &format!("/api/v1/statuses/{p_pub}/{action}"),
                Some(carol),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{action}: {}", r.json);
        let r = rig
            .call(
                Method::POST,
                &format!("/api/v1/statuses/{p_fo}/{action}"),
                Some(carol),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{action} P_fo");
    }
    let r = rig
        .call(
            Method::POST,
            &format!("/api/v1/statuses/{boost}/unreblog"),
            Some(carol),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);

    // Markers are per person: carol's write is hers alone.
    let mine = rig
        .call(
            Method::POST,
            "/api/v1/markers",
            Some(carol),
            Some(json!({"home": {"last_read_id": "1"}})),
        )
        .await;
    assert_eq!(mine.json["home"]["last_read_id"], "1", "{}", mine.json);
    let read = rig
        .get("/api/v1/markers?timeline[]=home", Some(carol))
        .await;
    assert_eq!(read.json["home"]["last_read_id"], "1");

    // bob follows alice, not carol: removing him from carol's followers removes nothing
    // (Mastodon answers with the relationship, 200).
    let removed = rig
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{}/remove_from_followers", rig.bob_id),
            Some(carol),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK);
    assert_eq!(removed.json["followed_by"], false);

    // Everything of alice's and bob's is as it was.
    let after = snapshot(&rig, &boost).await;
    assert_eq!(before, after);
    assert!(
        before["requests"]
            .as_array()
            .unwrap()
            .contains(&json!(dave_id))
    );
    assert!(
        before["followers"]
            .as_array()
            .unwrap()
            .contains(&json!(rig.bob_id))
    );
    assert_eq!(before["pins"].as_array().unwrap().len(), 2);
    assert_eq!(before["bob_boost"], 200);
    let carol_id = rig.app.account("carol").await.id.to_string();
    for table in ["favourites", "bookmarks", "status_pins", "statuses"] {
        let sql = format!("SELECT count(*) FROM {table} WHERE account_id = $1");
        assert_eq!(count(&rig.app, &sql, &carol_id).await, 0, "{table}");
    }
}
