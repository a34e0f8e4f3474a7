/**
 * The bridge's timer: finds milestones past their due time (the store remembers which were notified,
 * so a restart never notifies twice), and sends the outbox — every message a state change decided to
 * send — retrying with backoff until Mattermost takes it. A message that keeps failing is given up
 * after `maxAttempts` and reported in the incident channel (or the log when that is what fails).
 */
import type { Logger } from '../logger';
import type { MattermostClient } from '../mattermost/client';
import type { OutboxRecord, Store } from '../store/sqlite';
import { markOverdue } from './model';

export interface NotifierDeps {
  store: Store;
  chat: Pick<MattermostClient, 'createPost' | 'createDirectChannel' | 'getTeamByName' | 'findChannelByName'>;
  botUserId: () => Promise<string>;
  /** `team-name/channel-name`, or undefined when no stakeholder channel is configured. */
  stakeholderChannel: string | undefined;
  clock: () => number;
  logger: Logger;
  /** The checklist post of an incident changed (overdue marks): re-render it. */
  onIncidentChanged: (incidentId: string) => void;
  onSent?: (kind: string, ok: boolean) => void;
  intervalMs?: number;
  maxAttempts?: number;
  retryBaseMs?: number;
}

export class Notifier {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private stakeholderId: string | undefined;
  private readonly dmChannels = new Map<string, string>();

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
          this.checkOverdue();
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

  private checkOverdue(): void {
    const now = this.deps.clock();
    for (const incidentId of this.deps.store.incidentsWithOverdue(now)) {
      const t = this.deps.store.apply(incidentId, (incident) => markOverdue(incident, now));
      if (t.ok && t.changed) this.deps.onIncidentChanged(incidentId);
    }
  }

  private async drain(): Promise<void> {
    const maxAttempts = this.deps.maxAttempts ?? 8;
    const base = this.deps.retryBaseMs ?? 2000;
    while (!this.stopped) {
      const now = this.deps.clock();
      const batch = this.deps.store.dueOutbox(now, 20);
      if (batch.length === 0) return;
      for (const record of batch) {
        try {
          await this.send(record);
          this.deps.store.markSent(record.id, this.deps.clock());
          this.deps.onSent?.(record.message.kind, true);
        } catch (err) {
          const error = err instanceof Error ? err.message : String(err);
          const attempts = record.attempts + 1;
          this.deps.onSent?.(record.message.kind, false);
          this.deps.logger.warn({ outboxId: record.id, kind: record.message.kind, attempts, error }, 'notification not sent');
          if (attempts >= maxAttempts) {
            this.deps.store.markAttemptFailed(record.id, error, null, this.deps.clock());
            await this.surface(record, error);
          } else {
            this.deps.store.markAttemptFailed(record.id, error, this.deps.clock() + base * 2 ** (attempts - 1), this.deps.clock());
          }
        }
      }
    }
  }

  private async send(record: OutboxRecord): Promise<void> {
    const m = record.message;
    switch (m.kind) {
      case 'channel-post':
        await this.deps.chat.createPost({ channel_id: m.channelId, message: m.message });
        return;
      case 'dm': {
        let channelId = this.dmChannels.get(m.userId);
        if (!channelId) {
          channelId = (await this.deps.chat.createDirectChannel(await this.deps.botUserId(), m.userId)).id;
          this.dmChannels.set(m.userId, channelId);
        }
        await this.deps.chat.createPost({ channel_id: channelId, message: m.message });
        return;
      }
      case 'stakeholder': {
        const channelId = await this.stakeholderChannelId();
        if (channelId === undefined) return; // not configured: nothing to send
        await this.deps.chat.createPost({ channel_id: channelId, message: m.message });
        return;
      }
    }
  }

  private async stakeholderChannelId(): Promise<string | undefined> {
    if (this.stakeholderId) return this.stakeholderId;
    const setting = this.deps.stakeholderChannel;
    if (!setting) return undefined;
    const [teamName = '', channelName = ''] = setting.split('/');
    const team = await this.deps.chat.getTeamByName(teamName);
    const channel = await this.deps.chat.findChannelByName(team.id, channelName);
    if (!channel) throw new Error(`stakeholder channel ${setting} not found (or the bot is not a member)`);
    this.stakeholderId = channel.id;
    return channel.id;
  }

  /** A message that could not be sent is reported where people look: the incident channel. */
  private async surface(record: OutboxRecord, error: string): Promise<void> {
    const incident = record.incidentId ? this.deps.store.getIncident(record.incidentId) : undefined;
    const what = record.message.kind === 'dm' ? 'a direct message' : record.message.kind === 'stakeholder' ? 'the stakeholder update' : 'a channel message';
    this.deps.logger.error({ outboxId: record.id, kind: record.message.kind, error }, 'notification given up');
    if (!incident?.channelId || record.message.kind === 'channel-post') return;
    try {
      await this.deps.chat.createPost({
        channel_id: incident.channelId,
        message: `:warning: The bridge could not send ${what} after several attempts (Mattermost kept failing). Message:\n> ${record.message.message.replace(/\n/g, '\n> ')}`,
      });
    } catch {
      // already logged; the channel itself is unreachable
    }
  }
}
