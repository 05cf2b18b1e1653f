//! Linking emails to the CRM (F-LINK) through the CLI, with mail synced
//! from the real Dovecot: persons, deals, imports, automatic and manual
//! links, choices, and the reasons given for each link.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::path::Path;

use threadline_testkit::servers;

mod common;
use common::{add_account, cli, json};

fn id(data_dir: &Path, args: &[&str]) -> i64 {
    json(data_dir, args)["id"].as_i64().expect("an id")
}

fn mail(message_id: &str, from: &str, to: &str, extra: &str, subject: &str) -> Vec<u8> {
    format!(
        "Message-ID: <{message_id}>\r\nFrom: {from}\r\nTo: {to}\r\n{extra}Subject: {subject}\r\n\
         Date: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\nHello.\r\n"
    )
    .into_bytes()
}

/// (kind, id) of every link of an email.
type Linked = Vec<(String, i64)>;
/// (kind, candidate ids) of every choice an email waits for.
type Choices = Vec<(String, Vec<i64>)>;

/// What the email is linked to, and its pending choices.
fn links(data_dir: &Path, message_id: &str) -> (Linked, Choices) {
    let rows = json(data_dir, &["links", "--message-id", message_id]);
    let mut linked = Vec::new();
    let mut choices = Vec::new();
    for row in rows.as_array().expect("array") {
        let kind = row["kind"].as_str().expect("kind").to_owned();
        match row["candidates"].as_array() {
            Some(c) => choices.push((kind, c.iter().map(|v| v.as_i64().expect("id")).collect())),
            None => linked.push((kind, row["id"].as_i64().expect("id"))),
        }
    }
    (linked, choices)
}

