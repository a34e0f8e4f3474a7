/**
 * A GitHub API simulator: an in-process HTTP server on 127.0.0.1 (a free port), seeded by a test with
 * organisations, repositories (default branch, linear dated history whose commits add, change or delete
 * files, tags) and a rate-limit budget.
 *
 * GraphQL (`POST /graphql`, or `/api/graphql` with `ghes: true`): every query is parsed, VALIDATED and
 * EXECUTED by graphql-js against GitHub's published schema (`@octokit/graphql-schema`'s schema.graphql),
 * so a query GitHub would reject fails with graphql-js's own validation errors. Resolvers exist only for
 * the fields the clients use; any other field resolves to an error ("not implemented"), never to null.
 * GitHub's own rules on top: every implemented connection needs `first` or `last` (1–100); a query may
 * ask for at most 500,000 nodes; the cost in points is GitHub's formula (connection requests / 100,
 * rounded, at least 1), charged to the `graphql` budget; an exhausted budget answers 200 with a
 * RATE_LIMITED error and `x-ratelimit-remaining: 0` until the reset. NOT_FOUND errors carry `type`.
 *
 * REST (`/…`, or `/api/v3/…`): `GET /repos/{owner}/{repo}/contents/{path}` (files), with ETag and
 * If-None-Match (304, not charged). Every REST answer is checked against `@octokit/openapi`'s
 * api.github.com.json (openapi.ts); a violation is recorded in `violations` (tests assert it is empty).
 * Both carry `x-ratelimit-limit/remaining/used/reset/resource`. Secondary limits are seeded rules: a
 * matching request answers 403 (or 429) with GitHub's message and, when given, `retry-after`.
 * Calls are counted (`calls`) so tests and the benchmark can assert the batching.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import {
  buildSchema,
  execute,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  Kind,
  parse,
  type SelectionSetNode,
  validate,
  type ValueNode,
} from 'graphql';
import { ActionsSim } from './actions';
import { checkResponse } from './openapi';

export interface SimBlobSeed {
  text?: string;
  /** GitHub's GraphQL gives the text cut and `isTruncated: true`; REST contents still gives all of it. */
  truncated?: boolean;
  binary?: boolean;
}
/** A file's new content, or null to delete it. */
export type SimFileSeed = string | SimBlobSeed | null;

export interface SimCommitSeed {
  /** ISO 8601 commit date. */
  date: string;
  message?: string;
  /** Files this commit adds or changes, or deletes (null). */
  files: Record<string, SimFileSeed>;
}

export interface SimRepoSeed {
  /** `owner/name`. */
  full: string;
  defaultBranch?: string;
  visibility?: 'PUBLIC' | 'PRIVATE' | 'INTERNAL';
  archived?: boolean;
  fork?: boolean;
  /** Oldest first; the default branch's linear history. Empty: an empty repository. */
  commits: SimCommitSeed[];
  /** Tags and other branches → index in `commits`; `{ annotated }` makes an annotated tag. */
  refs?: Record<string, number | { commit: number; annotated: true }>;
  /** Which of `refs` are branches (`ref(qualifiedName: "refs/heads/…")`); the others are tags. */
  branches?: readonly string[];
  /** `Commit.history` answers this GraphQL error (as GitHub does when it gives up on a history, e.g. a timeout). */
  historyError?: string;
}

export interface SecondaryLimitRule {
  /** Which requests: GraphQL query text or REST path contains this. */
  contains: string;
  /** How many matching requests are refused (Infinity: all). */
  times: number;
  retryAfterSeconds?: number;
  status?: 403 | 429;
}

export interface BudgetSeed {
  limit: number;
  remaining?: number;
  /** ms from now until the reset, and the length of the following windows. */
  resetInMs?: number;
  windowMs?: number;
}

export interface SimulatorOptions {
  token?: string;
  /** Mount as GitHub Enterprise Server does: REST under `/api/v3`, GraphQL at `/api/graphql`. */
  ghes?: boolean;
  graphqlBudget?: BudgetSeed;
  coreBudget?: BudgetSeed;
}

