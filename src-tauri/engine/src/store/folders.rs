//! The `folders` table: the account's mailboxes and their sync state.
//!
//! UIDNEXT and HIGHESTMODSEQ are written only when a pass over the folder
//! completed, so an interrupted pass is simply done again (see `sync::plan`).

use sqlx::FromRow;

use super::{Store, now};
use crate::error::Result;
use crate::ids::{AccountId, MessageId};
use crate::model::FolderStatus;
use crate::problem::Problem;

/// A mailbox as the server listed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFolder {
    pub name: String,
    pub display_name: String,
    pub delimiter: Option<String>,
    pub role: Option<&'static str>,
}

/// A folder as stored, with its sync state.
#[derive(Debug, Clone, FromRow)]
pub struct FolderRow {
    pub id: i64,
    pub account_id: AccountId,
    pub name: String,
    pub display_name: String,
    pub role: Option<String>,
    pub uidvalidity: i64,
    pub uidnext: i64,
    pub highestmodseq: i64,
    /// The server's message count at the last completed pass (-1: none).
    pub server_exists: i64,
    /// Chosen for "Sync emails with specific labels".
    pub chosen: bool,
    pub last_sync_at: Option<i64>,
    pub last_error: Option<Problem>,
}

/// How folders are listed (for table `folders` as `f`): inbox first, then
/// by role, then by name.
pub(super) const FOLDER_ORDER: &str = "CASE f.role WHEN 'inbox' THEN 0 WHEN 'sent' THEN 1 WHEN 'archive' THEN 2
    WHEN 'drafts' THEN 3 WHEN 'all' THEN 4 WHEN 'flagged' THEN 5
    WHEN 'junk' THEN 7 WHEN 'trash' THEN 8 ELSE 6 END, f.name";

#[derive(sqlx::FromRow)]
struct FolderStatusRow {
    id: i64,
    display_name: String,
    role: Option<String>,
    chosen: bool,
    local: i64,
    server_exists: i64,
    last_sync_at: Option<i64>,
    last_error: Option<Problem>,
}

impl Store {
    /// Makes the stored folder list match the server's: new folders are
    /// added, roles refreshed, folders gone from the server removed (their
    /// messages are collected later if no other folder holds them).
    pub async fn replace_folders(&self, account_id: AccountId, remote: &[RemoteFolder]) -> Result<Vec<FolderRow>> {
        // Read, then written: one writer at a time (see `begin_write`).
        let mut tx = self.begin_write().await?;
        let before: Vec<(i64, String, Option<String>)> =
            sqlx::query_as("SELECT id, name, role FROM folders WHERE account_id = ?")
                .bind(account_id)
                .fetch_all(&mut *tx)
                .await?;
        // A folder whose role changed (now understood, or picked) moves
        // its messages to the box of its new role.
        let changed: Vec<i64> = before
            .iter()
            .filter(|(_, name, role)| remote.iter().any(|f| &f.name == name && f.role != role.as_deref()))
            .map(|(id, _, _)| *id)
            .collect();
        for f in remote {
            sqlx::query(
                "INSERT INTO folders (account_id, name, display_name, delimiter, role)
                 VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (account_id, name) DO UPDATE SET
                     display_name = excluded.display_name,
                     delimiter = excluded.delimiter,
                     role = excluded.role,
                     on_server = 1",
            )
            .bind(account_id)
            .bind(&f.name)
            .bind(&f.display_name)
            .bind(&f.delimiter)
            .bind(f.role)
            .execute(&mut *tx)
            .await?;
        }
        let stored: Vec<(i64, String)> = sqlx::query_as("SELECT id, name FROM folders WHERE account_id = ?")
            .bind(account_id)
            .fetch_all(&mut *tx)
            .await?;
        for (id, name) in stored {
            if !remote.iter().any(|f| f.name == name) {
                sqlx::query("DELETE FROM folders WHERE id = ?").bind(id).execute(&mut *tx).await?;
            }
        }
        rebox(&mut tx, &changed).await?;
        tx.commit().await?;
        self.folders(account_id).await
    }

