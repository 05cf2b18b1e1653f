-- How far back an account is synced (days; NULL: everything), counted by
-- the server's arrival time (INTERNALDATE), which each location now keeps
-- so that narrowing the window forgets here exactly what the server's
-- SEARCH SINCE leaves out. Locations stored before this have no arrival
-- time and are kept.
ALTER TABLE accounts ADD COLUMN history_days INTEGER;
ALTER TABLE message_folders ADD COLUMN arrived INTEGER;
