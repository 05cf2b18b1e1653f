//! A network outage between the app and a real server: a TCP forwarder on
//! loopback that a test can take down (live connections are cut, new ones
//! refused) and bring back, or slow down (what the server sends arrives at
//! a given rate, as over a poor hotel Wi-Fi). The server behind it is the
//! real one; only the path to it fails, as it does when a laptop goes
//! offline.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The forwarder; it stops with the runtime that started it.
pub struct Outage {
    /// Connect here instead of to the server.
    pub port: u16,
    up: Arc<AtomicBool>,
    /// Bytes per second from the server to the app (0: as fast as it goes).
    rate: Arc<AtomicU64>,
    /// Bumped on every take-down, so that live connections end.
    cut: watch::Sender<u64>,
}

impl Outage {
    /// Starts forwarding 127.0.0.1:`port` (returned) to 127.0.0.1:`target`.
    pub async fn start(target: u16) -> Outage {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind forwarder");
        let port = listener.local_addr().expect("forwarder address").port();
        let up = Arc::new(AtomicBool::new(true));
        let rate = Arc::new(AtomicU64::new(0));
        let (cut, _) = watch::channel(0u64);
        let accepting = Arc::clone(&up);
        let rates = Arc::clone(&rate);
        let cuts = cut.subscribe();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if !accepting.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let mut cuts = cuts.clone();
                cuts.mark_unchanged();
                let rate = Arc::clone(&rates);
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(("127.0.0.1", target)).await else { return };
                    let (mut from_client, mut to_client) = client.into_split();
                    let (mut from_server, mut to_server) = server.into_split();
                    let down = async {
                        let mut buf = vec![0u8; 4096];
                        loop {
                            let n = match from_server.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => n,
                            };
                            if to_client.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                            let rate = rate.load(Ordering::SeqCst);
                            if rate > 0 {
                                tokio::time::sleep(Duration::from_secs_f64(n as f64 / rate as f64)).await;
                            }
                        }
                    };
                    tokio::select! {
                        _ = tokio::io::copy(&mut from_client, &mut to_server) => {}
                        () = down => {}
                        _ = cuts.changed() => {}
                    }
                });
            }
        });
        Outage { port, up, rate, cut }
    }

    /// Slows what the server sends to `bytes_per_second` (None: full
    /// speed again), on live connections too.
    pub fn set_rate(&self, bytes_per_second: Option<u64>) {
        self.rate.store(bytes_per_second.unwrap_or(0), Ordering::SeqCst);
    }

    /// Takes the path down (cutting live connections) or brings it back.
    pub fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
        if !up {
            self.cut.send_modify(|n| *n += 1);
        }
    }
}
