//! Accounts through the client API: reading, lookup, relationships, follows (with the
//! locked-account request), blocks, an account's posts and follow lists with paging.

#[allow(dead_code)]
#[path = "support/snapshot.rs"]
mod snapshot;
mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::TestApp;
use support::api::{self, get, send_json, user_token};

#[tokio::test]
async fn accounts_relationships_follows_and_blocks() {
    let app = TestApp::start().await;
    let alice = user_token(&app, "alice", "read write follow").await;
    let bob = user_token(&app, "bob", "read write follow").await;
    let a_id = app.account("alice").await.id.to_string();
    let b_id = app.account("bob").await.id.to_string();

    let shown = get(&app.base, &format!("/api/v1/accounts/{b_id}"), &alice).await;
    assert_eq!(shown.json["username"], "bob");
    let anon = api::http()
        .get(app.url(&format!("/api/v1/accounts/{b_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), StatusCode::OK, "profiles are public");
    assert_eq!(
        get(&app.base, "/api/v1/accounts/999999", &alice)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let looked = get(&app.base, "/api/v1/accounts/lookup?acct=bob", &alice).await;
    assert_eq!(looked.json["id"], b_id.as_str());
    let many = get(
        &app.base,
        &format!("/api/v1/accounts?id[]={b_id}&id[]={a_id}&id[]=42"),
        &alice,
    )
    .await;
    assert_eq!(many.json.as_array().unwrap().len(), 2);
    assert_eq!(many.json[0]["username"], "bob");
    // More than 40 distinct ids is refused, as Mastodon does.
    let too_many: String = (1..=41).map(|n| format!("id[]={n}&")).collect();
    let refused = get(&app.base, &format!("/api/v1/accounts?{too_many}"), &alice).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.json["error"], "Mastodon::ValidationError");
    // Forty, Bob among them and asked for twice, are answered.
    let forty: String = (1..=39).map(|n| format!("id[]={n}&")).collect();
    let allowed = get(
        &app.base,
        &format!("/api/v1/accounts?{forty}id[]={b_id}&id[]={b_id}"),
        &alice,
    )
    .await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.json);
    assert_eq!(allowed.json[0]["username"], "bob");

    let follow = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/accounts/{b_id}/follow"),
        &alice,
        None,
    )
    .await;
    assert_eq!(follow.status, StatusCode::OK, "{}", follow.json);
    assert_eq!(follow.json["following"], true);
    assert_eq!(follow.json["showing_reblogs"], true);
    let rels = get(
        &app.base,
        &format!("/api/v1/accounts/relationships?id[]={b_id}"),
        &alice,
    )
    .await;
    assert_eq!(rels.json[0]["following"], true);
    assert_eq!(rels.json[0]["followed_by"], false);
    let mut r = snapshot::Redactor::new();
    r.server(&app.base, "https://starling.example");
    snapshot::assert_json_snapshot("api/relationship.json", &r, &rels.json[0]);
    let theirs = get(
        &app.base,
        &format!("/api/v1/accounts/relationships?id[]={a_id}"),
        &bob,
    )
    .await;
    assert_eq!(theirs.json[0]["followed_by"], true);

    let followers = get(
        &app.base,
        &format!("/api/v1/accounts/{b_id}/followers"),
        &bob,
    )
    .await;
    assert_eq!(followers.json[0]["username"], "alice");
    let following = get(
        &app.base,
        &format!("/api/v1/accounts/{a_id}/following"),
        &bob,
    )
    .await;
    assert_eq!(following.json[0]["username"], "bob");

    // Bob's posts, with and without replies.
    let post = send_json(
        &app.base,
        Method::POST,
        "/api/v1/statuses",
        &bob,
        Some(json!({"status": "hi #news"})),
    )
    .await
    .json;
    let hers = send_json(
        &app.base,
        Method::POST,
        "/api/v1/statuses",
        &alice,
        Some(json!({"status": "hello"})),
    )
    .await
    .json;
    // A reply to someone else (a reply to oneself would count as a post, as in Mastodon).
    send_json(
        &app.base,
        Method::POST,
        "/api/v1/statuses",
        &bob,
        Some(json!({"status": "@alice yo", "in_reply_to_id": hers["id"]})),
    )
    .await;
    let all = get(
        &app.base,
        &format!("/api/v1/accounts/{b_id}/statuses"),
        &alice,
    )
    .await;
    assert_eq!(all.json.as_array().unwrap().len(), 2);
    let no_replies = get(
        &app.base,
        &format!("/api/v1/accounts/{b_id}/statuses?exclude_replies=true"),
        &alice,
    )
    .await;
    assert_eq!(no_replies.json.as_array().unwrap().len(), 1);
    let tagged = get(
        &app.base,
        &format!("/api/v1/accounts/{b_id}/statuses?tagged=news"),
        &alice,
    )
    .await;
    assert_eq!(tagged.json[0]["id"], post["id"]);

    let unfollow = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/accounts/{b_id}/unfollow"),
        &alice,
        None,
    )
    .await;
    assert_eq!(unfollow.json["following"], false);

    let block = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/accounts/{b_id}/block"),
        &alice,
        None,
    )
    .await;
    assert_eq!(block.json["blocking"], true);
    let refused = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/accounts/{a_id}/follow"),
        &bob,
        None,
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "a blocked account cannot follow"
    );
    let unblock = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/accounts/{b_id}/unblock"),
        &alice,
        None,
    )
    .await;
    assert_eq!(unblock.json["blocking"], false);

    let reader = user_token(&app, "carol", "read").await;
    let r = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/accounts/{b_id}/follow"),
        &reader,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_locked_account_gets_a_request_and_followers_only_posts_stay_hidden_s26() {
    let app = TestApp::start().await;
    let alice = user_token(&app, "alice", "read write follow").await;
    let bob = user_token(&app, "bob", "read write follow").await;
    sqlx::query("UPDATE accounts SET locked = true WHERE username = 'bob'")
        .execute(&app.state.db)
        .await
        .unwrap();
    let b_id = app.account("bob").await.id.to_string();
    let secret = send_json(
        &app.base,
        Method::POST,
        "/api/v1/statuses",
        &bob,
        Some(json!({"status": "followers only", "visibility": "private"})),
    )
    .await
    .json;
    let follow = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/accounts/{b_id}/follow"),
        &alice,
        None,
    )
    .await;
    assert_eq!(follow.json["following"], false);
    assert_eq!(follow.json["requested"], true);
    let sid = secret["id"].as_str().unwrap();
    assert_eq!(
        get(&app.base, &format!("/api/v1/statuses/{sid}"), &alice)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let listed = get(
        &app.base,
        &format!("/api/v1/accounts/{b_id}/statuses"),
        &alice,
    )
    .await;
    assert_eq!(
        listed.json,
        json!([]),
        "a pending request shows nothing private"
    );
    let home = get(&app.base, "/api/v1/timelines/home", &alice).await;
    assert_eq!(home.json, json!([]));
}

