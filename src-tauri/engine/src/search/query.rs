//! What the user typed in the search box, read into terms: words, "exact
//! phrases" and operators (`from:`, `to:`, `cc:`, `subject:`,
//! `has:attachment`, `filename:`, `before:`/`after:`, `in:`, `is:`,
//! `account:`, `person:`, `deal:`, `org:`), each of which `-` negates.
//! The operators are English in every language, as in the mail clients
//! people know. An unknown operator is read as a plain word, so a search
//! for "re:order" still finds what it says; a date that cannot be read is
//! an error naming it, rather than a search that silently ignores it.

use chrono::NaiveDate;

use crate::error::{Error, Result};
use crate::problem::Problem;

/// One part of a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// A word anywhere in the message.
    Word(String),
    /// Words in this order.
    Phrase(String),
    From(String),
    To(String),
    Cc(String),
    Subject(String),
    HasAttachment,
    Filename(String),
    /// Sent before this day (not on it).
    Before(NaiveDate),
    /// Sent on or after this day.
    After(NaiveDate),
    /// In a view (`inbox`, `archive`, `trash`) or a folder by name.
    In(String),
    Is(Flag),
    Account(String),
    /// Linked to a person (by name or id), and likewise below.
    Person(String),
    Deal(String),
    Org(String),
}

/// `is:` states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Unread,
    Read,
    Flagged,
}

/// A term, or its negation (`-word`, `-from:bob`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub term: Term,
    pub negated: bool,
}

/// Reads a search; all its parts must hold. An empty search has no parts.
pub fn parse(input: &str) -> Result<Vec<Part>> {
    tokens(input).into_iter().map(|(negated, token)| Ok(Part { term: term(token)?, negated })).collect()
}

/// The words and phrases a search looks for in the text, to be marked
/// where the results are shown (not what it excludes, nor operators on
/// addresses, dates or records).
pub fn highlights(parts: &[Part]) -> Vec<String> {
    parts
        .iter()
        .filter(|p| !p.negated)
        .filter_map(|p| match &p.term {
            Term::Word(v) | Term::Phrase(v) | Term::Subject(v) => Some(v.clone()),
            _ => None,
        })
        .filter(|v| v.chars().any(char::is_alphanumeric))
        .collect()
}

/// A token as typed: quoted (a phrase, or an operator's quoted value) or
/// a run up to the next space.
#[derive(Debug, PartialEq, Eq)]
enum Token {
    Bare(String),
    Quoted(String),
    /// `name:` followed by a quoted value.
    Operator(String, String),
}

fn tokens(input: &str) -> Vec<(bool, Token)> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else { break };
        let negated = first == '-' && {
            chars.next();
            chars.peek().is_some_and(|c| !c.is_whitespace())
        };
        if !negated && first == '-' {
            continue; // a lone dash
        }
        let mut text = String::new();
        let mut quoted = None;
        while let Some(c) = chars.next() {
            if c == '"' {
                let inner: String = chars.by_ref().take_while(|c| *c != '"').collect();
                quoted = Some(inner);
                break;
            }
            if c.is_whitespace() {
                break;
            }
            text.push(c);
        }
        let token = match quoted {
            Some(inner) if text.is_empty() => Token::Quoted(inner),
            Some(inner) if text.ends_with(':') => Token::Operator(text.trim_end_matches(':').to_owned(), inner),
            Some(inner) => Token::Bare(format!("{text}{inner}")),
            None => Token::Bare(text),
        };
        out.push((negated, token));
    }
    out
}

