-- Task output in blocks: the chunks of one task stored together in one row, compressed (raw deflate, level 1).
-- A block is what one write of the hub's output writer stored for a task: usually one chunk under load, a few
-- small ones otherwise. Compressed, most blocks fit within a page instead of trailing an overflow chain, and the
-- database (and its WAL) take a fraction of the output's size.
--   chunks: per chunk, 11 bytes: stream (0 stdout, 1 stderr, 2 event), at (6 bytes, epoch ms), length (4 bytes);
--           big-endian. Chunk i of the block has seq first_seq + i; offsets follow on from `offset`.
--   codec:  0 the data as it is (too small or incompressible, or compression failed), 1 the data raw-deflated,
--           2 the data and the chunk table raw-deflated (blocks of many small chunks, merged once their task ended).
--   bytes:  the output's size (before compression).
CREATE TABLE output_blocks (
  task_id    TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  first_seq  INTEGER NOT NULL,
  last_seq   INTEGER NOT NULL,
  offset     INTEGER NOT NULL,
  bytes      INTEGER NOT NULL,
  codec      INTEGER NOT NULL CHECK (codec IN (0, 1, 2)),
  chunks     BLOB NOT NULL,
  data       BLOB NOT NULL,
  UNIQUE (task_id, last_seq)
);
-- Output stored so far, one chunk per block, as it is (it is compressed when a finished task's blocks are compacted).
INSERT INTO output_blocks (task_id, first_seq, last_seq, offset, bytes, codec, chunks, data)
  SELECT task_id, seq, seq, offset, length(CAST(data AS BLOB)), 0,
         unhex(printf('%02X%012X%08X', CASE stream WHEN 'stdout' THEN 0 WHEN 'stderr' THEN 1 ELSE 2 END, at, length(CAST(data AS BLOB)))),
         CAST(data AS BLOB)
    FROM task_output ORDER BY task_id, seq;
DROP TABLE task_output;
-- The disk a task's output takes (its blocks' data), for the size cap of retention and `pia status`.
ALTER TABLE tasks ADD COLUMN output_disk_bytes INTEGER NOT NULL DEFAULT 0;
UPDATE tasks SET output_disk_bytes = (SELECT coalesce(sum(length(data)) + sum(length(chunks)), 0) FROM output_blocks b WHERE b.task_id = tasks.id);
