/**
 * The incident use cases' chat port (incidents/ports.ts) over Mattermost's REST API: posts rendered
 * here, error ids interpreted here. Also the outbox transport: every message carries its outbox key in
 * the post's props, so a message that may already have been posted — the bridge died between
 * Mattermost's answer and marking it sent — is found in the channel and not posted twice. (Mattermost's
 * own `pending_post_id` de-duplication is not used: its window and accepted format differ by release.)
 */
import { POST_TYPE_REPORT, PROPS_KEY, type ReportProps } from '@ci-exposure/contract';
import type { LookupResult } from '../incidents/lookup';
import type { Incident, OutboxMessage } from '../incidents/model';
import type { ChatUser, IncidentChat, NewChannel, OutboxTransport } from '../incidents/ports';
import type { Logger } from '../logger';
import type { StoredTimelineEntry } from '../store/store';
import { renderChecklistPost } from './checklist-post';
import { MattermostError, type MattermostClient, type MmPost } from './client';
import { finalReport, fitReportProps, reportSummary } from './replies';

/** The prop that carries an outbox message's key on the post that delivered it. */
export const OUTBOX_KEY_PROP = 'cix_outbox_key';
/** The prop that marks an exposure lookup's progress post (its incident id). */
export const PROGRESS_PROP = 'cix_lookup_progress';

export interface IncidentChatOptions {
  client: MattermostClient;
  /** `<publicUrl>/actions` */
  actionUrl: string;
  secret: Buffer;
  logger: Logger;
  /** `team-name/channel-name`, or undefined when no stakeholder channel is configured. */
  stakeholderChannel: string | undefined;
  /** Minutes between scheduled re-checks (shown on the checklist; 0 or undefined: none). */
  recheckMinutes?: number;
}

export class MattermostIncidentChat implements IncidentChat, OutboxTransport {
  private readonly teamIds = new Map<string, string>();
  private readonly dmChannels = new Map<string, string>();
  private stakeholderId: string | undefined;
  private me: Promise<string> | undefined;

  constructor(private readonly o: IncidentChatOptions) {}

  async getUser(userId: string): Promise<ChatUser> {
    const u = await this.o.client.getUser(userId);
    return { id: u.id, username: u.username };
  }

  async findUser(username: string): Promise<ChatUser | undefined> {
    const u = await this.o.client.findUserByUsername(username);
    return u ? { id: u.id, username: u.username } : undefined;
  }

  async isTeamMember(teamName: string, userId: string): Promise<boolean> {
    try {
      let teamId = this.teamIds.get(teamName);
      if (!teamId) {
        teamId = (await this.o.client.getTeamByName(teamName)).id;
        this.teamIds.set(teamName, teamId);
      }
      return await this.o.client.isTeamMember(teamId, userId);
    } catch (err) {
      if (err instanceof MattermostError && (err.status === 403 || err.status === 404)) {
        this.o.logger.warn({ team: teamName, status: err.status }, 'start permission: the bot cannot see this team (run setup, which adds it)');
        return false;
      }
      throw err;
    }
  }

  isChannelMember(channelId: string, userId: string): Promise<boolean> {
    return this.o.client.isChannelMember(channelId, userId);
  }

  async createPrivateChannel(c: NewChannel): Promise<{ id: string; name: string } | undefined> {
    try {
      const channel = await this.o.client.createChannel({ team_id: c.teamId, name: c.name, display_name: c.displayName, type: 'P', purpose: c.purpose, header: c.header });
      return { id: channel.id, name: channel.name };
    } catch (err) {
      if (err instanceof MattermostError && err.status === 400 && err.id === 'store.sql_channel.save_channel.exists.app_error') return undefined;
      throw err;
    }
  }

  addToChannel(channelId: string, userId: string): Promise<void> {
    return this.o.client.addToChannel(channelId, userId);
  }

  async createChecklistPost(incident: Incident, now: number): Promise<string> {
    if (!incident.channelId) throw new Error('the incident has no channel yet');
    const rendered = renderChecklistPost(incident, { actionUrl: this.o.actionUrl, secret: this.o.secret, now, ...(this.o.recheckMinutes === undefined ? {} : { recheckMinutes: this.o.recheckMinutes }) });
    const post = await this.o.client.createPost({ channel_id: incident.channelId, message: rendered.message, type: rendered.type, props: rendered.props });
    return post.id;
  }

  pin(postId: string): Promise<void> {
    return this.o.client.pinPost(postId);
  }

