#!/usr/bin/env bash
# From a fresh clone on Debian: installs what is missing, builds Release, serves on port 8000
# with the embedded store, journaled to the clone's data/ (DATA_DIR). Arguments are passed to
# vapi-cache (see build/vapi-cache --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh -DVAPI_CACHE_TESTS=OFF
exec build/vapi-cache "$@"
