/**
 * A Jenkins shared library and a checkout that uses it, for the lookup's Jenkins tests: under `root`, a git
 * repository `ci-lib` tagged v1 whose `codecov` step pipes the Codecov Bash uploader to bash, and a
 * checkout `checkouts/acme/app` holding the given Jenkinsfile.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeGitRepo, type TestRepo } from '../../../engine/test/helpers/git-repo';
import type { IncidentTarget } from '../../src/incidents/model';

/** The indicator the library's `codecov` step matches. */
export const CODECOV_TARGET: IncidentTarget = { type: 'indicator', id: 'codecov-bash-uploader-2021' };

export function makeJenkinsLibraryFixture(root: string, jenkinsfile: string): { lib: TestRepo; checkouts: string } {
  const lib = makeGitRepo(join(root, 'ci-lib'), [{ at: '2020-06-01T10:00:00Z', files: { 'vars/codecov.groovy': "def call() {\n  sh 'curl -s https://codecov.io/bash | bash'\n}\n" } }]);
  execFileSync('git', ['tag', 'v1'], { cwd: lib.dir, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' }, stdio: 'ignore' });
  const checkouts = join(root, 'checkouts');
  const app = join(checkouts, 'acme', 'app');
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'Jenkinsfile'), jenkinsfile);
  return { lib, checkouts };
}
