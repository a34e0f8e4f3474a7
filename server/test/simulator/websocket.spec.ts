// WebSocket events as recordings/websocket-5.37.json shows them, received with the real
// WebSocketClient of @mattermost/client (and, for the handshake order, with a bare `ws` socket).
import fs from 'node:fs';
import path from 'node:path';
import type {WebSocketClient, WebSocketMessage} from '@mattermost/client';
import WS from 'ws';
import {z} from 'zod';
import {startSimulator, type Simulator} from './index';
import {client, dataOf, sharedContractsDir, startIntegration, waitFor, wsClient, type FakeIntegration, type TestClient} from './test-support';

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
    // A bad token: the server closes the socket without a close frame (websocket_router.go: conn.WebSocket.Close()).
    const bad = new WS(`${sim.url.replace('http', 'ws')}/api/v4/websocket`);
    const badFrames: unknown[] = [];
    bad.on('message', (d) => badFrames.push(JSON.parse(String(d))));
    await new Promise((r) => bad.on('open', r));
    const closed = new Promise<number>((r) => bad.on('close', (code) => r(code)));
    bad.send(JSON.stringify({seq: 1, action: 'authentication_challenge', data: {token: 'wrong'}}));
    expect(await closed).toBe(1006);
    expect(badFrames).toEqual([]);
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

// Resumable connections, restarts and the authentication rules around them (CONTRACTS §8.7; MM
// api4/websocket.go, app/platform/web_conn.go, web_hub.go, websocket_router.go), with bare `ws` sockets.
interface RawSocket {
  ws: WS;
  frames: Array<Record<string, unknown>>;
  closed: Promise<number>;
  /** The next frame not yet returned by next() (waits for it). */
  next(): Promise<Record<string, unknown>>;
  send(payload: unknown): void;
}

