# CI Exposure — the exposure engine and `ci-exposure` CLI (engine/), the Mattermost plugin (webapp/), the
# TypeScript bridge (server/) and the contract they share (contract/).
# Every target installs what it needs first, so each works on a fresh clone.

PLUGIN_ID      := $(shell node -p "require('./plugin.json').id")
PLUGIN_VERSION := $(shell node -p "require('./plugin.json').version")
BUNDLE_NAME    := $(PLUGIN_ID)-$(PLUGIN_VERSION).tar.gz
NPM            ?= npm
STAMP          := node_modules/.install-stamp

# `make scan` arguments: REPOS (paths), INDICATOR (catalog id or file), COMPONENT (spec), CACHE, FORMAT.
REPOS     ?=
INDICATOR ?=
COMPONENT ?=
CACHE     ?=
FORMAT    ?= table
CONFIG    ?= ci-exposure.yaml

.PHONY: all install check-style test dist deploy serve scan bench clean build-engine build-contract build-server build-webapp

all: check-style test dist

## install: npm ci when node_modules is missing or older than the lock file.
install: $(STAMP)

# Set-up and build output goes to stderr, so that `make scan FORMAT=json > report.json` is the report only.
$(STAMP): package-lock.json package.json engine/package.json contract/package.json server/package.json webapp/package.json
	@echo "npm ci (first run, or the lock file changed)" >&2
	@$(NPM) ci --no-audit --no-fund >&2
	@touch $(STAMP)

# Build order: engine → contract → server → webapp (each needs the declarations of the ones before).
build-engine: $(STAMP)
	@$(NPM) run --silent build --workspace engine >&2

build-contract: build-engine
	@$(NPM) run --silent build --workspace contract >&2

build-server: build-engine build-contract
	@$(NPM) run --silent build --workspace server >&2

build-webapp: $(STAMP)
	@$(NPM) run --silent build --workspace webapp >&2

## check-style: eslint and the TypeScript compiler over every workspace (the contract and the server
## are checked against the engine's and the contract's built declarations, so those are built first).
check-style: $(STAMP) build-engine build-contract
	$(NPM) run typecheck --workspaces
	npx eslint --max-warnings 0 .

## test: every jest test of every workspace (builds what the tests inspect first: the CLI, the bundle).
test: $(STAMP) build-server build-webapp
	@# --forceExit: a handle a test leaves open (a socket of a simulator, a worker) must not keep the run
	@# alive after the last test; jest still prints which suites did not exit cleanly.
	npx jest --ci --forceExit

## dist: the plugin bundle Mattermost's upload expects: dist/<id>-<version>.tar.gz with <id>/…
dist: build-webapp
	rm -rf dist/$(PLUGIN_ID)
	mkdir -p dist/$(PLUGIN_ID)/webapp/dist dist/$(PLUGIN_ID)/assets
	cp plugin.json dist/$(PLUGIN_ID)/
	cp webapp/dist/main.js dist/$(PLUGIN_ID)/webapp/dist/
	cp -R assets/. dist/$(PLUGIN_ID)/assets/
	cd dist && tar -czf $(BUNDLE_NAME) $(PLUGIN_ID)
	@echo "plugin bundle: dist/$(BUNDLE_NAME)"

## deploy: upload and enable the bundle (MM_SERVICESETTINGS_SITEURL, MM_ADMIN_TOKEN).
deploy: dist
	node scripts/deploy.js dist/$(BUNDLE_NAME)

## serve: run the bridge with $(CONFIG).
serve: build-server
	node engine/bin/ci-exposure.js serve --config $(CONFIG)

## scan: the exposure lookup (see README).
# Exit 1 ("something is affected") and 3 ("incomplete") still printed the report, so make does not call
# them a failure; the command's own exit code is in the README.
scan: build-engine
	@node engine/bin/ci-exposure.js scan $(or $(REPOS),examples/org) \
	  $(if $(INDICATOR),--indicator $(INDICATOR)) $(if $(COMPONENT),--component $(COMPONENT)) \
	  $(if $(REPOS),$(if $(CACHE),--cache $(CACHE)),--cache $(or $(CACHE),examples/cache)) --format $(FORMAT) \
	  || { rc=$$?; test $$rc -eq 1 -o $$rc -eq 3; }

## bench: benchmarks (they measure; they do not pass or fail on a number, except lost updates ≠ 0).
# The two-bridge run needs PostgreSQL: scripts/test-postgres.sh starts Debian's cluster (as root) and sets
# CIX_TEST_PG_URL, or says why it could not (that run then says it was not run).
bench: build-server
	node scripts/bench-scan.js
	node scripts/bench-sources.js
	bash -c 'source scripts/test-postgres.sh; node scripts/bench-bridge.js'

clean:
	rm -rf dist engine/dist contract/dist server/dist webapp/dist
