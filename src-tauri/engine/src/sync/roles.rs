//! Which folder is the account's Trash, Sent, Drafts, Archive and Junk.
//!
//! Actions, Sent copies and the app's boxes all go by these roles, so a
//! server that does not say (no SPECIAL-USE, RFC 6154) must still be
//! understood: first what the user picked, then SPECIAL-USE, then the
//! folder's name under a personal namespace (RFC 2342: `INBOX.Trash` on
//! Courier and Cyrus), in the spellings mail providers use, in our users'
//! languages too.

// Parsing what others wrote: no index or slice that can panic.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

use crate::imap::command::Listed;

/// The names each role goes by, lowercase, most usual first: an earlier
/// spelling wins when two folders could take the role.
const NAMES: &[(&str, &[&str])] = &[
    (
        "trash",
        &[
            "trash",
            "deleted items",
            "deleted messages",
            "deleted",
            "bin",
            "prügikast",
            "koš",
            "papperskorgen",
            "ごみ箱",
            "ゴミ箱",
            "휴지통",
            "kustutatud",
            "smazané",
            "borttaget",
        ],
    ),
    (
        "sent",
        &[
            "sent",
            "sent items",
            "sent messages",
            "sent mail",
            "saadetud",
            "saadetud kirjad",
            "odeslané",
            "odeslaná pošta",
            "skickat",
            "skickade objekt",
            "skickade",
            "送信済み",
            "送信済みメール",
            "送信済みアイテム",
            "보낸편지함",
            "보낸 편지함",
        ],
    ),
    ("drafts", &["drafts", "draft", "mustandid", "koncepty", "rozepsané", "utkast", "下書き", "임시보관함"]),
    ("archive", &["archive", "archives", "arhiiv", "archiv", "arkiv", "アーカイブ", "보관함"]),
    (
        "junk",
        &[
            "junk",
            "spam",
            "junk e-mail",
            "junk email",
            "rämpspost",
            "nevyžádaná pošta",
            "skräppost",
            "迷惑メール",
            "스팸편지함",
            "스팸",
        ],
    ),
];

/// Roles a user can pick a folder for in Preferences.
pub const PICKABLE: &[&str] = &["trash", "sent", "drafts", "archive"];

/// The role a SPECIAL-USE attribute gives.
fn special_use(folder: &Listed) -> Option<&'static str> {
    [
        ("\\All", "all"),
        ("\\Archive", "archive"),
        ("\\Drafts", "drafts"),
        ("\\Flagged", "flagged"),
        ("\\Junk", "junk"),
        ("\\Sent", "sent"),
        ("\\Trash", "trash"),
    ]
    .into_iter()
    .find(|(attribute, _)| folder.has(attribute))
    .map(|(_, role)| role)
}

/// The role a name gives, with its rank (lower: more usual), for a folder
/// at the top of a personal namespace (or of INBOX's children, for servers
/// that keep folders there and do not say so).
fn by_name(
    name: &str,
    delimiter: Option<&str>,
    namespaces: &[(String, Option<String>)],
) -> Option<(&'static str, usize)> {
    let decoded = utf7_imap::decode_utf7_imap(name.to_owned());
    let inbox_children = delimiter.map(|d| format!("INBOX{d}"));
    let prefixes = namespaces
        .iter()
        .map(|(prefix, _)| prefix.as_str())
        .chain(inbox_children.as_deref())
        .chain(std::iter::once(""));
    let mut best: Option<(&'static str, usize)> = None;
    for prefix in prefixes {
        let Some(rest) = strip_prefix_ignoring_case(&decoded, prefix) else {
            continue;
        };
        if rest.is_empty() || delimiter.is_some_and(|d| !d.is_empty() && rest.contains(d)) {
            continue;
        }
        let wanted = rest.trim().to_lowercase();
        for (role, names) in NAMES {
            if let Some(rank) = names.iter().position(|n| *n == wanted)
                && best.is_none_or(|(_, r)| rank < r)
            {
                best = Some((role, rank));
            }
        }
    }
    best
}

/// `INBOX` is case-insensitive (RFC 3501); so is a prefix starting with it.
pub(crate) fn strip_prefix_ignoring_case<'a>(name: &'a str, prefix: &str) -> Option<&'a str> {
    let head = name.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| name.get(prefix.len()..)).flatten()
}

