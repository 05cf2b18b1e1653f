-- A queued action may be a copy: restoring a message Gmail archived puts
-- it back into the inbox as a copy, as All Mail keeps every message.
-- SQLite cannot change a CHECK constraint, so the table is rebuilt.
CREATE TABLE actions_new (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    message_id   INTEGER NOT NULL,          -- no foreign key: a delete may outlive it
    kind         TEXT NOT NULL CHECK (kind IN ('mark_read', 'mark_unread', 'flag', 'unflag',
                                               'move', 'archive', 'delete', 'copy')),
    folder_id    INTEGER NOT NULL,
    uid          INTEGER NOT NULL,
    uidvalidity  INTEGER NOT NULL,
    target       TEXT,                      -- server name of the destination folder
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    created_at   INTEGER NOT NULL,
    done_at      INTEGER
) STRICT;
INSERT INTO actions_new SELECT * FROM actions;
DROP TABLE actions;
ALTER TABLE actions_new RENAME TO actions;
CREATE INDEX actions_pending ON actions (account_id, id) WHERE state = 'pending';
