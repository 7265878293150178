-- Task output rows are large (up to 64 KB of text). A WITHOUT ROWID table keeps its rows in an index b-tree,
-- where only a small part of a row stays in the page and the rest becomes a long overflow chain: about half of
-- the hub's CPU went into writing those. An ordinary rowid table stores big rows far better; (task_id, seq)
-- stays unique through its own small index, so replayed chunks are still ignored.
CREATE TABLE task_output_rows (
  task_id  TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  seq      INTEGER NOT NULL,
  offset   INTEGER NOT NULL,
  stream   TEXT NOT NULL CHECK (stream IN ('stdout', 'stderr', 'event')),
  data     TEXT NOT NULL,
  at       INTEGER NOT NULL,
  UNIQUE (task_id, seq)
);
INSERT INTO task_output_rows (task_id, seq, offset, stream, data, at) SELECT task_id, seq, offset, stream, data, at FROM task_output ORDER BY task_id, seq;
DROP TABLE task_output;
ALTER TABLE task_output_rows RENAME TO task_output;
