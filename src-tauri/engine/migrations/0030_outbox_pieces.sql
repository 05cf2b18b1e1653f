-- A message waiting in the outbox is kept in pieces of 1 MiB, as message
-- sources are (0020): neither sqlx nor SQLite then holds a whole message
-- with 25 MB of files at once, in either direction. `part` is the wire
-- message or its Sent copy (only when it differs: a Bcc). Rows queued
-- before this keep their whole blobs in outbox.wire and outbox.sent_copy.
-- Once the Sent copy is saved, the pieces go (the message is then stored
-- as any other in its Sent folder).
CREATE TABLE outbox_pieces (
    id          INTEGER PRIMARY KEY,
    outbox_id   INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    part        TEXT NOT NULL CHECK (part IN ('wire', 'copy')),
    seq         INTEGER NOT NULL,
    bytes       BLOB NOT NULL
) STRICT;
CREATE UNIQUE INDEX outbox_pieces_in_order ON outbox_pieces (outbox_id, part, seq);

-- Messages already sent and saved let go of their bytes.
UPDATE outbox SET wire = X'', sent_copy = X'' WHERE state = 'sent' AND saved = 1;
