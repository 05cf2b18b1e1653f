-- Each account's signature (rich text, as HTML): inserted in new messages,
-- and above the quote in replies and forwards, unless left out.
CREATE TABLE signatures (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    html TEXT NOT NULL
);
