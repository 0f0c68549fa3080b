-- camguard store schema, version 1.
-- Portable SQL: runs on SQLite (default) and is meant to run unchanged on PostgreSQL, except
-- that `INTEGER PRIMARY KEY` becomes an identity column there.
-- Timestamps are UTC RFC 3339 text with microseconds and a `Z` suffix (fixed width, so text
-- order is time order). JSON columns hold serde_json text.

CREATE TABLE scans (
    id            INTEGER PRIMARY KEY,
    started_at    TEXT    NOT NULL,
    finished_at   TEXT,
    targets       TEXT    NOT NULL,
    options       TEXT    NOT NULL,      -- JSON object of the scan options
    baseline      TEXT    NOT NULL,      -- baseline id, e.g. qcvn-11-2026
    hosts_scanned INTEGER                -- set by finish_scan
);

CREATE TABLE devices (
    id           INTEGER PRIMARY KEY,
    ip           TEXT    NOT NULL UNIQUE, -- one device per address for now
    first_seen   TEXT    NOT NULL,
    last_seen    TEXT    NOT NULL,
    last_scan_id INTEGER NOT NULL REFERENCES scans (id),
    vendor       TEXT,
    product      TEXT,
    model        TEXT,
    firmware     TEXT,
    device_type  TEXT,
    camera       INTEGER NOT NULL,        -- 0 / 1
    confidence   REAL    NOT NULL,
    serial       TEXT,
    rules        TEXT    NOT NULL         -- JSON array of matched fingerprint rule ids
);

CREATE TABLE observations (
    scan_id     INTEGER NOT NULL REFERENCES scans (id),
    device_id   INTEGER NOT NULL REFERENCES devices (id),
    observed_at TEXT    NOT NULL,
    camera      INTEGER NOT NULL,         -- identity.camera as concluded in this scan
    identity    TEXT    NOT NULL,         -- JSON Identity as concluded in this scan
    observation TEXT    NOT NULL,         -- JSON HostObservation
    PRIMARY KEY (scan_id, device_id)
);

CREATE TABLE endpoints (
    scan_id   INTEGER NOT NULL REFERENCES scans (id),
    device_id INTEGER NOT NULL REFERENCES devices (id),
    port      INTEGER NOT NULL,
    state     TEXT    NOT NULL,
    service   TEXT,
    reason    TEXT    NOT NULL,
    PRIMARY KEY (scan_id, device_id, port)
);

CREATE TABLE findings (
    id        INTEGER PRIMARY KEY,
    scan_id   INTEGER NOT NULL REFERENCES scans (id),
    device_id INTEGER NOT NULL REFERENCES devices (id),
    check_id  TEXT    NOT NULL,
    severity  TEXT    NOT NULL,
    port      INTEGER,
    summary   TEXT    NOT NULL,
    evidence  TEXT    NOT NULL            -- JSON, already redacted by the checks
);
CREATE INDEX findings_scan_device ON findings (scan_id, device_id);

CREATE TABLE verdicts (
    scan_id   INTEGER NOT NULL REFERENCES scans (id),
    device_id INTEGER NOT NULL REFERENCES devices (id),
    baseline  TEXT    NOT NULL,
    provision TEXT    NOT NULL,
    position  INTEGER NOT NULL,           -- order of the verdict in the record
    status    TEXT    NOT NULL,
    findings  TEXT    NOT NULL,           -- JSON array of cited check ids
    PRIMARY KEY (scan_id, device_id, baseline, provision)
);

CREATE TABLE checks_run (
    scan_id   INTEGER NOT NULL REFERENCES scans (id),
    device_id INTEGER NOT NULL REFERENCES devices (id),
    check_id  TEXT    NOT NULL,
    PRIMARY KEY (scan_id, device_id, check_id)
);
