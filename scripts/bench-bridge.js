#!/usr/bin/env node
'use strict';
// Benchmark of the Mattermost bridge against the Mattermost simulator (no real server needed):
//   1. `/ci-exposure start` → private channel + pinned checklist post: median and p99 over repeated starts;
//   2. 200 concurrent checklist clicks on one incident: wall time, and lost updates (must be 0);
//   3. the same on two bridges behind one URL sharing one PostgreSQL database (CIX_TEST_PG_URL: a role
//      that may create databases), with status updates at the same time: lost updates and duplicate
//      posts (both must be 0).
// Uses the compiled bridge (server/dist, over engine/dist and contract/dist; built by `make bench`) and
// loads the simulator's TypeScript through @swc/core. It measures; it does not pass or fail on a number
// (except lost updates ≠ 0 → exit 1).
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
const { roundRobin } = require(path.join(root, 'server', 'test', 'helpers', 'round-robin.ts'));
const { startBridge } = require(path.join(dist, 'main.js'));
const { runSetup } = require(path.join(dist, 'setup-command.js'));
const { createEngineLookup } = require(path.join(dist, 'mattermost', 'engine-lookup.js'));
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

/** Mattermost's request for a click on `post` with a button's context (as the integration receives it). */
function click(actionsUrl, sim, user, post, context) {
  return fetch(actionsUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user_id: sim.user(user).id, user_name: user, channel_id: post.channel_id, post_id: post.id, context }),
  }).then((r) => r.status, () => 0);
}

function contextsOf(post) {
  return post.props.attachments[0].actions.map((a) => a.integration.context);
}

/**
 * CLICKS concurrent clicks in two waves, each on the rendering people see at its start (buttons set a
 * state): every item "Done", then every item "Undo". A lost update is an item whose stored or shown
 * state is not the wave's target, or a change recorded more or less often than once; a duplicate is a
 * status update posted more than once. Updates (10 per wave) run at the same time as the clicks.
 */
