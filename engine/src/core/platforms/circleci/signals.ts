/**
 * What names and shell text say about a job: credential-looking variable names it reads, and whether
 * it deploys, releases or publishes something.
 */

import { isCredentialName } from '../../credential-names';

export { isCredentialName };

const VAR_REF = /\$\{?([A-Za-z_][A-Za-z0-9_]*)/g;
/** Credential-looking variable names referenced (`$X`, `${X}`) in shell text, in order of appearance. */
export function credentialNames(text: string): string[] {
  const out: string[] = [];
  // Each name is judged once: scripts read the same variables again and again.
  const judged = new Set<string>();
  for (const m of text.matchAll(VAR_REF)) {
    const name = m[1];
    if (name === undefined || judged.has(name)) continue;
    judged.add(name);
    if (isCredentialName(name)) out.push(name);
  }
  return out;
}

/** Splits camelCase and lowers, so that name checks see word boundaries. */
function words(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

const DEPLOY_NAME = /(?:^|[^a-z])(?:deploy|release|publish|promote)|(?:^|[^a-z])push(?:$|[^a-z])/;

/** A job, workflow entry or orb element whose name says it deploys, releases, publishes or pushes. */
export function isDeployName(name: string): boolean {
  return DEPLOY_NAME.test(words(name));
}

/** `npm publish`, `yarn workspace x publish`: it backtracks over every word after the tool, so it is tried only on text with `publish` in it. */
const PUBLISH_COMMAND = /\b(?:npm|yarn|pnpm|poetry|cargo)\s+(?:\S+\s+)*?publish\b/;

const DEPLOY_COMMANDS: readonly RegExp[] = [
  /\bdocker\s+(?:image\s+)?push\b/,
  /\btwine\s+upload\b/,
  /\bgh\s+release\b/,
  /\bgoreleaser\b/,
  /\bgem\s+push\b/,
  /\bmvn\b[^\n]*\bdeploy\b/,
  /\bgradlew?\b[^\n]*\bpublish/,
  /\bkubectl\s+(?:apply|set\s+image|rollout)\b/,
  /\bhelm\s+(?:upgrade|install)\b/,
  /\bterraform\s+apply\b/,
  /\b(?:serverless|sls|firebase|vercel|netlify)\s+deploy\b/,
  /\bgit\s+push\b/,
  /\baws\s+s3\s+(?:cp|sync)\b/,
  /\bgsutil\b[^\n]*\b(?:cp|rsync)\b/,
  /\b(?:make|npm\s+run|yarn)\s+[\w:.-]*(?:deploy|release|publish)/,
];

/** DEPLOY_COMMANDS as one pattern, so that the text is read once rather than once per command (some matches iff one does). */
const ANY_DEPLOY_COMMAND = new RegExp(DEPLOY_COMMANDS.map((re) => `(?:${re.source})`).join('|'));

/** Shell text that deploys, releases or publishes. */
export function isDeployCommand(text: string): boolean {
  return (text.includes('publish') && PUBLISH_COMMAND.test(text)) || ANY_DEPLOY_COMMAND.test(text);
}
