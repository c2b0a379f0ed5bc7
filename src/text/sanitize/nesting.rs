//! A linear pass over untrusted HTML, run before html5ever builds a tree, that bounds how
//! deeply elements nest (security.md S24).
//!
//! html5ever's tree builder walks its stack of open elements for many start tags (to close
//! an open `<p>` or list item, to check a scope), so n nested elements cost O(n²): 12,000
//! `<ul><li>` took 1.6 s to clean, 40,000 `<ol>` 9 s to turn into text. Gumbo, which
//! Mastodon parses with, stops at a depth of 400; we stop at [`MAX_DEPTH`].
//!
//! The pass reads tags as HTML's tokenizer does and keeps a model of the tree builder's
//! stack of open elements, built never to hold fewer elements than the real one (but for
//! the `<tbody>` and `<tr>` that tables add by themselves, at most doubling the depth; a
//! property test parses hostile tag soup and checks the depth of the tree):
//! - an end tag closes an element only when it is the current node and has that name;
//! - a start tag closes only a current `<p>`, `<li>`, `<dd>`, `<dt>` or table cell (or
//!   row) that the tree builder surely closes too; elements it closes in other ways
//!   (an end tag of an outer element, misnested formatting) stay counted, which also
//!   accounts for formatting elements that the tree builder reopens later;
//! - void elements count only where they are surely HTML, not inside `<svg>` or `<math>`.
//!
//! For the model to see exactly the tags html5ever will see, anything it does not follow
//! is rewritten: comments, doctypes and other `<!…>`/`<?…>` markup are dropped; elements
//! whose content is raw text (`<script>`, `<style>`, `<textarea>`, `<title>`, …), which the
//! sanitiser removes with their content anyway, are dropped with it, as is everything
//! after `<plaintext>`. A rewritten input has its tags written out again in one plain
//! form, with every `<` that starts no tag, and every `<` in an attribute value, escaped.
//! Start tags that would nest deeper than the limit are dropped and their text kept.
//! Input that needs none of this is returned as it was.

use std::borrow::Cow;

#[cfg(test)]
mod tests;

/// Deepest element nesting passed on to the HTML parser.
pub(super) const MAX_DEPTH: usize = 200;

/// Elements whose content the tokenizer reads as text up to their end tag.
const RAW_TEXT: &[&str] = &[
    "script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "textarea", "title",
];

/// Elements that never have content (in HTML; inside `<svg>` they may).
const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
    "keygen", "link", "meta", "param", "source", "track", "wbr",
];

/// Start tags that leave `<svg>`/`<math>` content: they are always HTML elements.
#[rustfmt::skip]
const BREAKOUT: &[&str] = &[
    "b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt", "em",
    "embed", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li", "listing",
    "menu", "meta", "nobr", "ol", "p", "pre", "ruby", "s", "small", "span", "strong",
    "strike", "sub", "sup", "table", "tt", "u", "ul", "var",
];

/// Start tags that close an open `<p>` (`<li>`, `<dd>` and `<dt>` are handled apart;
/// `<table>` only outside quirks mode and `<form>` only when not ignored, so not here).
#[rustfmt::skip]
const CLOSES_P: &[&str] = &[
    "address", "article", "aside", "blockquote", "center", "details", "dialog", "dir",
    "div", "dl", "fieldset", "figcaption", "figure", "footer", "header", "hgroup", "main",
    "menu", "nav", "ol", "p", "search", "section", "summary", "ul", "h1", "h2", "h3", "h4",
    "h5", "h6", "pre", "listing",
];

/// `html` with element nesting capped at [`MAX_DEPTH`].
pub(super) fn cap_nesting(html: &str) -> Cow<'_, str> {
    cap_nesting_at(html, MAX_DEPTH)
}

