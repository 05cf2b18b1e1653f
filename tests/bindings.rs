//! The window's TypeScript (commands, events and their types) is generated
//! from `src-tauri/src/ipc.rs`. This test fails when
//! `ui/src/lib/bindings.gen.ts` is stale; regenerate it with
//! `UPDATE_BINDINGS=1 cargo test -p threadline --features custom-protocol --test bindings`.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

#[test]
fn typescript_bindings_are_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/bindings.gen.ts");
    let dir = tempfile::tempdir().expect("temp dir");
    let fresh_path = dir.path().join("bindings.gen.ts");
    threadline_app::ipc::export_typescript(&fresh_path).expect("export bindings");
    let fresh = std::fs::read_to_string(&fresh_path).expect("read fresh bindings");
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).expect("write bindings");
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == fresh,
        "ui/src/lib/bindings.gen.ts is stale: run `UPDATE_BINDINGS=1 cargo test -p threadline --features custom-protocol --test bindings`"
    );
}
