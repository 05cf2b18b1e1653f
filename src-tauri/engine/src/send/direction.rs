//! Right-to-left paragraphs in outgoing HTML. The composer lays out each
//! paragraph by its first strong character as it is typed; the message
//! says the same with `dir` attributes, because many mail clients (Outlook
//! among them) ignore `dir="auto"` and would show a Hebrew or Persian
//! paragraph left to right. A message with no right-to-left letter goes out
//! untouched.

use dom_query::Document;
use unicode_bidi::{BidiClass, Direction, bidi_class, get_base_direction_full};

/// The blocks that get a direction: those a reader sees as paragraphs or
/// whose side (bullets, quote bar) follows the direction.
const BLOCKS: &str = "p, div, li, ul, ol, h1, h2, h3, h4, h5, h6, blockquote, pre, td, th";

/// Gives every block with a strong character the direction of its first
/// one (explicitly `ltr` too, so that a left-to-right paragraph among
/// right-to-left ones is not turned around), leaving blocks that already
/// say theirs alone.
pub(crate) fn mark_directions(html: &str) -> String {
    if !html.chars().any(|c| matches!(bidi_class(c), BidiClass::R | BidiClass::AL)) {
        return html.to_owned();
    }
    let (doc, whole) = parse(html);
    for node in doc.select(BLOCKS).nodes() {
        // `auto` (the composer's, as typed) is made explicit; a direction
        // the author set stays.
        if node.attr("dir").is_some_and(|d| !d.eq_ignore_ascii_case("auto")) {
            continue;
        }
        match get_base_direction_full(node.text().as_ref()) {
            Direction::Rtl => node.set_attr("dir", "rtl"),
            Direction::Ltr => node.set_attr("dir", "ltr"),
            Direction::Mixed => {}
        }
    }
    serialize(&doc, whole)
}

/// Parses outgoing HTML: the composer gives a fragment; a whole document
/// (a template pasted as one) keeps its head. Says which it was.
pub(super) fn parse(html: &str) -> (Document, bool) {
    let start: String = html.trim_start().chars().take(9).collect::<String>().to_ascii_lowercase();
    let whole = start.starts_with("<!doctype") || start.starts_with("<html");
    (if whole { Document::from(html) } else { Document::fragment(html) }, whole)
}

/// The HTML again, as a fragment or a whole document as it came.
pub(super) fn serialize(doc: &Document, whole: bool) -> String {
    if whole { doc.html().to_string() } else { doc.html_root().inner_html().to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_paragraph_gets_the_direction_of_its_first_strong_letter() {
        let html = "<p>שלום Bob, מה שלומך?</p><p>Hello, 123</p><ul><li>سلام دنیا</li></ul><p>  «متن» </p><p>123</p>";
        let out = mark_directions(html);
        assert_eq!(
            out,
            "<p dir=\"rtl\">שלום Bob, מה שלומך?</p><p dir=\"ltr\">Hello, 123</p>\
             <ul dir=\"rtl\"><li dir=\"rtl\">سلام دنیا</li></ul><p dir=\"rtl\">  «متن» </p><p>123</p>"
        );
    }

    #[test]
    fn left_to_right_messages_and_explicit_directions_are_left_alone() {
        let html = "<p>Hello <b>Bob</b> &amp; co</p>";
        assert_eq!(mark_directions(html), html);
        let html = "<p dir=\"ltr\">עברית</p>";
        assert_eq!(mark_directions(html), html);
        assert_eq!(mark_directions("<p dir=\"auto\">עברית</p>"), "<p dir=\"rtl\">עברית</p>");
        let whole = "<html><head><title>x</title></head><body><p>עברית</p></body></html>";
        assert_eq!(
            mark_directions(whole),
            "<html><head><title>x</title></head><body><p dir=\"rtl\">עברית</p></body></html>"
        );
    }
}
