/**
 * CODEOWNERS, as GitHub and GitLab read it: one rule per line — a gitignore-style path pattern, then its
 * owners (`@user`, `@org/team`, an e-mail) — the LAST matching rule wins; a rule without owners makes the
 * path unowned. GitLab's `[Section]` headers are skipped (their rules still apply, in order). Pure: the
 * file's text in, owners out.
 */

export interface CodeownersRule {
  pattern: string;
  owners: string[];
  line: number;
  regex: RegExp;
}

export interface Codeowners {
  rules: CodeownersRule[];
  /** Lines that are not a rule (an unreadable pattern), kept as data. */
  errors: Array<{ line: number; message: string }>;
}

/** Where GitHub and GitLab look for the file, the first found wins (GitHub's order, GitLab's folder). */
export const CODEOWNERS_PATHS = ['.github/CODEOWNERS', '.gitlab/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const;

const OWNER = /^(@[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*|[^@\s]+@[^@\s]+\.[^@\s]+)$/;

/** A gitignore-style pattern as a regular expression over repository-relative paths (no leading slash). */
export function patternRegex(pattern: string): RegExp | undefined {
  let p = pattern;
  if (p === '' || p.startsWith('!')) return undefined; // negation is not supported by CODEOWNERS
  const directory = p.endsWith('/');
  if (directory) p = p.slice(0, -1);
  const anchored = p.startsWith('/') || p.slice(0, -1).includes('/');
  p = p.replace(/^\/+/, '');
  if (p === '') return /^.*$/;
  let out = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i] ?? '';
    if (c === '*') {
      if (p[i + 1] === '*') {
        const slash = p[i + 2] === '/';
        out += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else {
        out += '[^/]*';
      }
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '\\' && i + 1 < p.length) {
      out += (p[i + 1] ?? '').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      i += 1;
    } else {
      out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  const prefix = anchored ? '^' : '^(?:.*/)?';
  // A pattern names a file, or a directory and everything in it; a wildcard in its last segment matches
  // that level only (GitHub: `docs/*` owns docs/a.md, not docs/a/b.md).
  const last = p.slice(p.lastIndexOf('/') + 1);
  const wildcardLast = /[*?]/.test(last) && last !== '**';
  return new RegExp(`${prefix}${out}${directory ? '/.*' : wildcardLast ? '' : '(?:/.*)?'}$`);
}

export function parseCodeowners(text: string): Codeowners {
  const rules: CodeownersRule[] = [];
  const errors: Codeowners['errors'] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    if (/^\^?\[[^\]]*\]/.test(trimmed)) return; // GitLab section header
    const withoutComment = trimmed.replace(/\s+#.*$/, '');
    const [pattern = '', ...rest] = withoutComment.split(/\s+/);
    const regex = patternRegex(pattern);
    if (!regex) {
      errors.push({ line, message: `pattern "${pattern}" is not supported` });
      return;
    }
    const owners = rest.filter((o) => OWNER.test(o));
    rules.push({ pattern, owners, line, regex });
  });
  return { rules, errors };
}

/** The owners of one path: its last matching rule's (none: unowned, or no rule matches). */
export function ownersOf(codeowners: Codeowners, path: string): string[] {
  const clean = path.replace(/^\/+/, '');
  let found: CodeownersRule | undefined;
  for (const rule of codeowners.rules) if (rule.regex.test(clean)) found = rule;
  return found ? [...found.owners] : [];
}

/** The default owners: those of the last `*` (or `/**`) rule. */
export function defaultOwners(codeowners: Codeowners): string[] {
  let found: CodeownersRule | undefined;
  for (const rule of codeowners.rules) if (rule.pattern === '*' || rule.pattern === '/**' || rule.pattern === '**') found = rule;
  return found ? [...found.owners] : [];
}

/** The owners of a repository's pipeline files: each file's owners, else the default owners; in order, once each. */
export function pipelineOwners(codeowners: Codeowners, files: readonly string[]): string[] {
  const out = new Set<string>();
  for (const file of files) {
    const owners = ownersOf(codeowners, file);
    for (const o of owners.length > 0 ? owners : defaultOwners(codeowners)) out.add(o);
  }
  if (files.length === 0) for (const o of defaultOwners(codeowners)) out.add(o);
  return [...out];
}
