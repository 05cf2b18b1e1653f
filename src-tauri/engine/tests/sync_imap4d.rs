//! Sync and actions against a second real IMAP server, GNU Mailutils
//! imap4d of tests/servers: IMAP4rev1 with IDLE and NAMESPACE, but no MOVE,
//! UIDPLUS, CONDSTORE or SPECIAL-USE, its folders named under the `INBOX.`
//! namespace with `.` between levels, and an empty folder numbered anew
//! each time it is opened. What passes on Dovecot must pass here too.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::sync::Arc;

use threadline_engine::ids::AccountId;
use threadline_engine::imap::command;
use threadline_engine::model::{Draft, SendState, ThreadView};
use threadline_engine::problem::Problem;
use threadline_engine::secrets::MemorySecrets;
use threadline_engine::{Engine, Error, ListFilter, UserAction};
use threadline_testkit::{TestUser, corpus, servers, view_subjects};

/// The folders a Courier-like account has, none of them marked SPECIAL-USE.
const FOLDERS: &[&str] = &["INBOX.Trash", "INBOX.Sent", "INBOX.Drafts", "INBOX.Archive", "INBOX.Projects"];

struct Fixture {
    _dir: tempfile::TempDir,
    engine: Engine,
    user: TestUser,
    account: AccountId,
}

