-- The email gateway: each inbound mail acts once; outbound mail waits in an outbox until sent.

CREATE TABLE mail_inbound (
  id           INTEGER PRIMARY KEY,
  mailbox      TEXT NOT NULL,
  uidvalidity  INTEGER NOT NULL,
  uid          INTEGER NOT NULL,
  message_id   TEXT,
  sender       TEXT,
  received_at  TEXT NOT NULL,
  -- task | command | refused | ignored | failed
  outcome      TEXT NOT NULL,
  detail       TEXT,
  -- flagged \Seen and moved to the done folder (done after the commit; redone if a crash came between)
  filed        INTEGER NOT NULL DEFAULT 0,
  UNIQUE (mailbox, uidvalidity, uid)
);
CREATE UNIQUE INDEX mail_inbound_message_id ON mail_inbound(message_id) WHERE message_id IS NOT NULL;

-- Message-IDs (received and sent) that belong to a task: a reply to any of them continues it.
CREATE TABLE mail_task_messages (
  message_id TEXT NOT NULL,
  task_id    TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  PRIMARY KEY (message_id, task_id)
);
CREATE INDEX mail_task_messages_task ON mail_task_messages(task_id);

-- Who started a task by mail, and how to answer: the result goes back into the same thread.
CREATE TABLE mail_task_origins (
  task_id     TEXT PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
  from_addr   TEXT NOT NULL,   -- the machine's own address
  reply_to    TEXT NOT NULL,   -- JSON array of addresses
  subject     TEXT NOT NULL,
  in_reply_to TEXT NOT NULL,   -- the Message-ID of the mail that asked
  refs        TEXT NOT NULL,   -- JSON array: the thread's References
  last_digest_at TEXT
);

CREATE TABLE mail_outbox (
  id              INTEGER PRIMARY KEY,
  kind            TEXT NOT NULL,   -- ack | result | digest | answer | refusal
  message_id      TEXT NOT NULL UNIQUE,
  from_addr       TEXT NOT NULL,
  to_addrs        TEXT NOT NULL,   -- JSON array
  subject         TEXT NOT NULL,
  in_reply_to     TEXT,
  refs            TEXT NOT NULL,   -- JSON array
  body            TEXT NOT NULL,
  attachment_name TEXT,
  attachment      TEXT,
  task_id         TEXT REFERENCES tasks(id) ON DELETE SET NULL,
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  last_error      TEXT,
  created_at      TEXT NOT NULL,
  sent_at         TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox(state, next_attempt_at);

-- Unknown senders get at most one short refusal a day.
CREATE TABLE mail_refusals (
  address  TEXT PRIMARY KEY,
  last_at  TEXT NOT NULL
);
