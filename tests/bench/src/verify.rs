//! The mail-authentication benchmark (F-BCC): CPU time to verify one
//! captured copy of about 50 KB (DKIM over headers and body, SPF for its
//! envelope), DNS answered from the resolver's cache, beside the CPU time to
//! parse the same message with mail-parser (which ingest does for every
//! message anyway), measured in the same run.
//!
//! CPU time is the measuring thread's own (`/proc/thread-self/schedstat`,
//! nanoseconds); the work runs on a single-threaded runtime on that
//! thread, so the resolver's tasks count too.

use std::time::Duration;

use threadline_engine::verify::{Envelope, Verifier};
use threadline_testkit::MailServers;

/// What the verification benchmark measured, per message.
pub struct VerifyFigures {
    pub bytes: usize,
    pub runs: u32,
    pub verify: Duration,
    pub parse: Duration,
}

fn thread_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").expect("schedstat");
    Duration::from_nanos(stat.split_whitespace().next().and_then(|n| n.parse().ok()).expect("CPU time"))
}

/// Verifies `runs` times after one verification that fills the cache.
pub fn bench(s: &MailServers, runs: u32) -> VerifyFigures {
    let line = "The renewal covers the support desk, the on-site training and the new reporting module.\r\n";
    let body = line.repeat(50_000 / line.len());
    let raw = format!(
        "From: Ann Lee <ann@signed.auth.test>\r\nTo: seller@example.test\r\nSubject: Renewal offer\r\n\
         Date: Mon, 30 Nov 2026 09:00:00 +0000\r\nMessage-ID: <bench@signed.auth.test>\r\n\r\n{body}"
    );
    let signed = s.dkim_sign(raw.as_bytes(), "signed.auth.test");
    let envelope = Envelope {
        client_ip: "127.0.0.1".parse().expect("ip"),
        helo: "client.auth.test".into(),
        mail_from: "ann@signed.auth.test".into(),
    };
    let dns = s.dns_server();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async {
            let verifier = Verifier::with_server(dns).expect("resolver");
            let first = verifier.verify(&signed, &envelope).await;
            assert!(!first.rejected() && !first.temporary(), "{first:?}");
            let started = thread_cpu();
            for _ in 0..runs {
                std::hint::black_box(verifier.verify(&signed, &envelope).await);
            }
            let verify = (thread_cpu() - started) / runs;
            let started = thread_cpu();
            for _ in 0..runs {
                std::hint::black_box(mail_parser::MessageParser::new().parse(&signed));
            }
            let parse = (thread_cpu() - started) / runs;
            VerifyFigures { bytes: signed.len(), runs, verify, parse }
        })
    })
    .join()
    .expect("the benchmark thread")
}
