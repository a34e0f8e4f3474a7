/** Names that look like they hold a credential, shared by the platforms that have only a name to go by. */

const CREDENTIAL_WORDS = new Set(['TOKEN', 'SECRET', 'KEY', 'PASSWORD', 'PASSWD', 'PASS', 'CREDENTIAL', 'CREDENTIALS', 'AUTH', 'APIKEY', 'PAT', 'PRIVATE']);
/** Words run together (`GHTOKEN`, `APIKEY`, `DBPASSWORD`); a bare `KEY` suffix is too common (`MONKEY`). */
const CREDENTIAL_SUFFIX = /(TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?|(API|ACCESS|SECRET|PRIVATE|AUTH|SIGNING|DEPLOY)KEY)$/;

/** Does this environment variable name look like it holds a credential? (`NPM_TOKEN`, `AWS_SECRET_ACCESS_KEY`) */
export function isCredentialName(name: string): boolean {
  const upper = name.toUpperCase();
  if (upper.startsWith('CIRCLE_') && !CREDENTIAL_SUFFIX.test(upper)) return false;
  return upper.split('_').some((part) => CREDENTIAL_WORDS.has(part) || (part.length > 3 && CREDENTIAL_SUFFIX.test(part)));
}
