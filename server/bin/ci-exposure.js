#!/usr/bin/env node
'use strict';
// Launcher for the compiled CLI. `npm ci` at the repository root builds server/dist (prepare script).
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('ci-exposure: the server is not built (no server/dist/cli.js); run `npm ci` or `npm run build --workspace server` at the repository root\n');
  process.exit(2);
}
require(entry).runCli(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`ci-exposure: internal error: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exitCode = 70;
  },
);
