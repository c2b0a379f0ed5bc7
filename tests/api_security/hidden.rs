//! S27 (acting on a post one cannot see reveals it) and S28 (telling a hidden post from
//! a missing one by the error).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::api::user_token;
use crate::support::{PASSWORD, TestApp, Web};
use crate::{Rig, count, ids, leaks, post};

/// Every route that takes a status id, with a body where one is needed.
fn status_routes() -> Vec<(Method, &'static str, Option<Value>)> {
    let mut routes: Vec<(Method, &'static str, Option<Value>)> = [
        "favourite",
        "unfavourite",
        "reblog",
        "unreblog",
        "bookmark",
        "unbookmark",
        "pin",
        "unpin",
    ]
    .into_iter()
    .map(|a| (Method::POST, a, None))
    .collect();
    for get in [
        "",
        "context",
        "history",
        "source",
        "favourited_by",
        "reblogged_by",
    ] {
        routes.push((Method::GET, get, None));
    }
    routes.push((Method::PUT, "", Some(json!({"status": "taken over"}))));
    routes.push((Method::DELETE, "", None));
    routes
}

fn status_path(id: &str, suffix: &str) -> String {
    if suffix.is_empty() {
        format!("/api/v1/statuses/{id}")
    } else {
        format!("/api/v1/statuses/{id}/{suffix}")
    }
}

