//! HTML for local posts, bios and profile fields, byte-for-byte like Mastodon's
//! `TextFormatter`: escaped text, links shortened with invisible/ellipsis spans, h-card
//! mentions, hashtag links, and `<p>`/`<br />` for statuses and bios.

use std::sync::LazyLock;

use regex::Regex;

use super::extract::{Entity, Extracted, MentionRef};

/// What a mention links to once resolved to an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MentionTarget {
    /// The account's profile URL.
    pub url: String,
    /// What follows the `@` in the link text: `bob`, or `bob@remote.test`.
    pub display: String,
}

/// Resolves a mention to its account, `None` when there is no such account.
pub type ResolveMention<'a> = &'a dyn Fn(&MentionRef) -> Option<MentionTarget>;
/// Builds the URL of a hashtag's page from its name as written.
pub type TagUrl<'a> = &'a dyn Fn(&str) -> String;

/// Characters of a link shown before the ellipsis, after the hidden scheme prefix.
const LINK_DISPLAY_CHARS: usize = 30;
const REL: &str = "nofollow noopener";
const REL_ME: &str = "nofollow noopener me";

/// Mastodon's `URL_PREFIX_REGEX`, hidden in front of a link's visible text (case-sensitive).
static URL_PREFIX_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:https?://(?:www\.)?|xmpp:)").expect("valid prefix regex"));
static PARAGRAPH_BREAK_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\n\n+").expect("valid paragraph regex"));

/// Renders a local status: paragraphs on blank lines, `<br />` on single newlines.
/// Whitespace-only text gives "".
pub fn render_status(
    text: &str,
    extracted: &Extracted,
    resolve: ResolveMention<'_>,
    tag_url: TagUrl<'_>,
) -> String {
    let inline = render_inline(text, extracted, resolve, tag_url, REL);
    if inline.is_empty() {
        return inline;
    }
    paragraphs(&inline)
}

/// Renders a local account's bio: exactly like a status.
pub fn render_bio(
    text: &str,
    extracted: &Extracted,
    resolve: ResolveMention<'_>,
    tag_url: TagUrl<'_>,
) -> String {
    render_status(text, extracted, resolve, tag_url)
}

/// Renders a profile field value: like a status but without paragraphs or `<br />`
/// (newlines are kept as they are), and links carry `rel="nofollow noopener me"` for
/// rel-me verification. Mastodon shows mentions here with their domain, so `resolve`
/// should give `display` as `user@domain`.
pub fn render_plain_with_links(
    text: &str,
    extracted: &Extracted,
    resolve: ResolveMention<'_>,
    tag_url: TagUrl<'_>,
) -> String {
    render_inline(text, extracted, resolve, tag_url, REL_ME)
}

/// Escapes `& < > " '` as Rails' `html_escape` does.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s);
    out
}

fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Escaped text with entities replaced by their HTML; newlines untouched.
/// Leading and trailing whitespace is dropped (Mastodon strips post text before saving).
fn render_inline(
    text: &str,
    extracted: &Extracted,
    resolve: ResolveMention<'_>,
    tag_url: TagUrl<'_>,
    rel: &str,
) -> String {
    if text.trim().is_empty() {
        return String::new();
    }
    let start = text.len() - text.trim_start_matches(is_ruby_space).len();
    let end = text.trim_end_matches(is_ruby_space).len();
    let mut html = String::with_capacity(text.len() * 2);
    let mut cursor = start;
    for (range, entity) in extracted.entities() {
        if range.start < cursor || range.end > end {
            continue;
        }
        let (Some(before), Some(raw)) = (text.get(cursor..range.start), text.get(range.clone()))
        else {
            continue;
        };
        push_escaped(&mut html, before);
        match entity {
            Entity::Link => push_link(&mut html, raw, rel),
            Entity::Mention(mention) => push_mention(&mut html, raw, resolve(mention)),
            Entity::Tag(tag) => push_tag(&mut html, &tag.name, &tag_url(&tag.name)),
        }
        cursor = range.end;
    }
    push_escaped(&mut html, text.get(cursor..end).unwrap_or(""));
    html
}

/// Ruby's `String#strip` set: ASCII whitespace and NUL.
fn is_ruby_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{B}' | '\u{C}' | '\r' | '\0')
}

/// `<a>` with the scheme (and `www.`) hidden and the rest cut after 30 characters.
fn push_link(out: &mut String, url: &str, rel: &str) {
    let prefix_len = URL_PREFIX_RE.find(url).map_or(0, |m| m.end());
    let (prefix, rest) = url.split_at(prefix_len);
    let cut = rest
        .char_indices()
        .nth(LINK_DISPLAY_CHARS)
        .map_or(rest.len(), |(i, _)| i);
    let (shown, hidden) = rest.split_at(cut);
    let class = if hidden.is_empty() { "" } else { "ellipsis" };

    out.push_str("<a href=\"");
    push_escaped(out, url);
    out.push_str("\" target=\"_blank\" rel=\"");
    out.push_str(rel);
    out.push_str("\" translate=\"no\"><span class=\"invisible\">");
    push_escaped(out, prefix);
    out.push_str("</span><span class=\"");
    out.push_str(class);
    out.push_str("\">");
    push_escaped(out, shown);
    out.push_str("</span><span class=\"invisible\">");
    push_escaped(out, hidden);
    out.push_str("</span></a>");
}

