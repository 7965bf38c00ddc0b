#!/usr/bin/env bash
# Fuzzes the pure webhook path (tests/fuzz/webhook_fuzz.cpp: parse_webhook -> call_status_of,
# to_call_result -> render_get_body) with libFuzzer under ASan and UBSan, built in build-fuzz/
# by clang-14. Installs what is missing first (scripts/install-deps.sh --fuzz).
#
#   scripts/fuzz.sh                        # 60 seconds
#   scripts/fuzz.sh -runs=1000000          # or -runs 1000000; -max_total_time=S likewise
#   scripts/fuzz.sh -max_len=1048576 ...   # any libFuzzer flag; given flags win over defaults
#
# Seeds: every *.json under tests/payloads/, copied at each run into a fresh build-fuzz/corpus/
# (tests/payloads/ is never written). Findings go to build-fuzz/artifacts/; the full log to
# build-fuzz/fuzz.log. Exit status: 0 no finding; 1 the fuzzer found a crash, leak, timeout or
# out-of-memory (its input's path is printed: replay it with build-fuzz/webhook_fuzz <path>);
# 2 usage or build error; 77 the toolchain is missing and cannot be installed (skip).
#
# -max_len defaults to 64 KiB, or to the largest seed when that is bigger (a seed cut short is
# only malformed JSON). Past the 64-level depth limit (about 130 bytes) nothing in the parser or
# transform depends on size and parsing is linear, so longer mutants only cut the executions per
# second (about 13,000/s with 1 KB seeds, 3,700/s once a 105 KB report is among them, on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."

args=()
bounded=false
while [ $# -gt 0 ]; do
  case "$1" in
    -runs|-max_total_time)  # libFuzzer wants -name=value; accept "-name value" as well
      [ $# -ge 2 ] || { echo "fuzz: $1 needs a value" >&2; exit 2; }
      args+=("$1=$2"); shift ;;
    -runs=*|-max_total_time=*) args+=("$1") ;;
    -*=*) args+=("$1") ;;
    *) echo "usage: $0 [-runs=N | -max_total_time=S] [other libFuzzer -flag=value ...]" >&2
       exit 2 ;;
  esac
  case "${args[-1]}" in -runs=*|-max_total_time=*) bounded=true ;; esac
  shift
done
$bounded || args=(-max_total_time=60 "${args[@]}")

if ! scripts/install-deps.sh --fuzz; then
  echo "fuzz: skipped: clang-14 and libclang-rt-14-dev are missing and could not be installed" >&2
  exit 77
fi

out=build-fuzz
echo "fuzz: building $out/webhook_fuzz (clang++-14, -fsanitize=fuzzer,address,undefined)" >&2
if ! { cmake -S . -B "$out" -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug \
         -DVAPI_CACHE_FUZZ=ON -DVAPI_CACHE_TESTS=OFF >/dev/null &&
       cmake --build "$out" --target webhook_fuzz -j"$(nproc)"; }; then
  echo "fuzz: build failed" >&2
  exit 2
fi

corpus=$out/corpus
rm -rf "$corpus"
mkdir -p "$corpus" "$out/artifacts"
max_seed=0
while IFS= read -r -d '' seed; do
  name=${seed#tests/payloads/}
  cp "$seed" "$corpus/${name//\//_}"
  size=$(stat -c %s "$seed")
  [ "$size" -le "$max_seed" ] || max_seed=$size
done < <(find tests/payloads -type f -name '*.json' -print0)
max_len=$((max_seed > 65536 ? max_seed : 65536))
echo "fuzz: $(ls "$corpus" | wc -l) seeds from tests/payloads/, -max_len=$max_len" >&2

# Stacks for UBSan reports too; a caller's own settings win.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

log=$out/fuzz.log
flags=(-dict=tests/fuzz/webhook.dict -max_len="$max_len" -rss_limit_mb=2048 -timeout=25
       -artifact_prefix="$out/artifacts/" -print_final_stats=1 "${args[@]}"
       -error_exitcode=1 -timeout_exitcode=1)
echo "fuzz: $out/webhook_fuzz ${flags[*]} $corpus" >&2
start=$EPOCHREALTIME
set +e
# The full log goes to the file; the terminal gets libFuzzer's pulses, the end and any report.
"$out/webhook_fuzz" "${flags[@]}" "$corpus" 2>&1 | tee "$log" |
  grep --line-buffered -vE '^(#[0-9]+[[:space:]]+(NEW|REDUCE)[[:space:]]|[[:space:]]+NEW_FUNC)'
status=${PIPESTATUS[0]}
set -e
elapsed=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
printf 'fuzz: %s executions in %s s, corpus now %s inputs\n' "${execs:-?}" "$elapsed" \
  "$(ls "$corpus" | wc -l)"
if [ "$status" -ne 0 ]; then
  found=$(sed -n 's/.*Test unit written to //p' "$log")
  echo "fuzz: FAILED (libFuzzer exit $status); full log: $log"
  for f in $found; do
    echo "fuzz: finding: $f  (replay: $out/webhook_fuzz $f)"
  done
  exit 1
fi
echo "fuzz: no finding"
