//! The text pipeline, Mastodon-compatible.
//!
//! - Local posts, bios and profile fields are plain text: [`extract`] finds links, mentions
//!   and hashtags, [`count_chars`] measures against the character limit, and
//!   [`render_status`], [`render_bio`] and [`render_plain_with_links`] produce the HTML that
//!   Mastodon would.
//! - Remote HTML is untrusted: [`sanitize_remote_html`] cleans it to Mastodon's allow-list,
//!   [`html_to_plain`] makes text of it.

mod count;
mod emoji;
mod extract;
pub mod languages;
mod render;
mod sanitize;

pub use count::{URL_LENGTH, count_chars, status_length};
pub use emoji::emojify;
pub use extract::{Extracted, MentionRef, Span, TagRef, extract};
pub use render::{
    MentionTarget, ResolveMention, TagUrl, escape_html, render_bio, render_plain_with_links,
    render_status,
};
pub use sanitize::{html_to_plain, sanitize_remote_html, sanitize_remote_html_relinking};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn resolve_all(m: &MentionRef) -> Option<MentionTarget> {
        Some(MentionTarget {
            url: format!("https://x.test/@{}", m.username),
            display: m.username.clone(),
        })
    }

    fn tag_url(name: &str) -> String {
        format!("https://x.test/tags/{name}")
    }

    /// Text made mostly of the characters the scanners care about.
    fn tricky_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("@".to_owned()),
            Just("#".to_owned()),
            Just("https://".to_owned()),
            Just("://".to_owned()),
            Just(".".to_owned()),
            Just("\n".to_owned()),
            Just("\r\n".to_owned()),
            Just("<a href=\"".to_owned()),
            Just("&amp;".to_owned()),
            Just("\u{200C}".to_owned()),
            Just("·".to_owned()),
            "[a-zA-Z0-9_/=()é日 -]{1,6}",
            any::<char>().prop_map(String::from),
        ];
        prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
    }

    fn check_everything(text: &str) {
        let extracted = extract(text);
        let mut last_end = 0;
        for (range, _) in extracted.entities() {
            assert!(range.start >= last_end, "overlap in {text:?}");
            assert!(text.get(range.clone()).is_some(), "bad range in {text:?}");
            last_end = range.end;
        }
        for mention in &extracted.mentions {
            assert!(text[mention.range.clone()].starts_with('@'));
        }
        for tag in &extracted.tags {
            assert_eq!(&text[tag.range.clone()], format!("#{}", tag.name));
        }
        let count = count_chars(text, &extracted);
        if extracted.links.is_empty() {
            assert!(count <= text.chars().count());
        }
        let status = render_status(text, &extracted, &resolve_all, &tag_url);
        let field = render_plain_with_links(text, &extracted, &resolve_all, &tag_url);
        let _ = render_bio(text, &extracted, &|_| None, &tag_url);
        let _ = sanitize_remote_html(text);
        let _ = sanitize_remote_html(&status);
        let _ = html_to_plain(text);
        let _ = html_to_plain(&field);
        assert!(!status.contains("<script"));
    }

    proptest! {
        #[test]
        fn pipeline_never_panics_on_any_string(text in any::<String>()) {
            check_everything(&text);
        }

        #[test]
        fn pipeline_never_panics_on_tricky_text(text in tricky_text()) {
            check_everything(&text);
        }

        #[test]
        fn text_without_entities_round_trips_through_plain(text in "[a-z <>&\"']{1,40}") {
            let extracted = extract(&text);
            let html = render_plain_with_links(&text, &extracted, &resolve_all, &tag_url);
            let trimmed = text.trim_matches(' ');
            prop_assert_eq!(html_to_plain(&html), trimmed.trim_end());
        }
    }

    #[test]
    fn rendered_status_survives_sanitising() {
        let text = "@bob #tag https://example.com/a/long/path/that/is/cut/somewhere";
        let html = render_status(text, &extract(text), &resolve_all, &tag_url);
        let clean = sanitize_remote_html(&html);
        for kept in [
            "h-card",
            "u-url mention",
            "mention hashtag",
            "invisible",
            "ellipsis",
        ] {
            assert!(clean.contains(kept), "{kept} lost in {clean}");
        }
        assert_eq!(
            html_to_plain(&html),
            "@bob #tag https://example.com/a/long/path/that/is/cut/somewhere"
        );
    }
}
