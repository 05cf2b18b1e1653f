//! Blocked addresses, sharing and captured copies, on a real store.

use super::tests::{ok, prepared, store_with_folders};
use super::*;
use crate::bcc::Target;
use crate::bcc::capture::{CaptureState, Captured, HoldReason, body_hash};
use crate::crm::{PersonInput, RecordKind};
use crate::ids::MessageId;
use crate::model::{ThreadView, Visibility};
use crate::store::queries::ListFilter;
use crate::verify::{Dkim, Spf, Verdict};

fn mail(uid: u32, from: &str, to: &str, id: &str) -> PreparedMessage {
    prepared(
        uid,
        format!("From: {from}\r\nTo: {to}\r\nMessage-ID: <{id}>\r\nSubject: about {id}\r\n\r\nbody of {id}\r\n"),
    )
}

async fn inbox_subjects(store: &Store) -> Vec<String> {
    let page = ok(store.thread_page(ThreadView::Inbox, 0, 50)).await;
    let mut subjects: Vec<String> = page.threads.into_iter().map(|t| t.subject).collect();
    subjects.sort();
    subjects
}

#[tokio::test]
async fn a_block_hides_mail_from_every_view_and_unblocking_brings_it_back_linked() {
    let (_d, store, account, inbox, _) = store_with_folders().await;
    let spam = mail(1, "x@spam.example", "alice@example.com", "a@spam.example");
    let sub = mail(2, "y@news.spam.example", "alice@example.com", "b@spam.example");
    let with_colleague = mail(3, "x@spam.example", "alice@example.com, carol@acme.example", "c@spam.example");
    let other = mail(4, "bob@acme.example", "alice@example.com", "d@acme.example");
    ok(crate::ingest::store_batch(&store, account, inbox, &[spam, sub, with_colleague, other])).await;
    let person = ok(store.add_person(&PersonInput {
        name: "X".into(),
        emails: vec!["x@spam.example".into()],
        ..PersonInput::default()
    }))
    .await;
    assert_eq!(ok(store.record_threads(RecordKind::Person, person)).await.len(), 2);

    assert_eq!(ok(store.block("@Spam.example")).await, 2, "the domain and its subdomain, not the one with Carol");
    assert_eq!(inbox_subjects(&store).await, ["about c@spam.example", "about d@acme.example"]);
    assert_eq!(ok(store.search("body", 10)).await.len(), 2);
    assert_eq!(ok(store.record_threads(RecordKind::Person, person)).await.len(), 1, "only the one with Carol");
    assert_eq!(ok(store.blocked()).await, ["@spam.example"]);

    // Mail that arrives while the block stands is hidden as it is stored.
    let later = mail(5, "z@spam.example", "alice@example.com", "e@spam.example");
    ok(crate::ingest::store_batch(&store, account, inbox, &[later])).await;
    assert_eq!(inbox_subjects(&store).await.len(), 2);

    assert_eq!(ok(store.unblock("@spam.example")).await, 3);
    assert_eq!(inbox_subjects(&store).await.len(), 5);
    assert_eq!(ok(store.record_threads(RecordKind::Person, person)).await.len(), 2, "linked again at once");
    assert!(matches!(store.unblock("@spam.example").await, Err(crate::Error::NotFound(_))));

    // An address block hides only mail with nobody else but the user.
    assert_eq!(ok(store.block("bob@acme.example")).await, 1);
    assert!(!inbox_subjects(&store).await.contains(&"about d@acme.example".to_owned()));
}

#[tokio::test]
async fn new_mail_takes_the_sharing_default_and_colleagues_see_only_shared_linked_mail() {
    let (_d, store, account, inbox, _) = store_with_folders().await;
    ok(crate::ingest::store_batch(&store, account, inbox, &[mail(1, "bob@acme.example", "alice@example.com", "1@x")]))
        .await;
    assert_eq!(ok(store.sharing_default()).await, Visibility::Private);
    ok(store.set_sharing_default(Visibility::Shared)).await;
    ok(crate::ingest::store_batch(
        &store,
        account,
        inbox,
        &[
            mail(2, "bob@acme.example", "alice@example.com", "2@x"),
            mail(3, "eve@else.example", "alice@example.com", "3@x"),
        ],
    ))
    .await;
    let id = |mid: &'static str| {
        let store = store.clone();
        async move { *ok(store.messages_by_header_id(mid)).await.first().unwrap_or_else(|| panic!("{mid}")) }
    };
    let (first, second, third) = (id("1@x").await, id("2@x").await, id("3@x").await);
    assert_eq!(ok(store.message_summary(first)).await.visibility, Visibility::Private, "existing mail keeps its own");
    assert_eq!(ok(store.message_summary(second)).await.visibility, Visibility::Shared);
    assert!(ok(store.visible_to_team()).await.is_empty(), "shared, but linked to nobody");

    ok(store.add_person(&PersonInput {
        name: "Bob".into(),
        emails: vec!["bob@acme.example".into()],
        ..PersonInput::default()
    }))
    .await;
    assert_eq!(ok(store.visible_to_team()).await, [second], "the first is private, the third linked to nobody");
    ok(store.set_visibility(&[first], Visibility::Shared)).await;
    ok(store.set_visibility(&[second], Visibility::Private)).await;
    assert_eq!(ok(store.visible_to_team()).await, [first]);
    let thread = ok(store.message_summary(third)).await.thread_id;
    assert_eq!(ok(store.set_thread_visibility(thread, Visibility::Private)).await, [third]);
    assert_eq!(ok(store.message_summary(third)).await.visibility, Visibility::Private);
}

