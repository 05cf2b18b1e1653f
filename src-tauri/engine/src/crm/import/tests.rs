#![allow(clippy::indexing_slicing, reason = "a test fails by panicking")]

use super::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/../../tests/fixtures/contacts/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A draft as the table below spells it: name | emails | org | phone.
fn spelled(d: &PersonDraft) -> String {
    format!("{} | {} | {} | {}", d.name, d.emails.join(" "), d.org, d.phone)
}

/// Each product's export, in its real encoding, read without any mapping.
#[test]
fn every_known_export_is_recognised_and_read_right_in_its_encoding() {
    // File, the export it is, the encoding it is read in, what it holds.
    let cases: &[(&str, Option<Layout>, &str, &[&str])] = &[
        (
            "google.csv",
            Some(Layout::GoogleContacts),
            "UTF-8",
            &[
                "山田太郎 | taro@sample.example yamada@home.example | 株式会社サンプル | +81 90 0000 0001",
                "Zoë Anna Müller | zoe@baeckerei.example zoe.m@home.example | Bäckerei Süß | ",
            ],
        ),
        (
            "google-utf16.csv",
            Some(Layout::GoogleContacts),
            "UTF-16LE",
            &[
                "김민준 | minjun@sample.example | 샘플 주식회사 | ",
                "Åsa Öberg | asa@forsaljning.example | Försäljning AB | ",
            ],
        ),
        (
            "google-legacy.csv",
            Some(Layout::GoogleContactsLegacy),
            "UTF-8",
            &[
                "Jiří Dvořák | jiri@dvorak.example | Dvořák a syn s.r.o. | +420 600 000 001",
                "佐藤花子 | hanako@test.example | テスト商事 | ",
            ],
        ),
        (
            "outlook-windows-1252.csv",
            Some(Layout::OutlookWindows),
            "windows-1252",
            &[
                "Zoë Müller | zoe@baeckerei.example | Bäckerei Süß | +49 30 000002",
                "François Émile Lefèvre | francois@creme.example fl@home.example | Crème & Café SARL | ",
            ],
        ),
        (
            "outlook-windows-1250.csv",
            Some(Layout::OutlookWindows),
            "windows-1250",
            &[
                "Žaneta Šťastná | zaneta@stastna.example | Šťastná a syn s.r.o. | ",
                "Jiří Dvořák | jiri@dvorak.example | Dvořák a syn s.r.o. | ",
            ],
        ),
        (
            "outlook-com.csv",
            Some(Layout::OutlookCom),
            "UTF-8",
            &[
                "佐藤花子 | hanako@test.example | テスト商事 | +81 90 0000 0003",
                "Kadri Tamm | kadri@tamm.example | Tamm ja Pojad OÜ | ",
            ],
        ),
        (
            "thunderbird.csv",
            Some(Layout::Thunderbird),
            "UTF-8",
            &[
                "Märt Õunapuu (Õunapuu OÜ) | mart@ounapuu.example mart@kodu.example | Õunapuu OÜ | +372 600 0001",
                "Lars Åkesson | lars@akesson.example | Åkesson & Söner AB | ",
            ],
        ),
        (
            "thunderbird-excel-windows-1257.csv",
            Some(Layout::Thunderbird),
            "windows-1257",
            &[
                "Žanna Šmidt | zanna@smidt.example | Šmidt ja Põder AS | ",
                "Jüri Tšernõšov | juri@tsernosov.example | Õlle Tehas OÜ | ",
            ],
        ),
        (
            "pipedrive-people.csv",
            Some(Layout::PipedrivePeople),
            "UTF-8",
            &[
                "Ingrid Lindqvist | ingrid@lindqvist.example ingrid@hem.example | Lindqvist Bygg AB | +46 8 000 001",
                " |  | Björk & Ek Konsult AB | ",
            ],
        ),
        (
            "pipedrive-organizations.csv",
            Some(Layout::PipedriveOrganizations),
            "UTF-8",
            &[" |  | Šťastná a syn s.r.o. | ", " |  | Lindqvist Bygg AB | "],
        ),
        (
            "hubspot-contacts-excel.csv",
            Some(Layout::HubspotContacts),
            "UTF-8",
            &[
                "Åsa Öberg | asa@forsaljning.example asa.oberg@home.example | Försäljning AB | +46 8 000 002",
                "이서연 | seoyeon@test.example | 테스트 상사 | ",
            ],
        ),
        (
            "hubspot-companies.csv",
            Some(Layout::HubspotCompanies),
            "UTF-8",
            &[" |  | Försäljning AB | ", " |  | 株式会社サンプル | "],
        ),
        (
            "linkedin-connections.csv",
            Some(Layout::LinkedinConnections),
            "UTF-8",
            &["Kadri Tamm | kadri@tamm.example | Tamm ja Pojad OÜ | ", "Petr Novák |  | Novák Trade | "],
        ),
        (
            "outlook-excel-unicode-text.txt",
            Some(Layout::OutlookWindows),
            "UTF-16LE",
            &[
                "Kateřina Horáková | katerina@horak.example | Horák Stavby a.s. | ",
                "鈴木一郎 | ichiro@suzuki.example | 鈴木工業株式会社 | ",
            ],
        ),
        (
            "linkedin-mac-excel.csv",
            Some(Layout::LinkedinConnections),
            "macintosh",
            &[
                "Sébastien Girard | sebastien@girard.example | Girard Frères | ",
                "Björn Lindbäck | bjorn@lindback.example | Lindbäck Åkeri AB | ",
            ],
        ),
        (
            "google-numbers.csv",
            Some(Layout::GoogleContacts),
            "UTF-8",
            &[
                "Kristjan Saar | kristjan@saar.example | Saare Puit OÜ | ",
                "정하늘 | haneul@jung.example | 하늘 무역 | ",
            ],
        ),
        (
            "own-euc-kr.csv",
            None,
            "EUC-KR",
            &["김민준 | minjun@sample.example | 샘플 주식회사 | ", "박지우 | jiwoo@test.example | 테스트 상사 | "],
        ),
        (
            "phone-windows-1250.vcf",
            None,
            "windows-1250",
            &[
                "Jiří Dvořák | jiri@dvorak.example | Dvořák a syn s.r.o. | ",
                "Žaneta Šťastná | zaneta@stastna.example |  | ",
            ],
        ),
        (
            "phone-quoted-printable.vcf",
            None,
            "UTF-8",
            &["Märt Õunapuu | mart@ounapuu.example | Õunapuu OÜ | ", "Lars Åkesson | lars@akesson.example |  | "],
        ),
        ("phone-shift-jis.vcf", None, "Shift_JIS", &["山田 太郎 | taro@sample.example |  | "]),
    ];
    let mut wrong = Vec::new();
    for (file, layout, encoding, expected) in cases {
        let bytes = fixture(file);
        // The language of the user who would have such a file (only a
        // file in a legacy code page needs it).
        let language = match *encoding {
            "windows-1257" => "et",
            "windows-1250" => "cs",
            "EUC-KR" => "ko",
            _ => "en",
        };
        let read_as = ReadAs { language: Some(language.into()), ..ReadAs::default() };
        let inspected = inspect(&bytes, file, &read_as).unwrap_or_else(|e| panic!("{file}: {e}"));
        let drafts = drafts(&bytes, file, &read_as).unwrap_or_else(|e| panic!("{file}: {e}"));
        let got: Vec<String> = drafts.iter().map(spelled).collect();
        let got_layout = inspected.columns.as_ref().and_then(|c| c.layout);
        if got != *expected || got_layout != *layout || inspected.encoding != *encoding {
            wrong.push(format!("{file}: {got_layout:?} in {} read\n  {}", inspected.encoding, got.join("\n  ")));
        }
    }
    assert!(wrong.is_empty(), "read wrong:\n{}", wrong.join("\n"));
}

