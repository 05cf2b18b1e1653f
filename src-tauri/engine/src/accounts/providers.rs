//! The mail providers Threadline knows by name: their published server
//! settings, how they sign in, what must be switched on first, and their
//! quirks. Every provider-specific behaviour of sync and send is read from
//! here, so that no other module tests for a provider by name.

use crate::model::{ProviderView, Security, ServerView, SetupStep, SignIn};

/// One server of a preset. `{domain}` in the host stands for the domain of
/// the address (hosting plans serve mail under the customer's own name).
#[derive(Debug, Clone, Copy)]
pub struct Server {
    pub host: &'static str,
    pub port: u16,
    pub security: Security,
}

/// Which OAuth 2 authority signs an account in (its endpoints and scopes
/// are part of the OAuth client settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authority {
    Google,
    Microsoft,
}

/// The name the servers know a user by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Login {
    /// The whole address.
    Email,
    /// The part before the @ (iCloud's and QQ's published instructions).
    LocalPart,
}

/// A provider preset.
#[derive(Debug, Clone, Copy)]
pub struct Provider {
    pub id: &'static str,
    pub name: &'static str,
    /// Address domains that are this provider's own.
    pub domains: &'static [&'static str],
    /// MX host names (or their parent domains) of domains it hosts.
    pub mx: &'static [&'static str],
    pub imap: Server,
    pub smtp: Server,
    /// Password sign-in is possible (None of Microsoft's services still
    /// take a password over IMAP).
    pub password: bool,
    pub oauth: Option<Authority>,
    /// What the user must do at the provider before the first sign-in.
    pub setup: &'static [SetupStep],
    /// The provider's page for those steps.
    pub help: Option<&'static str>,
    pub login: Login,
    /// IMAP ID (RFC 2971) must be sent before SELECT (NetEase refuses the
    /// mailbox of a client that has not said who it is).
    pub imap_id: bool,
    /// Gmail's IMAP extensions (X-GM-EXT-1): labels, message and thread ids.
    pub gmail: bool,
    /// Connections the provider allows at once per account.
    pub max_connections: Option<u8>,
    /// The server also files sent mail in Sent itself: no copy is appended.
    pub saves_sent: bool,
    /// The largest message its SMTP server takes, in MB.
    pub max_message_mb: u32,
    /// Where the settings come from.
    pub source: &'static str,
}

const fn tls(host: &'static str, port: u16) -> Server {
    Server { host, port, security: Security::Tls }
}

const fn starttls(host: &'static str, port: u16) -> Server {
    Server { host, port, security: Security::Starttls }
}

/// The defaults every row starts from.
const BASE: Provider = Provider {
    id: "",
    name: "",
    domains: &[],
    mx: &[],
    imap: tls("imap.{domain}", 993),
    smtp: tls("smtp.{domain}", 465),
    password: true,
    oauth: None,
    setup: &[],
    help: None,
    login: Login::Email,
    imap_id: false,
    gmail: false,
    max_connections: None,
    saves_sent: false,
    max_message_mb: 25,
    source: "",
};

/// The size limit of accounts without a preset, in MB.
pub const DEFAULT_MAX_MESSAGE_MB: u32 = 25;

const APP_PASSWORD: &[SetupStep] = &[SetupStep::AppPassword];
const ENABLE_IMAP: &[SetupStep] = &[SetupStep::EnableImap];
const ENABLE_IMAP_AND_APP_PASSWORD: &[SetupStep] = &[SetupStep::EnableImap, SetupStep::AppPassword];
const NETEASE_HELP: &str =
    "https://help.mail.163.com/faqDetail.do?code=d7a5dc8471cd0c0e8b4b8f4f8e49998b374173cfe9171305fa1ce630d7f67ac2";

