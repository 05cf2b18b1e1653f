//! Windows' registration of Threadline as a mail client, as data: every
//! value written under the user's hive (HKEY_CURRENT_USER), so that the
//! Default apps page offers Threadline for `mailto:`. Since Windows 8 an
//! app may not make itself the default there: the user chooses, and
//! their choice (UserChoice) is what [`USER_CHOICE`] reads. The `mailto`
//! class itself is never written, so nothing is taken over behind the
//! user's back.

/// The class Threadline's `mailto:` links open with.
pub const PROG_ID: &str = "Threadline.mailto";

/// Where Threadline registers as a mail client.
pub const CLIENT_KEY: &str = r"Software\Clients\Mail\Threadline";

/// The user's choice of `mailto:` handler (its `ProgId` value).
pub const USER_CHOICE: &str = r"Software\Microsoft\Windows\Shell\Associations\UrlAssociations\mailto\UserChoice";

/// The Default apps page on Threadline's entry (Windows 11; Windows 10
/// opens the page itself).
pub const SETTINGS_PAGE: &str = "ms-settings:defaultapps?registeredAppUser=Threadline";

/// One string value: `name` empty for the key's default value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryValue {
    pub key: String,
    pub name: &'static str,
    pub data: String,
}

/// The values that register the executable at `exe`, in the order they
/// are written (RegisteredApplications last: it points at the rest).
pub fn registration(exe: &str) -> Vec<RegistryValue> {
    let class = format!(r"Software\Classes\{PROG_ID}");
    let capabilities = format!(r"{CLIENT_KEY}\Capabilities");
    let icon = format!("\"{exe}\",0");
    let value =
        |key: &str, name: &'static str, data: &str| RegistryValue { key: key.to_owned(), name, data: data.to_owned() };
    vec![
        value(&class, "", "Threadline email link"),
        value(&class, "FriendlyTypeName", "Threadline email link"),
        value(&class, "URL Protocol", ""),
        value(&format!(r"{class}\DefaultIcon"), "", &icon),
        value(&format!(r"{class}\shell\open\command"), "", &format!("\"{exe}\" \"%1\"")),
        value(CLIENT_KEY, "", "Threadline"),
        value(&format!(r"{CLIENT_KEY}\DefaultIcon"), "", &icon),
        value(&format!(r"{CLIENT_KEY}\shell\open\command"), "", &format!("\"{exe}\"")),
        value(&capabilities, "ApplicationName", "Threadline"),
        value(&capabilities, "ApplicationDescription", "Your mailboxes as CRM memory"),
        value(&capabilities, "ApplicationIcon", &icon),
        value(&format!(r"{capabilities}\URLAssociations"), "mailto", PROG_ID),
        value(r"Software\RegisteredApplications", "Threadline", &capabilities),
    ]
}

/// Whether the user's `mailto:` choice (its ProgId, if any) is Threadline.
pub fn is_ours(user_choice: Option<&str>) -> bool {
    user_choice.is_some_and(|id| id.eq_ignore_ascii_case(PROG_ID))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registration_names_the_client_its_capabilities_and_the_class_it_opens_links_with() {
        let exe = r"C:\Users\Ann\AppData\Local\Threadline\threadline.exe";
        let values = registration(exe);
        let find = |key: &str, name: &str| {
            values.iter().find(|v| v.key == key && v.name == name).map(|v| v.data.as_str()).unwrap_or_default()
        };
        assert_eq!(
            find(r"Software\Classes\Threadline.mailto\shell\open\command", ""),
            r#""C:\Users\Ann\AppData\Local\Threadline\threadline.exe" "%1""#
        );
        assert_eq!(find(r"Software\Clients\Mail\Threadline\Capabilities\URLAssociations", "mailto"), PROG_ID);
        assert_eq!(
            find(r"Software\RegisteredApplications", "Threadline"),
            r"Software\Clients\Mail\Threadline\Capabilities"
        );
        assert_eq!(find(r"Software\Clients\Mail\Threadline\Capabilities", "ApplicationName"), "Threadline");
        assert_eq!(values.last().map(|v| v.key.as_str()), Some(r"Software\RegisteredApplications"));
        assert!(
            values.iter().all(|v| !v.key.eq_ignore_ascii_case(r"Software\Classes\mailto")
                && !v.key.to_ascii_lowercase().starts_with(r"software\classes\mailto\")),
            "the mailto class is the user's to give"
        );
    }

    #[test]
    fn only_the_users_own_choice_of_threadline_counts_as_default() {
        assert!(is_ours(Some("Threadline.mailto")) && is_ours(Some("threadline.MAILTO")));
        assert!(!is_ours(Some("Outlook.URL.mailto.15")) && !is_ours(None));
    }
}
