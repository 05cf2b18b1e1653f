-- The app's own preferences (issue 24), one row: what an email link
-- clicked in the app opens, and whether closing the window keeps the app
-- running in the tray.
CREATE TABLE app_preferences (
    id             INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    email_links    TEXT NOT NULL DEFAULT 'threadline' CHECK (email_links IN ('threadline', 'system')),
    close_to_tray  INTEGER NOT NULL DEFAULT 0 CHECK (close_to_tray IN (0, 1))
) STRICT;
INSERT INTO app_preferences (id) VALUES (1);
