/**
 * The exposure lookup over the real engine: the catalog / component specs name the indicator; the
 * configured folders of checkouts and the component cache are read by the sources; the scanner's
 * renderers make the Markdown and JSON reports and the post props.
 */
import type { Config } from '../config';
import { CATALOG, catalogIndicator, closeIndicatorIds, parseComponentSpec } from '../scanner/indicators';
import type { ComponentSource, Indicator, IndicatorKind, ScanResult } from '../scanner/model';
import { renderJson, renderMarkdown, toReportProps } from '../scanner/report';
import { scan } from '../scanner/scan';
import { componentCacheSource } from '../sources/component-cache';
import { readLocalPaths } from '../sources/local-dir';
import type { IncidentTarget } from './model';
import type { CatalogEntry, Described, LookupPort, LookupResult } from './lookup';
import type { IncidentKind } from './templates';

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

export function createEngineLookup(config: Pick<Config, 'scan'>): LookupPort {
  return {
    describe: describeTarget,
    catalog: (): CatalogEntry[] => CATALOG.map((i) => ({ id: i.id, title: i.title, kind: incidentKindOf(i.kind) })),
    run: async (target): Promise<LookupResult> => {
      // Let the caller's reply go out before the (synchronous) scan takes the event loop.
      await new Promise((r) => setImmediate(r));
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
    },
  };
}
