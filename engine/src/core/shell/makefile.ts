/**
 * Enough of a Makefile to tell what `make <target>` runs: explicit rules (targets, prerequisites, recipe
 * lines with their line numbers, `;` inline recipes, `::` rules), variable assignments (`=`, `:=`, `::=`,
 * `?=`, `+=`, `export`/`override`, `define … endef`), `include` directives and `.DEFAULT_GOAL`. Conditionals
 * are not evaluated: the rules and assignments of every branch count (a later assignment wins).
 *
 * A recipe line is followed when it is a plain shell line once make has expanded it: variables the
 * Makefile or the call defines are substituted, `$$` is `$`, `$(MAKE)` is `make`, `$@`/`$<`/`$^` are the
 * rule's; a variable it does not define is left to the shell (`${NAME}`: make passes the environment).
 * A line that a make function builds (`$(foreach …)`, `$(call …)`, `$(eval …)`, or one in command
 * position) is not plain: `expandRecipeLine` says so, and the resolver reports it unresolved. Pure.
 */

export interface MakeRule {
  /** Where the rule is written (a Makefile or one it includes): the header of its recipe, else its first mention. */
  file: string;
  line: number;
  prerequisites: string[];
  /**
   * Recipe lines (continuations joined, backslash-newlines kept for the shell), with where each starts.
   * A target given recipes in several places (`::` rules) keeps them all.
   */
  recipe: Array<{ text: string; line: number; file: string }>;
}

export interface MakeInclude {
  /** The file names, as written (variables not yet expanded). */
  names: string[];
  /** `-include` / `sinclude`: a missing file is not an error. */
  optional: boolean;
  file: string;
  line: number;
}

export interface ParsedMakefile {
  /** Explicit rules by target (pattern rules `%` are left out). */
  rules: Map<string, MakeRule>;
  /** Variable values as written (recursive `=` values are expanded when used). */
  vars: Map<string, string>;
  includes: MakeInclude[];
  /** The first target that is not special (`.PHONY`) or a pattern, unless `.DEFAULT_GOAL` says otherwise. */
  defaultTarget?: string;
}

const MAX_LINES = 50_000;
const MAX_EXPANSION_DEPTH = 16;
const MAX_VALUE = 10_000;
const DIRECTIVES = /^(?:ifeq|ifneq|ifdef|ifndef|else|endif|vpath|unexport|undefine|\.RECIPEPREFIX)\b/;
/** Functions whose result is make's own text (rules, commands): a line built with them is not plain shell. */
const CODE_FUNCTIONS = new Set(['foreach', 'call', 'eval', 'value', 'if', 'or', 'and', 'file', 'guile', 'let']);

/** Drops a `#` comment (not one escaped as `\#`) from a non-recipe line. */
function stripComment(line: string): string {
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') {
      i++;
      continue;
    }
    if (line[i] === '#') return line.slice(0, i);
  }
  return line;
}

/** An empty Makefile model, to merge parsed files into. */
export function emptyMakefile(): ParsedMakefile {
  return { rules: new Map(), vars: new Map(), includes: [] };
}

/** Parses `text` (the file `file`) into `into` (rules of earlier files are kept; later assignments win). */
export function parseMakefile(text: string, file: string, into: ParsedMakefile = emptyMakefile()): ParsedMakefile {
  const lines = text.split('\n', MAX_LINES).map((l) => l.replace(/\r$/, ''));
  /** The rules whose recipe the following tab-indented lines are, with where their header is. */
  let current: Array<{ rule: MakeRule; line: number }> = [];
  let define: { name: string; lines: string[] } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i] ?? '';
    if (define) {
      if (/^\s*endef\b/.test(line)) {
        into.vars.set(define.name, define.lines.join('\n').slice(0, MAX_VALUE));
        define = undefined;
      } else {
        define.lines.push(line);
      }
      continue;
    }
    if (line.startsWith('\t') && current.length > 0) {
      // A recipe line (and its continuation lines, passed to the shell with their backslash-newlines).
      let body = line.slice(1);
      while (/\\$/.test(body) && i + 1 < lines.length) {
        i++;
        body += `\n${(lines[i] ?? '').replace(/^\t/, '')}`;
      }
      for (const { rule, line: header } of current) {
        if (rule.recipe.length === 0) {
          rule.file = file;
          rule.line = header;
        }
        rule.recipe.push({ text: body, line: start + 1, file });
      }
      continue;
    }
    while (/\\$/.test(line) && i + 1 < lines.length) {
      i++;
      line = `${line.slice(0, -1)} ${(lines[i] ?? '').trim()}`;
    }
    const code = stripComment(line).trim();
    // Blank lines, comments and conditionals do not end a recipe.
    if (code === '' || DIRECTIVES.test(code)) continue;
    const def = /^(?:(?:export|override)\s+)*define\s+([^\s:+?=]+)/.exec(code);
    if (def?.[1] !== undefined) {
      define = { name: def[1], lines: [] };
      current = [];
      continue;
    }
    current = [];
    const inc = /^(-include|sinclude|include)\s+(.+)$/.exec(code);
    if (inc?.[1] !== undefined && inc[2] !== undefined) {
      into.includes.push({ names: inc[2].split(/\s+/).filter((n) => n !== ''), optional: inc[1] !== 'include', file, line: start + 1 });
      continue;
    }
    const assign = /^(?:(?:export|override|private)\s+)*([^\s:#=+?!]+)\s*(::?=|:::=|\?=|\+=|!=|=)\s*(.*)$/.exec(code);
    if (assign?.[1] !== undefined) {
      const [, name, op, value = ''] = assign;
      if (op === '?=' && into.vars.has(name)) continue;
      if (op === '+=') into.vars.set(name, `${into.vars.get(name) ?? ''} ${value}`.trim().slice(0, MAX_VALUE));
      else if (op === '!=') into.vars.set(name, '$(shell …)');
      else into.vars.set(name, value.slice(0, MAX_VALUE));
      if (name === '.DEFAULT_GOAL') into.defaultTarget = value.trim();
      continue;
    }
    const rule = /^([^:=]+?)\s*(::?)(?!=)\s*(.*)$/.exec(code);
    if (rule?.[1] === undefined) continue;
    let rest = rule[3] ?? '';
    // `target: VAR = value` sets a variable for that target only: no recipe, nothing to follow.
    if (/^[^\s=:;]+\s*(?::|\+|\?)?=/.test(rest)) continue;
    let inline: string | undefined;
    const semi = rest.indexOf(';');
    if (semi >= 0) {
      inline = rest.slice(semi + 1).trim();
      rest = rest.slice(0, semi);
    }
    const prerequisites = rest.split(/\s+/).filter((p) => p !== '' && p !== '|');
    for (const target of rule[1].split(/\s+/).filter((t) => t !== '')) {
      if (target.includes('%')) continue;
      let r = into.rules.get(target);
      if (!r) {
        r = { file, line: start + 1, prerequisites: [], recipe: [] };
        into.rules.set(target, r);
        if (into.defaultTarget === undefined && !target.startsWith('.')) into.defaultTarget = target;
      }
      for (const p of prerequisites) if (!r.prerequisites.includes(p)) r.prerequisites.push(p);
      if (inline !== undefined && inline !== '') {
        if (r.recipe.length === 0) {
          r.file = file;
          r.line = start + 1;
        }
        r.recipe.push({ text: inline, line: start + 1, file });
      }
      current.push({ rule: r, line: start + 1 });
    }
  }
  return into;
}

