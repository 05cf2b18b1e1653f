-- Which process is handing a message over, until when (Unix seconds): the
-- desktop app and the CLI may share a data dir, and each has only its own
-- in-process lock. A process claims a row before sending it, so two never
-- send the same message; a claim left by a killed process runs out.
ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;
