/**
 * PowerShell fetch-and-run forms (Windows runners, `shell: pwsh`): `irm URL | iex`, `iex (iwr URL)`,
 * `iex ((New-Object Net.WebClient).DownloadString('URL'))`, and a download (`-OutFile`, `DownloadFile`)
 * run later (`& .\\f.ps1`, `./f.ps1`, `pwsh -File f.ps1`). Line-based regular expressions: PowerShell is
 * not lexed. Pure.
 */
import type { ComponentRef } from '../model';

type How = Extract<ComponentRef, { kind: 'script-url' }>['how'];

/** A URL fetched and run; `line` is 0-based inside the text. */
export interface PowershellFetch {
  url: string;
  how: How;
  raw: string;
  line: number;
}

const MAX_RAW = 200;

/** A URL in a PowerShell fetch: `iwr URL`, `Invoke-RestMethod -Uri 'URL'`, `.DownloadString('URL')`. */
const PS_FETCH =
  /(?:\b(?:iwr|irm|Invoke-WebRequest|Invoke-RestMethod|curl|wget)\b(?:\s+-(?:Uri|UseBasicParsing|useb|Method|Headers|TimeoutSec)\b(?:\s+(?!-)(?!['"]?https?:)\S+)?)*\s+(?:-Uri\s+)?|\.Download(?:String|File)\(\s*)['"]?((?:https?:\/\/|\$)[^\s'")]+)['"]?/i;
/** Runs what it is given: `iex`, `Invoke-Expression`, `[scriptblock]::Create(…)`. */
const PS_RUN = /\b(?:iex|Invoke-Expression)\b|\[scriptblock\]::Create\(/i;
const PS_OUTFILE = /-OutFile\s+['"]?([^\s'";]+)['"]?|\.DownloadFile\(\s*['"][^'"]+['"]\s*,\s*['"]([^'"]+)['"]/i;

/** `.\\f.ps1`, `'./f.ps1'` → `f.ps1` (lower case: Windows paths). */
function psPath(p: string): string {
  return p.replace(/^['"]|['"]$/g, '').replace(/^\.[\\/]/, '').toLowerCase();
}

/** The script file a PowerShell statement runs: `& .\\f.ps1`, `. ./f.ps1`, `.\\f.ps1`, `pwsh -File f.ps1`. */
function psRunsFile(statement: string): string | undefined {
  const words = statement.trim().split(/\s+/);
  const first = words[0] ?? '';
  if ((first === '&' || first === '.') && words[1] !== undefined) return psPath(words[1]);
  if (/^['"]?\.[\\/]/.test(first)) return psPath(first);
  if (/^(?:pwsh|powershell)(?:\.exe)?$/i.test(first)) {
    const at = words.findIndex((w) => /^-File$/i.test(w));
    const file = at < 0 ? undefined : words[at + 1];
    return file === undefined ? undefined : psPath(file);
  }
  return undefined;
}

/**
 * PowerShell (Windows runners, `shell: pwsh`): `irm URL | iex`, `iex (iwr URL)`,
 * `iex ((New-Object Net.WebClient).DownloadString('URL'))`, and `iwr URL -OutFile f.ps1` then `& .\\f.ps1`
 * / `./f.ps1` / `pwsh -File f.ps1` (same or a later line). Line-based: a fetch and what runs it on one line.
 */
export function powershellFetches(text: string): PowershellFetch[] {
  const out: PowershellFetch[] = [];
  if (!/\b(?:iwr|irm|Invoke-WebRequest|Invoke-RestMethod|Download(?:String|File))\b|\|\s*(?:iex|Invoke-Expression)\b/i.test(text)) return out;
  const lines = text.split('\n');
  const downloads: Array<{ file: string; url: string; raw: string; line: number }> = [];
  const checkRuns = (statements: readonly string[], raw: string): void => {
    for (const st of statements) {
      const ran = psRunsFile(st);
      if (ran === undefined) continue;
      for (const d of downloads) {
        if (d.file === ran) out.push({ url: d.url, how: 'download-then-run', raw: `${d.raw} … ${raw}`.slice(0, MAX_RAW), line: d.line });
      }
    }
  };
  for (let i = 0; i < lines.length && i < 10_000; i++) {
    const line = (lines[i] ?? '').slice(0, 10_000);
    if (/^\s*#/.test(line)) continue;
    const raw = line.trim().slice(0, MAX_RAW);
    const fetch = PS_FETCH.exec(line);
    if (fetch?.[1] === undefined) {
      checkRuns(line.split(';'), raw);
      continue;
    }
    const url = fetch[1];
    const run = PS_RUN.exec(line);
    if (run) {
      out.push({ url, how: run.index > fetch.index ? 'pipe' : 'process-substitution', raw, line: i });
      continue;
    }
    const file = PS_OUTFILE.exec(line);
    const target = file?.[1] ?? file?.[2];
    if (target === undefined) continue;
    downloads.push({ file: psPath(target), url, raw, line: i });
    // `iwr URL -OutFile f.ps1; .\\f.ps1` on one line.
    checkRuns(line.slice(fetch.index + fetch[0].length).split(';').slice(1), raw);
  }
  return out;
}
