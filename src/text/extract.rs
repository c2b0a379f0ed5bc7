//! Finding links, mentions and hashtags in the plain text of a local post or bio,
//! following the rules of Mastodon's `Extractor`.
//!
//! Every entity carries a byte range into the text it was found in. Overlapping entities are
//! resolved the way Mastodon does it: sorted by start, the earliest one wins, so a `#tag` or an
//! `@user` inside a URL is not an entity of its own.

use std::ops::Range;
use std::sync::LazyLock;

use linkify::{LinkFinder, LinkKind};
use regex::Regex;

/// URL schemes that become links (Mastodon's list). linkify only finds `scheme://…`, so
/// `xmpp:` and `magnet:` URIs written without `//` stay plain text.
pub(crate) const LINK_SCHEMES: &[&str] = &[
    "http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet", "gemini",
];

/// Ruby's `[[:word:]]` on Unicode text: letters, marks, numbers, connector punctuation.
const WORD: &str = r"[\p{L}\p{M}\p{N}\p{Pc}]";
/// A word character or one of Mastodon's hashtag separators (`_` is already a word char).
const WORD_OR_SEP: &str = r"[\p{L}\p{M}\p{N}\p{Pc}\u{B7}\u{30FB}\u{200C}]";
/// Ruby's `[[:alpha:]]` or a hashtag separator.
const ALPHA_OR_SEP: &str = r"[\p{Alphabetic}_\u{B7}\u{30FB}\u{200C}]";

/// `Account::MENTION_RE` without its lookbehind, anchored at the `@`.
/// Group 1 is the username, group 2 the domain. Unlike Mastodon, the domain may carry a
/// `:port`, so servers on non-default ports (development, tests) can mention each other.
static MENTION_RE: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(
        r"^@([A-Za-z0-9_]+(?:[A-Za-z0-9_.\-]+[A-Za-z0-9_]+)?)(?:@([\p{{L}}\p{{M}}\p{{N}}\p{{Pc}}.\-]+{WORD}+(?::[0-9]{{1,5}}\b)?))?"
    );
    Regex::new(&pattern).expect("mention pattern is valid")
});

/// `Tag::HASHTAG_RE` without its lookbehind, anchored at the `#`. Group 1 is the name.
static TAG_RE: LazyLock<Regex> = LazyLock::new(|| {
    let first = format!("{WORD}{WORD_OR_SEP}*{ALPHA_OR_SEP}{WORD_OR_SEP}*{WORD}");
    let last = format!(r"{WORD}*\p{{Alphabetic}}{WORD}*");
    Regex::new(&format!("^#({first}|{last})")).expect("hashtag pattern is valid")
});

static WORD_CHAR_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("^{WORD}$")).expect("word pattern is valid"));

/// A URL found in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// Byte range of the URL in the text.
    pub range: Range<usize>,
}

impl Span {
    /// The URL as written, or "" when the span does not belong to `text`.
    pub fn as_str<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.range.clone()).unwrap_or("")
    }
}

/// `@username` or `@username@domain` found in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MentionRef {
    /// Byte range from the `@` to the end of the username or domain.
    pub range: Range<usize>,
    /// The username as written (case kept).
    pub username: String,
    /// The domain, lowercased; `None` for `@username`.
    pub domain: Option<String>,
}

/// `#name` found in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRef {
    /// Byte range from the `#` to the end of the name.
    pub range: Range<usize>,
    /// The name as written, without `#`.
    pub name: String,
}

/// Links, mentions and hashtags of a text, each list in text order, none overlapping another.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    pub links: Vec<Span>,
    pub mentions: Vec<MentionRef>,
    pub tags: Vec<TagRef>,
}

