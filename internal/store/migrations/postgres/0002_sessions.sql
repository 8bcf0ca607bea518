-- Clients, sessions, sign-in/sign-up attempts, one-time codes, handshake nonces (PostgreSQL).
CREATE TABLE clients (
    id                      TEXT PRIMARY KEY,
    token_hash              BYTEA NOT NULL UNIQUE,
    sign_in_id              TEXT,
    sign_up_id              TEXT,
    last_active_session_id  TEXT,
    created_at              BIGINT NOT NULL,
    updated_at              BIGINT NOT NULL
);

CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    client_id       TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status          TEXT NOT NULL,
    last_active_at  BIGINT NOT NULL,
    expire_at       BIGINT NOT NULL,
    abandon_at      BIGINT,
    factor1_at      BIGINT,
    factor2_at      BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX sessions_client_id ON sessions (client_id);
CREATE INDEX sessions_user_id ON sessions (user_id, status);

CREATE TABLE attempts (
    id          TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('sign_in', 'sign_up')),
    state       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    expire_at   BIGINT NOT NULL
);
CREATE INDEX attempts_client_id ON attempts (client_id);

CREATE TABLE codes (
    id            TEXT PRIMARY KEY,
    owner_id      TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    target        TEXT NOT NULL,
    code_hash     BYTEA NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL,
    expire_at     BIGINT NOT NULL,
    consumed_at   BIGINT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX codes_owner ON codes (owner_id, purpose);

CREATE TABLE handshake_nonces (
    nonce_hash  BYTEA PRIMARY KEY,
    directives  TEXT NOT NULL,
    expire_at   BIGINT NOT NULL
);
