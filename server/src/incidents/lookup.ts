/**
 * The port through which the incident service runs the exposure lookup. The real implementation
 * (mattermost/engine-lookup.ts) runs the engine over the configured checkouts and component cache;
 * tests may pass their own.
 */
import type { ExposureSummary, ReportProps } from '@ci-exposure/contract';
import type { IncidentTarget } from './model';
import type { IncidentKind } from './templates';

export interface LookupTargetInfo {
  target: IncidentTarget;
  kind: IncidentKind;
  /** A human title (the catalog title, or the component spec). */
  title: string;
}

export type Described = { ok: true; info: LookupTargetInfo } | { ok: false; error: string };

export interface LookupResult {
  indicator: { id: string; title: string };
  summary: ExposureSummary;
  /** The full report (Mattermost-safe Markdown) and as JSON: attached as files. */
  markdown: string;
  json: string;
  /** Typed props for the report post (top rows; kept small). */
  reportProps: ReportProps;
}

export interface CatalogEntry {
  id: string;
  title: string;
  kind: IncidentKind;
}

export interface LookupPort {
  /** Validates `<indicator-id | component-spec>` (no I/O beyond the catalog). */
  describe(arg: string): Described;
  catalog(): CatalogEntry[];
  run(target: IncidentTarget): Promise<LookupResult>;
}
