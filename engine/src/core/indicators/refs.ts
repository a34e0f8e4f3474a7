/**
 * Ref semantics: is a component used at ref R affected by an indicator component? Pure.
 *
 * - A full 40-hex commit SHA (or an image digest) is immutable: affected only when it is one of the
 *   malicious SHAs; any other pin is NOT affected ("pinned to a safe SHA") — except for a component
 *   whose releases download a script at run time (`runTimeFetch`): a pin freezes the component, not the
 *   script it fetches, so a pin to a commit not listed as safe is affected.
 * - A mutable ref (tag, branch, orb `volatile`, a missing/unpinned ref) is affected when it could
 *   resolve to the bad code during the window: it is listed, falls in a listed range, is a floating
 *   version tag (`v1`) that could point into a listed range, or the indicator says every ref (`*`,
 *   `all tags`).
 * - A ref listed as safe is not affected.
 *
 * Affected/safe ref entries are read by the one ref notation of notation.ts (`v1`, `1.0.x`,
 * `1.1.0-1.1.4`, `>=8.3.47`, `*`, `all tags`, a SHA, each with an optional comment in parentheses).
 * An entry outside it is refused where indicators come in (catalog test, `--indicator FILE`,
 * `--component`); should one reach `decideRef` anyway, the use is affected (fail closed), with a
 * reason that names the entry.
 */
import type { IndicatorComponent } from '../model';
import { compareVersions as cmp, type Interval, parseRefEntry, parseVersion, type RefEntry, type ValidRefEntry } from './notation';

export type RefShape =
  | { kind: 'none' }
  | { kind: 'sha'; sha: string }
  | { kind: 'digest'; digest: string }
  | { kind: 'volatile' }
  | { kind: 'version'; name: string; parts: number[] }
  | { kind: 'name'; name: string };

export interface RefDecision {
  affected: boolean;
  /** One sentence a security engineer can check. */
  reason: string;
}

const SHA_RE = /^[0-9a-f]{40}$/i;
const DIGEST_RE = /^sha(256|512):[0-9a-f]{32,128}$/i;

/** Classifies a ref as written after `@` (or a package version / image tag). */
export function refShape(ref: string | undefined): RefShape {
  const r = ref?.trim();
  if (r === undefined || r === '') return { kind: 'none' };
  if (SHA_RE.test(r)) return { kind: 'sha', sha: r.toLowerCase() };
  if (DIGEST_RE.test(r)) return { kind: 'digest', digest: r.toLowerCase() };
  if (r === 'volatile') return { kind: 'volatile' };
  const v = parseVersion(r);
  if (v) return { kind: 'version', name: r, parts: v };
  return { kind: 'name', name: r };
}

/** Is the fully specified version `v` inside the interval? */
function inInterval(v: readonly number[], iv: Interval): boolean {
  if (iv.lo) {
    const c = cmp(v, iv.lo.v, 0, 0);
    if (c < 0 || (c === 0 && !iv.lo.inclusive)) return false;
  }
  if (iv.hi) {
    // An upper bound written `1.1` covers 1.1.*: pad it with Infinity when inclusive.
    const c = cmp(v, iv.hi.v, 0, iv.hi.inclusive ? Infinity : 0);
    if (c > 0 || (c === 0 && !iv.hi.inclusive)) return false;
  }
  return true;
}

/**
 * Could a floating tag `v` (a version with fewer than three parts, such as `v1` or `v1.2`, which is
 * moved to each new release of that line) point to a version inside the interval?
 */
function floatingMeets(v: readonly number[], iv: Interval): boolean {
  if (v.length >= 3) return inInterval(v, iv);
  // The versions the floating tag can take: [v.0.0, v.∞.∞]; does that overlap the interval?
  if (iv.hi) {
    const c = cmp(v, iv.hi.v, 0, iv.hi.inclusive ? Infinity : 0);
    if (c > 0 || (c === 0 && !iv.hi.inclusive)) return false;
  }
  if (iv.lo) {
    const c = cmp(v, iv.lo.v, Infinity, 0);
    if (c < 0) return false;
  }
  return true;
}

/** A component's entries, parsed once per list (the catalog's lists are constants; a memo keeps decideRef cheap per use). */
const PARSED = new WeakMap<readonly string[], Array<{ entry: string; parsed: RefEntry }>>();

function parsedList(entries: readonly string[]): Array<{ entry: string; parsed: RefEntry }> {
  let list = PARSED.get(entries);
  if (!list) {
    list = entries.map((entry) => ({ entry, parsed: parseRefEntry(entry) }));
    PARSED.set(entries, list);
  }
  return list;
}

/** The valid entries of a list, with the text as written. */
function validEntries(entries: readonly string[]): Array<{ entry: string; parsed: ValidRefEntry }> {
  return parsedList(entries).filter((e): e is { entry: string; parsed: ValidRefEntry } => e.parsed.kind !== 'invalid');
}

