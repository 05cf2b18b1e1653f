-- Threadline local store, first schema. Never edit after it lands: add a
-- new numbered migration instead.

CREATE TABLE accounts (
    id             INTEGER PRIMARY KEY,
    email          TEXT NOT NULL,
    display_name   TEXT NOT NULL DEFAULT '',
    imap_host      TEXT NOT NULL,
    imap_port      INTEGER NOT NULL,
    imap_security  TEXT NOT NULL CHECK (imap_security IN ('tls', 'starttls')),
    smtp_host      TEXT NOT NULL,
    smtp_port      INTEGER NOT NULL,
    smtp_security  TEXT NOT NULL CHECK (smtp_security IN ('tls', 'starttls')),
    username       TEXT NOT NULL,
    -- PEM certificates the user chose to trust for this server (public data,
    -- never a secret: passwords live in the OS keychain).
    trusted_certs  TEXT,
    sync_state     TEXT NOT NULL DEFAULT 'new'
                   CHECK (sync_state IN ('new', 'syncing', 'ok', 'error', 'needs_reauth')),
    last_error     TEXT,
    last_sync_at   INTEGER,
    created_at     INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX accounts_by_email ON accounts (email);

CREATE TABLE folders (
    id             INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,             -- as the server names it
    display_name   TEXT NOT NULL,             -- decoded for people
    delimiter      TEXT,
    role           TEXT CHECK (role IN ('inbox', 'sent', 'drafts', 'trash', 'junk', 'archive', 'all', 'flagged')),
    uidvalidity    INTEGER NOT NULL DEFAULT 0,
    uidnext        INTEGER NOT NULL DEFAULT 0, -- set only once a pass completed
    highestmodseq  INTEGER NOT NULL DEFAULT 0, -- set only once a pass completed
    last_sync_at   INTEGER,
    last_error     TEXT,
    on_server      INTEGER NOT NULL DEFAULT 1,
    UNIQUE (account_id, name)
) STRICT;

CREATE TABLE threads (
    id             INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    subject        TEXT NOT NULL DEFAULT '',
    first_date     INTEGER NOT NULL DEFAULT 0,
    last_date      INTEGER NOT NULL DEFAULT 0,
    last_message   INTEGER,                   -- messages.id of the newest
    message_count  INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX threads_by_last_date ON threads (last_date DESC, id DESC);

-- Every Message-ID a thread knows, seen or only referenced, so that a reply
-- that arrives before its parent still lands in the right conversation.
CREATE TABLE thread_refs (
    account_id     INTEGER NOT NULL,
    msgid          TEXT NOT NULL,
    thread_id      INTEGER NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, msgid)
) STRICT, WITHOUT ROWID;
CREATE INDEX thread_refs_by_thread ON thread_refs (thread_id);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    thread_id       INTEGER NOT NULL REFERENCES threads (id),
    -- SHA-256 of the raw source: the stable identity that dedups a message
    -- seen in several folders while keeping two different messages that
    -- share a Message-ID.
    content_hash    BLOB NOT NULL,
    message_id      TEXT,
    in_reply_to     TEXT,
    refs            TEXT NOT NULL DEFAULT '',
    date            INTEGER NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    from_name       TEXT NOT NULL DEFAULT '',
    from_addr       TEXT NOT NULL DEFAULT '',
    snippet         TEXT NOT NULL DEFAULT '',
    has_attachments INTEGER NOT NULL DEFAULT 0,
    size            INTEGER NOT NULL,
    parse_problem   TEXT,                      -- why it degraded, if it did
    stored_at       INTEGER NOT NULL,
    UNIQUE (account_id, content_hash)
) STRICT;
CREATE INDEX messages_by_thread ON messages (thread_id, date);
CREATE INDEX messages_by_message_id ON messages (account_id, message_id);
CREATE INDEX messages_by_date ON messages (date DESC, id DESC);

CREATE TABLE message_sources (
    message_id      INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    raw             BLOB NOT NULL
) STRICT;

CREATE TABLE message_addresses (
    message_id      INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('from', 'sender', 'reply_to', 'to', 'cc', 'bcc')),
    position        INTEGER NOT NULL,
    name            TEXT NOT NULL DEFAULT '',
    address         TEXT NOT NULL,             -- normalized (trimmed, lower case)
    PRIMARY KEY (message_id, role, position)
) STRICT;
CREATE INDEX message_addresses_by_address ON message_addresses (address);

CREATE TABLE attachments (
    message_id      INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    filename        TEXT NOT NULL DEFAULT '',
    content_type    TEXT NOT NULL DEFAULT 'application/octet-stream',
    size            INTEGER NOT NULL,
    content_id      TEXT,
    is_inline       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (message_id, position)
) STRICT;

-- Where a message sits on the server: one row per folder and UID.
CREATE TABLE message_folders (
    folder_id       INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE,
    uid             INTEGER NOT NULL,
    message_id      INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    flags           TEXT NOT NULL DEFAULT '',  -- IMAP flags, space separated, sorted
    seen            INTEGER NOT NULL DEFAULT 0,
    flagged         INTEGER NOT NULL DEFAULT 0,
    modseq          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (folder_id, uid)
) STRICT, WITHOUT ROWID;
CREATE INDEX message_folders_by_message ON message_folders (message_id);

CREATE VIRTUAL TABLE messages_fts USING fts5 (
    subject, participants, body,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Keeps the full-text index in step when a message goes away.
CREATE TRIGGER messages_fts_on_delete AFTER DELETE ON messages BEGIN
    DELETE FROM messages_fts WHERE rowid = old.id;
END;

-- Facts about this store itself (its random id names its keychain entries,
-- so two data dirs never share a secret).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
