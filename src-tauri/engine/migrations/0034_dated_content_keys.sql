-- A message's key in messages.content_hash now starts with the day of its
-- Date header (mime::content_key), so that a sync's inserts stay together
-- in the index that finds a message again. Messages stored before keep
-- their key, the SHA-256 of the source: a message is looked up under both
-- while this store holds any of those, the ones below the id noted here.
INSERT OR IGNORE INTO meta (key, value)
    SELECT 'content_keys_from', CAST(COALESCE(MAX(id), 0) + 1 AS TEXT) FROM messages;
