//! Smart BCC through the CLI (`bcc show|setup|renew|address`), on a
//! mailbox of the real Dovecot: the address it gives really receives mail
//! that Postfix delivers to it, and the copy syncs like any mail.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use threadline_testkit::servers;

mod common;
use common::{add_account, json, refused};

#[test]
fn the_smart_bcc_address_receives_copies_and_is_renewed_and_per_deal() {
    let s = servers();
    let user = s.new_user("cbcc");
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let account = add_account(d, &user);
    assert_eq!(refused(d, &["bcc", "show"]), "bcc_not_set_up");

    let set = json(d, &["bcc", "setup", "--account", &account.to_string()]);
    assert_eq!(set["account"].as_i64(), Some(account));
    let address = set["address"].as_str().unwrap().to_owned();
    let (local, domain) = user.email.split_once('@').unwrap();
    let token = address.strip_prefix(&format!("{local}+tl-")).and_then(|t| t.strip_suffix(&format!("@{domain}")));
    let token = token.unwrap_or_else(|| panic!("{address} is not a sub-address of {}", user.email));
    assert!(token.len() == 26 && token.bytes().all(|b| matches!(b, b'a'..=b'z' | b'2'..=b'7')), "{token}");
    assert_eq!(json(d, &["bcc", "show"])["address"], set["address"]);
    assert_eq!(json(d, &["bcc", "setup", "--account", &account.to_string()])["address"], set["address"]);

    // Pasted into the Bcc of a mail sent elsewhere, the copy lands in the
    // synced mailbox.
    s.send_smtp(
        "ann@customer.example",
        &address,
        b"From: Ann <ann@customer.example>\r\nTo: bob@customer.example\r\nSubject: Captured copy\r\nMessage-ID: <copy@customer.example>\r\n\r\nHi\r\n",
    );
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(s.wait_for_count(&user, "INBOX", 1));
    json(d, &["sync", "--once"]);
    // Ann is not an accepted sender: the copy is held, with its reason.
    let listed = json(d, &["list"]);
    assert!(!listed.to_string().contains("Captured copy"), "{listed}");
    let held = json(d, &["quarantine", "list"]);
    assert_eq!(held[0]["subject"], "Captured copy", "{held}");
    assert_eq!(held[0]["reason_code"], "unverified_sender", "{held}");

    let renewed = json(d, &["bcc", "renew"]);
    assert_ne!(renewed["address"], set["address"]);
    assert_eq!(json(d, &["bcc", "show"])["address"], renewed["address"]);

    let deal = json(d, &["deal", "add", "--title", "Renewal"])["id"].as_i64().unwrap().to_string();
    let for_deal = json(d, &["bcc", "address", "--deal", &deal])["address"].clone();
    assert!(for_deal.as_str().unwrap().starts_with(&format!("{local}+tl-")));
    assert_ne!(for_deal, renewed["address"]);
    assert_eq!(json(d, &["bcc", "address", "--deal", &deal])["address"], for_deal);
    assert_eq!(refused(d, &["bcc", "address", "--lead", "999"]), "record_not_found");
}
