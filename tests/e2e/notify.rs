//! New-mail notifications in the real window (issue 24): a real
//! notification daemon (dunst) runs on the test's display and D-Bus
//! session; the test reads what the app asked it to show from the bus
//! (dbus-monitor) and what it shows with dunstctl, and clicks it there.
//! The tray's count and menu are read from its StatusNotifierItem on the
//! same bus; the window is closed into the tray and brought back.

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

/// The app's tray item on the session bus: its connection and path
/// (libayatana-appindicator's StatusNotifierItem).
fn tray_item() -> Option<(String, &'static str)> {
    const PATH: &str = "/org/ayatana/NotificationItem/tray_icon_tray_app_main";
    let out = Command::new("busctl").args(["--user", "list", "--no-pager"]).output().ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|line| line.split_whitespace().nth(2) == Some("threadline"))
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .find(|name| {
            // One of the app's connections never answers (busctl's own
            // timeout does not cover introspection).
            Command::new("timeout")
                .args(["2", "busctl", "--user", "introspect", "--no-pager", name, PATH])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(|name| (name, PATH))
}

/// The text beside the tray icon (XAyatanaLabel), if any.
fn tray_label() -> Option<String> {
    let (name, path) = tray_item()?;
    let out = Command::new("busctl")
        .args(["--user", "get-property", &name, path, "org.kde.StatusNotifierItem", "XAyatanaLabel"])
        .output()
        .ok()?;
    // `s "12"`
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim().strip_prefix("s ").map(|quoted| quoted.trim_matches('"').to_owned())
}

/// The tray menu's layout as the bus gives it (com.canonical.dbusmenu).
fn tray_menu() -> String {
    let Some((name, path)) = tray_item() else { return String::new() };
    let out = Command::new("busctl")
        .args([
            "--user",
            "call",
            // Before the arguments: -1 (the whole depth) is no option.
            "--",
            &name,
            &format!("{path}/Menu"),
            "com.canonical.dbusmenu",
            "GetLayout",
            "iias",
            "0",
            "-1",
            "0",
        ])
        .output()
        .expect("busctl");
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_mail_is_a_notification_that_opens_the_message_counted_in_the_tray_and_the_account_can_turn_them_off() {
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
    // The tray shows the inboxes' unread count, and its menu the window's
    // words (read from its StatusNotifierItem on the bus).
    eventually(&client, "the tray's count at 1", long, || async {
        (tray_label().as_deref() == Some("1")).then_some(())
    })
    .await;
    let menu = tray_menu();
    for item in ["Open Threadline", "New email", "Sync now", "Quit"] {
        assert!(menu.contains(item), "the tray menu has {item}: {menu}");
    }

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
    eventually(&client, "the tray's count at 1, the opened message read", long, || async {
        (tray_label().as_deref() == Some("1")).then_some(())
    })
    .await;

    // Turned off for the account in Preferences: new mail, no notification.
    open_preferences(&client).await;
    let switch = css(&client, ".notify-choice", long).await;
    assert_eq!(switch.prop("checked").await.expect("prop").as_deref(), Some("true"), "on by default");
    set_choice(&client, ".notify-choice", false).await;
    save_screenshot(&client, "72-notifications-off.png").await;
    back_to_inbox(&client).await;
    s.append(&user, "INBOX", &[inbox_mail(&user.email, "news-2", "Quiet arrival", 6, "Shh.")]).await;
    wait_for_row(&client, "the quiet mail", "Quiet arrival", long).await;
    eventually(&client, "the tray's count at 2", long, || async {
        (tray_label().as_deref() == Some("2")).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(notify_calls(&calls).len(), 1, "no notification while they are off");

    // "Keep Threadline running in the tray when its window is closed": the
    // window's close (as a window manager asks it) only hides it; the app
    // runs on, and starting it again brings the window back.
    open_preferences(&client).await;
    set_choice(&client, "#close-to-tray", true).await;
    back_to_inbox(&client).await;
    // Kept: Preferences opened again reads it back from the engine (the
    // same command that saved it told the shell).
    open_preferences(&client).await;
    css(&client, "#close-to-tray:enabled:checked", long).await;
    back_to_inbox(&client).await;
    let window = wait_for_x_window(&desktop.display, "Threadline", long).await;
    ask_to_close(&desktop.display, &window);
    assert!(x_window_gone(&desktop.display, &window, Duration::from_secs(10)).await, "the window was hidden");
    assert!(app_running(), "the app runs on in the tray");
    let again = Command::new(app())
        .env("DISPLAY", &desktop.display)
        .env("THREADLINE_DATA_DIR", data_dir.path())
        .status()
        .expect("start the app again");
    assert!(again.success(), "the second start hands over and ends");
    wait_for_x_window(&desktop.display, "Threadline", long).await;
    wait_for_row(&client, "the window back as it was", "Quiet arrival", long).await;
    save_display_screenshot(&desktop.display, "73-back-from-the-tray.png");
    client.close().await.expect("close session");
}

/// Asks an X window to close as a window manager does (WM_DELETE_WINDOW;
/// the test's display has no window manager).
fn ask_to_close(display: &str, window: &str) {
    let script = "import sys\n\
                  from Xlib import X, display, protocol\n\
                  d = display.Display()\n\
                  w = d.create_resource_object('window', int(sys.argv[1]))\n\
                  e = protocol.event.ClientMessage(window=w, client_type=d.intern_atom('WM_PROTOCOLS'),\n\
                      data=(32, [d.intern_atom('WM_DELETE_WINDOW'), X.CurrentTime, 0, 0, 0]))\n\
                  w.send_event(e, event_mask=X.NoEventMask)\n\
                  d.flush()\n";
    // The system's Python, with python3-xlib (install-deps.sh).
    let status = Command::new("/usr/bin/python3")
        .args(["-c", script, window])
        .env("DISPLAY", display)
        .status()
        .expect("python3");
    assert!(status.success(), "WM_DELETE_WINDOW sent");
}
