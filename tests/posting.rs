//! Posting, the text pipeline on pages, timelines, visibility, replies, boosts,
//! favourites, deletes and notifications.

mod support;

use reqwest::StatusCode;
use support::queries::status;
use support::{TestApp, status_ids};

async fn status_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM statuses")
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_post_renders_links_mentions_and_hashtags_like_mastodon() {
    let app = TestApp::start().await;
    let bob = app.signed_in("bob").await;
    drop(bob);
    let alice = app.signed_in("alice").await;
    let res = alice.post_status("Hello @bob, read https://example.com/some/very/long/path/that/goes/on #Rust\n\nSecond <b>para</b>", "public").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let home = alice.get("/home").await;
    let b = &home.body;
    let base = &app.base;
    assert!(
        b.contains(&format!(r#"<span class="h-card" translate="no"><a href="{base}/@bob" class="u-url mention">@<span>bob</span></a></span>"#)),
        "{b}"
    );
    assert!(b.contains(&format!(
        r#"<a href="{base}/tags/Rust" class="mention hashtag" rel="tag">#<span>Rust</span></a>"#
    )));
    assert!(b.contains(r#"<a href="https://example.com/some/very/long/path/that/goes/on" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">https://</span><span class="ellipsis">example.com/some/very/long/pat</span><span class="invisible">h/that/goes/on</span></a>"#));
    assert!(
        b.contains("</p><p>Second &lt;b&gt;para&lt;/b&gt;</p>"),
        "user HTML is escaped"
    );
    // Public profile and hashtag page show it too, to visitors.
    let visitor = app.client();
    let profile = visitor.get("/@alice").await;
    assert_eq!(profile.status, StatusCode::OK);
    assert!(profile.text().contains("Hello @bob"));
    let tag = visitor.get("/tags/rust").await;
    assert!(
        tag.text().contains("Hello @bob"),
        "tags match case-insensitively"
    );
    // The status page.
    let id = status_ids(&profile.body, "alice")[0].clone();
    let page = visitor.get(&format!("/@alice/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Second <b>para</b>"));
}

#[tokio::test]
async fn the_limit_is_500_characters_counted_as_mastodon_counts() {
    let app = TestApp::start().await;
    app.create_user("bob").await;
    let alice = app.signed_in("alice").await;
    let before = status_count(&app).await;
    let too_long = "a".repeat(501);
    let res = alice.post_status(&too_long, "public").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text().contains("character limit of 500 exceeded"),
        "{}",
        res.text()
    );
    assert!(res.body.contains(&too_long), "the text is kept for editing");
    assert_eq!(status_count(&app).await, before);
    // Exactly 500: accepted.
    assert_eq!(
        alice.post_status(&"b".repeat(500), "public").await.status,
        StatusCode::SEE_OTHER
    );
    // A long URL counts as 23: 477 + 23 = 500 counted, far more in raw characters.
    let url = format!("https://example.com/{}", "x".repeat(200));
    let text = format!("{} {url}", "c".repeat(476));
    assert!(text.chars().count() > 600);
    assert_eq!(
        alice.post_status(&text, "public").await.status,
        StatusCode::SEE_OTHER
    );
    // A remote-style mention counts only its @user part; a content warning counts too.
    let cw = alice
        .post(
            "/statuses",
            &[
                ("status", &"d".repeat(490)),
                ("spoiler_text", "eleven char"),
                ("visibility", "public"),
            ],
        )
        .await;
    assert_eq!(cw.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(status_count(&app).await, before + 2);
    // Blank posts are refused.
    assert_eq!(
        alice.post_status("   ", "public").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn timelines_are_chronological_and_respect_visibility() {
    let app = TestApp::start().await;
    let alice = app.signed_in("alice").await;
    let bob = app.signed_in("bob").await;
    let carol = app.signed_in("carol").await;
    let bob_account = app.account("bob").await;
    // Bob follows Alice.
    bob.get("/@alice").await;
    let alice_id = app.account("alice").await.id.to_string();
    assert_eq!(
        bob.post(&format!("/accounts/{alice_id}/follow"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let _ = bob_account;

    alice.post_status("first public", "public").await;
    alice.post_status("quiet unlisted", "unlisted").await;
    alice.post_status("for followers", "private").await;
    alice.post_status("secret for @bob", "direct").await;
    alice.post_status("latest public", "public").await;

    let home = bob.get("/home").await.text();
    for t in [
        "first public",
        "quiet unlisted",
        "for followers",
        "secret for @bob",
        "latest public",
    ] {
        assert!(home.contains(t), "bob's home shows {t:?}");
    }
    assert!(
        home.find("latest public").unwrap() < home.find("first public").unwrap(),
        "newest first"
    );

    let local = carol.get("/public/local").await.text();
    assert!(local.contains("first public") && local.contains("latest public"));
    for t in ["quiet unlisted", "for followers", "secret for"] {
        assert!(!local.contains(t), "local timeline hides {t:?}");
    }
    let profile_as_carol = carol.get("/@alice").await.text();
    assert!(
        profile_as_carol.contains("quiet unlisted"),
        "unlisted shows on the profile"
    );
    assert!(!profile_as_carol.contains("for followers"));
    assert!(!profile_as_carol.contains("secret for"));
    let profile_as_bob = bob.get("/@alice").await.text();
    assert!(profile_as_bob.contains("for followers") && profile_as_bob.contains("secret for"));

    // The direct post's page: 404 for carol and for visitors, exactly like a missing id.
    let all = alice.get("/@alice").await;
    let ids = status_ids(&all.body, "alice");
    let direct_id = ids[1].clone(); // newest first: latest public, secret, followers, unlisted, first
    assert!(
        bob.get(&format!("/@alice/{direct_id}"))
            .await
            .text()
            .contains("secret for")
    );
    let hidden = carol.get(&format!("/@alice/{direct_id}")).await;
    let missing = carol.get("/@alice/123456789").await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(hidden.body, missing.body);
    let visitor = app.client();
    assert_eq!(
        visitor.get(&format!("/@alice/{direct_id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let _ = carol;
}

#[tokio::test]
async fn home_timeline_pages_through_older_posts() {
    let app = TestApp::start().await;
    let alice = app.signed_in("alice").await;
    for i in 0..25 {
        alice
            .post_status(&format!("post number {i:02}"), "public")
            .await;
    }
    let first = alice.get("/home").await;
    assert!(first.text().contains("post number 24"));
    assert!(!first.text().contains("post number 04"));
    let next = regex::Regex::new(r#"href="(/home\?max_id=\d+)""#)
        .unwrap()
        .captures(&first.body)
        .expect("a next-page link")[1]
        .to_string();
    let second = alice.get(&next).await;
    assert!(second.text().contains("post number 04") && second.text().contains("post number 00"));
    assert!(!second.text().contains("post number 05 "));
}

#[tokio::test]
async fn reply_boost_favourite_delete_and_notifications() {
    let app = TestApp::start().await;
    let alice = app.signed_in("alice").await;
    let bob = app.signed_in("bob").await;
    let alice_id = app.account("alice").await.id.to_string();
    bob.get("/@alice").await;
    bob.post(&format!("/accounts/{alice_id}/follow"), &[]).await;
    alice.post_status("Hello world", "public").await;
    let id = status_ids(&alice.get("/@alice").await.body, "alice")[0].clone();

    // Favourite (twice is harmless), boost, reply with a mention.
    for _ in 0..2 {
        assert_eq!(
            bob.post(
                &format!("/statuses/{id}/favourite"),
                &[("return_to", "/home")]
            )
            .await
            .status,
            StatusCode::SEE_OTHER
        );
    }
    assert_eq!(
        bob.post(&format!("/statuses/{id}/reblog"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let compose = bob.get(&format!("/compose?in_reply_to={id}")).await;
    assert!(
        compose.body.contains("@alice "),
        "the reply is prefilled with the mention"
    );
    let reply = bob
        .post(
            "/statuses",
            &[
                ("status", "@alice Hi back!"),
                ("in_reply_to_id", &id),
                ("visibility", "public"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    bob.post_status("Hey @alice look", "public").await;

    let st = status(&app, id.parse().unwrap()).await;
    assert_eq!(
        (st.favourites_count, st.reblogs_count, st.replies_count),
        (1, 1, 1)
    );

    // The thread shows the reply under the post.
    let thread = alice.get(&format!("/@alice/{id}")).await.text();
    assert!(thread.contains("Hello world") && thread.contains("Hi back!"));

    // Alice's notifications: follow, favourite, boost, reply, mention; unread count.
    let alice_user =
        starling::db::users::find_by_account(&app.state.db, app.account("alice").await.id)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(
        starling::service::notifications::unread_count(&app.state, &alice_user)
            .await
            .unwrap(),
        5
    );
    let home = alice.get("/home").await;
    assert!(
        home.body.contains("data-unread=\"5\""),
        "the navigation shows the unread count"
    );
    let notes = alice.get("/notifications").await.text();
    for t in [
        "followed you",
        "favourited your post",
        "boosted your post",
        "replied to your post",
        "mentioned you",
    ] {
        assert!(notes.contains(t), "{t:?} in {notes}");
    }
    assert_eq!(
        starling::service::notifications::unread_count(&app.state, &alice_user)
            .await
            .unwrap(),
        0,
        "opening the page marks them read"
    );
    let only_favs = alice.get("/notifications?type=favourite").await.text();
    assert!(only_favs.contains("favourited your post") && !only_favs.contains("followed you"));

    // Bob's home shows the boost; undoing works and withdraws the notification.
    assert!(bob.get("/home").await.text().contains("Hello world"));
    bob.post(&format!("/statuses/{id}/unfavourite"), &[]).await;
    bob.post(&format!("/statuses/{id}/unreblog"), &[]).await;
    let st = status(&app, id.parse().unwrap()).await;
    assert_eq!((st.favourites_count, st.reblogs_count), (0, 0));
    assert!(
        !alice
            .get("/notifications")
            .await
            .text()
            .contains("favourited your post")
    );

    // In-place actions answer JSON to the script.
    let token = bob.token().await;
    let json: serde_json::Value = bob
        .http
        .post(bob.url(&format!("/statuses/{id}/favourite")))
        .header("accept", "application/json")
        .form(&[("authenticity_token", token.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json, serde_json::json!({"active": true, "count": 1}));

    // Only the author deletes; the page is gone afterwards and so is the count.
    assert_eq!(
        bob.post(&format!("/statuses/{id}/delete"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let confirm = alice.get(&format!("/statuses/{id}/delete")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert_eq!(
        alice
            .post(&format!("/statuses/{id}/delete"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.client().get(&format!("/@alice/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.account("alice").await.statuses_count, 0);
    let tomb: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM tombstones WHERE uri LIKE '%' || $1)")
            .bind(&id)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert!(tomb, "a tombstone stays");
}

#[tokio::test]
async fn followers_only_posts_cannot_be_boosted_by_others() {
    let app = TestApp::start().await;
    let alice = app.signed_in("alice").await;
    let bob = app.signed_in("bob").await;
    let alice_id = app.account("alice").await.id.to_string();
    bob.get("/@alice").await;
    bob.post(&format!("/accounts/{alice_id}/follow"), &[]).await;
    alice.post_status("followers only", "private").await;
    let id = status_ids(&alice.get("/@alice").await.body, "alice")[0].clone();
    assert_eq!(
        bob.post(&format!("/statuses/{id}/reblog"), &[])
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Someone who cannot see it cannot even favourite it.
    let carol = app.signed_in("carol").await;
    assert_eq!(
        carol
            .post(&format!("/statuses/{id}/favourite"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn authors_edit_their_posts_and_the_history_is_kept() {
    let app = TestApp::start().await;
    let bob = app.signed_in("bob").await;
    drop(bob);
    let alice = app.signed_in("alice").await;
    alice.post_status("First version #draft", "unlisted").await;
    let profile = alice.get("/@alice").await;
    let id = status_ids(&profile.body, "alice")[0].clone();
    assert!(profile.body.contains(&format!("/statuses/{id}/edit")));

    let form = alice.get(&format!("/statuses/{id}/edit")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("First version #draft"), "prefilled");
    assert!(
        form.body
            .contains(&format!(r#"action="/statuses/{id}/edit""#))
    );
    assert!(
        !form.body.contains(r#"name="visibility""#),
        "visibility stays"
    );

    // Too long: the form again, nothing changed.
    let long = "x".repeat(501);
    let res = alice
        .post(&format!("/statuses/{id}/edit"), &[("status", &long)])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().contains("Text character limit of 500 exceeded"));

    let res = alice
        .post(
            &format!("/statuses/{id}/edit"),
            &[("status", "Second version, thanks @bob #final")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = alice.get(&format!("/@alice/{id}")).await;
    assert!(page.text().contains("Second version"));
    assert!(page.body.contains("edited"));
    let versions: Vec<String> =
        sqlx::query_scalar("SELECT text FROM status_edits WHERE status_id = $1 ORDER BY id")
            .bind(id.parse::<i64>().unwrap())
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    assert_eq!(
        versions,
        ["First version #draft", "Second version, thanks @bob #final"]
    );
    // Newly mentioned bob is told; the tags follow the text.
    let bob_notes: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications n JOIN accounts a ON a.id = n.account_id \
         WHERE a.username = 'bob' AND n.type = 'mention'",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(bob_notes, 1);
    // An unlisted post is on no tag page; the tags are checked in the database.
    let tags: Vec<String> = sqlx::query_scalar(
        "SELECT t.name FROM statuses_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = $1",
    )
    .bind(id.parse::<i64>().unwrap())
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    assert_eq!(tags, ["final"]);

    // Someone else cannot edit it.
    let bob = app.client();
    bob.log_in("bob", support::PASSWORD).await;
    assert_eq!(
        bob.get(&format!("/statuses/{id}/edit")).await.status,
        StatusCode::NOT_FOUND
    );
    let res = bob
        .post(&format!("/statuses/{id}/edit"), &[("status", "hijacked")])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(
        !alice
            .get(&format!("/@alice/{id}"))
            .await
            .text()
            .contains("hijacked")
    );
}

#[tokio::test]
async fn the_composer_starts_with_the_posting_default_and_posts_use_it() {
    let app = TestApp::start().await;
    let bob = app.signed_in("bob").await;
    bob.post_status("A public post to answer", "public").await;
    let alice = app.signed_in("alice").await;
    let user = starling::db::users::find_by_account(&app.state.db, app.account("alice").await.id)
        .await
        .unwrap()
        .unwrap();
    starling::db::users::set_posting_defaults(
        &app.state.db,
        user.id,
        &starling::db::users::UserSettings {
            default_privacy: Some("private".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let home = alice.get("/home").await;
    assert!(
        home.body
            .contains(r#"<option value="private" selected>Followers only</option>"#),
        "the composer preselects the default: {}",
        home.body
    );
    // A reply starts with the narrower of the parent's audience and the default.
    let profile = alice.get("/@bob").await;
    let parent = status_ids(&profile.body, "bob")[0].clone();
    let reply_page = alice.get(&format!("/compose?in_reply_to={parent}")).await;
    assert!(
        reply_page
            .body
            .contains(r#"<option value="private" selected>Followers only</option>"#),
        "{}",
        reply_page.body
    );
    // A form that names no audience posts with the default.
    let res = alice
        .post(
            "/statuses",
            &[("status", "No audience chosen"), ("return_to", "/home")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let visibility: String =
        sqlx::query_scalar("SELECT visibility FROM statuses WHERE text = 'No audience chosen'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(visibility, "private");
    // Web posts name no app.
    let app_id: Option<i64> =
        sqlx::query_scalar("SELECT application_id FROM statuses WHERE text = 'No audience chosen'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(app_id, None);
}
