-- The fleet registry: machines, their names, their credentials, and the audit log.

CREATE TABLE machines (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  hostname      TEXT,
  os            TEXT,
  arch          TEXT,
  cpus          INTEGER,
  memory_bytes  INTEGER,
  -- online | offline: is its worker linked and heartbeating right now
  status        TEXT NOT NULL DEFAULT 'offline' CHECK (status IN ('online', 'offline')),
  -- online | awake | off | unknown | waking | booting | starting
  power_state   TEXT NOT NULL DEFAULT 'unknown',
  power_state_at TEXT,
  power_evidence TEXT,
  last_seen     TEXT,
  -- the worker's full facts (interfaces, repos, agents), JSON
  facts         TEXT,
  -- MAC, IP, SSH user/port/host key, worker path, tags...: JSON validated by the Capabilities schema
  capabilities  TEXT NOT NULL DEFAULT '{}',
  created_at    TEXT NOT NULL
);

CREATE TABLE machine_aliases (
  alias       TEXT PRIMARY KEY,
  machine_id  INTEGER NOT NULL REFERENCES machines(id) ON DELETE CASCADE
);
CREATE INDEX machine_aliases_machine ON machine_aliases(machine_id);

-- Join tokens (single use, expiring) and per-machine secrets. Only SHA-256 hashes are stored.
CREATE TABLE machine_credentials (
  id            INTEGER PRIMARY KEY,
  machine_id    INTEGER REFERENCES machines(id) ON DELETE SET NULL,
  -- kept so a refusal can still name the machine after it was removed
  machine_name  TEXT NOT NULL,
  kind          TEXT NOT NULL CHECK (kind IN ('join', 'secret')),
  token_hash    TEXT NOT NULL UNIQUE,
  created_at    TEXT NOT NULL,
  expires_at    TEXT,
  used_at       TEXT,
  revoked_at    TEXT,
  last_used_at  TEXT
);
CREATE INDEX machine_credentials_machine ON machine_credentials(machine_id);

CREATE TABLE audit_log (
  id       INTEGER PRIMARY KEY,
  at       TEXT NOT NULL,
  actor    TEXT NOT NULL,
  action   TEXT NOT NULL,
  target   TEXT,
  outcome  TEXT NOT NULL,
  detail   TEXT,
  origin   TEXT
);
CREATE INDEX audit_log_at ON audit_log(at);
