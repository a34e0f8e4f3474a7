/** Local folders as a RepoSource: one `worktree` version per repository, its read errors with it. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../../test/helpers/tmp';
import { localSource, WORKTREE } from './local-source';
import type { RepoVersion } from './source';

describe('localSource', () => {
  it('yields each checkout once, at its worktree, whatever the window, with its errors and progress', async () => {
    const tmp = makeTempDir('cix-local-');
    try {
      mkdirSync(join(tmp.dir, 'acme', 'app', '.github', 'workflows'), { recursive: true });
      writeFileSync(join(tmp.dir, 'acme', 'app', '.github', 'workflows', 'ci.yml'), 'on: push\n');
      writeFileSync(join(tmp.dir, 'acme', 'app', '.github', 'workflows', 'bad.yml'), Buffer.from([0xff, 0xfe, 0x00]));
      const progress: string[] = [];
      const got: RepoVersion[] = [];
      for await (const v of localSource([tmp.dir]).versions({ start: 0, end: 1 }, { listed: (n, t) => progress.push(`listed ${n}/${String(t)}`), read: (r) => progress.push(`read ${r}`) })) got.push(v);
      expect(got.map((v) => [v.repo, v.version, v.files.map((f) => f.path), v.errors?.map((e) => [e.file, e.code])])).toEqual([
        ['acme/app', { commit: WORKTREE, role: 'head' }, ['.github/workflows/ci.yml'], [['.github/workflows/bad.yml', 'binary']]],
      ]);
      expect(got[0]?.reader?.read('.github/workflows/ci.yml')).toEqual({ text: 'on: push\n' });
      expect(progress).toEqual(['listed 1/1', 'read acme/app']);
    } finally {
      tmp.cleanup();
    }
  });
});