/** What a recipe line becomes once make expands it. */
export type ExpandedLine = { text: string } | { notPlain: string };

export interface RecipeScope {
  target: string;
  prerequisites: readonly string[];
  /** The Makefile's variables, overridden by the call's `VAR=value` arguments. */
  vars: ReadonlyMap<string, string>;
  /** The directory make runs in, as the analyser anchors it (`$(CURDIR)`). */
  curdir?: string;
}

/** The reference starting at `s[i]` (just after `$`): `(name…)`/`{name…}` with nesting, or one character. */
function reference(s: string, i: number): { body: string; end: number } {
  const open = s[i];
  if (open !== '(' && open !== '{') return { body: s[i] ?? '', end: i + 1 };
  const close = open === '(' ? ')' : '}';
  let depth = 0;
  for (let k = i; k < s.length; k++) {
    if (s[k] === open) depth++;
    else if (s[k] === close && --depth === 0) return { body: s.slice(i + 1, k), end: k + 1 };
  }
  return { body: s.slice(i + 1), end: s.length };
}

/** Expands make references in `s`; `notPlain` is set when a function that makes code is met. */
function expand(s: string, scope: RecipeScope, depth: number, state: { notPlain?: string; commandPosition: boolean }): string {
  if (depth > MAX_EXPANSION_DEPTH) {
    state.notPlain ??= 'variables nest too deep';
    return '';
  }
  let out = '';
  for (let i = 0; i < s.length && out.length <= MAX_VALUE; ) {
    const c = s[i];
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    if (s[i + 1] === '$') {
      out += '$';
      i += 2;
      continue;
    }
    const { body, end } = reference(s, i + 1);
    const atStart = state.commandPosition && out.trim() === '';
    i = end;
    const fn = /^([a-z-]+)\s+([\s\S]*)$/.exec(body);
    if (fn?.[1] !== undefined) {
      if (CODE_FUNCTIONS.has(fn[1]) || atStart) {
        state.notPlain ??= `\`$(${fn[1]} …)\` builds it`;
        return out;
      }
      // A function in an argument (`$(shell git rev-parse HEAD)`, `$(wildcard …)`): a value not known when reading.
      out += '${MAKE_FUNCTION_VALUE}';
      continue;
    }
    const name = body.replace(/^\s+|\s+$/g, '');
    if (/[:=]/.test(name)) {
      // A substitution reference `$(VAR:.c=.o)`: a value derived from a variable.
      out += '${MAKE_FUNCTION_VALUE}';
      continue;
    }
    if (name === '@') out += scope.target;
    else if (name === '<') out += scope.prerequisites[0] ?? '';
    else if (name === '^' || name === '+') out += scope.prerequisites.join(' ');
    else if (name === 'MAKE') out += 'make';
    else if (name === 'CURDIR' && scope.curdir !== undefined) out += scope.curdir;
    else {
      const value = scope.vars.get(name);
      if (value === undefined) out += `\${${name}}`;
      else out += expand(value, scope, depth + 1, { ...state, commandPosition: atStart });
    }
  }
  return out;
}

/** Expands one recipe line (after its `@`, `-`, `+` prefixes) as make hands it to the shell. */
export function expandRecipeLine(line: string, scope: RecipeScope): ExpandedLine {
  const body = line.replace(/^[\s@+-]+/, '');
  const state: { notPlain?: string; commandPosition: boolean } = { commandPosition: true };
  const text = expand(body, scope, 0, state);
  return state.notPlain === undefined ? { text } : { notPlain: state.notPlain };
}

/** Expands an `include` name with the Makefile's variables; undefined when it still depends on something unknown. */
export function expandName(name: string, vars: ReadonlyMap<string, string>): string | undefined {
  const state: { notPlain?: string; commandPosition: boolean } = { commandPosition: false };
  const text = expand(name, { target: '', prerequisites: [], vars }, 0, state);
  return state.notPlain !== undefined || text.includes('$') ? undefined : text;
}
