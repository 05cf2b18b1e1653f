-- The largest message an account sends, in bytes as sent, when the user
-- set one (NULL: its provider's limit, else 25 MB).
ALTER TABLE accounts ADD COLUMN size_limit INTEGER;
