//! The text of an imported file, in whatever encoding its program wrote.
//!
//! Contact exports come as UTF-8 (with or without a byte order mark), as
//! UTF-16 (Google's and Outlook's "Unicode" CSV) or in the code page of the
//! machine that saved them (Excel's plain "CSV": a Windows code page, or
//! Mac Roman on a Mac). The guess is shown in the preview and the user can
//! overrule it.

use encoding_rs::{Encoding, MACINTOSH, UTF_8, UTF_16BE, UTF_16LE};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::problem::Problem;

/// The encodings the import dialog offers, by their WHATWG names: Unicode,
/// the Windows code pages of our users' locales, and their neighbours.
pub const OFFERED: &[&str] = &[
    "UTF-8",
    "UTF-16LE",
    "UTF-16BE",
    "windows-1252",
    "windows-1250",
    "windows-1257",
    "Shift_JIS",
    "EUC-JP",
    "EUC-KR",
    "ISO-8859-2",
    "ISO-8859-15",
    "windows-1251",
    "GBK",
    "Big5",
    "macintosh",
];

/// How the encoding of a file was found, shown beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum EncodingFound {
    /// The file starts with a byte order mark.
    ByteOrderMark,
    /// The file is valid UTF-8.
    Utf8,
    /// The file names its encoding (a vCard's CHARSET).
    Declared,
    /// Guessed from the bytes, weighted by the user's language.
    Guessed,
    /// The user chose it.
    Chosen,
}

/// What a file's bytes read as.
#[derive(Debug)]
pub struct Decoded {
    pub text: String,
    /// Its WHATWG name ("windows-1250").
    pub encoding: &'static str,
    pub found: EncodingFound,
}

/// Finds the encoding a file's own text names (a vCard's CHARSET).
pub type Declared = fn(&[u8]) -> Option<&'static Encoding>;

/// What may steer the reading of a file's bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hints<'a> {
    /// The encoding the user chose (a WHATWG label); overrules the rest.
    pub chosen: Option<&'a str>,
    /// Reads the encoding the file names for itself; asked only of bytes
    /// that are neither marked nor UTF-8.
    pub declared: Option<Declared>,
    /// The user's language ("cs", "ja-JP"): the code pages of its locale
    /// are the likelier guesses.
    pub language: Option<&'a str>,
}

