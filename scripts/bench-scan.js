#!/usr/bin/env node
'use strict';
// Scan throughput and memory. It measures; it does not pass or fail. Needs the built engine
// (npm run build --workspace engine) and ../shared/ci-corpus beside the clone (one line and that part
// is skipped when it is absent).
//
//   node scripts/bench-scan.js [--rounds N] [--repos N,N] [--keep] [--only-index | --only-scan]
//   (--only-index: part 4 alone, the component-usage index; --only-scan: parts 1 to 3, without it)
//
// 1. A synthetic organisation (2,000 repositories, 5 pipeline files each, ~10,000 files) is written to a
//    temporary folder from the corpus files, each copy made unique to its repository (a first comment line
//    naming the repository: no two files of the organisation have the same bytes, so a cache keyed by file
//    content cannot make the measure meaningless). Whole-process, side by side, in this one run:
//      raw js-yaml parse  a child process that reads every pipeline file and js-yaml-loads it;
//      scan               a child process running the `ci-exposure` command (engine/bin/ci-exposure.js, with
//                         what it sets up before the engine loads) as `ci-exposure scan ORG --component
//                         gha:tj-actions/changed-files --format json > FILE` (read, parse, resolve, match,
//                         assess, render, write), in its default mode and with --jobs 1 and --jobs N; the
//                         report file is read by this process after the child has exited, untimed;
//    MB/s = pipeline bytes / wall time of the process; ratio = scan MB/s / raw MB/s. Beside it, the CPU time
//    of the child (user + system, every thread): on a machine other jobs are loading, wall time stretches
//    with their load and CPU time much less, so the CPU ratio says whether a change made the scan cheaper.
// 2. Peak RSS (process.resourceUsage().maxRSS) of the scan at 2,000 and 10,000 repositories, each in its own
//    child process.
// 3. In-process medians on the corpus itself (parse baseline, one indicator, the whole catalog), and
//    hostile sizes.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const corpus = path.join(root, '..', 'shared', 'ci-corpus');
const engine = path.join(root, 'engine', 'dist', 'index.js');
const COMPONENT = 'gha:tj-actions/changed-files';
const FILES_PER_REPO = 5;
const ONLY_INDEX = process.argv.includes('--only-index');
const ONLY_SCAN = process.argv.includes('--only-scan');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

function yamlFiles(dir) {
  return fs
    .readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = path.join(dir, name);
      const st = fs.lstatSync(p);
      if (st.isDirectory()) return yamlFiles(p);
      return st.isFile() && /\.ya?ml$/i.test(name) ? [p] : [];
    });
}

// ───────────── child processes (node scripts/bench-scan.js --child raw|scan DIR …) ─────────────

function report(obj) {
  process.stderr.write(`BENCH ${JSON.stringify(obj)}\n`);
}

function childRaw(dir) {
  let yaml;
  let parser;
  try {
    yaml = require('js-yaml');
    parser = 'js-yaml';
  } catch {
    yaml = require('yaml');
    parser = 'yaml';
  }
  let bytes = 0;
  let files = 0;
  let failed = 0;
  // The same files the scan reads: every YAML file of every repository (a depth-first walk, read one at a time).
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/i.test(e.name)) {
        const text = fs.readFileSync(p, 'utf8');
        bytes += Buffer.byteLength(text);
        files++;
        try {
          if (parser === 'js-yaml') yaml.loadAll(text, () => undefined);
          else yaml.parseAllDocuments(text);
        } catch {
          failed++;
        }
      }
    }
  };
  walk(dir);
  const ru = process.resourceUsage();
  report({ parser, bytes, files, failed, maxRSS: ru.maxRSS, cpuMs: (ru.userCPUTime + ru.systemCPUTime) / 1000 });
}

/**
 * The `ci-exposure` command itself, as a user runs it (the bin, with whatever it sets up before the engine
 * loads): `ci-exposure scan DIR --component … --format json EXTRA…`, its report on the stdout the parent
 * gave (a file), its CPU and peak RSS reported once it exits.
 */
