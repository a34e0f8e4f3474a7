// `scan.jenkinsLibraries` entries with `implicit: true` (issue 10): libraries every Jenkins pipeline loads
// without `@Library` (Jenkins' "Load implicitly") reach the engine's Jenkins parser through the lookup.
import { join } from 'node:path';
import { z } from 'zod';
import { computeLookup, lookupSettings } from '../src/mattermost/engine-lookup';
import { CODECOV_TARGET, makeJenkinsLibraryFixture } from './helpers/jenkins-library';
import { makeTempDir } from './helpers/tmp';

jest.setTimeout(30_000);

describe('the lookup loads implicit Jenkins libraries', () => {
  it('a Jenkinsfile with no @Library calling codecov(): affected when ci-lib is implicit, a plain step when it is not', async () => {
    const tmp = makeTempDir();
    try {
      const { lib, checkouts } = makeJenkinsLibraryFixture(tmp.dir, "node {\n  stage('Coverage') {\n    codecov()\n  }\n}\n");
      const report = z.object({ summary: z.object({ affected: z.number(), unresolved: z.number() }), unresolved: z.array(z.object({ ref: z.string() })) });
      const settings = (implicit: boolean, data: string) =>
        lookupSettings({ scan: { paths: [checkouts], jenkinsLibraries: [{ name: 'ci-lib', url: lib.url, defaultVersion: 'v1', implicit }], dataDir: join(tmp.dir, data) } });

      const hit = report.parse(JSON.parse((await computeLookup(settings(true, 'data'), CODECOV_TARGET, { env: {} })).json));
      expect(hit.unresolved).toEqual([]);
      expect(hit.summary).toEqual({ affected: 1, unresolved: 0 });

      const plain = report.parse(JSON.parse((await computeLookup(settings(false, 'data2'), CODECOV_TARGET, { env: {} })).json));
      expect(plain.summary).toEqual({ affected: 0, unresolved: 0 });
    } finally {
      tmp.cleanup();
    }
  });
});
