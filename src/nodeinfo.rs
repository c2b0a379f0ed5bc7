//! NodeInfo 2.0 and 2.1: what software this is and how much it is used, for the
//! fediverse's crawlers and for servers that adapt to their peers.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::db;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub const SOFTWARE: &str = "starling";

#[derive(Serialize)]
pub struct Links {
    pub links: Vec<Link>,
}

#[derive(Serialize)]
pub struct Link {
    pub rel: String,
    pub href: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeInfo {
    pub version: &'static str,
    pub software: Software,
    pub protocols: Vec<&'static str>,
    pub services: Services,
    pub open_registrations: bool,
    pub usage: Usage,
    pub metadata: Metadata,
}

#[derive(Debug, Serialize)]
pub struct Software {
    pub name: &'static str,
    pub version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub homepage: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct Services {
    pub inbound: Vec<String>,
    pub outbound: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub users: UserUsage,
    pub local_posts: i64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserUsage {
    pub total: i64,
    pub active_month: i64,
    pub active_halfyear: i64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    pub node_name: String,
    pub node_description: String,
}

pub async fn discovery(State(state): State<AppState>) -> Response {
    let links = Links {
        links: ["2.0", "2.1"]
            .iter()
            .map(|v| Link {
                rel: format!("http://nodeinfo.diaspora.software/ns/schema/{v}"),
                href: state.urls.path(&format!("/nodeinfo/{v}")),
            })
            .collect(),
    };
    (
        [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
        axum::Json(links),
    )
        .into_response()
}

/// The document in schema `version` ("2.0" or "2.1").
pub async fn document(state: &AppState, version: &'static str) -> AppResult<NodeInfo> {
    let info = crate::service::instance::info(state).await?;
    let usage = db::accounts::usage(&state.db).await?;
    Ok(NodeInfo {
        version,
        software: software(version),
        protocols: vec!["activitypub"],
        services: Services {
            inbound: Vec::new(),
            outbound: Vec::new(),
        },
        open_registrations: state.config.registrations.open,
        usage: Usage {
            users: UserUsage {
                total: usage.total,
                active_month: usage.active_month,
                active_halfyear: usage.active_halfyear,
            },
            local_posts: db::statuses::count_local(&state.db).await?,
        },
        metadata: Metadata {
            node_name: info.title,
            node_description: info.short_description,
        },
    })
}

/// What this software is. Schema 2.1 adds where its source and home page are; both come
/// from Cargo.toml (`repository`, `homepage`) and are left out when it names none.
/// Schema 2.0 allows neither.
pub fn software(version: &str) -> Software {
    let v21 = version != "2.0";
    Software {
        name: SOFTWARE,
        version: env!("CARGO_PKG_VERSION"),
        repository: non_empty(env!("CARGO_PKG_REPOSITORY")).filter(|_| v21),
        homepage: non_empty(env!("CARGO_PKG_HOMEPAGE")).filter(|_| v21),
    }
}

fn non_empty(s: &'static str) -> Option<&'static str> {
    (!s.trim().is_empty()).then_some(s)
}

async fn serve(state: &AppState, version: &'static str) -> Response {
    match document(state, version)
        .await
        .and_then(|d| serde_json::to_vec(&d).map_err(AppError::internal))
    {
        Ok(body) => {
            let ct = format!(
                "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/{version}#\""
            );
            (
                [
                    (header::CONTENT_TYPE, ct),
                    (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*".to_string()),
                ],
                body,
            )
                .into_response()
        }
        Err(e) => e.into_response(),
    }
}

pub async fn v20(State(state): State<AppState>) -> Response {
    serve(&state, "2.0").await
}

pub async fn v21(State(state): State<AppState>) -> Response {
    serve(&state, "2.1").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_2_1_names_the_repository_and_home_page_and_only_when_known() {
        let old = serde_json::to_value(software("2.0")).unwrap();
        assert!(old.get("repository").is_none() && old.get("homepage").is_none());
        let new = software("2.1");
        assert_eq!(new.repository, non_empty(env!("CARGO_PKG_REPOSITORY")));
        assert_eq!(new.homepage, non_empty(env!("CARGO_PKG_HOMEPAGE")));
        assert_eq!(non_empty(""), None);
        assert_eq!(
            non_empty("https://example.org/starling"),
            Some("https://example.org/starling")
        );
    }
}
