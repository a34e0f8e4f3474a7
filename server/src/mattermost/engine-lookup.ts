/**
 * The exposure lookup over the real engine (@ci-exposure/engine): the catalog / component specs name
 * the indicator; the configured folders of checkouts and the component cache are read by the engine's
 * sources; its renderers make the Markdown and JSON reports, report-props.ts the post props.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { reportPropsSchema } from '@ci-exposure/contract';
import {
  CATALOG,
  catalogIndicator,
  closeIndicatorIds,
  componentCacheSource,
  parseComponentSpec,
  readLocalPaths,
  renderJson,
  renderMarkdown,
  scan,
  type ComponentSource,
  type Indicator,
  type IndicatorKind,
  type ScanResult,
} from '@ci-exposure/engine';
import type { Config } from '../config';
import type { CatalogEntry, Described, LookupPort, LookupResult } from '../incidents/lookup';
import type { IncidentTarget } from '../incidents/model';
import type { IncidentKind } from '../incidents/templates';
import { toReportProps } from './report-props';

/** Indicator kinds → checklist templates (a GitLab include is code fetched into the pipeline: a script). */
export function incidentKindOf(kind: IndicatorKind): IncidentKind {
  return kind === 'gitlab' ? 'script' : kind;
}

export function indicatorOf(target: IncidentTarget): Indicator | { error: string } {
  if (target.type === 'indicator') return catalogIndicator(target.id) ?? { error: `unknown incident ${target.id}` };
  const parsed = parseComponentSpec(target.spec);
  return parsed.ok ? parsed.indicator : { error: parsed.error };
}

export function describeTarget(arg: string): Described {
  const known = catalogIndicator(arg);
  if (known) return { ok: true, info: { target: { type: 'indicator', id: known.id }, kind: incidentKindOf(known.kind), title: known.title } };
  if (arg.includes(':')) {
    const parsed = parseComponentSpec(arg);
    if (!parsed.ok) return { ok: false, error: parsed.error };
    return { ok: true, info: { target: { type: 'component', spec: arg }, kind: incidentKindOf(parsed.indicator.kind), title: parsed.indicator.title } };
  }
  const close = closeIndicatorIds(arg);
  return { ok: false, error: `unknown incident "${arg}"${close.length > 0 ? ` (did you mean ${close.join(', ')}?)` : ''}; or give a component spec such as gha:owner/repo@ref` };
}

const NO_CACHE: ComponentSource = {
  read: () => undefined,
  describe: () => 'no component cache is configured (scan.cache)',
};

/** Runs the engine over the configured sources; the result with the read errors merged in. */
export function lookupNow(config: Pick<Config, 'scan'>, indicator: Indicator): ScanResult {
  if (config.scan.paths.length === 0) throw new Error('no folders of checkouts are configured (scan.paths)');
  const read = readLocalPaths(config.scan.paths);
  if (read.missing.length > 0) throw new Error(`configured scan path(s) not found: ${read.missing.join(', ')}`);
  const source = config.scan.cache ? componentCacheSource(config.scan.cache) : NO_CACHE;
  const result = scan(read.repos, indicator, source);
  if (read.errors.length === 0) return result;
  return { ...result, errors: [...read.errors, ...result.errors], summary: { ...result.summary, errors: result.summary.errors + read.errors.length } };
}

/** The whole lookup, synchronously: indicator → scan → the reports. */
export function computeLookup(config: Pick<Config, 'scan'>, target: IncidentTarget): LookupResult {
  const indicator = indicatorOf(target);
  if ('error' in indicator) throw new Error(indicator.error);
  const result = lookupNow(config, indicator);
  const reportProps = toReportProps(result);
  return {
    indicator: result.indicator,
    summary: reportProps.summary,
    markdown: renderMarkdown(result, { maxRows: 5000 }),
    json: renderJson(result),
    reportProps,
  };
}

const WORKER_FILE = join(__dirname, 'engine-worker.js');

const workerAnswer = z.union([
  z.object({ ok: z.literal(true), result: z.object({ indicator: z.object({ id: z.string(), title: z.string() }), markdown: z.string(), json: z.string(), reportProps: reportPropsSchema }) }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

/** Runs the lookup in a worker thread (compiled build), so the bridge keeps answering meanwhile. */
function inWorker(config: Pick<Config, 'scan'>, target: IncidentTarget): Promise<LookupResult> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(WORKER_FILE);
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      fn();
    };
    worker.once('message', (message: unknown) => {
      const answer = workerAnswer.safeParse(message);
      if (!answer.success) return finish(() => reject(new Error('the lookup worker answered something unexpected')));
      const a = answer.data;
      if (!a.ok) return finish(() => reject(new Error(a.error)));
      finish(() => resolvePromise({ ...a.result, summary: a.result.reportProps.summary }));
    });
    worker.once('error', (err) => finish(() => reject(err)));
    worker.once('exit', (code) => finish(() => reject(new Error(`the lookup worker exited with code ${code}`))));
    worker.postMessage({ scan: config.scan, target });
  });
}

export function createEngineLookup(config: Pick<Config, 'scan'>): LookupPort {
  // From the TypeScript sources (tests) there is no compiled worker file: the lookup runs inline.
  const useWorker = existsSync(WORKER_FILE);
  return {
    describe: describeTarget,
    catalog: (): CatalogEntry[] => CATALOG.map((i) => ({ id: i.id, title: i.title, kind: incidentKindOf(i.kind) })),
    run: async (target): Promise<LookupResult> => {
      if (useWorker) return inWorker(config, target);
      // Let the caller's reply go out before the (synchronous) scan takes the event loop.
      await new Promise((r) => setImmediate(r));
      return computeLookup(config, target);
    },
  };
}
