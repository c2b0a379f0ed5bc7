//! How other servers find us: WebFinger, host-meta, NodeInfo and actor documents.

mod support;

use reqwest::StatusCode;
use serde_json::Value;
use support::TestApp;

const AP: &str = "application/activity+json";

async fn get_json(url: &str, accept: &str) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(url)
        .header("accept", accept)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let body = r.json().await.unwrap_or(Value::Null);
    (status, headers, body)
}

#[tokio::test]
async fn webfinger_finds_local_accounts_in_every_form() {
    let app = TestApp::start().await;
    app.create_user("alice").await;
    let domain = app.base.trim_start_matches("http://").to_string();
    for resource in [
        format!("acct:alice@{domain}"),
        format!("acct%3Aalice%40{domain}"),
        format!("@alice@{domain}"),
        format!("{}/users/alice", app.base),
        format!("{}/@alice", app.base),
    ] {
        let url = app.url(&format!("/.well-known/webfinger?resource={resource}"));
        let (status, headers, jrd) = get_json(&url, "application/jrd+json").await;
        assert_eq!(status, StatusCode::OK, "{resource}");
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/jrd+json")
        );
        assert_eq!(headers["access-control-allow-origin"], "*");
        assert_eq!(jrd["subject"], format!("acct:alice@{domain}"));
        let links = jrd["links"].as_array().unwrap();
        let me: Vec<&Value> = links.iter().filter(|l| l["rel"] == "self").collect();
        assert_eq!(me.len(), 1, "exactly one self link");
        assert_eq!(me[0]["type"], AP);
        assert_eq!(me[0]["href"], format!("{}/users/alice", app.base));
        assert!(
            links
                .iter()
                .any(|l| l["rel"] == "http://webfinger.net/rel/profile-page"
                    && l["href"] == app.url("/@alice"))
        );
    }
    // Servers that send the ActivityPub type to WebFinger still get an answer.
    let (status, _, _) = get_json(
        &app.url(&format!(
            "/.well-known/webfinger?resource=acct:alice@{domain}"
        )),
        AP,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for missing in [
        "acct:bob@".to_string() + &domain,
        "acct:alice@elsewhere.test".into(),
        "https://elsewhere.test/users/alice".into(),
    ] {
        let (status, headers, body) = get_json(
            &app.url(&format!("/.well-known/webfinger?resource={missing}")),
            "*/*",
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(headers["access-control-allow-origin"], "*");
        assert_eq!(body["error"], "Record not found");
    }
    let (status, _, body) = get_json(&app.url("/.well-known/webfinger"), "*/*").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].is_string());
    // The instance actor answers as acct:domain@domain.
    let (status, _, jrd) = get_json(
        &app.url(&format!(
            "/.well-known/webfinger?resource=acct:{domain}@{domain}"
        )),
        "*/*",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        jrd["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["rel"] == "self" && l["href"] == app.url("/actor"))
    );
}

#[tokio::test]
async fn host_meta_points_at_webfinger() {
    let app = TestApp::start().await;
    let r = reqwest::get(app.url("/.well-known/host-meta"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/xrd+xml")
    );
    let body = r.text().await.unwrap();
    assert!(
        body.contains(&format!(
            r#"<Link rel="lrdd" template="{}/.well-known/webfinger?resource={{uri}}"/>"#,
            app.base
        )),
        "{body}"
    );
}

#[tokio::test]
async fn nodeinfo_reports_software_and_real_usage() {
    let app = TestApp::start().await;
    let alice = app.signed_in("alice").await;
    app.create_user("bob").await;
    alice.post_status("one", "public").await;
    alice.post_status("two", "unlisted").await;
    let (status, _, links) = get_json(&app.url("/.well-known/nodeinfo"), "*/*").await;
    assert_eq!(status, StatusCode::OK);
    let links = links["links"].as_array().unwrap();
    for v in ["2.0", "2.1"] {
        let link = links
            .iter()
            .find(|l| l["rel"] == format!("http://nodeinfo.diaspora.software/ns/schema/{v}"))
            .unwrap();
        let (status, headers, doc) = get_json(link["href"].as_str().unwrap(), "*/*").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .contains(&format!("schema/{v}#"))
        );
        assert_eq!(doc["version"], v);
        assert_eq!(doc["software"]["name"], "starling");
        assert_eq!(doc["protocols"], serde_json::json!(["activitypub"]));
        assert_eq!(doc["openRegistrations"], true);
        assert_eq!(doc["usage"]["users"]["total"], 2);
        assert_eq!(
            doc["usage"]["users"]["activeMonth"], 1,
            "alice logged in and posted"
        );
        assert_eq!(doc["usage"]["localPosts"], 2);
        assert!(doc["services"]["inbound"].is_array());
    }
}

