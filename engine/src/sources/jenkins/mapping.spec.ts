/** The library mapping: the CLI's `NAME=GIT_URL[#DEFAULT_VERSION]`, the file (ours and Jenkins' own form), and what is refused. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../../../test/helpers/tmp';
import { implicitLibraries, mergeMappings, parseLibrariesFile, parseLibraryOption, readLibrariesFile } from './mapping';

describe('--jenkins-library NAME=GIT_URL[#DEFAULT_VERSION]', () => {
  it.each([
    ['ci-lib=https://git.example.com/acme/ci-lib.git', { name: 'ci-lib', url: 'https://git.example.com/acme/ci-lib.git' }],
    ['ci-lib=https://git.example.com/acme/ci-lib#main', { name: 'ci-lib', url: 'https://git.example.com/acme/ci-lib', defaultVersion: 'main' }],
    ['ci_lib.2=git@github.com:acme/ci-lib.git#v1.2', { name: 'ci_lib.2', url: 'git@github.com:acme/ci-lib.git', defaultVersion: 'v1.2' }],
    ['x=file:///srv/git/x.git', { name: 'x', url: 'file:///srv/git/x.git' }],
  ])('%s', (text, library) => {
    expect(parseLibraryOption(text)).toEqual({ ok: true, library });
  });

  it.each([
    ['ci-lib', '--jenkins-library "ci-lib": expected NAME=GIT_URL[#DEFAULT_VERSION]'],
    ['=https://h/x.git', '--jenkins-library "=https://h/x.git": expected NAME=GIT_URL[#DEFAULT_VERSION]'],
    ['ci-lib=https://h/x.git#', '--jenkins-library "ci-lib=https://h/x.git#": expected NAME=GIT_URL[#DEFAULT_VERSION] (nothing after #)'],
    ['ci lib=https://h/x.git', '--jenkins-library: "ci lib" is not a library name (letters, digits, _ . -)'],
    ['ci-lib=not a url', '--jenkins-library: library ci-lib: not a git URL: not a url (https://…, ssh://…, git://…, file:///…, user@host:path.git)'],
    ['ci-lib=https://h/x.git#--upload-pack=evil', '--jenkins-library: library ci-lib: "--upload-pack=evil" is not a branch, tag or commit'],
    ['ci-lib=https://bob:s3cret@h/x.git#../x', '--jenkins-library: library ci-lib: "../x" is not a branch, tag or commit'],
  ])('%s is refused', (text, error) => {
    expect(parseLibraryOption(text)).toEqual({ ok: false, error });
  });

  it('never shows a URL’s credentials', () => {
    const r = parseLibraryOption('https://bob:s3cret@h/x.git');
    expect(r).toEqual({ ok: false, error: '--jenkins-library "https://***@h/x.git": expected NAME=GIT_URL[#DEFAULT_VERSION]' });
  });
});

describe('--jenkins-libraries FILE', () => {
  it('our form, in YAML', () => {
    const text = 'libraries:\n  - name: ci-lib\n    url: https://git.example.com/acme/ci-lib.git\n    defaultVersion: main\n  - name: deploy\n    url: ssh://git@git.example.com/acme/deploy.git\n    implicit: true\n';
    expect(parseLibrariesFile(text, 'libs.yaml')).toEqual({
      ok: true,
      libraries: [
        { name: 'ci-lib', url: 'https://git.example.com/acme/ci-lib.git', defaultVersion: 'main' },
        { name: 'deploy', url: 'ssh://git@git.example.com/acme/deploy.git', implicit: true },
      ],
    });
  });

  it('our form, in JSON', () => {
    expect(parseLibrariesFile('{"libraries":[{"name":"ci-lib","url":"https://h/acme/ci-lib.git","implicit":false}]}', 'libs.json')).toEqual({ ok: true, libraries: [{ name: 'ci-lib', url: 'https://h/acme/ci-lib.git' }] });
  });

  it("Jenkins' configuration-as-code form, pasted as it is", () => {
    const text = `unclassified:
  globalLibraries:
    libraries:
      - name: "ci-lib"
        defaultVersion: "main"
        implicit: false
        allowVersionOverride: true
        retriever:
          modernSCM:
            scm:
              git:
                remote: "https://github.com/acme/ci-lib.git"
                credentialsId: "github-ci"
`;
    expect(parseLibrariesFile(text, 'jenkins.yaml')).toEqual({ ok: true, libraries: [{ name: 'ci-lib', url: 'https://github.com/acme/ci-lib.git', defaultVersion: 'main' }] });
  });

  it.each([
    ['libraries: [', 'libs.yaml:1:13: not JSON or YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ['name: ci-lib\n', "libs.yaml: expected { libraries: [{ name, url, defaultVersion?, implicit? }] } (or Jenkins' unclassified.globalLibraries.libraries)"],
    ['libraries:\n  - name: ci-lib\n', 'libs.yaml: libraries[0]: library ci-lib has no url (nor retriever.modernSCM.scm.git.remote)'],
    ['libraries:\n  - url: https://h/x.git\n', 'libs.yaml: libraries[0].name: required'],
    ['libraries:\n  - {name: a, url: "https://h/a.git"}\n  - {name: a, url: "https://h/b.git"}\n', 'libs.yaml: libraries[1]: library a is mapped twice'],
    ['libraries:\n  - {name: a, url: "ftp://h/a"}\n', 'libs.yaml: libraries[0]: library a: not a git URL: ftp://h/a (https://…, ssh://…, git://…, file:///…, user@host:path.git)'],
  ])('%j is refused', (text, error) => {
    expect(parseLibrariesFile(text, 'libs.yaml')).toEqual({ ok: false, error });
  });

  it('reads the file; a missing file is an error that names it', () => {
    const tmp = makeTempDir();
    try {
      const file = join(tmp.dir, 'libs.yaml');
      writeFileSync(file, 'libraries:\n  - {name: a, url: "https://h/a.git", defaultVersion: v1}\n');
      expect(readLibrariesFile(file)).toEqual({ ok: true, libraries: [{ name: 'a', url: 'https://h/a.git', defaultVersion: 'v1' }] });
      expect(readLibrariesFile(join(tmp.dir, 'none.yaml'))).toEqual({ ok: false, error: `${join(tmp.dir, 'none.yaml')}: cannot be read (ENOENT)` });
    } finally {
      tmp.cleanup();
    }
  });

  it('an option overrides the file’s library of the same name', () => {
    expect(mergeMappings([{ name: 'a', url: 'https://h/a.git' }, { name: 'b', url: 'https://h/b.git' }], [{ name: 'a', url: 'https://h/a2.git', defaultVersion: 'v2' }])).toEqual([
      { name: 'a', url: 'https://h/a2.git', defaultVersion: 'v2' },
      { name: 'b', url: 'https://h/b.git' },
    ]);
  });
});

describe('implicitLibraries: the libraries every pipeline loads, for the core', () => {
  it('only `implicit: true` entries, at their default version (none: read from <name>@HEAD)', () => {
    expect(
      implicitLibraries([
        { name: 'a', url: 'https://h/a.git', defaultVersion: 'main', implicit: true },
        { name: 'b', url: 'https://h/b.git', defaultVersion: 'v1' },
        { name: 'c', url: 'https://h/c.git', implicit: true },
      ]),
    ).toEqual([
      { name: 'a', ref: 'main', raw: 'a@main' },
      { name: 'c', raw: 'c' },
    ]);
  });
});