/// Every preset, the generic one last.
pub const PROVIDERS: &[Provider] = &[
    Provider {
        id: "gmail",
        name: "Gmail / Google Workspace",
        domains: &["gmail.com", "googlemail.com"],
        mx: &["google.com", "googlemail.com"],
        imap: tls("imap.gmail.com", 993),
        smtp: tls("smtp.gmail.com", 465),
        oauth: Some(Authority::Google),
        setup: APP_PASSWORD,
        help: Some("https://support.google.com/accounts/answer/185833"),
        gmail: true,
        max_connections: Some(3),
        saves_sent: true,
        source: "https://support.google.com/mail/answer/7126229",
        ..BASE
    },
    Provider {
        id: "yahoo",
        name: "Yahoo Mail",
        domains: &[
            "yahoo.com",
            "ymail.com",
            "rocketmail.com",
            "yahoo.co.uk",
            "yahoo.fr",
            "yahoo.de",
            "yahoo.es",
            "yahoo.it",
            "yahoo.ca",
            "yahoo.com.au",
            "yahoo.com.br",
            "yahoo.co.in",
            "yahoo.se",
        ],
        mx: &["yahoodns.net"],
        imap: tls("imap.mail.yahoo.com", 993),
        smtp: tls("smtp.mail.yahoo.com", 465),
        setup: APP_PASSWORD,
        help: Some("https://help.yahoo.com/kb/SLN15241.html"),
        source: "https://help.yahoo.com/kb/SLN4075.html",
        ..BASE
    },
    Provider {
        id: "office365",
        name: "Office 365 / Microsoft 365",
        mx: &["mail.protection.outlook.com"],
        imap: tls("outlook.office365.com", 993),
        smtp: starttls("smtp.office365.com", 587),
        password: false,
        oauth: Some(Authority::Microsoft),
        source: "https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/pop3-and-imap4/pop3-and-imap4",
        max_message_mb: 20,
        ..BASE
    },
    Provider {
        id: "exchange",
        name: "Microsoft Exchange (Exchange Online)",
        imap: tls("outlook.office365.com", 993),
        smtp: starttls("smtp.office365.com", 587),
        password: false,
        oauth: Some(Authority::Microsoft),
        source: "https://learn.microsoft.com/en-us/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth",
        max_message_mb: 20,
        ..BASE
    },
    Provider {
        id: "outlook",
        name: "Outlook.com / Hotmail",
        domains: &[
            "outlook.com",
            "hotmail.com",
            "live.com",
            "msn.com",
            "passport.com",
            "hotmail.co.uk",
            "hotmail.fr",
            "hotmail.de",
            "hotmail.it",
            "hotmail.es",
            "live.co.uk",
            "live.fr",
            "live.de",
            "outlook.de",
            "outlook.fr",
            "outlook.es",
            "outlook.it",
            "outlook.jp",
            "outlook.kr",
        ],
        mx: &["olc.protection.outlook.com"],
        imap: tls("outlook.office365.com", 993),
        smtp: starttls("smtp-mail.outlook.com", 587),
        password: false,
        oauth: Some(Authority::Microsoft),
        source: "https://support.microsoft.com/en-us/office/pop-imap-and-smtp-settings-for-outlook-com-d088b986-291d-42b8-9564-9c414e2aa040",
        max_message_mb: 20,
        ..BASE
    },
    Provider {
        id: "icloud",
        name: "iCloud Mail",
        domains: &["icloud.com", "me.com", "mac.com"],
        mx: &["mail.icloud.com"],
        imap: tls("imap.mail.me.com", 993),
        smtp: starttls("smtp.mail.me.com", 587),
        setup: APP_PASSWORD,
        help: Some("https://support.apple.com/en-us/102654"),
        login: Login::LocalPart,
        source: "https://support.apple.com/en-us/102525",
        ..BASE
    },
    Provider {
        id: "aol",
        name: "AOL Mail",
        domains: &["aol.com", "aim.com", "aol.co.uk", "aol.fr", "aol.de"],
        mx: &["mx-aol.mail.gm0.yahoodns.net"],
        imap: tls("imap.aol.com", 993),
        smtp: tls("smtp.aol.com", 465),
        setup: APP_PASSWORD,
        help: Some("https://help.aol.com/articles/Create-and-manage-app-password"),
        source: "https://help.aol.com/articles/how-do-i-use-other-email-applications-to-send-and-receive-my-aol-mail",
        ..BASE
    },
    Provider {
        id: "fastmail",
        name: "Fastmail",
        domains: &["fastmail.com", "fastmail.fm", "fastmail.net", "fastmail.org", "fastmail.us", "messagingengine.com"],
        mx: &["messagingengine.com"],
        imap: tls("imap.fastmail.com", 993),
        smtp: tls("smtp.fastmail.com", 465),
        setup: APP_PASSWORD,
        help: Some("https://www.fastmail.help/hc/en-us/articles/360058752854"),
        source: "https://www.fastmail.help/hc/en-us/articles/1500000278342",
        ..BASE
    },
    Provider {
        id: "gandi",
        name: "Gandi Mail",
        mx: &["gandi.net"],
        imap: tls("mail.gandi.net", 993),
        smtp: tls("mail.gandi.net", 465),
        source: "https://docs.gandi.net/en/gandimail/standard_email_settings/index.html",
        ..BASE
    },
    Provider {
        id: "gmx",
        name: "GMX (gmx.net, gmx.de)",
        domains: &["gmx.net", "gmx.de", "gmx.at", "gmx.ch"],
        mx: &["gmx.net"],
        imap: tls("imap.gmx.net", 993),
        smtp: starttls("mail.gmx.net", 587),
        setup: ENABLE_IMAP,
        help: Some("https://hilfe.gmx.net/pop-imap/einschalten.html"),
        source: "https://hilfe.gmx.net/pop-imap/imap/imap-serverdaten.html",
        ..BASE
    },
    Provider {
        id: "gmx-com",
        name: "GMX (gmx.com)",
        domains: &["gmx.com", "gmx.us", "gmx.co.uk", "gmx.fr", "gmx.es"],
        mx: &["gmx.com"],
        imap: tls("imap.gmx.com", 993),
        smtp: starttls("mail.gmx.com", 587),
        setup: ENABLE_IMAP,
        help: Some("https://support.gmx.com/pop-imap/toggle.html"),
        source: "https://support.gmx.com/pop-imap/imap/server.html",
        ..BASE
    },
    Provider {
        id: "mailru",
        name: "Mail.ru",
        domains: &["mail.ru", "inbox.ru", "list.ru", "bk.ru", "internet.ru"],
        mx: &["mail.ru"],
        imap: tls("imap.mail.ru", 993),
        smtp: tls("smtp.mail.ru", 465),
        setup: APP_PASSWORD,
        help: Some("https://help.mail.ru/mail/security/protection/external"),
        source: "https://help.mail.ru/mail/mailer/popsmtp",
        ..BASE
    },
    Provider {
        id: "yandex",
        name: "Yandex Mail",
        domains: &["yandex.com", "yandex.ru", "ya.ru", "yandex.by", "yandex.kz", "yandex.ua", "narod.ru"],
        mx: &["yandex.net", "yandex.ru"],
        imap: tls("imap.yandex.com", 993),
        smtp: tls("smtp.yandex.com", 465),
        setup: ENABLE_IMAP_AND_APP_PASSWORD,
        help: Some("https://yandex.com/support/id/authorization/app-passwords.html"),
        source: "https://yandex.com/support/mail/mail-clients/others.html",
        ..BASE
    },
    Provider {
        id: "godaddy",
        name: "GoDaddy Professional Email",
        mx: &["secureserver.net"],
        imap: tls("imap.secureserver.net", 993),
        smtp: tls("smtpout.secureserver.net", 465),
        source: "https://www.godaddy.com/help/server-and-port-settings-for-workspace-email-6949",
        ..BASE
    },
    Provider {
        id: "hover",
        name: "Hover",
        mx: &["hover.com.cust.hostedemail.com"],
        imap: tls("mail.hover.com", 993),
        smtp: tls("mail.hover.com", 465),
        source: "https://help.hover.com/hc/en-us/articles/217282457",
        ..BASE
    },
    Provider {
        id: "namecheap",
        name: "Namecheap Private Email",
        mx: &["privateemail.com"],
        imap: tls("mail.privateemail.com", 993),
        smtp: tls("mail.privateemail.com", 465),
        source: "https://www.namecheap.com/support/knowledgebase/article.aspx/1179/2175/",
        ..BASE
    },
    Provider {
        id: "bluehost",
        name: "Bluehost",
        mx: &["bluehost.com"],
        imap: tls("mail.{domain}", 993),
        smtp: tls("mail.{domain}", 465),
        source: "https://www.bluehost.com/help/article/email-application-setup",
        ..BASE
    },
    Provider {
        id: "soverin",
        name: "Soverin",
        domains: &["soverin.net"],
        mx: &["soverin.net"],
        imap: tls("imap.soverin.net", 993),
        smtp: tls("smtp.soverin.net", 465),
        source: "Thunderbird ISPDB: soverin.net",
        ..BASE
    },
    Provider {
        id: "zimbra",
        name: "Zimbra (your organisation's server)",
        imap: tls("mail.{domain}", 993),
        smtp: starttls("mail.{domain}", 587),
        source: "https://zimbra.github.io/documentation/zimbra-10/adminguide.html#_ports_used_by_zimbra",
        ..BASE
    },
    Provider {
        id: "123-reg",
        name: "123 Reg",
        mx: &["123-reg.co.uk"],
        imap: tls("imap.123-reg.co.uk", 993),
        smtp: tls("smtp.123-reg.co.uk", 465),
        source: "https://www.123-reg.co.uk/support/email/how-do-i-set-up-my-email-account-on-other-email-clients/",
        ..BASE
    },
    Provider {
        id: "126",
        name: "NetEase 126",
        domains: &["126.com"],
        mx: &["126.com"],
        imap: tls("imap.126.com", 993),
        smtp: tls("smtp.126.com", 465),
        setup: ENABLE_IMAP_AND_APP_PASSWORD,
        help: Some(NETEASE_HELP),
        imap_id: true,
        source: "Thunderbird ISPDB: 126.com",
        ..BASE
    },
    Provider {
        id: "qq",
        name: "QQ Mail",
        domains: &["qq.com", "foxmail.com", "vip.qq.com"],
        mx: &["mx.qq.com"],
        imap: tls("imap.qq.com", 993),
        smtp: tls("smtp.qq.com", 465),
        setup: ENABLE_IMAP_AND_APP_PASSWORD,
        help: Some("https://service.mail.qq.com/detail/0/75"),
        login: Login::LocalPart,
        source: "https://service.mail.qq.com/detail/0/428",
        ..BASE
    },
    Provider {
        id: "aliyun",
        name: "Aliyun Mail",
        domains: &["aliyun.com"],
        mx: &["aliyun.com"],
        imap: tls("imap.aliyun.com", 993),
        smtp: tls("smtp.aliyun.com", 465),
        setup: ENABLE_IMAP,
        source: "Thunderbird ISPDB: aliyun.com",
        ..BASE
    },
    Provider {
        id: "163",
        name: "NetEase 163",
        domains: &["163.com"],
        mx: &["163.com"],
        imap: tls("imap.163.com", 993),
        smtp: tls("smtp.163.com", 465),
        setup: ENABLE_IMAP_AND_APP_PASSWORD,
        help: Some(NETEASE_HELP),
        imap_id: true,
        source: "Thunderbird ISPDB: 163.com",
        ..BASE
    },
    Provider {
        id: "yeah",
        name: "NetEase Yeah.net",
        domains: &["yeah.net"],
        mx: &["yeah.net"],
        imap: tls("imap.yeah.net", 993),
        smtp: tls("smtp.yeah.net", 465),
        setup: ENABLE_IMAP_AND_APP_PASSWORD,
        help: Some(NETEASE_HELP),
        imap_id: true,
        source: "Thunderbird ISPDB: yeah.net",
        ..BASE
    },
    Provider {
        id: "139",
        name: "139 Mail (China Mobile)",
        domains: &["139.com"],
        mx: &["139.com"],
        imap: tls("imap.139.com", 993),
        smtp: tls("smtp.139.com", 465),
        setup: ENABLE_IMAP_AND_APP_PASSWORD,
        source: "Thunderbird ISPDB: 139.com",
        ..BASE
    },
    Provider {
        id: "zoho",
        name: "Zoho Mail",
        domains: &["zoho.com", "zohomail.com"],
        mx: &["zoho.com"],
        imap: tls("imap.zoho.com", 993),
        smtp: tls("smtp.zoho.com", 465),
        setup: ENABLE_IMAP,
        help: Some("https://www.zoho.com/mail/help/imap-access.html"),
        source: "https://www.zoho.com/mail/help/imap-access.html",
        ..BASE
    },
    Provider {
        id: "zoho-eu",
        name: "Zoho Mail (EU)",
        domains: &["zohomail.eu"],
        mx: &["zoho.eu"],
        imap: tls("imap.zoho.eu", 993),
        smtp: tls("smtp.zoho.eu", 465),
        setup: ENABLE_IMAP,
        help: Some("https://www.zoho.com/mail/help/imap-access.html"),
        source: "https://www.zoho.com/mail/help/imap-access.html",
        ..BASE
    },
    Provider {
        id: GENERIC,
        name: "IMAP over SSL/TLS",
        source: "RFC 8314 (implicit TLS: IMAP 993, submission 465)",
        ..BASE
    },
];

