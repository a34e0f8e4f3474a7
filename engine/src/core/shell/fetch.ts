/**
 * curl and wget command lines: the URL they fetch and where the body goes (standard output or a file),
 * with each tool's options that take a value, so that `-o f URL`, `-sSLo f`, `--output=f`, `-O` (remote
 * name) and `> f` are told apart from a plain `curl URL`. Pure.
 */
import { SUB_MARK } from './lexer';
import { basename, type Simple } from './commands';

const CURL_VALUE_SHORT = new Set('oHdXuAewmTFbcxrKyYzCEQ'.split(''));
const CURL_VALUE_LONG = new Set([
  '--output', '--header', '--data', '--data-raw', '--data-binary', '--data-urlencode', '--data-ascii', '--request', '--user',
  '--user-agent', '--referer', '--write-out', '--max-time', '--connect-timeout', '--retry', '--retry-delay', '--retry-max-time',
  '--upload-file', '--form', '--cookie', '--cookie-jar', '--cacert', '--cert', '--key', '--proxy', '--range', '--config',
  '--limit-rate', '--resolve', '--interface', '--output-dir', '--continue-at', '--proto', '--proto-redir', '--max-filesize',
  '--create-file-mode', '--dns-servers', '--oauth2-bearer', '--quote', '--form-string', '--expect100-timeout', '--capath',
]);
const WGET_VALUE_SHORT = new Set('OoaPtTUeiwQlDAR'.split(''));
const WGET_VALUE_LONG = new Set([
  '--output-document', '--output-file', '--append-output', '--directory-prefix', '--tries', '--timeout', '--header',
  '--user-agent', '--execute', '--post-data', '--post-file', '--user', '--password', '--wait', '--input-file', '--quota',
  '--ca-certificate', '--certificate', '--private-key', '--method', '--body-data', '--referer', '--level',
]);

export interface Fetch {
  url: string;
  /** Where the body goes: stdout, or a file path. */
  to: { stdout: true } | { file: string };
}

export function looksLikeUrl(t: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) return true;
  if (/^\$\{?[A-Za-z_]/.test(t) || /^\$\{\{/.test(t)) return true;
  return /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:\d+)?\//.test(t);
}

/** Parses a curl / wget command line. */
export function parseFetch(s: Simple, subst: (t: string) => string): Fetch | undefined {
  const prog = basename(s.program);
  const isCurl = prog === 'curl';
  if (!isCurl && prog !== 'wget') return undefined;
  const shortValue = isCurl ? CURL_VALUE_SHORT : WGET_VALUE_SHORT;
  const longValue = isCurl ? CURL_VALUE_LONG : WGET_VALUE_LONG;
  let output: string | undefined;
  let remoteName = !isCurl;
  let url: string | undefined;
  const args = s.args.map((w) => w.text);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.includes(SUB_MARK)) continue;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a : a.slice(0, eq);
      const value = eq < 0 ? (longValue.has(name) ? args[++i] : undefined) : a.slice(eq + 1);
      if (name === '--output' || name === '--output-document') output = value;
      else if (name === '--remote-name' || name === '--remote-name-all') remoteName = true;
      else if (name === '--url' && value !== undefined) url ??= value;
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const ch = a[k]!;
        if (isCurl && ch === 'O') remoteName = true;
        if (shortValue.has(ch)) {
          const value = k + 1 < a.length ? a.slice(k + 1) : args[++i];
          if (ch === (isCurl ? 'o' : 'O')) output = value;
          break;
        }
      }
      continue;
    }
    if (url === undefined && looksLikeUrl(a)) url = a;
  }
  if (url === undefined) return undefined;
  const resolved = subst(url);
  if (output === '-') return { url: resolved, to: { stdout: true } };
  if (output !== undefined) return { url: resolved, to: { file: subst(output) } };
  if (s.stdoutTo !== undefined) return { url: resolved, to: { file: subst(s.stdoutTo) } };
  if (remoteName) {
    const name = basename(resolved.replace(/[?#].*$/, '').replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, ''));
    return name === '' ? undefined : { url: resolved, to: { file: name } };
  }
  return { url: resolved, to: { stdout: true } };
}
