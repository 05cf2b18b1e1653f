//! One spelling per email address, so that a person's address and the same
//! address on a message are equal as strings and an index finds them.
//!
//! The rules: surrounding spaces, angle brackets and a display name go;
//! case does not count (the local part is compared case-insensitively too,
//! as every mail provider a salesperson meets does); a domain written in
//! Unicode and its punycode form are one domain (stored in ASCII form).
//! Plus-addressing is kept: bob+news@x is a different address from bob@x,
//! unless a person lists both.

// Parsing what others wrote: no index or slice that can panic.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

/// The normalized form of an address as typed or as found in a header.
/// An empty result means there was no address.
pub fn normalize(raw: &str) -> String {
    let mut address = raw.trim();
    // "Bob Stone <bob@acme.example>": the part in angle brackets.
    if let (Some(open), Some(close)) = (address.rfind('<'), address.rfind('>'))
        && open < close
    {
        address = address.get(open + 1..close).unwrap_or(address);
    }
    let address = address.trim().trim_start_matches('<').trim_end_matches('>').trim();
    match address.rsplit_once('@') {
        Some((local, domain)) => format!("{}@{}", local.trim().to_lowercase(), normalize_domain(domain)),
        None => address.to_lowercase(),
    }
}

/// A domain in lower-case ASCII (punycode for internationalized names).
/// A name IDNA rejects is kept, lower-cased, rather than lost.
pub fn normalize_domain(raw: &str) -> String {
    let domain = raw.trim().trim_start_matches('@').trim_end_matches('.');
    match idna::domain_to_ascii(domain) {
        Ok(ascii) if !ascii.is_empty() => ascii,
        _ => domain.to_lowercase(),
    }
}

/// The domain of a normalized address ("" when it has none).
pub fn domain_of(address: &str) -> &str {
    address.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
}

/// A mailbox's local part without its sub-address, and its domain:
/// `ann+tl-x@example.com` is delivered to `ann@example.com`'s mailbox.
pub fn mailbox(email: &str) -> Option<(&str, &str)> {
    let (local, domain) = email.rsplit_once('@')?;
    Some((local.split_once('+').map_or(local, |(base, _)| base), domain))
}

/// Whether two addresses are delivered to the same mailbox (sub-addresses
/// of one mailbox are; case does not count).
pub fn same_mailbox(a: &str, b: &str) -> bool {
    match (mailbox(a), mailbox(b)) {
        (Some((la, da)), Some((lb, db))) => la.eq_ignore_ascii_case(lb) && da.eq_ignore_ascii_case(db),
        _ => false,
    }
}

/// Whether a normalized address is one of `own` (the user's addresses),
/// sub-addresses included.
pub fn is_own(own: &[String], address: &str) -> bool {
    own.iter().any(|o| same_mailbox(o, address))
}

/// Domains where anyone can have an address: a person there tells nothing
/// about their organization.
pub fn is_free_mail(domain: &str) -> bool {
    const FREE: &[&str] = &[
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "gmx.com",
        "gmx.net",
        "gmx.de",
        "web.de",
        "mail.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "zoho.com",
        "yandex.com",
        "yandex.ru",
        "mail.ru",
        "qq.com",
        "163.com",
        "fastmail.com",
        "hey.com",
        "tutanota.com",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "libero.it",
    ];
    let domain = normalize_domain(domain);
    FREE.contains(&domain.as_str()) || ["yahoo.", "hotmail.", "outlook.", "live."].iter().any(|p| domain.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_spaces_brackets_and_display_names_do_not_count() {
        for raw in [
            "bob@acme.example",
            "  Bob@ACME.example ",
            "<bob@acme.example>",
            "Bob Stone <BOB@acme.example>",
            "\"Stone, Bob\" < bob@Acme.Example >",
            "bob@acme.example.",
        ] {
            assert_eq!(normalize(raw), "bob@acme.example", "{raw:?}");
        }
    }

    #[test]
    fn unicode_and_punycode_domains_are_one_address() {
        let unicode = normalize("Jörg@Bücher.example");
        let puny = normalize("jörg@xn--bcher-kva.example");
        assert_eq!(unicode, "jörg@xn--bcher-kva.example");
        assert_eq!(unicode, puny);
        assert_eq!(normalize_domain("BÜCHER.example"), "xn--bcher-kva.example");
    }

    #[test]
    fn plus_addresses_stay_their_own_address() {
        assert_eq!(normalize("Bob+News@acme.example"), "bob+news@acme.example");
        assert_ne!(normalize("bob+news@acme.example"), normalize("bob@acme.example"));
    }

    #[test]
    fn odd_input_is_kept_not_lost() {
        assert_eq!(normalize(""), "");
        assert_eq!(normalize("   "), "");
        assert_eq!(normalize("Undisclosed"), "undisclosed");
        // A domain IDNA refuses (a space inside) is kept, lower-cased.
        assert_eq!(normalize("a@Bad Domain.example"), "a@bad domain.example");
    }

    #[test]
    fn free_mail_domains_are_known() {
        assert!(is_free_mail("gmail.com"));
        assert!(is_free_mail("GMAIL.COM"));
        assert!(is_free_mail("yahoo.co.uk"));
        assert!(!is_free_mail("acme.example"));
        assert_eq!(domain_of("bob@acme.example"), "acme.example");
        assert_eq!(domain_of("nobody"), "");
    }
}
