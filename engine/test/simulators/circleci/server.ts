/**
 * A CircleCI simulator for tests: an in-process HTTP server on 127.0.0.1 (a free port), seeded by the
 * test with projects, pipelines (dates, branches, revisions, configs), environment variables (WITH
 * values, as CircleCI returns them masked) and orbs with versions and sources.
 *
 * It serves what the CircleCI client uses, as CircleCI documents it:
 *   v2  GET /api/v2/pipeline?org-slug=          listPipelines (the org's pipelines, newest first)
 *       GET /api/v2/project/{slug}              getProjectBySlug (404 {message} when unknown or `gone`)
 *       GET /api/v2/project/{slug}/pipeline     listPipelinesForProject (newest first)
 *       GET /api/v2/pipeline/{id}/config        getPipelineConfigById
 *       GET /api/v2/project/{slug}/envvar       listEnvVars (values masked `xxxx` + last 4, as CircleCI does)
 *       GET /api/v2/pipeline/{id}/workflow      listWorkflowsByPipelineId
 *       GET /api/v2/workflow/{id}/job           listWorkflowJobs
 *       GET /api/v2/project/{slug}/job/{n}      getJobDetails (web_url, contexts)
 *       GET /api/v2/context?owner-slug=|owner-id=           listContexts
 *       GET /api/v2/context/{id}/environment-variable       listEnvironmentVariablesFromContext (names, no values)
 *       GET /api/v2/context/{id}/restrictions               getContextRestrictions (security groups, projects, expressions)
 *       GET /api/v2/project/{slug}/checkout-key             listCheckoutKeys (`digest` md5 by default, or sha256)
 *   v1.1 GET /api/v1.1/projects                 followed projects (outside the v2 spec)
 *   POST /graphql-unstable                      the orb registry; only the two documented query shapes
 * Lists are pages of `pageSize` items with `next_page_token` (null on the last page), read back as
 * `page-token`. REST auth: `Circle-Token: <t>` or `Authorization: Bearer <t>` (401 otherwise, when the
 * simulator has a token); GraphQL: `Authorization: <t>`, needed for private orbs only.
 *
 * Conformance (openapi.ts): when ../shared/platform-apis/circleci/openapi-v2.json is present, every v2
 * request's query parameter names and every v2 response body are checked against the operation in that
 * file; a request the spec would not accept is answered 400 and recorded in `violations`, a response
 * that does not match is recorded too (tests assert `violations` is empty). GraphQL documents are parsed
 * with graphql-js and must print identically to one of the documented shapes (ORB_SOURCE_DOC from
 * ../shared/platform-apis/circleci/queries/orb-source.graphql; ORB_VERSIONS_DOC from the fields
 * `circleci orb info` asks for, documented in ../shared/platform-apis/circleci/README.md).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse, print } from 'graphql';
import { loadCircleCiSpec, type CircleCiSpecValidator, type OperationKey } from './openapi';

export const ORB_SOURCE_DOC = `query OrbSource($orbVersionRef: String!) {
  orbVersion(orbVersionRef: $orbVersionRef) {
    id
    version
    orb {
      id
      name
    }
    source
    createdAt
  }
}`;

export const ORB_VERSIONS_DOC = `query OrbVersions($orbVersionRef: String!) {
  orbVersion(orbVersionRef: $orbVersionRef) {
    id
    version
    orb {
      id
      name
      versions(count: 200) {
        version
        createdAt
      }
    }
  }
}`;

export interface SimProject {
  /** `gh/acme/x`, `bb/acme/x` or `circleci/<org-id>/<project-id>`. */
  slug: string;
  name: string;
  orgName: string;
  id: string;
  orgId: string;
  vcsUrl: string;
  provider: 'GitHub' | 'Bitbucket' | 'CircleCI';
  defaultBranch: string;
  /** Listed by v1.1 /projects. */
  followed: boolean;
  /** GET /project/{slug} answers 404 although its pipelines are listed (a project removed or not visible). */
  gone: boolean;
  /** `createdAt`: sent as `created-at` when given (CircleCI's EDN-like `#joda/inst …` or ISO; null allowed). */
  envVars: Array<{ name: string; value: string; createdAt?: string | null }>;
  /** Checkout keys, with their public key (which the client must not keep). */
  checkoutKeys: SimCheckoutKey[];
}

