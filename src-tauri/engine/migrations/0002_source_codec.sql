-- Raw sources may be kept compressed: 'raw' as the server sent them, or
-- 'zstd' (a zstd frame that decompresses to exactly those bytes).
ALTER TABLE message_sources
    ADD COLUMN codec TEXT NOT NULL DEFAULT 'raw' CHECK (codec IN ('raw', 'zstd'));
