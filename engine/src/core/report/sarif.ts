/**
 * SARIF 2.1.0: one run; the driver lists every exposure rule (exposure/assess.ts EXPOSURE_RULES, with
 * its id, description, severity and confidence); one result per affected use of a job, whose `ruleId`
 * is the rule that decided the finding's verdict (`deploy`, `secrets`, `tamper`, …; the finding's
 * `ruleIds` are all the rules that fired) and whose level is the verdict's; results name the job by its
 * own key (`jobId`, the logical location) and its display name; file:line relative to its
 * repository's checkout (`uriBaseId` REPO:<owner/repo>, described in `originalUriBaseIds`); input
 * errors (error) and unresolved components (warning) as tool execution notifications;
 * `properties.complete` false when the scan could not read everything; a finding read with the
 * repository's history has `properties.versions` (the commits it holds for, as in the JSON report),
 * `properties.live` and `properties.stillExposedNow`; with run evidence (`--evidence`), `properties.runs`
 * (state, count, first/last, resolution, `publicLog`, the hash and read time of each log — not its lines)
 * and the run text at the end of the message. A finding whose job did not run in the window (verdict
 * `not-run`, exposure/run-verdict.ts) is a result at level `note`, scored as `low`, its message starting
 * `not-run (static exposure high):` and `properties.exposureVerdict` the static one; its fingerprint is the
 * same as when it ran. Secret names only. Pure.
 */
import { EXPOSURE_RULES } from '../exposure/assess';
import type { RuleConfidence, RuleMeta, RuleSeverity } from '../exposure/rule';
import type { Finding, FindingRuns, ScanResult, Verdict } from '../model';
import { stillExposedNow, versionJson, versionsText } from '../versions';
import { asList, chainText, groupedFindings, incompleteReasons, mergedInputs, type Results, runsText, secretNames, tamperText } from './common';

export interface SarifOptions {
  toolVersion?: string;
}

type Level = 'error' | 'warning' | 'note';
const LEVEL: Record<Verdict, Level> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', 'not-run': 'note' };
const RULE_LEVEL: Record<RuleSeverity, Level> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
const RULE_SCORE: Record<RuleSeverity, string> = { critical: '9.5', high: '8.0', medium: '5.0', low: '2.0', info: '0.0' };
const SCORE: Record<Verdict, string> = { critical: '9.5', high: '8.0', medium: '5.0', low: '2.0', 'not-run': '2.0' };
const PRECISION: Record<RuleConfidence, string> = { high: 'high', medium: 'medium', low: 'low' };

/** The rule a finding without rule ids falls back to (every affected finding has the component rule). */
const BASE_RULE = 'compromised-component';

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  defaultConfiguration: { level: Level };
  properties: { 'security-severity': string; precision: string; tags: string[] };
}

