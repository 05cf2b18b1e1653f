//! The CRM as the front ends reach it, through [`crate::Engine::crm`]:
//! reads go to the store, and every change is followed, once committed, by
//! an event, so that every open view (the inbox's links, a person's page,
//! another window) shows it without asking.

use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::broadcast;

use super::import::{self, ImportReport};
use super::{
    DealStatus, LinkMode, MessageLinks, OrgInput, Organization, Person, PersonInput, PersonPrefill, Record,
    RecordInput, RecordKind,
};
use crate::error::Result;
use crate::ids::{MessageId, RecordId, ThreadId};
use crate::model::{EngineEvent, ThreadSummary};
use crate::store::Store;

/// A borrowed handle on the CRM; cheap, made per call.
#[derive(Debug, Clone, Copy)]
pub struct Crm<'a> {
    pub(crate) store: &'a Store,
    pub(crate) events: &'a broadcast::Sender<EngineEvent>,
    /// The user's "Cancel" of the import running.
    pub(crate) import_cancel: &'a AtomicBool,
}

impl Crm<'_> {
    /// Cancels the import running (see `import_file`).
    pub fn cancel_import(&self) {
        self.import_cancel.store(true, Ordering::SeqCst);
    }

    /// Tells the window how far an import is, and whether to go on.
    fn import_going_on(&self, done: u32, total: u32) -> bool {
        let _ = self.events.send(EngineEvent::ImportProgress { done, total });
        !self.import_cancel.load(Ordering::SeqCst)
    }

    /// Tells the views that a record (or, with no id, several) changed.
    fn changed(&self, kind: RecordKind, id: Option<RecordId>) {
        let _ = self.events.send(EngineEvent::CrmChanged { kind, id });
    }

    /// Tells the views that links of these emails changed (none named:
    /// any email's may have).
    fn relinked(&self, messages: Vec<MessageId>) {
        let _ = self.events.send(EngineEvent::LinksChanged { messages });
    }

    /// The "Link emails to deals" preference.
    pub async fn link_mode(&self) -> Result<LinkMode> {
        self.store.link_mode().await
    }

    /// Changes the "Link emails to deals" preference, for emails stored
    /// from now on.
    pub async fn set_link_mode(&self, mode: LinkMode) -> Result<()> {
        self.store.set_link_mode(mode).await
    }

    /// Persons whose name or an address contains `search`, by name.
    pub async fn persons(&self, search: &str) -> Result<Vec<Person>> {
        self.store.persons(search).await
    }

    /// One person.
    pub async fn person(&self, id: RecordId) -> Result<Person> {
        self.store.person(id).await
    }

    /// A person about to be made from an email's sender, pre-filled.
    pub async fn person_prefill(&self, name: &str, email: &str) -> Result<PersonPrefill> {
        self.store.person_prefill(name, email).await
    }

    /// Creates a person and links their past emails; returns the id.
    pub async fn add_person(&self, input: &PersonInput) -> Result<RecordId> {
        let id = self.store.add_person(input).await?;
        self.changed(RecordKind::Person, Some(id));
        self.relinked(Vec::new());
        Ok(id)
    }

    /// Changes a person's name, phone and organization.
    pub async fn update_person(&self, id: RecordId, input: &PersonInput) -> Result<()> {
        self.store.update_person(id, input).await?;
        self.changed(RecordKind::Person, Some(id));
        Ok(())
    }

    /// Adds an address to a person and links the emails that carry it.
    pub async fn add_person_address(&self, id: RecordId, email: &str) -> Result<()> {
        self.store.add_person_address(id, email).await?;
        self.changed(RecordKind::Person, Some(id));
        self.relinked(Vec::new());
        Ok(())
    }

    /// Removes an address from a person, with the links it made.
    pub async fn remove_person_address(&self, id: RecordId, email: &str) -> Result<()> {
        self.store.remove_person_address(id, email).await?;
        self.changed(RecordKind::Person, Some(id));
        self.relinked(Vec::new());
        Ok(())
    }

    /// Organizations whose name contains `search`, by name.
    pub async fn orgs(&self, search: &str) -> Result<Vec<Organization>> {
        self.store.orgs(search).await
    }

    /// One organization.
    pub async fn org(&self, id: RecordId) -> Result<Organization> {
        self.store.org(id).await
    }

    /// The organization owning a domain.
    pub async fn org_by_domain(&self, domain: &str) -> Result<Option<Organization>> {
        self.store.org_by_domain(domain).await
    }

    /// Creates an organization; returns the id.
    pub async fn add_org(&self, input: &OrgInput) -> Result<RecordId> {
        let id = self.store.add_org(input).await?;
        self.changed(RecordKind::Org, Some(id));
        self.relinked(Vec::new());
        Ok(id)
    }

    /// Changes an organization.
    pub async fn update_org(&self, id: RecordId, input: &OrgInput) -> Result<()> {
        self.store.update_org(id, input).await?;
        self.changed(RecordKind::Org, Some(id));
        self.relinked(Vec::new());
        Ok(())
    }

    /// Deals, leads or projects matching `search`, newest first.
    pub async fn records(&self, kind: RecordKind, search: &str) -> Result<Vec<Record>> {
        self.store.records(kind, search).await
    }

    /// One deal, lead or project.
    pub async fn record(&self, kind: RecordKind, id: RecordId) -> Result<Record> {
        self.store.record(kind, id).await
    }

    /// Creates a deal, lead or project; returns the id.
    pub async fn add_record(&self, kind: RecordKind, input: &RecordInput) -> Result<RecordId> {
        let id = self.store.add_record(kind, input).await?;
        self.changed(kind, Some(id));
        self.relinked(Vec::new());
        Ok(id)
    }

    /// Changes a deal, lead or project.
    pub async fn update_record(&self, kind: RecordKind, id: RecordId, input: &RecordInput) -> Result<()> {
        self.store.update_record(kind, id, input).await?;
        self.changed(kind, Some(id));
        Ok(())
    }

    /// Marks a deal open, won or lost.
    pub async fn set_deal_status(&self, id: RecordId, status: DealStatus) -> Result<()> {
        self.store.set_deal_status(id, status).await?;
        self.changed(RecordKind::Deal, Some(id));
        Ok(())
    }

    /// Deletes any record; its emails stay, unlinked from it.
    pub async fn delete_record(&self, kind: RecordKind, id: RecordId) -> Result<()> {
        self.store.delete_record(kind, id).await?;
        self.changed(kind, Some(id));
        self.relinked(Vec::new());
        Ok(())
    }

    /// A record's conversations, newest first.
    pub async fn record_threads(&self, kind: RecordKind, id: RecordId) -> Result<Vec<ThreadSummary>> {
        self.store.record_threads(kind, id).await
    }

    /// The stored emails with this Message-ID header.
    pub async fn messages_by_header_id(&self, message_id: &str) -> Result<Vec<MessageId>> {
        self.store.messages_by_header_id(message_id).await
    }

    /// What an email is linked to, why, and the choices it waits for.
    pub async fn message_links(&self, message_id: MessageId) -> Result<MessageLinks> {
        self.store.message_links(message_id).await
    }

    /// The user links a record to emails.
    pub async fn link(&self, message_ids: &[MessageId], kind: RecordKind, id: RecordId) -> Result<()> {
        self.store.link(message_ids, kind, id).await?;
        self.relinked(message_ids.to_vec());
        Ok(())
    }

    /// The user links a record to every email of these conversations at
    /// once (several chosen in the list); returns how many emails.
    pub async fn link_threads(&self, threads: &[ThreadId], kind: RecordKind, id: RecordId) -> Result<u32> {
        let mut ids = Vec::new();
        for &thread in threads {
            ids.extend(self.store.thread_messages(thread).await?.into_iter().map(|m| m.id));
        }
        self.link(&ids, kind, id).await?;
        Ok(u32::try_from(ids.len()).unwrap_or(u32::MAX))
    }

    /// The user unlinks a record from emails, for good.
    pub async fn unlink(&self, message_ids: &[MessageId], kind: RecordKind, id: RecordId) -> Result<()> {
        self.store.unlink(message_ids, kind, id).await?;
        self.relinked(message_ids.to_vec());
        Ok(())
    }

    /// The user picks the deal (lead, project) for an email's conversation.
    pub async fn choose(&self, message_id: MessageId, kind: RecordKind, id: RecordId) -> Result<()> {
        self.store.choose(message_id, kind, id).await?;
        self.relinked(Vec::new());
        Ok(())
    }

    /// Links every stored email again (from scratch: dropping the automatic
    /// links first); returns the emails looked at and the links after.
    pub async fn relink_all(&self, from_scratch: bool) -> Result<(u64, u64)> {
        let done = self.store.relink_all(from_scratch).await?;
        self.relinked(Vec::new());
        Ok(done)
    }

    /// Imports persons and organizations from a CSV or vCard file, read
    /// as asked, telling its progress; cancelled, nothing of it is kept.
    pub async fn import_file(&self, bytes: &[u8], file_name: &str, read_as: &import::ReadAs) -> Result<ImportReport> {
        self.import_cancel.store(false, Ordering::SeqCst);
        let going_on = |done, total| self.import_going_on(done, total);
        let report = import::import(self.store, bytes, file_name, read_as, &going_on).await?;
        self.changed(RecordKind::Person, None);
        self.relinked(Vec::new());
        Ok(report)
    }
}
