-- Tasks: work a machine does with an agent (run, deploy) or a command (shell), and its output.

CREATE TABLE tasks (
  id             TEXT PRIMARY KEY,
  machine_id     INTEGER REFERENCES machines(id) ON DELETE SET NULL,
  machine_name   TEXT NOT NULL,
  kind           TEXT NOT NULL CHECK (kind IN ('run', 'deploy', 'shell')),
  state          TEXT NOT NULL CHECK (state IN ('queued', 'dispatched', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'lost')),
  prompt         TEXT,
  agent          TEXT,
  argv           TEXT,           -- JSON array, shell tasks
  repo_url       TEXT,
  repo_ref       TEXT,
  workspace      TEXT,           -- folder name under the worker's workspace root
  workspace_path TEXT,           -- where it ran, as the worker reported
  parent_id      TEXT REFERENCES tasks(id) ON DELETE SET NULL,
  deploy_id      TEXT,           -- tasks fanned out by one deploy share it
  resume_session TEXT,
  session_id     TEXT,           -- the agent's session, when it reports one
  requester      TEXT NOT NULL,
  origin         TEXT NOT NULL,  -- JSON {kind, ref}
  timeout_s      REAL NOT NULL,
  created_at     TEXT NOT NULL,
  expires_at     TEXT,           -- a queued task not dispatched by then fails
  dispatched_at  TEXT,
  started_at     TEXT,
  finished_at    TEXT,
  exit_code      INTEGER,
  error          TEXT,
  summary        TEXT,
  cost_usd       REAL,
  cancel_requested_by TEXT,
  cancelled_by   TEXT,
  output_seq     INTEGER NOT NULL DEFAULT 0,  -- highest contiguous output chunk stored
  output_bytes   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tasks_machine_state ON tasks(machine_id, state, created_at);
CREATE INDEX tasks_state ON tasks(state, created_at);
CREATE INDEX tasks_deploy ON tasks(deploy_id);

CREATE TABLE task_output (
  task_id  TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  seq      INTEGER NOT NULL,
  offset   INTEGER NOT NULL,
  stream   TEXT NOT NULL CHECK (stream IN ('stdout', 'stderr', 'event')),
  data     TEXT NOT NULL,
  at       INTEGER NOT NULL,
  PRIMARY KEY (task_id, seq)
) WITHOUT ROWID;