fn copy(
    uid: u32,
    raw: &str,
    state: CaptureState,
    reason: Option<HoldReason>,
    target: Option<Target>,
) -> PreparedMessage {
    let mut m = prepared(uid, raw.to_owned());
    m.capture = Some(Box::new(Captured {
        state,
        reason,
        target,
        verdict: Some(Verdict { dkim: Dkim::Pass, spf: Spf::Pass }),
        sender: "alice@example.com".into(),
        body_hash: body_hash(raw.as_bytes()),
        originals: Vec::new(),
    }));
    m.body_hash = Some(body_hash(raw.as_bytes()));
    m
}

const SENT: &str = "From: alice@example.com\r\nTo: bob@acme.example\r\nMessage-ID: <offer@example.com>\r\n\
    Subject: Offer\r\n\r\nThe offer.\r\n";
const DELIVERED: &str = "Return-Path: <alice@example.com>\r\nDelivered-To: alice+tl-x@example.com\r\n\
    From: alice@example.com\r\nTo: bob@acme.example\r\nMessage-ID: <offer@example.com>\r\nSubject: Offer\r\n\r\nThe offer.\r\n";

async fn sent_folder(store: &Store, account: crate::ids::AccountId) -> i64 {
    let folders = ok(store.replace_folders(
        account,
        &[
            RemoteFolder { name: "INBOX".into(), display_name: "Inbox".into(), delimiter: None, role: Some("inbox") },
            RemoteFolder {
                name: "Archive".into(),
                display_name: "Archive".into(),
                delimiter: None,
                role: Some("archive"),
            },
            RemoteFolder { name: "Trash".into(), display_name: "Trash".into(), delimiter: None, role: Some("trash") },
            RemoteFolder { name: "Sent".into(), display_name: "Sent".into(), delimiter: None, role: Some("sent") },
        ],
    ))
    .await;
    folders.iter().find(|f| f.name == "Sent").map(|f| f.id).unwrap_or_else(|| panic!("Sent"))
}

#[tokio::test]
async fn a_captured_copy_and_its_sent_copy_are_one_email_whichever_comes_first() {
    for copy_first in [true, false] {
        let (_d, store, account, inbox, _) = store_with_folders().await;
        let sent = sent_folder(&store, account).await;
        let mut sent_copy = prepared(1, SENT.to_owned());
        sent_copy.body_hash = Some(body_hash(SENT.as_bytes()));
        let captured = copy(1, DELIVERED, CaptureState::Captured, None, Some(Target::User));
        if copy_first {
            ok(crate::ingest::store_batch(&store, account, inbox, &[captured])).await;
            ok(crate::ingest::store_batch(&store, account, sent, &[sent_copy])).await;
        } else {
            ok(crate::ingest::store_batch(&store, account, sent, &[sent_copy])).await;
            ok(crate::ingest::store_batch(&store, account, inbox, &[captured])).await;
        }
        let ids = ok(store.messages_by_header_id("offer@example.com")).await;
        assert_eq!(ids.len(), 1, "one email (copy first: {copy_first})");
        let listed = ok(store.list_messages(&ListFilter { limit: 10, ..ListFilter::default() })).await;
        assert_eq!(listed.len(), 2, "in the inbox and in Sent");
        assert!(listed.iter().all(|m| m.capture.is_some()), "marked as captured");
    }
}

