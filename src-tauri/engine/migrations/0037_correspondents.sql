-- Everyone the user's mail names, by address, with how often: what the
-- composer offers as a recipient is typed. Grouping every message's
-- addresses at each keystroke read all of message_addresses (10 s at a
-- million messages); this table has a row per correspondent.
--
-- New messages are counted in by the store (store/completion.rs) in
-- large steps during a sync and before a completion, up to the message id
-- in meta's correspondents_through: counting at every commit rewrote the
-- whole table each time and made the initial sync of a million messages
-- half as long again. These triggers take out what goes, or is
-- renormalized, of what was counted.
CREATE TABLE correspondents (
    address TEXT PRIMARY KEY,           -- normalized, as message_addresses.address
    name    TEXT NOT NULL DEFAULT '',   -- the latest name given with it
    uses    INTEGER NOT NULL            -- times message_addresses names it
) STRICT, WITHOUT ROWID;

INSERT INTO correspondents (address, name, uses)
SELECT address, MAX(name), COUNT(*) FROM message_addresses GROUP BY address;
INSERT INTO meta (key, value)
VALUES ('correspondents_through', CAST((SELECT COALESCE(MAX(id), 0) FROM messages) AS TEXT))
ON CONFLICT (key) DO UPDATE SET value = excluded.value;

CREATE TRIGGER correspondents_unnamed AFTER DELETE ON message_addresses
WHEN OLD.message_id <= (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'correspondents_through') BEGIN
    UPDATE correspondents SET uses = uses - 1 WHERE address = OLD.address;
    DELETE FROM correspondents WHERE address = OLD.address AND uses <= 0;
END;

CREATE TRIGGER correspondents_renamed AFTER UPDATE OF address ON message_addresses
WHEN NEW.address <> OLD.address
 AND OLD.message_id <= (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'correspondents_through') BEGIN
    UPDATE correspondents SET uses = uses - 1 WHERE address = OLD.address;
    DELETE FROM correspondents WHERE address = OLD.address AND uses <= 0;
    INSERT INTO correspondents (address, name, uses) VALUES (NEW.address, NEW.name, 1)
    ON CONFLICT (address) DO UPDATE
        SET uses = uses + 1, name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END;
END;
