//! The durable queue of user actions (migration 0004): what the user did
//! to a message is written here together with its local effect, in one
//! transaction, and replayed on the server in order until confirmed.

use sqlx::FromRow;

use super::messages::FlagSet;
use super::{Store, now};
use crate::error::{Error, Result};
use crate::ids::{AccountId, MessageId};
use crate::problem::Problem;

/// What the server is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionKind {
    MarkRead,
    MarkUnread,
    Flag,
    Unflag,
    /// To the folder with this server name.
    Move {
        to: String,
    },
    /// To the account's archive folder (server name). `gmail_all` says the
    /// destination is Gmail's All Mail, where archiving means leaving the
    /// inbox only, not every label.
    Archive {
        to: String,
        gmail_all: bool,
    },
    /// To the account's trash folder (server name); from the trash itself,
    /// gone for good.
    Delete {
        trash: String,
    },
    /// Back to the inbox (server name), from the archive, trash or junk.
    Restore {
        inbox: String,
    },
    /// A copy into the folder with this server name; the original stays.
    Copy {
        to: String,
    },
}

/// Where the app shows a message: the numbers are the `box` columns of
/// migration 0008.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailBox {
    Inbox = 0,
    Archive = 1,
    Trash = 2,
}

impl MailBox {
    /// The box a folder's locations put a message in (the same rule as the
    /// triggers of migration 0008).
    fn of_role(role: Option<&str>) -> MailBox {
        match role {
            Some("archive" | "all") => MailBox::Archive,
            Some("trash" | "junk") => MailBox::Trash,
            _ => MailBox::Inbox,
        }
    }
}

/// What a queued action asks of the server, as its row keeps it (the
/// `kind` column, migration 0015); the destination is a column of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "TEXT", rename_all = "snake_case")]
pub enum ActionName {
    MarkRead,
    MarkUnread,
    Flag,
    Unflag,
    Move,
    Archive,
    Delete,
    Copy,
}

impl ActionKind {
    /// The name its row keeps (a restore is a move back to the inbox).
    fn name(&self) -> ActionName {
        match self {
            ActionKind::MarkRead => ActionName::MarkRead,
            ActionKind::MarkUnread => ActionName::MarkUnread,
            ActionKind::Flag => ActionName::Flag,
            ActionKind::Unflag => ActionName::Unflag,
            ActionKind::Move { .. } | ActionKind::Restore { .. } => ActionName::Move,
            ActionKind::Archive { .. } => ActionName::Archive,
            ActionKind::Delete { .. } => ActionName::Delete,
            ActionKind::Copy { .. } => ActionName::Copy,
        }
    }

    /// The destination folder of a move-like action.
    fn target(&self) -> Option<&str> {
        match self {
            ActionKind::Move { to } | ActionKind::Archive { to, .. } | ActionKind::Copy { to } => Some(to),
            ActionKind::Delete { trash } => Some(trash),
            ActionKind::Restore { inbox } => Some(inbox),
            _ => None,
        }
    }

    /// What the action is for a message in these locations. Gmail keeps
    /// every message in All Mail, and archiving there took only the inbox
    /// label away: restoring a message that is nowhere else puts the label
    /// back, as a copy into the inbox (All Mail keeps its own).
    fn for_message(&self, locations: &[Location]) -> ActionKind {
        match self {
            ActionKind::Restore { inbox }
                if !locations.is_empty() && locations.iter().all(|l| l.role.as_deref() == Some("all")) =>
            {
                ActionKind::Copy { to: inbox.clone() }
            }
            other => other.clone(),
        }
    }

    /// Whether a move-like action takes the message out of its folder (a
    /// copy leaves it there).
    fn leaves_folder(&self) -> bool {
        !matches!(self, ActionKind::Copy { .. })
    }

