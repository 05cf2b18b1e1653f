// Why something failed, in words. The engine sends a code with parameters
// (Problem); this is the one place the window words them, so the languages
// work has one place to take the sentences from.
import type { Problem, RecordKind } from "./bindings.gen";

const NOUNS: Record<RecordKind, string> = {
  person: "person",
  org: "organization",
  deal: "deal",
  lead: "lead",
  project: "project",
};

/** A failure as a sentence a person can act on. */
export function problemText(p: Problem): string {
  switch (p.code) {
    case "login_rejected":
      return "The server rejected the user name or password. Check them and try again.";
    case "cannot_connect":
      return `Cannot connect to ${p.host}:${p.port}. Check the server name and port, and that you are online.`;
    case "certificate_untrusted":
      return `The certificate of ${p.host} is not trusted (${p.reason}). If this is your own server, choose its certificate under "Trust this certificate".`;
    case "secure_connection_failed":
      return `A secure connection to ${p.host} could not be set up (${p.reason}). Check the security setting (SSL/TLS or STARTTLS) and the port.`;
    case "no_answer":
      return `The server did not answer in time (${p.what}).`;
    case "server_refused":
      if (!p.command) return `The mail server refused: ${p.text}`;
      return p.text ? `The mail server refused ${p.command}: ${p.text}` : `The mail server refused ${p.command}.`;
    case "server_confused":
      return `The server answered something unexpected: ${p.detail}`;
    case "smtp_refused":
      return `The mail server refused the message: ${p.reason}`;
    case "smtp_later":
      return `The mail server could not take the message now (${p.reason}).`;
    case "not_an_email_address":
      return p.field
        ? `"${p.text}" in ${p.field} is not a valid email address.`
        : `"${p.text}" is not an email address (expected name@example.com).`;
    case "bad_server_name":
      return p.server ? `The ${p.server} server name "${p.name}" is not valid.` : `The server name "${p.name}" is not valid.`;
    case "port_out_of_range":
      return `The ${p.server} port must be between 1 and 65535.`;
    case "empty_password":
      return "The password is empty.";
    case "account_exists":
      return `An account for ${p.email} already exists.`;
    case "poll_interval_out_of_range":
      return "Check for new mail at least once a day and at most every second.";
    case "certificate_file_invalid":
      return "The trusted certificate is not a valid PEM certificate (it should start with -----BEGIN CERTIFICATE-----).";
    case "tls_setup_failed":
      return `TLS setup failed: ${p.detail}`;
    case "folder_name_unsendable":
      return `The folder name "${p.name}" cannot be sent to the server.`;
    case "not_a_folder_role":
      return `"${p.role}" is not a folder role that can be chosen.`;
    case "no_archive_folder":
      return "This account has no archive folder.";
    case "no_trash_folder":
      return "This account has no trash folder.";
    case "no_recipient":
      return "Add at least one recipient.";
    case "no_valid_recipient":
      return `The message has no valid recipient: ${p.detail}`;
    case "message_not_built":
      return `The message could not be built: ${p.detail}`;
    case "name_missing":
      return `A ${NOUNS[p.kind]} needs a name.`;
    case "not_a_date":
      return `"${p.text}" is not a date like 2027-03-31.`;
    case "address_taken":
      return `${p.address} is already an address of ${p.owner_name}.`;
    case "not_a_record_form":
      return "Persons and organizations have their own forms.";
    case "not_a_choice":
      return `A conversation's choice is a deal, lead or project, not a ${NOUNS[p.kind]}.`;
    case "not_a_column_mapping":
      return `"${p.text}" is not column=field.`;
    case "not_an_import_field":
      return `"${p.text}" is not a field.`;
    case "no_such_column":
      return `The file has no column "${p.column}" (it has: ${p.columns.join(", ")}).`;
    case "not_csv":
      return `This is not a CSV file with a header row: ${p.detail}`;
    case "no_address_column":
      return "No column holds email addresses or organizations: map one to email or org.";
    case "no_vcard":
      return "No vCard (BEGIN:VCARD … END:VCARD) in this file.";
    case "account_not_found":
      return "This account no longer exists.";
    case "message_not_found":
      return "This email no longer exists.";
    case "folder_not_found":
      return p.name ? `The folder ${p.name} was not found.` : "The folder was not found.";
    case "record_not_found":
      return `This ${NOUNS[p.kind]} no longer exists.`;
    case "address_not_of_person":
      return `${p.address} is not an address of this person.`;
    case "message_unparsable":
      return "The message could not be parsed; its raw source is kept.";
    case "folder_gone":
      return "The folder no longer exists.";
    case "folder_renumbered":
      return "The server renumbered the folder, so the message could not be found again.";
    case "keychain_unavailable":
      return `The system keychain could not be used (${p.detail}). Passwords are kept only there.`;
    case "worded":
      return p.text;
    case "internal":
      return `Something went wrong: ${p.detail}`;
  }
}
