//! Smart BCC copies as the real Postfix and Dovecot deliver them: a copy
//! sent in Bcc names its address in no header of its own, only in what the
//! receiving side records.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use threadline_engine::bcc::{self, Token};
use threadline_testkit::servers;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bcc_copy_is_known_by_the_address_the_server_delivered_it_to() {
    let s = servers();
    let user = s.new_user("bcc");
    let token = Token::generate().unwrap();
    let smart = bcc::address(&user.email, &token).unwrap();
    let retired = Token::generate().unwrap();

    // A customer mail with the Smart BCC address in Bcc: To and Cc name others.
    let copy = "From: Ann Lee <ann@signed.auth.test>\r\nTo: Bob <bob@customer.example>\r\nCc: carol@customer.example\r\n\
         Subject: Our offer\r\nMessage-ID: <offer-bcc@signed.auth.test>\r\n\r\nAs discussed.\r\n";
    s.send_smtp("ann@signed.auth.test", &smart, copy.as_bytes());
    // Plain mail to the mailbox itself, and a copy to a token made up.
    s.send_smtp("ann@signed.auth.test", &user.email, b"From: ann@signed.auth.test\r\nSubject: Hello\r\n\r\nHi\r\n");
    let guessed = bcc::address(&user.email, &retired).unwrap();
    s.send_smtp("eve@spoofed.auth.test", &guessed, b"From: eve@spoofed.auth.test\r\nSubject: Guess\r\n\r\nHi\r\n");
    s.wait_for_count(&user, "INBOX", 3).await;

    let known = [(token.clone(), "the user's")];
    let mut captured = 0;
    for raw in s.sources(&user, "INBOX").await {
        let text = String::from_utf8_lossy(&raw).into_owned();
        let found = bcc::token_in(&raw, &user.email);
        if text.contains("Subject: Our offer") {
            assert_eq!(found.as_deref(), Some(token.as_str()), "{text}");
            assert_eq!(bcc::find(found.as_deref().unwrap(), &known).map(|k| k.1), Some("the user's"));
            captured += 1;
        } else if text.contains("Subject: Guess") {
            let found = found.expect("a Smart BCC address, of an unknown token");
            assert!(bcc::find(&found, &known).is_none());
        } else {
            assert_eq!(found, None, "mail to the mailbox itself is no copy: {text}");
        }
    }
    assert_eq!(captured, 1);
}
