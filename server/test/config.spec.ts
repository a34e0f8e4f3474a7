import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initialConfigText, loadConfig, parseDuration } from '../src/config';
import { checklistTemplates } from '../src/incidents/templates';
import { errorOf, writeConfig } from './helpers/config-file';
import { makeTempDir } from './helpers/tmp';

describe('loadConfig', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = makeTempDir()));
  afterEach(() => cleanup());

  const write = (text: string, name?: string): string => writeConfig(dir, text, name);

  it('reads a minimal file and fills defaults', () => {
    write('mattermost:\n  siteUrl: http://localhost:8065/\n');
    const { config } = loadConfig({ cwd: dir, env: {} });
    expect(config.mattermost.siteUrl).toBe('http://localhost:8065');
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 8787 });
    expect(config.dataDir).toBe('data');
    expect(config.log.level).toBe('info');
  });

  it('re-checks evidence every 30 minutes by default; 0 turns the schedule off; the environment overrides it', () => {
    write('mattermost:\n  siteUrl: http://localhost:8065/\n');
    expect(loadConfig({ cwd: dir, env: {} }).config.evidence).toEqual({ recheckMinutes: 30 });
    expect(loadConfig({ cwd: dir, env: { CIX_EVIDENCE_RECHECK_MINUTES: '0' } }).config.evidence).toEqual({ recheckMinutes: 0 });
    write('mattermost:\n  siteUrl: http://localhost:8065/\nevidence:\n  recheckMinutes: 15\n');
    expect(loadConfig({ cwd: dir, env: {} }).config.evidence).toEqual({ recheckMinutes: 15 });
    expect(errorOf(() => loadConfig({ cwd: dir, env: { CIX_EVIDENCE_RECHECK_MINUTES: '-5' } })).message).toMatch(
      /^environment variable CIX_EVIDENCE_RECHECK_MINUTES: setting "evidence.recheckMinutes": /,
    );
    write('mattermost:\n  siteUrl: http://localhost:8065/\nevidence:\n  recheckEvery: 15\n');
    expect(errorOf(() => loadConfig({ cwd: dir, env: {} })).message).toMatch(/setting "evidence": unknown setting "recheckEvery"/);
  });

  it('names the missing default file and exits 2', () => {
    const err = errorOf(() => loadConfig({ cwd: dir, env: {} }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('./ci-exposure.yaml not found');
    expect(err.message).not.toContain('\n');
  });

  it('names the setting and the file for a missing required setting', () => {
    const file = write('listen:\n  port: 9000\n', 'other.yaml');
    const err = errorOf(() => loadConfig({ file, cwd: dir, env: {} }));
    expect(err.message).toBe(`configuration file ${file}: setting "mattermost": required setting is missing`);
  });

  it('names a wrong value', () => {
    write('mattermost:\n  siteUrl: not a url\n');
    const err = errorOf(() => loadConfig({ cwd: dir, env: {} }));
    expect(err.message).toMatch(/^configuration file \.\/ci-exposure\.yaml: setting "mattermost\.siteUrl": /);
  });

  it('refuses unknown settings rather than ignoring a typo', () => {
    write('mattermost:\n  siteUrl: http://mm\n  siteurl: http://typo\n');
    const err = errorOf(() => loadConfig({ cwd: dir, env: {} }));
    expect(err.message).toContain('unknown setting "siteurl"');
  });

  it('locates invalid YAML by line and column', () => {
    write('mattermost:\n  siteUrl: [unclosed\n');
    const err = errorOf(() => loadConfig({ cwd: dir, env: {} }));
    expect(err.message).toMatch(/ci-exposure\.yaml:\d+:\d+: invalid YAML/);
  });

  it('applies CIX_* overrides and blames the variable when one is wrong', () => {
    write('mattermost:\n  siteUrl: http://mm\n');
    const { config } = loadConfig({
      cwd: dir,
      env: { CIX_LISTEN_PORT: '9123', CIX_MATTERMOST_SECURITY_TEAM: 'alice, bob', CIX_LOG_LEVEL: 'debug' },
    });
    expect(config.listen.port).toBe(9123);
    expect(config.mattermost.securityTeam).toEqual(['alice', 'bob']);
    expect(config.log.level).toBe('debug');

    const err = errorOf(() => loadConfig({ cwd: dir, env: { CIX_LISTEN_PORT: 'eighty' } }));
    expect(err.message).toMatch(/^environment variable CIX_LISTEN_PORT: setting "listen\.port": /);
  });

  it('lets the environment supply a required setting the file lacks', () => {
    write('listen:\n  port: 0\n');
    const { config } = loadConfig({ cwd: dir, env: { CIX_MATTERMOST_SITE_URL: 'https://chat.example.com' } });
    expect(config.mattermost.siteUrl).toBe('https://chat.example.com');
  });
});