describe('WebSocket connections: resume, restart, authentication', () => {
  let sim: Simulator;
  let alice: {user: {id: string}; token: string};
  let bob: TestClient;
  let channelId: string;
  const open: WS[] = [];

  beforeEach(async () => {
    sim = await startSimulator();
    sim.createTeam('sec');
    alice = sim.createUser('alice', {teams: ['sec']});
    const b = sim.createUser('bob', {teams: ['sec']});
    bob = client(sim.url, b.token);
    channelId = sim.createChannel('sec', 'inc-ws', {creator: 'bob', type: 'P', members: ['alice']}).id;
  });

  afterEach(async () => {
    for (const ws of open.splice(0)) {
      ws.terminate();
    }
    const violations = sim.openapiViolations();
    await sim.close();
    expect(violations).toEqual([]);
  });

  function connect(opts: {token?: string; cookie?: boolean; query?: Record<string, string>} = {}): Promise<RawSocket> {
    const query = opts.query ? `?${new URLSearchParams(opts.query).toString()}` : '';
    const headers: Record<string, string> = {};
    if (opts.token !== undefined) {
      headers[opts.cookie ? 'Cookie' : 'Authorization'] = opts.cookie ? `MMAUTHTOKEN=${opts.token}` : `Bearer ${opts.token}`;
    }
    const ws = new WS(`${sim.url.replace('http', 'ws')}/api/v4/websocket${query}`, {headers});
    open.push(ws);
    const frames: Array<Record<string, unknown>> = [];
    let read = 0;
    ws.on('message', (d) => frames.push(JSON.parse(String(d)) as Record<string, unknown>));
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    return new Promise((resolve, reject) => {
      ws.on('error', reject);
      ws.on('open', () =>
        resolve({
          ws,
          frames,
          closed,
          next: () => waitFor(() => (frames.length > read ? frames[read++] : undefined)),
          send: (payload) => ws.send(JSON.stringify(payload)),
        }),
      );
    });
  }

  async function post(message: string): Promise<void> {
    await bob.createPost({channel_id: channelId, message} as never);
  }

  async function helloOf(socket: RawSocket): Promise<string> {
    const hello = await socket.next();
    expect(hello).toMatchObject({event: 'hello', seq: 0});
    return String((hello.data as {connection_id: string}).connection_id);
  }

  it('a bad token at the upgrade leaves the socket unauthenticated; a challenge then works (hello, reply)', async () => {
    const s = await connect({token: 'not-a-valid-token-xxxxxxxxx'});
    s.send({seq: 1, action: 'ping'}); // not authenticated: the error reply never reaches this socket
    s.send({seq: 2, action: 'authentication_challenge', data: {token: alice.token}});
    await helloOf(s);
    expect(await s.next()).toEqual({status: 'OK', seq_reply: 2});
    expect(s.frames).toHaveLength(2);
    expect(sim.wsUpgrades()).toEqual([{query: {}, auth: 'none', outcome: 'fresh', connectionId: expect.stringMatching(/^[a-z0-9]{26}$/)}]);
  });

  it('ignores a challenge on a socket authenticated at the upgrade; error replies and a bad frame as the server does', async () => {
    const s = await connect({token: alice.token, cookie: true});
    await helloOf(s);
    s.send({seq: 1, action: 'authentication_challenge', data: {token: alice.token}});
    s.send({seq: 2, action: 'ping'});
    expect(await s.next()).toMatchObject({status: 'OK', seq_reply: 2, data: {text: 'pong'}});
    s.send({seq: 0, action: 'ping'});
    expect(await s.next()).toMatchObject({status: 'FAIL', seq_reply: 0, error: {id: 'api.web_socket_router.bad_seq.app_error', status_code: 400}});
    s.ws.send('not json');
    expect(await s.closed).toBe(1006);
    expect(sim.wsUpgrades()[0]).toMatchObject({auth: 'cookie', outcome: 'fresh'});
  });

  it('resumes an authenticated connection after a drop: same id, no hello, the events queued meanwhile in sequence', async () => {
    const s = await connect({token: alice.token});
    const id = await helloOf(s);
    await post('before the drop');
    expect(await s.next()).toMatchObject({event: 'posted', seq: 1});
    sim.dropWebSockets();
    expect(await s.closed).toBe(1006);
    await post('during the drop 1');
    await post('during the drop 2');
    expect(sim.wsConnections(alice.user.id)).toEqual([{connectionId: id, userId: alice.user.id, active: false, nextSeq: 2, queued: 2}]);
    const back = await connect({token: alice.token, query: {connection_id: id, sequence_number: '2'}});
    const first = await back.next();
    const second = await back.next();
    expect([first.event, first.seq, second.event, second.seq]).toEqual(['posted', 2, 'posted', 3]);
    expect(String((first.data as {post: string}).post)).toContain('during the drop 1');
    expect(String((second.data as {post: string}).post)).toContain('during the drop 2');
    expect(sim.wsUpgrades()[1]).toEqual({query: {connection_id: id, sequence_number: '2'}, auth: 'header', outcome: 'resumed', connectionId: id});
    expect(sim.wsConnections(alice.user.id)).toEqual([{connectionId: id, userId: alice.user.id, active: true, nextSeq: 4, queued: 0}]);
  });

  it('does not resume when the upgrade is not authenticated (authentication_challenge): new id, nothing replayed', async () => {
    const s = await connect({token: alice.token});
    const id = await helloOf(s);
    sim.dropWebSockets();
    await s.closed;
    await post('missed');
    const back = await connect({query: {connection_id: id, sequence_number: '1'}});
    back.send({seq: 1, action: 'authentication_challenge', data: {token: alice.token}});
    const newId = await helloOf(back);
    expect(newId).not.toBe(id);
    expect(await back.next()).toEqual({status: 'OK', seq_reply: 1});
    await post('after');
    const next = await back.next();
    expect(next).toMatchObject({event: 'posted', seq: 1});
    expect(String((next.data as {post: string}).post)).toContain('after');
    expect(sim.wsUpgrades()[1]).toMatchObject({auth: 'none', outcome: 'fresh', connectionId: newId});
  });

  it('replays from the dead queue what a dead link swallowed; a sequence it no longer holds = new id and hello', async () => {
    const s = await connect({token: alice.token});
    const id = await helloOf(s);
    sim.partitionWebSockets();
    await post('lost on the wire');
    sim.dropWebSockets();
    await s.closed;
    expect(s.frames).toHaveLength(1); // only the hello arrived
    const back = await connect({token: alice.token, query: {connection_id: id, sequence_number: '1'}});
    const replayed = await back.next();
    expect(replayed).toMatchObject({event: 'posted', seq: 1});
    expect(String((replayed.data as {post: string}).post)).toContain('lost on the wire');
    sim.dropWebSockets();
    await back.closed;
    // The client claims a sequence the server never wrote: message loss.
    const lossy = await connect({token: alice.token, query: {connection_id: id, sequence_number: '7'}});
    const newId = await helloOf(lossy);
    expect(newId).not.toBe(id);
    expect(sim.wsUpgrades()[2]).toMatchObject({outcome: 'message-loss', connectionId: newId});
  });

  it('forgets every connection on restart: same URL and data, refused while down, new id and sequence from 0', async () => {
    const s = await connect({token: alice.token});
    const id = await helloOf(s);
    await post('one');
    await s.next();
    const url = sim.url;
    await sim.stop();
    expect(await s.closed).toBe(1006);
    await expect(fetch(`${url}/api/v4/system/ping`)).rejects.toThrow();
    await sim.start();
    expect(sim.url).toBe(url);
    expect((await client(sim.url, alice.token).getMe()).id).toBe(alice.user.id);
    const back = await connect({token: alice.token, query: {connection_id: id, sequence_number: '2'}});
    const newId = await helloOf(back);
    expect(newId).not.toBe(id);
    expect(sim.wsUpgrades()[1]).toMatchObject({auth: 'header', outcome: 'fresh', connectionId: newId});
    await sim.restart({downMs: 50});
    expect(await back.closed).toBe(1006);
    expect(sim.wsConnections()).toEqual([]);
  });

  it('reaps a connection inactive for more than 5 minutes, and drops one whose queue overflows (256)', async () => {
    const s = await connect({token: alice.token});
    const id = await helloOf(s);
    sim.dropWebSockets();
    await s.closed;
    sim.advanceTime(4 * 60_000);
    const soon = await connect({token: alice.token, query: {connection_id: id, sequence_number: '1'}});
    await waitFor(() => (sim.wsUpgrades()[1]?.outcome === 'resumed' ? true : undefined));
    expect(soon.frames).toEqual([]);
    sim.dropWebSockets();
    await soon.closed;
    sim.advanceTime(10 * 60_000);
    const late = await connect({token: alice.token, query: {connection_id: id, sequence_number: '1'}});
    const reapedId = await helloOf(late);
    expect(reapedId).not.toBe(id);
    expect(sim.wsUpgrades()[2]).toMatchObject({outcome: 'fresh'});

    sim.dropWebSockets();
    await late.closed;
    for (let i = 0; i < 256; i += 1) {
      await post(`queued ${i}`);
    }
    expect(sim.wsConnections(alice.user.id)).toEqual([expect.objectContaining({connectionId: reapedId, active: false, queued: 256})]);
    await post('one too many');
    expect(sim.wsConnections(alice.user.id)).toEqual([]);
    const after = await connect({token: alice.token, query: {connection_id: reapedId, sequence_number: '1'}});
    expect(await helloOf(after)).not.toBe(reapedId);
  });
});
