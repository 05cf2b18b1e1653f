-- What the user chose to sync for each account (Preferences > Email sync):
-- every folder, or only the folders marked chosen. Choosing never touches
-- the server; folders left out are forgotten here.
ALTER TABLE accounts ADD COLUMN sync_all_folders INTEGER NOT NULL DEFAULT 1;
ALTER TABLE folders ADD COLUMN chosen INTEGER NOT NULL DEFAULT 0;