interface Blob {
  oid: string;
  text: string | null;
  size: number;
  truncated: boolean;
  binary: boolean;
}
interface Commit {
  oid: string;
  date: string;
  index: number;
  files: Map<string, Blob>;
}
interface Repo {
  owner: string;
  name: string;
  seed: SimRepoSeed;
  commits: Commit[];
  refs: Map<string, { commit: number; annotated: boolean; oid: string }>;
}
interface Budget {
  limit: number;
  remaining: number;
  resetAt: number;
  windowMs: number;
}

type Obj = Record<string, unknown>;
interface Ctx {
  cost: number;
  nodes: number;
  budget: Budget;
}

const TRUNCATE_AT = 64;
const SECONDARY_MESSAGE = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.';

/** A file of an installed package, found through node_modules above this folder (packages whose exports hide it). */
export function packageFile(pkg: string, file: string): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', pkg, file);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`${pkg}/${file} is not installed`);
  }
}

let schemaCache: GraphQLSchema | undefined;
/** GitHub's GraphQL schema as published in @octokit/graphql-schema (built once per process). */
export function githubSchema(): GraphQLSchema {
  if (schemaCache) return schemaCache;
  const sdl = readFileSync(packageFile('@octokit/graphql-schema', 'schema.graphql'), 'utf8');
  try {
    schemaCache = buildSchema(sdl);
  } catch (err) {
    // schema.graphql of 15.26.1 defines two fields of EnterpriseOwnerInfo twice (identically); graphql-js
    // refuses that SDL. Only that known defect is tolerated: any other SDL error still fails.
    const problems = (err as Error).message.split('\n').filter((l) => l.trim() !== '');
    const known = problems.every((l) => /^Field "EnterpriseOwnerInfo\.repositoryDeployKeySetting(Organizations)?" can only be defined once\.$/.test(l));
    if (!known) throw err;
    schemaCache = buildSchema(sdl, { assumeValidSDL: true });
  }
  return schemaCache;
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function makeBlob(seed: string | SimBlobSeed): Blob {
  const s: SimBlobSeed = typeof seed === 'string' ? { text: seed } : seed;
  const text = s.binary ? null : (s.text ?? '');
  const bytes = Buffer.byteLength(s.text ?? '\0binary\0');
  return { oid: sha1(`blob ${bytes}\0${s.text ?? 'binary'}`), text, size: bytes, truncated: s.truncated === true, binary: s.binary === true };
}

function connectionArgs(args: Obj, connection: string): { first: number } {
  const first = args.first as number | undefined | null;
  const last = args.last as number | undefined | null;
  if ((first === undefined || first === null) && (last === undefined || last === null)) {
    throw new GraphQLError(`You must provide a \`first\` or \`last\` value to properly paginate the \`${connection}\` connection.`);
  }
  if (last !== undefined && last !== null) throw new GraphQLError(`simulator: \`last\` on \`${connection}\` is not implemented`);
  if ((first as number) < 1 || (first as number) > 100) {
    throw new GraphQLError(`Requesting ${first} records on the \`${connection}\` connection exceeds the \`first\` limit of 100 records.`);
  }
  return { first: first as number };
}

function cursorOf(i: number): string {
  return Buffer.from(`cursor:${i}`).toString('base64');
}
function indexOf(cursor: unknown): number {
  if (typeof cursor !== 'string') return -1;
  const m = /^cursor:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString());
  if (!m) throw new GraphQLError(`\`${cursor}\` does not appear to be a valid cursor.`);
  return Number(m[1]);
}

/** GitHub's formula: connection requests (each `first`/`last` times its parents') → points; nodes asked. */
export function queryCost(doc: ReturnType<typeof parse>, variables: Obj): { points: number; nodes: number } {
  const frags = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) frags.set(d.name.value, d);
  let requests = 0;
  let nodes = 0;
  const num = (v: ValueNode | undefined): number | undefined => {
    if (!v) return undefined;
    if (v.kind === Kind.INT) return Number(v.value);
    if (v.kind === Kind.VARIABLE) {
      const x = variables[v.name.value];
      return typeof x === 'number' ? x : undefined;
    }
    return undefined;
  };
  const walk = (set: SelectionSetNode | undefined, mult: number, depth: number): void => {
    if (!set || depth > 50) return;
    for (const sel of set.selections) {
      if (sel.kind === Kind.INLINE_FRAGMENT) walk(sel.selectionSet, mult, depth + 1);
      else if (sel.kind === Kind.FRAGMENT_SPREAD) walk(frags.get(sel.name.value)?.selectionSet, mult, depth + 1);
      else {
        const f = sel as FieldNode;
        const n = num(f.arguments?.find((a) => a.name.value === 'first' || a.name.value === 'last')?.value);
        if (n !== undefined) {
          requests += mult;
          nodes += mult * n;
          walk(f.selectionSet, mult * n, depth + 1);
        } else {
          walk(f.selectionSet, mult, depth + 1);
        }
      }
    }
  };
  for (const d of doc.definitions) if (d.kind === Kind.OPERATION_DEFINITION) walk(d.selectionSet, 1, 0);
  return { points: Math.max(1, Math.round(requests / 100)), nodes };
}

