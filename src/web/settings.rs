//! Preferences: editing the profile, changing the password, and the apps a person has
//! authorised (`/oauth/authorized_applications`, as Mastodon has it).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::db::accounts::Account;
use crate::db::oauth::AuthorizedApp;
use crate::error::{AppError, ErrorKind, PageResult};
use crate::id::ApplicationId;
use crate::oauth::authorize::scope_lines;
use crate::oauth::scopes::Scopes;
use crate::service::profile::{self, ProfileForm};
use crate::service::{oauth, registration, sessions};
use crate::state::AppState;
use crate::web::context::{SignedIn, layout, see_other};
use crate::web::forms::{WebForm, checked};
use crate::web::pages::{
    AuthorizedAppView, AuthorizedAppsPage, FieldInput, FormErrors, PasswordSettingsPage,
    ProfileSettingsPage,
};
use crate::web::views;

const AUTHORIZED_APPS: &str = "/oauth/authorized_applications";

fn field_inputs(pairs: &[(String, String)]) -> Vec<FieldInput> {
    let mut out: Vec<FieldInput> = pairs
        .iter()
        .map(|(n, v)| FieldInput {
            name: n.clone(),
            value: v.clone(),
        })
        .collect();
    out.resize(profile::FIELDS_MAX.max(out.len()), FieldInput::default());
    out
}

fn saved_pairs(a: &Account) -> Vec<(String, String)> {
    a.fields
        .0
        .iter()
        .map(|f| (f.name.clone(), f.value.clone()))
        .collect()
}

pub async fn profile_page(State(state): State<AppState>, signed: SignedIn) -> PageResult<Response> {
    let a = &signed.viewer().account;
    let page = ProfileSettingsPage {
        layout: layout(&state, &signed.session, "Edit profile", "settings").await?,
        display_name: a.display_name.clone(),
        note: a.note_source.clone(),
        fields: field_inputs(&saved_pairs(a)),
        locked: a.locked,
        bot: a.is_bot(),
        errors: FormErrors::default(),
        saved: false,
        display_name_max: profile::DISPLAY_NAME_MAX,
        note_max: profile::NOTE_MAX,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub struct ProfileInput {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    field_name_0: String,
    #[serde(default)]
    field_value_0: String,
    #[serde(default)]
    field_name_1: String,
    #[serde(default)]
    field_value_1: String,
    #[serde(default)]
    field_name_2: String,
    #[serde(default)]
    field_value_2: String,
    #[serde(default)]
    field_name_3: String,
    #[serde(default)]
    field_value_3: String,
    locked: Option<String>,
    bot: Option<String>,
}

pub async fn update_profile(
    State(state): State<AppState>,
    signed: SignedIn,
    WebForm(f): WebForm<ProfileInput>,
) -> PageResult<Response> {
    let form = ProfileForm {
        display_name: f.display_name,
        note: f.note,
        fields: vec![
            (f.field_name_0, f.field_value_0),
            (f.field_name_1, f.field_value_1),
            (f.field_name_2, f.field_value_2),
            (f.field_name_3, f.field_value_3),
        ],
        locked: checked(&f.locked),
        bot: checked(&f.bot),
    };
    let account = &signed.viewer().account;
    let (errors, status) = match profile::update(&state, account, &form).await {
        Ok(()) => (FormErrors::default(), axum::http::StatusCode::OK),
        Err(e) if e.kind == ErrorKind::Validation => (FormErrors::from_app(&e), e.kind.status()),
        Err(e) => return Err(e.into()),
    };
    let saved = !errors.any();
    let mut layout = layout(&state, &signed.session, "Edit profile", "settings").await?;
    if saved {
        layout.notice = Some("Your profile has been saved.".into());
    }
    let page = ProfileSettingsPage {
        layout,
        display_name: form.display_name,
        note: form.note,
        fields: field_inputs(&form.fields),
        locked: form.locked,
        bot: form.bot,
        errors,
        saved,
        display_name_max: profile::DISPLAY_NAME_MAX,
        note_max: profile::NOTE_MAX,
    };
    Ok((status, Html(page.render()?)).into_response())
}

pub async fn password_page(
    State(state): State<AppState>,
    signed: SignedIn,
) -> PageResult<Response> {
    let page = PasswordSettingsPage {
        layout: layout(&state, &signed.session, "Change password", "settings").await?,
        errors: FormErrors::default(),
        saved: false,
        password_min: registration::PASSWORD_MIN,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub struct PasswordInput {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
}

pub async fn update_password(
    State(state): State<AppState>,
    signed: SignedIn,
    WebForm(f): WebForm<PasswordInput>,
) -> PageResult<Response> {
    let result = sessions::change_password(
        &state,
        signed.viewer(),
        &f.current_password,
        &f.password,
        &f.password_confirmation,
    )
    .await;
    let (errors, status) = match result {
        Ok(()) => (FormErrors::default(), axum::http::StatusCode::OK),
        Err(e) if e.kind == ErrorKind::Validation => (FormErrors::from_app(&e), e.kind.status()),
        Err(e) => return Err(e.into()),
    };
    let saved = !errors.any();
    let mut layout = layout(&state, &signed.session, "Change password", "settings").await?;
    if saved {
        layout.notice =
            Some("Your password has been changed. Other sessions were logged out.".into());
    }
    let page = PasswordSettingsPage {
        layout,
        errors,
        saved,
        password_min: registration::PASSWORD_MIN,
    };
    Ok((status, Html(page.render()?)).into_response())
}

fn authorized_app_view(a: &AuthorizedApp) -> AuthorizedAppView {
    let scopes = Scopes::parse(&a.scopes).unwrap_or_else(|_| Scopes::default_for_app());
    let website_label = a
        .website
        .as_deref()
        .map(|w| {
            url::Url::parse(w)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_else(|| w.to_string())
        })
        .unwrap_or_default();
    AuthorizedAppView {
        id: a.application_id.to_string(),
        name: a.name.clone(),
        website: a.website.clone(),
        website_label,
        scope_lines: scope_lines(&scopes),
        authorized_iso: views::iso(a.authorized_at),
        authorized_full: views::full_time(a.authorized_at),
        last_used: a.last_used_at.map(|t| (views::iso(t), views::full_time(t))),
    }
}

#[derive(Deserialize)]
pub struct AuthorizedAppsQuery {
    /// Set by the redirect after a revoke, to say that it worked.
    revoked: Option<String>,
}

pub async fn authorized_apps_page(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(q): Query<AuthorizedAppsQuery>,
) -> PageResult<Response> {
    let apps = oauth::authorized_apps(&state, &signed.viewer().user).await?;
    let mut layout = layout(&state, &signed.session, "Authorised apps", "settings").await?;
    if checked(&q.revoked) {
        layout.notice = Some("Access revoked. The app has been logged out.".into());
    }
    let page = AuthorizedAppsPage {
        layout,
        apps: apps.iter().map(authorized_app_view).collect(),
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub struct RevokeInput {}

pub async fn revoke_app(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    WebForm(_): WebForm<RevokeInput>,
) -> PageResult<Response> {
    let id: ApplicationId = id.parse().map_err(|_| AppError::not_found())?;
    oauth::revoke_app(&state, &signed.viewer().user, id).await?;
    Ok(see_other(&format!("{AUTHORIZED_APPS}?revoked=1")))
}
