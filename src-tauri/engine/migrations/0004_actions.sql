-- What the user did to messages, waiting to be done on the server too.
-- One row per message location (folder + UID as they were when the user
-- acted), replayed in id order. A row is 'done' only after the server
-- confirmed it, in the same transaction that records it, so a killed
-- process replays at most the one in flight, and every kind is safe to
-- replay: flags are set, not toggled, and a UID that already left its
-- folder moves nowhere.
CREATE TABLE actions (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    message_id   INTEGER NOT NULL,          -- no foreign key: a delete may outlive it
    kind         TEXT NOT NULL CHECK (kind IN ('mark_read', 'mark_unread', 'flag', 'unflag',
                                               'move', 'archive', 'delete')),
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
CREATE INDEX actions_pending ON actions (account_id, id) WHERE state = 'pending';
