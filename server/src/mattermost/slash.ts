/**
 * `/ci-exposure <text>`: the text Mattermost sends (everything after the trigger) → a command, or a
 * usage error. Pure; unknown input gets usage, never silence.
 */
import { SEVERITIES, type Severity } from '@ci-exposure/contract';

export type SlashCommand =
  | { name: 'help' }
  | { name: 'start'; target?: string; title?: string; severity?: Severity }
  | { name: 'scan'; target: string }
  | { name: 'status' }
  | { name: 'check'; item: number; sub?: number }
  | { name: 'uncheck'; item: number; sub?: number }
  | { name: 'recheck' }
  | { name: 'assign'; item: number; username: string }
  | { name: 'owner'; username: string }
  | { name: 'update'; text: string }
  | { name: 'timeline' }
  | { name: 'close'; summary?: string }
  | { name: 'list' };

export type ParsedSlash = { ok: true; command: SlashCommand } | { ok: false; error: string };

export const USAGE = [
  '**/ci-exposure** — CI supply-chain incidents',
  '',
  '| command | what it does |',
  '|---|---|',
  '| `start <indicator-id \\| component-spec> [name…]` | start an incident: private channel, checklist, exposure lookup (no argument: a dialog) |',
  '| `scan <indicator-id \\| component-spec>` | the exposure lookup alone, answered to you only |',
  '| `status` | the incident of this channel |',
  '| `check N` / `uncheck N` | mark checklist item N done / not done (a sub-item: `check N.M`) |',
  '| `recheck` | run the exposure lookup again over the current heads and tick what the evidence shows |',
  '| `assign N @user` | assign checklist item N |',
  '| `owner @user` | set the incident owner |',
  '| `update <text>` | post a status update (also to stakeholders) |',
  '| `timeline` | the incident timeline |',
  '| `close [summary]` | close the incident: final report with timeline and metrics |',
  '| `list` | open incidents you can see |',
  '| `help` | this list |',
].join('\n');

const usernameArg = (raw: string | undefined): string | undefined => {
  if (!raw) return undefined;
  const name = raw.replace(/^@/, '');
  return /^[A-Za-z0-9_.-]{1,64}$/.test(name) ? name.toLowerCase() : undefined;
};

const itemArg = (raw: string | undefined): number | undefined => (raw && /^\d{1,3}$/.test(raw) ? Number(raw) : undefined);

/** `N` or `N.M` (a sub-item). */
const itemRef = (raw: string | undefined): { item: number; sub?: number } | undefined => {
  const m = raw === undefined ? null : /^(\d{1,3})(?:\.(\d{1,4}))?$/.exec(raw);
  if (!m) return undefined;
  const item = Number(m[1]);
  return m[2] === undefined ? { item } : { item, sub: Number(m[2]) };
};

export function parseSlash(text: string): ParsedSlash {
  const trimmed = text.trim();
  const [head = '', ...rest] = trimmed.split(/\s+/u);
  const verb = head.toLowerCase();
  const restText = trimmed.slice(head.length).trim();
  const fail = (error: string): ParsedSlash => ({ ok: false, error });
  switch (verb) {
    case '':
    case 'help':
      return { ok: true, command: { name: 'help' } };
    case 'start': {
      if (rest.length === 0) return { ok: true, command: { name: 'start' } };
      const [target = '', ...nameParts] = rest;
      let severity: Severity | undefined;
      const words = nameParts.filter((w) => {
        const m = /^--severity=(\w+)$/i.exec(w);
        if (m && (SEVERITIES as readonly string[]).includes((m[1] ?? '').toLowerCase())) {
          severity = SEVERITIES.find((s) => s === (m[1] ?? '').toLowerCase());
          return false;
        }
        return true;
      });
      const command: SlashCommand = { name: 'start', target };
      if (words.length > 0) command.title = words.join(' ');
      if (severity) command.severity = severity;
      return { ok: true, command };
    }
    case 'scan':
      if (rest.length !== 1) return fail('usage: `scan <indicator-id | component-spec>`');
      return { ok: true, command: { name: 'scan', target: rest[0] ?? '' } };
    case 'status':
    case 'timeline':
    case 'recheck':
    case 'list':
      if (rest.length > 0) return fail(`usage: \`${verb}\` takes no arguments`);
      return { ok: true, command: { name: verb } };
    case 'check':
    case 'uncheck': {
      const ref = itemRef(rest[0]);
      if (ref === undefined || ref.sub === 0 || rest.length !== 1) return fail(`usage: \`${verb} N\` (N is the item number; a sub-item: \`${verb} N.M\`)`);
      return { ok: true, command: { name: verb, ...ref } };
    }
    case 'assign': {
      const item = itemArg(rest[0]);
      const username = usernameArg(rest[1]);
      if (item === undefined || username === undefined || rest.length !== 2) return fail('usage: `assign N @user`');
      return { ok: true, command: { name: 'assign', item, username } };
    }
    case 'owner': {
      const username = usernameArg(rest[0]);
      if (username === undefined || rest.length !== 1) return fail('usage: `owner @user`');
      return { ok: true, command: { name: 'owner', username } };
    }
    case 'update':
      if (restText === '') return fail('usage: `update <text>`');
      if (restText.length > 4000) return fail('a status update is limited to 4000 characters');
      return { ok: true, command: { name: 'update', text: restText } };
    case 'close':
      if (restText.length > 4000) return fail('a close summary is limited to 4000 characters');
      return { ok: true, command: restText === '' ? { name: 'close' } : { name: 'close', summary: restText } };
    default:
      return fail(`unknown command \`${verb.replace(/`/g, "'").slice(0, 40)}\``);
  }
}
