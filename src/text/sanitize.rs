//! Cleaning HTML that other servers send (Mastodon's `MASTODON_STRICT` allow-list), and
//! turning HTML into plain text. Every entry point caps element nesting first
//! ([`nesting`]): html5ever's tree building is quadratic in the depth.

mod nesting;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use ammonia::{Builder, UrlRelative};

use super::extract::LINK_SCHEMES;

/// Elements whose content goes away with them (the Sanitize gem's `remove_contents`).
const DROPPED_WITH_CONTENT: &[&str] = &[
    "script",
    "style",
    "iframe",
    "math",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
    "svg",
    "xmp",
    "template",
    "textarea",
    "title",
];

/// Class tokens kept besides the microformats prefixes `h-`, `p-`, `u-`, `dt-`, `e-`.
const KEPT_CLASSES: &[&str] = &[
    "mention",
    "hashtag",
    "ellipsis",
    "invisible",
    "quote-inline",
];

/// Cleans remote post or bio HTML down to Mastodon's `MASTODON_STRICT` set: formatting tags
/// only; `lang` everywhere; `href` limited to Mastodon's link schemes (relative URLs
/// dropped); links get `rel="nofollow noopener" target="_blank"`; classes other than
/// microformats and Mastodon's own are dropped; `translate` kept only as `no`.
///
/// Known differences from Mastodon: `h1`–`h6` lose their tag (Mastodon makes them
/// `<p><strong>`), and a link with a refused scheme keeps its `<a>` without `href` (Mastodon
/// replaces it by its text).
pub fn sanitize_remote_html(html: &str) -> String {
    let mut builder = strict_builder();
    builder.attribute_filter(filter_attribute);
    builder.clean(&nesting::cap_nesting(html)).to_string()
}

/// [`sanitize_remote_html`], with link targets found in `links` replaced by their value
/// (a remote hashtag link becomes our tag page, as Mastodon's own apps show it).
pub fn sanitize_remote_html_relinking(html: &str, links: HashMap<String, String>) -> String {
    let mut builder = strict_builder();
    builder.attribute_filter(move |element, attribute, value| {
        if element == "a"
            && attribute == "href"
            && let Some(local) = links.get(value)
        {
            return Some(Cow::Owned(local.clone()));
        }
        filter_attribute(element, attribute, value)
    });
    builder.clean(&nesting::cap_nesting(html)).to_string()
}

/// The allow-list without an attribute filter (ammonia takes exactly one; callers add
/// [`filter_attribute`] or a filter that ends in it).
fn strict_builder() -> Builder<'static> {
    let mut builder = Builder::empty();
    builder
        .tags(HashSet::from([
            "p",
            "br",
            "span",
            "a",
            "del",
            "s",
            "pre",
            "blockquote",
            "code",
            "b",
            "strong",
            "u",
            "i",
            "em",
            "ul",
            "ol",
            "li",
            "ruby",
            "rt",
            "rp",
        ]))
        .clean_content_tags(DROPPED_WITH_CONTENT.iter().copied().collect())
        .generic_attributes(HashSet::from(["lang"]))
        .tag_attributes(HashMap::from([
            ("a", HashSet::from(["href", "class", "translate"])),
            ("span", HashSet::from(["class", "translate"])),
            ("p", HashSet::from(["class"])),
            ("ol", HashSet::from(["start", "reversed"])),
            ("li", HashSet::from(["value"])),
        ]))
        .url_schemes(LINK_SCHEMES.iter().copied().collect())
        .url_relative(UrlRelative::Deny)
        .link_rel(Some("nofollow noopener"))
        .set_tag_attribute_value("a", "target", "_blank");
    builder
}

fn filter_attribute<'u>(_element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    match attribute {
        "class" => {
            let kept: Vec<&str> = value
                .split(['\t', '\n', '\u{C}', '\r', ' '])
                .filter(|token| is_kept_class(token))
                .collect();
            (!kept.is_empty()).then(|| Cow::Owned(kept.join(" ")))
        }
        "translate" => (value == "no").then_some(Cow::Borrowed(value)),
        _ => Some(Cow::Borrowed(value)),
    }
}

