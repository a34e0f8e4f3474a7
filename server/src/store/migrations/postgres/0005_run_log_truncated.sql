-- Version 5 (SQLite version 6): a log reading's `truncated` — the log was longer than the reader's cap
-- (64 MB) and was not read past it: its sha256 and bytes are of the first bytes read only (1), or it was
-- read whole (0, every reading kept before this version).
ALTER TABLE run_logs ADD COLUMN truncated SMALLINT NOT NULL DEFAULT 0 CHECK (truncated IN (0, 1));
