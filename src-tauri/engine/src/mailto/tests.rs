use super::*;
use proptest::prelude::*;

fn link(to: &[&str], cc: &[&str], bcc: &[&str], subject: &str, body: &str) -> MailtoLink {
    let owned = |list: &[&str]| list.iter().map(|a| (*a).to_owned()).collect();
    MailtoLink { to: owned(to), cc: owned(cc), bcc: owned(bcc), subject: subject.into(), body: body.into() }
}

/// The examples of RFC 6068 §6, each with what it fills in.
#[test]
fn the_examples_of_rfc_6068() {
    let cases: &[(&str, MailtoLink)] = &[
        ("mailto:chris@example.com", link(&["chris@example.com"], &[], &[], "", "")),
        (
            "mailto:infobot@example.com?subject=current-issue",
            link(&["infobot@example.com"], &[], &[], "current-issue", ""),
        ),
        (
            "mailto:infobot@example.com?body=send%20current-issue",
            link(&["infobot@example.com"], &[], &[], "", "send current-issue"),
        ),
        (
            "mailto:infobot@example.com?body=send%20current-issue%0D%0Asend%20index",
            link(&["infobot@example.com"], &[], &[], "", "send current-issue\nsend index"),
        ),
        // In-Reply-To is not a field of the composer: ignored.
        (
            "mailto:list@example.org?In-Reply-To=%3C3469A91.D10AF4C@example.com%3E",
            link(&["list@example.org"], &[], &[], "", ""),
        ),
        (
            "mailto:majordomo@example.com?body=subscribe%20bamboo-l",
            link(&["majordomo@example.com"], &[], &[], "", "subscribe bamboo-l"),
        ),
        (
            "mailto:joe@example.com?cc=bob@example.com&body=hello",
            link(&["joe@example.com"], &["bob@example.com"], &[], "", "hello"),
        ),
        ("mailto:gorby%25kremvax@example.com", link(&["gorby%kremvax@example.com"], &[], &[], "", "")),
        ("mailto:unlikely%3Faddress@example.com?blat=foop", link(&["unlikely?address@example.com"], &[], &[], "", "")),
        ("mailto:Mike%26family@example.org", link(&["Mike&family@example.org"], &[], &[], "", "")),
        ("mailto:%22not%40me%22@example.org", link(&["\"not@me\"@example.org"], &[], &[], "", "")),
        ("mailto:%22oh%5C%5Cno%22@example.org", link(&["\"oh\\\\no\"@example.org"], &[], &[], "", "")),
        (
            "mailto:%22%5C%5C%5C%22it's%5C%20ugly%5C%5C%5C%22%22@example.org",
            link(&["\"\\\\\\\"it's\\ ugly\\\\\\\"\"@example.org"], &[], &[], "", ""),
        ),
        ("mailto:user@example.org?subject=caf%C3%A9", link(&["user@example.org"], &[], &[], "café", "")),
        // An encoded word is text of the subject, as the link wrote it.
        (
            "mailto:user@example.org?subject=%3D%3Futf-8%3FQ%3Fcaf%3DC3%3DA9%3F%3D",
            link(&["user@example.org"], &[], &[], "=?utf-8?Q?caf=C3=A9?=", ""),
        ),
        (
            "mailto:?to=addr1@an.example,addr2@an.example",
            link(&["addr1@an.example", "addr2@an.example"], &[], &[], "", ""),
        ),
        (
            "mailto:addr1@an.example?to=addr2@an.example",
            link(&["addr1@an.example", "addr2@an.example"], &[], &[], "", ""),
        ),
        (
            "mailto:user@%E7%B4%8D%E8%B1%86.example.org?subject=Test&body=NATTO",
            link(&["user@納豆.example.org"], &[], &[], "Test", "NATTO"),
        ),
        (
            "mailto:%E7%B4%8D%E8%B1%86@example.org?subject=Test&body=NATTO",
            link(&["納豆@example.org"], &[], &[], "Test", "NATTO"),
        ),
    ];
    for (url, want) in cases {
        assert_eq!(parse(url).as_ref(), Ok(want), "{url}");
    }
    // The RFC's example of a link that is not UTF-8.
    assert_eq!(parse("mailto:user@example.org?subject=caf%E9"), Err(MailtoFault::NotUtf8));
}

