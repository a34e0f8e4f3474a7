/**
 * What a job holds — secrets by name, contexts, token power, OIDC, deploys — shared by the rules that
 * describe the affected job and the tamper rule that describes the jobs consuming its output.
 */
import type { ComponentNode, Job, Permissions, ResolvedJob, SecretRef } from '../model';
import { walkNodes } from '../resolve/resolver';

/** Secret kinds that are credentials a payload can read (the job token and project env are judged apart). */
const CREDENTIAL_KINDS: ReadonlySet<SecretRef['kind']> = new Set<SecretRef['kind']>(['secret', 'variable', 'context', 'inherit', 'all-secrets', 'environment', 'id-token']);

/** The name shown for a secret reference (names only, never values). */
export function secretLabel(s: SecretRef): string {
  switch (s.kind) {
    case 'inherit':
      return 'secrets: inherit';
    case 'all-secrets':
      return 'toJSON(secrets)';
    case 'environment':
      return `environment ${s.name} secrets`;
    case 'context':
      return `context ${s.name}`;
    case 'id-token':
      return s.name === 'id-token' ? 'OIDC token' : `${s.name} (OIDC token)`;
    default:
      return s.name;
  }
}

/** Secrets the job's own components read (e.g. an orb command's token parameter), with where. */
export function componentSecrets(nodes: readonly ComponentNode[]): Array<{ secret: SecretRef; via: ComponentNode }> {
  let found = COMPONENT_SECRETS.get(nodes);
  if (!found) {
    found = [];
    for (const { node } of walkNodes(nodes)) for (const secret of node.secrets ?? []) found.push({ secret, via: node });
    COMPONENT_SECRETS.set(nodes, found);
  }
  return [...found];
}

/**
 * By the identity of a job's component list (resolved once, read by every rule for every finding of
 * the job: a job with thousands of matching steps would otherwise walk its tree once per finding).
 */
const COMPONENT_SECRETS = new WeakMap<readonly ComponentNode[], Array<{ secret: SecretRef; via: ComponentNode }>>();

/** Credentials the job can read: its own references, its contexts and those its components read. Unique by label. */
export function credentials(job: Job, nodes: readonly ComponentNode[] = []): SecretRef[] {
  const out = new Map<string, SecretRef>();
  for (const s of job.secrets) if (CREDENTIAL_KINDS.has(s.kind)) out.set(secretLabel(s), s);
  for (const c of job.contexts) {
    const ref: SecretRef = { name: c, kind: 'context' };
    if (!out.has(secretLabel(ref))) out.set(secretLabel(ref), ref);
  }
  for (const { secret } of componentSecrets(nodes)) if (CREDENTIAL_KINDS.has(secret.kind) && !out.has(secretLabel(secret))) out.set(secretLabel(secret), secret);
  return [...out.values()];
}

export function onlyForkTriggers(job: Job): boolean {
  return job.triggers.length > 0 && job.triggers.every((t) => t.kind === 'pull_request_fork');
}

/** The token power as a readable text. */
export function permissionsText(p: Permissions): string {
  switch (p.kind) {
    case 'default':
      return 'repository default';
    case 'read-all':
      return 'read-all';
    case 'write-all':
      return 'write-all';
    case 'not-applicable':
      return 'not applicable';
    case 'scopes': {
      const entries = Object.entries(p.scopes).filter(([, v]) => v !== 'none');
      return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k}: ${v}`).join(', ');
    }
  }
}

/** `write` when the token can write, `maybe` for the repository default, `no` otherwise. */
export function tokenWrite(p: Permissions): 'write' | 'maybe' | 'no' {
  switch (p.kind) {
    case 'write-all':
      return 'write';
    case 'default':
      return 'maybe';
    case 'scopes':
      return Object.entries(p.scopes).some(([scope, v]) => v === 'write' && scope !== 'id-token') ? 'write' : 'no';
    default:
      return 'no';
  }
}

/** The token can push code or tags (contents: write or write-all). */
export function tokenCanPush(p: Permissions): boolean {
  return p.kind === 'write-all' || (p.kind === 'scopes' && p.scopes.contents === 'write');
}

/** What a job holds, as short phrases for tamper consumers: `context deploy`, `secret NPM_TOKEN`, `deploys (environment prod)`. */
export function holds(job: Job, resolved?: ResolvedJob): string[] {
  const out: string[] = [];
  if (onlyForkTriggers(job)) return out;
  for (const s of credentials(job, resolved?.components)) {
    if (s.kind === 'context') out.push(`context ${s.name}`);
    else if (s.kind === 'id-token') out.push(secretLabel(s));
    else out.push(s.kind === 'secret' || s.kind === 'variable' ? `secret ${s.name}` : secretLabel(s));
  }
  if (job.oidc && !out.some((h) => h.includes('OIDC'))) out.push('OIDC token');
  if (tokenWrite(job.permissions) === 'write') out.push(`write token (${permissionsText(job.permissions)})`);
  if (job.deploys) out.push(job.environment ? `deploys (environment ${job.environment})` : 'deploys');
  return out;
}

/** Holds secrets or deploys: a consumer that makes a tamper path critical. */
export function privileged(job: Job, resolved?: ResolvedJob): boolean {
  if (onlyForkTriggers(job)) return false;
  return job.deploys || job.oidc || credentials(job, resolved?.components).length > 0;
}
