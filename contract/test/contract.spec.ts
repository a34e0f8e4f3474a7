/**
 * The contract is the one thing the bridge and the webapp share: it imports zod and the engine's
 * vocabulary, nothing else (no Node, no browser, no other part of the engine), and carries that
 * vocabulary as the engine defines it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as vocabulary from '@ci-exposure/engine/vocabulary';
import { PLATFORMS, reportRowSchema, VERDICTS } from '../src';

const SRC = join(__dirname, '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

describe('the contract package', () => {
  it('imports only zod and the engine vocabulary', () => {
    const imports = sources(SRC).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return [
        ...[...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1] ?? ''),
        ...[...text.matchAll(/\b(?:require|import)\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? ''),
      ].map((spec) => ({ file: relative(SRC, file), spec }));
    });
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((i) => i.spec !== 'zod' && i.spec !== '@ci-exposure/engine/vocabulary')).toEqual([]);
  });

  it("carries the engine's vocabulary: the same platform ids and verdicts", () => {
    expect(PLATFORMS).toBe(vocabulary.PLATFORMS);
    expect(VERDICTS).toBe(vocabulary.VERDICTS);
    expect(reportRowSchema.shape.platform.options).toEqual([...vocabulary.PLATFORMS]);
    expect(reportRowSchema.shape.verdict.options).toEqual([...vocabulary.VERDICTS]);
  });
});
