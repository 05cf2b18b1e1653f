-- Finding a message by its Message-ID header goes through thread_refs,
-- which holds every Message-ID a conversation knows (a message's own
-- included). The second index on the same text was one more random-order
-- index every stored message had to update.
DROP INDEX messages_by_message_id;