#[tokio::test]
async fn actors_are_served_to_activitypub_clients_and_pages_to_browsers() {
    let app = TestApp::start().await;
    let alice = app.signed_in("alice").await;
    alice.get("/settings/profile").await;
    alice
        .post(
            "/settings/profile",
            &[
                ("display_name", "Alice"),
                ("note", "Hello #world"),
                ("field_name_0", "Site"),
                ("field_value_0", "https://alice.example"),
                ("locked", "1"),
            ],
        )
        .await;
    let ld = "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";
    for (path, accept) in [("/users/alice", AP), ("/users/alice", ld), ("/@alice", AP)] {
        let (status, headers, actor) = get_json(&app.url(path), accept).await;
        assert_eq!(status, StatusCode::OK, "{path} {accept}");
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/activity+json")
        );
        let id = app.url("/users/alice");
        assert_eq!(actor["id"], id);
        assert_eq!(actor["type"], "Person");
        assert_eq!(actor["preferredUsername"], "alice");
        assert_eq!(actor["name"], "Alice");
        assert!(
            actor["summary"]
                .as_str()
                .unwrap()
                .contains("class=\"mention hashtag\"")
        );
        assert_eq!(actor["url"], app.url("/@alice"));
        assert_eq!(actor["inbox"], format!("{id}/inbox"));
        assert_eq!(actor["outbox"], format!("{id}/outbox"));
        assert_eq!(actor["followers"], format!("{id}/followers"));
        assert_eq!(actor["following"], format!("{id}/following"));
        assert_eq!(actor["endpoints"]["sharedInbox"], app.url("/inbox"));
        assert_eq!(actor["manuallyApprovesFollowers"], true);
        assert_eq!(actor["publicKey"]["id"], format!("{id}#main-key"));
        assert_eq!(actor["publicKey"]["owner"], id);
        assert!(
            actor["publicKey"]["publicKeyPem"]
                .as_str()
                .unwrap()
                .starts_with("-----BEGIN PUBLIC KEY-----")
        );
        assert_eq!(actor["attachment"][0]["type"], "PropertyValue");
        assert_eq!(actor["attachment"][0]["name"], "Site");
        assert!(
            actor["attachment"][0]["value"]
                .as_str()
                .unwrap()
                .contains("rel=\"nofollow noopener me\"")
        );
        assert!(actor["published"].as_str().unwrap().ends_with("T00:00:00Z"));
        let ctx = actor["@context"].as_array().unwrap();
        assert_eq!(ctx[0], "https://www.w3.org/ns/activitystreams");
        assert_eq!(ctx[1], "https://w3id.org/security/v1");
        assert_eq!(
            ctx[2]["manuallyApprovesFollowers"],
            "as:manuallyApprovesFollowers"
        );
    }
    // Browsers asking for the actor URL are sent to the profile page.
    let r = alice.get("/users/alice").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), Some("/@alice"));
    let (status, _, _) = get_json(&app.url("/users/nobody"), AP).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Bots are Services.
    alice.get("/settings/profile").await;
    alice.post("/settings/profile", &[("bot", "1")]).await;
    let (_, _, actor) = get_json(&app.url("/users/alice"), AP).await;
    assert_eq!(actor["type"], "Service");
}

