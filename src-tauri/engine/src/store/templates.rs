//! Templates (migration 0029).

use super::{Store, now};
use crate::error::{Error, Result};
use crate::model::{Template, TemplateInput};
use crate::problem::Problem;

impl Store {
    /// Every template, by name.
    pub async fn templates(&self) -> Result<Vec<Template>> {
        Ok(sqlx::query_as("SELECT id, name, subject, html, updated_at FROM templates ORDER BY name COLLATE NOCASE, id")
            .fetch_all(self.pool())
            .await?)
    }

    /// One template.
    pub async fn template(&self, id: i64) -> Result<Template> {
        sqlx::query_as("SELECT id, name, subject, html, updated_at FROM templates WHERE id = ?")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(Error::NotFound(Problem::TemplateNotFound { id }))
    }

    /// Creates a template (without `id`) or replaces one; returns it.
    pub async fn save_template(&self, id: Option<i64>, input: &TemplateInput) -> Result<Template> {
        let mut conn = self.write_conn().await?;
        let saved = match id {
            Some(id) => sqlx::query_as(
                "UPDATE templates SET name = ?, subject = ?, html = ?, updated_at = ? WHERE id = ?
                 RETURNING id, name, subject, html, updated_at",
            )
            .bind(input.name.trim())
            .bind(input.subject.trim())
            .bind(&input.html)
            .bind(now())
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(Error::NotFound(Problem::TemplateNotFound { id }))?,
            None => {
                sqlx::query_as(
                    "INSERT INTO templates (name, subject, html, updated_at) VALUES (?, ?, ?, ?)
                 RETURNING id, name, subject, html, updated_at",
                )
                .bind(input.name.trim())
                .bind(input.subject.trim())
                .bind(&input.html)
                .bind(now())
                .fetch_one(&mut *conn)
                .await?
            }
        };
        Ok(saved)
    }

    /// Deletes a template.
    pub async fn delete_template(&self, id: i64) -> Result<()> {
        let done =
            sqlx::query("DELETE FROM templates WHERE id = ?").bind(id).execute(&mut *self.write_conn().await?).await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(Problem::TemplateNotFound { id }));
        }
        Ok(())
    }

    /// The person an address belongs to (normalized address).
    pub async fn person_id_by_address(&self, address: &str) -> Result<Option<crate::ids::RecordId>> {
        Ok(sqlx::query_scalar("SELECT person_id FROM person_addresses WHERE address = ?")
            .bind(crate::address::normalize(address))
            .fetch_optional(self.pool())
            .await?)
    }

    /// The person's deals (open ones only), leads or projects, newest
    /// first: a smart field's record when the composer chose none.
    pub async fn records_of_person(
        &self,
        kind: crate::crm::RecordKind,
        person: crate::ids::RecordId,
    ) -> Result<Vec<crate::ids::RecordId>> {
        use crate::crm::RecordKind;
        let sql = match kind {
            RecordKind::Deal => "SELECT id FROM deals WHERE person_id = ? AND status = 'open' ORDER BY id DESC",
            RecordKind::Lead => "SELECT id FROM leads WHERE person_id = ? ORDER BY id DESC",
            RecordKind::Project => "SELECT id FROM projects WHERE person_id = ? ORDER BY id DESC",
            RecordKind::Person | RecordKind::Org => return Ok(Vec::new()),
        };
        Ok(sqlx::query_scalar(sql).bind(person).fetch_all(self.pool()).await?)
    }
}
