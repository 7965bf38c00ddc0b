#!/usr/bin/env bash
# Per-core comparison with the Fastify peer (../shared/peers/fastify-seed): each server pinned
# to CPU 1, wrk pinned to CPU 0, 64 keep-alive connections; cache-hit GETs of 10,000 preloaded
# ids, then 2 KB webhook POSTs. Servers run one after the other, so they never share the core.
#   DURATION=10s  PEER_DIR=../shared/peers/fastify-seed  benchmarks/compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/install-deps.sh --bench
scripts/build.sh -DVAPI_CACHE_TESTS=OFF >/dev/null

duration=${DURATION:-10s}
peer_dir=${PEER_DIR:-$root/../shared/peers/fastify-seed}
port=18180

source benchmarks/lib.sh  # wait_port

# bench <name> <command...>: start the server pinned to CPU 1, preload, run both scenarios.
bench() {
  local name=$1; shift
  taskset -c 1 "$@" >/dev/null 2>&1 &
  local pid=$!
  wait_port "$port"
  python3 benchmarks/preload.py "$port" 10000
  for scenario in get_hit post_report; do
    local out
    out=$(taskset -c 0 wrk -t1 -c64 -d"$duration" --latency \
          -s "benchmarks/wrk/$scenario.lua" "http://127.0.0.1:$port" 2>&1)
    local rps p50 p99 errors
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    errors=$(awk '/Non-2xx|Socket errors/ {printf "%s ", $0}' <<<"$out")
    printf '%-8s %-12s %10s req/s  p50 %-8s p99 %-8s %s\n' "$name" "$scenario" "$rps" "$p50" "$p99" \
      "${errors:-no errors}"
  done
  kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  port=$((port + 1))
}

echo "$(date -u +%FT%TZ)  $(nproc) CPUs  $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
bench ours env LOG_LEVEL=warn HTTP_THREADS=1 ACTOR_THREADS=1 \
  "$root/build/vapi-cache" --host 127.0.0.1 --port "$port"
bench fastify env PORT="$((port))" "$peer_dir/start.sh"
