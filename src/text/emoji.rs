//! Custom emoji in shown HTML: `:shortcode:` in text (never inside tags or attributes)
//! becomes an image, as Mastodon's apps show them.

use super::render::escape_html;

/// Replaces each `:shortcode:` found in the text parts of `html` by an `<img>` of the
/// matching emoji. Shortcodes are `[A-Za-z0-9_]+`; `emojis` are (shortcode, image URL).
pub fn emojify(html: &str, emojis: &[(String, String)]) -> String {
    if emojis.is_empty() {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while !rest.is_empty() {
        // Copy tags through untouched.
        if rest.starts_with('<') {
            let end = rest.find('>').map_or(rest.len(), |i| i + 1);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        let end = rest.find('<').unwrap_or(rest.len());
        out.push_str(&replace_in_text(&rest[..end], emojis));
        rest = &rest[end..];
    }
    out
}

fn replace_in_text(text: &str, emojis: &[(String, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(':') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let code = &after[..len];
        let closed = after[len..].starts_with(':');
        match emojis
            .iter()
            .find(|(c, _)| c == code)
            .filter(|_| closed && len > 0)
        {
            Some((code, url)) => {
                let code = escape_html(code);
                out.push_str(&format!(
                    r#"<img class="custom-emoji" src="{}" alt=":{code}:" title=":{code}:" draggable="false">"#,
                    escape_html(url)
                ));
                rest = &after[len + 1..];
            }
            None => {
                out.push(':');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> Vec<(String, String)> {
        vec![(
            "blobcat".into(),
            "https://r.example/e/blobcat.png?a=1&b=\"2".into(),
        )]
    }

    #[test]
    fn shortcodes_in_text_become_images() {
        let html = emojify("<p>hi :blobcat: and :unknown: 10:30 :</p>", &cat());
        assert_eq!(
            html,
            "<p>hi <img class=\"custom-emoji\" src=\"https://r.example/e/blobcat.png?a=1&amp;b=&quot;2\" alt=\":blobcat:\" title=\":blobcat:\" draggable=\"false\"> and :unknown: 10:30 :</p>"
        );
    }

    #[test]
    fn tags_and_attributes_are_left_alone() {
        let html = r#"<a href="https://x.example/:blobcat:" title=":blobcat:">:blobcat:</a>"#;
        let out = emojify(html, &cat());
        assert!(out.starts_with(r#"<a href="https://x.example/:blobcat:" title=":blobcat:"><img"#));
        assert_eq!(emojify("::blobcat::", &cat()).matches("<img").count(), 1);
    }
}
