/**
 * A tolerant parser for the Groovy subset Jenkinsfiles and shared-library files are written in, over
 * the tokens of lexer.ts: statements (calls with or without parentheses, trailing closures, assignments,
 * `if`/`else`, `try`/`catch`/`finally`, loops, `switch`, method and class definitions, annotations,
 * imports) and expressions (literals, names, property chains, calls, lists, maps, closures, operators)
 * — enough to find every call and every string a pipeline runs, with positions. It does not evaluate.
 *
 * What it cannot read is a located error (`jenkins-syntax` at file:line) and the parser resumes at the
 * next statement, so one odd construct never hides the rest of the file. Nesting is bounded
 * (MAX_NESTING). Pure; never throws.
 */
import { tokenize, type LexError, type Loc, type Token } from './lexer';

export type { Loc };

export type Expr =
  | { kind: 'string'; value: string; interpolated: boolean; multiline: boolean; loc: Loc }
  | { kind: 'literal'; text: string; loc: Loc }
  /** A name or a property chain (`env.BRANCH_NAME`, `scm`), as written without spaces. */
  | { kind: 'name'; path: string; loc: Loc }
  | { kind: 'call'; call: Call }
  | { kind: 'list'; items: Expr[]; loc: Loc }
  | { kind: 'map'; entries: MapEntry[]; loc: Loc }
  | { kind: 'closure'; closure: Closure }
  /** Anything else (operators, ternaries, indexing, casts): its sub-expressions, kept to be searched. */
  | { kind: 'compound'; parts: Expr[]; loc: Loc };

export interface MapEntry {
  key: string;
  value: Expr;
  loc: Loc;
}

export interface Arg {
  /** `name: value` arguments carry their name. */
  name?: string;
  value: Expr;
}

export interface Closure {
  params: string[];
  body: Stmt[];
  loc: Loc;
  /** Where the closing brace is. */
  end: Loc;
}

export interface Call {
  /** The method name (`sh`, `stage`, `inside`). */
  name: string;
  /** What it is called on (`docker.image('x')` for `docker.image('x').inside {…}`), if anything. */
  receiver?: Expr;
  args: Arg[];
  /** A closure written after the arguments (`stage('x') { … }`, `steps { … }`). */
  closure?: Closure;
  loc: Loc;
}

export type Stmt =
  | { kind: 'expr'; expr: Expr; loc: Loc }
  | { kind: 'assign'; target: string; value: Expr; loc: Loc }
  | { kind: 'if'; cond: Expr; then: Stmt[]; else?: Stmt[]; loc: Loc }
  | { kind: 'try'; body: Stmt[]; handlers: Stmt[][]; loc: Loc }
  | { kind: 'loop'; head: Expr[]; body: Stmt[]; loc: Loc }
  | { kind: 'method'; name: string; params: string[]; body: Stmt[]; loc: Loc }
  | { kind: 'class'; name: string; body: Stmt[]; loc: Loc }
  | { kind: 'annotation'; name: string; args: Arg[]; loc: Loc }
  | { kind: 'return'; value?: Expr; loc: Loc };

export interface ParseError extends Loc {
  code: string;
  message: string;
}

export interface GroovyFile {
  body: Stmt[];
  errors: ParseError[];
}

/** Deepest nesting of blocks and expressions read; deeper input is a located error. */
export const MAX_NESTING = 200;
/** Most errors recorded for one file (the rest would say nothing new). */
const MAX_ERRORS = 50;

const KEYWORDS = new Set([
  'if', 'else', 'try', 'catch', 'finally', 'for', 'while', 'do', 'switch', 'case', 'default', 'return', 'throw', 'break', 'continue', 'def', 'new',
  'class', 'interface', 'enum', 'trait', 'import', 'package', 'in', 'instanceof', 'as', 'assert', 'synchronized',
]);
const MODIFIERS = new Set(['def', 'void', 'static', 'public', 'private', 'protected', 'final', 'abstract', 'synchronized', 'transient', 'volatile']);
const LITERALS = new Set(['true', 'false', 'null', 'this', 'super']);

const BINARY = new Set([
  '+', '-', '*', '/', '%', '**', '==', '!=', '===', '!==', '<', '>', '<=', '>=', '<=>', '&&', '||', '&', '|', '^', '<<', '>>', '>>>', '=~', '==~', '?:',
  '..', '..<', 'in', 'instanceof', 'as', '=', '+=', '-=', '*=', '/=', '%=', '<<=', '>>=', '>>>=', '&=', '|=', '^=', '**=',
]);

