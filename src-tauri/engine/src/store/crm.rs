//! The CRM tables: persons and their addresses, organizations and their
//! domains, deals, leads and projects, the links of emails to them, and
//! the preferences of linking. Every change that can link or unlink mail
//! runs the linking rules in its own transaction (see `crm::linking`).

use sqlx::{FromRow, SqliteConnection};

use super::queries::BOX;
use super::{Store, now};
use crate::address;
use crate::crm::import::{ImportReport, ImportedRow, OrgRow, PersonDraft, SkipReason, SkippedRow};
use crate::crm::linking::{self, table_of};
use crate::crm::{
    DealStatus, LinkMode, MessageLinks, Money, OrgInput, Organization, Person, PersonInput, PersonPrefill, Record,
    RecordInput, RecordKind,
};
use crate::error::{Error, Result};
use crate::ids::{MessageId, RecordId};
use crate::model::ThreadSummary;
use crate::problem::Problem;

#[derive(FromRow)]
struct PersonRow {
    id: RecordId,
    name: String,
    phone: String,
    org_id: Option<RecordId>,
    org_name: Option<String>,
    emails: String,
}

impl From<PersonRow> for Person {
    fn from(r: PersonRow) -> Person {
        Person {
            id: r.id,
            name: r.name,
            emails: serde_json::from_str(&r.emails).unwrap_or_default(),
            phone: r.phone,
            org_id: r.org_id,
            org_name: r.org_name,
        }
    }
}

const PERSON_COLUMNS: &str = "p.id, p.name, p.phone, p.org_id, o.name AS org_name,
    (SELECT COALESCE(json_group_array(address), '[]') FROM
        (SELECT address FROM person_addresses WHERE person_id = p.id ORDER BY position, address)) AS emails
    FROM persons p LEFT JOIN organizations o ON o.id = p.org_id";

#[derive(FromRow)]
struct RecordRow {
    id: RecordId,
    title: String,
    value_minor: Option<i64>,
    currency: String,
    status: Option<DealStatus>,
    person_id: Option<RecordId>,
    person_name: Option<String>,
    org_id: Option<RecordId>,
    org_name: Option<String>,
    expected_close: Option<String>,
    deal_ids: String,
}

impl RecordRow {
    fn into_record(self, kind: RecordKind) -> Record {
        Record {
            kind,
            id: self.id,
            title: self.title,
            value: self.value_minor.map(|minor| Money { minor, currency: self.currency }),
            status: self.status,
            person_id: self.person_id,
            person_name: self.person_name,
            org_id: self.org_id,
            org_name: self.org_name,
            expected_close: self.expected_close,
            deal_ids: serde_json::from_str(&self.deal_ids).unwrap_or_default(),
        }
    }
}

/// Columns of a deal, lead or project; those a kind lacks come back empty.
fn record_columns(kind: RecordKind) -> String {
    let table = table_of(kind);
    let (value, currency) = match kind {
        RecordKind::Project => ("NULL", "''"),
        _ => ("r.value_minor", "r.currency"),
    };
    let status = if kind == RecordKind::Deal { "r.status" } else { "NULL" };
    let close = if kind == RecordKind::Deal { "r.expected_close" } else { "NULL" };
    let deals = if kind == RecordKind::Project {
        "(SELECT COALESCE(json_group_array(deal_id), '[]') FROM project_deals WHERE project_id = r.id)"
    } else {
        "'[]'"
    };
    format!(
        "r.id, r.title, {value} AS value_minor, {currency} AS currency, {status} AS status,
         r.person_id, p.name AS person_name, r.org_id, o.name AS org_name,
         {close} AS expected_close, {deals} AS deal_ids
         FROM {table} r LEFT JOIN persons p ON p.id = r.person_id
                        LEFT JOIN organizations o ON o.id = r.org_id"
    )
}

fn check_name(kind: RecordKind, name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::Invalid(Problem::NameMissing { kind }));
    }
    Ok(name.to_owned())
}

fn check_date(date: Option<&str>) -> Result<Option<String>> {
    let Some(date) = date.map(str::trim).filter(|d| !d.is_empty()) else {
        return Ok(None);
    };
    let parts: Vec<&str> = date.split('-').collect();
    let ok = parts.len() == 3
        && parts.iter().zip([4, 2, 2]).all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_digit()));
    if !ok {
        return Err(Error::Invalid(Problem::NotADate { text: date.to_owned() }));
    }
    Ok(Some(date.to_owned()))
}