export class GitHubSimulator {
  readonly token: string;
  readonly calls = { graphql: 0, rest: 0, notModified: 0, secondaryRefused: 0, rateLimited: 0 };
  /** Every GraphQL document received, in order. */
  readonly queries: string[] = [];
  /** GraphQL documents graphql-js rejected (validation), with the errors. */
  readonly rejected: Array<{ query: string; errors: string[] }> = [];
  /** GraphQL execution errors other than NOT_FOUND (e.g. a field not implemented). */
  readonly executionErrors: string[] = [];
  /** REST answers that do not conform to api.github.com.json. */
  readonly violations: string[] = [];
  /** Answers with a status the description does not list (e.g. a job log's 410 Gone), as `op status`. */
  readonly undocumented: string[] = [];
  /** Every REST path asked (without the API prefix and the query), in order. */
  readonly restPaths: string[] = [];
  /** Workflow runs, jobs, logs and Actions secret names (actions.ts). */
  readonly actions = new ActionsSim((full) => {
    const repo = this.repos.get(full.toLowerCase());
    return repo ? (repo.seed.visibility ?? 'PRIVATE') !== 'PUBLIC' : undefined;
  });
  private readonly repos = new Map<string, Repo>();
  private readonly orgs = new Set<string>();
  private readonly secondary: SecondaryLimitRule[] = [];
  private readonly graphqlBudget: Budget;
  private readonly coreBudget: Budget;
  private server: Server | undefined;
  private base = '';

  constructor(private readonly options: SimulatorOptions = {}) {
    this.token = options.token ?? 'sim-token';
    const budget = (b: BudgetSeed | undefined): Budget => ({
      limit: b?.limit ?? 5000,
      remaining: b?.remaining ?? b?.limit ?? 5000,
      resetAt: Date.now() + (b?.resetInMs ?? 3_600_000),
      windowMs: b?.windowMs ?? 3_600_000,
    });
    this.graphqlBudget = budget(options.graphqlBudget);
    this.coreBudget = budget(options.coreBudget);
  }

  /** REST base URL (what GITHUB_API_URL would be). */
  get apiUrl(): string {
    return this.options.ghes ? `${this.base}/api/v3` : this.base;
  }

  addOrg(login: string): this {
    this.orgs.add(login.toLowerCase());
    return this;
  }

  addRepo(seed: SimRepoSeed): this {
    const [owner = '', name = ''] = seed.full.split('/');
    const commits: Commit[] = [];
    let files = new Map<string, Blob>();
    let parent = '';
    seed.commits.forEach((c, index) => {
      files = new Map(files);
      for (const [path, f] of Object.entries(c.files)) {
        if (f === null) files.delete(path);
        else files.set(path, makeBlob(f));
      }
      const tree = sha1([...files].map(([p, b]) => `${p}\0${b.oid}`).sort().join('\n'));
      const oid = sha1(`commit\n${tree}\n${parent}\n${c.date}\n${c.message ?? ''}`);
      commits.push({ oid, date: new Date(c.date).toISOString().replace('.000Z', 'Z'), index, files });
      parent = oid;
    });
    const refs = new Map<string, { commit: number; annotated: boolean; oid: string }>();
    for (const [name, r] of Object.entries(seed.refs ?? {})) {
      const commit = typeof r === 'number' ? r : r.commit;
      const annotated = typeof r !== 'number' && r.annotated;
      refs.set(name, { commit, annotated, oid: annotated ? sha1(`tag ${name}`) : (commits[commit]?.oid ?? '') });
    }
    this.repos.set(seed.full.toLowerCase(), { owner, name, seed, commits, refs });
    return this;
  }

