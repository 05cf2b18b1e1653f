//! Smart BCC capture end to end through the CLI: copies mailed through the
//! test Postfix to the Smart BCC addresses of a Dovecot user, synced, and
//! checked with DKIM and SPF against the loopback NSD (zone auth.test, whose
//! key signs with the run's DKIM key); the accepted senders' confirmation
//! mail really sent and its code used; the quarantine; blocked addresses
//! and sharing.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use threadline_testkit::{MailServers, TestUser, servers};

mod common;
use common::{CLI, add_account, json, ok_json, refused};

/// A mail as a client writes it.
fn mail(from: &str, to: &str, id: &str, subject: &str, body: &str) -> Vec<u8> {
    let to = if to.is_empty() { String::new() } else { format!("To: {to}\r\n") };
    format!(
        "From: {from}\r\n{to}Subject: {subject}\r\nDate: Mon, 30 Nov 2026 09:00:00 +0000\r\n\
         Message-ID: <{id}>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

/// Delivers through Postfix and waits until the mailbox holds `count`.
fn deliver(s: &MailServers, user: &TestUser, envelope_from: &str, to: &str, raw: &[u8], count: u32) {
    s.send_smtp(envelope_from, to, raw);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(s.wait_for_count(user, "INBOX", count));
}

/// The listed messages with this Message-ID.
fn listed(d: &Path, message_id: &str) -> Vec<Value> {
    let all = json(d, &["list", "--limit", "500"]);
    all.as_array().unwrap().iter().filter(|m| m["message_id"] == message_id).cloned().collect()
}

fn held(d: &Path) -> Vec<Value> {
    json(d, &["quarantine", "list"]).as_array().unwrap().clone()
}

fn held_reason(d: &Path, message_id: &str) -> Option<String> {
    held(d).iter().find(|h| h["message_id"] == message_id).map(|h| h["reason_code"].as_str().unwrap().to_owned())
}

fn sync(d: &Path) {
    json(d, &["sync", "--once"]);
}

struct Setup {
    _dir: tempfile::TempDir,
    user: TestUser,
    account: String,
    address: String,
}

impl Setup {
    fn new(prefix: &str) -> Setup {
        let s = servers();
        let user = s.new_user(prefix);
        let dir = tempfile::tempdir().expect("tempdir");
        let account = add_account(dir.path(), &user);
        let address = json(dir.path(), &["bcc", "setup", "--account", &account.to_string()])["address"]
            .as_str()
            .unwrap()
            .to_owned();
        Setup { _dir: dir, user, account: account.to_string(), address }
    }

    fn d(&self) -> &Path {
        self._dir.path()
    }
}

#[test]
fn copies_are_captured_by_their_verdicts_and_held_with_their_reasons() {
    let s = servers();
    let t = Setup::new("capa");
    let d = t.d();
    let me = t.user.email.clone();
    json(d, &["person", "add", "--name", "Bob Stone", "--email", "bob@customer.example"]);

    // The user's own copy, signed by a domain whose SPF allows loopback.
    let signed = s.dkim_sign(
        &mail(&me, "Bob Stone <bob@customer.example>", "signed@t", "Offer", "The offer stands."),
        "signed.auth.test",
    );
    deliver(s, &t.user, "bounce@signed.auth.test", &t.address, &signed, 1);
    // Unsigned, from a domain with no SPF record: not authenticated, kept.
    let plain = mail(&me, "bob@customer.example", "plain@t", "Plain", "No signature.");
    deliver(s, &t.user, "bounce@plain.auth.test", &t.address, &plain, 2);
    // Forged: the body altered after signing, from a client SPF refuses.
    let forged = String::from_utf8(s.dkim_sign(
        &mail(&me, "bob@customer.example", "forged@t", "Invoice", "Pay to account 1."),
        "spoofed.auth.test",
    ))
    .unwrap()
    .replace("account 1", "account 2");
    deliver(s, &t.user, "bounce@spoofed.auth.test", &t.address, forged.as_bytes(), 3);
    // From someone who is neither the user nor an accepted sender.
    let stranger = mail("eve@stranger.example", "bob@customer.example", "eve@t", "Hello", "Hi.");
    deliver(s, &t.user, "eve@plain.auth.test", &t.address, &stranger, 4);
    // Larger than 20 MB: put into the mailbox (Postfix takes less).
    let big_body = "x".repeat(76);
    let big_body = std::iter::repeat_n(big_body.as_str(), 21 * 1024 * 1024 / 78 + 10).collect::<Vec<_>>().join("\r\n");
    let mut big = format!("Delivered-To: {}\r\n", t.address).into_bytes();
    big.extend(mail(&me, "bob@customer.example", "big@t", "Big", &big_body));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(s.append(&t.user, "INBOX", &[big]));

    sync(d);

    let captured = listed(d, "signed@t");
    assert_eq!(captured.len(), 1, "{captured:?}");
    let capture = &captured[0]["capture"];
    assert_eq!(capture["target"], "user");
    assert_eq!((capture["dkim"].as_str(), capture["spf"].as_str()), (Some("pass"), Some("pass")), "{capture}");
    assert_eq!(captured[0]["visibility"], "private");
    let links = json(d, &["links", "--message-id", "signed@t"]);
    assert!(links.to_string().contains("Bob Stone"), "linked by the usual rules: {links}");

    let plain = listed(d, "plain@t");
    assert_eq!(
        (plain[0]["capture"]["dkim"].as_str(), plain[0]["capture"]["spf"].as_str()),
        (Some("none"), Some("none"))
    );

    assert!(listed(d, "forged@t").is_empty(), "not ingested");
    assert_eq!(held_reason(d, "forged@t").as_deref(), Some("auth_failed"));
    let forged_entry = held(d).into_iter().find(|h| h["message_id"] == "forged@t").unwrap();
    assert_eq!((forged_entry["dkim"].as_str(), forged_entry["spf"].as_str()), (Some("fail"), Some("fail")));
    assert!(forged_entry["reason"].as_str().unwrap().contains("DKIM and SPF"), "{forged_entry}");
    assert_eq!(held_reason(d, "eve@t").as_deref(), Some("unverified_sender"));
    assert_eq!(held_reason(d, "big@t").as_deref(), Some("too_large"));
    assert_eq!(json(d, &["search", "Invoice"]).as_array().unwrap().len(), 0, "held copies are not found");

    // A retired address: its copies are held as sent to an unknown address.
    let old = t.address.clone();
    json(d, &["bcc", "renew"]);
    let late = mail(&me, "bob@customer.example", "late@t", "Late", "To the old address.");
    deliver(s, &t.user, "bounce@plain.auth.test", &old, &late, 6);
    sync(d);
    assert_eq!(held_reason(d, "late@t").as_deref(), Some("unknown_address"));
    assert!(listed(d, "late@t").is_empty());

    // Accepting lets a copy in, linked; discarding keeps it out for good.
    let late_id = held(d).into_iter().find(|h| h["message_id"] == "late@t").unwrap()["id"].as_i64().unwrap();
    json(d, &["quarantine", "accept", &late_id.to_string()]);
    assert_eq!(listed(d, "late@t").len(), 1);
    assert!(json(d, &["links", "--message-id", "late@t"]).to_string().contains("Bob Stone"));
    let eve_id = held(d).into_iter().find(|h| h["message_id"] == "eve@t").unwrap()["id"].as_i64().unwrap();
    json(d, &["quarantine", "discard", &eve_id.to_string()]);
    assert!(held_reason(d, "eve@t").is_none());
    sync(d);
    assert!(held_reason(d, "eve@t").is_none() && listed(d, "eve@t").is_empty(), "not back after a sync");
    assert_eq!(refused(d, &["quarantine", "accept", &eve_id.to_string()]), "not_quarantined");
}

#[test]
fn an_accepted_sender_is_confirmed_by_the_code_mailed_to_it() {
    let s = servers();
    let t = Setup::new("capb");
    let d = t.d();
    let colleague = s.new_user("capc");

    let first = mail(&colleague.email, "bob@customer.example", "colleague1@t", "From a colleague", "Hi.");
    deliver(s, &t.user, "bounce@plain.auth.test", &t.address, &first, 1);
    sync(d);
    assert_eq!(held_reason(d, "colleague1@t").as_deref(), Some("unverified_sender"));

    // Adding the sender mails it a code from the user's account.
    let added = json(d, &["bcc", "senders", "add", &colleague.email]);
    assert_eq!(added["confirmation"]["state"], "sent", "{added}");
    assert_eq!(json(d, &["bcc", "senders", "list"])[0]["verified"], false);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(s.wait_for_count(&colleague, "INBOX", 1));
    let raw = rt.block_on(s.sources(&colleague, "INBOX")).remove(0);
    let parsed = mail_parser::MessageParser::new().parse(&raw).expect("the confirmation parses");
    assert_eq!(parsed.from().and_then(|f| f.first()).and_then(|a| a.address()), Some(t.user.email.as_str()));
    let confirmation = parsed.body_text(0).expect("a text body").into_owned();
    let code: String = confirmation
        .lines()
        .find_map(|l| l.strip_prefix("Your code: "))
        .expect("a code in the confirmation")
        .trim()
        .to_owned();
    assert!(confirmation.contains("threadline://verify-sender?address="), "{confirmation}");

    assert_eq!(refused(d, &["bcc", "senders", "verify", &colleague.email, "12345678x"]), "sender_code_wrong");
    let link = format!(
        "threadline://verify-sender?address={}&code={code}",
        colleague.email.replace('@', "%40").replace('+', "%2B")
    );
    assert!(confirmation.contains(&link), "the link in the mail: {link}");
    assert_eq!(refused(d, &["bcc", "open-link", "https://example.com/?code=1"]), "not_a_verify_link");
    assert_eq!(json(d, &["bcc", "open-link", &link])["verified"], true);
    assert_eq!(json(d, &["bcc", "senders", "list"])[0]["verified"], true);
    assert_eq!(refused(d, &["bcc", "senders", "verify", &colleague.email, &code]), "sender_code_used_up", "used once");

    // The copy held for the sender is let in, and later ones are captured.
    assert!(held_reason(d, "colleague1@t").is_none());
    assert_eq!(listed(d, "colleague1@t").len(), 1);
    let second = mail(&colleague.email, "bob@customer.example", "colleague2@t", "Again", "Hi again.");
    deliver(s, &t.user, "bounce@plain.auth.test", &t.address, &second, 2);
    sync(d);
    assert_eq!(listed(d, "colleague2@t").len(), 1);

    json(d, &["bcc", "senders", "remove", &colleague.email]);
    assert_eq!(json(d, &["bcc", "senders", "list"]).as_array().unwrap().len(), 0);
    assert_eq!(refused(d, &["bcc", "senders", "remove", &colleague.email]), "sender_not_listed");
}

#[test]
fn record_addresses_forwards_and_the_sent_copy_link_as_a_salesperson_expects() {
    let s = servers();
    let t = Setup::new("capd");
    let d = t.d();
    let me = t.user.email.clone();
    json(d, &["settings", "set", "link-deals", "manual"]);
    json(d, &["person", "add", "--name", "Bob Stone", "--email", "bob@customer.example"]);
    json(d, &["person", "add", "--name", "Dan Roe", "--email", "dan@customer.example"]);
    let deal = json(d, &["deal", "add", "--title", "Renewal"])["id"].as_i64().unwrap().to_string();
    let lead = json(d, &["lead", "add", "--title", "New office"])["id"].as_i64().unwrap().to_string();
    let deal_address = json(d, &["bcc", "address", "--deal", &deal])["address"].as_str().unwrap().to_owned();
    let lead_address = json(d, &["bcc", "address", "--lead", &lead])["address"].as_str().unwrap().to_owned();

    let to_deal = mail(&me, "bob@customer.example", "deal@t", "Renewal terms", "Terms.");
    deliver(s, &t.user, "bounce@plain.auth.test", &deal_address, &to_deal, 1);
    let to_lead = mail(&me, "carol@else.example", "lead@t", "Office", "Plans.");
    deliver(s, &t.user, "bounce@plain.auth.test", &lead_address, &to_lead, 2);

    // Forwarded with the original attached, and inline as Gmail quotes it:
    // addressed to nobody but the Smart BCC address (Bcc).
    let attached = format!(
        "From: {me}\r\nSubject: Fwd: Order\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\nMessage-ID: <fwd1@t>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n\
         FYI\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: Bob Stone <bob@customer.example>\r\nTo: {me}\r\n\
         Subject: Order\r\nMessage-ID: <order@customer.example>\r\n\r\nWe order 10.\r\n--b--\r\n"
    );
    deliver(s, &t.user, "bounce@plain.auth.test", &t.address, attached.as_bytes(), 3);
    let inline = mail(
        &me,
        "",
        "fwd2@t",
        "Fwd: Question",
        &format!(
            "See below.\r\n\r\n---------- Forwarded message ---------\r\nFrom: Dan Roe <dan@customer.example>\r\n\
             Date: Mon, 30 Nov 2026 at 08:00\r\nSubject: Question\r\nTo: <{me}>\r\n\r\nWhat does it cost?\r\n"
        ),
    );
    deliver(s, &t.user, "bounce@plain.auth.test", &t.address, &inline, 4);
    sync(d);

    let deal_links = json(d, &["links", "--message-id", "deal@t"]).to_string();
    assert!(deal_links.contains("Renewal") && deal_links.contains("capture"), "linked to the deal: {deal_links}");
    assert_eq!(listed(d, "deal@t")[0]["capture"]["target"], "deal");
    assert_eq!(listed(d, "deal@t")[0]["capture"]["target_id"].as_i64().unwrap().to_string(), deal);
    let deal_threads = json(d, &["deal", "threads", &deal]);
    assert_eq!(deal_threads.as_array().unwrap().len(), 1, "{deal_threads}");
    assert!(json(d, &["links", "--message-id", "lead@t"]).to_string().contains("New office"));
    let fwd1 = json(d, &["links", "--message-id", "fwd1@t"]).to_string();
    assert!(fwd1.contains("Bob Stone"), "linked by the attached original's sender: {fwd1}");
    let fwd2 = json(d, &["links", "--message-id", "fwd2@t"]).to_string();
    assert!(fwd2.contains("Dan Roe") && !fwd2.contains("Bob Stone"), "by the inline original's sender: {fwd2}");

    // Sent from Threadline with the Smart BCC address in Bcc: the Sent copy
    // and the captured copy are one email.
    let sent = ok_json(
        Command::new(CLI)
            .arg("--data-dir")
            .arg(d)
            .args(["send", "--account", &t.account, "--to", "bob@customer.example", "--bcc", &t.address])
            .args(["--subject", "Both ways", "--body", "One email.", "--json"])
            .output()
            .expect("send"),
    );
    let message_id = sent["message_id"].as_str().unwrap().to_owned();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(s.wait_for_count(&t.user, "INBOX", 5));
    sync(d);
    let both = listed(d, &message_id);
    assert_eq!(both.len(), 2, "in Sent and in the inbox: {both:?}");
    assert_eq!(both[0]["id"], both[1]["id"], "one email");
    assert!(both.iter().all(|m| m["capture"]["target"] == "user"));
}

#[test]
fn blocked_senders_leave_every_view_and_sharing_follows_the_default_and_the_toggle() {
    let s = servers();
    let user = s.new_user("capblock");
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    add_account(d, &user);
    json(d, &["person", "add", "--name", "Spammer", "--email", "x@spam.example"]);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let me = user.email.clone();
    rt.block_on(s.append(
        &user,
        "INBOX",
        &[
            mail("x@spam.example", &me, "only@t", "Only spam", "Buy."),
            mail("x@spam.example", &format!("{me}, carol@customer.example"), "colleague@t", "With Carol", "Hm."),
            mail("bob@customer.example", &me, "bob@t", "From Bob", "Hi."),
        ],
    ));
    sync(d);
    let inbox = |d: &Path| json(d, &["threads"])["total"].as_u64().unwrap();
    assert_eq!(inbox(d), 3);

    let blocked = json(d, &["block", "add", "@spam.example"]);
    assert_eq!(blocked["hidden"], 1, "{blocked}");
    assert_eq!(json(d, &["block", "list"]), serde_json::json!(["@spam.example"]));
    assert_eq!(inbox(d), 2);
    assert!(listed(d, "only@t").is_empty() && listed(d, "colleague@t").len() == 1);
    assert_eq!(json(d, &["search", "Buy"]).as_array().unwrap().len(), 0);
    let spammer = json(d, &["person", "list"])[0]["id"].as_i64().unwrap().to_string();
    assert_eq!(json(d, &["person", "threads", &spammer]).as_array().unwrap().len(), 1, "only the one with Carol");
    // The server still has everything.
    assert_eq!(rt.block_on(s.count(&user, "INBOX")), 3);
    sync(d);
    assert_eq!(inbox(d), 2, "still hidden after a sync");
    assert_eq!(refused(d, &["block", "add", "not an address"]), "not_an_email_address");

    json(d, &["block", "remove", "@spam.example"]);
    assert_eq!(inbox(d), 3);
    assert_eq!(json(d, &["person", "threads", &spammer]).as_array().unwrap().len(), 2, "linked again");
    assert_eq!(refused(d, &["block", "remove", "@spam.example"]), "not_blocked");

    // Sharing: the default applies to mail that arrives from then on.
    assert_eq!(listed(d, "bob@t")[0]["visibility"], "private");
    json(d, &["settings", "set", "sharing-default", "shared"]);
    assert_eq!(json(d, &["settings", "show"])["sharing-default"], "shared");
    rt.block_on(s.append(&user, "INBOX", &[mail("bob@customer.example", &me, "bob2@t", "Again", "Hi.")]));
    sync(d);
    assert_eq!(listed(d, "bob2@t")[0]["visibility"], "shared");
    assert_eq!(listed(d, "bob@t")[0]["visibility"], "private", "existing mail keeps its own");
    json(d, &["visibility", "--message-id", "bob@t", "shared"]);
    json(d, &["visibility", "--message-id", "bob2@t", "private"]);
    assert_eq!(listed(d, "bob@t")[0]["visibility"], "shared");
    assert_eq!(listed(d, "bob2@t")[0]["visibility"], "private");
    let threads = json(d, &["threads"]);
    assert!(threads["threads"].as_array().unwrap().iter().any(|t| t["visibility"] == "shared"), "{threads}");
}

#[test]
fn a_copy_waits_while_dns_does_not_answer_and_is_captured_once_it_does() {
    let s = servers();
    let t = Setup::new("capdns");
    let d = t.d();
    let copy = s.dkim_sign(&mail(&t.user.email, "bob@customer.example", "dns@t", "Wait", "Later."), "signed.auth.test");
    deliver(s, &t.user, "bounce@signed.auth.test", &t.address, &copy, 1);
    // A DNS server that does not answer: a port nothing listens on.
    let closed = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let silent = closed.local_addr().unwrap().to_string();
    let out = Command::new(CLI)
        .arg("--data-dir")
        .arg(d)
        .args(["sync", "--once", "--json"])
        .env("THREADLINE_DNS_SERVER", &silent)
        .output()
        .expect("sync");
    ok_json(out);
    assert!(listed(d, "dns@t").is_empty(), "not ingested while DNS is silent");
    assert!(held_reason(d, "dns@t").is_none(), "and not quarantined either: it waits");

    sync(d);
    let captured = listed(d, "dns@t");
    assert_eq!(captured.len(), 1, "checked again on the next pass");
    assert_eq!(captured[0]["capture"]["dkim"], "pass");
}

#[test]
fn copies_make_persons_of_unknown_customers_when_the_preference_is_on() {
    let s = servers();
    let t = Setup::new("cappers");
    let d = t.d();
    let me = t.user.email.clone();
    let before = mail(&me, "Carol New <carol@newco.example>", "before@t", "Before", "Hi.");
    deliver(s, &t.user, "bounce@plain.auth.test", &t.address, &before, 1);
    sync(d);
    assert_eq!(json(d, &["person", "list"]).as_array().unwrap().len(), 0, "off by default");
    assert_eq!(json(d, &["settings", "show"])["bcc-create-persons"], "off");

    json(d, &["settings", "set", "bcc-create-persons", "on"]);
    json(d, &["org", "add", "--name", "Newco", "--domain", "newco.example"]);
    let after = mail(&me, "Carol New <carol@newco.example>, Dan <dan@gmail.com>", "after@t", "After", "Hi again.");
    deliver(s, &t.user, "bounce@plain.auth.test", &t.address, &after, 2);
    sync(d);
    let persons = json(d, &["person", "list"]);
    let names: Vec<&str> = persons.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Carol New", "Dan"], "{persons}");
    let carol = persons.as_array().unwrap().iter().find(|p| p["name"] == "Carol New").unwrap();
    assert_eq!(carol["org_name"], "Newco", "in the organization of her domain: {carol}");
    assert!(json(d, &["links", "--message-id", "after@t"]).to_string().contains("Carol New"));
    assert!(
        json(d, &["links", "--message-id", "before@t"]).to_string().contains("Carol New"),
        "her earlier mail is linked to her too"
    );
    assert!(!names.iter().any(|n| n.contains(&me)), "the user is no person");
}
