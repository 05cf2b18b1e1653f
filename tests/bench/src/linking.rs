//! The linking benchmark (F-LINK), in process on a store of its own: link
//! `messages` stored emails against 10,000 persons and 2,000 open deals
//! from scratch, and add one person with 500 past emails (the backfill).
//!
//! The mail is made here, not synced: linking does not depend on where
//! mail came from. Senders are drawn from 12,000 addresses, 10,000 of
//! which belong to persons; 2,000 of those persons have one open deal.

use std::time::{Duration, Instant};

use threadline_engine::crm::import::PersonDraft;
use threadline_engine::crm::{RecordInput, RecordKind};
use threadline_engine::store::PreparedMessage;
use threadline_testkit::seed;

const PERSONS: u64 = 10_000;
const SENDERS: u64 = 12_000;
const DEALS: u64 = 2_000;
const BACKFILL: u64 = 500;

/// What the linking benchmark measured.
pub struct LinkingFigures {
    pub messages: u64,
    pub import_persons: Duration,
    pub relink_all: Duration,
    pub links: u64,
    pub add_person: Duration,
    pub add_person_links: usize,
}

fn sender(n: u64) -> String {
    format!("person{n}@company{}.example", n % 997)
}

/// A cheap deterministic generator (no dependency for a benchmark).
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn mail(uid: u64, from: &str) -> PreparedMessage {
    let raw = format!(
        "From: <{from}>\r\nTo: seller@seed.example\r\nMessage-ID: <link{uid}@bench.example>\r\n\
         Subject: Linking {uid}\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\nHello {uid}.\r\n"
    );
    threadline_engine::ingest::prepare(threadline_engine::ingest::FetchedMessage {
        uid: u32::try_from(uid).expect("uid"),
        flags: vec![],
        modseq: 1,
        internal_date: None,
        raw: raw.into_bytes(),
        gmail: None,
    })
}

pub async fn bench(messages: u64) -> LinkingFigures {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, account, inbox) = seed::seeded_account(dir.path()).await;

    eprintln!("== linking: storing {messages} + {BACKFILL} messages");
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut uid = 0;
    let mut batch = Vec::new();
    let late = "late.comer@newco.example";
    while uid < messages + BACKFILL {
        uid += 1;
        let from = if uid > messages { late.to_owned() } else { sender(next(&mut state) % SENDERS) };
        batch.push(mail(uid, &from));
        if batch.len() == 2_000 {
            threadline_engine::ingest::store_batch(&store, account, inbox, &batch).await.expect("store");
            batch.clear();
        }
    }
    threadline_engine::ingest::store_batch(&store, account, inbox, &batch).await.expect("store");

    let drafts: Vec<PersonDraft> = (0..PERSONS)
        .map(|n| PersonDraft {
            source: threadline_engine::crm::import::Source::Line { number: u32::try_from(n).unwrap_or(u32::MAX) },
            name: format!("Person {n}"),
            emails: vec![sender(n)],
            ..Default::default()
        })
        .collect();
    let started = Instant::now();
    let report = store.import_persons(&drafts, &|_, _| true).await.expect("import");
    let import_persons = started.elapsed();
    assert_eq!(report.imported.len() as u64, PERSONS);
    eprintln!("   imported {PERSONS} persons, their mail linked: {import_persons:?}");

    for n in 0..DEALS {
        let person = report.imported[usize::try_from(n * (PERSONS / DEALS)).expect("index")].person_id;
        let input = RecordInput { title: format!("Deal {n}"), person_id: Some(person), ..Default::default() };
        store.add_record(RecordKind::Deal, &input).await.expect("deal");
    }
    let started = Instant::now();
    let (_, links) = store.relink_all(true).await.expect("relink");
    let relink_all = started.elapsed();
    eprintln!("   linked {messages} messages from scratch: {relink_all:?} ({links} links)");

    let started = Instant::now();
    let late_id = store
        .add_person(&threadline_engine::crm::PersonInput {
            name: "Late Comer".into(),
            emails: vec![late.into()],
            ..Default::default()
        })
        .await
        .expect("person");
    let add_person = started.elapsed();
    let add_person_links = store.record_threads(RecordKind::Person, late_id).await.expect("threads").len();
    eprintln!("   added a person with {BACKFILL} past messages: {add_person:?}");
    LinkingFigures { messages, import_persons, relink_all, links, add_person, add_person_links }
}
