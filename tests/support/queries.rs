//! Shortcuts past HTTP for tests: what the server stored, read straight from its
//! database (row counts, statuses, unread notifications, who may see a post), and the
//! few things a test sets up there directly (a post, a follow).

use starling::db;
use starling::db::accounts::Account;
use starling::db::statuses::{Status, Visibility};
use starling::id::StatusId;
use starling::service::statuses::{self, NewPost};

use super::TestApp;
use super::remote::Remote;

/// `count(*)` of a query with one text parameter (`$1`).
pub async fn count(app: &TestApp, sql: &str, param: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(param)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

/// Rows in a table (its name may be followed by a `WHERE` clause).
pub async fn rows(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

/// How many statuses (posts and boosts) of this remote actor we hold.
pub async fn statuses_of(app: &TestApp, remote: &Remote) -> i64 {
    count(
        app,
        "SELECT count(*) FROM statuses s JOIN accounts a ON a.id = s.account_id WHERE a.uri = $1",
        &remote.actor(),
    )
    .await
}

pub async fn status(app: &TestApp, id: StatusId) -> Status {
    db::statuses::find(&app.state.db, id)
        .await
        .unwrap()
        .unwrap()
}

pub async fn status_by_uri(app: &TestApp, uri: &str) -> Option<Status> {
    db::statuses::find_by_uri(&app.state.db, uri).await.unwrap()
}

/// The account as stored now.
pub async fn refreshed(app: &TestApp, account: &Account) -> Account {
    db::accounts::find(&app.state.db, account.id)
        .await
        .unwrap()
        .unwrap()
}

pub async fn unread(app: &TestApp, user: &db::users::User) -> i64 {
    starling::service::notifications::unread_count(&app.state, user)
        .await
        .unwrap()
}

/// Whether `viewer` may read `status`.
pub async fn visible_to(app: &TestApp, status: &Status, viewer: &Account) -> bool {
    db::statuses::find_visible(&app.state.db, status.id, Some(viewer.id))
        .await
        .unwrap()
        .is_some()
}

/// Publishes `new` as the local `author`; returns the stored status.
pub async fn publish(app: &TestApp, author: &Account, new: NewPost) -> Status {
    let id = statuses::post(&app.state, author, &new)
        .await
        .expect("post");
    status(app, id).await
}

pub async fn post(app: &TestApp, author: &str, text: &str, visibility: Visibility) -> Status {
    post_reply(app, author, text, visibility, None).await
}

pub async fn post_reply(
    app: &TestApp,
    author: &str,
    text: &str,
    visibility: Visibility,
    in_reply_to: Option<&Status>,
) -> Status {
    let new = NewPost {
        text: text.into(),
        visibility: Some(visibility),
        in_reply_to: in_reply_to.map(|s| s.id),
        ..Default::default()
    };
    publish(app, &app.account(author).await, new).await
}

/// `follower` follows `target`, written as an accepted follow would leave it.
pub async fn follow_directly(
    app: &TestApp,
    follower: &Account,
    target: &Account,
    uri: Option<&str>,
) {
    db::follows::insert_follow(&app.state.db, follower.id, target.id, uri)
        .await
        .unwrap();
    db::accounts::add_follow_counts(&app.state.db, follower.id, target.id, 1)
        .await
        .unwrap();
}
