//! User actions on messages (read, flag, move, archive, delete): done here
//! at once, queued durably, and replayed on the server in order by the
//! account's foreground worker (see [`crate::schedule`]), which the action
//! wakes. Nothing is lost while offline, and nothing is applied twice (see
//! migration 0004 for why a replay is always safe).

use std::collections::HashMap;

use serde::Serialize;

use tokio::sync::broadcast;

use crate::Engine;
use crate::error::{Class, Error, Result};
use crate::ids::{AccountId, MessageId};
use crate::imap::command;
use crate::model::{EngineEvent, MessageAction, Mirror};
use crate::problem::Problem;
use crate::schedule::Worker;
use crate::store::Store;
use crate::store::actions::{ActionKind, ActionName, ActionRow, MailBox};
use crate::sync::Connection;

/// What the user can ask for, before the destination is worked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserAction {
    MarkRead,
    MarkUnread,
    Flag,
    Unflag,
    /// To a folder, by its server or display name.
    Move(String),
    Archive,
    Delete,
    /// Back to the inbox, from the archive or the trash.
    Restore,
}

impl From<MessageAction> for UserAction {
    fn from(action: MessageAction) -> Self {
        match action {
            MessageAction::MarkRead => UserAction::MarkRead,
            MessageAction::MarkUnread => UserAction::MarkUnread,
            MessageAction::Flag => UserAction::Flag,
            MessageAction::Unflag => UserAction::Unflag,
            MessageAction::Archive => UserAction::Archive,
            MessageAction::Delete => UserAction::Delete,
            MessageAction::Restore => UserAction::Restore,
        }
    }
}

/// Where a user's action stands.
#[derive(Debug, Clone, Default, Serialize, specta::Type)]
pub struct ActionOutcome {
    /// Actions queued (one per message location).
    pub queued: u32,
    /// Of the account's actions, how many still wait for the server.
    pub pending: u32,
    /// Of the account's actions, how many the server refused.
    pub failed: u32,
}

impl Engine {
    /// Does what the user asked to these messages here at once, queues it
    /// for the server and wakes the account's foreground worker, which
    /// replays it; returns without waiting for the server.
    pub(crate) async fn act(&self, message_ids: &[MessageId], action: UserAction) -> Result<ActionOutcome> {
        let started = std::time::Instant::now();
        let kind = action.clone();
        let (queued, accounts) = self.queue(message_ids, action).await?;
        // How long the user waited here shows in the log (the window test
        // reads it beside what the window showed).
        tracing::info!(action = ?kind, queued, ms = started.elapsed().as_millis(), "action applied here and queued");
        for &account_id in &accounts {
            self.wake(account_id, Worker::Foreground);
        }
        self.outcome(queued, &accounts).await
    }

    /// `act`, then the replay on a connection of its own before returning:
    /// for a front end that runs no scheduler (the CLI's one-shot commands).
    /// A server that cannot be reached leaves the actions queued.
    pub(crate) async fn act_now(&self, message_ids: &[MessageId], action: UserAction) -> Result<ActionOutcome> {
        let (queued, accounts) = self.queue(message_ids, action).await?;
        self.replay_now(&accounts).await;
        self.outcome(queued, &accounts).await
    }

    /// Replays these accounts' queued actions, each on a connection of its
    /// own, before returning; one whose server cannot be reached keeps
    /// them queued for the next pass.
    async fn replay_now(&self, accounts: &[AccountId]) {
        for &account_id in accounts {
            if let Err(e) = self.replay_actions(account_id).await {
                tracing::info!(account = %account_id, error = %e, "actions wait for the server");
            }
        }
    }

    /// Applies the action here and queues it, in one transaction; returns
    /// how many locations were queued and the accounts concerned.
    async fn queue(&self, message_ids: &[MessageId], action: UserAction) -> Result<(u32, Vec<AccountId>)> {
        // The destination is worked out once per account, not per message.
        let mut plans: HashMap<AccountId, Plan> = HashMap::new();
        let mut items = Vec::with_capacity(message_ids.len());
        for &message_id in message_ids {
            let account_id = self.store.message_account(message_id).await?;
            let plan = match plans.get(&account_id) {
                Some(plan) => plan.clone(),
                None => {
                    let plan = self.resolve(account_id, action.clone()).await?;
                    plans.insert(account_id, plan.clone());
                    plan
                }
            };
            items.push((message_id, plan.server, plan.user_box));
        }
        let queued = u32::try_from(self.store.queue_actions(&items).await?.len()).unwrap_or(u32::MAX);
        let accounts: Vec<AccountId> = plans.into_keys().collect();
        for &account_id in &accounts {
            let _ = self.events.send(EngineEvent::MessagesChanged { account: account_id });
        }
        Ok((queued, accounts))
    }

