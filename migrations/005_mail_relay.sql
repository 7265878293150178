-- Machine to machine: an agent hands work to another machine by mail (`pia mail m3 "..."` on its worker). The hub
-- sends the mail From the asking machine To the other; the other's task answers in that thread; the answer is
-- handed back to the asking agent (or continues its session when it has finished).

CREATE TABLE mail_relays (
  message_id     TEXT PRIMARY KEY,             -- the relay mail's Message-ID (also in mail_outbox, kind 'relay')
  origin_task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  from_machine   TEXT NOT NULL,
  to_machine     TEXT NOT NULL,
  requester      TEXT NOT NULL,                -- who asked the origin task: the relay acts on their behalf
  depth          INTEGER NOT NULL,             -- 1 for a relay from a task a person asked; +1 per hop
  text           TEXT NOT NULL,
  target_task_id TEXT REFERENCES tasks(id) ON DELETE SET NULL,
  -- sent: on its way | started: the target's task exists | answered: its result came back | refused: not started
  state          TEXT NOT NULL DEFAULT 'sent' CHECK (state IN ('sent', 'started', 'answered', 'refused')),
  result_state   TEXT,                          -- the target task's final state
  result_text    TEXT,                          -- the result mail's text, as the asking agent gets it
  -- the answer reached the asking agent (it waited) or continued its session: never twice
  collected      INTEGER NOT NULL DEFAULT 0,
  created_at     TEXT NOT NULL,
  answered_at    TEXT
);
CREATE INDEX mail_relays_origin ON mail_relays(origin_task_id);
CREATE INDEX mail_relays_target ON mail_relays(target_task_id);
