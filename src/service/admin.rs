//! Operator actions from the command line: accounts and roles without the web UI.

use crate::db;
use crate::db::users::{Role, User};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::service::registration::{self, NewUserParams};
use crate::service::secrets;
use crate::state::AppState;

pub struct CreateAccount {
    pub username: String,
    pub email: String,
    pub password: Option<String>,
    pub role: Role,
    pub confirmed: bool,
}

/// Creates a local account; returns the user and the password (generated when none
/// was given, so the operator can pass it on).
pub async fn create_account(state: &AppState, c: &CreateAccount) -> AppResult<(User, String)> {
    let mut errors = FieldErrors::new();
    let (username, email) =
        registration::check_identity(state, &c.username, &c.email, &mut errors).await?;
    let password = c
        .password
        .clone()
        .unwrap_or_else(|| secrets::random_token(18));
    registration::check_password(&password, None, &mut errors);
    let (Some(username), Some(email), true) = (username, email, errors.is_empty()) else {
        return Err(AppError::validation(errors));
    };
    let created = registration::create_user(
        state,
        NewUserParams {
            username: &username,
            email: &email,
            password: &password,
            display_name: "",
            role: c.role,
            confirmed: c.confirmed,
            agreement: true,
            locale: None,
        },
    )
    .await?;
    let user = db::users::find(&state.db, created.user_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok((user, password))
}

pub async fn find_user(state: &AppState, username: &str) -> AppResult<User> {
    let account = db::accounts::find_local(&state.db, username)
        .await?
        .ok_or_else(|| {
            AppError::new(
                crate::error::ErrorKind::NotFound,
                format!("No local account {username:?}"),
            )
        })?;
    db::users::find_by_account(&state.db, account.id)
        .await?
        .ok_or_else(|| {
            AppError::new(
                crate::error::ErrorKind::NotFound,
                format!("{username:?} has no login"),
            )
        })
}

pub async fn set_role(state: &AppState, username: &str, role: Role) -> AppResult<()> {
    let user = find_user(state, username).await?;
    db::users::set_role(&state.db, user.id, role).await?;
    Ok(())
}

pub async fn confirm(state: &AppState, username: &str) -> AppResult<()> {
    let user = find_user(state, username).await?;
    db::users::confirm(&state.db, user.id).await?;
    Ok(())
}

/// Sets a new password (generated when none is given) and ends every session.
pub async fn reset_password(
    state: &AppState,
    username: &str,
    password: Option<String>,
) -> AppResult<String> {
    let user = find_user(state, username).await?;
    let password = password.unwrap_or_else(|| secrets::random_token(18));
    let mut errors = FieldErrors::new();
    registration::check_password(&password, None, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let hash = secrets::hash_password(password.clone()).await?;
    let mut tx = state.db.begin().await?;
    db::users::set_password(&mut *tx, user.id, &hash).await?;
    db::sessions::delete_all_for_user(&mut *tx, user.id, None).await?;
    tx.commit().await?;
    Ok(password)
}

/// The queue at a glance: per lane and state, with the oldest ready job's age, plus the
/// hosts that are failing.
pub struct QueueReport {
    pub lanes: Vec<db::jobs::LaneStats>,
    pub hosts: Vec<db::hosts::HostHealth>,
}

pub async fn queue_report(state: &AppState) -> AppResult<QueueReport> {
    Ok(QueueReport {
        lanes: db::jobs::stats(&state.db).await?,
        hosts: db::hosts::unhealthy(&state.db, 50).await?,
    })
}

pub async fn dead_jobs(state: &AppState, limit: i64) -> AppResult<Vec<db::jobs::DeadJob>> {
    Ok(db::jobs::dead(&state.db, limit).await?)
}

/// Puts one dead job (or all) back in the queue; returns how many.
pub async fn retry_dead_jobs(state: &AppState, id: Option<i64>) -> AppResult<u64> {
    let n = db::jobs::retry_dead(&state.db, id).await?;
    if n > 0 {
        // Wake idle workers of every lane.
        for lane in crate::delivery::Lane::ALL {
            db::jobs::notify(&state.db, lane.as_str()).await?;
        }
    } else if id.is_some() {
        return Err(AppError::new(
            crate::error::ErrorKind::NotFound,
            "No dead job with that id",
        ));
    }
    Ok(n)
}
