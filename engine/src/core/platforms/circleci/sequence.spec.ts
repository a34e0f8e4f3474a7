/**
 * The run order of a CircleCI job (`Job.sequence`, flows' `at`): writes are explicit steps, so tamper
 * paths need to know which write comes after which step — pre-steps, the job's steps, post-steps; the own
 * steps of registry orb jobs and commands (which `steps` leaves to the resolver); and steps handed to an
 * orb as a parameter, whose place among the orb's own steps is not known (they share one `at`).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Job, Pipeline } from '../../model';
import { jobById, lines, memorySource } from '../../testing';
import { circleci } from './index';

const CACHE = path.join(__dirname, '__fixtures__', 'cache', 'circleci', 'orbs');
const read = (rel: string): string => readFileSync(path.join(CACHE, rel), 'utf8');

/** An orb whose command and job take steps as a parameter, and save a cache after them. */
const TOOLS = lines(
  'version: 2.1',
  'commands:',
  '  with-cache:',
  '    parameters:',
  '      steps: { type: steps, default: [] }',
  '    steps:',
  '      - restore_cache: { keys: [tools-v1-] }',
  '      - steps: << parameters.steps >>',
  '      - save_cache: { key: tools-v1-x, paths: [bin] }',
  'jobs:',
  '  wrapped:',
  '    docker: [{ image: cimg/base:2024.01 }]',
  '    parameters:',
  '      steps: { type: steps, default: [] }',
  '    steps:',
  '      - save_cache: { key: wrapped-v1-x, paths: [out] }',
  '      - steps: << parameters.steps >>',
);

const SOURCE = memorySource({
  'circleci/orbs/mattermost/plugin-ci@0.1.0.yml': read('mattermost/plugin-ci@0.1.0.yml'),
  'circleci/orbs/codecov/codecov@1.1.1.yml': read('codecov/codecov@1.1.1.yml'),
  'circleci/orbs/acme/tools@1.0.0.yml': TOOLS,
});

function parse(text: string): Pipeline {
  const { pipelines, errors } = circleci.parse({ repo: 'acme/app', files: [{ path: '.circleci/config.yml', text }] }, SOURCE);
  expect(errors).toEqual([]);
  const [p] = pipelines;
  if (!p) throw new Error('no pipeline');
  return p;
}

/** The run as `at name`, and the flows as `via name @at`. */
function run(job: Job): { sequence: string[]; produces: string[]; consumes: string[] } {
  return {
    sequence: (job.sequence ?? []).map((s) => `${s.at} ${s.step.name}`),
    produces: job.produces.map((f) => `${f.via} ${f.name ?? ''} @${f.at ?? '?'}`),
    consumes: job.consumes.map((f) => `${f.via} ${f.name ?? ''} @${f.at ?? '?'}`),
  };
}

describe('CircleCI run order', () => {
  it('pre-steps, the job, post-steps, in that order, whatever order they are read in', () => {
    const p = parse(
      lines(
        'version: 2.1',
        'jobs:',
        '  build:',
        '    docker: [{ image: cimg/base:2024.01 }]',
        '    steps:',
        '      - run: make',
        '      - save_cache: { key: body-v1-x, paths: [x] }',
        'workflows:',
        '  main:',
        '    jobs:',
        '      - build:',
        '          pre-steps:',
        '            - restore_cache: { keys: [pre-v1-] }',
        '          post-steps:',
        '            - persist_to_workspace: { root: ., paths: [dist] }',
      ),
    );
    expect(run(jobById(p, 'build'))).toEqual({
      sequence: ['0 restore_cache', '1 run: make', '2 save_cache', '3 persist_to_workspace'],
      produces: ['cache body-v1-x @2', 'workspace .: dist @3'],
      consumes: ['cache pre-v1- @0'],
    });
  });

  it("a registry orb's job: its own steps and those of the orb commands it calls, in order (plugin-ci saves its cache before codecov/upload)", () => {
    const p = parse(lines('version: 2.1', 'orbs:', '  plugin-ci: mattermost/plugin-ci@0.1.0', 'workflows:', '  ci:', '    jobs:', '      - plugin-ci/coverage'));
    const coverage = jobById(p, 'plugin-ci/coverage');
    expect(run(coverage)).toEqual({
      sequence: ['0 checkout', '1 restore_cache', '2 Generating Coverage Results', '3 save_cache', '4 codecov/upload', '5 Upload Coverage Results'],
      produces: ['cache go-mod-v1-{{ checksum "go.sum" }} @3'],
      consumes: ['cache go-mod-v1-{{ checksum "go.sum" }} @1'],
    });
    // The orb's steps are not the job's `steps` (they reach the job through the orb's expansion).
    expect(coverage.steps).toEqual([]);
    expect(coverage.sequence?.[4]?.step.pos.file).toBe('mattermost/plugin-ci@0.1.0//orb.yml');
    expect(coverage.sequence?.[5]?.step.pos.file).toBe('codecov/codecov@1.1.1//orb.yml');
  });

  it('steps handed to an orb command run somewhere among its own steps: all of it shares the call step’s place', () => {
    const p = parse(
      lines(
        'version: 2.1',
        'orbs:',
        '  tools: acme/tools@1.0.0',
        'jobs:',
        '  build:',
        '    docker: [{ image: cimg/base:2024.01 }]',
        '    steps:',
        '      - checkout',
        '      - tools/with-cache:',
        '          steps:',
        '            - run: curl -s https://codecov.io/bash | bash',
        '      - store_artifacts: { path: out }',
        'workflows:',
        '  main:',
        '    jobs: [build]',
      ),
    );
    expect(run(jobById(p, 'build'))).toEqual({
      sequence: ['0 checkout', '1 tools/with-cache', '1 run: curl -s https://codecov.io/bash | bash', '1 restore_cache', '1 save_cache', '5 store_artifacts'],
      produces: ['cache tools-v1-x @1', 'artifact out @5'],
      consumes: ['cache tools-v1- @1'],
    });
  });

  it('steps handed to an orb job: the order of the whole job is not known', () => {
    const p = parse(
      lines(
        'version: 2.1',
        'orbs:',
        '  tools: acme/tools@1.0.0',
        'workflows:',
        '  main:',
        '    jobs:',
        '      - tools/wrapped:',
        '          steps:',
        '            - run: curl -s https://codecov.io/bash | bash',
      ),
    );
    expect(run(jobById(p, 'tools/wrapped'))).toEqual({
      sequence: ['0 save_cache', '0 run: curl -s https://codecov.io/bash | bash'],
      produces: ['cache wrapped-v1-x @0'],
      consumes: [],
    });
  });
});
