//! The linking rules (F-LINK), case by case, on a real store.

use super::tests::{ok, prepared, store_with_folders};
use super::*;
use crate::crm::{DealStatus, LinkMode, LinkReason, MessageLinks, Money, PersonInput, RecordInput, RecordKind};
use crate::ids::{AccountId, MessageId, RecordId};
use crate::store::actions::MailBox;

/// A message with these headers (From, To, Cc, Message-ID …) and a body.
fn mail(uid: u32, headers: &str) -> PreparedMessage {
    prepared(uid, format!("{headers}\r\nSubject: s{uid}\r\n\r\nbody {uid}\r\n"))
}

struct Crm {
    _dir: tempfile::TempDir,
    store: Store,
    account: AccountId,
    inbox: i64,
}

impl Crm {
    async fn new() -> Crm {
        let (dir, store, account, inbox, _) = store_with_folders().await;
        Crm { _dir: dir, store, account, inbox }
    }

    /// Stores the messages and returns their ids by Message-ID.
    async fn receive(&self, messages: &[PreparedMessage]) -> Vec<MessageId> {
        ok(crate::ingest::store_batch(&self.store, self.account, self.inbox, messages)).await;
        let mut ids = Vec::new();
        for m in messages {
            let found = ok(self.store.messages_by_header_id(m.parsed.message_id.as_deref().unwrap_or(""))).await;
            ids.push(*found.first().unwrap_or_else(|| panic!("stored {:?}", m.parsed.message_id)));
        }
        ids
    }

    async fn person(&self, name: &str, emails: &[&str]) -> RecordId {
        let input = PersonInput {
            name: name.into(),
            emails: emails.iter().map(|e| e.to_string()).collect(),
            ..Default::default()
        };
        ok(self.store.add_person(&input)).await
    }

    async fn record(&self, kind: RecordKind, title: &str, person: RecordId, status: Option<DealStatus>) -> RecordId {
        let input = RecordInput { title: title.into(), person_id: Some(person), status, ..Default::default() };
        ok(self.store.add_record(kind, &input)).await
    }

    async fn links(&self, message: MessageId) -> MessageLinks {
        ok(self.store.message_links(message)).await
    }

    /// (kind, id) of everything linked to the message.
    async fn linked(&self, message: MessageId) -> Vec<(RecordKind, RecordId)> {
        self.links(message).await.links.iter().map(|l| (l.kind, l.id)).collect()
    }
}

#[tokio::test]
async fn a_person_is_linked_by_any_of_their_addresses_in_from_to_or_cc_whatever_the_case() {
    let crm = Crm::new().await;
    let ids = crm
        .receive(&[
            mail(1, "Message-ID: <a@x>\r\nFrom: Bob <BOB@Acme.Example>\r\nTo: alice@example.com"),
            mail(2, "Message-ID: <b@x>\r\nFrom: alice@example.com\r\nTo: someone@else.example\r\nCc: Bob S <bob.stone@home.example>"),
            mail(3, "Message-ID: <c@x>\r\nFrom: alice@example.com\r\nTo: carol@else.example\r\nBcc: bob@acme.example"),
        ])
        .await;
    // Added after the mail: past conversations are linked at once.
    let bob = crm.person("Bob Stone", &["bob@acme.example", " Bob.Stone@HOME.example "]).await;
    assert_eq!(crm.linked(ids[0]).await, vec![(RecordKind::Person, bob)]);
    assert_eq!(crm.linked(ids[1]).await, vec![(RecordKind::Person, bob)]);
    assert_eq!(crm.linked(ids[2]).await, vec![], "Bcc does not link");
    let why = &crm.links(ids[1]).await.links[0];
    assert_eq!(
        why.reason,
        LinkReason::Address { address: "bob.stone@home.example".into(), owner: Some("Bob Stone".into()) }
    );
    assert_eq!(why.reason.english(), "linked automatically: bob.stone@home.example is an address of Bob Stone");
    assert!(!why.by_user);

    // Mail stored after the person is linked as it is stored.
    let later = crm.receive(&[mail(4, "Message-ID: <d@x>\r\nFrom: bob@acme.example\r\nTo: alice@example.com")]).await;
    assert_eq!(crm.linked(later[0]).await, vec![(RecordKind::Person, bob)]);
    let threads = ok(crm.store.record_threads(RecordKind::Person, bob)).await;
    assert_eq!(threads.len(), 3);
}

