#!/usr/bin/env node
'use strict';
// The `ci-exposure` command. `scan`, `indicators`, help and the version are the engine's (this package,
// compiled to dist/); `serve` and `setup` are the bridge's, loaded from @ci-exposure/server only for
// them, so that a scan needs neither better-sqlite3 nor fastify. `npm ci` at the repository root builds
// both (prepare script).
const path = require('node:path');
const fs = require('node:fs');

const BRIDGE_COMMANDS = new Set(['serve', 'setup']);
const argv = process.argv.slice(2);
const forBridge = BRIDGE_COMMANDS.has(argv[0]) || (argv[0] === 'help' && BRIDGE_COMMANDS.has(argv[1]));

function fail(message) {
  process.stderr.write(`ci-exposure: ${message}\n`);
  process.exitCode = 2;
}

/** The bridge's CLI entry, or undefined (said why) when the bridge is not installed or not built. */
function bridgeCli() {
  let pkg;
  try {
    pkg = require.resolve('@ci-exposure/server/package.json');
  } catch {
    fail(`${argv[0] === 'help' ? argv[1] : argv[0]} is a command of the bridge, and the bridge package (@ci-exposure/server) is not installed`);
    return undefined;
  }
  const entry = path.join(path.dirname(pkg), 'dist', 'cli.js');
  if (!fs.existsSync(entry)) {
    fail('the bridge is not built (no server/dist/cli.js); run `npm ci` or `npm run build --workspace server` at the repository root');
    return undefined;
  }
  return require(entry).runBridgeCli;
}

/** The engine's CLI entry, or undefined (said why) when it is not built. */
function engineCli() {
  const entry = path.join(__dirname, '..', 'dist', 'cli', 'cli.js');
  if (!fs.existsSync(entry)) {
    fail('the engine is not built (no engine/dist/cli/cli.js); run `npm ci` or `npm run build --workspace engine` at the repository root');
    return undefined;
  }
  return require(entry).runCli;
}

// The engine's commands are short runs, bound by CPU: V8's optimising compiler runs on helper threads beside
// the scan, and by default inlines up to 920 bytes of bytecode into each function it optimises. On a scan
// that compiling cost more CPU than it saved (2,000 repositories on two cores: 0.7 s of the helper threads'
// CPU, the scanning thread no faster for it; with a budget of 200 bytes the process used 0.25 s less CPU and
// finished 0.1 s sooner, and at 10,000 repositories it was no slower). A budget only: the same code runs,
// the compiler inlines less of it. Set before the engine loads; the bridge's long-lived server keeps V8's
// defaults. `--v8-options` lists the flag (max-inlined-bytecode-size-cumulative).
if (!forBridge) require('node:v8').setFlagsFromString('--max-inlined-bytecode-size-cumulative=200');

const run = forBridge ? bridgeCli() : engineCli();
if (run) {
  run(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`ci-exposure: internal error: ${err && err.stack ? err.stack : String(err)}\n`);
      process.exitCode = 70;
    },
  );
}