/** Does ref shape `shape` fall under entry `p` (written `entry`)? Returns a phrase naming how, or undefined. */
function entryMatches(shape: RefShape, p: ValidRefEntry, entry: string): string | undefined {
  switch (p.kind) {
    case 'any':
      return 'every ref is affected (`*`)';
    case 'all-tags':
      return shape.kind === 'version' || shape.kind === 'name' ? 'every tag was moved to the bad commit' : undefined;
    case 'sha':
    case 'digest':
      // Pins are judged apart (decideRef); a mutable ref is not a commit.
      return undefined;
    case 'name': {
      if (shape.kind === 'volatile') return p.name === 'volatile' ? `it is listed as \`${entry}\`` : undefined;
      if (shape.kind !== 'version' || shape.parts.length >= 3) return undefined;
      // A floating tag (`v1`) is moved to each release of its line: it could point to a listed release.
      const listed = p.version;
      if (listed && listed.length > shape.parts.length && shape.parts.every((n, i) => listed[i] === n)) {
        return `${shape.name} is a floating tag that could point to the listed release \`${entry}\``;
      }
      return undefined;
    }
    case 'wildcard':
    case 'range':
    case 'comparators': {
      if (shape.kind !== 'version') return undefined;
      if (shape.parts.length >= 3) return inInterval(shape.parts, p.interval) ? `it is within \`${entry}\`` : undefined;
      // `v1` (or `1`) listed exactly as a version interval of one value is an exact match too.
      if (inInterval(shape.parts, p.interval) && p.interval.lo && cmp(shape.parts, p.interval.lo.v) === 0 && p.interval.lo.v.length === shape.parts.length) {
        return `it is listed as \`${entry}\``;
      }
      return floatingMeets(shape.parts, p.interval)
        ? `${shape.name} is a floating tag that could point to a release within \`${entry}\``
        : undefined;
    }
  }
}

/** The entry that names the ref itself: the same text (`main`, `v1`, `1.x`), or the same version written with or without `v`. */
function listedExactly(shape: RefShape, entries: readonly string[]): string | undefined {
  if (shape.kind !== 'version' && shape.kind !== 'name' && shape.kind !== 'volatile') return undefined;
  const name = shape.kind === 'volatile' ? 'volatile' : shape.name;
  for (const { entry, parsed } of validEntries(entries)) {
    if (parsed.notation === name) return entry;
    if (shape.kind === 'version' && parsed.kind === 'name' && parsed.version) {
      const v = parsed.version;
      if (v.length === shape.parts.length && cmp(v, shape.parts) === 0) return entry;
    }
  }
  return undefined;
}

function describe(shape: RefShape, ref: string | undefined): string {
  switch (shape.kind) {
    case 'none':
      return 'no ref is pinned';
    case 'sha':
      return `commit ${shape.sha}`;
    case 'digest':
      return `digest ${shape.digest}`;
    case 'volatile':
      return '`volatile`';
    case 'version':
    case 'name':
      return `\`${ref ?? ''}\``;
  }
}

/**
 * Decides whether a use at `ref` of the indicator's component is affected. `ref` is what follows `@`
 * (actions, orbs, includes), the image tag or digest, or the package version; undefined when none.
 * Script URLs have no ref: pass undefined (they are fetched at run time, so every fetch in the window counts).
 */
export interface RefEvidence {
  /**
   * Whether the code of the component at this ref names the component's `runTimeFetch` URL, when all
   * of its code was read (from the component cache); undefined when it was not.
   */
  namesRunTimeFetch?: boolean;
  /** The release a same-line comment names for a SHA pin (`@<sha> # v7.0.0`); not verified. */
  label?: string;
}

