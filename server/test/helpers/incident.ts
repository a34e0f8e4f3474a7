/**
 * An opened incident for the bridge's pure and store tests: by default a Codecov script incident `inc1`
 * (indicator codecov-bash-uploader-2021, severity high, the script checklist) in team `t`; `start` gives
 * who started it and when, and replaces any other field of the start.
 *
 *   const fresh = (): Incident => openedIncident({ startedBy: alice, now: T0 }, { id: 'c'.repeat(26), name: 'inc-x' });
 */
import { newIncident, opened, type Incident, type NewIncidentInput } from '../../src/incidents/model';
import { templateFor } from '../../src/incidents/templates';

export type IncidentStart = Partial<NewIncidentInput> & Pick<NewIncidentInput, 'startedBy' | 'now'>;

/** The incident `start` describes, opened in `channel` with its checklist post `postId`. */
export function openedIncident(start: IncidentStart, channel: { id: string; name: string }, postId = 'p'.repeat(26)): Incident {
  const kind = start.kind ?? 'script';
  const { incident } = newIncident({
    id: 'inc1',
    teamId: 't',
    name: 'Codecov',
    kind,
    target: { type: 'indicator', id: 'codecov-bash-uploader-2021' },
    severity: 'high',
    template: templateFor(kind),
    ...start,
  });
  return opened(incident, channel, postId);
}
