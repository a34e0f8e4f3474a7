import { parseGroovy, type Expr, type Stmt } from './groovy';
import { tokenize } from './lexer';

/** A compact text form of the parse tree: calls as `name@line(args) {body}`. */
function expr(e: Expr): string {
  switch (e.kind) {
    case 'string':
      return `${JSON.stringify(e.value)}${e.interpolated ? 'G' : ''}`;
    case 'literal':
      return e.text;
    case 'name':
      return e.path;
    case 'list':
      return `[${e.items.map(expr).join(', ')}]`;
    case 'map':
      return `[${e.entries.map((m) => `${m.key}: ${expr(m.value)}`).join(', ')}]`;
    case 'closure':
      return `{${e.closure.params.length > 0 ? `${e.closure.params.join(',')} -> ` : ''}${e.closure.body.map(stmt).join('; ')}}`;
    case 'compound':
      return `(${e.parts.map(expr).join(' ~ ')})`;
    case 'call': {
      const c = e.call;
      const args = c.args.map((a) => `${a.name !== undefined ? `${a.name}: ` : ''}${expr(a.value)}`).join(', ');
      const closure = c.closure ? ` ${expr({ kind: 'closure', closure: c.closure })}` : '';
      return `${c.receiver ? `${expr(c.receiver)}.` : ''}${c.name}@${c.loc.line}(${args})${closure}`;
    }
  }
}

function stmt(s: Stmt): string {
  switch (s.kind) {
    case 'expr':
      return expr(s.expr);
    case 'assign':
      return `${s.target} := ${expr(s.value)}`;
    case 'if':
      return `if ${expr(s.cond)} {${s.then.map(stmt).join('; ')}}${s.else ? ` else {${s.else.map(stmt).join('; ')}}` : ''}`;
    case 'try':
      return `try {${s.body.map(stmt).join('; ')}}${s.handlers.map((h) => ` {${h.map(stmt).join('; ')}}`).join('')}`;
    case 'loop':
      return `loop(${s.head.map(expr).join('; ')}) {${s.body.map(stmt).join('; ')}}`;
    case 'method':
      return `def ${s.name}(${s.params.join(', ')}) {${s.body.map(stmt).join('; ')}}`;
    case 'class':
      return `class ${s.name} {${s.body.map(stmt).join('; ')}}`;
    case 'annotation':
      return `@${s.name}(${s.args.map((a) => expr(a.value)).join(', ')})`;
    case 'return':
      return `return${s.value ? ` ${expr(s.value)}` : ''}`;
  }
}

const tree = (src: string): string => {
  const r = parseGroovy(src);
  return [...r.body.map(stmt), ...r.errors.map((e) => `error ${e.line}:${e.col} ${e.code}`)].join('\n');
};

describe('lexer', () => {
  it('strings: escapes, interpolation kept as written, triple quotes, line continuations kept for line numbers', () => {
    const { tokens, errors } = tokenize(`sh 'it\\'s'\nsh "a \${b.c} $d"\nsh '''x\n  y'''\nsh "one \\\ntwo"`);
    expect(errors).toEqual([]);
    expect(tokens.filter((t) => t.kind === 'string').map((t) => [t.line, t.text, t.interpolated === true, t.multiline === true])).toEqual([
      [1, "it's", false, false],
      [2, 'a ${b.c} $d', true, false],
      [3, 'x\n  y', false, true],
      [5, 'one \\\ntwo', false, false],
    ]);
    expect(tokens.find((t) => t.kind === 'eof')?.line).toBe(6);
  });

  it('slashy strings after operators, division after values', () => {
    const { tokens } = tokenize('x = a ==~ /^rel.*$/\ny = 10 / 2');
    expect(tokens.filter((t) => t.kind === 'string').map((t) => t.text)).toEqual(['^rel.*$']);
    expect(tokens.filter((t) => t.text === '/').length).toBe(1);
  });

  it('comments, shebang and unterminated input', () => {
    expect(tokenize('#!/usr/bin/env groovy\n// c\n/* a\nb */ x').tokens.filter((t) => t.kind === 'ident').map((t) => [t.text, t.line])).toEqual([['x', 4]]);
    expect(tokenize("sh 'never closed").errors).toEqual([expect.objectContaining({ line: 1, col: 4, code: 'jenkins-unterminated-string' })]);
    expect(tokenize('x /* never closed').errors).toEqual([expect.objectContaining({ line: 1, col: 3, code: 'jenkins-unterminated-comment' })]);
  });
});

