/**
 * Owners told (`owners.directMessages`): the lookup port, wrapped so that its evidence carries who the
 * affected repositories' CODEOWNERS owners are in Mattermost (`owners.map`: handle → usernames, looked up
 * once per answer). incidents/owners.ts decides the messages from it; with the setting off the lookup is
 * returned as it is.
 */
import type { Config } from '../config';
import type { LookupPort, LookupResult, OwnerContacts } from '../incidents/lookup';
import type { ChatUser } from '../incidents/ports';

export type OwnerSettings = Config['owners'];

/** `owners.map` with lower-cased handles (GitHub and GitLab handles and e-mail addresses ignore case). */
function normalisedMap(map: OwnerSettings['map']): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [handle, users] of Object.entries(map)) out.set(handle.trim().toLowerCase(), (Array.isArray(users) ? users : [users]).map((u) => u.trim().replace(/^@/, '')));
  return out;
}

/** Who each handle is in Mattermost; `findUser` undefined: no such user. */
export async function ownerContacts(handles: readonly string[], map: OwnerSettings['map'], findUser: (username: string) => Promise<ChatUser | undefined>): Promise<OwnerContacts> {
  const byHandle = normalisedMap(map);
  const found = new Map<string, ChatUser | undefined>();
  const contacts: OwnerContacts = { users: [], unmapped: [] };
  for (const handle of [...new Set(handles)]) {
    const usernames = byHandle.get(handle.toLowerCase());
    if (usernames === undefined) {
      contacts.unmapped.push({ handle, why: 'add it to owners.map' });
      continue;
    }
    const missing: string[] = [];
    for (const username of usernames) {
      if (!found.has(username)) found.set(username, await findUser(username));
      const user = found.get(username);
      if (user) contacts.users.push({ handle, userId: user.id, username: user.username });
      else missing.push(username);
    }
    if (missing.length === usernames.length) contacts.unmapped.push({ handle, why: `owners.map names ${missing.map((u) => `@${u}`).join(', ')}, not a Mattermost user` });
  }
  return contacts;
}

/** The handles of an answer's affected repositories. */
function handlesOf(result: LookupResult): string[] {
  return (result.evidence?.repos ?? []).filter((r) => r.affected).flatMap((r) => r.owners ?? []);
}

/** The lookup whose evidence says who the owners are (setting on), else `lookup` itself. */
export function withOwnerContacts(
  lookup: LookupPort,
  settings: OwnerSettings,
  findUser: (username: string) => Promise<ChatUser | undefined>,
  onError: (err: unknown) => void,
): LookupPort {
  if (!settings.directMessages) return lookup;
  return {
    describe: (arg) => lookup.describe(arg),
    catalog: () => lookup.catalog(),
    run: async (target, options) => {
      const result = await lookup.run(target, options);
      if (!result.evidence) return result;
      // Every handle of the answer, also those of repositories fixed since (their sub-items keep their owners).
      try {
        const contacts = await ownerContacts(handlesOf(result), settings.map, findUser);
        return { ...result, evidence: { ...result.evidence, contacts } };
      } catch (err) {
        // Mattermost could not say who they are: nobody is told this time (never a wrong "no user for …").
        onError(err);
        return result;
      }
    },
  };
}
