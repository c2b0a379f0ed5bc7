//! C. Server-side request forgery.
//!
//! Elsewhere: tests/outbound.rs covers the client every fetch goes through: S13 (`s13_*`:
//! special addresses however written, names resolving to them), S14 (`s14_*`: rebinding),
//! S15 (`s15_*`: redirect targets, loops, limits, per-hop signing), S17 (`s17_*`: line
//! breaks and Host). The tests here check that the server's triggers all go through it.

use reqwest::StatusCode;
use serde_json::json;

use crate::signed::post_signed;
use crate::support::TestApp;
use crate::support::queries::count;
use crate::support::remote::{AP, AS, Remote, create, deliver, known, note};
use crate::tools::{
    Canary, Evil, Reply, actor_at, fetch_actor, fetch_post, search, statuses_under,
};

/// S15 on the server: a fetch redirected to another server's actor or post is stored as
/// what the last hop says it is, never under the first URL.
#[tokio::test]
async fn s15_a_redirected_fetch_is_stored_as_where_it_ended() {
    let vic = Remote::start_as("vic").await;
    let evil = Evil::start().await;
    let app = TestApp::start_allowing(&[&vic.host, &evil.host]).await;
    vic.serve("/notes/1", note(&vic, 1, "<p>vic's words</p>"));
    evil.serve("/users/x", Reply::redirect(&vic.actor()));
    evil.serve("/notes/x", Reply::redirect(&vic.url("/notes/1")));
    let account = fetch_actor(&app, &evil.url("/users/x"))
        .await
        .expect("vic, by redirect");
    assert_eq!(account.uri, vic.actor());
    assert_eq!(account.domain.as_deref(), Some(vic.host.as_str()));
    let status = fetch_post(&app, &evil.url("/notes/x"))
        .await
        .expect("vic's post, by redirect");
    assert_eq!(status.uri, vic.url("/notes/1"));
    assert_eq!(status.account_id, account.id);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM accounts WHERE uri LIKE $1 || '%'",
            &evil.base
        )
        .await,
        0
    );
    assert_eq!(statuses_under(&app, &evil.base).await, 0);
}

/// S16: URLs found inside documents (WebFinger links, NodeInfo links, images,
/// collections, `inReplyTo`, boosted and updated objects, Move targets, key ids) and in
/// what local people write (links, mentions, profile fields) never make us connect to a
/// private address. Link previews, oEmbed, Webmention, rel=me checks, a NodeInfo crawl
/// and a media proxy do not exist yet; the posts and fields here are regression guards
/// for when they come.
#[tokio::test]
async fn s16_urls_found_inside_documents_and_posts_never_reach_a_private_address() {
    let canary = Canary::start().await;
    let evil = Evil::start().await;
    let mallory = Remote::start_as("mallory").await;
    let app = TestApp::start_allowing(&[&evil.host, &mallory.host]).await;
    let c = |path: &str| canary.url(path);
    known(&app, &mallory).await;
    evil.serve(
        "/.well-known/nodeinfo",
        Reply::typed("application/json", json!({"links": [
            {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": c("/nodeinfo/2.1")},
            {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": "data:application/json,{}"}]}).to_string()),
    );
    evil.serve(
        "/.well-known/webfinger",
        Reply::typed(
            "application/jrd+json",
            json!({"subject": format!("acct:x@{}", evil.host),
            "links": [{"rel": "self", "type": AP, "href": c("/users/x")}]})
            .to_string(),
        ),
    );
    let mut x = actor_at(&evil.base, "x");
    x["icon"] = json!({"type": "Image", "url": c("/avatar.png")});
    x["image"] = json!({"type": "Image", "url": c("/header.png")});
    x["tag"] = json!([{"type": "Emoji", "name": ":e:", "icon": {"url": c("/emoji.png")}}]);
    x["attachment"] = json!([{"type": "PropertyValue", "name": "Site",
                              "value": format!("<a href=\"{}\" rel=\"me\">site</a>", c("/me"))}]);
    evil.serve("/users/x", Reply::ap(&x));
    fetch_actor(&app, &evil.url("/users/x"))
        .await
        .expect("first contact with evil");
    let alice = app.signed_in("alice").await;
    search(&alice, &format!("@x@{}", evil.host)).await;
    search(&alice, &c("/users/y")).await;
    let mut reply = note(&mallory, 1, "<p>re</p>");
    reply["inReplyTo"] = json!(c("/notes/1"));
    deliver(&app, &mallory, &create(&mallory, &reply)).await;
    deliver(
        &app,
        &mallory,
        &mallory.activity("announces/1", "Announce", json!(c("/notes/2"))),
    )
    .await;
    deliver(
        &app,
        &mallory,
        &mallory.activity("updates/1", "Update", json!(c("/notes/3"))),
    )
    .await;
    let mut moved = mallory.activity("moves/1", "Move", json!(mallory.actor()));
    moved["target"] = json!(c("/users/z"));
    deliver(&app, &mallory, &moved).await;
    let mut added = mallory.activity("adds/1", "Add", json!(c("/notes/4")));
    added["target"] = json!(mallory.featured());
    deliver(&app, &mallory, &added).await;
    let as_k = json!({"@context": AS, "id": c("/follows/1"), "type": "Follow", "actor": c("/users/k"),
                      "object": app.url("/users/alice")});
    assert_eq!(
        post_signed(
            &app.url("/inbox"),
            &as_k,
            &mallory.key,
            &c("/users/k#main-key")
        )
        .await,
        StatusCode::UNAUTHORIZED
    );
    let text = format!("see {} and @k@127.0.0.1:{}", c("/page"), canary.port);
    let res = alice.post_status(&text, "public").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());
    let res = alice
        .post(
            "/settings/profile",
            &[("field_name_0", "Site"), ("field_value_0", &c("/me"))],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    app.drain().await;
    canary.assert_untouched().await;
    let alice_now = app.account("alice").await;
    assert_eq!(
        alice_now.statuses_count, 1,
        "the post went out, without anything fetched"
    );
    assert!(alice_now.fields.0[0].value.contains(&c("/me")));
}
