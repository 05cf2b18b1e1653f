//! Import of persons and organizations from CSV (with a column mapping
//! the user can correct, and a preview) and from vCard 3.0/4.0 files.
//!
//! Both readers turn their input into [`PersonDraft`]s; the store then
//! imports the drafts in one transaction (`Store::import_persons`), where
//! a draft whose address is already a person's is merged into that person
//! instead of doubling them.

// Parsing what others wrote: no index or slice that can panic.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::RecordId;
use crate::problem::Problem;
use crate::store::Store;

/// What a CSV column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    FirstName,
    LastName,
    Email,
    Phone,
    Org,
    Domain,
    Ignore,
}

impl Field {
    /// Reads a field name as typed in `--map column=field`.
    pub fn parse(s: &str) -> Option<Field> {
        Some(match s.trim().to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
            "name" | "full_name" => Field::Name,
            "first_name" | "given_name" => Field::FirstName,
            "last_name" | "family_name" | "surname" => Field::LastName,
            "email" | "e_mail" => Field::Email,
            "phone" | "tel" => Field::Phone,
            "org" | "organization" | "organisation" | "company" => Field::Org,
            "domain" | "website" => Field::Domain,
            "ignore" | "skip" | "none" => Field::Ignore,
            _ => return None,
        })
    }

    /// The field a column header most likely means.
    pub fn guess(header: &str) -> Field {
        let h = header.trim().to_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| h.contains(w));
        if has(&["e-mail", "email", "mail address"]) {
            Field::Email
        } else if has(&["first name", "firstname", "given name", "vorname", "prénom"]) {
            Field::FirstName
        } else if has(&["last name", "lastname", "surname", "family name", "nachname"]) {
            Field::LastName
        } else if has(&["phone", "mobile", "tel", "telefon"]) {
            Field::Phone
        } else if has(&["organization", "organisation", "company", "firma", "employer"]) || h == "org" {
            Field::Org
        } else if has(&["domain", "website", "web site", "url"]) {
            Field::Domain
        } else if has(&["name"]) {
            Field::Name
        } else {
            Field::Ignore
        }
    }
}

/// Where in the file a row came from, for the report (worded by the
/// front end).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "in", rename_all = "snake_case")]
pub enum Source {
    /// A CSV file's line (the header is line 1).
    Line { number: u32 },
    /// A vCard file's card, from 1.
    Card { number: u32 },
    #[default]
    Unknown,
}

impl Source {
    /// In English, for the CLI.
    pub fn english(&self) -> String {
        match self {
            Source::Line { number } => format!("line {number}"),
            Source::Card { number } => format!("card {number}"),
            Source::Unknown => "a row".into(),
        }
    }
}

/// Why an imported row made no person, as a code the front end words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum SkipReason {
    /// What stands where an address should is none.
    NotAnAddress { texts: Vec<String> },
    /// An empty row, or one that could not be read.
    Unreadable,
    /// A person with no address to link their mail by.
    NoAddress { name: String },
    /// One of the row's addresses belongs to another person; the rest of
    /// the row went to `merged_into`.
    AddressTaken { address: String, owner: RecordId, owner_name: String, merged_into: String },
}

impl SkipReason {
    /// In English, for the CLI.
    pub fn english(&self) -> String {
        match self {
            SkipReason::NotAnAddress { texts } => format!("not an email address: {}", texts.join(", ")),
            SkipReason::Unreadable => "empty, or could not be read".into(),
            SkipReason::NoAddress { name } => format!("{name} has no email address"),
            SkipReason::AddressTaken { address, owner, owner_name, merged_into } => {
                format!(
                    "{address} is already an address of {owner_name} (person {owner}); merged the rest into {merged_into}"
                )
            }
        }
    }
}

