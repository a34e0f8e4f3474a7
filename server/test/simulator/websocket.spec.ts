// WebSocket events as recordings/websocket-5.37.json shows them, received with the real
// WebSocketClient of @mattermost/client (and, for the handshake order, with a bare `ws` socket).
import fs from 'node:fs';
import path from 'node:path';
import type {WebSocketClient, WebSocketMessage} from '@mattermost/client';
import WS from 'ws';
import {z} from 'zod';
import {startSimulator, type Simulator} from './index';
import {client, dataOf, sharedContractsDir, startIntegration, waitFor, wsClient, type FakeIntegration} from './test-support';

const contracts = sharedContractsDir();
const wsRecording = contracts
  ? z.object({received: z.array(z.record(z.string(), z.unknown()))}).parse(JSON.parse(fs.readFileSync(path.join(contracts, 'recordings', 'websocket-5.37.json'), 'utf8')))
  : undefined;
if (!wsRecording) {
  process.stderr.write('websocket.spec: ../shared/mattermost-contracts is absent; skipping the shape comparison\n');
}
const describeWithShared = wsRecording ? describe : describe.skip;

function recorded(event: string): Record<string, unknown> {
  const found = wsRecording?.received.find((m) => m.event === event);
  if (!found) {
    throw new Error(`no recorded ${event} event`);
  }
  return found;
}

function keys(v: unknown): string[] {
  return v !== null && typeof v === 'object' ? Object.keys(v).sort() : [];
}