/// `html` with element nesting capped at `max_depth`; borrowed when nothing changed.
pub(super) fn cap_nesting_at(html: &str, max_depth: usize) -> Cow<'_, str> {
    if !html.contains('<') {
        return Cow::Borrowed(html);
    }
    let mut pass = Pass {
        src: html,
        out: String::with_capacity(html.len()),
        rewritten: false,
        open: OpenElements {
            stack: Vec::new(),
            max_depth,
        },
        attrs: Vec::new(),
        name: String::new(),
    };
    pass.run();
    if pass.rewritten {
        Cow::Owned(pass.out)
    } else {
        Cow::Borrowed(html)
    }
}

/// One pass: reads `src`, writes the rewritten form to `out` (used only if `rewritten`).
struct Pass<'a> {
    src: &'a str,
    out: String,
    rewritten: bool,
    open: OpenElements,
    /// The current tag's attributes.
    attrs: Vec<Attr>,
    /// The current tag's name, lower-cased.
    name: String,
}

/// Where something is in the input: start and end byte offsets.
type Span = (usize, usize);

/// A tag as read: where it ends and whether it is an end tag or self-closing.
struct Tag {
    end_tag: bool,
    name: Span,
    self_closing: bool,
    next: usize,
}

/// An attribute as read: its name, and its value if it has one (without quotes).
#[derive(Clone, Copy)]
struct Attr {
    name: Span,
    value: Option<Span>,
}

impl Pass<'_> {
    fn run(&mut self) {
        let bytes = self.src.as_bytes();
        let mut at = 0;
        while let Some(offset) = bytes[at..].iter().position(|&b| b == b'<') {
            let lt = at + offset;
            self.out.push_str(&self.src[at..lt]);
            at = self.markup(lt);
        }
        self.out.push_str(&self.src[at..]);
    }

    /// Handles what starts with the `<` at `lt`; returns where reading goes on.
    fn markup(&mut self, lt: usize) -> usize {
        let bytes = self.src.as_bytes();
        match (bytes.get(lt + 1), bytes.get(lt + 2)) {
            (Some(c), _) if c.is_ascii_alphabetic() => self.tag(lt),
            (Some(b'/'), Some(c)) if c.is_ascii_alphabetic() => self.tag(lt),
            // `</>` is ignored by the tokenizer.
            (Some(b'/'), Some(b'>')) => lt + 3,
            (Some(b'/'), None) => {
                self.out.push_str("&lt;/");
                lt + 2
            }
            (Some(b'!'), _) if bytes[lt..].starts_with(b"<!--") => {
                self.rewritten = true;
                comment_end(bytes, lt + 4)
            }
            // A CDATA section inside `<svg>` or `<math>` (elsewhere a bogus comment).
            (Some(b'!'), _) if bytes[lt..].starts_with(b"<![CDATA[") && !self.open.in_html() => {
                self.rewritten = true;
                find_end(bytes, lt + 9, b"]]>")
            }
            (Some(b'!' | b'?' | b'/'), _) => {
                self.rewritten = true;
                find(bytes, lt + 2, b'>').map_or(bytes.len(), |gt| gt + 1)
            }
            _ => {
                self.out.push_str("&lt;");
                lt + 1
            }
        }
    }

    /// A start or end tag at `lt`.
    fn tag(&mut self, lt: usize) -> usize {
        let bytes = self.src.as_bytes();
        let Some(tag) = read_tag(bytes, lt, &mut self.attrs) else {
            // The tokenizer drops a tag cut off by the end of the input.
            return bytes.len();
        };
        self.name.clear();
        self.name.push_str(&self.src[tag.name.0..tag.name.1]);
        self.name.make_ascii_lowercase();
        if tag.end_tag {
            self.open.end(&self.name);
            self.write_tag(&tag);
            return tag.next;
        }
        let raw_text = RAW_TEXT.contains(&self.name.as_str()) || self.name == "plaintext";
        if raw_text && self.open.in_html() {
            self.rewritten = true;
            return match self.name.as_str() {
                "plaintext" => bytes.len(),
                name => raw_text_end(bytes, tag.next, name, &mut self.attrs),
            };
        }
        // Inside `<svg>` or `<math>` these may be ordinary elements, or not: written out
        // in plain form, they hide no tags either way.
        self.rewritten |= raw_text;
        if self.open.start(&self.name) {
            self.write_tag(&tag);
        } else {
            self.rewritten = true;
        }
        tag.next
    }

    /// Writes a tag in plain form: lower-case names, values in double quotes. Names are
    /// written as they are: the tokenizer reads them up to the same characters.
    fn write_tag(&mut self, tag: &Tag) {
        self.out.push('<');
        if tag.end_tag {
            self.out.push('/');
        }
        self.out.push_str(&self.name);
        if !tag.end_tag {
            for &Attr { name, value } in &self.attrs {
                let name = &self.src[name.0..name.1];
                self.out.push(' ');
                self.out.push_str(&name.to_ascii_lowercase());
                if let Some((start, end)) = value {
                    self.out.push_str("=\"");
                    // No `<` either: a raw-text end tag must not hide in a value.
                    let value = &self.src[start..end];
                    self.out
                        .push_str(&value.replace('"', "&quot;").replace('<', "&lt;"));
                    self.out.push('"');
                }
            }
            if tag.self_closing {
                self.out.push_str(" /");
            }
        }
        self.out.push('>');
    }
}

