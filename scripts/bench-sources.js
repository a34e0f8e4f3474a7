#!/usr/bin/env node
'use strict';
// A whole GitHub organisation as a source. It measures; it does not pass or fail on a number.
//
//   node scripts/bench-sources.js            one line per row, each row in its own child process
//   BENCH_REPOS=2000 node scripts/bench-sources.js
//
// The GitHub simulator (engine/test/simulators/github, in-process, loaded with its TypeScript and the
// engine's through @swc/core) is seeded with an organisation `acme` of BENCH_REPOS (default 10,000)
// repositories, each with 1–3 workflows built from examples/org (go-service: make coverage →
// scripts/cover.sh → curl | bash and a Dockerfile; web-app: a local composite action; pinned-app: SHA
// pins), every file made unique to its repository; one repository in ten deletes a workflow inside the
// window. The actions they use exist in the simulator. Then `ci-exposure scan github:acme --indicator
// tj-actions-changed-files-2025 --format json` runs in-process (runSourceScan, report rendered and dropped):
//   head     --window none: today's heads only;
//   window   the indicator's window: the commit at its start, the commits inside it, and heads.
// Per row: GraphQL calls made while listing the repositories and reading their pipeline files (the
// issue's goal: at most 1 per 50 repositories), per 50 repositories; the calls made after (components
// fetched, the files jobs run read between rounds); wall time; peak RSS (process.resourceUsage().maxRSS,
// of the process holding both the simulator and the scan) and the RSS once the simulator was seeded.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const REPOS = Number(process.env.BENCH_REPOS || 10000);
const ROWS = ['head', 'window'];

