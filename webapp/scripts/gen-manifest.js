#!/usr/bin/env node
'use strict';
// Generates src/manifest.ts from ../plugin.json, typed, so the webapp never reads the manifest untyped.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'plugin.json'), 'utf8'));
const out = path.join(__dirname, '..', 'src', 'manifest.ts');
const text = `// Generated from plugin.json by scripts/gen-manifest.js. Do not edit.

export interface PluginManifest {
    readonly id: string;
    readonly name: string;
    readonly description: string;
    readonly version: string;
    readonly min_server_version: string;
}

export const manifest: PluginManifest = ${JSON.stringify(
  {
    id: manifest.id,
    name: manifest.name,
    description: manifest.description,
    version: manifest.version,
    min_server_version: manifest.min_server_version,
  },
  null,
  4,
)};

export const pluginId = manifest.id;
export const version = manifest.version;
`;
if (!fs.existsSync(out) || fs.readFileSync(out, 'utf8') !== text) {
  fs.writeFileSync(out, text);
}
