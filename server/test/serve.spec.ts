import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCliProcess, startCliProcess } from '../../engine/test/helpers/cli-process';
import { makeTempDir } from './helpers/tmp';

describe('ci-exposure serve (as a user runs it)', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = makeTempDir()));
  afterEach(() => cleanup());

  it('with no configuration prints one clear line and exits 2', async () => {
    const result = await runCliProcess(['serve'], { cwd: dir });
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ci-exposure: configuration file \.\/ci-exposure\.yaml not found/);
    expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
  });

  it('with a wrong setting names it and exits 2', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'mattermost:\n  siteUrl: ftp://x\n');
    const result = await runCliProcess(['serve', '--config', 'bad.yaml'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^ci-exposure: configuration file bad\.yaml: setting "mattermost\.siteUrl": .*http/);
  });

  it('with a minimal configuration answers GET /healthz', async () => {
    writeFileSync(join(dir, 'ci-exposure.yaml'), 'listen:\n  port: 0\nmattermost:\n  siteUrl: http://localhost:8065\nlog:\n  level: warn\n');
    const { child, match } = await startCliProcess(['serve'], /serving on (http:\/\/\S+)/, { cwd: dir });
    try {
      const response = await fetch(`${match[1]}/healthz`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { status: string; version: string; ready: boolean; reason?: string };
      expect(body.status).toBe('ok');
      expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
      // Alive but not ready: no bot token yet.
      expect(body).toMatchObject({ ready: false, reason: expect.stringMatching(/^no bot token: run `ci-exposure setup`/) });
      const ready = await fetch(`${match[1]}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ ready: false, reason: expect.stringMatching(/no bot token/) });
      const missing = await fetch(`${match[1]}/nope`);
      expect(missing.status).toBe(404);
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    expect(child.exitCode === 0 || child.signalCode === 'SIGTERM').toBe(true);
  });

  it('an unknown command is a usage error (exit 2)', async () => {
    const result = await runCliProcess(['frobnicate'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command/);
  });
});

describe('ci-exposure setup (as a user runs it)', () => {
  it('setup --help names the default of --team once', async () => {
    const r = await runCliProcess(['setup', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('default: mattermost.teams');
    expect(r.stdout).not.toContain('(default: [])');
  });
});