class Bail extends Error {}

class Parser {
  private i = 0;
  private depth = 0;
  readonly errors: ParseError[] = [];

  constructor(private readonly t: Token[]) {}

  private peek(k = 0): Token {
    return this.t[Math.min(this.i + k, this.t.length - 1)] as Token;
  }

  private next(): Token {
    const tok = this.peek();
    if (this.i < this.t.length - 1) this.i++;
    return tok;
  }

  private is(text: string, k = 0): boolean {
    const tok = this.peek(k);
    return (tok.kind === 'punct' || tok.kind === 'ident') && tok.text === text;
  }

  private isPunct(text: string, k = 0): boolean {
    const tok = this.peek(k);
    return tok.kind === 'punct' && tok.text === text;
  }

  private skipNl(): void {
    while (this.peek().kind === 'nl') this.next();
  }

  /** The index of the next token that is not a newline, from `k` ahead. */
  private aheadNoNl(k = 0): Token {
    let j = k;
    while (this.peek(j).kind === 'nl') j++;
    return this.peek(j);
  }

  private error(at: Loc, message: string, code = 'jenkins-syntax'): void {
    if (this.errors.length >= MAX_ERRORS) return;
    if (this.errors.some((e) => e.line === at.line && e.code === code)) return;
    this.errors.push({ line: at.line, col: at.col, code, message });
  }

  private expect(text: string): Token {
    const tok = this.peek();
    if ((tok.kind === 'punct' || tok.kind === 'ident') && tok.text === text) return this.next();
    this.error(tok, `expected \`${text}\` but found ${describe(tok)}`);
    throw new Bail();
  }

  private enter(at: Loc): void {
    if (++this.depth > MAX_NESTING) {
      this.error(at, `nested more than ${MAX_NESTING} levels deep; not read further`, 'jenkins-too-deep');
      throw new Bail();
    }
  }

  private leave(): void {
    this.depth--;
  }

  /** Skips to the end of the current statement (a newline or `;` at this level, or before the `}` closing the block). */
  private recover(): void {
    let level = 0;
    while (this.peek().kind !== 'eof') {
      const tok = this.peek();
      if (tok.kind === 'punct') {
        if (tok.text === '{' || tok.text === '(' || tok.text === '[') level++;
        else if (tok.text === '}' || tok.text === ')' || tok.text === ']') {
          if (level === 0) return;
          level--;
        } else if (tok.text === ';' && level === 0) {
          this.next();
          return;
        }
      } else if (tok.kind === 'nl' && level === 0) {
        this.next();
        return;
      }
      this.next();
    }
  }

  // ───────────── statements ─────────────

  file(): Stmt[] {
    const body = this.block(undefined);
    if (this.peek().kind !== 'eof') this.error(this.peek(), `unexpected ${describe(this.peek())}`);
    return body;
  }

  /** Statements until the `}` that closes the block (not consumed) or the end of the file. */
  private block(open: Loc | undefined): Stmt[] {
    const out: Stmt[] = [];
    for (;;) {
      while (this.peek().kind === 'nl' || this.isPunct(';')) this.next();
      const tok = this.peek();
      if (tok.kind === 'eof') {
        if (open) this.error(open, 'this `{` is not closed');
        return out;
      }
      if (tok.kind === 'punct' && tok.text === '}') {
        if (!open) {
          this.error(tok, 'unexpected `}`');
          this.next();
          continue;
        }
        return out;
      }
      const before = this.i;
      const depth = this.depth;
      try {
        const s = this.statement();
        if (s) out.push(...s);
        const end = this.peek();
        // An annotation shares its line with what it annotates (`@Library('x') _`).
        if (s?.[s.length - 1]?.kind === 'annotation') continue;
        // `agent { … } steps { … }` on one line: a block that ends a statement may be followed by the next.
        if (end.kind === 'ident' && this.t[this.i - 1]?.kind === 'punct' && this.t[this.i - 1]?.text === '}') continue;
        if (end.kind !== 'nl' && end.kind !== 'eof' && !(end.kind === 'punct' && (end.text === ';' || end.text === '}'))) {
          this.error(end, `unexpected ${describe(end)} after a statement`);
          this.recover();
        }
      } catch (err) {
        if (!(err instanceof Bail)) throw err;
        this.depth = depth;
        this.recover();
      }
      if (this.i === before) this.next();
    }
  }