function arg(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function loadTypeScript() {
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
}

const read = (p) => fs.readFileSync(path.join(root, 'examples', 'org', 'acme', p), 'utf8');

/** The workflow templates: a workflow file and the other files it needs in its repository. */
function templates() {
  return [
    {
      workflow: ['.github/workflows/ci.yml', read('go-service/.github/workflows/ci.yml')],
      files: { Makefile: read('go-service/Makefile'), 'scripts/cover.sh': read('go-service/scripts/cover.sh'), 'build/Dockerfile': read('go-service/build/Dockerfile') },
    },
    {
      workflow: ['.github/workflows/web.yml', read('web-app/.github/workflows/ci.yml')],
      files: { '.github/actions/coverage/action.yml': read('web-app/.github/actions/coverage/action.yml') },
    },
    { workflow: ['.github/workflows/pinned.yml', read('pinned-app/.github/workflows/ci.yml')], files: {} },
  ];
}

/** Seeds `sim` with the organisation; returns how many repositories and workflow files. */
function seed(sim, count) {
  const t = templates();
  sim.addOrg('acme');
  let workflows = 0;
  for (let i = 0; i < count; i++) {
    const full = `acme/repo-${String(i).padStart(5, '0')}`;
    const n = 1 + (i % 3);
    const files = { 'README.md': `# ${full}\n` };
    for (let k = 0; k < n; k++) {
      const tpl = t[(i + k) % t.length];
      files[tpl.workflow[0]] = `# ${full}\n${tpl.workflow[1]}`;
      for (const [p, text] of Object.entries(tpl.files)) files[p] = p.endsWith('.yml') || p === 'Makefile' || p.endsWith('Dockerfile') ? `# ${full}\n${text}` : `${text}# ${full}\n`;
      workflows++;
    }
    const commits = [{ date: '2025-01-10T09:00:00Z', files }];
    // One in ten deletes its first workflow inside the window (as coinbase/agentkit did).
    if (i % 10 === 0) commits.push({ date: '2025-03-14T16:37:00Z', message: 'remove workflow', files: { [t[i % t.length].workflow[0]]: null } });
    sim.addRepo({ full, commits });
  }
  const action = (full, files, refs) => sim.addRepo({ full, commits: [{ date: '2024-01-01T00:00:00Z', files }], refs });
  action('actions/checkout', { 'action.yml': 'name: checkout\nruns:\n  using: node20\n  main: dist/index.js\n', 'dist/index.js': 'checkout()\n' }, { v4: 0 });
  action('tj-actions/changed-files', { 'action.yml': 'name: changed\nruns:\n  using: node20\n  main: dist/index.js\n', 'dist/index.js': 'changed()\n' }, { v45: 0, '48d8f15b2aaa3d255ca5af3eba4870f807ce6b3c': 0 });
  action('codecov/codecov-action', { 'action.yml': 'name: codecov\nruns:\n  using: node12\n  main: dist/index.js\n', 'dist/index.js': 'upload()\n' }, { v1: 0, '29386c70ef20e286228c72b668a06fd0e8399192': 0 });
  return { repos: count, workflows };
}

async function child(row) {
  loadTypeScript();
  const { GitHubSimulator } = require(path.join(root, 'engine', 'test', 'simulators', 'github', 'server.ts'));
  const { runSourceScan } = require(path.join(root, 'engine', 'src', 'cli', 'scan-sources.ts'));
  const { createGitHubProvider } = require(path.join(root, 'engine', 'src', 'sources', 'github', 'provider.ts'));

  const TOKEN = 'bench-token';
  const sim = await new GitHubSimulator({ token: TOKEN, graphqlBudget: { limit: 10_000_000 }, coreBudget: { limit: 10_000_000 } }).start();
  const seeded = seed(sim, REPOS);
  const seededRss = process.memoryUsage().rss;

  // The GitHub provider, with the end of the source's reading marked (listing + pipeline files).
  const github = createGitHubProvider();
  let listingCalls;
  let readMs;
  const started = Date.now();
  const provider = {
    ...github,
    create(rest, env, options) {
      const source = github.create(rest, env, options);
      if ('error' in source) return source;
      return {
        id: source.id,
        async *versions(window, progress) {
          yield* source.versions(window, progress);
          listingCalls = sim.calls.graphql;
          readMs = Date.now() - started;
        },
      };
    },
  };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cix-bench-sources-'));
  let out = '';
  let code;
  try {
    code = await runSourceScan(
      { paths: ['github:acme'], indicator: 'tj-actions-changed-files-2025', format: 'json', dataDir, ...(row === 'head' ? { window: 'none' } : {}) },
      { stdout: (t) => (out += t), stderr: () => undefined, env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: sim.apiUrl } },
      [provider],
    );
  } finally {
    await sim.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const wallMs = Date.now() - started;
  const report = JSON.parse(out);
  const fileCalls = sim.queries.filter((q) => q.startsWith('query RepoFiles')).length;
  const problems = [...sim.rejected.map((r) => r.errors.join('; ')), ...sim.executionErrors].slice(0, 3);
  process.stdout.write(
    `${JSON.stringify({
      row,
      repos: seeded.repos,
      workflows: seeded.workflows,
      listingCalls,
      laterCalls: sim.calls.graphql - listingCalls,
      fileCalls,
      rest: sim.calls.rest,
      readMs,
      wallMs,
      maxRssKb: process.resourceUsage().maxRSS,
      seededRssKb: Math.round(seededRss / 1024),
      exit: code,
      affected: report.summary.affected,
      unresolved: report.summary.unresolved,
      errors: report.summary.errors,
      problems,
    })}\n`,
  );
}

function main() {
  const mb = (kb) => `${Math.round(kb / 1024)} MB`;
  for (const row of ROWS) {
    const r = spawnSync(process.execPath, ['--max-old-space-size=8192', __filename, '--row', row], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const line = (r.stdout || '').trim().split('\n').pop() || '';
    let m;
    try {
      m = JSON.parse(line);
    } catch {
      process.stdout.write(`bench-sources ${row}: failed (exit ${r.status}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}\n`);
      continue;
    }
    const per50 = (m.listingCalls / m.repos) * 50;
    process.stdout.write(
      `bench-sources ${row.padEnd(6)} github:acme ${m.repos.toLocaleString('en-US')} repositories (${m.workflows.toLocaleString('en-US')} workflows): ` +
        `listing + pipeline files ${m.listingCalls} GraphQL calls = ${per50.toFixed(2)} per 50 repositories (goal ≤ 1); ` +
        `then ${m.laterCalls} (${m.fileCalls} for files jobs run, the rest components), ${m.rest} REST; ` +
        `wall ${(m.wallMs / 1000).toFixed(1)} s (reading ${(m.readMs / 1000).toFixed(1)} s); ` +
        `peak RSS ${mb(m.maxRssKb)} (simulator seeded: ${mb(m.seededRssKb)}); ` +
        `exit ${m.exit}, ${m.affected} affected, ${m.unresolved} unresolved, ${m.errors} errors` +
        (m.problems.length > 0 ? `; simulator refused: ${m.problems.join(' | ')}` : '') +
        '\n',
    );
  }
}

const row = arg('--row');
if (row !== undefined) {
  child(row).catch((err) => {
    process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  });
} else {
  main();
}