function childScan(dir, extra) {
  const bin = path.join(root, 'engine', 'bin', 'ci-exposure.js');
  process.on('exit', (code) => {
    const ru = process.resourceUsage();
    report({ code, maxRSS: ru.maxRSS, cpuMs: (ru.userCPUTime + ru.systemCPUTime) / 1000 });
  });
  process.argv = [process.argv[0], bin, 'scan', dir, '--component', COMPONENT, '--format', 'json', ...extra];
  require(bin);
}

/** What the parent reads of a child scan's report: the summary and the numbers of findings, errors and unresolved. */
function reportCounts(file) {
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  const r = Array.isArray(parsed.results) ? parsed.results[0] : parsed;
  return { summary: r.summary, findings: r.findings.length, errors: r.errors.length, unresolved: r.unresolved.length };
}

if (process.argv[2] === '--child') {
  const [mode, dir, ...extra] = process.argv.slice(3);
  if (mode === 'raw') childRaw(dir);
  else childScan(dir, extra);
  return;
}

// ───────────── the parent ─────────────

if (!fs.existsSync(engine)) {
  process.stderr.write('bench-scan: the engine is not built (run `npm run build --workspace engine`)\n');
  process.exit(2);
}
const hasCorpus = fs.existsSync(corpus);
if (!hasCorpus) process.stdout.write(`bench-scan: no corpus at ${path.relative(root, corpus)}; the synthetic-organisation and corpus measures are not run\n`);

const corpusFiles = (hasCorpus ? yamlFiles(corpus) : []).map((file) => {
  const rel = path.relative(corpus, file).split(path.sep).join('/');
  return { rel, text: fs.readFileSync(file, 'utf8') };
});

/** Where a corpus file goes in a repository so that its platform reads it. */
function ciPath(rel) {
  const lower = rel.toLowerCase();
  const inRepo = /(^|\/)(\.github\/|\.circleci\/config\.ya?ml$|\.gitlab-ci\.ya?ml$|action\.ya?ml$)/.exec(rel);
  if (inRepo && rel.startsWith('repos/')) return rel.split('/').slice(2).join('/');
  if (lower.includes('circleci')) return '.circleci/config.yml';
  if (lower.includes('gitlab')) return '.gitlab-ci.yml';
  if (/^action\.ya?ml$/.test(path.basename(lower))) return 'action.yml';
  return `.github/workflows/${path.basename(rel)}`;
}

/** Writes repositories [from, to) of the synthetic organisation into `dir`; returns their pipeline bytes. */
function writeOrg(dir, from, to) {
  let bytes = 0;
  for (let i = from; i < to; i++) {
    const id = `r${String(i).padStart(5, '0')}`;
    const used = new Set();
    for (let k = 0, n = 0; n < FILES_PER_REPO && k < corpusFiles.length; k++) {
      const f = corpusFiles[(i * FILES_PER_REPO + k) % corpusFiles.length];
      const rel = ciPath(f.rel);
      if (used.has(rel)) continue;
      used.add(rel);
      n++;
      // Unique bytes per repository; a comment changes no meaning (a `%YAML` directive may follow it).
      const text = `# acme/${id}: synthetic copy of ${f.rel}\n${f.text}`;
      const p = path.join(dir, `acme+${id}`, ...rel.split('/'));
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, text);
      bytes += Buffer.byteLength(text);
    }
  }
  return bytes;
}

/**
 * A child process (`--child MODE …`): wall time from spawn to exit, what it reported on stderr, and for a
 * scan the counts of its report (written to a file, as `ci-exposure scan … > report.json` would; read here
 * once the child has exited, so that reading it is not timed).
 */
