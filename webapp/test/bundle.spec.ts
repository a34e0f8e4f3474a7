/**
 * @jest-environment node
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';
import PropTypes from 'prop-types';
import React from 'react';
import ReactDOM from 'react-dom';
import * as ReactIntl from 'react-intl';
import * as ReactRedux from 'react-redux';
import * as Redux from 'redux';

const root = join(__dirname, '..', '..');

interface Manifest {
  id: string;
  name: string;
  version: string;
  min_server_version: string;
  webapp: { bundle_path: string };
  server?: unknown;
  icon_path?: string;
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

describe('plugin bundle (make dist)', () => {
  let manifest: Manifest;
  let bundle: string;
  let extracted: string;

  beforeAll(() => {
    manifest = JSON.parse(readFileSync(join(root, 'plugin.json'), 'utf8')) as Manifest;
    execFileSync('make', ['--no-print-directory', 'dist'], { cwd: root, stdio: 'pipe', timeout: 240_000 });
    bundle = join(root, 'dist', `${manifest.id}-${manifest.version}.tar.gz`);
    extracted = mkdtempSync(join(tmpdir(), 'cix-bundle-'));
    execFileSync('tar', ['-xzf', bundle, '-C', extracted]);
  }, 300_000);

  afterAll(() => rmSync(extracted, { recursive: true, force: true }));

  it('has a valid webapp-only manifest', () => {
    expect(manifest.id).toBe('ci-exposure');
    expect(manifest.id).toMatch(/^[a-zA-Z0-9-_.]{3,190}$/);
    expect(manifest.name).toBe('CI Exposure');
    expect(manifest.version).toMatch(SEMVER);
    expect(manifest.min_server_version).toMatch(SEMVER);
    expect(manifest.webapp.bundle_path).toBe('webapp/dist/main.js');
    expect(manifest.server).toBeUndefined();
  });

  it('keeps one version across plugin.json and every package.json', () => {
    for (const pkg of ['package.json', 'engine/package.json', 'contract/package.json', 'server/package.json', 'webapp/package.json']) {
      const version = (JSON.parse(readFileSync(join(root, pkg), 'utf8')) as { version: string }).version;
      expect({ pkg, version }).toEqual({ pkg, version: manifest.version });
    }
  });

  it('lays the tarball out as Mattermost expects: one top folder named after the id', () => {
    const entries = execFileSync('tar', ['-tzf', bundle]).toString().trim().split('\n').map((e) => e.replace(/\/$/, ''));
    expect(new Set(entries.map((e) => e.split('/')[0]))).toEqual(new Set([manifest.id]));
    expect(entries).toEqual(expect.arrayContaining([
      'ci-exposure/plugin.json',
      'ci-exposure/webapp/dist/main.js',
      `ci-exposure/${manifest.icon_path}`,
    ]));
    const packed = JSON.parse(readFileSync(join(extracted, 'ci-exposure', 'plugin.json'), 'utf8')) as Manifest;
    expect(packed).toEqual(manifest);
  });

  it('main.js, evaluated with the globals Mattermost provides, registers ci-exposure and tears down fully', () => {
    const code = readFileSync(join(extracted, 'ci-exposure', 'webapp', 'dist', 'main.js'), 'utf8');
    const registered: Array<{ id: string; plugin: { initialize: (r: unknown, s: unknown) => void; uninitialize: () => void } }> = [];
    const window: Record<string, unknown> = {
      React,
      ReactDOM,
      Redux,
      ReactRedux,
      PropTypes,
      ReactIntl,
      registerPlugin: (id: string, plugin: (typeof registered)[number]['plugin']) => registered.push({ id, plugin }),
    };
    window.window = window;
    const context = vm.createContext({ ...window, window, self: window, globalThis: window, console, setTimeout, clearTimeout });
    vm.runInContext(code, context);
    expect(registered.map((r) => r.id)).toEqual(['ci-exposure']);

    // A registry that hands out ids and records what is still registered.
    let next = 0;
    const live = new Set<string>();
    const add = (): string => {
      const id = `id${next++}`;
      live.add(id);
      return id;
    };
    const postTypes: string[] = [];
    const registry = {
      registerPostTypeComponent: (type: string) => {
        postTypes.push(type);
        return add();
      },
      unregisterPostTypeComponent: (id: string) => live.delete(id),
      registerRightHandSidebarComponent: () => ({ id: add(), showRHSPlugin: { type: 's' }, hideRHSPlugin: { type: 'h' }, toggleRHSPlugin: { type: 't' } }),
      registerChannelHeaderButtonAction: () => add(),
      registerReducer: () => undefined,
      registerWebSocketEventHandler: () => undefined,
      unregisterWebSocketEventHandler: () => undefined,
      registerTranslations: () => undefined,
      unregisterComponent: (id: string) => live.delete(id),
    };
    const store = { dispatch: () => undefined, getState: () => ({}), subscribe: () => () => undefined };
    const plugin = registered[0]!.plugin;
    plugin.initialize(registry, store);
    expect(postTypes).toEqual(expect.arrayContaining(['custom_cix_checklist', 'custom_cix_report']));
    expect(postTypes.every((t) => t.length <= 26)).toBe(true);
    expect(live.size).toBeGreaterThanOrEqual(4);
    plugin.uninitialize();
    expect([...live]).toEqual([]);
  });
});
