-- Audit log of security events (sqlite). No secrets: never passwords, codes,
-- tokens or keys; ip and user_agent come from the request.
CREATE TABLE audit_events (
    id          TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    user_id     TEXT,
    session_id  TEXT,
    ip          TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL
);
CREATE INDEX audit_events_created ON audit_events (created_at);
CREATE INDEX audit_events_user ON audit_events (user_id, created_at);
CREATE INDEX audit_events_type ON audit_events (type, created_at);