#[test]
fn a_british_thunderbird_is_known_too() {
    let header = "First Name,Last Name,Display Name,Nickname,Primary Email,Secondary Email,Screen Name,Work Phone,\
                  Home Phone,Home County,Home Post Code,Job Title,Department,Organisation,Notes";
    let csv = format!("{header}\nAnn,Lee,Ann Lee,Annie,ann@lee.example,,,,,,,CEO,Sales,Lee Ltd,\n");
    let file = inspect(csv.as_bytes(), "tb.csv", &ReadAs::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(file.columns.and_then(|c| c.layout), Some(Layout::Thunderbird));
    let read = drafts(csv.as_bytes(), "tb.csv", &ReadAs::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(spelled(&read[0]), "Ann Lee | ann@lee.example | Lee Ltd | ");
}

/// LinkedIn's preamble, with line feeds and as Excel for Mac saves it
/// again (carriage returns alone).
#[test]
fn a_known_exports_rows_keep_their_line_numbers_after_a_preamble_whatever_ends_its_lines() {
    for file in ["linkedin-connections.csv", "linkedin-mac-excel.csv"] {
        let drafts = drafts(&fixture(file), "Connections.csv", &ReadAs::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            drafts.iter().map(|d| d.source).collect::<Vec<_>>(),
            [Source::Line { number: 5 }, Source::Line { number: 6 }],
            "{file}"
        );
    }
}

#[test]
fn the_preview_holds_the_first_rows_and_counts_them_all() {
    let mut csv = String::from("Name,Email\n");
    for n in 1..=120 {
        csv.push_str(&format!("Person {n},p{n}@example.com\n"));
    }
    let shown = preview(csv.as_bytes(), "many.csv", &ReadAs::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((shown.total, shown.rows.len()), (120, PREVIEW_ROWS));
    assert_eq!(shown.rows[0].name, "Person 1");
}

#[test]
fn unknown_layouts_are_guessed_with_care_and_can_be_corrected() {
    let csv = "\u{feff}First Name;Last Name;E-mail Address;Company;Notes\nBob;Stone;bob@acme.example;Acme;x\n";
    let file = inspect(csv.as_bytes(), "people.csv", &ReadAs::default()).unwrap_or_else(|e| panic!("{e}"));
    let columns = file.columns.unwrap_or_else(|| panic!("a csv has columns"));
    assert_eq!(columns.layout, None);
    assert_eq!(columns.fields, vec![Field::FirstName, Field::LastName, Field::Email, Field::Org, Field::Ignore]);
    let read = drafts(csv.as_bytes(), "people.csv", &ReadAs::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(spelled(&read[0]), "Bob Stone | bob@acme.example | Acme | ");
    assert_eq!(read[0].source, Source::Line { number: 2 });

    // Values decide what holds addresses; headers alone never make a name
    // of a nickname, a manager or a display name of an address.
    let odd = "Who,Contact,Nickname,Manager's Name,Assistant Name,E-mail Display Name,Job Title,Company,Messages\n\
               Carol,carol@globex.example,Caz,Mark Boss,Ann,Carol (carol@globex.example),CEO,Globex,0\n\
               Dan,dan@initech.example,,,,,,Initech,3\n";
    let file = inspect(odd.as_bytes(), "odd.csv", &ReadAs::default()).unwrap_or_else(|e| panic!("{e}"));
    let fields = file.columns.as_ref().map(|c| c.fields.clone()).unwrap_or_default();
    use Field::*;
    assert_eq!(fields, vec![Ignore, Email, Ignore, Ignore, Ignore, Ignore, Ignore, Org, Ignore]);

    // The user's correction: Who is the name.
    let columns = file.columns.unwrap_or_else(|| panic!("columns"));
    let map = parse_mapping(&["Who=name".into()]).unwrap_or_else(|e| panic!("{e}"));
    let fields = fields_with(&columns, &map).unwrap_or_else(|e| panic!("{e}"));
    let read_as = ReadAs { fields: Some(fields), ..ReadAs::default() };
    let read = drafts(odd.as_bytes(), "odd.csv", &read_as).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(spelled(&read[0]), "Carol | carol@globex.example | Globex | ");
    assert!(parse_mapping(&["Who=age".into()]).is_err());
    assert!(fields_with(&columns, &[("nope".into(), Field::Email)]).is_err());

    let nothing = "Who,Age\nCarol,40\n";
    assert!(drafts(nothing.as_bytes(), "n.csv", &ReadAs::default()).is_err(), "no address column is said");
}

#[test]
fn guessing_reads_headers_in_our_users_languages() {
    use Field::*;
    let cases: &[(&str, &[Field])] = &[
        ("Jméno,Příjmení,E-mail,Společnost,Pozice", &[FirstName, LastName, Email, Org, Ignore]),
        ("Eesnimi,Perenimi,E-post,Ettevõte,Ametikoht", &[FirstName, LastName, Email, Org, Ignore]),
        ("Förnamn,Efternamn,E-post,Företag,Telefon", &[FirstName, LastName, Email, Org, Phone]),
        ("姓,名,メールアドレス,会社名,電話番号", &[LastName, FirstName, Email, Org, Phone]),
        ("이름,이메일,회사,전화", &[Name, Email, Org, Phone]),
        ("Full Name,Phonetic Name,Name Yomi,Website,Fax", &[Name, Ignore, Ignore, Domain, Ignore]),
        ("Company Domain Name,Company Website,Organization ID,Organisation", &[Domain, Domain, Ignore, Org]),
        // A manager's, an assistant's or a spouse's name, a nickname or a
        // reading is never the person's, in any of our users' languages.
        ("Namn,Chefens namn,Assistentens namn,Smeknamn", &[Name, Ignore, Ignore, Ignore]),
        ("Jméno,Jméno nadřízeného,Jméno asistenta,Přezdívka,Manžel(ka)", &[FirstName, Ignore, Ignore, Ignore, Ignore]),
        ("Nimi,Juhi nimi,Assistendi nimi,Hüüdnimi,Abikaasa nimi", &[Name, Ignore, Ignore, Ignore, Ignore]),
        (
            "氏名,フリガナ,よみがな,ニックネーム,上司の名前,秘書の名前,配偶者",
            &[Name, Ignore, Ignore, Ignore, Ignore, Ignore, Ignore],
        ),
        ("이름,닉네임,별명,관리자 이름,비서 이름,배우자", &[Name, Ignore, Ignore, Ignore, Ignore, Ignore]),
    ];
    for (header, expected) in cases {
        let guessed: Vec<Field> = header.split(',').map(|h| table::guess(h, &[])).collect();
        assert_eq!(guessed, *expected, "{header}");
    }
}

#[test]
fn the_user_can_read_a_file_in_another_encoding() {
    let bytes = fixture("outlook-windows-1250.csv");
    let as_1252 = ReadAs { encoding: Some("windows-1252".into()), ..ReadAs::default() };
    let wrong = drafts(&bytes, "x.csv", &as_1252).unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(wrong[0].name, "Žaneta Šťastná");
    let file = inspect(&bytes, "x.csv", &as_1252).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((file.encoding.as_str(), file.encoding_found), ("windows-1252", EncodingFound::Chosen));
    assert!(file.encodings.iter().any(|e| e == "windows-1250"));
    let unknown = ReadAs { encoding: Some("ebcdic-martian".into()), ..ReadAs::default() };
    assert!(matches!(inspect(&bytes, "x.csv", &unknown), Err(Error::Invalid(Problem::UnknownEncoding { .. }))));
}

#[test]
fn vcards_of_every_version_are_read() {
    let vcf = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Stone;Bob;;;\r\nEMAIL;TYPE=INTERNET,WORK:bob@acme.example\r\n\
               EMAIL;TYPE=HOME:bob@home.example\r\nORG:Acme Corp;Sales\r\nTEL;TYPE=CELL:+1 555 0100\r\n\
               URL:https://www.acme.example/\r\nEND:VCARD\r\n\
               BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Jörg Müller\r\nEMAIL;PREF=1:jorg@bücher.example\r\nEND:VCARD\r\n";
    let drafts = drafts(vcf.as_bytes(), "all.vcf", &ReadAs::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(drafts.len(), 2);
    assert_eq!(spelled(&drafts[0]), "Bob Stone | bob@acme.example bob@home.example | Acme Corp | +1 555 0100");
    assert_eq!(drafts[0].domains, vec!["acme.example"]);
    assert_eq!(drafts[1].name, "Jörg Müller");
    assert_eq!(drafts[1].source, Source::Card { number: 2 });
    let file = inspect(vcf.as_bytes(), "contacts.txt", &ReadAs::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((file.kind, file.columns.is_none()), (FileKind::Vcard, true), "known by its content too");
}