    /// The folders the user picked for a role, as (role, folder name).
    pub async fn folder_role_choices(&self, account_id: AccountId) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as("SELECT role, folder_name FROM folder_role_choices WHERE account_id = ?")
            .bind(account_id)
            .fetch_all(self.pool())
            .await?)
    }

    /// Makes the folder the account's `role` (trash, sent, drafts,
    /// archive) from now on, over what the server says; the folder that had
    /// the role loses it. The pick is kept by name for later passes.
    pub async fn choose_folder_role(&self, account_id: AccountId, role: &str, folder_id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let name: Option<String> = sqlx::query_scalar("SELECT name FROM folders WHERE id = ? AND account_id = ?")
            .bind(folder_id)
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?;
        let name = name.ok_or_else(|| crate::Error::NotFound(Problem::FolderNotFound { name: None }))?;
        sqlx::query(
            "INSERT INTO folder_role_choices (account_id, role, folder_name) VALUES (?, ?, ?)
             ON CONFLICT (account_id, role) DO UPDATE SET folder_name = excluded.folder_name",
        )
        .bind(account_id)
        .bind(role)
        .bind(&name)
        .execute(&mut *tx)
        .await?;
        let changed: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM folders WHERE account_id = ? AND (role = ? OR id = ?)")
                .bind(account_id)
                .bind(role)
                .bind(folder_id)
                .fetch_all(&mut *tx)
                .await?;
        sqlx::query("UPDATE folders SET role = NULL WHERE account_id = ? AND role = ?")
            .bind(account_id)
            .bind(role)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE folders SET role = ? WHERE id = ?").bind(role).bind(folder_id).execute(&mut *tx).await?;
        rebox(&mut tx, &changed).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The account's folders: inbox first, then by role, then by name.
    pub async fn folders(&self, account_id: AccountId) -> Result<Vec<FolderRow>> {
        let sql = format!(
            "SELECT id, account_id, name, display_name, role, uidvalidity, uidnext,
                    highestmodseq, server_exists, chosen, last_sync_at, last_error
             FROM folders f WHERE account_id = ? ORDER BY {FOLDER_ORDER}"
        );
        Ok(sqlx::query_as(&sql).bind(account_id).fetch_all(self.pool()).await?)
    }

    /// Every folder of the account with its local message count, for the
    /// troubleshooting view (same order as `folders`).
    pub async fn folder_statuses(&self, account_id: AccountId) -> Result<Vec<FolderStatus>> {
        let sql = format!(
            "SELECT f.id, f.display_name, f.role, f.chosen,
                    (SELECT COUNT(*) FROM message_folders mf WHERE mf.folder_id = f.id) AS local,
                    f.server_exists, f.last_sync_at, f.last_error
             FROM folders f WHERE f.account_id = ? ORDER BY {FOLDER_ORDER}"
        );
        let rows: Vec<FolderStatusRow> = sqlx::query_as(&sql).bind(account_id).fetch_all(self.pool()).await?;
        Ok(rows
            .into_iter()
            .map(|r| FolderStatus {
                id: r.id,
                name: r.display_name,
                role: r.role,
                chosen: r.chosen,
                local_messages: u32::try_from(r.local).unwrap_or(0),
                server_messages: u32::try_from(r.server_exists).ok(),
                last_sync_at: r.last_sync_at,
                last_error: r.last_error,
            })
            .collect())
    }

    /// UIDs known locally in a folder from `from` up, ascending: a pass
    /// looking for new mail reads only those, not the whole folder.
    pub async fn folder_uids(&self, folder_id: i64, from: u32) -> Result<Vec<u32>> {
        let uids: Vec<i64> =
            sqlx::query_scalar("SELECT uid FROM message_folders WHERE folder_id = ? AND uid >= ? ORDER BY uid")
                .bind(folder_id)
                .bind(i64::from(from))
                .fetch_all(self.pool())
                .await?;
        Ok(uids.into_iter().map(|u| u32::try_from(u).unwrap_or(0)).collect())
    }

    /// Of these UIDs of a folder, the messages still unread and shown
    /// (not hidden as blocked or held), newest first.
    pub async fn unread_shown_at(&self, folder_id: i64, uids: &[u32]) -> Result<Vec<MessageId>> {
        Ok(sqlx::query_scalar(
            "SELECT f.message_id FROM message_folders f JOIN messages m ON m.id = f.message_id
              WHERE f.folder_id = ? AND f.uid IN (SELECT value FROM json_each(?)) AND f.seen = 0 AND m.hidden = 0
              ORDER BY f.uid DESC",
        )
        .bind(folder_id)
        .bind(serde_json::to_string(uids).unwrap_or_default())
        .fetch_all(self.pool())
        .await?)
    }

    /// How many UIDs are known locally in a folder.
    pub async fn folder_count(&self, folder_id: i64) -> Result<u32> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM message_folders WHERE folder_id = ?")
            .bind(folder_id)
            .fetch_one(self.pool())
            .await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Forgets where messages sat in a folder whose UIDVALIDITY changed.
    /// The messages themselves stay, so that the resync finds them again by
    /// content and their links and state survive.
    pub async fn reset_folder(&self, folder_id: i64, uidvalidity: u32) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM message_folders WHERE folder_id = ?").bind(folder_id).execute(&mut *tx).await?;
        sqlx::query(
            "UPDATE folders SET uidvalidity = ?, uidnext = 0, highestmodseq = 0, server_exists = -1
             WHERE id = ?",
        )
        .bind(i64::from(uidvalidity))
        .bind(folder_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a completed pass over a folder; `server_exists` is the
    /// server's count when the folder here is known to match it.
    pub async fn folder_synced(
        &self,
        folder_id: i64,
        uidvalidity: u32,
        uidnext: u32,
        highestmodseq: u64,
        server_exists: Option<u32>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE folders SET uidvalidity = ?, uidnext = ?, highestmodseq = ?, server_exists = ?,
                 last_sync_at = ?, last_error = NULL WHERE id = ?",
        )
        .bind(i64::from(uidvalidity))
        .bind(i64::from(uidnext))
        .bind(i64::try_from(highestmodseq).unwrap_or(i64::MAX))
        .bind(server_exists.map_or(-1, i64::from))
        .bind(now())
        .bind(folder_id)
        .execute(&mut *self.write_conn().await?)
        .await?;
        Ok(())
    }

    /// Syncs every folder (`chosen` None) or only these (by id), and
    /// forgets here what the folders left out held: their locations go,
    /// and with them (at the sweep) the messages no synced folder holds.
    /// A folder left out starts afresh if it is chosen again.
    pub async fn choose_folders(&self, account_id: AccountId, chosen: Option<&[i64]>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE accounts SET sync_all_folders = ? WHERE id = ?")
            .bind(chosen.is_none())
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE folders SET chosen = 0 WHERE account_id = ?").bind(account_id).execute(&mut *tx).await?;
        if let Some(ids) = chosen {
            for id in ids {
                sqlx::query("UPDATE folders SET chosen = 1 WHERE id = ? AND account_id = ?")
                    .bind(id)
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let left_out = "SELECT id FROM folders WHERE account_id = ? AND chosen = 0";
            sqlx::query(&format!("DELETE FROM message_folders WHERE folder_id IN ({left_out})"))
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE folders SET uidvalidity = 0, uidnext = 0, highestmodseq = 0, server_exists = -1,
                     last_sync_at = NULL, last_error = NULL
                 WHERE account_id = ? AND chosen = 0",
            )
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records a pass that found the folder unchanged.
    pub async fn folder_checked(&self, folder_id: i64) -> Result<()> {
        sqlx::query("UPDATE folders SET last_sync_at = ?, last_error = NULL WHERE id = ?")
            .bind(now())
            .bind(folder_id)
            .execute(&mut *self.write_conn().await?)
            .await?;
        Ok(())
    }

    /// Records why a folder could not be synced.
    pub async fn folder_failed(&self, folder_id: i64, error: &Problem) -> Result<()> {
        sqlx::query("UPDATE folders SET last_error = ? WHERE id = ?")
            .bind(error)
            .bind(folder_id)
            .execute(&mut *self.write_conn().await?)
            .await?;
        Ok(())
    }
}

/// Puts the messages of these folders (whose role changed) in the box
/// their folders now give them (see migration 0016's `folder_boxes`).
async fn rebox(tx: &mut sqlx::SqliteConnection, folder_ids: &[i64]) -> Result<()> {
    for folder_id in folder_ids {
        sqlx::query(
            "UPDATE messages SET server_box = (
                 SELECT MIN(b.box) FROM message_folders mf JOIN folder_boxes b ON b.folder_id = mf.folder_id
                  WHERE mf.message_id = messages.id)
              WHERE id IN (SELECT message_id FROM message_folders WHERE folder_id = ?)",
        )
        .bind(folder_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE messages SET user_box = NULL
              WHERE id IN (SELECT message_id FROM message_folders WHERE folder_id = ?) AND user_box = server_box",
        )
        .bind(folder_id)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