/// Rows imported between two words on an import's progress.
const IMPORT_STEP: usize = 200;

impl Store {
    /// The "Link emails to deals" preference.
    pub async fn link_mode(&self) -> Result<LinkMode> {
        let mut conn = self.pool().acquire().await?;
        linking::mode(&mut conn).await
    }

    /// Changes the "Link emails to deals" preference. It applies to emails
    /// stored from now on; existing links stay as they are.
    pub async fn set_link_mode(&self, mode: LinkMode) -> Result<()> {
        sqlx::query("INSERT INTO settings (key, value) VALUES ('link_deals', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(mode)
            .execute(&mut *self.write_conn().await?)
            .await?;
        Ok(())
    }

    // ---- persons ----

    /// Creates a person and links their past emails at once.
    pub async fn add_person(&self, input: &PersonInput) -> Result<RecordId> {
        let name = check_name(RecordKind::Person, &input.name)?;
        let mut tx = self.begin_write().await?;
        let id: RecordId = sqlx::query_scalar(
            "INSERT INTO persons (name, phone, org_id, created_at) VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(&name)
        .bind(input.phone.trim())
        .bind(input.org_id)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        for email in &input.emails {
            add_address(&mut tx, id, email).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Changes a person's name, phone and organization (addresses have
    /// their own calls, as they link and unlink mail).
    pub async fn update_person(&self, id: RecordId, input: &PersonInput) -> Result<()> {
        let name = check_name(RecordKind::Person, &input.name)?;
        let done = sqlx::query("UPDATE persons SET name = ?, phone = ?, org_id = ? WHERE id = ?")
            .bind(&name)
            .bind(input.phone.trim())
            .bind(input.org_id)
            .bind(id)
            .execute(&mut *self.write_conn().await?)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(Problem::RecordNotFound { kind: RecordKind::Person, id }));
        }
        Ok(())
    }

    /// Adds an address to a person and links the emails that carry it.
    pub async fn add_person_address(&self, person_id: RecordId, email: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        add_address(&mut tx, person_id, email).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes an address from a person, with the automatic links it made.
    pub async fn remove_person_address(&self, person_id: RecordId, email: &str) -> Result<()> {
        let address = address::normalize(email);
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM person_addresses WHERE address = ? AND person_id = ?")
            .bind(&address)
            .bind(person_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(Problem::AddressNotOfPerson {
                address: address.to_owned(),
                person: person_id,
            }));
        }
        linking::forget_address(&mut tx, &address, now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One person.
    pub async fn person(&self, id: RecordId) -> Result<Person> {
        let row: Option<PersonRow> = sqlx::query_as(&format!("SELECT {PERSON_COLUMNS} WHERE p.id = ?"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.map(Person::from).ok_or_else(|| Error::NotFound(Problem::RecordNotFound { kind: RecordKind::Person, id }))
    }

    /// Persons whose name or an address contains `search` (all when
    /// empty), by name.
    pub async fn persons(&self, search: &str) -> Result<Vec<Person>> {
        let pattern = format!("%{}%", search.trim());
        let rows: Vec<PersonRow> = sqlx::query_as(&format!(
            "SELECT {PERSON_COLUMNS}
              WHERE ?1 = '%%' OR p.name LIKE ?1
                 OR EXISTS (SELECT 1 FROM person_addresses pa WHERE pa.person_id = p.id AND pa.address LIKE ?1)
              ORDER BY p.name COLLATE NOCASE, p.id"
        ))
        .bind(pattern)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(Person::from).collect())
    }

    /// Imports persons read from a file, in one transaction: a person
    /// whose address is already someone's is merged into them (new
    /// addresses, and phone and organization where missing), never
    /// doubled; rows without a usable address are skipped with the reason.
    /// Their past mail is linked at the end, in the same transaction.
    /// `going_on` hears how many rows are done of all, every
    /// `IMPORT_STEP` rows; when it answers false the import stops and
    /// nothing of it is kept (`ImportCancelled`).
    pub async fn import_persons(
        &self,
        drafts: &[PersonDraft],
        going_on: &(dyn Fn(u32, u32) -> bool + Sync),
    ) -> Result<ImportReport> {
        let mut tx = self.begin_write().await?;
        let mut report = ImportReport::default();
        let mut added: Vec<String> = Vec::new();
        let total = u32::try_from(drafts.len()).unwrap_or(u32::MAX);
        for (done, draft) in drafts.iter().enumerate() {
            if done % IMPORT_STEP == 0 && !going_on(u32::try_from(done).unwrap_or(u32::MAX), total) {
                return Err(Error::Invalid(Problem::ImportCancelled));
            }
            let mut emails: Vec<String> = Vec::new();
            let mut invalid: Vec<&str> = Vec::new();
            for raw in &draft.emails {
                let address = address::normalize(raw);
                if !address.contains('@') || address.starts_with('@') || address.ends_with('@') {
                    invalid.push(raw.trim());
                } else if !emails.contains(&address) {
                    emails.push(address);
                }
            }
            if emails.is_empty() && invalid.is_empty() && draft.name.trim().is_empty() && !draft.org.trim().is_empty() {
                // A row of an organization, not of a person (a person with
                // no address is skipped below, their company with them).
                import_org(&mut tx, draft, &[], &mut report).await?;
                report.orgs.push(OrgRow { source: draft.source, name: draft.org.trim().to_owned() });
                continue;
            }
            if emails.is_empty() {
                let reason = if !invalid.is_empty() {
                    SkipReason::NotAnAddress { texts: invalid.iter().map(|t| t.to_string()).collect() }
                } else if draft.name.trim().is_empty() {
                    SkipReason::Unreadable
                } else {
                    SkipReason::NoAddress { name: draft.name.trim().to_owned() }
                };
                report.skipped.push(SkippedRow { source: draft.source, reason });
                continue;
            }
            // Who has each address now; the first owner found takes the row.
            let mut owned: Vec<Option<(RecordId, String)>> = Vec::with_capacity(emails.len());
            for email in &emails {
                owned.push(owner_of(&mut tx, email).await?);
            }
            let (person, name, merged) = match owned.iter().flatten().next() {
                Some((id, name)) => (*id, name.clone(), true),
                None => {
                    let name = match draft.name.trim() {
                        "" => emails.first().cloned().unwrap_or_default(),
                        name => name.to_owned(),
                    };
                    let org = import_org(&mut tx, draft, &emails, &mut report).await?;
                    let id: RecordId = sqlx::query_scalar(
                        "INSERT INTO persons (name, phone, org_id, created_at) VALUES (?, ?, ?, ?) RETURNING id",
                    )
                    .bind(&name)
                    .bind(draft.phone.trim())
                    .bind(org)
                    .bind(now())
                    .fetch_one(&mut *tx)
                    .await?;
                    (id, name, false)
                }
            };
            if merged {
                // An organization only where the person has none: a row
                // naming another one must not leave a stray one behind.
                let has_org: Option<i64> = sqlx::query_scalar("SELECT org_id FROM persons WHERE id = ?")
                    .bind(person)
                    .fetch_one(&mut *tx)
                    .await?;
                let org = match has_org {
                    Some(_) => None,
                    None => import_org(&mut tx, draft, &emails, &mut report).await?,
                };
                sqlx::query(
                    "UPDATE persons SET phone = CASE WHEN phone = '' THEN ? ELSE phone END,
                                        org_id = COALESCE(org_id, ?) WHERE id = ?",
                )
                .bind(draft.phone.trim())
                .bind(org)
                .bind(person)
                .execute(&mut *tx)
                .await?;
            }
            for (email, owner) in emails.iter().zip(owned) {
                match owner {
                    None => {
                        put_address(&mut tx, person, email).await?;
                        added.push(email.clone());
                    }
                    Some((owner, _)) if owner == person => {}
                    Some((owner, owner_name)) => report.skipped.push(SkippedRow {
                        source: draft.source,
                        reason: SkipReason::AddressTaken {
                            address: email.clone(),
                            owner,
                            owner_name,
                            merged_into: name.clone(),
                        },
                    }),
                }
            }
            let row = ImportedRow { source: draft.source, person_id: person, name };
            if merged { report.merged.push(row) } else { report.imported.push(row) }
        }
        let messages = linking::messages_with_addresses(&mut tx, &added).await?;
        linking::link_messages(&mut tx, &messages, now()).await?;
        if !going_on(total, total) {
            return Err(Error::Invalid(Problem::ImportCancelled));
        }
        tx.commit().await?;
        Ok(report)
    }

    /// A person about to be made from an email's sender (see
    /// [`PersonPrefill`]).
    pub async fn person_prefill(&self, name: &str, email: &str) -> Result<PersonPrefill> {
        let email = address::normalize(email);
        let domain = address::domain_of(&email).to_owned();
        if domain.is_empty() || address::is_free_mail(&domain) {
            return Ok(PersonPrefill {
                name: name.trim().to_owned(),
                email,
                org_id: None,
                org_name: String::new(),
                domain: String::new(),
            });
        }
        let (org_id, org_name) = match self.org_by_domain(&domain).await? {
            Some(org) => (Some(org.id), org.name),
            None => (None, crate::crm::org_name_from_domain(&domain)),
        };
        Ok(PersonPrefill { name: name.trim().to_owned(), email, org_id, org_name, domain })
    }

    // ---- organizations ----

    /// Creates an organization.
    pub async fn add_org(&self, input: &OrgInput) -> Result<RecordId> {
        let name = check_name(RecordKind::Org, &input.name)?;
        let mut tx = self.begin_write().await?;
        let id: RecordId =
            sqlx::query_scalar("INSERT INTO organizations (name, created_at) VALUES (?, ?) RETURNING id")
                .bind(&name)
                .bind(now())
                .fetch_one(&mut *tx)
                .await?;
        set_domains(&mut tx, id, &input.domains).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Changes an organization's name and domains.
    pub async fn update_org(&self, id: RecordId, input: &OrgInput) -> Result<()> {
        let name = check_name(RecordKind::Org, &input.name)?;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE organizations SET name = ? WHERE id = ?")
            .bind(&name)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(Problem::RecordNotFound { kind: RecordKind::Org, id }));
        }
        set_domains(&mut tx, id, &input.domains).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One organization.
    pub async fn org(&self, id: RecordId) -> Result<Organization> {
        self.orgs_where("o.id = ?", &id.to_string())
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| Error::NotFound(Problem::RecordNotFound { kind: RecordKind::Org, id }))
    }

    /// Organizations whose name or a domain contains `search`, by name.
    pub async fn orgs(&self, search: &str) -> Result<Vec<Organization>> {
        let pattern = format!("%{}%", search.trim());
        self.orgs_where(
            "(?1 = '%%' OR o.name LIKE ?1 OR EXISTS (SELECT 1 FROM organization_domains d
                WHERE d.org_id = o.id AND d.domain LIKE ?1))",
            &pattern,
        )
        .await
    }

    /// The organization that owns a (normalized) domain, if one does.
    pub async fn org_by_domain(&self, domain: &str) -> Result<Option<Organization>> {
        let domain = address::normalize_domain(domain);
        Ok(self
            .orgs_where(
                "EXISTS (SELECT 1 FROM organization_domains d WHERE d.org_id = o.id AND d.domain = ?1)",
                &domain,
            )
            .await?
            .into_iter()
            .next())
    }

    async fn orgs_where(&self, condition: &str, value: &str) -> Result<Vec<Organization>> {
        let rows: Vec<(RecordId, String, String)> = sqlx::query_as(&format!(
            "SELECT o.id, o.name,
                    (SELECT COALESCE(json_group_array(domain), '[]') FROM
                        (SELECT domain FROM organization_domains WHERE org_id = o.id ORDER BY domain))
               FROM organizations o WHERE {condition}
              ORDER BY o.name COLLATE NOCASE, o.id"
        ))
        .bind(value)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, domains)| Organization {
                id,
                name,
                domains: serde_json::from_str(&domains).unwrap_or_default(),
            })
            .collect())
    }

    // ---- deals, leads, projects ----

    /// Creates a deal, lead or project.
    pub async fn add_record(&self, kind: RecordKind, input: &RecordInput) -> Result<RecordId> {
        let table = record_table(kind)?;
        let mut tx = self.begin_write().await?;
        let id: RecordId =
            sqlx::query_scalar(&format!("INSERT INTO {table} (title, created_at) VALUES ('', ?) RETURNING id"))
                .bind(now())
                .fetch_one(&mut *tx)
                .await?;
        write_record(&mut tx, kind, id, input).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Changes a deal, lead or project (all its fields at once).
    pub async fn update_record(&self, kind: RecordKind, id: RecordId, input: &RecordInput) -> Result<()> {
        record_table(kind)?;
        let mut tx = self.begin_write().await?;
        if !write_record(&mut tx, kind, id, input).await? {
            return Err(Error::NotFound(Problem::RecordNotFound { kind, id }));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Marks a deal open, won or lost. Won and lost deals keep their
    /// links but get no new automatic ones.
    pub async fn set_deal_status(&self, id: RecordId, status: DealStatus) -> Result<()> {
        let done = sqlx::query("UPDATE deals SET status = ? WHERE id = ?")
            .bind(status)
            .bind(id)
            .execute(&mut *self.write_conn().await?)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(Problem::RecordNotFound { kind: RecordKind::Deal, id }));
        }
        Ok(())
    }

    /// One deal, lead or project.
    pub async fn record(&self, kind: RecordKind, id: RecordId) -> Result<Record> {
        let row: Option<RecordRow> = sqlx::query_as(&format!("SELECT {} WHERE r.id = ?", record_columns(kind)))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| r.into_record(kind)).ok_or_else(|| Error::NotFound(Problem::RecordNotFound { kind, id }))
    }

    /// Deals, leads or projects whose title (or person, or organization)
    /// contains `search`, newest first.
    pub async fn records(&self, kind: RecordKind, search: &str) -> Result<Vec<Record>> {
        let pattern = format!("%{}%", search.trim());
        let rows: Vec<RecordRow> = sqlx::query_as(&format!(
            "SELECT {} WHERE ?1 = '%%' OR r.title LIKE ?1 OR p.name LIKE ?1 OR o.name LIKE ?1
              ORDER BY r.id DESC",
            record_columns(kind)
        ))
        .bind(pattern)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|r| r.into_record(kind)).collect())
    }

    /// Deletes any CRM record; its emails stay, unlinked from it.
    pub async fn delete_record(&self, kind: RecordKind, id: RecordId) -> Result<()> {
        let done = sqlx::query(&format!("DELETE FROM {} WHERE id = ?", table_of(kind)))
            .bind(id)
            .execute(&mut *self.write_conn().await?)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(Problem::RecordNotFound { kind, id }));
        }
        Ok(())
    }

    // ---- links ----

    /// The stored emails with this Message-ID header (one per account
    /// that holds it).
    pub async fn messages_by_header_id(&self, message_id: &str) -> Result<Vec<MessageId>> {
        let id = message_id.trim().trim_start_matches('<').trim_end_matches('>').trim();
        let ids = sqlx::query_scalar(
            // CROSS JOIN keeps this order; sorting by id would otherwise
            // make SQLite walk every message.
            "SELECT m.id FROM accounts a
              CROSS JOIN thread_refs r ON r.account_id = a.id AND r.msgid = ?1
              CROSS JOIN messages m ON m.thread_id = r.thread_id AND m.message_id = ?1
              ORDER BY m.id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        Ok(ids)
    }

    /// What an email is linked to, and the choices it waits for.
    pub async fn message_links(&self, message_id: MessageId) -> Result<MessageLinks> {
        let mut conn = self.pool().acquire().await?;
        linking::links_of(&mut conn, message_id).await
    }

    /// The user links a record to emails.
    pub async fn link(&self, message_ids: &[MessageId], kind: RecordKind, target: RecordId) -> Result<()> {
        let mut tx = self.begin_write().await?;
        linking::link_by_user(&mut tx, message_ids, kind, target, now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user unlinks a record from emails, for good.
    pub async fn unlink(&self, message_ids: &[MessageId], kind: RecordKind, target: RecordId) -> Result<()> {
        let mut tx = self.begin_write().await?;
        linking::unlink_by_user(&mut tx, message_ids, kind, target, now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user picks the deal (lead, project) for an email's conversation.
    pub async fn choose(&self, message_id: MessageId, kind: RecordKind, target: RecordId) -> Result<()> {
        let mut tx = self.begin_write().await?;
        linking::choose(&mut tx, message_id, kind, target, now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Runs the linking rules over every stored email. `from_scratch`
    /// first drops every automatic link (the user's links, unlinks and
    /// conversation choices stay): what a changed rule or preference
    /// needs, and what the linking benchmark times. Returns how many
    /// emails were looked at and how many links exist after.
    pub async fn relink_all(&self, from_scratch: bool) -> Result<(u64, u64)> {
        let ids: Vec<MessageId> =
            sqlx::query_scalar("SELECT id FROM messages ORDER BY id").fetch_all(self.pool()).await?;
        let mut tx = self.begin_write().await?;
        if from_scratch {
            sqlx::query("DELETE FROM message_links WHERE rule IN ('address', 'only_one') AND linked = 1")
                .execute(&mut *tx)
                .await?;
        }
        linking::link_messages(&mut tx, &ids, now()).await?;
        let links: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM message_links WHERE linked = 1").fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok((ids.len() as u64, u64::try_from(links).unwrap_or(0)))
    }

    /// The conversations linked to a record, newest first. An
    /// organization's include those of its persons. Deleted mail is left
    /// out, as everywhere.
    pub async fn record_threads(&self, kind: RecordKind, id: RecordId) -> Result<Vec<ThreadSummary>> {
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT DISTINCT m.thread_id FROM message_links l JOIN messages m ON m.id = l.message_id
              WHERE l.linked = 1 AND {BOX} < 2
                AND ((l.kind = ?1 AND l.target_id = ?2)
                     OR (?1 = 'org' AND l.kind = 'person'
                         AND l.target_id IN (SELECT id FROM persons WHERE org_id = ?2)))"
        ))
        .bind(kind)
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        self.thread_summaries(&ids).await
    }
}

/// Addresses stored before international domains were kept in their ASCII
/// form (migration 0012) are brought to it once, so that a person's
/// address finds them. Only addresses with non-ASCII characters can
/// change; the marker in `meta` keeps later starts from looking again.
pub(super) async fn renormalize_addresses(pool: &sqlx::SqlitePool) -> Result<()> {
    let done: Option<String> =
        sqlx::query_scalar("SELECT value FROM meta WHERE key = 'addresses_idna'").fetch_optional(pool).await?;
    if done.is_some() {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    let rows: Vec<(i64, String, i64, String)> = sqlx::query_as(
        "SELECT message_id, role, position, address FROM message_addresses WHERE address GLOB '*[^ -~]*'",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (message_id, role, position, stored) in rows {
        let normalized = address::normalize(&stored);
        if normalized != stored {
            sqlx::query("UPDATE message_addresses SET address = ? WHERE message_id = ? AND role = ? AND position = ?")
                .bind(normalized)
                .bind(message_id)
                .bind(role)
                .bind(position)
                .execute(&mut *tx)
                .await?;
        }
    }
    sqlx::query("INSERT INTO meta (key, value) VALUES ('addresses_idna', '1') ON CONFLICT (key) DO NOTHING")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds one address to a person in `tx` and links the mail that has it.
/// An address already someone else's is refused, naming who has it.
async fn add_address(tx: &mut SqliteConnection, person_id: RecordId, email: &str) -> Result<()> {
    let address = insert_address(tx, person_id, email).await?;
    let messages = linking::messages_with_addresses(tx, &[address]).await?;
    linking::link_messages(tx, &messages, now()).await
}

/// Adds one address to a person, without linking; returns it normalized.
async fn insert_address(tx: &mut SqliteConnection, person_id: RecordId, email: &str) -> Result<String> {
    let address = address::normalize(email);
    if !address.contains('@') {
        return Err(Error::Invalid(Problem::NotAnEmailAddress { text: email.trim().to_owned(), field: None }));
    }
    match owner_of(tx, &address).await? {
        Some((owner, _)) if owner == person_id => return Ok(address),
        Some((owner, name)) => {
            return Err(Error::Invalid(Problem::AddressTaken { address, owner, owner_name: name }));
        }
        None => {}
    }
    put_address(tx, person_id, &address).await?;
    Ok(address)
}

/// Stores a normalized address nobody has yet as the person's last one.
async fn put_address(tx: &mut SqliteConnection, person_id: RecordId, address: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO person_addresses (address, person_id, position)
         VALUES (?, ?, (SELECT COUNT(*) FROM person_addresses WHERE person_id = ?))",
    )
    .bind(address)
    .bind(person_id)
    .bind(person_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn owner_of(tx: &mut SqliteConnection, address: &str) -> Result<Option<(RecordId, String)>> {
    Ok(sqlx::query_as(
        "SELECT p.id, p.name FROM person_addresses pa JOIN persons p ON p.id = pa.person_id WHERE pa.address = ?",
    )
    .bind(address)
    .fetch_optional(&mut *tx)
    .await?)
}

/// The organization an imported person belongs to: the one named (made
/// if new, matched without regard to case), else the one owning the
/// domain of one of their (non free-mail) addresses.
async fn import_org(
    tx: &mut SqliteConnection,
    draft: &PersonDraft,
    emails: &[String],
    report: &mut ImportReport,
) -> Result<Option<i64>> {
    let name = draft.org.trim();
    if !name.is_empty() {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM organizations WHERE name = ? COLLATE NOCASE ORDER BY id LIMIT 1")
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?;
        let id = match found {
            Some(id) => id,
            None => {
                report.orgs_created += 1;
                sqlx::query_scalar("INSERT INTO organizations (name, created_at) VALUES (?, ?) RETURNING id")
                    .bind(name)
                    .bind(now())
                    .fetch_one(&mut *tx)
                    .await?
            }
        };
        for domain in &draft.domains {
            let domain = address::normalize_domain(domain);
            if !domain.is_empty() {
                sqlx::query("INSERT OR IGNORE INTO organization_domains (domain, org_id) VALUES (?, ?)")
                    .bind(domain)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        return Ok(Some(id));
    }
    for email in emails {
        let domain = address::domain_of(email);
        if address::is_free_mail(domain) {
            continue;
        }
        let found: Option<i64> = sqlx::query_scalar("SELECT org_id FROM organization_domains WHERE domain = ? LIMIT 1")
            .bind(domain)
            .fetch_optional(&mut *tx)
            .await?;
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// The table of a deal, lead or project; persons and organizations have
/// their own calls.
fn record_table(kind: RecordKind) -> Result<&'static str> {
    match kind {
        RecordKind::Deal | RecordKind::Lead | RecordKind::Project => Ok(table_of(kind)),
        RecordKind::Person | RecordKind::Org => Err(Error::Invalid(Problem::NotARecordForm { kind })),
    }
}

/// Writes every field of a deal, lead or project row (those its kind has).
/// False when there is no such row.
async fn write_record(tx: &mut SqliteConnection, kind: RecordKind, id: RecordId, input: &RecordInput) -> Result<bool> {
    let title = check_name(kind, &input.title)?;
    let close = check_date(input.expected_close.as_deref())?;
    let (minor, currency) = match &input.value {
        Some(m) => (Some(m.minor), m.currency.clone()),
        None => (None, String::new()),
    };
    let query = match kind {
        RecordKind::Deal => sqlx::query(
            "UPDATE deals SET title = ?, value_minor = ?, currency = ?, status = ?, person_id = ?,
                    org_id = ?, expected_close = ? WHERE id = ?",
        )
        .bind(&title)
        .bind(minor)
        .bind(&currency)
        .bind(input.status.unwrap_or(DealStatus::Open))
        .bind(input.person_id)
        .bind(input.org_id)
        .bind(close)
        .bind(id),
        RecordKind::Lead => sqlx::query(
            "UPDATE leads SET title = ?, value_minor = ?, currency = ?, person_id = ?, org_id = ? WHERE id = ?",
        )
        .bind(&title)
        .bind(minor)
        .bind(&currency)
        .bind(input.person_id)
        .bind(input.org_id)
        .bind(id),
        _ => sqlx::query("UPDATE projects SET title = ?, person_id = ?, org_id = ? WHERE id = ?")
            .bind(&title)
            .bind(input.person_id)
            .bind(input.org_id)
            .bind(id),
    };
    let found = query.execute(&mut *tx).await?.rows_affected() > 0;
    if found && kind == RecordKind::Project {
        set_project_deals(tx, id, &input.deal_ids).await?;
    }
    Ok(found)
}

async fn set_domains(tx: &mut SqliteConnection, org_id: RecordId, domains: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM organization_domains WHERE org_id = ?").bind(org_id).execute(&mut *tx).await?;
    for domain in domains {
        let domain = address::normalize_domain(domain);
        if domain.is_empty() {
            continue;
        }
        sqlx::query("INSERT OR IGNORE INTO organization_domains (domain, org_id) VALUES (?, ?)")
            .bind(domain)
            .bind(org_id)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

async fn set_project_deals(tx: &mut SqliteConnection, project_id: RecordId, deals: &[RecordId]) -> Result<()> {
    sqlx::query("DELETE FROM project_deals WHERE project_id = ?").bind(project_id).execute(&mut *tx).await?;
    for deal in deals {
        sqlx::query("INSERT OR IGNORE INTO project_deals (project_id, deal_id) VALUES (?, ?)")
            .bind(project_id)
            .bind(deal)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}
