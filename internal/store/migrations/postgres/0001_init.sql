-- Gatehouse schema v1 (PostgreSQL). Timestamps are Unix milliseconds.
CREATE TABLE instance (
    id          TEXT PRIMARY KEY,
    created_at  BIGINT NOT NULL,
    settings    TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE signing_keys (
    kid             TEXT PRIMARY KEY,
    alg             TEXT NOT NULL,
    private_sealed  BYTEA NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('active', 'retired')),
    created_at      BIGINT NOT NULL,
    retired_at      BIGINT
);

CREATE TABLE secret_keys (
    id          TEXT PRIMARY KEY,
    hash        BYTEA NOT NULL UNIQUE,
    hint        TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
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
    banned                    BOOLEAN NOT NULL DEFAULT FALSE,
    locked                    BOOLEAN NOT NULL DEFAULT FALSE,
    lockout_until             BIGINT,
    failed_attempts           INTEGER NOT NULL DEFAULT 0,
    primary_email_address_id  TEXT,
    primary_phone_number_id   TEXT,
    last_sign_in_at           BIGINT,
    last_active_at            BIGINT,
    legal_accepted_at         BIGINT,
    delete_self_enabled       BOOLEAN NOT NULL DEFAULT TRUE,
    create_org_enabled        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at                BIGINT NOT NULL,
    updated_at                BIGINT NOT NULL
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
    verification_expire_at BIGINT,
    reserved               BOOLEAN NOT NULL DEFAULT FALSE,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL,
    CONSTRAINT identifications_value_norm_key UNIQUE (kind, value_norm)
);
CREATE INDEX identifications_user_id ON identifications (user_id);