export interface SimCheckoutKey {
  type: 'deploy-key' | 'github-user-key';
  /** Answered for `digest=sha256`; `md5` otherwise (CircleCI's default). */
  sha256: string;
  md5: string;
  publicKey: string;
  preferred: boolean;
  createdAt: string;
}

/** Who may use a context (`name`: CircleCI's readable name, absent when it has none). */
export interface SimRestriction {
  type: 'project' | 'expression' | 'group';
  value: string;
  name?: string;
}

/** A job of a seeded workflow. `startedAt` is always a string (the spec requires it, even for jobs that did not run). */
export interface SimJob {
  id: string;
  name: string;
  /** Absent for approval jobs. */
  number?: number;
  type: 'build' | 'approval';
  status: string;
  startedAt: string;
  stoppedAt: string | null;
  contexts: string[];
}

export interface SimWorkflow {
  id: string;
  name: string;
  status: string;
  createdAt: string;
  stoppedAt: string | null;
  jobs: SimJob[];
}

export interface SimContext {
  id: string;
  name: string;
  /** `gh/acme` (owner-slug) and the organisation id (owner-id). */
  ownerSlug: string;
  ownerId: string;
  createdAt: string;
  /** With values, which the API never returns. */
  variables: Array<{ variable: string; value: string; createdAt: string; updatedAt: string }>;
  /** Empty: unrestricted. */
  restrictions: SimRestriction[];
}

export interface SimPipeline {
  id: string;
  number: number;
  project: string;
  createdAt: string;
  branch?: string;
  tag?: string;
  revision: string | null;
  source: string;
  compiled: string;
  workflows?: SimWorkflow[];
}

export interface SimOrb {
  namespace: string;
  name: string;
  private: boolean;
  versions: Array<{ version: string; createdAt: string; source: string }>;
}

export interface SimRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
}

const normalise = (doc: string): string => print(parse(doc));
const ACCEPTED = new Map([
  [normalise(ORB_SOURCE_DOC), 'source'],
  [normalise(ORB_VERSIONS_DOC), 'versions'],
]);

function semverKey(v: string): number[] {
  return v.split('.').map(Number);
}

function byVersionDesc(a: { version: string }, b: { version: string }): number {
  const x = semverKey(a.version);
  const y = semverKey(b.version);
  for (let i = 0; i < 3; i++) if ((y[i] ?? 0) !== (x[i] ?? 0)) return (y[i] ?? 0) - (x[i] ?? 0);
  return 0;
}

