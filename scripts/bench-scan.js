#!/usr/bin/env node
'use strict';
// Scan throughput on ../shared/ci-corpus next to the raw YAML-parse throughput of the same bytes.
// It measures; it does not pass or fail. Needs the built engine (npm run build --workspace engine).
//   node scripts/bench-scan.js [--rounds N]
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const corpus = path.join(root, '..', 'shared', 'ci-corpus');
const engine = path.join(root, 'engine', 'dist', 'index.js');
const roundsArg = process.argv.indexOf('--rounds');
const rounds = roundsArg > 0 ? Math.max(1, Number(process.argv[roundsArg + 1]) || 5) : 5;

if (!fs.existsSync(engine)) {
  process.stderr.write('bench-scan: the engine is not built (run `npm run build --workspace engine`)\n');
  process.exit(2);
}
if (!fs.existsSync(corpus)) {
  process.stdout.write(`bench-scan: no corpus at ${path.relative(root, corpus)}; nothing to measure\n`);
  process.exit(0);
}

const { parseDocument } = require('yaml');
const { scan, scanMany, CATALOG, readLocalPaths, MAX_JOBS_PER_REPO } = require(engine);

function yamlFiles(dir) {
  return fs.readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (fs.statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/i.test(name) ? [p] : [];
  });
}

/** Where a corpus file goes in an in-memory repository so that its platform reads it. */
function ciPath(rel) {
  const lower = rel.toLowerCase();
  const inRepo = /(^|\/)(\.github\/|\.circleci\/config\.ya?ml$|\.gitlab-ci\.ya?ml$|action\.ya?ml$)/.exec(rel);
  if (inRepo && rel.startsWith('repos/')) return rel.split('/').slice(2).join('/');
  if (lower.includes('circleci')) return '.circleci/config.yml';
  if (lower.includes('gitlab')) return '.gitlab-ci.yml';
  if (/^action\.ya?ml$/.test(path.basename(lower))) return 'action.yml';
  return `.github/workflows/${path.basename(rel)}`;
}

// One in-memory repository per corpus file (the same bytes the YAML baseline parses).
const files = yamlFiles(corpus);
const repos = files.map((file, i) => {
  const rel = path.relative(corpus, file).split(path.sep).join('/');
  return { repo: `corpus/f${i}`, files: [{ path: ciPath(rel), text: fs.readFileSync(file, 'utf8') }] };
});
const bytes = repos.reduce((n, r) => n + Buffer.byteLength(r.files[0].text), 0);
const emptySource = { read: () => undefined, describe: (ref) => `${ref.raw}: no cache` };
const codecov = CATALOG.find((i) => i.id === 'codecov-bash-uploader-2021');

function time(fn) {
  fn(); // warm-up
  const samples = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const rows = [];
const add = (what, ms, n = files.length, b = bytes) => rows.push([what, ms.toFixed(1), (n / (ms / 1000)).toFixed(0), (b / 1024 / 1024 / (ms / 1000)).toFixed(2)]);

add('yaml parseDocument (baseline)', time(() => { for (const r of repos) parseDocument(r.files[0].text); }));
add('scan, one indicator (codecov)', time(() => scan(repos, codecov, emptySource)));
add(`scan, whole catalog, one scan per indicator (${CATALOG.length})`, time(() => { for (const ind of CATALOG) scan(repos, ind, emptySource); }));
add(`scanMany, whole catalog (parse once, ${CATALOG.length} indicators)`, time(() => scanMany(repos, CATALOG, emptySource)));
const onDisk = yamlFiles(path.join(corpus, 'repos'));
const onDiskBytes = onDisk.reduce((n, f) => n + fs.statSync(f).size, 0);
add('local-dir read, corpus repos/ (disk)', time(() => readLocalPaths([path.join(corpus, 'repos')])), onDisk.length, onDiskBytes);

const header = ['measure', 'median ms', 'files/s', 'MB/s'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
process.stdout.write(`scan throughput on ci-corpus: ${files.length} files, ${(bytes / 1024 / 1024).toFixed(2)} MB, median of ${rounds} rounds\n`);
process.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
const ratio = Number(rows[1][1]) / Number(rows[0][1]);
process.stdout.write(`one-indicator scan costs ${ratio.toFixed(1)}x the raw YAML parse of the same bytes\n`);

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
const h1 = once(() => scan([{ repo: 'hostile/jobs', files: [{ path: '.github/workflows/ci.yml', text: hostileText }] }], tj, emptySource));
const h2 = once(() => scan([{ repo: 'hostile/steps', files: [{ path: '.github/workflows/ci.yml', text: stepsText }] }], tj, emptySource));
process.stdout.write(
  `hostile: ${hostileJobs} chained jobs in one workflow (${(hostileBytes / 1024 / 1024).toFixed(1)} MB): ${h1.ms.toFixed(0)} ms, ${h1.r.summary.jobs} jobs scanned (limit ${MAX_JOBS_PER_REPO}), ${h1.r.errors.length} error(s)\n` +
    `hostile: one job with 100000 uses of the component (${(Buffer.byteLength(stepsText) / 1024 / 1024).toFixed(1)} MB): ${h2.ms.toFixed(0)} ms, ${h2.r.findings.length} findings reported\n`,
);
