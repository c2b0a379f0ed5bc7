//! Editing one's own profile.

use crate::db;
use crate::db::accounts::{Account, ProfileField, ProfileUpdate};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::state::AppState;
use crate::text;

pub const DISPLAY_NAME_MAX: usize = 30;
pub const NOTE_MAX: usize = 500;
pub const FIELDS_MAX: usize = 4;
pub const FIELD_NAME_MAX: usize = 255;
pub const FIELD_VALUE_MAX: usize = 255;

#[derive(Debug, Clone, Default)]
pub struct ProfileForm {
    pub display_name: String,
    pub note: String,
    /// (name, value) pairs as typed; empty pairs are dropped.
    pub fields: Vec<(String, String)>,
    pub locked: bool,
    pub bot: bool,
}

/// Validates and saves the profile, rendering the bio and field values to HTML.
pub async fn update(state: &AppState, account: &Account, form: &ProfileForm) -> AppResult<()> {
    let mut errors = FieldErrors::new();
    let display_name = form.display_name.trim();
    if display_name.chars().count() > DISPLAY_NAME_MAX {
        errors.push((
            "display_name",
            format!("Display name is too long (maximum is {DISPLAY_NAME_MAX} characters)"),
        ));
    }
    let note = form.note.replace("\r\n", "\n");
    let note = note.trim();
    if note.chars().count() > NOTE_MAX {
        errors.push((
            "note",
            format!("Bio is too long (maximum is {NOTE_MAX} characters)"),
        ));
    }
    let pairs: Vec<(&str, &str)> = form
        .fields
        .iter()
        .map(|(n, v)| (n.trim(), v.trim()))
        .filter(|(n, v)| !n.is_empty() || !v.is_empty())
        .collect();
    if pairs.len() > FIELDS_MAX {
        errors.push((
            "fields",
            format!("You can have at most {FIELDS_MAX} profile fields"),
        ));
    }
    if pairs
        .iter()
        .any(|(n, v)| n.chars().count() > FIELD_NAME_MAX || v.chars().count() > FIELD_VALUE_MAX)
    {
        errors.push((
            "fields",
            format!(
                "Profile field labels and contents are limited to {FIELD_VALUE_MAX} characters"
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let note_html = render_with_mentions(state, note, false).await?;
    let mut fields = Vec::with_capacity(pairs.len());
    for (name, value) in pairs {
        fields.push(ProfileField {
            name: name.to_string(),
            value: value.to_string(),
            value_html: render_with_mentions(state, value, true).await?,
            verified_at: None,
        });
    }
    let mut tx = state.db.begin().await?;
    db::accounts::update_profile(
        &mut *tx,
        account.id,
        &ProfileUpdate {
            display_name,
            note: &note_html,
            note_source: note,
            fields: &fields,
            locked: form.locked,
            bot: form.bot,
        },
    )
    .await?;
    // Followers elsewhere see the new profile: an Update of the actor.
    if let Some(updated) = db::accounts::find(&mut *tx, account.id).await? {
        crate::activitypub::outbox::profile_updated(&mut tx, &state.urls, &updated).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Renders a bio (`field = false`) or a profile-field value, linking known mentions.
async fn render_with_mentions(state: &AppState, source: &str, field: bool) -> AppResult<String> {
    let extracted = text::extract(source);
    let local_domain = state.urls.domain().to_lowercase();
    let handles: Vec<(String, Option<String>)> = extracted
        .mentions
        .iter()
        .map(|m| {
            (
                m.username.to_lowercase(),
                m.domain
                    .as_ref()
                    .map(|d| d.to_lowercase())
                    .filter(|d| *d != local_domain),
            )
        })
        .collect();
    let known = if handles.is_empty() {
        Vec::new()
    } else {
        db::accounts::find_by_handles(&state.db, &handles).await?
    };
    let resolve = |m: &text::MentionRef| {
        let domain = m
            .domain
            .as_ref()
            .map(|d| d.to_lowercase())
            .filter(|d| *d != local_domain);
        known
            .iter()
            .find(|a| {
                a.username.eq_ignore_ascii_case(&m.username)
                    && a.domain.as_ref().map(|d| d.to_lowercase()) == domain
            })
            .map(|a| text::MentionTarget {
                url: a.url.clone().unwrap_or_else(|| a.uri.clone()),
                display: a.username.clone(),
            })
    };
    let tag_url = |name: &str| state.urls.tag_url(name);
    Ok(if field {
        text::render_plain_with_links(source, &extracted, &resolve, &tag_url)
    } else {
        text::render_bio(source, &extracted, &resolve, &tag_url)
    })
}

/// Posting defaults as `source[privacy|sensitive|language]` change them: only what is
/// given changes; an empty language clears it.
#[derive(Debug, Default)]
pub struct PostingDefaultsChange {
    pub privacy: Option<String>,
    pub sensitive: Option<bool>,
    pub language: Option<String>,
}

pub async fn set_posting_defaults(
    state: &AppState,
    user: &db::users::User,
    change: &PostingDefaultsChange,
) -> AppResult<()> {
    let mut next = user.settings.0.clone();
    let mut errors: FieldErrors = Vec::new();
    if let Some(p) = &change.privacy {
        if matches!(p.as_str(), "public" | "unlisted" | "private") {
            next.default_privacy = Some(p.clone());
        } else {
            errors.push((
                "source[privacy]",
                "Privacy is not included in the list".into(),
            ));
        }
    }
    if let Some(s) = change.sensitive {
        next.default_sensitive = s;
    }
    if let Some(l) = &change.language {
        if l.is_empty() {
            next.default_language = None;
        } else if text::languages::is_known(l) {
            next.default_language = Some(l.clone());
        } else {
            errors.push((
                "source[language]",
                "Language is not included in the list".into(),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    db::users::set_posting_defaults(&state.db, user.id, &next).await?;
    Ok(())
}
