//! The local CRM that emails are linked to (F-LINK): persons with several
//! addresses, organizations, deals, leads and projects, and the rules that
//! link every stored email to them.
//!
//! Records and their rows live in [`crate::store`] (`store/crm.rs`); the
//! linking rules in [`linking`]; import of address books in [`import`].

pub mod import;
pub mod linking;
mod service;

pub use service::Crm;

use crate::ids::{MessageId, RecordId};
use serde::{Deserialize, Serialize};

/// The kinds of record an email can be linked to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "TEXT", rename_all = "snake_case")]
pub enum RecordKind {
    Person,
    Org,
    Deal,
    Lead,
    Project,
}

impl RecordKind {
    /// The record's kind in English words, for the CLI and the logs ("a
    /// deal", "organization 5 was not found").
    pub fn noun(self) -> &'static str {
        match self {
            RecordKind::Person => "person",
            RecordKind::Org => "organization",
            RecordKind::Deal => "deal",
            RecordKind::Lead => "lead",
            RecordKind::Project => "project",
        }
    }

    /// Kinds that follow a person automatically (the "only one open" rule
    /// and conversation choices).
    pub const FOLLOWING_PERSONS: [RecordKind; 3] = [RecordKind::Deal, RecordKind::Lead, RecordKind::Project];
}

/// Where a deal stands. Only open deals get new automatic links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "TEXT", rename_all = "snake_case")]
pub enum DealStatus {
    Open,
    Won,
    Lost,
}

/// Preference "Link emails to deals".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "TEXT", rename_all = "snake_case")]
pub enum LinkMode {
    /// A person's only open deal (lead, project) is linked by itself;
    /// several ask the user to choose.
    Automatic,
    /// No deal (lead, project) is linked without the user's choice.
    Manual,
}

/// An amount of money in minor units (cents) and its currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Money {
    pub minor: i64,
    pub currency: String,
}

impl Money {
    /// Reads an amount as people type it in any of the window's languages,
    /// with a currency code: "1500", "1,500.50", "1 500,50", "1500,5". A
    /// comma or point followed by one or two digits at the end is the
    /// decimal mark; commas between groups of three digits, spaces, `_` and
    /// `'` group. A point before three digits ("1.234") could be either, so
    /// it is refused rather than guessed, as is a third decimal.
    pub fn parse(value: &str, currency: &str) -> Option<Money> {
        let value: String = value.chars().filter(|c| !c.is_whitespace() && *c != '_' && *c != '\'').collect();
        let (negative, value) = match value.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, value.as_str()),
        };
        let (whole, fraction) = match value.rfind([',', '.']) {
            Some(at) if (1..=2).contains(&(value.len() - at - 1)) => (&value[..at], &value[at + 1..]),
            _ => (value, ""),
        };
        if (whole.is_empty() && fraction.is_empty())
            || whole.contains('.')
            || !fraction.chars().all(|c| c.is_ascii_digit())
        {
            return None;
        }
        let groups: Vec<&str> = whole.split(',').collect();
        let grouped =
            groups.len() == 1 || ((1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3));
        if !grouped || !groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit())) {
            return None;
        }
        let digits = groups.concat();
        let whole: i64 = if digits.is_empty() { 0 } else { digits.parse().ok()? };
        let cents: i64 = format!("{fraction:0<2}").parse().ok()?;
        let minor = whole.checked_mul(100)?.checked_add(cents)?;
        Some(Money { minor: if negative { -minor } else { minor }, currency: currency.trim().to_uppercase() })
    }

    /// "1500.50 EUR".
    pub fn display(&self) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        format!("{sign}{}.{:02} {}", abs / 100, abs % 100, self.currency).trim_end().to_owned()
    }
}

/// A person, with every address they write from.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Person {
    pub id: RecordId,
    pub name: String,
    /// Normalized addresses, the first one the main one.
    pub emails: Vec<String>,
    pub phone: String,
    pub org_id: Option<RecordId>,
    pub org_name: Option<String>,
}

/// An organization and its domains.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Organization {
    pub id: RecordId,
    pub name: String,
    pub domains: Vec<String>,
}

/// A deal, lead or project: what the person's emails are about. One type
/// for the three, as they share most fields; `kind` says which it is, and
/// fields a kind does not have stay empty (a project has no value or
/// status, a lead no status).
#[derive(Debug, Clone, Serialize, specta::Type)]
// TypeScript has a `Record` of its own.
#[serde(rename = "CrmRecord")] // the TypeScript name; Record is a TypeScript utility type
pub struct Record {
    pub kind: RecordKind,
    pub id: RecordId,
    pub title: String,
    pub value: Option<Money>,
    pub status: Option<DealStatus>,
    pub person_id: Option<RecordId>,
    pub person_name: Option<String>,
    pub org_id: Option<RecordId>,
    pub org_name: Option<String>,
    /// Deals only: YYYY-MM-DD.
    pub expected_close: Option<String>,
    /// Projects only: the deals they cover.
    pub deal_ids: Vec<RecordId>,
}

/// What a person is made of when created or edited.
#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
pub struct PersonInput {
    pub name: String,
    pub emails: Vec<String>,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub org_id: Option<RecordId>,
}

/// What an organization is made of when created or edited.
#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
pub struct OrgInput {
    pub name: String,
    #[serde(default)]
    pub domains: Vec<String>,
}

/// What a deal, lead or project is made of when created or edited. Fields
/// a kind does not have are ignored.
#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
pub struct RecordInput {
    pub title: String,
    #[serde(default)]
    pub value: Option<Money>,
    #[serde(default)]
    pub status: Option<DealStatus>,
    #[serde(default)]
    pub person_id: Option<RecordId>,
    #[serde(default)]
    pub org_id: Option<RecordId>,
    #[serde(default)]
    pub expected_close: Option<String>,
    #[serde(default)]
    pub deal_ids: Vec<RecordId>,
}

