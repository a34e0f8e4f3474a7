// Two bridges behind one URL on one PostgreSQL database (Mattermost in high availability): concurrent
// clicks and commands through a round-robin proxy, one bridge killed with SIGKILL in the middle. Nothing
// clicked is lost, no message is posted twice, the overdue reminder goes out once.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { configSchema } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startBridge, type RunningBridge } from '../../src/main';
import { runSetup } from '../../src/setup-command';
import { startSimulator, type Simulator } from '../simulator';
import { CLI, cleanEnv } from '../../../engine/test/helpers/cli-process';
import { createTestDatabase, pgTestUrl, type TestDatabase } from '../helpers/store-engines';
import { roundRobin } from '../helpers/round-robin';
import { makeTempDir } from '../helpers/tmp';
import { fakeLookup, freePort, waitFor, waitForAsync } from './harness';

jest.setTimeout(90_000);

const url = pgTestUrl();
if (url === undefined) process.stderr.write('two-bridges.e2e: CIX_TEST_PG_URL is not set; the two-bridge test on PostgreSQL is not run\n');
const describePg = url === undefined ? describe.skip : describe;

describePg('two bridges, one PostgreSQL', () => {
  let sim: Simulator | undefined;
  let db: TestDatabase | undefined;
  let child: ChildProcess | undefined;
  let inProcess: RunningBridge | undefined;
  let proxy: Server | undefined;
  let cleanup: (() => void) | undefined;
  afterEach(async () => {
    child?.kill('SIGKILL');
    await inProcess?.close();
    proxy?.close();
    await sim?.close();
    await db?.drop();
    cleanup?.();
  });

  it('concurrent clicks and updates through both, one killed: no lost update, no duplicate post, one reminder', async () => {
    const tmp = makeTempDir('cix-two-');
    cleanup = tmp.cleanup;
    db = await createTestDatabase('postgres');
    const storeUrl = db.url ?? '';
    sim = await startSimulator();
    sim.createTeam('sec', 'Security');
    for (const name of ['alice', 'bob', 'carol']) sim.createUser(name, { teams: ['sec'] });
    const town = sim.createChannel('sec', 'town-square', { creator: 'alice', type: 'O', members: ['bob', 'carol'] });
    sim.createChannel('sec', 'stakeholders', { creator: 'alice', type: 'O', members: ['bob'] });
    const [portA, portB] = [await freePort(), await freePort()];
    const lb = await roundRobin([portA, portB]);
    proxy = lb.server;
    await runSetup({ siteUrl: sim.url, adminToken: sim.adminToken, publicUrl: lb.url, teams: ['sec'], dataDir: join(tmp.dir, 'setup'), storeUrl });
    sim.addToChannel(sim.channel('stakeholders')?.id ?? '', 'ci-exposure');

    const settings = (port: number, dataDir: string): Record<string, unknown> => ({
      listen: { host: '127.0.0.1', port },
      publicUrl: lb.url,
      mattermost: { siteUrl: sim?.url, teams: ['sec'], securityTeam: ['bob', 'carol'], stakeholderChannel: 'sec/stakeholders' },
      dataDir,
      checklist: { due: { 'initial-assessment': '3s' } },
      outbox: { leaseSeconds: 5 },
      log: { level: 'silent' },
    });
    // Bridge A: a process of its own (the one killed). The database URL comes from the environment.
    const fileA = join(tmp.dir, 'a.yaml');
    writeFileSync(fileA, JSON.stringify(settings(portA, join(tmp.dir, 'a'))));
    child = spawn(process.execPath, [CLI, 'serve', '--config', fileA], { env: { ...cleanEnv(), CIX_STORE_URL: storeUrl }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderrA = '';
    child.stderr?.on('data', (d: Buffer) => (stderrA += d.toString()));
    // Bridge B: in this process.
    const configB = configSchema.parse({ ...settings(portB, join(tmp.dir, 'b')), store: { url: storeUrl } });
    inProcess = await startBridge(configB, createLogger('silent'), { lookup: fakeLookup(), websocket: false, notifierIntervalMs: 200, outboxRetryMs: 50, evidenceEnv: {} });
    await waitForAsync('bridge A ready', async () => (await fetch(`http://127.0.0.1:${portA}/readyz`).catch(() => undefined))?.status === 200, 20_000).catch(() => {
      throw new Error(`bridge A did not start: ${stderrA}`);
    });

    // Start through the proxy (either bridge).
    const started = await sim.executeCommand('alice', town.id, '/ci-exposure start codecov-bash-uploader-2021 Two bridges');
    expect(started.status).toBe(200);
    const checklist = await waitFor('the pinned checklist', () => sim?.posts().find((p) => p.type === 'custom_cix_checklist' && p.is_pinned));
    const channelId = checklist.channel_id;
    const contexts = (checklist.props?.attachments as Array<{ actions: Array<{ integration: { context: Record<string, unknown> } }> }>)[0]?.actions.map((a) => a.integration.context) ?? [];
    // Nine milestones, then the Re-check button.
    expect(contexts).toHaveLength(10);
    expect(contexts[9]?.op).toBe('recheck');

    // 60 clicks on "Done N" for the items 1 and 3–8 (item 2 stays open: its reminder is due in 3 s; item 9
    // stays open) and 10 status updates, all at once, through the proxy; bridge A is killed while they run.
    const clicked = [0, 2, 3, 4, 5, 6, 7];
    const users = ['alice', 'bob', 'carol'];
    const clickOn = (i: number): Promise<number> =>
      fetch(`${lb.url}/actions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ user_id: sim?.user(users[i % 3] ?? 'alice')?.id, user_name: users[i % 3], channel_id: channelId, post_id: checklist.id, context: contexts[clicked[i % 7] ?? 0] }),
      }).then(
        (r) => r.status,
        () => 0,
      );
    const updates = Array.from({ length: 10 }, (_, i) => sim?.executeCommand(users[i % 3] ?? 'alice', channelId, `/ci-exposure update step ${i} done`).then((r) => r.status) ?? Promise.resolve(0));
    const clicks = Array.from({ length: 60 }, (_, i) => clickOn(i));
    setTimeout(() => child?.kill('SIGKILL'), 30);
    const clickStatus = await Promise.all(clicks);
    const updateStatus = await Promise.all(updates);
    await new Promise<void>((r) => (!child || child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));

    // Both bridges answered part of it (A until it was killed).
    expect(lb.served.get(portA) ?? 0).toBeGreaterThan(0);
    expect(lb.served.get(portB) ?? 0).toBeGreaterThan(0);
    expect(clickStatus.filter((s) => s !== 200 && s !== 502)).toEqual([]);
    // Every click answered 200 is in the store; items clicked by nobody who got a 200 may be open.
    const okItems = new Set(clickStatus.flatMap((s, i) => (s === 200 ? [clicked[i % 7] ?? 0] : [])));
    expect(okItems.size).toBeGreaterThan(0);
    const store = inProcess.store;
    const incident = await waitForAsync('the incident', () => store.getIncidentByChannel(channelId));
    for (const item of okItems) expect(incident.milestones[item]?.done).toBe(true);
    expect(incident.milestones[1]?.done).toBe(false);
    expect(incident.milestones[8]?.done).toBe(false);
    const checks = (await store.timeline(incident.id)).filter((e) => e.kind === 'check');
    expect(checks).toHaveLength(incident.milestones.filter((m) => m.done).length);

    // Each update that was answered 200 is posted once in the channel and once to the stakeholders; none twice.
    const okUpdates = updateStatus.flatMap((s, i) => (s === 200 ? [i] : []));
    expect(okUpdates.length).toBeGreaterThan(0);
    const stakeholders = sim.channel('stakeholders')?.id ?? '';
    await waitForAsync('every update delivered', async () => (await store.pendingOutboxCount()) === 0, 30_000);
    for (let i = 0; i < 10; i++) {
      const inChannel = sim.posts(channelId).filter((p) => p.message.endsWith(`: step ${i} done`)).length;
      const toStakeholders = sim.posts(stakeholders).filter((p) => p.message.endsWith(`: step ${i} done`)).length;
      expect(inChannel).toBeLessThanOrEqual(1);
      expect(toStakeholders).toBe(inChannel);
      if (okUpdates.includes(i)) expect(inChannel).toBe(1);
    }
    expect(sim.posts(stakeholders).filter((p) => /started by @alice/.test(p.message))).toHaveLength(1);

    // The 3 s reminder of item 2: one DM and one channel post across both bridges.
    const alice = sim.user('alice')?.id ?? '';
    const dms = (): number => sim?.posts().filter((p) => sim?.channel(p.channel_id)?.type === 'D' && /Milestone overdue/.test(p.message) && sim.members(p.channel_id).includes(alice)).length ?? 0;
    await waitFor('the reminder', () => sim?.posts(channelId).some((p) => /Milestone overdue/.test(p.message)) && dms() === 1, 20_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(sim.posts(channelId).filter((p) => /Milestone overdue/.test(p.message))).toHaveLength(1);
    expect(dms()).toBe(1);
    // Bridge B alone still answers through the same URL.
    const after = await sim.executeCommand('carol', channelId, '/ci-exposure status');
    expect(after.status).toBe(200);
    expect(sim.openapiViolations()).toEqual([]);
  });
});