async fn fixture(prefix: &str, folders: &[&str], seed: &[(&str, Vec<Vec<u8>>)]) -> Fixture {
    let s = servers();
    let user = s.new_imap4d_user(prefix, folders).await;
    for (folder, messages) in seed {
        s.append(&user, folder, messages).await;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = Engine::open(dir.path(), Arc::new(MemorySecrets::default())).await.expect("open engine");
    let account = engine.accounts().add(s.account_form(&user), true).await.expect("add account");
    Fixture { _dir: dir, engine, user, account }
}

fn mail(tag: &str, n: &str) -> Vec<u8> {
    format!(
        "From: Bob <bob@acme.example>\r\nTo: you@example.test\r\nSubject: {n}\r\nMessage-ID: <{tag}-{n}@acme.example>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nAbout {n}.\r\n"
    )
    .into_bytes()
}

fn all(limit: u32) -> ListFilter {
    ListFilter { limit, ..ListFilter::default() }
}

/// Every stored message once: (count, distinct Message-IDs).
async fn stored(engine: &Engine) -> (usize, usize) {
    let rows = engine.mail().list_messages(&all(1000)).await.expect("list");
    let mut ids: Vec<&str> = rows.iter().filter_map(|m| m.message_id.as_deref()).collect();
    ids.sort_unstable();
    ids.dedup();
    (rows.len(), ids.len())
}

async fn roles(engine: &Engine, account: AccountId) -> Vec<(String, Option<String>)> {
    engine.store().folders(account).await.expect("folders").into_iter().map(|f| (f.name, f.role)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_really_lacks_move_uidplus_and_special_use_and_refusals_are_errors() {
    let s = servers();
    let user = s.new_imap4d_user("caps", FOLDERS).await;
    let caps = s.capabilities(&user).await;
    for missing in ["MOVE", "UIDPLUS", "CONDSTORE", "SPECIAL-USE"] {
        assert!(!caps.iter().any(|c| c == missing), "{missing} offered: {caps:?}");
    }
    s.append(&user, "INBOX", &[mail("caps", "a")]).await;
    let mut session = s.session(&user).await;
    assert_eq!(
        command::personal_namespaces(&mut session).await.expect("namespace").last().map(|(p, _)| p.as_str()),
        Some("INBOX.")
    );
    command::run(&mut session, "SELECT \"INBOX\"").await.expect("select");
    // Streamed commands the server refuses are errors with its words, not
    // empty answers.
    match command::run(&mut session, "UID EXPUNGE 1").await {
        Err(Error::Refused { command, bad: true, text }) => {
            assert!(command == "UID EXPUNGE" && !text.is_empty(), "{command}: {text}")
        }
        other => panic!("UID EXPUNGE on a server without UIDPLUS: {other:?}"),
    }
    let mut fetching = command::uid_fetch(&mut session, "1:*", "(FLAGS BOGUS)").await.expect("sent");
    match fetching.next().await {
        Err(e @ Error::Refused { bad: true, .. }) => {
            assert!(e.user_message().contains("UID FETCH"), "{e}")
        }
        other => panic!("a bad UID FETCH: {other:?}"),
    }
    match command::uid_search(&mut session, "BOGUS 1").await {
        Err(Error::Refused { .. }) => {}
        other => panic!("a bad UID SEARCH: {other:?}"),
    }
    // The session is still in step after the refusals.
    assert_eq!(command::uid_search(&mut session, "ALL").await.expect("search").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initial_sync_finds_every_folder_and_its_role_and_follows_server_side_changes() {
    let s = servers();
    let probe = s.new_user("probe4d");
    let inbox = corpus::generate(40, 41, &probe.email);
    let projects = corpus::generate(5, 42, &probe.email);
    let f = fixture(
        "sync4d",
        FOLDERS,
        &[
            ("INBOX", inbox.iter().map(|m| m.raw.clone()).collect()),
            ("INBOX.Projects", projects.iter().map(|m| m.raw.clone()).collect()),
        ],
    )
    .await;
    let report = f.engine.sync_account(f.account).await.expect("sync");
    assert_eq!(report.new, 45);
    let found = roles(&f.engine, f.account).await;
    for (name, role) in [
        ("INBOX", Some("inbox")),
        ("INBOX.Trash", Some("trash")),
        ("INBOX.Sent", Some("sent")),
        ("INBOX.Drafts", Some("drafts")),
        ("INBOX.Archive", Some("archive")),
        ("INBOX.Projects", None),
    ] {
        assert!(found.contains(&(name.to_owned(), role.map(str::to_owned))), "{name}: {found:?}");
    }
    let statuses = f.engine.accounts().statuses().await.expect("statuses");
    let shown: Vec<(String, Option<String>)> =
        statuses[0].folders.iter().map(|f| (f.name.clone(), f.role.clone())).collect();
    assert!(shown.contains(&("Trash".to_owned(), Some("trash".to_owned()))), "troubleshooting shows {shown:?}");
    assert_eq!(stored(&f.engine).await, (45, 45));

    let again = f.engine.sync_account(f.account).await.expect("resync");
    assert_eq!((again.new, again.vanished, again.resets), (0, 0, 0), "{again:?}");

    // Changed on the server: a flag, a new message, a deletion.
    let mut with_ids = inbox.iter().filter_map(|m| m.message_id.as_deref());
    let (flag_me, delete_me) = (with_ids.next().expect("an id"), with_ids.next().expect("an id"));
    let first = s.uid_of(&f.user, "INBOX", flag_me).await;
    s.uid_store(&f.user, "INBOX", &first.to_string(), "+FLAGS (\\Flagged)").await;
    s.append(&f.user, "INBOX", &[mail("sync4d", "late")]).await;
    let second = s.uid_of(&f.user, "INBOX", delete_me).await;
    s.expunge(&f.user, "INBOX", &second.to_string()).await;
    let report = f.engine.sync_account(f.account).await.expect("sync");
    assert_eq!((report.new, report.changed, report.vanished), (1, 1, 1), "{report:?}");
    let rows = f.engine.mail().list_messages(&all(100)).await.expect("list");
    assert_eq!(rows.len(), 45);
    let flagged = rows.iter().find(|m| m.message_id.as_deref() == Some(flag_me)).expect("flagged one");
    assert!(flagged.flags.iter().any(|f| f == "\\Flagged"), "{:?}", flagged.flags);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archive_delete_and_move_happen_exactly_once_without_move_or_uidplus() {
    use UserAction::{Archive, Delete, Move, Restore};
    let s = servers();
    let names = ["a", "b", "c", "d", "e"];
    let f = fixture("acts4d", FOLDERS, &[("INBOX", names.iter().map(|n| mail("acts4d", n)).collect())]).await;
    f.engine.sync_account(f.account).await.expect("sync");
    let rows = f.engine.mail().list_messages(&all(10)).await.expect("list");
    let id = |n: &str| rows.iter().find(|m| m.subject == n).map(|m| m.id).expect("message");
    let count = |folder: &'static str| s.count(&f.user, folder);

    let done = f.engine.mail().act_now(&[id("a")], Archive).await.expect("archive");
    assert_eq!((done.pending, done.failed), (0, 0), "{done:?}");
    let done = f.engine.mail().act_now(&[id("b")], Delete).await.expect("delete");
    assert_eq!((done.pending, done.failed), (0, 0), "{done:?}");
    let done = f.engine.mail().act_now(&[id("c")], Move("INBOX.Projects".into())).await.expect("move");
    assert_eq!((done.pending, done.failed), (0, 0), "{done:?}");
    let on_server =
        (count("INBOX").await, count("INBOX.Archive").await, count("INBOX.Trash").await, count("INBOX.Projects").await);
    assert_eq!(on_server, (2, 1, 1, 1), "each message in one folder, once");

    for pass in 0..2 {
        let report = f.engine.sync_account(f.account).await.expect("sync");
        assert_eq!(report.resets, 0, "pass {pass}: {report:?}");
        assert_eq!(view_subjects(&f.engine, ThreadView::Inbox).await, ["c", "d", "e"], "pass {pass}");
        assert_eq!(view_subjects(&f.engine, ThreadView::Archive).await, ["a"], "pass {pass}");
        assert_eq!(view_subjects(&f.engine, ThreadView::Trash).await, ["b"], "pass {pass}");
        assert_eq!(stored(&f.engine).await, (5, 5), "pass {pass}: nothing twice");
    }
    // Restoring and deleting from the Trash (gone for good) work too, on
    // the same messages: imap4d shows its mbox bookkeeping (X-UID,
    // X-IMAPbase, Status) in a message's source, other in each folder, and
    // the message is still known as itself.
    f.engine.mail().act_now(&[id("a")], Restore).await.expect("restore");
    f.engine.mail().act_now(&[id("b")], Delete).await.expect("delete for good");
    let on_server = (count("INBOX").await, count("INBOX.Archive").await, count("INBOX.Trash").await);
    assert_eq!(on_server, (3, 0, 0));
    f.engine.sync_account(f.account).await.expect("sync");
    assert_eq!(view_subjects(&f.engine, ThreadView::Inbox).await, ["a", "c", "d", "e"]);
    assert_eq!(stored(&f.engine).await, (4, 4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_move_fails_with_the_servers_words_and_duplicates_nothing() {
    let s = servers();
    let f = fixture("refuse4d", FOLDERS, &[("INBOX", vec![mail("refuse4d", "a"), mail("refuse4d", "b")])]).await;
    f.engine.sync_account(f.account).await.expect("sync");
    let rows = f.engine.mail().list_messages(&all(10)).await.expect("list");
    let a = rows.iter().find(|m| m.subject == "a").map(|m| m.id).expect("a");

    // The folder goes away on the server after the app listed it: the
    // copy is refused.
    let mut session = s.session(&f.user).await;
    session.delete("INBOX.Projects").await.expect("delete folder");
    session.logout().await.expect("logout");
    let outcome = f.engine.mail().act_now(&[a], UserAction::Move("INBOX.Projects".into())).await.expect("move");
    assert_eq!((outcome.pending, outcome.failed), (0, 1), "refused, never done: {outcome:?}");
    // The troubleshooting view says so, in the server's words.
    let statuses = f.engine.accounts().statuses().await.expect("statuses");
    assert_eq!(statuses[0].failed_actions, 1);
    let reason = statuses[0].last_action_failure.clone().expect("a reason");
    assert!(
        matches!(&reason, Problem::ServerRefused { command, text } if command.starts_with("UID COPY") && !text.is_empty()),
        "{reason:?}"
    );

    f.engine.sync_account(f.account).await.expect("sync");
    assert_eq!(s.count(&f.user, "INBOX").await, 2, "nothing left the inbox there");
    assert_eq!(view_subjects(&f.engine, ThreadView::Inbox).await, ["a", "b"], "back in the inbox here");
    assert_eq!(stored(&f.engine).await, (2, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sent_message_is_saved_once_in_the_sent_folder_under_the_namespace() {
    let s = servers();
    let f = fixture("sent4d", FOLDERS, &[]).await;
    f.engine.sync_account(f.account).await.expect("sync");
    let draft = Draft {
        account_id: f.account,
        to: format!("someone@{}", s.domain),
        cc: String::new(),
        bcc: String::new(),
        subject: "Quote for Acme".into(),
        body: "Here it is.".into(),
        ..Draft::default()
    };
    let sent = f.engine.mail().send_now(&draft).await.expect("send");
    assert_eq!(sent.state, SendState::Sent, "{sent:?}");
    assert_eq!(s.count(&f.user, "INBOX.Sent").await, 1);
    for pass in 0..2 {
        f.engine.sync_account(f.account).await.expect("sync");
        let sent_rows =
            f.engine.mail().list_messages(&ListFilter { folder: Some("Sent".into()), ..all(10) }).await.expect("list");
        assert_eq!(sent_rows.len(), 1, "pass {pass}: {sent_rows:?}");
    }
    assert_eq!(s.count(&f.user, "INBOX.Sent").await, 1, "saved once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_folder_numbered_anew_is_reset_quietly() {
    let f = fixture("empty4d", FOLDERS, &[("INBOX", vec![mail("empty4d", "a")])]).await;
    f.engine.sync_account(f.account).await.expect("sync");
    let validity = |folders: Vec<threadline_engine::store::FolderRow>| {
        folders.into_iter().find(|f| f.name == "INBOX.Drafts").map(|f| f.uidvalidity).expect("drafts")
    };
    let before = validity(f.engine.store().folders(f.account).await.expect("folders"));
    // imap4d numbers an empty folder by the clock, in seconds.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let report = f.engine.sync_account(f.account).await.expect("sync");
    let after = validity(f.engine.store().folders(f.account).await.expect("folders"));
    assert_ne!(before, after, "the server numbered the empty folder anew");
    assert_eq!((report.resets, report.new), (0, 0), "nothing to fetch again: {report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_recognisable_trash_the_user_picks_one_and_delete_uses_it() {
    let s = servers();
    let f = fixture("pick4d", &["INBOX.Rubbish", "INBOX.Sent"], &[("INBOX", vec![mail("pick4d", "a")])]).await;
    f.engine.sync_account(f.account).await.expect("sync");
    assert!(!roles(&f.engine, f.account).await.iter().any(|(_, r)| r.as_deref() == Some("trash")));
    let a = f.engine.mail().list_messages(&all(10)).await.expect("list")[0].id;
    let err = f.engine.mail().act_now(&[a], UserAction::Delete).await.expect_err("no trash yet");
    assert!(err.user_message().contains("trash"), "{err}");

    let rubbish = f
        .engine
        .store()
        .folders(f.account)
        .await
        .expect("folders")
        .into_iter()
        .find(|f| f.name == "INBOX.Rubbish")
        .expect("folder")
        .id;
    f.engine.accounts().choose_folder_role(f.account, "trash", rubbish).await.expect("pick");
    let done = f.engine.mail().act_now(&[a], UserAction::Delete).await.expect("delete");
    assert_eq!((done.pending, done.failed), (0, 0));
    assert_eq!((s.count(&f.user, "INBOX").await, s.count(&f.user, "INBOX.Rubbish").await), (0, 1));
    f.engine.sync_account(f.account).await.expect("sync");
    assert!(
        roles(&f.engine, f.account).await.contains(&("INBOX.Rubbish".to_owned(), Some("trash".to_owned()))),
        "the pick outlives a pass"
    );
    assert_eq!(view_subjects(&f.engine, ThreadView::Trash).await, ["a"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_asked_for_by_a_killed_process_is_not_made_twice() {
    use threadline_testkit::outage::Outage;
    let s = servers();
    let user = s.new_imap4d_user("asked4d", FOLDERS).await;
    s.append(&user, "INBOX", &[mail("asked4d", "a"), mail("asked4d", "b")]).await;
    let outage = Outage::start(s.imap4d_port).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = Engine::open(dir.path(), Arc::new(MemorySecrets::default())).await.expect("open engine");
    let form = threadline_engine::model::NewAccount { imap_port: outage.port, ..s.account_form(&user) };
    let account = engine.accounts().add(form, true).await.expect("add account");
    engine.sync_account(account).await.expect("sync");
    let rows = engine.mail().list_messages(&all(10)).await.expect("list");
    let a = rows.iter().find(|m| m.subject == "a").expect("a").clone();

    // Offline, archived here; then, as a process killed right after its
    // COPY would have left things: the copy asked for and made on the
    // server, never confirmed here.
    outage.set_up(false);
    let done = engine.mail().act_now(&[a.id], UserAction::Archive).await.expect("archive");
    assert_eq!(done.pending, 1);
    let pending = engine.store().pending_actions(account).await.expect("pending");
    engine.store().action_copy(pending[0].id, false).await.expect("asked");
    let mut session = s.session(&user).await;
    session.select("INBOX").await.expect("select");
    session.uid_copy(a.uid.to_string(), "INBOX.Archive").await.expect("copy");
    session.logout().await.expect("logout");

    outage.set_up(true);
    engine.replay_actions(account).await.expect("replay");
    assert_eq!((s.count(&user, "INBOX").await, s.count(&user, "INBOX.Archive").await), (1, 1), "one copy");
    engine.sync_account(account).await.expect("sync");
    assert_eq!(view_subjects(&engine, ThreadView::Archive).await, ["a"]);
    assert_eq!(stored(&engine).await, (2, 2));
}
