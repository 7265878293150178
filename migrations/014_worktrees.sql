-- A worktree and a branch per task: whether the task pushes its branch when it succeeds, whose worktree a follow-up
-- works in, and the branch at the task's end as the worker reported it (JSON: branch, base, diffstat, commits, push).
ALTER TABLE tasks ADD COLUMN push INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN worktree_of TEXT;
ALTER TABLE tasks ADD COLUMN worktree TEXT;
