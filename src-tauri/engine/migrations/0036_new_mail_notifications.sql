-- Desktop notifications for new mail, switched per account (issue 24);
-- on unless the user turns them off.
ALTER TABLE accounts ADD COLUMN notify_new_mail INTEGER NOT NULL DEFAULT 1 CHECK (notify_new_mail IN (0, 1));
