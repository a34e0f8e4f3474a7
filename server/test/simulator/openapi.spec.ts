// The OpenAPI validator on its own: it must flag what is wrong and accept the recorded 5.37 shapes.
import fs from 'node:fs';
import path from 'node:path';
import {defaultOpenApiDir, validatorFor} from './openapi';
import {sharedContractsDir} from './test-support';

const contracts = sharedContractsDir();
if (!contracts) {
  process.stderr.write('openapi.spec: ../shared/mattermost-contracts is absent; skipping\n');
}
const describeWithShared = contracts ? describe : describe.skip;

describeWithShared('OpenAPI validation', () => {
  const validator = validatorFor(defaultOpenApiDir());
  const q = new URLSearchParams();

  it('loads the concatenated spec', () => {
    expect(validator).toBeDefined();
    expect(validator?.findOperation('POST', '/api/v4/posts/abc/actions/toggleA')).toMatchObject({template: '/api/v4/posts/{post_id}/actions/{action_id}'});
    expect(validator?.findOperation('GET', '/api/v4/users/username/alice')).toMatchObject({template: '/api/v4/users/username/{username}'});
  });

  it('flags malformed requests and responses, and undeclared success statuses', () => {
    expect(validator?.validateRequest({method: 'POST', path: '/api/v4/channels', query: q, contentType: 'application/json', body: {team_id: 't', name: 'n', type: 'P'}}))
      .toEqual(["POST /api/v4/channels request: / must have required property 'display_name'"]);
    expect(validator?.validateRequest({method: 'POST', path: '/api/v4/nowhere', query: q, contentType: '', body: undefined}))
      .toEqual(['POST /api/v4/nowhere: request to an operation the spec does not define']);
    expect(validator?.validateResponse({method: 'GET', path: '/api/v4/users/me', status: 200, contentType: 'application/json', body: {id: 5}}))
      .toEqual(['GET /api/v4/users/{user_id} response 200: /id must be string,null']);
    expect(validator?.validateResponse({method: 'GET', path: '/api/v4/users/me', status: 202, contentType: 'application/json', body: {}})?.[0])
      .toMatch(/status not declared/);
    expect(validator?.validateResponse({method: 'POST', path: '/api/v4/posts', status: 500, contentType: 'application/json', body: {id: 1}})?.[0])
      .toMatch(/response 500: \/id must be string/);
  });

  it('accepts every recorded 5.37 response body (with the documented relaxations)', () => {
    const recording = JSON.parse(fs.readFileSync(path.join(contracts ?? '', 'recordings', 'real-server-5.37.json'), 'utf8')) as {
      records: Array<{name: string; request: {method: string; path: string}; response: {status: number; body: unknown}}>;
    };
    const problems = recording.records.flatMap((r) => validator?.validateResponse({
      method: r.request.method, path: r.request.path.split('?')[0] ?? '', status: r.response.status, contentType: 'application/json',
      body: JSON.parse(JSON.stringify(r.response.body)),
    }) ?? []);
    expect(problems).toEqual([]);
  });
});
