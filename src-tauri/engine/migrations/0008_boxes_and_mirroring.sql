-- Where a message and a conversation belong in the app: its "box".
--   0 inbox     somewhere other than an archive, trash or junk folder
--   1 archive   only in the archive folder (or Gmail's All Mail)
--   2 trash     only in the trash or junk folder: deleted
--   3 nowhere   no folder holds it (a moment during a move, or forgotten)
-- server_box follows the folders the server has it in; user_box is what
-- the user chose here when that differs from the server (archived or
-- deleted with "do nothing in the mail account", or before the server
-- caught up). Once the server agrees, user_box is cleared, so later moves
-- made in another mail client show here again. A conversation's box is
-- the lowest of its messages': it stays in the inbox while any of its
-- messages is there. Triggers keep both in step, so no code path that
-- moves a message can forget them, and the conversation list can page
-- one box on an index, however many conversations there are.
ALTER TABLE messages ADD COLUMN server_box INTEGER;
ALTER TABLE messages ADD COLUMN user_box INTEGER;
ALTER TABLE threads ADD COLUMN box INTEGER NOT NULL DEFAULT 3;

DROP INDEX threads_by_last_date;
CREATE INDEX threads_by_box ON threads (box, last_date DESC, id DESC);

-- What archiving or deleting here does in the mail account:
--   'delete'  archive there, and delete there (move to its trash);
--   'archive' archive there, also for mail deleted here (the account keeps it);
--   'nothing' leave the mail account alone.
ALTER TABLE accounts ADD COLUMN mirror TEXT NOT NULL DEFAULT 'delete'
    CHECK (mirror IN ('delete', 'archive', 'nothing'));

-- A location joining a message can only lower its box: no need to look at
-- its other locations.
CREATE TRIGGER message_folders_box_on_insert AFTER INSERT ON message_folders BEGIN
    UPDATE messages
       SET server_box = b.box,
           user_box = CASE WHEN user_box = b.box THEN NULL ELSE user_box END
      FROM (SELECT CASE role WHEN 'archive' THEN 1 WHEN 'all' THEN 1
                             WHEN 'trash' THEN 2 WHEN 'junk' THEN 2 ELSE 0 END AS box
              FROM folders WHERE id = new.folder_id) AS b
     WHERE messages.id = new.message_id AND COALESCE(messages.server_box, 3) > b.box;
END;

-- A location leaving (or changing hands) may raise the box: look again.
CREATE TRIGGER message_folders_box_on_delete AFTER DELETE ON message_folders BEGIN
    UPDATE messages SET server_box = (
        SELECT MIN(CASE f.role WHEN 'archive' THEN 1 WHEN 'all' THEN 1
                               WHEN 'trash' THEN 2 WHEN 'junk' THEN 2 ELSE 0 END)
          FROM message_folders mf JOIN folders f ON f.id = mf.folder_id
         WHERE mf.message_id = old.message_id)
     WHERE id = old.message_id;
    UPDATE messages SET user_box = NULL WHERE id = old.message_id AND user_box = server_box;
END;

CREATE TRIGGER message_folders_box_on_move AFTER UPDATE OF message_id ON message_folders
WHEN old.message_id != new.message_id BEGIN
    UPDATE messages SET server_box = (
        SELECT MIN(CASE f.role WHEN 'archive' THEN 1 WHEN 'all' THEN 1
                               WHEN 'trash' THEN 2 WHEN 'junk' THEN 2 ELSE 0 END)
          FROM message_folders mf JOIN folders f ON f.id = mf.folder_id
         WHERE mf.message_id = messages.id)
     WHERE id IN (old.message_id, new.message_id);
    UPDATE messages SET user_box = NULL
     WHERE id IN (old.message_id, new.message_id) AND user_box = server_box;
END;

-- A message's box went down: its conversation can only go down with it.
CREATE TRIGGER messages_box_down AFTER UPDATE OF server_box, user_box ON messages
WHEN COALESCE(new.user_box, new.server_box, 3) < COALESCE(old.user_box, old.server_box, 3) BEGIN
    UPDATE threads SET box = COALESCE(new.user_box, new.server_box, 3)
     WHERE id = new.thread_id AND box > COALESCE(new.user_box, new.server_box, 3);
END;

-- It went up: the conversation moves only if this message held it there.
CREATE TRIGGER messages_box_up AFTER UPDATE OF server_box, user_box ON messages
WHEN COALESCE(new.user_box, new.server_box, 3) > COALESCE(old.user_box, old.server_box, 3) BEGIN
    UPDATE threads SET box = (
        SELECT COALESCE(MIN(COALESCE(user_box, server_box, 3)), 3)
          FROM messages WHERE thread_id = new.thread_id)
     WHERE id = new.thread_id AND box = COALESCE(old.user_box, old.server_box, 3);
END;

-- Conversations merged: the one that took the message takes its box too.
CREATE TRIGGER messages_box_on_rethread AFTER UPDATE OF thread_id ON messages BEGIN
    UPDATE threads SET box = COALESCE(new.user_box, new.server_box, 3)
     WHERE id = new.thread_id AND box > COALESCE(new.user_box, new.server_box, 3);
END;

CREATE TRIGGER messages_box_on_delete AFTER DELETE ON messages BEGIN
    UPDATE threads SET box = (
        SELECT COALESCE(MIN(COALESCE(user_box, server_box, 3)), 3)
          FROM messages WHERE thread_id = old.thread_id)
     WHERE id = old.thread_id AND box = COALESCE(old.user_box, old.server_box, 3);
END;

-- Mail stored before this migration.
UPDATE messages SET server_box = (
    SELECT MIN(CASE f.role WHEN 'archive' THEN 1 WHEN 'all' THEN 1
                           WHEN 'trash' THEN 2 WHEN 'junk' THEN 2 ELSE 0 END)
      FROM message_folders mf JOIN folders f ON f.id = mf.folder_id
     WHERE mf.message_id = messages.id);
UPDATE threads SET box = (
    SELECT COALESCE(MIN(COALESCE(user_box, server_box, 3)), 3)
      FROM messages WHERE thread_id = threads.id);
