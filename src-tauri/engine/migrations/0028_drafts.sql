-- Drafts saved as they are typed: here first (so a crash loses nothing),
-- then in the account's Drafts folder, where each new version replaces the
-- previous one (found by its X-Threadline-Draft header).
CREATE TABLE drafts (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    draft       TEXT NOT NULL,            -- the composer's Draft, as JSON
    updated_at  INTEGER NOT NULL
) STRICT;
