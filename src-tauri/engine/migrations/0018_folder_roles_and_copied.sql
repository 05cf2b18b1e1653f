-- The folders the user picked for a role (Preferences > Special folders)
-- where the server names none, or names the wrong one. Kept by name, so a
-- pick outlives the folder list being read again; it wins over SPECIAL-USE
-- and over names.
CREATE TABLE folder_role_choices (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('trash', 'sent', 'drafts', 'archive')),
    folder_name TEXT NOT NULL,
    PRIMARY KEY (account_id, role)
) STRICT;

-- A move on a server without MOVE copies first. When the copy was asked
-- for and when the server confirmed it are kept, so that an action
-- replayed after a killed process does not copy twice: confirmed, it does
-- not copy again; asked but not confirmed, it looks in the destination
-- first.
ALTER TABLE actions ADD COLUMN copy_asked_at INTEGER;
ALTER TABLE actions ADD COLUMN copied_at INTEGER;