#[tokio::test]
async fn mutes_hide_posts_and_notifications_but_not_profiles() {
    let app = TestApp::start().await;
    let alice = user_token(&app, "alice", "read write follow").await;
    let bob = user_token(&app, "bob", "read write follow").await;
    let b_id = app.account("bob").await.id.to_string();
    send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/accounts/{b_id}/follow"),
        &alice,
        None,
    )
    .await;
    send_json(
        &app.base,
        Method::POST,
        "/api/v1/statuses",
        &bob,
        Some(json!({"status": "loud"})),
    )
    .await;
    assert_eq!(
        get(&app.base, "/api/v1/timelines/home", &alice)
            .await
            .json
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let muted = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/accounts/{b_id}/mute"),
        &alice,
        Some(json!({"notifications": true})),
    )
    .await;
    assert_eq!(muted.json["muting"], true);
    assert_eq!(muted.json["muting_notifications"], true);
    assert_eq!(
        get(&app.base, "/api/v1/timelines/home", &alice).await.json,
        json!([])
    );
    assert_eq!(
        get(&app.base, "/api/v1/timelines/public", &alice)
            .await
            .json,
        json!([])
    );
    assert_eq!(
        get(
            &app.base,
            &format!("/api/v1/accounts/{b_id}/statuses"),
            &alice
        )
        .await
        .json
        .as_array()
        .unwrap()
        .len(),
        1,
        "the profile still shows them"
    );
    send_json(
        &app.base,
        Method::POST,
        "/api/v1/statuses",
        &bob,
        Some(json!({"status": "@alice hey"})),
    )
    .await;
    assert_eq!(
        get(&app.base, "/api/v1/notifications?types[]=mention", &alice)
            .await
            .json,
        json!([])
    );
    let list = get(&app.base, "/api/v1/mutes", &alice).await;
    assert_eq!(list.json[0]["username"], "bob");
    let unmuted = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/accounts/{b_id}/unmute"),
        &alice,
        None,
    )
    .await;
    assert_eq!(unmuted.json["muting"], false);
    assert_eq!(
        get(&app.base, "/api/v1/timelines/home", &alice)
            .await
            .json
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn update_credentials_changes_only_what_is_sent() {
    let app = TestApp::start().await;
    let alice = user_token(&app, "alice", "read write").await;
    let r = support::api::send_form(
        &app.base,
        "/api/v1/accounts/update_credentials",
        &alice,
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "it is a PATCH");
    let patch = |body: serde_json::Value| {
        let base = app.base.clone();
        let token = alice.clone();
        async move {
            send_json(
                &base,
                Method::PATCH,
                "/api/v1/accounts/update_credentials",
                &token,
                Some(body),
            )
            .await
        }
    };
    let r =
        patch(json!({"display_name": "Alice A.", "note": "Hello *there*", "locked": true})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["display_name"], "Alice A.");
    assert_eq!(r.json["locked"], true);
    assert_eq!(r.json["source"]["note"], "Hello *there*");
    assert!(r.json["note"].as_str().unwrap().starts_with("<p>"));
    // Form with Rails brackets for the profile fields; the rest stays.
    let form = api::http()
        .patch(app.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&alice)
        .form(&[
            ("fields_attributes[0][name]", "Site"),
            ("fields_attributes[0][value]", "https://alice.example"),
            ("fields_attributes[1][name]", "Pronouns"),
            ("fields_attributes[1][value]", "she/her"),
            ("discoverable", "false"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let body: serde_json::Value = form.json().await.unwrap();
    assert_eq!(body["display_name"], "Alice A.");
    assert_eq!(body["fields"][1]["name"], "Pronouns");
    assert_eq!(
        body["source"]["fields"][0]["value"],
        "https://alice.example"
    );
    assert_eq!(body["discoverable"], false);
    let too_long = patch(json!({"display_name": "x".repeat(31)})).await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reader = user_token(&app, "bob", "read").await;
    let r = send_json(
        &app.base,
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        &reader,
        Some(json!({"display_name": "B"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn follow_options_hide_boosts_and_are_reported() {
    let app = TestApp::start().await;
    let alice = user_token(&app, "alice", "read write follow").await;
    let bob = user_token(&app, "bob", "read write follow").await;
    let carol = user_token(&app, "carol", "read write follow").await;
    let b_id = app.account("bob").await.id.to_string();
    let r = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/accounts/{b_id}/follow"),
        &alice,
        Some(json!({"reblogs": false, "notify": true, "languages": ["en", "de"]})),
    )
    .await;
    assert_eq!(r.json["following"], true);
    assert_eq!(r.json["showing_reblogs"], false);
    assert_eq!(r.json["notifying"], true);
    assert_eq!(r.json["languages"], json!(["en", "de"]));
    let post = send_json(
        &app.base,
        Method::POST,
        "/api/v1/statuses",
        &carol,
        Some(json!({"status": "boost me"})),
    )
    .await
    .json;
    send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/statuses/{}/reblog", post["id"].as_str().unwrap()),
        &bob,
        None,
    )
    .await;
    assert_eq!(
        get(&app.base, "/api/v1/timelines/home", &alice).await.json,
        json!([]),
        "bob's boosts are hidden"
    );
    let again = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/accounts/{b_id}/follow"),
        &alice,
        Some(json!({"reblogs": true})),
    )
    .await;
    assert_eq!(again.json["showing_reblogs"], true);
    assert_eq!(
        get(&app.base, "/api/v1/timelines/home", &alice)
            .await
            .json
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn followers_can_be_removed_familiar_followers_and_account_search() {
    let app = TestApp::start().await;
    let alice = user_token(&app, "alice", "read write follow").await;
    let bob = user_token(&app, "bob", "read write follow").await;
    let carol = user_token(&app, "carol", "read write follow").await;
    let a_id = app.account("alice").await.id.to_string();
    let b_id = app.account("bob").await.id.to_string();
    let c_id = app.account("carol").await.id.to_string();
    // alice follows bob; bob and alice follow carol.
    send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/accounts/{b_id}/follow"),
        &alice,
        None,
    )
    .await;
    send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/accounts/{c_id}/follow"),
        &bob,
        None,
    )
    .await;
    let familiar = get(
        &app.base,
        &format!("/api/v1/accounts/familiar_followers?id[]={c_id}"),
        &alice,
    )
    .await;
    assert_eq!(familiar.json[0]["id"], c_id.as_str());
    assert_eq!(familiar.json[0]["accounts"][0]["username"], "bob");

    let removed = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/accounts/{a_id}/remove_from_followers"),
        &bob,
        None,
    )
    .await;
    assert_eq!(removed.status, StatusCode::OK);
    assert_eq!(removed.json["followed_by"], false);
    assert_eq!(app.account("bob").await.followers_count, 0);
    let rel = get(
        &app.base,
        &format!("/api/v1/accounts/relationships?id[]={b_id}"),
        &alice,
    )
    .await;
    assert_eq!(rel.json[0]["following"], false);

    let found = get(&app.base, "/api/v1/accounts/search?q=car", &carol).await;
    assert_eq!(found.status, StatusCode::OK);
    assert_eq!(found.json[0]["username"], "carol", "{}", found.json);
}

#[tokio::test]
async fn account_search_pages_with_limit_offset_and_following() {
    let app = TestApp::start().await;
    let viewer = user_token(&app, "viewer", "read write follow").await;
    for n in 0..24 {
        app.create_user(&format!("sam{n:02}")).await;
    }
    let names = |found: &Value| -> Vec<String> {
        found
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["username"].as_str().unwrap().to_string())
            .collect()
    };
    // Mastodon's default page is 40, so all 24 come at once; 20 was a cap before.
    let all = get(&app.base, "/api/v1/accounts/search?q=sam", &viewer).await;
    assert_eq!(all.status, StatusCode::OK);
    let all = names(&all.json);
    assert_eq!(all.len(), 24);
    let first = get(&app.base, "/api/v1/accounts/search?q=sam&limit=10", &viewer).await;
    let rest = get(
        &app.base,
        "/api/v1/accounts/search?q=sam&limit=30&offset=10",
        &viewer,
    )
    .await;
    let paged: Vec<String> = names(&first.json)
        .into_iter()
        .chain(names(&rest.json))
        .collect();
    assert_eq!(paged, all, "offset continues where the first page ended");
    let v2 = get(
        &app.base,
        "/api/v2/search?q=sam&type=accounts&offset=20",
        &viewer,
    )
    .await;
    assert_eq!(names(&v2.json["accounts"]), all[20..].to_vec());

    // `following=true` keeps the accounts the viewer follows.
    let sam07 = app.account("sam07").await.id;
    let follow = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/accounts/{sam07}/follow"),
        &viewer,
        None,
    )
    .await;
    assert_eq!(follow.status, StatusCode::OK);
    let followed = get(
        &app.base,
        "/api/v1/accounts/search?q=sam&following=true",
        &viewer,
    )
    .await;
    assert_eq!(names(&followed.json), vec!["sam07"]);
    let v2 = get(&app.base, "/api/v2/search?q=sam&following=true", &viewer).await;
    assert_eq!(names(&v2.json["accounts"]), vec!["sam07"]);
    // A full handle names one account, kept only when followed.
    let domain = app.state.urls.domain().to_string();
    for (who, expected) in [("sam07", vec!["sam07"]), ("sam08", vec![])] {
        let exact = get(
            &app.base,
            &format!("/api/v1/accounts/search?q={who}@{domain}&following=true"),
            &viewer,
        )
        .await;
        assert_eq!(exact.status, StatusCode::OK);
        assert_eq!(names(&exact.json), expected, "{who}");
    }
}

#[tokio::test]
async fn private_notes_are_kept_per_viewer_and_bounded() {
    let app = TestApp::start().await;
    let alice = user_token(&app, "alice", "read write follow").await;
    let carol = user_token(&app, "carol", "read write follow").await;
    app.create_user("bob").await;
    let b_id = app.account("bob").await.id.to_string();
    let note = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/accounts/{b_id}/note"),
        &alice,
        Some(json!({"comment": "Met at the <b>café</b>"})),
    )
    .await;
    assert_eq!(note.status, StatusCode::OK, "{}", note.json);
    assert_eq!(note.json["id"], b_id.as_str());
    assert_eq!(
        note.json["note"], "Met at the <b>café</b>",
        "plain text, as typed"
    );
    let rels = get(
        &app.base,
        &format!("/api/v1/accounts/relationships?id[]={b_id}"),
        &alice,
    )
    .await;
    assert_eq!(rels.json[0]["note"], "Met at the <b>café</b>");
    // Only its author sees it.
    let theirs = get(
        &app.base,
        &format!("/api/v1/accounts/relationships?id[]={b_id}"),
        &carol,
    )
    .await;
    assert_eq!(theirs.json[0]["note"], "");
    // Form encoding, too; too long is 422; an empty comment removes it.
    let long = "x".repeat(2001);
    let res = api::send_form(
        &app.base,
        &format!("/api/v1/accounts/{b_id}/note"),
        &alice,
        &[("comment", long.as_str())],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.json["error"]
            .as_str()
            .unwrap()
            .contains("Comment is too long")
    );
    let cleared = api::send_form(
        &app.base,
        &format!("/api/v1/accounts/{b_id}/note"),
        &alice,
        &[("comment", "")],
    )
    .await;
    assert_eq!(cleared.json["note"], "");
    let res = send_json(
        &app.base,
        Method::POST,
        "/api/v1/accounts/424242/note",
        &alice,
        Some(json!({"comment": "who?"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn posting_defaults_come_from_source_and_apply_to_new_posts() {
    let app = TestApp::start().await;
    let alice = user_token(&app, "alice", "read write").await;
    // Rails brackets, as the apps send them.
    let updated = api::send_form_as(
        &app.base,
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        &alice,
        &[
            ("source[privacy]", "unlisted"),
            ("source[sensitive]", "true"),
            ("source[language]", "de"),
        ],
    )
    .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.json);
    assert_eq!(updated.json["source"]["privacy"], "unlisted");
    assert_eq!(updated.json["source"]["sensitive"], true);
    assert_eq!(updated.json["source"]["language"], "de");
    let prefs = get(&app.base, "/api/v1/preferences", &alice).await;
    assert_eq!(prefs.json["posting:default:visibility"], "unlisted");
    assert_eq!(prefs.json["posting:default:sensitive"], true);
    assert_eq!(prefs.json["posting:default:language"], "de");
    let me = get(&app.base, "/api/v1/accounts/verify_credentials", &alice).await;
    assert_eq!(me.json["source"]["privacy"], "unlisted");

    // A post that says nothing takes them; one that says otherwise keeps its own.
    let post = send_json(
        &app.base,
        Method::POST,
        "/api/v1/statuses",
        &alice,
        Some(json!({"status": "Hallo"})),
    )
    .await;
    assert_eq!(post.json["visibility"], "unlisted");
    assert_eq!(post.json["sensitive"], true);
    assert_eq!(post.json["language"], "de");
    let explicit = send_json(
        &app.base,
        Method::POST,
        "/api/v1/statuses",
        &alice,
        Some(json!({"status": "Hello", "visibility": "public", "sensitive": false, "language": "en"})),
    )
    .await;
    assert_eq!(explicit.json["visibility"], "public");
    assert_eq!(explicit.json["sensitive"], false);
    assert_eq!(explicit.json["language"], "en");

    // Direct is no default; unknown languages are refused; nothing changed then.
    for (key, value) in [("source[privacy]", "direct"), ("source[language]", "xx")] {
        let res = api::send_form_as(
            &app.base,
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            &alice,
            &[(key, value)],
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{key}");
    }
    let me = get(&app.base, "/api/v1/accounts/verify_credentials", &alice).await;
    assert_eq!(me.json["source"]["privacy"], "unlisted");
    assert_eq!(me.json["source"]["language"], "de");
    // JSON nesting works too, and other preferences stay.
    let res = send_json(
        &app.base,
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        &alice,
        Some(json!({"source": {"privacy": "private"}})),
    )
    .await;
    assert_eq!(res.json["source"]["privacy"], "private");
    assert_eq!(res.json["source"]["sensitive"], true);
}

#[tokio::test]
async fn an_authorised_request_keeps_the_follow_options() {
    let app = TestApp::start().await;
    let alice = user_token(&app, "alice", "read write follow").await;
    let bob = user_token(&app, "bob", "read write follow").await;
    let a_id = app.account("alice").await.id.to_string();
    let b_id = app.account("bob").await.id.to_string();
    send_json(
        &app.base,
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        &alice,
        Some(json!({"locked": true})),
    )
    .await;
    let asked = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/accounts/{a_id}/follow"),
        &bob,
        Some(json!({"reblogs": false, "notify": true, "languages": ["de"]})),
    )
    .await;
    assert_eq!(asked.json["requested"], true);
    let ok = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/follow_requests/{b_id}/authorize"),
        &alice,
        None,
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.json);
    assert_eq!(ok.json["followed_by"], true);
    let rel = get(
        &app.base,
        &format!("/api/v1/accounts/relationships?id[]={a_id}"),
        &bob,
    )
    .await;
    assert_eq!(rel.json[0]["following"], true);
    assert_eq!(rel.json[0]["showing_reblogs"], false);
    assert_eq!(rel.json[0]["notifying"], true);
    assert_eq!(rel.json[0]["languages"], json!(["de"]));
    // A second authorisation finds nothing.
    let again = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/follow_requests/{b_id}/authorize"),
        &alice,
        None,
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_follow_with_languages_filters_the_home_timeline() {
    let app = TestApp::start().await;
    let alice = user_token(&app, "alice", "read write follow").await;
    let bob = user_token(&app, "bob", "read write follow").await;
    let a_id = app.account("alice").await.id.to_string();
    send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/accounts/{a_id}/follow"),
        &bob,
        Some(json!({"languages": ["de"]})),
    )
    .await;
    for (text, language) in [("Hallo", "de"), ("Hello", "en")] {
        send_json(
            &app.base,
            Method::POST,
            "/api/v1/statuses",
            &alice,
            Some(json!({"status": text, "language": language})),
        )
        .await;
    }
    let home = get(&app.base, "/api/v1/timelines/home", &bob).await;
    let texts: Vec<&str> = home
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["content"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["<p>Hallo</p>"]);
    // Following again without languages shows everything.
    send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/accounts/{a_id}/follow"),
        &bob,
        Some(json!({"languages": []})),
    )
    .await;
    let home = get(&app.base, "/api/v1/timelines/home", &bob).await;
    assert_eq!(home.json.as_array().unwrap().len(), 2);
}
