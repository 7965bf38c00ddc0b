#!/usr/bin/env bash
# From a fresh clone on Debian: installs what is missing, builds, and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/build.sh -DVAPI_CACHE_TESTS=ON
ctest --test-dir build --output-on-failure --timeout 300
