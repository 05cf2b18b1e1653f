//! Text as the search index stores it, and a typed word as the index is
//! asked for it.
//!
//! The index's tokenizer (SQLite's `unicode61`) cuts words at spaces and
//! punctuation, folds case and diacritics. Chinese, Japanese and Korean
//! write a sentence without spaces, so it would keep 明日の会議 as one
//! token that 会議 never finds. Runs of those scripts are therefore given
//! to the index as overlapping pairs of characters (明日 日の の会 会議,
//! and the run's last character alone), the way Lucene's CJK analyzer
//! does: any word of two or more characters is then the phrase of its
//! pairs, and a single character is a prefix of the pair it starts or the
//! run's last character. No dictionary is needed, so no word is missed
//! for being unknown to one.

use std::borrow::Cow;

/// Characters of the scripts written without spaces between words: Han,
/// kana and Hangul (whose words carry their particles: 회의를 holds 회의).
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{11FF}'     // Hangul Jamo
        | '\u{3005}'                // 々, the kanji repeat mark
        | '\u{3040}'..='\u{30FF}'   // Hiragana, Katakana
        | '\u{3130}'..='\u{318F}'   // Hangul Compatibility Jamo
        | '\u{31F0}'..='\u{31FF}'   // Katakana Phonetic Extensions
        | '\u{3400}'..='\u{4DBF}'   // CJK Extension A
        | '\u{4E00}'..='\u{9FFF}'   // CJK Unified Ideographs
        | '\u{AC00}'..='\u{D7AF}'   // Hangul Syllables
        | '\u{F900}'..='\u{FAFF}'   // CJK Compatibility Ideographs
        | '\u{FF66}'..='\u{FF9F}'   // Halfwidth Katakana
        | '\u{20000}'..='\u{3134F}' // CJK Extensions B to G
    )
}

/// Whether `text` may hold a CJK character: every one of them is encoded
/// from the lead byte 0xE1 up, so most mail is passed by a byte scan.
fn may_hold_cjk(text: &str) -> bool {
    text.bytes().any(|b| b >= 0xE1)
}

/// `text` as the index stores it: unchanged unless it holds CJK runs,
/// which become their character pairs, set apart by spaces.
pub fn for_index(text: &str) -> Cow<'_, str> {
    if !may_hold_cjk(text) || !text.chars().any(is_cjk) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() * 2);
    split_runs(text, &mut out, true);
    Cow::Owned(out)
}

/// Writes `text` into `out` with each CJK run as its pairs (see
/// [`push_pairs`]); returns the length of the run it ends with.
fn split_runs(text: &str, out: &mut String, with_last: bool) -> usize {
    let mut run: Vec<char> = Vec::new();
    for c in text.chars() {
        if is_cjk(c) {
            run.push(c);
        } else {
            push_pairs(out, &run, with_last);
            run.clear();
            out.push(c);
        }
    }
    push_pairs(out, &run, with_last);
    run.len()
}

/// Writes a CJK run's pairs (and, for the index, its last character),
/// set apart by spaces.
fn push_pairs(out: &mut String, run: &[char], with_last: bool) {
    if run.is_empty() {
        return;
    }
    out.push(' ');
    for pair in run.windows(2) {
        out.extend(pair);
        out.push(' ');
    }
    if let Some(last) = run.last().filter(|_| with_last || run.len() == 1) {
        out.push(*last);
        out.push(' ');
    }
}

/// One typed word or phrase as an FTS5 phrase matching it anywhere: its
/// tokens in order, quotes doubled so nothing typed is syntax. Words are
/// whole words, as in the mail clients people know, unless typed with a
/// trailing `*` (`pric*` finds pricing); a single CJK character is always
/// a prefix of the pairs it starts (`会` finds 会議). A prefix is asked
/// for only then: the index must gather every word it starts, where a
/// whole word is read newest first and stops at a page. None when it
/// holds no letter or digit.
pub fn fts_phrase(typed: &str) -> Option<String> {
    if !typed.chars().any(char::is_alphanumeric) {
        return None;
    }
    let starred = typed.trim_end().strip_suffix('*');
    let typed = starred.unwrap_or(typed);
    let mut tokens = String::with_capacity(typed.len() * 2);
    let last_run = if may_hold_cjk(typed) {
        split_runs(typed, &mut tokens, false)
    } else {
        tokens.push_str(typed);
        0
    };
    let quoted = tokens.split_whitespace().collect::<Vec<_>>().join(" ").replace('"', "\"\"");
    let prefix = starred.is_some() || (last_run == 1 && quoted.ends_with(is_cjk));
    Some(if prefix { format!("\"{quoted}\"*") } else { format!("\"{quoted}\"") })
}

