-- Mission Control: one-time sign-in links and the browser sessions they open. Only hashes of the secrets are kept.

-- A link from `pia dashboard` (or the console's `dashboard`, or `npm start`): used once, within minutes.
CREATE TABLE web_links (
  token_hash  TEXT PRIMARY KEY,
  identity    TEXT NOT NULL,          -- whose session it opens: admin-token, console:ada, slack:U123, ...
  role        TEXT CHECK (role IN ('viewer', 'operator', 'admin')),  -- at most this role; NULL: the identity's own
  created_by  TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  expires_at  TEXT NOT NULL,
  used_at     TEXT
);

-- A signed-in browser. The cookie holds the id; the page sends the CSRF token with every change.
CREATE TABLE web_sessions (
  id_hash     TEXT PRIMARY KEY,
  identity    TEXT NOT NULL,
  role        TEXT CHECK (role IN ('viewer', 'operator', 'admin')),
  csrf_token  TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  expires_at  TEXT NOT NULL,
  seen_at     TEXT NOT NULL,
  ended_at    TEXT
);
CREATE INDEX web_sessions_expires ON web_sessions(expires_at);
