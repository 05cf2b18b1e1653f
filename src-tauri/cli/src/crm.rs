//! CLI commands of the local CRM (F-LINK): persons, organizations, deals,
//! leads, projects, imports, the linking preference, and linking emails.

use std::path::PathBuf;
use threadline_engine::ids::{MessageId, RecordId};

use clap::{Args, Subcommand};
use serde_json::json;
use threadline_engine::Error;
use threadline_engine::crm::Crm;
use threadline_engine::crm::import::{self, ImportReport};
use threadline_engine::crm::{DealStatus, LinkMode, Money, OrgInput, PersonInput, Record, RecordInput, RecordKind};
use threadline_engine::model::{Visibility, name_of};

use crate::print;

#[derive(Subcommand)]
pub enum CrmCommand {
    /// Persons: people you write with, by every address they use.
    Person {
        #[command(subcommand)]
        command: PersonCommand,
    },
    /// Organizations: companies, with their domains.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Deals: what you are trying to close.
    Deal {
        #[command(subcommand)]
        command: RecordCommand,
    },
    /// Leads: possible deals not yet qualified.
    Lead {
        #[command(subcommand)]
        command: RecordCommand,
    },
    /// Projects: work done for a customer.
    Project {
        #[command(subcommand)]
        command: RecordCommand,
    },
    /// Import persons and organizations from CSV or vCard; duplicates by
    /// email address are merged.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Preferences.
    Settings {
        #[command(subcommand)]
        command: SettingsCommand,
    },
    /// Link a record to an email (by its Message-ID or its id here).
    Link(LinkArgs),
    /// Unlink a record from an email; no rule links it again.
    Unlink(LinkArgs),
    /// Choose the deal for an email's whole conversation, when several
    /// open deals match.
    ChooseDeal {
        #[arg(long)]
        message_id: String,
        #[arg(long)]
        deal: RecordId,
    },
    /// What an email is linked to and why, and the choices it waits for.
    Links {
        #[arg(long)]
        message_id: String,
    },
    /// Run the linking rules over every stored email.
    Relink {
        /// Drop the automatic links first (yours stay).
        #[arg(long)]
        from_scratch: bool,
    },
}

#[derive(Subcommand)]
pub enum PersonCommand {
    /// Add a person; prints the id. Their past emails are linked at once.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long = "email")]
        emails: Vec<String>,
        #[arg(long, default_value = "")]
        phone: String,
        #[arg(long)]
        org: Option<RecordId>,
    },
    /// List persons (optionally those matching a search).
    List {
        #[arg(long, default_value = "")]
        search: String,
    },
    /// One person.
    Show { id: RecordId },
    /// Delete a person (their emails stay).
    Delete { id: RecordId },
    /// A person's addresses.
    Address {
        #[command(subcommand)]
        command: AddressCommand,
    },
    /// A person's conversations, newest first.
    Threads { id: RecordId },
}

#[derive(Subcommand)]
pub enum AddressCommand {
    /// Add an address; links its past emails.
    Add { id: RecordId, email: String },
    /// Remove an address; unlinks what it linked automatically.
    Remove { id: RecordId, email: String },
}

#[derive(Subcommand)]
pub enum OrgCommand {
    /// Add an organization; prints the id.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long = "domain")]
        domains: Vec<String>,
    },
    /// List organizations.
    List {
        #[arg(long, default_value = "")]
        search: String,
    },
    /// Delete an organization.
    Delete { id: RecordId },
    /// Conversations of the organization and its persons.
    Threads { id: RecordId },
}

#[derive(Subcommand)]
pub enum RecordCommand {
    /// Add one; prints the id.
    Add(RecordArgs),
    /// List them, newest first.
    List {
        #[arg(long, default_value = "")]
        search: String,
    },
    /// One of them.
    Show { id: RecordId },
    /// Deals: open, won or lost.
    SetStatus {
        id: RecordId,
        #[arg(value_parser = parse_status)]
        status: DealStatus,
    },
    /// Delete one (its emails stay).
    Delete { id: RecordId },
    /// Its conversations, newest first.
    Threads { id: RecordId },
}

