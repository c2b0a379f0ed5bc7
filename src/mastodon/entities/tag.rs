//! Tag: a hashtag with a week of daily use (search results, and later followed and
//! featured tags and the trends).

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Tag {
    pub id: String,
    pub name: String,
    pub url: String,
    /// Today first, seven days.
    pub history: Vec<TagHistory>,
    /// Whether the signed-in viewer follows the tag (absent for visitors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub following: Option<bool>,
}

/// One day's use; every number is a string, as Mastodon sends them.
#[derive(Debug, Clone, Serialize)]
pub struct TagHistory {
    /// Unix time of the day's midnight (UTC).
    pub day: String,
    pub uses: String,
    pub accounts: String,
}
