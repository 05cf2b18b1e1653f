//! Makes a message's body safe to show.
//!
//! Incoming HTML goes through ammonia (scripts, event handlers, forms and
//! frames removed) and remote resources are dropped unless the user allowed
//! them for this message; inline `cid:` images are resolved from the
//! message's own parts. The UI then renders the result in a sandboxed frame.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use mail_parser::{Message, MessageParser, MimeHeaders};

use super::css;

/// Largest inline image turned into a data: URL.
const MAX_INLINE_IMAGE: usize = 5 * 1024 * 1024;

/// A body ready for display.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderedBody {
    /// The plain-text body (also for HTML-only mail, derived from it).
    pub text: String,
    /// Sanitized HTML when the message has an HTML part.
    pub html: Option<String>,
    /// True when remote images or other remote resources were removed.
    pub remote_content_blocked: bool,
}

/// Renders a raw message for display. `allow_remote` keeps remote images.
/// Text made safe to put in HTML (as element text or a quoted attribute).
pub(crate) fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

pub fn render(raw: &[u8], allow_remote: bool) -> RenderedBody {
    let Some(msg) = MessageParser::default().parse(raw) else {
        return RenderedBody { text: String::from_utf8_lossy(raw).into_owned(), ..RenderedBody::default() };
    };
    let text = msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default();
    let html_part = msg.html_part(0).filter(|p| p.is_text_html());
    let Some(html) = html_part.and_then(|p| p.text_contents()) else {
        return RenderedBody { text, ..RenderedBody::default() };
    };

    let inline_images = inline_images(&msg, false);
    let (html, blocked) = sanitize_html(html, allow_remote, &inline_images);
    RenderedBody { text, html: Some(html), remote_content_blocked: blocked }
}

/// A message's inline images by Content-ID: as data: URLs, or (`as_cid`)
/// as the `cid:` names they already have.
fn inline_images(msg: &Message<'_>, as_cid: bool) -> HashMap<String, String> {
    let mut images = HashMap::new();
    for part in msg.parts.iter() {
        let (Some(cid), Some(ct)) = (part.content_id(), part.content_type()) else {
            continue;
        };
        // Only a data: URL is bounded: a `cid:` name stays whatever the size.
        if !ct.ctype().eq_ignore_ascii_case("image") || (!as_cid && part.len() > MAX_INLINE_IMAGE) {
            continue;
        }
        let cid = cid.trim().trim_start_matches('<').trim_end_matches('>').to_owned();
        let url = if as_cid {
            format!("cid:{cid}")
        } else {
            let mime = format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("png")).to_lowercase();
            format!("data:{mime};base64,{}", BASE64.encode(part.contents()))
        };
        images.insert(cid, url);
    }
    images
}

/// A message's HTML as a reply or forward quotes it, cleaned as for
/// display: the quote goes out in the user's own mail and is shown in the
/// composer, so none of the original's scripts, handlers, forms or hostile
/// CSS may travel with it. Its remote images stay as addresses, for the
/// recipients' mail to decide on (the composer's frame loads none). Its
/// inline images travel as they can: a forward carries the original's
/// parts, so keeps their `cid:` names; a reply carries none, so takes them
/// as data: URLs, which the sending makes parts of its own.
pub(crate) fn quoted(msg: &Message<'_>, html: &str, forward: bool) -> String {
    sanitize_html(html, true, &inline_images(msg, forward)).0
}

/// Cleans untrusted HTML. Returns the safe HTML and whether remote content
/// was removed. `inline_images` maps Content-IDs to data: URLs.
///
/// ammonia removes scripts, handlers, forms and frames; every address an
/// element or its CSS would load (src, srcset, background, style
/// attributes, `<style>` elements) is decided on by [`css::use_of_url`],
/// so the frame's Content-Security-Policy is a second wall, not the only
/// one.
pub fn sanitize_html(html: &str, allow_remote: bool, inline_images: &HashMap<String, String>) -> (String, bool) {
    let blocked = Arc::new(AtomicBool::new(false));
    let blocked_in_filter = Arc::clone(&blocked);
    let images = inline_images.clone();
    // Marks the `<style>` elements ammonia let through, for their CSS to
    // be cleaned after it; unguessable, so no text of the mail can pass
    // for one.
    let marker = uuid::Uuid::new_v4().simple().to_string();

    let mut builder = ammonia::Builder::default();
    builder
        // class: for the message's own style sheet, inside its own frame.
        .add_generic_attributes(["style", "class", "align", "bgcolor", "width", "height", "dir", "background"])
        .add_tag_attributes("table", ["border", "cellpadding", "cellspacing"])
        .add_tag_attributes("td", ["valign", "colspan", "rowspan"])
        .add_tag_attributes("img", ["srcset"])
        .add_tag_attributes("font", ["color", "face", "size"])
        .add_tags(["font", "center"])
        .rm_clean_content_tags(["style"])
        .add_tags(["style"])
        .set_tag_attribute_value("style", "data-tl-style", &marker)
        .add_url_schemes(["cid", "data"])
        .link_rel(Some("noopener noreferrer"))
        .attribute_filter(move |element, attribute, value| {
            let policy = css::Policy { allow_remote, images: &images };
            let mut removed_remote = false;
            let kept = match (element, attribute) {
                ("img", "src") | (_, "background") => match css::use_of_url(value, policy) {
                    css::UrlUse::Keep(url) => Some(url.into()),
                    css::UrlUse::Drop { remote } => {
                        removed_remote = remote;
                        None
                    }
                },
                ("img", "srcset") => {
                    let (kept, remote) = clean_srcset(value, policy);
                    removed_remote = remote;
                    kept.map(Into::into)
                }
                (_, "style") => {
                    let (css, remote) = css::clean_declarations(value, policy);
                    removed_remote = remote;
                    (!css.is_empty()).then(|| css.into())
                }
                (_, "href") if value.trim().to_ascii_lowercase().starts_with("data:") => None,
                _ => Some(value.into()),
            };
            if removed_remote {
                blocked_in_filter.store(true, Ordering::Relaxed);
            }
            kept
        });
    let clean = builder.clean(html).to_string();
    let policy = css::Policy { allow_remote, images: inline_images };
    let (clean, sheets_blocked) = clean_style_elements(&clean, &marker, policy);
    (clean, blocked.load(Ordering::Relaxed) || sheets_blocked)
}