    /// Whether the action concerns the message's location in this folder.
    /// Moving into the folder it is in already does nothing (but a delete
    /// from the trash is a real, final delete). Archiving leaves alone the
    /// deleted copies, the user's own copies in Sent and Drafts, and on
    /// Gmail every label but the inbox. Restoring takes back only archived
    /// and deleted copies (not Gmail's All Mail, which holds every message).
    fn applies_to(&self, folder_name: &str, role: Option<&str>) -> bool {
        let same_folder = self.target() == Some(folder_name);
        match self {
            ActionKind::MarkRead | ActionKind::MarkUnread | ActionKind::Flag | ActionKind::Unflag => true,
            ActionKind::Delete { .. } => true,
            ActionKind::Move { .. } | ActionKind::Copy { .. } => !same_folder,
            ActionKind::Archive { gmail_all, .. } => {
                !same_folder
                    && MailBox::of_role(role) == MailBox::Inbox
                    && !matches!(role, Some("sent" | "drafts"))
                    && (!gmail_all || role == Some("inbox"))
            }
            ActionKind::Restore { .. } => {
                !same_folder && role != Some("all") && MailBox::of_role(role) != MailBox::Inbox
            }
        }
    }

    /// The flag change a flag-like action makes: (flag, set it?).
    fn flag_change(&self) -> Option<(&'static str, bool)> {
        match self {
            ActionKind::MarkRead => Some(("\\Seen", true)),
            ActionKind::MarkUnread => Some(("\\Seen", false)),
            ActionKind::Flag => Some(("\\Flagged", true)),
            ActionKind::Unflag => Some(("\\Flagged", false)),
            _ => None,
        }
    }
}

/// One queued action on one location, as the replay needs it.
#[derive(Debug, Clone, FromRow)]
pub struct ActionRow {
    pub id: i64,
    pub account_id: AccountId,
    pub message_id: i64,
    pub kind: ActionName,
    pub folder_id: i64,
    pub uid: i64,
    pub uidvalidity: i64,
    pub target: Option<String>,
    /// A move without MOVE asked the server for its copy (see migration
    /// 0018) …
    pub copy_asked_at: Option<i64>,
    /// … and the server made it.
    pub copied_at: Option<i64>,
}

#[derive(FromRow)]
struct Location {
    folder_id: i64,
    folder_name: String,
    role: Option<String>,
    uid: i64,
    uidvalidity: i64,
    flags: String,
}

impl Store {
    /// Queues `kind` (if the server is to do anything) for every location
    /// of the message it concerns, and applies its local effect, in one
    /// transaction: flags change here at once, a moved or deleted message
    /// leaves its folder here at once (the next full pass finds it in its
    /// new folder, keeping its id), and `user_box` puts the message where
    /// the user sent it in the app, whatever the server does. Returns the
    /// new action ids.
    pub async fn queue_action(
        &self,
        message_id: MessageId,
        kind: Option<&ActionKind>,
        user_box: Option<MailBox>,
    ) -> Result<Vec<i64>> {
        self.queue_actions(&[(message_id, kind.cloned(), user_box)]).await
    }

