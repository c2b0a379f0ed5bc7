//! The whole first-day story in real headless Chromium: sign up, confirm by mail, log
//! in, post, follow, favourite, get notified. Screenshots of the key pages at phone and
//! desktop widths land in target/screenshots/ for review.

#[allow(dead_code)]
#[path = "support/browser.rs"]
mod browser_support;
mod support;

use browser_support::Browser;
use std::time::Duration;
use support::{PASSWORD, TestApp, smtp::extract_link};

const WAIT: Duration = Duration::from_secs(10);

async fn shoot(b: &Browser, url: &str, name: &str) {
    for (w, h, label) in [(390, 844, "phone"), (1280, 900, "desktop")] {
        b.set_width(w, h).await;
        b.goto(url).await;
        b.screenshot(&format!("{name}-{label}")).await;
    }
    b.set_width(1280, 900).await;
}

async fn log_in(b: &Browser, app: &TestApp, login: &str, password: &str) {
    b.goto(&app.url("/auth/sign_in")).await;
    b.fill("input[name=login]", login).await;
    b.fill("input[name=password]", password).await;
    b.click("form[action='/auth/sign_in'] button[type=submit]")
        .await;
    b.wait_for_text("main", "Home", WAIT).await;
}

async fn log_out(b: &Browser) {
    b.click("form[action='/auth/sign_out'] button[type=submit]")
        .await;
    b.wait_for_text("body", "Log in", WAIT).await;
}

#[tokio::test]
async fn sign_up_confirm_post_follow_favourite_and_get_notified() {
    let app = TestApp::start().await;
    starling::service::instance::add_rule(&app.state, "Be excellent to each other", "")
        .await
        .unwrap();
    app.create_user("bob").await;
    let b = Browser::start().await;

    shoot(&b, &app.url("/"), "front").await;
    b.goto(&app.url("/")).await;
    b.click("a[href='/auth/sign_up']").await;
    b.wait_for_text("main", "Be excellent to each other", WAIT)
        .await;
    shoot(&b, &app.url("/auth/sign_up"), "sign-up").await;
    b.goto(&app.url("/auth/sign_up")).await;
    b.fill("input[name=display_name]", "Alice Liddell").await;
    b.fill("input[name=username]", "alice").await;
    b.fill("input[name=email]", "alice@example.test").await;
    b.fill("input[name=password]", PASSWORD).await;
    b.fill("input[name=password_confirmation]", PASSWORD).await;
    b.click("input[name=agreement]").await;
    b.click("form[action='/auth'] button[type=submit]").await;
    b.wait_for_text("main", "Check your inbox", WAIT).await;

    let mail = app
        .mail_to("alice@example.test", WAIT)
        .await
        .expect("confirmation mail");
    let link = extract_link(&mail.text, "/auth/confirmation").expect("link");
    b.goto(&link).await;
    b.wait_for_text("main", "confirmed", WAIT).await;

    log_in(&b, &app, "alice", PASSWORD).await;
    let text = "Hello @bob! Read https://example.com/a/rather/long/path/to/an/article #FirstPost";
    b.fill("form[action='/statuses'] textarea[name=status]", text)
        .await;
    // The live counter counts the URL as 23 characters.
    let counter = b.text("[data-counter]").await;
    let expected_left = 500 - starling::text::status_length(text);
    assert!(
        counter.contains(&expected_left.to_string()),
        "counter shows {counter:?}, expected {expected_left} left"
    );
    b.click("form[action='/statuses'] button[type=submit]")
        .await;
    b.wait_for_text("main", "Hello", WAIT).await;
    let home = b.text("main").await;
    assert!(
        home.contains("#FirstPost") && home.contains("@bob"),
        "{home}"
    );
    assert!(
        b.exists(&format!(
            "a.mention.hashtag[href='{}/tags/FirstPost']",
            app.base
        ))
        .await
    );
    shoot(&b, &app.url("/home"), "home").await;
    b.goto(&app.url("/@alice")).await;
    b.wait_for_text("main", "Hello", WAIT).await;
    shoot(&b, &app.url("/@alice"), "profile").await;
    b.goto(&app.url("/@alice")).await;
    b.click("article time").await;
    b.wait_for_text("main", "Hello", WAIT).await;
    let thread_url = b.current_url().await;
    shoot(&b, &thread_url, "thread").await;
    shoot(&b, &app.url("/settings/profile"), "settings").await;
    log_out(&b).await;

    // Bob follows Alice, sees the post at home and favourites it.
    log_in(&b, &app, "bob", PASSWORD).await;
    b.goto(&app.url("/@alice")).await;
    b.click("form[action$='/follow'] button").await;
    b.wait_for_text("main", "Following", WAIT).await;
    b.goto(&app.url("/home")).await;
    b.wait_for_text("main", "Hello", WAIT).await;
    b.click("form[action$='/favourite'] button").await;
    // The script updates the button in place.
    b.wait_for_text("form[action$='/unfavourite'] button", "1", WAIT)
        .await;
    log_out(&b).await;

    // Alice sees both notifications.
    log_in(&b, &app, "alice", PASSWORD).await;
    b.goto(&app.url("/notifications")).await;
    let notes = b.wait_for_text("main", "favourited your post", WAIT).await;
    assert!(notes.contains("followed you"), "{notes}");
    // Read them first, then screenshot (the page marks them read).
    shoot(&b, &app.url("/notifications"), "notifications").await;
    b.quit().await;
}