    /// Where the accounts' actions stand.
    async fn outcome(&self, queued: u32, accounts: &[AccountId]) -> Result<ActionOutcome> {
        let mut outcome = ActionOutcome { queued, ..ActionOutcome::default() };
        for &account_id in accounts {
            let (pending, failed) = self.store.action_counts(account_id).await?;
            outcome.pending += pending;
            outcome.failed += failed;
        }
        Ok(outcome)
    }

    /// Empties the Trash (of every account or one): its messages are
    /// deleted for good here at once, and expunged on the server where the
    /// account follows the app (see [`expunge_forgotten`]). An account
    /// that keeps a copy of everything, or is left alone, keeps what it
    /// has. With `now` (a front end that runs no scheduler), the server
    /// work is done before returning. Returns how many messages were
    /// deleted.
    pub(crate) async fn empty_trash(&self, account: Option<AccountId>, now: bool) -> Result<u32> {
        let ids = self.store.trash_messages(account).await?;
        self.store.forget_messages(&ids).await?;
        let mut accounts = Vec::new();
        for &message_id in &ids {
            let account_id = self.store.message_account(message_id).await?;
            if !accounts.contains(&account_id) {
                accounts.push(account_id);
            }
        }
        let mut expunging = Vec::new();
        for &account_id in &accounts {
            let _ = self.events.send(EngineEvent::MessagesChanged { account: account_id });
            if expunge_forgotten(&self.store, account_id).await? > 0 {
                expunging.push(account_id);
            }
        }
        if now {
            self.replay_now(&expunging).await;
        } else {
            for &account_id in &expunging {
                self.wake(account_id, Worker::Foreground);
            }
        }
        tracing::info!(messages = ids.len(), "trash emptied");
        Ok(u32::try_from(ids.len()).unwrap_or(u32::MAX))
    }

    /// Replays the account's queued actions on a connection of its own.
    pub async fn replay_actions(&self, account_id: AccountId) -> Result<u32> {
        if self.store.pending_actions(account_id).await?.is_empty() {
            return Ok(0);
        }
        let account = self.store.account(account_id).await?;
        let password = self.secret(&account).await?;
        let mut conn = Connection::open(&account, &password).await?;
        let done = self.replay_on(&mut conn, account_id).await;
        conn.close().await;
        done
    }

    /// Works out what the action means for this account: what the server
    /// is asked to do (by the account's mirroring choice, F-MIRROR) and
    /// where the message goes in the app.
    async fn resolve(&self, account_id: AccountId, action: UserAction) -> Result<Plan> {
        let mirror = self.store.account(account_id).await?.mirror;
        let folders = self.store.folders(account_id).await?;
        let by_role = |role: &str| folders.iter().find(|f| f.role.as_deref() == Some(role));
        let archive = || {
            // Gmail has no archive folder: leaving the inbox for All Mail is
            // how it archives.
            match (by_role("archive"), by_role("all")) {
                (Some(f), _) => Ok(ActionKind::Archive { to: f.name.clone(), gmail_all: false }),
                (None, Some(f)) => Ok(ActionKind::Archive { to: f.name.clone(), gmail_all: true }),
                (None, None) => Err(Error::Invalid(Problem::NoArchiveFolder)),
            }
        };
        let server_only = |kind: ActionKind| Plan { server: Some(kind), user_box: None };
        Ok(match action {
            UserAction::MarkRead => server_only(ActionKind::MarkRead),
            UserAction::MarkUnread => server_only(ActionKind::MarkUnread),
            UserAction::Flag => server_only(ActionKind::Flag),
            UserAction::Unflag => server_only(ActionKind::Unflag),
            UserAction::Move(name) => {
                let folder = folders
                    .iter()
                    .find(|f| f.name == name || f.display_name == name)
                    .ok_or_else(|| Error::NotFound(Problem::FolderNotFound { name: Some(name.to_owned()) }))?;
                server_only(ActionKind::Move { to: folder.name.clone() })
            }
            UserAction::Archive => Plan {
                server: match mirror {
                    Mirror::Nothing => None,
                    Mirror::Archive | Mirror::Delete => Some(archive()?),
                },
                user_box: Some(MailBox::Archive),
            },
            UserAction::Delete => Plan {
                server: match mirror {
                    Mirror::Nothing => None,
                    Mirror::Archive => Some(archive()?),
                    Mirror::Delete => Some(ActionKind::Delete {
                        trash: by_role("trash")
                            .map(|f| f.name.clone())
                            .ok_or_else(|| Error::Invalid(Problem::NoTrashFolder))?,
                    }),
                },
                user_box: Some(MailBox::Trash),
            },
            UserAction::Restore => Plan {
                server: match (mirror, by_role("inbox")) {
                    (Mirror::Nothing, _) | (_, None) => None,
                    (_, Some(inbox)) => Some(ActionKind::Restore { inbox: inbox.name.clone() }),
                },
                user_box: Some(MailBox::Inbox),
            },
        })
    }
}