/// One person as read from a file, before it meets the store.
#[derive(Debug, Clone, Default, PartialEq, Serialize, specta::Type)]
pub struct PersonDraft {
    /// Where it came from, for the report.
    pub source: Source,
    pub name: String,
    pub emails: Vec<String>,
    pub phone: String,
    /// Organization name ("" for none).
    pub org: String,
    pub domains: Vec<String>,
}

/// The columns of a CSV file as the mapping step shows them.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CsvColumns {
    pub headers: Vec<String>,
    /// The guessed field of each column, in order.
    pub fields: Vec<Field>,
    /// The first rows, for the preview.
    pub sample: Vec<Vec<String>>,
}

/// One imported or merged row of the report.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ImportedRow {
    pub source: Source,
    pub person_id: RecordId,
    pub name: String,
}

/// One row left out, and why.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SkippedRow {
    pub source: Source,
    pub reason: SkipReason,
}

/// A row that named only an organization.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct OrgRow {
    pub source: Source,
    pub name: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, specta::Type)]
pub struct ImportReport {
    /// Persons made.
    pub imported: Vec<ImportedRow>,
    /// Rows merged into a person who had one of their addresses.
    pub merged: Vec<ImportedRow>,
    pub skipped: Vec<SkippedRow>,
    /// Organizations made (from rows of persons or of organizations only).
    pub orgs_created: u32,
    /// Rows that named only an organization (no address): made or found
    /// by name, their domains added.
    pub orgs: Vec<OrgRow>,
}

/// Reads `column=field` pairs (`--map "E-mail 2=email"`).
pub fn parse_mapping(pairs: &[String]) -> Result<Vec<(String, Field)>> {
    pairs
        .iter()
        .map(|pair| {
            let (column, field) = pair
                .rsplit_once('=')
                .ok_or_else(|| Error::Invalid(Problem::NotAColumnMapping { text: pair.clone() }))?;
            let field = Field::parse(field)
                .ok_or_else(|| Error::Invalid(Problem::NotAnImportField { text: field.to_owned() }))?;
            Ok((column.trim().to_lowercase(), field))
        })
        .collect()
}

fn text_of(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.strip_prefix('\u{feff}').unwrap_or(&text).to_owned()
}

/// Spreadsheets save CSV with commas, semicolons (where the comma is the
/// decimal mark) or tabs: the one the header line uses most.
fn delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    [b',', b';', b'\t'].into_iter().max_by_key(|d| header.bytes().filter(|b| b == d).count()).unwrap_or(b',')
}

fn reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes())
}

/// The headers, guessed fields and first rows of a CSV file.
pub fn csv_columns(bytes: &[u8]) -> Result<CsvColumns> {
    let text = text_of(bytes);
    let mut rdr = reader(&text);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| Error::Invalid(Problem::NotCsv { detail: e.to_string() }))?
        .iter()
        .map(str::to_owned)
        .collect();
    let fields = headers.iter().map(|h| Field::guess(h)).collect();
    let sample = rdr.records().take(5).filter_map(|r| r.ok()).map(|r| r.iter().map(str::to_owned).collect()).collect();
    Ok(CsvColumns { headers, fields, sample })
}

