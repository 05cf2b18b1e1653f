-- Search for phrases, in every script, with exact diacritics first
-- (issue 23). The index keeps word positions again (an "exact phrase" is
-- words in order) and gets the body as written, with Chinese, Japanese
-- and Korean runs cut into pairs of characters by the engine
-- (search::segment). A second, small index holds the words written with
-- diacritics as they are, unfolded, to rank příležitost above prilezitost
-- for the person who typed the former. Both are contentless, so they
-- start empty and the store refills them from the raw sources when it
-- opens, resuming from the message id recorded here.
--
-- A message's row in both is its date and id, (date << 24) | (id & 0xFFFFFF)
-- (search::search_key), not its id: the index then gives its matches
-- newest first, and a search for a word in every message stops after the
-- first page instead of reading them all.
DROP TRIGGER messages_fts_on_delete;
DROP TABLE messages_fts;

CREATE VIRTUAL TABLE messages_fts USING fts5 (
    subject, participants, body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE VIRTUAL TABLE messages_exact USING fts5 (
    words,
    content = '',
    contentless_delete = 1,
    detail = none,
    tokenize = 'unicode61 remove_diacritics 0'
);

CREATE TRIGGER messages_fts_on_delete AFTER DELETE ON messages BEGIN
    DELETE FROM messages_fts WHERE rowid = (old.date << 24) | (old.id & 16777215);
    DELETE FROM messages_exact WHERE rowid = (old.date << 24) | (old.id & 16777215);
END;

INSERT INTO meta (key, value) VALUES ('search_reindex_after', '0')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
