//! Import of persons and organizations from the files address books and
//! CRMs export: CSV (a known product's layout, or columns guessed for the
//! user to correct, with a preview) and vCard 2.1/3.0/4.0, in whatever
//! encoding they were saved ([`encoding`]).
//!
//! Both readers turn their input into [`PersonDraft`]s; the store then
//! imports the drafts in one transaction (`Store::import_persons`), where
//! a draft whose address is already a person's is merged into that person
//! instead of doubling them.

// Parsing what others wrote: no index or slice that can panic.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

mod encoding;
mod layouts;
mod table;
mod vcard;

pub use encoding::EncodingFound;
use encoding::Hints;
pub use layouts::Layout;

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
    MiddleName,
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
            "middle_name" | "additional_name" => Field::MiddleName,
            "last_name" | "family_name" | "surname" => Field::LastName,
            "email" | "e_mail" => Field::Email,
            "phone" | "tel" => Field::Phone,
            "org" | "organization" | "organisation" | "company" => Field::Org,
            "domain" | "website" => Field::Domain,
            "ignore" | "skip" | "none" => Field::Ignore,
            _ => return None,
        })
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
    /// The field of each column, in order: the known export's, or guessed.
    pub fields: Vec<Field>,
    /// The known export the headers are, if they are one.
    pub layout: Option<Layout>,
    /// The first rows, for the preview.
    pub sample: Vec<Vec<String>>,
}

/// What kind of file is imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Csv,
    Vcard,
}

/// What the import dialog shows of a picked file before anything is
/// imported: how it was read, and a CSV's columns.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ImportFile {
    pub kind: FileKind,
    /// The encoding it is read in (a WHATWG name, "windows-1250").
    pub encoding: String,
    pub encoding_found: EncodingFound,
    /// The encodings the user may choose instead (the one in use among them).
    pub encodings: Vec<String>,
    /// A CSV file's columns; none for vCard.
    pub columns: Option<CsvColumns>,
}

/// How the user wants a file read: the encoding, and a CSV's field for
/// each column; what is left out is as detected.
#[derive(Debug, Clone, Default, Deserialize, specta::Type)]
pub struct ReadAs {
    pub encoding: Option<String>,
    pub fields: Option<Vec<Field>>,
    /// The user's language, which weighs the guess of a legacy encoding.
    pub language: Option<String>,
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

/// A file's text and kind.
struct Read {
    kind: FileKind,
    decoded: encoding::Decoded,
}

fn read(bytes: &[u8], file_name: &str, read_as: &ReadAs) -> Result<Read> {
    let named_vcard = {
        let name = file_name.to_ascii_lowercase();
        name.ends_with(".vcf") || name.ends_with(".vcard")
    };
    let hints = Hints {
        chosen: read_as.encoding.as_deref().filter(|e| !e.is_empty()),
        declared: Some(vcard::declared_charset),
        language: read_as.language.as_deref(),
    };
    let decoded = encoding::decode(bytes, hints)?;
    let starts_as_vcard = decoded.text.trim_start().get(..11).is_some_and(|s| s.eq_ignore_ascii_case("begin:vcard"));
    let kind = if named_vcard || starts_as_vcard { FileKind::Vcard } else { FileKind::Csv };
    Ok(Read { kind, decoded })
}

/// How a picked file reads: its kind, encoding and (for CSV) columns.
pub fn inspect(bytes: &[u8], file_name: &str, read_as: &ReadAs) -> Result<ImportFile> {
    let Read { kind, decoded } = read(bytes, file_name, read_as)?;
    let mut encodings: Vec<String> = encoding::OFFERED.iter().map(|e| (*e).to_owned()).collect();
    if !encodings.iter().any(|e| e == decoded.encoding) {
        encodings.push(decoded.encoding.to_owned());
    }
    let columns = match kind {
        FileKind::Vcard => None,
        FileKind::Csv => {
            let table = table::read(&decoded.text)?;
            let (layout, fields) = table::fields(&table);
            let sample = table.rows.iter().filter_map(|r| r.cells.clone()).take(5).collect();
            Some(CsvColumns { headers: table.headers, fields, layout, sample })
        }
    };
    Ok(ImportFile { kind, encoding: decoded.encoding.to_owned(), encoding_found: decoded.found, encodings, columns })
}

/// The persons (and organizations) a file holds, read as asked. Rows that
/// cannot be read come back as drafts with no name and no address, which
/// the import reports as skipped.
pub fn drafts(bytes: &[u8], file_name: &str, read_as: &ReadAs) -> Result<Vec<PersonDraft>> {
    let Read { kind, decoded } = read(bytes, file_name, read_as)?;
    match kind {
        FileKind::Vcard => {
            let drafts = vcard::drafts(&decoded.text, decoded.encoding);
            if drafts.is_empty() {
                return Err(Error::Invalid(Problem::NoVcard));
            }
            Ok(drafts)
        }
        FileKind::Csv => {
            let table = table::read(&decoded.text)?;
            let fields = match &read_as.fields {
                Some(fields) => fields.clone(),
                None => table::fields(&table).1,
            };
            if !fields.contains(&Field::Email) && !fields.contains(&Field::Org) {
                return Err(Error::Invalid(Problem::NoAddressColumn));
            }
            Ok(table::drafts(&table, &fields))
        }
    }
}

/// How many of a file's rows the import dialog's preview shows.
const PREVIEW_ROWS: usize = 50;

/// The first rows of a file as they would import, and how many it has:
/// the dialog shows a few, and a big file's every row need not cross to it
/// at each change of the mapping.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ImportPreview {
    /// Rows in the file (those that will be skipped included).
    pub total: u32,
    pub rows: Vec<PersonDraft>,
}

/// The preview of a file read as asked (see [`drafts`]).
pub fn preview(bytes: &[u8], file_name: &str, read_as: &ReadAs) -> Result<ImportPreview> {
    let mut rows = drafts(bytes, file_name, read_as)?;
    let total = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    rows.truncate(PREVIEW_ROWS);
    Ok(ImportPreview { total, rows })
}

/// The fields of a CSV file's columns with some named ones changed
/// (`--map`: column header, case-insensitive, to field).
pub fn fields_with(columns: &CsvColumns, changes: &[(String, Field)]) -> Result<Vec<Field>> {
    let mut fields = columns.fields.clone();
    for (column, field) in changes {
        let mut found = false;
        for (header, slot) in columns.headers.iter().zip(fields.iter_mut()) {
            if header.trim().to_lowercase() == *column {
                *slot = *field;
                found = true;
            }
        }
        if !found {
            return Err(Error::Invalid(Problem::NoSuchColumn {
                column: column.clone(),
                columns: columns.headers.clone(),
            }));
        }
    }
    Ok(fields)
}

/// Imports a file (see [`drafts`]).
pub async fn import(
    store: &Store,
    bytes: &[u8],
    file_name: &str,
    read_as: &ReadAs,
    going_on: &(dyn Fn(u32, u32) -> bool + Sync),
) -> Result<ImportReport> {
    let drafts = drafts(bytes, file_name, read_as)?;
    store.import_persons(&drafts, going_on).await
}

/// "https://www.acme.example/about" → "acme.example".
fn domain_of_url(url: &str) -> Option<String> {
    let rest = url.trim().split("://").last()?;
    let host = rest.split(['/', '?', '#', ':']).next()?.trim_start_matches("www.");
    host.contains('.').then(|| host.to_owned())
}

#[cfg(test)]
mod tests;
