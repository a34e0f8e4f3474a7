/**
 * Which further repository files a GitLab CI file makes the shell read: its `include: local` entries and
 * plain string includes that are not URLs (globs included: `ci/*.yml`, `ci/**` + `/*.yml`), as written
 * but for a leading `/`. A file that is not YAML names nothing (its parse reports it). Pure; never throws.
 */
import type { SourceFile } from '../../model';
import { isRecord, loadYaml } from '../../yaml';

/** Most local includes taken from one file. */
const MAX_INCLUDES = 200;

export function localIncludes(file: SourceFile): string[] {
  if (!/\binclude\b/.test(file.text)) return [];
  const y = loadYaml('', file);
  if (!isRecord(y.value)) return [];
  const inc = y.value.include;
  const items: unknown[] = Array.isArray(inc) ? inc : inc === undefined ? [] : [inc];
  const out: string[] = [];
  for (const item of items) {
    if (typeof item === 'string') {
      if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(item)) out.push(item);
    } else if (isRecord(item) && typeof item.local === 'string') {
      out.push(item.local);
    }
  }
  return out.slice(0, MAX_INCLUDES).map((p) => p.replace(/^\/+/, ''));
}
