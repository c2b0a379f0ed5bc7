//! `/api/v1/markers`: where the person stopped reading `home` and `notifications`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use crate::db;
use crate::error::{AppError, AppResult};
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::datetime;
use crate::mastodon::params::{Params, QueryParams, lenient};
use crate::state::AppState;

const TIMELINES: [&str; 2] = ["home", "notifications"];

#[derive(Debug, Serialize)]
pub struct Marker {
    pub last_read_id: String,
    pub version: i32,
    pub updated_at: String,
}

fn marker(m: &db::markers::Marker) -> Marker {
    Marker {
        last_read_id: m.last_read_id.to_string(),
        version: m.version,
        updated_at: datetime(m.updated_at),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Which {
    #[serde(default, deserialize_with = "lenient::string_or_vec")]
    timeline: Vec<String>,
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(p): QueryParams<Which>,
) -> AppResult<Json<BTreeMap<String, Marker>>> {
    let (user, _) = auth.user("read:statuses")?;
    let asked: Vec<String> = p
        .timeline
        .into_iter()
        .filter(|t| TIMELINES.contains(&t.as_str()))
        .collect();
    let found = db::markers::of_user(&state.db, user.id, &asked).await?;
    Ok(Json(
        found
            .iter()
            .map(|m| (m.timeline.clone(), marker(m)))
            .collect(),
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct Position {
    #[serde(default, deserialize_with = "lenient::option_id")]
    last_read_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Update {
    #[serde(default)]
    home: Option<Position>,
    #[serde(default)]
    notifications: Option<Position>,
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<Update>,
) -> AppResult<Json<BTreeMap<String, Marker>>> {
    let (user, _) = auth.user("write:statuses")?;
    let mut out = BTreeMap::new();
    for (name, pos) in [("home", p.home), ("notifications", p.notifications)] {
        let Some(pos) = pos else { continue };
        let id: i64 = pos
            .last_read_id
            .as_deref()
            .and_then(|i| i.parse().ok())
            .ok_or_else(|| AppError::invalid("Validation failed: Last read ID can't be blank"))?;
        let m = db::markers::set(&state.db, user.id, name, id).await?;
        out.insert(name.to_string(), marker(&m));
    }
    Ok(Json(out))
}
