// `scan.jenkinsLibraries` entries with `implicit: true` (issue 10): libraries every Jenkins pipeline loads
// without `@Library` (Jenkins' "Load implicitly") reach the engine's Jenkins parser through the lookup.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { makeGitRepo } from '../../engine/test/helpers/git-repo';
import { computeLookup, lookupSettings } from '../src/mattermost/engine-lookup';
import { makeTempDir } from './helpers/tmp';

jest.setTimeout(30_000);

describe('the lookup loads implicit Jenkins libraries', () => {
  it('a Jenkinsfile with no @Library calling codecov(): affected when ci-lib is implicit, a plain step when it is not', async () => {
    const tmp = makeTempDir();
    try {
      const lib = makeGitRepo(join(tmp.dir, 'ci-lib'), [{ at: '2020-06-01T10:00:00Z', files: { 'vars/codecov.groovy': "def call() {\n  sh 'curl -s https://codecov.io/bash | bash'\n}\n" } }]);
      execFileSync('git', ['tag', 'v1'], { cwd: lib.dir, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' }, stdio: 'ignore' });
      const app = join(tmp.dir, 'checkouts', 'acme', 'app');
      mkdirSync(app, { recursive: true });
      writeFileSync(join(app, 'Jenkinsfile'), "node {\n  stage('Coverage') {\n    codecov()\n  }\n}\n");
      const target = { type: 'indicator' as const, id: 'codecov-bash-uploader-2021' };
      const report = z.object({ summary: z.object({ affected: z.number(), unresolved: z.number() }), unresolved: z.array(z.object({ ref: z.string() })) });
      const settings = (implicit: boolean, data: string) =>
        lookupSettings({ scan: { paths: [join(tmp.dir, 'checkouts')], jenkinsLibraries: [{ name: 'ci-lib', url: lib.url, defaultVersion: 'v1', implicit }], dataDir: join(tmp.dir, data) } });

      const hit = report.parse(JSON.parse((await computeLookup(settings(true, 'data'), target, { env: {} })).json));
      expect(hit.unresolved).toEqual([]);
      expect(hit.summary).toEqual({ affected: 1, unresolved: 0 });

      const plain = report.parse(JSON.parse((await computeLookup(settings(false, 'data2'), target, { env: {} })).json));
      expect(plain.summary).toEqual({ affected: 0, unresolved: 0 });
    } finally {
      tmp.cleanup();
    }
  });
});
