#!/usr/bin/env python3
"""What logging costs: each wrk scenario at LOG_LEVEL=info against warn, per core, logs to a file.

The server runs pinned to CPU 1 (taskset -c 1) and wrk -t1 -c64 on CPU 0, one after the other:
for each round (--rounds), for each scenario, a fresh server at LOG_LEVEL=info and one at
LOG_LEVEL=warn, the order swapped every other round (info, warn; then warn, info) so that drift
on a shared machine hits both alike. Otherwise the service's defaults (HTTP_THREADS=0, which under
taskset -c 1 is one reactor; ACTOR_THREADS=0) with DATA_DIR= (memory only), or with --journal a
fresh DATA_DIR per run and JOURNAL_FSYNC=always (the default). The scenarios are the wrk scripts
benchmarks/run_all.sh runs against the service: get_hit (GETs of preloaded ids: one "retrieved"
line each at info), get_miss (GETs of ids never stored, answered 404: "not_found" is debug, so
nothing per request at info), post_2k and post_48k (webhooks: "webhook_received" and "cached"),
mix (80 % hits, 10 % misses, 10 % 2 KB webhooks). As run_all.sh does before get_hit, get_miss and
mix, ids bench-0 .. bench-(IDS-1) (--ids) are stored first (benchlib.store of the 2 KB report);
wrk gets IDS. The server's stdout and stderr (its log, README "Logs") go to a temporary file
(--log-root), as a deployment's logs go somewhere, removed after the run.

Each run reports wrk's req/s and latencies, the server's CPU time (user + system, /proc) per
request and its share of CPU 1, how busy CPU 1 was altogether (/proc/stat: the server, kernel
threads writing back its log, anyone else) and the 1-minute load average, and what the server
logged over the wrk run: bytes and lines per request, from the log file's growth between just
before wrk and 0.2 s after it (the writer flushes every 50 ms), and vapi_log_dropped_lines_total
from /metrics (None where the binary has no such metric), since lines dropped would make info
look cheaper than it is. Before each run it waits (--wait-quiet, up to 120 s) until neither core
is more than 10 % busy, and after it warns when CPU 1 was busier than the server made it (someone
else had the core: that run is noise). Medians over the rounds are then compared per scenario.

Target (issue 14): at LOG_LEVEL=info, every scenario's req/s >= 0.9x LOG_LEVEL=warn's.

    benchmarks/log_cost.py [--json] [--duration 10s] [--connections 64] [--rounds 3]
                           [--scenarios get_hit,get_miss,post_2k,post_48k,mix] [--ids 10000]
                           [--journal] [--data-root /tmp] [--log-root /tmp] [--wait-quiet 120]
                           [--binary build/vapi-cache]

--json prints one JSON line per run ({"kind":"log_cost",...}) and per scenario the medians of
both levels and their ratios ({"kind":"log_cost_ratio",...}).
"""
import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

SERVER_CPU, WRK_CPU = 1, 0
SCENARIOS = ["get_hit", "get_miss", "post_2k", "post_48k", "mix"]
PRELOADED = {"get_hit", "get_miss", "mix"}  # as benchmarks/run_all.sh preloads
LEVELS = ["info", "warn"]
TARGET = 0.9
# Settings this script leaves at the service's defaults: not inherited from the caller's shell.
DEFAULTED = ["HTTP_THREADS", "ACTOR_THREADS", "JOURNAL_FSYNC", "LOG_LEVEL", "DATA_DIR"]
FLUSH_WAIT = 0.2  # s after wrk before the log is measured: the writer flushes every 50 ms


def log_growth(path, offset):
    """(bytes, lines) written to the file at path past offset."""
    size, lines = os.path.getsize(path), 0
    with open(path, "rb") as f:
        f.seek(offset)
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            lines += chunk.count(b"\n")
    return size - offset, lines


