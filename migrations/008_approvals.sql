-- Approvals: an agent waits for a person (a tool use, a question, a plan). The first answer settles it; pending ones
-- survive a hub restart and are answered, or time out, from here.
CREATE TABLE approvals (
  id           TEXT PRIMARY KEY,    -- the short code people type: approve 4kq2mf
  task_id      TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  machine_name TEXT NOT NULL,
  request_id   TEXT NOT NULL,       -- the worker's (the agent's) id of the request
  kind         TEXT NOT NULL CHECK (kind IN ('tool', 'question', 'plan')),
  tool         TEXT NOT NULL,
  summary      TEXT NOT NULL,
  detail       TEXT,
  questions    TEXT,                -- JSON, the agent's questions
  can_always   INTEGER NOT NULL DEFAULT 0,
  state        TEXT NOT NULL CHECK (state IN ('pending', 'allowed', 'denied', 'timed_out', 'withdrawn')),
  scope        TEXT CHECK (scope IN ('once', 'task', 'always')),
  answers      TEXT,                -- JSON, answers to its questions
  reason       TEXT,                -- why it was denied or withdrawn
  decided_by   TEXT,
  created_at   TEXT NOT NULL,
  expires_at   TEXT NOT NULL,
  decided_at   TEXT,
  applied_at   TEXT,                -- the worker passed the answer to the agent
  UNIQUE (task_id, request_id)
);
CREATE INDEX approvals_state ON approvals(state, expires_at);
CREATE INDEX approvals_task ON approvals(task_id);

-- How much a task's agent may do without asking: plan, ask, edits, full (NULL: ask).
ALTER TABLE tasks ADD COLUMN mode TEXT CHECK (mode IN ('plan', 'ask', 'edits', 'full'));
