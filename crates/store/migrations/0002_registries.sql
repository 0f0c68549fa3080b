-- camguard store schema, version 2: registries of certified (conforming) and warned camera
-- models (`camguard registry import`). Same conventions as 0001: portable SQL, UTC RFC 3339
-- text timestamps, JSON as text.

-- One row per imported file: what was imported, from where, when.
CREATE TABLE registry_imports (
    id          INTEGER PRIMARY KEY,
    list        TEXT    NOT NULL CHECK (list IN ('certified', 'warned')),
    file_name   TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,         -- SHA-256 of the file's bytes (hex)
    format      TEXT    NOT NULL,         -- csv | json
    entries     INTEGER NOT NULL,
    imported_at TEXT    NOT NULL,
    replaced    INTEGER NOT NULL DEFAULT 0 -- 1: this import replaced the list's earlier entries
);

-- The current entries of each list; each names the import it came from.
CREATE TABLE registry_entries (
    id        INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES registry_imports (id),
    list      TEXT    NOT NULL CHECK (list IN ('certified', 'warned')),
    position  INTEGER NOT NULL,           -- order within the import
    vendor    TEXT    NOT NULL,
    model     TEXT    NOT NULL,
    variants  TEXT    NOT NULL,           -- JSON array of patterns
    reference TEXT,                       -- certificate / notice id
    issuer    TEXT,
    date      TEXT,                       -- YYYY-MM-DD
    source    TEXT    NOT NULL,
    note      TEXT
);

CREATE INDEX registry_entries_list ON registry_entries (list, import_id, position);
