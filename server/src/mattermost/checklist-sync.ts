/**
 * Keeps each checklist post equal to the stored incident. Patches for one post are serialised; a
 * change that arrives while a patch is in flight only marks the post dirty, and the loop renders again
 * from the latest stored state afterwards — so concurrent changes never leave the post behind the store.
 * A patch that still fails after the client's retries is retried later and reported in the channel.
 */
import type { Logger } from '../logger';
import type { Incident } from '../incidents/model';
import type { ChecklistView } from '../incidents/ports';
import { renderChecklistPost } from './checklist-post';
import type { MattermostClient } from './client';

export interface ChecklistSyncDeps {
  chat: Pick<MattermostClient, 'patchPost' | 'createPost'>;
  load: (incidentId: string) => Promise<Incident | undefined>;
  actionUrl: string;
  secret: Buffer;
  /** Minutes between scheduled re-checks (shown on the checklist). */
  recheckMinutes?: number;
  clock: () => number;
  logger: Logger;
  onPatch?: (ok: boolean) => void;
  /** Wait before re-trying a patch that failed (ms). */
  retryAfterMs?: number;
}

export class ChecklistSync implements ChecklistView {
  private readonly running = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly deps: ChecklistSyncDeps) {}

  /** Marks the incident's post stale; resolves once a render at least as new as now has been sent. */
  request(incidentId: string): Promise<void> {
    this.dirty.add(incidentId);
    const existing = this.running.get(incidentId);
    if (existing) return existing;
    const loop = this.loop(incidentId);
    this.running.set(incidentId, loop);
    return loop;
  }

  refresh(incidentId: string): Promise<void> {
    return this.request(incidentId);
  }

  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private async loop(incidentId: string): Promise<void> {
    // The exit check and the removal from `running` happen in the same synchronous step, so a request
    // arriving at any point either joins this loop before the check or starts a new one.
    for (;;) {
      if (!this.dirty.has(incidentId) || this.closed) {
        this.running.delete(incidentId);
        return;
      }
      this.dirty.delete(incidentId);
      let incident: Incident | undefined;
      try {
        incident = await this.deps.load(incidentId);
      } catch (err) {
        this.deps.logger.error({ incidentId, error: err instanceof Error ? err.message : String(err) }, 'checklist state could not be read');
        continue;
      }
      if (!incident?.checklistPostId) continue;
      const rendered = renderChecklistPost(incident, {
        actionUrl: this.deps.actionUrl,
        secret: this.deps.secret,
        now: this.deps.clock(),
        ...(this.deps.recheckMinutes === undefined ? {} : { recheckMinutes: this.deps.recheckMinutes }),
      });
      try {
        await this.deps.chat.patchPost(incident.checklistPostId, { message: rendered.message, props: rendered.props });
        this.deps.onPatch?.(true);
        this.failures.delete(incidentId);
      } catch (err) {
        this.deps.onPatch?.(false);
        this.handleFailure(incident, err);
      }
    }
  }

  private handleFailure(incident: Incident, err: unknown): void {
    const count = (this.failures.get(incident.id) ?? 0) + 1;
    this.failures.set(incident.id, count);
    const message = err instanceof Error ? err.message : String(err);
    this.deps.logger.error({ incidentId: incident.id, attempt: count, error: message }, 'checklist post update failed');
    if (count === 1 && incident.channelId) {
      void this.deps.chat
        .createPost({
          channel_id: incident.channelId,
          message: ':warning: The checklist post could not be updated (Mattermost answered with an error); the bridge keeps trying. `/ci-exposure status` shows the current state.',
        })
        .catch(() => undefined);
    }
    if (count <= 10 && !this.closed) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.request(incident.id);
      }, (this.deps.retryAfterMs ?? 5000) * Math.min(count, 6));
      timer.unref();
      this.timers.add(timer);
    }
  }
}
