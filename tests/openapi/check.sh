#!/usr/bin/env bash
# Checks openapi.yaml with validators independent of the service (ctest: openapi_lint and
# openapi_responses):
#   check.sh <project dir>                    lints the document (lint.mjs)
#   check.sh <project dir> <test binary>...   also runs each service test binary with
#                                             VAPI_CACHE_RESPONSE_LOG set and validates every
#                                             response they recorded (validate.mjs)
# The validators (@seriousme/openapi-schema-validator, ajv, ajv-formats, yaml) are installed by
# `npm ci` from the committed package-lock.json into tests/openapi/node_modules (git-ignored).
# Exits 77 (ctest's skip) with the reason when node 18+ or npm is missing, or the npm registry
# cannot be reached to install them; never passes without having checked.
set -uo pipefail

skip() { echo "openapi check SKIPPED: $*" >&2; exit 77; }
fail() { echo "openapi check FAILED: $*" >&2; exit 1; }

[ $# -ge 1 ] || fail "usage: $0 <project dir> [<service test binary>...]"
root=$(cd "$1" && pwd) || fail "no project dir $1"
shift
here="$root/tests/openapi"
document="$root/openapi.yaml"

command -v node >/dev/null || skip "node is not installed (scripts/install-deps.sh --test installs it)"
command -v npm >/dev/null || skip "npm is not installed (scripts/install-deps.sh --test installs it)"
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || skip "node does not run"
[ "$major" -ge 18 ] || skip "node $(node --version) is older than 18"

# One install at a time (ctest may run both tests at once); reinstalled when the lock changes.
stamp="$here/node_modules/.vapi-cache-lock-sha256"
want=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
{
  flock 9
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    if ! (cd "$here" && npm ping >/dev/null 2>&1); then
      skip "the npm registry cannot be reached to install the validators (npm ping failed)"
    fi
    echo "installing the validators: npm ci in $here" >&2
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2) || fail "npm ci failed"
    echo "$want" > "$stamp"
  fi
} 9>"$here/.npm-ci.lock"

node "$here/lint.mjs" "$document" || fail "openapi.yaml does not lint"
[ $# -eq 0 ] && exit 0

log=$(mktemp /tmp/vapi-cache-responses-XXXXXX.jsonl) || fail "mktemp"
trap 'rm -f "$log"' EXIT
for binary in "$@"; do
  [ -x "$binary" ] || fail "no test binary $binary (build the tests first)"
  echo "recording the responses of $(basename "$binary")" >&2
  # Their own failures are theirs to report (ctest runs them too); a partial log still checks.
  if ! VAPI_CACHE_RESPONSE_LOG="$log" "$binary" --gtest_brief=1 >/dev/null 2>&1; then
    echo "warning: $(basename "$binary") failed; validating what it recorded" >&2
    failed_binaries+=("$(basename "$binary")")
  fi
done
node "$here/validate.mjs" "$document" "$log" || fail "responses do not match openapi.yaml"
if [ -n "${failed_binaries+x}" ]; then
  fail "these test binaries failed, so not every response was recorded: ${failed_binaries[*]}"
fi
