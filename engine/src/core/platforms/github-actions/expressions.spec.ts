import { secretsInText, substituteInputs, type SecretHit } from './expressions';

describe('secretsInText', () => {
  it.each<[string, boolean, SecretHit[]]>([
    ['${{ secrets.NPM_TOKEN }}', false, [{ kind: 'secret', name: 'NPM_TOKEN' }]],
    ['${{secrets.A}}-${{ secrets.B }}', false, [{ kind: 'secret', name: 'A' }, { kind: 'secret', name: 'B' }]],
    ["${{ secrets['MY-KEY'] }}", false, [{ kind: 'secret', name: 'MY-KEY' }]],
    ['${{ secrets["X"] }}', false, [{ kind: 'secret', name: 'X' }]],
    ['${{ toJSON(secrets) }}', false, [{ kind: 'all-secrets' }]],
    ['${{ secrets[matrix.name] }}', false, [{ kind: 'all-secrets' }]],
    ['${{ secrets.GITHUB_TOKEN }}', false, [{ kind: 'ci-token' }]],
    ['${{ github.token }}', false, [{ kind: 'ci-token' }]],
    ['secrets.DEPLOY != ""', true, [{ kind: 'secret', name: 'DEPLOY' }]],
    // Not secrets: outside an expression, a property of something else, a string literal.
    ['echo secrets.TOKEN', false, []],
    ['secrets.DEPLOY != ""', false, []],
    ['${{ github.event.secrets.X }}', false, []],
    ["${{ contains(github.event.comment.body, 'secrets') }}", false, []],
    ['${{ env.secrets_dir }}', false, []],
    ['${{ github.tokens }}', false, []],
  ])('%s (condition: %s)', (text, isCondition, expected) => {
    expect(secretsInText(text, isCondition)).toEqual(expected);
  });
});

describe('substituteInputs', () => {
  it.each([
    ['curl ${{ inputs.url }} | bash', { url: 'https://x' }, 'curl https://x | bash'],
    ["${{inputs['my-input']}}", { 'my-input': 'v' }, 'v'],
    ['${{ inputs.missing }}', { url: 'u' }, '${{ inputs.missing }}'],
    ['${{ inputs.url || "d" }}', { url: 'u' }, '${{ inputs.url || "d" }}'],
    ['${{ inputs.toString }}', {}, '${{ inputs.toString }}'],
    ['no expressions', { a: 'b' }, 'no expressions'],
  ])('%s', (text, values, expected) => {
    expect(substituteInputs(text, values)).toBe(expected);
  });
});