#[tokio::test]
async fn the_instance_actor_is_an_application_named_after_the_domain() {
    let app = TestApp::start().await;
    let domain = app.base.trim_start_matches("http://").to_string();
    let (status, _, actor) = get_json(&app.url("/actor"), AP).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(actor["type"], "Application");
    assert_eq!(actor["id"], app.url("/actor"));
    assert_eq!(actor["preferredUsername"], domain);
    assert_eq!(actor["inbox"], app.url("/actor/inbox"));
    assert_eq!(actor["publicKey"]["id"], app.url("/actor#main-key"));
    assert_eq!(actor["manuallyApprovesFollowers"], true);
    // The same actor (and key) every time.
    let (_, _, again) = get_json(&app.url("/actor"), AP).await;
    assert_eq!(actor["publicKey"], again["publicKey"]);
    // It is not a person: no profile page, no WebFinger as a user, not counted.
    assert_eq!(
        app.client().get(&format!("/@{domain}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn public_posts_are_notes_with_mastodon_addressing() {
    let app = TestApp::start().await;
    app.create_user("bob").await;
    let alice = app.signed_in("alice").await;
    alice.post_status("Hello @bob #Rust", "public").await;
    alice.post_status("quiet one", "unlisted").await;
    alice.post_status("for followers", "private").await;
    alice.post_status("secret @bob", "direct").await;
    let ids = support::status_ids(&alice.get("/@alice").await.body, "alice");
    let (direct, private, unlisted, public) = (&ids[0], &ids[1], &ids[2], &ids[3]);
    let actor = app.url("/users/alice");
    let followers = format!("{actor}/followers");
    let public_ns = "https://www.w3.org/ns/activitystreams#Public";

    let (status, headers, note) =
        get_json(&app.url(&format!("/users/alice/statuses/{public}")), AP).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/activity+json")
    );
    assert_eq!(note["type"], "Note");
    assert_eq!(note["id"], format!("{actor}/statuses/{public}"));
    assert_eq!(note["attributedTo"], actor);
    assert_eq!(note["url"], app.url(&format!("/@alice/{public}")));
    assert_eq!(note["to"], serde_json::json!([public_ns]));
    assert_eq!(
        note["cc"],
        serde_json::json!([followers, app.url("/users/bob")])
    );
    assert!(
        note["content"]
            .as_str()
            .unwrap()
            .contains("class=\"u-url mention\"")
    );
    let tags = note["tag"].as_array().unwrap();
    let domain = app.base.trim_start_matches("http://");
    assert!(tags.iter().any(|t| t["type"] == "Mention"
        && t["href"] == app.url("/users/bob")
        && t["name"] == format!("@bob@{domain}")));
    assert!(tags.iter().any(|t| t["type"] == "Hashtag"
        && t["name"] == "#rust"
        && t["href"] == app.url("/tags/rust")));
    assert_eq!(note["summary"], Value::Null);
    assert_eq!(note["sensitive"], false);
    assert_eq!(note["inReplyTo"], Value::Null);
    // The same via the web URL with content negotiation, and the Create activity.
    let (_, _, same) = get_json(&app.url(&format!("/@alice/{public}")), AP).await;
    assert_eq!(same["id"], note["id"]);
    let (status, _, create) = get_json(
        &app.url(&format!("/users/alice/statuses/{public}/activity")),
        AP,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(create["type"], "Create");
    assert_eq!(create["actor"], actor);
    assert_eq!(create["object"]["id"], note["id"]);
    assert_eq!(create["to"], note["to"]);

    let (_, _, quiet) = get_json(&app.url(&format!("/users/alice/statuses/{unlisted}")), AP).await;
    assert_eq!(quiet["to"], serde_json::json!([followers]));
    assert_eq!(quiet["cc"], serde_json::json!([public_ns]));
    // Followers-only and direct posts are not served to anyone who just asks (S29).
    for hidden in [private, direct] {
        for path in [
            format!("/users/alice/statuses/{hidden}"),
            format!("/@alice/{hidden}"),
        ] {
            let (status, _, _) = get_json(&app.url(&path), AP).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
    }
    // Browsers are sent to the page.
    let r = alice.get(&format!("/users/alice/statuses/{public}")).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), Some(format!("/@alice/{public}").as_str()));
}

#[tokio::test]
async fn actor_collections_report_counts_and_pages() {
    let app = TestApp::start().await;
    let alice = app.signed_in("alice").await;
    let bob = app.signed_in("bob").await;
    let alice_id = app.account("alice").await.id.to_string();
    bob.get("/@alice").await;
    bob.post(&format!("/accounts/{alice_id}/follow"), &[]).await;
    alice.post_status("first", "public").await;
    alice.post_status("hidden", "private").await;
    let (status, _, outbox) = get_json(&app.url("/users/alice/outbox"), AP).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(outbox["type"], "OrderedCollection");
    assert_eq!(outbox["totalItems"], 2);
    let (_, _, page) = get_json(outbox["first"].as_str().unwrap(), AP).await;
    assert_eq!(page["type"], "OrderedCollectionPage");
    let items = page["orderedItems"].as_array().unwrap();
    assert_eq!(items.len(), 1, "only what anyone may see");
    assert_eq!(items[0]["type"], "Create");
    assert!(
        items[0]["object"]["content"]
            .as_str()
            .unwrap()
            .contains("first")
    );
    let (_, _, followers) = get_json(&app.url("/users/alice/followers"), AP).await;
    assert_eq!(followers["totalItems"], 1);
    let (_, _, page) = get_json(followers["first"].as_str().unwrap(), AP).await;
    assert_eq!(
        page["orderedItems"],
        serde_json::json!([app.url("/users/bob")])
    );
    let (_, _, following) = get_json(&app.url("/users/bob/following"), AP).await;
    assert_eq!(following["totalItems"], 1);
    let (_, _, featured) = get_json(&app.url("/users/alice/collections/featured"), AP).await;
    assert_eq!(featured["type"], "OrderedCollection");
    assert_eq!(featured["totalItems"], 0);
}
