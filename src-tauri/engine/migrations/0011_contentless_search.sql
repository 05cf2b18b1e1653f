-- The search index kept its own copy of every subject, participant list and
-- body text: half the store, and half of what an initial sync writes. Only
-- rowids are ever read from it (search returns message ids), so it becomes
-- contentless; contentless_delete keeps DELETE by rowid working, so the
-- trigger that follows a deleted message stays as it was.
DROP TRIGGER messages_fts_on_delete;
ALTER TABLE messages_fts RENAME TO messages_fts_with_content;

CREATE VIRTUAL TABLE messages_fts USING fts5 (
    subject, participants, body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO messages_fts (rowid, subject, participants, body)
    SELECT rowid, subject, participants, body FROM messages_fts_with_content;
DROP TABLE messages_fts_with_content;

CREATE TRIGGER messages_fts_on_delete AFTER DELETE ON messages BEGIN
    DELETE FROM messages_fts WHERE rowid = old.id;
END;
