/**
 * The built-in incident catalog: the facts of the ci-incidents research data set, re-expressed in the
 * project's own Indicator format (see model.ts; every affected/safe entry is in the ref notation of
 * notation.ts, which `notation.spec.ts` checks entry by entry). Written by hand, so that the engine
 * never reads the research file at run time; `catalog.spec.ts` checks it against that file (ids,
 * windows, malicious SHAs).
 *
 * Where the research marks a fact "verify" or "from memory", the note says so: it is kept because a
 * responder would rather see a possible exposure than miss one.
 */
import type { Indicator } from '../model';

const CODECOV: Indicator = {
  id: 'codecov-bash-uploader-2021',
  title: 'Codecov Bash Uploader tampered (env + git remote exfiltration)',
  kind: 'script',
  windowStart: '2021-01-31T00:00:00Z',
  windowEnd: '2021-04-01T23:59:59Z',
  windowConfidence:
    "approx (day granularity; Codecov: 'beginning January 31, 2021 ... periodic unauthorized alterations'; detected/fixed April 1, 2021; disclosed 2021-04-15)",
  components: [
    {
      kind: 'script-url',
      id: 'https://codecov.io/bash',
      affectedRefs: ['*'],
      safeRefs: [],
      maliciousShas: [],
      note: 'fetched at run time: any curl/wget of it executed in the window ran the altered script',
    },
    {
      kind: 'gha-action',
      id: 'codecov/codecov-action',
      affectedRefs: ['v1', 'v1.0.0-v1.3.1 (released before the window end)', 'master (at that time)'],
      safeRefs: ['>=1.5.0 (vendored script)', '>=2.0.0 (new uploader)'],
      maliciousShas: [],
      runTimeFetch: 'https://codecov.io/bash',
      note: 'v1.0.0..v1.4.1 download https://codecov.io/bash at run time; v1.5.0 vendors the script; v2.0.0 uses the new uploader binary',
    },
    {
      kind: 'orb',
      id: 'codecov/codecov',
      affectedRefs: ['1.0.x', '1.1.0-1.1.4', 'volatile (resolved to a 1.x release at the time)'],
      safeRefs: ['>=3.0.0 (new uploader)'],
      maliciousShas: [],
      note: "orb 1.x and 2.0.0 run 'curl -s << parameters.url >> | bash' with default url https://codecov.io/bash; orb 3.x moved to the new uploader",
    },
  ],
  exposureScope:
    "everything in the job's environment (env vars, secrets injected as env, CI tokens) and the git remote URLs (which can carry tokens); files were not read by the known payload",
  sources: [
    'https://about.codecov.io/security-update/',
    'https://about.codecov.io/apr-2021-post-mortem/',
    'https://safeguard.sh/resources/blog/codecov-bash-uploader-2021-supply-chain-retrospective',
  ],
};

const TJ_ACTIONS: Indicator = {
  id: 'tj-actions-changed-files-2025',
  title: 'tj-actions/changed-files tags retargeted to memory-dumping commit (CVE-2025-30066, GHSA-mrrh-fwg8-r2c3)',
  kind: 'action',
  windowStart: '2025-03-14T00:00:00Z',
  windowEnd: '2025-03-15T23:59:59Z',
  windowConfidence:
    'approx (advisories: March 14-15, 2025; tags retargeted on the afternoon (UTC) of Mar 14, reverted/repo taken down Mar 15); compare run timestamps conservatively',
  components: [
    {
      kind: 'gha-action',
      id: 'tj-actions/changed-files',
      affectedRefs: ['v1..v45.0.7 (every version tag was retargeted)', 'main (a branch could resolve to the malicious commit)', 'master'],
      safeRefs: ['>=46.0.1 (post-incident)'],
      maliciousShas: ['0e58ed8671d6b60d0890c21b07f8835ace038e67'],
      note: 'impostor commit (not on any branch); the payload fetched memdump.py and printed double-base64 secrets to the job log',
    },
  ],
  exposureScope:
    "all secrets loaded into the Runner.Worker process memory for that job (secrets referenced by the job, GITHUB_TOKEN with the job's permissions); leaked to the job log (public for public repositories), not to an attacker host",
  sources: [
    'https://github.com/advisories/GHSA-mrrh-fwg8-r2c3',
    'https://www.cisa.gov/news-events/alerts/2025/03/18/supply-chain-compromise-third-party-tj-actionschanged-files-cve-2025-30066-and-reviewdogaction',
    'https://www.stepsecurity.io/blog/harden-runner-detection-tj-actions-changed-files-action-is-compromised',
    'https://semgrep.dev/blog/2025/popular-github-action-tj-actionschanged-files-is-compromised/',
  ],
};