    /// `queue_action` for several messages in one transaction (a whole
    /// conversation archived waits once for the writer, not once per
    /// message). Returns the new action ids.
    pub async fn queue_actions(&self, items: &[(MessageId, Option<ActionKind>, Option<MailBox>)]) -> Result<Vec<i64>> {
        let mut tx = self.begin_write().await?;
        let mut ids = Vec::new();
        for (message_id, kind, user_box) in items {
            ids.extend(queue_in(&mut tx, *message_id, kind.as_ref(), *user_box).await?);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// The UIDs the user's moves took out of this folder here (queued, or
    /// done by the server), under this UIDVALIDITY: a pass running beside
    /// the replay must not fetch them back into it. A refused move is not
    /// among them: the message stays there on the server, so it is fetched
    /// again.
    pub async fn moved_away(&self, folder_id: i64, uidvalidity: u32) -> Result<std::collections::HashSet<u32>> {
        let uids: Vec<i64> = sqlx::query_scalar(
            "SELECT uid FROM actions
              WHERE folder_id = ? AND uidvalidity = ? AND state IN ('pending', 'done')
                AND kind IN ('move', 'archive', 'delete')",
        )
        .bind(folder_id)
        .bind(i64::from(uidvalidity))
        .fetch_all(self.pool())
        .await?;
        Ok(uids.into_iter().filter_map(|u| u32::try_from(u).ok()).collect())
    }

    /// The account a message belongs to.
    pub async fn message_account(&self, message_id: MessageId) -> Result<AccountId> {
        sqlx::query_scalar("SELECT account_id FROM messages WHERE id = ?")
            .bind(message_id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| Error::NotFound(Problem::MessageNotFound { id: Some(message_id) }))
    }

    /// The account's actions still to be done on the server and due now,
    /// oldest first. One waiting for its next attempt holds back the
    /// actions queued after it on the same message (a flag, then a move:
    /// the order matters).
    pub async fn pending_actions(&self, account_id: AccountId) -> Result<Vec<ActionRow>> {
        Ok(sqlx::query_as(
            "SELECT id, account_id, message_id, kind, folder_id, uid, uidvalidity, target, copy_asked_at, copied_at
               FROM actions a
              WHERE account_id = ?1 AND state = 'pending'
                AND NOT EXISTS (SELECT 1 FROM actions w
                                 WHERE w.account_id = ?1 AND w.state = 'pending' AND w.message_id = a.message_id
                                   AND w.id <= a.id AND w.next_attempt_at > ?2)
              ORDER BY id",
        )
        .bind(account_id)
        .bind(now())
        .fetch_all(self.pool())
        .await?)
    }

    /// When the account's next held-back action is due (unix seconds), if
    /// one waits.
    pub async fn next_action_due(&self, account_id: AccountId) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(next_attempt_at) FROM actions
              WHERE account_id = ? AND state = 'pending' AND next_attempt_at IS NOT NULL",
        )
        .bind(account_id)
        .fetch_one(self.pool())
        .await?)
    }

    /// Records an attempt that failed for a reason that may pass: the
    /// action is tried again after a pause that doubles with every attempt
    /// (from `first` seconds up to an hour), and is given up (failed, with
    /// this reason) after `give_up_after` attempts. Returns whether it was
    /// given up.
    pub async fn retry_action_later(&self, id: i64, reason: &Problem, first: i64, give_up_after: i64) -> Result<bool> {
        let attempts: i64 = sqlx::query_scalar("SELECT attempts + 1 FROM actions WHERE id = ?")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .unwrap_or(give_up_after);
        if attempts >= give_up_after {
            self.finish_action(id, Some(reason)).await?;
            return Ok(true);
        }
        let pause = first.saturating_mul(1 << attempts.clamp(0, 20)).min(3600);
        sqlx::query("UPDATE actions SET attempts = ?, last_error = ?, next_attempt_at = ? WHERE id = ?")
            .bind(attempts)
            .bind(reason)
            .bind(now() + pause)
            .bind(id)
            .execute(&mut *self.write_conn().await?)
            .await?;
        Ok(false)
    }

    /// Records that a move without MOVE is about to ask for its copy
    /// (`done` false) or that the server made it (`done` true).
    pub async fn action_copy(&self, id: i64, done: bool) -> Result<()> {
        let column = if done { "copied_at" } else { "copy_asked_at" };
        sqlx::query(&format!("UPDATE actions SET {column} = ? WHERE id = ?"))
            .bind(now())
            .bind(id)
            .execute(&mut *self.write_conn().await?)
            .await?;
        Ok(())
    }

    /// The Message-ID header of a stored message (without brackets).
    pub async fn message_id_header(&self, message_id: MessageId) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT message_id FROM messages WHERE id = ?")
            .bind(message_id)
            .fetch_optional(self.pool())
            .await?
            .flatten())
    }

    /// Records that the server did the action (`error` None) or refused it
    /// for good (it is not tried again). A refused move leaves the message
    /// where it was on the server, while here it already left that folder:
    /// the folder is then planned afresh at the next pass, which finds the
    /// message there again (before the orphan sweep could forget it).
    pub async fn finish_action(&self, id: i64, error: Option<&Problem>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE actions SET state = ?, last_error = ?, attempts = attempts + 1, done_at = ?
             WHERE id = ?",
        )
        .bind(if error.is_some() { "failed" } else { "done" })
        .bind(error)
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if error.is_some() {
            sqlx::query(
                "UPDATE folders SET server_exists = -1 WHERE id = (
                     SELECT folder_id FROM actions WHERE id = ? AND kind IN ('move', 'archive', 'delete'))",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// How many of the account's actions wait for the server, and how many
    /// it refused.
    pub async fn action_counts(&self, account_id: AccountId) -> Result<(u32, u32)> {
        let (pending, failed): (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(state = 'pending'), 0), COALESCE(SUM(state = 'failed'), 0)
               FROM actions WHERE account_id = ?",
        )
        .bind(account_id)
        .fetch_one(self.pool())
        .await?;
        Ok((u32::try_from(pending).unwrap_or(0), u32::try_from(failed).unwrap_or(0)))
    }

    /// Why the account's latest refused action was given up (None: none
    /// was).
    pub async fn last_action_failure(&self, account_id: AccountId) -> Result<Option<Problem>> {
        Ok(sqlx::query_scalar(
            "SELECT last_error FROM actions WHERE account_id = ? AND state = 'failed' ORDER BY id DESC LIMIT 1",
        )
        .bind(account_id)
        .fetch_optional(self.pool())
        .await?
        .flatten())
    }
}

