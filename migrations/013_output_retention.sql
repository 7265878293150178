-- Retention of task output (PIA_OUTPUT_KEEP_DAYS, PIA_OUTPUT_MAX_GB, `pia tasks prune`): a finished task's output
-- may be removed, oldest first; the task itself stays, with when its output went.
ALTER TABLE tasks ADD COLUMN output_pruned_at TEXT;
-- Finished tasks that still have output, oldest first: what retention looks at.
CREATE INDEX tasks_output_kept ON tasks(finished_at) WHERE output_disk_bytes > 0;
