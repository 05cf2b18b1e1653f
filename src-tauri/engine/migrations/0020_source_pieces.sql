-- A large message's source is kept in pieces of a megabyte, each packed on
-- its own ('raw' or 'zstd', as in message_sources), so that storing or
-- reading it never binds the whole source at once. Such a message has no
-- row in message_sources; its pieces join back in `seq` order.
CREATE TABLE message_source_pieces (
    message_id  INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    codec       TEXT NOT NULL CHECK (codec IN ('raw', 'zstd')),
    raw         BLOB NOT NULL,
    PRIMARY KEY (message_id, seq)
) STRICT;
