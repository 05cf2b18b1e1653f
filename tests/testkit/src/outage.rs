//! A network outage between the app and a real server: a TCP forwarder on
//! loopback that a test can take down (live connections are cut, new ones
//! refused) and bring back. The server behind it is the real one; only the
//! path to it fails, as it does when a laptop goes offline.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The forwarder; it stops with the runtime that started it.
pub struct Outage {
    /// Connect here instead of to the server.
    pub port: u16,
    up: Arc<AtomicBool>,
    /// Bumped on every take-down, so that live connections end.
    cut: watch::Sender<u64>,
}

impl Outage {
    /// Starts forwarding 127.0.0.1:`port` (returned) to 127.0.0.1:`target`.
    pub async fn start(target: u16) -> Outage {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind forwarder");
        let port = listener.local_addr().expect("forwarder address").port();
        let up = Arc::new(AtomicBool::new(true));
        let (cut, _) = watch::channel(0u64);
        let accepting = Arc::clone(&up);
        let cuts = cut.subscribe();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !accepting.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let mut cuts = cuts.clone();
                cuts.mark_unchanged();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(("127.0.0.1", target)).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cuts.changed() => {}
                    }
                });
            }
        });
        Outage { port, up, cut }
    }

    /// Takes the path down (cutting live connections) or brings it back.
    pub fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
        if !up {
            self.cut.send_modify(|n| *n += 1);
        }
    }
}