const REVIEWDOG_WRAPPERS = [
  'reviewdog/action-shellcheck',
  'reviewdog/action-composite-template',
  'reviewdog/action-staticcheck',
  'reviewdog/action-ast-grep',
  'reviewdog/action-typos',
  'tj-actions/eslint-changed-files',
] as const;

const REVIEWDOG: Indicator = {
  id: 'reviewdog-action-setup-2025',
  title: 'reviewdog/action-setup@v1 retargeted to malicious commit (CVE-2025-30154, GHSA-qmg3-hpqr-gqvc)',
  kind: 'action',
  windowStart: '2025-03-11T18:42:00Z',
  windowEnd: '2025-03-11T20:31:00Z',
  windowConfidence: 'exact (reviewdog maintainers, issue #2079)',
  components: [
    {
      kind: 'gha-action',
      id: 'reviewdog/action-setup',
      affectedRefs: ['v1 (the tag was moved to the malicious commit during the window)'],
      safeRefs: [],
      maliciousShas: ['f0d342d24037bb11d26b9bd8496e0808ba32e9ec'],
      note: 'full SHA from advisories (verify); v1 points to a clean commit again after 2025-03-11T20:31Z',
    },
    ...REVIEWDOG_WRAPPERS.map((id) => ({
      kind: 'gha-action' as const,
      id,
      affectedRefs: ['*'],
      safeRefs: [],
      maliciousShas: [],
      note:
        id === 'tj-actions/eslint-changed-files'
          ? 'used reviewdog/action-setup@v1 (the suspected way the tj-actions bot token leaked; not confirmed)'
          : 'embeds reviewdog/action-setup@v1: affected whatever its own version',
    })),
  ],
  exposureScope: 'the same memory-dump-to-log technique: the secrets of the job',
  sources: [
    'https://github.com/reviewdog/reviewdog/issues/2079',
    'https://www.wiz.io/blog/new-github-action-supply-chain-attack-reviewdog-action-setup',
    'https://github.com/advisories/GHSA-qmg3-hpqr-gqvc',
  ],
};

const CIRCLECI: Indicator = {
  id: 'circleci-platform-2023',
  title: 'CircleCI platform breach: customer secrets exfiltrated',
  kind: 'platform',
  platform: 'circleci',
  windowStart: '2022-12-16T00:00:00Z',
  windowEnd: '2023-01-04T23:59:59Z',
  windowConfidence:
    'approx (CircleCI report: malware on an engineer laptop 2022-12-16, unauthorized access 2022-12-19, exfiltration 2022-12-22, disclosure 2023-01-04)',
  components: [
    {
      kind: 'platform',
      id: 'circleci',
      affectedRefs: ['*'],
      safeRefs: [],
      maliciousShas: [],
      note:
        'every secret stored in CircleCI before 2023-01-05: project environment variables (reach every job regardless of contexts), contexts, project and personal API tokens, checkout and additional SSH keys, GitHub/Bitbucket OAuth tokens; secrets created or rotated after 2023-01-04 are safe',
    },
  ],
  exposureScope:
    'platform-wide: job-level analysis does not limit the exposure; the answer is an inventory of every context, project environment variable and key stored in CircleCI, not of jobs',
  sources: ['https://circleci.com/blog/january-4-2023-security-alert/', 'https://circleci.com/blog/jan-4-2023-incident-report/'],
};

