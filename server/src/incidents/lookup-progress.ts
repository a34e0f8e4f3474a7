/**
 * The exposure lookup's progress post in the incident channel: ONE post, posted when the lookup starts,
 * edited as it goes — at most every `intervalMs` (3 s by default; the latest count is always the one
 * shown, a quieter moment sends it) — and edited a last time: "done in N s" or "failed: …". Best effort:
 * a chat failure is handed to `onError` (logged), never fails the lookup. Edits go out one at a time,
 * in order.
 */
import type { LookupPartial, LookupProgress } from './lookup';
import { escapeMarkdown } from '../markdown';

export const PROGRESS_INTERVAL_MS = 3000;

const n = (x: number): string => x.toLocaleString('en-US');
const seconds = (ms: number): string => `${Math.max(0, Math.floor(ms / 1000))} s`;

/** `Exposure lookup: 3,200 / 10,000 repositories · 41 s` (the total once every source has said it). */
export function progressLine(p: LookupProgress, elapsedMs: number): string {
  const of = p.total ?? (p.listed > 0 ? p.listed : undefined);
  const count = of === undefined ? `${n(p.read)} ${p.read === 1 ? 'repository' : 'repositories'}` : `${n(p.read)} / ${n(of)} repositories`;
  return `Exposure lookup: ${count}${p.stage ? ` · ${escapeMarkdown(p.stage)}` : ''} · ${seconds(elapsedMs)}`;
}

/** The last edit of a lookup that answered: `Exposure lookup: done in 41 s · 12 repositories (partial: 1 repository not read)`. */
export function doneLine(elapsedMs: number, repos: number, partial: LookupPartial | undefined): string {
  const head = `Exposure lookup: done in ${seconds(elapsedMs)} · ${n(repos)} ${repos === 1 ? 'repository' : 'repositories'} read`;
  if (!partial) return head;
  const what = partial.notRead.length > 0 ? `${n(partial.notRead.length)} ${partial.notRead.length === 1 ? 'repository' : 'repositories'} not read` : 'stopped at the time limit';
  return `${head} · partial: ${what} (see the report)`;
}

/** The last edit of a lookup that failed (`reason` already Markdown-safe). */
export function failedLine(elapsedMs: number, reason: string): string {
  return `Exposure lookup: failed: ${reason} (after ${seconds(elapsedMs)})`;
}

export interface ProgressPostOptions {
  /** Posts (first call) or edits the post; `last`: the final edit. */
  send(text: string, last: boolean): Promise<void>;
  clock: () => number;
  intervalMs?: number;
  onError(err: unknown): void;
}

export class ProgressPost {
  private readonly startedAt: number;
  private readonly intervalMs: number;
  private lastSentAt = -Infinity;
  private pending: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly o: ProgressPostOptions) {
    this.startedAt = o.clock();
    this.intervalMs = o.intervalMs ?? PROGRESS_INTERVAL_MS;
  }

  /** Milliseconds since the lookup started. */
  elapsed(): number {
    return this.o.clock() - this.startedAt;
  }

  /** Posts the progress post now. */
  begin(): void {
    this.pending = 'Exposure lookup: reading the sources · 0 s';
    this.flush();
  }

  /** The lookup's latest count: shown now if the last edit is `intervalMs` old, else when it is. */
  update(progress: LookupProgress): void {
    if (this.closed) return;
    this.pending = progressLine(progress, this.elapsed());
    if (this.timer !== undefined) return;
    const wait = this.lastSentAt + this.intervalMs - this.o.clock();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  /** The final edit, after any edit under way; resolves when it is done (or failed: logged). */
  async finish(text: string): Promise<void> {
    if (this.closed) return this.chain;
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
    this.enqueue(text, true);
    return this.chain;
  }

  private flush(): void {
    this.timer = undefined;
    const text = this.pending;
    this.pending = undefined;
    if (text === undefined || this.closed) return;
    this.lastSentAt = this.o.clock();
    this.enqueue(text, false);
  }

  private enqueue(text: string, last: boolean): void {
    this.chain = this.chain
      .then(() => this.o.send(text, last))
      .catch((err: unknown) => {
        this.o.onError(err);
      });
  }
}
