/**
 * The Mattermost face of the use cases: a parsed `/ci-exposure` command or a dialog submission in,
 * the text for the caller out. Builds the start dialog (opened at once: a `trigger_id` lives 3 s on
 * old servers) and checks its signed state.
 */
import { SEVERITIES, type Severity } from '@ci-exposure/contract';
import type { LookupPort } from '../incidents/lookup';
import { describeError, type Caller, type IncidentUseCases } from '../incidents/use-cases';
import type { Logger } from '../logger';
import type { MattermostClient } from './client';
import { renderChecklistMessage } from './checklist-post';
import { changeReply, closeReply, listReply, NOT_INCIDENT_CHANNEL, recheckReply, scanReply, startReply, timelineReply } from './replies';
import { signDialogState, verifyDialogState } from './signing';
import { USAGE, type SlashCommand } from './slash';

export interface CommandDeps {
  useCases: IncidentUseCases;
  lookup: LookupPort;
  client: Pick<MattermostClient, 'openDialog' | 'getUser'>;
  secret: Buffer;
  /** `<publicUrl>/dialogs` */
  dialogUrl: string;
  clock: () => number;
  logger: Logger;
  background: (task: Promise<unknown>) => void;
  /** Minutes between scheduled re-checks (shown by `status`). */
  recheckMinutes?: number;
}

export interface SlashCaller extends Caller {
  triggerId?: string;
}

export interface DialogSubmission {
  state: string;
  userId: string;
  teamId: string;
  channelId: string;
  submission: Record<string, unknown>;
}

export type DialogOutcome = { errors: Record<string, string> } | { error: string; forbidden: boolean } | { started: Promise<string> };

export class SlashCommands {
  constructor(private readonly deps: CommandDeps) {}

  /** Runs one slash command; resolves to the text for the caller. */
  async handle(caller: SlashCaller, command: SlashCommand): Promise<string> {
    const u = this.deps.useCases;
    switch (command.name) {
      case 'help':
        return USAGE;
      case 'start': {
        if (command.target === undefined) return this.openStartDialog(caller);
        const described = this.deps.lookup.describe(command.target);
        if (!described.ok) return `${described.error}\n\nUsage: \`start <indicator-id | component-spec> [name…]\` (\`/ci-exposure help\`).`;
        return startReply(await u.start(caller, described.info, command.title ?? described.info.title, command.severity ?? 'high'));
      }
      case 'scan': {
        const described = this.deps.lookup.describe(command.target);
        if (!described.ok) return `${described.error}\n\nUsage: \`scan <indicator-id | component-spec>\`.`;
        try {
          return scanReply(await u.scan(described.info));
        } catch (err) {
          return `The exposure lookup failed: ${describeError(err)}`;
        }
      }
      case 'list':
        return listReply(await u.visibleOpen(caller.userId));
      default:
        break;
    }
    const incident = await u.incidentOfChannel(caller.channelId);
    if (!incident) return NOT_INCIDENT_CHANNEL;
    switch (command.name) {
      case 'status': {
        // Every sub-item (the post lists the first few); Mattermost takes 16383 characters at most.
        const text = renderChecklistMessage(incident, this.deps.clock(), { maxItems: Number.POSITIVE_INFINITY, ...(this.deps.recheckMinutes === undefined ? {} : { recheckMinutes: this.deps.recheckMinutes }) });
        return text.length <= 16000 ? text : `${text.slice(0, 15900)}\n\n_… cut here: the final report's file lists every sub-item._`;
      }
      case 'recheck':
        return recheckReply(await u.recheck(caller, incident.id));
      case 'timeline':
        return timelineReply(incident, await u.timeline(incident.id));
      case 'check':
      case 'uncheck':
        return changeReply(await u.change(caller, incident.id, { kind: command.name, item: command.item, ...(command.sub === undefined ? {} : { sub: command.sub }) }));
      case 'assign':
        return changeReply(await u.change(caller, incident.id, { kind: 'assign', item: command.item, username: command.username }));
      case 'owner':
        return changeReply(await u.change(caller, incident.id, { kind: 'owner', username: command.username }));
      case 'update':
        return changeReply(await u.change(caller, incident.id, { kind: 'update', text: command.text }));
      case 'close':
        return closeReply(await u.close(caller, incident.id, command.summary));
    }
  }

  private openStartDialog(caller: SlashCaller): string {
    if (!caller.triggerId) return 'Usage: `start <indicator-id | component-spec> [name…]`.';
    const state = signDialogState(this.deps.secret, caller.userId, caller.teamId, caller.channelId, this.deps.clock());
    const catalog = this.deps.lookup.catalog();
    const elements: Array<Record<string, unknown>> = [];
    if (catalog.length > 0) {
      elements.push({
        display_name: 'Known incident',
        name: 'indicator',
        type: 'select',
        optional: true,
        options: catalog.map((c) => ({ text: c.title.slice(0, 100), value: c.id })),
        help_text: 'Pick an incident from the catalog, or describe a component below.',
      });
    }
    elements.push(
      { display_name: 'Component', name: 'component', type: 'text', optional: true, placeholder: 'e.g. tj-actions/changed-files@v45', help_text: 'A component spec, when it is not in the catalog.' },
      { display_name: 'Incident name', name: 'name', type: 'text', optional: true, max_length: 200 },
      { display_name: 'Severity', name: 'severity', type: 'select', default: 'high', options: SEVERITIES.map((s) => ({ text: s, value: s })) },
    );
    this.deps.background(
      this.deps.client
        .openDialog({
          trigger_id: caller.triggerId,
          url: this.deps.dialogUrl,
          dialog: { callback_id: 'start', title: 'Start a CI incident', submit_label: 'Start', state, elements },
        })
        .catch((err: unknown) => this.deps.logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'dialog could not be opened')),
    );
    return '';
  }

  /** A submitted start dialog: field errors keep it open; otherwise the incident starts. */
  async submitStartDialog(input: DialogSubmission): Promise<DialogOutcome> {
    const verified = verifyDialogState(this.deps.secret, input.state, this.deps.clock());
    if (!verified.ok) return { error: verified.reason, forbidden: !verified.reason.includes('expired') };
    if (verified.value.user !== input.userId) return { error: 'this dialog was opened for somebody else', forbidden: true };
    const s = input.submission;
    const str = (k: string): string => (typeof s[k] === 'string' ? String(s[k]).trim() : '');
    const indicator = str('indicator');
    const component = str('component');
    if (indicator === '' && component === '') return { errors: { component: 'Pick a known incident or describe a component.' } };
    if (indicator !== '' && component !== '') return { errors: { component: 'Either a known incident or a component, not both.' } };
    const described = this.deps.lookup.describe(indicator || component);
    if (!described.ok) return { errors: { [indicator ? 'indicator' : 'component']: described.error.slice(0, 150) } };
    const severity: Severity = SEVERITIES.find((x) => x === str('severity')) ?? 'high';
    const userName = (await this.deps.client.getUser(input.userId)).username;
    const caller: Caller = { userId: input.userId, username: userName, teamId: verified.value.team, channelId: verified.value.channel };
    return { started: this.deps.useCases.start(caller, described.info, str('name') || described.info.title, severity).then(startReply) };
  }
}
