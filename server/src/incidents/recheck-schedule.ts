/**
 * The re-check schedule (`evidence.recheckMinutes`): every open incident whose latest lookup answer is
 * older than the interval is re-checked — the lookup run again over the current heads — so the
 * checklist's sub-items tick (and un-tick) without anyone asking. Each re-check is claimed in the store
 * first (evidence.ts `claimRecheck`), so two bridges sharing one store run it once.
 */
import type { Logger } from '../logger';

export interface RecheckScheduleDeps {
  /** Re-checks what is due; resolves to how many ran (use-cases.ts `scheduledRechecks`). */
  run: (intervalMs: number) => Promise<number>;
  /** Keeps track of the pass in progress (so shutdown waits for it). */
  background: (task: Promise<unknown>) => void;
  logger: Logger;
  intervalMs: number;
  /** How often to look for due incidents (default: the interval, at most a minute). */
  pollMs?: number;
}

export class RecheckSchedule {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly deps: RecheckScheduleDeps) {}

  start(): void {
    if (this.deps.intervalMs <= 0) return;
    const poll = this.deps.pollMs ?? Math.min(this.deps.intervalMs, 60_000);
    this.timer = setInterval(() => this.tick(), poll);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass, unless one is still running (a long lookup does not pile passes up). */
  tick(): void {
    if (this.running || this.timer === undefined) return;
    this.running = true;
    this.deps.background(
      this.deps
        .run(this.deps.intervalMs)
        .catch((err: unknown) => this.deps.logger.error({ error: err instanceof Error ? err.message : String(err) }, 'scheduled re-check pass failed'))
        .finally(() => {
          this.running = false;
        }),
    );
  }
}