  /** `{ statements }` */
  private braceBlock(): Stmt[] {
    const open = this.expect('{');
    this.enter(open);
    const body = this.block(open);
    // At the end of the file, block() has said that this `{` is not closed.
    if (this.peek().kind === 'eof') throw new Bail();
    this.expect('}');
    this.leave();
    return body;
  }

  /** A block after `if (…)`, `else`, `for (…)`: braces or a single statement. */
  private bodyOf(): Stmt[] {
    this.skipNl();
    if (this.isPunct('{')) return this.braceBlock();
    const at = this.peek();
    this.enter(at);
    const body = this.statement() ?? [];
    this.leave();
    return body;
  }

  private parenExprs(): Expr[] {
    const open = this.expect('(');
    this.enter(open);
    const out: Expr[] = [];
    for (;;) {
      this.skipNl();
      if (this.isPunct(')')) break;
      if (this.isPunct(';') || this.isPunct(',') || this.isPunct(':')) {
        this.next();
        continue;
      }
      out.push(this.expression());
      this.skipNl();
      if (this.peek().kind === 'eof') break;
    }
    this.expect(')');
    this.leave();
    return out;
  }

  private statement(): Stmt[] | undefined {
    const tok = this.peek();
    const loc: Loc = { line: tok.line, col: tok.col };
    if (tok.kind === 'punct' && tok.text === '@') return this.annotation();
    if (tok.kind === 'ident') {
      switch (tok.text) {
        case 'import':
        case 'package':
          while (this.peek().kind !== 'nl' && this.peek().kind !== 'eof' && !this.isPunct(';')) this.next();
          return undefined;
        case 'if': {
          // `if … else if … else …` read as a loop, so that a long chain does not nest the parser.
          const branches: Array<{ cond: Expr; then: Stmt[]; loc: Loc }> = [];
          let otherwise: Stmt[] | undefined;
          let at = loc;
          for (;;) {
            this.next();
            const [cond] = this.parenExprs();
            branches.push({ cond: cond ?? { kind: 'literal', text: '', loc: at }, then: this.bodyOf(), loc: at });
            const after = this.aheadNoNl();
            if (!(after.kind === 'ident' && after.text === 'else')) break;
            this.skipNl();
            this.next();
            this.skipNl();
            const elseIf = this.peek();
            if (elseIf.kind === 'ident' && elseIf.text === 'if') {
              at = { line: elseIf.line, col: elseIf.col };
              continue;
            }
            otherwise = this.bodyOf();
            break;
          }
          let chain: Stmt[] | undefined = otherwise;
          for (let b = branches.length - 1; b >= 0; b--) {
            const branch = branches[b] as (typeof branches)[number];
            chain = [{ kind: 'if', cond: branch.cond, then: branch.then, ...(chain ? { else: chain } : {}), loc: branch.loc }];
          }
          return chain;
        }
        case 'try': {
          this.next();
          const body = this.bodyOf();
          const handlers: Stmt[][] = [];
          for (;;) {
            const after = this.aheadNoNl();
            if (after.kind === 'ident' && after.text === 'catch') {
              this.skipNl();
              this.next();
              this.parenExprs();
              handlers.push(this.bodyOf());
            } else if (after.kind === 'ident' && after.text === 'finally') {
              this.skipNl();
              this.next();
              handlers.push(this.bodyOf());
            } else break;
          }
          return [{ kind: 'try', body, handlers, loc }];
        }
        case 'for':
        case 'while': {
          this.next();
          const head = this.parenExprs();
          return [{ kind: 'loop', head, body: this.bodyOf(), loc }];
        }
        case 'do': {
          this.next();
          const body = this.bodyOf();
          this.skipNl();
          if (this.is('while')) {
            this.next();
            return [{ kind: 'loop', head: this.parenExprs(), body, loc }];
          }
          return [{ kind: 'loop', head: [], body, loc }];
        }
        case 'switch': {
          this.next();
          const head = this.parenExprs();
          this.skipNl();
          return [{ kind: 'loop', head, body: this.switchBody(), loc }];
        }
        case 'return':
        case 'throw':
        case 'assert': {
          this.next();
          const end = this.peek();
          if (end.kind === 'nl' || end.kind === 'eof' || (end.kind === 'punct' && (end.text === '}' || end.text === ';'))) return [{ kind: 'return', loc }];
          return [{ kind: 'return', value: this.expression(), loc }];
        }
        case 'break':
        case 'continue':
          this.next();
          if (this.peek().kind === 'ident') this.next();
          return undefined;
        case 'class':
        case 'interface':
        case 'enum':
        case 'trait': {
          this.next();
          const name = this.peek().kind === 'ident' ? this.next().text : '';
          while (!this.isPunct('{') && this.peek().kind !== 'eof') this.next();
          return [{ kind: 'class', name, body: this.braceBlock(), loc }];
        }
        default:
          break;
      }
      const method = this.tryMethod(loc);
      if (method) return [method];
      const decl = this.tryDeclaration(loc);
      if (decl) return decl;
    }
    const expr = this.expression(true);
    if (expr.kind === 'compound' && expr.parts.length === 2 && ASSIGN_MARK.has(expr)) {
      const target = expr.parts[0] as Expr;
      if (target.kind === 'name') return [{ kind: 'assign', target: target.path, value: expr.parts[1] as Expr, loc }];
    }
    return [{ kind: 'expr', expr, loc }];
  }

