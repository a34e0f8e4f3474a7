import { lines } from '../testing';
import { expandName, expandRecipeLine, parseMakefile } from './makefile';

const MAKEFILE = lines(
  '# Build and coverage.',
  'GO ?= go',
  'COVER_SCRIPT := ./scripts/cover.sh',
  'FLAGS = -race',
  'FLAGS += -count=1',
  'VERSION := $(shell git describe --tags)',
  '',
  '.PHONY: all test coverage dist',
  '',
  'all: test',
  '',
  'test:',
  '\t$(GO) test $(FLAGS) ./...',
  '',
  'coverage: test ## upload coverage',
  '\t@echo "coverage for $@"',
  '\t# a shell comment in the recipe',
  '\t$(COVER_SCRIPT) --codecov',
  '\t-bash <(curl -s https://codecov.io/bash) \\',
  '\t  -f coverage.txt',
  '',
  'dist: ; tar czf dist.tgz bin/',
  'release: dist',
  '\t$(foreach f,$(wildcard dist/*),upload $(f);)',
  'tag:',
  '\t$(shell echo git) tag v$(VERSION)',
  'target-var: FLAGS = -v',
  'include build/setup.mk',
  '-include $(wildcard *.mk)',
  'define HELP',
  'make coverage: not a rule',
  'endef',
);

describe('parseMakefile', () => {
  const mk = parseMakefile(MAKEFILE, 'Makefile');

  it('rules with prerequisites, their recipe lines and lines', () => {
    expect(mk.defaultTarget).toBe('all');
    expect(mk.rules.get('all')).toEqual({ file: 'Makefile', line: 10, prerequisites: ['test'], recipe: [] });
    expect(mk.rules.get('test')).toEqual({ file: 'Makefile', line: 12, prerequisites: [], recipe: [{ text: '$(GO) test $(FLAGS) ./...', line: 13, file: 'Makefile' }] });
    expect(mk.rules.get('coverage')).toMatchObject({
      line: 15,
      prerequisites: ['test'],
      recipe: [
        { text: '@echo "coverage for $@"', line: 16 },
        { text: '# a shell comment in the recipe', line: 17 },
        { text: '$(COVER_SCRIPT) --codecov', line: 18 },
        { text: '-bash <(curl -s https://codecov.io/bash) \\\n  -f coverage.txt', line: 19 },
      ],
    });
    expect(mk.rules.get('dist')?.recipe).toEqual([{ text: 'tar czf dist.tgz bin/', line: 22, file: 'Makefile' }]);
    expect(mk.rules.get('.PHONY')?.prerequisites).toEqual(['all', 'test', 'coverage', 'dist']);
  });

  it('variables (?=, :=, +=), target-specific ones and define blocks are not rules', () => {
    expect(mk.vars.get('GO')).toBe('go');
    expect(mk.vars.get('FLAGS')).toBe('-race -count=1');
    expect(mk.rules.has('target-var')).toBe(false);
    expect(mk.rules.has('make coverage')).toBe(false);
    expect(mk.vars.get('HELP')).toBe('make coverage: not a rule');
  });

  it('include directives, optional or not', () => {
    expect(mk.includes).toEqual([
      { names: ['build/setup.mk'], optional: false, file: 'Makefile', line: 28 },
      { names: ['$(wildcard', '*.mk)'], optional: true, file: 'Makefile', line: 29 },
    ]);
  });

  it('an included file adds rules where it is written; .DEFAULT_GOAL names the default', () => {
    const both = parseMakefile(lines('.DEFAULT_GOAL := ci', 'ci:', '\t./ci.sh'), 'build/setup.mk', parseMakefile(lines('a:', '\techo a'), 'Makefile'));
    expect(both.defaultTarget).toBe('ci');
    expect(both.rules.get('ci')).toMatchObject({ file: 'build/setup.mk', line: 2, recipe: [{ text: './ci.sh', file: 'build/setup.mk', line: 3 }] });
  });

  it('never throws on hostile text', () => {
    expect(() => parseMakefile(`${'a:\\\n'.repeat(20_000)}\n${'\t$(x'.repeat(1000)}\n`, 'Makefile')).not.toThrow();
    expect(() => parseMakefile('\t\t\n::::\n=\ndefine\n', 'Makefile')).not.toThrow();
  });
});

describe('expandRecipeLine', () => {
  const mk = parseMakefile(MAKEFILE, 'Makefile');
  const scope = { target: 'coverage', prerequisites: ['test'], vars: mk.vars, curdir: '\u0002' };

  it.each<[string, string, string]>([
    ['variables of the Makefile, recursively', '$(GO) test $(FLAGS) ./...', 'go test -race -count=1 ./...'],
    ['an automatic variable and the @ prefix', '@echo "coverage for $@"', 'echo "coverage for coverage"'],
    ['$$ is the shell dollar', 'for f in *.go; do echo $$f; done', 'for f in *.go; do echo $f; done'],
    ['an undefined variable is left to the shell', '$(COVER_SCRIPT) --codecov $(CODECOV_FLAGS)', './scripts/cover.sh --codecov ${CODECOV_FLAGS}'],
    ['$(MAKE) is make', '$(MAKE) -C sub all', 'make -C sub all'],
    ['a function in an argument is a value not known', 'go build -ldflags "-X main.v=$(shell git rev-parse HEAD)"', 'go build -ldflags "-X main.v=${MAKE_FUNCTION_VALUE}"'],
    ['$(CURDIR)', '$(CURDIR)/x.sh', '\u0002/x.sh'],
  ])('%s', (_name, line, expected) => {
    expect(expandRecipeLine(line, scope)).toEqual({ text: expected });
  });

  it.each<[string, string]>([
    ['foreach builds the commands', '$(foreach f,$(wildcard dist/*),upload $(f);)'],
    ['a function as the command', '$(shell echo git) tag v1'],
    ['call', '$(call deploy,prod)'],
  ])('not plain: %s', (_name, line) => {
    expect(expandRecipeLine(line, scope)).toMatchObject({ notPlain: expect.stringMatching(/builds it$/) });
  });

  it('a variable whose value is a function call is a value, not a line builder', () => {
    expect(expandRecipeLine('git tag v$(VERSION)', scope)).toEqual({ text: 'git tag v${MAKE_FUNCTION_VALUE}' });
  });

  it('expandName: an include name with the Makefile variables; undefined when not known', () => {
    const vars = new Map([['DIR', 'build']]);
    expect(expandName('$(DIR)/setup.mk', vars)).toBe('build/setup.mk');
    expect(expandName('$(OTHER)/setup.mk', vars)).toBeUndefined();
    expect(expandName('$(wildcard *.mk)', vars)).toBeUndefined();
  });
});
