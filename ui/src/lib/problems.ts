// Why something failed, in words. The engine sends a code with parameters
// (Problem); this is the one place the window words them, in the window's
// language (the catalogs' `problem_*` messages). Details the engine passes
// on from a server or a library (a server's reply, a TLS reason) stay as
// they came.
import type { MailtoFault, Problem } from "./bindings.gen";
import { t } from "./i18n/index.svelte";
import { list, size } from "./format";
import { fieldLabel } from "./compose/fields";

/** A failure as a sentence a person can act on. */
export function problemText(p: Problem): string {
  switch (p.code) {
    case "login_rejected":
      return t("problem_login_rejected");
    case "cannot_connect":
      return t("problem_cannot_connect", { host: p.host, port: String(p.port) });
    case "certificate_untrusted":
      return t("problem_certificate_untrusted", { host: p.host, reason: p.reason });
    case "secure_connection_failed":
      return t("problem_secure_connection_failed", { host: p.host, reason: p.reason });
    case "connect_timed_out":
      return t("problem_connect_timed_out", { host: p.host, port: String(p.port) });
    case "no_answer":
      return t("problem_no_answer", { command: p.command });
    case "server_refused":
      if (!p.command) return t("problem_server_refused", { text: p.text });
      return p.text
        ? t("problem_server_refused_command_text", { command: p.command, text: p.text })
        : t("problem_server_refused_command", { command: p.command });
    case "server_confused":
      return t("problem_server_confused", { detail: p.detail });
    case "smtp_refused":
      return t("problem_smtp_refused", { reason: p.reason });
    case "smtp_later":
      return t("problem_smtp_later", { reason: p.reason });
    case "not_an_email_address":
      return p.field
        ? t("problem_not_an_email_address_in", { text: p.text, field: p.field })
        : t("problem_not_an_email_address", { text: p.text });
    case "bad_server_name":
      return p.server
        ? t("problem_bad_server_name_of", { server: p.server, name: p.name })
        : t("problem_bad_server_name", { name: p.name });
    case "port_out_of_range":
      return t("problem_port_out_of_range", { server: p.server });
    case "empty_password":
      return t("problem_empty_password");
    case "account_exists":
      return t("problem_account_exists", { email: p.email });
    case "no_settings_found":
      return t("problem_no_settings_found", { domain: p.domain });
    case "oauth_not_configured":
      return p.provider
        ? t("problem_oauth_not_configured", { provider: p.provider })
        : t("problem_oauth_server_needs_client");
    case "bad_oauth_server":
      return t("problem_bad_oauth_server", { url: p.url });
    case "sign_in_cancelled":
      return t("problem_sign_in_cancelled");
    case "signs_in_in_browser":
      return t("problem_signs_in_in_browser");
    case "message_too_large":
      return t("problem_message_too_large", { size: size(p.size), limit: size(p.limit) });
    case "draft_not_found":
      return t("problem_draft_not_found");
    case "template_not_found":
      return t("problem_template_not_found");
    case "template_name_missing":
      return t("problem_template_name_missing");
    case "unknown_field":
      return t("problem_unknown_field", { field: `{{${p.name}}}` });
    case "empty_fields":
      return t("problem_empty_fields", { fields: list(p.fields.map(fieldLabel)) });
    case "already_sent":
      return t("problem_already_sent");
    case "bad_search_date":
      return t("problem_bad_search_date", { text: p.text });
    case "attachment_unreadable":
      return t("problem_attachment_unreadable", { path: p.path, reason: p.reason });
    case "sign_in_timed_out":
      return t("problem_sign_in_timed_out");
    case "sign_in_refused":
      return t("problem_sign_in_refused", { reason: p.reason });
    case "poll_interval_out_of_range":
      return t("problem_poll_interval_out_of_range");
    case "certificate_file_invalid":
      return t("problem_certificate_file_invalid");
    case "tls_setup_failed":
      return t("problem_tls_setup_failed", { detail: p.detail });
    case "folder_name_unsendable":
      return t("problem_folder_name_unsendable", { name: p.name });
    case "not_a_folder_role":
      return t("problem_not_a_folder_role", { role: p.role });
    case "no_archive_folder":
      return t("problem_no_archive_folder");
    case "no_trash_folder":
      return t("problem_no_trash_folder");
    case "no_recipient":
      return t("problem_no_recipient");
    case "no_valid_recipient":
      return t("problem_no_valid_recipient", { detail: p.detail });
    case "message_not_built":
      return t("problem_message_not_built", { detail: p.detail });
    case "name_missing":
      return t("problem_name_missing", { kind: p.kind });
    case "not_a_date":
      return t("problem_not_a_date", { text: p.text });
    case "address_taken":
      return t("problem_address_taken", { address: p.address, owner: p.owner_name });
    case "not_a_record_form":
      return t("problem_not_a_record_form");
    case "not_a_choice":
      return t("problem_not_a_choice", { kind: p.kind });
    case "not_a_column_mapping":
      return t("problem_not_a_column_mapping", { text: p.text });
    case "not_an_import_field":
      return t("problem_not_an_import_field", { text: p.text });
    case "no_such_column":
      return t("problem_no_such_column", { column: p.column, columns: p.columns.join(", ") });
    case "not_csv":
      return t("problem_not_csv", { detail: p.detail });
    case "no_address_column":
      return t("problem_no_address_column");
    case "no_vcard":
      return t("problem_no_vcard");
    case "no_file_picked":
      return t("problem_no_file_picked");
    case "unknown_encoding":
      return t("problem_unknown_encoding", { label: p.label });
    case "import_cancelled":
      return t("problem_import_cancelled");
    case "account_not_found":
      return t("problem_account_not_found");
    case "message_not_found":
      return t("problem_message_not_found");
    case "folder_not_found":
      return p.name ? t("problem_folder_not_found_named", { name: p.name }) : t("problem_folder_not_found");
    case "record_not_found":
      return t("problem_record_not_found", { kind: p.kind });
    case "address_not_of_person":
      return t("problem_address_not_of_person", { address: p.address });
    case "message_unparsable":
      return t("problem_message_unparsable");
    case "attachment_not_found":
      return t("problem_attachment_not_found");
    case "file_exists":
      return t("problem_file_exists", { name: p.name });
    case "cannot_open_file":
      return t("problem_cannot_open_file", { reason: p.reason });
    case "cannot_print":
      return t("problem_cannot_print", { reason: p.reason });
    case "no_downloads_folder":
      return t("problem_no_downloads_folder");
    case "folder_gone":
      return t("problem_folder_gone");
    case "folder_renumbered":
      return t("problem_folder_renumbered");
    case "bcc_not_set_up":
      return t("problem_bcc_not_set_up");
    case "sender_not_listed":
      return t("problem_sender_not_listed", { address: p.address });
    case "sender_code_wrong":
      return t("problem_sender_code_wrong", { address: p.address });
    case "sender_code_used_up":
      return t("problem_sender_code_used_up", { address: p.address });
    case "sender_code_expired":
      return t("problem_sender_code_expired", { address: p.address });
    case "not_a_verify_link":
      return t("problem_not_a_verify_link", { link: p.link });
    case "mailto_unreadable":
      return mailtoFault(p.fault);
    case "link_not_followed":
      return p.scheme ? t("problem_link_not_followed", { scheme: p.scheme }) : t("problem_link_not_followed_plain");
    case "no_account":
      return t("problem_no_account");
    case "cannot_open_link":
      return t("problem_cannot_open_link", { reason: p.reason });
    case "mail_app_unknown":
      return t("problem_mail_app_unknown", { reason: p.reason });
    case "mail_app_not_set":
      return t("problem_mail_app_not_set", { reason: p.reason });
    case "tray_unavailable":
      return t("problem_tray_unavailable", { reason: p.reason });
    case "autostart_failed":
      return t("problem_autostart_failed", { reason: p.reason });
    case "not_quarantined":
      return t("problem_not_quarantined");
    case "not_blocked":
      return t("problem_not_blocked", { pattern: p.pattern });
    case "keychain_unavailable":
      return t("problem_keychain_unavailable", { detail: p.detail });
    // Words from before problems were codes, or the CLI's own (English).
    case "worded":
      return p.text;
    case "internal":
      return t("problem_internal", { detail: p.detail });
  }
}

/** Why a mailto: link could not be read. */
function mailtoFault(fault: MailtoFault): string {
  switch (fault) {
    case "not_mailto":
      return t("problem_mailto_not_mailto");
    case "bad_escape":
      return t("problem_mailto_bad_escape");
    case "not_utf8":
      return t("problem_mailto_not_utf8");
  }
}