const ULTRALYTICS: Indicator = {
  id: 'ultralytics-2024',
  title: 'Ultralytics PyPI releases backdoored via GitHub Actions injection + cache poisoning',
  kind: 'package',
  windowStart: '2024-12-04T00:00:00Z',
  windowEnd: '2024-12-07T23:59:59Z',
  windowConfidence: 'approx',
  components: [
    {
      kind: 'package',
      id: 'pypi:ultralytics',
      affectedRefs: ['8.3.41', '8.3.42', '8.3.45', '8.3.46'],
      safeRefs: ['8.3.43', '8.3.44', '>=8.3.47'],
      maliciousShas: [],
      note:
        '8.3.41 and 8.3.42 were built by the poisoned CI, 8.3.45 and 8.3.46 uploaded with a stolen token; root cause: a pull_request_target branch-name injection, then GitHub Actions cache poisoning of the publish workflow',
    },
  ],
  exposureScope: 'consumers got an XMRig miner; for the CI graph the lesson is cache tampering across jobs (pull-request job to release job)',
  sources: ['https://github.com/ultralytics/ultralytics/issues/18027', 'https://blog.yossarian.net/2024/12/06/zizmor-ultralytics-injection'],
};

const NX_VERSIONS = ['20.9.0', '20.10.0', '20.11.0', '20.12.0', '21.5.0', '21.6.0', '21.7.0', '21.8.0'];

const NX: Indicator = {
  id: 'nx-s1ngularity-2025',
  title: "nx 's1ngularity': malicious nx / @nx/* npm releases via pull_request_target injection",
  kind: 'package',
  windowStart: '2025-08-26T22:00:00Z',
  windowEnd: '2025-08-27T04:00:00Z',
  windowConfidence: 'approx (hours-long publish window on 2025-08-26/27; verify against GHSA-cxm3-wv7p-598c)',
  components: [
    { kind: 'package', id: 'npm:nx', affectedRefs: NX_VERSIONS, safeRefs: [], maliciousShas: [], note: 'telemetry.js postinstall hunts secrets with local AI CLIs' },
    ...['@nx/devkit', '@nx/js', '@nx/node', '@nx/workspace'].map((name) => ({
      kind: 'package' as const,
      id: `npm:${name}`,
      affectedRefs: ['20.9.0', '21.5.0'],
      safeRefs: [],
      maliciousShas: [],
    })),
    { kind: 'package', id: 'npm:@nx/eslint', affectedRefs: ['21.5.0'], safeRefs: [], maliciousShas: [] },
    ...['@nx/key', '@nx/enterprise-cloud'].map((name) => ({
      kind: 'package' as const,
      id: `npm:${name}`,
      affectedRefs: ['3.2.0'],
      safeRefs: [],
      maliciousShas: [],
    })),
  ],
  exposureScope: 'any CI job that ran npm install of an affected version: env, npm/GitHub tokens, files on disk',
  sources: ['https://github.com/nrwl/nx/security/advisories/GHSA-cxm3-wv7p-598c'],
};

const GHOSTACTION: Indicator = {
  id: 'ghostaction-2025',
  title: 'GhostAction: malicious workflows pushed to repos to exfiltrate secrets',
  kind: 'action',
  windowStart: '2025-09-02T00:00:00Z',
  windowEnd: '2025-09-05T23:59:59Z',
  windowConfidence: 'approx',
  components: [
    {
      kind: 'workflow',
      id: 'Github Actions Security',
      affectedRefs: ['*'],
      safeRefs: [],
      maliciousShas: [],
      note: 'an injected workflow (by that name) reads secrets and POSTs them out with curl; ~817 repositories of 327 users were reported',
    },
  ],
  exposureScope: 'the secrets explicitly referenced by the injected workflow (the attacker enumerated names from existing workflows)',
  sources: ['https://blog.gitguardian.com/ghostaction-campaign-3-325-secrets-stolen/'],
};

