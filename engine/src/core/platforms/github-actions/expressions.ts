/**
 * What GitHub expressions (`${{ … }}`) in a workflow or action reveal: which secrets they read, and
 * input substitution for composite actions and reusable workflows. Pure text functions.
 */

/** A credential read found in text: a named secret, every secret, or the job's GITHUB_TOKEN. */
export type SecretHit = { kind: 'secret'; name: string } | { kind: 'all-secrets' } | { kind: 'ci-token' };

const EXPRESSION = /\$\{\{([\s\S]*?)\}\}/g;
/**
 * `secrets.NAME`, `secrets['NAME']`, or `secrets` used whole (`toJSON(secrets)`, `secrets[matrix.x]`).
 * Not a property of something else (`github.event.secrets`) and not inside a quoted string literal.
 */
const SECRETS = /(?<![\w.$'"-])secrets\b(?:\s*\.\s*([A-Za-z_][\w-]*)|\s*\[\s*(['"])([^'"\]]+)\2\s*\])?/g;
const GITHUB_TOKEN = /(?<![\w.$'"-])github\s*\.\s*token\b|(?<![\w.$'"-])github\s*\[\s*['"]token['"]\s*\]/;

/** The expression texts of a value: each `${{ … }}`; a whole `if:` condition is an expression too. */
export function expressionsIn(text: string, isCondition = false): string[] {
  if (!text.includes('${{')) return isCondition ? [text] : [];
  const out: string[] = [];
  for (const m of text.matchAll(EXPRESSION)) out.push(m[1] ?? '');
  return out;
}

/** Secrets an expression reads. */
export function secretsInExpression(expr: string): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const m of expr.matchAll(SECRETS)) {
    const name = m[1] ?? m[3];
    if (name === undefined) hits.push({ kind: 'all-secrets' });
    else if (name.toUpperCase() === 'GITHUB_TOKEN') hits.push({ kind: 'ci-token' });
    else hits.push({ kind: 'secret', name });
  }
  if (GITHUB_TOKEN.test(expr)) hits.push({ kind: 'ci-token' });
  return hits;
}

/** Secrets read by a string value (its `${{ … }}` parts, or all of it for an `if:` condition). */
export function secretsInText(text: string, isCondition = false): SecretHit[] {
  return expressionsIn(text, isCondition).flatMap(secretsInExpression);
}

const INPUT_REF = /\$\{\{\s*inputs\s*(?:\.\s*([A-Za-z_][\w-]*)|\[\s*(['"])([^'"\]]+)\2\s*\])\s*\}\}/g;

/**
 * Replaces `${{ inputs.x }}` (and `${{ inputs['x'] }}`) by the given values; references to inputs
 * without a value are left as written.
 */
export function substituteInputs(text: string, values: Record<string, string>): string {
  if (!text.includes('${{')) return text;
  return text.replace(INPUT_REF, (whole: string, dotted: string | undefined, _q: string | undefined, indexed: string | undefined) => {
    const key = dotted ?? indexed ?? '';
    return Object.prototype.hasOwnProperty.call(values, key) ? (values[key] ?? whole) : whole;
  });
}
