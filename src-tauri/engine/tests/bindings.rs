//! The UI's TypeScript types are generated from the engine's Rust types.
//! This test fails when `ui/src/lib/bindings.gen.ts` is stale; regenerate
//! with `UPDATE_BINDINGS=1 cargo test -p threadline-engine --test bindings`.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests fail by panicking

use threadline_engine::crm::{self, import};
use threadline_engine::error::{ErrorKind, UserError};
use threadline_engine::model::*;
use ts_rs::TS;

fn generate() -> String {
    let decls = [
        Security::decl(),
        NewAccount::decl(),
        SyncState::decl(),
        Mirror::decl(),
        ThreadView::decl(),
        AccountSummary::decl(),
        FolderStatus::decl(),
        AccountStatus::decl(),
        AddressView::decl(),
        MessageSummary::decl(),
        ThreadSummary::decl(),
        ThreadPage::decl(),
        AttachmentView::decl(),
        MessageView::decl(),
        SyncReport::decl(),
        EngineEvent::decl(),
        ErrorKind::decl(),
        UserError::decl(),
        Draft::decl(),
        SendState::decl(),
        SendOutcome::decl(),
        MessageAction::decl(),
        threadline_engine::ActionOutcome::decl(),
        crm::RecordKind::decl(),
        crm::DealStatus::decl(),
        crm::LinkMode::decl(),
        crm::Money::decl(),
        crm::Person::decl(),
        crm::Organization::decl(),
        crm::Record::decl(),
        crm::PersonInput::decl(),
        crm::OrgInput::decl(),
        crm::RecordInput::decl(),
        crm::LinkReason::decl(),
        crm::MessageLink::decl(),
        crm::PendingChoice::decl(),
        crm::ChoiceCandidate::decl(),
        crm::MessageLinks::decl(),
        crm::PersonPrefill::decl(),
        import::Field::decl(),
        import::PersonDraft::decl(),
        import::CsvColumns::decl(),
        import::ImportedRow::decl(),
        import::SkippedRow::decl(),
        import::ImportReport::decl(),
    ];
    let mut out = String::from(
        "// Generated from the Rust types in src-tauri/engine/src/model.rs, crm/ and error.rs.\n\
         // Do not edit: run `UPDATE_BINDINGS=1 cargo test -p threadline-engine --test bindings`.\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(&d);
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[test]
fn typescript_bindings_are_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings.gen.ts");
    let fresh = generate();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).expect("write bindings");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is stale: run UPDATE_BINDINGS=1 cargo test -p threadline-engine --test bindings",
        path.display()
    );
}
