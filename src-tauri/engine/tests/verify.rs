//! DKIM and SPF verdicts, with every DNS answer from the real NSD the test
//! servers start on loopback (zone auth.test: a DKIM key made for the run,
//! SPF records that pass, fail and soft-fail for 127.0.0.1).

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::net::IpAddr;

use threadline_engine::verify::{Dkim, Envelope, Spf, Verdict, Verifier};
use threadline_testkit::{private_servers, repo_root, servers};

fn mail(domain: &str) -> Vec<u8> {
    format!(
        "From: Ann Lee <ann@{domain}>\r\nTo: seller@example.test\r\nSubject: Renewal offer\r\n\
         Date: Mon, 30 Nov 2026 09:00:00 +0000\r\nMessage-ID: <offer@{domain}>\r\n\r\nThe offer stands until Friday.\r\n"
    )
    .into_bytes()
}

fn from_loopback(mail_from: &str) -> Envelope {
    let client_ip: IpAddr = "127.0.0.1".parse().unwrap();
    Envelope { client_ip, helo: "client.auth.test".into(), mail_from: mail_from.into() }
}

#[tokio::test]
async fn verdicts_for_signed_forged_altered_and_unsigned_mail() {
    let s = servers();
    let verifier = Verifier::with_server(s.dns_server()).expect("resolver");
    let verdict = |raw: Vec<u8>, mail_from: &'static str| {
        let verifier = verifier.clone();
        async move { verifier.verify(&raw, &from_loopback(mail_from)).await }
    };

    // Signed by its domain, sent from an address its SPF allows.
    let signed = s.dkim_sign(&mail("signed.auth.test"), "signed.auth.test");
    let ok = verdict(signed.clone(), "ann@signed.auth.test").await;
    assert_eq!(ok, Verdict { dkim: Dkim::Pass, spf: Spf::Pass });

    // The body altered on the way: the signature no longer verifies
    // (mail-auth calls a wrong body hash "neutral"; it is a failure here).
    let altered = String::from_utf8(signed.clone()).unwrap().replace("Friday", "Monday").into_bytes();
    assert_eq!(verdict(altered, "ann@signed.auth.test").await.dkim, Dkim::Fail);
    // A header the signature covers altered.
    let retitled = String::from_utf8(signed).unwrap().replace("Renewal offer", "Invoice").into_bytes();
    assert_eq!(verdict(retitled, "ann@signed.auth.test").await.dkim, Dkim::Fail);

    // Forged: altered, and from a client its domain's SPF refuses.
    let spoofed = s.dkim_sign(&mail("spoofed.auth.test"), "spoofed.auth.test");
    let forged = String::from_utf8(spoofed.clone()).unwrap().replace("Friday", "today").into_bytes();
    let both = verdict(forged, "ann@spoofed.auth.test").await;
    assert_eq!(both, Verdict { dkim: Dkim::Fail, spf: Spf::Fail });
    assert!(both.rejected() && !both.temporary());
    // A valid signature keeps mail whose SPF fails (forwarded mail does).
    let forwarded = verdict(spoofed, "ann@spoofed.auth.test").await;
    assert_eq!(forwarded, Verdict { dkim: Dkim::Pass, spf: Spf::Fail });
    assert!(!forwarded.rejected());

    // Neither signed nor covered by SPF: not authenticated, not forged.
    let plain = verdict(mail("plain.auth.test"), "ann@plain.auth.test").await;
    assert_eq!(plain, Verdict { dkim: Dkim::None, spf: Spf::None });
    assert!(!plain.rejected());
    assert_eq!(verdict(mail("soft.auth.test"), "ann@soft.auth.test").await.spf, Spf::SoftFail);

    // A signature whose key is not published verifies nothing.
    let unpublished = s.dkim_sign(&mail("plain.auth.test"), "plain.auth.test");
    assert_eq!(verdict(unpublished, "ann@plain.auth.test").await.dkim, Dkim::Fail);
}

#[tokio::test]
async fn no_dns_answer_is_a_verdict_to_take_again_later() {
    let s = servers();
    // A port nothing listens on: every question goes unanswered.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let verifier = Verifier::with_server(closed).expect("resolver");
    let signed = s.dkim_sign(&mail("signed.auth.test"), "signed.auth.test");
    let verdict = verifier.verify(&signed, &from_loopback("ann@signed.auth.test")).await;
    assert_eq!(verdict, Verdict { dkim: Dkim::TempError, spf: Spf::TempError });
    assert!(verdict.temporary() && !verdict.rejected());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hop_postfix_recorded_is_what_spf_checks() {
    let s = servers();
    let user = s.new_user("verify");
    let verifier = Verifier::with_server(s.dns_server()).expect("resolver");
    // Through the real Postfix (SMTP from 127.0.0.1) into Dovecot (LMTP):
    // Dovecot's Received header is on top, Postfix's below it.
    let signed = s.dkim_sign(&mail("signed.auth.test"), "signed.auth.test");
    s.send_smtp("ann@signed.auth.test", &user.email, &signed);
    let spoofed = mail("spoofed.auth.test");
    s.send_smtp("ann@spoofed.auth.test", &user.email, &spoofed);
    s.wait_for_count(&user, "INBOX", 2).await;
    let received = s.sources(&user, "INBOX").await;
    let find =
        |domain: &str| received.iter().find(|raw| String::from_utf8_lossy(raw).contains(domain)).unwrap().clone();

    let signed = find("@signed.auth.test");
    let envelope = Envelope::received(&signed).expect("the SMTP hop");
    assert_eq!(envelope.client_ip, "127.0.0.1".parse::<IpAddr>().unwrap());
    assert_eq!(envelope.mail_from, "ann@signed.auth.test");
    assert_eq!(envelope.helo, "test.example", "the EHLO name testkit's SMTP client gives");
    assert_eq!(verifier.verify(&signed, &envelope).await, Verdict { dkim: Dkim::Pass, spf: Spf::Pass });

    let spoofed = find("@spoofed.auth.test");
    let envelope = Envelope::received(&spoofed).expect("the SMTP hop");
    assert_eq!(envelope.mail_from, "ann@spoofed.auth.test");
    assert_eq!(verifier.verify(&spoofed, &envelope).await, Verdict { dkim: Dkim::None, spf: Spf::Fail });

    // Mail that never crossed SMTP (as a client saves it) has no such hop.
    assert_eq!(Envelope::received(&mail("plain.auth.test")), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_are_kept_for_their_ttl_when_the_dns_server_is_gone() {
    // A DNS server of its own, to stop while the shared one serves others.
    let s = private_servers(&repo_root().join("tests/servers/.run-dns-cache"));
    let verifier = Verifier::with_server(s.dns_server()).expect("resolver");
    let signed = s.dkim_sign(&mail("signed.auth.test"), "signed.auth.test");
    let envelope = from_loopback("ann@signed.auth.test");
    let pass = Verdict { dkim: Dkim::Pass, spf: Spf::Pass };
    assert_eq!(verifier.verify(&signed, &envelope).await, pass);
    s.stop();
    // The zone's TTL is 300 s: the same questions are answered from the
    // cache, and a name never asked is not.
    assert_eq!(verifier.verify(&signed, &envelope).await, pass);
    let unasked = verifier.verify(&mail("soft.auth.test"), &from_loopback("ann@soft.auth.test")).await;
    assert_eq!(unasked.spf, Spf::TempError);
}