describeWithShared('WebSocket (5.37 shapes)', () => {
  let sim: Simulator;
  let integration: FakeIntegration;
  const sockets: WebSocketClient[] = [];
  let logSpy: jest.SpyInstance;

  beforeEach(async () => {
    logSpy = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    sim = await startSimulator();
    integration = await startIntegration();
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) {
      s.close();
    }
    const violations = sim.openapiViolations();
    await sim.close();
    await integration.close();
    logSpy.mockRestore();
    expect(violations).toEqual([]);
  });

  function connect(token: string): {messages: WebSocketMessage[]} {
    const messages: WebSocketMessage[] = [];
    const socket = wsClient();
    socket.addMessageListener((m) => messages.push(m));
    socket.initialize(`${sim.url.replace('http', 'ws')}/api/v4/websocket`, token);
    sockets.push(socket);
    return {messages};
  }

  it('answers authentication_challenge like the recording: hello (seq 0) then {status, seq_reply}', async () => {
    const {token, user} = sim.createUser('alice');
    const raw = new WS(`${sim.url.replace('http', 'ws')}/api/v4/websocket`);
    const frames: unknown[] = [];
    raw.on('message', (d) => frames.push(JSON.parse(String(d))));
    await new Promise((r) => raw.on('open', r));
    raw.send(JSON.stringify({seq: 1, action: 'authentication_challenge', data: {token}}));
    await waitFor(() => (frames.length >= 2 ? true : undefined));
    const hello = recorded('hello');
    expect(frames[0]).toMatchObject({event: 'hello', seq: 0, broadcast: {omit_users: null, user_id: user.id, channel_id: '', team_id: ''}});
    expect(keys(frames[0])).toEqual(keys(hello));
    expect(keys((frames[0] as {data: unknown}).data)).toEqual(keys(hello.data));
    expect(keys((frames[0] as {broadcast: unknown}).broadcast)).toEqual(keys(hello.broadcast));
    expect(frames[1]).toEqual(wsRecording?.received[1]);
    raw.close();
    const bad = new WS(`${sim.url.replace('http', 'ws')}/api/v4/websocket`);
    await new Promise((r) => bad.on('open', r));
    const closed = new Promise<number>((r) => bad.on('close', (code) => r(code)));
    bad.send(JSON.stringify({seq: 1, action: 'authentication_challenge', data: {token: 'wrong'}}));
    expect(await closed).toBe(1008);
  });

  it('accepts the token as an Authorization header at the handshake (hello straight away)', async () => {
    const {token, user} = sim.createUser('bob');
    const raw = new WS(`${sim.url.replace('http', 'ws')}/api/v4/websocket`, {headers: {Authorization: `Bearer ${token}`}});
    const first = await new Promise<unknown>((r) => raw.on('message', (d) => r(JSON.parse(String(d)))));
    expect(first).toMatchObject({event: 'hello', seq: 0, data: {connection_id: expect.stringMatching(/^[a-z0-9]{26}$/)}, broadcast: {user_id: user.id}});
    const reply = new Promise<unknown>((r) => raw.on('message', (d) => r(JSON.parse(String(d)))));
    raw.send(JSON.stringify({seq: 1, action: 'ping'}));
    expect(await reply).toMatchObject({status: 'OK', seq_reply: 1, data: {text: 'pong'}});
    raw.close();
  });

  it('delivers posted / channel_created / user_added / post_edited (pin) / ephemeral / open_dialog to those who may see them', async () => {
    sim.createTeam('sec');
    const alice = sim.createUser('alice', {teams: ['sec']});
    const eve = sim.createUser('eve', {teams: ['sec']});
    const bot = sim.createBot('cix', {teams: ['sec']});
    const a = connect(alice.token);
    const b = connect(bot.token);
    const e = connect(eve.token);
    await waitFor(() => (a.messages.length && b.messages.length && e.messages.length ? true : undefined));
    const botClient = client(sim.url, bot.token);
    const team = await botClient.getTeamByName('sec');
    const channel = await botClient.createChannel({team_id: team.id, name: 'inc-ws', display_name: 'ws rec', type: 'P'} as never);
    await botClient.addToChannel(alice.user.id, channel.id);
    const post = await botClient.createPost({channel_id: channel.id, message: 'Evidence: runner log shows env dump', props: {attachments: [
      {text: 't', actions: [{id: 'go', name: 'Go', integration: {url: `${integration.url}/a`, context: {s: 1}}}]},
    ]}} as never);
    await botClient.pinPost(post.id);
    await client(sim.url, sim.adminToken).createPostEphemeral(alice.user.id, {channel_id: channel.id, message: 'psst'} as never);
    integration.reply = () => ({body: '{}'});
    const run = await sim.clickButton('alice', post.id, 'go');
    const triggerId = JSON.parse(run.request?.body ?? '{}').trigger_id as string;
    await client(sim.url, '').postJson(`${sim.url}/api/v4/actions/dialogs/open`, {trigger_id: triggerId, url: `${integration.url}/d`, dialog: {title: 'T', elements: []}});

    const find = (list: WebSocketMessage[], event: string, pred: (m: WebSocketMessage) => boolean = () => true): WebSocketMessage | undefined =>
      list.find((m) => m.event === event && pred(m));
    const posted = await waitFor(() => find(a.messages, 'posted', (m) => String(dataOf(m).post).includes('Evidence')));
    const recPosted = recorded('posted');
    expect(keys(dataOf(posted))).toEqual(keys(recPosted.data));
    expect(keys(posted.broadcast)).toEqual(keys(recPosted.broadcast));
    expect(typeof dataOf(posted).post).toBe('string');
    const inner = JSON.parse(String(dataOf(posted).post)) as Record<string, unknown>;
    expect(keys(inner)).toEqual(keys(JSON.parse(String((recPosted.data as {post: string}).post))).concat().sort());
    expect(JSON.stringify(inner)).not.toContain('integration');
    expect(dataOf(posted)).toMatchObject({channel_type: 'P', channel_name: 'inc-ws', channel_display_name: 'ws rec', sender_name: '@cix', set_online: true, team_id: team.id});
    expect(posted.broadcast).toMatchObject({channel_id: channel.id, user_id: '', omit_users: null});

    const created = await waitFor(() => find(b.messages, 'channel_created'));
    expect(dataOf(created)).toEqual({channel_id: channel.id, team_id: team.id});
    expect(created.broadcast).toMatchObject({user_id: bot.user.id});
    expect(keys(dataOf(created))).toEqual(keys(recorded('channel_created').data));

    const added = await waitFor(() => find(a.messages, 'user_added'));
    expect(dataOf(added)).toEqual({team_id: team.id, user_id: alice.user.id});
    expect(added.broadcast).toMatchObject({channel_id: channel.id});

    const pinned = await waitFor(() => find(a.messages, 'post_edited', (m) => JSON.parse(String(dataOf(m).post)).is_pinned === true));
    expect(keys(dataOf(pinned))).toEqual(keys(recorded('post_edited').data));
    expect(JSON.parse(String(dataOf(pinned).post))).toMatchObject({id: post.id, edit_at: 0, is_pinned: true});

    const eph = await waitFor(() => find(a.messages, 'ephemeral_message'));
    expect(JSON.parse(String(dataOf(eph).post))).toMatchObject({message: 'psst', type: 'system_ephemeral', channel_id: channel.id});
    expect(eph.broadcast).toMatchObject({user_id: alice.user.id, channel_id: channel.id});

    const dialog = await waitFor(() => find(a.messages, 'open_dialog'));
    expect(JSON.parse(String(dataOf(dialog).dialog))).toMatchObject({trigger_id: triggerId, url: `${integration.url}/d`, dialog: {title: 'T'}});

    // eve is on the team but not in the private channel: none of it reaches her.
    expect(e.messages.map((m) => m.event)).toEqual(['hello']);
    expect(find(b.messages, 'ephemeral_message')).toBeUndefined();
    // sequence numbers are consecutive per connection (WebSocketClient reconnects otherwise)
    expect(a.messages.map((m) => m.seq)).toEqual(a.messages.map((_m, i) => i));
    expect(sim.wsEvents(alice.user.id).length).toBe(a.messages.length);
  });
});
