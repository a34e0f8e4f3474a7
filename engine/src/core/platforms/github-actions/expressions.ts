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
  addSecretsOf(expr, hits);
  return hits;
}

/**
 * Adds the secrets `expr` reads to `hits`. (Loops over `exec` rather than `matchAll`, which copies the
 * expression and makes an iterator per call; a loop that runs to its end leaves `lastIndex` at 0.)
 */
function addSecretsOf(expr: string, hits: SecretHit[]): void {
  // Both expressions need their word written out: without it, neither can match.
  if (expr.includes('secrets')) {
    SECRETS.lastIndex = 0;
    for (let m = SECRETS.exec(expr); m !== null; m = SECRETS.exec(expr)) {
      const name = m[1] ?? m[3];
      if (name === undefined) hits.push({ kind: 'all-secrets' });
      else if (name.toUpperCase() === 'GITHUB_TOKEN') hits.push({ kind: 'ci-token' });
      else hits.push({ kind: 'secret', name });
    }
  }
  if (expr.includes('github') && GITHUB_TOKEN.test(expr)) hits.push({ kind: 'ci-token' });
}

/** Secrets read by a string value (its `${{ … }}` parts, or all of it for an `if:` condition). */
export function secretsInText(text: string, isCondition = false): SecretHit[] {
  const hits: SecretHit[] = [];
  if (!text.includes('${{')) {
    if (isCondition) addSecretsOf(text, hits);
    return hits;
  }
  EXPRESSION.lastIndex = 0;
  for (let m = EXPRESSION.exec(text); m !== null; m = EXPRESSION.exec(text)) addSecretsOf(m[1] ?? '', hits);
  return hits;
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