/// One entity of [`Extracted`], borrowed, for walking the text in order.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Entity<'a> {
    Link,
    Mention(&'a MentionRef),
    Tag(&'a TagRef),
}

impl Extracted {
    /// Every entity with its range, sorted by start. Callers must still skip ranges that
    /// overlap or do not fit their text: an `Extracted` can be built by hand.
    pub(crate) fn entities(&self) -> Vec<(Range<usize>, Entity<'_>)> {
        let mut all: Vec<(Range<usize>, Entity<'_>)> = Vec::new();
        all.extend(self.links.iter().map(|l| (l.range.clone(), Entity::Link)));
        all.extend(
            self.mentions
                .iter()
                .map(|m| (m.range.clone(), Entity::Mention(m))),
        );
        all.extend(self.tags.iter().map(|t| (t.range.clone(), Entity::Tag(t))));
        all.sort_by_key(|(range, _)| range.start);
        all
    }
}

/// Finds the links, mentions and hashtags of `text`.
pub fn extract(text: &str) -> Extracted {
    let mut candidates: Vec<Candidate> = Vec::new();
    candidates.extend(find_links(text).into_iter().map(Candidate::Link));
    candidates.extend(find_mentions(text).into_iter().map(Candidate::Mention));
    candidates.extend(find_tags(text).into_iter().map(Candidate::Tag));
    // Stable sort: at equal starts the link (pushed first) wins, as it can't be anything else.
    candidates.sort_by_key(|c| c.range().start);

    let mut out = Extracted::default();
    let mut covered_to = 0;
    for candidate in candidates {
        let range = candidate.range();
        if range.start < covered_to {
            continue;
        }
        covered_to = range.end;
        match candidate {
            Candidate::Link(range) => out.links.push(Span { range }),
            Candidate::Mention(m) => out.mentions.push(m),
            Candidate::Tag(t) => out.tags.push(t),
        }
    }
    out
}

enum Candidate {
    Link(Range<usize>),
    Mention(MentionRef),
    Tag(TagRef),
}

impl Candidate {
    fn range(&self) -> Range<usize> {
        match self {
            Candidate::Link(range) => range.clone(),
            Candidate::Mention(m) => m.range.clone(),
            Candidate::Tag(t) => t.range.clone(),
        }
    }
}

fn find_links(text: &str) -> Vec<Range<usize>> {
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url]);
    finder
        .links(text)
        .filter(|link| has_link_scheme(link.as_str()))
        .map(|link| link.start()..link.end())
        .collect()
}

fn has_link_scheme(url: &str) -> bool {
    url.split_once("://")
        .is_some_and(|(scheme, _)| LINK_SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(scheme)))
}

fn find_mentions(text: &str) -> Vec<MentionRef> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = text
        .get(from..)
        .and_then(|rest| rest.find('@'))
        .map(|i| from + i)
    {
        from = at + 1;
        if preceding_char(text, at).is_some_and(blocks_mention) {
            continue;
        }
        let Some(caps) = text.get(at..).and_then(|rest| MENTION_RE.captures(rest)) else {
            continue;
        };
        let (Some(whole), Some(username)) = (caps.get(0), caps.get(1)) else {
            continue;
        };
        let end = at + whole.end();
        // Scanning goes on after the match even when the match is refused, like Ruby's `scan`.
        from = end;
        if text.get(end..).is_some_and(refuses_mention_end) {
            continue;
        }
        found.push(MentionRef {
            range: at..end,
            username: username.as_str().to_owned(),
            domain: caps.get(2).map(|d| d.as_str().to_lowercase()),
        });
    }
    found
}

/// The lookbehind `(?<![=/[:word:]])`.
fn blocks_mention(c: char) -> bool {
    c == '=' || c == '/' || is_word_char(c)
}

/// twitter-text's `end_mention_match`: a mention followed by `@`, a Latin accented letter or
/// `://` is not a mention (`@josé` is not `@jos`, `@bob@x` is not `@bob`).
fn refuses_mention_end(after: &str) -> bool {
    if after.starts_with("://") {
        return true;
    }
    after
        .chars()
        .next()
        .is_some_and(|c| c == '@' || c == '\u{FF20}' || is_latin_accent(c))
}

fn is_latin_accent(c: char) -> bool {
    matches!(c,
        '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{FF}' | '\u{100}'..='\u{24F}'
        | '\u{253}' | '\u{254}' | '\u{256}' | '\u{257}' | '\u{259}' | '\u{25B}' | '\u{263}'
        | '\u{268}' | '\u{26F}' | '\u{272}' | '\u{289}' | '\u{28B}' | '\u{2BB}'
        | '\u{300}'..='\u{36F}' | '\u{1E00}'..='\u{1EFF}')
}

