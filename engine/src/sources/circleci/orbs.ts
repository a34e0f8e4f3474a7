/**
 * IMPERATIVE SHELL: a ComponentFetcher for CircleCI orbs (and orb jobs/commands/executors, which live in
 * their orb's file), from CircleCI's orb registry.
 *
 * The registry is read through CircleCI's GraphQL endpoint (`POST <CIRCLECI_URL>/graphql-unstable`, the
 * token — optional for public orbs — as the bare `Authorization` header, as CircleCI's CLI sends it):
 *   - ORB_SOURCE_QUERY: `orbVersion(orbVersionRef: "ns/name@1.2.3") { id version orb { id name } source
 *     createdAt }` — the query of `circleci orb source`; a null `orbVersion` or an empty `id` means "no
 *     such orb version".
 *   - ORB_VERSIONS_QUERY: the same root field with `orb { versions(count: 200) { version createdAt } }`,
 *     as `circleci orb info` asks it — the orb's published versions, for moving references.
 * The source is written into the component cache at the orb's key (core/resolve/cache-key.ts):
 * `circleci/orbs/<ns>/<name>@<version>.yml`, `<version>` as the config writes it.
 *
 * Moving references (`@volatile`, no version, `@1`, `@1.2`) are resolved from the orb's versions list: the
 * highest published version that the reference matches (`volatile`: any) and that was published by
 * `asOf` (the incident window's end, when given) — the newest code the reference could have run during
 * the window. Its source is written under the reference as written (`name@1.yml`) and under the concrete
 * version (`name@1.4.2.yml`). This is a bound, not a record: which version a past pipeline actually ran
 * is only in that pipeline's `compiled` config. At most the 200 versions the registry lists are seen.
 * A missing orb or version, or a registry that refuses, is `{ ok: false, reason }`.
 */
import type { ComponentRef, OrbRef } from '../../core/model';
import { cacheKey, UNVERSIONED_ORB } from '../../core/resolve/cache-key';
import type { ComponentCacheWriter, ComponentFetcher, FetchOutcome } from '../source';
import { CircleCiClient, type CircleCiClientOptions, type CircleCiEnv } from './client';
import { orbVersionSchema } from './schemas';

export const ORB_SOURCE_QUERY = `query OrbSource($orbVersionRef: String!) {
  orbVersion(orbVersionRef: $orbVersionRef) {
    id
    version
    orb {
      id
      name
    }
    source
    createdAt
  }
}`;

export const ORB_VERSIONS_QUERY = `query OrbVersions($orbVersionRef: String!) {
  orbVersion(orbVersionRef: $orbVersionRef) {
    id
    version
    orb {
      id
      name
      versions(count: 200) {
        version
        createdAt
      }
    }
  }
}`;

export interface OrbFetcherOptions extends CircleCiClientOptions {
  /** Resolve moving references as of this moment (ms; the incident window's end). Default: now. */
  asOf?: number;
}

const SEGMENT = /^[a-z0-9][a-z0-9_-]*$/i;
const SEMVER = /^(\d+)\.(\d+)\.(\d+)$/;
const PARTIAL = /^\d+(\.\d+)?$/;

type Semver = [number, number, number];

