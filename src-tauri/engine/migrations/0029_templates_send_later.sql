-- Templates: a name, a subject and a body (HTML) with smart fields, made
-- in Preferences > Templates and inserted from the composer.
CREATE TABLE templates (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    subject     TEXT NOT NULL DEFAULT '',
    html        TEXT NOT NULL DEFAULT '',
    updated_at  INTEGER NOT NULL
) STRICT;

-- Send later (and Undo, which is a send a few seconds later): a message
-- waits in the outbox until `send_at` (Unix seconds; NULL: at once). The
-- composer's draft is kept beside it, so that a cancelled send reopens as
-- it was written.
ALTER TABLE outbox ADD COLUMN send_at INTEGER;
ALTER TABLE outbox ADD COLUMN draft TEXT;
CREATE INDEX outbox_scheduled ON outbox (account_id, send_at) WHERE state = 'queued' AND send_at IS NOT NULL;
