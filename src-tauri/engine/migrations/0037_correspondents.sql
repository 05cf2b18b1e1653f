-- Everyone the user's mail names, by address, with how often: what the
-- composer offers as a recipient is typed. Grouping every message's
-- addresses at each keystroke read all of message_addresses (millions of
-- rows in a large mailbox); this table has a row per correspondent.
-- Triggers keep it, so every way a message comes, goes or is renormalized
-- counts.
CREATE TABLE correspondents (
    address TEXT PRIMARY KEY,           -- normalized, as message_addresses.address
    name    TEXT NOT NULL DEFAULT '',   -- the latest name given with it
    uses    INTEGER NOT NULL            -- times message_addresses names it
) STRICT, WITHOUT ROWID;

INSERT INTO correspondents (address, name, uses)
SELECT address, MAX(name), COUNT(*) FROM message_addresses GROUP BY address;

CREATE TRIGGER correspondents_named AFTER INSERT ON message_addresses BEGIN
    INSERT INTO correspondents (address, name, uses) VALUES (NEW.address, NEW.name, 1)
    ON CONFLICT (address) DO UPDATE
        SET uses = uses + 1, name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END;
END;

CREATE TRIGGER correspondents_unnamed AFTER DELETE ON message_addresses BEGIN
    UPDATE correspondents SET uses = uses - 1 WHERE address = OLD.address;
    DELETE FROM correspondents WHERE address = OLD.address AND uses <= 0;
END;

CREATE TRIGGER correspondents_renamed AFTER UPDATE OF address ON message_addresses
WHEN NEW.address <> OLD.address BEGIN
    UPDATE correspondents SET uses = uses - 1 WHERE address = OLD.address;
    DELETE FROM correspondents WHERE address = OLD.address AND uses <= 0;
    INSERT INTO correspondents (address, name, uses) VALUES (NEW.address, NEW.name, 1)
    ON CONFLICT (address) DO UPDATE
        SET uses = uses + 1, name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END;
END;