  private switchBody(): Stmt[] {
    const open = this.expect('{');
    this.enter(open);
    const out: Stmt[] = [];
    for (;;) {
      while (this.peek().kind === 'nl' || this.isPunct(';')) this.next();
      if (this.isPunct('}') || this.peek().kind === 'eof') break;
      if (this.is('case')) {
        this.next();
        this.expression();
        this.skipNl();
        if (this.isPunct(':')) this.next();
        continue;
      }
      if (this.is('default')) {
        this.next();
        this.skipNl();
        if (this.isPunct(':')) this.next();
        continue;
      }
      const before = this.i;
      const depth = this.depth;
      try {
        const s = this.statement();
        if (s) out.push(...s);
      } catch (err) {
        if (!(err instanceof Bail)) throw err;
        this.depth = depth;
        this.recover();
      }
      if (this.i === before) this.next();
    }
    this.expect('}');
    this.leave();
    return out;
  }

  /** `@Name` or `@Name(args)`; the annotated declaration follows as its own statement. */
  private annotation(): Stmt[] {
    const at = this.next();
    let name = '';
    if (this.peek().kind === 'ident') {
      name = this.next().text;
      while (this.isPunct('.') && this.peek(1).kind === 'ident') {
        this.next();
        name += `.${this.next().text}`;
      }
    }
    const args = this.isPunct('(') ? this.callArgs() : [];
    return [{ kind: 'annotation', name, args, loc: { line: at.line, col: at.col } }];
  }

  /** `[modifiers|type]… name(params) {` — a method definition. */
  private tryMethod(loc: Loc): Stmt | undefined {
    let k = 0;
    let words = 0;
    let sawModifier = false;
    for (;;) {
      const tok = this.peek(k);
      if (tok.kind !== 'ident' || (KEYWORDS.has(tok.text) && !MODIFIERS.has(tok.text))) break;
      if (MODIFIERS.has(tok.text)) sawModifier = true;
      words++;
      k++;
      // Generic type arguments: `List<String> name(…)`.
      if (this.isPunct('<', k)) {
        let level = 0;
        while (this.peek(k).kind !== 'eof') {
          if (this.isPunct('<', k)) level++;
          else if (this.isPunct('>', k)) level--;
          else if (this.isPunct('>>', k)) level -= 2;
          else if (this.peek(k).kind !== 'ident' && !this.isPunct(',', k) && !this.isPunct('.', k) && !this.isPunct('?', k)) break;
          k++;
          if (level <= 0) break;
        }
      }
      while (this.isPunct('.', k) && this.peek(k + 1).kind === 'ident') k += 2;
      if (this.isPunct('[', k) && this.isPunct(']', k + 1)) k += 2;
    }
    if (words < 1 || !this.isPunct('(', k)) return undefined;
    if (words === 1 && !sawModifier) return undefined;
    const nameTok = this.peek(k - 1);
    if (nameTok.kind !== 'ident' || MODIFIERS.has(nameTok.text)) return undefined;
    // Find the `)` matching this `(` and check that a `{` follows: otherwise it is a typed call.
    let j = k;
    let level = 0;
    for (;;) {
      const tok = this.peek(j);
      if (tok.kind === 'eof') return undefined;
      if (tok.kind === 'punct' && tok.text === '(') level++;
      else if (tok.kind === 'punct' && tok.text === ')') {
        level--;
        if (level === 0) break;
      }
      j++;
    }
    let after = j + 1;
    while (this.peek(after).kind === 'nl') after++;
    if (this.is('throws', after)) {
      after++;
      while (this.peek(after).kind === 'ident' || this.isPunct(',', after) || this.isPunct('.', after)) after++;
    }
    if (!this.isPunct('{', after)) return undefined;
    const params: string[] = [];
    for (let p = k + 1; p < j; p++) {
      const tok = this.peek(p);
      const nextTok = this.peek(p + 1);
      if (tok.kind === 'ident' && nextTok.kind === 'punct' && (nextTok.text === ',' || nextTok.text === ')' || nextTok.text === '=')) params.push(tok.text);
    }
    this.i += after;
    const body = this.braceBlock();
    return { kind: 'method', name: nameTok.text, params, body, loc };
  }