#[tokio::test]
async fn the_only_open_deal_is_linked_and_won_or_lost_ones_are_not() {
    let crm = Crm::new().await;
    let bob = crm.person("Bob", &["bob@acme.example"]).await;
    let won = crm.record(RecordKind::Deal, "Old", bob, Some(DealStatus::Won)).await;
    let _lost = crm.record(RecordKind::Deal, "Lost", bob, Some(DealStatus::Lost)).await;
    let open = crm.record(RecordKind::Deal, "Renewal", bob, None).await;
    let ids = crm.receive(&[mail(1, "Message-ID: <a@x>\r\nFrom: bob@acme.example\r\nTo: alice@example.com")]).await;
    assert_eq!(crm.linked(ids[0]).await, vec![(RecordKind::Person, bob), (RecordKind::Deal, open)]);
    let links = crm.links(ids[0]).await;
    assert_eq!(
        links.links[1].reason,
        LinkReason::OnlyOne { kind: RecordKind::Deal, address: "bob@acme.example".into(), owner: Some("Bob".into()) }
    );
    assert_eq!(links.links[1].reason.english(), "linked automatically: the only open deal of Bob (bob@acme.example)");
    assert!(links.choices.is_empty());

    // A deal that closes keeps its links but takes no new ones.
    ok(crm.store.set_deal_status(open, DealStatus::Won)).await;
    let ids = crm.receive(&[mail(2, "Message-ID: <b@x>\r\nFrom: bob@acme.example\r\nTo: alice@example.com")]).await;
    assert_eq!(crm.linked(ids[0]).await, vec![(RecordKind::Person, bob)]);
    assert!(!crm.linked(ids[0]).await.contains(&(RecordKind::Deal, won)));
}

#[tokio::test]
async fn several_open_deals_ask_once_and_the_choice_holds_for_the_conversation() {
    let crm = Crm::new().await;
    let bob = crm.person("Bob", &["bob@acme.example"]).await;
    let first = crm.record(RecordKind::Deal, "Licences", bob, None).await;
    let second = crm.record(RecordKind::Deal, "Training", bob, None).await;
    let ids = crm.receive(&[mail(1, "Message-ID: <a@x>\r\nFrom: bob@acme.example\r\nTo: alice@example.com")]).await;
    let links = crm.links(ids[0]).await;
    assert_eq!(crm.linked(ids[0]).await, vec![(RecordKind::Person, bob)]);
    assert_eq!(links.choices.len(), 1);
    assert_eq!(links.choices[0].kind, RecordKind::Deal);
    let offered: Vec<RecordId> = links.choices[0].candidates.iter().map(|c| c.id).collect();
    assert_eq!(offered, vec![first, second]);

    ok(crm.store.choose(ids[0], RecordKind::Deal, second)).await;
    let links = crm.links(ids[0]).await;
    assert!(links.choices.is_empty());
    assert!(links.links.iter().any(|l| l.kind == RecordKind::Deal && l.id == second && l.by_user));

    // The reply joins the conversation and follows the choice; an email
    // of another conversation still asks.
    let ids = crm
        .receive(&[
            mail(2, "Message-ID: <b@x>\r\nIn-Reply-To: <a@x>\r\nFrom: alice@example.com\r\nTo: bob@acme.example"),
            mail(3, "Message-ID: <c@x>\r\nFrom: bob@acme.example\r\nTo: alice@example.com"),
        ])
        .await;
    assert_eq!(crm.linked(ids[0]).await, vec![(RecordKind::Person, bob), (RecordKind::Deal, second)]);
    assert!(matches!(crm.links(ids[0]).await.links[1].reason, LinkReason::Choice { .. }));
    assert_eq!(crm.links(ids[1]).await.choices.len(), 1);
    let deal_threads = ok(crm.store.record_threads(RecordKind::Deal, second)).await;
    assert_eq!(deal_threads.len(), 1);
    assert_eq!(deal_threads[0].message_count, 2);
}

