/**
 * SARIF 2.1.0: one run; a rule per indicator and verdict; a result per affected finding with its
 * file:line, relative to its repository's checkout (`uriBaseId` REPO:<owner/repo>, described in
 * `originalUriBaseIds`); input errors (error) and unresolved components (warning) as tool execution
 * notifications; `properties.complete` false when the scan could not read everything. Secret names only. Pure.
 */
import type { Finding, ScanResult, Verdict } from '../model';
import { asList, chainText, incompleteReasons, mergedInputs, type Results, secretNames, sortedFindings, tamperText } from './common';

export interface SarifOptions {
  toolVersion?: string;
}

type Level = 'error' | 'warning' | 'note';
const LEVEL: Record<Verdict, Level> = { critical: 'error', high: 'error', medium: 'warning', low: 'note' };
const SCORE: Record<Verdict, string> = { critical: '9.5', high: '8.0', medium: '5.0', low: '2.0' };

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  defaultConfiguration: { level: Level };
  properties: { 'security-severity': string; tags: string[] };
}

function ruleId(indicatorId: string, verdict: Verdict): string {
  return `${indicatorId}/${verdict}`;
}

function message(f: Finding, result: ScanResult): string {
  const secrets = secretNames(f);
  return [
    `${f.verdict}: job ${f.job} (${f.workflow}) in ${f.repo} runs a component of ${result.indicator.id} via ${chainText(f.chain)}.`,
    secrets.length > 0 ? `It can read: ${secrets.join(', ')}.` : 'It reads no named secrets.',
    ...f.reasons,
  ].join(' ');
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
  const rules: SarifRule[] = [];
  const ruleIndex = new Map<string, number>();
  const sarifResults: unknown[] = [];
  const notifications: unknown[] = [];

  for (const result of list) {
    for (const f of sortedFindings(result)) {
      if (!f.affected) continue;
      const id = ruleId(result.indicator.id, f.verdict);
      if (!ruleIndex.has(id)) {
        ruleIndex.set(id, rules.length);
        rules.push({
          id,
          name: `${result.indicator.id}-${f.verdict}`.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : '')),
          shortDescription: { text: `${f.verdict} exposure to ${result.indicator.title}` },
          fullDescription: {
            text: `A job runs a component named by the incident ${result.indicator.id} (${result.indicator.title}); verdict ${f.verdict}.`,
          },
          defaultConfiguration: { level: LEVEL[f.verdict] },
          properties: { 'security-severity': SCORE[f.verdict], tags: ['security', 'supply-chain', 'ci'] },
        });
      }
      sarifResults.push({
        ruleId: id,
        ruleIndex: ruleIndex.get(id),
        level: LEVEL[f.verdict],
        message: { text: message(f, result) },
        locations: [
          {
            physicalLocation: { artifactLocation: location(f.repo, f.file), region: { startLine: Math.max(1, f.line) } },
            logicalLocations: [{ fullyQualifiedName: `${f.repo}/${f.workflow}/${f.job}`, name: f.job, kind: 'function' }],
          },
        ],
        partialFingerprints: { 'ciExposure/v1': `${result.indicator.id}|${f.repo}|${f.file}|${f.job}|${chainText(f.chain)}` },
        properties: { repo: f.repo, platform: f.platform, verdict: f.verdict, secrets: secretNames(f), tamper: f.tamper.map(tamperText), chain: f.chain.map((l) => l.ref), advice: f.advice },
      });
    }
  }
  // Input problems and unresolved components once, however many indicators met them.
  const inputs = mergedInputs(list);
  for (const err of inputs.errors) {
    notifications.push({
      level: 'error',
      message: { text: `${err.repo}: ${err.code}: ${err.message}` },
      locations: [{ physicalLocation: { artifactLocation: location(err.repo, err.file), region: { startLine: Math.max(1, err.line) } } }],
    });
  }
  for (const u of inputs.unresolved) {
    notifications.push({
      level: 'warning',
      message: { text: `${u.repo}: unresolved component ${u.ref}: ${u.reason}` },
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
