//! Hostile HTML mail in the real reading pane (issue 26): the fixtures of
//! tests/fixtures/html, their remote addresses pointed at a loopback HTTP
//! server this test starts, are opened in the window. Nothing reaches the
//! server and the frame's document names no such address (the sanitizer's
//! doing, not only the frame's policy's); every one shows the "Remote
//! images were blocked" notice; "Load remote content" brings their images
//! back, and the server sees them asked for.

use std::io::{BufRead, BufReader, Write};
use std::sync::{Arc, Mutex};

use super::*;

/// A loopback HTTP server that answers every request with a 1×1 GIF and
/// remembers the paths asked for.
fn counting_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the counting server");
    let port = listener.local_addr().expect("its address").port();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&asked);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let seen = Arc::clone(&seen);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                let mut request = String::new();
                if reader.read_line(&mut request).is_err() {
                    return;
                }
                let path = request.split_whitespace().nth(1).unwrap_or("").to_owned();
                seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(path);
                // The rest of the request's head.
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
                let mut stream = &stream;
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    gif.len()
                );
                let _ = stream.write_all(gif);
            });
        }
    });
    (port, asked)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_html_reaches_nothing_says_so_and_loads_only_when_asked() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (http_port, asked) = counting_server();
    let here = format!("127.0.0.1:{http_port}");
    let s = servers();
    let user = s.new_user("hostile");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/html");
    let names = ["attributes", "css-escapes", "style-element", "mutation-xss"];
    let mut mail = Vec::new();
    for (n, name) in names.iter().enumerate() {
        let html = std::fs::read_to_string(fixtures.join(format!("{name}.html"))).expect("fixture");
        mail.push(
            format!(
                "From: Mallory <mallory@evil.example>\r\nTo: {}\r\nSubject: Hostile {name}\r\n\
                 Date: Mon, 02 Nov 2026 09:0{n}:00 +0000\r\nMessage-ID: <hostile-{name}@evil.example>\r\n\
                 Content-Type: text/html; charset=utf-8\r\n\r\n{}\r\n",
                user.email,
                html.replace("remote.invalid", &here).replace('\n', "\r\n")
            )
            .into_bytes(),
        );
    }
    s.append(&user, "INBOX", &mail).await;

    let data_dir = tempfile::tempdir().expect("data dir");
    let desktop = start_desktop(data_dir.path());
    let client = open_app(desktop.port).await;
    let long = Duration::from_secs(60);
    add_account_in_the_form(&client, &user, None).await;
    wait_up_to_date(&client, "sync to finish", Duration::from_secs(90)).await;

    for name in names {
        wait_for_row(&client, "a hostile message", &format!("Hostile {name}"), long)
            .await
            .click()
            .await
            .expect("open it");
        wait_for(&client, ".message.open .remote-bar", "Remote images were blocked").await;
        let frame = css(&client, "iframe.html-body", long).await;
        let document = frame.attr("srcdoc").await.ok().flatten().unwrap_or_default();
        assert!(!document.contains(&here), "{name}: the frame's document names the server:\n{document}");
        assert!(document.contains("img-src data:;"), "{name}: the frame's own policy stays as the second wall");
    }
    save_screenshot(&client, "80-hostile-blocked.png").await;
    // Long enough for a frame to have asked for anything it was going to.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before: Vec<String> = asked.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    assert!(before.is_empty(), "nothing reaches the network before the user asks: {before:?}");

    // "Load remote content" on the newsletter with a style sheet and on the
    // one with srcset and background attributes: their images come.
    for (name, paths) in [
        // .hero's own image gives way to the narrow pane's @media one.
        ("style-element", &["/body.png", "/mobile.png"][..]),
        ("attributes", &["/pixel.gif", "/table-bg.png", "/td-bg.png"][..]),
    ] {
        wait_for_row(&client, "a hostile message", &format!("Hostile {name}"), long)
            .await
            .click()
            .await
            .expect("open it");
        css(&client, ".message.open #load-remote", long).await.click().await.expect("load remote content");
        let started = Instant::now();
        loop {
            let now: Vec<String> = asked.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
            if paths.iter().all(|p| now.iter().any(|a| a == p)) {
                break;
            }
            assert!(started.elapsed() < long, "{name}: its images {paths:?} asked for; asked: {now:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        save_screenshot(&client, &format!("81-hostile-loaded-{name}.png")).await;
    }
    let asked = asked.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    for never in ["/s.js", "/inline", "/click", "/onerror", "/import.css", "/font.woff2", "/frame.html", "/link.css"] {
        assert!(!asked.iter().any(|a| a == never), "{never} is never asked for: {asked:?}");
    }
    client.close().await.expect("close session");
}
