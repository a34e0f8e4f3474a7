// Replays the 29 exchanges of recordings/real-server-5.37.json against the simulator with the real
// @mattermost/client and checks: same status, same error id, same response keys; then compares the
// two requests the simulator sent to the integration with `received_by_integration`.
import fs from 'node:fs';
import path from 'node:path';
import {type Client4, ClientError} from '@mattermost/client';
import {z} from 'zod';
import {startSimulator, type JsonValue, type RecordedRequest, type Simulator} from './index';
import {client, sharedContractsDir, startIntegration, type FakeIntegration} from './test-support';

const contracts = sharedContractsDir();
if (!contracts) {
  process.stderr.write('recordings.spec: ../shared/mattermost-contracts is absent; skipping the recording replay\n');
}
const describeWithShared = contracts ? describe : describe.skip;

const recordingSchema = z.object({
  records: z.array(z.object({
    name: z.string(),
    request: z.object({method: z.string(), path: z.string(), body: z.unknown()}),
    response: z.object({status: z.number(), headers: z.record(z.string(), z.string()), body: z.unknown()}),
  })),
  received_by_integration: z.array(z.object({
    method: z.string(), path: z.string(), headers: z.record(z.string(), z.string()), body: z.string(),
  })),
});
type Recording = z.infer<typeof recordingSchema>;

function keysOf(value: unknown): string[] {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value).sort() : [];
}

