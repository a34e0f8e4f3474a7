// The bridge's WebSocket listener (src/mattermost/websocket.ts) against the simulator and, for what a
// conforming server never sends, a scripted `ws` server: authentication on the upgrade, resume with
// replay after a short drop, a new connection id after a restart → missed-message listener → resync,
// and nothing the library or a listener throws escapes.
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { WebSocketServer, type WebSocket as WS } from 'ws';
import { createLogger } from '../../src/logger';
import { CloseEventPolyfill, ensureWebSocketGlobals, listenWebSocket, type WebSocketListener, type WebSocketOptions, type WsPost } from '../../src/mattermost/websocket';
import { startSimulator, type Simulator } from '../simulator';
import { client } from '../simulator/test-support';
import { waitFor } from './harness';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

function captureLogs(): { logger: ReturnType<typeof createLogger>; lines: LogLine[]; text: () => string } {
  const lines: LogLine[] = [];
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: createLogger('info', sink), lines, text: () => text };
}

const count = (lines: LogLine[], msg: string): number => lines.filter((l) => l.msg === msg).length;

describe('bridge WebSocket listener', () => {
  let sim: Simulator;
  let bot: { user: { id: string }; token: string };
  let aliceToken: string;
  let channelId: string;
  let listener: WebSocketListener | undefined;
  let logs: ReturnType<typeof captureLogs>;
  let posts: WsPost[];
  let resyncs: number;
  let consoleSpy: jest.SpyInstance;

  beforeEach(async () => {
    consoleSpy = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    sim = await startSimulator();
    sim.createTeam('sec');
    aliceToken = sim.createUser('alice', { teams: ['sec'] }).token;
    bot = sim.createBot('cix', { teams: ['sec'] });
    channelId = sim.createChannel('sec', 'inc-1', { creator: 'alice', type: 'P', members: ['cix'] }).id;
    logs = captureLogs();
    posts = [];
    resyncs = 0;
  });

  afterEach(async () => {
    listener?.close();
    listener = undefined;
    await sim.close();
    consoleSpy.mockRestore();
    expect(logs.text()).not.toContain(bot.token);
  });

  function listen(overrides: Partial<WebSocketOptions> = {}): WebSocketListener {
    listener = listenWebSocket({
      url: `${sim.url.replace('http', 'ws')}/api/v4/websocket`,
      token: bot.token,
      logger: logs.logger,
      onPost: (_event, post) => posts.push(post),
      onResync: async () => {
        resyncs += 1;
      },
      retry: { minMs: 100, maxMs: 400, jitterMs: 0 },
      watchdogMs: 100,
      ...overrides,
    });
    return listener;
  }

  async function pinNew(message: string): Promise<string> {
    const alice = client(sim.url, aliceToken);
    const post = await alice.createPost({ channel_id: channelId, message } as never);
    await alice.pinPost(post.id);
    return post.id;
  }

  const pinned = (id: string): WsPost | undefined => posts.find((p) => p.id === id && p.is_pinned === true);

  it('authenticates on the upgrade, resyncs after the first hello, reports connected and passes pins on', async () => {
    const ws = listen();
    await waitFor('connected', () => ws.status().state === 'connected');
    await waitFor('the first resync', () => resyncs === 1);
    expect(sim.wsUpgrades()).toEqual([{ query: { connection_id: '', sequence_number: '0' }, auth: 'header', outcome: 'fresh', connectionId: expect.stringMatching(/^[a-z0-9]{26}$/) }]);
    expect(ws.status()).toMatchObject({ state: 'connected', attempts: 0, reconnects: 0, missed: 0, connectionId: sim.wsUpgrades()[0]?.connectionId });
    expect(ws.health()).toEqual({ healthy: true, since: ws.status().since, details: { state: 'connected', attempts: 0, reconnects: 0, missed: 0 } });
    const id = await pinNew('Evidence: runner log');
    expect(await waitFor('the pin', () => pinned(id))).toMatchObject({ channel_id: channelId, message: 'Evidence: runner log' });
    expect(count(logs.lines, 'websocket connected')).toBe(1);
  });

  it('resumes after a short drop: the pin made meanwhile is replayed, no resync needed', async () => {
    const ws = listen({ retry: { minMs: 400, maxMs: 800, jitterMs: 0 } });
    await waitFor('the first resync', () => resyncs === 1);
    const firstId = ws.status().connectionId;
    sim.dropWebSockets();
    const id = await pinNew('pinned during the drop');
    // The post and its pin happened while the bot's connection was down: the server queued both for the resume.
    expect(sim.wsConnections(bot.user.id)).toEqual([expect.objectContaining({ connectionId: firstId, active: false, queued: 2 })]);
    await waitFor('the replayed pin', () => pinned(id));
    expect(sim.wsUpgrades()[1]).toEqual({ query: { connection_id: firstId, sequence_number: expect.stringMatching(/^[1-9]\d*$/), disconnect_err_code: '1006' }, auth: 'header', outcome: 'resumed', connectionId: firstId });
    await waitFor('reconnected', () => ws.status().state === 'connected');
    expect(ws.status()).toMatchObject({ reconnects: 1, missed: 0, connectionId: firstId });
    expect(resyncs).toBe(1);
    expect(count(logs.lines, 'websocket disconnected; reconnecting with backoff (degraded until then)')).toBe(1);
    expect(count(logs.lines, 'websocket reconnected')).toBe(1);
  });

  it('after a restart (new connection id) the missed-message listener resyncs; degraded while down, logged once', async () => {
    const ws = listen();
    await waitFor('the first resync', () => resyncs === 1);
    const firstId = ws.status().connectionId;
    await sim.stop();
    const down = await waitFor('three failed attempts', () => (ws.status().attempts >= 3 ? ws.status() : undefined), 5000);
    expect(down).toMatchObject({ state: 'reconnecting', lastError: expect.stringMatching(/ECONNREFUSED/) });
    const health = ws.health();
    expect(health).toMatchObject({ healthy: false, since: down.since, reason: expect.stringMatching(/^websocket disconnected, reconnecting: connect ECONNREFUSED/) });
    await sim.start();
    await waitFor('the resync after the restart', () => resyncs === 2);
    await waitFor('reconnected', () => ws.status().state === 'connected');
    expect(ws.status()).toMatchObject({ reconnects: 1, missed: 1, attempts: 0 });
    expect(ws.status().connectionId).not.toBe(firstId);
    const last = sim.wsUpgrades().at(-1);
    expect(last).toMatchObject({ query: { connection_id: firstId }, auth: 'header', outcome: 'fresh', connectionId: ws.status().connectionId });
    expect(ws.health().healthy).toBe(true);
    expect(count(logs.lines, 'websocket disconnected; reconnecting with backoff (degraded until then)')).toBe(1);
    expect(count(logs.lines, 'websocket reconnected')).toBe(1);
    expect(count(logs.lines, 'websocket: the server has a new connection for the bot; events were missed, resyncing over REST')).toBe(1);
    expect(logs.lines.filter((l) => l.level >= 40)).toHaveLength(1); // one warning for the whole outage
  });

  it('a half-open link: no pong → the client reconnects (CloseEvent 4000), the server gives a new id → resync', async () => {
    const ws = listen({ pingIntervalMs: 150 });
    await waitFor('the first resync', () => resyncs === 1);
    const firstId = ws.status().connectionId;
    sim.partitionWebSockets();
    await waitFor('the resync after the dead link', () => resyncs === 2, 5000);
    expect(sim.wsUpgrades()[1]).toMatchObject({ query: { connection_id: firstId, disconnect_err_code: '4000' }, outcome: 'fresh' });
    await waitFor('reconnected', () => ws.status().state === 'connected');
    expect(ws.status()).toMatchObject({ reconnects: 1, missed: 1 });
    const id = await pinNew('after the dead link');
    await waitFor('the pin on the new connection', () => pinned(id));
  });

  it('retries a failing resync with backoff and says so until it succeeds', async () => {
    let calls = 0;
    const ws = listen({
      onResync: async () => {
        calls += 1;
        if (calls < 3) throw new Error(`pinned posts unavailable (${calls})`);
      },
    });
    const failing = await waitFor('a failed resync', () => (ws.status().resync.failing ? ws.health() : undefined));
    expect(failing).toMatchObject({ healthy: false, reason: expect.stringMatching(/^resync of missed events failing: pinned posts unavailable/) });
    await waitFor('the resync recovered', () => calls === 3 && ws.status().resync.failing === undefined && !ws.status().resync.running);
    expect(ws.status().resync.lastOkAt).toEqual(expect.any(Number));
    expect(ws.health().healthy).toBe(true);
    expect(count(logs.lines, 'websocket resync failed; retrying')).toBe(1);
    expect(count(logs.lines, 'websocket resync recovered')).toBe(1);
  });

  it('a listener that throws is logged; later events still arrive on the same connection', async () => {
    let first = true;
    const ws = listen({
      onPost: (_event, post) => {
        if (first) {
          first = false;
          throw new Error('store closed');
        }
        posts.push(post);
      },
    });
    await waitFor('connected', () => ws.status().state === 'connected');
    await pinNew('first');
    const id = await pinNew('second');
    await waitFor('the second pin', () => pinned(id));
    expect(logs.lines.find((l) => l.msg === 'websocket listener failed')).toMatchObject({ where: 'message listener', error: 'store closed' });
    expect(ws.status()).toMatchObject({ state: 'connected', reconnects: 0 });
  });

  it('replaces a client that stopped reconnecting (its close handler threw)', async () => {
    const ws = listen();
    await waitFor('the first resync', () => resyncs === 1);
    // The library logs "websocket closed" first thing in its close handler: make that throw once.
    consoleSpy.mockImplementationOnce(() => {
      throw new Error('stdout closed');
    });
    sim.dropWebSockets();
    await waitFor('the resync of the new client', () => resyncs === 2, 5000);
    await waitFor('reconnected', () => ws.status().state === 'connected');
    expect(logs.lines.find((l) => l.msg === 'websocket event handling failed; reconnecting')).toMatchObject({ handler: 'close', error: 'stdout closed' });
    expect(count(logs.lines, 'websocket client stopped reconnecting; starting a new one')).toBe(1);
    expect(sim.wsUpgrades()[1]).toMatchObject({ query: { connection_id: '', sequence_number: '0' }, outcome: 'fresh' });
    expect(sim.wsConnections(bot.user.id).filter((c) => c.active)).toHaveLength(1);
    expect(ws.status()).toMatchObject({ reconnects: 1 });
  });

  it('with a token the server refuses: never connected, keeps trying, says why; close() stops it', async () => {
    const ws = listen({ token: 'revokedtokenxxxxxxxxxxxxxx' });
    const status = await waitFor('two failed attempts', () => (ws.status().attempts >= 2 ? ws.status() : undefined));
    expect(status).toMatchObject({ state: 'connecting', lastError: 'closed (1006)' });
    expect(ws.health()).toMatchObject({ healthy: false, reason: 'websocket not connected yet: closed (1006)' });
    expect(sim.wsUpgrades()[0]).toMatchObject({ auth: 'none' });
    expect(resyncs).toBe(0);
    expect(count(logs.lines, 'websocket cannot connect; retrying with backoff')).toBe(1);
    ws.close();
    const upgrades = sim.wsUpgrades().length;
    await new Promise((r) => setTimeout(r, 400));
    expect(sim.wsUpgrades()).toHaveLength(upgrades);
    expect(ws.status().state).toBe('closed');
    expect(logs.text()).not.toContain('revokedtokenxxxxxxxxxxxxxx');
  });
});

