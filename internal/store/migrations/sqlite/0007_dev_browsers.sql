-- Dev browsers (SQLite): development-mode browser identities for apps that
-- cannot keep the __client cookie (docs/design-nextjs.md §2.3, §5). Only the
-- SHA-256 of the dvb_ bearer token is stored. A dev browser has at most one
-- client, bound lazily; deleting the client unbinds it. expire_at is the
-- idle deadline (moved on use), capped at created_at + the absolute lifetime.
CREATE TABLE dev_browsers (
    id            TEXT PRIMARY KEY,
    token_hash    BLOB NOT NULL UNIQUE,
    client_id     TEXT REFERENCES clients (id) ON DELETE SET NULL,
    origin        TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER NOT NULL,
    expire_at     INTEGER NOT NULL
);
CREATE INDEX dev_browsers_client_id ON dev_browsers (client_id);
CREATE INDEX dev_browsers_expire_at ON dev_browsers (expire_at);
