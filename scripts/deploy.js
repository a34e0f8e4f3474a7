#!/usr/bin/env node
'use strict';
// Uploads the plugin bundle to Mattermost and enables it, through the REST API:
//   POST /api/v4/plugins (multipart field "plugin", force=true), then POST /api/v4/plugins/<id>/enable.
// Needs MM_SERVICESETTINGS_SITEURL and MM_ADMIN_TOKEN (a system admin's personal access token).
const fs = require('node:fs');
const path = require('node:path');

function fail(message) {
  process.stderr.write(`deploy: ${message}\n`);
  process.exit(2);
}

async function describe(response) {
  const text = await response.text();
  try {
    const body = JSON.parse(text);
    return `${response.status} ${body.id || ''} ${body.message || text}`.trim();
  } catch {
    return `${response.status} ${text.slice(0, 300)}`;
  }
}

async function main() {
  const bundle = process.argv[2];
  const siteUrl = (process.env.MM_SERVICESETTINGS_SITEURL || '').replace(/\/+$/, '');
  const token = process.env.MM_ADMIN_TOKEN || '';
  if (!siteUrl) fail('MM_SERVICESETTINGS_SITEURL is not set (the Mattermost site URL, e.g. https://chat.example.com)');
  if (!/^https?:\/\//.test(siteUrl)) fail(`MM_SERVICESETTINGS_SITEURL is not an http(s) URL: ${siteUrl}`);
  if (!token) fail('MM_ADMIN_TOKEN is not set (a system administrator\'s personal access token)');
  if (!bundle || !fs.existsSync(bundle)) fail(`bundle not found: ${bundle || '(none given)'}; run make dist`);
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'plugin.json'), 'utf8'));
  const headers = {Authorization: `Bearer ${token}`, 'X-Requested-With': 'XMLHttpRequest'};

  const form = new FormData();
  form.append('plugin', new Blob([fs.readFileSync(bundle)], {type: 'application/gzip'}), path.basename(bundle));
  form.append('force', 'true');
  let response;
  try {
    response = await fetch(`${siteUrl}/api/v4/plugins`, {method: 'POST', headers, body: form});
  } catch (err) {
    fail(`cannot reach ${siteUrl}: ${err.cause ? err.cause.message : err.message}`);
  }
  if (response.status !== 201) {
    fail(`upload refused: ${await describe(response)} (is PluginSettings.EnableUploads on, and the token a system admin's?)`);
  }
  response = await fetch(`${siteUrl}/api/v4/plugins/${encodeURIComponent(manifest.id)}/enable`, {method: 'POST', headers});
  if (response.status !== 200) {
    fail(`enable refused: ${await describe(response)}`);
  }
  process.stdout.write(`deployed ${manifest.id} ${manifest.version} to ${siteUrl}\n`);
}

main().catch((err) => fail(err.message));
