-- Messages that lost a folder location since the last orphan sweep: the
-- only ones the sweep must look at, so that a pass in which nothing left a
-- folder costs nothing however large the store. Filled by the trigger, so
-- no code path that removes a location can forget it; emptied by the sweep.
CREATE TABLE orphan_candidates (
    message_id INTEGER PRIMARY KEY
) STRICT;

CREATE TRIGGER message_folders_on_delete AFTER DELETE ON message_folders BEGIN
    INSERT OR IGNORE INTO orphan_candidates (message_id) VALUES (old.message_id);
END;

-- The server's message count at the last completed pass (-1: none yet).
-- With UIDNEXT and HIGHESTMODSEQ it lets a STATUS reply prove a folder
-- unchanged without opening it (or counting its rows here).
ALTER TABLE folders ADD COLUMN server_exists INTEGER NOT NULL DEFAULT -1;