const SHAI_HULUD_1: Indicator = {
  id: 'shai-hulud-2025-09',
  title: 'Shai-Hulud npm worm (wave 1)',
  kind: 'package',
  windowStart: '2025-09-14T00:00:00Z',
  windowEnd: '2025-09-20T23:59:59Z',
  windowConfidence: 'approx',
  components: [
    {
      kind: 'package',
      id: 'npm:@ctrl/tinycolor',
      affectedRefs: ['4.1.1', '4.1.2'],
      safeRefs: [],
      maliciousShas: [],
      note: 'one of ~500 infected packages (bundle.js postinstall); other packages are not listed here',
    },
    {
      kind: 'workflow',
      id: '.github/workflows/shai-hulud-workflow.yml',
      affectedRefs: ['*'],
      safeRefs: [],
      maliciousShas: [],
      note: "pushed to victims' repositories; exfiltrates toJSON(secrets) to webhook.site",
    },
  ],
  exposureScope: 'CI jobs that npm-installed an infected version: npm tokens, GitHub tokens, cloud credentials in env/metadata',
  sources: ['https://www.stepsecurity.io/blog/ctrl-tinycolor-and-40-npm-packages-compromised', 'https://unit42.paloaltonetworks.com/npm-supply-chain-attack/'],
};

const SHAI_HULUD_2: Indicator = {
  id: 'shai-hulud-2-2025-11',
  title: 'Sha1-Hulud: The Second Coming (wave 2)',
  kind: 'package',
  windowStart: '2025-11-21T00:00:00Z',
  windowEnd: '2025-11-30T23:59:59Z',
  windowConfidence: 'approx',
  components: [
    {
      kind: 'runner-label',
      id: 'SHA1HULUD',
      affectedRefs: ['*'],
      safeRefs: [],
      maliciousShas: [],
      note: 'the worm registers the victim machine as a self-hosted runner with this label',
    },
    {
      kind: 'workflow',
      id: '.github/workflows/discussion.yaml',
      affectedRefs: ['*'],
      safeRefs: [],
      maliciousShas: [],
      note: 'backdoor: runs the discussion body on the self-hosted runner (a common file name: check its content)',
    },
    {
      kind: 'workflow',
      id: '.github/workflows/formatter_*.yml',
      affectedRefs: ['*'],
      safeRefs: [],
      maliciousShas: [],
      note: 'dumps secrets as an artifact',
    },
  ],
  exposureScope: 'CI jobs installing infected packages (setup_bun.js / bun_environment.js preinstall); self-hosted runner registration in the organisation',
  sources: ['https://www.wiz.io/blog/shai-hulud-2-0-ongoing-supply-chain-attack'],
};