/// The preset that stands for "any other IMAP server".
pub const GENERIC: &str = "generic";

/// The preset by its id.
pub fn by_id(id: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().find(|p| p.id == id)
}

/// The preset whose own domain the address is in.
pub fn by_domain(domain: &str) -> Option<&'static Provider> {
    let domain = domain.to_ascii_lowercase();
    PROVIDERS.iter().find(|p| p.domains.contains(&domain.as_str()))
}

/// The preset whose IMAP server this is (for settings typed by hand).
pub fn by_imap_host(host: &str) -> Option<&'static Provider> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    PROVIDERS.iter().find(|p| !p.imap.host.contains('{') && p.imap.host == host)
}

/// The preset hosting a domain whose mail goes to `mx`: the one naming the
/// longest matching suffix (AOL's MX is under Yahoo's).
pub fn by_mx(mx: &str) -> Option<&'static Provider> {
    let mx = mx.trim_end_matches('.').to_ascii_lowercase();
    PROVIDERS
        .iter()
        .flat_map(|p| p.mx.iter().map(move |suffix| (p, *suffix)))
        .filter(|(_, suffix)| mx == *suffix || mx.ends_with(&format!(".{suffix}")))
        .max_by_key(|(_, suffix)| suffix.len())
        .map(|(p, _)| p)
}