/// Whether a letter carries a diacritic the index folds away (č, ö, å).
fn has_diacritic(c: char) -> bool {
    let mut marked = false;
    if !c.is_ascii() && c.is_alphabetic() {
        unicode_normalization::char::decompose_canonical(c, |d| {
            marked |= unicode_normalization::char::is_combining_mark(d);
        });
    }
    marked
}

/// The distinct words of `texts` written with diacritics, for the index
/// of exact forms that ranks příležitost above prilezitost when that is
/// what was typed. Empty for plain ASCII, most mail.
pub fn diacritic_words<'a>(texts: impl IntoIterator<Item = &'a str>) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut out = String::new();
    for text in texts {
        if text.is_ascii() {
            continue;
        }
        for word in text.split(|c: char| !c.is_alphanumeric()) {
            if word.chars().any(has_diacritic) && seen.insert(word) {
                out.push_str(word);
                out.push(' ');
            }
        }
    }
    out.truncate(out.trim_end().len());
    out
}

/// Whether a typed word is written with diacritics, so that its exact
/// form should rank first.
pub fn has_diacritics(typed: &str) -> bool {
    typed.chars().any(has_diacritic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_without_cjk_is_passed_unchanged() {
        for text in ["Hello, world", "příležitost töötaja försäljning", "שלום", "Grüße 10\u{a0}€"] {
            assert!(matches!(for_index(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn cjk_runs_become_pairs_and_their_last_character() {
        assert_eq!(
            for_index("明日の会議").split_whitespace().collect::<Vec<_>>(),
            ["明日", "日の", "の会", "会議", "議"]
        );
        assert_eq!(for_index("Q3会議、OK").split_whitespace().collect::<Vec<_>>(), ["Q3", "会議", "議", "、OK"]);
        assert_eq!(
            for_index("회의를 합시다").split_whitespace().collect::<Vec<_>>(),
            ["회의", "의를", "를", "합시", "시다", "다"]
        );
        assert_eq!(for_index("字").trim(), "字");
    }

    #[test]
    fn typed_words_become_safe_phrases() {
        assert_eq!(fts_phrase("  "), None);
        assert_eq!(fts_phrase("\"-@"), None);
        assert_eq!(fts_phrase("offer").as_deref(), Some("\"offer\""));
        assert_eq!(fts_phrase("pric*").as_deref(), Some("\"pric\"*"));
        assert_eq!(fts_phrase("a\"b").as_deref(), Some("\"a\"\"b\""));
        assert_eq!(fts_phrase("signed order").as_deref(), Some("\"signed order\""));
        assert_eq!(fts_phrase("会議").as_deref(), Some("\"会議\""));
        assert_eq!(fts_phrase("明日の会議").as_deref(), Some("\"明日 日の の会 会議\""));
        assert_eq!(fts_phrase("会").as_deref(), Some("\"会\"*"));
        assert_eq!(fts_phrase("Q3会議").as_deref(), Some("\"Q3 会議\""));
        assert_eq!(fts_phrase("Q3 会").as_deref(), Some("\"Q3 会\"*"));
    }

    #[test]
    fn words_with_diacritics_are_kept_once_for_exact_ranking() {
        assert_eq!(diacritic_words(["Plain ASCII text"]), "");
        assert_eq!(
            diacritic_words(["Nová příležitost", "příležitost: töötaja, försäljning; Øre 会議"]),
            "Nová příležitost töötaja försäljning"
        );
        assert!(has_diacritics("příležitost"));
        assert!(!has_diacritics("prilezitost"));
        assert!(!has_diacritics("会議"));
    }
}
