//! Gmail's labels are folders on the server but one message here: a message
//! already stored (known by its X-GM-MSGID) that shows up in another label's
//! folder gets a location there without its body being fetched again, and
//! its labels (X-GM-LABELS) are kept as Gmail last said them.

use std::collections::HashMap;

use sqlx::{QueryBuilder, Sqlite};

use super::messages::{KnownPlacement, Location, lower_boxes, write_locations};
use super::{Store, statement_chunks};
use crate::error::Result;
use crate::ids::AccountId;

impl Store {
    /// The stored messages among these Gmail ids (id by X-GM-MSGID).
    pub async fn gmail_messages(&self, account_id: AccountId, msgids: &[u64]) -> Result<HashMap<u64, i64>> {
        let mut found = HashMap::new();
        for chunk in statement_chunks(msgids, 1) {
            let mut q: QueryBuilder<Sqlite> =
                QueryBuilder::new("SELECT gm_msgid, id FROM messages WHERE account_id = ");
            q.push_bind(account_id).push(" AND gm_msgid IN (");
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(i64::try_from(*id).unwrap_or(i64::MAX));
            }
            q.push(")");
            let rows: Vec<(i64, i64)> = q.build_query_as().fetch_all(self.pool()).await?;
            found.extend(rows.into_iter().filter_map(|(gm, id)| Some((u64::try_from(gm).ok()?, id))));
        }
        Ok(found)
    }

    /// Records where known messages are in one more folder, with their
    /// flags and labels; returns how many locations were written. As for a
    /// fetched message, a location can only lower the message's box.
    pub async fn place_known(&self, folder_id: i64, placements: &[KnownPlacement]) -> Result<u32> {
        if placements.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        let folder_box: i64 = sqlx::query_scalar("SELECT box FROM folder_boxes WHERE folder_id = ?")
            .bind(folder_id)
            .fetch_one(&mut *tx)
            .await?;
        let locations: Vec<Location<'_>> = placements
            .iter()
            .map(|p| Location {
                uid: p.uid,
                message_id: p.message_id,
                flags: &p.flags,
                modseq: p.modseq,
                arrived: p.internal_date,
            })
            .collect();
        let written = write_locations(&mut tx, folder_id, &locations).await?;
        let ids: Vec<i64> = placements.iter().map(|p| p.message_id).collect();
        lower_boxes(&mut tx, folder_box, &ids).await?;
        for p in placements {
            sqlx::query("UPDATE messages SET gm_labels = ? WHERE id = ?")
                .bind(serde_json::to_string(&p.labels).unwrap_or_default())
                .bind(p.message_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(written)
    }

    /// Gmail's labels of the messages at these UIDs of a folder, as its
    /// last answer says.
    pub async fn update_labels(&self, folder_id: i64, labels: &[(u32, Vec<String>)]) -> Result<()> {
        if labels.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        for (uid, list) in labels {
            sqlx::query(
                "UPDATE messages SET gm_labels = ?
                 WHERE id = (SELECT message_id FROM message_folders WHERE folder_id = ? AND uid = ?)",
            )
            .bind(serde_json::to_string(list).unwrap_or_default())
            .bind(folder_id)
            .bind(i64::from(*uid))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
