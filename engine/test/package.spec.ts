/**
 * The engine is a package boundary, not a convention: it depends on yaml, zod and commander only (no
 * native build, no web server, no database), and nothing under engine/src imports from the bridge, the
 * contract or the webapp, by package name or by path.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ENGINE = join(__dirname, '..');
const REPO_ROOT = join(ENGINE, '..');
const ALLOWED = ['commander', 'yaml', 'zod'];

interface PackageJson {
  name?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
  gypfile?: boolean;
}

function readJson(file: string): PackageJson {
  return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === '__fixtures__' ? [] : sources(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** Every module specifier a file imports, exports from or requires. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [
    ...[...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1] ?? ''),
    ...[...text.matchAll(/^\s*import\s+'([^']+)'/gm)].map((m) => m[1] ?? ''),
    ...[...text.matchAll(/\b(?:require|import)\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? ''),
  ];
}

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`), or undefined for a path or a builtin. */
function packageOf(spec: string): string | undefined {
  if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) return undefined;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The installed package folder of `name`, as node resolves it from `from`. */
function installed(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

describe('the engine package', () => {
  const pkg = readJson(join(ENGINE, 'package.json'));

  it('depends on yaml, zod and commander, and nothing else', () => {
    expect(pkg.name).toBe('@ci-exposure/engine');
    expect(Object.keys(pkg.dependencies ?? {}).sort()).toEqual(ALLOWED);
    expect(pkg.optionalDependencies ?? {}).toEqual({});
    expect(pkg.peerDependencies ?? {}).toEqual({});
  });

  it('installs nothing native: no package of its dependency tree builds or runs an install script', () => {
    const seen = new Map<string, string>();
    const visit = (name: string, from: string): void => {
      const dir = installed(name, from);
      expect({ name, installed: dir !== undefined }).toEqual({ name, installed: true });
      if (dir === undefined || seen.has(dir)) return;
      const dep = readJson(join(dir, 'package.json'));
      seen.set(dir, name);
      const scripts = Object.keys(dep.scripts ?? {}).filter((s) => ['preinstall', 'install', 'postinstall'].includes(s));
      expect({ name, scripts, gypfile: dep.gypfile === true, bindingGyp: existsSync(join(dir, 'binding.gyp')) }).toEqual({ name, scripts: [], gypfile: false, bindingGyp: false });
      for (const child of Object.keys({ ...dep.dependencies, ...dep.optionalDependencies })) visit(child, dir);
    };
    for (const name of ALLOWED) visit(name, ENGINE);
    expect([...seen.values()].sort()).toEqual(expect.arrayContaining(ALLOWED));
  });

  it('imports nothing from the bridge, the contract or the webapp (by package name or by path)', () => {
    const offending = sources(join(ENGINE, 'src')).flatMap((file) =>
      specifiers(file)
        .filter((spec) => {
          const name = packageOf(spec);
          if (name !== undefined) return name.startsWith('@ci-exposure/') || name === '@cix' || spec.startsWith('@cix/');
          if (!spec.startsWith('.')) return false;
          return !resolve(dirname(file), spec).startsWith(ENGINE + sep);
        })
        .map((spec) => `${relative(REPO_ROOT, file)} → ${spec}`),
    );
    expect(offending).toEqual([]);
  });

  it('its code (tests aside) imports only its own dependencies and Node', () => {
    const code = sources(join(ENGINE, 'src')).filter((f) => !f.endsWith('.spec.ts'));
    const packages = new Set(code.flatMap((file) => specifiers(file).flatMap((spec) => packageOf(spec) ?? [])));
    expect([...packages].filter((p) => !ALLOWED.includes(p))).toEqual([]);
  });

  it('core/ (tests aside) imports no Node module: the functional core reads no file, network, clock or environment', () => {
    const offending = sources(join(ENGINE, 'src', 'core'))
      .filter((f) => !f.endsWith('.spec.ts'))
      .flatMap((file) => specifiers(file).filter((spec) => spec.startsWith('node:') || builtinModules.includes(spec)).map((spec) => `${relative(REPO_ROOT, file)} → ${spec}`));
    expect(offending).toEqual([]);
  });

  it('the vocabulary module imports nothing (the webapp bundle takes it alone)', () => {
    expect(specifiers(join(ENGINE, 'src', 'core', 'vocabulary.ts'))).toEqual([]);
  });
});
