-- Smart BCC copies captured or held back (F-BCC), blocked addresses
-- (F-BLOCK) and who may see an email (F-SHARE).

-- Why a message is kept out of every view, as bits:
--   1 held     a Smart BCC copy not ingested: in quarantine, waiting for
--              DNS to answer, or discarded (see captures)
--   2 blocked  every address in its From, To and Cc other than the
--              user's own is blocked
-- A hidden message is in no box (4): not in the inbox, search or a
-- record's page. It stays stored, so a sync does not fetch it again and
-- clearing the bit brings it back as it was.
ALTER TABLE messages ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;

-- Who may see the email once a team store exists: only its owner, or the
-- colleagues who can see a person or deal it is linked to. Set from the
-- default at arrival; mail stored before this migration stays private.
ALTER TABLE messages ADD COLUMN visibility TEXT NOT NULL DEFAULT 'private'
    CHECK (visibility IN ('private', 'shared'));

INSERT INTO settings (key, value) VALUES ('sharing_default', 'private');
INSERT INTO settings (key, value) VALUES ('bcc_create_persons', 'off');

-- The box triggers of migrations 0008 and 0016, with hidden messages in
-- box 4: a conversation of hidden messages only is in no view.
DROP TRIGGER messages_box_down;
DROP TRIGGER messages_box_up;
DROP TRIGGER messages_box_on_rethread;
DROP TRIGGER messages_box_on_delete;
DROP TRIGGER messages_box_on_insert;

CREATE TRIGGER messages_box_down AFTER UPDATE OF server_box, user_box, hidden ON messages
WHEN (CASE WHEN new.hidden != 0 THEN 4 ELSE COALESCE(new.user_box, new.server_box, 3) END)
   < (CASE WHEN old.hidden != 0 THEN 4 ELSE COALESCE(old.user_box, old.server_box, 3) END) BEGIN
    UPDATE threads SET box = (CASE WHEN new.hidden != 0 THEN 4 ELSE COALESCE(new.user_box, new.server_box, 3) END)
     WHERE id = new.thread_id
       AND box > (CASE WHEN new.hidden != 0 THEN 4 ELSE COALESCE(new.user_box, new.server_box, 3) END);
END;

CREATE TRIGGER messages_box_up AFTER UPDATE OF server_box, user_box, hidden ON messages
WHEN (CASE WHEN new.hidden != 0 THEN 4 ELSE COALESCE(new.user_box, new.server_box, 3) END)
   > (CASE WHEN old.hidden != 0 THEN 4 ELSE COALESCE(old.user_box, old.server_box, 3) END) BEGIN
    UPDATE threads SET box = (
        SELECT COALESCE(MIN(CASE WHEN hidden != 0 THEN 4 ELSE COALESCE(user_box, server_box, 3) END), 3)
          FROM messages WHERE thread_id = new.thread_id)
     WHERE id = new.thread_id
       AND box = (CASE WHEN old.hidden != 0 THEN 4 ELSE COALESCE(old.user_box, old.server_box, 3) END);
END;

CREATE TRIGGER messages_box_on_rethread AFTER UPDATE OF thread_id ON messages BEGIN
    UPDATE threads SET box = (CASE WHEN new.hidden != 0 THEN 4 ELSE COALESCE(new.user_box, new.server_box, 3) END)
     WHERE id = new.thread_id
       AND box > (CASE WHEN new.hidden != 0 THEN 4 ELSE COALESCE(new.user_box, new.server_box, 3) END);
END;

CREATE TRIGGER messages_box_on_delete AFTER DELETE ON messages BEGIN
    UPDATE threads SET box = (
        SELECT COALESCE(MIN(CASE WHEN hidden != 0 THEN 4 ELSE COALESCE(user_box, server_box, 3) END), 3)
          FROM messages WHERE thread_id = old.thread_id)
     WHERE id = old.thread_id
       AND box = (CASE WHEN old.hidden != 0 THEN 4 ELSE COALESCE(old.user_box, old.server_box, 3) END);
END;

CREATE TRIGGER messages_box_on_insert AFTER INSERT ON messages
WHEN new.hidden = 0 AND COALESCE(new.user_box, new.server_box, 3) < 3 BEGIN
    UPDATE threads SET box = COALESCE(new.user_box, new.server_box, 3)
     WHERE id = new.thread_id AND box > COALESCE(new.user_box, new.server_box, 3);
END;

