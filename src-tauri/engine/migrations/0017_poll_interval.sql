-- How often the account is checked when its server cannot push new mail
-- (no IDLE), and how often every folder is gone over when it can: the
-- user's choice in Preferences > Email sync. Seconds; five minutes unless
-- chosen.
ALTER TABLE accounts ADD COLUMN poll_seconds INTEGER NOT NULL DEFAULT 300
    CHECK (poll_seconds BETWEEN 1 AND 86400);