/// A person about to be made from an email, as the form shows it first:
/// the sender's name and address, and the organization of the address's
/// domain (the one that has it, else a name made from the domain; none for
/// free-mail domains such as gmail.com).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct PersonPrefill {
    pub name: String,
    pub email: String,
    pub org_id: Option<RecordId>,
    pub org_name: String,
    /// The domain a new organization would get ("" for free mail).
    pub domain: String,
}

/// "acme.example" → "Acme", "mail.globex.co.uk" → "Globex": a first guess
/// at an organization's name that the user can correct.
pub fn org_name_from_domain(domain: &str) -> String {
    let labels: Vec<&str> = domain.split('.').filter(|l| !l.is_empty()).collect();
    let mut end = labels.len().saturating_sub(1);
    if end >= 2
        && labels.get(end).is_some_and(|tld| tld.len() == 2)
        && labels.get(end - 1).is_some_and(|sld| ["co", "com", "org", "net", "ac", "gov", "ne", "or"].contains(sld))
    {
        end -= 1;
    }
    let name = if end == 0 { labels.first() } else { labels.get(end - 1) }.copied().unwrap_or("");
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Why an email is linked to a record: a code with its parameters, which
/// each front end words in its user's language ([`LinkReason::english`]
/// for the CLI and the logs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum LinkReason {
    /// `address`, on the email, is an address of the person `owner`.
    Address { address: String, owner: Option<String> },
    /// The record is the only open one of its kind of the person `owner`,
    /// found through `address`.
    OnlyOne { kind: RecordKind, address: String, owner: Option<String> },
    /// The user picked it for the email's conversation, on `day`
    /// (YYYY-MM-DD).
    Choice { day: String },
    /// The user linked it by hand, on `day` (YYYY-MM-DD).
    User { day: String },
    /// A Smart BCC copy sent to the record's own address, captured on
    /// `day` (YYYY-MM-DD).
    Capture { day: String },
}

impl LinkReason {
    /// The reason in English words: "linked automatically: bob@acme.example
    /// is an address of Bob Stone".
    pub fn english(&self) -> String {
        let owner = |o: &Option<String>| o.clone().unwrap_or_else(|| "a person".into());
        match self {
            LinkReason::Address { address, owner: o } => {
                format!("linked automatically: {address} is an address of {}", owner(o))
            }
            LinkReason::OnlyOne { kind: RecordKind::Deal, address, owner: o } => {
                format!("linked automatically: the only open deal of {} ({address})", owner(o))
            }
            LinkReason::OnlyOne { kind, address, owner: o } => {
                format!("linked automatically: the only {} of {} ({address})", kind.noun(), owner(o))
            }
            LinkReason::Choice { day } => format!("linked by you for this conversation on {day}"),
            LinkReason::User { day } => format!("linked by you on {day}"),
            LinkReason::Capture { day } => format!("sent to its Smart BCC address (captured on {day})"),
        }
    }
}

/// A record an email is linked to, and why.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct MessageLink {
    pub kind: RecordKind,
    pub id: RecordId,
    /// The record's name or title.
    pub title: String,
    pub reason: LinkReason,
    /// Linked by the user (by hand or by choosing for the conversation).
    pub by_user: bool,
}

/// Several open deals (leads, projects) of the email's persons match: the
/// user picks one, and it holds for the rest of the conversation.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct PendingChoice {
    pub kind: RecordKind,
    pub candidates: Vec<ChoiceCandidate>,
}

/// One record offered in a pending choice.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ChoiceCandidate {
    pub id: RecordId,
    pub title: String,
}

/// Everything an email is linked to, and what waits for the user.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct MessageLinks {
    pub message_id: MessageId,
    pub links: Vec<MessageLink>,
    pub choices: Vec<PendingChoice>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organization_names_are_guessed_from_domains() {
        assert_eq!(org_name_from_domain("acme.example"), "Acme");
        assert_eq!(org_name_from_domain("mail.globex.co.uk"), "Globex");
        assert_eq!(org_name_from_domain("initech.com"), "Initech");
        assert_eq!(org_name_from_domain("localhost"), "Localhost");
        assert_eq!(org_name_from_domain(""), "");
    }

    #[test]
    fn money_reads_what_people_type() {
        let m = |v: &str| Money::parse(v, "eur").map(|m| m.minor);
        assert_eq!(m("1500"), Some(150_000));
        assert_eq!(m("1,500.5"), Some(150_050));
        assert_eq!(m("0.07"), Some(7));
        assert_eq!(m("-3"), Some(-300));
        assert_eq!(m("1.234"), None);
        assert_eq!(m("1.2345"), None);
        assert_eq!(m("ten"), None);
        assert_eq!(m("12,000"), Some(1_200_000));
        assert_eq!(m("1,234,567.89"), Some(123_456_789));
        assert_eq!(m("1,23,456"), None);
        assert_eq!(m("12,34,56"), None);
        // As Czech, Estonian and Swedish write it (the spaces may be no-break).
        assert_eq!(m("1500,50"), Some(150_050));
        assert_eq!(m("1 500,5"), Some(150_050));
        assert_eq!(m("1\u{a0}234\u{202f}567,89"), Some(123_456_789));
        assert_eq!(m(",5"), Some(50));
        assert_eq!(m("-1 500,25"), Some(-150_025));
        assert_eq!(m("1,5.00"), None);
        assert_eq!(m("--3"), None);
        assert_eq!(m(""), None);
        assert_eq!(Money::parse("1500.5", "eur").map(|m| m.display()), Some("1500.50 EUR".into()));
    }
}
