/**
 * Reads an orb's source through the ComponentSource: `source.read(orbRef, 'orb.yml')`, always with the
 * ORB's ref (also for one of its elements); the source maps it to the cache file
 * `circleci/orbs/<ns>/<name>@<version>.yml` (resolve/cache-key.ts). Positions inside the orb name its
 * file `<orb raw>//orb.yml`.
 */
import type { ComponentSource, OrbRef, ScanError } from '../../model';
import { isRecord, loadYaml } from '../../yaml';
import { type Defs, readDefs } from './definitions';

export const ORB_FILE = 'orb.yml';

export type LoadedOrb = { ok: true; defs: Defs; errors: ScanError[] } | { ok: false; reason: string; errors: ScanError[] };

export function orbFile(orb: OrbRef): string {
  return `${orb.raw}//${ORB_FILE}`;
}

function describe(orb: OrbRef, source: ComponentSource): string {
  try {
    return source.describe(orb);
  } catch {
    return `orb ${orb.raw} was not found`;
  }
}

/** The orb's definitions, or why they cannot be had. Never throws. */
export function loadOrb(repo: string, orb: OrbRef, source: ComponentSource): LoadedOrb {
  let text: string | undefined;
  try {
    text = source.read(orb, ORB_FILE);
  } catch (err) {
    return { ok: false, reason: `reading orb ${orb.raw} failed: ${(err as Error).message}`, errors: [] };
  }
  if (text === undefined) return { ok: false, reason: describe(orb, source), errors: [] };
  const file = orbFile(orb);
  const y = loadYaml(repo, { path: file, text });
  if (y.value === undefined) return { ok: false, reason: `the source of orb ${orb.raw} could not be parsed`, errors: y.errors };
  if (!isRecord(y.value)) {
    return {
      ok: false,
      reason: `the source of orb ${orb.raw} is not a map`,
      errors: [{ repo, file, line: 1, code: 'not-an-orb', message: 'an orb source must be a map (commands:, jobs:, executors:)' }],
    };
  }
  const errors = [...y.errors];
  const defs = readDefs(y.value, { repo, file, lineOf: y.lineOf, base: [], pipeline: {} }, errors);
  return { ok: true, defs, errors };
}