  /** `def x = …`, `String x = …`, `def (a, b) = …`, `final x = …`: a declaration (with or without a value). */
  private tryDeclaration(loc: Loc): Stmt[] | undefined {
    let k = 0;
    let words = 0;
    let sawModifier = false;
    while (this.peek(k).kind === 'ident' && (MODIFIERS.has(this.peek(k).text) || !KEYWORDS.has(this.peek(k).text))) {
      if (MODIFIERS.has(this.peek(k).text)) sawModifier = true;
      words++;
      k++;
      while (this.isPunct('.', k) && this.peek(k + 1).kind === 'ident') k += 2;
      if (this.isPunct('<', k)) {
        let level = 0;
        while (this.peek(k).kind !== 'eof' && this.peek(k).kind !== 'nl') {
          if (this.isPunct('<', k)) level++;
          else if (this.isPunct('>', k)) level--;
          else if (this.isPunct('>>', k)) level -= 2;
          k++;
          if (level <= 0) break;
        }
      }
      if (this.isPunct('[', k) && this.isPunct(']', k + 1)) k += 2;
    }
    if (sawModifier && this.isPunct('(', k)) {
      // `def (a, b) = …`
      this.i += k;
      this.parenExprs();
      if (this.isPunct('=')) {
        this.next();
        this.skipNl();
        return [{ kind: 'expr', expr: this.expression(), loc }];
      }
      return undefined;
    }
    if (words < 2 && !(sawModifier && words >= 1)) return undefined;
    const nameTok = this.peek(k - 1);
    if (nameTok.kind !== 'ident' || MODIFIERS.has(nameTok.text)) return undefined;
    const after = this.peek(k);
    const ends = after.kind === 'nl' || after.kind === 'eof' || (after.kind === 'punct' && (after.text === ';' || after.text === '}'));
    if (!(after.kind === 'punct' && after.text === '=') && !(ends && sawModifier)) return undefined;
    this.i += k;
    if (ends) return [];
    this.next();
    this.skipNl();
    return [{ kind: 'assign', target: nameTok.text, value: this.expression(true), loc }];
  }

  // ───────────── expressions ─────────────

  /**
   * An expression. At the start of a statement (`command`), a name followed by an argument on the same
   * line is a call without parentheses: `sh 'make'`, `stash name: 'x', includes: '…'`, `agent any`.
   */
  expression(command = false): Expr {
    const start = this.peek();
    this.enter(start);
    try {
      if (command) {
        const cmd = this.tryCommand();
        if (cmd) return cmd;
      }
      return this.binary();
    } finally {
      this.leave();
    }
  }

  private tryCommand(): Expr | undefined {
    const first = this.peek();
    if (first.kind !== 'ident' || KEYWORDS.has(first.text) || LITERALS.has(first.text)) return undefined;
    // A dotted name `a.b.c` followed by an argument: `docker.image 'x'` is rare; take plain and dotted.
    let k = 1;
    while (this.isPunct('.', k) && this.peek(k + 1).kind === 'ident') k += 2;
    const arg = this.peek(k);
    if (!startsCommandArg(arg, this.peek(k + 1))) return undefined;
    const names: string[] = [];
    for (let j = 0; j < k; j += 2) names.push(this.peek(j).text);
    this.i += k;
    const args = this.commandArgs();
    const loc: Loc = { line: first.line, col: first.col };
    const name = names[names.length - 1] as string;
    const receiver: Expr | undefined = names.length > 1 ? { kind: 'name', path: names.slice(0, -1).join('.'), loc } : undefined;
    const call: Call = { name, args, loc, ...(receiver ? { receiver } : {}) };
    if (this.isPunct('{')) call.closure = this.closure();
    let expr: Expr = { kind: 'call', call };
    expr = this.postfix(expr);
    return expr;
  }

  /** Arguments of a call without parentheses, up to the end of the line (a trailing `,` continues it). */
  private commandArgs(): Arg[] {
    const args: Arg[] = [];
    for (;;) {
      args.push(this.argument());
      if (!this.isPunct(',')) break;
      this.next();
      this.skipNl();
    }
    return args;
  }

