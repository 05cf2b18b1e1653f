//! A generated mail corpus with the variety real mailboxes have: plain,
//! HTML-only, multipart/alternative, attachments, RFC 2047 headers,
//! non-UTF-8 charsets, conversations, and malformed messages.
//! Deterministic for a given seed, so failures reproduce.

use threadline_engine::sync::plan::{MONTHS, civil_date};

/// Base date of the corpus (2026-01-01), spread forward one hour per message.
const BASE_DATE: i64 = 1_767_225_600;

/// A tiny deterministic generator (no dependency needed for test data).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() as usize) % items.len()]
    }
}

const NAMES: [&str; 8] =
    ["Bob Stone", "Carol Diaz", "Dmitri Ivanov", "Emi Tanaka", "Kaisa Tamm", "Jiří Novák", "Min-jun Park", "Sven Berg"];
const WORDS: [&str; 16] = [
    "offer",
    "renewal",
    "meeting",
    "pricing",
    "contract",
    "invoice",
    "proposal",
    "demo",
    "quarterly",
    "pipeline",
    "discount",
    "signature",
    "onboarding",
    "roadmap",
    "budget",
    "follow-up",
];

fn address(name: &str) -> String {
    let local: String = name
        .split_whitespace()
        .next()
        .unwrap_or("x")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    format!("{}@acme.example", if local.is_empty() { "someone".into() } else { local })
}

/// An RFC 2822 date (UTC) for seconds since the epoch.
pub fn rfc2822_date(ts: i64) -> String {
    let (y, m, d) = civil_date(ts);
    let secs = ts.rem_euclid(86_400);
    let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} +0000",
        weekdays[ts.div_euclid(86_400).rem_euclid(7) as usize],
        d,
        MONTHS[m as usize - 1],
        y,
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

/// One generated message and what a correct parser must find in it.
#[derive(Debug, Clone)]
pub struct CorpusMessage {
    pub raw: Vec<u8>,
    /// The Message-ID (without brackets), if the message has one.
    pub message_id: Option<String>,
    /// A word that full-text search must find in this message.
    pub marker: String,
}

/// Generates `n` messages addressed to `to`, one hour apart from the
/// corpus's base date. Every fifth message replies to an earlier one;
/// every 50th is malformed.
pub fn generate(n: usize, seed: u64, to: &str) -> Vec<CorpusMessage> {
    generate_dated(n, seed, to, BASE_DATE, 3600)
}

/// Messages `from..from + n` of a mailbox of `total` that spans the ten
/// years before the corpus's base date, dated in the order they arrived
/// (the order of their UIDs), as a real mailbox is. A large mailbox filled
/// by calls of [`generate`] would repeat the same dates in every call,
/// which no mailbox does and which makes every date index's insert land
/// anywhere. Otherwise as [`generate`].
pub fn years_of_mail(total: usize, from: usize, n: usize, seed: u64, to: &str) -> Vec<CorpusMessage> {
    const TEN_YEARS: i64 = 10 * 365 * 86_400;
    let step = (TEN_YEARS / i64::try_from(total.max(1)).unwrap_or(i64::MAX)).max(1);
    let first = BASE_DATE - TEN_YEARS + i64::try_from(from).unwrap_or(0) * step;
    generate_dated(n, seed, to, first, step)
}

