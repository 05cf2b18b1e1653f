//! Smart fields: `{{person.first_name}}` and its kind in a subject, a body
//! or a template, filled from the CRM when the message is rendered or
//! sent. Values are written as the user's language writes them (money and
//! dates by CLDR, through ICU4X, as the window's Intl shows them on the
//! deal). A field with no value is filled with nothing and reported, so
//! the window can ask before sending; a name that is not a field is an
//! error, so that a message never leaves with a raw `{{…}}`.

use std::collections::HashMap;

use icu_datetime::DateTimeFormatter;
use icu_datetime::fieldsets::YMD;
use icu_datetime::input::Date;
use icu_decimal::input::Decimal;
use icu_experimental::dimension::currency::CurrencyType;
use icu_experimental::dimension::currency::formatter::CurrencyFormatter;
use icu_locale_core::Locale;

use crate::crm::Money;

/// Every smart field, in the order the composer's menu lists them.
pub const FIELDS: &[&str] = &[
    "person.name",
    "person.first_name",
    "person.email",
    "org.name",
    "deal.title",
    "deal.value",
    "deal.close_date",
    "lead.title",
    "lead.value",
    "project.title",
    "user.name",
    "user.email",
];

/// The fields' values for one message; a field without a value is absent.
#[derive(Debug, Clone, Default)]
pub(crate) struct Values(HashMap<&'static str, String>);

impl Values {
    /// Sets a field; an empty value counts as none.
    pub fn set(&mut self, field: &'static str, value: impl Into<String>) {
        let value = value.into();
        if !value.trim().is_empty() {
            self.0.insert(field, value.trim().to_owned());
        }
    }

    fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }
}

/// Text with its fields filled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Filled {
    pub text: String,
    /// Fields that had no value (filled with nothing), each once.
    pub missing: Vec<String>,
    /// Names in braces that are not fields (left as they were).
    pub unknown: Vec<String>,
}

/// Fills the fields in `text`; with `html`, values are escaped as HTML
/// text.
pub(crate) fn fill(text: &str, values: &Values, html: bool) -> Filled {
    let mut out = Filled::default();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.text.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some((name, len)) = field_at(after) else {
            out.text.push_str("{{");
            rest = after;
            continue;
        };
        match (FIELDS.iter().find(|f| **f == name), values.get(name)) {
            (Some(_), Some(value)) if html => out.text.push_str(&crate::mime::html::escape_text(value)),
            (Some(_), Some(value)) => out.text.push_str(value),
            (Some(field), None) => push_once(&mut out.missing, field),
            (None, _) => {
                push_once(&mut out.unknown, name);
                out.text.push_str(&rest[start..start + 2 + len]);
            }
        }
        rest = &after[len..];
    }
    out.text.push_str(rest);
    out
}

/// The field name right after `{{` and the length up to and with `}}`:
/// letters, digits, `_` and dots, spaces around allowed.
fn field_at(after: &str) -> Option<(&str, usize)> {
    let end = after.find("}}")?;
    let name = after[..end].trim();
    let valid = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && !name.starts_with('.')
        && !name.ends_with('.');
    valid.then_some((name, end + 2))
}

fn push_once(list: &mut Vec<String>, name: &str) {
    if !list.iter().any(|n| n == name) {
        list.push(name.to_owned());
    }
}

/// The locale values are written in: a BCP 47 tag ("en-GB", "ja"); one
/// that cannot be read is English.
pub(crate) fn locale(tag: Option<&str>) -> Locale {
    tag.and_then(|t| t.trim().replace('_', "-").parse::<Locale>().ok()).unwrap_or(icu_locale_core::locale!("en"))
}

/// An amount as the locale writes money ("$12,500.50", "12 500,50 €",
/// "￥12,501"); a currency code ICU does not know goes after the number.
pub(crate) fn money(value: &Money, locale: &Locale) -> String {
    let mut amount = Decimal::from(value.minor);
    amount.absolute.multiply_pow10(-2);
    let code = value.currency.trim().to_ascii_uppercase();
    let formatter = code
        .parse::<CurrencyType>()
        .ok()
        .and_then(|currency| CurrencyFormatter::try_new_symbol(locale.into(), currency, Default::default()).ok());
    match formatter {
        Some(f) => f.format_fixed_decimal(&amount).to_string(),
        None => {
            let figure = icu_decimal::DecimalFormatter::try_new(locale.into(), Default::default())
                .map(|f| f.format(&amount).to_string())
                .unwrap_or_else(|_| amount.to_string());
            format!("{figure} {code}").trim().to_owned()
        }
    }
}

