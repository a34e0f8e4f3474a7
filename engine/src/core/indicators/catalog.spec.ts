import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CATALOG, catalogIndicator, closeIndicatorIds } from './catalog';
import { indicatorSchema } from './load';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
const INCIDENTS = join(REPO_ROOT, '..', 'shared', 'ci-incidents', 'incidents.json');

const incidentsSchema = z.object({
  incidents: z.array(
    z.object({
      id: z.string(),
      window_start: z.string(),
      window_end: z.string(),
      identifiers: z.array(z.object({ type: z.string(), value: z.string() })),
    }),
  ),
});

describe('built-in catalog', () => {
  it('every indicator is valid in the custom-indicator schema and has a unique id', () => {
    const ids = new Set<string>();
    for (const indicator of CATALOG) {
      expect(indicatorSchema.safeParse(indicator).error?.issues ?? []).toEqual([]);
      expect(ids.has(indicator.id)).toBe(false);
      ids.add(indicator.id);
    }
    expect(CATALOG.length).toBe(11);
  });

  it('finds close ids for a typo', () => {
    expect(catalogIndicator('codecov-bash-uploader-2021')?.kind).toBe('script');
    expect(closeIndicatorIds('codecov-2021')[0]).toBe('codecov-bash-uploader-2021');
    expect(closeIndicatorIds('tj-actions')[0]).toBe('tj-actions-changed-files-2025');
  });

  const present = existsSync(INCIDENTS);
  if (!present) {
    // The research data lives outside the repository; without it there is nothing to compare to.
    process.stderr.write('catalog.spec: ../shared/ci-incidents/incidents.json is absent; the comparison with the research data is not run\n');
    return;
  }

  const data = incidentsSchema.parse(JSON.parse(readFileSync(INCIDENTS, 'utf8')));
  const rawText = readFileSync(INCIDENTS, 'utf8');

  it.each(data.incidents.map((i) => [i.id, i] as const))('%s: same window and malicious SHAs as the research data', (_id, incident) => {
    const indicator = catalogIndicator(incident.id);
    expect(indicator).toBeDefined();
    expect(indicator?.windowStart).toBe(incident.window_start);
    expect(indicator?.windowEnd).toBe(incident.window_end);
    const catalogShas = new Set(indicator?.components.flatMap((c) => c.maliciousShas));
    for (const id of incident.identifiers.filter((x) => x.type === 'malicious-commit')) {
      expect(catalogShas).toContain(id.value);
    }
    // No invented SHA: each one appears in the research data.
    for (const sha of catalogShas) expect(rawText).toContain(sha);
  });

  it('has no incident the research data lacks', () => {
    expect(CATALOG.map((i) => i.id).sort()).toEqual(data.incidents.map((i) => i.id).sort());
  });
});
