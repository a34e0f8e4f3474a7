#!/usr/bin/env bash
# Coverage for the Go packages; with --codecov, uploads it.
set -euo pipefail

go test -coverprofile=coverage.txt ./...
if [ "${1:-}" = "--codecov" ]; then
  bash <(curl -s https://codecov.io/bash) -f coverage.txt
fi
