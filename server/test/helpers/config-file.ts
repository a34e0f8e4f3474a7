/**
 * Writing a configuration file for `loadConfig` in tests, and catching the error it throws:
 *
 *   writeConfig(dir, withSite('scan:\n  evidence: true\n'));
 *   expect(errorOf(() => loadConfig({ cwd: dir, env: {} })).message).toBe('configuration file ./ci-exposure.yaml: …');
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../src/errors';

/** The minimal configuration (a Mattermost site URL) followed by `rest`. */
export function withSite(rest: string): string {
  return `mattermost:\n  siteUrl: http://localhost:8065\n${rest}`;
}

/** Writes `text` to `name` (ci-exposure.yaml, the file `loadConfig` finds) in `dir`; returns its path. */
export function writeConfig(dir: string, text: string, name = 'ci-exposure.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** The UserError `fn` throws; any other error is rethrown, and no error at all fails the test. */
export function errorOf(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error('expected a UserError');
}