/// The model of the tree builder's stack of open elements (see the module documentation).
struct OpenElements {
    stack: Vec<Open>,
    max_depth: usize,
}

struct Open {
    name: Box<str>,
    /// Surely an HTML element (not one inside `<svg>` or `<math>`).
    html: bool,
}

impl OpenElements {
    fn in_html(&self) -> bool {
        self.stack.last().is_none_or(|o| o.html)
    }

    /// Whether the element `below` places under the current node is an HTML element
    /// named one of `names`.
    fn is(&self, below: usize, names: &[&str]) -> bool {
        self.stack
            .len()
            .checked_sub(below + 1)
            .is_some_and(|i| self.stack[i].html && names.contains(&&*self.stack[i].name))
    }

    /// A start tag: returns whether it is kept (false when it would nest too deep).
    fn start(&mut self, name: &str) -> bool {
        let breakout = BREAKOUT.contains(&name);
        if VOID.contains(&name) && (breakout || self.in_html()) {
            return true;
        }
        let closed = if self.in_html() {
            self.closed_by(name)
        } else {
            0
        };
        let depth = self.stack.len() - closed;
        if depth >= self.max_depth {
            return false;
        }
        let html = breakout || (self.in_html() && name != "svg" && name != "math");
        self.stack.truncate(depth);
        self.stack.push(Open {
            name: name.into(),
            html,
        });
        true
    }

    /// How many elements on top of the stack the start tag `name` surely closes.
    fn closed_by(&self, name: &str) -> usize {
        let item_and_p = |items: &[&str]| {
            let closed = if self.is(0, items) {
                1
            } else if self.is(0, &["p"]) && self.is(1, items) {
                2
            } else {
                0
            };
            closed + usize::from(self.is(closed, &["p"]))
        };
        match name {
            "li" => item_and_p(&["li"]),
            "dd" | "dt" => item_and_p(&["dd", "dt"]),
            "td" | "th" => usize::from(self.is(0, &["td", "th"])),
            "tr" => {
                let cell = usize::from(self.is(0, &["td", "th"]));
                cell + usize::from(self.is(cell, &["tr"]))
            }
            _ if CLOSES_P.contains(&name) => usize::from(self.is(0, &["p"])),
            _ => 0,
        }
    }

    /// An end tag closes the current node if it has that name.
    fn end(&mut self, name: &str) {
        if self.stack.last().is_some_and(|o| &*o.name == name) {
            self.stack.pop();
        }
    }
}

