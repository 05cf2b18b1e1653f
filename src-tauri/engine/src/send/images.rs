//! Images pasted or dropped into the composer's text arrive in its HTML
//! as `data:` URLs (so a draft holds them by itself and reopens whole).
//! Mail clients show few of those, so each goes out as an inline part of
//! the message, referenced by `cid:`.

use base64::Engine as _;

use super::compose::FilePart;

/// The HTML with each `data:image/…;base64` source replaced by a `cid:`
/// reference, and the images as inline parts. An image whose data cannot
/// be read is left as it was.
pub(crate) fn extract_data_images(html: &str, domain: &str) -> (String, Vec<FilePart>) {
    if !html.contains("data:image/") {
        return (html.to_owned(), Vec::new());
    }
    let (doc, whole) = super::direction::parse(html);
    let mut parts = Vec::new();
    for img in doc.select("img[src^='data:image/']").nodes() {
        let Some(src) = img.attr("src") else { continue };
        let Some((content_type, bytes)) = decode(&src) else { continue };
        let n = parts.len() + 1;
        let cid = format!("image{n}.{}@{domain}", uuid::Uuid::new_v4().simple());
        let extension = content_type.strip_prefix("image/").unwrap_or("bin").split('+').next().unwrap_or("bin");
        img.set_attr("src", &format!("cid:{cid}"));
        parts.push(FilePart { name: format!("image{n}.{extension}"), content_type, bytes, cid: Some(cid) });
    }
    (super::direction::serialize(&doc, whole), parts)
}

/// The type and bytes of a `data:` URL in base64.
fn decode(src: &str) -> Option<(String, Vec<u8>)> {
    let (head, data) = src.strip_prefix("data:")?.split_once(',')?;
    let content_type = head.strip_suffix(";base64")?.trim().to_ascii_lowercase();
    let clean: String = data.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD.decode(clean).ok()?;
    Some((content_type, bytes))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn pasted_images_become_inline_parts() {
        let html = "<p>Logo: <img src=\"data:image/png;base64,iVBORw0K\" alt=\"x\"></p><p><img src=\"https://a.example/b.png\"></p>";
        let (out, parts) = extract_data_images(html, "example.test");
        assert_eq!(parts.len(), 1);
        let cid = parts[0].cid.clone().unwrap();
        assert!(out.contains(&format!("src=\"cid:{cid}\"")), "{out}");
        assert!(out.contains("https://a.example/b.png"));
        assert_eq!(parts[0].bytes, [0x89, b'P', b'N', b'G', 0x0d, 0x0a]);
        assert_eq!((parts[0].name.as_str(), parts[0].content_type.as_str()), ("image1.png", "image/png"));
        let (same, none) = extract_data_images("<p>no images</p>", "x");
        assert_eq!((same.as_str(), none.len()), ("<p>no images</p>", 0));
    }
}
