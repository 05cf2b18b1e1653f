//! Drafts saved as the user types: kept here first, so that a crash or a
//! killed process loses nothing, then put in the account's Drafts folder,
//! where the new version replaces the previous one (both carry the header
//! `X-Threadline-Draft`, by which the old ones are found and removed).

use super::compose;
use crate::Engine;
use crate::error::Result;
use crate::imap::command;
use crate::model::{Draft, SavedDraft, SendOutcome};
use crate::sync::{self, Connection};

/// The header that names a draft's versions in the Drafts folder.
const DRAFT_HEADER: &str = "X-Threadline-Draft";

impl Engine {
    /// Saves the draft here at once and returns its id; then puts it in
    /// the account's Drafts folder in place of its previous version. A
    /// server that cannot be reached now gets it at the next save.
    pub(crate) async fn save_draft(&self, id: Option<i64>, draft: &Draft) -> Result<i64> {
        let id = self.store.save_draft(id, draft).await?;
        if let Err(e) = self.upload_draft(id, draft).await {
            tracing::info!(draft = id, error = %e, "draft kept here; not in the Drafts folder yet");
        }
        Ok(id)
    }

    /// Sends a saved draft; once it went out, the draft is gone here and
    /// from the Drafts folder.
    pub(crate) async fn send_draft(&self, id: i64) -> Result<SendOutcome> {
        let draft = self.store.draft(id).await?;
        let outcome = self.send_now(&draft).await?;
        self.delete_draft(id).await?;
        Ok(outcome)
    }

    /// Forgets a draft, here and in the Drafts folder.
    pub(crate) async fn delete_draft(&self, id: i64) -> Result<()> {
        let draft = self.store.draft(id).await?;
        self.store.delete_draft(id).await?;
        let Draft { account_id, .. } = draft;
        if let Err(e) = self.remove_server_drafts(account_id, id).await {
            tracing::info!(draft = id, error = %e, "the draft stays in the Drafts folder for now");
        }
        Ok(())
    }

    /// Every draft kept here, the last edited first.
    pub(crate) async fn drafts(&self) -> Result<Vec<SavedDraft>> {
        self.store.drafts().await
    }

    fn draft_key(&self, id: i64) -> String {
        format!("{}-{id}", self.store.id())
    }

    async fn upload_draft(&self, id: i64, draft: &Draft) -> Result<()> {
        let account = self.store.account(draft.account_id).await?;
        let Some(folder) = sync::synced_folder_with_role(&self.store, account.id, "drafts").await? else {
            return Ok(());
        };
        let from = compose::sender(&account.display_name, &account.email)?;
        let mut files = compose::read_files(draft).await?;
        let mut draft = draft.clone();
        files.extend(super::inline_images(&mut draft, &from));
        let composed = compose::compose_unfinished(&from, &draft, files)?;
        let mut raw = format!("{DRAFT_HEADER}: {}\r\n", self.draft_key(id)).into_bytes();
        raw.extend_from_slice(composed.sent_copy.as_deref().unwrap_or(&composed.wire));
        let secret = self.secret(&account).await?;
        let mut conn = Connection::open(&account, &secret).await?;
        conn.session.append(&folder.name, Some("(\\Draft \\Seen)"), None, &raw).await?;
        let result = self.remove_versions(&mut conn, &folder.name, id, true).await;
        conn.close().await;
        result
    }

    async fn remove_server_drafts(&self, account_id: crate::ids::AccountId, id: i64) -> Result<()> {
        let account = self.store.account(account_id).await?;
        let Some(folder) = sync::synced_folder_with_role(&self.store, account.id, "drafts").await? else {
            return Ok(());
        };
        let secret = self.secret(&account).await?;
        let mut conn = Connection::open(&account, &secret).await?;
        let result = self.remove_versions(&mut conn, &folder.name, id, false).await;
        conn.close().await;
        result
    }

    /// Removes the draft's versions from the Drafts folder (all of them,
    /// or all but the newest just saved).
    async fn remove_versions(&self, conn: &mut Connection, folder: &str, id: i64, keep_newest: bool) -> Result<()> {
        conn.session.select(folder).await?;
        let query = format!("HEADER {DRAFT_HEADER} {}", command::quoted(&self.draft_key(id))?);
        let mut found: Vec<u32> = command::uid_search(&mut conn.session, &query).await?.into_iter().collect();
        found.sort_unstable();
        if keep_newest {
            found.pop();
        }
        if found.is_empty() {
            return Ok(());
        }
        let set = found.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        command::run(&mut conn.session, &format!("UID STORE {set} +FLAGS.SILENT (\\Deleted)")).await?;
        crate::actions::expunge(conn, folder, &set).await
    }
}