  private argument(): Arg {
    const tok = this.peek();
    if ((tok.kind === 'ident' || tok.kind === 'string' || tok.kind === 'number') && this.isPunct(':', 1) && !this.isPunct(':', 2)) {
      this.next();
      this.next();
      this.skipNl();
      return { name: tok.text, value: this.expression() };
    }
    return { value: this.expression() };
  }

  /** `( args )` */
  private callArgs(): Arg[] {
    const open = this.expect('(');
    this.enter(open);
    const args: Arg[] = [];
    this.skipNl();
    while (!this.isPunct(')')) {
      if (this.peek().kind === 'eof') {
        this.error(open, 'this `(` is not closed');
        throw new Bail();
      }
      args.push(this.argument());
      this.skipNl();
      if (this.isPunct(',')) {
        this.next();
        this.skipNl();
      } else if (!this.isPunct(')')) {
        this.error(this.peek(), `expected \`,\` or \`)\` but found ${describe(this.peek())}`);
        throw new Bail();
      }
    }
    this.next();
    this.leave();
    return args;
  }

  private binary(): Expr {
    let left = this.unary();
    for (;;) {
      const tok = this.peek();
      const op = tok.kind === 'punct' || (tok.kind === 'ident' && (tok.text === 'in' || tok.text === 'instanceof' || tok.text === 'as')) ? tok.text : undefined;
      if (op === '?') {
        // Ternary `a ? b : c`.
        this.next();
        this.skipNl();
        const yes = this.expression();
        this.skipNl();
        this.expect(':');
        this.skipNl();
        const no = this.expression();
        left = { kind: 'compound', parts: [left, yes, no], loc: locOf(left) };
        continue;
      }
      if (op === undefined || !BINARY.has(op)) return left;
      this.next();
      this.skipNl();
      if (ASSIGNMENTS.has(op)) {
        // Lowest precedence and right-associative; the value may be a call without parentheses.
        const value = this.expression(true);
        const node: Expr = { kind: 'compound', parts: [left, value], loc: locOf(left) };
        if (op === '=') ASSIGN_MARK.add(node);
        return node;
      }
      const right = this.unary();
      left = { kind: 'compound', parts: [left, right], loc: locOf(left) };
    }
  }

  private unary(): Expr {
    const tok = this.peek();
    if (tok.kind === 'punct' && ['!', '-', '+', '~', '++', '--', '*', '**'].includes(tok.text)) {
      this.next();
      this.enter(tok);
      const inner = this.unary();
      this.leave();
      return { kind: 'compound', parts: [inner], loc: { line: tok.line, col: tok.col } };
    }
    if (tok.kind === 'ident' && tok.text === 'new') {
      this.next();
      let name = '';
      while (this.peek().kind === 'ident' || this.isPunct('.')) name += this.next().text;
      if (this.isPunct('<')) {
        let level = 0;
        while (this.peek().kind !== 'eof') {
          const t = this.next();
          if (t.text === '<') level++;
          else if (t.text === '>') level--;
          else if (t.text === '>>') level -= 2;
          if (level <= 0) break;
        }
      }
      const loc = { line: tok.line, col: tok.col };
      if (this.isPunct('[')) {
        // `new String[n]`
        this.next();
        this.expression();
        this.expect(']');
        return { kind: 'literal', text: `new ${name}[]`, loc };
      }
      const args = this.isPunct('(') ? this.callArgs() : [];
      const call: Call = { name: `new ${name}`, args, loc };
      if (this.isPunct('{')) call.closure = this.closure();
      return this.postfix({ kind: 'call', call });
    }
    return this.postfix(this.primary());
  }