#[tokio::test]
async fn in_manual_mode_no_deal_is_linked_without_the_user() {
    let crm = Crm::new().await;
    ok(crm.store.set_link_mode(LinkMode::Manual)).await;
    assert_eq!(ok(crm.store.link_mode()).await, LinkMode::Manual);
    let bob = crm.person("Bob", &["bob@acme.example"]).await;
    let deal = crm.record(RecordKind::Deal, "Only", bob, None).await;
    let _other = crm.record(RecordKind::Deal, "Other", bob, None).await;
    let lead = crm.record(RecordKind::Lead, "Lead", bob, None).await;
    let ids = crm.receive(&[mail(1, "Message-ID: <a@x>\r\nFrom: bob@acme.example\r\nTo: alice@example.com")]).await;
    let links = crm.links(ids[0]).await;
    assert_eq!(crm.linked(ids[0]).await, vec![(RecordKind::Person, bob)], "persons are still linked");
    assert!(links.choices.is_empty(), "manual mode does not ask either");

    ok(crm.store.link(&ids, RecordKind::Deal, deal)).await;
    ok(crm.store.link(&ids, RecordKind::Lead, lead)).await;
    let links = crm.links(ids[0]).await;
    assert_eq!(
        links.links.iter().map(|l| (l.kind, l.id, l.by_user)).collect::<Vec<_>>(),
        vec![(RecordKind::Person, bob, false), (RecordKind::Deal, deal, true), (RecordKind::Lead, lead, true)]
    );
    assert!(matches!(links.links[1].reason, LinkReason::User { .. }));
}

#[tokio::test]
async fn links_and_unlinks_by_the_user_survive_the_rules() {
    let crm = Crm::new().await;
    let bob = crm.person("Bob", &["bob@acme.example"]).await;
    let deal = crm.record(RecordKind::Deal, "Renewal", bob, None).await;
    let ids = crm
        .receive(&[
            mail(1, "Message-ID: <a@x>\r\nFrom: bob@acme.example\r\nTo: alice@example.com"),
            mail(2, "Message-ID: <b@x>\r\nIn-Reply-To: <a@x>\r\nFrom: bob@acme.example\r\nTo: alice@example.com"),
        ])
        .await;
    assert_eq!(crm.linked(ids[0]).await, vec![(RecordKind::Person, bob), (RecordKind::Deal, deal)]);
    // One email of the conversation leaves the deal; the other stays.
    ok(crm.store.unlink(&ids[..1], RecordKind::Deal, deal)).await;
    ok(crm.store.unlink(&ids[..1], RecordKind::Person, bob)).await;
    let other = crm.person("Carol", &["carol@acme.example"]).await;
    ok(crm.store.link(&ids[1..], RecordKind::Person, other)).await;

    // Everything that re-runs the rules: all of them, a new address.
    ok(crm.store.relink_all(true)).await;
    ok(crm.store.add_person_address(bob, "bob@acme.example")).await;
    assert_eq!(crm.linked(ids[0]).await, vec![]);
    assert_eq!(
        crm.linked(ids[1]).await,
        vec![(RecordKind::Person, bob), (RecordKind::Person, other), (RecordKind::Deal, deal)]
    );
    assert_eq!(ok(crm.store.record_threads(RecordKind::Deal, deal)).await.len(), 1, "the thread stays on the deal");
    // Relinking by hand undoes the unlink.
    ok(crm.store.link(&ids[..1], RecordKind::Deal, deal)).await;
    assert_eq!(crm.linked(ids[0]).await, vec![(RecordKind::Deal, deal)]);
}

