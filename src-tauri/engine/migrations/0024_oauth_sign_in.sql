-- How an account signs in (password or oauth), the preset its settings came
-- from (its quirks: IMAP ID, Gmail's extensions, connection limits), and for
-- OAuth the authorization server and the app's client id there, which the
-- refresh of its tokens needs. The tokens themselves are in the keychain.
ALTER TABLE accounts ADD COLUMN sign_in TEXT NOT NULL DEFAULT 'password';
ALTER TABLE accounts ADD COLUMN provider TEXT;
ALTER TABLE accounts ADD COLUMN oauth_auth_url TEXT;
ALTER TABLE accounts ADD COLUMN oauth_token_url TEXT;
ALTER TABLE accounts ADD COLUMN oauth_client_id TEXT;
-- Space-separated, as OAuth writes scopes.
ALTER TABLE accounts ADD COLUMN oauth_scopes TEXT;
-- Accounts made before presets were recorded: Gmail's is known by its host
-- (it files sent mail itself, and has its own IMAP extensions).
UPDATE accounts SET provider = 'gmail' WHERE lower(imap_host) IN ('imap.gmail.com', 'imap.googlemail.com');
