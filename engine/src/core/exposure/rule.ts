/**
 * Exposure rules: one module per rule, each with metadata (as zizmor's audits) and a pure `check` that
 * reports what the affected job exposes, as sentences that name file:line and secret/context names.
 * The verdict combines the rules' signals (verdict.ts); assess.ts runs every rule for a job.
 */
import type { Exposure, Job, Match, Pipeline, Position, ResolvedJob, TamperPath } from '../model';

export type RuleSeverity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export type RuleConfidence = 'high' | 'medium' | 'low';

export interface RuleMeta {
  /** Stable kebab-case id. */
  id: string;
  description: string;
  /** How bad a hit of this rule is on its own. */
  severity: RuleSeverity;
  /** How sure a hit is (lower when it rests on a default or an expression rather than a literal). */
  confidence: RuleConfidence;
}

/** What the verdict is computed from. */
export interface Signals {
  /** Secrets (beyond the job token) can be read by the job's code. */
  secrets: boolean;
  /** The job token can write (or may: the repository default). */
  writeToken: boolean;
  /** The job itself releases or deploys. */
  deploys: boolean;
  /**
   * The job holds a credential it can release or deploy with (deploy.ts `publishCredentials`): a secret,
   * OIDC, a token whose scopes publish, or what the platform gives every job (CircleCI project
   * variables, GitLab's job token and CI/CD variables).
   */
  publishCredential: boolean;
  /** Something the job writes is consumed by another job. */
  tamper: boolean;
  /** A consumer of what it writes (or a job sharing its persistent runner) deploys or holds secrets. */
  tamperToPrivileged: boolean;
  /** Every trigger is a fork pull request: no secrets, read-only token. */
  forkOnly: boolean;
  /** Platform incidents: the job uses stored credentials (contexts) that a deploying job uses too. */
  deployCredentials: boolean;
}

export interface RuleInput {
  resolved: ResolvedJob;
  job: Job;
  pipeline: Pipeline;
  /** Resolved jobs of the repository on the same platform (the pipeline's and its sibling pipelines'). */
  jobs: readonly ResolvedJob[];
  /** The pipelines `jobs` belong to (tamper paths follow workspaces and artifacts of consumers in them). */
  pipelines?: readonly Pipeline[];
  match: Match;
  /** The indicator is a CI platform breach (exposure is the stored secrets, whichever job ran). */
  platformIncident: boolean;
}

/** One rule's contribution to a finding. */
export interface RuleResult {
  rule: RuleMeta;
  reasons: string[];
  advice: string[];
  exposure: Partial<Exposure>;
  tamper: TamperPath[];
  signals: Partial<Signals>;
}

export interface ExposureRule {
  meta: RuleMeta;
  check(input: RuleInput): RuleResult;
}

/** Builder for a rule's result: `hit(meta).reason(…).advice(…).signal('secrets').build()`. */
export class RuleHit {
  private readonly result: RuleResult;
  constructor(meta: RuleMeta) {
    this.result = { rule: meta, reasons: [], advice: [], exposure: {}, tamper: [], signals: {} };
  }
  reason(text: string): this {
    this.result.reasons.push(text);
    return this;
  }
  advice(text: string): this {
    if (!this.result.advice.includes(text)) this.result.advice.push(text);
    return this;
  }
  exposure(partial: Partial<Exposure>): this {
    Object.assign(this.result.exposure, partial);
    return this;
  }
  tamper(paths: TamperPath[]): this {
    this.result.tamper.push(...paths);
    return this;
  }
  signal(name: keyof Signals, value = true): this {
    this.result.signals[name] = value;
    return this;
  }
  build(): RuleResult {
    return this.result;
  }
}

export function hit(meta: RuleMeta): RuleHit {
  return new RuleHit(meta);
}

/** `file:line` of a position. */
export function at(pos: Position | undefined, fallback: Position): string {
  const p = pos ?? fallback;
  return `${p.file}:${p.line}`;
}

/** `a`, `a and b`, `a, b and c` with each item in backticks. */
export function names(items: readonly string[], max = 12): string {
  const shown = items.slice(0, max).map((s) => `\`${s}\``);
  const more = items.length > max ? [`${items.length - max} more`] : [];
  const all = [...shown, ...more];
  if (all.length <= 1) return all.join('');
  return `${all.slice(0, -1).join(', ')} and ${all[all.length - 1]}`;
}

/** `job `x` (file:line)`. */
export function jobLabel(job: Job): string {
  return `job \`${job.name}\` (${job.pos.file}:${job.pos.line})`;
}
