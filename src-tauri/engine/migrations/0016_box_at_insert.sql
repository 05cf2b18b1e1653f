-- Cheaper stores of new mail.
--
-- 1. Storing a location no longer runs a trigger. The insert trigger cost
--    more than the insert itself (5 µs a row, measured: a trigger whose
--    body updates messages is costly to enter even when it changes
--    nothing), and the batch writer is the one place that inserts
--    locations. It now inserts a new message already in the box of the
--    folder it came from, and lowers the box of the known messages a batch
--    found in a lower one (store::messages). Leaving a folder stays with
--    the triggers: several code paths remove locations. The box of a folder
--    is named once, in a view, for the writer and the triggers alike.
CREATE VIEW folder_boxes AS
SELECT id AS folder_id,
       CASE role WHEN 'archive' THEN 1 WHEN 'all' THEN 1
                 WHEN 'trash' THEN 2 WHEN 'junk' THEN 2 ELSE 0 END AS box
  FROM folders;

DROP TRIGGER message_folders_box_on_insert;
DROP TRIGGER message_folders_box_on_delete;
DROP TRIGGER message_folders_box_on_move;

-- A location leaving (or changing hands) may raise the box: look again.
CREATE TRIGGER message_folders_box_on_delete AFTER DELETE ON message_folders BEGIN
    UPDATE messages SET server_box = (
        SELECT MIN(b.box)
          FROM message_folders mf JOIN folder_boxes b ON b.folder_id = mf.folder_id
         WHERE mf.message_id = old.message_id)
     WHERE id = old.message_id;
    UPDATE messages SET user_box = NULL WHERE id = old.message_id AND user_box = server_box;
END;

CREATE TRIGGER message_folders_box_on_move AFTER UPDATE OF message_id ON message_folders
WHEN old.message_id != new.message_id BEGIN
    UPDATE messages SET server_box = (
        SELECT MIN(b.box)
          FROM message_folders mf JOIN folder_boxes b ON b.folder_id = mf.folder_id
         WHERE mf.message_id = messages.id)
     WHERE id IN (old.message_id, new.message_id);
    UPDATE messages SET user_box = NULL
     WHERE id IN (old.message_id, new.message_id) AND user_box = server_box;
END;

-- A message born in a box lowers its conversation's, as a message whose
-- box went down does (messages_box_down).
CREATE TRIGGER messages_box_on_insert AFTER INSERT ON messages
WHEN COALESCE(new.user_box, new.server_box, 3) < 3 BEGIN
    UPDATE threads SET box = COALESCE(new.user_box, new.server_box, 3)
     WHERE id = new.thread_id AND box > COALESCE(new.user_box, new.server_box, 3);
END;

-- 2. Addresses are kept in their primary key's order, without a rowid:
--    one B-tree fewer to write for each address of each new message.
CREATE TABLE message_addresses_new (
    message_id      INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('from', 'sender', 'reply_to', 'to', 'cc', 'bcc')),
    position        INTEGER NOT NULL,
    name            TEXT NOT NULL DEFAULT '',
    address         TEXT NOT NULL,             -- normalized (trimmed, lower case)
    PRIMARY KEY (message_id, role, position)
) STRICT, WITHOUT ROWID;
INSERT INTO message_addresses_new (message_id, role, position, name, address)
SELECT message_id, role, position, name, address FROM message_addresses;
DROP TABLE message_addresses;
ALTER TABLE message_addresses_new RENAME TO message_addresses;
CREATE INDEX message_addresses_by_address ON message_addresses (address);
