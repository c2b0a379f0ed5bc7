//! Instance settings (key/value) and server rules.

use super::Executor;
use crate::id::RuleId;
use std::collections::HashMap;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Rule {
    pub id: RuleId,
    pub text: String,
    pub hint: String,
    pub position: i32,
}

pub async fn all_settings(db: impl Executor<'_>) -> sqlx::Result<HashMap<String, String>> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT key, value FROM settings")
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

pub async fn set_setting(db: impl Executor<'_>, key: &str, value: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()",
    )
    .bind(key)
    .bind(value)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn rules(db: impl Executor<'_>) -> sqlx::Result<Vec<Rule>> {
    sqlx::query_as(
        "SELECT id, text, hint, position FROM rules WHERE deleted_at IS NULL ORDER BY position, id",
    )
    .fetch_all(db)
    .await
}

/// Appends a rule after the existing ones.
pub async fn add_rule(db: impl Executor<'_>, text: &str, hint: &str) -> sqlx::Result<RuleId> {
    sqlx::query_scalar(
        "INSERT INTO rules (text, hint, position) \
         VALUES ($1, $2, (SELECT coalesce(max(position), 0) + 1 FROM rules WHERE deleted_at IS NULL)) RETURNING id",
    )
    .bind(text)
    .bind(hint)
    .fetch_one(db)
    .await
}

/// Soft-deletes a rule (reports may still cite it); false if there was none.
pub async fn remove_rule(db: impl Executor<'_>, id: RuleId) -> sqlx::Result<bool> {
    sqlx::query("UPDATE rules SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL")
        .bind(id)
        .execute(db)
        .await
        .map(|r| r.rows_affected() == 1)
}
