-- Gmail (X-GM-EXT-1): a message's identity across labels (X-GM-MSGID), by
-- which a message already stored is placed in another label's folder
-- without its body being fetched again, and its labels (X-GM-LABELS, a JSON
-- array of the server's names). The thread id (X-GM-THRID) joins the
-- conversation keys in thread_refs as "x-gm-thrid:<id>".
ALTER TABLE messages ADD COLUMN gm_msgid INTEGER;
ALTER TABLE messages ADD COLUMN gm_labels TEXT;
CREATE INDEX messages_gm_msgid ON messages (account_id, gm_msgid) WHERE gm_msgid IS NOT NULL;