/// Gives each listed folder its role (None: an ordinary folder). Each role
/// goes to one folder at most: the user's pick, else SPECIAL-USE, else
/// the best-ranked name.
pub fn assign(
    folders: &[Listed],
    namespaces: &[(String, Option<String>)],
    picks: &[(String, String)],
) -> Vec<Option<&'static str>> {
    let mut roles: Vec<Option<&'static str>> =
        folders.iter().map(|f| f.name.eq_ignore_ascii_case("INBOX").then_some("inbox")).collect();
    let taken = |roles: &[Option<&'static str>], role: &str| roles.contains(&Some(role));
    for (role, folder_name) in picks {
        let Some(role) = PICKABLE.iter().find(|r| *r == role) else {
            continue;
        };
        if let Some(i) = folders.iter().position(|f| &f.name == folder_name)
            && let Some(slot) = roles.get_mut(i)
            && slot.is_none()
        {
            *slot = Some(role);
        }
    }
    for (i, folder) in folders.iter().enumerate() {
        if let Some(role) = special_use(folder)
            && !taken(&roles, role)
            && let Some(slot @ None) = roles.get_mut(i)
        {
            *slot = Some(role);
        }
    }
    let mut guesses: Vec<(usize, &'static str, usize)> = folders
        .iter()
        .enumerate()
        .filter_map(|(i, f)| by_name(&f.name, f.delimiter.as_deref(), namespaces).map(|(role, rank)| (i, role, rank)))
        .collect();
    // Most usual spelling first, then the shorter (top-level) name.
    guesses.sort_by_key(|&(i, _, rank)| (rank, folders.get(i).map_or(0, |f| f.name.len())));
    for (i, role, _) in guesses {
        if !taken(&roles, role)
            && let Some(slot @ None) = roles.get_mut(i)
        {
            *slot = Some(role);
        }
    }
    roles
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, reason = "a test fails by panicking")]
mod tests {
    use super::*;

    fn listed(name: &str, delimiter: &str, attributes: &[&str]) -> Listed {
        Listed {
            name: name.to_owned(),
            delimiter: Some(delimiter.to_owned()),
            attributes: attributes.iter().map(|a| (*a).to_owned()).collect(),
        }
    }

    fn roles_of(
        folders: &[Listed],
        namespaces: &[(String, Option<String>)],
        picks: &[(String, String)],
    ) -> Vec<(String, Option<&'static str>)> {
        folders.iter().map(|f| f.name.clone()).zip(assign(folders, namespaces, picks)).collect()
    }

    #[test]
    fn courier_folders_under_the_inbox_namespace() {
        let folders =
            ["INBOX", "INBOX.Trash", "INBOX.Sent", "INBOX.Drafts", "INBOX.Archive", "INBOX.Spam", "INBOX.Clients"]
                .map(|n| listed(n, ".", &[]));
        let ns = vec![("INBOX.".to_owned(), Some(".".to_owned()))];
        let roles: Vec<_> = assign(&folders, &ns, &[]);
        assert_eq!(
            roles,
            vec![Some("inbox"), Some("trash"), Some("sent"), Some("drafts"), Some("archive"), Some("junk"), None]
        );
        // Without NAMESPACE, INBOX's children are understood too.
        assert_eq!(assign(&folders, &[], &[]), roles);
    }

    #[test]
    fn localised_names_and_common_spellings() {
        let folders = [
            "INBOX",
            "Prügikast",
            "Saadetud",
            "Mustandid",
            "Koš",
            "Odeslané",
            "ごみ箱",
            "送信済み",
            "휴지통",
            "보낸편지함",
            "Deleted Items",
            "Sent Items",
        ]
        .map(|n| listed(&utf7_imap::encode_utf7_imap(n.to_owned()), "/", &[]));
        let ns = vec![(String::new(), Some("/".to_owned()))];
        let roles = roles_of(&folders, &ns, &[]);
        // One folder per role; the first-ranked spelling wins.
        let with = |role: &str| {
            roles
                .iter()
                .filter(|(_, r)| *r == Some(role))
                .map(|(n, _)| utf7_imap::decode_utf7_imap(n.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(with("trash"), vec!["Deleted Items"]);
        assert_eq!(with("sent"), vec!["Sent Items"]);
        assert_eq!(with("drafts"), vec!["Mustandid"]);
        for name in ["Prügikast", "Koš", "ごみ箱", "휴지통", "Saadetud", "Odeslané", "送信済み", "보낸편지함"]
        {
            let alone = [listed("INBOX", "/", &[]), listed(&utf7_imap::encode_utf7_imap(name.to_owned()), "/", &[])];
            let role = assign(&alone, &ns, &[])[1];
            assert!(matches!(role, Some("trash" | "sent")), "{name}: {role:?}");
        }
    }

    #[test]
    fn special_use_beats_names_and_picks_beat_both() {
        let folders = [
            listed("INBOX", "/", &[]),
            listed("Trash", "/", &[]),
            listed("Bin", "/", &["\\Trash"]),
            listed("Old", "/", &[]),
        ];
        assert_eq!(assign(&folders, &[], &[]), vec![Some("inbox"), None, Some("trash"), None]);
        let picks = vec![("trash".to_owned(), "Old".to_owned()), ("inbox".to_owned(), "Trash".to_owned())];
        assert_eq!(assign(&folders, &[], &picks), vec![Some("inbox"), None, None, Some("trash")]);
    }

    #[test]
    fn nested_folders_are_not_guessed() {
        let folders =
            [listed("INBOX", ".", &[]), listed("INBOX.Projects.Trash", ".", &[]), listed("Work/Sent", "/", &[])];
        assert_eq!(
            assign(&folders, &[("INBOX.".to_owned(), Some(".".to_owned()))], &[]),
            vec![Some("inbox"), None, None]
        );
    }
}
