//! Preferences → Authorised apps (`/oauth/authorized_applications`): a person sees the
//! apps they let use their account and can revoke one, which logs that app out at once.

mod support;

use reqwest::StatusCode;
use support::api::{REDIRECT, get, log_in_app, register_app};
use support::{TestApp, Web};

const PAGE: &str = "/oauth/authorized_applications";
const VERIFY: &str = "/api/v1/accounts/verify_credentials";

fn revoke_path(app_id: &str) -> String {
    format!("{PAGE}/{app_id}/revoke")
}

async fn status_of_token(app: &TestApp, token: &str) -> StatusCode {
    get(&app.base, VERIFY, token).await.status
}

async fn apps_page(web: &Web) -> support::Response {
    let page = web.get(PAGE).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    page
}

#[tokio::test]
async fn alice_sees_the_app_she_authorised_and_revokes_it() {
    let app = TestApp::start().await;
    let alice = app.signed_in("alice").await;
    let client = register_app(&app.base, REDIRECT, "read write").await;
    let app_id = client.json["id"].as_str().expect("app id").to_string();
    let token = log_in_app(&app.base, &alice, &client, "read write").await;

    let page = apps_page(&alice).await;
    let text = page.text();
    assert!(text.contains("Test App"), "{text}");
    assert!(text.contains("read all your account's data"), "{text}");
    assert!(
        text.contains("change all your account's data and post for you"),
        "{text}"
    );
    assert!(page.body.contains(r#"href="https://app.example/""#));
    assert!(text.contains("Last used never"), "{text}");
    assert!(
        page.body
            .contains(&format!(r#"action="{}""#, revoke_path(&app_id)))
    );
    assert!(
        page.body
            .contains(r#"href="/oauth/authorized_applications" aria-current="page""#),
        "the settings navigation marks the page"
    );

    assert_eq!(status_of_token(&app, &token).await, StatusCode::OK);
    let text = apps_page(&alice).await.text();
    assert!(!text.contains("Last used never"), "{text}");

    let res = alice.post(&revoke_path(&app_id), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());
    let back = res.location().expect("back to the list").to_string();
    assert!(back.starts_with(PAGE), "{back}");

    assert_eq!(
        status_of_token(&app, &token).await,
        StatusCode::UNAUTHORIZED
    );
    let page = alice.get(&back).await;
    let text = page.text();
    assert!(text.contains("Access revoked"), "{text}");
    assert!(!text.contains("Test App"), "{text}");
    assert!(
        text.contains("You have not authorised any apps yet"),
        "{text}"
    );

    let again = alice.post(&revoke_path(&app_id), &[]).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bob_cannot_revoke_alices_app() {
    let app = TestApp::start().await;
    let alice = app.signed_in("alice").await;
    let client = register_app(&app.base, REDIRECT, "read").await;
    let app_id = client.json["id"].as_str().expect("app id").to_string();
    let token = log_in_app(&app.base, &alice, &client, "read").await;

    let bob = app.signed_in("bob").await;
    let text = apps_page(&bob).await.text();
    assert!(!text.contains("Test App"), "{text}");
    assert!(
        text.contains("You have not authorised any apps yet"),
        "{text}"
    );

    let res = bob.post(&revoke_path(&app_id), &[]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(res.text().contains("This page does not exist"));
    assert_eq!(status_of_token(&app, &token).await, StatusCode::OK);

    let res = bob.post(&revoke_path("not-a-number"), &[]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(apps_page(&alice).await.text().contains("Test App"));
}

#[tokio::test]
async fn a_revoke_without_the_csrf_token_is_refused() {
    let app = TestApp::start().await;
    let alice = app.signed_in("alice").await;
    let client = register_app(&app.base, REDIRECT, "read").await;
    let app_id = client.json["id"].as_str().expect("app id").to_string();
    let token = log_in_app(&app.base, &alice, &client, "read").await;

    let res = alice.post_raw(&revoke_path(&app_id), &[]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = alice
        .post_raw(
            &revoke_path(&app_id),
            &[("authenticity_token", "not-the-token")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    assert_eq!(status_of_token(&app, &token).await, StatusCode::OK);
    assert!(apps_page(&alice).await.text().contains("Test App"));
}

#[tokio::test]
async fn visitors_are_sent_to_log_in() {
    let app = TestApp::start().await;
    let res = app.client().get(PAGE).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(
        res.location()
            .is_some_and(|l| l.starts_with("/auth/sign_in?return_to=")),
        "{:?}",
        res.location()
    );
}
