-- Nothing reads a conversation's first date or newest message id (the list
-- picks its snippet among the messages it shows, migration 0008), so they
-- are no longer kept up to date on every stored batch.
ALTER TABLE threads DROP COLUMN first_date;
ALTER TABLE threads DROP COLUMN last_message;