/// `n` messages dated from `first` (seconds since the epoch) on, `step`
/// seconds apart.
fn generate_dated(n: usize, seed: u64, to: &str, first: i64, step: i64) -> Vec<CorpusMessage> {
    let mut rng = Lcg(seed);
    let mut out: Vec<CorpusMessage> = Vec::with_capacity(n);
    for i in 0..n {
        let name = rng.pick(&NAMES);
        let from = address(name);
        let w1 = rng.pick(&WORDS);
        let w2 = rng.pick(&WORDS);
        // The trailing "q" keeps one marker from being a prefix of another.
        let marker = format!("marker{seed}x{i}q");
        let date = rfc2822_date(first + (i as i64) * step);
        let msgid = format!("gen-{seed}-{i}@acme.example");
        let mut headers = format!(
            "From: {name} <{from}>\r\nTo: {to}\r\nDate: {date}\r\nMessage-ID: <{msgid}>\r\nMIME-Version: 1.0\r\n"
        );
        if i % 5 == 4 && !out.is_empty() {
            let parent = &out[(rng.next() as usize) % out.len()];
            if let Some(pid) = &parent.message_id {
                headers.push_str(&format!("In-Reply-To: <{pid}>\r\nReferences: <{pid}>\r\n"));
            }
        }
        let kind = i % 10;
        let raw: Vec<u8> = if i % 50 == 49 {
            malformed(i, &marker)
        } else {
            match kind {
                0 | 4 | 9 => {
                    format!("{headers}Subject: {w1} {w2} #{i}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello,\r\nabout the {w1}: {marker}.\r\nRegards, {name}\r\n").into_bytes()
                }
                1 => format!("{headers}Subject: {w1} (html) #{i}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>About the <b>{w2}</b> {marker}</p><img src=\"https://tracker.example/{i}.gif\"></body></html>\r\n").into_bytes(),
                2 => format!("{headers}Subject: {w1} alternative #{i}\r\nContent-Type: multipart/alternative; boundary=\"alt{i}\"\r\n\r\n--alt{i}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlain {w2} {marker}\r\n--alt{i}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Rich <i>{w2}</i> {marker}</p>\r\n--alt{i}--\r\n").into_bytes(),
                3 => format!("{headers}Subject: {w1} with attachment #{i}\r\nContent-Type: multipart/mixed; boundary=\"mix{i}\"\r\n\r\n--mix{i}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the attached {w2}. {marker}\r\n--mix{i}\r\nContent-Type: application/pdf; name=\"{w2}-{i}.pdf\"\r\nContent-Disposition: attachment; filename=\"{w2}-{i}.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSPj4Kc3RyZWFtCg==\r\n--mix{i}--\r\n").into_bytes(),
                5 => format!("{headers}Subject: =?UTF-8?B?5Lya6K2w44Gu5qGI5YaF?= {w1} #{i}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nT=C3=A4name kohtumine, {marker}\r\n").into_bytes(),
                6 => {
                    let mut v = format!("{headers}Subject: =?ISO-8859-1?Q?Gr=FC=DFe_zum_{w1}?= #{i}\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n\r\n").into_bytes();
                    v.extend_from_slice(b"Sch\xf6ne Gr\xfc\xdfe, ");
                    v.extend_from_slice(format!("{marker}\r\n").as_bytes());
                    v
                }
                7 => {
                    let mut v = format!("{headers}Subject: {w1} (Shift_JIS) #{i}\r\nContent-Type: text/plain; charset=Shift_JIS\r\n\r\n").into_bytes();
                    v.extend_from_slice(&[0x82, 0xb1, 0x82, 0xf1, 0x82, 0xc9, 0x82, 0xbf, 0x82, 0xcd, b' ']);
                    v.extend_from_slice(format!("{marker}\r\n").as_bytes());
                    v
                }
                _ => {
                    let mut v = format!("{headers}Subject: =?KOI8-R?B?8NLJ18XU?= {w2} #{i}\r\nContent-Type: text/plain; charset=KOI8-R\r\n\r\n").into_bytes();
                    v.extend_from_slice(&[0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4, b' ']);
                    v.extend_from_slice(format!("{marker}\r\n").as_bytes());
                    v
                }
            }
        };
        let has_id = i % 50 != 49;
        out.push(CorpusMessage { raw, message_id: has_id.then_some(msgid), marker });
    }
    out
}

/// A rotating set of broken messages; each still carries its marker.
fn malformed(i: usize, marker: &str) -> Vec<u8> {
    match (i / 50) % 5 {
        0 => format!("Subject: no from, no date, no id\r\n\r\n{marker}\r\n").into_bytes(),
        1 => format!("From: broken <a@b.example>\r\nSubject: =?UTF-8?B?!!notbase64\r\nContent-Type: multipart/mixed; boundary=\"never-closed\"\r\n\r\n--never-closed\r\nContent-Type: text/plain\r\n\r\n{marker} and no closing boundary\r\n").into_bytes(),
        2 => {
            let mut v = b"From: nul@bytes.example\r\nSubject: nul \0 bytes\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\0\xff\xfe".to_vec();
            v.extend_from_slice(format!(" {marker}\r\n").as_bytes());
            v
        }
        3 => format!("From: long@header.example\r\nX-Long: {}\r\nSubject: very long header\r\nDate: not a date at all\r\n\r\n{marker}\r\n", "y".repeat(20_000)).into_bytes(),
        _ => format!("From: nested@mime.example\r\nSubject: deep nesting\r\nContent-Type: multipart/mixed; boundary=\"a\"\r\n\r\n--a\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: multipart/mixed; boundary=\"c\"\r\n\r\n--c\r\nContent-Type: text/plain; charset=x-unknown-charset\r\n\r\n{marker}\r\n--c--\r\n--b--\r\n--a--\r\n").into_bytes(),
    }
}