#[tokio::test]
async fn a_held_copy_is_hidden_until_accepted_and_then_joins_its_sent_copy() {
    let (_d, store, account, inbox, _) = store_with_folders().await;
    let sent = sent_folder(&store, account).await;
    let mut sent_copy = prepared(1, SENT.to_owned());
    sent_copy.body_hash = Some(body_hash(SENT.as_bytes()));
    ok(crate::ingest::store_batch(&store, account, sent, &[sent_copy])).await;
    let held = copy(1, DELIVERED, CaptureState::Quarantined, Some(HoldReason::UnverifiedSender), Some(Target::User));
    let unknown = copy(
        2,
        &DELIVERED.replace("offer@", "other@").replace("The offer", "Another"),
        CaptureState::Quarantined,
        Some(HoldReason::UnknownAddress),
        None,
    );
    let waiting = copy(
        3,
        &DELIVERED.replace("offer@", "later@").replace("The offer", "Later"),
        CaptureState::Waiting,
        None,
        Some(Target::User),
    );
    ok(crate::ingest::store_batch(&store, account, inbox, &[held, unknown, waiting])).await;
    assert_eq!(ok(store.waiting_copies()).await, 1, "waits for DNS: neither shown nor quarantined");
    assert_eq!(ok(store.messages_by_header_id("offer@example.com")).await.len(), 2, "held apart");
    let listed = ok(store.list_messages(&ListFilter { limit: 10, ..ListFilter::default() })).await;
    assert_eq!(listed.len(), 1, "only the Sent copy shows");
    let quarantine = ok(store.quarantine()).await;
    assert_eq!(quarantine.len(), 2);
    let reasons: Vec<HoldReason> = quarantine.iter().map(|h| h.reason).collect();
    assert!(reasons.contains(&HoldReason::UnverifiedSender) && reasons.contains(&HoldReason::UnknownAddress));

    let offer = quarantine.iter().find(|h| h.reason == HoldReason::UnverifiedSender).map(|h| h.id);
    let other = quarantine.iter().find(|h| h.reason == HoldReason::UnknownAddress).map(|h| h.id);
    ok(store.accept_held(offer.unwrap_or_else(|| panic!("held")))).await;
    assert_eq!(ok(store.messages_by_header_id("offer@example.com")).await.len(), 1, "joined with the Sent copy");
    let listed = ok(store.list_messages(&ListFilter { limit: 10, ..ListFilter::default() })).await;
    assert_eq!(listed.len(), 2, "the Sent copy, now also in the inbox");
    let other = other.unwrap_or_else(|| panic!("held"));
    ok(store.discard_held(other)).await;
    assert!(ok(store.quarantine()).await.is_empty());
    assert!(matches!(store.accept_held(other).await, Err(crate::Error::NotFound(_))), "discarded for good");
    assert!(matches!(store.discard_held(MessageId(999)).await, Err(crate::Error::NotFound(_))));
}

#[tokio::test]
async fn a_sender_is_accepted_with_its_code_once_and_not_after_a_day() {
    let (_d, store, _, _, _) = store_with_folders().await;
    let code = ok(store.add_sender("Carol@Acme.example")).await;
    assert_eq!(code.len(), 8);
    assert!(!ok(store.senders()).await.iter().any(|s| s.verified));
    assert!(matches!(store.verify_sender("carol@acme.example", "00000000x").await, Err(crate::Error::Invalid(_))));
    ok(store.verify_sender("carol@acme.example", &code)).await;
    assert!(ok(store.senders()).await.iter().any(|s| s.address == "carol@acme.example" && s.verified));
    assert!(store.verify_sender("carol@acme.example", &code).await.is_err(), "a code works once");

    // Guessing ends the code: after five wrong ones, not even the right one.
    let code = ok(store.add_sender("fay@acme.example")).await;
    for _ in 0..4 {
        assert!(matches!(
            store.verify_sender("fay@acme.example", "00000000x").await,
            Err(crate::Error::Invalid(crate::problem::Problem::SenderCodeWrong { .. }))
        ));
    }
    assert!(matches!(
        store.verify_sender("fay@acme.example", "00000000x").await,
        Err(crate::Error::Invalid(crate::problem::Problem::SenderCodeUsedUp { .. }))
    ));
    assert!(store.verify_sender("fay@acme.example", &code).await.is_err());
    let code = ok(store.add_sender("fay@acme.example")).await;
    ok(store.verify_sender("fay@acme.example", &code)).await;
    ok(store.remove_sender("fay@acme.example")).await;

    let code = ok(store.add_sender("dan@acme.example")).await;
    sqlx::query("UPDATE bcc_senders SET code_expires_at = 1").execute(store.pool()).await.ok();
    assert!(matches!(
        store.verify_sender("dan@acme.example", &code).await,
        Err(crate::Error::Invalid(crate::problem::Problem::SenderCodeExpired { .. }))
    ));
    assert!(matches!(store.verify_sender("eve@acme.example", &code).await, Err(crate::Error::NotFound(_))));
    ok(store.remove_sender("dan@acme.example")).await;
    assert_eq!(ok(store.senders()).await.len(), 1);
}
