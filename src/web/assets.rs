//! Static assets compiled into the binary, served under `/static/` with a content hash
//! in the URL so browsers may cache them for a year.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::state::AppState;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const FILES: &[Asset] = &[
    Asset {
        name: "starling.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../static/starling.css"),
    },
    Asset {
        name: "starling.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/starling.js"),
    },
    Asset {
        name: "avatar.png",
        content_type: "image/png",
        body: include_bytes!("../../static/avatar.png"),
    },
    Asset {
        name: "header.png",
        content_type: "image/png",
        body: include_bytes!("../../static/header.png"),
    },
    Asset {
        name: "icons.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../../static/icons.svg"),
    },
];

pub struct Assets {
    hashes: Vec<String>,
}

impl Default for Assets {
    fn default() -> Self {
        Self::new()
    }
}

impl Assets {
    pub fn new() -> Assets {
        let hashes = FILES
            .iter()
            .map(|f| hex::encode(&Sha256::digest(f.body)[..6]))
            .collect();
        Assets { hashes }
    }

    /// `/static/<name>?v=<hash>`; the name must be one of the embedded files.
    pub fn url(&self, name: &str) -> String {
        match FILES.iter().position(|f| f.name == name) {
            Some(i) => format!("/static/{}?v={}", name, self.hashes[i]),
            None => format!("/static/{name}"),
        }
    }
}

#[derive(Deserialize)]
pub struct Version {
    v: Option<String>,
}

pub async fn serve(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<Version>,
) -> Response {
    let Some(i) = FILES.iter().position(|f| f.name == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let file = &FILES[i];
    let current = q.v.as_deref() == Some(state.assets.hashes[i].as_str());
    let cache = if current {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    let mut res = file.body.into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.content_type),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}
