//! Formatted messages end to end through the CLI: an HTML body with an
//! inline image and an attachment, sent through the test Postfix and read
//! back with mail-parser from the recipient's Dovecot mailbox and the
//! sender's Sent folder; and the account's size limit refusing a message
//! before anything is sent.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::path::Path;

use mail_parser::MimeHeaders;
use threadline_testkit::corpus::noise;
use threadline_testkit::{TestUser, servers};

mod common;
use common::{add_account, cli, ok_json};

/// Two fresh users on the test servers, a data dir with the seller's
/// account, synced once.
struct Setup {
    s: &'static threadline_testkit::MailServers,
    rt: tokio::runtime::Runtime,
    seller: TestUser,
    buyer: TestUser,
    dir: tempfile::TempDir,
    account: i64,
}

fn setup(seller: &str, buyer: &str) -> Setup {
    let s = servers();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (seller, buyer) = (s.new_user(seller), s.new_user(buyer));
    let dir = tempfile::tempdir().unwrap();
    let account = add_account(dir.path(), &seller);
    ok_json(cli(dir.path(), &["sync", "--once", "--json"]));
    Setup { s, rt, seller, buyer, dir, account }
}

fn send(d: &Path, account: i64, to: &TestUser, subject: &str, extra: &[&str]) -> std::process::Output {
    let account = account.to_string();
    let mut args = vec!["send", "--account", &account, "--to", &to.email, "--subject", subject, "--json"];
    args.extend_from_slice(extra);
    cli(d, &args)
}

#[test]
fn a_formatted_message_arrives_with_its_inline_image_and_attachment_intact() {
    let Setup { s, rt, seller, buyer, dir, account } = setup("compose", "buyer");
    let d = dir.path();

    let html = d.join("body.html");
    std::fs::write(
        &html,
        "<p>Hello <b>Bob</b>,</p><p>our logo: <img src=\"cid:logo@acme\"></p><ul><li>one</li><li>two</li></ul>",
    )
    .unwrap();
    let (logo, pdf) = (d.join("logo.png"), d.join("Quote 2026.pdf"));
    let logo_bytes = [&[137u8, 80, 78, 71, 13, 10, 26, 10][..], &noise(4_000, 7)].concat();
    let pdf_bytes = noise(300_000, 11);
    std::fs::write(&logo, &logo_bytes).unwrap();
    std::fs::write(&pdf, &pdf_bytes).unwrap();
    let inline = format!("logo@acme={}", logo.display());
    let out = send(
        d,
        account,
        &buyer,
        "Quote for Acme",
        &["--html", html.to_str().unwrap(), "--inline", &inline, "--attach", pdf.to_str().unwrap()],
    );
    ok_json(out);

    rt.block_on(s.wait_for_count(&buyer, "INBOX", 1));
    let received = rt.block_on(s.sources(&buyer, "INBOX")).remove(0);
    rt.block_on(s.wait_for_count(&seller, "Sent", 1));
    let kept = rt.block_on(s.sources(&seller, "Sent")).remove(0);
    for raw in [received, kept] {
        let m = mail_parser::MessageParser::default().parse(&raw).expect("parses");
        let kind = |p: &mail_parser::MessagePart<'_>| {
            p.content_type().map(|t| format!("{}/{}", t.ctype(), t.subtype().unwrap_or_default())).unwrap_or_default()
        };
        let kinds: Vec<String> = m.parts.iter().map(kind).collect();
        assert_eq!(kinds[0], "multipart/mixed", "{kinds:?}");
        assert_eq!(kinds[1], "multipart/alternative", "{kinds:?}");
        assert_eq!(kinds[2], "text/plain", "{kinds:?}");
        assert_eq!(kinds[3], "multipart/related", "{kinds:?}");
        assert_eq!(kinds[4], "text/html", "{kinds:?}");
        let text = m.body_text(0).unwrap();
        assert!(text.contains("Hello **Bob**") || text.contains("Hello Bob"), "{text}");
        assert!(text.contains("one") && text.contains("two"));
        let html = m.body_html(0).unwrap();
        assert!(html.contains("src=\"cid:logo@acme\""), "{html}");
        let image = m.parts.iter().find(|p| p.content_id() == Some("logo@acme")).expect("the image named by cid");
        assert_eq!(kind(image), "image/png");
        assert_eq!(image.contents(), &logo_bytes[..], "the image arrives byte for byte");
        let attached = m.attachments().find(|a| a.attachment_name() == Some("Quote 2026.pdf")).expect("the attachment");
        assert_eq!(kind(attached), "application/pdf");
        assert_eq!(attached.contents(), &pdf_bytes[..], "the attachment arrives byte for byte");
    }
}

