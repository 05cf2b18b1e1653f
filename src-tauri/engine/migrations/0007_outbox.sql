-- Messages the user sent, from the moment they press Send until the SMTP
-- server took them and (where the provider does not do it itself) a copy
-- sits in the account's Sent folder. A row is written before the first
-- byte goes out, so a message that could not be handed over (offline, a
-- server answering "try later") waits here and is sent by a later pass,
-- across restarts; it is never lost and never sent twice once accepted.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    message_id    TEXT NOT NULL,            -- the Message-ID header, without <>
    envelope_from TEXT NOT NULL,
    recipients    TEXT NOT NULL,            -- JSON array of addresses (to, cc and bcc)
    wire          BLOB NOT NULL,            -- what goes to the SMTP server (no Bcc header)
    sent_copy     BLOB NOT NULL,            -- what goes to the Sent folder (with Bcc)
    state         TEXT NOT NULL DEFAULT 'queued'
                  CHECK (state IN ('queued', 'sent', 'failed')),
    saved         INTEGER NOT NULL DEFAULT 0,  -- 1 once the Sent copy is stored (or not needed)
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    created_at    INTEGER NOT NULL,
    sent_at       INTEGER
) STRICT;
CREATE INDEX outbox_waiting ON outbox (account_id, id) WHERE state = 'queued' OR (state = 'sent' AND saved = 0);