impl Server {
    /// The host for an address in `domain`.
    pub fn host_for(&self, domain: &str) -> String {
        self.host.replace("{domain}", domain)
    }

    /// As shown and stored, for an address in `domain`.
    pub fn view(&self, domain: &str) -> ServerView {
        ServerView { host: self.host_for(domain), port: self.port, security: self.security }
    }
}

impl Provider {
    /// The ways of signing in it offers, preferred first.
    pub fn sign_in(&self) -> Vec<SignIn> {
        let mut out = Vec::new();
        if self.oauth.is_some() {
            out.push(SignIn::Oauth);
        }
        if self.password {
            out.push(SignIn::Password);
        }
        out
    }

    /// The login name for `email` at this provider.
    pub fn username(&self, email: &str) -> String {
        match self.login {
            Login::Email => email.to_owned(),
            Login::LocalPart => email.rsplit_once('@').map_or(email, |(local, _)| local).to_owned(),
        }
    }

    /// As listed by `providers` and the account form.
    pub fn view(&self) -> ProviderView {
        ProviderView {
            id: self.id.to_owned(),
            name: self.name.to_owned(),
            domains: self.domains.iter().map(|d| (*d).to_owned()).collect(),
            imap: self.imap.view("{domain}"),
            smtp: self.smtp.view("{domain}"),
            auth: self.sign_in(),
            app_password: self.setup.contains(&SetupStep::AppPassword),
            setup: self.setup.to_vec(),
            help: self.help.map(str::to_owned),
            source: self.source.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_promised_provider_has_a_preset_with_a_source() {
        let promised = [
            "gmail",
            "yahoo",
            "office365",
            "exchange",
            "outlook",
            "icloud",
            "aol",
            "fastmail",
            "gandi",
            "gmx",
            "mailru",
            "yandex",
            "godaddy",
            "hover",
            "namecheap",
            "bluehost",
            "soverin",
            "zimbra",
            "123-reg",
            "126",
            "qq",
            "aliyun",
            "163",
            "yeah",
            "139",
            GENERIC,
        ];
        for id in promised {
            let p = by_id(id).unwrap_or_else(|| panic!("no preset {id}"));
            assert!(!p.source.is_empty() && !p.name.is_empty(), "{id}");
            assert!(!p.sign_in().is_empty(), "{id} signs in somehow");
        }
        let mut ids: Vec<_> = PROVIDERS.iter().map(|p| p.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), PROVIDERS.len(), "ids are unique");
    }

    #[test]
    fn domains_and_mx_hosts_find_their_provider() {
        assert_eq!(by_domain("GMail.com").map(|p| p.id), Some("gmail"));
        assert_eq!(by_domain("hotmail.com").map(|p| p.id), Some("outlook"));
        assert_eq!(by_domain("example.com").map(|p| p.id), None);
        assert_eq!(by_mx("aspmx.l.google.com.").map(|p| p.id), Some("gmail"));
        assert_eq!(by_mx("smtp.google.com").map(|p| p.id), Some("gmail"));
        assert_eq!(by_mx("contoso-com.mail.protection.outlook.com").map(|p| p.id), Some("office365"));
        assert_eq!(by_mx("mx-aol.mail.gm0.yahoodns.net").map(|p| p.id), Some("aol"));
        assert_eq!(by_mx("mta5.am0.yahoodns.net").map(|p| p.id), Some("yahoo"));
        assert_eq!(by_mx("mx.zoho.eu").map(|p| p.id), Some("zoho-eu"));
        assert!(by_mx("notgoogle.com").is_none());
        assert_eq!(by_imap_host("IMAP.gmail.com.").map(|p| p.id), Some("gmail"));
        assert_eq!(by_imap_host("imap.126.com").map(|p| p.id), Some("126"));
        assert!(by_imap_host("imap.example.com").is_none());
    }

    #[test]
    fn hosting_presets_use_the_customers_domain_and_quirks_are_data() {
        let bluehost = by_id("bluehost").expect("preset");
        assert_eq!(bluehost.imap.host_for("acme.example"), "mail.acme.example");
        assert_eq!(by_id("icloud").expect("preset").username("emily@icloud.com"), "emily");
        assert_eq!(by_id("gmail").expect("preset").username("emily@gmail.com"), "emily@gmail.com");
        assert!(by_id("163").expect("preset").imap_id);
        assert_eq!(by_id("outlook").expect("preset").sign_in(), vec![SignIn::Oauth]);
        assert_eq!(by_id("gmail").expect("preset").sign_in(), vec![SignIn::Oauth, SignIn::Password]);
    }
}
