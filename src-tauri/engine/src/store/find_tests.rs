//! Search over a corpus in the app's languages and Chinese, with every
//! operator, on a real store.

use super::tests::{ok, store_with_folders};
use super::*;
use crate::crm::{OrgInput, PersonInput, RecordInput, RecordKind};
use crate::error::Error;
use crate::problem::Problem;

/// Message `uid`, sent on day `day` of December 2026, with these headers
/// and a UTF-8 body.
fn mail(uid: u32, day: u32, headers: &str, body: &str) -> PreparedMessage {
    let raw = format!(
        "From: Bob <bob@acme.example>\r\nTo: alice@example.com\r\nMessage-ID: <m{uid}@corpus.example>\r\n\
         Date: {day:02} Dec 2026 12:00:00 +0000\r\nMIME-Version: 1.0\r\n{headers}\r\n\r\n{body}\r\n"
    );
    let mut prepared = crate::ingest::prepare(crate::ingest::FetchedMessage {
        uid,
        flags: if uid == 8 { vec!["\\Flagged".into(), "\\Seen".into()] } else { vec![] },
        modseq: 1,
        internal_date: None,
        raw: raw.into_bytes(),
        gmail: None,
    });
    prepared.parsed.problem = None;
    prepared
}

const TEXT: &str = "Content-Type: text/plain; charset=utf-8";

fn corpus() -> Vec<PreparedMessage> {
    vec![
        mail(
            1,
            1,
            &format!("Subject: 明日の会議について\r\n{TEXT}"),
            "明日の会議は十時からです。資料を準備してください。",
        ),
        mail(2, 2, &format!("Subject: 회의 일정\r\n{TEXT}"), "다음 주 회의를 목요일로 옮깁시다."),
        mail(3, 3, &format!("Subject: 报价单\r\n{TEXT}"), "请查收附件中的报价单，谢谢。"),
        mail(4, 4, &format!("Subject: Nová příležitost\r\n{TEXT}"), "Máme novou příležitost pro prodej."),
        mail(5, 5, &format!("Subject: Bez diakritiky\r\n{TEXT}"), "Tady je prilezitost napsana bez hacku."),
        mail(6, 6, &format!("Subject: Uus töötaja\r\n{TEXT}"), "Meie uus töötaja alustab esmaspäeval."),
        mail(7, 7, &format!("Subject: Försäljning Q3\r\n{TEXT}"), "Försäljningen ökade under tredje kvartalet."),
        mail(
            8,
            8,
            "From: Carol Stone <carol@beta.example>\r\nCc: Dave <dave@gamma.example>\r\nSubject: Signed order\r\n\
             Content-Type: multipart/mixed; boundary=XX",
            "--XX\r\nContent-Type: text/plain\r\n\r\nThe signed order form is attached. Order signed yesterday.\r\n\
             --XX\r\nContent-Type: application/pdf; name=\"offer_100%.pdf\"\r\n\
             Content-Disposition: attachment; filename=\"offer_100%.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
             JVBERi0xLjQK\r\n--XX--",
        ),
    ]
}

/// The Message-ID numbers of what a search finds, in its order.
async fn found(store: &Store, query: &str) -> Vec<u32> {
    ok(store.search(query, 50))
        .await
        .iter()
        .map(|m| {
            let id = m.message_id.as_deref().unwrap_or_default();
            id.trim_start_matches('m').split('@').next().and_then(|n| n.parse().ok()).unwrap_or(0)
        })
        .collect()
}

#[tokio::test]
async fn words_are_found_inside_cjk_text_and_without_their_diacritics() {
    let (_d, store, account, inbox, _) = store_with_folders().await;
    ok(crate::ingest::store_batch(&store, account, inbox, &corpus())).await;
    let cases: &[(&str, &[u32])] = &[
        // Japanese, Korean, Chinese: a word inside a sentence, a subject,
        // one character, and a phrase across a particle.
        ("会議", &[1]),
        ("資料", &[1]),
        ("会", &[1]),
        ("明日の会議", &[1]),
        ("\"明日の会議\"", &[1]),
        ("会議 明日", &[1]),
        ("회의", &[2]),
        ("목요일", &[2]),
        ("일정", &[2]),
        ("报价", &[3]),
        ("价单", &[3]),
        ("附件", &[3]),
        ("报告", &[]),
        // Diacritics do not matter, in either direction; exact ones rank
        // first, then newest first.
        ("prilezitost", &[5, 4]),
        ("příležitost", &[4, 5]),
        ("PŘÍLEŽITOST", &[4, 5]),
        ("tootaja", &[6]),
        ("töötaja", &[6]),
        ("forsaljning", &[7]),
        ("Försäljning", &[7]),
        ("esmaspaeval", &[6]),
        // Phrases: words in this order, next to each other.
        ("\"signed order\"", &[8]),
        ("\"order signed\"", &[8]),
        ("\"order yesterday\"", &[]),
        ("\"form signed\"", &[]),
        // Punctuation between words does not part a phrase.
        ("\"attached order\"", &[8]),
        // Prefixes and plain words anywhere.
        ("sign", &[]),
        ("sign*", &[8]),
        ("yesterday form", &[8]),
    ];
    for (query, expected) in cases {
        assert_eq!(found(&store, query).await, *expected, "search {query:?}");
    }
}

