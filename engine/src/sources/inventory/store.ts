/**
 * IMPERATIVE SHELL: the component-usage index on disk, in the data directory:
 *
 *   <data-dir>/inventory/<inputs hash>/manifest.json     summaries of every repository version, tables
 *   <data-dir>/inventory/<inputs hash>/models/<sha256>.json   one repository version's resolved model
 *
 * Files are written atomically (a temporary file renamed over the old one); models are named by the
 * SHA-256 of their bytes and never rewritten, so a manifest always names models that exist as it wrote
 * them, even if a later write is interrupted. Read back, the manifest is validated with zod and a model
 * is checked against its hash and validated: anything else is a StoreProblem, never an answer.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RepoModel } from '../../core/inventory';
import { INVENTORY_FORMAT, INVENTORY_VERSION, type Manifest, manifestFile, modelFile } from './schema';

/** The index cannot be used as it is: why, for one line to the user. */
export class StoreProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreProblem';
  }
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Writes `text` to `file` through a temporary file in the same folder and a rename. */
export function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  try {
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

function zodProblem(what: string, issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string {
  const first = issues[0];
  return `${what} does not have the expected shape (${first ? `${first.path.join('.') || 'top level'}: ${first.message}` : 'invalid'})`;
}

export type LoadOutcome = { kind: 'absent' } | { kind: 'loaded'; manifest: Manifest } | { kind: 'unusable'; reason: string };

export interface InventoryStore {
  /** The folder of this index. */
  readonly dir: string;
  load(): LoadOutcome;
  /** The model named `hash`, checked; throws StoreProblem. */
  model(hash: string): RepoModel;
  /** Writes a model (if not there yet); its hash. */
  putModel(model: RepoModel): string;
  /** Replaces the manifest, then removes the models it no longer names. */
  save(manifest: Manifest): void;
}

/** The index of `inputs` (paths as given, or source ids) in `dataDir`. */
export function inventoryStore(dataDir: string, inputs: readonly string[]): InventoryStore {
  const dir = join(resolve(dataDir), 'inventory', sha256(JSON.stringify(inputs)).slice(0, 16));
  const modelsDir = join(dir, 'models');
  const manifestPath = join(dir, 'manifest.json');

  return {
    dir,
    load(): LoadOutcome {
      let text: string;
      try {
        text = readFileSync(manifestPath, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
        return { kind: 'unusable', reason: `cannot read ${manifestPath}: ${(err as NodeJS.ErrnoException).code ?? 'error'}` };
      }
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch {
        return { kind: 'unusable', reason: `${manifestPath} is not valid JSON (cut short or edited?)` };
      }
      const head = data as { format?: unknown; version?: unknown } | null;
      if (head?.format === INVENTORY_FORMAT && head.version !== INVENTORY_VERSION) {
        return { kind: 'unusable', reason: `${manifestPath} is format version ${String(head.version)}; this version reads ${INVENTORY_VERSION}` };
      }
      const parsed = manifestFile.safeParse(data);
      if (!parsed.success) return { kind: 'unusable', reason: zodProblem(manifestPath, parsed.error.issues) };
      return { kind: 'loaded', manifest: parsed.data };
    },
    model(hash: string): RepoModel {
      const file = join(modelsDir, `${hash}.json`);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new StoreProblem(`model ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
      }
      if (sha256(text) !== hash) throw new StoreProblem(`model ${file} does not have the content the index recorded (changed or cut short)`);
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch {
        throw new StoreProblem(`model ${file} is not valid JSON`);
      }
      const parsed = modelFile.safeParse(data);
      if (!parsed.success) throw new StoreProblem(zodProblem(file, parsed.error.issues));
      return parsed.data.model;
    },
    putModel(model: RepoModel): string {
      const text = JSON.stringify({ format: `${INVENTORY_FORMAT}-model`, version: INVENTORY_VERSION, model });
      const hash = sha256(text);
      mkdirSync(modelsDir, { recursive: true });
      const file = join(modelsDir, `${hash}.json`);
      try {
        if (sha256(readFileSync(file, 'utf8')) === hash) return hash;
      } catch {
        // not there yet (or unreadable): write it
      }
      writeAtomic(file, text);
      return hash;
    },
    save(manifest: Manifest): void {
      mkdirSync(modelsDir, { recursive: true });
      writeAtomic(manifestPath, JSON.stringify(manifest));
      const named = new Set(manifest.repos.map((r) => `${r.model}.json`));
      for (const name of readdirSync(modelsDir)) {
        if (named.has(name)) continue;
        if (name.includes('.tmp-') && !name.includes(`.tmp-${process.pid}-`)) continue; // another writer's file in flight
        rmSync(join(modelsDir, name), { force: true });
      }
    },
  };
}