describe('the checklist section', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = makeTempDir()));
  afterEach(() => cleanup());

  function load(checklist: string): ReturnType<typeof loadConfig> {
    writeFileSync(join(dir, 'ci-exposure.yaml'), `mattermost:\n  siteUrl: http://mm\nchecklist:\n${checklist}`);
    return loadConfig({ cwd: dir, env: {} });
  }

  const messageOf = (checklist: string): string => errorOf(() => load(checklist)).message;

  it('is empty by default', () => {
    writeFileSync(join(dir, 'ci-exposure.yaml'), 'mattermost:\n  siteUrl: http://mm\n');
    expect(loadConfig({ cwd: dir, env: {} }).config.checklist).toEqual({});
  });

  it('reads due times for every kind and per kind, and a kind\'s milestone list, in milliseconds', () => {
    const { config } = load(
      [
        '  due:',
        '    initial-assessment: 15m',
        '    thorough-review: 8h',
        '  kinds:',
        '    script:',
        '      due:',
        '        initial-assessment: 90s',
        '        script-replaced: 1h30m',
        '        thorough-review: none',
        '    platform:',
        '      milestones:',
        '        - notified',
        '        - id: platform-secrets',
        '          title: Platform secrets listed',
        '        - { id: vendor-contacted, title: Vendor contacted }',
        '      due:',
        '        vendor-contacted: 45',
        '',
      ].join('\n'),
    );
    expect(config.checklist).toEqual({
      due: { 'initial-assessment': 15 * 60_000, 'thorough-review': 8 * 3_600_000 },
      kinds: {
        script: { due: { 'initial-assessment': 90_000, 'script-replaced': 5_400_000, 'thorough-review': null } },
        platform: {
          milestones: ['notified', { id: 'platform-secrets', title: 'Platform secrets listed' }, { id: 'vendor-contacted', title: 'Vendor contacted' }],
          due: { 'vendor-contacted': 45 * 60_000 },
        },
      },
    });
    // What the bridge builds from it.
    const templateOf = checklistTemplates(config.checklist);
    expect(templateOf('platform').milestones).toEqual([
      { id: 'notified', title: 'Security team and owners notified' },
      { id: 'platform-secrets', title: 'Platform secrets listed' },
      { id: 'vendor-contacted', title: 'Vendor contacted', dueAfterMs: 45 * 60_000 },
    ]);
    expect(templateOf('script').milestones.filter((m) => m.dueAfterMs !== undefined).map((m) => [m.id, m.dueAfterMs])).toEqual([
      ['initial-assessment', 90_000],
      ['script-replaced', 5_400_000],
    ]);
    expect(templateOf('orb').milestones.filter((m) => m.dueAfterMs !== undefined).map((m) => [m.id, m.dueAfterMs])).toEqual([
      ['initial-assessment', 15 * 60_000],
      ['thorough-review', 8 * 3_600_000],
    ]);
  });

  it('names an unknown milestone id in checklist.due', () => {
    expect(messageOf('  due:\n    initial-assesment: 15m\n')).toBe(
      'configuration file ./ci-exposure.yaml: setting "checklist.due.initial-assesment": unknown milestone "initial-assesment" ' +
        '(known: notified, initial-assessment, credential-exposure, tamper-paths, action-pinned, secrets-rotated, pipelines-hardened, ' +
        'thorough-review, retrospective, orb-pinned, script-replaced, image-pinned, package-pinned, platform-secrets)',
    );
  });

  it('names a milestone of another kind in a kind\'s due times', () => {
    expect(messageOf('  kinds:\n    orb:\n      due:\n        action-pinned: 1h\n')).toBe(
      'configuration file ./ci-exposure.yaml: setting "checklist.kinds.orb.due.action-pinned": unknown milestone "action-pinned" ' +
        '(known: notified, initial-assessment, credential-exposure, tamper-paths, orb-pinned, secrets-rotated, pipelines-hardened, thorough-review, retrospective)',
    );
  });

  it('refuses a duration it cannot read, and one that is not positive', () => {
    expect(messageOf('  due:\n    initial-assessment: 15 minutes\n')).toBe(
      'configuration file ./ci-exposure.yaml: setting "checklist.due.initial-assessment": ' +
        'must be a duration such as 90s, 15m, 8h or 1h30m, a number of minutes, or none (got "15 minutes")',
    );
    expect(messageOf('  due:\n    initial-assessment: 0\n')).toBe(
      'configuration file ./ci-exposure.yaml: setting "checklist.due.initial-assessment": ' +
        'must be a duration such as 90s, 15m, 8h or 1h30m, a number of minutes, or none (got 0)',
    );
  });

  it('refuses an unknown kind, a new milestone without a title, and a milestone listed twice', () => {
    expect(messageOf('  kinds:\n    scripts:\n      due: {}\n')).toBe('configuration file ./ci-exposure.yaml: setting "checklist.kinds": unknown setting "scripts"');
    expect(messageOf('  kinds:\n    image:\n      milestones: [notified, call-vendor]\n')).toBe(
      'configuration file ./ci-exposure.yaml: setting "checklist.kinds.image.milestones.1": ' +
        'unknown milestone "call-vendor": a milestone that is not built in needs a title ({id: call-vendor, title: …})',
    );
    expect(messageOf('  kinds:\n    image:\n      milestones: [notified, notified]\n')).toBe(
      'configuration file ./ci-exposure.yaml: setting "checklist.kinds.image.milestones.1": milestone "notified" is listed twice',
    );
  });
});

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['8h', 28_800_000],
    ['2d', 172_800_000],
    ['1h30m', 5_400_000],
    [' 1m5s ', 65_000],
    [15, 900_000],
    [0.5, 30_000],
  ] as const)('%p is %p ms', (value, ms) => {
    expect(parseDuration(value)).toBe(ms);
  });

  it.each(['', '15', '15 m', '30m1h', '1.5h', '-5m', '0s', 'none'] as const)('refuses %p', (value) => {
    expect(parseDuration(value)).toBeUndefined();
  });

  it('refuses numbers that are not positive minutes', () => {
    expect([parseDuration(0), parseDuration(-1), parseDuration(Number.NaN), parseDuration(Number.POSITIVE_INFINITY)]).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('initialConfigText (the file `ci-exposure setup` writes when it is missing)', () => {
  it('holds the given settings, loads back, and names a value that would not', () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const text = initialConfigText({ siteUrl: 'https://chat.example.com', publicUrl: 'https://cix.example.com', teams: ['security', 'ops'] });
      expect(text.split('\n').filter((l) => !l.startsWith('#'))).toEqual([
        '',
        'mattermost:',
        '  siteUrl: https://chat.example.com',
        '  teams:',
        '    - security',
        '    - ops',
        'publicUrl: https://cix.example.com',
        '',
      ]);
      writeFileSync(join(dir, 'ci-exposure.yaml'), text);
      const { config } = loadConfig({ cwd: dir, env: {} });
      expect([config.mattermost.siteUrl, config.mattermost.teams, config.publicUrl, config.dataDir]).toEqual([
        'https://chat.example.com',
        ['security', 'ops'],
        'https://cix.example.com',
        'data',
      ]);
    } finally {
      cleanup();
    }
    expect(() => initialConfigText({ siteUrl: 'https://chat.example.com', publicUrl: 'https://cix.example.com', teams: ['security', ''] })).toThrow(
      'setup: cannot write the configuration: setting "mattermost.teams.1": Too small: expected string to have >=1 characters',
    );
  });
});
