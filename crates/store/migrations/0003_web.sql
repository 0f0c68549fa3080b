-- camguard store schema, version 3: the dashboard and API (`camguard serve`).
-- Same conventions as 0001: portable SQL, UTC RFC 3339 text timestamps, JSON as text.
-- Secrets are never stored in the clear: passwords are argon2 PHC strings, session ids and
-- API tokens are stored as their SHA-256 (hex).

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,       -- argon2id PHC string
    role          TEXT    NOT NULL,       -- admin | auditor | viewer
    lang          TEXT    NOT NULL DEFAULT 'vi',
    created_at    TEXT    NOT NULL
);

CREATE TABLE sessions (
    id_hash    TEXT    PRIMARY KEY,       -- SHA-256 of the cookie value
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf       TEXT    NOT NULL,          -- synchronizer token
    created_at TEXT    NOT NULL,
    last_seen  TEXT    NOT NULL
);

CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    token_hash TEXT    NOT NULL UNIQUE,   -- SHA-256 of the token
    role       TEXT    NOT NULL,          -- at most the creator's role
    created_at TEXT    NOT NULL,
    last_used  TEXT
);

CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       TEXT    NOT NULL,
    username TEXT,                        -- NULL for an anonymous caller
    action   TEXT    NOT NULL,            -- e.g. login, login_failed, POST /api/v1/scans
    target   TEXT,
    remote   TEXT,
    outcome  TEXT    NOT NULL             -- HTTP status or ok/denied
);

CREATE TABLE login_failures (
    username TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE INDEX login_failures_user ON login_failures (username, at);

CREATE TABLE sites (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    address    TEXT    NOT NULL DEFAULT '',
    created_at TEXT    NOT NULL
);

CREATE TABLE systems (
    id             INTEGER PRIMARY KEY,
    site_id        INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    security_level INTEGER NOT NULL,      -- approved level (1..5, Decree 85/2016)
    owner          TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    UNIQUE (site_id, name)
);

CREATE TABLE scopes (
    id         INTEGER PRIMARY KEY,
    system_id  INTEGER NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    cidr       TEXT    NOT NULL,          -- authorised range, CIDR
    created_at TEXT    NOT NULL
);

CREATE TABLE scan_jobs (
    id           INTEGER PRIMARY KEY,
    system_id    INTEGER REFERENCES systems (id) ON DELETE SET NULL,
    targets      TEXT    NOT NULL,
    status       TEXT    NOT NULL,        -- queued | running | finished | failed | cancelled
    requested_by TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    finished_at  TEXT,
    scan_id      INTEGER,                 -- scans.id once the pipeline began
    hosts_done   INTEGER NOT NULL DEFAULT 0,
    error        TEXT
);

CREATE TABLE schedules (
    id         INTEGER PRIMARY KEY,
    system_id  INTEGER NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    targets    TEXT    NOT NULL,
    spec       TEXT    NOT NULL,          -- daily | weekly | monthly | 5-field cron
    next_run   TEXT    NOT NULL,
    created_by TEXT    NOT NULL,
    created_at TEXT    NOT NULL
);

CREATE TABLE attestations (
    id          INTEGER PRIMARY KEY,
    subject     TEXT    NOT NULL,         -- model:<vendor>/<model> or system:<id>
    baseline    TEXT    NOT NULL,
    provision   TEXT    NOT NULL,
    status      TEXT    NOT NULL,         -- pass | fail
    document    TEXT    NOT NULL,         -- reference to the documentary evidence
    note        TEXT    NOT NULL DEFAULT '',
    attested_by TEXT    NOT NULL,
    attested_at TEXT    NOT NULL
);
