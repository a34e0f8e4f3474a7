/**
 * Which repository holds a Jenkins shared library. Jenkins maps a library name to a repository in its own
 * configuration (Manage Jenkins › System › Global Pipeline Libraries: name, default version, retrieval
 * method; folder-level libraries; implicitly loaded libraries), which the pipelines do not carry — so the
 * user tells us, in one of two forms:
 *
 *   --jenkins-library NAME=GIT_URL[#DEFAULT_VERSION]     one library (repeatable)
 *   --jenkins-libraries FILE                             JSON or YAML:
 *
 *     libraries:
 *       - name: ci-lib
 *         url: https://git.example.com/acme/ci-lib.git
 *         defaultVersion: main          # optional: used by `@Library('ci-lib')`
 *         implicit: false               # optional: loaded by every pipeline (see README)
 *
 * The file also takes Jenkins' own configuration-as-code form, so that an admin can paste it: the list
 * under `unclassified.globalLibraries.libraries` (or a top-level `libraries`), each with `name`,
 * `defaultVersion`, `implicit` and `retriever.modernSCM.scm.git.remote` instead of `url`.
 *
 * Parsing is pure (text in, mappings or errors with their place out); reading the file is the shell's
 * (`readLibrariesFile`). A URL is a git URL as `ci-exposure scan` takes one (git/git-url.ts), or any
 * http(s) URL (read with git). Messages never show a URL's credentials.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { JenkinsLibrary } from '../../core/model';
import { parseGitSpec, redactUrl, type GitSpec } from '../git/git-url';

/** One library: its name in pipelines, its repository, and the version Jenkins uses when a pipeline names none. */
export interface JenkinsLibraryMapping {
  name: string;
  url: string;
  defaultVersion?: string;
  /** Loaded by every pipeline without `@Library` (Jenkins' "Load implicitly"). */
  implicit?: boolean;
}

export type MappingResult = { ok: true; libraries: JenkinsLibraryMapping[] } | { ok: false; error: string };
/** A list's problem: the message (with where), and which library and what, apart (for settings). */
export type ListProblem = { ok: false; error: string; index: number; problem: string };

const NAME = /^[A-Za-z0-9_.-]+$/;
/** A branch, tag or commit as a pipeline may write it after `@` (no option-like or climbing refs). */
const VERSION = /^[A-Za-z0-9_][A-Za-z0-9_./+-]*$/;

/** Is `version` a ref we hand to git (never an option, never `..`)? */
export function isLibraryVersion(version: string): boolean {
  return VERSION.test(version) && !version.includes('..') && !version.endsWith('.lock') && !version.endsWith('/');
}

