-- Smart BCC (F-BCC). Each token is the secret part of one address on the
-- mailbox that receives the copies: the user's own (target 'user') and one
-- per deal, lead and project. "Make a new address" retires a token; it is
-- kept, so that copies still sent to it are told apart ("retired") and
-- never linked as if it were live.
CREATE TABLE bcc_tokens (
    token        TEXT PRIMARY KEY NOT NULL,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target       TEXT NOT NULL CHECK (target IN ('user', 'deal', 'lead', 'project')),
    target_id    INTEGER,                   -- the record; NULL for 'user'
    created_at   INTEGER NOT NULL,
    retired_at   INTEGER
) STRICT;
-- One live address per target.
CREATE UNIQUE INDEX bcc_tokens_live ON bcc_tokens (target, COALESCE(target_id, 0)) WHERE retired_at IS NULL;
