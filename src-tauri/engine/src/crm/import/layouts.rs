//! The contact exports of common products, known by their header rows.
//!
//! Guessing by words in headers goes wrong on real exports (a nickname or
//! a manager taken as the name, a job title as the organization), so a
//! file whose headers are a known export's is mapped by that export's
//! table here. Each table keeps only the columns that mean what we import;
//! everything else is ignored. The column lists come from the products'
//! published export formats; the fixtures in `tests` are written from them.

use serde::{Deserialize, Serialize};

use super::Field;

/// A product's contact export that is recognised by its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// Google Contacts' "Google CSV" since 2023 (First Name, Phonetic …,
    /// E-mail 1 - Value).
    GoogleContacts,
    /// Google Contacts' CSV before 2023 (Name, Given Name, Yomi …).
    GoogleContactsLegacy,
    /// Outlook for Windows' "Comma Separated Values" export.
    OutlookWindows,
    /// Outlook.com's (and the new Outlook's) contacts export.
    OutlookCom,
    /// Thunderbird's address book as CSV.
    Thunderbird,
    /// Pipedrive's export of people ("Person - …" columns).
    PipedrivePeople,
    /// Pipedrive's export of organizations ("Organization - …" columns).
    PipedriveOrganizations,
    /// HubSpot's export of contacts.
    HubspotContacts,
    /// HubSpot's export of companies.
    HubspotCompanies,
    /// LinkedIn's Connections.csv (from "Get a copy of your data").
    LinkedinConnections,
}

/// How one layout is known and read.
struct Spec {
    layout: Layout,
    /// Headers the export always has (normalized).
    needs: &'static [&'static str],
    /// Headers it never has: they tell it from a look-alike.
    lacks: &'static [&'static str],
    /// The field of a (normalized) header.
    field: fn(&str) -> Field,
}

const SPECS: &[Spec] = &[
    Spec {
        layout: Layout::GoogleContacts,
        needs: &["first name", "middle name", "last name", "phonetic first name", "file as"],
        lacks: &[],
        field: google,
    },
    Spec {
        layout: Layout::GoogleContactsLegacy,
        needs: &["name", "given name", "additional name", "family name", "group membership"],
        lacks: &[],
        field: google_legacy,
    },
    Spec {
        layout: Layout::OutlookWindows,
        needs: &["first name", "last name", "e-mail address", "e-mail type", "e-mail display name"],
        lacks: &[],
        field: outlook,
    },
    Spec {
        layout: Layout::OutlookCom,
        needs: &["first name", "last name", "e-mail address", "given yomi", "surname yomi"],
        lacks: &["e-mail display name"],
        field: outlook,
    },
    Spec {
        layout: Layout::Thunderbird,
        needs: &["first name", "last name", "display name", "primary email", "secondary email"],
        lacks: &[],
        field: thunderbird,
    },
    Spec { layout: Layout::PipedrivePeople, needs: &["person - name"], lacks: &[], field: pipedrive_people },
    Spec {
        layout: Layout::PipedriveOrganizations,
        needs: &["organization - name"],
        lacks: &["person - name"],
        field: pipedrive_organizations,
    },
    Spec {
        layout: Layout::HubspotContacts,
        needs: &["record id", "first name", "last name", "email"],
        lacks: &[],
        field: hubspot_contacts,
    },
    Spec {
        layout: Layout::HubspotCompanies,
        needs: &["record id", "company name", "company domain name"],
        lacks: &["email", "first name"],
        field: hubspot_companies,
    },
    Spec {
        layout: Layout::LinkedinConnections,
        needs: &["first name", "last name", "email address", "company", "position", "connected on"],
        lacks: &[],
        field: linkedin,
    },
];

/// A header as the tables spell it: trimmed, lower case, single spaces,
/// typographic apostrophes made plain (as spreadsheets re-save them).
pub fn normalized(header: &str) -> String {
    header
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '"')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(['\u{2019}', '\u{2018}'], "'")
        .to_lowercase()
}