function runChild(args) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cix-bench-report-'));
  const out = path.join(dir, 'report.json');
  try {
    const fd = fs.openSync(out, 'w');
    const t0 = performance.now();
    let r;
    try {
      r = spawnSync(process.execPath, [__filename, '--child', ...args], { encoding: 'utf8', stdio: ['ignore', fd, 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    } finally {
      fs.closeSync(fd);
    }
    const ms = performance.now() - t0;
    const line = (r.stderr || '').split('\n').find((l) => l.startsWith('BENCH '));
    if (!line) {
      process.stdout.write(`bench-scan: child ${args.join(' ')} failed (exit ${r.status}): ${(r.stderr || '').slice(-600)}\n`);
      return undefined;
    }
    const result = { ms, stderr: r.stderr, ...JSON.parse(line.slice(6)) };
    if (args[0] !== 'scan') return result;
    try {
      return { ...result, ...reportCounts(out) };
    } catch (err) {
      process.stdout.write(`bench-scan: child ${args.join(' ')} wrote no report (exit ${r.status}): ${err.message}; ${(r.stderr || '').slice(-600)}\n`);
      return undefined;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

const mb = (b) => b / 1024 / 1024;
const mbps = (b, ms) => (mb(b) / (ms / 1000)).toFixed(2);
const rss = (kb) => `${(kb / 1024).toFixed(0)} MB`;

const [smallRepos, largeRepos] = String(arg('--repos', '2000,10000'))
  .split(',')
  .map((n) => Math.max(1, Number(n) || 0));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cix-bench-'));
const cliHasJobs = (() => {
  try {
    return fs.readFileSync(path.join(root, 'engine', 'dist', 'cli', 'cli.js'), 'utf8').includes('--jobs');
  } catch {
    return false;
  }
})();

if (hasCorpus && !ONLY_INDEX) try {
  const small = path.join(tmp, `org-${smallRepos}`);
  const large = path.join(tmp, `org-${largeRepos}`);
  const smallBytes = writeOrg(small, 0, smallRepos);
  // The larger organisation: the smaller one's repositories and more (so the two differ only in size).
  fs.cpSync(small, large, { recursive: true });
  const largeBytes = smallBytes + writeOrg(large, smallRepos, largeRepos);
  const smallFiles = smallRepos * FILES_PER_REPO;
  process.stdout.write(
    `synthetic organisation from ${corpusFiles.length} corpus files: ${smallRepos} repositories, ~${smallFiles} pipeline files, ${mb(smallBytes).toFixed(1)} MB ` +
      `(and ${largeRepos} repositories, ${mb(largeBytes).toFixed(1)} MB); each copy unique to its repository\n`,
  );

  const rounds = Math.max(1, Number(arg('--rounds', '3')) || 3);
  const best = (args) => {
    let r;
    for (let i = 0; i < rounds; i++) {
      const x = runChild(args);
      if (x && (!r || x.ms < r.ms)) r = x;
    }
    return r;
  };
  const raw = best(['raw', small]);
  const scans = [['scan (CLI default)', []]];
  if (cliHasJobs) scans.push(['scan --jobs 1', ['--jobs', '1']], [`scan --jobs ${os.availableParallelism()}`, ['--jobs', String(os.availableParallelism())]]);
  const rows = [];
  const cpu = (x) => (x.cpuMs === undefined ? '-' : x.cpuMs.toFixed(0));
  if (raw) rows.push([`raw ${raw.parser} parse${raw.parser === 'js-yaml' ? '' : ' (js-yaml not installed)'}`, raw.ms.toFixed(0), mbps(smallBytes, raw.ms), '1.00', cpu(raw), '1.00', rss(raw.maxRSS), `${raw.files} files, ${raw.failed} not parsed`]);
  let defaultScan;
  for (const [label, extra] of scans) {
    const s = best(['scan', small, ...extra]);
    if (!s) continue;
    defaultScan ??= s;
    const ratio = raw ? (raw.ms / s.ms).toFixed(2) : '-';
    const cpuRatio = raw?.cpuMs !== undefined && s.cpuMs !== undefined ? (raw.cpuMs / s.cpuMs).toFixed(2) : '-';
    rows.push([label, s.ms.toFixed(0), mbps(smallBytes, s.ms), ratio, cpu(s), cpuRatio, rss(s.maxRSS), `${s.summary.repos} repos, ${s.summary.files} files, ${s.summary.jobs} jobs, ${s.findings} findings, ${s.errors} errors, exit ${s.code}`]);
  }
  process.stdout.write(`\nwhole process, best of ${rounds}, ${smallRepos} repositories (${mb(smallBytes).toFixed(1)} MB), scan --component ${COMPONENT} --format json\n`);
  process.stdout.write(`load average before the runs: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.availableParallelism()} cores\n`);
  process.stdout.write(table(['measure', 'wall ms', 'MB/s', 'ratio', 'CPU ms', 'CPU ratio', 'peak RSS', 'what'], rows));

  const big = runChild(['scan', large]);
  process.stdout.write('\npeak RSS of the scan (CLI default), one child process each\n');
  process.stdout.write(
    table(
      ['repositories', 'MB of pipelines', 'wall ms', 'peak RSS', 'what'],
      [defaultScan, big]
        .map((s, i) => [i === 0 ? smallRepos : largeRepos, i === 0 ? smallBytes : largeBytes, s])
        .filter(([, , s]) => s)
        .map(([n, b, s]) => [n, mb(b).toFixed(1), s.ms.toFixed(0), rss(s.maxRSS), `${s.summary.repos} repos read, ${s.summary.jobs} jobs, ${s.errors} errors`]),
    ),
  );
} finally {
  if (process.argv.includes('--keep')) process.stdout.write(`kept ${tmp}\n`);
  else fs.rmSync(tmp, { recursive: true, force: true });
}

// ───────────── in-process, on the corpus itself ─────────────

const { parseDocument } = require('yaml');
const { scan, scanMany, CATALOG, MAX_JOBS_PER_REPO } = require(engine);
const repos = corpusFiles.map((f, i) => ({ repo: `corpus/f${i}`, files: [{ path: ciPath(f.rel), text: f.text }] }));
const bytes = repos.reduce((n, r) => n + Buffer.byteLength(r.files[0].text), 0);
const emptySource = { read: () => undefined, describe: (ref) => `${ref.raw}: no cache` };
const codecov = CATALOG.find((i) => i.id === 'codecov-bash-uploader-2021');
const medianRounds = 5;

function time(fn) {
  fn(); // warm-up
  const samples = [];
  for (let i = 0; i < medianRounds; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

if (!hasCorpus || ONLY_INDEX) fs.rmSync(tmp, { recursive: true, force: true });
const inRows = [];
const add = (what, ms) => inRows.push([what, ms.toFixed(1), (repos.length / (ms / 1000)).toFixed(0), mbps(bytes, ms)]);
if (hasCorpus && !ONLY_INDEX) {
  add('yaml parseDocument (baseline)', time(() => { for (const r of repos) parseDocument(r.files[0].text); }));
  add('scan, one indicator (codecov)', time(() => scan(repos, codecov, emptySource)));
  add(`scanMany, whole catalog (parse once, ${CATALOG.length} indicators)`, time(() => scanMany(repos, CATALOG, emptySource)));
  process.stdout.write(`\nin-process on ci-corpus: ${repos.length} files, ${mb(bytes).toFixed(2)} MB, median of ${medianRounds} rounds\n`);
  process.stdout.write(table(['measure', 'median ms', 'files/s', 'MB/s'], inRows));
}

// Hostile sizes under the 5 MiB file limit: how long the scan takes when a file is made to be slow
// (every job waits for the one before, uses the component, uploads, downloads and caches).
const tj = CATALOG.find((i) => i.id === 'tj-actions-changed-files-2025');
const hostileJobs = 18000;
let hostileText = 'on: push\njobs:\n';
for (let i = 0; i < hostileJobs; i++) {
  hostileText += `  j${i}:\n    runs-on: ubuntu-latest\n    needs: [j${Math.max(0, i - 1)}]\n    steps:\n      - uses: tj-actions/changed-files@v35\n      - uses: actions/upload-artifact@v4\n      - uses: actions/cache@v4\n        with: {path: x, key: k}\n      - run: echo \${{ secrets.T${i} }}\n`;
}
const hostileBytes = Buffer.byteLength(hostileText);
const hostileSteps = Array.from({ length: 100000 }, (_, i) => `      - uses: tj-actions/changed-files@v${(i % 40) + 1}\n`).join('');
const stepsText = `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n${hostileSteps}`;
const once = (fn) => {
  const t0 = performance.now();
  const r = fn();
  return { ms: performance.now() - t0, r };
};
if (!ONLY_INDEX) {
const h1 = once(() => scan([{ repo: 'hostile/jobs', files: [{ path: '.github/workflows/ci.yml', text: hostileText }] }], tj, emptySource));
const h2 = once(() => scan([{ repo: 'hostile/steps', files: [{ path: '.github/workflows/ci.yml', text: stepsText }] }], tj, emptySource));
process.stdout.write(
  `\nhostile: ${hostileJobs} chained jobs in one workflow (${mb(hostileBytes).toFixed(1)} MB): ${h1.ms.toFixed(0)} ms, ${h1.r.summary.jobs} jobs scanned (limit ${MAX_JOBS_PER_REPO}), ${h1.r.errors.length} error(s)\n` +
    `hostile: one job with 100000 uses of the component (${mb(Buffer.byteLength(stepsText)).toFixed(1)} MB): ${h2.ms.toFixed(0)} ms, ${h2.r.findings.length} findings reported\n`,
);
}

// ───────────── the component-usage index (issue 12): a new indicator answered from it, re-scans ─────────────

/**
 * Generated organisations (2,000 and 10,000 repositories, copies of examples/org under varied names, left
 * unedited for RACY seconds so that their stat facts are trusted — git's racy rule re-reads anything newer):
 * the first index build (`index build`, a process, worker threads), then what a user waits for when a NEW
 * indicator is answered from the index: a whole `scan ORG --component … --index` process (start-up,
 * listing, the freshness check from stat facts without reading a file, the query, the JSON report), best
 * of 3; the same in-process, split into the freshness check and the query; and the re-scan after 1 % of
 * the repositories changed (checkouts read again; of them, parsed and resolved again).
 */
async function benchIndex() {
  const dist = path.join(root, 'engine', 'dist');
  const { parseComponentSpec } = require(engine);
  const { listLocalPaths } = require(path.join(dist, 'sources', 'local-dir.js'));
  const { refreshLocalPaths } = require(path.join(dist, 'sources', 'inventory', 'local-refresh.js'));
  const { inventoryStore } = require(path.join(dist, 'sources', 'inventory', 'store.js'));
  const { queryInventory } = require(path.join(dist, 'core', 'inventory', 'index.js'));
  const { componentCacheSource } = require(path.join(dist, 'sources', 'component-cache.js'));
  const { VERSION } = require(path.join(dist, 'cli', 'version.js'));
  const bin = path.join(root, 'engine', 'bin', 'ci-exposure.js');
  const examples = path.join(root, 'examples', 'org', 'acme');
  const cache = path.join(root, 'examples', 'cache');
  const names = fs.readdirSync(examples).sort();
  const spec = parseComponentSpec(COMPONENT);
  const RACY_S = 2.2;
  const sleep = (s) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, s * 1000);
  const counts = (stderr) => {
    const m = /re-scanned ([\d,]+) of ([\d,]+) repositories, read again ([\d,]+)/.exec(stderr);
    const n = (x) => Number(x.replace(/,/g, ''));
    return m ? { rescanned: n(m[1]), total: n(m[2]), reread: n(m[3]) } : undefined;
  };
  /** A whole `scan … --index` process: wall time, the report's size, the counts it printed. */
  const indexedScan = (org, data) => {
    const r = runChild(['scan', org, '--index', '--data-dir', data, '--cache', cache]);
    const c = counts(r?.stderr || '');
    if (!r || !c) throw new Error(`indexed scan failed: ${(r?.stderr || '').slice(-400)}`);
    return { ...r, ...c };
  };
  const rows = [];
  for (const n of [smallRepos, largeRepos]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cix-bench-index-'));
    try {
      const org = path.join(dir, 'org');
      const data = path.join(dir, 'data');
      const repos = [];
      for (let i = 0; repos.length < n; i++) {
        for (const name of names) {
          if (repos.length >= n) break;
          const rel = `team-${i % 50}/${name}-${i}`;
          fs.cpSync(path.join(examples, name), path.join(org, rel), { recursive: true });
          repos.push(rel);
        }
      }
      sleep(RACY_S);
      const t0 = performance.now();
      const b = spawnSync(process.execPath, [bin, 'index', 'build', org, '--cache', cache, '--data-dir', data], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
      const buildMs = performance.now() - t0;
      if (b.status !== 0) throw new Error(`index build failed (exit ${b.status}): ${(b.stderr || '').slice(-400)}`);
      let best;
      let leastCpu = Infinity;
      for (let k = 0; k < 3; k++) {
        const q = indexedScan(org, data);
        if (!best || q.ms < best.ms) best = q;
        leastCpu = Math.min(leastCpu, q.cpuMs);
      }
      // In-process, split: the freshness check (listing, stat facts, manifest read) and the query.
      const source = componentCacheSource(cache);
      const store = inventoryStore(data, [path.resolve(org)]);
      const t1 = performance.now();
      // As the CLI: the folders listed only when the listing kept with the index no longer holds.
      const r = await refreshLocalPaths(store, { paths: [org], list: () => listLocalPaths([org]) }, source, { tool: VERSION, source: `cache ${cache}`, inputs: [path.resolve(org)] });
      const freshMs = performance.now() - t1;
      const stats = { matched: 0 };
      const t2 = performance.now();
      const [result] = queryInventory(r.view, [spec.indicator], r.load, (ref) => source.describe(ref), stats);
      const queryMs = performance.now() - t2;
      r.close();
      // 1 % of the repositories change (a workflow gains a job).
      const changed = repos.filter((_, i) => i % 100 === 0);
      for (const rel of changed) {
        const wf = path.join(org, rel, '.github', 'workflows');
        fs.mkdirSync(wf, { recursive: true });
        fs.writeFileSync(path.join(wf, 'bench-added.yml'), 'on: push\njobs:\n  added:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: tj-actions/changed-files@v35\n');
      }
      const again = indexedScan(org, data);
      rows.push([
        n,
        `${(buildMs / 1000).toFixed(1)} s`,
        `${best.ms.toFixed(0)} ms, CPU ${leastCpu.toFixed(0)} ms (read again ${best.reread}, ${best.findings} findings)`,
        `${freshMs.toFixed(0)} + ${queryMs.toFixed(0)} ms (${r.reread} read; ${stats.matched} models, ${result.findings.length} findings)`,
        `read again ${again.reread}, re-scanned ${again.rescanned} of ${again.total} (${changed.length} changed), ${(again.ms / 1000).toFixed(1)} s`,
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  process.stdout.write(`\ncomponent-usage index: generated organisations (copies of examples/org), new indicator ${spec.indicator.id}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.availableParallelism()} cores\n`);
  process.stdout.write(
    table(['repositories', 'first index build', 'indexed query, whole process (incl. freshness): best wall of 3, least user+sys CPU of 3', 'in-process: freshness + query', 'after 1 % changed (whole process)'], rows),
  );
}

if (!ONLY_SCAN) benchIndex().catch((err) => {
  process.stdout.write(`bench-scan: the index measure failed: ${err.stack}\n`);
  process.exitCode = 1;
});