#[tokio::test]
async fn a_new_address_links_its_past_mail_and_a_removed_one_unlinks_what_it_linked() {
    let crm = Crm::new().await;
    let bob = crm.person("Bob", &["bob@acme.example"]).await;
    let deal = crm.record(RecordKind::Deal, "Renewal", bob, None).await;
    let ids = crm
        .receive(&[
            mail(1, "Message-ID: <a@x>\r\nFrom: bob@acme.example\r\nTo: alice@example.com"),
            mail(2, "Message-ID: <b@x>\r\nFrom: bob@home.example\r\nTo: alice@example.com"),
            mail(3, "Message-ID: <c@x>\r\nFrom: bob@home.example\r\nTo: alice@example.com\r\nCc: bob@acme.example"),
        ])
        .await;
    assert_eq!(crm.linked(ids[1]).await, vec![]);
    ok(crm.store.add_person_address(bob, "Bob@Home.example")).await;
    for id in &ids {
        assert_eq!(crm.linked(*id).await, vec![(RecordKind::Person, bob), (RecordKind::Deal, deal)], "message {id}");
    }
    assert_eq!(ok(crm.store.person(bob)).await.emails, vec!["bob@acme.example", "bob@home.example"]);

    ok(crm.store.remove_person_address(bob, "bob@home.example")).await;
    assert_eq!(crm.linked(ids[0]).await, vec![(RecordKind::Person, bob), (RecordKind::Deal, deal)]);
    assert_eq!(crm.linked(ids[1]).await, vec![], "only the removed address linked it");
    assert_eq!(
        crm.linked(ids[2]).await,
        vec![(RecordKind::Person, bob), (RecordKind::Deal, deal)],
        "still linked by the other address"
    );
    assert!(crm.links(ids[2]).await.links[0].reason.english().contains("bob@acme.example"));
}

#[tokio::test]
async fn unicode_and_punycode_domains_match_and_plus_addresses_do_not() {
    let crm = Crm::new().await;
    let ids = crm
        .receive(&[
            mail(1, "Message-ID: <a@x>\r\nFrom: =?utf-8?q?J=C3=B6rg?= <jorg@xn--bcher-kva.example>\r\nTo: alice@example.com"),
            mail(2, "Message-ID: <b@x>\r\nFrom: bob+news@acme.example\r\nTo: alice@example.com"),
        ])
        .await;
    let jorg = crm.person("Jörg", &["Jorg@Bücher.example"]).await;
    let bob = crm.person("Bob", &["bob@acme.example"]).await;
    assert_eq!(crm.linked(ids[0]).await, vec![(RecordKind::Person, jorg)]);
    assert_eq!(crm.linked(ids[1]).await, vec![], "bob+news is not bob");
    ok(crm.store.add_person_address(bob, "bob+news@acme.example")).await;
    assert_eq!(crm.linked(ids[1]).await, vec![(RecordKind::Person, bob)]);
}

#[tokio::test]
async fn leads_and_projects_follow_the_same_rules() {
    let crm = Crm::new().await;
    let bob = crm.person("Bob", &["bob@acme.example"]).await;
    let lead = crm.record(RecordKind::Lead, "Inbound", bob, None).await;
    let p1 = crm.record(RecordKind::Project, "Rollout", bob, None).await;
    let p2 = crm.record(RecordKind::Project, "Support", bob, None).await;
    let ids = crm.receive(&[mail(1, "Message-ID: <a@x>\r\nFrom: bob@acme.example\r\nTo: alice@example.com")]).await;
    assert_eq!(crm.linked(ids[0]).await, vec![(RecordKind::Person, bob), (RecordKind::Lead, lead)]);
    let choices = crm.links(ids[0]).await.choices;
    assert_eq!(choices.len(), 1);
    assert_eq!(choices[0].kind, RecordKind::Project);
    assert_eq!(choices[0].candidates.iter().map(|c| c.id).collect::<Vec<_>>(), vec![p1, p2]);
    ok(crm.store.choose(ids[0], RecordKind::Project, p1)).await;
    assert!(crm.linked(ids[0]).await.contains(&(RecordKind::Project, p1)));
}

