#!/usr/bin/env bash
# A/B: this working tree against another revision of vapi-cache, same machine, same pinning as
# compare.sh (server on CPU 1, wrk on CPU 0, 64 connections), rounds alternating A and B so that
# drift on a shared machine hits both; prints each round and the median ratios per scenario:
# req/s, and the server's CPU time per request (user + system, from /proc), which a noisy
# neighbour disturbs far less than throughput.
#   benchmarks/ab.sh <base-revision> [rounds]      e.g. benchmarks/ab.sh f0089a7 5
#   DURATION=10s SCENARIOS="get_hit post_report" benchmarks/ab.sh ...
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
base_rev=${1:?usage: benchmarks/ab.sh <base-revision> [rounds]}
rounds=${2:-3}
duration=${DURATION:-10s}
scenarios=${SCENARIOS:-get_hit post_report}
scripts/install-deps.sh --bench

base_sha=$(git rev-parse --short "$base_rev")
base_dir=/tmp/vapi-cache-ab-$base_sha
if [ ! -x "$base_dir/build/vapi-cache" ]; then
  rm -rf "$base_dir"
  git worktree add --detach "$base_dir" "$base_sha" >/dev/null
  (cd "$base_dir" && scripts/build.sh -DVAPI_CACHE_TESTS=OFF >/dev/null)
fi
scripts/build.sh -DVAPI_CACHE_TESTS=OFF >/dev/null

port=18280
source benchmarks/lib.sh  # wait_port

cpu_ticks() { awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; }

# run <binary> <scenario> <port>: prints "req/s cpu-us-per-request" of one pinned wrk run
# against a fresh, preloaded server, and returns once that server has exited.
run() {
  local port=$3
  env LOG_LEVEL=warn HTTP_THREADS=1 ACTOR_THREADS=1 taskset -c 1 "$1" --host 127.0.0.1 \
    --port "$port" >/dev/null 2>&1 &
  local pid=$!
  wait_port "$port"
  python3 benchmarks/preload.py "$port" 10000
  local before after out
  before=$(cpu_ticks "$pid")
  out=$(taskset -c 0 wrk -t1 -c64 -d"$duration" -s "benchmarks/wrk/$2.lua" \
        "http://127.0.0.1:$port")
  after=$(cpu_ticks "$pid")
  awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
    / requests in / {n = $1}
    /Requests\/sec/ {rps = $2}
    END {printf "%.0f %.2f\n", rps, ticks / hz / n * 1e6}' <<<"$out"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
}

median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

echo "$(date -u +%FT%TZ)  $(nproc) CPUs $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
echo "A = $base_sha, B = working tree ($(git rev-parse --short HEAD)$(git diff --quiet || echo +))"
for scenario in $scenarios; do
  a=() b=() a_cpu=() b_cpu=()
  for r in $(seq 1 "$rounds"); do
    # $(...) waits for the server to exit; each run also gets a port of its own.
    read -r rps cpu <<<"$(run "$base_dir/build/vapi-cache" "$scenario" $((port++)))"
    a+=("$rps"); a_cpu+=("$cpu")
    read -r rps cpu <<<"$(run "$root/build/vapi-cache" "$scenario" $((port++)))"
    b+=("$rps"); b_cpu+=("$cpu")
    echo "  $scenario round $r: A ${a[-1]} req/s ${a_cpu[-1]} us/req   B ${b[-1]} req/s ${b_cpu[-1]} us/req"
  done
  ma=$(printf '%s\n' "${a[@]}" | median); mb=$(printf '%s\n' "${b[@]}" | median)
  ca=$(printf '%s\n' "${a_cpu[@]}" | median); cb=$(printf '%s\n' "${b_cpu[@]}" | median)
  printf '%-12s req/s median A %8.0f B %8.0f B/A %.3f | CPU us/req median A %.2f B %.2f B/A %.3f\n' \
    "$scenario" "$ma" "$mb" "$(awk -v a="$ma" -v b="$mb" 'BEGIN {print b / a}')" \
    "$ca" "$cb" "$(awk -v a="$ca" -v b="$cb" 'BEGIN {print b / a}')"
done