/// An h-card link when the mention resolved, its escaped text otherwise.
fn push_mention(out: &mut String, raw: &str, target: Option<MentionTarget>) {
    let Some(target) = target else {
        push_escaped(out, raw);
        return;
    };
    out.push_str("<span class=\"h-card\" translate=\"no\"><a href=\"");
    push_escaped(out, &target.url);
    out.push_str("\" class=\"u-url mention\">@<span>");
    push_escaped(out, &target.display);
    out.push_str("</span></a></span>");
}

fn push_tag(out: &mut String, name: &str, url: &str) {
    out.push_str("<a href=\"");
    push_escaped(out, url);
    out.push_str("\" class=\"mention hashtag\" rel=\"tag\">#<span>");
    push_escaped(out, name);
    out.push_str("</span></a>");
}

/// Rails' `simple_format` followed by Mastodon's removal of every `\n`: CR LF and CR become
/// LF, blank lines split `<p>` paragraphs, a newline between two other characters becomes
/// `<br />`, any other newline disappears.
fn paragraphs(html: &str) -> String {
    let normalized = html.replace("\r\n", "\n").replace('\r', "\n");
    let mut parts: Vec<&str> = PARAGRAPH_BREAK_RE.split(&normalized).collect();
    // Ruby's `split` drops trailing empty fields.
    while parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    if parts.is_empty() {
        return "<p></p>".to_owned();
    }
    let mut out = String::with_capacity(normalized.len() + 7 * parts.len());
    for part in parts {
        out.push_str("<p>");
        push_with_breaks(&mut out, part);
        out.push_str("</p>");
    }
    out
}

