//! The length of a post as Mastodon counts it against the character limit.

use super::extract::{Entity, Extracted, extract};

/// Characters a link counts for, whatever its real length
/// (`characters_reserved_per_url` in the instance API).
pub const URL_LENGTH: usize = 23;

/// Counts `text` the way Mastodon counts a post against its limit.
///
/// The algorithm, for anyone re-implementing it (e.g. the compose box in JavaScript):
///
/// 1. Find the links, mentions and hashtags with the rules of [`extract`](super::extract)
///    (where two overlap, the one starting first wins).
/// 2. Replace every link by [`URL_LENGTH`] (23) characters, and every mention
///    `@user@domain` by `@user` (a mention without domain is left as is; hashtags too).
/// 3. Count Unicode code points (scalar values) of the result. In JavaScript that is
///    `[...s].length`, not `s.length` (which counts UTF-16 units, so an emoji would count 2).
///
/// No trimming happens here: like Mastodon, store and count the text with leading and trailing
/// whitespace removed. Mastodon's server counts grapheme clusters where this counts code
/// points, so a multi-code-point emoji counts more here than there.
///
/// Entities whose range overlaps an earlier one or does not fit `text` are counted as plain
/// text, so a mismatched `extracted` gives a wrong number, never a panic.
pub fn count_chars(text: &str, extracted: &Extracted) -> usize {
    let mut count = 0;
    let mut cursor = 0;
    for (range, entity) in extracted.entities() {
        if range.start < cursor {
            continue;
        }
        let (Some(before), Some(raw)) = (text.get(cursor..range.start), text.get(range.clone()))
        else {
            continue;
        };
        count += before.chars().count();
        count += match entity {
            Entity::Link => URL_LENGTH,
            Entity::Mention(mention) => 1 + mention.username.chars().count(),
            Entity::Tag(_) => raw.chars().count(),
        };
        cursor = range.end;
    }
    count + text.get(cursor..).map_or(0, |rest| rest.chars().count())
}

/// [`count_chars`] after extracting the entities of `text`.
pub fn status_length(text: &str) -> usize {
    count_chars(text, &extract(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::extract::{MentionRef, Span};

    #[test]
    fn plain_text_counts_chars() {
        assert_eq!(status_length(""), 0);
        assert_eq!(status_length("hello"), 5);
        assert_eq!(status_length("a\nb"), 3);
    }

    #[test]
    fn multibyte_counts_code_points() {
        assert_eq!(status_length("héllo"), 5);
        assert_eq!(status_length("日本語"), 3);
        assert_eq!(status_length("😀"), 1);
        // Flag: two regional indicators. Family: four people joined by three ZWJ.
        assert_eq!(status_length("🇫🇷"), 2);
        assert_eq!(status_length("👨‍👩‍👧‍👦"), 7);
    }

    #[test]
    fn any_url_counts_23() {
        assert_eq!(status_length("https://x.test"), URL_LENGTH);
        let long = format!("https://example.com/{}", "a".repeat(200));
        assert_eq!(status_length(&format!("see {long} ok")), 4 + 23 + 3);
    }

    #[test]
    fn remote_mention_counts_without_domain() {
        assert_eq!(status_length("@bob@remote.example hi"), "@bob hi".len());
        assert_eq!(status_length("@bob hi"), 7);
        assert_eq!(status_length("@Bob@REMOTE.test"), 4);
    }

    #[test]
    fn hashtags_count_in_full() {
        assert_eq!(status_length("#rust"), 5);
    }

    #[test]
    fn url_heavy_post_fits_500_though_longer_raw() {
        let url = format!("https://example.com/{}", "p".repeat(180));
        let text = format!(
            "{} {url} {} {url} {}",
            "a".repeat(150),
            "b".repeat(150),
            "c".repeat(150)
        );
        // 450 letters, 4 spaces, 2 links of 23.
        assert_eq!(status_length(&text), 500);
        assert!(text.chars().count() > 800);
    }

    #[test]
    fn mismatched_extraction_does_not_panic() {
        let extracted = Extracted {
            links: vec![Span { range: 2..50 }, Span { range: 1..3 }],
            mentions: vec![MentionRef {
                range: 1..2,
                username: "x".into(),
                domain: None,
            }],
            tags: Vec::new(),
        };
        let text = "é and more";
        // 1..3 and 1..2 split 'é', 2..50 overruns: all ignored as entities.
        assert_eq!(count_chars(text, &extracted), text.chars().count());
    }
}