#[tokio::test]
async fn a_person_seen_with_someone_else_with_one_deal_each_asks_to_choose() {
    let crm = Crm::new().await;
    let bob = crm.person("Bob", &["bob@acme.example"]).await;
    let carol = crm.person("Carol", &["carol@globex.example"]).await;
    let d1 = crm.record(RecordKind::Deal, "Acme", bob, None).await;
    let d2 = crm.record(RecordKind::Deal, "Globex", carol, None).await;
    let ids = crm
        .receive(&[mail(
            1,
            "Message-ID: <a@x>\r\nFrom: bob@acme.example\r\nTo: alice@example.com\r\nCc: carol@globex.example",
        )])
        .await;
    assert_eq!(crm.linked(ids[0]).await, vec![(RecordKind::Person, bob), (RecordKind::Person, carol)]);
    let choices = crm.links(ids[0]).await.choices;
    assert_eq!(choices[0].candidates.iter().map(|c| c.id).collect::<Vec<_>>(), vec![d1, d2]);
}

#[tokio::test]
async fn deleted_mail_and_deleted_records_leave_the_pages() {
    let crm = Crm::new().await;
    let bob = crm.person("Bob", &["bob@acme.example"]).await;
    let org =
        ok(crm.store.add_org(&crate::crm::OrgInput { name: "Acme".into(), domains: vec!["ACME.example".into()] }))
            .await;
    ok(crm.store.update_person(bob, &PersonInput { name: "Bob".into(), org_id: Some(org), ..Default::default() }))
        .await;
    let deal = crm.record(RecordKind::Deal, "Renewal", bob, None).await;
    let ids = crm
        .receive(&[
            mail(1, "Message-ID: <a@x>\r\nFrom: bob@acme.example\r\nTo: alice@example.com"),
            mail(2, "Message-ID: <b@x>\r\nFrom: bob@acme.example\r\nTo: alice@example.com"),
        ])
        .await;
    assert_eq!(ok(crm.store.record_threads(RecordKind::Org, org)).await.len(), 2, "through its person");
    assert_eq!(ok(crm.store.org_by_domain("acme.example")).await.map(|o| o.id), Some(org));
    ok(crm.store.queue_action(ids[0], None, Some(MailBox::Trash))).await;
    assert_eq!(ok(crm.store.record_threads(RecordKind::Person, bob)).await.len(), 1);
    assert_eq!(ok(crm.store.record_threads(RecordKind::Deal, deal)).await.len(), 1);

    ok(crm.store.delete_record(RecordKind::Deal, deal)).await;
    assert_eq!(crm.linked(ids[1]).await, vec![(RecordKind::Person, bob)]);
    ok(crm.store.delete_record(RecordKind::Person, bob)).await;
    assert_eq!(crm.linked(ids[1]).await, vec![]);
    assert!(ok(crm.store.persons("")).await.is_empty());
}