#[tokio::test]
async fn operators_combine_and_negate() {
    let (_d, store, account, inbox, _) = store_with_folders().await;
    let org = ok(store.add_org(&OrgInput { name: "Beta Industries".into(), domains: vec![] })).await;
    let carol = ok(store.add_person(&PersonInput {
        name: "Carol Stone".into(),
        emails: vec!["carol@beta.example".into()],
        org_id: Some(org),
        ..Default::default()
    }))
    .await;
    let deal = ok(store.add_record(
        RecordKind::Deal,
        &RecordInput { title: "Beta renewal".into(), person_id: Some(carol), ..Default::default() },
    ))
    .await;
    ok(crate::ingest::store_batch(&store, account, inbox, &corpus())).await;
    let everything: &[u32] = &[8, 7, 6, 5, 4, 3, 2, 1];
    let cases: Vec<(String, &[u32])> = vec![
        ("from:carol".into(), &[8]),
        ("from:beta.example".into(), &[8]),
        ("from:\"Carol Stone\"".into(), &[8]),
        ("-from:carol".into(), &[7, 6, 5, 4, 3, 2, 1]),
        ("from:dave".into(), &[]),
        ("cc:dave".into(), &[8]),
        ("to:alice".into(), everything),
        ("to:carol".into(), &[]),
        ("subject:order".into(), &[8]),
        ("subject:会議".into(), &[1]),
        ("subject:form".into(), &[]),
        ("-subject:order order".into(), &[]),
        ("has:attachment".into(), &[8]),
        ("-has:attachment 会議".into(), &[1]),
        ("filename:offer".into(), &[8]),
        ("filename:100%".into(), &[8]),
        ("filename:_1".into(), &[8]),
        ("filename:invoice".into(), &[]),
        ("after:2026-12-07".into(), &[8, 7]),
        ("before:2026-12-03".into(), &[2, 1]),
        ("after:2026-12-02 before:2026-12-04".into(), &[3, 2]),
        ("in:inbox".into(), everything),
        ("in:INBOX -in:archive".into(), everything),
        ("in:archive".into(), &[]),
        ("in:trash".into(), &[]),
        ("is:flagged".into(), &[8]),
        ("is:read".into(), &[8]),
        ("is:unread after:2026-12-07".into(), &[7]),
        ("account:alice".into(), everything),
        (format!("account:{}", account.0), everything),
        ("account:nobody".into(), &[]),
        ("person:carol".into(), &[8]),
        (format!("person:{}", carol.0), &[8]),
        ("deal:renewal".into(), &[8]),
        (format!("deal:{}", deal.0), &[8]),
        ("org:\"beta industries\"".into(), &[8]),
        ("-org:beta is:unread after:2026-12-06".into(), &[7, 6]),
        // Three operators and a word.
        ("from:carol has:attachment after:2026-12-01 signed".into(), &[8]),
        // An unknown operator is a word; punctuation alone finds nothing.
        ("re:order".into(), &[]),
        ("\"\"".into(), &[]),
        ("-".into(), &[]),
    ];
    for (query, expected) in &cases {
        assert_eq!(found(&store, query).await, *expected, "search {query:?}");
    }
    match store.search("before:2026-13-01", 10).await {
        Err(Error::Invalid(Problem::BadSearchDate { text })) => assert_eq!(text, "2026-13-01"),
        other => panic!("a bad date is an error, not {other:?}"),
    }
}

#[tokio::test]
async fn deleted_mail_is_found_only_in_the_trash() {
    let (_d, store, account, inbox, _) = store_with_folders().await;
    ok(crate::ingest::store_batch(&store, account, inbox, &corpus())).await;
    let ids = ok(store.messages_by_header_id("m8@corpus.example")).await;
    sqlx::query("UPDATE messages SET user_box = 2 WHERE id = ?")
        .bind(ids[0])
        .execute(store.pool())
        .await
        .unwrap_or_else(|e| panic!("sql: {e}"));
    assert_eq!(found(&store, "signed").await, Vec::<u32>::new());
    assert_eq!(found(&store, "signed in:trash").await, [8]);
    assert_eq!(found(&store, "in:trash").await, [8]);
}

#[tokio::test]
async fn matches_come_newest_first_whatever_order_they_were_stored_in() {
    let (_d, store, account, inbox, _) = store_with_folders().await;
    // Stored newest first (ids against dates), two in the same second.
    let batch: Vec<PreparedMessage> =
        (1..=8).map(|uid| mail(uid, 8 - uid.min(7), &format!("Subject: offer {uid}\r\n{TEXT}"), "offer")).collect();
    ok(crate::ingest::store_batch(&store, account, inbox, &batch)).await;
    assert_eq!(found(&store, "offer").await, [1, 2, 3, 4, 5, 6, 8, 7]);
    // Deleting a message takes it out of both indexes.
    let mut corpus = corpus();
    corpus.retain(|m| m.uid == 4 || m.uid == 5);
    let (_d2, store, account, inbox, _) = store_with_folders().await;
    ok(crate::ingest::store_batch(&store, account, inbox, &corpus)).await;
    let ids = ok(store.messages_by_header_id("m4@corpus.example")).await;
    sqlx::query("DELETE FROM messages WHERE id = ?")
        .bind(ids[0])
        .execute(store.pool())
        .await
        .unwrap_or_else(|e| panic!("sql: {e}"));
    assert_eq!(found(&store, "příležitost").await, [5]);
    let exact: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages_exact WHERE messages_exact MATCH 'příležitost'")
        .fetch_one(store.pool())
        .await
        .unwrap_or_else(|e| panic!("sql: {e}"));
    assert_eq!(exact, 0);
}