  /** The oid of commit `index` of `full` (tests assert versions by it). */
  oid(full: string, index: number): string {
    const c = this.repos.get(full.toLowerCase())?.commits[index];
    if (!c) throw new Error(`no commit ${index} in ${full}`);
    return c.oid;
  }

  addSecondaryLimit(rule: SecondaryLimitRule): this {
    this.secondary.push({ ...rule });
    return this;
  }

  /** Sets the GraphQL budget (e.g. exhausted, resetting in a moment). */
  setGraphqlBudget(remaining: number, resetInMs: number): void {
    this.graphqlBudget.remaining = remaining;
    this.graphqlBudget.resetAt = Date.now() + resetInMs;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `simulator failure: ${(err as Error).message}` }));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // The clients' keep-alive connections would hold close() open.
      server.closeAllConnections();
    });
  }

  // ───────────────────────── HTTP ─────────────────────────

  private rateHeaders(b: Budget, resource: string): Record<string, string> {
    const now = Date.now();
    if (now >= b.resetAt) {
      b.remaining = b.limit;
      b.resetAt = now + b.windowMs;
    }
    return {
      'x-ratelimit-limit': String(b.limit),
      'x-ratelimit-remaining': String(Math.max(0, b.remaining)),
      'x-ratelimit-used': String(b.limit - Math.max(0, b.remaining)),
      'x-ratelimit-reset': String(Math.ceil(b.resetAt / 1000)),
      'x-ratelimit-resource': resource,
    };
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-github-request-id': sha1(String(Math.random())).slice(0, 16), ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  /** Writes a generated log piece by piece as the reader takes it (waits for `drain`); stops when the reader goes away. */
  private async streamLog(res: ServerResponse, jobId: number, pieces: Iterable<string>): Promise<void> {
    let served = 0;
    let closed = false;
    res.once('close', () => {
      closed = true;
    });
    for (const piece of pieces) {
      if (closed || res.destroyed) break;
      served += Buffer.byteLength(piece);
      this.actions.logBytesServed.set(jobId, served);
      if (!res.write(piece)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    }
    if (!closed && !res.destroyed) res.end();
  }

  private secondaryHit(text: string): SecondaryLimitRule | undefined {
    const rule = this.secondary.find((r) => r.times > 0 && text.includes(r.contains));
    if (rule) rule.times--;
    return rule;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', this.base);
    const gqlPath = this.options.ghes ? '/api/graphql' : '/graphql';
    const restPrefix = this.options.ghes ? '/api/v3' : '';
    const resource = url.pathname === gqlPath ? 'graphql' : 'core';
    const budget = resource === 'graphql' ? this.graphqlBudget : this.coreBudget;
    const headers = (): Record<string, string> => this.rateHeaders(budget, resource);
    // A signed log URL (the blob host GitHub redirects to): no credentials needed, none expected.
    const log = this.actions.logText(url.pathname, req.headers.authorization);
    if (log) {
      res.writeHead(log.status, { 'content-type': 'text/plain; charset=utf-8' });
      if ('text' in log) {
        this.actions.logBytesServed.set(log.jobId, Buffer.byteLength(log.text));
        res.end(log.text);
        return;
      }
      return this.streamLog(res, log.jobId, log.pieces);
    }
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return this.send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' }, headers());
    }
    if (url.pathname === gqlPath && req.method === 'POST') return this.graphqlRequest(Buffer.concat(chunks).toString('utf8'), res, headers);
    if (req.method === 'GET' && url.pathname.startsWith(`${restPrefix}/`)) return this.restRequest(url, url.pathname.slice(restPrefix.length), req, res, headers);
    this.send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }, headers());
  }

  private graphqlRequest(body: string, res: ServerResponse, headers: () => Record<string, string>): void {
    this.calls.graphql++;
    let payload: { query?: unknown; variables?: unknown };
    try {
      payload = JSON.parse(body) as typeof payload;
    } catch {
      return this.send(res, 400, { message: 'Problems parsing JSON' }, headers());
    }
    const query = typeof payload.query === 'string' ? payload.query : '';
    const variables = (payload.variables ?? {}) as Obj;
    this.queries.push(query);
    const hit = this.secondaryHit(query);
    if (hit) {
      this.calls.secondaryRefused++;
      const extra: Record<string, string> = hit.retryAfterSeconds === undefined ? {} : { 'retry-after': String(hit.retryAfterSeconds) };
      return this.send(res, hit.status ?? 403, { message: SECONDARY_MESSAGE, documentation_url: 'https://docs.github.com/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api#secondary-rate-limits' }, { ...headers(), ...extra });
    }
    let doc: ReturnType<typeof parse>;
    try {
      doc = parse(query);
    } catch (err) {
      this.rejected.push({ query, errors: [(err as Error).message] });
      return this.send(res, 200, { errors: [{ message: (err as Error).message }] }, headers());
    }
    const invalid = validate(githubSchema(), doc);
    if (invalid.length > 0) {
      this.rejected.push({ query, errors: invalid.map((e) => e.message) });
      return this.send(res, 200, { errors: invalid.map((e) => ({ message: e.message, locations: e.locations })) }, headers());
    }
    const { points, nodes } = queryCost(doc, variables);
    if (nodes > 500_000) {
      return this.send(res, 200, { errors: [{ type: 'MAX_NODE_LIMIT_EXCEEDED', message: `This query requests up to ${nodes} possible nodes which exceeds the maximum limit of 500,000.` }] }, headers());
    }
    headers();
    if (this.graphqlBudget.remaining < points) {
      this.calls.rateLimited++;
      this.graphqlBudget.remaining = 0;
      return this.send(res, 200, { errors: [{ type: 'RATE_LIMITED', message: 'API rate limit exceeded for user ID 1.' }] }, headers());
    }
    this.graphqlBudget.remaining -= points;
    const ctx: Ctx = { cost: points, nodes, budget: this.graphqlBudget };
    const result = execute({
      schema: githubSchema(),
      document: doc,
      rootValue: this.root(),
      contextValue: ctx,
      variableValues: variables,
      fieldResolver,
      typeResolver: (value) => (value as Obj).__typename as string,
    }) as { data?: unknown; errors?: readonly GraphQLError[] };
    const errors = (result.errors ?? []).map((e) => {
      const type = e.extensions?.type as string | undefined;
      if (type !== 'NOT_FOUND') this.executionErrors.push(`${e.message} at ${e.path?.join('.') ?? '?'}`);
      return { ...(type === undefined ? {} : { type }), path: e.path, locations: e.locations, message: e.message };
    });
    this.send(res, 200, errors.length > 0 ? { data: result.data ?? null, errors } : { data: result.data }, headers());
  }

  private restRequest(url: URL, path: string, req: IncomingMessage, res: ServerResponse, headers: () => Record<string, string>): void {
    this.calls.rest++;
    this.restPaths.push(path);
    const answer = (op: string, status: number, body: unknown, extra: Record<string, string> = {}): void => {
      this.violations.push(...checkResponse(op, 'get', status, body));
      this.send(res, status, body, { ...headers(), ...extra });
    };
    const hit = this.secondaryHit(path);
    const actions = this.actions.route(url, path, this.apiUrl, this.base);
    if (actions) {
      if (actions.kind === 'bad-request') return this.send(res, 400, { message: actions.message }, headers());
      if (hit) {
        this.calls.secondaryRefused++;
        return this.send(res, hit.status ?? 403, { message: SECONDARY_MESSAGE }, { ...headers(), ...(hit.retryAfterSeconds === undefined ? {} : { 'retry-after': String(hit.retryAfterSeconds) }) });
      }
      this.coreBudget.remaining--;
      if (actions.kind === 'redirect') {
        this.violations.push(...checkResponse(actions.op, 'get', 302, undefined));
        res.writeHead(302, { ...headers(), location: actions.location });
        res.end();
        return;
      }
      if (actions.kind === 'undocumented') {
        this.undocumented.push(`${actions.op} ${actions.status}`);
        return this.send(res, actions.status, actions.body, headers());
      }
      return answer(actions.op, actions.status, actions.body, actions.link === undefined ? {} : { link: actions.link });
    }
    const contents = /^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/.exec(path);
    const op = contents ? '/repos/{owner}/{repo}/contents/{path}' : undefined;
    if (!op || !contents) return this.send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }, headers());
    if (hit) {
      this.calls.secondaryRefused++;
      return answer(op, hit.status ?? 403, { message: SECONDARY_MESSAGE, documentation_url: 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api' }, hit.retryAfterSeconds === undefined ? {} : { 'retry-after': String(hit.retryAfterSeconds) });
    }
    for (const k of url.searchParams.keys()) if (k !== 'ref') return this.send(res, 400, { message: `simulator: undeclared parameter ${k}` }, headers());
    const [, owner = '', name = '', rawPath = ''] = contents;
    const repo = this.repos.get(`${decodeURIComponent(owner)}/${decodeURIComponent(name)}`.toLowerCase());
    const filePath = rawPath.split('/').map(decodeURIComponent).join('/');
    const commit = repo ? this.revCommit(repo, url.searchParams.get('ref') ?? 'HEAD') : undefined;
    const blob = commit?.files.get(filePath);
    if (!repo || !commit || !blob) return answer(op, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/repos/contents#get-repository-content', status: '404' });
    const etag = `"${blob.oid}"`;
    if (req.headers['if-none-match'] === etag) {
      this.calls.notModified++;
      res.writeHead(304, { ...headers(), etag });
      res.end();
      return;
    }
    if (this.coreBudget.remaining <= 0) {
      this.calls.rateLimited++;
      return answer(op, 403, { message: 'API rate limit exceeded for user ID 1.', documentation_url: 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api' });
    }
    this.coreBudget.remaining--;
    const seedText = this.seedText(repo, commit.index, filePath);
    const apiBase = `${this.apiUrl}/repos/${repo.owner}/${repo.name}`;
    const selfUrl = `${apiBase}/contents/${filePath}?ref=${commit.oid}`;
    const body = {
      type: 'file',
      encoding: 'base64',
      size: blob.size,
      name: filePath.split('/').pop() ?? filePath,
      path: filePath,
      content: Buffer.from(seedText ?? '').toString('base64'),
      sha: blob.oid,
      url: selfUrl,
      git_url: `${apiBase}/git/blobs/${blob.oid}`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/blob/${commit.oid}/${filePath}`,
      download_url: `https://raw.githubusercontent.com/${repo.owner}/${repo.name}/${commit.oid}/${filePath}`,
      _links: { git: `${apiBase}/git/blobs/${blob.oid}`, html: `https://github.com/${repo.owner}/${repo.name}/blob/${commit.oid}/${filePath}`, self: selfUrl },
    };
    answer(op, 200, body, { etag });
  }

  /** The full seeded text of a file (REST gives what GraphQL truncates). */
  private seedText(repo: Repo, index: number, path: string): string | undefined {
    for (let i = index; i >= 0; i--) {
      const f = repo.seed.commits[i]?.files[path];
      if (f === null) return undefined;
      if (f !== undefined) return typeof f === 'string' ? f : f.text;
    }
    return undefined;
  }

  // ───────────────────────── GraphQL objects ─────────────────────────

  private root(): Obj {
    return {
      organization: ({ login }: { login: string }) => {
        if (!this.orgs.has(login.toLowerCase())) {
          throw new GraphQLError(`Could not resolve to an Organization with the login of '${login}'.`, { extensions: { type: 'NOT_FOUND' } });
        }
        return this.orgNode(login);
      },
      repository: ({ owner, name }: { owner: string; name: string }) => {
        const repo = this.repos.get(`${owner}/${name}`.toLowerCase());
        if (!repo) throw new GraphQLError(`Could not resolve to a Repository with the name '${owner}/${name}'.`, { extensions: { type: 'NOT_FOUND' } });
        return this.repoNode(repo);
      },
      rateLimit: (_args: Obj, ctx: Ctx) => ({
        __typename: 'RateLimit',
        cost: ctx.cost,
        limit: ctx.budget.limit,
        nodeCount: ctx.nodes,
        remaining: ctx.budget.remaining,
        used: ctx.budget.limit - ctx.budget.remaining,
        resetAt: new Date(ctx.budget.resetAt).toISOString(),
      }),
    };
  }

  private orgNode(login: string): Obj {
    return {
      __typename: 'Organization',
      login,
      repositories: (args: Obj) => {
        const { first } = connectionArgs(args, 'repositories');
        const orderBy = args.orderBy as { field: string; direction: string } | undefined;
        if (orderBy && orderBy.field !== 'NAME') throw new GraphQLError(`simulator: orderBy ${orderBy.field} is not implemented`);
        const all = [...this.repos.values()].filter((r) => r.owner.toLowerCase() === login.toLowerCase()).sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
        if (orderBy?.direction === 'DESC') all.reverse();
        return page(all, args.after, first, (r) => this.repoNode(r));
      },
    };
  }

  private repoNode(repo: Repo): Obj {
    const tip = repo.commits[repo.commits.length - 1];
    return {
      __typename: 'Repository',
      id: Buffer.from(`R_${repo.owner}/${repo.name}`).toString('base64'),
      name: repo.name,
      nameWithOwner: `${repo.owner}/${repo.name}`,
      visibility: repo.seed.visibility ?? 'PRIVATE',
      isPrivate: (repo.seed.visibility ?? 'PRIVATE') !== 'PUBLIC',
      isArchived: repo.seed.archived === true,
      isFork: repo.seed.fork === true,
      pushedAt: tip?.date ?? null,
      defaultBranchRef: tip ? { __typename: 'Ref', name: repo.seed.defaultBranch ?? 'main', prefix: 'refs/heads/', target: this.commitNode(repo, tip) } : null,
      ref: ({ qualifiedName }: { qualifiedName: string }) => {
        const short = qualifiedName.replace(/^refs\/(heads|tags)\//, '');
        const isBranch = short === (repo.seed.defaultBranch ?? 'main') || (repo.seed.branches ?? []).includes(short);
        // A qualified name is a branch or a tag, as on GitHub; a short name is either.
        const named = qualifiedName.startsWith('refs/heads/') ? isBranch : qualifiedName.startsWith('refs/tags/') ? repo.refs.has(short) && !isBranch : isBranch || repo.refs.has(short);
        const commit = named ? this.revCommit(repo, short) : undefined;
        if (!commit) return null;
        const prefix = isBranch ? 'refs/heads/' : 'refs/tags/';
        return { __typename: 'Ref', name: short, prefix, target: this.commitNode(repo, commit) };
      },
      object: ({ expression, oid }: { expression?: string; oid?: string }) => {
        if (oid !== undefined) throw new GraphQLError('simulator: object(oid:) is not implemented');
        return expression === undefined ? null : this.resolveExpression(repo, expression);
      },
    };
  }

  private revCommit(repo: Repo, rev: string): Commit | undefined {
    const branch = repo.seed.defaultBranch ?? 'main';
    if (rev === 'HEAD' || rev === branch || rev === `refs/heads/${branch}`) return repo.commits[repo.commits.length - 1];
    const ref = repo.refs.get(rev.replace(/^refs\/(tags|heads)\//, ''));
    if (ref) return repo.commits[ref.commit];
    if (/^[0-9a-f]{7,40}$/.test(rev)) return repo.commits.find((c) => c.oid.startsWith(rev));
    return undefined;
  }

  /** `REV` or `REV:PATH` as rev-parse reads it: a commit (or annotated tag), a tree or a blob, or null. */
  private resolveExpression(repo: Repo, expression: string): Obj | null {
    const colon = expression.indexOf(':');
    const rev = colon < 0 ? expression : expression.slice(0, colon);
    const commit = this.revCommit(repo, rev);
    if (!commit) return null;
    if (colon < 0) {
      const tag = repo.refs.get(rev.replace(/^refs\/tags\//, ''));
      if (tag?.annotated) return { __typename: 'Tag', oid: tag.oid, name: rev, target: this.commitNode(repo, commit) };
      return this.commitNode(repo, commit);
    }
    const path = expression.slice(colon + 1).replace(/\/+$/, '');
    if (path === '') return this.treeNode(repo, commit, '');
    const blob = commit.files.get(path);
    if (blob) return blobNode(blob);
    const isDir = [...commit.files.keys()].some((p) => p.startsWith(`${path}/`));
    return isDir ? this.treeNode(repo, commit, path) : null;
  }

  private treeNode(repo: Repo, commit: Commit, dir: string): Obj {
    const prefix = dir === '' ? '' : `${dir}/`;
    const children = new Map<string, 'blob' | 'tree'>();
    for (const p of commit.files.keys()) {
      if (!p.startsWith(prefix)) continue;
      const rest = p.slice(prefix.length);
      const slash = rest.indexOf('/');
      children.set(slash < 0 ? rest : rest.slice(0, slash), slash < 0 ? 'blob' : 'tree');
    }
    const entries = [...children].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, type]) => {
      const path = `${prefix}${name}`;
      const blob = type === 'blob' ? commit.files.get(path) : undefined;
      const object = blob ? blobNode(blob) : this.treeNode(repo, commit, path);
      return { __typename: 'TreeEntry', name, path, type, mode: type === 'blob' ? 0o100644 : 0o40000, oid: object.oid, size: blob?.size ?? 0, object };
    });
    // Content-addressed, as git's: the same entries give the same tree id at any commit.
    return { __typename: 'Tree', oid: sha1(`tree\n${entries.map((e) => `${e.mode.toString(8)} ${e.name} ${e.oid}`).join('\n')}`), entries };
  }

  private commitNode(repo: Repo, commit: Commit): Obj {
    return {
      __typename: 'Commit',
      oid: commit.oid,
      abbreviatedOid: commit.oid.slice(0, 7),
      committedDate: commit.date,
      tree: () => this.treeNode(repo, commit, ''),
      history: (args: Obj) => {
        const { first } = connectionArgs(args, 'history');
        const since = args.since === undefined || args.since === null ? -Infinity : Date.parse(args.since as string);
        const until = args.until === undefined || args.until === null ? Infinity : Date.parse(args.until as string);
        const path = typeof args.path === 'string' ? args.path.replace(/\/+$/, '') : undefined;
        if (args.author !== undefined && args.author !== null) throw new GraphQLError('simulator: history(author:) is not implemented');
        if (repo.seed.historyError !== undefined) throw new GraphQLError(repo.seed.historyError, { extensions: { type: 'SERVICE_UNAVAILABLE' } });
        const touched = (c: Commit): boolean => {
          if (path === undefined) return true;
          const before = repo.commits[c.index - 1]?.files ?? new Map<string, Blob>();
          const under = (p: string): boolean => p === path || p.startsWith(`${path}/`);
          for (const [p, b] of c.files) if (under(p) && before.get(p)?.oid !== b.oid) return true;
          for (const p of before.keys()) if (under(p) && !c.files.has(p)) return true;
          return false;
        };
        const list = repo.commits
          .slice(0, commit.index + 1)
          .reverse()
          .filter((c) => Date.parse(c.date) >= since && Date.parse(c.date) <= until && touched(c));
        return { ...page(list, args.after, first, (c) => this.commitNode(repo, c)), totalCount: list.length };
      },
    };
  }
}

function blobNode(b: Blob): Obj {
  return {
    __typename: 'Blob',
    oid: b.oid,
    abbreviatedOid: b.oid.slice(0, 7),
    byteSize: b.size,
    isBinary: b.binary,
    isTruncated: b.truncated,
    text: b.text === null ? null : b.truncated ? b.text.slice(0, TRUNCATE_AT) : b.text,
  };
}

function page<T>(all: T[], after: unknown, first: number, node: (t: T) => Obj): Obj {
  const from = indexOf(after) + 1;
  const slice = all.slice(from, from + first);
  return {
    __typename: 'Connection',
    totalCount: all.length,
    nodes: slice.map(node),
    pageInfo: {
      __typename: 'PageInfo',
      hasNextPage: from + first < all.length,
      hasPreviousPage: from > 0,
      startCursor: slice.length > 0 ? cursorOf(from) : null,
      endCursor: slice.length > 0 ? cursorOf(from + slice.length - 1) : null,
    },
  };
}

/** Resolves a field from the simulator's plain objects; a field they do not hold is an error, not null. */
const fieldResolver: GraphQLFieldResolver<unknown, Ctx> = (source, args, ctx, info) => {
  if (source !== null && typeof source === 'object' && Object.hasOwn(source, info.fieldName)) {
    const v = (source as Obj)[info.fieldName];
    return typeof v === 'function' ? (v as (a: Obj, c: Ctx) => unknown)(args, ctx) : v;
  }
  throw new GraphQLError(`simulator: ${info.parentType.name}.${info.fieldName} is not implemented`);
};
