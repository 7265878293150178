-- A caller's key for the request that created a task (mail: its Message-ID and the machine), so the same request
-- handled twice (after a crash, a replay) finds the tasks it made instead of making more.
ALTER TABLE tasks ADD COLUMN request_key TEXT;
CREATE UNIQUE INDEX tasks_request_key ON tasks(request_key) WHERE request_key IS NOT NULL;

-- The MAC a machine's worker reported on its default route (JSON {mac, interface}), kept beside its facts so the
-- fleet listing can show it without reading every machine's facts.
ALTER TABLE machines ADD COLUMN learned_mac TEXT;
