//! Profiles: editing, rendering, locked accounts and follow requests, password change.

mod support;

use reqwest::StatusCode;
use support::{PASSWORD, TestApp};

#[tokio::test]
async fn edit_profile_with_bio_fields_locked_and_bot() {
    let app = TestApp::start().await;
    app.create_user("bob").await;
    let alice = app.signed_in("alice").await;
    alice.get("/settings/profile").await;
    let res = alice
        .post(
            "/settings/profile",
            &[
                ("display_name", "Alice <3"),
                (
                    "note",
                    "I like #tea and @bob. See https://alice.example/blog",
                ),
                ("field_name_0", "Website"),
                ("field_value_0", "https://alice.example"),
                ("field_name_1", "Pronouns"),
                ("field_value_1", "she/her"),
                ("locked", "1"),
                ("bot", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert!(res.text().contains("saved"));
    let profile = app.client().get("/@alice").await;
    let b = &profile.body;
    assert!(
        b.contains("Alice &lt;3") || b.contains("Alice &#60;3"),
        "display names are escaped: {}",
        &b[b.find("Alice").unwrap_or(0)..][..60]
    );
    assert!(b.contains(&format!(
        r#"<a href="{}/@bob" class="u-url mention">@<span>bob</span></a>"#,
        app.base
    )));
    assert!(b.contains(&format!(r#"href="{}/tags/tea""#, app.base)));
    assert!(
        b.contains(r#"rel="nofollow noopener me""#),
        "field links carry rel=me"
    );
    assert!(profile.text().contains("she/her"));
    let account = app.account("alice").await;
    assert!(account.locked);
    assert!(account.is_bot());
    assert_eq!(
        account.note_source,
        "I like #tea and @bob. See https://alice.example/blog"
    );
}

#[tokio::test]
async fn profile_input_is_bounded() {
    let app = TestApp::start().await;
    let alice = app.signed_in("alice").await;
    alice.get("/settings/profile").await;
    let long = "x".repeat(100_000);
    for fields in [
        vec![("display_name", long.as_str())],
        vec![("note", long.as_str())],
        vec![("field_name_0", long.as_str()), ("field_value_0", "v")],
        vec![("field_name_0", "n"), ("field_value_0", long.as_str())],
    ] {
        let res = alice.post("/settings/profile", &fields).await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{:?}",
            fields[0].0
        );
    }
    let account = app.account("alice").await;
    assert_eq!(account.display_name, "");
    assert_eq!(account.note_source, "");
}

#[tokio::test]
async fn locked_accounts_approve_followers() {
    let app = TestApp::start().await;
    let alice = app.signed_in("alice").await;
    alice.get("/settings/profile").await;
    alice.post("/settings/profile", &[("locked", "1")]).await;
    alice
        .post_status("only for approved followers", "private")
        .await;
    let bob = app.signed_in("bob").await;
    let alice_id = app.account("alice").await.id.to_string();
    let bob_id = app.account("bob").await.id.to_string();
    bob.get("/@alice").await;
    bob.post(&format!("/accounts/{alice_id}/follow"), &[]).await;
    assert!(bob.get("/@alice").await.text().contains("Requested"));
    assert!(
        !bob.get("/home")
            .await
            .text()
            .contains("only for approved followers")
    );
    let requests = alice.get("/follow_requests").await;
    assert!(requests.text().contains("bob"));
    assert!(
        alice
            .get("/notifications")
            .await
            .text()
            .contains("asked to follow you")
    );
    assert_eq!(
        alice
            .post(&format!("/follow_requests/{bob_id}/authorize"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert!(
        bob.get("/home")
            .await
            .text()
            .contains("only for approved followers")
    );
    assert_eq!(app.account("alice").await.followers_count, 1);
    // Unfollow again.
    bob.post(&format!("/accounts/{alice_id}/unfollow"), &[])
        .await;
    assert_eq!(app.account("alice").await.followers_count, 0);
    assert!(
        !bob.get("/home")
            .await
            .text()
            .contains("only for approved followers")
    );
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions() {
    let app = TestApp::start().await;
    let first = app.signed_in("alice").await;
    let second = app.client();
    second.log_in("alice", PASSWORD).await;
    first.get("/settings/password").await;
    let wrong = first
        .post(
            "/settings/password",
            &[
                ("current_password", "nope nope"),
                ("password", "brand new pw"),
                ("password_confirmation", "brand new pw"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().contains("Current password is invalid"));
    let ok = first
        .post(
            "/settings/password",
            &[
                ("current_password", PASSWORD),
                ("password", "brand new pw"),
                ("password_confirmation", "brand new pw"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(
        first.get("/home").await.status,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        second.get("/home").await.status,
        StatusCode::SEE_OTHER,
        "the other one ended"
    );
    app.client().log_in("alice", "brand new pw").await;
}

#[tokio::test]
async fn profiles_and_follow_lists_for_visitors() {
    let app = TestApp::start().await;
    let alice = app.signed_in("alice").await;
    let bob = app.signed_in("bob").await;
    let alice_id = app.account("alice").await.id.to_string();
    bob.get("/@alice").await;
    bob.post(&format!("/accounts/{alice_id}/follow"), &[]).await;
    let visitor = app.client();
    let followers = visitor.get("/@alice/followers").await;
    assert_eq!(followers.status, StatusCode::OK);
    assert!(followers.body.contains("href=\"/@bob\""));
    let following = visitor.get("/@bob/following").await;
    assert!(following.body.contains("href=\"/@alice\""));
    assert_eq!(visitor.get("/@nobody").await.status, StatusCode::NOT_FOUND);
    assert_eq!(visitor.get("/nobody").await.status, StatusCode::NOT_FOUND);
    // A profile links its ActivityPub actor for other software.
    let page = visitor.get("/@alice").await;
    assert!(
        page.body
            .contains(&format!("href=\"{}/users/alice\"", app.base))
    );
    let _ = alice;
}

#[tokio::test]
async fn blocking_from_a_profile_ends_follows_and_can_be_undone() {
    let app = TestApp::start().await;
    let bob = app.signed_in("bob").await;
    let alice = app.signed_in("alice").await;
    let (alice_acc, bob_acc) = (app.account("alice").await, app.account("bob").await);
    alice
        .post(&format!("/accounts/{}/follow", bob_acc.id), &[])
        .await;
    bob.post(&format!("/accounts/{}/follow", alice_acc.id), &[])
        .await;
    assert_eq!(app.account("bob").await.followers_count, 1);

    let page = alice.get("/@bob").await;
    assert!(
        page.body
            .contains(&format!("/accounts/{}/block", bob_acc.id))
    );
    let res = alice
        .post(&format!("/accounts/{}/block", bob_acc.id), &[])
        .await;
    assert_eq!(res.status, reqwest::StatusCode::SEE_OTHER);
    let rel = starling::db::follows::relationship(&app.state.db, alice_acc.id, bob_acc.id)
        .await
        .unwrap();
    assert!(rel.blocking && !rel.following && !rel.followed_by);
    assert_eq!(app.account("bob").await.followers_count, 0);
    assert_eq!(app.account("alice").await.followers_count, 0);
    let page = alice.get("/@bob").await;
    assert!(
        page.body
            .contains(&format!("/accounts/{}/unblock", bob_acc.id))
    );

    alice
        .post(&format!("/accounts/{}/unblock", bob_acc.id), &[])
        .await;
    let rel = starling::db::follows::relationship(&app.state.db, alice_acc.id, bob_acc.id)
        .await
        .unwrap();
    assert!(!rel.blocking);
}
