// The bridge's layers, as the imports show them: the incident use cases own their ports and know nothing
// of Mattermost or HTTP; the store knows the incident model only; main.ts only composes.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = join(__dirname, '..', '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Every module a file imports, as a path relative to src/ (packages by name). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1] ?? '');
  return found.map((spec) => (spec.startsWith('.') ? relative(SRC, join(file, '..', spec)) : spec));
}

describe('bridge layers', () => {
  it('incidents/ imports nothing from mattermost/ or http/', () => {
    const offending = sources(join(SRC, 'incidents')).flatMap((file) =>
      importsOf(file)
        .filter((m) => m.startsWith('mattermost') || m.startsWith('http'))
        .map((m) => `${relative(SRC, file)} → ${m}`),
    );
    expect(offending).toEqual([]);
  });

  it('store/ imports nothing from mattermost/, http/ or the use cases', () => {
    const offending = sources(join(SRC, 'store')).flatMap((file) =>
      importsOf(file)
        .filter((m) => m.startsWith('mattermost') || m.startsWith('http') || m === 'incidents/use-cases')
        .map((m) => `${relative(SRC, file)} → ${m}`),
    );
    expect(offending).toEqual([]);
  });

  it('the incident use cases hold no Mattermost error id and no REST path', () => {
    for (const file of sources(join(SRC, 'incidents'))) {
      const text = readFileSync(file, 'utf8');
      expect({ file: relative(SRC, file), errorIds: text.match(/\b[a-z_]+\.[a-z_.]+\.app_error\b/g) ?? [], rest: text.match(/\/api\/v4\//g) ?? [] }).toEqual({ file: relative(SRC, file), errorIds: [], rest: [] });
    }
  });

  it('the engine and the contract are packages: imported by name (the engine by its public API), never by path', () => {
    const offending = sources(SRC).flatMap((file) =>
      importsOf(file)
        .filter((m) => m.startsWith('..') || (m.startsWith('@ci-exposure/engine') && m !== '@ci-exposure/engine') || (m.startsWith('@ci-exposure/contract') && m !== '@ci-exposure/contract'))
        .map((m) => `${relative(SRC, file)} → ${m}`),
    );
    expect(offending).toEqual([]);
  });

  it('main.ts is a composition root: no rendering, no business rule', () => {
    const text = readFileSync(join(SRC, 'main.ts'), 'utf8');
    const startBridge = text.slice(text.indexOf('export async function startBridge'));
    expect(startBridge.split('\n').length).toBeLessThan(80);
    expect(text).not.toMatch(/escapeMarkdown|renderChecklist|\.app_error/);
  });
});