fn is_kept_class(token: &str) -> bool {
    ["h-", "p-", "u-", "dt-", "e-"]
        .iter()
        .any(|prefix| token.starts_with(prefix))
        || KEPT_CLASSES.contains(&token)
}

/// Plain text of an HTML fragment, for notifications, e-mails and previews: tags removed,
/// `<br>` as a newline, paragraphs separated by a blank line, entities decoded, scripts and
/// styles dropped with their content.
pub fn html_to_plain(html: &str) -> String {
    // ammonia leaves only `<p>`, `</p>`, `<br>` and text escaped with `&amp; &lt; &gt;
    // &nbsp;` (`&quot;` is decoded too, to be safe), so a tiny scanner finishes the job.
    let cleaned = Builder::empty()
        .tags(HashSet::from(["p", "br"]))
        .clean_content_tags(DROPPED_WITH_CONTENT.iter().copied().collect())
        .generic_attributes(HashSet::new())
        .tag_attributes(HashMap::new())
        .link_rel(None)
        .clean(&nesting::cap_nesting(html))
        .to_string();
    PlainText::default().consume(&cleaned)
}

#[derive(Default)]
struct PlainText {
    out: String,
    paragraph_pending: bool,
}

impl PlainText {
    fn consume(mut self, cleaned: &str) -> String {
        let mut rest = cleaned;
        while !rest.is_empty() {
            let (text, after) = match rest.find('<') {
                Some(0) => ("", rest),
                Some(i) => rest.split_at(i),
                None => (rest, ""),
            };
            self.text(&decode_entities(text));
            rest = after;
            if rest.is_empty() {
                break;
            }
            let tag_end = rest.find('>').map_or(rest.len(), |i| i + 1);
            let (tag, after_tag) = rest.split_at(tag_end);
            self.tag(tag);
            rest = after_tag;
        }
        self.out.truncate(self.out.trim_end().len());
        self.out
    }

    fn tag(&mut self, tag: &str) {
        match tag {
            "<br>" => {
                self.flush_paragraph();
                self.out.push('\n');
            }
            "<p>" | "</p>" => self.paragraph_pending = true,
            _ => {}
        }
    }

    fn text(&mut self, text: &str) {
        if text.trim().is_empty() && (self.paragraph_pending || self.out.is_empty()) {
            return;
        }
        self.flush_paragraph();
        self.out.push_str(text);
    }

    fn flush_paragraph(&mut self) {
        if self.paragraph_pending && !self.out.is_empty() {
            self.out.truncate(self.out.trim_end().len());
            self.out.push_str("\n\n");
        }
        self.paragraph_pending = false;
    }
}