fn push_with_breaks(out: &mut String, paragraph: &str) {
    let mut prev: Option<char> = None;
    let mut chars = paragraph.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            let between =
                prev.is_some_and(|p| p != '\n') && chars.peek().is_some_and(|&n| n != '\n');
            if between {
                out.push_str("<br />");
            }
        } else {
            out.push(c);
        }
        prev = Some(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::extract::extract;

    fn resolve_known(m: &MentionRef) -> Option<MentionTarget> {
        match (m.username.to_lowercase().as_str(), m.domain.as_deref()) {
            ("bob", None) => Some(MentionTarget {
                url: "https://local.test/@bob".into(),
                display: "bob".into(),
            }),
            ("carol", Some("remote.test")) => Some(MentionTarget {
                url: "https://remote.test/@carol".into(),
                display: "carol@remote.test".into(),
            }),
            _ => None,
        }
    }

    fn tag_url(name: &str) -> String {
        format!("https://local.test/tags/{name}")
    }

    fn status(text: &str) -> String {
        render_status(text, &extract(text), &resolve_known, &tag_url)
    }

    fn field(text: &str) -> String {
        render_plain_with_links(text, &extract(text), &resolve_known, &tag_url)
    }

    #[test]
    fn plain_text_is_one_paragraph() {
        assert_eq!(status("hello"), "<p>hello</p>");
    }

    #[test]
    fn blank_text_renders_empty() {
        assert_eq!(status(""), "");
        assert_eq!(status(" \n\t\n "), "");
        assert_eq!(status("\u{3000}"), "");
    }

    #[test]
    fn newlines_become_breaks_and_paragraphs() {
        assert_eq!(status("a\nb"), "<p>a<br />b</p>");
        assert_eq!(status("a\n\nb"), "<p>a</p><p>b</p>");
        assert_eq!(status("a\n\n\n\nb\nc"), "<p>a</p><p>b<br />c</p>");
        assert_eq!(status("\n\na\n\n"), "<p>a</p>");
    }

    #[test]
    fn windows_and_mac_line_endings_are_normalised() {
        assert_eq!(status("a\r\nb\r\n\r\nc"), "<p>a<br />b</p><p>c</p>");
        assert_eq!(status("a\rb"), "<p>a<br />b</p>");
    }

    #[test]
    fn whitespace_only_paragraph_is_kept() {
        assert_eq!(status("a\n\n \n\nb"), "<p>a</p><p> </p><p>b</p>");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            status("<script>alert('x') & \"y\"</script>"),
            "<p>&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;</p>"
        );
        assert_eq!(escape_html("<>&\"'é"), "&lt;&gt;&amp;&quot;&#39;é");
    }

    #[test]
    fn resolved_mention_is_an_h_card() {
        assert_eq!(
            status("hi @bob!"),
            "<p>hi <span class=\"h-card\" translate=\"no\"><a href=\"https://local.test/@bob\" \
             class=\"u-url mention\">@<span>bob</span></a></span>!</p>"
        );
        assert_eq!(
            status("@carol@Remote.test"),
            "<p><span class=\"h-card\" translate=\"no\"><a href=\"https://remote.test/@carol\" \
             class=\"u-url mention\">@<span>carol@remote.test</span></a></span></p>"
        );
    }

    #[test]
    fn unresolved_mention_stays_text() {
        assert_eq!(status("hi @nobody@x.test"), "<p>hi @nobody@x.test</p>");
    }

    #[test]
    fn mention_target_is_escaped() {
        let resolve = |_: &MentionRef| {
            Some(MentionTarget {
                url: "https://x.test/?a=1&b=\"2\"".into(),
                display: "<b>".into(),
            })
        };
        let text = "@eve";
        assert_eq!(
            render_status(text, &extract(text), &resolve, &tag_url),
            "<p><span class=\"h-card\" translate=\"no\"><a href=\"https://x.test/?a=1&amp;b=&quot;2&quot;\" \
             class=\"u-url mention\">@<span>&lt;b&gt;</span></a></span></p>"
        );
    }

    #[test]
    fn hashtag_keeps_name_as_written() {
        assert_eq!(
            status("#Rust"),
            "<p><a href=\"https://local.test/tags/Rust\" class=\"mention hashtag\" rel=\"tag\">\
             #<span>Rust</span></a></p>"
        );
    }

    #[test]
    fn short_link_has_empty_class_and_empty_tail() {
        assert_eq!(
            status("https://www.example.com/"),
            "<p><a href=\"https://www.example.com/\" target=\"_blank\" rel=\"nofollow noopener\" \
             translate=\"no\"><span class=\"invisible\">https://www.</span><span class=\"\">\
             example.com/</span><span class=\"invisible\"></span></a></p>"
        );
    }

    #[test]
    fn long_link_is_cut_after_30_chars() {
        assert_eq!(
            status("see http://example.com/a/very/long/path/to/something?x=1&y=2"),
            "<p>see <a href=\"http://example.com/a/very/long/path/to/something?x=1&amp;y=2\" \
             target=\"_blank\" rel=\"nofollow noopener\" translate=\"no\"><span class=\"invisible\">\
             http://</span><span class=\"ellipsis\">example.com/a/very/long/path/t</span><span \
             class=\"invisible\">o/something?x=1&amp;y=2</span></a></p>"
        );
    }

    #[test]
    fn link_of_exactly_30_chars_is_not_cut() {
        let url = format!("https://{}", "a".repeat(30));
        let html = status(&url);
        assert!(html.contains(&format!("<span class=\"\">{}</span>", "a".repeat(30))));
        assert!(html.contains("<span class=\"invisible\"></span>"));
    }

    #[test]
    fn multibyte_link_is_cut_by_chars() {
        let url = format!("https://x.test/{}", "é".repeat(30));
        let html = status(&url);
        let shown = format!("x.test/{}", "é".repeat(23));
        assert!(html.contains(&format!("<span class=\"ellipsis\">{shown}</span>")));
        assert!(html.contains(&format!(
            "<span class=\"invisible\">{}</span>",
            "é".repeat(7)
        )));
    }

    #[test]
    fn other_schemes_have_no_hidden_prefix() {
        assert!(
            status("gemini://x.test/").contains(
                "<span class=\"invisible\"></span><span class=\"\">gemini://x.test/</span>"
            )
        );
    }

    #[test]
    fn tags_in_links_render_as_part_of_the_link() {
        let html = status("https://x.test/#tag");
        assert!(!html.contains("hashtag"));
        assert!(html.contains("x.test/#tag"));
    }

    #[test]
    fn field_value_links_carry_rel_me_and_no_paragraphs() {
        assert_eq!(
            field("https://me.test"),
            "<a href=\"https://me.test\" target=\"_blank\" rel=\"nofollow noopener me\" \
             translate=\"no\"><span class=\"invisible\">https://</span><span class=\"\">me.test\
             </span><span class=\"invisible\"></span></a>"
        );
        assert_eq!(field("a & b"), "a &amp; b");
        assert_eq!(field("   "), "");
    }

    #[test]
    fn bio_renders_like_a_status() {
        let text = "I like #rust.\n\nsee @bob";
        assert_eq!(
            render_bio(text, &extract(text), &resolve_known, &tag_url),
            status(text)
        );
    }

    #[test]
    fn mixed_post_renders_every_entity() {
        let html = status("Hi @bob, #tag\nhttps://x.test/@bob");
        assert_eq!(html.matches("h-card").count(), 1);
        assert_eq!(html.matches("hashtag").count(), 1);
        assert!(html.contains("<br /><a href=\"https://x.test/@bob\""));
    }
}
