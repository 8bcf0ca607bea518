-- Gatehouse schema v1 (SQLite). Timestamps are Unix milliseconds.
CREATE TABLE instance (
    id          TEXT PRIMARY KEY,
    created_at  INTEGER NOT NULL,
    settings    TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE signing_keys (
    kid             TEXT PRIMARY KEY,
    alg             TEXT NOT NULL,
    private_sealed  BLOB NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('active', 'retired')),
    created_at      INTEGER NOT NULL,
    retired_at      INTEGER
);

CREATE TABLE secret_keys (
    id          TEXT PRIMARY KEY,
    hash        BLOB NOT NULL UNIQUE,
    hint        TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE TABLE users (
    id                        TEXT PRIMARY KEY,
    external_id               TEXT UNIQUE,
    username                  TEXT,
    username_norm             TEXT UNIQUE,
    first_name                TEXT,
    last_name                 TEXT,
    image_url                 TEXT NOT NULL DEFAULT '',
    password_digest           TEXT NOT NULL DEFAULT '',
    public_metadata           TEXT NOT NULL DEFAULT '{}',
    private_metadata          TEXT NOT NULL DEFAULT '{}',
    unsafe_metadata           TEXT NOT NULL DEFAULT '{}',
    banned                    INTEGER NOT NULL DEFAULT 0,
    locked                    INTEGER NOT NULL DEFAULT 0,
    lockout_until             INTEGER,
    failed_attempts           INTEGER NOT NULL DEFAULT 0,
    primary_email_address_id  TEXT,
    primary_phone_number_id   TEXT,
    last_sign_in_at           INTEGER,
    last_active_at            INTEGER,
    legal_accepted_at         INTEGER,
    delete_self_enabled       INTEGER NOT NULL DEFAULT 1,
    create_org_enabled        INTEGER NOT NULL DEFAULT 1,
    created_at                INTEGER NOT NULL,
    updated_at                INTEGER NOT NULL
);
CREATE INDEX users_created_at ON users (created_at);

CREATE TABLE identifications (
    id                     TEXT PRIMARY KEY,
    user_id                TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind                   TEXT NOT NULL CHECK (kind IN ('email_address', 'phone_number')),
    value                  TEXT NOT NULL,
    value_norm             TEXT NOT NULL,
    verification_status    TEXT NOT NULL,
    verification_strategy  TEXT NOT NULL,
    verification_attempts  INTEGER NOT NULL DEFAULT 0,
    verification_expire_at INTEGER,
    reserved               INTEGER NOT NULL DEFAULT 0,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL,
    CONSTRAINT identifications_value_norm_key UNIQUE (kind, value_norm)
);
CREATE INDEX identifications_user_id ON identifications (user_id);