#[test]
fn a_message_over_the_accounts_limit_is_refused_and_nothing_is_sent() {
    let s = servers();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (seller, buyer) = (s.new_user("limit"), s.new_user("limitbuyer"));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let account = add_account(d, &seller);
    let accounts = ok_json(cli(d, &["account", "list", "--json"]));
    assert_eq!(accounts[0]["size_limit"], 25 * 1024 * 1024, "25 MB without a provider's own limit");
    ok_json(cli(d, &["account", "size-limit", &account.to_string(), "1", "--json"]));

    let big = d.join("big.bin");
    std::fs::write(&big, noise(1_500_000, 3)).unwrap();
    let out = send(d, account, &buyer, "Too large", &["--body", "see attached", "--attach", big.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    let error: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(error["error"]["problem"]["code"], "message_too_large", "{error}");
    assert_eq!(error["error"]["problem"]["limit"], 1024 * 1024);
    assert!(error["error"]["message"].as_str().unwrap_or_default().contains("limit of 1.0 MB"), "{error}");

    // A small message after it is the only one that arrives.
    ok_json(send(d, account, &buyer, "Small", &["--body", "just text"]));
    rt.block_on(s.wait_for_count(&buyer, "INBOX", 1));
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert_eq!(rt.block_on(s.count(&buyer, "INBOX")), 1, "the refused message was never sent");
    let missing = d.join("gone.pdf");
    let out = send(d, account, &buyer, "Missing file", &["--attach", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let error: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(error["error"]["problem"]["code"], "attachment_unreadable", "{error}");
}

#[test]
fn reply_all_and_forward_carry_the_conversation_the_quote_and_the_files() {
    let s = servers();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (seller, buyer, colleague) = (s.new_user("answer"), s.new_user("asker"), s.new_user("cc"));
    let terms = noise(50_000, 5);
    let encoded = {
        use std::fmt::Write;
        let b64 = base64_lines(&terms);
        let mut raw = String::new();
        let _ = write!(
            raw,
            "From: Bob Buyer <{}>\r\nTo: {}\r\nCc: {}, {}\r\nSubject: RE: Quote\r\nDate: Tue, 01 Dec 2026 09:00:00 +0000\r\n\
             Message-ID: <orig-{}@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
             --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nLine one\r\nLine two\r\n\
             --b\r\nContent-Type: application/pdf; name=terms.pdf\r\nContent-Disposition: attachment; filename=terms.pdf\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--b--\r\n",
            buyer.email,
            seller.email,
            colleague.email,
            seller.email,
            std::process::id()
        );
        raw
    };
    s.send_smtp(&buyer.email, &seller.email, encoded.as_bytes());
    rt.block_on(s.wait_for_count(&seller, "INBOX", 1));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let account = add_account(d, &seller).to_string();
    ok_json(cli(d, &["sync", "--once", "--json"]));
    let listed = ok_json(cli(d, &["list", "--json"]));
    let original = listed[0]["id"].as_i64().unwrap().to_string();
    let thread = listed[0]["thread_id"].clone();

    // Reply all: to the sender and the other recipient, never the user.
    ok_json(cli(
        d,
        &["send", "--account", &account, "--reply-to", &original, "--reply-all", "--body", "Thanks, agreed.", "--json"],
    ));
    rt.block_on(s.wait_for_count(&buyer, "INBOX", 1));
    rt.block_on(s.wait_for_count(&colleague, "INBOX", 1));
    let reply = rt.block_on(s.sources(&buyer, "INBOX")).remove(0);
    let m = mail_parser::MessageParser::default().parse(&reply).unwrap();
    assert_eq!(m.subject(), Some("Re: Quote"), "one Re: whatever the original had");
    assert!(m.in_reply_to().as_text().is_some_and(|id| id.starts_with("orig-")), "threaded with the original");
    let cc: Vec<&str> = m.cc().map(|l| l.iter().filter_map(|a| a.address()).collect()).unwrap_or_default();
    assert_eq!(cc, [colleague.email.as_str()], "the user's own address is left out");
    let text = m.body_text(0).unwrap();
    assert!(text.starts_with("Thanks, agreed.") && text.contains("> Line one") && text.contains("wrote:"), "{text}");

    // Forward: "Fwd:" once, the original set out below, its file along.
    ok_json(cli(
        d,
        &["send", "--account", &account, "--forward", &original, "--to", &colleague.email, "--body", "FYI", "--json"],
    ));
    rt.block_on(s.wait_for_count(&colleague, "INBOX", 2));
    let forwarded = rt
        .block_on(s.sources(&colleague, "INBOX"))
        .into_iter()
        .map(|raw| mail_parser::MessageParser::default().parse(&raw).unwrap().into_owned())
        .find(|m| m.subject().is_some_and(|s| s.starts_with("Fwd:")))
        .expect("the forward");
    assert_eq!(forwarded.subject(), Some("Fwd: RE: Quote"));
    let text = forwarded.body_text(0).unwrap();
    assert!(text.starts_with("FYI") && text.contains("Forwarded message") && text.contains("Line two"), "{text}");
    let file = forwarded.attachments().find(|a| a.attachment_name() == Some("terms.pdf")).expect("the original's file");
    assert_eq!(file.contents(), &terms[..], "byte for byte");

    // The reply joins the original's conversation here.
    ok_json(cli(d, &["sync", "--once", "--json"]));
    let rows = ok_json(cli(d, &["list", "--folder", "Sent", "--json"]));
    let sent_reply = rows.as_array().unwrap().iter().find(|r| r["subject"] == "Re: Quote").expect("the reply in Sent");
    assert_eq!(sent_reply["thread_id"], thread);
}

#[test]
fn a_reply_quotes_html_cleaned_of_what_could_run_with_its_inline_image_carried() {
    let s = servers();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (seller, buyer) = (s.new_user("quoter"), s.new_user("htmlsender"));
    let logo = noise(3_000, 9);
    let raw = format!(
        "From: Bob Buyer <{}>\r\nTo: {}\r\nSubject: Offer\r\nDate: Tue, 01 Dec 2026 09:00:00 +0000\r\n\
         Message-ID: <html-orig-{}@example.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/related; boundary=r\r\n\r\n\
         --r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <html><head><script>steal()</script></head><body onload=\"go()\"><p>Our price: <b>10 EUR</b></p>\
         <img src=\"cid:logo@example.test\" onerror=\"alert(1)\"><a href=\"javascript:alert(2)\">more</a></body></html>\r\n\
         --r\r\nContent-Type: image/png\r\nContent-ID: <logo@example.test>\r\nContent-Transfer-Encoding: base64\r\n\r\n\
         {}\r\n--r--\r\n",
        buyer.email,
        seller.email,
        std::process::id(),
        base64_lines(&logo)
    );
    s.send_smtp(&buyer.email, &seller.email, raw.as_bytes());
    rt.block_on(s.wait_for_count(&seller, "INBOX", 1));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let account = add_account(d, &seller).to_string();
    ok_json(cli(d, &["sync", "--once", "--json"]));
    let original = ok_json(cli(d, &["list", "--json"]))[0]["id"].as_i64().unwrap().to_string();
    let mine = d.join("mine.html");
    std::fs::write(&mine, "<p>Agreed.</p>").unwrap();
    ok_json(cli(
        d,
        &[
            "send",
            "--account",
            &account,
            "--reply-to",
            &original,
            "--html",
            mine.to_str().unwrap(),
            "--body",
            "Agreed.",
            "--json",
        ],
    ));
    rt.block_on(s.wait_for_count(&buyer, "INBOX", 1));
    let reply = rt.block_on(s.sources(&buyer, "INBOX")).remove(0);
    let m = mail_parser::MessageParser::default().parse(&reply).unwrap();
    let html = m.body_html(0).unwrap();
    assert!(html.contains("Agreed.") && html.contains("<b>10 EUR</b>"), "{html}");
    for gone in ["script", "steal", "onload", "onerror", "javascript:"] {
        assert!(!html.contains(gone), "{gone} went out in the quote:\n{html}");
    }
    let cid = html.split("src=\"cid:").nth(1).and_then(|rest| rest.split('"').next()).expect("the logo, by cid");
    let part = m.parts.iter().find(|p| p.content_id() == Some(cid)).expect("the logo's part");
    assert_eq!(part.contents(), &logo[..], "the original's inline image, byte for byte");
}

/// Base64 in 76-character lines, as MIME writes it.
fn base64_lines(bytes: &[u8]) -> String {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    encoded.as_bytes().chunks(76).map(|l| String::from_utf8_lossy(l).into_owned()).collect::<Vec<_>>().join("\r\n")
}

#[test]
fn the_accounts_signature_goes_in_new_messages_and_above_the_quote_unless_left_out() {
    let s = servers();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (seller, buyer) = (s.new_user("signs"), s.new_user("signsbuyer"));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let account = add_account(d, &seller).to_string();
    let signature = d.join("signature.html");
    std::fs::write(&signature, "<p>Best regards,<br><b>Ann Seller</b><br>Acme Sales</p>").unwrap();
    ok_json(cli(d, &["signature", "set", "--account", &account, "--html", signature.to_str().unwrap(), "--json"]));
    let html = d.join("note.html");
    std::fs::write(&html, "<p>Our <i>new</i> prices.</p>").unwrap();

    ok_json(cli(
        d,
        &["send", "--account", &account, "--to", &buyer.email, "--subject", "Plain", "--body", "Hello Bob", "--json"],
    ));
    ok_json(cli(
        d,
        &[
            "send",
            "--account",
            &account,
            "--to",
            &buyer.email,
            "--subject",
            "Formatted",
            "--html",
            html.to_str().unwrap(),
            "--json",
        ],
    ));
    ok_json(cli(
        d,
        &[
            "send",
            "--account",
            &account,
            "--to",
            &buyer.email,
            "--subject",
            "Unsigned",
            "--body",
            "No signature",
            "--signature",
            "none",
            "--json",
        ],
    ));
    rt.block_on(s.wait_for_count(&buyer, "INBOX", 3));
    let received: Vec<mail_parser::Message<'static>> = rt
        .block_on(s.sources(&buyer, "INBOX"))
        .into_iter()
        .map(|raw| mail_parser::MessageParser::default().parse(&raw).unwrap().into_owned())
        .collect();
    let by =
        |subject: &str| received.iter().find(|m| m.subject() == Some(subject)).unwrap_or_else(|| panic!("{subject}"));
    let text = by("Plain").body_text(0).unwrap().into_owned();
    let (hello, sig) = (
        text.find("Hello Bob").expect("body"),
        text.find("-- \n").or_else(|| text.find("-- \r\n")).expect("signature line"),
    );
    assert!(hello < sig && text.contains("Ann Seller"), "{text}");
    let formatted = by("Formatted").body_html(0).unwrap().into_owned();
    assert!(
        formatted.contains("<i>new</i>")
            && formatted.contains("class=\"signature\"")
            && formatted.contains("<b>Ann Seller</b>"),
        "{formatted}"
    );
    assert!(!by("Unsigned").body_text(0).unwrap().contains("Ann Seller"));

    // A reply: the signature sits between the answer and the quote.
    ok_json(cli(d, &["sync", "--once", "--json"]));
    s.send_smtp(
        &buyer.email,
        &seller.email,
        b"From: bob@example.test\r\nSubject: Question\r\nMessage-ID: <q-sign@example.test>\r\n\r\nWhich plan?\r\n",
    );
    rt.block_on(s.wait_for_count(&seller, "INBOX", 1));
    ok_json(cli(d, &["sync", "--once", "--json"]));
    let inbox = ok_json(cli(d, &["list", "--folder", "INBOX", "--json"]));
    let question = inbox[0]["id"].as_i64().unwrap().to_string();
    ok_json(cli(
        d,
        &[
            "send",
            "--account",
            &account,
            "--reply-to",
            &question,
            "--to",
            &buyer.email,
            "--body",
            "The big one.",
            "--json",
        ],
    ));
    rt.block_on(s.wait_for_count(&buyer, "INBOX", 4));
    let reply = rt
        .block_on(s.sources(&buyer, "INBOX"))
        .into_iter()
        .map(|raw| mail_parser::MessageParser::default().parse(&raw).unwrap().into_owned())
        .find(|m| m.subject() == Some("Re: Question"))
        .expect("the reply");
    let text = reply.body_text(0).unwrap().into_owned();
    let at = |needle: &str| text.find(needle).unwrap_or_else(|| panic!("{needle} in {text}"));
    assert!(
        at("The big one.") < at("Ann Seller") && at("Ann Seller") < at("wrote:") && at("wrote:") < at("> Which plan?"),
        "{text}"
    );
}

#[test]
fn addresses_are_offered_from_persons_and_correspondents_most_used_first() {
    let s = servers();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let seller = s.new_user("offers");
    for (from, n) in [("Bob Buyer <bob.buyer@acme.example>", 3), ("Bobby Tables <bobby@school.example>", 1)] {
        for i in 0..n {
            let raw = format!(
                "From: {from}\r\nTo: {}\r\nSubject: note {i}\r\nMessage-ID: <{i}-{n}@offers.example>\r\n\r\nhi\r\n",
                seller.email
            );
            rt.block_on(s.append(&seller, "INBOX", &[raw.into_bytes()]));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    add_account(d, &seller);
    ok_json(cli(d, &["sync", "--once", "--json"]));
    ok_json(cli(d, &["person", "add", "--name", "Zoë Ziegler", "--email", "zoe@partner.example", "--json"]));

    let offered = ok_json(cli(d, &["addresses", "bo", "--json"]));
    let addresses: Vec<&str> = offered.as_array().unwrap().iter().map(|a| a["address"].as_str().unwrap()).collect();
    assert_eq!(addresses, ["bob.buyer@acme.example", "bobby@school.example"], "the most used first");
    assert_eq!(offered[0]["name"], "Bob Buyer");
    assert_eq!(offered[0]["uses"], 3);
    // By a word of the name, and a person nobody wrote to yet.
    let zoe = ok_json(cli(d, &["addresses", "zieg", "--json"]));
    assert_eq!(zoe[0]["address"], "zoe@partner.example");
    assert_eq!(zoe[0]["person"], true);
    assert_eq!(ok_json(cli(d, &["addresses", "tables", "--json"]))[0]["address"], "bobby@school.example");
    // LIKE's wildcards are taken as written.
    assert_eq!(ok_json(cli(d, &["addresses", "b_b", "--json"])), serde_json::json!([]));
}

#[test]
fn a_draft_is_kept_here_and_once_in_the_drafts_folder_then_sent_and_gone() {
    let s = servers();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (seller, buyer) = (s.new_user("drafts"), s.new_user("draftsbuyer"));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let account = add_account(d, &seller).to_string();
    ok_json(cli(d, &["sync", "--once", "--json"]));

    // Nobody to send it to yet: a draft still.
    let saved = ok_json(cli(
        d,
        &["draft", "save", "--account", &account, "--subject", "Quote v1", "--body", "first", "--json"],
    ));
    let id = saved["id"].as_i64().unwrap().to_string();
    rt.block_on(s.wait_for_count(&seller, "Drafts", 1));
    // A new version replaces the old one on the server.
    ok_json(cli(
        d,
        &[
            "draft",
            "save",
            "--id",
            &id,
            "--account",
            &account,
            "--to",
            &buyer.email,
            "--subject",
            "Quote v2",
            "--body",
            "second",
            "--json",
        ],
    ));
    let on_server = rt.block_on(s.sources(&seller, "Drafts"));
    assert_eq!(on_server.len(), 1, "one version in the Drafts folder");
    let kept = mail_parser::MessageParser::default().parse(&on_server[0]).unwrap();
    assert_eq!(kept.subject(), Some("Quote v2"));
    let listed = ok_json(cli(d, &["draft", "list", "--json"]));
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["draft"]["subject"], "Quote v2");

    ok_json(cli(d, &["draft", "send", &id, "--json"]));
    rt.block_on(s.wait_for_count(&buyer, "INBOX", 1));
    assert_eq!(rt.block_on(s.count(&seller, "Drafts")), 0, "sent: gone from the Drafts folder");
    assert_eq!(ok_json(cli(d, &["draft", "list", "--json"])), serde_json::json!([]));
    let gone = cli(d, &["draft", "send", &id, "--json"]);
    assert_eq!(gone.status.code(), Some(1), "a sent draft is not found again");
}

fn id(d: &Path, args: &[&str]) -> String {
    common::json(d, args)["id"].as_i64().expect("an id").to_string()
}

#[test]
fn templates_fill_their_smart_fields_from_the_crm_in_each_language() {
    let s = servers();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (seller, buyer) = (s.new_user("templ"), s.new_user("templbuyer"));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let account = common::add_account_named(d, &seller, s.imaps_port, "Ann Seller");
    ok_json(cli(d, &["sync", "--once", "--json"]));
    let org = id(d, &["org", "add", "--name", "Acme & Sons"]);
    let bob = id(d, &["person", "add", "--name", "Bob Stone", "--email", &buyer.email, "--org", &org]);
    let deal = id(
        d,
        &[
            "deal",
            "add",
            "--title",
            "Licences",
            "--person",
            &bob,
            "--value",
            "12500.50",
            "--currency",
            "EUR",
            "--close",
            "2026-12-31",
        ],
    );
    let body = d.join("template.html");
    std::fs::write(
        &body,
        "<p>Dear {{person.first_name}},</p><p>{{ deal.title }} for {{org.name}}: {{deal.value}}, \
         by {{deal.close_date}}.</p><p>{{user.name}}</p>",
    )
    .unwrap();
    let template = ok_json(cli(
        d,
        &[
            "template",
            "add",
            "--name",
            "Quote",
            "--subject",
            "{{deal.title}} for {{person.name}}",
            "--body",
            body.to_str().unwrap(),
            "--html",
            "--json",
        ],
    ));
    let t = template["id"].as_i64().unwrap().to_string();
    assert_eq!(ok_json(cli(d, &["template", "list", "--json"]))[0]["name"], "Quote");

    let expected = [
        ("en", "€12,500.50", "December 31, 2026"),
        ("ja", "€12,500.50", "2026年12月31日"),
        ("et", "12\u{a0}500,50\u{a0}€", "31 detsember 2026"),
        ("ko", "€12,500.50", "2026년 12월 31일"),
        ("cs", "12\u{a0}500,50\u{a0}€", "31. prosince 2026"),
        ("sv", "12\u{a0}500,50\u{a0}€", "31 december 2026"),
    ];
    for (lang, value, day) in expected {
        let r = ok_json(cli(d, &["render", "--template", &t, "--to", &buyer.email, "--lang", lang, "--json"]));
        assert_eq!(r["subject"], "Licences for Bob Stone", "{lang}");
        let html = r["html"].as_str().unwrap();
        assert!(
            html.contains(&format!("Licences for Acme &amp; Sons: {value}, by {day}."))
                && html.contains("Dear Bob,")
                && html.contains("<p>Ann Seller</p>"),
            "{lang}: {html}"
        );
        assert!(r["text"].as_str().unwrap().contains(day), "{lang}: {r}");
        assert_eq!(r["missing"], serde_json::json!([]), "{lang}");
    }
    // The deal named explicitly wins over the person's only open one.
    let other = id(d, &["deal", "add", "--title", "Training", "--value", "900", "--currency", "JPY"]);
    let r = ok_json(cli(
        d,
        &["render", "--template", &t, "--to", &buyer.email, "--deal", &other, "--lang", "ja", "--json"],
    ));
    assert!(r["html"].as_str().unwrap().contains("Training for Acme &amp; Sons: ￥900,"), "{r}");
    assert_eq!(r["missing"], serde_json::json!(["deal.close_date"]));

    // Sent with the template: filled, formatted, nothing raw.
    let account_s = account.to_string();
    ok_json(cli(
        d,
        &[
            "send",
            "--account",
            &account_s,
            "--to",
            &buyer.email,
            "--template",
            &t,
            "--deal",
            &deal,
            "--lang",
            "sv",
            "--json",
        ],
    ));
    rt.block_on(s.wait_for_count(&buyer, "INBOX", 1));
    let raw = rt.block_on(s.sources(&buyer, "INBOX")).remove(0);
    let m = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(m.subject(), Some("Licences for Bob Stone"));
    let html = m.body_html(0).unwrap();
    assert!(html.contains("12\u{a0}500,50\u{a0}€, by 31 december 2026."), "{html}");
    assert!(!html.contains("{{") && !m.body_text(0).unwrap().contains("{{"), "{html}");
    ok_json(cli(d, &["template", "delete", &t, "--json"]));
    assert_eq!(ok_json(cli(d, &["template", "list", "--json"])), serde_json::json!([]));
}

#[test]
fn a_message_never_leaves_with_a_raw_or_unagreed_empty_smart_field() {
    let Setup { s, rt, buyer, dir, account, .. } = setup("fields", "fieldsbuyer");
    let d = dir.path();
    let html = d.join("body.html");
    std::fs::write(&html, "<p>Hi {{person.first_name}}, about {{deal.title}}</p>").unwrap();
    let to = format!("Carol Weber <{}>", buyer.email);
    let account_s = account.to_string();
    let base = [
        "send",
        "--account",
        &account_s,
        "--to",
        &to,
        "--subject",
        "Hello",
        "--html",
        html.to_str().unwrap(),
        "--json",
    ];

    // No deal for this recipient: refused, naming the empty field.
    let out = cli(d, &base);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    let error: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(error["error"]["problem"]["code"], "empty_fields", "{error}");
    assert_eq!(error["error"]["problem"]["fields"], serde_json::json!(["deal.title"]));
    // A name that is not a field: refused even when empty fields are agreed.
    std::fs::write(&html, "<p>Hi {{person.frist_name}}</p>").unwrap();
    let out = cli(d, &[&base[..], &["--allow-empty-fields"]].concat());
    assert_eq!(out.status.code(), Some(2));
    let error: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(error["error"]["problem"]["code"], "unknown_field", "{error}");
    assert_eq!(error["error"]["problem"]["name"], "person.frist_name");

    // Agreed: sent with the field empty, the name taken as typed.
    std::fs::write(&html, "<p>Hi {{person.first_name}}, about {{deal.title}}</p>").unwrap();
    ok_json(cli(d, &[&base[..], &["--allow-empty-fields"]].concat()));
    rt.block_on(s.wait_for_count(&buyer, "INBOX", 1));
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert_eq!(rt.block_on(s.count(&buyer, "INBOX")), 1, "only the agreed message was sent");
    let raw = rt.block_on(s.sources(&buyer, "INBOX")).remove(0);
    let m = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert!(m.body_html(0).unwrap().contains("Hi Carol, about </p>"), "{:?}", m.body_html(0));
}

#[test]
fn right_to_left_paragraphs_go_out_with_their_direction() {
    let Setup { s, rt, buyer, dir, account, .. } = setup("rtl", "rtlbuyer");
    let d = dir.path();
    let html = d.join("body.html");
    // Hebrew, Persian, Urdu and Arabic paragraphs, one English, one that
    // starts with a number then Hebrew.
    std::fs::write(
        &html,
        "<p>שלום Bob, מה שלומך?</p><p>سلام، پیشنهاد ما پیوست است.</p><p>آپ کا شکریہ</p>\
         <p>مرحبا</p><p>Thanks, Ann</p><p>2026 שנה טובה</p>",
    )
    .unwrap();
    ok_json(send(d, account, &buyer, "שלום", &["--html", html.to_str().unwrap()]));
    rt.block_on(s.wait_for_count(&buyer, "INBOX", 1));
    let raw = rt.block_on(s.sources(&buyer, "INBOX")).remove(0);
    let m = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let html = m.body_html(0).unwrap();
    for rtl in ["שלום Bob", "سلام، پیشنهاد", "آپ کا شکریہ", "مرحبا", "2026 שנה טובה"]
    {
        assert!(html.contains(&format!("<p dir=\"rtl\">{rtl}")), "{rtl}: {html}");
    }
    assert!(html.contains("<p dir=\"ltr\">Thanks, Ann</p>"), "{html}");
    assert_eq!(m.subject(), Some("שלום"));
}

#[test]
fn a_message_sent_later_waits_in_the_outbox_until_its_time_and_can_be_cancelled() {
    let Setup { s, rt, buyer, dir, account, .. } = setup("later", "laterbuyer");
    let d = dir.path();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let at = chrono::DateTime::from_timestamp(i64::try_from(now).unwrap() + 4, 0).unwrap().to_rfc3339();
    let later = ok_json(send(d, account, &buyer, "Later", &["--body", "on time", "--at", &at]));
    assert_eq!(later["state"], "scheduled", "{later}");
    let cancelled = ok_json(send(d, account, &buyer, "Never", &["--body", "changed my mind", "--at", &at]));
    let waiting = ok_json(cli(d, &["outbox", "list", "--json"]));
    assert_eq!(waiting.as_array().unwrap().len(), 2, "{waiting}");
    assert_eq!(waiting[0]["subject"], "Later");
    let draft = ok_json(cli(d, &["outbox", "cancel", cancelled["message_id"].as_str().unwrap(), "--json"]));
    assert_eq!(draft["body"], "changed my mind", "the cancelled message comes back as it was written");
    let out = cli(d, &["outbox", "cancel", cancelled["message_id"].as_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(2), "cancelled once");

    // Before its time a sync sends nothing; at or after it, the message goes.
    ok_json(cli(d, &["sync", "--once", "--json"]));
    assert_eq!(rt.block_on(s.count(&buyer, "INBOX")), 0, "not before its time");
    std::thread::sleep(std::time::Duration::from_secs(5));
    ok_json(cli(d, &["sync", "--once", "--json"]));
    rt.block_on(s.wait_for_count(&buyer, "INBOX", 1));
    std::thread::sleep(std::time::Duration::from_secs(1));
    let raw = rt.block_on(s.sources(&buyer, "INBOX"));
    assert_eq!(raw.len(), 1, "the cancelled one never went");
    let m = mail_parser::MessageParser::default().parse(&raw[0]).unwrap();
    assert_eq!(m.subject(), Some("Later"));
    assert_eq!(ok_json(cli(d, &["outbox", "list", "--json"])), serde_json::json!([]));
    let out = cli(d, &["outbox", "cancel", later["message_id"].as_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(2), "too late to cancel a sent message");
    let error: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(error["error"]["problem"]["code"], "already_sent", "{error}");
}

#[test]
fn a_message_of_several_stored_pieces_arrives_whole_with_its_dot_lines() {
    use std::io::Write;
    let Setup { s, rt, seller, buyer, dir, account } = setup("pieces", "piecesbuyer");
    let (d, account) = (dir.path(), account.to_string());
    // 2.5 MB of text whose every line starts with a dot: the outbox keeps
    // it in three pieces, and SMTP's dot-stuffing must hold across them.
    let body: String = (0..50_000).map(|n| format!(".line {n:06} of the long note ......................\n")).collect();
    let mut child = std::process::Command::new(common::CLI)
        .arg("--data-dir")
        .arg(d)
        .args(["send", "--account", &account, "--to", &buyer.email, "--subject", "Long note", "--body", "-", "--json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(body.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    ok_json(out);
    rt.block_on(s.wait_for_count(&buyer, "INBOX", 1));
    let raw = rt.block_on(s.sources(&buyer, "INBOX")).remove(0);
    let m = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let text = m.body_text(0).unwrap().replace("\r\n", "\n");
    assert_eq!(text.trim_end(), body.trim_end(), "every line arrives as written");
    rt.block_on(s.wait_for_count(&seller, "Sent", 1));
}