export class CircleCiSimulator {
  readonly projects = new Map<string, SimProject>();
  readonly pipelines: SimPipeline[] = [];
  readonly orbs = new Map<string, SimOrb>();
  readonly contexts: SimContext[] = [];
  private nextJobNumber = new Map<string, number>();
  readonly requests: SimRequest[] = [];
  readonly violations: string[] = [];
  /** Responses checked against the OpenAPI file. */
  validated = 0;
  pageSize = 20;
  private limited: Array<{ retryAfter: string | undefined; path: string | undefined }> = [];
  private nextNumber = new Map<string, number>();
  readonly spec: CircleCiSpecValidator | undefined;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly token: string | undefined,
  ) {
    this.spec = loadCircleCiSpec();
  }

  /** Starts a simulator; `token`: the personal API token it accepts (none: open). */
  static async start(options: { token?: string; pageSize?: number } = {}): Promise<CircleCiSimulator> {
    const holder: { sim?: CircleCiSimulator } = {};
    const server = createServer((req, res) => {
      if (holder.sim) void holder.sim.serve(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const sim = new CircleCiSimulator(server, `http://127.0.0.1:${port}`, options.token);
    holder.sim = sim;
    if (options.pageSize !== undefined) sim.pageSize = options.pageSize;
    return sim;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  // ───────────── seeding ─────────────

  addProject(p: Partial<SimProject> & { slug: string }): SimProject {
    const [vcs, org = '', name = ''] = p.slug.split('/');
    const host = vcs === 'bb' ? 'bitbucket.org' : 'github.com';
    const project: SimProject = {
      name,
      orgName: org,
      id: randomUUID(),
      orgId: randomUUID(),
      vcsUrl: `https://${host}/${org}/${name}`,
      provider: vcs === 'bb' ? 'Bitbucket' : vcs === 'circleci' ? 'CircleCI' : 'GitHub',
      defaultBranch: 'main',
      followed: false,
      gone: false,
      envVars: [],
      checkoutKeys: [],
      ...p,
    };
    this.projects.set(p.slug, project);
    return project;
  }

  addPipeline(p: Partial<SimPipeline> & { project: string; createdAt: string; source: string }): SimPipeline {
    const number = p.number ?? (this.nextNumber.get(p.project) ?? 0) + 1;
    this.nextNumber.set(p.project, Math.max(number, this.nextNumber.get(p.project) ?? 0));
    const pipeline: SimPipeline = {
      id: randomUUID(),
      number,
      revision: randomUUID().replace(/-/g, '').padEnd(40, '0').slice(0, 40),
      compiled: p.source,
      ...(p.tag === undefined ? { branch: p.branch ?? this.projects.get(p.project)?.defaultBranch ?? 'main' } : {}),
      ...p,
    };
    this.pipelines.push(pipeline);
    return pipeline;
  }

  /** A workflow of a pipeline, with its jobs (build jobs numbered per project, approval jobs without a number). */
  addWorkflow(
    pipeline: SimPipeline,
    w: { name: string; status?: string; createdAt?: string; stoppedAt?: string | null; jobs: Array<Partial<SimJob> & { name: string }> },
  ): SimWorkflow {
    const workflow: SimWorkflow = {
      id: randomUUID(),
      name: w.name,
      status: w.status ?? 'success',
      createdAt: w.createdAt ?? pipeline.createdAt,
      stoppedAt: w.stoppedAt === undefined ? null : w.stoppedAt,
      jobs: w.jobs.map((j) => {
        const type = j.type ?? 'build';
        let number = j.number;
        if (number === undefined && type === 'build') {
          number = (this.nextJobNumber.get(pipeline.project) ?? 0) + 1;
          this.nextJobNumber.set(pipeline.project, number);
        }
        const startedAt = j.startedAt ?? w.createdAt ?? pipeline.createdAt;
        return { id: randomUUID(), type, status: 'success', startedAt, stoppedAt: null, contexts: [], ...j, ...(number === undefined ? {} : { number }) };
      }),
    };
    (pipeline.workflows ??= []).push(workflow);
    return workflow;
  }

  addContext(c: Partial<SimContext> & { name: string; ownerSlug: string }): SimContext {
    const context: SimContext = { id: randomUUID(), ownerId: randomUUID(), createdAt: '2024-01-01T00:00:00.000Z', variables: [], restrictions: [], ...c };
    this.contexts.push(context);
    return context;
  }

  addOrb(o: Partial<SimOrb> & { namespace: string; name: string }): SimOrb {
    const orb: SimOrb = { private: false, versions: [], ...o };
    this.orbs.set(`${o.namespace}/${o.name}`, orb);
    return orb;
  }

  /**
   * The next `count` requests (only those whose path starts with `path`, when given) are answered 429,
   * with `Retry-After: <retryAfter>` when given.
   */
  rateLimitNext(count: number, retryAfter?: string, path?: string): void {
    for (let i = 0; i < count; i++) this.limited.push({ retryAfter, path });
  }

  // ───────────── serving ─────────────

  private send(res: ServerResponse, status: number, body: unknown, op?: OperationKey, headers: Record<string, string> = {}): void {
    if (op && this.spec) {
      this.validated++;
      this.violations.push(...this.spec.validateResponse(op, status, body));
    }
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  private authorised(req: IncomingMessage, graphql: boolean): boolean {
    if (this.token === undefined) return true;
    if (graphql) return req.headers.authorization === this.token;
    return req.headers['circle-token'] === this.token || req.headers.authorization === `Bearer ${this.token}`;
  }

  private page<T>(items: T[], query: URLSearchParams): { items: T[]; next_page_token: string | null } {
    const token = query.get('page-token');
    const offset = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
    const slice = items.slice(offset, offset + this.pageSize);
    const next = offset + this.pageSize < items.length ? Buffer.from(String(offset + this.pageSize), 'utf8').toString('base64url') : null;
    return { items: slice, next_page_token: next };
  }

  private pipelineJson(p: SimPipeline): unknown {
    const project = this.projects.get(p.project);
    const repoUrl = project?.vcsUrl ?? 'https://github.com/unknown/unknown';
    return {
      id: p.id,
      errors: [],
      project_slug: p.project,
      number: p.number,
      state: 'created',
      created_at: p.createdAt,
      updated_at: p.createdAt,
      trigger: { type: 'webhook', received_at: p.createdAt, actor: { login: 'dev', avatar_url: null } },
      vcs: {
        provider_name: project?.provider === 'Bitbucket' ? 'Bitbucket' : 'GitHub',
        origin_repository_url: repoUrl,
        target_repository_url: repoUrl,
        revision: p.revision,
        ...(p.branch !== undefined ? { branch: p.branch } : {}),
        ...(p.tag !== undefined ? { tag: p.tag } : {}),
        commit: { subject: 'change', body: '' },
      },
    };
  }

  private newestFirst(list: SimPipeline[]): SimPipeline[] {
    return [...list].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.number - a.number);
  }

  /** Milliseconds each answer waits (to see requests overlap); `maxInFlight`: most requests answered at once. */
  delayMs = 0;
  maxInFlight = 0;
  private inFlight = 0;

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      await this.handle(req, res);
    } finally {
      this.inFlight--;
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    let body = '';
    for await (const chunk of req) body += String(chunk);
    this.requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: { 'circle-token': req.headers['circle-token'] as string | undefined, authorization: req.headers.authorization } });

    const at = this.limited.findIndex((l) => l.path === undefined || decodeURIComponent(url.pathname).startsWith(l.path));
    const limit = at >= 0 ? this.limited.splice(at, 1)[0] : undefined;
    if (limit) {
      res.writeHead(429, { 'content-type': 'application/json', ...(limit.retryAfter !== undefined ? { 'retry-after': limit.retryAfter } : {}) });
      res.end(JSON.stringify({ message: 'Rate limit exceeded' }));
      return;
    }
    if (url.pathname === '/graphql-unstable') {
      this.graphql(req, res, method, body);
      return;
    }
    if (!this.authorised(req, false)) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'You must log in first.' }));
      return;
    }
    if (method !== 'GET') {
      this.violations.push(`${method} ${url.pathname}: the client must only read`);
      res.writeHead(405).end();
      return;
    }
    if (url.pathname === '/api/v1.1/projects') {
      this.v11Projects(res);
      return;
    }
    if (url.pathname.startsWith('/api/v2/')) {
      this.v2(res, decodeURIComponent(url.pathname.slice('/api/v2'.length)), url.searchParams);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not found' }));
  }

  private v11Projects(res: ServerResponse): void {
    const list = [...this.projects.values()]
      .filter((p) => p.followed && !p.slug.startsWith('circleci/'))
      .map((p) => ({ vcs_url: p.vcsUrl, followed: true, username: p.orgName, reponame: p.name, vcs_type: p.provider === 'Bitbucket' ? 'bitbucket' : 'github', branches: {} }));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(list));
  }

  private v2(res: ServerResponse, path: string, query: URLSearchParams): void {
    const route = this.route(path);
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `no such operation: ${path}` }));
      this.violations.push(`GET /api/v2${path}: not an operation the simulator serves`);
      return;
    }
    if (this.spec) {
      const problems = this.spec.validateRequest(route.op, query);
      if (problems.length > 0) {
        this.violations.push(...problems);
        this.send(res, 400, { message: problems.join('; ') }, route.op);
        return;
      }
    }
    const [status, body] = route.answer(query);
    this.send(res, status, body, route.op);
  }

  private route(path: string): { op: OperationKey; answer: (q: URLSearchParams) => [number, unknown] } | undefined {
    const notFound = (what: string): [number, unknown] => [404, { message: `${what} not found` }];
    if (path === '/pipeline') {
      return {
        op: { path: '/pipeline', method: 'get' },
        answer: (q) => {
          const org = q.get('org-slug') ?? '';
          const list = this.newestFirst(this.pipelines.filter((p) => p.project.split('/').slice(0, 2).join('/') === org));
          const page = this.page(list, q);
          return [200, { items: page.items.map((p) => this.pipelineJson(p)), next_page_token: page.next_page_token }];
        },
      };
    }
    const config = /^\/pipeline\/([^/]+)\/config$/.exec(path);
    if (config) {
      return {
        op: { path: '/pipeline/{pipeline-id}/config', method: 'get' },
        answer: () => {
          const p = this.pipelines.find((x) => x.id === config[1]);
          return p ? [200, { source: p.source, compiled: p.compiled }] : notFound('Pipeline');
        },
      };
    }
    const workflows = /^\/pipeline\/([^/]+)\/workflow$/.exec(path);
    if (workflows) {
      return {
        op: { path: '/pipeline/{pipeline-id}/workflow', method: 'get' },
        answer: (q) => {
          const p = this.pipelines.find((x) => x.id === workflows[1]);
          if (!p) return notFound('Pipeline');
          const page = this.page(p.workflows ?? [], q);
          const items = page.items.map((w) => ({
            pipeline_id: p.id,
            id: w.id,
            name: w.name,
            project_slug: p.project,
            status: w.status,
            started_by: '00000000-0000-4000-8000-000000000001',
            pipeline_number: p.number,
            created_at: w.createdAt,
            stopped_at: w.stoppedAt,
          }));
          return [200, { items, next_page_token: page.next_page_token }];
        },
      };
    }
    const workflowJobs = /^\/workflow\/([^/]+)\/job$/.exec(path);
    if (workflowJobs) {
      return {
        op: { path: '/workflow/{id}/job', method: 'get' },
        answer: () => {
          const found = this.findWorkflow(workflowJobs[1] ?? '');
          if (!found) return notFound('Workflow');
          const items = found.workflow.jobs.map((j) => ({
            id: j.id,
            name: j.name,
            type: j.type,
            status: j.status,
            ...(j.number === undefined ? {} : { job_number: j.number }),
            started_at: j.startedAt,
            stopped_at: j.stoppedAt,
            dependencies: [],
            project_slug: found.pipeline.project,
          }));
          return [200, { items, next_page_token: null }];
        },
      };
    }
    const jobDetail = /^\/project\/([^/]+\/[^/]+\/[^/]+)\/job\/(\d+)$/.exec(path);
    if (jobDetail) {
      return {
        op: { path: '/project/{project-slug}/job/{job-number}', method: 'get' },
        answer: () => {
          const slug = jobDetail[1] ?? '';
          const project = this.projects.get(slug);
          const number = Number(jobDetail[2]);
          for (const p of this.pipelines.filter((x) => x.project === slug)) {
            for (const w of p.workflows ?? []) {
              const j = w.jobs.find((x) => x.number === number);
              if (!j || !project || project.gone) continue;
              return [
                200,
                {
                  web_url: `https://app.circleci.com/pipelines/${slug}/${p.number}/workflows/${w.id}/jobs/${number}`,
                  project: { id: project.id, slug, name: project.name, external_url: project.vcsUrl },
                  parallel_runs: [{ index: 0, status: j.status }],
                  started_at: j.startedAt,
                  latest_workflow: { id: w.id, name: w.name },
                  name: j.name,
                  executor: { resource_class: 'medium', type: 'docker' },
                  parallelism: 1,
                  status: j.status,
                  number,
                  pipeline: { id: p.id },
                  duration: j.stoppedAt === null ? null : Date.parse(j.stoppedAt) - Date.parse(j.startedAt),
                  created_at: j.startedAt,
                  messages: [],
                  contexts: j.contexts.map((name) => ({ name })),
                  organization: { name: project.orgName },
                  queued_at: j.startedAt,
                  stopped_at: j.stoppedAt,
                },
              ];
            }
          }
          return notFound('Job');
        },
      };
    }
    if (path === '/context') {
      return {
        op: { path: '/context', method: 'get' },
        answer: (q) => {
          const slug = q.get('owner-slug');
          const id = q.get('owner-id');
          if ((slug === null) === (id === null)) return [400, { message: 'Specify either owner-id or owner-slug.' }];
          const list = this.contexts.filter((c) => (slug !== null ? c.ownerSlug === slug : c.ownerId === id));
          const page = this.page(list, q);
          return [200, { items: page.items.map((c) => ({ id: c.id, name: c.name, created_at: c.createdAt })), next_page_token: page.next_page_token }];
        },
      };
    }
    const contextVars = /^\/context\/([^/]+)\/environment-variable$/.exec(path);
    if (contextVars) {
      return {
        op: { path: '/context/{context_id}/environment-variable', method: 'get' },
        answer: (q) => {
          const c = this.contexts.find((x) => x.id === contextVars[1]);
          if (!c) return [404, { message: 'Context not found.' }];
          const page = this.page(c.variables, q);
          return [200, { items: page.items.map((v) => ({ variable: v.variable, context_id: c.id, created_at: v.createdAt, updated_at: v.updatedAt })), next_page_token: page.next_page_token }];
        },
      };
    }
    const restrictions = /^\/context\/([^/]+)\/restrictions$/.exec(path);
    if (restrictions) {
      return {
        op: { path: '/context/{context_id}/restrictions', method: 'get' },
        answer: () => {
          const c = this.contexts.find((x) => x.id === restrictions[1]);
          if (!c) return [404, { message: 'Context not found.' }];
          const items = c.restrictions.map((r) => ({
            id: randomUUID(),
            context_id: c.id,
            ...(r.type === 'project' ? { project_id: r.value } : {}),
            ...(r.name === undefined ? {} : { name: r.name }),
            restriction_type: r.type,
            restriction_value: r.value,
          }));
          return [200, { items, next_page_token: null }];
        },
      };
    }
    const checkout = /^\/project\/([^/]+\/[^/]+\/[^/]+)\/checkout-key$/.exec(path);
    if (checkout) {
      return {
        op: { path: '/project/{project-slug}/checkout-key', method: 'get' },
        answer: (q) => {
          const p = this.projects.get(checkout[1] ?? '');
          if (!p || p.gone) return notFound('Project');
          const sha = q.get('digest') === 'sha256';
          const items = p.checkoutKeys.map((k) => ({ 'public-key': k.publicKey, type: k.type, fingerprint: sha ? k.sha256 : k.md5, preferred: k.preferred, 'created-at': k.createdAt }));
          return [200, { items, next_page_token: null }];
        },
      };
    }
    const project = /^\/project\/([^/]+\/[^/]+\/[^/]+)(\/pipeline|\/envvar)?$/.exec(path);
    if (project) {
      const slug = project[1] ?? '';
      const p = this.projects.get(slug);
      const visible = p !== undefined && !p.gone;
      if (project[2] === '/pipeline') {
        return {
          op: { path: '/project/{project-slug}/pipeline', method: 'get' },
          answer: (q) => {
            if (!visible) return notFound('Project');
            const branch = q.get('branch');
            const list = this.newestFirst(this.pipelines.filter((x) => x.project === slug && (branch === null || x.branch === branch)));
            const page = this.page(list, q);
            return [200, { items: page.items.map((x) => this.pipelineJson(x)), next_page_token: page.next_page_token }];
          },
        };
      }
      if (project[2] === '/envvar') {
        return {
          op: { path: '/project/{project-slug}/envvar', method: 'get' },
          answer: () => {
            if (!visible) return notFound('Project');
            // As CircleCI does: the value masked to `xxxx` + its last four characters.
            const items = p.envVars.map((v) => ({ name: v.name, value: `xxxx${v.value.slice(-4)}`, ...(v.createdAt === undefined ? {} : { 'created-at': v.createdAt }) }));
            return [200, { items, next_page_token: null }];
          },
        };
      }
      return {
        op: { path: '/project/{project-slug}', method: 'get' },
        answer: () => {
          if (!visible) return notFound('Project');
          const [vcs, org] = p.slug.split('/');
          return [
            200,
            {
              slug: p.slug,
              name: p.name,
              id: p.id,
              organization_name: p.orgName,
              organization_slug: `${vcs}/${org}`,
              organization_id: p.orgId,
              vcs_info: { vcs_url: p.vcsUrl, provider: p.provider, default_branch: p.defaultBranch },
            },
          ];
        },
      };
    }
    return undefined;
  }

  private findWorkflow(id: string): { pipeline: SimPipeline; workflow: SimWorkflow } | undefined {
    for (const pipeline of this.pipelines) {
      const workflow = pipeline.workflows?.find((w) => w.id === id);
      if (workflow) return { pipeline, workflow };
    }
    return undefined;
  }

  private graphql(req: IncomingMessage, res: ServerResponse, method: string, body: string): void {
    const answer = (status: number, json: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    const reject = (message: string): void => {
      this.violations.push(`graphql: ${message}`);
      answer(200, { errors: [{ message }] });
    };
    if (method !== 'POST') return reject(`${method} is not how the GraphQL endpoint is called`);
    let payload: { query?: unknown; variables?: unknown };
    try {
      payload = JSON.parse(body) as { query?: unknown; variables?: unknown };
    } catch {
      return reject('the body is not JSON');
    }
    if (typeof payload.query !== 'string') return reject('no query');
    let shape: string | undefined;
    try {
      shape = ACCEPTED.get(normalise(payload.query));
    } catch (err) {
      return reject(`the query does not parse: ${(err as Error).message}`);
    }
    if (shape === undefined) return reject('the query is not one of the documented orb queries');
    const vars = payload.variables as Record<string, unknown> | undefined;
    const ref = vars?.orbVersionRef;
    if (typeof ref !== 'string' || Object.keys(vars ?? {}).length !== 1) return reject('variables must be exactly { orbVersionRef: String! }');
    const m = /^([a-z0-9][a-z0-9_-]*)\/([a-z0-9][a-z0-9_-]*)@(.+)$/i.exec(ref);
    const orb = m ? this.orbs.get(`${m[1]}/${m[2]}`) : undefined;
    const visible = orb !== undefined && (!orb.private || this.authorised(req, true));
    if (!m || !orb || !visible) return answer(200, { data: { orbVersion: null } });
    const wanted = m[3];
    const sorted = [...orb.versions].sort(byVersionDesc);
    const v = wanted === 'volatile' ? sorted[0] : orb.versions.find((x) => x.version === wanted);
    if (!v) return answer(200, { data: { orbVersion: null } });
    const orbId = `orb-${orb.namespace}-${orb.name}`;
    if (shape === 'source') {
      return answer(200, { data: { orbVersion: { id: `${orbId}@${v.version}`, version: v.version, orb: { id: orbId, name: `${orb.namespace}/${orb.name}` }, source: v.source, createdAt: v.createdAt } } });
    }
    const versions = [...orb.versions]
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
      .slice(0, 200)
      .map((x) => ({ version: x.version, createdAt: x.createdAt }));
    return answer(200, { data: { orbVersion: { id: `${orbId}@${v.version}`, version: v.version, orb: { id: orbId, name: `${orb.namespace}/${orb.name}`, versions } } } });
  }
}
