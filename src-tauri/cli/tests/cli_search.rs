//! Search and the lists through the CLI (F-INBOX), on mail synced from the
//! real Dovecot: operators, words inside Japanese text, diacritics, a bad
//! date, and the per-folder, per-account and flagged lists.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::path::Path;

use threadline_testkit::servers;

mod common;
use common::{add_account, json, refused};

fn mail(id: &str, from: &str, subject: &str, day: u32, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "Message-ID: <{id}@search.example>\r\nFrom: {from}\r\nTo: seller@search.example\r\nSubject: {subject}\r\n\
         Date: {day:02} Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n{extra}\r\n{body}\r\n"
    )
    .into_bytes()
}

const TEXT: &str = "Content-Type: text/plain; charset=utf-8\r\n";

/// The subjects of what a command lists, in its order.
fn subjects(data_dir: &Path, args: &[&str]) -> Vec<String> {
    let v = json(data_dir, args);
    let rows = v.get("threads").unwrap_or(&v).as_array().expect("a list").clone();
    rows.iter().map(|r| r["subject"].as_str().expect("subject").to_owned()).collect()
}

#[test]
fn search_operators_scripts_and_lists_through_the_cli() {
    let s = servers();
    let user = s.new_user("search");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(s.append(
        &user,
        "INBOX",
        &[
            mail("ja", "Bob <bob@acme.example>", "明日の会議について", 1, TEXT, "明日の会議は十時からです。"),
            mail("cs1", "Bob <bob@acme.example>", "Nová příležitost", 2, TEXT, "Máme novou příležitost."),
            mail("cs2", "Bob <bob@acme.example>", "Bez diakritiky", 3, TEXT, "Tady je prilezitost bez hacku."),
            mail(
                "order",
                "Carol Stone <carol@beta.example>",
                "Signed order",
                4,
                "Content-Type: multipart/mixed; boundary=XX\r\n",
                "--XX\r\nContent-Type: text/plain\r\n\r\nThe signed order form is attached.\r\n--XX\r\n\
             Content-Type: application/pdf; name=order.pdf\r\nContent-Disposition: attachment; filename=order.pdf\r\n\
             Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--XX--",
            ),
        ],
    ));
    rt.block_on(s.append(
        &user,
        "Projects",
        &[mail("kick", "Dave <dave@gamma.example>", "Project kickoff", 5, TEXT, "Monday.")],
    ));
    let dir = tempfile::tempdir().expect("data dir");
    let d = dir.path();
    let account = add_account(d, &user);
    json(d, &["sync", "--once"]);

    assert_eq!(subjects(d, &["search", "会議"]), ["明日の会議について"]);
    assert_eq!(subjects(d, &["search", "明日の会議"]), ["明日の会議について"]);
    // Without diacritics both, newest first; with them, the exact one first.
    assert_eq!(subjects(d, &["search", "prilezitost"]), ["Bez diakritiky", "Nová příležitost"]);
    assert_eq!(subjects(d, &["search", "příležitost"]), ["Nová příležitost", "Bez diakritiky"]);
    assert_eq!(subjects(d, &["search", "\"signed order\" from:carol has:attachment filename:order"]), ["Signed order"]);
    assert_eq!(subjects(d, &["search", "\"order signed\""]), Vec::<String>::new());
    assert_eq!(subjects(d, &["search", "after:2026-11-04 -from:carol"]), ["Project kickoff"]);
    assert_eq!(subjects(d, &["search", "in:Projects"]), ["Project kickoff"]);
    assert_eq!(subjects(d, &["search", &format!("account:{account} subject:kickoff")]), ["Project kickoff"]);
    assert_eq!(refused(d, &["search", "before:2026-13-01"]), "bad_search_date");

    // Lists: one folder, one account, flagged mail.
    assert_eq!(subjects(d, &["threads", "--folder", "Projects"]), ["Project kickoff"]);
    assert_eq!(subjects(d, &["threads", "--account", &account.to_string()]).len(), 5);
    assert_eq!(subjects(d, &["threads", "--account", "999"]), Vec::<String>::new());
    assert_eq!(subjects(d, &["threads", "--view", "flagged"]), Vec::<String>::new());
    assert_eq!(refused(d, &["threads", "--folder", "Nowhere"]), "folder_not_found");
}
