//! CRM commands: persons, organizations, deals, leads and projects, their
//! conversations, imports, and linking emails to them.

use std::sync::{Arc, Mutex};

use threadline_engine::crm::import::{self, ImportFile, ImportPreview, ImportReport, ReadAs};
use threadline_engine::crm::{
    LinkMode, MessageLinks, Money, OrgInput, Organization, Person, PersonInput, PersonPrefill, Record, RecordInput,
    RecordKind,
};
use threadline_engine::ids::{MessageId, RecordId, ThreadId};
use threadline_engine::model::ThreadSummary;

use super::{CommandResult, EngineState};

/// Persons matching a search (all when empty), by name.
#[tauri::command]
#[specta::specta]
pub async fn persons(engine: EngineState<'_>, search: String) -> CommandResult<Vec<Person>> {
    Ok(engine.crm().persons(&search).await?)
}

/// One person.
#[tauri::command]
#[specta::specta]
pub async fn person(engine: EngineState<'_>, id: RecordId) -> CommandResult<Person> {
    Ok(engine.crm().person(id).await?)
}

/// Creates a person (their past mail is linked at once); returns the id.
#[tauri::command]
#[specta::specta]
pub async fn add_person(engine: EngineState<'_>, input: PersonInput) -> CommandResult<RecordId> {
    Ok(engine.crm().add_person(&input).await?)
}

/// Changes a person's name, phone and organization.
#[tauri::command]
#[specta::specta]
pub async fn update_person(engine: EngineState<'_>, id: RecordId, input: PersonInput) -> CommandResult<()> {
    Ok(engine.crm().update_person(id, &input).await?)
}

/// Adds an address to a person (links its mail).
#[tauri::command]
#[specta::specta]
pub async fn add_person_address(engine: EngineState<'_>, id: RecordId, email: String) -> CommandResult<()> {
    Ok(engine.crm().add_person_address(id, &email).await?)
}

/// Removes an address from a person (unlinks what it linked).
#[tauri::command]
#[specta::specta]
pub async fn remove_person_address(engine: EngineState<'_>, id: RecordId, email: String) -> CommandResult<()> {
    Ok(engine.crm().remove_person_address(id, &email).await?)
}

/// A person about to be made from an email's sender, pre-filled.
#[tauri::command]
#[specta::specta]
pub async fn person_prefill(engine: EngineState<'_>, name: String, email: String) -> CommandResult<PersonPrefill> {
    Ok(engine.crm().person_prefill(&name, &email).await?)
}

/// Reads an amount as typed ("1,500.50") in a currency; null when it is
/// not one.
#[tauri::command]
#[specta::specta]
pub fn parse_money(value: String, currency: String) -> Option<Money> {
    Money::parse(&value, &currency)
}

/// Organizations matching a search, by name.
#[tauri::command]
#[specta::specta]
pub async fn orgs(engine: EngineState<'_>, search: String) -> CommandResult<Vec<Organization>> {
    Ok(engine.crm().orgs(&search).await?)
}

/// One organization.
#[tauri::command]
#[specta::specta]
pub async fn org(engine: EngineState<'_>, id: RecordId) -> CommandResult<Organization> {
    Ok(engine.crm().org(id).await?)
}

/// The organization owning a domain, to pre-fill a person made from mail.
#[tauri::command]
#[specta::specta]
pub async fn org_by_domain(engine: EngineState<'_>, domain: String) -> CommandResult<Option<Organization>> {
    Ok(engine.crm().org_by_domain(&domain).await?)
}

/// Creates an organization; returns the id.
#[tauri::command]
#[specta::specta]
pub async fn add_org(engine: EngineState<'_>, input: OrgInput) -> CommandResult<RecordId> {
    Ok(engine.crm().add_org(&input).await?)
}

/// Changes an organization.
#[tauri::command]
#[specta::specta]
pub async fn update_org(engine: EngineState<'_>, id: RecordId, input: OrgInput) -> CommandResult<()> {
    Ok(engine.crm().update_org(id, &input).await?)
}

/// Deals, leads or projects matching a search, newest first.
#[tauri::command]
#[specta::specta]
pub async fn records(engine: EngineState<'_>, kind: RecordKind, search: String) -> CommandResult<Vec<Record>> {
    Ok(engine.crm().records(kind, &search).await?)
}

/// One deal, lead or project.
#[tauri::command]
#[specta::specta]
pub async fn record(engine: EngineState<'_>, kind: RecordKind, id: RecordId) -> CommandResult<Record> {
    Ok(engine.crm().record(kind, id).await?)
}

/// Creates a deal, lead or project; returns the id.
#[tauri::command]
#[specta::specta]
pub async fn add_record(engine: EngineState<'_>, kind: RecordKind, input: RecordInput) -> CommandResult<RecordId> {
    Ok(engine.crm().add_record(kind, &input).await?)
}

/// Changes a deal, lead or project.
#[tauri::command]
#[specta::specta]
pub async fn update_record(
    engine: EngineState<'_>,
    kind: RecordKind,
    id: RecordId,
    input: RecordInput,
) -> CommandResult<()> {
    Ok(engine.crm().update_record(kind, id, &input).await?)
}

