#!/bin/sh
set -eu
. "$(dirname "$0")/lib/upload.sh"
upload coverage.txt
