-- Actions are replayed by the scheduler's foreground worker beside the
-- passes of the background worker. An action that failed for a reason that
-- may pass (not a refusal, not a lost connection) waits until
-- next_attempt_at (unix seconds) before it is tried again, and so do the
-- actions queued after it on the same message, whose order matters.
ALTER TABLE actions ADD COLUMN next_attempt_at INTEGER;
-- A pass asks which UIDs of a folder the user's moves took away (so as not
-- to fetch them back) and which have flag changes newer than its answer.
CREATE INDEX actions_by_folder ON actions (folder_id, uid);
-- The orphan sweep asks whether a message has an action under way.
CREATE INDEX actions_by_message ON actions (message_id);