/// Generates `n` hostile messages, each unique (a marker in its body when
/// it has one), cycling through what breaks mail programs: unclosed and
/// missing MIME boundaries, MIME nested hundreds deep (message/rfc822
/// inside multipart, like a zip bomb), quarter-megabyte headers and thousands of
/// header lines, unknown and lying charsets, NUL bytes, bare LF and CR line
/// ends, broken base64 and quoted-printable, no header at all, and endless
/// lines.
pub fn hostile(n: usize, seed: u64) -> Vec<Vec<u8>> {
    (0..n).map(|i| hostile_one(i, &format!("hostile{seed}x{i}q"))).collect()
}

fn hostile_one(i: usize, marker: &str) -> Vec<u8> {
    match i % 12 {
        0 => format!("Subject: unclosed {i}\r\nContent-Type: multipart/mixed; boundary=\"x\"\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\n{marker}\r\n--x\r\nContent-Type: text/html\r\n\r\n<p>never closed").into_bytes(),
        1 => format!("Subject: boundary missing {i}\r\nContent-Type: multipart/alternative\r\n\r\n{marker}\r\n").into_bytes(),
        2 => {
            // 300 levels of multipart/mixed, each holding a message/rfc822.
            let depth = 300;
            let mut v = format!("Subject: nested {i}\r\n").into_bytes();
            for d in 0..depth {
                v.extend_from_slice(format!("Content-Type: multipart/mixed; boundary=\"b{d}\"\r\n\r\n--b{d}\r\nContent-Type: message/rfc822\r\n\r\nSubject: level {d}\r\n").as_bytes());
            }
            v.extend_from_slice(format!("\r\n{marker}\r\n").as_bytes());
            for d in (0..depth).rev() {
                v.extend_from_slice(format!("--b{d}--\r\n").as_bytes());
            }
            v
        }
        3 => format!("Subject: huge header {i}\r\nX-Huge: {}\r\n\r\n{marker}\r\n", "h".repeat(256 * 1024)).into_bytes(),
        4 => {
            let mut v = format!("Subject: many headers {i}\r\n").into_bytes();
            for h in 0..5_000 {
                v.extend_from_slice(format!("X-Header-{h}: value {h}\r\n").as_bytes());
            }
            v.extend_from_slice(format!("\r\n{marker}\r\n").as_bytes());
            v
        }
        5 => format!("Subject: =?x-no-such-charset?Q?caf=E9?= {i}\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n\r\n{marker} caf\u{e9}\r\n").into_bytes(),
        6 => {
            let mut v = format!("Subject: lying utf-8 {i}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n").into_bytes();
            v.extend_from_slice(b"\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc ");
            v.extend_from_slice(format!("{marker}\r\n").as_bytes());
            v
        }
        7 => {
            let mut v = format!("Subject: nul {i}\0\r\nFrom: \0@\0\r\n\r\n").into_bytes();
            v.extend_from_slice(&[0u8; 64]);
            v.extend_from_slice(format!("{marker}\0\r\n").as_bytes());
            v
        }
        8 => format!("Subject: bare line ends {i}\nFrom: lf@only.example\rX-Cr: only\n\n{marker}\rline\nline\n").into_bytes(),
        9 => format!("Subject: broken encodings {i}\r\nContent-Type: multipart/mixed; boundary=\"e\"\r\n\r\n--e\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not*base64===\r\n--e\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{marker} =ZZ =\r\n--e--\r\n").into_bytes(),
        10 => format!("{marker} a body without any header line {i}\r\n").into_bytes(),
        _ => format!("Subject: endless line {i}\r\n\r\n{marker} {}\r\n", "w".repeat(512 * 1024)).into_bytes(),
    }
}

/// Bytes that look like nothing in particular and compress like none (a
/// packed attachment), the same for the same seed (not 0).
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_rfc2822() {
        assert_eq!(super::rfc2822_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(super::rfc2822_date(1_793_700_000), "Tue, 03 Nov 2026 10:00:00 +0000");
    }
}
