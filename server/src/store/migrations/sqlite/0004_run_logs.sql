-- Version 4: what the run evidence read of each job log, per incident — kept because logs expire (90 days
-- by default) and responders delete them. Never the whole log, never a secret value: the log's sha256 and
-- size when it was read, the lines matched (the runner's `Download action repository … (SHA:…)` lines,
-- JSON [{line, text}]) and where a payload's print was (JSON [{line, length}], never the print). The first
-- reading of a log is kept; gone_at / gone_status say when a later read found it gone (HTTP 404/410).
CREATE TABLE run_logs (
  incident_id   TEXT NOT NULL REFERENCES incidents(id),
  repo          TEXT NOT NULL,
  job_id        INTEGER NOT NULL,
  url           TEXT NOT NULL,
  sha256        TEXT NOT NULL CHECK (length(sha256) = 64),
  bytes         INTEGER NOT NULL,
  read_at       INTEGER NOT NULL,
  lines         TEXT NOT NULL,
  payload_lines TEXT NOT NULL,
  gone_at       INTEGER,
  gone_status   INTEGER,
  PRIMARY KEY (incident_id, repo, job_id)
);