/// Queues the final delete of the messages emptied from the Trash here
/// that the account's trash folder still holds, when the account follows
/// the app (mirroring `Delete`). Run when the Trash is emptied and after
/// every full pass, which finds there the messages whose move to the trash
/// had not reached the server when the Trash was emptied. Returns how many
/// actions were queued.
pub(crate) async fn expunge_forgotten(store: &Store, account_id: AccountId) -> Result<u32> {
    if store.account(account_id).await?.mirror != Mirror::Delete {
        return Ok(0);
    }
    let folders = store.folders(account_id).await?;
    let Some(trash) = folders.iter().find(|f| f.role.as_deref() == Some("trash")) else {
        return Ok(0);
    };
    let kind = ActionKind::Delete { trash: trash.name.clone() };
    let items: Vec<_> =
        store.forgotten_in(trash.id).await?.into_iter().map(|id| (id, Some(kind.clone()), None)).collect();
    Ok(u32::try_from(store.queue_actions(&items).await?.len()).unwrap_or(u32::MAX))
}

/// What one user action does to the messages of one account.
#[derive(Debug, Clone)]
struct Plan {
    /// What the server is asked to do (None: nothing).
    server: Option<ActionKind>,
    /// Where the message goes in the app, if it moves there.
    user_box: Option<MailBox>,
}

/// Replays the account's due actions, oldest first, on an open
/// connection. A refusal by the server ends that one action (recorded as
/// failed, told to the window); any other failure ends the replay, leaving
/// the rest queued, and names the action it failed on (None: before any).
/// Returns how many were done, and whether any of them put a message in
/// another folder (which a pass then finds there). The caller holds the
/// account's action lock.
pub(crate) async fn replay(
    conn: &mut Connection,
    store: &Store,
    account_id: AccountId,
    events: &broadcast::Sender<EngineEvent>,
) -> Result<(u32, bool), (Option<i64>, Error)> {
    let early = |e: Error| (None, e);
    let pending = store.pending_actions(account_id).await.map_err(early)?;
    if pending.is_empty() {
        return Ok((0, false));
    }
    let mut moved = false;
    let folders = store.folders(account_id).await.map_err(early)?;
    let mut selected: Option<i64> = None;
    let mut done = 0;
    for action in pending {
        let on = |e: Error| (Some(action.id), e);
        let refused = match folders.iter().find(|f| f.id == action.folder_id) {
            None => Some(Problem::FolderGone),
            Some(folder) if folder.uidvalidity != action.uidvalidity => Some(Problem::FolderRenumbered),
            Some(folder) => {
                if selected != Some(folder.id) {
                    let select = format!("SELECT {}", command::quoted(&folder.name).map_err(on)?);
                    command::run(&mut conn.session, &select).await.map_err(on)?;
                    selected = Some(folder.id);
                }
                match apply(conn, store, &action, &folder.name).await {
                    Ok(()) => None,
                    Err(e) if e.class() == Class::Permanent => {
                        tracing::warn!(action = action.id, error = %e, "the server refused an action");
                        Some(e.problem())
                    }
                    Err(e) => return Err(on(e)),
                }
            }
        };
        store.finish_action(action.id, refused.as_ref()).await.map_err(on)?;
        match refused {
            None => {
                done += 1;
                moved |= !matches!(
                    action.kind,
                    ActionName::MarkRead | ActionName::MarkUnread | ActionName::Flag | ActionName::Unflag
                );
            }
            Some(reason) => announce_refusal(events, account_id, reason),
        }
    }
    Ok((done, moved))
}

/// Tells the window that one of the user's actions was given up (the
/// message shows where the server keeps it again after the next pass).
pub(crate) fn announce_refusal(events: &broadcast::Sender<EngineEvent>, account: AccountId, reason: Problem) {
    let _ = events.send(EngineEvent::ActionFailed { account, reason });
    let _ = events.send(EngineEvent::MessagesChanged { account });
}

