//! The mail here through the engine: what the lists, conversations and
//! the reading pane show, search, and what the user does to mail (the
//! actions and Send, which commit here and leave the server work to the
//! scheduler's workers).

use crate::error::{Error, Result};
use crate::ids::{AccountId, MessageId, RecordId, ThreadId};
use crate::links::{LinkRoute, Route, route};
use crate::mailto::MailtoLink;
use crate::model::{
    AddressSuggestion, Answer, Draft, FolderEntry, Listing, MessageSummary, MessageView, Original, Rendered,
    SavedDraft, ScheduledMessage, SearchResults, SendOutcome, Template, TemplateInput, ThreadPage, ThreadView,
    Visibility,
};
use crate::problem::Problem;
use crate::{ActionOutcome, Engine, ListFilter, UserAction, mime};

/// How much of a message "Show original" shows.
const ORIGINAL_SHOWN: usize = 1024 * 1024;

/// The engine's mail (see [`Engine::mail`]).
pub struct Mail<'a> {
    pub(crate) engine: &'a Engine,
}

impl Mail<'_> {
    /// Messages newest first, one row per folder location.
    pub async fn list_messages(&self, filter: &ListFilter) -> Result<Vec<MessageSummary>> {
        self.engine.store.list_messages(filter).await
    }

    /// One message as lists show it (its first folder location).
    pub async fn message_summary(&self, id: MessageId) -> Result<MessageSummary> {
        self.engine.store.message_summary(id).await
    }

    /// A search as typed (words, "phrases" and operators), newest first.
    pub async fn search(&self, query: &str, limit: u32) -> Result<SearchResults> {
        let parts = crate::search::query::parse(query)?;
        let highlight = crate::search::query::highlights(&parts);
        Ok(SearchResults { messages: self.engine.store.find(&parts, limit).await?, highlight })
    }

    /// A window of one view's conversations (inbox, archive, trash).
    pub async fn thread_page(&self, view: ThreadView, offset: u32, limit: u32) -> Result<ThreadPage> {
        self.engine.store.thread_page(view, offset, limit.min(500)).await
    }

    /// A window of any list's conversations: a view of every account or
    /// one, Sent, Drafts, Flagged, or a folder.
    pub async fn listing_page(&self, listing: &Listing, offset: u32, limit: u32) -> Result<ThreadPage> {
        self.engine.store.listing_page(listing, offset, limit.min(500)).await
    }

    /// How many conversations a list has (a large folder's pages come
    /// before its count: see `ThreadPage::counted`).
    pub async fn listing_count(&self, listing: &Listing) -> Result<u32> {
        self.engine.store.listing_count(listing).await
    }

    /// Marks every unread message of a list read ("Mark all as read").
    pub async fn mark_listing_read(&self, listing: &Listing) -> Result<ActionOutcome> {
        let ids = self.engine.store.unread_in_listing(listing).await?;
        self.engine.act(&ids, UserAction::MarkRead).await
    }

    /// Empties the Trash of every account or one ("Empty Trash"): its
    /// messages are deleted for good; returns how many.
    pub async fn empty_trash(&self, account: Option<AccountId>) -> Result<u32> {
        self.engine.empty_trash(account, false).await
    }

    /// `empty_trash`, then the server's part before returning (for front
    /// ends that run no scheduler, like the CLI's one-shot commands).
    pub async fn empty_trash_now(&self, account: Option<AccountId>) -> Result<u32> {
        self.engine.empty_trash(account, true).await
    }

    /// The folder of this server or display name (of one account, or the
    /// first account that has one).
    pub async fn folder_named(&self, account: Option<AccountId>, name: &str) -> Result<i64> {
        self.engine.store.folder_named(account, name).await
    }

    /// Every synced folder with its unread mail, for the folder tree.
    pub async fn folder_tree(&self) -> Result<Vec<FolderEntry>> {
        self.engine.store.folder_tree().await
    }

    /// Unread mail in every account's inbox: the count the tray shows.
    pub async fn unread_in_inboxes(&self) -> Result<u32> {
        let folders = self.engine.store.folder_tree().await?;
        Ok(folders.iter().filter(|f| f.role.as_deref() == Some("inbox")).map(|f| f.unread).sum())
    }

    /// The messages of a conversation, oldest first.
    pub async fn thread_messages(&self, thread_id: ThreadId) -> Result<Vec<MessageSummary>> {
        self.engine.store.thread_messages(thread_id).await
    }

    /// A message ready for the reading pane; remote content only when the
    /// user allowed it for this message or always for its sender.
    pub async fn message_view(&self, id: MessageId, allow_remote: bool) -> Result<MessageView> {
        let summary = self.engine.store.message_summary(id).await?;
        let sender_allowed = match summary.from.first() {
            Some(from) => self.engine.store.remote_content_sender(&from.address).await?,
            None => false,
        };
        let allow_remote = allow_remote || sender_allowed;
        let raw = self.engine.store.message_source(id).await?;
        let (attachments, problem) = self.engine.store.message_extras(id).await?;
        let body = tokio::task::spawn_blocking(move || mime::html::render(&raw, allow_remote))
            .await
            .map_err(|e| Error::Protocol(format!("render task failed: {e}")))?;
        Ok(MessageView {
            summary,
            text: body.text,
            html: body.html,
            remote_content_blocked: body.remote_content_blocked,
            remote_content_sender: sender_allowed,
            attachments,
            // The parser's note is for the log; the window says it in words.
            problem: problem.map(|_| Problem::MessageUnparsable),
        })
    }

    /// A message's source as the server sent it, headers first, for "Show
    /// original": at most `ORIGINAL_SHOWN` bytes of it (a large file's
    /// base64 is no use to read), as text.
    pub async fn message_original(&self, id: MessageId) -> Result<Original> {
        let raw = self.engine.store.message_source(id).await?;
        let shown = raw.get(..ORIGINAL_SHOWN).unwrap_or(&raw);
        Ok(Original {
            text: String::from_utf8_lossy(shown).into_owned(),
            bytes: u64::try_from(raw.len()).unwrap_or(u64::MAX),
            shown_bytes: u64::try_from(shown.len()).unwrap_or(u64::MAX),
        })
    }

    /// A message's `position`th file (as the reading pane lists them),
    /// decoded, with the name its sender gave it.
    async fn attachment(&self, id: MessageId, position: u32) -> Result<(String, Vec<u8>)> {
        let raw = self.engine.store.message_source(id).await?;
        let position = usize::try_from(position).unwrap_or(usize::MAX);
        tokio::task::spawn_blocking(move || mime::files::attachment(&raw, position))
            .await
            .map_err(|e| Error::Protocol(format!("reading a file failed: {e}")))?
            .ok_or(Error::NotFound(Problem::AttachmentNotFound))
    }

    /// Saves a message's file in `dir` under its name made safe; a file of
    /// that name already there is replaced or kept as `existing` says.
    pub async fn save_attachment(
        &self,
        id: MessageId,
        position: u32,
        dir: &std::path::Path,
        existing: mime::files::Existing,
    ) -> Result<std::path::PathBuf> {
        let (name, bytes) = self.attachment(id, position).await?;
        let dir = dir.to_owned();
        tokio::task::spawn_blocking(move || mime::files::save(&dir, &name, &bytes, existing))
            .await
            .map_err(|e| Error::Protocol(format!("saving a file failed: {e}")))?
    }

    /// The name a message's file is offered under in a "Save as…"
    /// dialog: its sender's, made safe (read from the list of its files,
    /// not from the file itself).
    pub async fn attachment_name(&self, id: MessageId, position: u32) -> Result<String> {
        let (files, _) = self.engine.store.message_extras(id).await?;
        let file = files.iter().find(|f| f.position == position).ok_or(Error::NotFound(Problem::AttachmentNotFound))?;
        Ok(mime::files::safe_name(&file.filename, "attachment"))
    }

    /// Saves a message's file where the user chose in a "Save as…" dialog
    /// (which asked before it let them pick a file that is there).
    pub async fn save_attachment_as(
        &self,
        id: MessageId,
        position: u32,
        path: &std::path::Path,
    ) -> Result<std::path::PathBuf> {
        let (_, bytes) = self.attachment(id, position).await?;
        let dir = path.parent().unwrap_or(std::path::Path::new(".")).to_owned();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        tokio::task::spawn_blocking(move || mime::files::save(&dir, &name, &bytes, mime::files::Existing::Replace))
            .await
            .map_err(|e| Error::Protocol(format!("saving a file failed: {e}")))?
    }

    /// Saves a message's source as `<subject>.eml` in `dir` ("Save as
    /// .eml"), a file of that name there replaced or kept as `existing`
    /// says.
    pub async fn save_original(
        &self,
        id: MessageId,
        dir: &std::path::Path,
        existing: mime::files::Existing,
    ) -> Result<std::path::PathBuf> {
        let summary = self.engine.store.message_summary(id).await?;
        let raw = self.engine.store.message_source(id).await?;
        let subject = if summary.subject.trim().is_empty() { "message" } else { summary.subject.trim() };
        let name = format!("{}.eml", mime::files::safe_name(subject, "message"));
        let dir = dir.to_owned();
        tokio::task::spawn_blocking(move || mime::files::save(&dir, &name, &raw, existing))
            .await
            .map_err(|e| Error::Protocol(format!("saving a message failed: {e}")))?
    }

    /// Takes a message's file out to the data dir for the system's app to
    /// open; returns its path.
    pub async fn attachment_to_open(&self, id: MessageId, position: u32) -> Result<std::path::PathBuf> {
        let dir = self.engine.opened_dir.join(format!("{}-{position}", id.0));
        self.save_attachment(id, position, &dir, mime::files::Existing::Replace).await
    }

    /// Loads (or stops loading) the remote images of every message from
    /// this sender without asking.
    pub async fn set_remote_content_sender(&self, address: &str, allowed: bool) -> Result<()> {
        self.engine.store.set_remote_content_sender(address, allowed).await
    }

    /// Applies an action here at once and queues it for the server; the
    /// foreground worker does it there as soon as it can.
    pub async fn act(&self, message_ids: &[MessageId], action: UserAction) -> Result<ActionOutcome> {
        self.engine.act(message_ids, action).await
    }

    /// `act` on whole conversations: on the messages each shows in its
    /// view (a deleted one stays where it is unless the whole
    /// conversation is in the trash).
    pub async fn act_on_threads(&self, thread_ids: &[ThreadId], action: UserAction) -> Result<ActionOutcome> {
        let mut ids = Vec::new();
        for thread in thread_ids {
            ids.extend(self.engine.store.thread_messages(*thread).await?.into_iter().map(|m| m.id));
        }
        self.engine.act(&ids, action).await
    }

    /// `act`, then the server work before returning (for front ends that
    /// run no scheduler, like the CLI's one-shot commands).
    pub async fn act_now(&self, message_ids: &[MessageId], action: UserAction) -> Result<ActionOutcome> {
        self.engine.act_now(message_ids, action).await
    }

    /// Blocks an address or `@domain` (F-BLOCK): the emails it concerns
    /// leave every view at once; nothing on the server changes. Returns how
    /// many emails it hid.
    pub async fn block(&self, address_or_domain: &str) -> Result<u64> {
        let hidden = self.engine.store.block(address_or_domain).await?;
        self.engine.every_view_changed().await?;
        Ok(hidden)
    }

    /// Removes a block: its emails come back, linked. Returns how many.
    pub async fn unblock(&self, address_or_domain: &str) -> Result<u64> {
        let shown = self.engine.store.unblock(address_or_domain).await?;
        self.engine.every_view_changed().await?;
        Ok(shown)
    }

    /// The blocked addresses and domains.
    pub async fn blocked(&self) -> Result<Vec<String>> {
        self.engine.store.blocked().await
    }

    /// The visibility mail gets as it arrives (F-SHARE).
    pub async fn sharing_default(&self) -> Result<Visibility> {
        self.engine.store.sharing_default().await
    }

    /// Sets it for mail that arrives from now on.
    pub async fn set_sharing_default(&self, visibility: Visibility) -> Result<()> {
        self.engine.store.set_sharing_default(visibility).await
    }

    /// Sets the visibility of these emails.
    pub async fn set_visibility(&self, ids: &[MessageId], visibility: Visibility) -> Result<()> {
        self.engine.store.set_visibility(ids, visibility).await?;
        self.engine.every_view_changed().await
    }

    /// Sets the visibility of a whole conversation.
    pub async fn set_thread_visibility(&self, thread: ThreadId, visibility: Visibility) -> Result<()> {
        self.engine.store.set_thread_visibility(thread, visibility).await?;
        self.engine.every_view_changed().await
    }

    /// The emails colleagues may see (shared and linked to a person or a
    /// deal): what a team store will serve.
    pub async fn visible_to_team(&self) -> Result<Vec<MessageId>> {
        self.engine.store.visible_to_team().await
    }

    /// Puts the draft in the outbox and returns; the sender hands it over.
    pub async fn send(&self, draft: &Draft) -> Result<SendOutcome> {
        self.engine.send(draft).await
    }

    /// The draft that answers (Reply, Reply all) or forwards a message,
    /// as the composer opens it; `header` is the line or block above the
    /// original, in the user's language; the account's signature above it
    /// when `signature`.
    pub async fn answer_draft(
        &self,
        message: MessageId,
        answer: Answer,
        header: &str,
        signature: bool,
    ) -> Result<Draft> {
        self.engine.answer_draft(message, answer, header, signature).await
    }

    /// The addresses offered as the user types in To, Cc or Bcc: persons
    /// and past correspondents, the most used first.
    pub async fn complete_addresses(&self, typed: &str, limit: u32) -> Result<Vec<AddressSuggestion>> {
        self.engine.store.complete_addresses(typed, limit).await
    }

    /// The addresses of a To, Cc or Bcc field that are not valid, as typed
    /// (a pasted list is split at commas and semicolons).
    pub fn invalid_addresses(&self, field: &str) -> Vec<String> {
        crate::send::invalid_addresses(field)
    }

    /// A new message's draft, with the account's signature when `signature`.
    pub async fn new_draft(&self, account: AccountId, signature: bool) -> Result<Draft> {
        self.engine.new_draft(account, signature).await
    }

    /// A new message as a `mailto:` link asks for it (clicked in another
    /// program, or in the app with links kept here), from the first
    /// account: its text is the link's body, and the composer adds the
    /// signature. A link that cannot be read says why.
    pub async fn mailto_draft(&self, link: &str) -> Result<Draft> {
        let link = crate::mailto::parse(link).map_err(|fault| Error::Invalid(Problem::MailtoUnreadable { fault }))?;
        self.draft_of_link(link).await
    }

    /// Follows a link the user clicked in the app (a mail body, an
    /// address): what the shell should do with it, by the user's
    /// email-links preference. Links that are not followed say so.
    pub async fn follow_link(&self, href: &str) -> Result<LinkRoute> {
        match self.link_route(href).await? {
            Route::Compose(link) => Ok(LinkRoute::Compose { draft: Box::new(self.draft_of_link(link).await?) }),
            Route::Outside(url) => Ok(LinkRoute::Outside { url }),
            // link_route answers a refusal with its error already.
            Route::Refused(scheme) => Err(Error::Invalid(Problem::LinkNotFollowed { scheme })),
        }
    }

    /// Where a clicked link leads by the user's preference, without making
    /// the draft (for a caller that hands the link itself to the composer).
    /// A link not followed is an error, never `Route::Refused`.
    pub async fn link_route(&self, href: &str) -> Result<Route> {
        let preference = self.engine.store.app_preferences().await?.email_links;
        match route(href, preference).map_err(|fault| Error::Invalid(Problem::MailtoUnreadable { fault }))? {
            Route::Refused(scheme) => Err(Error::Invalid(Problem::LinkNotFollowed { scheme })),
            to => Ok(to),
        }
    }

    async fn draft_of_link(&self, link: MailtoLink) -> Result<Draft> {
        let account =
            self.engine.store.accounts().await?.first().map(|a| a.id).ok_or(Error::Invalid(Problem::NoAccount))?;
        let base = self.engine.new_draft(account, false).await?;
        Ok(Draft {
            to: link.to.join(", "),
            cc: link.cc.join(", "),
            bcc: link.bcc.join(", "),
            subject: link.subject,
            body: link.body,
            html: None,
            ..base
        })
    }

    /// Saves the composer's draft here at once (a new one without `id`),
    /// then in the account's Drafts folder in place of its last version.
    pub async fn save_draft(&self, id: Option<i64>, draft: &Draft) -> Result<i64> {
        self.engine.save_draft(id, draft).await
    }

    /// Every saved draft, the last edited first.
    pub async fn drafts(&self) -> Result<Vec<SavedDraft>> {
        self.engine.drafts().await
    }

    /// Sends a saved draft and then forgets it, here and on the server.
    pub async fn send_draft(&self, id: i64) -> Result<SendOutcome> {
        self.engine.send_draft(id).await
    }

    /// Forgets a draft, here and in the Drafts folder.
    pub async fn delete_draft(&self, id: i64) -> Result<()> {
        self.engine.delete_draft(id).await
    }

    /// `send`, then the handing over before returning (the CLI).
    pub async fn send_now(&self, draft: &Draft) -> Result<SendOutcome> {
        self.engine.send_now(draft).await
    }

    /// Takes a message still waiting for its time (Send later, Undo) out
    /// of the outbox; its draft comes back to be edited.
    pub async fn cancel_send(&self, message_id: &str) -> Result<Draft> {
        self.engine.cancel_send(message_id).await
    }

    /// Messages waiting for their time, the soonest first.
    pub async fn scheduled(&self) -> Result<Vec<ScheduledMessage>> {
        self.engine.scheduled().await
    }

    /// The draft as it would go out: smart fields filled for its first
    /// recipient and deal, in its language; the fields without a value
    /// listed (the composer's preview).
    pub async fn render(&self, draft: &Draft) -> Result<Rendered> {
        self.engine.render(draft).await
    }

    /// A template filled for a recipient (`render` on the CLI).
    pub async fn render_template(
        &self,
        template: i64,
        account: AccountId,
        to: &str,
        deal: Option<RecordId>,
        locale: Option<&str>,
    ) -> Result<Rendered> {
        self.engine.render_template(template, account, to, deal, locale).await
    }

    /// Text as the HTML paragraphs of a formatted body (a template written
    /// as plain text).
    pub fn text_as_html(&self, text: &str) -> String {
        crate::send::text_to_html(text)
    }

    /// Keeps a file the window handed over (pasted, dropped, picked) so
    /// that a draft can name it by path.
    pub async fn stage_file(&self, name: &str, bytes: Vec<u8>) -> Result<crate::model::StagedFile> {
        self.engine.stage_file(name, bytes).await
    }

    /// Names and sizes of files dropped on the composer, by path.
    pub async fn describe_files(&self, paths: Vec<String>) -> Result<Vec<crate::model::StagedFile>> {
        self.engine.describe_files(paths).await
    }

    /// An image file as a `data:` URL, for an image dropped into the text.
    pub async fn image_data_url(&self, path: String) -> Result<String> {
        self.engine.image_data_url(path).await
    }

    /// The account's signature as a formatted message carries it.
    pub async fn signature_block(&self, account: AccountId) -> Result<Option<String>> {
        self.engine.signature_block(account).await
    }

    /// One template.
    pub async fn template(&self, id: i64) -> Result<Template> {
        self.engine.store.template(id).await
    }

    /// Every template, by name.
    pub async fn templates(&self) -> Result<Vec<Template>> {
        self.engine.templates().await
    }

    /// Creates (without `id`) or changes a template.
    pub async fn save_template(&self, id: Option<i64>, input: &TemplateInput) -> Result<Template> {
        self.engine.save_template(id, input).await
    }

    /// Deletes a template.
    pub async fn delete_template(&self, id: i64) -> Result<()> {
        self.engine.delete_template(id).await
    }
}

/// The smart fields the composer offers, in menu order.
pub const SMART_FIELDS: &[&str] = crate::send::fields::FIELDS;