function semver(v: string): Semver | undefined {
  const m = SEMVER.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function compare(a: Semver, b: Semver): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * The version a moving reference stands for: the highest published `versions` entry matching `ref`
 * (`volatile`: any; `1` / `1.2`: that prefix) published at or before `asOf`. Pure.
 */
export function pickOrbVersion(ref: string, versions: ReadonlyArray<{ version: string; createdAt?: string | null }>, asOf?: number): string | undefined {
  const prefix = ref === UNVERSIONED_ORB ? [] : ref.split('.').map(Number);
  let best: { v: string; s: Semver } | undefined;
  for (const { version, createdAt } of versions) {
    const s = semver(version);
    if (!s || prefix.some((n, i) => s[i] !== n)) continue;
    if (asOf !== undefined) {
      const t = createdAt ? Date.parse(createdAt) : Number.NaN;
      if (Number.isNaN(t) || t > asOf) continue;
    }
    if (!best || compare(s, best.s) > 0) best = { v: version, s };
  }
  return best?.v;
}

class OrbFetcher implements ComponentFetcher {
  readonly id = 'circleci-orbs';
  private readonly client: CircleCiClient;
  private readonly memo = new Map<string, Promise<{ ok: true; source: string; version: string } | { ok: false; reason: string }>>();

  constructor(
    env: CircleCiEnv,
    private readonly options: OrbFetcherOptions,
  ) {
    this.client = new CircleCiClient(env, options);
  }

  get requests(): number {
    return this.client.requests;
  }

  canFetch(ref: ComponentRef): boolean {
    return ref.kind === 'orb' || ref.kind === 'orb-element';
  }

  async fetch(ref: ComponentRef, into: ComponentCacheWriter): Promise<FetchOutcome> {
    if (ref.kind !== 'orb' && ref.kind !== 'orb-element') return { ok: false, reason: `${ref.raw} is not a CircleCI orb` };
    const orb: OrbRef = ref.kind === 'orb' ? ref : ref.orb;
    const version = orb.version ?? UNVERSIONED_ORB;
    const name = `${orb.namespace}/${orb.name}`;
    if (!SEGMENT.test(orb.namespace) || !SEGMENT.test(orb.name)) return { ok: false, reason: `${orb.raw} is not an orb of CircleCI's registry (namespace/name)` };
    if (version !== UNVERSIONED_ORB && !SEMVER.test(version) && !PARTIAL.test(version)) {
      return { ok: false, reason: `orb ${name}@${version}: CircleCI orb versions are X.Y.Z, X.Y, X or volatile` };
    }
    const got = await this.source(name, version);
    if (!got.ok) return got;
    const written: string[] = [];
    const write = (target: OrbRef): void => {
      const key = cacheKey(target, 'orb.yml');
      if (key === undefined || written.includes(key)) return;
      into.write(target, 'orb.yml', got.source);
      written.push(key);
    };
    write(orb);
    if (got.version !== version) write({ ...orb, version: got.version, raw: `${name}@${got.version}` });
    return { ok: true, files: written };
  }

  private source(name: string, version: string): Promise<{ ok: true; source: string; version: string } | { ok: false; reason: string }> {
    const key = `${name}@${version}`;
    let p = this.memo.get(key);
    if (!p) {
      p = this.load(name, version);
      this.memo.set(key, p);
    }
    return p;
  }

  private async load(name: string, version: string): Promise<{ ok: true; source: string; version: string } | { ok: false; reason: string }> {
    let concrete = version;
    if (!SEMVER.test(version)) {
      const r = await this.client.graphql(ORB_VERSIONS_QUERY, { orbVersionRef: `${name}@${UNVERSIONED_ORB}` }, orbVersionSchema, `the versions of orb ${name}`);
      if (!r.ok) return { ok: false, reason: r.reason };
      const ov = r.value.orbVersion;
      if (ov === null || ov.id === '') return { ok: false, reason: `orb ${name} is not in CircleCI's orb registry (or not visible to the token)` };
      const picked = pickOrbVersion(version, ov.orb?.versions ?? [], this.options.asOf);
      const when = this.options.asOf === undefined ? '' : ` published by ${new Date(this.options.asOf).toISOString()}`;
      if (picked === undefined) return { ok: false, reason: `orb ${name} has no version matching @${version}${when}` };
      concrete = picked;
    }
    const r = await this.client.graphql(ORB_SOURCE_QUERY, { orbVersionRef: `${name}@${concrete}` }, orbVersionSchema, `the source of orb ${name}@${concrete}`);
    if (!r.ok) return { ok: false, reason: r.reason };
    const ov = r.value.orbVersion;
    if (ov === null || ov.id === '') return { ok: false, reason: `orb ${name}@${concrete} is not in CircleCI's orb registry (or not visible to the token)` };
    if (ov.source === undefined || ov.source === '') return { ok: false, reason: `CircleCI's orb registry gave no source for ${name}@${concrete}` };
    return { ok: true, source: ov.source, version: concrete };
  }
}

/** The orb fetcher (see the header). `env`: CIRCLECI_TOKEN (optional for public orbs), CIRCLECI_URL. */
export function createOrbFetcher(env: CircleCiEnv, options: OrbFetcherOptions = {}): ComponentFetcher & { readonly requests: number } {
  return new OrbFetcher(env, options);
}
