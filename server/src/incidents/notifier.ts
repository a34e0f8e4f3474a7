/**
 * The bridge's timer: finds milestones past their due time (the store remembers which were notified,
 * so a restart never notifies twice), and sends the outbox — every message a state change decided to
 * send — retrying with backoff until Mattermost takes it. A message that keeps failing is given up
 * after `maxAttempts` and reported in the incident channel (or the log when that is what fails).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger';
import type { OutboxRecord, Store } from '../store/store';
import { markOverdue } from './model';
import type { OutboxTransport } from './ports';

export interface NotifierDeps {
  store: Store;
  transport: OutboxTransport;
  clock: () => number;
  logger: Logger;
  /** The checklist post of an incident changed (overdue marks): re-render it. */
  onIncidentChanged: (incidentId: string) => void;
  onSent?: (kind: string, ok: boolean) => void;
  /** Surfaces a message given up on where people look (the incident channel). */
  onGivenUp?: (record: OutboxRecord, error: string) => Promise<void>;
  intervalMs?: number;
  maxAttempts?: number;
  retryBaseMs?: number;
  /** How long a claimed message is reserved for this bridge before another may take it (ms). */
  leaseMs?: number;
}

/** The key a delivered message carries (in its post's props): the same on every bridge and every retry. */
export function outboxKey(record: Pick<OutboxRecord, 'id' | 'createdAt'>): string {
  return `${record.id}-${record.createdAt}`;
}

export class Notifier {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** Who claims outbox messages: unique per running bridge. */
  private readonly owner = randomBytes(8).toString('hex');

  constructor(private readonly deps: NotifierDeps) {}

  start(): void {
    const interval = this.deps.intervalMs ?? 10_000;
    this.timer = setInterval(() => void this.tick(), interval);
    this.timer.unref();
    void this.tick();
  }

  /** Stops the timer and waits for the pass in progress (so a restart never sends the same message twice). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Runs one pass now (or once more after the pass in progress); resolves when done. */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.checkOverdue();
          await this.drain();
        } while (this.again && !this.stopped);
      } catch (err) {
        this.deps.logger.error({ error: err instanceof Error ? err.message : String(err) }, 'notifier pass failed');
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async checkOverdue(): Promise<void> {
    const now = this.deps.clock();
    for (const incidentId of await this.deps.store.incidentsWithOverdue(now)) {
      // One transaction with the incident locked: on two bridges, only the first marks and notifies.
      const t = await this.deps.store.apply(incidentId, (incident) => markOverdue(incident, now));
      if (t.ok && t.changed) this.deps.onIncidentChanged(incidentId);
    }
  }

  private async drain(): Promise<void> {
    const maxAttempts = this.deps.maxAttempts ?? 8;
    const base = this.deps.retryBaseMs ?? 2000;
    const lease = this.deps.leaseMs ?? 60_000;
    while (!this.stopped) {
      const batch = await this.deps.store.claimOutbox(this.owner, this.deps.clock(), lease, 20);
      if (batch.length === 0) return;
      for (const record of batch) {
        try {
          // Claimed before (by a bridge that died, or a send that failed after Mattermost may have taken
          // it): the transport looks for the post carrying this key before posting again.
          const postId = await this.deps.transport.deliver(record.message, outboxKey(record), { mayExist: record.claims > 1, since: record.createdAt });
          await this.deps.store.markSent(record.id, this.deps.clock(), postId);
          this.deps.onSent?.(record.message.kind, true);
        } catch (err) {
          const error = err instanceof Error ? err.message : String(err);
          const attempts = record.attempts + 1;
          this.deps.onSent?.(record.message.kind, false);
          this.deps.logger.warn({ outboxId: record.id, kind: record.message.kind, attempts, error }, 'notification not sent');
          if (attempts >= maxAttempts) {
            await this.deps.store.markAttemptFailed(record.id, error, null, this.deps.clock());
            this.deps.logger.error({ outboxId: record.id, kind: record.message.kind, error }, 'notification given up');
            await this.deps.onGivenUp?.(record, error).catch(() => undefined);
          } else {
            await this.deps.store.markAttemptFailed(record.id, error, this.deps.clock() + base * 2 ** (attempts - 1), this.deps.clock());
          }
        }
      }
    }
  }
}
