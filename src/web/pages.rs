//! One askama template struct per page. Every page carries a `Layout` (site name, the
//! signed-in person, CSRF token, navigation state) used by `templates/layout.html`.

use crate::service::instance::InstanceInfo;
use crate::web::views::{AccountView, NotificationView, ProfileView, RelationshipView, StatusView};
use askama::Template;

/// What every page's frame needs.
#[derive(Debug, Clone)]
pub struct Layout {
    pub site_title: String,
    pub site_short_description: String,
    pub domain: String,
    pub rules: Vec<RuleView>,
    /// The `<title>` of this page (without the site name).
    pub page_title: String,
    pub viewer: Option<ViewerNav>,
    pub csrf_token: String,
    /// Unread notifications (0 when logged out).
    pub unread_count: i64,
    /// Pending follow requests (0 when logged out).
    pub requests_count: i64,
    /// Which navigation entry is current: home, local, notifications, profile, settings, about, "".
    pub nav: &'static str,
    pub css_url: String,
    pub js_url: String,
    pub icons_url: String,
    /// Composer in the right column (desktop) for signed-in people.
    pub composer: Composer,
    /// A one-off notice shown at the top (e.g. "Your post was published").
    pub notice: Option<String>,
    /// OpenGraph / alternate links for public pages.
    pub meta: PageMeta,
    /// Path and query of the current request: forms send people back here.
    pub here: String,
}

#[derive(Debug, Clone, Default)]
pub struct PageMeta {
    pub description: String,
    pub canonical_url: String,
    /// `<link rel="alternate" type="application/activity+json">` target.
    pub activity_json_url: String,
    pub og_type: &'static str,
}

#[derive(Debug, Clone)]
pub struct RuleView {
    pub number: usize,
    pub text: String,
    pub hint: String,
}

#[derive(Debug, Clone)]
pub struct ViewerNav {
    pub account: AccountView,
    pub is_staff: bool,
}

/// The composer form, wherever it is drawn.
#[derive(Debug, Clone, Default)]
pub struct Composer {
    pub max_chars: usize,
    pub url_length: usize,
    /// Prefilled text (a reply's mentions, or what was typed before an error).
    pub text: String,
    pub spoiler_text: String,
    /// public, unlisted, private or direct.
    pub visibility: String,
    /// The status replied to, if any (its id goes into a hidden field).
    pub in_reply_to_id: String,
    pub error: Option<String>,
    /// Path to come back to after publishing.
    pub return_to: String,
    /// The status being edited (empty for a new post): the form saves it instead, and
    /// its visibility cannot change.
    pub edit_id: String,
}

/// Field values and errors of a form shown again after an error.
#[derive(Debug, Clone, Default)]
pub struct FormErrors {
    pub errors: Vec<(String, String)>,
}

impl FormErrors {
    pub fn from_app(e: &crate::error::AppError) -> FormErrors {
        let mut errors: Vec<(String, String)> = e
            .fields
            .iter()
            .map(|(f, m)| (f.to_string(), m.clone()))
            .collect();
        if errors.is_empty() {
            errors.push(("base".into(), e.message().to_string()));
        }
        FormErrors { errors }
    }

    /// The message for a field, or "" (templates test `!= ""`).
    pub fn get(&self, field: &str) -> &str {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .unwrap_or("")
    }

    pub fn any(&self) -> bool {
        !self.errors.is_empty()
    }
}

pub fn rules_view(info: &InstanceInfo) -> Vec<RuleView> {
    info.rules
        .iter()
        .enumerate()
        .map(|(i, r)| RuleView {
            number: i + 1,
            text: r.text.clone(),
            hint: r.hint.clone(),
        })
        .collect()
}

/// Logged-out front page: what the server is, its rules, sign-up and log-in.
#[derive(Template)]
#[template(path = "public/landing.html")]
pub struct LandingPage {
    pub layout: Layout,
    pub user_count: i64,
    pub status_count: i64,
    /// Recent public local posts, as a taste.
    pub statuses: Vec<StatusView>,
}

#[derive(Template)]
#[template(path = "public/about.html")]
pub struct AboutPage {
    pub layout: Layout,
    pub extended_description: String,
    pub contact_email: String,
    pub contact_account: Option<AccountView>,
    pub user_count: i64,
    pub status_count: i64,
}

#[derive(Template)]
#[template(path = "auth/sign_up.html")]
pub struct SignUpPage {
    pub layout: Layout,
    pub display_name: String,
    pub username: String,
    pub email: String,
    pub agreement: bool,
    pub errors: FormErrors,
    pub registrations_open: bool,
    pub username_max: usize,
    pub password_min: usize,
}

#[derive(Template)]
#[template(path = "auth/sign_in.html")]
pub struct SignInPage {
    pub layout: Layout,
    pub login: String,
    pub error: Option<String>,
    /// Set when the password was right but the address is not confirmed yet: the page
    /// offers to send the mail again.
    pub unconfirmed_email: Option<String>,
    pub return_to: String,
}

/// A short page with a heading and a paragraph (e.g. "Check your inbox").
#[derive(Template)]
#[template(path = "auth/message.html")]
pub struct MessagePage {
    pub layout: Layout,
    pub heading: String,
    pub message: String,
    /// Optional follow-up link (path, label).
    pub link: Option<(String, String)>,
}

