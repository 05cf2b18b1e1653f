-- The search index no longer keeps word positions (detail=none): search
-- asks only which messages hold every word typed, never where, and the
-- positions were most of the index and of its cost at every stored batch.
-- A contentless index cannot be rebuilt from itself, so the new one starts
-- empty and the store refills it from the raw sources when it opens,
-- resuming from the message id recorded here.
DROP TRIGGER messages_fts_on_delete;
DROP TABLE messages_fts;

CREATE VIRTUAL TABLE messages_fts USING fts5 (
    subject, participants, body,
    content = '',
    contentless_delete = 1,
    detail = none,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER messages_fts_on_delete AFTER DELETE ON messages BEGIN
    DELETE FROM messages_fts WHERE rowid = old.id;
END;

INSERT INTO meta (key, value) VALUES ('search_reindex_after', '0')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
