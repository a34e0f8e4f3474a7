/**
 * Checklist templates per incident kind, as data. Every template carries the milestones every incident
 * needs (notified … retrospective); kinds add their own. Due offsets are minutes after the start.
 * Ids are stable kebab-case (used in the store, the timeline and the webapp).
 */
export const INCIDENT_KINDS = ['action', 'orb', 'script', 'image', 'package', 'platform'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

export interface MilestoneTemplate {
  id: string;
  title: string;
  /** Minutes after the start of the incident at which the milestone is due. */
  dueAfterMinutes?: number;
}

export interface ChecklistTemplate {
  id: string;
  kind: IncidentKind;
  title: string;
  milestones: readonly MilestoneTemplate[];
}

const notified: MilestoneTemplate = { id: 'notified', title: 'Security team and owners notified' };
const initialAssessment: MilestoneTemplate = {
  id: 'initial-assessment',
  title: 'Initial assessment: affected pipelines identified',
  dueAfterMinutes: 20,
};
const credentials: MilestoneTemplate = { id: 'credential-exposure', title: 'Credential exposure reviewed' };
const tamper: MilestoneTemplate = { id: 'tamper-paths', title: 'Tamper paths reviewed (artifacts, caches, releases)' };
const rotated: MilestoneTemplate = { id: 'secrets-rotated', title: 'Exposed secrets rotated' };
const hardened: MilestoneTemplate = { id: 'pipelines-hardened', title: 'Pipelines hardened (pins, permissions)' };
const thorough: MilestoneTemplate = { id: 'thorough-review', title: 'Thorough review completed', dueAfterMinutes: 24 * 60 };
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

export function templateFor(kind: IncidentKind): ChecklistTemplate {
  return CHECKLIST_TEMPLATES[kind];
}

export function isIncidentKind(value: string): value is IncidentKind {
  return (INCIDENT_KINDS as readonly string[]).includes(value);
}
