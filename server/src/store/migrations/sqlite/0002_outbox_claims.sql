-- Version 2: outbox messages are claimed before they are sent (a lease, so that a bridge that dies
-- mid-send gives them back), counted (a message claimed twice may already have been posted: the
-- sender looks for it before posting again), and the post that carried a message is remembered.
ALTER TABLE outbox ADD COLUMN claims INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claim_until INTEGER;
ALTER TABLE outbox ADD COLUMN post_id TEXT;