fn find_tags(text: &str) -> Vec<TagRef> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(hash) = text
        .get(from..)
        .and_then(|rest| rest.find('#'))
        .map(|i| from + i)
    {
        from = hash + 1;
        if preceding_char(text, hash).is_some_and(blocks_tag) {
            continue;
        }
        let Some(name) = text
            .get(hash..)
            .and_then(|rest| TAG_RE.captures(rest))
            .and_then(|caps| caps.get(1))
        else {
            continue;
        };
        let mut name = name.as_str();
        from = hash + 1 + name.len();
        if text
            .get(from..)
            .is_some_and(|after| after.starts_with("://"))
        {
            name = strip_glued_scheme(name);
        }
        let end = hash + 1 + name.len();
        found.push(TagRef {
            range: hash..end,
            name: name.to_owned(),
        });
    }
    found
}

/// The character class `[^\/\)\w]` in front of Mastodon's hashtag, with Ruby's ASCII `\w`:
/// `x#tag`, `/#tag` and `)#tag` are not hashtags, `é#tag` and `日本#tag` are.
fn blocks_tag(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '/' || c == ')'
}

/// `#tagshttps://…`: the hashtag is `#tags` (Mastodon's `(.+)(https?\Z)` rule).
fn strip_glued_scheme(name: &str) -> &str {
    for scheme in ["https", "http"] {
        if let Some(head) = name.strip_suffix(scheme)
            && !head.is_empty()
        {
            return head;
        }
    }
    name
}

fn preceding_char(text: &str, index: usize) -> Option<char> {
    text.get(..index)
        .and_then(|before| before.chars().next_back())
}