/// One action on its (selected) folder. Every command's answer is
/// checked (see [`command`]): a refusal fails the action with the
/// server's words.
async fn apply(conn: &mut Connection, store: &Store, action: &ActionRow, folder: &str) -> Result<()> {
    let uid = action.uid.to_string();
    let target =
        || action.target.as_deref().ok_or_else(|| Error::Protocol(format!("action {} has no destination", action.id)));
    match action.kind {
        ActionName::MarkRead => uid_store(conn, &uid, "+FLAGS.SILENT (\\Seen)").await,
        ActionName::MarkUnread => uid_store(conn, &uid, "-FLAGS.SILENT (\\Seen)").await,
        ActionName::Flag => uid_store(conn, &uid, "+FLAGS.SILENT (\\Flagged)").await,
        ActionName::Unflag => uid_store(conn, &uid, "-FLAGS.SILENT (\\Flagged)").await,
        ActionName::Move | ActionName::Archive | ActionName::Delete => {
            let target = target()?;
            if action.kind == ActionName::Delete && folder == target {
                // Deleting from the trash: gone for good.
                uid_store(conn, &uid, "+FLAGS.SILENT (\\Deleted)").await?;
                expunge(conn, folder, &uid).await
            } else if conn.can_move {
                command::run(&mut conn.session, &format!("UID MOVE {uid} {}", command::quoted(target)?)).await
            } else {
                move_without_move(conn, store, action, folder, target).await
            }
        }
        ActionName::Copy => {
            command::run(&mut conn.session, &format!("UID COPY {uid} {}", command::quoted(target()?)?)).await
        }
    }
}

/// A move where the server has no MOVE (RFC 6851): copy, mark the original
/// \Deleted, expunge it, then check on the server that it is gone. A
/// killed process must not leave two copies: that the copy was asked for,
/// and that the server made it, are recorded around the COPY; a replay
/// after a copy made does not copy again, and one after a copy asked for
/// but not confirmed first looks for the message in the destination by its
/// Message-ID.
async fn move_without_move(
    conn: &mut Connection,
    store: &Store,
    action: &ActionRow,
    folder: &str,
    target: &str,
) -> Result<()> {
    let uid = action.uid.to_string();
    if action.copied_at.is_none() {
        if !still_there(conn, &uid).await? {
            // Moved or deleted elsewhere since: nothing left to do.
            return Ok(());
        }
        let copied_before = match action.copy_asked_at {
            Some(_) => in_folder_already(conn, store, action, folder, target).await?,
            None => false,
        };
        if !copied_before {
            store.action_copy(action.id, false).await?;
            command::run(&mut conn.session, &format!("UID COPY {uid} {}", command::quoted(target)?)).await?;
        }
        store.action_copy(action.id, true).await?;
    }
    uid_store(conn, &uid, "+FLAGS.SILENT (\\Deleted)").await?;
    expunge(conn, folder, &uid).await
}

/// Whether the destination holds the message already (by Message-ID): the
/// answer to a COPY that a killed process asked for but never saw. Leaves
/// the source folder selected again.
async fn in_folder_already(
    conn: &mut Connection,
    store: &Store,
    action: &ActionRow,
    folder: &str,
    target: &str,
) -> Result<bool> {
    let Some(message_id) = store.message_id_header(MessageId(action.message_id)).await? else {
        return Ok(false);
    };
    if message_id.contains(['"', '\\', '\r', '\n']) {
        return Ok(false);
    }
    command::run(&mut conn.session, &format!("EXAMINE {}", command::quoted(target)?)).await?;
    let found = command::uid_search(&mut conn.session, &format!("HEADER Message-ID \"<{message_id}>\""))
        .await
        .map(|uids| !uids.is_empty());
    command::run(&mut conn.session, &format!("SELECT {}", command::quoted(folder)?)).await?;
    found
}

/// Removes a message marked \Deleted from the selected folder: UID EXPUNGE
/// where the server has UIDPLUS. Without it, CLOSE, which removes whatever
/// is marked \Deleted there (as every mail client does on such a server)
/// and, unlike EXPUNGE, answers with no untagged EXPUNGE lines (GNU imap4d
/// writes those as `* 1 EXPUNGED`, which no parser takes); the folder is
/// then selected again. The message must then be gone.
pub(crate) async fn expunge(conn: &mut Connection, folder: &str, uid: &str) -> Result<()> {
    if conn.uidplus {
        command::run(&mut conn.session, &format!("UID EXPUNGE {uid}")).await?;
    } else {
        command::run(&mut conn.session, "CLOSE").await?;
        command::run(&mut conn.session, &format!("SELECT {}", command::quoted(folder)?)).await?;
    }
    if still_there(conn, uid).await? {
        return Err(Error::Refused {
            command: "EXPUNGE".into(),
            bad: false,
            text: "the message is still in the folder".into(),
        });
    }
    Ok(())
}

/// Whether the selected folder still holds this UID.
async fn still_there(conn: &mut Connection, uid: &str) -> Result<bool> {
    Ok(command::uids_in(&mut conn.session, uid).await?.iter().any(|u| uid.parse() == Ok(*u)))
}

async fn uid_store(conn: &mut Connection, uid: &str, change: &str) -> Result<()> {
    command::run(&mut conn.session, &format!("UID STORE {uid} {change}")).await
}
