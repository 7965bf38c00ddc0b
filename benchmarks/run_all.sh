#!/usr/bin/env bash
# Runs every benchmark and writes benchmarks/RESULTS.md: wrk load scenarios against this service
# at its defaults (no settings) and tuned (thread counts set, LOG_LEVEL=warn), the Fastify peer
# (../shared/peers/fastify-seed) and, for cache-hit GETs, a bare Pistache endpoint and nginx's
# `return 200` of the same body (the ceiling), first pinned per core (server on CPU 1, wrk on
# CPU 0) and then unpinned; then the long-poll, memory, scale, journal (journal_post, replay,
# soak), stats, logging, thread-split and micro benchmarks where their scripts exist. Each run of ours journals to a fresh DATA_DIR of its own (JOURNAL_FSYNC=always,
# the default), removed after it, so that no run replays another's journal. Raw measurements go
# to benchmarks/results/raw.jsonl (one JSON line each), rendered by benchmarks/results.py.
#   benchmarks/run_all.sh                          # a few minutes
#   QUICK=1 benchmarks/run_all.sh                  # 2 s runs, fewer extras
#   DURATION=10s SCENARIOS="get_hit mix" SKIP_PEER=1 benchmarks/run_all.sh
# More knobs: PEER_DIR, PORT_BASE, UNPINNED_HTTP_THREADS / UNPINNED_ACTOR_THREADS (ours' settings
# when unpinned), EXTRAS (which of "long_poll memory scale journal_post replay soak stats_page
# log_cost thread_split micro" to
# run), EXTRA_TIMEOUT (s each).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
# The knobs set for this run, to record how it was called.
knobs=""
for v in QUICK DURATION SCENARIOS SKIP_PEER PEER_DIR PORT_BASE UNPINNED_HTTP_THREADS \
         UNPINNED_ACTOR_THREADS EXTRAS EXTRA_TIMEOUT; do
  if [ -n "${!v+set}" ]; then knobs+="$v=$(printf '%q' "${!v}") "; fi
done
invocation="${knobs}benchmarks/run_all.sh"
started=$(date +%s)
started_utc=$(date -u '+%Y-%m-%d %H:%M UTC')

quick=${QUICK:-0}
if [ "$quick" = 1 ]; then
  duration=${DURATION:-2s}
  # long_poll holds 10,000 waiters: left out of quick runs; the journal ones run short forms.
  extras=${EXTRAS:-memory scale journal_post replay soak stats_page log_cost thread_split redis_mode delivery micro}
else
  duration=${DURATION:-5s}
  extras=${EXTRAS:-long_poll memory scale journal_post replay soak stats_page log_cost thread_split redis_mode delivery micro}
fi
scenarios=${SCENARIOS:-get_hit get_miss post_2k post_48k mix}
peer_dir=${PEER_DIR:-../shared/peers/fastify-seed}
extra_timeout=${EXTRA_TIMEOUT:-300}
preload_ids=10000
# Ours when it has both cores: tried by hand on 2 vCPUs (wrk -t2 -c64, 4 s, get_hit / post_2k /
# mix, three rounds on a busy shared machine): HTTP_THREADS=2 beat 1 on every scenario (~1.5x
# hits, ~1.7x POSTs); ACTOR_THREADS=2 vs 1 was within the noise (+/-15%), so 2/1 stays, leaving
# the scheduler one thread fewer to compete with the reactors and wrk for two cores.
unpinned_http=${UNPINNED_HTTP_THREADS:-2}
unpinned_actor=${UNPINNED_ACTOR_THREADS:-1}
port=${PORT_BASE:-18400}

out=benchmarks/results
raw=$out/raw.jsonl
mkdir -p "$out"
: >"$raw"
# The Lua scripts read the report bodies from here and the preloaded ids' count from IDS.
export BENCH_DATA=$root/benchmarks/data IDS=$preload_ids

