// "The bridge survives the real world": Mattermost restarts under a running bridge. The restarted server
// knows none of the old WebSocket connections and starts its sequence numbers at 0 again; before the
// fix, @mattermost/client built a CloseEvent on that sequence reset, Node 20 has none, the ReferenceError
// escaped from the socket's message handler and the bridge process died.
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';
import { startedIncident, startHarness, waitForAsync, type Harness } from './harness';

interface Health {
  status: string;
  ready: boolean;
  checks: { websocket?: { status: string; since: string; reason?: string; state: string; attempts: number; reconnects: number; missed: number } };
}

describe('bridge across a Mattermost restart', () => {
  let h: Harness | undefined;
  let consoleSpy: jest.SpyInstance;

  beforeEach(() => {
    consoleSpy = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    await h?.close();
    h = undefined;
    consoleSpy.mockRestore();
  });

  it('stays up, says degraded while Mattermost is down, resyncs the pin it missed, and serves commands after', async () => {
    const log: Array<{ level: number; msg: string }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line.trim()) log.push(JSON.parse(line) as { level: number; msg: string });
        done();
      },
    });
    h = await startHarness({ websocket: true, logger: createLogger('info', sink) });
    const harness = h;
    const health = async (): Promise<Health> => {
      const res = await fetch(`${harness.bridge.url}/healthz`);
      expect(res.status).toBe(200);
      return (await res.json()) as Health;
    };
    await harness.sim.executeCommand('alice', harness.townSquare, '/ci-exposure start codecov-bash-uploader-2021');
    const { channelId } = await startedIncident(harness, /Codecov/);
    const erin = harness.sim.createUser('erin', { teams: ['sec'] }).token;
    harness.sim.addToChannel(channelId, 'erin');
    const incident = await harness.bridge.store.getIncidentByChannel(channelId);
    expect(incident).toBeDefined();
    const up = await waitForAsync('the WebSocket up', async () => {
      const body = await health();
      return body.checks.websocket?.status === 'ok' ? body : undefined;
    });
    expect(up).toMatchObject({ status: 'ok', ready: true, checks: { websocket: { state: 'connected', reconnects: 0, missed: 0 } } });
    const before = harness.sim.wsUpgrades();
    expect(before).toEqual([expect.objectContaining({ auth: 'header', outcome: 'fresh' })]);
    const firstConnection = before[0]?.connectionId;

    // Mattermost goes down: every socket closed, the port refuses connections.
    await harness.sim.stop();
    const down = await waitForAsync('/healthz degraded after a failed attempt', async () => {
      const body = await health();
      return body.checks.websocket && body.checks.websocket.attempts >= 1 ? body : undefined;
    });
    expect(down).toMatchObject({
      status: 'degraded',
      ready: true,
      checks: { websocket: { status: 'degraded', state: 'reconnecting', reason: expect.stringMatching(/^websocket disconnected, reconnecting: connect ECONNREFUSED/) } },
    });
    expect(Date.parse(down.checks.websocket?.since ?? '')).toBeGreaterThan(Date.parse(up.checks.websocket?.since ?? ''));
    const readyz = await fetch(`${harness.bridge.url}/readyz`);
    expect(readyz.status).toBe(200);

    // It comes back (same data, no connection remembered) and someone pins evidence at once, before the
    // bridge's next attempt (at least 1 s after the failed one): no event will ever tell the bridge.
    await harness.sim.start();
    const created = await fetch(`${harness.sim.url}/api/v4/posts`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${erin}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel_id: channelId, message: 'Second evidence while the bridge was cut off' }),
    });
    expect(created.status).toBe(201);
    const second = (await created.json()) as { id: string };
    const pinned = await fetch(`${harness.sim.url}/api/v4/posts/${second.id}/pin`, { method: 'POST', headers: { Authorization: `Bearer ${erin}` } });
    expect(pinned.status).toBe(200);
    expect((await health()).checks.websocket?.status).toBe('degraded');

    // The bridge reconnects with its old connection id; the server gives a new one with a hello at
    // sequence 0; the missed-message listener resyncs the pinned posts over REST.
    const pin = await waitForAsync('the missed pin in the timeline', async () => (await harness.bridge.store.timeline(incident?.id ?? '')).find((e) => e.kind === 'pin' && e.ref === second.id));
    expect(pin.text).toBe('Pinned message: Second evidence while the bridge was cut off');
    const reconnect = harness.sim.wsUpgrades().at(-1);
    expect(reconnect).toMatchObject({ query: { connection_id: firstConnection }, auth: 'header', outcome: 'fresh' });
    expect(reconnect?.connectionId).not.toBe(firstConnection);
    expect(harness.sim.wsEvents().filter((e) => e.connectionId === reconnect?.connectionId)[0]?.message).toMatchObject({ event: 'hello', seq: 0 });
    const after = await waitForAsync('/healthz ok again', async () => {
      const body = await health();
      return body.status === 'ok' ? body : undefined;
    });
    expect(after).toMatchObject({ ready: true, checks: { websocket: { status: 'ok', state: 'connected', attempts: 0, reconnects: 1, missed: 1 } } });

    // Commands work after the restart, and see the resynced pin.
    const timeline = await harness.sim.executeCommand('alice', channelId, '/ci-exposure timeline');
    expect(timeline.status).toBe(200);
    expect(String(timeline.ephemeral?.message)).toContain('Pinned message: Second evidence while the bridge was cut off');

    // The outage is told once: one warning when it went down, one line when it came back.
    expect(log.filter((l) => l.msg === 'websocket disconnected; reconnecting with backoff (degraded until then)')).toHaveLength(1);
    expect(log.filter((l) => l.msg === 'websocket reconnected')).toHaveLength(1);
    expect(log.filter((l) => l.msg.startsWith('websocket') && l.level >= 40)).toHaveLength(1);
  }, 30_000);
});