fn reason(data_dir: &Path, message_id: &str, kind: &str) -> String {
    let rows = json(data_dir, &["links", "--message-id", message_id]);
    rows.as_array()
        .expect("array")
        .iter()
        .find(|r| r["kind"] == kind)
        .and_then(|r| r["reason"].as_str())
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn synced_mail_is_linked_to_persons_deals_and_the_users_choices() {
    let s = servers();
    let user = s.new_user("crm");
    let me = user.email.as_str();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(s.append(
        &user,
        "INBOX",
        &[
            mail("m1@acme.example", "Bob Stone <Bob@ACME.example>", me, "", "Licences"),
            mail("m2@acme.example", "bob@home.example", me, "", "From home"),
            mail(
                "m3@globex.example",
                "Carol <carol@globex.example>",
                me,
                "Cc: bob+news@acme.example\r\n",
                "Newsletter",
            ),
            mail("m4@xn--bcher-kva.example", "jorg@xn--bcher-kva.example", me, "", "Bücher"),
        ],
    ));
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    add_account(d, &user);
    json(d, &["sync", "--once"]);

    // A person added after the mail is linked to it by any of their
    // addresses, whatever the case; bob+news is not bob.
    let bob = id(d, &["person", "add", "--name", "Bob Stone", "--email", "bob@acme.example"]);
    assert_eq!(links(d, "m1@acme.example").0, vec![("person".into(), bob)]);
    assert_eq!(
        reason(d, "m1@acme.example", "person"),
        "linked automatically: bob@acme.example is an address of Bob Stone"
    );
    assert!(links(d, "m2@acme.example").0.is_empty());
    assert!(links(d, "m3@globex.example").0.is_empty(), "bob+news is not bob");
    json(d, &["person", "address", "add", &bob.to_string(), "BOB@home.example"]);
    assert_eq!(links(d, "m2@acme.example").0, vec![("person".into(), bob)]);

    // Import: Carol by CSV (mapped columns), Jörg by vCard in Unicode.
    let csv = d.join("people.csv");
    std::fs::write(&csv, "Who,Contact,Firm\nCarol Diaz,carol@globex.example,Globex\nBob again,bob@acme.example,\n")
        .expect("csv");
    let report = json(
        d,
        &["import", "csv", csv.to_str().unwrap(), "--map", "Who=name", "--map", "Contact=email", "--map", "Firm=org"],
    );
    assert_eq!(report["imported"].as_array().unwrap().len(), 1);
    assert_eq!(report["merged"][0]["person_id"], bob);
    let vcf = d.join("people.vcf");
    std::fs::write(&vcf, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jörg\r\nEMAIL:jorg@bücher.example\r\nEND:VCARD\r\n")
        .expect("vcf");
    let report = json(d, &["import", "vcard", vcf.to_str().unwrap()]);
    let jorg = report["imported"][0]["person_id"].as_i64().expect("imported");
    assert_eq!(links(d, "m4@xn--bcher-kva.example").0, vec![("person".into(), jorg)]);
    let persons = json(d, &["person", "list"]);
    assert_eq!(persons.as_array().unwrap().len(), 3, "Bob merged, not doubled");
    let carol = persons.as_array().unwrap().iter().find(|p| p["name"] == "Carol Diaz").unwrap()["id"].as_i64().unwrap();
    assert_eq!(links(d, "m3@globex.example").0, vec![("person".into(), carol)]);

    // Deals: new mail from Bob with two open deals asks; the choice holds
    // for the conversation's later mail.
    let licences = id(
        d,
        &["deal", "add", "--title", "Licences", "--person", &bob.to_string(), "--value", "12000", "--currency", "EUR"],
    );
    let training = id(d, &["deal", "add", "--title", "Training", "--person", &bob.to_string()]);
    let won = id(d, &["deal", "add", "--title", "Old", "--person", &carol.to_string(), "--status", "won"]);
    rt.block_on(s.append(
        &user,
        "INBOX",
        &[
            mail("m5@acme.example", "bob@acme.example", me, "", "Which one?"),
            mail("m6@globex.example", "carol@globex.example", me, "", "Closed deal only"),
        ],
    ));
    json(d, &["sync", "--once"]);
    let (linked, choices) = links(d, "m5@acme.example");
    assert_eq!(linked, vec![("person".into(), bob)]);
    assert_eq!(choices, vec![("deal_choice".into(), vec![licences, training])]);
    let (linked, choices) = links(d, "m6@globex.example");
    assert_eq!(linked, vec![("person".into(), carol)], "won deal {won} takes no new mail");
    assert!(choices.is_empty());

    json(d, &["choose-deal", "--message-id", "m5@acme.example", "--deal", &training.to_string()]);
    rt.block_on(s.append(
        &user,
        "INBOX",
        &[mail("m7@acme.example", "bob@acme.example", me, "In-Reply-To: <m5@acme.example>\r\n", "Re: Which one?")],
    ));
    json(d, &["sync", "--once"]);
    assert_eq!(links(d, "m7@acme.example"), (vec![("person".into(), bob), ("deal".into(), training)], vec![]));
    assert!(reason(d, "m7@acme.example", "deal").starts_with("linked by you for this conversation on "));

    // One open deal: linked by itself; a manual unlink holds.
    json(d, &["deal", "set-status", &licences.to_string(), "lost"]);
    rt.block_on(s.append(&user, "INBOX", &[mail("m8@acme.example", "bob@acme.example", me, "", "Only one left")]));
    json(d, &["sync", "--once"]);
    assert_eq!(links(d, "m8@acme.example").0, vec![("person".into(), bob), ("deal".into(), training)]);
    assert_eq!(
        reason(d, "m8@acme.example", "deal"),
        "linked automatically: the only open deal of Bob Stone (bob@acme.example)"
    );
    json(d, &["unlink", "--message-id", "m8@acme.example", "--deal", &training.to_string()]);
    json(d, &["relink"]);
    assert_eq!(links(d, "m8@acme.example").0, vec![("person".into(), bob)]);

    // Manual mode: nothing but persons, until the user links.
    json(d, &["settings", "set", "link-deals", "manual"]);
    rt.block_on(s.append(&user, "INBOX", &[mail("m9@acme.example", "bob@acme.example", me, "", "Manual")]));
    json(d, &["sync", "--once"]);
    assert_eq!(links(d, "m9@acme.example"), (vec![("person".into(), bob)], vec![]));
    json(d, &["link", "--message-id", "m9@acme.example", "--deal", &licences.to_string()]);
    assert_eq!(links(d, "m9@acme.example").0, vec![("person".into(), bob), ("deal".into(), licences)]);
    assert!(reason(d, "m9@acme.example", "deal").starts_with("linked by you on "));

    // Detail pages: the person's conversations, newest first; removing an
    // address unlinks what it linked.
    let threads = json(d, &["person", "threads", &bob.to_string()]);
    assert_eq!(threads.as_array().unwrap().len(), 5, "m1, m2, m5+m7, m8, m9");
    assert_eq!(threads[0]["subject"], "Manual");
    json(d, &["person", "address", "remove", &bob.to_string(), "bob@home.example"]);
    assert!(links(d, "m2@acme.example").0.is_empty());
    // `relink` ran the rules over old mail too: m1 got Bob's only open
    // deal then; m8 stayed unlinked by hand.
    let deal_threads = json(d, &["deal", "threads", &training.to_string()]);
    let subjects: Vec<&str> = deal_threads.as_array().unwrap().iter().map(|t| t["subject"].as_str().unwrap()).collect();
    assert_eq!(subjects, vec!["Which one?", "Licences"]);
    assert_eq!(deal_threads[0]["message_count"], 2);

    // Plain words for mistakes.
    let out = cli(d, &["person", "add", "--name", "Robert", "--email", "bob@acme.example"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already an address of Bob Stone"));
    let out = cli(d, &["links", "--message-id", "nobody@nowhere.example"]);
    assert!(!out.status.success());
}
