/**
 * A CircleCI definitions document: the top level of a config, an inline orb inside it, or an orb's
 * own source. Each has `commands:`, `jobs:`, `executors:` and `orbs:` (aliases of imported orbs).
 */
import type { OrbRef, Position, ScanError } from '../../model';
import { asString, isRecord, type Plain, type YamlPath } from '../../yaml';
import { parseOrbRef } from './refs';

export type OrbBinding =
  /** A registry orb: `alias: ns/name@version`. */
  | { kind: 'ref'; ref: OrbRef; pos: Position }
  /** An orb defined inline (a map instead of a string); its elements are read like local ones. */
  | { kind: 'inline'; defs: Defs };

export interface Defs {
  /** The file positions are given in (`.circleci/config.yml`, `ns/name@1.0.0//orb.yml`). */
  file: string;
  lineOf(path: YamlPath): number;
  /** Where this definitions map sits in the document (`[]`, or `['orbs', alias]` for an inline orb). */
  base: YamlPath;
  commands: Plain;
  jobs: Plain;
  executors: Plain;
  orbs: Map<string, OrbBinding>;
  /** Pipeline parameter defaults (the config's top-level `parameters:`; empty inside an orb). */
  pipeline: Record<string, unknown>;
}

const MAX_INLINE_DEPTH = 8;

export function posIn(defs: Defs, path: YamlPath): Position {
  return { file: defs.file, line: defs.lineOf([...defs.base, ...path]) };
}

function section(root: Plain, key: string): Plain {
  const v = root[key];
  return isRecord(v) ? v : {};
}

/** Reads the definitions at `base`; invalid orb references become located errors. */
export function readDefs(
  root: Plain,
  at: { repo: string; file: string; lineOf(path: YamlPath): number; base: YamlPath; pipeline: Record<string, unknown> },
  errors: ScanError[],
  depth = 0,
): Defs {
  const defs: Defs = {
    file: at.file,
    lineOf: at.lineOf,
    base: at.base,
    commands: section(root, 'commands'),
    jobs: section(root, 'jobs'),
    executors: section(root, 'executors'),
    orbs: new Map(),
    pipeline: at.pipeline,
  };
  for (const [alias, value] of Object.entries(section(root, 'orbs'))) {
    const pos = posIn(defs, ['orbs', alias]);
    if (isRecord(value)) {
      if (depth >= MAX_INLINE_DEPTH) {
        errors.push({ repo: at.repo, file: at.file, line: pos.line, code: 'orb-too-deep', message: `inline orb "${alias}" is nested too deeply` });
        continue;
      }
      defs.orbs.set(alias, { kind: 'inline', defs: readDefs(value, { ...at, base: [...at.base, 'orbs', alias] }, errors, depth + 1) });
      continue;
    }
    const text = asString(value);
    const ref = text === undefined ? undefined : parseOrbRef(text);
    if (!ref) {
      errors.push({
        repo: at.repo,
        file: at.file,
        line: pos.line,
        code: 'invalid-orb-ref',
        message: `orb "${alias}" is not a reference of the form namespace/name@version`,
      });
      continue;
    }
    defs.orbs.set(alias, { kind: 'ref', ref, pos });
  }
  return defs;
}
