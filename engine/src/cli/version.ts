import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The product version, read from the engine package.json (kept equal to plugin.json by a test). */
export const VERSION: string = (() => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
})();
