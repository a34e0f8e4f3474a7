/** CSV (RFC 4180, CRLF) of every finding; cells that a spreadsheet would run as a formula are prefixed with `'`. Pure. */
import { asList, chainText, type Results, sortedFindings, tamperText } from './common';

const HEADER = [
  'indicator',
  'verdict',
  'affected',
  'repo',
  'file',
  'line',
  'platform',
  'workflow',
  'job',
  'contexts',
  'secrets',
  'permissions',
  'oidc',
  'self_hosted',
  'triggers',
  'tamper',
  'chain',
  'reasons',
  'advice',
] as const;

/** One CSV cell: formula-injection guard, then RFC 4180 quoting. */
export function csvCell(value: string | number | boolean): string {
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function renderCsv(results: Results): string {
  const list = asList(results);
  const rows: string[] = [HEADER.join(',')];
  for (const result of list) {
    for (const f of sortedFindings(result)) {
      const cells = [
        result.indicator.id,
        f.verdict,
        f.affected,
        f.repo,
        f.file,
        f.line,
        f.platform,
        f.workflow,
        f.job,
        f.exposure.contexts.join('; '),
        f.exposure.secrets.join('; '),
        f.exposure.permissions,
        f.exposure.oidc,
        f.exposure.selfHosted,
        f.exposure.triggers.join('; '),
        f.tamper.map(tamperText).join('; '),
        chainText(f.chain),
        f.reasons.join(' '),
        f.advice.join(' '),
      ];
      rows.push(cells.map(csvCell).join(','));
    }
  }
  return `${rows.join('\r\n')}\r\n`;
}