/// Deletes any CRM record; its emails stay.
#[tauri::command]
#[specta::specta]
pub async fn delete_record(engine: EngineState<'_>, kind: RecordKind, id: RecordId) -> CommandResult<()> {
    Ok(engine.crm().delete_record(kind, id).await?)
}

/// A record's conversations, newest first.
#[tauri::command]
#[specta::specta]
pub async fn record_threads(
    engine: EngineState<'_>,
    kind: RecordKind,
    id: RecordId,
) -> CommandResult<Vec<ThreadSummary>> {
    Ok(engine.crm().record_threads(kind, id).await?)
}

/// What an email is linked to, why, and the choices it waits for.
#[tauri::command]
#[specta::specta]
pub async fn message_links(engine: EngineState<'_>, message_id: MessageId) -> CommandResult<MessageLinks> {
    Ok(engine.crm().message_links(message_id).await?)
}

/// Links a record to an email by hand.
#[tauri::command]
#[specta::specta]
pub async fn link(engine: EngineState<'_>, message_id: MessageId, kind: RecordKind, id: RecordId) -> CommandResult<()> {
    Ok(engine.crm().link(&[message_id], kind, id).await?)
}

/// Links a record to every email of several conversations at once;
/// returns how many emails.
#[tauri::command]
#[specta::specta]
pub async fn link_threads(
    engine: EngineState<'_>,
    threads: Vec<ThreadId>,
    kind: RecordKind,
    id: RecordId,
) -> CommandResult<u32> {
    Ok(engine.crm().link_threads(&threads, kind, id).await?)
}

/// Unlinks a record from an email, for good.
#[tauri::command]
#[specta::specta]
pub async fn unlink(
    engine: EngineState<'_>,
    message_id: MessageId,
    kind: RecordKind,
    id: RecordId,
) -> CommandResult<()> {
    Ok(engine.crm().unlink(&[message_id], kind, id).await?)
}

/// Picks the deal (lead, project) for an email's conversation.
#[tauri::command]
#[specta::specta]
pub async fn choose(
    engine: EngineState<'_>,
    message_id: MessageId,
    kind: RecordKind,
    id: RecordId,
) -> CommandResult<()> {
    Ok(engine.crm().choose(message_id, kind, id).await?)
}

/// The "Link emails to deals" preference.
#[tauri::command]
#[specta::specta]
pub async fn link_mode(engine: EngineState<'_>) -> CommandResult<LinkMode> {
    Ok(engine.crm().link_mode().await?)
}

/// Changes the "Link emails to deals" preference.
#[tauri::command]
#[specta::specta]
pub async fn set_link_mode(engine: EngineState<'_>, mode: LinkMode) -> CommandResult<()> {
    Ok(engine.crm().set_link_mode(mode).await?)
}

/// The file picked in the import dialog, held here so that the window
/// sends its bytes once, not with every change of the mapping.
#[derive(Default)]
pub struct PickedFile(Mutex<Option<(String, Arc<Vec<u8>>)>>);

impl PickedFile {
    fn get(&self) -> CommandResult<(String, Arc<Vec<u8>>)> {
        let picked = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        picked
            .ok_or_else(|| threadline_engine::Error::Invalid(threadline_engine::problem::Problem::NoFilePicked).into())
    }
}

/// Takes the file picked for import (base64, as IPC carries bytes) and
/// tells how it reads: its kind, encoding, and a CSV's columns with their
/// fields (the mapping step).
#[tauri::command]
#[specta::specta]
pub async fn import_open(
    picked: tauri::State<'_, PickedFile>,
    name: String,
    base64: String,
    read_as: ReadAs,
) -> CommandResult<ImportFile> {
    let bytes = super::file_bytes(&name, &base64)?;
    let file = import::inspect(&bytes, &name, &read_as)?;
    *picked.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some((name, Arc::new(bytes)));
    Ok(file)
}

/// How the picked file reads in another encoding.
#[tauri::command]
#[specta::specta]
pub async fn import_inspect(picked: tauri::State<'_, PickedFile>, read_as: ReadAs) -> CommandResult<ImportFile> {
    let (name, bytes) = picked.get()?;
    Ok(import::inspect(&bytes, &name, &read_as)?)
}

/// What the picked file would import, read as asked (the preview).
#[tauri::command]
#[specta::specta]
pub async fn import_preview(picked: tauri::State<'_, PickedFile>, read_as: ReadAs) -> CommandResult<ImportPreview> {
    let (name, bytes) = picked.get()?;
    Ok(import::preview(&bytes, &name, &read_as)?)
}

/// Imports the picked file, read as asked.
#[tauri::command]
#[specta::specta]
pub async fn import_run(
    engine: EngineState<'_>,
    picked: tauri::State<'_, PickedFile>,
    read_as: ReadAs,
) -> CommandResult<ImportReport> {
    let (name, bytes) = picked.get()?;
    Ok(engine.crm().import_file(&bytes, &name, &read_as).await?)
}

/// Cancels the import running: it stops and keeps nothing.
#[tauri::command]
#[specta::specta]
pub async fn cancel_import(engine: EngineState<'_>) -> CommandResult<()> {
    engine.crm().cancel_import();
    Ok(())
}
