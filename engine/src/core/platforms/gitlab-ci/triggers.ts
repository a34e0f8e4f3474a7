/**
 * What starts a GitLab job or pipeline, from `rules:` / `workflow:rules:` / `only:` / `except:`. Pure.
 * A rule with `when: never` excludes; a rule with no `if:` matches any pipeline (push).
 */
import type { Trigger, TriggerKind } from '../../model';
import { asString, asStringList, isRecord } from '../../yaml';

export const FORK_MR_NOTE = 'merge request pipelines of forks run in the fork project by default (without this project’s CI/CD variables)';

const SOURCES: Record<string, TriggerKind> = {
  merge_request_event: 'merge_request',
  external_pull_request_event: 'pull_request',
  schedule: 'schedule',
  push: 'push',
  web: 'workflow_dispatch',
  api: 'api',
  trigger: 'api',
  pipeline: 'api',
  parent_pipeline: 'api',
  chat: 'other',
  webide: 'other',
  ondemand_dast_scan: 'other',
  security_orchestration_policy: 'other',
};

function trigger(kind: TriggerKind, detail?: string): Trigger {
  if (kind === 'merge_request') return { kind, detail: detail ? `${detail}; ${FORK_MR_NOTE}` : FORK_MR_NOTE };
  return detail === undefined ? { kind } : { kind, detail };
}

/** Pipeline sources a `=~ /regex/` names; an invalid pattern names none. */
function sourcesMatching(pattern: string): string[] {
  let rx: RegExp;
  try {
    rx = new RegExp(pattern);
  } catch {
    return [];
  }
  return Object.keys(SOURCES).filter((s) => rx.test(s));
}

/** Triggers one `if:` expression can match. */
export function triggersOfCondition(condition: string): Trigger[] {
  const out: Trigger[] = [];
  // Split on || so each alternative is read on its own; && parts all have to hold, so keep their positives.
  for (const alternative of condition.split('||')) {
    const found: Trigger[] = [];
    for (const m of alternative.matchAll(/\$CI_PIPELINE_SOURCE\s*(==|=~|!=|!~)\s*(["'/])(.*?)\2/g)) {
      const op = m[1];
      const text = m[3] ?? '';
      if (op === '==' || op === '=~') {
        const names = op === '==' ? [text] : sourcesMatching(text);
        for (const n of names) {
          const kind = SOURCES[n];
          if (kind) found.push(trigger(kind, kind === 'other' || kind === 'api' ? n : undefined));
        }
      }
    }
    if (/\$CI_COMMIT_TAG\b(?!\s*==\s*null)/.test(alternative) && !/!\s*\$CI_COMMIT_TAG|\$CI_COMMIT_TAG\s*==\s*(null|"")/.test(alternative)) {
      found.push(trigger('tag'));
    }
    if (/\$CI_MERGE_REQUEST_(IID|ID|SOURCE_BRANCH_NAME|TARGET_BRANCH_NAME|EVENT_TYPE)\b/.test(alternative) && !/!\s*\$CI_MERGE_REQUEST|\$CI_MERGE_REQUEST_\w+\s*==\s*null/.test(alternative)) {
      found.push(trigger('merge_request'));
    }
    if (found.length === 0) {
      const branch = /\$CI_COMMIT_(?:BRANCH|REF_NAME)\s*(?:==|=~)\s*(["'/])(.*?)\1/.exec(alternative);
      found.push(trigger('push', branch?.[2] ?? undefined));
    }
    out.push(...found);
  }
  return out;
}

/** Triggers of a `rules:` list; undefined when there are no rules. */
export function triggersOfRules(rules: unknown): Trigger[] | undefined {
  if (!Array.isArray(rules)) return undefined;
  const out: Trigger[] = [];
  for (const rule of rules) {
    if (!isRecord(rule)) continue;
    if (asString(rule.when) === 'never') continue;
    const condition = asString(rule.if);
    if (condition === undefined) out.push(trigger('push'));
    else out.push(...triggersOfCondition(condition));
  }
  return dedupe(out);
}

const ONLY_KEYWORDS: Record<string, TriggerKind> = {
  merge_requests: 'merge_request',
  external_pull_requests: 'pull_request',
  tags: 'tag',
  schedules: 'schedule',
  api: 'api',
  triggers: 'api',
  pipelines: 'api',
  web: 'workflow_dispatch',
  pushes: 'push',
  branches: 'push',
  chat: 'other',
};

function refsOf(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (isRecord(value)) return value.refs === undefined ? undefined : asStringList(value.refs);
  return asStringList(value);
}

/** Triggers of `only:` / `except:` (the old syntax); undefined when neither names refs. */
export function triggersOfOnlyExcept(only: unknown, except: unknown): Trigger[] | undefined {
  const onlyRefs = refsOf(only);
  const exceptRefs = refsOf(except);
  if (onlyRefs === undefined && exceptRefs === undefined) return undefined;
  let out: Trigger[] = (onlyRefs ?? ['branches', 'tags']).map((r) => {
    const kind = ONLY_KEYWORDS[r];
    return kind ? trigger(kind) : trigger('push', r);
  });
  const excluded = new Set((exceptRefs ?? []).map((r) => ONLY_KEYWORDS[r]).filter((k): k is TriggerKind => k !== undefined && k !== 'push'));
  out = out.filter((t) => !excluded.has(t.kind));
  return dedupe(out);
}

export function dedupe(triggers: Trigger[]): Trigger[] {
  const seen = new Set<string>();
  return triggers.filter((t) => {
    const key = `${t.kind}\u0000${t.detail ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * A job's triggers: its own rules/only/except, kept to the kinds the workflow allows (when the
 * workflow has rules and they overlap); otherwise the workflow's; otherwise a push.
 */
export function jobTriggers(job: { rules?: unknown; only?: unknown; except?: unknown }, workflow: Trigger[] | undefined): Trigger[] {
  const own = triggersOfRules(job.rules) ?? triggersOfOnlyExcept(job.only, job.except);
  if (own === undefined) return workflow ?? [trigger('push')];
  if (workflow === undefined) return own;
  const allowed = new Set(workflow.map((t) => t.kind));
  const kept = own.filter((t) => allowed.has(t.kind));
  return kept.length > 0 ? kept : own;
}
