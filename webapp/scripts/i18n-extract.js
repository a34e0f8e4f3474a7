#!/usr/bin/env node
'use strict';
// Collects every message (`id` + `defaultMessage`, as JSX attributes or descriptor objects) written in
// src/ and, run as a script, writes them to src/i18n/en.json. test/i18n.spec.ts checks they agree.
const fs = require('node:fs');
const path = require('node:path');

const MESSAGE = /\bid(?:=|: )'([^']+)',?\s+defaultMessage(?:=|: )'([^']*)'/g;

/** @returns {Map<string, string[]>} every default written for each id */
function extractMessages(dir) {
  const found = new Map();
  const walk = (d) => {
    for (const name of fs.readdirSync(d).sort()) {
      const file = path.join(d, name);
      if (fs.statSync(file).isDirectory()) {
        walk(file);
      } else if (/\.tsx?$/.test(name) && !/\.spec\.tsx?$/.test(name)) {
        for (const m of fs.readFileSync(file, 'utf8').matchAll(MESSAGE)) {
          found.set(m[1], [...(found.get(m[1]) ?? []), m[2]]);
        }
      }
    }
  };
  walk(dir);
  return found;
}

module.exports = {extractMessages};

if (require.main === module) {
  const src = path.join(__dirname, '..', 'src');
  const out = {};
  for (const [id, defaults] of [...extractMessages(src)].sort(([a], [b]) => a.localeCompare(b))) {
    if (new Set(defaults).size > 1) {
      process.stderr.write(`message ${id} has different defaults: ${JSON.stringify(defaults)}\n`);
      process.exit(1);
    }
    out[id] = defaults[0];
  }
  fs.writeFileSync(path.join(src, 'i18n', 'en.json'), `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`${Object.keys(out).length} messages written to src/i18n/en.json\n`);
}
