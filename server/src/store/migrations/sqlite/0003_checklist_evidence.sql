-- Version 3: a checklist that checks itself. A tick is a person's (done_by_*) or the evidence's
-- (verified_source: `verified by <source>` at done_at, verified_post_id: the post carrying it); evidence
-- holds the latest reading (JSON: state, source, at, reason); override_* says a person set the state by
-- hand (evidence no longer changes it). Sub-items (one per affected repository, per exposed secret) are
-- rows of milestone_items; the incident's lookup answers are its evidence column (JSON).
ALTER TABLE incidents ADD COLUMN evidence TEXT;

ALTER TABLE milestones ADD COLUMN verified_source TEXT;
ALTER TABLE milestones ADD COLUMN verified_post_id TEXT;
ALTER TABLE milestones ADD COLUMN evidence TEXT;
ALTER TABLE milestones ADD COLUMN override_by_id TEXT;
ALTER TABLE milestones ADD COLUMN override_by_username TEXT;
ALTER TABLE milestones ADD COLUMN override_at INTEGER;

CREATE TABLE milestone_items (
  incident_id          TEXT NOT NULL REFERENCES incidents(id),
  -- The milestone's position (as milestones.position).
  position             INTEGER NOT NULL,
  item_id              TEXT NOT NULL,
  -- Order within the milestone (what `check N.M` names, from 0).
  item_position        INTEGER NOT NULL,
  kind                 TEXT NOT NULL CHECK (kind IN ('repository', 'secret')),
  label                TEXT NOT NULL,
  secret_store         TEXT,
  secret_scope         TEXT,
  secret_repo          TEXT,
  owners               TEXT,
  done                 INTEGER NOT NULL DEFAULT 0,
  done_at              INTEGER,
  done_by_id           TEXT,
  done_by_username     TEXT,
  verified_source      TEXT,
  verified_post_id     TEXT,
  evidence             TEXT,
  override_by_id       TEXT,
  override_by_username TEXT,
  override_at          INTEGER,
  PRIMARY KEY (incident_id, position, item_id)
);
CREATE UNIQUE INDEX milestone_items_order ON milestone_items(incident_id, position, item_position);