describe('bridge WebSocket listener against a server that breaks the protocol', () => {
  let server: WebSocketServer;
  let listener: WebSocketListener | undefined;
  let consoleSpy: jest.SpyInstance;

  beforeEach(() => {
    consoleSpy = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    listener?.close();
    for (const c of server.clients) c.terminate();
    await new Promise((r) => server.close(r));
    consoleSpy.mockRestore();
  });

  it('survives a sequence gap (the client builds a CloseEvent) and a frame that is not JSON', async () => {
    const upgrades: Array<{ query: Record<string, string>; authorization: string | undefined }> = [];
    const pin = JSON.stringify({ id: 'p1', channel_id: 'c1', user_id: 'u1', message: 'm', is_pinned: true });
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    server.on('connection', (socket: WS, req) => {
      upgrades.push({ query: Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams), authorization: req.headers.authorization });
      const n = upgrades.length;
      const event = (name: string, seq: number, data: Record<string, unknown>): void =>
        socket.send(JSON.stringify({ event: name, data, broadcast: { omit_users: null, user_id: '', channel_id: '', team_id: '' }, seq }));
      if (n === 1) {
        event('hello', 0, { connection_id: 'aaaaaaaaaaaaaaaaaaaaaaaaaa', server_version: 'x' });
        event('posted', 5, { post: pin }); // a gap: 1 expected
      } else if (n === 2) {
        socket.send('<html>502 Bad Gateway</html>');
      } else if (n === 3) {
        event('post_edited', 1, { post: pin }); // resumed: the sequence goes on
      }
    });
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as AddressInfo).port;
    const logs = captureLogs();
    const posts: WsPost[] = [];
    listener = listenWebSocket({
      url: `ws://127.0.0.1:${port}/api/v4/websocket`,
      token: 'tok3nvaluexxxxxxxxxxxxxxxx',
      logger: logs.logger,
      onPost: (_event, post) => posts.push(post),
      retry: { minMs: 50, maxMs: 200, jitterMs: 0 },
    });
    await waitFor('the event after two bad connections', () => posts[0]);
    expect(posts).toEqual([expect.objectContaining({ id: 'p1', is_pinned: true })]);
    expect(upgrades.map((u) => u.authorization)).toEqual(['Bearer tok3nvaluexxxxxxxxxxxxxxxx', 'Bearer tok3nvaluexxxxxxxxxxxxxxxx', 'Bearer tok3nvaluexxxxxxxxxxxxxxxx']);
    expect(upgrades[1]?.query).toEqual({ connection_id: 'aaaaaaaaaaaaaaaaaaaaaaaaaa', sequence_number: '1', disconnect_err_code: '4001' });
    expect(upgrades[2]?.query).toEqual({ connection_id: 'aaaaaaaaaaaaaaaaaaaaaaaaaa', sequence_number: '1', disconnect_err_code: '1006' });
    expect(logs.lines.find((l) => l.msg === 'websocket event handling failed; reconnecting')).toMatchObject({ handler: 'message', error: expect.stringMatching(/JSON/) });
    expect(listener.status()).toMatchObject({ state: 'connected', reconnects: 2 });
    expect(logs.text()).not.toContain('tok3nvaluexxxxxxxxxxxxxxxx');
  });
});