/// Ask for the confirmation mail again.
#[derive(Template)]
#[template(path = "auth/confirmation_new.html")]
pub struct ConfirmationNewPage {
    pub layout: Layout,
    pub email: String,
    pub error: Option<String>,
}

/// Ask for a password-reset link.
#[derive(Template)]
#[template(path = "auth/password_new.html")]
pub struct PasswordNewPage {
    pub layout: Layout,
    pub email: String,
}

/// Choose a new password through a reset link.
#[derive(Template)]
#[template(path = "auth/password_edit.html")]
pub struct PasswordEditPage {
    pub layout: Layout,
    pub token: String,
    pub errors: FormErrors,
    pub password_min: usize,
}

/// Home, local and hashtag timelines.
#[derive(Template)]
#[template(path = "timelines/timeline.html")]
pub struct TimelinePage {
    pub layout: Layout,
    pub heading: String,
    /// Shown under the heading (e.g. "Posts from people on this server").
    pub subheading: String,
    pub statuses: Vec<StatusView>,
    /// Path of the next (older) page, when there is one.
    pub next_page: Option<String>,
    pub empty_message: String,
    /// Suggestions for an empty home timeline.
    pub suggestions: Vec<AccountView>,
    /// Which live stream the script may follow: "home", "local", "" (none).
    pub stream: &'static str,
    /// Newest id shown (the script asks for posts newer than this).
    pub newest_id: String,
}

#[derive(Template)]
#[template(path = "profile/profile.html")]
pub struct ProfilePage {
    pub layout: Layout,
    pub profile: ProfileView,
    pub relationship: RelationshipView,
    /// posts or replies
    pub tab: &'static str,
    pub statuses: Vec<StatusView>,
    pub next_page: Option<String>,
}

/// Followers or following of an account.
#[derive(Template)]
#[template(path = "profile/follows.html")]
pub struct FollowListPage {
    pub layout: Layout,
    pub profile: ProfileView,
    /// followers or following
    pub which: &'static str,
    pub accounts: Vec<AccountView>,
    pub next_page: Option<String>,
}

#[derive(Template)]
#[template(path = "statuses/thread.html")]
pub struct ThreadPage {
    pub layout: Layout,
    pub ancestors: Vec<StatusView>,
    pub focus: StatusView,
    /// Replies with their depth (1 = direct reply; show deeper ones indented once).
    pub descendants: Vec<(StatusView, i32)>,
    /// Reply composer under the focused post (signed-in only).
    pub reply: Option<Composer>,
}

/// The composer as its own page (phones, "Reply" without JavaScript, errors).
#[derive(Template)]
#[template(path = "statuses/compose.html")]
pub struct ComposePage {
    pub layout: Layout,
    pub reply_to: Option<StatusView>,
    pub composer: Composer,
    pub editing: bool,
}

/// Confirm deleting a post (the no-JavaScript path).
#[derive(Template)]
#[template(path = "statuses/delete.html")]
pub struct DeleteStatusPage {
    pub layout: Layout,
    pub status: StatusView,
}

#[derive(Template)]
#[template(path = "notifications/index.html")]
pub struct NotificationsPage {
    pub layout: Layout,
    pub items: Vec<NotificationView>,
    /// "" (all), mention, reblog, favourite, follow
    pub filter: String,
    pub next_page: Option<String>,
}

#[derive(Template)]
#[template(path = "notifications/follow_requests.html")]
pub struct FollowRequestsPage {
    pub layout: Layout,
    pub requests: Vec<AccountView>,
}

#[derive(Debug, Clone, Default)]
pub struct FieldInput {
    pub name: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "settings/profile.html")]
pub struct ProfileSettingsPage {
    pub layout: Layout,
    pub display_name: String,
    pub note: String,
    /// Always 4 rows (empty ones for unused fields).
    pub fields: Vec<FieldInput>,
    pub locked: bool,
    pub bot: bool,
    pub errors: FormErrors,
    pub saved: bool,
    pub display_name_max: usize,
    pub note_max: usize,
}

#[derive(Template)]
#[template(path = "settings/password.html")]
pub struct PasswordSettingsPage {
    pub layout: Layout,
    pub errors: FormErrors,
    pub saved: bool,
    pub password_min: usize,
}

/// One app on the authorised-apps page.
#[derive(Debug, Clone)]
pub struct AuthorizedAppView {
    pub id: String,
    pub name: String,
    pub website: Option<String>,
    /// The website's host, as the link's text.
    pub website_label: String,
    /// What the granted scopes allow, in words.
    pub scope_lines: Vec<&'static str>,
    pub authorized_iso: String,
    pub authorized_full: String,
    /// (ISO time, readable time); `None` when the app never used its token.
    pub last_used: Option<(String, String)>,
}

/// `/oauth/authorized_applications`: the apps a person let use their account.
#[derive(Template)]
#[template(path = "settings/authorized_apps.html")]
pub struct AuthorizedAppsPage {
    pub layout: Layout,
    pub apps: Vec<AuthorizedAppView>,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub status: u16,
    pub heading: String,
    pub message: String,
}

/// Finding people, here or on other servers.
#[derive(Template)]
#[template(path = "search/index.html")]
pub struct SearchPage {
    pub layout: Layout,
    pub query: String,
    pub accounts: Vec<AccountView>,
    /// A post found by its link.
    pub statuses: Vec<StatusView>,
    /// "No accounts found." and the like.
    pub message: Option<String>,
    /// Shown to visitors: remote lookups need an account.
    pub hint: Option<String>,
}
