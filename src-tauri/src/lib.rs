//! The Threadline desktop shell: a thin adapter between the web UI and the
//! engine. It opens the engine, forwards engine events to the window, runs
//! the engine's scheduler, and exposes commands (see `commands`).

mod commands;
pub mod ipc;
mod os;

use std::sync::Arc;

use os::links;
use tauri::Manager;
use tauri_specta::Event as _;
use threadline_engine::secrets::OsKeychain;
use threadline_engine::{Engine, Scheduler, WatchOptions};

/// Builds and runs the app until the last window closes.
pub fn run() {
    let data_dir = threadline_engine::default_data_dir();
    let _log = threadline_engine::logging::init(&data_dir, cfg!(debug_assertions));
    tracing::info!(data_dir = %data_dir.display(), "Threadline starting");

    let ipc = ipc::builder();
    let builder = tauri::Builder::default()
        // First, so that a second launch hands its arguments over (a link
        // clicked in another program) before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, args, _cwd| {
            os::show_window(app);
            links::open(app, &args);
        }))
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_autostart::init(tauri_plugin_autostart::MacosLauncher::LaunchAgent, None))
        .manage(links::WaitingMailto::default())
        .manage(commands::crm::PickedFile::default())
        .manage(os::tray::CloseToTray::default())
        .on_window_event(|window, event| {
            // Closed with "keep running in the tray" on: only hidden.
            if let tauri::WindowEvent::CloseRequested { api, .. } = event
                && window.state::<os::tray::CloseToTray>().hides(window.app_handle())
            {
                api.prevent_close();
                let _ = window.hide();
            }
        });
    #[cfg(not(target_os = "linux"))]
    let builder = builder.plugin(tauri_plugin_notification::init());
    #[cfg(target_os = "macos")]
    let builder = builder.plugin(tauri_plugin_deep_link::init());
    let result = builder
        .invoke_handler(ipc.invoke_handler())
        .setup(move |app| {
            ipc.mount_events(app);
            let engine = tauri::async_runtime::block_on(Engine::open(&data_dir, Arc::new(OsKeychain::default())))?;
            let engine = Arc::new(engine);
            let preferences = tauri::async_runtime::block_on(engine.app_preferences())?;
            app.state::<os::tray::CloseToTray>().set(preferences.close_to_tray);
            forward_events(app.handle().clone(), &engine);
            os::notify::start(app.handle().clone(), Arc::clone(&engine));
            os::tray::follow_unread(app.handle().clone(), &engine);
            quit_on_terminate(app.handle().clone());
            let scheduler = Arc::new(Scheduler::new(Arc::clone(&engine), WatchOptions::default(), None));
            {
                let (scheduler, engine) = (Arc::clone(&scheduler), Arc::clone(&engine));
                tauri::async_runtime::spawn(async move {
                    if let Err(e) = scheduler.ensure_running().await {
                        tracing::warn!(error = %e, "cannot start syncing the accounts");
                    }
                    if let Err(e) = engine.clean_staged_files().await {
                        tracing::info!(error = %e, "staged files not cleaned");
                    }
                    // After an upgrade that had to start the search index
                    // empty: refilled beside the user's work, with progress.
                    if let Err(e) = engine.refill_search_index().await {
                        tracing::warn!(error = %e, "the search index could not be refilled");
                    }
                });
            }
            app.manage(scheduler);
            app.manage(engine);
            // The window is made here, once the engine is there for its
            // commands, and not from the config alone: its navigations are
            // decided (see links::navigation).
            let config = app.config().app.windows.iter().find(|w| w.label == "main").cloned();
            if let Some(config) = config {
                let handle = app.handle().clone();
                tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?
                    .on_navigation(move |url| links::navigation(&handle, url))
                    .build()?;
            }
            links::open(app.handle(), &std::env::args().collect::<Vec<_>>());
            // macOS hands links over as events, not arguments.
            #[cfg(target_os = "macos")]
            {
                use tauri_plugin_deep_link::DeepLinkExt;
                let handle = app.handle().clone();
                app.deep_link().on_open_url(move |event| {
                    let urls: Vec<String> = event.urls().into_iter().map(String::from).collect();
                    links::open(&handle, &urls);
                });
            }
            std::thread::spawn(links::register_scheme);
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match result {
        Ok(app) => app,
        Err(e) => {
            tracing::error!(error = %e, "Threadline could not start");
            eprintln!("Threadline could not start: {e}");
            std::process::exit(1);
        }
    };
    app.run(|app, event| {
        if let tauri::RunEvent::Exit = event {
            close_store(app);
        }
    });
}

/// Quits the app the normal way (closing the store) when the system asks
/// it to end, as at logout or shutdown.
fn quit_on_terminate(app: tauri::AppHandle) {
    #[cfg(unix)]
    tauri::async_runtime::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                if terminate.recv().await.is_some() {
                    tracing::info!("asked to end; quitting");
                    app.exit(0);
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for the end signal"),
        }
    });
    #[cfg(not(unix))]
    let _ = app;
}

/// Stops the workers and closes the store as the app quits, so that its
/// WAL is copied into the database and the next start has nothing to read
/// through. A write in progress (a sync's open batch) is waited for, but
/// not for long.
fn close_store(app: &tauri::AppHandle) {
    let Some(engine) = app.try_state::<Arc<Engine>>() else {
        return;
    };
    let engine = Arc::clone(&engine);
    let scheduler = app.try_state::<Arc<Scheduler>>().map(|s| Arc::clone(&s));
    let closed = tauri::async_runtime::block_on(async move {
        if let Some(scheduler) = scheduler {
            scheduler.stop(CLOSE_WAIT / 2).await;
        }
        tokio::time::timeout(CLOSE_WAIT, engine.close()).await
    });
    match closed {
        Ok(()) => tracing::info!("store closed"),
        Err(_) => tracing::warn!("store not closed in time; it will catch up at the next start"),
    }
}

/// Longest the app waits for the store to close as it quits.
const CLOSE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Pushes every engine event to the window; the UI refetches what it shows.
fn forward_events(app: tauri::AppHandle, engine: &Engine) {
    let mut events = engine.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => {
                    let _ = ipc::EngineNotice(event).emit(&app);
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::debug!(skipped = n, "UI event forwarder lagged");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}
