/**
 * IMPERATIVE SHELL: the component-usage index on disk, in the data directory:
 *
 *   <data-dir>/inventory/<inputs hash>/manifest.json       line 1: {format, version, sha256 of line 2};
 *                                                          line 2: the manifest (summaries of every repository
 *                                                          version, tables, where each model is)
 *   <data-dir>/inventory/<inputs hash>/packs/<sha256>.pack  models, one after the other (each the JSON of one
 *                                                          repository version's resolved model); named by the
 *                                                          SHA-256 of the pack's bytes, never rewritten
 *   <data-dir>/inventory/<inputs hash>/stamp               written at a run's start: its mtime is the file system's now
 *
 * A query reads the manifest once and, for each repository the indicator may match, one range of a pack
 * (no file opened per repository). Models written in a run go to a new pack, named when the run saves;
 * when the packs hold more dead models than live ones, or too many packs are named, the live models are
 * copied into one pack. The manifest is written atomically (a temporary file renamed over the old one)
 * after the packs it names, so it always names packs that exist as it wrote them, even if a later write
 * is interrupted. Fail closed: the manifest is validated with zod when written, and read back only when
 * its bytes have the SHA-256 its first line records; a model is read only when its bytes have the SHA-256
 * the manifest recorded. Anything else is a StoreProblem or an `unusable` index, never an answer.
 */
import { createHash, type Hash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RepoModel } from '../../core/inventory';
import { INVENTORY_FORMAT, INVENTORY_VERSION, type Manifest, manifestFile, manifestHeader } from './schema';

/** The index cannot be used as it is: why, for one line to the user. */
export class StoreProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreProblem';
  }
}

/** Packs named by one manifest before the live models are copied into one. */
export const MAX_PACKS = 8;

export function sha256(text: string | Buffer): string {
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
  /** Reads the manifest (and learns where its models are). */
  load(): LoadOutcome;
  /** The model named `hash` (of the manifest loaded or saved last), checked; throws StoreProblem. */
  model(hash: string): RepoModel;
  /** Writes a model (if no pack holds it yet); its hash. */
  putModel(model: RepoModel): string;
  /** Names the pack written in this run, writes the manifest (with where each model is), removes the packs it no longer names. */
  save(manifest: Manifest): void;
  /** Now on the file system's clock (ns): the mtime of a file written in the index folder. */
  stamp(): bigint;
  /** Where the model named `hash` is (of the manifest loaded or saved last): for readModel in another thread. */
  where(hash: string): ModelAt | undefined;
  /** Closes the packs open for reading (reading again opens them again). */
  close(): void;
}

/** A model's place: its pack file, its range there, and the SHA-256 its bytes must have. */
export interface ModelAt {
  file: string;
  offset: number;
  length: number;
  hash: string;
}

/** Reads ranges of pack files, keeping each open until close(). */
export interface PackReader {
  read(file: string, offset: number, length: number): Buffer;
  close(): void;
}