describe('bridge WebSocket listener with a URL the socket cannot even be built for', () => {
  it('keeps trying instead of throwing from a timer, and says why', async () => {
    const consoleSpy = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const logs = captureLogs();
    const listener = listenWebSocket({
      url: 'ftp://127.0.0.1/api/v4/websocket',
      token: 'tok3nvaluexxxxxxxxxxxxxxxx',
      logger: logs.logger,
      onPost: () => undefined,
      retry: { minMs: 20, maxMs: 50, jitterMs: 0 },
    });
    try {
      const status = await waitFor('three failed attempts', () => (listener.status().attempts >= 3 ? listener.status() : undefined));
      expect(status).toMatchObject({ state: 'connecting', lastError: expect.stringMatching(/protocol/) });
      expect(count(logs.lines, 'websocket cannot connect; retrying with backoff')).toBe(1);
    } finally {
      listener.close();
      consoleSpy.mockRestore();
    }
  });
});

describe('WebSocket globals', () => {
  const g = globalThis as { CloseEvent?: unknown };
  const original = g.CloseEvent;
  afterEach(() => {
    g.CloseEvent = original;
  });

  it('defines CloseEvent only when it is missing', () => {
    delete g.CloseEvent;
    ensureWebSocketGlobals();
    expect(g.CloseEvent).toBe(CloseEventPolyfill);
    const event = new CloseEventPolyfill('close', { code: 4001, wasClean: false });
    expect([event instanceof Event, event.type, event.code, event.reason, event.wasClean]).toEqual([true, 'close', 4001, '', false]);
    class Native extends Event {}
    g.CloseEvent = Native;
    ensureWebSocketGlobals();
    expect(g.CloseEvent).toBe(Native);
  });
});
