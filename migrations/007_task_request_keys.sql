-- A caller's key for the request that created a task (mail: its Message-ID and the machine), so the same request
-- handled twice (after a crash, a replay) finds the tasks it made instead of making more.
ALTER TABLE tasks ADD COLUMN request_key TEXT;
CREATE UNIQUE INDEX tasks_request_key ON tasks(request_key) WHERE request_key IS NOT NULL;
