#!/bin/sh
# Unit tests only. (The uploader used to run here: # curl -s https://codecov.io/bash | bash)
set -eu
go test ./...