/// Reads the tag whose `<` is at `lt`, as the tokenizer's tag states do; its attributes
/// go to `attrs`. `None` when the input ends inside it.
fn read_tag(bytes: &[u8], lt: usize, attrs: &mut Vec<Attr>) -> Option<Tag> {
    attrs.clear();
    let end_tag = bytes.get(lt + 1) == Some(&b'/');
    let name_start = lt + 1 + usize::from(end_tag);
    let mut at = skip(bytes, name_start, |b| {
        !is_space(b) && b != b'/' && b != b'>'
    });
    let name = (name_start, at);
    let mut self_closing = false;
    loop {
        match *bytes.get(at)? {
            b if is_space(b) => at += 1,
            b'/' => {
                at += 1;
                self_closing = bytes.get(at) == Some(&b'>');
            }
            b'>' => {
                return Some(Tag {
                    end_tag,
                    name,
                    self_closing,
                    next: at + 1,
                });
            }
            _ => {
                self_closing = false;
                // The first character belongs to the name even if it is `=`.
                let attr_start = at;
                at = skip(bytes, at + 1, |b| {
                    !is_space(b) && !matches!(b, b'/' | b'>' | b'=')
                });
                let attr_end = at;
                at = skip(bytes, at, is_space);
                let name = (attr_start, attr_end);
                if bytes.get(at) != Some(&b'=') {
                    attrs.push(Attr { name, value: None });
                    continue;
                }
                at = skip(bytes, at + 1, is_space);
                let value = match *bytes.get(at)? {
                    quote @ (b'"' | b'\'') => {
                        let close = find(bytes, at + 1, quote)?;
                        let value = (at + 1, close);
                        at = close + 1;
                        value
                    }
                    // A missing value; the `>` ends the tag.
                    b'>' => (at, at),
                    _ => {
                        let start = at;
                        at = skip(bytes, at, |b| !is_space(b) && b != b'>');
                        (start, at)
                    }
                };
                attrs.push(Attr {
                    name,
                    value: Some(value),
                });
            }
        }
    }
}

/// Where reading goes on after a raw-text element's content and its end tag, read from
/// `from`: the first `</name` followed by a space, `/` or `>` ends it.
fn raw_text_end(bytes: &[u8], from: usize, name: &str, attrs: &mut Vec<Attr>) -> usize {
    let mut at = from;
    while let Some(lt) = find(bytes, at, b'<') {
        let name_end = lt + 2 + name.len();
        let is_end = bytes.get(lt + 1) == Some(&b'/')
            && bytes
                .get(lt + 2..name_end)
                .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
            && bytes
                .get(name_end)
                .is_some_and(|&b| is_space(b) || b == b'/' || b == b'>');
        if is_end {
            return read_tag(bytes, lt, attrs).map_or(bytes.len(), |tag| tag.next);
        }
        at = lt + 1;
    }
    bytes.len()
}

/// Where reading goes on after a comment whose text starts at `from`.
fn comment_end(bytes: &[u8], from: usize) -> usize {
    // `<!-->` and `<!--->` are empty comments.
    if bytes.get(from) == Some(&b'>') {
        return from + 1;
    }
    if bytes[from..].starts_with(b"->") {
        return from + 2;
    }
    let mut at = from;
    while let Some(dash) = find(bytes, at, b'-') {
        let rest = &bytes[dash..];
        if rest.starts_with(b"-->") {
            return dash + 3;
        }
        if rest.starts_with(b"--!>") {
            return dash + 4;
        }
        at = dash + 1;
    }
    bytes.len()
}

/// Where reading goes on after the first `end` from `from` (the end of the input if none).
fn find_end(bytes: &[u8], from: usize, end: &[u8]) -> usize {
    let mut at = from;
    while let Some(first) = find(bytes, at, end[0]) {
        if bytes[first..].starts_with(end) {
            return first + end.len();
        }
        at = first + 1;
    }
    bytes.len()
}

fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

fn find(bytes: &[u8], from: usize, needle: u8) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&b| b == needle)
        .map(|i| from + i)
}

/// The first position from `from` whose byte does not satisfy `keep`.
fn skip(bytes: &[u8], from: usize, keep: impl Fn(u8) -> bool) -> usize {
    let mut at = from;
    while at < bytes.len() && keep(bytes[at]) {
        at += 1;
    }
    at
}