/// The known export these headers are, and the field of each column; when
/// several match, the one that needs the most headers (the most specific).
pub fn recognise(headers: &[String]) -> Option<(Layout, Vec<Field>)> {
    let headers: Vec<String> = headers.iter().map(|h| normalized(h)).collect();
    let has = |h: &&str| headers.iter().any(|x| x == h);
    let spec =
        SPECS.iter().filter(|s| s.needs.iter().all(has) && !s.lacks.iter().any(has)).max_by_key(|s| s.needs.len())?;
    Some((spec.layout, headers.iter().map(|h| (spec.field)(h)).collect()))
}

/// "E-mail 2 - Value" and the like: a numbered column of a kind.
fn numbered(header: &str, kind: &str, part: &str) -> bool {
    header
        .strip_prefix(kind)
        .and_then(|rest| rest.strip_suffix(part))
        .is_some_and(|n| !n.trim().is_empty() && n.trim().chars().all(|c| c.is_ascii_digit()))
}

fn google(h: &str) -> Field {
    match h {
        "first name" => Field::FirstName,
        "middle name" => Field::MiddleName,
        "last name" => Field::LastName,
        "organization name" => Field::Org,
        _ => google_values(h),
    }
}

fn google_legacy(h: &str) -> Field {
    match h {
        "name" => Field::Name,
        "given name" => Field::FirstName,
        "additional name" => Field::MiddleName,
        "family name" => Field::LastName,
        "organization 1 - name" => Field::Org,
        _ => google_values(h),
    }
}

/// Both Google layouts' numbered "E-mail n - Value" and "Phone n - Value"
/// (never their "- Type" or "- Label").
fn google_values(h: &str) -> Field {
    if numbered(h, "e-mail ", " - value") {
        Field::Email
    } else if numbered(h, "phone ", " - value") {
        Field::Phone
    } else {
        Field::Ignore
    }
}

fn outlook(h: &str) -> Field {
    match h {
        "first name" => Field::FirstName,
        "middle name" => Field::MiddleName,
        "last name" => Field::LastName,
        "company" => Field::Org,
        "e-mail address" | "e-mail 2 address" | "e-mail 3 address" => Field::Email,
        "business phone" | "mobile phone" | "primary phone" | "home phone" => Field::Phone,
        _ => Field::Ignore,
    }
}

fn thunderbird(h: &str) -> Field {
    match h {
        "display name" => Field::Name,
        "first name" => Field::FirstName,
        "last name" => Field::LastName,
        "primary email" | "secondary email" => Field::Email,
        "work phone" | "mobile number" | "home phone" => Field::Phone,
        // A British build spells it so.
        "organization" | "organisation" => Field::Org,
        _ => Field::Ignore,
    }
}

fn pipedrive_people(h: &str) -> Field {
    let Some(h) = h.strip_prefix("person - ") else { return Field::Ignore };
    match h {
        "name" => Field::Name,
        "first name" => Field::FirstName,
        "last name" => Field::LastName,
        "organization" => Field::Org,
        // "Email - Work", "Email - Home" …, never "Email messages count".
        "email" => Field::Email,
        _ if h.starts_with("email - ") => Field::Email,
        "phone" => Field::Phone,
        _ if h.starts_with("phone - ") => Field::Phone,
        _ => Field::Ignore,
    }
}

fn pipedrive_organizations(h: &str) -> Field {
    match h {
        "organization - name" => Field::Org,
        "organization - website" => Field::Domain,
        _ => Field::Ignore,
    }
}

fn hubspot_contacts(h: &str) -> Field {
    match h {
        "first name" => Field::FirstName,
        "last name" => Field::LastName,
        "email" | "additional email addresses" => Field::Email,
        "phone number" | "mobile phone number" => Field::Phone,
        "company name" => Field::Org,
        _ => Field::Ignore,
    }
}

fn hubspot_companies(h: &str) -> Field {
    match h {
        "company name" | "name" => Field::Org,
        "company domain name" | "website url" => Field::Domain,
        _ => Field::Ignore,
    }
}

fn linkedin(h: &str) -> Field {
    match h {
        "first name" => Field::FirstName,
        "last name" => Field::LastName,
        "email address" => Field::Email,
        "company" => Field::Org,
        _ => Field::Ignore,
    }
}