/// Reads a file's bytes as text: the chosen encoding, else a byte order
/// mark, valid UTF-8, the declared encoding, or the detector's guess.
pub fn decode(bytes: &[u8], hints: Hints<'_>) -> Result<Decoded> {
    if let Some(label) = hints.chosen {
        let encoding = Encoding::for_label(label.trim().as_bytes())
            .ok_or_else(|| Error::Invalid(Problem::UnknownEncoding { label: label.to_owned() }))?;
        return Ok(read(bytes, encoding, EncodingFound::Chosen));
    }
    if let Some((encoding, _)) = Encoding::for_bom(bytes) {
        return Ok(read(bytes, encoding, EncodingFound::ByteOrderMark));
    }
    if std::str::from_utf8(bytes).is_ok() {
        return Ok(read(bytes, UTF_8, EncodingFound::Utf8));
    }
    if let Some(encoding) = utf16_without_bom(bytes) {
        return Ok(read(bytes, encoding, EncodingFound::Guessed));
    }
    if let Some(encoding) = hints.declared.and_then(|declared| declared(bytes)) {
        return Ok(read(bytes, encoding, EncodingFound::Declared));
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
    detector.feed(bytes, true);
    let tld = hints.language.and_then(top_level_domain);
    let guess = detector.guess(tld.map(str::as_bytes), chardetng::Utf8Detection::Deny);
    Ok(read(bytes, or_mac_roman(bytes, guess), EncodingFound::Guessed))
}

/// The detector's code page, or Mac Roman. The detector, made for the web,
/// never answers Mac Roman, which Excel for Mac still writes as its plain
/// CSV; of a single-byte guess and Mac Roman, the reading whose words look
/// less broken.
fn or_mac_roman(bytes: &[u8], guess: &'static Encoding) -> &'static Encoding {
    if !guess.is_single_byte() {
        return guess;
    }
    let broken = |encoding: &'static Encoding| broken_letters(&encoding.decode_without_bom_handling(bytes).0);
    if broken(MACINTOSH) < broken(guess) { MACINTOSH } else { guess }
}

/// How many non-ASCII characters stand where a person's text would not
/// have them: a control character; something that is not a cased letter
/// between two cased letters ("Zo‘", "Bjˆrn"); a capital after a letter
/// and before a small one ("MŸller"). A Western text read in the wrong
/// code page is full of them; read right, it has none.
fn broken_letters(text: &str) -> usize {
    let cased = |c: char| c.is_lowercase() || c.is_uppercase();
    text.chars()
        .zip(text.chars().skip(1))
        .zip(text.chars().skip(2))
        .filter(|&((before, c), after)| {
            !c.is_ascii()
                && (c.is_control()
                    || (cased(before) && cased(after) && !cased(c))
                    || (c.is_uppercase() && before.is_alphabetic() && after.is_lowercase()))
        })
        .count()
}

fn read(bytes: &[u8], encoding: &'static Encoding, found: EncodingFound) -> Decoded {
    // Undecodable bytes become U+FFFD: the preview shows them, and the
    // user picks another encoding.
    let (text, _) = encoding.decode_with_bom_removal(bytes);
    Decoded { text: text.into_owned(), encoding: encoding.name(), found }
}

/// UTF-16 that lost its byte order mark: text in the Latin range has a
/// zero in every other byte, and only there.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = bytes.get(..bytes.len().min(4096))?;
    let pairs = head.len() / 2;
    if pairs < 8 {
        return None;
    }
    let zeros_at = |odd: bool| head.chunks_exact(2).filter(|p| p.get(usize::from(odd)) == Some(&0)).count();
    let (even, odd) = (zeros_at(false), zeros_at(true));
    if odd * 3 > pairs && even == 0 {
        Some(UTF_16LE)
    } else if even * 3 > pairs && odd == 0 {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// A top-level domain whose legacy pages share the code page a language's
/// Windows saves files in (chardetng weighs its guess by a domain).
fn top_level_domain(language: &str) -> Option<&'static str> {
    let primary = language.split(['-', '_']).next()?.to_ascii_lowercase();
    Some(match primary.as_str() {
        "ja" => "jp",
        "ko" => "kr",
        "cs" => "cz",
        // Estonian Windows writes windows-1257, as Lithuanian does; the
        // detector counts .ee among the Western (windows-1252) domains.
        "et" => "lt",
        "sv" => "se",
        "zh" => "cn",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guessed(bytes: &[u8], language: Option<&str>) -> (String, &'static str) {
        let decoded = decode(bytes, Hints { language, ..Hints::default() }).unwrap_or_else(|e| panic!("{e}"));
        (decoded.text, decoded.encoding)
    }

    fn encoded(text: &str, encoding: &'static Encoding) -> Vec<u8> {
        let (bytes, _, errors) = encoding.encode(text);
        assert!(!errors, "{text} fits {}", encoding.name());
        bytes.into_owned()
    }

    #[test]
    fn byte_order_marks_and_utf8_come_first() {
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend("Name,E-mail\nZoë,zoe@example.com\n".encode_utf16().flat_map(u16::to_le_bytes));
        let decoded = decode(&utf16, Hints::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((decoded.text.as_str(), decoded.encoding), ("Name,E-mail\nZoë,zoe@example.com\n", "UTF-16LE"));
        assert_eq!(decoded.found, EncodingFound::ByteOrderMark);

        let mut big = vec![0xFE, 0xFF];
        big.extend("Name\nMärt\n".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(guessed(&big, None), ("Name\nMärt\n".to_owned(), "UTF-16BE"));

        let no_bom: Vec<u8> = "First Name,Last Name\nZoë,Müller\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(guessed(&no_bom, None).1, "UTF-16LE");

        assert_eq!(guessed("\u{feff}Name\nJörg\n".as_bytes(), None), ("Name\nJörg\n".to_owned(), "UTF-8"));
        assert_eq!(guessed("Name\n山田太郎\n".as_bytes(), Some("en")).1, "UTF-8");
    }

    #[test]
    fn legacy_code_pages_are_guessed_by_the_users_locale() {
        let rows = [
            (
                "First Name,Last Name,Company\nZoë,Müller,Bäckerei Süß\nFrançois,Lefèvre,Crème\n",
                encoding_rs::WINDOWS_1252,
                None,
            ),
            ("Jméno,Příjmení\nJiří,Dvořák\nŽaneta,Šťastná\nLuboš,Černý\n", encoding_rs::WINDOWS_1250, Some("cs")),
            ("Eesnimi,Perenimi\nMärt,Õunapuu\nŽanna,Šmidt\nJüri,Tšernõšov\n", encoding_rs::WINDOWS_1257, Some("et")),
            ("名前,会社\n山田太郎,株式会社サンプル\n佐藤花子,テスト商事\n", encoding_rs::SHIFT_JIS, Some("ja")),
            ("이름,회사\n김민준,샘플 주식회사\n이서연,테스트 상사\n", encoding_rs::EUC_KR, Some("ko")),
            // Excel for Mac's plain CSV, whatever the user's language.
            ("Förnamn,Efternamn\rÅsa,Öberg\rBjörn,Lindbäck\r", MACINTOSH, Some("sv")),
            ("First Name,Company\nZoë,Bäckerei Süß\nFrançois,Crème brûlée\n", MACINTOSH, None),
            ("Eesnimi,Perenimi\nMärt,Õunapuu\nJüri,Käär\n", MACINTOSH, Some("et")),
            ("Company,City\nAcme,Zürich\n", encoding_rs::WINDOWS_1252, None),
            ("Company,City\nAcme,Zürich\nBeta,Genève\nGamma,Malmö\n", MACINTOSH, None),
        ];
        for (text, encoding, language) in rows {
            let bytes = encoded(text, encoding);
            assert_eq!(guessed(&bytes, language), (text.to_owned(), encoding.name()), "{text}");
        }
    }

    #[test]
    fn the_users_choice_overrules_the_guess() {
        let bytes = encoded("Name\nŽaneta\n", encoding_rs::WINDOWS_1250);
        let chosen = decode(&bytes, Hints { chosen: Some("windows-1250"), ..Hints::default() });
        let chosen = chosen.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((chosen.text.as_str(), chosen.found), ("Name\nŽaneta\n", EncodingFound::Chosen));
        let declared =
            decode(&bytes, Hints { declared: Some(|_| Some(encoding_rs::WINDOWS_1250)), ..Hints::default() });
        assert_eq!(declared.map(|d| d.found).ok(), Some(EncodingFound::Declared));
        assert!(decode(&bytes, Hints { chosen: Some("klingon-7"), ..Hints::default() }).is_err());
        for label in OFFERED {
            assert!(Encoding::for_label(label.as_bytes()).is_some_and(|e| e.name() == *label), "{label}");
        }
    }
}
