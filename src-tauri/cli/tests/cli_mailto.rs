//! `mailto parse`: the CLI contract of the app's mailto: parser (issue 24).
//! No server and no store: reading a link needs neither.

#![allow(clippy::unwrap_used)] // tests fail by panicking

mod common;

use common::{cli, ok_json};
use serde_json::json;

#[test]
fn mailto_parse_prints_what_a_link_fills_in() {
    let dir = tempfile::tempdir().unwrap();
    let link = "mailto:anna@x.example,bob@x.example?cc=carl@x.example&bcc=dee@x.example\
                &subject=Offer%20%E2%82%AC%20500&body=Hi%20Anna%2C%0D%0Asee%20you%21&attach=%2Fetc%2Fpasswd";
    let parsed = ok_json(cli(dir.path(), &["mailto", "parse", link, "--json"]));
    assert_eq!(
        parsed,
        json!({
            "to": ["anna@x.example", "bob@x.example"],
            "cc": ["carl@x.example"],
            "bcc": ["dee@x.example"],
            "subject": "Offer € 500",
            "body": "Hi Anna,\nsee you!",
        })
    );
    assert!(!dir.path().join("threadline.sqlite3").exists(), "no store is opened to read a link");

    let text = cli(dir.path(), &["mailto", "parse", "mailto:anna@x.example?subject=Hi"]);
    assert!(text.status.success());
    assert_eq!(String::from_utf8_lossy(&text.stdout), "To: anna@x.example\nSubject: Hi\n\n\n");
}

#[test]
fn a_link_it_cannot_read_exits_2_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    for (link, fault, words) in [
        ("https://x.example", "not_mailto", "not a mailto: link"),
        ("mailto:anna@x.example?subject=100%", "bad_escape", "two hexadecimal digits"),
        ("mailto:anna@x.example?subject=caf%E9", "not_utf8", "not UTF-8"),
    ] {
        let out = cli(dir.path(), &["mailto", "parse", link, "--json"]);
        assert_eq!(out.status.code(), Some(2), "{link}");
        let error: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(error["error"]["problem"], json!({ "code": "mailto_unreadable", "fault": fault }), "{link}");
        assert!(error["error"]["message"].as_str().unwrap_or_default().contains(words), "{error}");
        let out = cli(dir.path(), &["mailto", "parse", link]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains(words), "{link}");
    }
}