fn is_word_char(c: char) -> bool {
    let mut buf = [0u8; 4];
    WORD_CHAR_RE.is_match(c.encode_utf8(&mut buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(text: &str) -> Vec<&str> {
        extract(text).links.iter().map(|l| l.as_str(text)).collect()
    }

    fn mentions(text: &str) -> Vec<(String, Option<String>)> {
        extract(text)
            .mentions
            .into_iter()
            .map(|m| (m.username, m.domain))
            .collect()
    }

    fn tags(text: &str) -> Vec<String> {
        extract(text).tags.into_iter().map(|t| t.name).collect()
    }

    fn local(name: &str) -> (String, Option<String>) {
        (name.to_owned(), None)
    }

    fn remote(name: &str, domain: &str) -> (String, Option<String>) {
        (name.to_owned(), Some(domain.to_owned()))
    }

    #[test]
    fn a_mention_domain_may_carry_a_port() {
        let found: Vec<_> = extract("hi @bob@localhost:3001, and @eve@x.test:notaport")
            .mentions
            .into_iter()
            .map(|m| (m.username, m.domain))
            .collect();
        assert_eq!(
            found,
            [remote("bob", "localhost:3001"), remote("eve", "x.test")]
        );
    }

    #[test]
    fn finds_http_and_https_links() {
        assert_eq!(
            links("see https://example.com/a?b=1 and http://x.test"),
            ["https://example.com/a?b=1", "http://x.test"]
        );
    }

    #[test]
    fn trailing_punctuation_is_not_part_of_a_link() {
        assert_eq!(links("go to https://x.test/page."), ["https://x.test/page"]);
        assert_eq!(links("(https://x.test/a), ok"), ["https://x.test/a"]);
        assert_eq!(links("really? https://x.test/!"), ["https://x.test/"]);
        assert_eq!(
            links("(https://en.wikipedia.org/wiki/Rust_(language))"),
            ["https://en.wikipedia.org/wiki/Rust_(language)"]
        );
    }

    #[test]
    fn only_mastodon_schemes_are_links() {
        assert!(links("ftp://x.test/file javascript://x.test/").is_empty());
        assert_eq!(links("gemini://x.test/a"), ["gemini://x.test/a"]);
        assert_eq!(links("HTTPS://X.TEST/"), ["HTTPS://X.TEST/"]);
        assert!(links("www.example.com and example.com").is_empty());
        assert!(links("mail me at a@b.test").is_empty());
    }

    #[test]
    fn finds_local_and_remote_mentions() {
        assert_eq!(mentions("hi @bob"), [local("bob")]);
        assert_eq!(
            mentions("hi @Bob@Remote.Test!"),
            [remote("Bob", "remote.test")]
        );
        let text = "cc @alice@x.test, @bob";
        let found = extract(text).mentions;
        assert_eq!(&text[found[0].range.clone()], "@alice@x.test");
        assert_eq!(&text[found[1].range.clone()], "@bob");
    }

    #[test]
    fn mention_ranges_stop_before_trailing_dots() {
        let text = "thanks @bob.smith. and @carol@x.test.";
        let found = extract(text).mentions;
        assert_eq!(&text[found[0].range.clone()], "@bob.smith");
        assert_eq!(&text[found[1].range.clone()], "@carol@x.test");
    }

    #[test]
    fn email_addresses_are_not_mentions() {
        assert!(mentions("write to a@b.test").is_empty());
        assert!(mentions("écrit@b.test").is_empty());
        assert!(mentions("x=@bob and /@bob").is_empty());
    }

    #[test]
    fn mention_refused_when_followed_by_at_accent_or_scheme() {
        assert!(mentions("@bob@x").is_empty());
        assert!(mentions("@josé").is_empty());
        assert!(mentions("@bob://x").is_empty());
        assert!(mentions("@bob@x.test@y.test").is_empty());
    }

    #[test]
    fn mention_allowed_after_punctuation_and_cjk_is_not() {
        assert_eq!(mentions("(@bob)"), [local("bob")]);
        assert_eq!(mentions("\"@bob\""), [local("bob")]);
        assert!(mentions("日本@bob").is_empty());
    }

    #[test]
    fn finds_hashtags() {
        assert_eq!(
            tags("#rust and #Café, #日本語!"),
            ["rust", "Café", "日本語"]
        );
        assert_eq!(
            tags("#snake_case #a·b #a\u{200C}b"),
            ["snake_case", "a·b", "a\u{200C}b"]
        );
    }

    #[test]
    fn hashtag_needs_a_letter_or_inner_separator() {
        assert!(tags("#123 #1").is_empty());
        assert_eq!(tags("#1a #a1 #1_2"), ["1a", "a1", "1_2"]);
        assert!(tags("#_ #__ # #").is_empty());
    }

    #[test]
    fn hashtag_not_glued_to_a_word_slash_or_paren() {
        assert!(tags("foo#bar").is_empty());
        assert!(tags("a/#bar (x)#bar").is_empty());
        assert_eq!(tags("é#bar 日本#タグ"), ["bar", "タグ"]);
        assert_eq!(tags("(#bar) ##baz"), ["bar", "baz"]);
    }

    #[test]
    fn hashtag_range_excludes_trailing_separator() {
        let text = "#tag_ and #tag·.";
        let found = extract(text).tags;
        assert_eq!(&text[found[0].range.clone()], "#tag_");
        assert_eq!(&text[found[1].range.clone()], "#tag");
    }

    #[test]
    fn hashtag_glued_to_a_scheme_drops_it() {
        assert_eq!(tags("#tagshttps://x.test/"), ["tags"]);
        assert_eq!(tags("#fooHttp://x"), ["fooHttp"]);
    }

    #[test]
    fn tags_and_mentions_inside_links_are_ignored() {
        let text = "https://x.test/#tag https://x.test/@user https://x.test/?u=@bob@y.test";
        let found = extract(text);
        assert_eq!(found.links.len(), 3);
        assert!(found.tags.is_empty());
        assert!(found.mentions.is_empty());
    }

    #[test]
    fn entities_come_out_in_text_order() {
        let text = "#b @a https://c.test #d";
        let kinds: Vec<&str> = extract(text)
            .entities()
            .into_iter()
            .map(|(_, e)| match e {
                Entity::Link => "link",
                Entity::Mention(_) => "mention",
                Entity::Tag(_) => "tag",
            })
            .collect();
        assert_eq!(kinds, ["tag", "mention", "link", "tag"]);
    }

    #[test]
    fn span_outside_text_reads_as_empty() {
        let span = Span { range: 3..99 };
        assert_eq!(span.as_str("abc"), "");
    }

    #[test]
    fn multibyte_text_gives_byte_ranges() {
        let text = "😀 #tåg 😀 @bob";
        let found = extract(text);
        assert_eq!(&text[found.tags[0].range.clone()], "#tåg");
        assert_eq!(&text[found.mentions[0].range.clone()], "@bob");
    }
}
