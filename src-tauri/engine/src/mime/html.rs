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
use mail_parser::{MessageParser, MimeHeaders};

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

    let mut inline_images = HashMap::new();
    for part in msg.parts.iter() {
        let (Some(cid), Some(ct)) = (part.content_id(), part.content_type()) else {
            continue;
        };
        if !ct.ctype().eq_ignore_ascii_case("image") || part.len() > MAX_INLINE_IMAGE {
            continue;
        }
        let mime = format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("png")).to_lowercase();
        let data = BASE64.encode(part.contents());
        let cid = cid.trim().trim_start_matches('<').trim_end_matches('>').to_owned();
        inline_images.insert(cid, format!("data:{mime};base64,{data}"));
    }

    let (html, blocked) = sanitize_html(html, allow_remote, &inline_images);
    RenderedBody { text, html: Some(html), remote_content_blocked: blocked }
}

/// Cleans untrusted HTML. Returns the safe HTML and whether remote content
/// was removed. `inline_images` maps Content-IDs to data: URLs.
pub fn sanitize_html(html: &str, allow_remote: bool, inline_images: &HashMap<String, String>) -> (String, bool) {
    let blocked = Arc::new(AtomicBool::new(false));
    let blocked_in_filter = Arc::clone(&blocked);
    let images = inline_images.clone();

    let mut builder = ammonia::Builder::default();
    builder
        .add_generic_attributes(["style", "align", "bgcolor", "width", "height", "dir"])
        .add_tag_attributes("table", ["border", "cellpadding", "cellspacing"])
        .add_tag_attributes("td", ["valign", "colspan", "rowspan"])
        .add_tag_attributes("font", ["color", "face", "size"])
        .add_tags(["font", "center"])
        .add_url_schemes(["cid", "data"])
        .link_rel(Some("noopener noreferrer"))
        .attribute_filter(move |element, attribute, value| {
            let is_resource = matches!((element, attribute), ("img", "src") | (_, "background") | ("img", "srcset"));
            if is_resource {
                let lower = value.trim().to_ascii_lowercase();
                if let Some(cid) = lower.strip_prefix("cid:") {
                    let original = value.trim().get(4..).unwrap_or(cid);
                    return images.get(original).map(|u| u.clone().into());
                }
                if lower.starts_with("data:image/") {
                    return Some(value.into());
                }
                if allow_remote && (lower.starts_with("https:") || lower.starts_with("http:")) {
                    return Some(value.into());
                }
                blocked_in_filter.store(true, Ordering::Relaxed);
                return None;
            }
            if attribute == "style" {
                // CSS can load remote resources too (url(...)).
                if value.to_ascii_lowercase().contains("url(") && !allow_remote {
                    blocked_in_filter.store(true, Ordering::Relaxed);
                    return None;
                }
                return Some(value.into());
            }
            if attribute == "href" && value.trim().to_ascii_lowercase().starts_with("data:") {
                return None;
            }
            Some(value.into())
        });
    let clean = builder.clean(html).to_string();
    (clean, blocked.load(Ordering::Relaxed))
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

    #[test]
    fn plain_message_has_no_html() {
        let r = render(b"From: a@x\n\njust text\n", false);
        assert_eq!(r.html, None);
        assert_eq!(r.text.trim(), "just text");
    }
}
