//! CSV files as tables: the delimiter, the header row (after a preamble,
//! as LinkedIn writes one), the rows with their line numbers, and the field
//! of each column: the known export's, else a careful guess from the
//! headers and the values under them.

use super::layouts::{self, Layout};
use super::{Field, PersonDraft, Source, domain_of_url};
use crate::error::{Error, Result};
use crate::problem::Problem;

/// A CSV file read as rows of cells.
#[derive(Debug)]
pub(super) struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

/// One row under the header.
#[derive(Debug)]
pub(super) struct Row {
    /// Its first line in the file, from 1.
    pub line: u32,
    /// Its cells; `None` when the row could not be read.
    pub cells: Option<Vec<String>>,
}

/// How many rows before the header a preamble may take.
const PREAMBLE: usize = 20;

/// Spreadsheets save CSV with commas, semicolons (where the comma is the
/// decimal mark) or tabs: the one the first lines use most.
fn delimiter(text: &str) -> u8 {
    let head: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(10).collect();
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| head.iter().map(|l| l.bytes().filter(|b| b == d).count()).sum::<usize>())
        .unwrap_or(b',')
}

/// Reads a CSV file's header and rows.
pub(super) fn read(text: &str) -> Result<Table> {
    // A Mac's Excel ends lines with a carriage return alone; the reader
    // takes it as a line's end, but counts lines by line feeds only.
    let text: std::borrow::Cow<'_, str> =
        if text.contains('\n') { text.into() } else { text.replace('\r', "\n").into() };
    let text = text.as_ref();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for record in reader.records() {
        records.push(match record {
            Ok(r) => Row {
                line: r.position().map_or(0, |p| u32::try_from(p.line()).unwrap_or(u32::MAX)),
                cells: Some(r.iter().map(str::to_owned).collect()),
            },
            Err(e) => {
                Row { line: e.position().map_or(0, |p| u32::try_from(p.line()).unwrap_or(u32::MAX)), cells: None }
            }
        });
    }
    let filled = |row: &Row| row.cells.as_ref().map_or(0, |c| c.iter().filter(|c| !c.is_empty()).count());
    let head = records.iter().take(PREAMBLE);
    let header = head
        .clone()
        .position(|r| r.cells.as_ref().is_some_and(|c| layouts::recognise(c).is_some()))
        .or_else(|| head.clone().position(|r| filled(r) >= 2))
        .or_else(|| records.iter().position(|r| filled(r) >= 1))
        .ok_or_else(|| Error::Invalid(Problem::NotCsv { detail: "no header row".into() }))?;
    let mut rows = records.split_off(header);
    let headers = rows.remove(0).cells.unwrap_or_default();
    Ok(Table { headers, rows })
}

/// The fields of a table's columns: those of the export it is, else
/// guessed; and which export it is.
pub(super) fn fields(table: &Table) -> (Option<Layout>, Vec<Field>) {
    if let Some((layout, fields)) = layouts::recognise(&table.headers) {
        return (Some(layout), fields);
    }
    let fields = table
        .headers
        .iter()
        .enumerate()
        .map(|(column, header)| {
            let values: Vec<&str> = table
                .rows
                .iter()
                .filter_map(|r| r.cells.as_ref()?.get(column).map(String::as_str))
                .filter(|v| !v.is_empty())
                .take(200)
                .collect();
            guess(header, &values)
        })
        .collect();
    (None, fields)
}

/// Words (or their beginnings) that make a column never the person's
/// name, address or organization, whatever else its header says.
const NEVER: &[&str] = &[
    "nick",
    "phonetic",
    "yomi",
    "manager",
    "assistant",
    "maiden",
    "spouse",
    "children",
    "referred",
    "owner",
    "file as",
    "short name",
    "screen name",
    "user name",
    "username",
    // The same in our users' languages: manager, assistant, nickname,
    // phonetic reading, spouse (Swedish, Czech, Estonian, Japanese, Korean).
    "chef",
    "assisten",
    "asistent",
    "smeknamn",
    "nadřízen",
    "přezdív",
    "manžel",
    "juhi",
    "hüüdnimi",
    "abikaasa",
    "上司",
    "アシスタント",
    "秘書",
    "ニックネーム",
    "フリガナ",
    "ふりがな",
    "よみ",
    "ヨミ",
    "配偶者",
    "관리자",
    "상사",
    "비서",
    "어시스턴트",
    "닉네임",
    "별명",
    "배우자",
];

/// Words that make an organization's column its title, department or place.
const NOT_ORG: &[&str] = &[
    "title",
    "department",
    "dept",
    "job",
    "position",
    "location",
    "office",
    "address",
    "domain",
    "website",
    "url",
    "id",
    "size",
    "industry",
    "type",
    "label",
];

