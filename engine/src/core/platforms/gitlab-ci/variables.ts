/**
 * GitLab CI variables: reading `variables:` maps, expanding `$VAR` / `${VAR}` where the file defines
 * the variable, and spotting credential-like variables that come from CI/CD settings. Pure.
 */
import { asString, isRecord } from '../../yaml';

export type VariableMap = ReadonlyMap<string, string>;

const MAX_EXPANSION_ROUNDS = 10;
/** Expanded text longer than this stops expanding (variables made of variables can grow exponentially). */
export const MAX_EXPANDED_LENGTH = 256 * 1024;
const VAR_PATTERN = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** `variables:` as name → value (`NAME: value` or `NAME: { value: … }`). Non-scalar values are skipped. */
export function readVariables(value: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (!isRecord(value)) return out;
  for (const [name, v] of Object.entries(value)) {
    const text = isRecord(v) ? asString(v.value) : v === null ? '' : asString(v);
    if (text !== undefined) out.set(name, text);
  }
  return out;
}

/**
 * Replaces `$VAR` and `${VAR}` whose VAR is in `vars` (repeatedly, so variables made of variables
 * expand; bounded in rounds and length: past the bound the text stays as far as it got). `$$` is GitLab's escape and is left alone, as is every variable not in `vars`.
 */
export function expandVariables(text: string, vars: VariableMap): string {
  if (vars.size === 0 || !text.includes('$')) return text;
  let current = text;
  for (let round = 0; round < MAX_EXPANSION_ROUNDS; round++) {
    let changed = false;
    const next = current.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced?: string, plain?: string) => {
      const name = braced ?? plain;
      if (name === undefined) return whole;
      const value = vars.get(name);
      if (value === undefined) return whole;
      // A variable defined as itself (`A: $A`) would never settle.
      if (value.includes(`$${name}`) || value.includes(`\${${name}}`)) return whole;
      changed = true;
      return value;
    });
    if (next.length > MAX_EXPANDED_LENGTH) break;
    current = next;
    if (!changed) break;
  }
  return current;
}

/** Names of every `$VAR` / `${VAR}` in `text` (escaped `$$VAR` excluded). */
export function referencedVariables(text: string): string[] {
  const names = new Set<string>();
  const cleaned = text.replace(/\$\$/g, '');
  for (const m of cleaned.matchAll(VAR_PATTERN)) {
    const name = m[1] ?? m[2];
    if (name !== undefined) names.add(name);
  }
  return [...names];
}

/** GitLab's job token and the predefined variables that carry it. */
export const JOB_TOKEN_VARIABLES: ReadonlySet<string> = new Set(['CI_JOB_TOKEN', 'CI_REGISTRY_PASSWORD', 'CI_DEPENDENCY_PROXY_PASSWORD']);
/** Predefined variables that hold a credential other than the job token. */
const PREDEFINED_CREDENTIALS: ReadonlySet<string> = new Set(['CI_DEPLOY_PASSWORD']);

const CREDENTIAL_NAME = /(^|_)(TOKEN|TOKENS|SECRET|SECRETS|PASSWORD|PASSWD|PASS|PWD|KEY|KEYS|APIKEY|CREDENTIALS?|AUTH|PRIVATE|CERT|PAT)($|_)/i;

/**
 * Does this variable name look like a credential (`NPM_TOKEN`, `AWS_SECRET_ACCESS_KEY`, `DB_PASSWORD`)?
 * GitLab's predefined `CI_*` / `GITLAB_*` variables are not (the job token is reported separately),
 * except the deploy-token password.
 */
export function isCredentialName(name: string): boolean {
  if (PREDEFINED_CREDENTIALS.has(name)) return true;
  if (/^(CI|GITLAB)_/.test(name) || /(^|_)PUBLIC($|_)/i.test(name)) return false;
  return CREDENTIAL_NAME.test(name);
}
