#!/usr/bin/env bash
# Test coverage of the Go packages; with --codecov, uploads it with Codecov's bash uploader.
set -euo pipefail

go test -coverprofile=coverage.txt ./...
if [ "${1:-}" = "--codecov" ]; then
  bash <(curl -s https://codecov.io/bash) -t "${CODECOV_TOKEN:-}" -f coverage.txt
fi