def measured_wrk(args, server, scenario, log):
    """The wrk run, the server's CPU seconds and the wall seconds over it, how busy its core was,
    and the bytes and lines logged meanwhile."""
    time.sleep(FLUSH_WAIT)  # lines of the preload written out before the log's size is taken
    offset = os.path.getsize(log)
    busy0, total0 = benchlib.cpu_jiffies(SERVER_CPU)
    cpu0, t0 = benchlib.cpu_seconds(server.pid), time.monotonic()
    r = benchlib.run_wrk(server.port, scenario, args.duration, args.connections, cpu=WRK_CPU,
                         env={"IDS": str(args.ids)})
    cpu, wall = benchlib.cpu_seconds(server.pid) - cpu0, time.monotonic() - t0
    busy1, total1 = benchlib.cpu_jiffies(SERVER_CPU)
    core = (busy1 - busy0) / max(1, total1 - total0)
    with open("/proc/loadavg") as f:
        r["loadavg_1m"] = float(f.read().split()[0])
    time.sleep(FLUSH_WAIT)
    logged, lines = log_growth(log, offset)
    return r, cpu, wall, core, logged, lines


def run(args, scenario, level, round_):
    busy = benchlib.quiet(args.wait_quiet, (WRK_CPU, SERVER_CPU))
    folder = benchlib.data_dir(args.data_root) if args.journal else ""
    env = {"DATA_DIR": folder, "LOG_LEVEL": level}
    fd, log = tempfile.mkstemp(prefix="vapi-bench-log-", suffix=".jsonl", dir=args.log_root)
    os.close(fd)
    try:
        server = benchlib.Server("ours", args.binary, env=env, cpu=SERVER_CPU, log=log)
        try:
            benchlib.wait_ready(server.port, server.proc, 10)
            threads = benchlib.status_value(server.pid, "Threads")
            if scenario in PRELOADED:
                asyncio.run(benchlib.store(server.port, [f"bench-{i}" for i in range(args.ids)],
                                           benchlib.report_template()))
            r, cpu, wall, core, logged, lines = measured_wrk(args, server, scenario, log)
            m = benchlib.metrics(server.port)
        finally:
            server.stop()
    finally:
        os.unlink(log)
        if folder:
            benchlib.remove_dir(folder)
    if core - cpu / wall > 0.2:
        sys.stderr.write(f"warning: {scenario} at {level}: CPU {SERVER_CPU} was {core:.0%} busy, "
                         f"the server {cpu / wall:.0%} of it: something else had the core\n")
    dropped = m.get("vapi_log_dropped_lines_total")
    n = max(1, r["requests"])
    return {"scenario": scenario, "log_level": level, "round": round_, **r,
            "cpu_us_per_request": round(cpu / n * 1e6, 2),
            "server_cpu_share": round(cpu / wall, 3), "core_busy_share": round(core, 3),
            "busiest_core_before": busy, "threads": threads,
            "log_bytes_per_request": round(logged / n, 1),
            "log_lines_per_request": round(lines / n, 3), "log_bytes": logged,
            "log_dropped_lines": int(dropped) if dropped is not None else None,
            "settings": f"LOG_LEVEL={level} "
            + ("DATA_DIR=<fresh> JOURNAL_FSYNC=always" if folder else "DATA_DIR= (memory only)")
            + f"; bench-0 .. bench-{args.ids - 1} stored first" * (scenario in PRELOADED)}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    p.add_argument("--duration", default="10s", help="each wrk run")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--rounds", type=int, default=3,
                   help="times through every scenario at both levels (medians are compared)")
    p.add_argument("--scenarios", default=",".join(SCENARIOS),
                   help="comma-separated benchmarks/wrk scripts, without .lua")
    p.add_argument("--ids", type=int, default=10000,
                   help="ids bench-0 .. bench-(IDS-1) stored before get_hit, get_miss and mix")
    p.add_argument("--journal", action="store_true",
                   help="a fresh DATA_DIR per run (JOURNAL_FSYNC=always) instead of memory only")
    p.add_argument("--wait-quiet", type=float, default=120,
                   help="before each run, wait up to this many seconds for both cores to be "
                        "under 10 %% busy (a shared machine); 0: don't")
    p.add_argument("--data-root", help="where each fresh DATA_DIR is made with --journal "
                                       "(default: the system's temporary directory)")
    p.add_argument("--log-root", help="where each run's log file is made (default: the system's "
                                      "temporary directory)")
    p.add_argument("--binary", default=os.path.join(benchlib.ROOT, "build", "vapi-cache"))
    args = p.parse_args()
    scenarios = [s for s in args.scenarios.split(",") if s]
    for s in scenarios:
        if not os.path.exists(os.path.join(benchlib.ROOT, "benchmarks", "wrk", s + ".lua")):
            p.error(f"no benchmarks/wrk/{s}.lua")
    for key in DEFAULTED:
        if os.environ.pop(key, None) is not None:
            sys.stderr.write(f"note: {key} from the environment ignored (the service's default, "
                             "or what this script sets)\n")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))

    def emit(row, prose):
        print(json.dumps(row) if args.json else prose, flush=True)

    if not args.json:
        print(f"{'scenario':9} {'level':5} {'rnd':>3} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
              f"{'p99.9':>7} {'err':>4} {'non2xx':>7} {'cpu us/req':>10} {'cpu':>5} "
              f"{'core':>5} {'log B/req':>9} {'lines/req':>9} {'dropped':>7} {'load':>5}")
    runs = {}
    for round_ in range(1, args.rounds + 1):
        for scenario in scenarios:
            for level in (LEVELS if round_ % 2 else LEVELS[::-1]):
                r = run(args, scenario, level, round_)
                runs.setdefault((scenario, level), []).append(r)
                emit({"kind": "log_cost", "journal": args.journal,
                      "connections": args.connections, "duration": args.duration, **r},
                     f"{scenario:9} {level:5} {round_:3} {r['rps']:8.0f} {r['p50_ms']:7.2f} "
                     f"{r['p99_ms']:7.2f} {r['p999_ms']:7.2f} {r['errors']:4} "
                     f"{r['non2xx']:7} {r['cpu_us_per_request']:10.2f} "
                     f"{r['server_cpu_share']:5.2f} {r['core_busy_share']:5.2f} "
                     f"{r['log_bytes_per_request']:9.1f} {r['log_lines_per_request']:9.3f} "
                     f"{'-' if r['log_dropped_lines'] is None else r['log_dropped_lines']:>7} "
                     f"{r['loadavg_1m']:5.2f}")

    def ratio(a, b, key):
        return round(a[key] / b[key], 3) if b[key] else None

    if not args.json:
        print(f"\nmedians of {args.rounds} round(s); info / warn, target req/s >= {TARGET}"
              f"{' (--journal)' if args.journal else ' (memory only)'}:")
    met = []
    for scenario in scenarios:
        info = benchlib.median_of(runs[(scenario, "info")])
        warn = benchlib.median_of(runs[(scenario, "warn")])
        out = {"kind": "log_cost_ratio", "scenario": scenario, "journal": args.journal,
               "rounds": args.rounds, "duration": args.duration,
               "info_rps": info["rps"], "warn_rps": warn["rps"],
               "rps_info_over_warn": ratio(info, warn, "rps"), "target": TARGET,
               "info_p99_ms": info["p99_ms"], "warn_p99_ms": warn["p99_ms"],
               "p99_info_over_warn": ratio(info, warn, "p99_ms"),
               "info_cpu_us_per_request": info["cpu_us_per_request"],
               "warn_cpu_us_per_request": warn["cpu_us_per_request"],
               "cpu_per_request_info_over_warn": ratio(info, warn, "cpu_us_per_request"),
               "info_log_bytes_per_request": info["log_bytes_per_request"],
               "warn_log_bytes_per_request": warn["log_bytes_per_request"],
               "info_log_lines_per_request": info["log_lines_per_request"],
               "info_log_dropped_lines": info["log_dropped_lines"]}
        out["meets_target"] = (out["rps_info_over_warn"] is not None
                               and out["rps_info_over_warn"] >= TARGET)
        met.append(out["meets_target"])
        emit(out, f"{scenario:9} req/s {info['rps']:8.0f} / {warn['rps']:8.0f} = "
                  f"{out['rps_info_over_warn']} ({'ok' if out['meets_target'] else 'MISSED'}); "
                  f"p99 {info['p99_ms']:.2f} / {warn['p99_ms']:.2f} ms = "
                  f"{out['p99_info_over_warn']}; cpu us/req {info['cpu_us_per_request']:.2f} / "
                  f"{warn['cpu_us_per_request']:.2f} = {out['cpu_per_request_info_over_warn']}; "
                  f"logged {info['log_bytes_per_request']:.1f} B/req "
                  f"({info['log_lines_per_request']:.3f} lines) at info, "
                  f"{warn['log_bytes_per_request']:.1f} at warn")
    if not args.json:
        print(f"{sum(met)} of {len(met)} scenarios within {1 - TARGET:.0%} of warn")


if __name__ == "__main__":
    main()
