/**
 * Command lines that run more of the repository: a `make` call (`-C`, `-f`, targets, `VAR=value`), and an image build (`docker build`, `docker buildx build`,
 * `podman build`, `buildah bud`, kaniko's `executor`) with its context, Dockerfile and build arguments.
 * Over argument values the analyser has already substituted. Pure.
 */
import { basename } from './commands';

// ───────────────────────────── make ─────────────────────────────

export interface MakeCall {
  /** `-C dir` options, in order (each relative to the previous). */
  dirs: string[];
  /** `-f file` (relative to the directory make runs in). */
  file?: string;
  /** The targets named; empty: the default target. */
  targets: string[];
  /** `VAR=value` arguments (they override the Makefile's own assignments). */
  vars: Record<string, string>;
}

const MAKE_PROGRAMS = new Set(['make', 'gmake']);
const MAKE_VALUE_SHORT = new Set(['C', 'f', 'I', 'o', 'W', 'l']);
const MAKE_VALUE_LONG = new Set([
  '--directory', '--file', '--makefile', '--include-dir', '--old-file', '--assume-old', '--new-file', '--assume-new', '--what-if',
  '--load-average', '--max-load', '--eval', '--output-sync', '--jobserver-style', '--shuffle',
]);

/** A `make` call, or undefined when `program` is not make. */
export function makeCall(program: string, args: readonly string[]): MakeCall | undefined {
  if (!MAKE_PROGRAMS.has(basename(program))) return undefined;
  const call: MakeCall = { dirs: [], targets: [], vars: {} };
  const option = (name: string, value: string | undefined): void => {
    if (value === undefined) return;
    if (name === 'C' || name === '--directory') call.dirs.push(value);
    else if (name === 'f' || name === '--file' || name === '--makefile') call.file = value;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--') continue;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a : a.slice(0, eq);
      if (name === '--jobs') {
        if (eq < 0 && /^\d+$/.test(args[i + 1] ?? '')) i++;
        continue;
      }
      if (MAKE_VALUE_LONG.has(name)) option(name, eq < 0 ? args[++i] : a.slice(eq + 1));
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const ch = a[k] ?? '';
        if (ch === 'j' || ch === 'O') {
          // `-j`, `-j4`, `-j 4`: an optional count.
          if (k + 1 === a.length && /^\d+$/.test(args[i + 1] ?? '')) i++;
          break;
        }
        if (MAKE_VALUE_SHORT.has(ch)) {
          option(ch, k + 1 < a.length ? a.slice(k + 1) : args[++i]);
          break;
        }
      }
      continue;
    }
    const assign = /^([A-Za-z_][A-Za-z0-9_.-]*)\s*[:+?]?=(.*)$/s.exec(a);
    if (assign?.[1] !== undefined) call.vars[assign[1]] = assign[2] ?? '';
    else call.targets.push(a);
  }
  return call;
}

// ───────────────────────────── image builds ─────────────────────────────

export interface BuildCall {
  /** The build context as written (a folder), `-` (none: the Dockerfile on standard input) or a URL; undefined: not given. */
  context?: string;
  /** `-f` / `--file` / `--dockerfile` as written (`-`: standard input). */
  file?: string;
  /** Kaniko resolves `--dockerfile` against the context; docker, podman and buildah against the directory they run in. */
  fileInContext: boolean;
  buildArgs: Record<string, string>;
}

const BUILD_VALUE_OPTS = new Set([
  '-f', '--file', '-t', '--tag', '--build-arg', '--label', '--target', '--platform', '--network', '--cache-from', '--cache-to', '--secret',
  '--ssh', '--progress', '-o', '--output', '--iidfile', '--add-host', '--shm-size', '--ulimit', '--cpu-shares', '-c', '--cpuset-cpus',
  '--cpuset-mems', '--cpu-period', '--cpu-quota', '-m', '--memory', '--memory-swap', '--build-context', '--metadata-file', '--annotation',
  '--attest', '--allow', '--builder', '--isolation', '--cgroup-parent', '--security-opt', '--format', '--authfile', '--creds', '--layers-from',
  '--dockerfile', '--context', '--destination', '-d', '--cache-repo', '--cache-dir', '--registry-mirror', '--snapshot-mode', '--tar-path',
  '--digest-file', '--image-name-with-digest-file', '--label-file', '--env-file', '--from', '--volume', '-v', '--userns', '--arch', '--os',
  '--variant', '--jobs', '--manifest', '--timestamp', '--sign-by', '--retry', '--retry-delay', '--cert-dir', '--logfile', '--runtime',
]);
/** docker's global options that take a value (`docker -H host build …`). */
const DOCKER_GLOBAL_VALUE = new Set(['-H', '--host', '--config', '-c', '--context', '-l', '--log-level', '--tlscacert', '--tlscert', '--tlskey']);

/** Where the build's own arguments start, or -1 when the command is not an image build. */
function buildArgsStart(program: string, args: readonly string[]): number {
  const prog = basename(program);
  if (prog === 'executor') return 0; // kaniko
  if (prog !== 'docker' && prog !== 'podman' && prog !== 'nerdctl' && prog !== 'buildah') return -1;
  let i = 0;
  while (i < args.length && (args[i] ?? '').startsWith('-')) i += DOCKER_GLOBAL_VALUE.has(args[i] ?? '') ? 2 : 1;
  const sub = args[i];
  const next = args[i + 1];
  if (prog === 'buildah') return sub === 'bud' || sub === 'build' || sub === 'build-using-dockerfile' ? i + 1 : -1;
  if (sub === 'build') return i + 1;
  if ((sub === 'buildx' || sub === 'image' || sub === 'builder') && (next === 'build' || next === 'b')) return i + 2;
  return -1;
}

/** An image build command, or undefined. */
export function buildCall(program: string, args: readonly string[]): BuildCall | undefined {
  const start = buildArgsStart(program, args);
  if (start < 0) return undefined;
  const kaniko = basename(program) === 'executor';
  const call: BuildCall = { fileInContext: kaniko, buildArgs: {} };
  const positional: string[] = [];
  for (let i = start; i < args.length; i++) {
    const a = args[i] ?? '';
    if (!a.startsWith('-') || a === '-') {
      positional.push(a);
      continue;
    }
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq < 0 ? a : a.slice(0, eq);
    const attached = !a.startsWith('--') && a.length > 2 && (a.startsWith('-f') || a.startsWith('-t') || a.startsWith('-c')) ? a.slice(2) : undefined;
    const flag = attached === undefined ? name : a.slice(0, 2);
    if (!BUILD_VALUE_OPTS.has(flag)) continue;
    const value = attached ?? (eq < 0 ? args[++i] : a.slice(eq + 1));
    if (value === undefined) continue;
    if (flag === '-f' || flag === '--file' || flag === '--dockerfile') call.file = value;
    else if (flag === '--build-arg') {
      const at = value.indexOf('=');
      if (at > 0) call.buildArgs[value.slice(0, at)] = value.slice(at + 1);
    } else if (kaniko && (flag === '--context' || flag === '-c')) call.context = value.replace(/^dir:\/\//, '');
  }
  if (!kaniko && positional.length > 0) call.context = positional[positional.length - 1];
  return call;
}

/** A build context that is not a folder: a Git or HTTP URL, or a tarball on standard input. */
export function remoteContext(context: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(context) || /^git@/.test(context) || /^github\.com\//.test(context);
}
