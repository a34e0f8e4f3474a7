import { CHECKLIST_TEMPLATES, checklistProblems, checklistTemplates, INCIDENT_KINDS, type ChecklistTemplate } from './index';

const MIN = 60_000;

/** A stable text form of a template: `id @dueAfterMs` per milestone. */
function lines(t: ChecklistTemplate): string[] {
  return t.milestones.map((m) => `${m.id}${m.dueAfterMs === undefined ? '' : ` @${m.dueAfterMs}`}`);
}

describe('checklistTemplates', () => {
  it('without overrides answers the built-in templates', () => {
    const templateOf = checklistTemplates();
    for (const kind of INCIDENT_KINDS) expect(templateOf(kind)).toEqual(CHECKLIST_TEMPLATES[kind]);
    expect(lines(templateOf('orb'))).toEqual([
      'notified',
      `initial-assessment @${20 * MIN}`,
      'credential-exposure',
      'tamper-paths',
      'orb-pinned',
      'secrets-rotated',
      'pipelines-hardened',
      `thorough-review @${24 * 60 * MIN}`,
      'retrospective',
    ]);
  });

  it('applies due times for every kind, then per kind; none removes a due time', () => {
    const templateOf = checklistTemplates({
      due: { 'initial-assessment': 15 * MIN, 'action-pinned': 60 * MIN },
      kinds: { script: { due: { 'initial-assessment': 2_000, 'thorough-review': null, 'script-replaced': 30 * MIN } } },
    });
    const due = (kind: (typeof INCIDENT_KINDS)[number]): Record<string, number | undefined> =>
      Object.fromEntries(templateOf(kind).milestones.filter((m) => m.dueAfterMs !== undefined).map((m) => [m.id, m.dueAfterMs]));
    expect(due('action')).toEqual({ 'initial-assessment': 15 * MIN, 'action-pinned': 60 * MIN, 'thorough-review': 24 * 60 * MIN });
    expect(due('orb')).toEqual({ 'initial-assessment': 15 * MIN, 'thorough-review': 24 * 60 * MIN });
    expect(due('script')).toEqual({ 'initial-assessment': 2_000, 'script-replaced': 30 * MIN });
    // Titles, order and the template's identity are kept.
    expect(templateOf('script').milestones.map((m) => m.title)).toEqual(CHECKLIST_TEMPLATES.script.milestones.map((m) => m.title));
    expect([templateOf('script').id, templateOf('script').title]).toEqual(['script-incident', 'Compromised fetched script']);
    // The built-in templates are not changed.
    expect(CHECKLIST_TEMPLATES.script.milestones.find((m) => m.id === 'initial-assessment')?.dueAfterMs).toBe(20 * MIN);
  });

  it('replaces a kind\'s milestone list: built-in ids keep title and due, new ones take theirs', () => {
    const templateOf = checklistTemplates({
      due: { 'vendor-contacted': 10 * MIN },
      kinds: {
        platform: {
          milestones: ['notified', { id: 'initial-assessment', title: 'Triage done' }, { id: 'vendor-contacted', title: 'Vendor contacted' }, 'retrospective'],
        },
      },
    });
    expect(templateOf('platform').milestones).toEqual([
      { id: 'notified', title: 'Security team and owners notified' },
      { id: 'initial-assessment', title: 'Triage done', dueAfterMs: 20 * MIN },
      { id: 'vendor-contacted', title: 'Vendor contacted', dueAfterMs: 10 * MIN },
      { id: 'retrospective', title: 'Retrospective held' },
    ]);
    expect(templateOf('image')).toEqual(CHECKLIST_TEMPLATES.image);
  });

  it('throws on overrides the configuration would refuse', () => {
    expect(() => checklistTemplates({ kinds: { orb: { due: { 'action-pinned': MIN } } } })).toThrow(
      'invalid checklist overrides: checklist.kinds.orb.due.action-pinned: unknown milestone "action-pinned"',
    );
  });
});

describe('checklistProblems', () => {
  it('is empty for valid overrides', () => {
    expect(checklistProblems({})).toEqual([]);
    expect(checklistProblems({ due: { 'platform-secrets': MIN }, kinds: { action: { milestones: ['notified'], due: { notified: null } } } })).toEqual([]);
  });

  it.each([
    ['an empty list', { kinds: { action: { milestones: [] } } }, ['kinds', 'action', 'milestones'], 'must list 1 to 20 milestones (got 0)'],
    ['21 milestones', { kinds: { action: { milestones: Array.from({ length: 21 }, (_, i) => ({ id: `m${i}`, title: 'x' })) } } }, ['kinds', 'action', 'milestones'], 'must list 1 to 20 milestones (got 21)'],
    ['an id that is not kebab-case', { kinds: { orb: { milestones: [{ id: 'Bad_Id', title: 'x' }] } } }, ['kinds', 'orb', 'milestones', 0, 'id'], 'milestone id "Bad_Id" must be kebab-case (a-z, 0-9, "-"), at most 40 characters'],
    ['a blank title', { kinds: { orb: { milestones: [{ id: 'ok', title: '  ' }] } } }, ['kinds', 'orb', 'milestones', 0, 'title'], 'title must be 1 to 120 characters'],
    ['an id listed twice', { kinds: { orb: { milestones: ['notified', 'notified'] } } }, ['kinds', 'orb', 'milestones', 1], 'milestone "notified" is listed twice'],
    ['a zero due time', { due: { notified: 0 } }, ['due', 'notified'], 'due time must be a positive duration'],
    ['a due time for a milestone the kind\'s list left out', { kinds: { image: { milestones: ['notified'], due: { 'initial-assessment': MIN } } } }, ['kinds', 'image', 'due', 'initial-assessment'], 'unknown milestone "initial-assessment" (known: notified)'],
  ] as const)('refuses %s', (_what, overrides, path, message) => {
    expect(checklistProblems(overrides)).toEqual([{ path, message }]);
  });

  it('accepts a due time in checklist.due for a milestone that only a replaced list has', () => {
    expect(checklistProblems({ due: { 'call-vendor': MIN }, kinds: { platform: { milestones: [{ id: 'call-vendor', title: 'Call the vendor' }] } } })).toEqual([]);
    expect(checklistProblems({ due: { 'call-vendor': MIN } })[0]?.message).toMatch(/^unknown milestone "call-vendor" \(known: notified, /);
  });
});