export function packReader(): PackReader {
  const open = new Map<string, number>();
  return {
    read(file: string, offset: number, length: number): Buffer {
      const buf = Buffer.allocUnsafe(length);
      try {
        let fd = open.get(file);
        if (fd === undefined) {
          fd = openSync(file, 'r');
          open.set(file, fd);
        }
        let got = 0;
        while (got < length) {
          const n = readSync(fd, buf, got, length - got, offset + got);
          if (n === 0) break;
          got += n;
        }
        if (got < length) throw new StoreProblem(`pack ${file} is shorter than the index recorded (cut short)`);
      } catch (err) {
        if (err instanceof StoreProblem) throw err;
        throw new StoreProblem(`pack ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
      }
      return buf;
    },
    close(): void {
      for (const fd of open.values()) closeSync(fd);
      open.clear();
    },
  };
}

/** The model at `at`, checked against its SHA-256 and its head; throws StoreProblem. */
export function readModel(reader: PackReader, at: ModelAt): RepoModel {
  const bytes = reader.read(at.file, at.offset, at.length);
  const where = `model ${at.hash} in pack ${at.file}`;
  if (sha256(bytes) !== at.hash) throw new StoreProblem(`${where} does not have the content the index recorded (changed or cut short)`);
  let data: { format?: unknown; version?: unknown; model?: { repo?: unknown; platforms?: unknown } } | null;
  try {
    data = JSON.parse(bytes.toString('utf8')) as typeof data;
  } catch {
    throw new StoreProblem(`${where} is not valid JSON`);
  }
  // The bytes putModel wrote (the SHA-256 says so): their head says they are a model of this version.
  const model = data?.model;
  if (data?.format !== `${INVENTORY_FORMAT}-model` || data.version !== INVENTORY_VERSION || typeof model?.repo !== 'string' || !Array.isArray(model.platforms)) {
    throw new StoreProblem(`${where} does not have the expected shape`);
  }
  return model as RepoModel;
}

/** Where a model is: a pack file's name, the offset and the length of its bytes. */
type Location = { pack: string; offset: number; length: number };

/** The pack being written in this run: a temporary file until save() names it. */
interface Writing {
  tmp: string;
  fd: number;
  size: number;
  hash: Hash;
  /** Models written to it: hash → offset, length. */
  models: Map<string, { offset: number; length: number }>;
}

/** The index of `inputs` (paths as given, or source ids) in `dataDir`. */
export function inventoryStore(dataDir: string, inputs: readonly string[]): InventoryStore {
  const dir = join(resolve(dataDir), 'inventory', sha256(JSON.stringify(inputs)).slice(0, 16));
  const packsDir = join(dir, 'packs');
  const manifestPath = join(dir, 'manifest.json');
  /** Models in named packs (of the manifest loaded or saved last). */
  let located = new Map<string, Location>();
  let writing: Writing | undefined;
  const reader = packReader();
  const closeAll = (): void => reader.close();
  const readRange = (pack: string, offset: number, length: number): Buffer => reader.read(join(packsDir, pack), offset, length);

  /** Names the pack written in this run: its models located there. */
  const finishWriting = (): void => {
    if (writing === undefined) return;
    const w = writing;
    writing = undefined;
    closeSync(w.fd);
    const name = `${w.hash.digest('hex')}.pack`;
    renameSync(w.tmp, join(packsDir, name));
    for (const [hash, { offset, length }] of w.models) located.set(hash, { pack: name, offset, length });
  };

  /** Copies the models `hashes` into one new pack (their bytes as they are: each is checked when read). */
  const repack = (hashes: readonly string[]): void => {
    const order = [...new Set(hashes)];
    const tmp = join(packsDir, `.repack.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    const fd = openSync(tmp, 'w', 0o600);
    const hash = createHash('sha256');
    const models = new Map<string, { offset: number; length: number }>();
    let size = 0;
    try {
      for (const h of order) {
        const at = located.get(h);
        if (at === undefined) throw new Error(`no pack holds model ${h}`);
        const bytes = readRange(at.pack, at.offset, at.length);
        writeSync(fd, bytes);
        hash.update(bytes);
        models.set(h, { offset: size, length: bytes.length });
        size += bytes.length;
      }
    } finally {
      closeSync(fd);
    }
    const name = `${hash.digest('hex')}.pack`;
    renameSync(tmp, join(packsDir, name));
    for (const [h, { offset, length }] of models) located.set(h, { pack: name, offset, length });
  };

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
      const nl = text.indexOf('\n');
      let head: unknown;
      try {
        head = JSON.parse(nl < 0 ? text : text.slice(0, nl));
      } catch {
        return { kind: 'unusable', reason: `${manifestPath} is not valid JSON (cut short or edited?)` };
      }
      const h = head as { format?: unknown; version?: unknown } | null;
      if (h?.format === INVENTORY_FORMAT && h.version !== INVENTORY_VERSION) {
        return { kind: 'unusable', reason: `${manifestPath} is format version ${String(h.version)}; this version reads ${INVENTORY_VERSION}` };
      }
      const header = manifestHeader.safeParse(head);
      if (!header.success) return { kind: 'unusable', reason: zodProblem(manifestPath, header.error.issues) };
      const body = nl < 0 ? '' : text.slice(nl + 1);
      if (sha256(body) !== header.data.sha256) return { kind: 'unusable', reason: `${manifestPath} does not have the content its first line recorded (cut short or edited?)` };
      let manifest: Manifest;
      try {
        // The bytes this program wrote after validating them with zod (save): the SHA-256 says they are those.
        manifest = JSON.parse(body) as Manifest;
      } catch {
        return { kind: 'unusable', reason: `${manifestPath} is not valid JSON (cut short or edited?)` };
      }
      if (manifest.format !== INVENTORY_FORMAT || manifest.version !== INVENTORY_VERSION) return { kind: 'unusable', reason: `${manifestPath} does not have the expected shape (its format)` };
      const packs = manifest.packs ?? [];
      located = new Map();
      for (const r of manifest.repos) {
        const pack = r.at === undefined ? undefined : packs[r.at[0]];
        if (pack !== undefined && r.at !== undefined) located.set(r.model, { pack, offset: r.at[1], length: r.at[2] });
      }
      return { kind: 'loaded', manifest };
    },
    model(hash: string): RepoModel {
      const at = located.get(hash);
      if (at === undefined) throw new StoreProblem(`the index does not say where model ${hash} is`);
      return readModel(reader, { file: join(packsDir, at.pack), offset: at.offset, length: at.length, hash });
    },
    where(hash: string): ModelAt | undefined {
      const at = located.get(hash);
      return at === undefined ? undefined : { file: join(packsDir, at.pack), offset: at.offset, length: at.length, hash };
    },
    putModel(model: RepoModel): string {
      const bytes = Buffer.from(JSON.stringify({ format: `${INVENTORY_FORMAT}-model`, version: INVENTORY_VERSION, model }), 'utf8');
      const hash = sha256(bytes);
      if (located.has(hash) || writing?.models.has(hash) === true) return hash;
      if (writing === undefined) {
        mkdirSync(packsDir, { recursive: true });
        const tmp = join(packsDir, `.pack.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
        writing = { tmp, fd: openSync(tmp, 'w', 0o600), size: 0, hash: createHash('sha256'), models: new Map() };
      }
      writeSync(writing.fd, bytes);
      writing.hash.update(bytes);
      writing.models.set(hash, { offset: writing.size, length: bytes.length });
      writing.size += bytes.length;
      return hash;
    },
    stamp(): bigint {
      mkdirSync(dir, { recursive: true });
      const file = join(dir, 'stamp');
      writeFileSync(file, `${process.pid}\n`, { mode: 0o600 });
      return statSync(file, { bigint: true }).mtimeNs;
    },
    save(manifest: Manifest): void {
      mkdirSync(packsDir, { recursive: true });
      finishWriting();
      const live = manifest.repos.map((r) => r.model);
      const named = (): Map<string, number> => {
        const bytes = new Map<string, number>();
        for (const h of live) {
          const at = located.get(h);
          if (at === undefined) throw new Error(`no pack holds model ${h}`);
          bytes.set(at.pack, (bytes.get(at.pack) ?? 0) + at.length);
        }
        return bytes;
      };
      let packs = named();
      const liveBytes = [...packs.values()].reduce((a, b) => a + b, 0);
      const packBytes = [...packs.keys()].reduce((n, p) => {
        try {
          return n + statSync(join(packsDir, p)).size;
        } catch (err) {
          throw new StoreProblem(`pack ${join(packsDir, p)} cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
        }
      }, 0);
      if (packs.size > MAX_PACKS || packBytes > 2 * liveBytes) {
        repack(live);
        packs = named();
      }
      const names = [...packs.keys()].sort();
      const index = new Map(names.map((n, i) => [n, i]));
      const repos = manifest.repos.map((r) => {
        const at = located.get(r.model) as Location;
        return { ...r, at: [index.get(at.pack) as number, at.offset, at.length] as [number, number, number] };
      });
      const full: Manifest = { ...manifest, repos, packs: names };
      // What is read back unchecked (its SHA-256 only) is checked here, when written.
      const valid = manifestFile.safeParse(full);
      if (!valid.success) throw new Error(zodProblem('the manifest to write', valid.error.issues));
      const body = JSON.stringify(full);
      const header = JSON.stringify({ format: INVENTORY_FORMAT, version: INVENTORY_VERSION, sha256: sha256(body) });
      writeAtomic(manifestPath, `${header}\n${body}`);
      closeAll();
      const keep = new Set(names);
      for (const name of readdirSync(packsDir)) {
        if (keep.has(name)) continue;
        if (name.includes('.tmp-') && !name.includes(`.tmp-${process.pid}-`)) continue; // another writer's file in flight
        rmSync(join(packsDir, name), { force: true });
      }
      // An index of format version 2 kept one file per model.
      rmSync(join(dir, 'models'), { recursive: true, force: true });
    },
    close: closeAll,
  };
}
