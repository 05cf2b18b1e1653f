-- Views per account and per folder (issue 23): an account's inbox,
-- archive and trash read their first page off an index of their own, and
-- the folder tree's unread counts and the Flagged view read only the
-- unread and flagged locations, which are few beside all of them.
CREATE INDEX threads_by_account ON threads (account_id, box, last_date DESC, id DESC);
CREATE INDEX message_folders_unread ON message_folders (folder_id) WHERE seen = 0;
CREATE INDEX message_folders_flagged ON message_folders (message_id) WHERE flagged != 0;