/// The HTML with each marked `<style>` element's CSS cleaned (ammonia
/// passes a style element's text on as it is).
fn clean_style_elements(html: &str, marker: &str, policy: css::Policy<'_>) -> (String, bool) {
    let open = format!("<style data-tl-style=\"{marker}\">");
    const CLOSE: &str = "</style>";
    let mut out = String::with_capacity(html.len());
    let mut blocked = false;
    let mut rest = html;
    while let Some((before, after)) = rest.split_once(open.as_str()) {
        out.push_str(before);
        // A style element's text cannot hold "</style": the parser ends
        // the element there.
        let (sheet, next) = after.split_once(CLOSE).unwrap_or((after, ""));
        let (css, removed) = css::clean_stylesheet(sheet, policy);
        blocked |= removed;
        if !css.trim().is_empty() {
            out.push_str("<style>");
            out.push_str(&css);
            out.push_str(CLOSE);
        }
        rest = next;
    }
    out.push_str(rest);
    (out, blocked)
}

/// An img's srcset with only the candidates whose address may load
/// (`url [descriptor]`, comma-separated; a data: URL has commas of its own).
fn clean_srcset(srcset: &str, policy: css::Policy<'_>) -> (Option<String>, bool) {
    let mut kept = Vec::new();
    let mut remote = false;
    let mut rest = srcset;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        if rest.is_empty() {
            break;
        }
        let url_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (mut url, mut after) = rest.split_at(url_end);
        let mut descriptor = "";
        if url.ends_with(',') {
            url = url.trim_end_matches(',');
        } else {
            let end = after.find(',').unwrap_or(after.len());
            descriptor = after.get(..end).unwrap_or("").trim();
            after = after.get(end..).unwrap_or("");
        }
        match css::use_of_url(url, policy) {
            css::UrlUse::Keep(url) if descriptor.is_empty() => kept.push(url),
            css::UrlUse::Keep(url) => kept.push(format!("{url} {descriptor}")),
            css::UrlUse::Drop { remote: r } => remote |= r,
        }
        rest = after;
    }
    ((!kept.is_empty()).then(|| kept.join(", ")), remote)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(html: &str, allow_remote: bool) -> (String, bool) {
        sanitize_html(html, allow_remote, &HashMap::new())
    }

    #[test]
    fn scripts_and_handlers_are_removed() {
        let (out, _) = clean(
            r#"<p onclick="steal()">Hi</p><script>alert(1)</script><iframe src="https://x"></iframe><a href="javascript:evil()">x</a>"#,
            true,
        );
        assert!(!out.contains("script"), "{out}");
        assert!(!out.contains("onclick"), "{out}");
        assert!(!out.contains("iframe"), "{out}");
        assert!(!out.contains("javascript"), "{out}");
        assert!(out.contains("<p>Hi</p>"), "{out}");
    }

    #[test]
    fn remote_images_blocked_unless_allowed() {
        let html =
            r#"<img src="https://tracker.example/p.gif" alt="t"><p style="background:url(https://x/y.png)">a</p>"#;
        let (out, blocked) = clean(html, false);
        assert!(blocked);
        assert!(!out.contains("tracker.example"), "{out}");
        assert!(!out.contains("url("), "{out}");
        let (out, blocked) = clean(html, true);
        assert!(!blocked);
        assert!(out.contains("https://tracker.example/p.gif"), "{out}");
    }

    #[test]
    fn inline_cid_images_are_resolved() {
        let mut images = HashMap::new();
        images.insert("logo@x".to_owned(), "data:image/png;base64,AAAA".to_owned());
        let (out, blocked) = sanitize_html(r#"<img src="cid:logo@x">"#, false, &images);
        assert!(!blocked);
        assert!(out.contains("data:image/png;base64,AAAA"), "{out}");
    }

    #[test]
    fn html_message_renders_sanitized_with_text_alternative() {
        let raw = b"From: a@x\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nplain version\r\n--B\r\nContent-Type: text/html\r\n\r\n<p>html <b>version</b></p><script>x()</script><img src=\"http://remote/x.png\">\r\n--B--\r\n";
        let r = render(raw, false);
        assert_eq!(r.text.trim(), "plain version");
        let html = r.html.unwrap_or_default();
        assert!(html.contains("<b>version</b>"), "{html}");
        assert!(!html.contains("script"), "{html}");
        assert!(r.remote_content_blocked);
    }

    /// The hostile fixtures of tests/fixtures/html, each beside the output
    /// expected of it (`UPDATE_FIXTURES=1` writes those anew, to be read
    /// before they are committed).
    #[test]
    fn the_hostile_corpus_loses_every_remote_address_with_lf_or_crlf() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/html");
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "html") && !p.to_string_lossy().ends_with(".expected.html"))
            .collect();
        inputs.sort();
        assert!(inputs.len() >= 5, "the corpus is there");
        for input in inputs {
            let name = input.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let html = std::fs::read_to_string(&input).unwrap_or_else(|e| panic!("{name}: {e}"));
            let expected_path = input.with_extension("expected.html");
            let (out, blocked) = clean(&html, false);
            if std::env::var_os("UPDATE_FIXTURES").is_some() {
                std::fs::write(&expected_path, &out).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            let expected = std::fs::read_to_string(&expected_path).unwrap_or_else(|e| panic!("{name}: {e}"));
            for (endings, html) in [("LF", html.clone()), ("CRLF", html.replace('\n', "\r\n"))] {
                let (out, again) = clean(&html, false);
                assert!(!out.contains("remote.invalid"), "{name} ({endings}) names a remote address:\n{out}");
                assert!(!out.to_ascii_lowercase().contains("javascript:"), "{name} ({endings}):\n{out}");
                assert_eq!(out.replace("\r\n", "\n"), expected, "{name} ({endings})");
                assert_eq!(again, blocked, "{name} ({endings})");
            }
            // The notice covers every fixture that had remote images.
            assert_eq!(blocked, name != "scripts.html", "{name}: the notice");
            // "Load remote content" brings them back, and says nothing was blocked.
            let (loaded, still) = clean(&html, true);
            assert!(!still, "{name}");
            let restored: &[&str] = match name.as_str() {
                "attributes.html" => &[
                    "table-bg.png",
                    "td-bg.png",
                    "pixel.gif",
                    "a.png 1x",
                    "b.png 2x",
                    "c.png 2x",
                    "protocol-relative.png",
                ],
                "css-escapes.html" => &[
                    "escape-hex.png",
                    "escape-char.png",
                    "image-set.png",
                    "webkit-image-set.png",
                    "fade-b.png",
                    "list.png",
                    "property-escape.png",
                    "entity.png",
                ],
                "style-element.html" => &["body.png", "hero.png", "mobile.png"],
                _ => &[],
            };
            for file in restored {
                assert!(loaded.contains(file), "{name}: {file} is loaded when asked:\n{loaded}");
            }
        }
    }

    #[test]
    fn a_quote_is_cleaned_keeps_remote_images_as_addresses_and_carries_its_inline_ones() {
        let raw = "From: a@x.example\r\nSubject: Offer\r\nMIME-Version: 1.0\r\n\
                   Content-Type: multipart/related; boundary=r\r\n\r\n\
                   --r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
                   <html><head><script>steal()</script><style>@import url(http://remote.invalid/s.css); p { color: red }</style></head>\
                   <body onload=\"go()\"><p>Price <b>10</b></p><img src=\"cid:logo@x\" onerror=\"alert(1)\">\
                   <img src=\"http://remote.invalid/track.gif\"><form action=\"http://remote.invalid/f\"><input></form>\
                   <a href=\"javascript:alert(2)\">x</a></body></html>\r\n\
                   --r\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\n\
                   iVBORw0KGgo=\r\n--r--\r\n";
        let msg = MessageParser::default().parse(raw.as_bytes()).unwrap_or_else(|| panic!("parses"));
        let html = msg.body_html(0).unwrap_or_else(|| panic!("has html")).into_owned();
        let reply = quoted(&msg, &html, false);
        for gone in ["script", "steal", "onload", "onerror", "<form", "javascript:", "@import", "s.css"] {
            assert!(!reply.contains(gone), "{gone} left in the quote:\n{reply}");
        }
        assert!(reply.contains("<b>10</b>") && reply.contains("color: red"), "{reply}");
        assert!(reply.contains("src=\"http://remote.invalid/track.gif\""), "a remote image stays an address: {reply}");
        assert!(reply.contains("src=\"data:image/png;base64,iVBORw0KGgo=\""), "the inline image goes along: {reply}");
        let forward = quoted(&msg, &html, true);
        assert!(forward.contains("src=\"cid:logo@x\"") && !forward.contains("script"), "{forward}");
    }

    #[test]
    fn plain_message_has_no_html() {
        let r = render(b"From: a@x\n\njust text\n", false);
        assert_eq!(r.html, None);
        assert_eq!(r.text.trim(), "just text");
    }
}
