/** Report renderers: each takes a ScanResult (or several, one per indicator) and returns text. Pure. */
import type { Results } from './common';
import { renderCsv } from './csv';
import { renderJson } from './json';
import { renderMarkdown } from './markdown';
import { renderSarif } from './sarif';
import { renderTable } from './table';

export { renderCsv, csvCell } from './csv';
export { escapeMarkdown, defangLinks } from './escape';
export { renderJson, toJsonReport, type JsonReport } from './json';
export { renderMarkdown } from './markdown';
export { renderSarif } from './sarif';
export { renderTable, cleanCell } from './table';
export type { Results } from './common';

export const REPORT_FORMATS = ['table', 'json', 'sarif', 'csv', 'markdown'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function isReportFormat(f: string): f is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(f);
}

export interface RenderOptions {
  color?: boolean;
  all?: boolean;
  toolVersion?: string;
}

export function renderReport(format: ReportFormat, results: Results, options: RenderOptions = {}): string {
  switch (format) {
    case 'table':
      return renderTable(results, { color: options.color ?? false, all: options.all ?? false });
    case 'json':
      return renderJson(results);
    case 'sarif':
      return renderSarif(results, options.toolVersion === undefined ? {} : { toolVersion: options.toolVersion });
    case 'csv':
      return renderCsv(results);
    case 'markdown':
      return renderMarkdown(results);
  }
}
