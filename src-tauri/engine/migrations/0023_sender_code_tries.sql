-- Wrong confirmation codes typed for an accepted sender: after five, the
-- code no longer works and the sender must be added again (a new code),
-- so that an eight-digit code cannot be guessed by trying.
ALTER TABLE bcc_senders ADD COLUMN failed_tries INTEGER NOT NULL DEFAULT 0;
