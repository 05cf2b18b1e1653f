-- The local CRM (F-LINK): persons, organizations, deals, leads, projects,
-- and the links between them and emails.

CREATE TABLE organizations (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    created_at     INTEGER NOT NULL
) STRICT;

-- Web/mail domains of an organization, normalized (lower case, IDN in its
-- ASCII form), used to pre-fill the organization of a person made from an
-- email.
CREATE TABLE organization_domains (
    domain         TEXT NOT NULL,
    org_id         INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    PRIMARY KEY (domain, org_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX organization_domains_by_org ON organization_domains (org_id);

CREATE TABLE persons (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    phone          TEXT NOT NULL DEFAULT '',
    org_id         INTEGER REFERENCES organizations (id) ON DELETE SET NULL,
    created_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX persons_by_org ON persons (org_id);

-- An address belongs to at most one person: that is what makes "duplicates
-- by email address are merged" and unambiguous linking possible. `address`
-- is normalized exactly as message_addresses.address is.
CREATE TABLE person_addresses (
    address        TEXT NOT NULL PRIMARY KEY,
    person_id      INTEGER NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;
CREATE INDEX person_addresses_by_person ON person_addresses (person_id, position);

-- Money is kept in minor units (cents) with its ISO 4217 currency code.
CREATE TABLE deals (
    id             INTEGER PRIMARY KEY,
    title          TEXT NOT NULL,
    value_minor    INTEGER,
    currency       TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost')),
    person_id      INTEGER REFERENCES persons (id) ON DELETE SET NULL,
    org_id         INTEGER REFERENCES organizations (id) ON DELETE SET NULL,
    expected_close TEXT,               -- YYYY-MM-DD
    created_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX deals_by_person ON deals (person_id, status);
CREATE INDEX deals_by_org ON deals (org_id);

CREATE TABLE leads (
    id             INTEGER PRIMARY KEY,
    title          TEXT NOT NULL,
    value_minor    INTEGER,
    currency       TEXT NOT NULL DEFAULT '',
    person_id      INTEGER REFERENCES persons (id) ON DELETE SET NULL,
    org_id         INTEGER REFERENCES organizations (id) ON DELETE SET NULL,
    created_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX leads_by_person ON leads (person_id);
CREATE INDEX leads_by_org ON leads (org_id);

CREATE TABLE projects (
    id             INTEGER PRIMARY KEY,
    title          TEXT NOT NULL,
    person_id      INTEGER REFERENCES persons (id) ON DELETE SET NULL,
    org_id         INTEGER REFERENCES organizations (id) ON DELETE SET NULL,
    created_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX projects_by_person ON projects (person_id);
CREATE INDEX projects_by_org ON projects (org_id);

CREATE TABLE project_deals (
    project_id     INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    deal_id        INTEGER NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, deal_id)
) STRICT, WITHOUT ROWID;

-- An email linked to a CRM record, and why.
--   rule 'address'  the person has one of the email's From/To/Cc addresses
--        'only_one' the record (deal, lead, project) is the only open one of
--                   a person linked to the email (automatic mode)
--        'choice'   the user chose it for the conversation; it holds for the
--                   conversation's later emails too
--        'user'     the user linked it to this email
-- `linked` = 0 is a tombstone: the user unlinked it, and no rule may link it
-- again. Automatic links carry the address that caused them, so removing
-- an address from a person removes exactly those.
CREATE TABLE message_links (
    message_id     INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('person', 'org', 'deal', 'lead', 'project')),
    target_id      INTEGER NOT NULL,
    rule           TEXT NOT NULL CHECK (rule IN ('address', 'only_one', 'choice', 'user')),
    address        TEXT NOT NULL DEFAULT '',
    linked         INTEGER NOT NULL DEFAULT 1,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (message_id, kind, target_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX message_links_by_target ON message_links (kind, target_id, message_id);

-- A deal (lead, project) the user chose for a whole conversation, when
-- several open ones matched.
CREATE TABLE thread_choices (
    thread_id      INTEGER NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('deal', 'lead', 'project')),
    target_id      INTEGER NOT NULL,
    chosen_at      INTEGER NOT NULL,
    PRIMARY KEY (thread_id, kind)
) STRICT, WITHOUT ROWID;

-- Preferences that are not per account.
CREATE TABLE settings (
    key            TEXT NOT NULL PRIMARY KEY,
    value          TEXT NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO settings (key, value) VALUES ('link_deals', 'automatic');

-- Records that go away take their links with them.
CREATE TRIGGER persons_links_on_delete AFTER DELETE ON persons BEGIN
    DELETE FROM message_links WHERE kind = 'person' AND target_id = old.id;
END;
CREATE TRIGGER organizations_links_on_delete AFTER DELETE ON organizations BEGIN
    DELETE FROM message_links WHERE kind = 'org' AND target_id = old.id;
END;
CREATE TRIGGER deals_links_on_delete AFTER DELETE ON deals BEGIN
    DELETE FROM message_links WHERE kind = 'deal' AND target_id = old.id;
    DELETE FROM thread_choices WHERE kind = 'deal' AND target_id = old.id;
END;
CREATE TRIGGER leads_links_on_delete AFTER DELETE ON leads BEGIN
    DELETE FROM message_links WHERE kind = 'lead' AND target_id = old.id;
    DELETE FROM thread_choices WHERE kind = 'lead' AND target_id = old.id;
END;
CREATE TRIGGER projects_links_on_delete AFTER DELETE ON projects BEGIN
    DELETE FROM message_links WHERE kind = 'project' AND target_id = old.id;
    DELETE FROM thread_choices WHERE kind = 'project' AND target_id = old.id;
END;