fn term(token: Token) -> Result<Term> {
    let (name, value, quoted) = match token {
        Token::Quoted(phrase) => return Ok(Term::Phrase(phrase.trim().to_owned())),
        Token::Operator(name, value) => (name, value, true),
        Token::Bare(text) => match text.split_once(':') {
            Some((name, value)) if !name.is_empty() && !value.is_empty() => (name.to_owned(), value.to_owned(), false),
            _ => return Ok(Term::Word(text)),
        },
    };
    let value = value.trim().to_owned();
    let date = |v: &str| {
        NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map_err(|_| Error::Invalid(Problem::BadSearchDate { text: v.to_owned() }))
    };
    Ok(match name.to_ascii_lowercase().as_str() {
        "from" => Term::From(value),
        "to" => Term::To(value),
        "cc" => Term::Cc(value),
        "subject" => Term::Subject(value),
        "has" if value.eq_ignore_ascii_case("attachment") => Term::HasAttachment,
        "filename" => Term::Filename(value),
        "before" => Term::Before(date(&value)?),
        "after" => Term::After(date(&value)?),
        "in" => Term::In(value),
        "is" if value.eq_ignore_ascii_case("unread") => Term::Is(Flag::Unread),
        "is" if value.eq_ignore_ascii_case("read") => Term::Is(Flag::Read),
        "is" if value.eq_ignore_ascii_case("flagged") => Term::Is(Flag::Flagged),
        "account" => Term::Account(value),
        "person" => Term::Person(value),
        "deal" => Term::Deal(value),
        "org" => Term::Org(value),
        // Not an operator: the words as typed.
        _ if quoted => Term::Phrase(format!("{name}: {value}")),
        _ => Term::Word(format!("{name}:{value}")),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn part(term: Term) -> Part {
        Part { term, negated: false }
    }

    fn not(term: Term) -> Part {
        Part { term, negated: true }
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn searches_read_as_the_user_meant_them() {
        let w = |s: &str| Term::Word(s.into());
        let cases: Vec<(&str, Vec<Part>)> = vec![
            ("", vec![]),
            ("   ", vec![]),
            ("quote acme", vec![part(w("quote")), part(w("acme"))]),
            ("\"signed order\"", vec![part(Term::Phrase("signed order".into()))]),
            ("from:bob subject:licence", vec![part(Term::From("bob".into())), part(Term::Subject("licence".into()))]),
            (
                "subject:\"price list\" -from:carol",
                vec![part(Term::Subject("price list".into())), not(Term::From("carol".into()))],
            ),
            (
                "-spam has:attachment filename:pdf",
                vec![not(w("spam")), part(Term::HasAttachment), part(Term::Filename("pdf".into()))],
            ),
            (
                "after:2026-01-01 before:2026-07-01",
                vec![part(Term::After(day("2026-01-01"))), part(Term::Before(day("2026-07-01")))],
            ),
            (
                "in:inbox is:unread IS:Flagged is:read",
                vec![
                    part(Term::In("inbox".into())),
                    part(Term::Is(Flag::Unread)),
                    part(Term::Is(Flag::Flagged)),
                    part(Term::Is(Flag::Read)),
                ],
            ),
            (
                "account:2 person:\"Bob Stone\" deal:12 org:Acme",
                vec![
                    part(Term::Account("2".into())),
                    part(Term::Person("Bob Stone".into())),
                    part(Term::Deal("12".into())),
                    part(Term::Org("Acme".into())),
                ],
            ),
            // Unknown operators and odd input stay words.
            (
                "re:order has:pdf 10:30 :x y:",
                vec![part(w("re:order")), part(w("has:pdf")), part(w("10:30")), part(w(":x")), part(w("y:"))],
            ),
            ("- lone -\"not this\"", vec![part(w("lone")), not(Term::Phrase("not this".into()))]),
            ("明日の会議 příležitost", vec![part(w("明日の会議")), part(w("příležitost"))]),
            ("\"unclosed phrase", vec![part(Term::Phrase("unclosed phrase".into()))]),
        ];
        for (input, want) in cases {
            assert_eq!(parse(input).unwrap(), want, "{input:?}");
        }
    }

    #[test]
    fn a_date_that_cannot_be_read_is_named() {
        for input in ["before:yesterday", "after:2026-13-01", "after:\"1 May\""] {
            let e = parse(input).unwrap_err();
            assert!(matches!(e, Error::Invalid(Problem::BadSearchDate { .. })), "{input}: {e:?}");
        }
        assert_eq!(
            parse("before:2026-02-30").unwrap_err().user_message(),
            "\"2026-02-30\" is not a date like 2027-03-31 (before: and after: take YYYY-MM-DD)."
        );
    }

    #[test]
    fn the_words_looked_for_are_marked_not_the_excluded_ones() {
        let parts = parse("quote -spam \"signed order\" subject:会議 from:bob has:attachment \"--\"").unwrap();
        assert_eq!(highlights(&parts), ["quote", "signed order", "会議"]);
    }
}