const TRIVY: Indicator = {
  id: 'trivy-teampcp-2026-03',
  title: 'aquasecurity/trivy-action and setup-trivy tags force-pushed to credential stealer; malicious trivy v0.69.4 (GHSA-69fq-xp46-6x23)',
  kind: 'action',
  windowStart: '2026-03-19T00:00:00Z',
  windowEnd: '2026-03-21T23:59:59Z',
  windowConfidence:
    'approx (one downstream audit uses 2026-03-19T17:43Z..2026-03-20T05:40Z; others say detected 2026-03-21); Aqua says this was the second Trivy compromise',
  components: [
    {
      kind: 'gha-action',
      id: 'aquasecurity/trivy-action',
      affectedRefs: ['0.0.1..0.34.2 (76 of 77 tags retargeted)', 'master (during the window)'],
      safeRefs: ['v0.35.0 (= 57a97c7e7821a5776cebc9bb87c984fa69cba8f1)'],
      maliciousShas: ['ddb9da4475c1cef7d5389062bdfdfbdbd1394648'],
      note: 'example: tag 0.34.2 was moved to ddb9da4475c1cef7d5389062bdfdfbdbd1394648',
    },
    {
      kind: 'gha-action',
      id: 'aquasecurity/setup-trivy',
      affectedRefs: ['<v0.2.6 (all 7 tags retargeted)'],
      safeRefs: ['v0.2.6 (= 3fb12ec12f41e471780db15c232d5dd185dcb514)'],
      maliciousShas: [],
    },
    {
      kind: 'gha-action',
      id: 'reviewdog/action-trivy',
      affectedRefs: ['*'],
      safeRefs: [],
      maliciousShas: [],
      note: "installs trivy 'latest' at run time, which was v0.69.4 during the window",
    },
    ...['aquasec/trivy', 'ghcr.io/aquasecurity/trivy'].map((name) => ({
      kind: 'image' as const,
      id: name,
      affectedRefs: ['0.69.4', 'v0.69.4', 'latest (during the window)'],
      safeRefs: ['0.69.3'],
      maliciousShas: [],
      note: 'the malicious trivy v0.69.4 release was also published as these images',
    })),
  ],
  exposureScope: 'all job secrets, cloud credentials, SSH keys and Kubernetes tokens reachable from the runner',
  sources: [
    'https://github.com/aquasecurity/trivy/security/advisories/GHSA-69fq-xp46-6x23',
    'https://github.com/aquasecurity/trivy-action/issues/541',
    'https://github.com/rocklambros/nist-csf-2-mcp-server/pull/164',
    'https://github.com/sett-and-hive/sarif-to-comment-action/issues/600',
  ],
};

const ACTIONS_COOL: Indicator = {
  id: 'actions-cool-2026-05',
  title: 'actions-cool/issues-helper and maintain-one-comment: all tags moved to impostor commit',
  kind: 'action',
  windowStart: '2026-05-18T00:00:00Z',
  windowEnd: '2026-05-19T23:59:59Z',
  windowConfidence:
    'approx; the repositories were blocked by GitHub 2026-05-19; issues-helper was reported unblocked ~2026-09-16 and a scheduled run then executed the payload, so the window may be two-part',
  components: ['actions-cool/issues-helper', 'actions-cool/maintain-one-comment'].map((id) => ({
    kind: 'gha-action' as const,
    id,
    affectedRefs: ['all tags'],
    safeRefs: [],
    maliciousShas: [],
    note: 'obfuscated bun payload reading Runner.Worker memory',
  })),
  exposureScope: 'job secrets and GITHUB_TOKEN',
  sources: ['https://github.com/apache/infrastructure-actions/pull/1035', 'https://github.com/umijs/qiankun/pull/3209'],
};

/** Every built-in incident, oldest first. */
export const CATALOG: readonly Indicator[] = [
  CODECOV,
  CIRCLECI,
  ULTRALYTICS,
  REVIEWDOG,
  TJ_ACTIONS,
  NX,
  GHOSTACTION,
  SHAI_HULUD_1,
  SHAI_HULUD_2,
  TRIVY,
  ACTIONS_COOL,
];

export function catalogIndicator(id: string): Indicator | undefined {
  return CATALOG.find((i) => i.id === id);
}

/** Catalog ids closest to `id` (for "unknown indicator" messages): shared words first, then edit distance. */
export function closeIndicatorIds(id: string, max = 3): string[] {
  const want = id.toLowerCase();
  const words = new Set(want.split(/[^a-z0-9]+/).filter((w) => w.length > 1));
  return CATALOG.map((i) => {
    const shared = i.id.split('-').filter((w) => words.has(w)).length;
    const prefix = i.id.startsWith(want.slice(0, 4)) ? 1 : 0;
    return { id: i.id, score: shared * 10 + prefix * 5 - editDistance(want, i.id) / 10 };
  })
    .sort((a, b) => b.score - a.score)
    .slice(0, max)
    .map((s) => s.id);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] ?? 0;
}
