-- Senders whose mail shows its remote images without asking (issue 23,
-- "always for this sender"), by normalized address.
CREATE TABLE remote_content_senders (
    address     TEXT NOT NULL PRIMARY KEY,
    created_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
