//! A signed-in person driving the client API with a token, one helper per action, so a
//! test reads `bob.favourite(&post)`, `alice.get("/api/v2/notifications")`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::TestApp;
use super::api::{self, JsonResponse, user_token};

/// A signed-in person with a token for everything an app asks for.
pub struct Person<'a> {
    pub app: &'a TestApp,
    pub token: String,
    pub id: String,
}

impl<'a> Person<'a> {
    pub async fn new(app: &'a TestApp, name: &str) -> Person<'a> {
        let token = user_token(app, name, "read write follow").await;
        let id = app.account(name).await.id.to_string();
        Person { app, token, id }
    }

    pub async fn get(&self, path: &str) -> JsonResponse {
        api::get(&self.app.base, path, &self.token).await
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> JsonResponse {
        api::send_json(&self.app.base, method, path, &self.token, body).await
    }

    pub async fn post(&self, path: &str) -> JsonResponse {
        let res = self.send(Method::POST, path, None).await;
        assert_eq!(res.status, StatusCode::OK, "POST {path}: {}", res.json);
        res
    }

    /// Posts with this visibility (in reply to `parent`, if any); returns the id.
    pub async fn say(&self, text: &str, visibility: &str, parent: Option<&str>) -> String {
        let res = self
            .send(
                Method::POST,
                "/api/v1/statuses",
                Some(json!({"status": text, "visibility": visibility, "in_reply_to_id": parent})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.json);
        res.json["id"].as_str().unwrap().to_string()
    }

    pub async fn favourite(&self, status: &str) {
        self.post(&format!("/api/v1/statuses/{status}/favourite"))
            .await;
    }

    pub async fn boost(&self, status: &str) {
        self.post(&format!("/api/v1/statuses/{status}/reblog"))
            .await;
    }

    pub async fn follow(&self, other: &Person<'_>) {
        self.post(&format!("/api/v1/accounts/{}/follow", other.id))
            .await;
    }

    pub async fn set_policy(&self, body: Value) -> JsonResponse {
        let res = self
            .send(Method::PATCH, "/api/v2/notifications/policy", Some(body))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.json);
        res
    }

    /// The types of the v1 list, newest first (`query` added to the URL).
    pub async fn v1_types(&self, query: &str) -> Vec<String> {
        let res = self.get(&format!("/api/v1/notifications{query}")).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.json);
        res.json
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["type"].as_str().unwrap().to_string())
            .collect()
    }
}

/// The groups of a `GroupedNotificationsResults` answer (which must be a 200).
pub fn notification_groups(res: &JsonResponse) -> &Vec<Value> {
    assert_eq!(res.status, StatusCode::OK, "{}", res.json);
    res.json["notification_groups"].as_array().unwrap()
}

/// The URL of a `Link` header's `rel`, as a path on the server.
pub fn link(res: &JsonResponse, rel: &str, base: &str) -> Option<String> {
    let header = res.headers.get("link")?.to_str().ok()?;
    header.split(", ").find_map(|part| {
        let (url, r) = part.split_once("; ")?;
        (r == format!("rel=\"{rel}\"")).then(|| {
            url.trim_matches(|c| c == '<' || c == '>')
                .trim_start_matches(base)
                .to_string()
        })
    })
}
