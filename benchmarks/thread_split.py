#!/usr/bin/env python3
"""Which split of HTTP reactors and actor workers serves best, per CPU count (issue 14).

For each CPU count (--cpus, default "1,2") and each split of HTTP_THREADS / ACTOR_THREADS worth
trying at that count, a fresh server at otherwise the service's defaults (LOG_LEVEL=info, a fresh
DATA_DIR with JOURNAL_FSYNC=always) runs each wrk scenario once per round (--rounds), the splits'
order rotated each round so that drift on a shared machine spreads over all of them.

  1 CPU:  the server on CPU 1 (taskset -c 1), wrk -t1 on CPU 0: per-core numbers.
  2 CPUs: the server and wrk -t2 both unpinned on CPUs 0-1, as a two-core host runs the service
          with its clients elsewhere but its kernel work (loopback TCP here) on the same cores.

The scenarios are run_all.sh's (get_hit and mix after storing bench-0 .. bench-9999). Medians of
the rounds are compared per CPU count: the split with the best geometric mean of req/s over the
scenarios is the one the defaults should pick (config/defaults.conf, README "Configure").

    benchmarks/thread_split.py [--json] [--cpus 1,2] [--duration 5s] [--rounds 2]
                               [--scenarios get_hit,post_2k,mix] [--wait-quiet 30]
                               [--binary build/vapi-cache]

--json prints one JSON line per run ({"kind":"thread_split",...}) and one per CPU count and split
with the medians ({"kind":"thread_split_median",...}, "best": true on the winner).
"""
import argparse
import asyncio
import json
import math
import os
import resource
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

SPLITS = {1: [(1, 1), (2, 1), (1, 2)], 2: [(2, 1), (1, 1), (2, 2), (1, 2), (3, 1)]}
PLACEMENT = {1: ("1", "0", 1), 2: ("0,1", "0,1", 2)}  # server CPUs, wrk CPUs, wrk threads
PRELOADED = {"get_hit", "get_miss", "mix"}
IDS = 10000
DEFAULTED = ["HTTP_THREADS", "ACTOR_THREADS", "JOURNAL_FSYNC", "LOG_LEVEL", "DATA_DIR"]


def run(args, cpus, split, scenario):
    server_cpus, wrk_cpus, wrk_threads = PLACEMENT[cpus]
    benchlib.quiet(args.wait_quiet, (0, 1))
    folder = benchlib.data_dir()
    env = {"DATA_DIR": folder, "HTTP_THREADS": str(split[0]), "ACTOR_THREADS": str(split[1])}
    try:
        server = benchlib.Server("ours", args.binary, env=env, cpu=server_cpus)
        try:
            benchlib.wait_ready(server.port, server.proc, 10)
            if scenario in PRELOADED:
                asyncio.run(benchlib.store(server.port, [f"bench-{i}" for i in range(IDS)],
                                           benchlib.report_template()))
            cpu0 = benchlib.cpu_seconds(server.pid)
            r = benchlib.run_wrk(server.port, scenario, args.duration, 64, threads=wrk_threads,
                                 cpu=wrk_cpus, env={"IDS": str(IDS)})
            cpu = benchlib.cpu_seconds(server.pid) - cpu0
        finally:
            server.stop()
    finally:
        benchlib.remove_dir(folder)
    return {"cpus": cpus, "http_threads": split[0], "actor_threads": split[1],
            "scenario": scenario, **r,
            "cpu_us_per_request": round(cpu / max(1, r["requests"]) * 1e6, 2)}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    p.add_argument("--cpus", default="1,2", help="CPU counts to measure (1 and/or 2)")
    p.add_argument("--duration", default="5s", help="each wrk run")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--scenarios", default="get_hit,post_2k,mix")
    p.add_argument("--wait-quiet", type=float, default=30,
                   help="before each run, wait up to this many seconds for both cores to be "
                        "under 10 %% busy; 0: don't")
    p.add_argument("--binary", default=os.path.join(benchlib.ROOT, "build", "vapi-cache"))
    args = p.parse_args()
    counts = [int(c) for c in args.cpus.split(",") if c]
    if any(c not in SPLITS for c in counts):
        p.error("--cpus takes 1 and/or 2")
    if os.cpu_count() < 2:
        p.error("needs 2 CPUs (server and wrk on separate ones for the 1-CPU rows)")
    scenarios = [s for s in args.scenarios.split(",") if s]
    for key in DEFAULTED:
        os.environ.pop(key, None)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))

    def emit(row, prose):
        print(json.dumps(row) if args.json else prose, flush=True)

    runs = {}
    for round_ in range(args.rounds):
        for cpus in counts:
            splits = SPLITS[cpus]
            shift = round_ % len(splits)
            for split in splits[shift:] + splits[:shift]:
                for scenario in scenarios:
                    r = run(args, cpus, split, scenario)
                    runs.setdefault((cpus, split, scenario), []).append(r)
                    emit({"kind": "thread_split", "round": round_ + 1,
                          "duration": args.duration, **r},
                         f"{cpus} cpu  http={split[0]} actor={split[1]}  {scenario:8} "
                         f"{r['rps']:8.0f} req/s  p99 {r['p99_ms']:6.2f} ms  "
                         f"{r['cpu_us_per_request']:6.2f} us/req")
    for cpus in counts:
        rows = []
        for split in SPLITS[cpus]:
            med = {s: benchlib.median_of(runs[(cpus, split, s)]) for s in scenarios}
            geo = math.exp(sum(math.log(max(1.0, m["rps"])) for m in med.values()) / len(med))
            rows.append((geo, split, med))
        best = max(rows)[1]
        for geo, split, med in rows:
            emit({"kind": "thread_split_median", "cpus": cpus, "http_threads": split[0],
                  "actor_threads": split[1], "rounds": args.rounds, "duration": args.duration,
                  "geomean_rps": round(geo, 1), "best": split == best,
                  **{f"{s}_rps": med[s]["rps"] for s in scenarios},
                  **{f"{s}_p99_ms": med[s]["p99_ms"] for s in scenarios}},
                 f"{cpus} cpu  http={split[0]} actor={split[1]}  geomean {geo:8.0f}  "
                 + "  ".join(f"{s} {med[s]['rps']:.0f}" for s in scenarios)
                 + ("   <- best" if split == best else ""))


if __name__ == "__main__":
    main()
