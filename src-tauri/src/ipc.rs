//! The one list of what the window may call and hear: the commands and the
//! engine's event. The app's invoke handler and the window's TypeScript
//! (`ui/src/lib/bindings.gen.ts`, checked by `tests/bindings.rs`) are both
//! made from it, so the three cannot drift apart.

use serde::Serialize;
use threadline_engine::model::EngineEvent;

use crate::commands::{accounts, compose, crm, inbox, mail, policy, system};
use crate::os::links::MailtoArrived;
use crate::os::notify::OpenConversation;
use crate::os::tray::ComposeNew;

/// Every command and event, with the settings the TypeScript is made with.
pub fn builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(tauri_specta::collect_commands![
            accounts::list_accounts,
            accounts::add_account,
            accounts::find_settings,
            accounts::add_account_oauth,
            accounts::sign_in_again,
            accounts::cancel_sign_in,
            accounts::update_account,
            accounts::remove_account,
            accounts::open_in_browser,
            accounts::sync_now,
            accounts::cancel_sync,
            accounts::cancel_search_indexing,
            accounts::update_password,
            accounts::account_statuses,
            accounts::sync_account,
            accounts::choose_sync_folders,
            accounts::set_history,
            accounts::set_mirror,
            accounts::choose_folder_role,
            accounts::set_poll_interval,
            accounts::set_notify_new_mail,
            inbox::listing_page,
            inbox::listing_count,
            inbox::folder_tree,
            inbox::mark_listing_read,
            inbox::empty_trash,
            inbox::set_remote_content_sender,
            inbox::message_original,
            inbox::save_attachment,
            inbox::save_attachment_as,
            inbox::save_original,
            inbox::open_attachment,
            inbox::print_page,
            inbox::thread_messages,
            inbox::message_view,
            inbox::search,
            mail::send_message,
            mail::answer_draft,
            mail::new_draft,
            mail::complete_addresses,
            mail::invalid_addresses,
            mail::act,
            mail::act_on_threads,
            mail::move_threads,
            compose::save_draft,
            compose::drafts,
            compose::delete_draft,
            compose::templates,
            compose::save_template,
            compose::delete_template,
            compose::render_draft,
            compose::smart_fields,
            compose::cancel_send,
            compose::scheduled_messages,
            compose::signature,
            compose::signature_block,
            compose::set_signature,
            compose::stage_file,
            compose::describe_files,
            compose::image_data_url,
            crm::persons,
            crm::person_prefill,
            crm::parse_money,
            crm::person,
            crm::add_person,
            crm::update_person,
            crm::add_person_address,
            crm::remove_person_address,
            crm::orgs,
            crm::org,
            crm::org_by_domain,
            crm::add_org,
            crm::update_org,
            crm::records,
            crm::record,
            crm::add_record,
            crm::update_record,
            crm::delete_record,
            crm::record_threads,
            crm::message_links,
            crm::link,
            crm::link_threads,
            crm::unlink,
            crm::choose,
            crm::link_mode,
            crm::set_link_mode,
            crm::import_open,
            crm::import_inspect,
            crm::import_preview,
            crm::import_run,
            crm::cancel_import,
            policy::bcc_address,
            policy::bcc_setup,
            policy::bcc_renew,
            policy::bcc_record_address,
            policy::bcc_senders,
            policy::bcc_add_sender,
            policy::bcc_verify_sender,
            policy::bcc_remove_sender,
            policy::bcc_create_persons,
            policy::set_bcc_create_persons,
            policy::quarantine,
            policy::waiting_copies,
            policy::accept_held,
            policy::discard_held,
            policy::blocked,
            policy::block,
            policy::unblock,
            policy::sharing_default,
            policy::set_sharing_default,
            policy::set_thread_visibility,
            system::take_mailto_links,
            system::mailto_draft,
            system::follow_link,
            system::app_preferences,
            system::set_app_preferences,
            system::mail_app_status,
            system::make_default_mail_app,
            system::set_tray_words,
            system::autostart_enabled,
            system::set_autostart,
        ])
        .events(tauri_specta::collect_events![EngineNotice, MailtoArrived, OpenConversation, ComposeNew])
        // A command's error (a UserError) rejects its promise, as with a
        // plain invoke, rather than coming back as a result object.
        .error_handling(tauri_specta::ErrorHandlingMode::Throw)
        // Ids and counts are SQLite integers, far below 2^53.
        .dangerously_cast_bigints_to_number()
        // One TypeScript type per Rust type: none of ours reads differently
        // from how it is written.
        .disable_serde_phases()
}

/// Writes the window's TypeScript for [`builder`] to `path`.
pub fn export_typescript(path: &std::path::Path) -> Result<(), String> {
    let header = "// Generated from src-tauri/src/ipc.rs and the engine's types. Do not edit:\n\
                  // run `UPDATE_BINDINGS=1 cargo test -p threadline --features custom-protocol --test bindings`.";
    builder().export(specta_typescript::Typescript::default().header(header), path).map_err(|e| e.to_string())
}

/// The engine's event as the window receives it: one Tauri event,
/// `engine-event`, whose payload is the [`EngineEvent`] itself.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(transparent)]
pub struct EngineNotice(pub EngineEvent);

impl tauri_specta::Event for EngineNotice {
    const NAME: &'static str = "engine-event";
}
