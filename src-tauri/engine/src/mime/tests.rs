use super::*;

fn crlf(s: &str) -> Vec<u8> {
    s.replace("\r\n", "\n").replace('\n', "\r\n").into_bytes()
}

/// Every fixture is checked with LF and CRLF line ends.
fn both_endings(s: &str) -> [Vec<u8>; 2] {
    [s.replace("\r\n", "\n").into_bytes(), crlf(s)]
}

#[test]
fn plain_message_fields() {
    let src = "From: Bob Stone <Bob@Acme.Example>\nTo: alice@example.com, Carol <carol@example.com>\nCc: dave@example.com\nSubject: Quarterly numbers\nDate: Tue, 03 Nov 2026 10:00:00 +0000\nMessage-ID: <q1@acme.example>\n\nHello Alice,\nhere are the numbers.\n> quoted text\n";
    for raw in both_endings(src) {
        let p = parse(&raw);
        assert_eq!(p.problem, None);
        assert_eq!(p.message_id.as_deref(), Some("q1@acme.example"));
        assert_eq!(p.subject, "Quarterly numbers");
        assert_eq!(p.date, Some(1_793_700_000));
        let from: Vec<_> = p.addresses_of(AddressRole::From).collect();
        assert_eq!(from[0].address, "bob@acme.example");
        assert_eq!(from[0].name, "Bob Stone");
        assert_eq!(p.addresses_of(AddressRole::To).count(), 2);
        assert_eq!(p.addresses_of(AddressRole::Cc).count(), 1);
        assert_eq!(p.snippet, "Hello Alice, here are the numbers.");
    }
}

#[test]
fn thread_keys_come_from_ids_references_and_in_reply_to() {
    let src =
        "From: a@x.example\nMessage-ID: <c@x>\nReferences: <a@x> <b@x>\nIn-Reply-To: <b@x>\nSubject: Re: hi\n\nbody\n";
    let p = parse(src.as_bytes());
    assert_eq!(p.thread_keys(), vec!["c@x", "a@x", "b@x"]);
    assert_eq!(p.in_reply_to.as_deref(), Some("b@x"));
}

#[test]
fn rfc2047_subject_and_names_are_decoded() {
    let src = "From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.de>\nSubject: =?ISO-8859-1?Q?Gr=FC=DFe?= aus =?UTF-8?B?5p2x5Lqs?=\n\nx\n";
    let p = parse(src.as_bytes());
    assert_eq!(p.subject, "Grüße aus 東京");
    assert_eq!(p.addresses[0].1.name, "Jürgen Müller");
}

#[test]
fn non_utf8_charset_body_is_decoded() {
    // "こんにちは" in Shift_JIS.
    let mut raw = b"From: a@example.jp\nSubject: test\nContent-Type: text/plain; charset=Shift_JIS\n\n".to_vec();
    raw.extend_from_slice(&[0x82, 0xb1, 0x82, 0xf1, 0x82, 0xc9, 0x82, 0xbf, 0x82, 0xcd, b'\n']);
    let p = parse(&raw);
    assert_eq!(p.snippet, "こんにちは");
    // Split into pairs of characters for the index (see search::segment).
    assert_eq!(p.search_text.split_whitespace().collect::<Vec<_>>(), ["こん", "んに", "にち", "ちは", "は"]);
}

#[test]
fn attachments_are_listed() {
    let src = "From: a@x.example\nSubject: files\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain\n\nsee attached\n--XX\nContent-Type: application/pdf; name=\"offer.pdf\"\nContent-Disposition: attachment; filename=\"offer.pdf\"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--XX--\n";
    for raw in both_endings(src) {
        let p = parse(&raw);
        assert_eq!(p.attachments.len(), 1);
        assert_eq!(p.attachments[0].filename, "offer.pdf");
        assert_eq!(p.attachments[0].content_type, "application/pdf");
        assert_eq!(p.attachments[0].size, 9);
        assert_eq!(p.search_text.trim(), "see attached");
    }
}

#[test]
fn garbage_degrades_without_panicking() {
    let inputs: [&[u8]; 5] = [
        b"",
        b"\0\0\0\xff\xfe",
        b"Subject: =?UTF-8?B?broken\n\n\xff\xfe body",
        b"Content-Type: multipart/mixed; boundary=\n\n--\n--\n",
        b"From: <<<@@@>>>\nTo: ,,,\nDate: yesterday at noon\n\nx",
    ];
    for raw in inputs {
        let p = parse(raw);
        assert_eq!(p.size, raw.len());
        assert_eq!(p.source_hash, content_hash(raw));
        assert_eq!(p.content_hash, content_key(&p.source_hash, p.date));
    }
}

#[test]
fn the_store_key_starts_with_the_day_of_the_date_header() {
    let dated = parse(b"Date: Fri, 04 Dec 2026 10:00:00 +0000\nMessage-ID: <d@x>\n\nbody");
    let day = 1_796_378_400_u32 / 86_400;
    assert_eq!(dated.content_hash[..4], day.to_be_bytes());
    assert_eq!(dated.content_hash[4..], dated.source_hash[..28]);
    // Without a Date header (or before 1970), day 0.
    let undated = parse(b"Message-ID: <d@x>\n\nbody");
    assert_eq!(undated.content_hash[..4], [0; 4]);
    assert_eq!(content_key(&undated.source_hash, Some(-86_400 * 3))[..4], [0; 4]);
}

#[test]
fn same_bytes_same_identity_different_bytes_different_identity() {
    let a = parse(b"Message-ID: <same@x>\n\none");
    let b = parse(b"Message-ID: <same@x>\n\ntwo");
    assert_eq!(a.message_id, b.message_id);
    assert_ne!(a.content_hash, b.content_hash);
    assert_eq!(a.content_hash, parse(b"Message-ID: <same@x>\n\none").content_hash);
}

#[test]
fn address_normalization() {
    assert_eq!(normalize_address("  <Bob@Acme.EXAMPLE> "), "bob@acme.example");
}

#[test]
fn words_with_diacritics_are_kept_for_exact_ranking() {
    let p = parse(
        "Subject: Nová příležitost\nContent-Type: text/plain; charset=utf-8\n\ncafé, naïve café; plain words\n"
            .as_bytes(),
    );
    assert_eq!(p.exact_words, "Nová příležitost café naïve");
    assert_eq!(parse(b"Subject: x\n\nplain ascii\n").exact_words, "");
}

#[test]
fn an_mbox_servers_bookkeeping_fields_do_not_change_the_identity() {
    let plain = b"From: a@x\r\nSubject: Hi\r\nMessage-ID: <m@x>\r\n\r\nBody\r\n".as_slice();
    let in_inbox = b"From: a@x\r\nSubject: Hi\r\nMessage-ID: <m@x>\r\nX-IMAPbase: 1796519670                    6\r\nX-UID: 4\r\nStatus: O\r\n\r\nBody\r\n";
    let in_archive =
        b"From: a@x\r\nSubject: Hi\r\nX-UID: 1\r\nMessage-ID: <m@x>\r\nX-Status: F\r\n\tfolded\r\n\r\nBody\r\n";
    assert_eq!(content_hash(in_inbox), content_hash(plain));
    assert_eq!(content_hash(in_archive), content_hash(plain));
    // Only in the header: the same words in the body count.
    let in_body = b"From: a@x\r\nSubject: Hi\r\nMessage-ID: <m@x>\r\n\r\nBody\r\nStatus: O\r\n";
    assert_ne!(content_hash(in_body), content_hash(plain));
    assert_eq!(content_hash(plain), <[u8; 32]>::from(Sha256::digest(plain)));
}