/** The git spec of a library URL: a git URL as the scan takes it, or an http(s) URL without `.git`. */
export function librarySpec(url: string): GitSpec | undefined {
  return parseGitSpec(url) ?? (/^https?:\/\//i.test(url) ? parseGitSpec(`git+${url}`) : undefined);
}

/** What is wrong with one library, or undefined. */
function checkOne(lib: JenkinsLibraryMapping): string | undefined {
  if (!NAME.test(lib.name)) return `"${lib.name}" is not a library name (letters, digits, _ . -)`;
  if (librarySpec(lib.url) === undefined) return `library ${lib.name}: not a git URL: ${redactUrl(lib.url)} (https://…, ssh://…, git://…, file:///…, user@host:path.git)`;
  if (lib.defaultVersion !== undefined && !isLibraryVersion(lib.defaultVersion)) return `library ${lib.name}: "${lib.defaultVersion}" is not a branch, tag or commit`;
  return undefined;
}

/** Checks a whole list: each library, and no name twice; `where(i)` names the setting or option in the error. */
export function checkMappings(libraries: readonly JenkinsLibraryMapping[], where: (i: number) => string): { ok: true; libraries: JenkinsLibraryMapping[] } | ListProblem {
  const seen = new Set<string>();
  for (const [index, lib] of libraries.entries()) {
    const problem = checkOne(lib) ?? (seen.has(lib.name) ? `library ${lib.name} is mapped twice` : undefined);
    if (problem !== undefined) return { ok: false, error: `${where(index)}: ${problem}`, index, problem };
    seen.add(lib.name);
  }
  return { ok: true, libraries: [...libraries] };
}

/** `NAME=GIT_URL[#DEFAULT_VERSION]` (the CLI's `--jenkins-library`). */
export function parseLibraryOption(text: string): { ok: true; library: JenkinsLibraryMapping } | { ok: false; error: string } {
  const eq = text.indexOf('=');
  const usage = `--jenkins-library "${redactUrl(text)}": expected NAME=GIT_URL[#DEFAULT_VERSION]`;
  if (eq <= 0) return { ok: false, error: usage };
  const name = text.slice(0, eq).trim();
  let url = text.slice(eq + 1).trim();
  let defaultVersion: string | undefined;
  const hash = url.lastIndexOf('#');
  if (hash >= 0) {
    defaultVersion = url.slice(hash + 1).trim();
    url = url.slice(0, hash).trim();
    if (defaultVersion === '') return { ok: false, error: `${usage} (nothing after #)` };
  }
  if (url === '') return { ok: false, error: usage };
  const library: JenkinsLibraryMapping = defaultVersion === undefined ? { name, url } : { name, url, defaultVersion };
  const problem = checkOne(library);
  return problem === undefined ? { ok: true, library } : { ok: false, error: `--jenkins-library: ${problem}` };
}

/** One library of the file: ours (`url`) or Jenkins' configuration-as-code (`retriever.modernSCM.scm.git.remote`). */
const entrySchema = z.object({
  name: z.string().min(1),
  url: z.string().min(1).optional(),
  defaultVersion: z.string().min(1).optional(),
  implicit: z.boolean().optional(),
  retriever: z
    .object({ modernSCM: z.object({ scm: z.object({ git: z.object({ remote: z.string().min(1) }).partial().optional() }).partial().optional() }).partial().optional() })
    .partial()
    .optional(),
});
const listSchema = z.object({ libraries: z.array(z.unknown()) });
const jcascSchema = z.object({ unclassified: z.object({ globalLibraries: listSchema }) });

/** The libraries of a mapping file's text (JSON or YAML); `file` names it in messages. Pure. */
export function parseLibrariesFile(text: string, file: string): MappingResult {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    const pos = (err as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
    const said = ((err as Error).message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    return { ok: false, error: `${file}${pos ? `:${pos.line}:${pos.col}` : ''}: not JSON or YAML: ${said}` };
  }
  const jcasc = jcascSchema.safeParse(doc);
  const list = jcasc.success ? { items: jcasc.data.unclassified.globalLibraries.libraries, at: 'unclassified.globalLibraries.libraries' } : undefined;
  const plain = list === undefined ? listSchema.safeParse(doc) : undefined;
  const found = list ?? (plain?.success === true ? { items: plain.data.libraries, at: 'libraries' } : undefined);
  if (found === undefined) return { ok: false, error: `${file}: expected { libraries: [{ name, url, defaultVersion?, implicit? }] } (or Jenkins' unclassified.globalLibraries.libraries)` };
  const libraries: JenkinsLibraryMapping[] = [];
  for (const [i, item] of found.items.entries()) {
    const where = `${file}: ${found.at}[${i}]`;
    const parsed = entrySchema.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const message = issue?.code === 'invalid_type' && /received undefined/.test(issue.message) ? 'required' : (issue?.message ?? 'not a library');
      return { ok: false, error: `${where}${issue && issue.path.length > 0 ? `.${issue.path.join('.')}` : ''}: ${message}` };
    }
    const e = parsed.data;
    const url = e.url ?? e.retriever?.modernSCM?.scm?.git?.remote;
    if (url === undefined) return { ok: false, error: `${where}: library ${e.name} has no url (nor retriever.modernSCM.scm.git.remote)` };
    libraries.push({ name: e.name, url, ...(e.defaultVersion === undefined ? {} : { defaultVersion: e.defaultVersion }), ...(e.implicit === true ? { implicit: true } : {}) });
  }
  const checked = checkMappings(libraries, (i) => `${file}: ${found.at}[${i}]`);
  return checked.ok ? checked : { ok: false, error: checked.error };
}

/** Reads and parses a mapping file (the shell's part). */
export function readLibrariesFile(path: string): MappingResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { ok: false, error: `${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
  return parseLibrariesFile(text, path);
}

/**
 * The libraries every pipeline loads (entries with `implicit: true`), as the core's scan option takes them
 * (ParseOptions.jenkinsImplicitLibraries): at the default version, as Jenkins loads them — one without a
 * default version is read from `<name>@HEAD`, and its fetch says it has no version.
 */
export function implicitLibraries(libraries: readonly JenkinsLibraryMapping[]): JenkinsLibrary[] {
  return libraries
    .filter((l) => l.implicit === true)
    .map((l) => (l.defaultVersion === undefined ? { name: l.name, raw: l.name } : { name: l.name, ref: l.defaultVersion, raw: `${l.name}@${l.defaultVersion}` }));
}

/** The file's libraries and the options' together; an option overrides the file's library of the same name. */
export function mergeMappings(fromFile: readonly JenkinsLibraryMapping[], fromOptions: readonly JenkinsLibraryMapping[]): JenkinsLibraryMapping[] {
  const byName = new Map(fromFile.map((l) => [l.name, l]));
  for (const l of fromOptions) byName.set(l.name, l);
  return [...byName.values()];
}