/// The persons a CSV file holds, with the guessed mapping corrected by
/// `overrides` (column header, case-insensitive, to field). Rows that
/// cannot be read come back as drafts with no name and no address, which
/// the import reports as skipped.
pub fn preview_csv(bytes: &[u8], overrides: &[(String, Field)]) -> Result<Vec<PersonDraft>> {
    let columns = csv_columns(bytes)?;
    for (column, _) in overrides {
        if !columns.headers.iter().any(|h| h.to_lowercase() == *column) {
            return Err(Error::Invalid(Problem::NoSuchColumn {
                column: column.clone(),
                columns: columns.headers.clone(),
            }));
        }
    }
    let fields: Vec<Field> = columns
        .headers
        .iter()
        .zip(&columns.fields)
        .map(|(header, guessed)| {
            overrides.iter().find(|(c, _)| *c == header.to_lowercase()).map(|(_, f)| *f).unwrap_or(*guessed)
        })
        .collect();
    if !fields.contains(&Field::Email) && !fields.contains(&Field::Org) {
        return Err(Error::Invalid(Problem::NoAddressColumn));
    }
    let text = text_of(bytes);
    let mut rdr = reader(&text);
    let mut drafts = Vec::new();
    for (index, record) in rdr.records().enumerate() {
        // Line 1 is the header.
        let source = Source::Line { number: u32::try_from(index + 2).unwrap_or(u32::MAX) };
        let Ok(record) = record else {
            drafts.push(PersonDraft { source, ..Default::default() });
            continue;
        };
        let mut draft = PersonDraft { source, ..Default::default() };
        let (mut first, mut last) = (String::new(), String::new());
        for (value, field) in record.iter().zip(&fields) {
            if value.is_empty() {
                continue;
            }
            match field {
                Field::Name => draft.name = value.to_owned(),
                Field::FirstName => first = value.to_owned(),
                Field::LastName => last = value.to_owned(),
                // A cell may hold several addresses.
                Field::Email => draft
                    .emails
                    .extend(value.split([',', ';', ' ']).filter(|e| !e.trim().is_empty()).map(|e| e.trim().to_owned())),
                Field::Phone => draft.phone = value.to_owned(),
                Field::Org => draft.org = value.to_owned(),
                Field::Domain => draft.domains.push(domain_of_url(value).unwrap_or_else(|| value.to_owned())),
                Field::Ignore => {}
            }
        }
        if draft.name.is_empty() {
            draft.name = format!("{first} {last}").trim().to_owned();
        }
        drafts.push(draft);
    }
    Ok(drafts)
}

/// Imports a CSV file (see [`preview_csv`]).
pub async fn import_csv(
    store: &Store,
    bytes: &[u8],
    overrides: &[(String, Field)],
    going_on: &(dyn Fn(u32, u32) -> bool + Sync),
) -> Result<ImportReport> {
    let drafts = preview_csv(bytes, overrides)?;
    store.import_persons(&drafts, going_on).await
}

/// The persons of a vCard file (any number of cards, 3.0 or 4.0).
pub fn vcard_drafts(bytes: &[u8]) -> Vec<PersonDraft> {
    use calcard::vcard::VCardProperty;
    use calcard::{Entry, Parser};

    let text = text_of(bytes);
    let mut parser = Parser::new(&text);
    let mut drafts = Vec::new();
    let mut card = 0;
    loop {
        let vcard = match parser.entry() {
            Entry::VCard(vcard) => vcard,
            Entry::Eof => break,
            Entry::ICalendar(_) | Entry::InvalidLine(_) => continue,
            Entry::UnexpectedComponentEnd { .. } | Entry::UnterminatedComponent(_) => {
                card += 1;
                drafts.push(PersonDraft { source: Source::Card { number: card }, ..Default::default() });
                continue;
            }
            // The parser's own limit on a hostile file: what was read stays.
            _ => break,
        };
        card += 1;
        let first_text = |prop: VCardProperty| {
            vcard
                .property(&prop)
                .and_then(|e| e.values.first())
                .and_then(|v| v.as_text())
                .map(|t| t.trim().to_owned())
                .unwrap_or_default()
        };
        let mut name = first_text(VCardProperty::Fn);
        if name.is_empty() {
            // N is family;given;additional;prefix;suffix.
            if let Some(n) = vcard.property(&VCardProperty::N) {
                let parts: Vec<&str> = n.values.iter().filter_map(|v| v.as_text()).collect();
                let given = parts.get(1).copied().unwrap_or("");
                let family = parts.first().copied().unwrap_or("");
                name = format!("{given} {family}").trim().to_owned();
            }
        }
        let emails = vcard
            .properties(&VCardProperty::Email)
            .filter_map(|e| e.values.first().and_then(|v| v.as_text()))
            .map(|e| e.trim().trim_start_matches("mailto:").to_owned())
            .collect();
        let phone = first_text(VCardProperty::Tel).trim_start_matches("tel:").to_owned();
        let domains = vcard
            .properties(&VCardProperty::Url)
            .filter_map(|e| e.values.first().and_then(|v| v.as_text()))
            .filter_map(domain_of_url)
            .collect();
        drafts.push(PersonDraft {
            source: Source::Card { number: card },
            name,
            emails,
            phone,
            org: first_text(VCardProperty::Org),
            domains,
        });
    }
    drafts
}