#[derive(Args)]
pub struct RecordArgs {
    #[arg(long)]
    title: String,
    #[arg(long)]
    person: Option<RecordId>,
    #[arg(long)]
    org: Option<RecordId>,
    /// Amount, e.g. 1500 or 1500.50 (needs --currency).
    #[arg(long, requires = "currency")]
    value: Option<String>,
    /// ISO 4217 code, e.g. EUR.
    #[arg(long)]
    currency: Option<String>,
    #[arg(long, value_parser = parse_status)]
    status: Option<DealStatus>,
    /// Expected close date, YYYY-MM-DD.
    #[arg(long)]
    close: Option<String>,
    /// Projects: deals they cover.
    #[arg(long = "deal")]
    deals: Vec<RecordId>,
}

#[derive(Subcommand)]
pub enum ImportCommand {
    /// A CSV file with a header row. A known export (Google, Outlook,
    /// Thunderbird, Pipedrive, HubSpot, LinkedIn) is read by its layout,
    /// other columns are guessed; --map column=field says it where they
    /// are wrong (fields: name, first_name, middle_name, last_name, email,
    /// phone, org, domain, ignore).
    Csv {
        file: PathBuf,
        #[arg(long = "map")]
        map: Vec<String>,
        /// Show how the file reads and what would be imported, change nothing.
        #[arg(long)]
        preview: bool,
        /// The file's encoding (UTF-8, windows-1252, Shift_JIS …), where
        /// the guess is wrong.
        #[arg(long)]
        encoding: Option<String>,
    },
    /// A vCard 2.1, 3.0 or 4.0 file (one or many cards).
    Vcard {
        file: PathBuf,
        /// Show how the file reads and what would be imported, change nothing.
        #[arg(long)]
        preview: bool,
        /// The file's encoding, where the guess is wrong.
        #[arg(long)]
        encoding: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum SettingsCommand {
    /// Set a preference: link-deals automatic|manual, sharing-default
    /// private|shared, bcc-create-persons on|off.
    Set { key: String, value: String },
    /// Show the preferences.
    Show,
}

#[derive(Args)]
pub struct LinkArgs {
    /// The email: its Message-ID header, or its id here.
    #[arg(long)]
    message_id: String,
    #[arg(long, group = "target")]
    person: Option<RecordId>,
    #[arg(long, group = "target")]
    org: Option<RecordId>,
    #[arg(long, group = "target")]
    deal: Option<RecordId>,
    #[arg(long, group = "target")]
    lead: Option<RecordId>,
    #[arg(long, group = "target")]
    project: Option<RecordId>,
}

impl LinkArgs {
    fn target(&self) -> Result<(RecordKind, RecordId), Error> {
        [
            (RecordKind::Person, self.person),
            (RecordKind::Org, self.org),
            (RecordKind::Deal, self.deal),
            (RecordKind::Lead, self.lead),
            (RecordKind::Project, self.project),
        ]
        .into_iter()
        .find_map(|(kind, id)| id.map(|id| (kind, id)))
        .ok_or_else(|| Error::worded("Say what to link: --person, --org, --deal, --lead or --project."))
    }
}

fn parse_status(s: &str) -> Result<DealStatus, String> {
    crate::named(s, "open, won or lost")
}

/// The emails a `--message-id` names: a Message-ID header (it has an @)
/// or an id here.
pub(crate) async fn messages(engine: &threadline_engine::Engine, message_id: &str) -> Result<Vec<MessageId>, Error> {
    let ids = if message_id.contains('@') {
        engine.crm().messages_by_header_id(message_id).await?
    } else {
        let id: MessageId = message_id
            .trim()
            .parse()
            .map_err(|_| Error::worded(format!("\"{message_id}\" is neither a Message-ID nor an email id.")))?;
        engine.mail().message_summary(id).await?;
        vec![id]
    };
    if ids.is_empty() {
        return Err(Error::worded(format!("There is no email with Message-ID {message_id}.")));
    }
    Ok(ids)
}

fn print_id(json: bool, kind: &str, id: RecordId) {
    print(json, &json!({ "id": id }), || format!("{kind} {id}"));
}

fn print_records(json: bool, records: &[Record]) {
    print(json, &records, || {
        records
            .iter()
            .map(|r| {
                let value = r.value.as_ref().map(Money::display).unwrap_or_default();
                let status = r.status.map(|s| name_of(&s)).unwrap_or_default();
                let person = r.person_name.as_deref().unwrap_or("");
                format!("{}\t{}\t{status}\t{value}\t{person}", r.id, r.title)
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
}

fn print_threads(json: bool, threads: &[threadline_engine::model::ThreadSummary]) {
    print(json, &threads, || {
        threads
            .iter()
            .map(|t| format!("{}\t{}\t{}\t{}", t.id, t.message_count, t.participants, t.subject))
            .collect::<Vec<_>>()
            .join("\n")
    });
}

fn print_report(json: bool, report: &ImportReport) {
    print(json, report, || {
        let mut lines = vec![format!(
            "imported {}, merged {}, skipped {}",
            report.imported.len(),
            report.merged.len(),
            report.skipped.len()
        )];
        lines.extend(report.skipped.iter().map(|s| format!("skipped {}: {}", s.source.english(), s.reason.english())));
        lines.join("\n")
    });
}

pub async fn execute(engine: &threadline_engine::Engine, command: CrmCommand, json: bool) -> Result<(), Error> {
    let crm = engine.crm();
    match command {
        CrmCommand::Person { command } => match command {
            PersonCommand::Add { name, emails, phone, org } => {
                let id = crm.add_person(&PersonInput { name, emails, phone, org_id: org }).await?;
                print_id(json, "person", id);
            }
            PersonCommand::List { search } => {
                let persons = crm.persons(&search).await?;
                print(json, &persons, || {
                    persons
                        .iter()
                        .map(|p| format!("{}\t{}\t{}", p.id, p.name, p.emails.join(", ")))
                        .collect::<Vec<_>>()
                        .join("\n")
                });
            }
            PersonCommand::Show { id } => {
                let p = crm.person(id).await?;
                print(json, &p, || format!("{}\t{}\t{}\t{}", p.id, p.name, p.emails.join(", "), p.phone));
            }
            PersonCommand::Delete { id } => {
                crm.delete_record(RecordKind::Person, id).await?;
                print(json, &json!({ "deleted": id }), || format!("deleted person {id}"));
            }
            PersonCommand::Address { command } => match command {
                AddressCommand::Add { id, email } => {
                    crm.add_person_address(id, &email).await?;
                    print(json, &crm.person(id).await?, || format!("added {email}"));
                }
                AddressCommand::Remove { id, email } => {
                    crm.remove_person_address(id, &email).await?;
                    print(json, &crm.person(id).await?, || format!("removed {email}"));
                }
            },
            PersonCommand::Threads { id } => print_threads(json, &crm.record_threads(RecordKind::Person, id).await?),
        },
        CrmCommand::Org { command } => match command {
            OrgCommand::Add { name, domains } => {
                let id = crm.add_org(&OrgInput { name, domains }).await?;
                print_id(json, "org", id);
            }
            OrgCommand::List { search } => {
                let orgs = crm.orgs(&search).await?;
                print(json, &orgs, || {
                    orgs.iter()
                        .map(|o| format!("{}\t{}\t{}", o.id, o.name, o.domains.join(", ")))
                        .collect::<Vec<_>>()
                        .join("\n")
                });
            }
            OrgCommand::Delete { id } => {
                crm.delete_record(RecordKind::Org, id).await?;
                print(json, &json!({ "deleted": id }), || format!("deleted org {id}"));
            }
            OrgCommand::Threads { id } => print_threads(json, &crm.record_threads(RecordKind::Org, id).await?),
        },
        CrmCommand::Deal { command } => record_command(crm, RecordKind::Deal, command, json).await?,
        CrmCommand::Lead { command } => record_command(crm, RecordKind::Lead, command, json).await?,
        CrmCommand::Project { command } => record_command(crm, RecordKind::Project, command, json).await?,
        CrmCommand::Import { command } => {
            let (file, map, preview, encoding) = match command {
                ImportCommand::Csv { file, map, preview, encoding } => (file, map, preview, encoding),
                ImportCommand::Vcard { file, preview, encoding } => (file, Vec::new(), preview, encoding),
            };
            let bytes = std::fs::read(&file)?;
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            // The user's language weighs the guess of a legacy encoding.
            let language = std::env::var("LC_ALL").or_else(|_| std::env::var("LANG")).ok();
            let mut read_as = import::ReadAs { encoding, fields: None, language };
            let inspected = import::inspect(&bytes, &name, &read_as)?;
            if let Some(columns) = &inspected.columns {
                let changes = import::parse_mapping(&map)?;
                if !changes.is_empty() {
                    read_as.fields = Some(import::fields_with(columns, &changes)?);
                }
            }
            if preview {
                let rows = import::drafts(&bytes, &name, &read_as)?;
                let shown = json!({ "file": inspected, "rows": rows });
                print(json, &shown, || {
                    let layout = inspected.columns.as_ref().and_then(|c| c.layout);
                    let mut lines = vec![format!(
                        "layout: {}, encoding: {} ({:?})",
                        layout.map_or_else(|| "not a known export".to_owned(), |l| format!("{l:?}")),
                        inspected.encoding,
                        inspected.encoding_found
                    )];
                    lines.extend(rows.iter().map(|r| format!("{}\t{}\t{}", r.name, r.emails.join(", "), r.org)));
                    lines.join("\n")
                });
            } else {
                print_report(json, &crm.import_file(&bytes, &name, &read_as).await?);
            }
        }
        CrmCommand::Settings { command } => {
            match command {
                SettingsCommand::Set { key, value } => match key.as_str() {
                    "link-deals" => {
                        let mode: LinkMode = crate::named(&value, "automatic or manual")
                            .map_err(|e| Error::worded(format!("link-deals: {e}.")))?;
                        crm.set_link_mode(mode).await?;
                    }
                    "sharing-default" => {
                        let visibility: Visibility = crate::named(&value, "private or shared")
                            .map_err(|e| Error::worded(format!("sharing-default: {e}.")))?;
                        engine.mail().set_sharing_default(visibility).await?;
                    }
                    "bcc-create-persons" => {
                        let on = match value.as_str() {
                            "on" => true,
                            "off" => false,
                            other => {
                                return Err(Error::worded(format!(
                                    "bcc-create-persons: expected on or off, not {other}."
                                )));
                            }
                        };
                        engine.bcc().set_create_persons(on).await?;
                    }
                    other => {
                        return Err(Error::worded(format!(
                            "Unknown setting {other} (known: link-deals, sharing-default, bcc-create-persons)."
                        )));
                    }
                },
                SettingsCommand::Show => {}
            }
            let mode = crm.link_mode().await?;
            let sharing = engine.mail().sharing_default().await?;
            let persons = if engine.bcc().create_persons().await? { "on" } else { "off" };
            print(
                json,
                &json!({ "link-deals": mode, "sharing-default": sharing, "bcc-create-persons": persons }),
                || {
                    format!(
                        "link-deals {}\nsharing-default {}\nbcc-create-persons {persons}",
                        name_of(&mode),
                        name_of(&sharing)
                    )
                },
            );
        }
        CrmCommand::Link(args) => {
            let (kind, target) = args.target()?;
            let ids = messages(engine, &args.message_id).await?;
            crm.link(&ids, kind, target).await?;
            print(json, &json!({ "linked": ids }), || format!("linked {} {target}", name_of(&kind)));
        }
        CrmCommand::Unlink(args) => {
            let (kind, target) = args.target()?;
            let ids = messages(engine, &args.message_id).await?;
            crm.unlink(&ids, kind, target).await?;
            print(json, &json!({ "unlinked": ids }), || format!("unlinked {} {target}", name_of(&kind)));
        }
        CrmCommand::ChooseDeal { message_id, deal } => {
            let ids = messages(engine, &message_id).await?;
            for id in &ids {
                crm.choose(*id, RecordKind::Deal, deal).await?;
            }
            print(json, &json!({ "chosen": deal, "messages": ids }), || format!("chose deal {deal}"));
        }
        CrmCommand::Links { message_id } => {
            let ids = messages(engine, &message_id).await?;
            let mut rows = Vec::new();
            let mut text = Vec::new();
            for id in ids {
                let links = crm.message_links(id).await?;
                for l in &links.links {
                    let reason = l.reason.english();
                    rows.push(json!({ "message": id, "kind": l.kind, "id": l.id, "title": l.title,
                                      "reason": reason, "reason_code": l.reason, "by_user": l.by_user }));
                    text.push(format!("{}\t{}\t{}\t{reason}", name_of(&l.kind), l.id, l.title));
                }
                for c in &links.choices {
                    let candidates: Vec<RecordId> = c.candidates.iter().map(|c| c.id).collect();
                    rows.push(json!({ "message": id, "kind": format!("{}_choice", name_of(&c.kind)),
                                      "candidates": candidates }));
                    text.push(format!("{}_choice\t{candidates:?}", name_of(&c.kind)));
                }
            }
            print(json, &rows, || text.join("\n"));
        }
        CrmCommand::Relink { from_scratch } => {
            let started = std::time::Instant::now();
            let (messages, links) = crm.relink_all(from_scratch).await?;
            let ms = started.elapsed().as_millis();
            print(json, &json!({ "messages": messages, "links": links, "ms": ms }), || {
                format!("{messages} messages, {links} links, {ms} ms")
            });
        }
    }
    Ok(())
}

async fn record_command(crm: Crm<'_>, kind: RecordKind, command: RecordCommand, json: bool) -> Result<(), Error> {
    match command {
        RecordCommand::Add(a) => {
            let value = match (&a.value, &a.currency) {
                (Some(v), Some(c)) => Some(
                    Money::parse(v, c)
                        .ok_or_else(|| Error::worded(format!("\"{v}\" is not an amount like 1500.50.")))?,
                ),
                _ => None,
            };
            let input = RecordInput {
                title: a.title,
                value,
                status: a.status,
                person_id: a.person,
                org_id: a.org,
                expected_close: a.close,
                deal_ids: a.deals,
            };
            let id = crm.add_record(kind, &input).await?;
            print_id(json, &name_of(&kind), id);
        }
        RecordCommand::List { search } => print_records(json, &crm.records(kind, &search).await?),
        RecordCommand::Show { id } => print_records(json, &[crm.record(kind, id).await?]),
        RecordCommand::SetStatus { id, status } => {
            if kind != RecordKind::Deal {
                return Err(Error::worded("Only deals have a status."));
            }
            crm.set_deal_status(id, status).await?;
            print(json, &json!({ "id": id, "status": status }), || format!("deal {id} {}", name_of(&status)));
        }
        RecordCommand::Delete { id } => {
            crm.delete_record(kind, id).await?;
            print(json, &json!({ "deleted": id }), || format!("deleted {} {id}", name_of(&kind)));
        }
        RecordCommand::Threads { id } => print_threads(json, &crm.record_threads(kind, id).await?),
    }
    Ok(())
}
