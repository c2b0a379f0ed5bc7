//! S25: page sizes are capped as Mastodon caps them, whatever `limit` says, and callers
//! without a token or the scope are refused before any expensive work starts.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::Connection;
use starling::db::statuses::Visibility;

use crate::support::api::{REDIRECT, log_in_app, register_app};
use crate::support::queries;
use crate::{Rig, call};

/// Remote accounts `{prefix}1 … {prefix}{n}` on `many.example`, straight into the table.
async fn crowd(rig: &Rig, prefix: &str, n: i32) {
    sqlx::query(
        "INSERT INTO accounts (username, domain, uri) \
         SELECT $1 || g, 'many.example', 'https://many.example/users/' || $1 || g \
         FROM generate_series(1, $2) g",
    )
    .bind(prefix)
    .bind(n)
    .execute(&rig.app.state.db)
    .await
    .unwrap();
}

/// Runs one statement with `$1` = alice's id and `$2` = the crowd prefix pattern.
async fn seed(rig: &Rig, sql: &str, prefix: &str) {
    let alice: i64 = rig.alice_id.parse().unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(alice)
        .bind(format!("{prefix}%"))
        .execute(&rig.app.state.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn s25_page_sizes_are_capped_and_callers_without_rights_are_refused_before_any_work() {
    let rig = Rig::start().await;
    let app = &rig.app;
    let alice_id = rig.alice_id.clone();

    // alice has 45 public posts tagged #many, each favourited and bookmarked by her;
    // 85 accounts elsewhere follow her, are followed by her, favourited and boosted
    // her first post and caused her a notification each; 85 others are blocked,
    // muted, and waiting for her approval.
    let mut posts = Vec::new();
    for i in 0..45 {
        posts.push(
            queries::post(app, "alice", &format!("post {i} #many"), Visibility::Public).await,
        );
    }
    let first = posts[0].id.to_string();
    crowd(&rig, "fan", 85).await;
    crowd(&rig, "pest", 85).await;
    let fans = "SELECT id FROM accounts WHERE username LIKE $2 AND domain = 'many.example'";
    for sql in [
        format!("INSERT INTO follows (account_id, target_account_id) SELECT id, $1 FROM ({fans}) f"),
        format!("INSERT INTO follows (account_id, target_account_id) SELECT $1, id FROM ({fans}) f"),
        format!(
            "INSERT INTO notifications (account_id, from_account_id, type) SELECT $1, id, 'follow' FROM ({fans}) f"
        ),
        format!(
            "INSERT INTO favourites (account_id, status_id) SELECT id, {first} FROM ({fans}) f"
        ),
        format!(
            "INSERT INTO statuses (uri, account_id, reblog_of_id, visibility, local) \
             SELECT 'https://many.example/boosts/' || id, id, {first}, 'public', false FROM ({fans}) f"
        ),
        "INSERT INTO favourites (account_id, status_id) SELECT $1, id FROM statuses WHERE account_id = $1"
            .to_string(),
        "INSERT INTO bookmarks (account_id, status_id) SELECT $1, id FROM statuses WHERE account_id = $1"
            .to_string(),
    ] {
        seed(&rig, &sql, "fan").await;
    }
    for sql in [
        format!("INSERT INTO blocks (account_id, target_account_id) SELECT $1, id FROM ({fans}) f"),
        format!("INSERT INTO mutes (account_id, target_account_id) SELECT $1, id FROM ({fans}) f"),
        format!(
            "INSERT INTO follow_requests (account_id, target_account_id) SELECT id, $1 FROM ({fans}) f"
        ),
    ] {
        seed(&rig, &sql, "pest").await;
    }

    // Every paged endpoint we route, asked for 100 000 items: at most Mastodon's maximum.
    let ids_query: String = posts
        .iter()
        .map(|p| format!("id[]={}", p.id))
        .collect::<Vec<_>>()
        .join("&");
    let capped = [
        ("/api/v1/timelines/home", 40),
        ("/api/v1/timelines/public", 40),
        ("/api/v1/timelines/tag/many", 40),
        (&format!("/api/v1/accounts/{alice_id}/statuses") as &str, 40),
        (&format!("/api/v1/accounts/{alice_id}/followers"), 80),
        (&format!("/api/v1/accounts/{alice_id}/following"), 80),
        ("/api/v1/notifications", 80),
        ("/api/v1/bookmarks", 40),
        ("/api/v1/favourites", 40),
        ("/api/v1/blocks", 80),
        ("/api/v1/mutes", 80),
        ("/api/v1/follow_requests", 80),
        (&format!("/api/v1/statuses/{first}/favourited_by"), 80),
        (&format!("/api/v1/statuses/{first}/reblogged_by"), 80),
        ("/api/v1/accounts/search?q=fan", 80),
    ];
    for (path, max) in capped {
        let sep = if path.contains('?') { '&' } else { '?' };
        let r = rig
            .get(&format!("{path}{sep}limit=100000"), Some(&rig.alice))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.json);
        let n = r.json.as_array().map(Vec::len).unwrap_or(0);
        if path.contains("search") {
            // Account search answers fewer than it may; never more.
            assert!(n > 0 && n <= max, "{path}: {n}");
        } else {
            assert_eq!(n, max, "{path} gives its maximum, no more");
        }
    }
    let search = rig
        .get(
            "/api/v2/search?q=fan&type=accounts&limit=100000",
            Some(&rig.alice),
        )
        .await;
    let found = search.json["accounts"].as_array().unwrap().len();
    assert!(found > 0 && found <= 40, "{found}");
    // Lists by id take 20 statuses at most; more is refused (422, as Mastodon).
    assert!(posts.len() > 20);
    let by_ids = rig
        .get(&format!("/api/v1/statuses?{ids_query}"), Some(&rig.alice))
        .await;
    assert_eq!(by_ids.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(by_ids.json["error"], "Mastodon::ValidationError");
    let twenty: String = posts
        .iter()
        .take(20)
        .map(|p| format!("id[]={}", p.id))
        .collect::<Vec<_>>()
        .join("&");
    let by_ids = rig
        .get(&format!("/api/v1/statuses?{twenty}"), Some(&rig.alice))
        .await;
    assert_eq!(by_ids.json.as_array().unwrap().len(), 20);

    // Negative, enormous and non-numeric limits are read as Mastodon reads them (the
    // absolute value, capped; the default for words) and never fail.
    for (limit, expected) in [
        ("-5", 5),
        ("5abc", 5),
        ("abc", 20),
        ("", 20),
        ("0", 1),
        ("99999999999999999999999999999", 40),
        ("1e400", 1),
    ] {
        let r = rig
            .get(
                &format!("/api/v1/timelines/public?limit={limit}"),
                Some(&rig.alice),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "limit={limit}: {}", r.json);
        assert_eq!(r.json.as_array().unwrap().len(), expected, "limit={limit}");
    }
    for path in [
        "/api/v1/timelines/public?max_id=abc",
        "/api/v1/timelines/public?since_id=-1",
        "/api/v1/timelines/public?limit[]=5",
        "/api/v1/notifications?limit=-100000&max_id=99999999999999999999",
    ] {
        let r = rig.get(path, Some(&rig.alice)).await;
        assert!(
            r.status.is_success() || r.status.is_client_error(),
            "{path}: {}",
            r.status
        );
        assert!(
            r.json["error"].is_string() || r.json.is_array(),
            "{path}: {}",
            r.json
        );
    }

    // The expensive tables are locked by someone else: any request that touched them
    // would hang. Unauthenticated calls and carol's token without the scope must still
    // be answered at once, so the refusal comes before any of that work.
    let web = app.signed_in("mallory").await;
    let client = register_app(&app.base, REDIRECT, "read write follow push").await;
    let push_only = log_in_app(&app.base, &web, &client, "push").await;
    // A connection of its own, not one of the app's pool.
    let mut locker = sqlx::PgConnection::connect(app.database_url())
        .await
        .unwrap();
    sqlx::query("BEGIN").execute(&mut locker).await.unwrap();
    sqlx::query(
        "LOCK TABLE statuses, notifications, bookmarks, favourites, follows, follow_requests, \
         blocks, mutes, markers, tags, statuses_tags, mentions IN ACCESS EXCLUSIVE MODE",
    )
    .execute(&mut locker)
    .await
    .unwrap();
    let needs_user = [
        "/api/v1/timelines/home?limit=40",
        "/api/v1/notifications?limit=80",
        "/api/v1/bookmarks",
        "/api/v1/favourites",
        "/api/v1/blocks",
        "/api/v1/mutes",
        "/api/v1/follow_requests",
        "/api/v1/markers?timeline[]=home",
        "/api/v1/accounts/search?q=fan",
        "/api/v1/accounts/relationships?id[]=1",
    ];
    let needs_scope = [
        "/api/v1/timelines/public?limit=40",
        "/api/v1/timelines/tag/many",
        &format!("/api/v1/accounts/{alice_id}/statuses"),
        &format!("/api/v1/accounts/{alice_id}/followers"),
        &format!("/api/v1/statuses/{first}/context"),
        &format!("/api/v1/statuses/{first}/favourited_by"),
        &format!("/api/v1/statuses?{ids_query}"),
        "/api/v2/search?q=fan",
    ];
    let mut calls = Vec::new();
    for path in needs_user.iter() {
        calls.push((path.to_string(), None, StatusCode::UNAUTHORIZED));
        calls.push((
            path.to_string(),
            Some(push_only.clone()),
            StatusCode::FORBIDDEN,
        ));
    }
    for path in needs_scope.iter() {
        calls.push((
            path.to_string(),
            Some(push_only.clone()),
            StatusCode::FORBIDDEN,
        ));
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut timings = Vec::new();
    // 20 at a time, as the catalogue's flood does.
    for batch in calls.chunks(20) {
        let mut set = tokio::task::JoinSet::new();
        for (path, token, expected) in batch.iter().cloned() {
            let http = http.clone();
            let url = app.url(&path);
            set.spawn(async move {
                let mut req = http.get(url);
                if let Some(t) = token {
                    req = req.bearer_auth(t);
                }
                let start = Instant::now();
                let res = req.send().await;
                (path, expected, res.map(|r| r.status()), start.elapsed())
            });
        }
        while let Some(done) = set.join_next().await {
            let (path, expected, status, took) = done.unwrap();
            let status = status.unwrap_or_else(|e| panic!("{path} waited on locked tables: {e}"));
            assert_eq!(status, expected, "{path}");
            timings.push(took);
        }
    }
    sqlx::query("ROLLBACK").execute(&mut locker).await.unwrap();
    timings.sort();
    println!(
        "s25 refusals under locked tables: {} requests, median {:?}, max {:?}",
        timings.len(),
        timings[timings.len() / 2],
        timings[timings.len() - 1]
    );
    // With the tables free again the same token with the scope works.
    let after = call(
        app,
        Method::GET,
        "/api/v1/timelines/home",
        Some(&rig.alice),
        None,
    )
    .await;
    assert_eq!(after.status, StatusCode::OK);

    // The admin measures, retention and dimensions endpoints (the CVE's target) are not
    // routed: nobody can start their queries.
    for path in [
        "/api/v1/admin/measures",
        "/api/v1/admin/retention",
        "/api/v1/admin/dimensions",
    ] {
        for token in [None, Some(rig.carol.as_str())] {
            let r = call(
                app,
                Method::POST,
                path,
                token,
                Some(json!({"keys": ["active_users"], "start_at": "1970-01-01", "end_at": "2100-01-01"})),
            )
            .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        }
    }
}