#[tokio::test]
async fn an_address_belongs_to_one_person_and_bad_input_is_refused_in_words() {
    let crm = Crm::new().await;
    let bob = crm.person("Bob", &["bob@acme.example"]).await;
    let taken = crm
        .store
        .add_person(&PersonInput {
            name: "Robert".into(),
            emails: vec!["BOB@acme.example".into()],
            ..Default::default()
        })
        .await;
    let message = taken.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("already an address of Bob"), "{message}");
    assert!(ok(crm.store.persons("Robert")).await.is_empty(), "nothing half-made");
    assert!(crm.store.add_person(&PersonInput { name: " ".into(), ..Default::default() }).await.is_err());
    assert!(crm.store.add_person_address(bob, "not an address").await.is_err());
    let bad_date = RecordInput { title: "T".into(), expected_close: Some("31/03/2027".into()), ..Default::default() };
    assert!(crm.store.add_record(RecordKind::Deal, &bad_date).await.is_err());
    let value = RecordInput {
        title: "Big".into(),
        value: Money::parse("12,500.5", "eur"),
        expected_close: Some("2027-03-31".into()),
        person_id: Some(bob),
        ..Default::default()
    };
    let deal = ok(crm.store.add_record(RecordKind::Deal, &value)).await;
    let stored = ok(crm.store.record(RecordKind::Deal, deal)).await;
    assert_eq!(stored.value.map(|m| m.display()), Some("12500.50 EUR".into()));
    assert_eq!(stored.status, Some(DealStatus::Open));
    assert_eq!(stored.person_name.as_deref(), Some("Bob"));
    assert_eq!(ok(crm.store.records(RecordKind::Deal, "bob")).await.len(), 1);
    assert!(crm.store.choose(MessageId(1), RecordKind::Person, bob).await.is_err());
}