-- A Smart BCC copy: the address's owner (target), what DKIM and SPF said
-- (NULL: not checked, as for a copy too large or to an unknown address),
-- and whether it is ingested. States:
--   captured     ingested and linked
--   waiting      DNS did not answer: checked again on later passes
--   quarantined  not ingested, for `reason`; the user may accept it
--   discarded    the user discarded it from the quarantine
-- body_hash (SHA-256 of the body) tells the copy of a message the user's
-- Sent folder also holds (same Message-ID, same body): one email, not two.
CREATE TABLE captures (
    message_id   INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    state        TEXT NOT NULL CHECK (state IN ('captured', 'waiting', 'quarantined', 'discarded')),
    reason       TEXT CHECK (reason IN ('unverified_sender', 'auth_failed', 'unknown_address', 'too_large')),
    target       TEXT CHECK (target IN ('user', 'deal', 'lead', 'project')),
    target_id    INTEGER,
    dkim         TEXT CHECK (dkim IN ('pass', 'fail', 'none', 'temperror')),
    spf          TEXT CHECK (spf IN ('pass', 'fail', 'softfail', 'neutral', 'none', 'permerror', 'temperror')),
    sender       TEXT NOT NULL DEFAULT '',  -- the From address, normalized
    body_hash    BLOB NOT NULL,
    captured_at  INTEGER NOT NULL,
    checked_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX captures_held ON captures (state) WHERE state != 'captured';

-- The sender and recipients of the message a captured copy forwards
-- (attached or quoted inline): such a copy is linked by them, not by the
-- user who forwarded it.
CREATE TABLE capture_originals (
    message_id   INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    role         TEXT NOT NULL CHECK (role IN ('from', 'to', 'cc')),
    position     INTEGER NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    address      TEXT NOT NULL,            -- normalized as message_addresses.address
    PRIMARY KEY (message_id, role, position)
) STRICT, WITHOUT ROWID;
CREATE INDEX capture_originals_by_address ON capture_originals (address);

-- Addresses besides the accounts' own that may use the Smart BCC
-- addresses, once confirmed with the code mailed to them. Only a hash of
-- the code is kept; it is single-use and expires.
CREATE TABLE bcc_senders (
    address          TEXT PRIMARY KEY NOT NULL,   -- normalized
    code_hash        BLOB,
    code_expires_at  INTEGER,
    verified_at      INTEGER,
    added_at         INTEGER NOT NULL
) STRICT;

-- Blocked senders: an address, or '@domain' for the domain and its
-- subdomains (normalized: lower case, IDN in ASCII form).
CREATE TABLE blocked_addresses (
    pattern      TEXT PRIMARY KEY NOT NULL,
    added_at     INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Links gain a rule: 'capture', the copy was sent to the record's own
-- Smart BCC address. The triggers that name the table are made again
-- around the rebuild.
DROP TRIGGER persons_links_on_delete;
DROP TRIGGER organizations_links_on_delete;
DROP TRIGGER deals_links_on_delete;
DROP TRIGGER leads_links_on_delete;
DROP TRIGGER projects_links_on_delete;
CREATE TABLE message_links_new (
    message_id     INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('person', 'org', 'deal', 'lead', 'project')),
    target_id      INTEGER NOT NULL,
    rule           TEXT NOT NULL CHECK (rule IN ('address', 'only_one', 'choice', 'user', 'capture')),
    address        TEXT NOT NULL DEFAULT '',
    linked         INTEGER NOT NULL DEFAULT 1,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (message_id, kind, target_id)
) STRICT, WITHOUT ROWID;
INSERT INTO message_links_new (message_id, kind, target_id, rule, address, linked, created_at)
SELECT message_id, kind, target_id, rule, address, linked, created_at FROM message_links;
DROP TABLE message_links;
ALTER TABLE message_links_new RENAME TO message_links;
CREATE INDEX message_links_by_target ON message_links (kind, target_id, message_id);
CREATE TRIGGER persons_links_on_delete AFTER DELETE ON persons BEGIN
    DELETE FROM message_links WHERE kind = 'person' AND target_id = old.id;
END;
CREATE TRIGGER organizations_links_on_delete AFTER DELETE ON organizations BEGIN
    DELETE FROM message_links WHERE kind = 'org' AND target_id = old.id;
END;
CREATE TRIGGER deals_links_on_delete AFTER DELETE ON deals BEGIN
    DELETE FROM message_links WHERE kind = 'deal' AND target_id = old.id;
    DELETE FROM thread_choices WHERE kind = 'deal' AND target_id = old.id;
    DELETE FROM bcc_tokens WHERE target = 'deal' AND target_id = old.id;
END;
CREATE TRIGGER leads_links_on_delete AFTER DELETE ON leads BEGIN
    DELETE FROM message_links WHERE kind = 'lead' AND target_id = old.id;
    DELETE FROM thread_choices WHERE kind = 'lead' AND target_id = old.id;
    DELETE FROM bcc_tokens WHERE target = 'lead' AND target_id = old.id;
END;
CREATE TRIGGER projects_links_on_delete AFTER DELETE ON projects BEGIN
    DELETE FROM message_links WHERE kind = 'project' AND target_id = old.id;
    DELETE FROM thread_choices WHERE kind = 'project' AND target_id = old.id;
    DELETE FROM bcc_tokens WHERE target = 'project' AND target_id = old.id;
END;
