-- Chat-ops: who may do what, and which chat threads follow which tasks.

CREATE TABLE users (
  identity  TEXT PRIMARY KEY,     -- slack:U123, discord:4567, email:ada@example.com
  role      TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  added_by  TEXT NOT NULL,
  added_at  TEXT NOT NULL
);

-- A thread PIA started for a command, and the tasks it reports: a reply there continues them.
CREATE TABLE chat_thread_tasks (
  platform   TEXT NOT NULL,
  channel    TEXT NOT NULL,
  thread     TEXT NOT NULL,
  task_id    TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  PRIMARY KEY (platform, channel, thread, task_id)
);
CREATE INDEX chat_thread_tasks_task ON chat_thread_tasks(task_id);