async function clickRun({ sim, users, post, actionsUrl, store, update }) {
  const incident = await store.getIncidentByChannel(post.channel_id);
  const items = incident.milestones.length;
  let lost = 0;
  let refused = 0;
  let wall = 0;
  let settledAt = 0;
  const t0 = process.hrtime.bigint();
  for (const [wave, target] of [[0, true], [1, false]]) {
    const shown = sim.posts(post.channel_id).find((p) => p.id === post.id);
    const contexts = contextsOf(shown);
    const w0 = process.hrtime.bigint();
    const half = Math.floor(CLICKS / 2);
    const statuses = await Promise.all([
      ...Array.from({ length: half }, (_, i) => click(actionsUrl, sim, users[i % users.length], post, contexts[i % items])),
      ...(update ? Array.from({ length: 10 }, (_, i) => update(users[i % users.length], `wave ${wave} step ${i}`)) : []),
    ]);
    wall += Number(process.hrtime.bigint() - w0) / 1e6;
    refused += statuses.filter((s) => s !== 200).length;
    const stored = await store.getIncident(incident.id);
    lost += stored.milestones.filter((m) => m.done !== target).length;
    if (process.env.BENCH_DEBUG) process.stderr.write(`wave ${wave}: stored ${JSON.stringify(stored.milestones.map((m) => [m.id, m.done]))}\n`);
    const shownState = () => (sim.posts(post.channel_id).find((p) => p.id === post.id)?.props.cix?.milestones ?? []).map((m) => m.done);
    await waitFor('the post in the stored state', () => shownState().length === items && shownState().every((d) => d === target), 10000).catch(() => undefined);
    settledAt = Number(process.hrtime.bigint() - t0) / 1e6;
    lost += shownState().filter((d) => d !== target).length;
  }
  const changes = (await store.timeline(incident.id)).filter((e) => e.kind === 'check' || e.kind === 'uncheck').length;
  lost += Math.abs(changes - 2 * items);
  if (process.env.BENCH_DEBUG) process.stderr.write(`changes ${changes}; kinds ${JSON.stringify((await store.timeline(incident.id)).map((e) => e.kind))}\n`);
  let duplicates = 0;
  if (update) {
    // An update answered "working on it" (Mattermost's slash deadline) is applied a little later: wait for
    // all 20 in the timeline, then for the outbox to drain, before counting posts.
    const until = Date.now() + 20000;
    const updates = async () => (await store.timeline(incident.id)).filter((e) => e.kind === 'update').length;
    while ((await updates()) < 20 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    while ((await store.pendingOutboxCount()) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    for (const wave of [0, 1]) {
      for (let i = 0; i < 10; i++) {
        const n = sim.posts(post.channel_id).filter((p) => p.message.endsWith(`: wave ${wave} step ${i}`)).length;
        if (n > 1) duplicates += n - 1;
        if (n === 0) lost += 1;
      }
    }
  }
  const text = `wall ${ms(wall)} (${(CLICKS / (wall / 1000)).toFixed(0)} clicks/s), post settled after ${ms(settledAt)}, refused ${refused}, lost updates ${lost}` + (update ? `, duplicate posts ${duplicates}` : '');
  return { lost, duplicates, text };
}

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
    const result = await clickRun({ sim, users, post: lastPost, actionsUrl: `${bridge.url}/actions`, store: bridge.store });
    process.stdout.write(`bridge ${CLICKS} concurrent checklist clicks on one incident: ${result.text}\n`);
    if (result.lost !== 0 || result.duplicates !== 0) process.exitCode = 1;
  } finally {
    await bridge.close();
    await sim.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  await twoBridges();
}

/** 3. Two bridges, one PostgreSQL database (created for the run and dropped after it). */
async function twoBridges() {
  const adminUrl = process.env.CIX_TEST_PG_URL;
  if (!adminUrl) {
    process.stdout.write('bridge two bridges on one PostgreSQL: not run (CIX_TEST_PG_URL is not set; `make bench` sets it when PostgreSQL is installed)\n');
    return;
  }
  const { Client } = require('pg');
  const name = `cix_bench_${Date.now()}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${name}`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cix-bench2-'));
  const sim = await startSimulator({ openapiDir: false });
  const bridges = [];
  let proxy;
  try {
    sim.createTeam('sec', 'Security');
    const users = Array.from({ length: 10 }, (_, i) => `user${i}`);
    for (const u of users) sim.createUser(u, { teams: ['sec'] });
    const town = sim.createChannel('sec', 'town-square', { creator: 'user0', type: 'O', members: users.slice(1) });
    sim.createChannel('sec', 'stakeholders', { creator: 'user0', type: 'O', members: [] });
    const ports = [await freePort(), await freePort()];
    const lb = await roundRobin(ports);
    proxy = lb.server;
    await runSetup({ siteUrl: sim.url, adminToken: sim.adminToken, publicUrl: lb.url, teams: ['sec'], dataDir: path.join(tmp, 'setup'), storeUrl: dbUrl.toString() });
    sim.addToChannel(sim.channel('stakeholders').id, 'ci-exposure');
    const { fakeLookup } = require(path.join(root, 'server', 'test', 'bridge', 'harness.ts'));
    for (const [i, port] of ports.entries()) {
      const config = configSchema.parse({
        listen: { host: '127.0.0.1', port },
        publicUrl: lb.url,
        mattermost: { siteUrl: sim.url, teams: ['sec'], securityTeam: users.slice(1), stakeholderChannel: 'sec/stakeholders' },
        dataDir: path.join(tmp, `b${i}`),
        store: { url: dbUrl.toString() },
        log: { level: 'silent' },
      });
      bridges.push(await startBridge(config, createLogger('silent'), { lookup: fakeLookup(), websocket: false, notifierIntervalMs: 200, outboxRetryMs: 50 }));
    }
    const run = await sim.executeCommand('user0', town.id, '/ci-exposure start codecov-bash-uploader-2021 two bridges');
    if (run.status !== 200) throw new Error(`start answered ${run.status}`);
    const post = await waitFor('the pinned checklist', () => sim.posts().find((p) => p.type === 'custom_cix_checklist' && p.is_pinned));
    const update = (user, text) => sim.executeCommand(user, post.channel_id, `/ci-exposure update ${text}`).then((r) => r.status);
    const result = await clickRun({ sim, users, post, actionsUrl: `${lb.url}/actions`, store: bridges[0].store, update });
    const served = ports.map((p) => lb.served.get(p) ?? 0).join(' / ');
    process.stdout.write(`bridge two bridges on one PostgreSQL, ${CLICKS} concurrent clicks + 20 status updates (requests served ${served}): ${result.text}\n`);
    if (result.lost !== 0 || result.duplicates !== 0) process.exitCode = 1;
  } finally {
    for (const b of bridges) await b.close();
    proxy?.close();
    await sim.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench-bridge: ${err && err.stack ? err.stack : String(err)}\n`);
  process.exit(1);
});
