-- Schedules: a command of the command language run at cron times, as its owner. Each firing is recorded before it
-- acts (its primary key makes a second firing of the same due time impossible), so a run happens at most once,
-- across restarts.
CREATE TABLE schedules (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  cron          TEXT NOT NULL,
  tz            TEXT NOT NULL,
  command       TEXT NOT NULL,           -- the command line as written
  owner         TEXT NOT NULL,           -- the identity it runs as (its role is checked at each firing)
  report        TEXT,                    -- where results go: slack:<channel>, discord:<channel>, mail:<address>; NULL: nowhere
  paused        INTEGER NOT NULL DEFAULT 0,
  paused_reason TEXT,
  next_run_at   INTEGER,                 -- epoch ms of the next due time; NULL while paused
  last_run_at   INTEGER,
  last_outcome  TEXT,
  created_at    TEXT NOT NULL,
  created_by    TEXT NOT NULL
);
CREATE INDEX schedules_due ON schedules(next_run_at) WHERE paused = 0;

CREATE TABLE schedule_runs (
  schedule_id INTEGER NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
  due_at      INTEGER NOT NULL,          -- the cron time this firing is for (epoch ms)
  fired_at    INTEGER NOT NULL,
  outcome     TEXT NOT NULL,             -- firing, started, refused, failed, missed, paused
  detail      TEXT,
  PRIMARY KEY (schedule_id, due_at)
) WITHOUT ROWID;