/// Imports a vCard file.
pub async fn import_vcard(
    store: &Store,
    bytes: &[u8],
    going_on: &(dyn Fn(u32, u32) -> bool + Sync),
) -> Result<ImportReport> {
    let drafts = vcard_drafts(bytes);
    if drafts.is_empty() {
        return Err(Error::Invalid(Problem::NoVcard));
    }
    store.import_persons(&drafts, going_on).await
}

/// "https://www.acme.example/about" → "acme.example".
fn domain_of_url(url: &str) -> Option<String> {
    let rest = url.trim().split("://").last()?;
    let host = rest.split(['/', '?', '#', ':']).next()?.trim_start_matches("www.");
    host.contains('.').then(|| host.to_owned())
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, reason = "a test fails by panicking")]
mod tests {
    use super::*;

    #[test]
    fn csv_columns_are_guessed_and_can_be_corrected() {
        let csv = "\u{feff}First Name;Last Name;E-mail Address;Company;Notes\nBob;Stone;bob@acme.example;Acme;x\n";
        let columns = csv_columns(csv.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(columns.fields, vec![Field::FirstName, Field::LastName, Field::Email, Field::Org, Field::Ignore]);
        let drafts = preview_csv(csv.as_bytes(), &[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(drafts[0].name, "Bob Stone");
        assert_eq!(drafts[0].emails, vec!["bob@acme.example"]);
        assert_eq!(drafts[0].org, "Acme");
        assert_eq!(drafts[0].source, Source::Line { number: 2 });

        let odd = "Who,Contact\nCarol,carol@globex.example\n";
        assert!(preview_csv(odd.as_bytes(), &[]).is_err(), "no email column is said, not guessed");
        let map = parse_mapping(&["Who=name".into(), "contact=email".into()]).unwrap_or_else(|e| panic!("{e}"));
        let drafts = preview_csv(odd.as_bytes(), &map).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((drafts[0].name.as_str(), drafts[0].emails[0].as_str()), ("Carol", "carol@globex.example"));
        assert!(parse_mapping(&["Who=age".into()]).is_err());
        assert!(preview_csv(odd.as_bytes(), &[("nope".into(), Field::Email)]).is_err());
    }

    #[test]
    fn vcards_of_both_versions_are_read() {
        let vcf = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Stone;Bob;;;\r\nEMAIL;TYPE=INTERNET,WORK:bob@acme.example\r\n\
                   EMAIL;TYPE=HOME:bob@home.example\r\nORG:Acme Corp;Sales\r\nTEL;TYPE=CELL:+1 555 0100\r\n\
                   URL:https://www.acme.example/\r\nEND:VCARD\r\n\
                   BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Jörg Müller\r\nEMAIL;PREF=1:jorg@bücher.example\r\nEND:VCARD\r\n";
        let drafts = vcard_drafts(vcf.as_bytes());
        assert_eq!(drafts.len(), 2);
        assert_eq!(drafts[0].name, "Bob Stone");
        assert_eq!(drafts[0].emails, vec!["bob@acme.example", "bob@home.example"]);
        assert_eq!(drafts[0].org, "Acme Corp");
        assert_eq!(drafts[0].phone, "+1 555 0100");
        assert_eq!(drafts[0].domains, vec!["acme.example"]);
        assert_eq!(drafts[1].name, "Jörg Müller");
        assert_eq!(drafts[1].source, Source::Card { number: 2 });
    }
}
