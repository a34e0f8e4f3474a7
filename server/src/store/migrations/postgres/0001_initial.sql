-- CI Exposure bridge store on PostgreSQL, version 1: the same tables as the SQLite store (version 2),
-- shared by every bridge that points at this database.
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE commands (
  team_id    TEXT PRIMARY KEY,
  team_name  TEXT NOT NULL,
  command_id TEXT NOT NULL,
  token      TEXT NOT NULL
);

CREATE TABLE incidents (
  id                  TEXT PRIMARY KEY,
  team_id             TEXT NOT NULL,
  channel_id          TEXT,
  channel_name        TEXT,
  name                TEXT NOT NULL,
  kind                TEXT NOT NULL,
  target_type         TEXT NOT NULL CHECK (target_type IN ('indicator', 'component')),
  target              TEXT NOT NULL,
  severity            TEXT NOT NULL,
  status              TEXT NOT NULL CHECK (status IN ('starting', 'open', 'closed')),
  started_at          BIGINT NOT NULL,
  closed_at           BIGINT,
  close_summary       TEXT,
  started_by_id       TEXT NOT NULL,
  started_by_username TEXT NOT NULL,
  owner_id            TEXT,
  owner_username      TEXT,
  checklist_post_id   TEXT,
  last_update         TEXT,
  exposure            TEXT,
  revision            INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX incidents_channel ON incidents(channel_id) WHERE channel_id IS NOT NULL;

CREATE TABLE milestones (
  incident_id       TEXT NOT NULL REFERENCES incidents(id),
  position          INTEGER NOT NULL,
  milestone_id      TEXT NOT NULL,
  title             TEXT NOT NULL,
  action_id         TEXT NOT NULL,
  due_at            BIGINT,
  done              INTEGER NOT NULL DEFAULT 0,
  done_at           BIGINT,
  done_by_id        TEXT,
  done_by_username  TEXT,
  assignee_id       TEXT,
  assignee_username TEXT,
  notified_at       BIGINT,
  PRIMARY KEY (incident_id, position)
);
CREATE INDEX milestones_due ON milestones(due_at) WHERE done = 0 AND notified_at IS NULL AND due_at IS NOT NULL;

CREATE TABLE timeline (
  seq              BIGSERIAL PRIMARY KEY,
  incident_id      TEXT NOT NULL REFERENCES incidents(id),
  at               BIGINT NOT NULL,
  kind             TEXT NOT NULL,
  actor_id         TEXT,
  actor_username   TEXT,
  text             TEXT NOT NULL,
  ref              TEXT
);
CREATE INDEX timeline_incident ON timeline(incident_id, seq);
CREATE UNIQUE INDEX timeline_ref ON timeline(incident_id, kind, ref) WHERE ref IS NOT NULL;

CREATE TABLE outbox (
  id              BIGSERIAL PRIMARY KEY,
  incident_id     TEXT,
  kind            TEXT NOT NULL,
  payload         TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  sent_at         BIGINT,
  failed_at       BIGINT,
  last_error      TEXT,
  claims          INTEGER NOT NULL DEFAULT 0,
  claimed_by      TEXT,
  claim_until     BIGINT,
  post_id         TEXT
);
CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