  async postReport(incident: Incident, result: LookupResult): Promise<string> {
    const channelId = incident.channelId;
    if (!channelId) throw new Error('the incident has no channel');
    const base = `exposure-${incident.channelName ?? incident.id}`;
    const mdId = await this.o.client.uploadFile(channelId, `${base}.md`, result.markdown, 'text/markdown');
    const jsonId = await this.o.client.uploadFile(channelId, `${base}.json`, result.json, 'application/json');
    const props: ReportProps = fitReportProps({ ...result.reportProps, incidentId: incident.id, jsonFileId: jsonId });
    const post = await this.o.client.createPost({ channel_id: channelId, message: reportSummary(result), type: POST_TYPE_REPORT, props: { [PROPS_KEY]: props }, file_ids: [mdId, jsonId] });
    return post.id;
  }

  async postFinalReport(incident: Incident, timeline: StoredTimelineEntry[], now: number): Promise<void> {
    const channelId = incident.channelId;
    if (!channelId) throw new Error('the incident has no channel');
    const report = finalReport(incident, timeline, now);
    let fileIds: string[] = [];
    try {
      fileIds = [await this.o.client.uploadFile(channelId, `incident-${incident.channelName ?? incident.id}-final.md`, report.markdown, 'text/markdown')];
    } catch (err) {
      // The report still goes out, without its file.
      this.o.logger.warn({ incidentId: incident.id, error: err instanceof Error ? err.message : String(err) }, 'final report file not uploaded');
    }
    await this.o.client.createPost({ channel_id: channelId, message: report.message, ...(fileIds.length > 0 ? { file_ids: fileIds } : {}) });
  }

  async notice(channelId: string, text: string): Promise<void> {
    await this.o.client.createPost({ channel_id: channelId, message: text });
  }

  /** Progress posts of running lookups, by incident id. */
  private readonly progressPosts = new Map<string, string>();

  async progress(incident: Incident, text: string, last = false): Promise<void> {
    const channelId = incident.channelId;
    if (!channelId) throw new Error('the incident has no channel');
    const postId = this.progressPosts.get(incident.id);
    if (last) this.progressPosts.delete(incident.id);
    if (postId !== undefined) {
      await this.o.client.patchPost(postId, { message: text });
      return;
    }
    const post = await this.o.client.createPost({ channel_id: channelId, message: text, props: { [PROGRESS_PROP]: incident.id } });
    if (!last) this.progressPosts.set(incident.id, post.id);
  }

  // ───────────────────────── outbox ─────────────────────────

  async deliver(message: OutboxMessage, key: string, options: { mayExist: boolean; since: number }): Promise<string | undefined> {
    const channelId = await this.channelOf(message);
    if (channelId === undefined) return undefined; // not configured: nothing to send
    if (options.mayExist) {
      const existing = await this.findByKey(channelId, key, options.since);
      if (existing) return existing.id;
    }
    const post = await this.o.client.createPostOnce({
      channel_id: channelId,
      message: message.message,
      props: { [OUTBOX_KEY_PROP]: key },
    });
    return post.id;
  }

  private async findByKey(channelId: string, key: string, since: number): Promise<MmPost | undefined> {
    // A minute of slack for clocks that differ between the bridge and Mattermost.
    const posts = await this.o.client.getPostsSince(channelId, since - 60_000);
    return posts.find((p) => p.props?.[OUTBOX_KEY_PROP] === key);
  }

  private botUserId(): Promise<string> {
    this.me ??= this.o.client.getMe().then(
      (u) => u.id,
      (err: unknown) => {
        this.me = undefined;
        throw err;
      },
    );
    return this.me;
  }

  private async channelOf(m: OutboxMessage): Promise<string | undefined> {
    switch (m.kind) {
      case 'channel-post':
        return m.channelId;
      case 'dm': {
        let channelId = this.dmChannels.get(m.userId);
        if (!channelId) {
          channelId = (await this.o.client.createDirectChannel(await this.botUserId(), m.userId)).id;
          this.dmChannels.set(m.userId, channelId);
        }
        return channelId;
      }
      case 'stakeholder':
        return this.stakeholderChannelId();
    }
  }

  private async stakeholderChannelId(): Promise<string | undefined> {
    if (this.stakeholderId) return this.stakeholderId;
    const setting = this.o.stakeholderChannel;
    if (!setting) return undefined;
    const [teamName = '', channelName = ''] = setting.split('/');
    const team = await this.o.client.getTeamByName(teamName);
    const channel = await this.o.client.findChannelByName(team.id, channelName);
    if (!channel) throw new Error(`stakeholder channel ${setting} not found (or the bot is not a member)`);
    this.stakeholderId = channel.id;
    return channel.id;
  }
}