#[tokio::test]
async fn s27_acting_on_a_post_one_cannot_see_reveals_nothing_and_changes_nothing() {
    let rig = Rig::start().await;
    let carol = rig.carol.as_str();
    let private = [rig.p_fo.clone(), rig.p_dm.clone()];
    // bob may see both (a follower, and the one addressed), so the checks can fail.
    for id in &private {
        let r = rig.get(&status_path(id, ""), Some(&rig.bob)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(leaks(&r.json));
    }

    // As carol, and as a visitor where no token is needed, every status-id route on
    // P_fo and P_dm: 404 "Record not found", never 403, never any of the content.
    let not_found = json!({"error": "Record not found"});
    for id in &private {
        for (method, suffix, body) in status_routes() {
            let path = status_path(id, suffix);
            let r = rig
                .call(method.clone(), &path, Some(carol), body.clone())
                .await;
            assert_eq!(
                r.status,
                StatusCode::NOT_FOUND,
                "{method} {path}: {}",
                r.json
            );
            assert_eq!(r.json, not_found, "{method} {path}");
            if method == Method::GET && suffix != "source" {
                let r = rig.call(method.clone(), &path, None, None).await;
                assert_eq!(r.status, StatusCode::NOT_FOUND, "visitor {path}");
                assert_eq!(r.json, not_found, "visitor {path}");
            }
        }
        // Replying to it: Mastodon's 404 for a reply target that does not exist.
        let reply = rig
            .call(
                Method::POST,
                "/api/v1/statuses",
                Some(carol),
                Some(json!({"status": "a reply", "in_reply_to_id": id})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(
            reply.json["error"],
            "The post you are trying to reply to does not appear to exist."
        );
        // Quoting it (not a feature here): the parameter changes nothing and shows nothing.
        let quote = rig
            .call(
                Method::POST,
                "/api/v1/statuses",
                Some(carol),
                Some(json!({"status": "a quote", "quoted_status_id": id})),
            )
            .await;
        assert!(!leaks(&quote.json), "{}", quote.json);
    }
    // Listed by id, they are simply left out, for carol and for visitors.
    let list = format!(
        "/api/v1/statuses?id[]={}&id[]={}&id[]={}",
        rig.p_fo, rig.p_dm, rig.p_pub
    );
    for token in [Some(carol), None] {
        assert_eq!(
            ids(&rig.get(&list, token).await.json),
            vec![rig.p_pub.clone()]
        );
    }

    // Nothing changed: alice was told of nothing by carol, carol holds no favourite,
    // bookmark, pin, boost or reply, and the posts read as before.
    let carol_id = rig.app.account("carol").await.id.to_string();
    let told = rig.get("/api/v1/notifications", Some(&rig.alice)).await;
    assert!(
        told.json
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["account"]["id"] != carol_id.as_str()),
        "{}",
        told.json
    );
    for table in ["favourites", "bookmarks", "status_pins"] {
        let sql = format!("SELECT count(*) FROM {table} WHERE account_id = $1");
        assert_eq!(count(&rig.app, &sql, &carol_id).await, 0, "{table}");
    }
    let replies_or_boosts = "SELECT count(*) FROM statuses WHERE account_id = $1 \
         AND (reblog_of_id IS NOT NULL OR in_reply_to_id IS NOT NULL)";
    assert_eq!(count(&rig.app, replies_or_boosts, &carol_id).await, 0);
    for id in &private {
        let r = rig.get(&status_path(id, ""), Some(&rig.alice)).await;
        assert_eq!(
            (
                r.json["favourites_count"].clone(),
                r.json["reblogs_count"].clone()
            ),
            (json!(0), json!(0))
        );
        assert!(r.json["edited_at"].is_null());
    }

    // A user who blocks carol: her public and unlisted posts are as good as absent for
    // carol (Mastodon's StatusPolicy), while visitors still read them.
    let blocked = rig
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{carol_id}/block"),
            Some(&rig.alice),
            None,
        )
        .await;
    assert_eq!(blocked.json["blocking"], true);
    let unlisted = post(&rig.app, &rig.alice, "quiet words", "unlisted").await;
    for id in [&rig.p_pub, &unlisted] {
        for (method, suffix) in [
            (Method::GET, ""),
            (Method::GET, "context"),
            (Method::GET, "favourited_by"),
            (Method::POST, "favourite"),
            (Method::POST, "reblog"),
            (Method::POST, "bookmark"),
        ] {
            let path = status_path(id, suffix);
            let r = rig.call(method.clone(), &path, Some(carol), None).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {path}");
        }
        let reply = rig
            .call(
                Method::POST,
                "/api/v1/statuses",
                Some(carol),
                Some(json!({"status": "hey", "in_reply_to_id": id})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(
            rig.get(&status_path(id, ""), None).await.status,
            StatusCode::OK
        );
    }
    // Nor does someone else's boost bring alice's post back to carol: dave boosts it,
    // carol follows dave.
    let dave = user_token(&rig.app, "dave", "read write follow").await;
    let dave_id = rig.app.account("dave").await.id.to_string();
    let boost = rig
        .call(
            Method::POST,
            &status_path(&rig.p_pub, "reblog"),
            Some(&dave),
            None,
        )
        .await;
    let boost_id = boost.json["id"].as_str().unwrap().to_string();
    rig.call(
        Method::POST,
        &format!("/api/v1/accounts/{dave_id}/follow"),
        Some(carol),
        None,
    )
    .await;
    assert_eq!(
        rig.get(&status_path(&boost_id, ""), Some(carol))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    for path in [
        "/api/v1/timelines/home".to_string(),
        format!("/api/v1/accounts/{dave_id}/statuses"),
        format!("/api/v1/statuses?id[]={boost_id}"),
    ] {
        let listed = ids(&rig.get(&path, Some(carol)).await.json);
        assert!(!listed.contains(&boost_id), "{path}: {listed:?}");
        // bob, whom nobody blocks, sees the boost where it is listed.
        if !path.contains("home") {
            assert!(
                ids(&rig.get(&path, Some(&rig.bob)).await.json).contains(&boost_id),
                "{path}"
            );
        }
    }
    assert_eq!(
        rig.get(&status_path(&boost_id, ""), None).await.status,
        StatusCode::OK
    );
}

/// A response with what may differ between two identical requests taken out.
fn comparable(status: StatusCode, headers: &reqwest::header::HeaderMap, body: &str) -> String {
    let mut kept: Vec<String> = headers
        .iter()
        .filter(|(name, _)| {
            let n = name.as_str();
            !matches!(n, "date" | "x-request-id" | "set-cookie") && !n.starts_with("x-ratelimit")
        })
        .map(|(n, v)| format!("{n}: {}", v.to_str().unwrap_or("?")))
        .collect();
    kept.sort();
    format!("{status}\n{}\n\n{body}", kept.join("\n"))
}

#[tokio::test]
async fn s28_hidden_missing_and_deleted_ids_answer_alike() {
    // Hundreds of calls with one token and from one address: beyond the API throttles
    // (tests/rate_limits.rs), which are not what this compares.
    let rig = Rig::with(TestApp::start_with(|c| c.http.rate_limits = false).await).await;
    // Three ids: alice's followers-only post, one that never existed, one deleted.
    let deleted = post(&rig.app, &rig.alice, "soon gone", "public").await;
    let gone = rig
        .call(
            Method::DELETE,
            &format!("/api/v1/statuses/{deleted}"),
            Some(&rig.alice),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::OK);
    let fo: i64 = rig.p_fo.parse().unwrap();
    let missing = (fo - 1_000_000_000).to_string();
    let cases = [rig.p_fo.clone(), missing, deleted];

    let languages = [
        None,
        Some("en"),
        Some("de"),
        Some("ja"),
        Some("zz-@@-not a tag"),
    ];
    let accepts = ["application/json", "text/html"];
    let http = crate::support::api::http();
    let mut compared = 0;
    for token in [Some(rig.carol.as_str()), None] {
        for (method, suffix, body) in status_routes() {
            if token.is_none() && (method != Method::GET || suffix == "source") {
                continue;
            }
            for language in languages {
                for accept in accepts {
                    let mut seen = Vec::new();
                    for id in &cases {
                        let mut req = http
                            .request(method.clone(), rig.app.url(&status_path(id, suffix)))
                            .header("accept", accept);
                        if let Some(l) = language {
                            req = req.header("accept-language", l);
                        }
                        if let Some(t) = token {
                            req = req.bearer_auth(t);
                        }
                        if let Some(b) = &body {
                            req = req.json(b);
                        }
                        let r = req.send().await.unwrap();
                        let (status, headers) = (r.status(), r.headers().clone());
                        let text = r.text().await.unwrap();
                        seen.push(comparable(status, &headers, &text).replace(id, "ID"));
                    }
                    assert_eq!(seen[0], seen[1], "{method} {suffix} hidden vs missing");
                    assert_eq!(seen[1], seen[2], "{method} {suffix} missing vs deleted");
                    assert!(seen[0].starts_with("404"), "{}", seen[0]);
                    compared += 1;
                }
            }
        }
    }
    // The web page of a post, for carol signed in and for a visitor.
    let carol_web = Web::new(&rig.app.base);
    carol_web.log_in("carol", PASSWORD).await;
    let visitor = Web::new(&rig.app.base);
    visitor.get("/about").await;
    for web in [&carol_web, &visitor] {
        for language in languages {
            let mut seen = Vec::new();
            for id in &cases {
                let mut req = web.http.get(web.url(&format!("/@alice/{id}")));
                if let Some(l) = language {
                    req = req.header("accept-language", l);
                }
                let r = req.send().await.unwrap();
                let (status, headers) = (r.status(), r.headers().clone());
                let text = r.text().await.unwrap();
                seen.push(comparable(status, &headers, &text).replace(id, "ID"));
            }
            assert_eq!(seen[0], seen[1], "web hidden vs missing");
            assert_eq!(seen[1], seen[2], "web missing vs deleted");
            assert!(seen[0].starts_with("404"));
            compared += 1;
        }
    }
    println!("s28: {compared} triples compared");
}