/// A YYYY-MM-DD date as the locale writes it in prose, the month in
/// words where it has them ("December 31, 2026", "2026年12月31日"); one
/// that cannot be read stays as it is.
pub(crate) fn date(iso: &str, locale: &Locale) -> String {
    let parts: Vec<&str> = iso.trim().splitn(3, '-').collect();
    let parsed = match parts.as_slice() {
        [y, m, d] => match (y.parse::<i32>(), m.parse::<u8>(), d.parse::<u8>()) {
            (Ok(y), Ok(m), Ok(d)) => Date::try_new_iso(y, m, d).ok(),
            _ => None,
        },
        _ => None,
    };
    let formatter = DateTimeFormatter::try_new(locale.into(), YMD::long());
    match (parsed, formatter) {
        (Some(date), Ok(f)) => f.format(&date).to_string(),
        _ => iso.trim().to_owned(),
    }
}

/// The name a greeting uses: the first word of the name, or the whole
/// name where it is written in Chinese, Japanese or Korean script (family
/// name first, and addressing someone by the given name alone is not
/// done there).
pub(crate) fn first_name(name: &str) -> String {
    let name = name.trim();
    let cjk = name.chars().any(|c| {
        matches!(c as u32,
            0x1100..=0x11FF | 0x3040..=0x30FF | 0x3130..=0x318F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF)
    });
    if cjk { name.to_owned() } else { name.split_whitespace().next().unwrap_or_default().to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Values {
        let mut v = Values::default();
        v.set("person.first_name", "Bob");
        v.set("org.name", "Acme & Sons");
        v.set("deal.title", "");
        v
    }

    #[test]
    fn fields_are_filled_and_the_missing_and_unknown_named() {
        let f = fill(
            "Hi {{person.first_name}}, {{ org.name }}: {{deal.title}}{{deal.title}} {{dael.title}}",
            &values(),
            false,
        );
        assert_eq!(f.text, "Hi Bob, Acme & Sons:  {{dael.title}}");
        assert_eq!(f.missing, ["deal.title"]);
        assert_eq!(f.unknown, ["dael.title"]);
        let f = fill("<p>{{org.name}}</p>", &values(), true);
        assert_eq!(f.text, "<p>Acme &amp; Sons</p>");
    }

    #[test]
    fn braces_that_are_not_a_field_stay() {
        let f = fill("{{ }} {{a b}} {{unclosed", &values(), false);
        assert_eq!(f.text, "{{ }} {{a b}} {{unclosed");
        assert!(f.missing.is_empty() && f.unknown.is_empty());
    }

    #[test]
    fn money_and_dates_follow_the_language() {
        let eur = Money { minor: 1_250_050, currency: "EUR".into() };
        let cases = [
            ("en", "€12,500.50", "December 31, 2026"),
            ("ja", "€12,500.50", "2026年12月31日"),
            ("et", "12\u{a0}500,50\u{a0}€", "31 detsember 2026"),
            ("ko", "€12,500.50", "2026년 12월 31일"),
            ("cs", "12\u{a0}500,50\u{a0}€", "31. prosince 2026"),
            ("sv", "12\u{a0}500,50\u{a0}€", "31 december 2026"),
            ("en-GB", "€12,500.50", "31 December 2026"),
        ];
        for (tag, value, day) in cases {
            let l = locale(Some(tag));
            assert_eq!(money(&eur, &l), value, "{tag}");
            assert_eq!(date("2026-12-31", &l), day, "{tag}");
        }
        let yen = Money { minor: 1_250_000, currency: "jpy".into() };
        assert_eq!(money(&yen, &locale(Some("ja"))), "￥12,500");
        let odd = Money { minor: 150, currency: "XQQ1".into() };
        assert_eq!(money(&odd, &locale(Some("en"))), "1.50 XQQ1");
        assert_eq!(date("someday", &locale(None)), "someday");
    }

    #[test]
    fn first_names() {
        assert_eq!(first_name("Bob Stone"), "Bob");
        assert_eq!(first_name("山田 太郎"), "山田 太郎");
        assert_eq!(first_name("김민준"), "김민준");
        assert_eq!(first_name(""), "");
    }
}