function sarifRule(meta: RuleMeta): SarifRule {
  const short = meta.description.split(/[:(]/)[0]?.trim() ?? meta.description;
  return {
    id: meta.id,
    name: meta.id.replace(/(^|-)([a-z])/g, (_m, _d: string, c: string) => c.toUpperCase()),
    shortDescription: { text: short },
    fullDescription: { text: `${meta.description}. On its own: severity ${meta.severity}, confidence ${meta.confidence}; a finding's level is its verdict.` },
    defaultConfiguration: { level: RULE_LEVEL[meta.severity] },
    properties: { 'security-severity': RULE_SCORE[meta.severity], precision: PRECISION[meta.confidence], tags: ['security', 'supply-chain', 'ci'] },
  };
}

function message(f: Finding, result: ScanResult): string {
  const secrets = secretNames(f);
  const job = f.job === f.jobId ? f.job : `${f.job} [${f.jobId}]`;
  return [
    `${f.verdict === 'not-run' && f.exposureVerdict !== undefined ? `not-run (static exposure ${f.exposureVerdict})` : f.verdict}: job ${job} (${f.workflow}) in ${f.repo} runs a component of ${result.indicator.id} via ${chainText(f.chain)}.`,
    secrets.length > 0 ? `It can read: ${secrets.join(', ')}.` : 'It reads no named secrets.',
    ...f.reasons,
    ...(f.runs === undefined ? [] : [`Runs: ${runsText(f.runs)}.`]),
  ].join(' ');
}

/** A finding's run evidence as SARIF carries it: the verdicts and times, never the log lines read. */
function runsProperty(runs: FindingRuns): Record<string, unknown> {
  return {
    state: runs.state,
    count: runs.count,
    ...(runs.first === undefined ? {} : { first: runs.first }),
    ...(runs.last === undefined ? {} : { last: runs.last }),
    urls: [...runs.urls],
    ...(runs.resolution === undefined ? {} : { resolution: runs.resolution }),
    ...(runs.resolutionReason === undefined ? {} : { resolutionReason: runs.resolutionReason }),
    resolved: runs.resolved.map((r) => ({ action: r.action, sha: r.sha, malicious: r.malicious })),
    ...(runs.payloadInLog === undefined ? {} : { payloadInLog: runs.payloadInLog }),
    ...(runs.publicLog ? { publicLog: true } : {}),
    ...(runs.reason === undefined ? {} : { reason: runs.reason }),
    logs: runs.logs.map((l) => ({ url: l.url, readAt: l.readAt, sha256: l.sha256 })),
  };
}

/** The uriBaseId of a repository's checkout: file URIs are relative to it (several repositories can share a path). */
function baseId(repo: string): string {
  return `REPO:${repo}`;
}

export function renderSarif(results: Results, options: SarifOptions = {}): string {
  const list = asList(results);
  const repos = new Set<string>();
  const location = (repo: string, file: string): { uri: string; uriBaseId: string } => {
    repos.add(repo);
    return { uri: encodeURI(file), uriBaseId: baseId(repo) };
  };
  const rules: SarifRule[] = EXPOSURE_RULES.map((r) => sarifRule(r.meta));
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const sarifResults: unknown[] = [];
  const notifications: unknown[] = [];

  for (const result of list) {
    for (const f of groupedFindings(result)) {
      if (!f.affected) continue;
      const id = f.ruleIds[0] ?? BASE_RULE;
      const index = ruleIndex.get(id);
      sarifResults.push({
        ruleId: id,
        ...(index === undefined ? {} : { ruleIndex: index }),
        level: LEVEL[f.verdict],
        message: { text: message(f, result) },
        locations: [
          {
            physicalLocation: { artifactLocation: location(f.repo, f.file), region: { startLine: Math.max(1, f.line) } },
            logicalLocations: [{ fullyQualifiedName: `${f.repo}/${f.workflow}/${f.jobId}`, name: f.jobId, kind: 'function' }],
          },
        ],
        partialFingerprints: { 'ciExposure/v1': `${result.indicator.id}|${f.repo}|${f.file}|${f.jobId}|${chainText(f.chain)}` },
        properties: {
          indicator: result.indicator.id,
          repo: f.repo,
          platform: f.platform,
          workflow: f.workflow,
          jobId: f.jobId,
          job: f.job,
          verdict: f.verdict,
          ...(f.verdict === 'not-run' && f.exposureVerdict !== undefined ? { exposureVerdict: f.exposureVerdict } : {}),
          // The finding's own score (its verdict); the rule's is what the rule means on its own.
          'security-severity': SCORE[f.verdict],
          ruleIds: [...f.ruleIds],
          secrets: secretNames(f),
          tamper: f.tamper.map(tamperText),
          chain: f.chain.map((l) => l.ref),
          advice: f.advice,
          ...(f.versions === undefined || f.versions.length === 0
            ? {}
            : { versions: f.versions.map(versionJson), live: versionsText(f.versions), stillExposedNow: stillExposedNow(f.versions) }),
          ...(f.runs === undefined ? {} : { runs: runsProperty(f.runs) }),
        },
      });
    }
  }
  // Input problems and unresolved components once, however many indicators met them.
  const inputs = mergedInputs(list);
  for (const err of inputs.errors) {
    notifications.push({
      level: 'error',
      message: { text: `${err.repo}: ${err.code}: ${err.message}${err.versions === undefined || err.versions.length === 0 ? '' : ` (in ${versionsText(err.versions)})`}` },
      locations: [{ physicalLocation: { artifactLocation: location(err.repo, err.file), region: { startLine: Math.max(1, err.line) } } }],
    });
  }
  for (const u of inputs.unresolved) {
    notifications.push({
      level: 'warning',
      message: { text: `${u.repo}: unresolved component ${u.ref}: ${u.reason}${u.versions === undefined || u.versions.length === 0 ? '' : ` (in ${versionsText(u.versions)})`}` },
      locations: [{ physicalLocation: { artifactLocation: location(u.repo, u.file), region: { startLine: Math.max(1, u.line) } } }],
    });
  }
  const incomplete = incompleteReasons(list);

  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'ci-exposure',
            ...(options.toolVersion ? { version: options.toolVersion } : {}),
            rules,
          },
        },
        invocations: [{ executionSuccessful: true, toolExecutionNotifications: notifications }],
        results: sarifResults,
        originalUriBaseIds: Object.fromEntries([...repos].sort().map((repo) => [baseId(repo), { description: { text: `the checkout of repository ${repo}` } }])),
        properties: { indicators: list.map((r) => r.indicator.id), complete: incomplete.length === 0, incomplete },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