  private primary(): Expr {
    const tok = this.peek();
    const loc: Loc = { line: tok.line, col: tok.col };
    switch (tok.kind) {
      case 'string':
        this.next();
        return { kind: 'string', value: tok.text, interpolated: tok.interpolated === true, multiline: tok.multiline === true, loc };
      case 'number':
        this.next();
        return { kind: 'literal', text: tok.text, loc };
      case 'ident': {
        if (LITERALS.has(tok.text)) {
          this.next();
          return { kind: 'literal', text: tok.text, loc };
        }
        if (KEYWORDS.has(tok.text) && tok.text !== 'def') {
          this.error(tok, `unexpected \`${tok.text}\``);
          throw new Bail();
        }
        this.next();
        return { kind: 'name', path: tok.text, loc };
      }
      case 'punct':
        if (tok.text === '(') {
          const parts = this.parenExprs();
          // A cast `(String) x` reads as a parenthesised name followed by an operand: keep both.
          if (parts.length === 1 && parts[0]?.kind === 'name' && (this.peek().kind === 'ident' || this.peek().kind === 'string')) {
            return { kind: 'compound', parts: [this.unary()], loc };
          }
          return parts.length === 1 ? (parts[0] as Expr) : { kind: 'compound', parts, loc };
        }
        if (tok.text === '[') return this.listOrMap();
        if (tok.text === '{') return { kind: 'closure', closure: this.closure() };
        break;
      case 'nl':
      case 'eof':
        break;
    }
    this.error(tok, `unexpected ${describe(tok)}`);
    throw new Bail();
  }

  private postfix(start: Expr): Expr {
    let expr = start;
    for (;;) {
      const tok = this.peek();
      // A chained call on the next line: `docker.image('x')\n  .inside { … }`.
      if (tok.kind === 'nl') {
        const after = this.aheadNoNl();
        if (after.kind === 'punct' && (after.text === '.' || after.text === '?.' || after.text === '*.')) {
          this.skipNl();
          continue;
        }
        return expr;
      }
      if (tok.kind !== 'punct') return expr;
      if (tok.text === '.' || tok.text === '?.' || tok.text === '*.' || tok.text === '.&' || tok.text === '.@') {
        this.next();
        this.skipNl();
        const nameTok = this.peek();
        let name: string;
        if (nameTok.kind === 'ident' || nameTok.kind === 'string') name = this.next().text;
        else {
          this.error(nameTok, `expected a name after \`${tok.text}\` but found ${describe(nameTok)}`);
          throw new Bail();
        }
        const loc = { line: nameTok.line, col: nameTok.col };
        if (this.isPunct('(')) {
          const call: Call = { name, receiver: expr, args: this.callArgs(), loc };
          if (this.isPunct('{')) call.closure = this.closure();
          expr = { kind: 'call', call };
        } else if (this.isPunct('{') && tok.text !== '.&') {
          expr = { kind: 'call', call: { name, receiver: expr, args: [], closure: this.closure(), loc } };
        } else if (expr.kind === 'name' && tok.text === '.') {
          expr = { kind: 'name', path: `${expr.path}.${name}`, loc: expr.loc };
        } else {
          expr = { kind: 'compound', parts: [expr], loc: locOf(expr) };
        }
        continue;
      }
      if (tok.text === '(') {
        const args = this.callArgs();
        if (expr.kind === 'name') {
          const dot = expr.path.lastIndexOf('.');
          const call: Call =
            dot < 0
              ? { name: expr.path, args, loc: expr.loc }
              : { name: expr.path.slice(dot + 1), receiver: { kind: 'name', path: expr.path.slice(0, dot), loc: expr.loc }, args, loc: expr.loc };
          if (this.isPunct('{')) call.closure = this.closure();
          expr = { kind: 'call', call };
        } else {
          const call: Call = { name: 'call', receiver: expr, args, loc: locOf(expr) };
          if (this.isPunct('{')) call.closure = this.closure();
          expr = { kind: 'call', call };
        }
        continue;
      }
      if (tok.text === '{' && expr.kind === 'name') {
        const dot = expr.path.lastIndexOf('.');
        const closure = this.closure();
        expr = {
          kind: 'call',
          call:
            dot < 0
              ? { name: expr.path, args: [], closure, loc: expr.loc }
              : { name: expr.path.slice(dot + 1), receiver: { kind: 'name', path: expr.path.slice(0, dot), loc: expr.loc }, args: [], closure, loc: expr.loc },
        };
        continue;
      }
      if (tok.text === '[') {
        this.next();
        this.skipNl();
        const index = this.isPunct(']') ? [] : [this.expression()];
        this.skipNl();
        this.expect(']');
        expr = { kind: 'compound', parts: [expr, ...index], loc: locOf(expr) };
        continue;
      }
      if (tok.text === '++' || tok.text === '--') {
        this.next();
        continue;
      }
      return expr;
    }
  }

