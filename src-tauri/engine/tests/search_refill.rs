//! The search index refilled after an upgrade: beside the user's work,
//! with progress, cancelled and resumed where it stopped.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use std::sync::Arc;

use threadline_engine::Engine;
use threadline_engine::model::{EngineEvent, IndexingState};
use threadline_engine::secrets::MemorySecrets;
use threadline_testkit::seed;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_index_is_refilled_with_progress_and_a_cancel_stops_it_until_the_next_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    seed::seed_store(dir.path(), 3500).await;
    seed::restart_search_index(dir.path()).await;
    let engine = Engine::open(dir.path(), Arc::new(MemorySecrets::default())).await.expect("open engine");
    assert_eq!(found(&engine).await, 0, "nothing indexed yet");

    // Cancelled once it told of its first chunk.
    let mut events = engine.subscribe();
    let cancel = async {
        loop {
            if let Ok(EngineEvent::SearchIndexing { done, total, state }) = events.recv().await {
                assert_eq!(total, 3500);
                assert_eq!(state, IndexingState::Running);
                if done > 0 {
                    engine.cancel_refill();
                    return done;
                }
            }
        }
    };
    let (complete, told) = tokio::join!(engine.refill_search_index(), cancel);
    assert!(!complete.expect("refill"), "cancelled before the end");
    let mut last = None;
    while let Ok(EngineEvent::SearchIndexing { state, .. }) = events.try_recv() {
        last = Some(state);
    }
    assert_eq!(last, Some(IndexingState::Stopped), "the last word of a cancelled refill");
    let partial = found(&engine).await;
    eprintln!("cancelled after {told} of 3500; {partial} found");
    assert!(partial > 0 && partial < 500, "{partial}");

    // The next run goes on from there, to the end.
    let mut events = engine.subscribe();
    assert!(engine.refill_search_index().await.expect("refill"), "complete");
    let mut first = None;
    let mut last = None;
    while let Ok(event) = events.try_recv() {
        if let EngineEvent::SearchIndexing { done, state, .. } = event {
            first.get_or_insert(done);
            last = Some(state);
        }
    }
    assert!(first.expect("progress told") >= told, "resumed, not restarted");
    assert_eq!(last, Some(IndexingState::Done));
    assert_eq!(found(&engine).await, 500, "every seventh of 3500, once each");
    assert!(engine.refill_search_index().await.expect("nothing left"));
}

/// How many messages a search for "order" finds (one seeded message in
/// seven says "The signed order form is attached.").
async fn found(engine: &Engine) -> usize {
    engine.mail().search("order", 5000).await.expect("search").messages.len()
}