json_str() { python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$1"; }
note() {
  echo "note: $1" >&2
  echo "{\"kind\":\"note\",\"text\":$(json_str "$1")}" >>"$raw"
}
command_line() { echo "{\"kind\":\"command\",\"text\":$(json_str "$1")}" >>"$raw"; }
if [ "$quick" = 1 ] && [ -z "${EXTRAS+set}" ]; then
  note "QUICK=1: $duration load runs; long_poll left out, memory with 20,000 entries; journal_post tuned settings only, replay of 100,000 results, soak of 1 minute at TTL 20 s"
fi

echo "== dependencies and build" >&2
scripts/install-deps.sh --bench
command_line "$invocation"
command_line "scripts/build.sh -DVAPI_CACHE_TESTS=OFF -DVAPI_CACHE_BENCHMARKS=ON"
# micro_benchmarks is written separately; while it does not build, the load runs still can.
if ! scripts/build.sh -DVAPI_CACHE_TESTS=OFF -DVAPI_CACHE_BENCHMARKS=ON >"$out/build.log" 2>&1; then
  note "full build failed (see benchmarks/results/build.log); built vapi-cache and bare_pistache only"
  cmake --build build -j"$(nproc)" --target vapi-cache bare_pistache >>"$out/build.log" 2>&1 || {
    tail -30 "$out/build.log" >&2
    exit 1
  }
fi

if [ "${SKIP_PEER:-0}" = 1 ]; then
  note "peer skipped (SKIP_PEER=1)"
  have_peer=0
elif [ ! -x "$peer_dir/start.sh" ]; then
  note "peer not found at $peer_dir; skipped"
  have_peer=0
else
  have_peer=1
fi

if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then
  have_nginx=1
  PATH=$PATH:/usr/sbin
else
  note "nginx not installed (scripts/install-deps.sh --bench installs nginx-light); its ceiling row skipped"
  have_nginx=0
fi

# wait_up <pid> <port> <seconds>: until the port accepts, failing early if the process exits.
wait_up() {
  local deadline=$((SECONDS + $3))
  while [ $SECONDS -lt "$deadline" ]; do
    (echo >/dev/tcp/127.0.0.1/"$2") 2>/dev/null && return 0
    kill -0 "$1" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# stop <pid>: SIGTERM, and wait for the exit so that the next server has the machine to itself.
stop() {
  kill -TERM "$1" 2>/dev/null || true
  local deadline=$((SECONDS + 15))
  while kill -0 "$1" 2>/dev/null && [ $SECONDS -lt "$deadline" ]; do sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# next_port: a port nobody else on this machine is listening on.
next_port() {
  port=$((port + 1))
  while (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null; do port=$((port + 1)); done
}

# script_for <scenario>: its wrk script (each prints the BENCH line, benchmarks/wrk/common.lua).
script_for() {
  echo "benchmarks/wrk/$1.lua"
}

# run <scenario> <server> <mode>: a fresh server on a fresh port, preloaded for GET scenarios,
# one wrk run; appends a load line to raw.jsonl. Returns 1 if the server did not come up.
run() {
  local scenario=$1 server=$2 mode=$3 pin_server=() pin_wrk=() wrk_threads=2 settings
  if [ "$mode" = pinned ]; then
    pin_server=(taskset -c 1) pin_wrk=(taskset -c 0) wrk_threads=1
  fi
  next_port
  local http_threads=1 actor_threads=1 data_dir=""
  [ "$mode" = unpinned ] && http_threads=$unpinned_http actor_threads=$unpinned_actor
  case $server in
    ours)
      # The service as a user runs it: no settings (HTTP_THREADS=0, ACTOR_THREADS=1,
      # LOG_LEVEL=info, JOURNAL_FSYNC=always) but a DATA_DIR of its own: without one it would
      # journal to ./data, replaying the runs before it. Its log goes to server.log, a file.
      data_dir=$(mktemp -d "${TMPDIR:-/tmp}/vapi-bench-data-XXXXXX")
      env -u LOG_LEVEL -u HTTP_THREADS -u ACTOR_THREADS -u JOURNAL_FSYNC DATA_DIR="$data_dir" \
        "${pin_server[@]}" build/vapi-cache --host 127.0.0.1 --port "$port" \
        >"$out/server.log" 2>&1 &
      settings="no settings (the defaults), a fresh DATA_DIR (JOURNAL_FSYNC=always)" ;;
    tuned)
      data_dir=$(mktemp -d "${TMPDIR:-/tmp}/vapi-bench-data-XXXXXX")
      env LOG_LEVEL=warn HTTP_THREADS=$http_threads ACTOR_THREADS=$actor_threads \
        DATA_DIR="$data_dir" "${pin_server[@]}" build/vapi-cache --host 127.0.0.1 --port "$port" \
        >"$out/server.log" 2>&1 &
      settings="HTTP_THREADS=$http_threads ACTOR_THREADS=$actor_threads LOG_LEVEL=warn, a fresh DATA_DIR (JOURNAL_FSYNC=always)" ;;
    peer)
      env PORT="$port" "${pin_server[@]}" "$peer_dir/start.sh" >"$out/server.log" 2>&1 &
      settings="fastify-seed, one node process" ;;
    bare)
      # The same bytes ours served for a preloaded id in this run, when captured.
      local body=$BENCH_DATA/get_body_2k.json
      [ -s "$out/get_body_hit.json" ] && body=$out/get_body_hit.json
      "${pin_server[@]}" build/benchmarks/bare_pistache --port "$port" --threads 1 \
        --body "$body" >"$out/server.log" 2>&1 &
      settings="1 thread, $(wc -c <"$body")-byte body" ;;
    nginx | nginx_log)
      local body=$BENCH_DATA/get_body_2k.json access=off
      [ -s "$out/get_body_hit.json" ] && body=$out/get_body_hit.json
      [ "$server" = nginx_log ] && access=log
      "${pin_server[@]}" benchmarks/nginx_ceiling.sh "$port" "$body" "$access" >"$out/server.log" 2>&1 &
      settings="$(nginx -v 2>&1 | sed 's/^nginx version: //') (Debian nginx-light), one process, return 200 of the same $(wc -c <"$body") bytes, $([ "$access" = log ] && echo "access log on (Debian's default: combined format, to a file)" || echo "access log off")" ;;
  esac
  local pid=$!
  # The peer may run npm ci on its first start.
  if ! wait_up "$pid" "$port" $([ "$server" = peer ] && echo 120 || echo 15); then
    stop "$pid"
    [ -n "$data_dir" ] && rm -rf "$data_dir"
    note "$server did not start for $scenario ($mode): $(tail -c 300 "$out/server.log" | tr '\n' ' ')"
    return 1
  fi
  if [ "$server" = ours ]; then  # the threads the defaults chose, from the listening line
    local chose
    chose=$(python3 -c '
import json, sys
for line in open(sys.argv[1], errors="replace"):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if r.get("msg") == "listening" or r.get("event") == "listening":
        print(f"chose {r.get(\"httpThreads\")} reactor(s), {r.get(\"actorThreads\")} actor thread(s) for {r.get(\"cpus\")} CPU(s) ({r.get(\"cpusFrom\")})")
        break' "$out/server.log" 2>/dev/null || true)
    [ -n "$chose" ] && settings="$settings; $chose"
  fi
  if [[ $server == ours || $server == tuned || $server == peer ]] && [[ $scenario == get_* || $scenario == mix ]]; then
    python3 benchmarks/preload.py "$port" "$preload_ids"
    if [ "$server" = tuned ] && [ "$scenario" = get_hit ] && [ "$mode" = pinned ]; then
      curl -sf "http://127.0.0.1:$port/api/v1/vapi/calls/bench-5000" >"$out/get_body_hit.json" ||
        rm -f "$out/get_body_hit.json"
    fi
  fi
  local result
  result=$("${pin_wrk[@]}" wrk -t"$wrk_threads" -c64 -d"$duration" --latency \
           -s "$(script_for "$scenario")" "http://127.0.0.1:$port" 2>&1) || true
  stop "$pid"
  [ -n "$data_dir" ] && rm -rf "$data_dir"
  settings="wrk -t$wrk_threads -c64 -d$duration$([ "$mode" = pinned ] && echo ', server on CPU 1, wrk on CPU 0'); $settings"
  local line
  if ! line=$(awk -v scenario="$scenario" -v server="$server" -v mode="$mode" -v settings="$settings" '
      /Requests\/sec/ { rps = $2 }
      /^BENCH / { for (i = 2; i <= NF; i++) { split($i, kv, "="); b[kv[1]] = kv[2] } }
      END {
        if (rps == "" || b["requests"] == "") exit 1
        printf "{\"kind\":\"load\",\"scenario\":\"%s\",\"server\":\"%s\",\"mode\":\"%s\",", scenario, server, mode
        printf "\"rps\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,", rps, b["p50_us"] / 1000, b["p99_us"] / 1000, b["p999_us"] / 1000
        printf "\"errors\":%d,\"non2xx\":%d,\"settings\":\"%s\"}\n", b["errors"], b["non2xx"], settings
      }' <<<"$result"); then
    note "no result from wrk for $server $scenario ($mode): $(tail -c 300 <<<"$result" | tr '\n' ' ')"
    return 0
  fi
  echo "$line" >>"$raw"
  printf '%-9s %-9s %-5s %s\n' "$mode" "$scenario" "$server" \
    "$(awk '/Requests\/sec/ {printf "%s req/s", $2} /^BENCH/ {print "  " $2, $3, $4, $6, $7}' <<<"$result")" >&2
}

# Servers and wrk as run above, for the record.
command_line "env DATA_DIR=<fresh dir> [taskset -c 1] build/vapi-cache --host 127.0.0.1 --port <port>   # ours (defaults)"
command_line "env LOG_LEVEL=warn HTTP_THREADS=1 ACTOR_THREADS=1 DATA_DIR=<fresh dir> taskset -c 1 build/vapi-cache --host 127.0.0.1 --port <port>   # tuned, pinned"
command_line "env LOG_LEVEL=warn HTTP_THREADS=$unpinned_http ACTOR_THREADS=$unpinned_actor DATA_DIR=<fresh dir> build/vapi-cache --host 127.0.0.1 --port <port>   # tuned, unpinned"
[ "$have_peer" = 1 ] && command_line "env PORT=<port> [taskset -c 1] $peer_dir/start.sh"
[ "$have_nginx" = 1 ] && command_line "taskset -c 1 benchmarks/nginx_ceiling.sh <port> <GET body of bench-5000 from ours> off|log"
command_line "taskset -c 1 build/benchmarks/bare_pistache --port <port> --threads 1 --body <GET body of bench-5000 from ours>"
command_line "python3 benchmarks/preload.py <port> $preload_ids   # before get_hit, get_miss, mix (ours, peer)"
command_line "BENCH_DATA=benchmarks/data IDS=$preload_ids taskset -c 0 wrk -t1 -c64 -d$duration --latency -s benchmarks/wrk/<scenario>.lua http://127.0.0.1:<port>   # pinned"
command_line "BENCH_DATA=benchmarks/data IDS=$preload_ids wrk -t2 -c64 -d$duration --latency -s benchmarks/wrk/<scenario>.lua http://127.0.0.1:<port>   # unpinned"

rm -f "$out/get_body_hit.json"
for mode in pinned unpinned; do
  echo "== load, $mode" >&2
  for scenario in $scenarios; do
    servers=(tuned ours)
    [ "$have_peer" = 1 ] && servers+=(peer)
    [ "$mode" = pinned ] && [ "$scenario" = get_hit ] && servers+=(bare)
    [ "$mode" = pinned ] && [ "$scenario" = get_hit ] && [ "$have_nginx" = 1 ] && servers+=(nginx nginx_log)
    for server in "${servers[@]}"; do
      # A server that failed to start (e.g. mid-rebuild by someone else) gets one more try.
      run "$scenario" "$server" "$mode" || { sleep 3; run "$scenario" "$server" "$mode" || true; }
    done
  done
done

# extra <name> <command...>: an optional measurement script printing JSON lines on stdout.
extra() {
  local name=$1
  shift
  echo "== $name" >&2
  command_line "$*"
  local result rc=0
  result=$(timeout "$extra_timeout" "$@" 2>"$out/$name.log") || rc=$?
  # Whatever it measured before failing still counts.
  grep '^{' <<<"$result" >>"$raw" || { [ $rc -ne 0 ] || note "$name printed no JSON lines"; }
  if [ $rc -eq 124 ]; then
    note "$name timed out after ${extra_timeout}s (EXTRA_TIMEOUT)"
  elif [ $rc -ne 0 ]; then
    note "$name failed (exit $rc): $(grep -v '^ ' "$out/$name.log" | tail -n 1 | cut -c1-200); see benchmarks/results/$name.log"
  fi
}

for name in $extras; do
  case $name in
    long_poll | memory | scale | journal_post | replay | soak | stats_page | log_cost | thread_split | redis_mode | delivery)
      if [ ! -f "benchmarks/$name.py" ]; then
        note "benchmarks/$name.py not present; $name skipped"
        continue
      fi
      args=(--json)
      # The journal ones wait for a quiet machine before each server run: briefly here, since
      # this script runs one thing at a time and EXTRA_TIMEOUT bounds each.
      case $name in journal_post | replay | soak | log_cost | thread_split | redis_mode | delivery) args+=(--wait-quiet 10) ;; esac
      case $name in
        memory)
          # Ours memory only and with a journal (bytes per entry, both ways), and the peer.
          args+=(--journal both)
          [ "$quick" = 1 ] && args+=(--entries 20000)
          [ "$have_peer" = 0 ] && args+=(--server ours) ;;
        journal_post)
          # 2 KB webhooks per core: memory only, JOURNAL_FSYNC=always / everysec / no, the peer.
          args+=(--duration "$duration")
          [ "$quick" = 1 ] && args+=(--no-defaults)
          [ "$have_peer" = 0 ] && args+=(--skip-peer) ;;
        replay)  # a journal of 1,000,000 ~2 KB results (100,000 when QUICK) read back at start
          [ "$quick" = 1 ] && args+=(--results 100000) ;;
        stats_page)  # a page of 1,000 at 1,000,000 entries (200,000 when QUICK), GETs beside it
          [ "$quick" = 1 ] && args+=(--entries 200000 --repeat 10 --probe 2) ;;
        log_cost)  # every scenario at LOG_LEVEL=info vs warn, per core
          args+=(--duration "$duration")
          [ "$quick" = 1 ] && args+=(--rounds 1) ;;
        thread_split)  # HTTP_THREADS / ACTOR_THREADS splits at 1 and 2 CPUs, at defaults otherwise
          # One round (24 runs, about 4 minutes at 5 s) fits EXTRA_TIMEOUT; two did not.
          args+=(--duration "$duration" --rounds 1) ;;
        redis_mode)  # STORE=redis vs fastify-seed-redis on one Redis, wake-up, 1 vs 2 instances
          args+=(--duration "$duration")
          [ "$quick" = 1 ] && args+=(--waits 200)
          [ "$have_peer" = 0 ] && args+=(--skip-peer) ;;
        delivery)  # webhooks with every result resumed in a stand-in Kestra, or one that hangs
          args+=(--duration "$duration") ;;
        soak)  # mixed load at a fixed rate; RSS and disk use must stay flat
          if [ "$quick" = 1 ]; then args+=(--minutes 1 --ttl 20); else args+=(--minutes 3); fi ;;
      esac
      extra "$name" python3 "benchmarks/$name.py" "${args[@]}" ;;
    micro)
      if [ ! -x build/benchmarks/micro_benchmarks ]; then
        note "build/benchmarks/micro_benchmarks not built; micro benchmarks skipped"
        continue
      fi
      min_time=$([ "$quick" = 1 ] && echo 0.05 || echo 0.5)
      command_line "build/benchmarks/micro_benchmarks --benchmark_format=json --benchmark_min_time=$min_time"
      echo "== micro" >&2
      if timeout "$extra_timeout" build/benchmarks/micro_benchmarks --benchmark_format=json \
           --benchmark_min_time="$min_time" >"$out/micro.json" 2>"$out/micro.log"; then
        # Google Benchmark's JSON to one micro line per benchmark, times in ns.
        python3 -c '
import json, sys
unit = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    k = unit.get(b.get("time_unit", "ns"), 1)
    print(json.dumps({"kind": "micro", "name": b["name"], "ns_per_op": round(b["real_time"] * k, 1),
                      "cpu_ns_per_op": round(b["cpu_time"] * k, 1), "iterations": b["iterations"]}))
' "$out/micro.json" >>"$raw"
      else
        note "micro_benchmarks failed or timed out: $(tail -n 1 "$out/micro.log" | cut -c1-200)"
      fi ;;
    *) note "unknown extra $name" ;;
  esac
done

echo "{\"kind\":\"meta\",\"started_utc\":\"$started_utc\",\"wall_s\":$(($(date +%s) - started)),\"load run duration\":\"$duration\"}" >>"$raw"
python3 benchmarks/results.py "$raw" >benchmarks/RESULTS.md
echo "wrote benchmarks/RESULTS.md ($(($(date +%s) - started)) s)" >&2