fn decode_entities(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&nbsp;", "\u{A0}")
            .replace("&amp;", "&"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mastodon_status_html_survives() {
        let html = "<p><span class=\"h-card\" translate=\"no\"><a href=\"https://ex.test/@bob\" \
                    class=\"u-url mention\">@<span>bob</span></a></span> hi \
                    <a href=\"https://ex.test/tags/x\" class=\"mention hashtag\" rel=\"tag\">#<span>x</span></a></p>";
        let clean = sanitize_remote_html(html);
        assert!(clean.contains("<span class=\"h-card\" translate=\"no\">"));
        assert!(clean.contains("class=\"u-url mention\""));
        assert!(clean.contains("class=\"mention hashtag\""));
        assert!(clean.contains("rel=\"nofollow noopener\""));
        assert!(clean.contains("target=\"_blank\""));
        assert!(!clean.contains("rel=\"tag\""));
    }

    #[test]
    fn hostile_sample_is_defused() {
        let html = "<p onclick=\"x()\" style=\"color:red\">hi<script>alert(1)</script>\
                    <img src=x onerror=alert(1)>\
                    <a href=\"javascript:alert(1)\">js</a>\
                    <a href=\"/relative\">rel</a>\
                    <style>p{}</style>\
                    <span class=\"evil invisible\">https://</span>\
                    <span class=\"evil\">e</span>\
                    <iframe src=\"https://x.test\">frame</iframe></p>";
        let clean = sanitize_remote_html(html);
        for bad in [
            "script",
            "alert",
            "onclick",
            "onerror",
            "style",
            "img",
            "javascript",
            "relative",
            "evil",
            "iframe",
            "frame",
        ] {
            assert!(!clean.contains(bad), "{bad} left in {clean}");
        }
        assert!(clean.contains("<span class=\"invisible\">https://</span>"));
        assert!(clean.contains("<span>e</span>"));
        assert!(clean.starts_with("<p>hi"));
    }

    #[test]
    fn classes_filtered_by_token() {
        let clean = sanitize_remote_html(
            "<p class=\"p-name evil\"><a href=\"https://x.test\" class=\"ellipsis dt-x quote-inline bad\">a</a></p>",
        );
        assert!(clean.contains("<p class=\"p-name\">"));
        assert!(clean.contains("class=\"ellipsis dt-x quote-inline\""));
    }

    #[test]
    fn translate_only_when_no() {
        let clean =
            sanitize_remote_html("<span translate=\"yes\">a</span><span translate=\"no\">b</span>");
        assert_eq!(clean, "<span>a</span><span translate=\"no\">b</span>");
    }

    #[test]
    fn allowed_schemes_only() {
        let clean = sanitize_remote_html(
            "<a href=\"gemini://g.test/\">g</a><a href=\"ftp://f.test/\">f</a><a href=\"data:text/html,x\">d</a>",
        );
        assert!(clean.contains("href=\"gemini://g.test/\""));
        assert!(!clean.contains("ftp:"));
        assert!(!clean.contains("data:"));
    }

    #[test]
    fn lists_keep_their_numbering_and_lang_is_kept() {
        let clean = sanitize_remote_html(
            "<ol start=\"3\" reversed type=\"a\"><li value=\"5\" lang=\"fr\">a</li></ol>",
        );
        assert_eq!(
            clean,
            "<ol start=\"3\" reversed=\"\"><li value=\"5\" lang=\"fr\">a</li></ol>"
        );
    }

    #[test]
    fn remote_rel_is_replaced() {
        let clean = sanitize_remote_html("<a href=\"https://x.test\" rel=\"me opener\">x</a>");
        assert!(clean.contains("rel=\"nofollow noopener\""));
        assert!(!clean.contains("opener\" rel") && !clean.contains("me opener"));
    }

    #[test]
    fn plain_text_of_paragraphs_and_breaks() {
        assert_eq!(html_to_plain("<p>a<br>b</p><p>c</p>"), "a\nb\n\nc");
        assert_eq!(html_to_plain("<p>a<br />b</p>\n<p>c</p>\n"), "a\nb\n\nc");
        assert_eq!(html_to_plain(""), "");
    }

    #[test]
    fn plain_text_decodes_entities_and_drops_tags() {
        assert_eq!(
            html_to_plain("<p>1 &lt; 2 &amp;&amp; &quot;x&quot; &#39;y&#39; &eacute;&nbsp;!</p>"),
            "1 < 2 && \"x\" 'y' é\u{A0}!"
        );
        assert_eq!(
            html_to_plain(
                "<p><span class=\"h-card\"><a href=\"https://x.test/@bob\">@<span>bob</span></a></span> hi</p>"
            ),
            "@bob hi"
        );
        assert_eq!(
            html_to_plain("a<script>x()</script><style>p{}</style>b"),
            "ab"
        );
    }

    #[test]
    fn deeply_nested_html_is_cut_before_it_is_parsed() {
        let started = std::time::Instant::now();
        let lists = format!("{}deep", "<ul><li>".repeat(12_000));
        let clean = sanitize_remote_html(&lists);
        assert_eq!(clean.matches("<ul>").count(), nesting::MAX_DEPTH / 2);
        assert!(clean.contains("deep"));
        let relinked = sanitize_remote_html_relinking(&lists, HashMap::new());
        assert_eq!(relinked, clean);
        assert_eq!(html_to_plain(&format!("{}x", "<ol>".repeat(40_000))), "x");
        assert_eq!(html_to_plain(&format!("{}x", "<b>".repeat(300_000))), "x");
        // Linear: seconds in a debug build, not the minutes of a quadratic parse.
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn plain_text_of_broken_html() {
        assert_eq!(html_to_plain("<p>unclosed <b>bold"), "unclosed bold");
        assert_eq!(html_to_plain("a < b > c"), "a < b > c");
        assert_eq!(html_to_plain("&lt;script&gt;"), "<script>");
    }
}