  private listOrMap(): Expr {
    const open = this.expect('[');
    this.enter(open);
    const loc = { line: open.line, col: open.col };
    this.skipNl();
    if (this.isPunct(':') && this.isPunct(']', 1)) {
      this.next();
      this.next();
      this.leave();
      return { kind: 'map', entries: [], loc };
    }
    const items: Expr[] = [];
    const entries: MapEntry[] = [];
    while (!this.isPunct(']')) {
      if (this.peek().kind === 'eof') {
        this.error(open, 'this `[` is not closed');
        throw new Bail();
      }
      const tok = this.peek();
      if ((tok.kind === 'ident' || tok.kind === 'string' || tok.kind === 'number') && this.isPunct(':', 1)) {
        this.next();
        this.next();
        this.skipNl();
        entries.push({ key: tok.text, value: this.expression(), loc: { line: tok.line, col: tok.col } });
      } else if (tok.kind === 'punct' && tok.text === '(' && entries.length > 0) {
        // `[(key): value]`
        const key = this.parenExprs();
        this.expect(':');
        entries.push({ key: key[0]?.kind === 'string' ? key[0].value : '', value: this.expression(), loc: { line: tok.line, col: tok.col } });
      } else {
        items.push(this.expression());
      }
      this.skipNl();
      if (this.isPunct(',')) {
        this.next();
        this.skipNl();
      } else if (!this.isPunct(']')) {
        this.error(this.peek(), `expected \`,\` or \`]\` but found ${describe(this.peek())}`);
        throw new Bail();
      }
    }
    this.next();
    this.leave();
    if (entries.length > 0) {
      for (const item of items) entries.push({ key: '', value: item, loc: locOf(item) });
      return { kind: 'map', entries, loc };
    }
    return { kind: 'list', items, loc };
  }

  private closure(): Closure {
    const open = this.expect('{');
    this.enter(open);
    const params: string[] = [];
    // `{ a, b -> … }` / `{ String a -> … }`: parameters before an arrow on the first line.
    let k = 0;
    while (this.peek(k).kind === 'nl') k++;
    let j = k;
    while (this.peek(j).kind === 'ident' || this.isPunct(',', j) || this.isPunct('.', j)) j++;
    if (this.isPunct('->', j)) {
      for (let p = k; p < j; p++) {
        const tok = this.peek(p);
        if (tok.kind === 'ident' && (this.isPunct(',', p + 1) || this.isPunct('->', p + 1))) params.push(tok.text);
      }
      this.i += j + 1;
    }
    const body = this.block(open);
    if (this.peek().kind === 'eof') throw new Bail();
    const close = this.expect('}');
    this.leave();
    return { params, body, loc: { line: open.line, col: open.col }, end: { line: close.line, col: close.col } };
  }
}

const ASSIGNMENTS = new Set(['=', '+=', '-=', '*=', '/=', '%=', '<<=', '>>=', '>>>=', '&=', '|=', '^=', '**=']);

/** Binary nodes built from `=` (assignments), told apart from other compounds without a new node kind. */
const ASSIGN_MARK = new WeakSet<Expr>();

/** Can `tok` start the first argument of a call without parentheses (`sh 'x'`, `agent any`, `label "x"`)? */
function startsCommandArg(tok: Token, after: Token): boolean {
  if (tok.kind === 'string' || tok.kind === 'number') return true;
  if (tok.kind === 'ident') {
    if (['in', 'instanceof', 'as'].includes(tok.text)) return false;
    // `agent any`, `checkout scm`, `label env.X`, `stash name: 'x'`, `sh script: 'x'`
    return !(after.kind === 'punct' && after.text === '=') || false;
  }
  // Not `[`: Groovy reads `name [a]` as indexing, as in `branches['x'] = { … }`.
  return false;
}

function locOf(e: Expr): Loc {
  switch (e.kind) {
    case 'call':
      return e.call.loc;
    case 'closure':
      return e.closure.loc;
    default:
      return e.loc;
  }
}

function describe(tok: Token): string {
  switch (tok.kind) {
    case 'eof':
      return 'the end of the file';
    case 'nl':
      return 'the end of the line';
    case 'string':
      return 'a string';
    default:
      return `\`${tok.text}\``;
  }
}

/** Parses Groovy source text. Never throws: problems are located errors. */
export function parseGroovy(src: string): GroovyFile {
  const lexed = tokenize(src);
  const parser = new Parser(lexed.tokens);
  let body: Stmt[] = [];
  try {
    body = parser.file();
  } catch (err) {
    if (!(err instanceof Bail)) throw err;
  }
  const errors: ParseError[] = [...lexed.errors.map((e: LexError) => ({ ...e })), ...parser.errors];
  errors.sort((a, b) => a.line - b.line || a.col - b.col);
  return { body, errors };
}
