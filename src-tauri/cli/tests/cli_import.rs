//! `import csv|vcard`: every fixture export of tests/fixtures/contacts
//! imported through the CLI as a user would, without --map, in its real
//! encoding (issue 25). No server: an import needs only the store.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use std::path::PathBuf;

use common::{cli, json};

fn fixture(name: &str) -> String {
    let path: PathBuf =
        [env!("CARGO_MANIFEST_DIR"), "..", "..", "tests", "fixtures", "contacts", name].iter().collect();
    path.to_str().unwrap().to_owned()
}

#[test]
fn every_fixture_export_imports_right_without_a_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let files = [
        ("csv", "google.csv"),
        ("csv", "google-utf16.csv"),
        ("csv", "google-legacy.csv"),
        ("csv", "outlook-windows-1252.csv"),
        ("csv", "outlook-windows-1250.csv"),
        ("csv", "outlook-com.csv"),
        ("csv", "thunderbird.csv"),
        ("csv", "thunderbird-excel-windows-1257.csv"),
        ("csv", "pipedrive-people.csv"),
        ("csv", "pipedrive-organizations.csv"),
        ("csv", "hubspot-contacts-excel.csv"),
        ("csv", "hubspot-companies.csv"),
        ("csv", "linkedin-connections.csv"),
        ("csv", "outlook-excel-unicode-text.txt"),
        ("csv", "linkedin-mac-excel.csv"),
        ("csv", "google-numbers.csv"),
        ("csv", "own-euc-kr.csv"),
        ("vcard", "phone-windows-1250.vcf"),
        ("vcard", "phone-quoted-printable.vcf"),
        ("vcard", "phone-shift-jis.vcf"),
    ];
    let mut skipped = Vec::new();
    for (kind, file) in files {
        // The language of the user who would hold such a file.
        let language = match file {
            f if f.contains("1257") => "et_EE.UTF-8",
            f if f.contains("1250") => "cs_CZ.UTF-8",
            f if f.contains("euc-kr") => "ko_KR.UTF-8",
            _ => "en_US.UTF-8",
        };
        let out = std::process::Command::new(common::CLI)
            .arg("--data-dir")
            .arg(d)
            .args(["import", kind, &fixture(file), "--json"])
            .env("LANG", language)
            .env_remove("LC_ALL")
            .output()
            .unwrap();
        let report = common::ok_json(out);
        for s in report["skipped"].as_array().unwrap() {
            skipped.push(format!("{file} {}: {}", s["source"]["number"], s["reason"]["code"].as_str().unwrap()));
        }
    }
    // Only LinkedIn's connection who hides their address is left out.
    assert_eq!(skipped, ["linkedin-connections.csv 6: no_address"]);

    let persons = json(d, &["person", "list"]);
    let mut names: Vec<String> = persons
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} <{}> {}",
                p["name"].as_str().unwrap(),
                p["emails"][0].as_str().unwrap(),
                p["org_name"].as_str().unwrap_or("")
            )
        })
        .collect();
    names.sort();
    let mut expected = vec![
        "山田太郎 <taro@sample.example> 株式会社サンプル",
        "Zoë Anna Müller <zoe@baeckerei.example> Bäckerei Süß",
        "김민준 <minjun@sample.example> 샘플 주식회사",
        "Åsa Öberg <asa@forsaljning.example> Försäljning AB",
        "Jiří Dvořák <jiri@dvorak.example> Dvořák a syn s.r.o.",
        "佐藤花子 <hanako@test.example> テスト商事",
        "François Émile Lefèvre <francois@creme.example> Crème & Café SARL",
        "Žaneta Šťastná <zaneta@stastna.example> Šťastná a syn s.r.o.",
        "Kadri Tamm <kadri@tamm.example> Tamm ja Pojad OÜ",
        "Märt Õunapuu (Õunapuu OÜ) <mart@ounapuu.example> Õunapuu OÜ",
        "Lars Åkesson <lars@akesson.example> Åkesson & Söner AB",
        "Žanna Šmidt <zanna@smidt.example> Šmidt ja Põder AS",
        "Jüri Tšernõšov <juri@tsernosov.example> Õlle Tehas OÜ",
        "Ingrid Lindqvist <ingrid@lindqvist.example> Lindqvist Bygg AB",
        "이서연 <seoyeon@test.example> 테스트 상사",
        "박지우 <jiwoo@test.example> 테스트 상사",
        "Kateřina Horáková <katerina@horak.example> Horák Stavby a.s.",
        "鈴木一郎 <ichiro@suzuki.example> 鈴木工業株式会社",
        "Sébastien Girard <sebastien@girard.example> Girard Frères",
        "Björn Lindbäck <bjorn@lindback.example> Lindbäck Åkeri AB",
        "Kristjan Saar <kristjan@saar.example> Saare Puit OÜ",
        "정하늘 <haneul@jung.example> 하늘 무역",
    ];
    expected.sort();
    assert_eq!(names, expected, "each person once, named and placed right, across all the exports");

    let orgs = json(d, &["org", "list"]);
    let org = |name: &str| orgs.as_array().unwrap().iter().find(|o| o["name"] == name).cloned();
    assert!(org("Björk & Ek Konsult AB").is_some(), "Pipedrive's row of a company alone makes the company");
    assert_eq!(org("Šťastná a syn s.r.o.").unwrap()["domains"], serde_json::json!(["stastna.example"]));
    assert_eq!(org("Försäljning AB").unwrap()["domains"], serde_json::json!(["forsaljning.example"]));
    assert!(org("Organization - Name").is_none() && org("Person - Email messages count").is_none());
}

#[test]
fn the_preview_names_the_layout_and_encoding_and_the_encoding_can_be_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let shown = json(d, &["import", "csv", &fixture("google-utf16.csv"), "--preview"]);
    assert_eq!(shown["file"]["encoding"], "UTF-16LE");
    assert_eq!(shown["file"]["encoding_found"], "byte_order_mark");
    assert_eq!(shown["file"]["columns"]["layout"], "google_contacts");
    assert_eq!(shown["rows"][1]["name"], "Åsa Öberg");

    let text = cli(d, &["import", "csv", &fixture("outlook-windows-1252.csv"), "--preview", "--encoding", "UTF-8"]);
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(text.starts_with("layout: OutlookWindows, encoding: UTF-8 (Chosen)"), "{text}");
    assert!(text.contains("Zo\u{fffd} M\u{fffd}ller"), "read as asked, wrongly: {text}");

    let bad = cli(d, &["import", "csv", &fixture("google.csv"), "--encoding", "klingon"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("\"klingon\" is not an encoding"));
    assert!(json(d, &["person", "list"]).as_array().unwrap().is_empty(), "a preview and a refusal import nothing");
}
