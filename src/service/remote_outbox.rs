//! Recent posts of a remote account, read from its outbox when someone here looks it up,
//! so its profile is not empty. Bounded: the collection and at most one page, on the
//! account's own host, and at most [`BACKFILL_MAX`] posts, each checked like a delivered
//! Create (the post must be the account's and live on its host).

use crate::activitypub::fetch;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::id::AccountId;
use crate::service::remote_statuses;
use crate::state::AppState;
use crate::urls::authority;
use serde_json::Value;
use url::Url;

pub const BACKFILL_MAX: usize = 20;

fn items(doc: &Value) -> Vec<Value> {
    ["orderedItems", "items"]
        .iter()
        .find_map(|k| doc.get(*k).and_then(Value::as_array))
        .map(|a| a.iter().take(BACKFILL_MAX).cloned().collect())
        .unwrap_or_default()
}

/// Stores up to [`BACKFILL_MAX`] recent public posts of a remote account from its
/// outbox; returns how many were stored (or already known).
pub async fn backfill(state: &AppState, account: AccountId) -> AppResult<usize> {
    let account = db::accounts::find(&state.db, account)
        .await?
        .filter(|a| !a.is_local() && a.suspended_at.is_none())
        .ok_or_else(AppError::not_found)?;
    let Some(outbox) = account.outbox_url.clone() else {
        return Ok(0);
    };
    let (doc, from) = fetch::fetch_object(state, &outbox).await?;
    let mut found = items(&doc);
    if found.is_empty() {
        found = match doc.get("first") {
            Some(page @ Value::Object(_)) => items(page),
            Some(Value::String(page)) => {
                let same_host =
                    Url::parse(page).ok().and_then(|u| authority(&u)) == authority(&from);
                if !same_host {
                    return Ok(0);
                }
                items(&fetch::fetch_object(state, page).await?.0)
            }
            _ => Vec::new(),
        };
    }
    let mut stored = 0;
    for item in found {
        if item.get("type").and_then(Value::as_str) != Some("Create")
            || item.get("actor").and_then(Value::as_str) != Some(account.uri.as_str())
        {
            continue; // boosts and others' activities are not this account's posts
        }
        let result = match item.get("object") {
            Some(object @ Value::Object(_)) => {
                remote_statuses::store_from_activity(state, object, &account).await
            }
            // A reference is fetched only from the account's own host: an outbox must
            // not make us fetch (and store) other servers' posts (S05, S23).
            Some(Value::String(uri)) if account.is_on_host(uri) => {
                remote_statuses::fetch_and_store(state, uri)
                    .await
                    .and_then(|s| {
                        if s.account_id == account.id {
                            Ok(s)
                        } else {
                            Err(AppError::invalid("not the account's post"))
                        }
                    })
            }
            _ => continue,
        };
        match result {
            Ok(_) => stored += 1,
            Err(e) => tracing::debug!(error = %e.message(), "outbox item skipped"),
        }
    }
    Ok(stored)
}