/// The field a column of an unknown layout most likely holds: an address
/// column only if most of its values are addresses; a name only if its
/// header says name and not nickname, phonetic, yomi, manager or assistant;
/// an organization only if it says company and not title or department.
pub(super) fn guess(header: &str, values: &[&str]) -> Field {
    let h = layouts::normalized(header);
    let words: Vec<&str> = h.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    // A plain word is matched as a word ("tel", not "hotel"), anything else
    // ("e-mail", "first name", "メール") inside the header.
    let said = |list: &[&str]| {
        list.iter()
            .any(|w| if w.chars().all(|c| c.is_ascii_alphanumeric()) { words.contains(w) } else { h.contains(w) })
    };
    let begun = |list: &[&str]| {
        list.iter().any(|w| if w.contains(' ') { h.contains(w) } else { words.iter().any(|x| x.starts_with(w)) })
    };
    if begun(NEVER) {
        return Field::Ignore;
    }
    let addresses = values.iter().filter(|v| is_address_list(v)).count();
    if !values.is_empty() && addresses * 2 > values.len() {
        return Field::Email;
    }
    if said(&["email", "e-mail", "mail", "e-post", "epost", "メール", "이메일"]) {
        let described = said(&["display", "type", "label", "name", "count", "status", "opt", "sent", "received"]);
        return if values.is_empty() && !described { Field::Email } else { Field::Ignore };
    }
    if said(&["phone", "mobile", "tel", "telefon", "telephone", "cell", "mobil", "電話", "전화"]) {
        return if said(&["fax"]) { Field::Ignore } else { Field::Phone };
    }
    // One character: the whole header (名前 is the full name).
    match h.as_str() {
        "名" => return Field::FirstName,
        "姓" | "성" => return Field::LastName,
        _ => {}
    }
    if said(&["first name", "firstname", "given name", "vorname", "prénom", "förnamn", "eesnimi", "jméno"]) {
        return Field::FirstName;
    }
    if said(&["middle name", "middlename", "additional name"]) {
        return Field::MiddleName;
    }
    if said(&[
        "last name",
        "lastname",
        "surname",
        "family name",
        "nachname",
        "příjmení",
        "perenimi",
        "perekonnanimi",
        "efternamn",
    ]) {
        return Field::LastName;
    }
    // "Company Domain Name", "Company Website": the company's, but a domain.
    if said(&["domain", "website", "web site", "web page", "homepage"]) {
        return Field::Domain;
    }
    let org = said(&[
        "organization",
        "organisation",
        "company",
        "firma",
        "employer",
        "org",
        "företag",
        "ettevõte",
        "organisatsioon",
        "společnost",
        "会社",
        "회사",
    ]);
    if org {
        return if said(NOT_ORG) { Field::Ignore } else { Field::Org };
    }
    if said(&["name", "名前", "氏名", "이름", "nimi", "namn"]) {
        return Field::Name;
    }
    Field::Ignore
}

/// A cell holding only addresses (one or several).
fn is_address_list(value: &str) -> bool {
    let addresses = addresses_in(value);
    !addresses.is_empty() && addresses.iter().all(|a| is_address(a))
}

/// The plain form of an address: one @, something before it, a dotted
/// domain after it, nothing a name or a note would hold.
fn is_address(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !text.contains(|c: char| c.is_whitespace() || "()<>[],;:\"".contains(c))
        }
        None => false,
    }
}

/// The addresses of a cell: "a@x; b@y", Google's "a@x ::: b@y", or
/// "Name <a@x>" forms.
pub(super) fn addresses_in(value: &str) -> Vec<String> {
    if value.contains('<') && value.contains('>') {
        return value
            .split('<')
            .skip(1)
            .filter_map(|part| part.split_once('>').map(|(a, _)| a.trim().to_owned()))
            .filter(|a| !a.is_empty())
            .collect();
    }
    value
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .map(|t| t.trim().trim_start_matches("mailto:"))
        .filter(|t| !t.is_empty() && !t.chars().all(|c| c == ':'))
        .map(str::to_owned)
        .collect()
}

/// The persons (or organizations) of a table's rows, read with these
/// fields. Of a field that holds one value (a name, a phone), the first
/// column with a value gives it.
pub(super) fn drafts(table: &Table, fields: &[Field]) -> Vec<PersonDraft> {
    table
        .rows
        .iter()
        .map(|row| {
            let source = Source::Line { number: row.line };
            let Some(cells) = &row.cells else {
                return PersonDraft { source, ..Default::default() };
            };
            let mut draft = PersonDraft { source, ..Default::default() };
            let (mut first, mut middle, mut last) = (String::new(), String::new(), String::new());
            for (value, field) in cells.iter().zip(fields) {
                if value.is_empty() {
                    continue;
                }
                let once = |slot: &mut String| {
                    if slot.is_empty() {
                        // Google keeps several values in one cell, " ::: " between.
                        value.split(" ::: ").next().unwrap_or(value).trim().clone_into(slot);
                    }
                };
                match field {
                    Field::Name => once(&mut draft.name),
                    Field::FirstName => once(&mut first),
                    Field::MiddleName => once(&mut middle),
                    Field::LastName => once(&mut last),
                    Field::Email => draft.emails.extend(addresses_in(value)),
                    Field::Phone => once(&mut draft.phone),
                    Field::Org => once(&mut draft.org),
                    Field::Domain => draft.domains.push(domain_of_url(value).unwrap_or_else(|| value.to_owned())),
                    Field::Ignore => {}
                }
            }
            if draft.name.is_empty() {
                draft.name = full_name(&first, &middle, &last);
            }
            draft
        })
        .collect()
}

/// A name from its parts, in the order its script writes them: given name
/// first, but family name first (and no spaces) in Chinese, Japanese and
/// Korean, as the products that wrote them show such names.
pub(super) fn full_name(first: &str, middle: &str, last: &str) -> String {
    let east_asian = |s: &str| {
        s.chars().any(|c| {
            matches!(c as u32,
                0x3040..=0x30FF     // kana
                | 0x3400..=0x4DBF   // CJK extension A
                | 0x4E00..=0x9FFF   // CJK ideographs
                | 0xAC00..=0xD7AF   // Hangul syllables
                | 0x1100..=0x11FF) // Hangul jamo
        })
    };
    if east_asian(first) || east_asian(last) {
        return format!("{last}{middle}{first}");
    }
    [first, middle, last].into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ")
}