#[test]
fn what_links_in_the_wild_do() {
    let cases: &[(&str, MailtoLink)] = &[
        // Scheme and field names in any case; several fields of a kind.
        (
            "MAILTO:a@x.example?SUBJECT=Hi&Cc=b@x.example&cc=c@x.example",
            link(&["a@x.example"], &["b@x.example", "c@x.example"], &[], "Hi", ""),
        ),
        ("mailto:?bcc=hidden@x.example", link(&[], &[], &["hidden@x.example"], "", "")),
        // A plus is a plus, in an address and in text.
        ("mailto:a+tag@x.example?subject=1+1", link(&["a+tag@x.example"], &[], &[], "1+1", "")),
        // An address given twice is there once; spaces around are dropped.
        ("mailto:a@x.example,%20A@X.example?to=a@x.example", link(&["a@x.example"], &[], &[], "", "")),
        // The first subject and body count.
        (
            "mailto:a@x.example?subject=one&subject=two&body=first&body=second",
            link(&["a@x.example"], &[], &[], "one", "first"),
        ),
        // A name with the address, as some pages write it.
        ("mailto:Anna%20Tamm%20%3Canna@x.example%3E", link(&["Anna Tamm <anna@x.example>"], &[], &[], "", "")),
        // Bare LF and CR line breaks in the body; a fragment is no field.
        ("mailto:a@x.example?body=one%0Atwo%0Dthree#section", link(&["a@x.example"], &[], &[], "", "one\ntwo\nthree")),
        // Empty fields and a field without a value.
        ("mailto:a@x.example?&subject&body=&cc=", link(&["a@x.example"], &[], &[], "", "")),
        ("  mailto:a@x.example  ", link(&["a@x.example"], &[], &[], "", "")),
    ];
    for (url, want) in cases {
        assert_eq!(parse(url).as_ref(), Ok(want), "{url}");
    }
}

#[test]
fn dangerous_fields_are_never_honoured() {
    let parsed = parse(
        "mailto:a@x.example?attach=/etc/passwd&attachment=file:///home/u/.ssh/id_rsa&from=boss@x.example\
         &subject=hi%0D%0ABcc:%20evil@x.example&to=b@x.example%0D%0ABcc:%20evil@x.example&X-Header=1",
    );
    // No file, no sender, no other header: only what the composer shows,
    // and a line break cannot start a header of its own.
    assert_eq!(
        parsed,
        Ok(link(&["a@x.example", "b@x.example Bcc: evil@x.example"], &[], &[], "hi Bcc: evil@x.example", ""))
    );
}

#[test]
fn a_link_that_cannot_be_read_says_why() {
    for url in ["", "http://example.com", "mail:a@x.example", "mailto", "a@x.example"] {
        assert_eq!(parse(url), Err(MailtoFault::NotMailto), "{url}");
    }
    for url in ["mailto:a%zz@x.example", "mailto:a@x.example?subject=%4", "mailto:a@x.example?body=100%", "mailto:%"] {
        assert_eq!(parse(url), Err(MailtoFault::BadEscape), "{url}");
    }
    assert_eq!(parse("mailto:a@x.example?body=%FF%FE"), Err(MailtoFault::NotUtf8));
}

/// Text an address or subject can hold: no control characters, no commas
/// (they separate addresses), no runs of spaces (a link's spaces fold).
fn field() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[^\\p{Cc},\\s]{1,12}( [^\\p{Cc},\\s]{1,12}){0,2}").unwrap_or_else(|e| panic!("{e}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Whatever comes in, the parser answers, and what it fills in has no
    /// line break but in the body.
    #[test]
    fn any_input_gets_an_answer(input in "(mailto:|MAILTO:)?[\\s\\S]{0,80}") {
        if let Ok(parsed) = parse(&input) {
            for text in parsed.to.iter().chain(&parsed.cc).chain(&parsed.bcc).chain([&parsed.subject]) {
                prop_assert!(!text.contains(|c: char| c.is_control()), "{text:?}");
            }
        }
    }

    /// Any fields, escaped into a link as a browser does, come back as
    /// they were.
    #[test]
    fn fields_written_into_a_link_come_back(
        to in proptest::collection::vec(field(), 0..3),
        cc in proptest::collection::vec(field(), 0..3),
        subject in proptest::option::of(field()),
        body in "[^\\r]{0,60}",
    ) {
        use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
        let escape = |text: &str| utf8_percent_encode(text, NON_ALPHANUMERIC).to_string();
        let list = |list: &[String]| list.iter().map(|a| escape(a)).collect::<Vec<_>>().join(",");
        let mut url = format!("mailto:{}?body={}", list(&to), escape(&body));
        if !cc.is_empty() {
            url.push_str(&format!("&cc={}", list(&cc)));
        }
        if let Some(subject) = &subject {
            url.push_str(&format!("&subject={}", escape(subject)));
        }
        let parsed = parse(&url);
        let unique = |list: &[String]| {
            let mut seen: Vec<String> = Vec::new();
            for a in list {
                if !seen.iter().any(|s| s.eq_ignore_ascii_case(a)) {
                    seen.push(a.clone());
                }
            }
            seen
        };
        let want = MailtoLink { to: unique(&to), cc: unique(&cc), bcc: vec![], subject: subject.unwrap_or_default(), body };
        prop_assert_eq!(parsed, Ok(want));
    }
}