describe('parseGroovy', () => {
  it.each([
    ['a call without parentheses', "sh 'make'", 'sh@1("make")'],
    ['named arguments', "stash name: 'x', includes: 'a/**'", 'stash@1(name: "x", includes: "a/**")'],
    ['a name argument', 'agent any', 'agent@1(any)'],
    ['a trailing closure', "stage('a') { sh 'b' }", 'stage@1("a") {sh@1("b")}'],
    ['a name with a closure', 'steps {\n  echo "x"\n}', 'steps@1() {echo@2("x")}'],
    ['an assignment of a call', "X = credentials('id')", 'X := credentials@1("id")'],
    ['a declaration with a command value', "def out = sh script: 'git log', returnStdout: true", 'out := sh@1(script: "git log", returnStdout: true)'],
    ['a typed declaration', "String url = 'https://x'", 'url := "https://x"'],
    ['a chained call on the next line', "docker.image('n:1')\n  .inside { sh 'x' }", 'docker.image@1("n:1").inside@2() {sh@2("x")}'],
    ['indexing is not a command', "branches['a'] = { sh 'x' }", '((branches ~ "a") ~ {sh@1("x")})'],
    ['maps and lists', "parallel 'a': { sh 'x' }, b: { sh 'y' }", 'parallel@1(a: {sh@1("x")}, b: {sh@1("y")})'],
    ['map literal', "step([$class: 'CopyArtifact', projectName: 'p'])", 'step@1([$class: "CopyArtifact", projectName: "p"])'],
    ['closure parameters', "[1, 2].each { n -> sh \"echo $n\" }", '[1, 2].each@1() {n -> sh@1("echo $n"G)}'],
    ['a method definition', "def call(Map args = [:]) {\n  sh 'x'\n}", 'def call(args) {sh@2("x")}'],
    ['a typed method', 'void upload(String f) { sh f }', 'def upload(f) {sh@1(f)}'],
    ['an annotation on the same line', "@Library('lib@v1') _", '@Library("lib@v1")\n_'],
    ['if / else if / else', "if (a) { sh 'x' } else if (b) { sh 'y' } else { sh 'z' }", 'if a {sh@1("x")} else {if b {sh@1("y")} else {sh@1("z")}}'],
    ['try / catch / finally', "try { sh 'x' } catch (e) { echo 'e' } finally { sh 'f' }", 'try {sh@1("x")} {echo@1("e")} {sh@1("f")}'],
    ['for loop', "for (int i = 0; i < 3; i++) { sh \"x $i\" }", 'loop(int; (i ~ 0); (i ~ 3); i) {sh@1("x $i"G)}'],
    ['switch', "switch (x) {\n  case 'a':\n    sh 'a'\n    break\n  default:\n    sh 'd'\n}", 'loop(x) {sh@3("a"); sh@6("d")}'],
    ['ternary and elvis', "def x = a ? 'b' : c ?: 'd'", 'x := (a ~ "b" ~ (c ~ "d"))'],
    ['new', "def b = new org.acme.Build(this)\nb.run()", 'b := new org.acme.Build@1(this)\nb.run@2()'],
    ['a class', "class A { def run() { sh 'x' } }", 'class A {def run() {sh@1("x")}}'],
    ['imports are skipped', 'import groovy.transform.Field\n@Field def x = 1', '@Field()\nx := 1'],
  ])('%s', (_name, src, expected) => {
    expect(tree(src)).toBe(expected);
  });

  it('locates what it cannot read and resumes at the next statement', () => {
    expect(tree("sh 'a'\nfoo(,\nsh 'b'")).toBe('sh@1("a")\nsh@3("b")\nerror 2:5 jenkins-syntax');
    expect(tree("stage('x') {\n  sh 'a'\n")).toBe('error 1:12 jenkins-syntax');
    expect(tree('}\nsh "ok"')).toBe('sh@2("ok")\nerror 1:1 jenkins-syntax');
  });

  it('bounds nesting: hostile depth is a located error, not a stack overflow', () => {
    const deep = `${'a('.repeat(100_000)}${')'.repeat(100_000)}`;
    const r = parseGroovy(deep);
    expect(r.errors).toContainEqual(expect.objectContaining({ code: 'jenkins-too-deep', line: 1 }));
    const closures = parseGroovy(`${'x { '.repeat(100_000)}${'} '.repeat(100_000)}`);
    expect(closures.errors).toContainEqual(expect.objectContaining({ code: 'jenkins-too-deep' }));
    const unary = parseGroovy(`x = ${'!'.repeat(100_000)}y`);
    expect(unary.errors).toContainEqual(expect.objectContaining({ code: 'jenkins-too-deep' }));
    const elseIf = parseGroovy(`${"if (a) { sh 'x' } else ".repeat(20_000)}{ sh 'y' }`);
    expect(elseIf.errors).toEqual([]);
  });

  it('never records more than a bounded number of errors', () => {
    expect(parseGroovy('foo(,\n'.repeat(10_000)).errors.length).toBeLessThanOrEqual(60);
  });
});
