//! New-mail notifications in the real window (issue 24): a real
//! notification daemon (dunst) runs on the test's display and D-Bus
//! session; the test reads what the app asked it to show from the bus
//! (dbus-monitor) and what it shows with dunstctl, and clicks it there.

use super::*;

/// Starts dunst on the display; it serves the session's notifications.
fn start_dunst(display: &str) -> Process {
    let dunst = Process(
        Command::new("dunst")
            .env("DISPLAY", display)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dunst (src-tauri/scripts/install-deps.sh installs it)"),
    );
    let started = Instant::now();
    while dunstctl(&["is-paused"]).is_none_or(|answer| answer != "false") {
        assert!(started.elapsed() < Duration::from_secs(10), "dunst did not take the session's notifications");
        std::thread::sleep(Duration::from_millis(100));
    }
    dunst
}

/// dunstctl's answer, if it had one.
fn dunstctl(args: &[&str]) -> Option<String> {
    let out = Command::new("dunstctl").args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// How many notifications dunst shows now.
fn displayed() -> usize {
    dunstctl(&["count", "displayed"]).and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// Records every notification asked of the daemon on the session bus.
fn monitor_notifications(file: &Path) -> Process {
    Process(
        Command::new("dbus-monitor")
            .args(["--session", "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"])
            .stdout(std::fs::File::create(file).expect("monitor file"))
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-monitor"),
    )
}

/// The Notify calls recorded so far, as dbus-monitor printed them.
fn notify_calls(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    text.split("method call").skip(1).filter(|c| c.contains("member=Notify")).map(str::to_owned).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_mail_is_a_notification_that_opens_the_message_and_the_account_can_turn_them_off() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let s = servers();
    let user = s.new_user("notify");
    s.append(&user, "INBOX", &[inbox_mail(&user.email, "old-news", "Synced at the start", 1, "Old news.")]).await;
    let data_dir = tempfile::tempdir().expect("data dir");
    let desktop = start_desktop(data_dir.path());
    let _dunst = start_dunst(&desktop.display);
    let calls = data_dir.path().join("notify-calls.txt");
    let _monitor = monitor_notifications(&calls);
    let client = open_app(desktop.port).await;
    let long = Duration::from_secs(60);
    add_account_in_the_form(&client, &user, None).await;
    wait_for_row(&client, "the synced mail", "Synced at the start", long).await;
    wait_up_to_date(&client, "the initial sync", long).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(notify_calls(&calls).len(), 0, "the initial sync is told of by no notification");

    // Mail pushed to the inbox: one notification, the sender its title
    // and the subject its text; a click on it opens the message.
    s.append(&user, "INBOX", &[inbox_mail(&user.email, "news-1", "Contract signed", 5, "Great news.")]).await;
    eventually(&client, "a notification shown", long, || async { (displayed() == 1).then_some(()) }).await;
    let asked = notify_calls(&calls);
    assert_eq!(asked.len(), 1, "one notification for one message: {asked:?}");
    assert!(asked[0].contains("\"Bob Stone\"") && asked[0].contains("\"Contract signed\""), "{}", asked[0]);
    save_display_screenshot(&desktop.display, "70-new-mail-notification.png");
    css(&client, "#view-persons", long).await.click().await.expect("the contacts, to be left by the click");
    dunstctl(&["action", "0"]).expect("click the notification");
    wait_for(&client, ".conversation-subject", "Contract signed").await;
    save_screenshot(&client, "71-opened-from-the-notification.png").await;

    // Turned off for the account in Preferences: new mail, no notification.
    css(&client, "#open-preferences", long).await.click().await.expect("preferences");
    let switch = css(&client, ".notify-choice", long).await;
    assert_eq!(switch.prop("checked").await.expect("prop").as_deref(), Some("true"), "on by default");
    click_centered(&client, ".notify-choice").await;
    save_screenshot(&client, "72-notifications-off.png").await;
    back_to_inbox(&client).await;
    s.append(&user, "INBOX", &[inbox_mail(&user.email, "news-2", "Quiet arrival", 6, "Shh.")]).await;
    wait_for_row(&client, "the quiet mail", "Quiet arrival", long).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(notify_calls(&calls).len(), 1, "no notification while they are off");
    client.close().await.expect("close session");
}