export function decideRef(ref: string | undefined, component: IndicatorComponent, evidence: RefEvidence = {}): RefDecision {
  const shape = refShape(ref);
  const what = describe(shape, ref);

  const pinned = shape.kind === 'sha' ? shape.sha : shape.kind === 'digest' ? shape.digest : undefined;
  const pinIs = (e: ValidRefEntry): boolean => (e.kind === 'sha' && e.sha === pinned) || (e.kind === 'digest' && e.digest === pinned);
  if (pinned !== undefined && (component.maliciousShas.some((s) => s.toLowerCase() === pinned) || validEntries(component.affectedRefs).some((e) => pinIs(e.parsed)))) {
    return { affected: true, reason: `pinned to ${what}, which is the malicious ${shape.kind === 'sha' ? 'commit' : 'image'} named by the indicator` };
  }
  // Fail closed: an entry outside the notation (refused where indicators come in) cannot clear a use.
  const unreadable = parsedList(component.affectedRefs).find((e) => e.parsed.kind === 'invalid');
  if (unreadable?.parsed.kind === 'invalid') {
    return {
      affected: true,
      reason: `the indicator's affected ref entry "${unreadable.entry}" is not in the ref notation (${unreadable.parsed.problem}), so whether ${what} falls under it cannot be told: treated as affected`,
    };
  }

  if (pinned !== undefined) {
    if (validEntries(component.safeRefs).some((e) => pinIs(e.parsed))) return { affected: false, reason: `pinned to ${what}, which is listed as safe` };
    if (component.runTimeFetch !== undefined && evidence.namesRunTimeFetch === true) {
      return {
        affected: true,
        reason: `pinned to ${what}, whose code (read from the component cache) downloads ${component.runTimeFetch} at run time: a pin does not freeze what that script does, so a run during the window executed the altered script`,
      };
    }
    if (component.runTimeFetch !== undefined && evidence.namesRunTimeFetch === false) {
      return { affected: false, reason: `pinned to a safe SHA: the code of ${component.id} at ${what} (read from the component cache) does not download ${component.runTimeFetch}` };
    }
    const labelled = evidence.label === undefined ? undefined : refShape(evidence.label);
    if (component.runTimeFetch !== undefined && labelled?.kind === 'version' && labelled.parts.length >= 3) {
      // The pinning tool's comment names the release: judge that release as if it were the ref.
      const byLabel = decideRef(evidence.label, { ...component, runTimeFetch: undefined });
      const labelText = `pinned to ${what}, which the file labels \`${evidence.label ?? ''}\` (a comment, not checked against the repository)`;
      return byLabel.affected
        ? { affected: true, reason: `${labelText}: that release is among the affected ones (${component.affectedRefs.join(', ')}), which download ${component.runTimeFetch} at run time` }
        : { affected: false, reason: `${labelText}: ${byLabel.reason}` };
    }
    if (component.runTimeFetch !== undefined) {
      const releases = component.affectedRefs.length > 0 ? ` (${component.affectedRefs.join(', ')})` : '';
      return {
        affected: true,
        reason: `pinned to ${what}, but releases of ${component.id}${releases} download ${component.runTimeFetch} at run time, so a pin does not freeze what runs; the code at this commit was not read (no component cache entry), so which release it is was not checked: if it is one of those, a run during the window executed the altered script`,
      };
    }
    return { affected: false, reason: `pinned to a safe SHA: ${what} is immutable and is not a malicious ${shape.kind === 'sha' ? 'commit' : 'image'}` };
  }

  if (component.kind === 'script-url') {
    return { affected: true, reason: 'the script is fetched from this URL at run time, so any run during the window executed the altered script' };
  }

  const safe =
    listedExactly(shape, component.safeRefs) ??
    validEntries(component.safeRefs).find(
      ({ parsed: p }) => (p.kind === 'wildcard' || p.kind === 'range' || p.kind === 'comparators') && shape.kind === 'version' && shape.parts.length >= 3 && inInterval(shape.parts, p.interval),
    )?.entry;
  if (safe !== undefined) {
    return { affected: false, reason: `${what} is listed as safe (\`${safe}\`)` };
  }

  if (shape.kind === 'none') {
    if (component.affectedRefs.length === 0) return { affected: false, reason: 'no ref is pinned and the indicator lists no affected refs' };
    return {
      affected: true,
      reason: 'no ref is pinned, so it runs whatever the default branch or latest release was at run time, which could be the bad code during the window',
    };
  }

  // A full orb or package version is published once and never changes: it is affected because that
  // release itself is bad (or fetches the bad script), not because it could move.
  const published = shape.kind === 'version' && shape.parts.length >= 3 && (component.kind === 'orb' || component.kind === 'package');
  const exact = listedExactly(shape, component.affectedRefs);
  if (exact !== undefined) {
    return published
      ? { affected: true, reason: `${what} is a published version listed as affected (\`${exact}\`), so a run of it during the window ran the bad code` }
      : { affected: true, reason: `${what} is a mutable ref listed as affected (\`${exact}\`), so a run during the window could resolve to the bad code` };
  }
  for (const { entry, parsed } of validEntries(component.affectedRefs)) {
    const how = entryMatches(shape, parsed, entry);
    if (how !== undefined) {
      return published
        ? { affected: true, reason: `${what} is a published version and ${how}, so a run of it during the window ran the bad code` }
        : { affected: true, reason: `${what} is a mutable ref and ${how}, so a run during the window could resolve to the bad code` };
    }
  }
  if (shape.kind === 'volatile' && component.affectedRefs.length > 0) {
    return {
      affected: true,
      reason: '`volatile` resolves to the newest release at run time, which during the window could be an affected one',
    };
  }
  if (component.affectedRefs.length === 0) {
    return { affected: false, reason: `${what} is not affected: the indicator lists no affected refs for ${component.id}` };
  }
  return { affected: false, reason: `${what} is outside the affected refs (${component.affectedRefs.join(', ')})` };
}