/// One message's part of [`Store::queue_actions`] (what it does: see
/// [`Store::queue_action`]), in the caller's transaction.
async fn queue_in(
    tx: &mut sqlx::SqliteConnection,
    message_id: MessageId,
    kind: Option<&ActionKind>,
    user_box: Option<MailBox>,
) -> Result<Vec<i64>> {
    let account_id: AccountId = sqlx::query_scalar("SELECT account_id FROM messages WHERE id = ?")
        .bind(message_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::NotFound(Problem::MessageNotFound { id: Some(message_id) }))?;
    // No locations: the message is on its way between folders; there
    // is nothing the server could do to it until a pass finds it again.
    let locations: Vec<Location> = match kind {
        None => Vec::new(),
        Some(_) => {
            sqlx::query_as(
                "SELECT mf.folder_id, f.name AS folder_name, f.role, mf.uid, f.uidvalidity, mf.flags
                   FROM message_folders mf JOIN folders f ON f.id = mf.folder_id
                  WHERE mf.message_id = ? ORDER BY mf.folder_id, mf.uid",
            )
            .bind(message_id)
            .fetch_all(&mut *tx)
            .await?
        }
    };
    let kind = kind.map(|k| k.for_message(&locations));
    let created = now();
    let mut ids = Vec::new();
    for location in &locations {
        let Some(kind) = kind.as_ref().filter(|k| k.applies_to(&location.folder_name, location.role.as_deref())) else {
            continue;
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO actions (account_id, message_id, kind, folder_id, uid, uidvalidity,
                 target, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(account_id)
        .bind(message_id)
        .bind(kind.name())
        .bind(location.folder_id)
        .bind(location.uid)
        .bind(location.uidvalidity)
        .bind(kind.target())
        .bind(created)
        .fetch_one(&mut *tx)
        .await?;
        ids.push(id);

        if let Some((flag, set)) = kind.flag_change() {
            let mut flags: Vec<String> = location
                .flags
                .split_whitespace()
                .filter(|f| !f.eq_ignore_ascii_case(flag))
                .map(str::to_owned)
                .collect();
            if set {
                flags.push(flag.to_owned());
            }
            let flags = FlagSet::new(&flags);
            sqlx::query(
                "UPDATE message_folders SET flags = ?, seen = ?, flagged = ?
                 WHERE folder_id = ? AND uid = ?",
            )
            .bind(&flags.text)
            .bind(flags.seen)
            .bind(flags.flagged)
            .bind(location.folder_id)
            .bind(location.uid)
            .execute(&mut *tx)
            .await?;
        } else if kind.leaves_folder() {
            sqlx::query("DELETE FROM message_folders WHERE folder_id = ? AND uid = ?")
                .bind(location.folder_id)
                .bind(location.uid)
                .execute(&mut *tx)
                .await?;
        }
    }
    if let Some(chosen) = user_box {
        // Where the server has it already, there is nothing to remember.
        sqlx::query(
            "UPDATE messages SET user_box = CASE WHEN COALESCE(server_box, 3) = ?1 THEN NULL ELSE ?1 END
             WHERE id = ?2",
        )
        .bind(chosen as i64)
        .bind(message_id)
        .execute(&mut *tx)
        .await?;
    }
    Ok(ids)
}