function get(value: unknown, ...keys: Array<string | number>): unknown {
  let v: unknown = value;
  for (const k of keys) {
    if (v === null || typeof v !== 'object') {
      return undefined;
    }
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

describeWithShared('recorded 5.37 exchanges', () => {
  let recording: Recording;
  let sim: Simulator;
  let integration: FakeIntegration;
  const exchanges = new Map<string, RecordedRequest>();

  beforeAll(async () => {
    recording = recordingSchema.parse(JSON.parse(fs.readFileSync(path.join(contracts ?? '', 'recordings', 'real-server-5.37.json'), 'utf8')));
    sim = await startSimulator();
    integration = await startIntegration();
    integration.reply = (req) => {
      if (req.path.startsWith('/slash')) {
        return {contentType: 'application/json', body: JSON.stringify({response_type: 'ephemeral', text: 'Starting lookup…'})};
      }
      return {
        contentType: 'application/json',
        body: JSON.stringify({update: {message: 'Checklist (updated)', props: {attachments: [{text: 'Items', actions: [
          {id: 'toggleA', name: 'Undo: notified', integration: {url: `${integration.url}/action`, context: {item: 'a', sig: 'hmac'}}},
        ]}]}}}),
      };
    };
    sim.createTeam('sec', 'Security');
    const admin = client(sim.url, sim.adminToken);

    const step = async (name: string, fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        if (!(err instanceof ClientError)) {
          throw err;
        }
      }
      const last = sim.requests().at(-1);
      if (!last) {
        throw new Error(`no request recorded for ${name}`);
      }
      exchanges.set(name, last);
    };

    let team: {id: string} = {id: ''};
    await step('get team by name', async () => {
      team = await admin.getTeamByName('sec');
    });
    let adminId = '';
    await step('get me (admin)', async () => {
      adminId = (await admin.getMe()).id;
    });
    let botId = '';
    await step('create bot', async () => {
      botId = (await admin.createBot({username: 'cixrec1', display_name: 'CI Exposure (recording)', description: 'recording'})).user_id;
    });
    await step('create bot again (duplicate username)', () => admin.createBot({username: 'cixrec1', display_name: 'dup'}));
    let botToken = '';
    await step('create bot access token', async () => {
      botToken = (await admin.createUserAccessToken(botId, 'bridge')).token ?? '';
    });
    await step('add bot to team', () => admin.addToTeam(team.id, botId));
    await step('get user by username (missing)', () => admin.getUserByUsername('no-such-user'));
    const bot: Client4 = client(sim.url, botToken);
    let channelId = '';
    await step('bot creates private channel', async () => {
      channelId = (await bot.createChannel({
        team_id: team.id, name: 'inc-20261126-rec21346', display_name: 'Codecov bash uploader', type: 'P',
        purpose: 'CI exposure incident', header: 'Incident: codecov-bash-uploader-2021',
      } as never)).id;
    });
    await step('bot creates channel with duplicate name', () => bot.createChannel({team_id: team.id, name: 'inc-20261126-rec21346', display_name: 'dup', type: 'P'} as never));
    await step('bot creates channel with invalid name', () => bot.createChannel({team_id: team.id, name: 'Inc Bad Name!', display_name: 'bad', type: 'P'} as never));
    await step('bot adds member', () => bot.addToChannel(adminId, channelId));
    const attachments = [{text: 'Milestones', actions: [{id: 'toggleA', name: 'Done: notified', integration: {url: `${integration.url}/action`, context: {item: 'a', sig: 'hmac'}}}]}];
    let postId = '';
    await step('bot creates custom post with buttons', async () => {
      postId = (await bot.createPost({channel_id: channelId, message: '**Checklist** (fallback)', type: 'custom_cix_checklist', props: {cix: {version: 1}, attachments}} as never)).id;
    });
    await step('bot creates post with 28-char type', () => bot.createPost({channel_id: channelId, message: 'x', type: 'custom_ci_exposure_checklist'} as never));
    await step('bot creates post with 16384-char message', () => bot.createPost({channel_id: channelId, message: 'x'.repeat(16384)} as never));
    await step('bot patches post (full attachments resent)', () => bot.patchPost({id: postId, message: '**Checklist** 1/8', props: {cix: {version: 1, done: ['a']}, attachments}} as never));
    await step('bot pins post', () => bot.pinPost(postId));
    await step('bot ephemeral post (forbidden)', () => bot.createPostEphemeral(adminId, {channel_id: channelId, message: 'only you'} as never));
    let commandId = '';
    await step('admin creates slash command', async () => {
      commandId = (await admin.addCommand({
        team_id: team.id, trigger: 'cixrec1', method: 'P', url: `${integration.url}/slash`, auto_complete: true,
        auto_complete_desc: 'CI supply-chain incident', auto_complete_hint: 'start|scan|status|help', display_name: 'CI Exposure',
      } as never)).id;
    });
    await step('bot creates slash command (forbidden)', () => bot.addCommand({team_id: team.id, trigger: 'cixrec1b', method: 'P', url: `${integration.url}/slash`} as never));
    let listed: Array<Record<string, unknown>> = [];
    await step('list team custom commands', async () => {
      listed = await admin.getCustomTeamCommands(team.id) as never;
    });
    await step('update slash command url', () => admin.editCommand({...listed.find((c) => c.id === commandId), url: `${integration.url}/slash?v=2`} as never));
    await step('execute slash command as a user', () => admin.executeCommand('/cixrec1 start codecov-bash-uploader-2021', {channel_id: channelId} as never));
    await step('user clicks button', () => admin.doPostAction(postId, 'toggleA'));
    await step('post after the action\'s update', () => admin.getPost(postId));
    let fileId = '';
    await step('bot uploads a file', async () => {
      const form = new FormData();
      form.append('channel_id', channelId);
      form.append('files', new Blob(['# Report\n']), 'report.md');
      fileId = (await bot.uploadFile(form)).file_infos[0]?.id ?? '';
    });
    await step('bot posts with the file', () => bot.createPost({channel_id: channelId, message: 'Full report attached', file_ids: [fileId]} as never));
    let dmId = '';
    await step('bot opens a direct channel', async () => {
      dmId = (await bot.createDirectChannel([botId, adminId])).id;
    });
    await step('bot posts a DM', () => bot.createPost({channel_id: dmId, message: 'Milestone overdue'} as never));
    await step('bad token', () => client(sim.url, 'notavalidtoken00000000000000').getMe());
  });

  afterAll(async () => {
    await sim.close();
    await integration.close();
  });

  it('replays all 29 recorded exchanges', () => {
    expect(recording.records).toHaveLength(29);
    expect([...exchanges.keys()].sort()).toEqual(recording.records.map((r) => r.name).sort());
  });

  it.each([
    'get team by name', 'get me (admin)', 'create bot', 'create bot again (duplicate username)', 'create bot access token',
    'add bot to team', 'get user by username (missing)', 'bot creates private channel', 'bot creates channel with duplicate name',
    'bot creates channel with invalid name', 'bot adds member', 'bot creates custom post with buttons', 'bot creates post with 28-char type',
    'bot creates post with 16384-char message', 'bot patches post (full attachments resent)', 'bot pins post', 'bot ephemeral post (forbidden)',
    'admin creates slash command', 'bot creates slash command (forbidden)', 'list team custom commands', 'update slash command url',
    'execute slash command as a user', 'user clicks button', 'post after the action\'s update', 'bot uploads a file', 'bot posts with the file',
    'bot opens a direct channel', 'bot posts a DM', 'bad token',
  ])('%s: same method, path shape, status, error id and response keys', (name) => {
    const rec = recording.records.find((r) => r.name === name);
    const got = exchanges.get(name);
    expect(rec).toBeDefined();
    expect(got).toBeDefined();
    if (!rec || !got) {
      return;
    }
    expect(got.method).toBe(rec.request.method);
    const shape = (p: string): string => p.split('?')[0]?.replace(/[a-z0-9]{26}/g, ':id').replace(/\/actions\/\w+$/, '/actions/:a').replace(/\/name\/[^/]+$/, '/name/:n').replace(/\/username\/[^/]+$/, '/username/:u') ?? '';
    expect(shape(got.path)).toBe(shape(rec.request.path));
    expect(got.status).toBe(rec.response.status);
    expect(got.responseHeaders['Content-Type']).toBe(rec.response.headers['Content-Type']);
    expect(got.responseHeaders['X-Version-Id']).toBe(rec.response.headers['X-Version-Id']);
    expect(got.responseHeaders['X-Request-Id']).toMatch(/^[a-z0-9]{26}$/);
    const recBody = rec.response.body;
    const body: JsonValue = got.responseBody;
    if (rec.response.status >= 400) {
      expect(get(body, 'id')).toBe(get(recBody, 'id'));
      expect(get(body, 'message')).toBe(get(recBody, 'message'));
      expect(get(body, 'status_code')).toBe(rec.response.status);
      expect(get(body, 'request_id')).toBe(got.responseHeaders['X-Request-Id']);
    }
    if (Array.isArray(recBody)) {
      expect(Array.isArray(body)).toBe(true);
      expect(keysOf(get(body, 0))).toEqual(keysOf(recBody[0]));
    } else {
      expect(keysOf(body)).toEqual(keysOf(recBody));
    }
    for (const nested of ['props', 'metadata', 'notify_props', 'timezone']) {
      expect(keysOf(get(body, nested))).toEqual(keysOf(get(recBody, nested)));
    }
    const recAttachment = get(recBody, 'props', 'attachments', 0);
    if (recAttachment !== undefined) {
      expect(keysOf(get(body, 'props', 'attachments', 0))).toEqual(keysOf(recAttachment));
      expect(get(body, 'props', 'attachments', 0, 'actions')).toEqual(get(recAttachment, 'actions'));
    }
    const recFile = get(recBody, 'file_infos', 0) ?? get(recBody, 'metadata', 'files', 0);
    if (recFile !== undefined) {
      expect(keysOf(get(body, 'file_infos', 0) ?? get(body, 'metadata', 'files', 0))).toEqual(keysOf(recFile));
    }
  });

  it('sends the slash command exactly as received_by_integration[0]', () => {
    const rec = recording.received_by_integration[0];
    const got = integration.received.find((r) => r.path.startsWith('/slash'));
    expect(rec).toBeDefined();
    expect(got).toBeDefined();
    if (!rec || !got) {
      return;
    }
    expect(got.method).toBe(rec.method);
    expect(got.path).toBe(rec.path);
    // Same header names in the same order; Node adds only `Connection`.
    expect(got.rawHeaders.map(([k]) => k).filter((k) => k !== 'Connection')).toEqual(Object.keys(rec.headers));
    const header = (k: string): string | undefined => got.rawHeaders.find(([n]) => n === k)?.[1];
    for (const k of ['User-Agent', 'Accept', 'Content-Type', 'Accept-Encoding']) {
      expect(header(k)).toBe(rec.headers[k]);
    }
    expect(header('Authorization')).toMatch(/^Token [a-z0-9]{26}$/);
    expect(Number(header('Content-Length'))).toBe(Buffer.byteLength(got.body));
    const recForm = new URLSearchParams(rec.body);
    const form = new URLSearchParams(got.body);
    expect([...form.keys()]).toEqual([...recForm.keys()]);
    expect(form.get('token')).toBe(header('Authorization')?.slice('Token '.length));
    expect(form.get('command')).toBe('/cixrec1');
    expect(form.get('text')).toBe(recForm.get('text'));
    expect(form.get('team_domain')).toBe(recForm.get('team_domain'));
    expect(form.get('channel_name')).toBe(recForm.get('channel_name'));
    expect(form.get('user_name')).toBe(recForm.get('user_name'));
    expect(form.get('response_url')).toMatch(new RegExp(`^${sim.url}/hooks/commands/[a-z0-9]{26}$`));
    const decoded = Buffer.from(form.get('trigger_id') ?? '', 'base64').toString('utf8').split(':');
    const recDecoded = Buffer.from(recForm.get('trigger_id') ?? '', 'base64').toString('utf8').split(':');
    expect(decoded).toHaveLength(recDecoded.length);
    expect(decoded[1]).toBe(form.get('user_id'));
    expect(got.body).toMatch(/^channel_id=[a-z0-9]{26}&channel_name=inc-20261126-rec21346&command=%2Fcixrec1&response_url=http%3A%2F%2F127\.0\.0\.1%3A\d+%2Fhooks%2Fcommands%2F[a-z0-9]{26}&team_domain=sec&team_id=[a-z0-9]{26}&text=start\+codecov-bash-uploader-2021&token=[a-z0-9]{26}&trigger_id=[A-Za-z0-9%]+&user_id=[a-z0-9]{26}&user_name=admin$/);
    const execute = exchanges.get('execute slash command as a user');
    expect(get(execute?.responseBody, 'trigger_id')).toBe(decoded[0]);
  });

  it('sends the click exactly as received_by_integration[1] (no Authorization header)', () => {
    const rec = recording.received_by_integration[1];
    const got = integration.received.find((r) => r.path === '/action');
    expect(rec).toBeDefined();
    expect(got).toBeDefined();
    if (!rec || !got) {
      return;
    }
    expect(got.method).toBe(rec.method);
    expect(got.rawHeaders.map(([k]) => k).filter((k) => k !== 'Connection')).toEqual(Object.keys(rec.headers));
    expect(got.headers.authorization).toBeUndefined();
    for (const k of ['User-Agent', 'Accept', 'Content-Type', 'Accept-Encoding']) {
      expect(got.rawHeaders.find(([n]) => n === k)?.[1]).toBe(rec.headers[k]);
    }
    const body: unknown = JSON.parse(got.body);
    const recBody: unknown = JSON.parse(rec.body);
    expect(Object.keys(body as object)).toEqual(Object.keys(recBody as object));
    expect(body).toMatchObject({type: '', data_source: '', context: {item: 'a', sig: 'hmac'}, user_name: 'admin', team_domain: 'sec', channel_name: 'inc-20261126-rec21346'});
    const click = exchanges.get('user clicks button');
    const decoded = Buffer.from(String(get(body, 'trigger_id')), 'base64').toString('utf8').split(':');
    expect(decoded[0]).toBe(get(click?.responseBody, 'trigger_id'));
  });

  it('applied the integration update like the recorded post (pin kept, props replaced)', () => {
    const got = exchanges.get('post after the action\'s update');
    expect(get(got?.responseBody, 'is_pinned')).toBe(true);
    expect(get(got?.responseBody, 'message')).toBe('Checklist (updated)');
    expect(keysOf(get(got?.responseBody, 'props'))).toEqual(['attachments']);
    expect(get(got?.responseBody, 'props', 'attachments', 0, 'actions')).toEqual([{id: 'toggleA', name: 'Undo: notified'}]);
  });

  it('saw no OpenAPI violations in this well-formed traffic', () => {
    expect(sim.openapiEnabled).toBe(true);
    expect(sim.openapiViolations()).toEqual([]);
  });
});