#[tokio::test]
async fn an_import_merges_duplicates_by_address_reports_skips_and_links_past_mail() {
    let crm = Crm::new().await;
    let ids = crm.receive(&[mail(1, "Message-ID: <a@x>\r\nFrom: carol@globex.example\r\nTo: alice@example.com")]).await;
    let bob = crm.person("Bob Stone", &["bob@acme.example"]).await;
    let csv = "Name,Email,Phone,Company\n\
               Bob S.,BOB@acme.example;bob@home.example,+1 555,Acme\n\
               Carol Diaz,carol@globex.example,,Globex\n\
               Carol D.,carol@globex.example,+2 555,\n\
               No Mail,,,\n\
               Bad,not-an-address,,\n";
    let report =
        ok(crate::crm::import::import(&crm.store, csv.as_bytes(), "contacts.csv", &Default::default(), &|_, _| true))
            .await;
    let names = |rows: &[crate::crm::import::ImportedRow]| {
        rows.iter().map(|r| (r.source.english(), r.name.clone())).collect::<Vec<_>>()
    };
    assert_eq!(names(&report.imported), vec![("line 3".to_owned(), "Carol Diaz".to_owned())]);
    assert_eq!(
        names(&report.merged),
        vec![("line 2".to_owned(), "Bob Stone".to_owned()), ("line 4".to_owned(), "Carol Diaz".to_owned())]
    );
    let skipped: Vec<(String, String)> =
        report.skipped.iter().map(|s| (s.source.english(), s.reason.english())).collect();
    assert_eq!(
        skipped,
        vec![
            ("line 5".to_owned(), "No Mail has no email address".to_owned()),
            ("line 6".to_owned(), "not an email address: not-an-address".to_owned()),
        ]
    );
    assert_eq!(report.orgs_created, 2);
    let persons = ok(crm.store.persons("")).await;
    assert_eq!(persons.len(), 2, "merged, not doubled");
    let bob = ok(crm.store.person(bob)).await;
    assert_eq!(bob.emails, vec!["bob@acme.example", "bob@home.example"]);
    assert_eq!((bob.phone.as_str(), bob.org_name.as_deref()), ("+1 555", Some("Acme")));
    let carol = persons.iter().find(|p| p.name == "Carol Diaz").unwrap_or_else(|| panic!("carol"));
    assert_eq!(carol.phone, "+2 555", "a merge fills what was missing");
    assert_eq!(crm.linked(ids[0]).await, vec![(RecordKind::Person, carol.id)], "past mail linked");

    // The same file again changes nothing.
    let again =
        ok(crate::crm::import::import(&crm.store, csv.as_bytes(), "contacts.csv", &Default::default(), &|_, _| true))
            .await;
    assert!(again.imported.is_empty());
    assert_eq!(ok(crm.store.persons("")).await.len(), 2);

    // A list of organizations alone: made or found by name, with domains.
    let orgs = "Company,Website\nInitech,https://initech.example/\nacme,acme.example\n";
    let report =
        ok(crate::crm::import::import(&crm.store, orgs.as_bytes(), "contacts.csv", &Default::default(), &|_, _| true))
            .await;
    let orgs: Vec<String> = report.orgs.iter().map(|o| format!("{}: {}", o.source.english(), o.name)).collect();
    assert_eq!(orgs, vec!["line 2: Initech".to_owned(), "line 3: acme".to_owned()]);
    assert_eq!(report.orgs_created, 1, "acme is Acme");
    assert!(report.skipped.is_empty());
    assert_eq!(ok(crm.store.org_by_domain("acme.example")).await.map(|o| o.name), Some("Acme".into()));
    assert_eq!(ok(crm.store.org_by_domain("initech.example")).await.map(|o| o.name), Some("Initech".into()));

    let vcf = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Dan\r\nEMAIL:dan@initech.example\r\nORG:Acme\r\nEND:VCARD\r\n";
    let report =
        ok(crate::crm::import::import(&crm.store, vcf.as_bytes(), "contacts.vcf", &Default::default(), &|_, _| true))
            .await;
    assert_eq!(names(&report.imported), vec![("card 1".to_owned(), "Dan".to_owned())]);
    assert_eq!(report.orgs_created, 0, "Acme is found, not made again");
    assert!(
        crate::crm::import::import(&crm.store, b"hello", "contacts.vcf", &Default::default(), &|_, _| true)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn addresses_stored_in_unicode_by_an_older_version_are_found_after_an_upgrade() {
    let crm = Crm::new().await;
    let ids =
        crm.receive(&[mail(1, "Message-ID: <a@x>\r\nFrom: jorg@xn--bcher-kva.example\r\nTo: alice@example.com")]).await;
    // What an older version stored, and no marker that it was looked at.
    sqlx::query("UPDATE message_addresses SET address = 'jörg@bücher.example' WHERE role = 'from'")
        .execute(crm.store.pool())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    sqlx::query("DELETE FROM meta WHERE key = 'addresses_idna'")
        .execute(crm.store.pool())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let reopened = ok(Store::open(crm._dir.path())).await;
    let jorg = ok(reopened.add_person(&PersonInput {
        name: "Jörg".into(),
        emails: vec!["jörg@xn--bcher-kva.example".into()],
        ..Default::default()
    }))
    .await;
    let links = ok(reopened.message_links(ids[0])).await;
    assert_eq!(links.links.iter().map(|l| (l.kind, l.id)).collect::<Vec<_>>(), vec![(RecordKind::Person, jorg)]);
}

#[tokio::test]
async fn a_cancelled_import_keeps_nothing_and_tells_its_progress() {
    let crm = Crm::new().await;
    let mut csv = String::from("Name,Email\n");
    for i in 0..1000 {
        csv.push_str(&format!("Person {i},person{i}@acme.example\n"));
    }
    let heard = std::sync::Mutex::new(Vec::new());
    let going_on = |done: u32, total: u32| {
        heard.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((done, total));
        done < 400
    };
    let cancelled =
        crate::crm::import::import(&crm.store, csv.as_bytes(), "contacts.csv", &Default::default(), &going_on).await;
    assert!(matches!(cancelled, Err(crate::Error::Invalid(crate::problem::Problem::ImportCancelled))), "{cancelled:?}");
    assert_eq!(*heard.lock().unwrap_or_else(std::sync::PoisonError::into_inner), [(0, 1000), (200, 1000), (400, 1000)]);
    assert!(ok(crm.store.persons("")).await.is_empty(), "nothing of a cancelled import is kept");

    let report =
        ok(crate::crm::import::import(&crm.store, csv.as_bytes(), "contacts.csv", &Default::default(), &|_, _| true))
            .await;
    assert_eq!(report.imported.len(), 1000);
    assert_eq!(ok(crm.store.persons("")).await.len(), 1000);
}
