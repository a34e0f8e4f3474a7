#!/usr/bin/env node
'use strict';
// Benchmark of the Mattermost bridge against the Mattermost simulator (no real server needed):
//   1. `/ci-exposure start` → private channel + pinned checklist post: median and p99 over repeated starts;
//   2. 200 concurrent checklist clicks on one incident: wall time, and lost updates (must be 0).
// Uses the compiled bridge (server/dist, built by `make bench`) and loads the simulator's TypeScript
// through @swc/core. It measures; it does not pass or fail on a number (except lost updates ≠ 0 → exit 1).
// Options: BENCH_STARTS (default 40), BENCH_CLICKS (default 200), BENCH_DIST (another build of server/dist).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');

const root = path.join(__dirname, '..');
const dist = process.env.BENCH_DIST ? path.resolve(process.env.BENCH_DIST) : path.join(root, 'server', 'dist');
if (!fs.existsSync(path.join(dist, 'main.js'))) {
  process.stderr.write('bench-bridge: server/dist is missing; run `npm run build --workspace server` (make bench does)\n');
  process.exit(2);
}

// Load TypeScript test code (the simulator) through swc, as jest does.
const swc = require('@swc/core');
require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = swc.transformSync(source, {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};

const { startSimulator } = require(path.join(root, 'server', 'test', 'simulator', 'index.ts'));
const { startBridge } = require(path.join(dist, 'main.js'));
const { runSetup } = require(path.join(dist, 'setup-command.js'));
const { createEngineLookup } = require(path.join(dist, 'incidents', 'engine-lookup.js'));
const { configSchema } = require(path.join(dist, 'config.js'));
const { createLogger } = require(path.join(dist, 'logger.js'));

const STARTS = Number(process.env.BENCH_STARTS || 40);
const CLICKS = Number(process.env.BENCH_CLICKS || 200);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(what, probe, timeoutMs = 20000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return sorted[Math.max(0, i)];
}

const ms = (n) => `${n.toFixed(1)} ms`;

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cix-bench-'));
  // The lookup runs for real, over one small repository (it goes on in the background after the start).
  const repo = path.join(tmp, 'org', 'acme', 'web', '.github', 'workflows');
  fs.mkdirSync(repo, { recursive: true });
  fs.writeFileSync(path.join(repo, 'ci.yml'), 'name: ci\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: bash <(curl -s https://codecov.io/bash)\n        env:\n          CODECOV_TOKEN: ${{ secrets.CODECOV_TOKEN }}\n');

  const sim = await startSimulator({ openapiDir: false });
  sim.createTeam('sec', 'Security');
  const users = Array.from({ length: 10 }, (_, i) => `user${i}`);
  for (const u of users) sim.createUser(u, { teams: ['sec'] });
  const town = sim.createChannel('sec', 'town-square', { creator: 'user0', type: 'O', members: users.slice(1) });
  const port = await freePort();
  const dataDir = path.join(tmp, 'data');
  const config = configSchema.parse({
    listen: { host: '127.0.0.1', port },
    mattermost: { siteUrl: sim.url, teams: ['sec'], securityTeam: users.slice(1) },
    dataDir,
    scan: { paths: [path.join(tmp, 'org')] },
    log: { level: 'silent' },
  });
  await runSetup({ siteUrl: sim.url, adminToken: sim.adminToken, publicUrl: `http://127.0.0.1:${port}`, teams: ['sec'], dataDir });
  // The WebSocket (pinned messages) plays no part here; its library logs to the console.
  const bridge = await startBridge(config, createLogger('silent'), { lookup: createEngineLookup(config), websocket: false });
  try {
    // 1. start → channel + pinned checklist
    const durations = [];
    let lastPost;
    for (let i = 0; i < STARTS; i++) {
      const name = `bench incident ${i}`;
      const t0 = process.hrtime.bigint();
      const run = await sim.executeCommand('user0', town.id, `/ci-exposure start codecov-bash-uploader-2021 ${name}`);
      if (run.status !== 200) throw new Error(`start answered ${run.status}`);
      lastPost = await waitFor('the pinned checklist', () =>
        sim.posts().find((p) => p.type === 'custom_cix_checklist' && p.is_pinned && p.message.includes(name)),
      );
      durations.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    durations.sort((a, b) => a - b);
    process.stdout.write(`bridge start → channel + pinned checklist (${STARTS} starts): median ${ms(quantile(durations, 0.5))}, p99 ${ms(quantile(durations, 0.99))}, max ${ms(durations[durations.length - 1])}\n`);

    // 2. concurrent clicks on one incident
    const post = lastPost;
    const incident = bridge.store.getIncidentByChannel(post.channel_id);
    const actions = incident.milestones.map((m) => m.actionId);
    const clicks = Array.from({ length: CLICKS }, (_, i) => ({ user: users[i % users.length], action: actions[(i * 7 + Math.floor(i / 3)) % actions.length] }));
    const t0 = process.hrtime.bigint();
    const results = await Promise.all(clicks.map((c) => sim.clickButton(c.user, post.id, c.action)));
    const wall = Number(process.hrtime.bigint() - t0) / 1e6;
    const failed = results.filter((r) => r.status !== 200).length;

    const expected = new Map();
    for (const c of clicks) expected.set(c.action, !(expected.get(c.action) || false));
    const stored = bridge.store.getIncident(incident.id);
    const recorded = bridge.store.timeline(incident.id).filter((e) => e.kind === 'check' || e.kind === 'uncheck').length;
    const wrongStored = stored.milestones.filter((m) => m.done !== (expected.get(m.actionId) || false)).length;
    const shownNow = () => {
      const final = sim.posts(post.channel_id).find((p) => p.id === post.id);
      return (final && final.props.cix && final.props.cix.milestones) || [];
    };
    const mismatches = () => stored.milestones.filter((m, i) => !shownNow()[i] || shownNow()[i].done !== m.done).length;
    // A click is answered once its patch is out (or after 5 s): give the last patch time to land.
    await waitFor('the post in the stored state', () => mismatches() === 0, 10000).catch(() => undefined);
    const settled = Number(process.hrtime.bigint() - t0) / 1e6;
    const wrongPost = mismatches();
    const lost = (CLICKS - failed - recorded) + wrongStored + wrongPost;
    process.stdout.write(`bridge ${CLICKS} concurrent checklist clicks on one incident: wall ${ms(wall)} (${(CLICKS / (wall / 1000)).toFixed(0)} clicks/s), post settled after ${ms(settled)}, refused ${failed}, lost updates ${lost}\n`);
    if (lost !== 0) process.exitCode = 1;
  } finally {
    await bridge.close();
    await sim.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench-bridge: ${err && err.stack ? err.stack : String(err)}\n`);
  process.exit(1);
});
