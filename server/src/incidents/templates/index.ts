/**
 * Checklist templates per incident kind, as data. Every template carries the milestones every incident
 * needs (notified … retrospective); kinds add their own. Due offsets are milliseconds after the start.
 * Ids are stable kebab-case (used in the store, the timeline, the webapp and the configuration).
 *
 * The configuration's `checklist` section overrides them (`checklistTemplates`): due times for every
 * kind or for one kind, and a kind's whole milestone list. `checklistProblems` validates an override
 * and returns its problems as data; the configuration loader reports the first one.
 */
export const INCIDENT_KINDS = ['action', 'orb', 'script', 'image', 'package', 'platform'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

export interface MilestoneTemplate {
  id: string;
  title: string;
  /** Milliseconds after the start of the incident at which the milestone is due. */
  dueAfterMs?: number;
}

export interface ChecklistTemplate {
  id: string;
  kind: IncidentKind;
  title: string;
  milestones: readonly MilestoneTemplate[];
}

const MINUTE = 60_000;

const notified: MilestoneTemplate = { id: 'notified', title: 'Security team and owners notified' };
const initialAssessment: MilestoneTemplate = {
  id: 'initial-assessment',
  title: 'Initial assessment: affected pipelines identified',
  dueAfterMs: 20 * MINUTE,
};
const credentials: MilestoneTemplate = { id: 'credential-exposure', title: 'Credential exposure reviewed' };
const tamper: MilestoneTemplate = { id: 'tamper-paths', title: 'Tamper paths reviewed (artifacts, caches, releases)' };
const rotated: MilestoneTemplate = { id: 'secrets-rotated', title: 'Exposed secrets rotated' };
const hardened: MilestoneTemplate = { id: 'pipelines-hardened', title: 'Pipelines hardened (pins, permissions)' };
const thorough: MilestoneTemplate = { id: 'thorough-review', title: 'Thorough review completed', dueAfterMs: 24 * 60 * MINUTE };
const retrospective: MilestoneTemplate = { id: 'retrospective', title: 'Retrospective held' };

function template(kind: IncidentKind, title: string, extra: readonly MilestoneTemplate[]): ChecklistTemplate {
  return {
    id: `${kind}-incident`,
    kind,
    title,
    milestones: [notified, initialAssessment, credentials, tamper, ...extra, rotated, hardened, thorough, retrospective],
  };
}

export const CHECKLIST_TEMPLATES: Readonly<Record<IncidentKind, ChecklistTemplate>> = {
  action: template('action', 'Compromised GitHub Action', [
    { id: 'action-pinned', title: 'Action pinned to a reviewed commit SHA or removed' },
  ]),
  orb: template('orb', 'Compromised CircleCI orb', [{ id: 'orb-pinned', title: 'Orb pinned to a reviewed version or removed' }]),
  script: template('script', 'Compromised fetched script', [
    { id: 'script-replaced', title: 'Fetched script replaced by a verified copy' },
  ]),
  image: template('image', 'Compromised container image', [
    { id: 'image-pinned', title: 'Image pinned by digest or replaced' },
  ]),
  package: template('package', 'Compromised package', [
    { id: 'package-pinned', title: 'Package version pinned and lock files checked' },
  ]),
  platform: template('platform', 'CI platform breach', [
    { id: 'platform-secrets', title: 'Secrets stored in the platform inventoried' },
  ]),
};

/** The built-in template of a kind (no configuration). */
export function templateFor(kind: IncidentKind): ChecklistTemplate {
  return CHECKLIST_TEMPLATES[kind];
}

/** A due time in milliseconds after the start, or `null`: the milestone has no due time. */
export type DueOverride = number | null;

/** One entry of a kind's milestone list: a built-in milestone id (its title kept), or an id with a title. */
export type MilestoneEntry = string | { id: string; title: string };

export interface KindOverrides {
  /** Due times of this kind's milestones, by milestone id (over `ChecklistOverrides.due`). */
  due?: Readonly<Record<string, DueOverride>> | undefined;
  /** This kind's milestones, in order, replacing the built-in list. */
  milestones?: readonly MilestoneEntry[] | undefined;
}

/** The configuration's `checklist` section, durations already converted to milliseconds. */
export interface ChecklistOverrides {
  /** Due times by milestone id, for every kind whose checklist has that milestone. */
  due?: Readonly<Record<string, DueOverride>> | undefined;
  kinds?: Readonly<Partial<Record<IncidentKind, KindOverrides>>> | undefined;
}

export interface ChecklistProblem {
  /** Path inside the `checklist` section, e.g. `['kinds', 'script', 'due', 'typo']`. */
  path: Array<string | number>;
  message: string;
}

export const MILESTONE_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const MAX_MILESTONES = 20;
export const MAX_MILESTONE_TITLE = 120;

const builtInMilestones: ReadonlyMap<string, MilestoneTemplate> = new Map(
  INCIDENT_KINDS.flatMap((kind) => CHECKLIST_TEMPLATES[kind].milestones.map((m) => [m.id, m] as const)),
);

type ListResult = { ok: true; milestones: MilestoneTemplate[] } | { ok: false; problem: ChecklistProblem };

/** A kind's milestone list before due overrides: the built-in one, or the configured entries. */
function milestoneList(kind: IncidentKind, entries: readonly MilestoneEntry[] | undefined): ListResult {
  if (entries === undefined) return { ok: true, milestones: [...CHECKLIST_TEMPLATES[kind].milestones] };
  const at = (i: number, ...rest: string[]): Array<string | number> => ['kinds', kind, 'milestones', i, ...rest];
  if (entries.length === 0 || entries.length > MAX_MILESTONES) {
    return { ok: false, problem: { path: ['kinds', kind, 'milestones'], message: `must list 1 to ${MAX_MILESTONES} milestones (got ${entries.length})` } };
  }
  const seen = new Set<string>();
  const milestones: MilestoneTemplate[] = [];
  for (const [i, entry] of entries.entries()) {
    const id = typeof entry === 'string' ? entry : entry.id;
    const where = typeof entry === 'string' ? at(i) : at(i, 'id');
    if (!MILESTONE_ID.test(id) || id.length > 40) {
      return { ok: false, problem: { path: where, message: `milestone id "${id}" must be kebab-case (a-z, 0-9, "-"), at most 40 characters` } };
    }
    if (seen.has(id)) return { ok: false, problem: { path: where, message: `milestone "${id}" is listed twice` } };
    seen.add(id);
    const builtIn = builtInMilestones.get(id);
    if (typeof entry === 'string') {
      if (!builtIn) {
        return { ok: false, problem: { path: where, message: `unknown milestone "${id}": a milestone that is not built in needs a title ({id: ${id}, title: …})` } };
      }
      milestones.push(builtIn);
      continue;
    }
    const title = entry.title.trim();
    if (title === '' || title.length > MAX_MILESTONE_TITLE) {
      return { ok: false, problem: { path: at(i, 'title'), message: `title must be 1 to ${MAX_MILESTONE_TITLE} characters` } };
    }
    milestones.push(builtIn?.dueAfterMs !== undefined ? { id, title, dueAfterMs: builtIn.dueAfterMs } : { id, title });
  }
  return { ok: true, milestones };
}

function withDue(milestone: MilestoneTemplate, due: DueOverride | undefined): MilestoneTemplate {
  if (due === undefined) return milestone;
  const { dueAfterMs: _builtIn, ...rest } = milestone;
  return due === null ? rest : { ...rest, dueAfterMs: due };
}

function dueProblem(path: Array<string | number>, id: string, due: DueOverride, known: readonly string[]): ChecklistProblem | undefined {
  if (!known.includes(id)) return { path, message: `unknown milestone "${id}" (known: ${known.join(', ')})` };
  if (due !== null && (!Number.isSafeInteger(due) || due <= 0)) return { path, message: 'due time must be a positive duration' };
  return undefined;
}

type BuildResult = { ok: true; templates: Record<IncidentKind, ChecklistTemplate> } | { ok: false; problems: ChecklistProblem[] };

function build(overrides: ChecklistOverrides): BuildResult {
  const problems: ChecklistProblem[] = [];
  const lists = new Map<IncidentKind, MilestoneTemplate[]>();
  for (const kind of INCIDENT_KINDS) {
    const list = milestoneList(kind, overrides.kinds?.[kind]?.milestones);
    if (list.ok) lists.set(kind, list.milestones);
    else problems.push(list.problem);
  }
  if (problems.length > 0) return { ok: false, problems };

  const everyId = [...new Set([...lists.values()].flatMap((ms) => ms.map((m) => m.id)))];
  for (const [id, due] of Object.entries(overrides.due ?? {})) {
    const problem = dueProblem(['due', id], id, due, everyId);
    if (problem) problems.push(problem);
  }
  const apply = (kind: IncidentKind): ChecklistTemplate => {
    const milestones = lists.get(kind) ?? [];
    const kindDue = overrides.kinds?.[kind]?.due ?? {};
    const ids = milestones.map((m) => m.id);
    for (const [id, due] of Object.entries(kindDue)) {
      const problem = dueProblem(['kinds', kind, 'due', id], id, due, ids);
      if (problem) problems.push(problem);
    }
    return {
      ...CHECKLIST_TEMPLATES[kind],
      milestones: milestones.map((m) => withDue(m, kindDue[m.id] !== undefined ? kindDue[m.id] : overrides.due?.[m.id])),
    };
  };
  const templates: Record<IncidentKind, ChecklistTemplate> = {
    action: apply('action'),
    orb: apply('orb'),
    script: apply('script'),
    image: apply('image'),
    package: apply('package'),
    platform: apply('platform'),
  };
  return problems.length > 0 ? { ok: false, problems } : { ok: true, templates };
}

/** What is wrong with an override, in the order of the section (empty when it is valid). */
export function checklistProblems(overrides: ChecklistOverrides): ChecklistProblem[] {
  const result = build(overrides);
  return result.ok ? [] : result.problems;
}

/**
 * The templates with the configuration's overrides applied, as a lookup by kind. Without overrides it
 * answers the built-in templates. Throws on an override that `checklistProblems` refuses (the
 * configuration loader has already refused it, so that is a bug).
 */
export function checklistTemplates(overrides: ChecklistOverrides = {}): (kind: IncidentKind) => ChecklistTemplate {
  const result = build(overrides);
  if (!result.ok) {
    const first = result.problems[0];
    throw new Error(`invalid checklist overrides: checklist.${first?.path.join('.') ?? ''}: ${first?.message ?? ''}`);
  }
  const templates = result.templates;
  return (kind) => templates[kind];
}
