//! vCard files (2.1, 3.0 and 4.0) as persons.
//!
//! vCard 2.1, as phones and older Outlooks write it, names a property's
//! charset and transfer encoding in its parameters, in any letter case,
//! and sometimes as a bare `QUOTED-PRINTABLE`. Those parameters are
//! spelled the one way the parser reads before the file meets it.

use std::borrow::Cow;

use encoding_rs::Encoding;

use super::{PersonDraft, Source, domain_of_url};

/// The one encoding a file's CHARSET parameters name, if they name one
/// other than UTF-8 (for 8-bit text that is not UTF-8).
pub(super) fn declared_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    const PARAMETER: &[u8] = b"charset=";
    let mut found: Option<&'static Encoding> = None;
    for (at, _) in bytes.windows(PARAMETER.len()).enumerate().filter(|(_, w)| w.eq_ignore_ascii_case(PARAMETER)) {
        let value: Vec<u8> = bytes
            .get(at + PARAMETER.len()..)?
            .iter()
            .copied()
            .take_while(|b| !matches!(b, b';' | b':' | b',' | b'\r' | b'\n'))
            .filter(|b| *b != b'"')
            .collect();
        let encoding = Encoding::for_label(&value)?;
        if found.is_some_and(|f| f != encoding) {
            return None;
        }
        found = Some(encoding);
    }
    found.filter(|e| *e != encoding_rs::UTF_8)
}

/// The text with every property's ENCODING parameter spelled
/// `ENCODING=QUOTED-PRINTABLE` / `ENCODING=BASE64`, whatever its case and
/// whether or not it was bare; a quoted-printable value that names no
/// CHARSET is taken to be in the file's own encoding (the parser would
/// read it as ISO-8859-1).
fn spelled_for_parser<'a>(text: &'a str, file_encoding: &str) -> Cow<'a, str> {
    let lower = text.to_ascii_lowercase();
    if !lower.contains("quoted-printable") && !lower.contains("encoding=") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    // A quoted-printable value goes on after a line ending in "=".
    let mut continued = false;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\r', '\n']);
        if continued || content.starts_with([' ', '\t']) {
            continued = continued && content.ends_with('=');
            out.push_str(line);
            continue;
        }
        let Some(colon) = content.find(':') else {
            out.push_str(line);
            continue;
        };
        let (head, rest) = line.split_at(colon);
        let mut parts = head.split(';');
        let name = parts.next().unwrap_or("");
        let mut quoted_printable = false;
        let mut charset = false;
        out.push_str(name);
        for param in parts {
            out.push(';');
            let (key, value) = param.split_once('=').map_or(("", param), |(k, v)| (k, v));
            let value_is = |v: &str| value.trim().eq_ignore_ascii_case(v);
            if (key.is_empty() || key.trim().eq_ignore_ascii_case("encoding")) && value_is("quoted-printable") {
                quoted_printable = true;
                out.push_str("ENCODING=QUOTED-PRINTABLE");
            } else if key.trim().eq_ignore_ascii_case("encoding") && (value_is("base64") || value_is("b")) {
                out.push_str("ENCODING=BASE64");
            } else {
                charset |= key.trim().eq_ignore_ascii_case("charset");
                out.push_str(param);
            }
        }
        if quoted_printable && !charset {
            out.push_str(";CHARSET=");
            out.push_str(file_encoding);
        }
        out.push_str(rest);
        continued = quoted_printable && content.ends_with('=');
    }
    Cow::Owned(out)
}

/// The persons of a vCard file's text, read from a file in
/// `file_encoding` (any number of cards, any version).
pub(super) fn drafts(text: &str, file_encoding: &str) -> Vec<PersonDraft> {
    use calcard::vcard::VCardProperty;
    use calcard::{Entry, Parser};

    let text = spelled_for_parser(text, file_encoding);
    let mut parser = Parser::new(&text);
    let mut drafts = Vec::new();
    let mut card = 0;
    loop {
        let vcard = match parser.entry() {
            Entry::VCard(vcard) => vcard,
            Entry::Eof => break,
            Entry::ICalendar(_) | Entry::InvalidLine(_) => continue,
            Entry::UnexpectedComponentEnd { .. } | Entry::UnterminatedComponent(_) => {
                card += 1;
                drafts.push(PersonDraft { source: Source::Card { number: card }, ..Default::default() });
                continue;
            }
            // The parser's own limit on a hostile file: what was read stays.
            _ => break,
        };
        card += 1;
        let first_text = |prop: VCardProperty| {
            vcard
                .property(&prop)
                .and_then(|e| e.values.first())
                .and_then(|v| v.as_text())
                .map(|t| t.trim().to_owned())
                .unwrap_or_default()
        };
        let mut name = first_text(VCardProperty::Fn);
        if name.is_empty() {
            // N is family;given;additional;prefix;suffix.
            if let Some(n) = vcard.property(&VCardProperty::N) {
                let parts: Vec<&str> = n.values.iter().filter_map(|v| v.as_text()).collect();
                let part = |i: usize| parts.get(i).copied().unwrap_or("").trim();
                name = super::table::full_name(part(1), part(2), part(0));
            }
        }
        let emails = vcard
            .properties(&VCardProperty::Email)
            .filter_map(|e| e.values.first().and_then(|v| v.as_text()))
            .map(|e| e.trim().trim_start_matches("mailto:").to_owned())
            .collect();
        let phone = first_text(VCardProperty::Tel).trim_start_matches("tel:").to_owned();
        let domains = vcard
            .properties(&VCardProperty::Url)
            .filter_map(|e| e.values.first().and_then(|v| v.as_text()))
            .filter_map(domain_of_url)
            .collect();
        drafts.push(PersonDraft {
            source: Source::Card { number: card },
            name,
            emails,
            phone,
            org: first_text(VCardProperty::Org),
            domains,
        });
    }
    drafts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_is_decoded_however_it_is_spelled() {
        let names = |vcf: &str, encoding: &str| drafts(vcf, encoding).into_iter().map(|d| d.name).collect::<Vec<_>>();
        let card = |fn_line: &str| format!("BEGIN:VCARD\r\nVERSION:2.1\r\n{fn_line}\r\nEND:VCARD\r\n");
        for line in [
            "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=A4rt =C3=95unapuu",
            "FN;charset=utf-8;encoding=quoted-printable:M=C3=A4rt =C3=95unapuu",
            "FN;CHARSET=UTF-8;QUOTED-PRINTABLE:M=C3=A4rt =C3=95unapuu",
            "FN;quoted-printable:M=C3=A4rt =C3=95unapuu",
            "FN;Encoding=Quoted-Printable:M=C3=A4rt =\r\n=C3=95unapuu",
        ] {
            assert_eq!(names(&card(line), "UTF-8"), ["Märt Õunapuu"], "{line}");
        }
        // No CHARSET in a file of a Windows code page: that code page.
        assert_eq!(names(&card("FN;ENCODING=QUOTED-PRINTABLE:M=E4rt"), "windows-1257"), ["Märt"]);
        // A value that only looks like a parameter is left alone.
        let note = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nNOTE:quoted-printable;encoding=x\r\nEND:VCARD\r\n";
        assert_eq!(spelled_for_parser(note, "UTF-8"), note);
    }
}
