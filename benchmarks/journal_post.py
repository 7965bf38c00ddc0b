#!/usr/bin/env python3
"""What the journal costs a webhook: 2 KB report POSTs at 64 connections, per core, memory only
against each JOURNAL_FSYNC policy and the Fastify seed (README, "Durability").

Every server runs pinned to CPU 1 (taskset -c 1) and wrk -t1 on CPU 0, one after the other, in
this order: ours with DATA_DIR= (memory only), then with a fresh DATA_DIR and
JOURNAL_FSYNC=always, everysec, no; each first with the service's defaults otherwise
(LOG_LEVEL=info, HTTP_THREADS=0), then tuned (HTTP_THREADS=1 LOG_LEVEL=warn); then the seed.
--rounds repeats the whole sequence (medians are reported). wrk runs benchmarks/wrk/post_2k.lua
(a new call id per request). For each run of ours it also reads the server's CPU time (user +
system, /proc) over the wrk run and, from /metrics, vapi_journal_records_written_total /
vapi_journal_syncs_total: the group commit's mean batch; and how busy CPU 1 was altogether
(/proc/stat: the server, the kernel's threads writing its journal, anyone else on the machine),
how much of CPU 1's time the hypervisor gave another tenant (steal, /proc/stat) and the 1-minute
load average, to tell a noisy neighbour from a cost. With --rounds N it also gives each round's
always / memory only ratio (the two run within a minute of each other) and their median: on a
shared host both req/s figures move by 30 % or more between minutes, and a ratio of neighbours
moves less. Before each run it waits (--wait-quiet, up to 120 s) until neither core is more than
10 % busy. Before the runs it times write + fdatasync of 4 KB and 64 KB on DATA_DIR's disk: the
floor of one batch under JOURNAL_FSYNC=always.

Targets (issue 12): always at 64 connections >= 0.8x memory only and >= 1.5x the seed per core.

    benchmarks/journal_post.py [--json] [--duration 10s] [--connections 64] [--rounds 1]
                               [--no-tuned] [--no-defaults] [--skip-peer] [--wait-quiet 120]
                               [--data-root /tmp] [--binary build/vapi-cache]
                               [--peer-dir ../shared/peers/fastify-seed]

--json prints one JSON line per run ({"kind":"journal_post",...}), the fdatasync probes
({"kind":"fdatasync",...}) and the ratios ({"kind":"journal_post_ratio",...}).
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

SERVER_CPU, WRK_CPU = 1, 0
POLICIES = ["memory", "always", "everysec", "no"]
TUNED = {"HTTP_THREADS": "1", "LOG_LEVEL": "warn"}


def measured_wrk(args, server):
    """The wrk run, the server's CPU seconds and the wall seconds over it, and how busy its core
    was (anything on it: the server, kernel threads writing its journal, other tenants)."""
    busy0, total0 = benchlib.cpu_jiffies(SERVER_CPU)
    steal0 = benchlib.steal_jiffies(SERVER_CPU)
    cpu0, t0 = benchlib.cpu_seconds(server.pid), time.monotonic()
    r = benchlib.run_wrk(server.port, "post_2k", args.duration, args.connections, cpu=WRK_CPU)
    cpu, wall = benchlib.cpu_seconds(server.pid) - cpu0, time.monotonic() - t0
    busy1, total1 = benchlib.cpu_jiffies(SERVER_CPU)
    core = (busy1 - busy0) / max(1, total1 - total0)
    r["steal_share"] = round((benchlib.steal_jiffies(SERVER_CPU) - steal0) /
                             max(1, total1 - total0), 3)
    with open("/proc/loadavg") as f:
        r["loadavg_1m"] = float(f.read().split()[0])
    return r, cpu, wall, core


def run_ours(args, policy, tuned):
    busy = benchlib.quiet(args.wait_quiet, (WRK_CPU, SERVER_CPU))
    folder = "" if policy == "memory" else benchlib.data_dir(args.data_root)
    env = {"DATA_DIR": folder, **({"JOURNAL_FSYNC": policy} if folder else {}),
           **(TUNED if tuned else {})}
    server = benchlib.Server("ours", args.binary, env=env, cpu=SERVER_CPU)
    try:
        benchlib.wait_ready(server.port, server.proc, 10)
        threads = benchlib.status_value(server.pid, "Threads")
        r, cpu, wall, core = measured_wrk(args, server)
        m = benchlib.metrics(server.port)
        rss = benchlib.status_value(server.pid, "VmRSS")
    finally:
        server.stop()
        if folder:
            benchlib.remove_dir(folder)
    records = m.get("vapi_journal_records_written_total")
    syncs = m.get("vapi_journal_syncs_total")
    return {**r, "cpu_us_per_request": round(cpu / max(1, r["requests"]) * 1e6, 2),
            "server_cpu_share": round(cpu / wall, 3), "core_busy_share": round(core, 3),
            "busiest_core_before": busy, "threads": threads, "rss_kb": rss,
            "records_written": int(records) if records is not None else None,
            "syncs": int(syncs) if syncs is not None else None,
            "records_per_sync": round(records / syncs, 1) if records and syncs else None,
            "journal_disk_bytes": (int(m["vapi_journal_disk_bytes"])
                                   if "vapi_journal_disk_bytes" in m else None),
            "settings": " ".join(f"{k}={v}" for k, v in env.items()) or "defaults"}


def run_peer(args):
    busy = benchlib.quiet(args.wait_quiet, (WRK_CPU, SERVER_CPU))
    server = benchlib.Server("peer", peer_dir=args.peer_dir, cpu=SERVER_CPU)
    try:
        r, cpu, wall, core = measured_wrk(args, server)
    finally:
        server.stop()
    return {**r, "cpu_us_per_request": round(cpu / max(1, r["requests"]) * 1e6, 2),
            "server_cpu_share": round(cpu / wall, 3), "core_busy_share": round(core, 3),
            "busiest_core_before": busy, "settings": "fastify-seed, one node process"}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    p.add_argument("--duration", default="10s", help="each wrk run")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--rounds", type=int, default=1, help="times through the whole sequence")
    p.add_argument("--no-tuned", action="store_true",
                   help="leave out HTTP_THREADS=1 LOG_LEVEL=warn")
    p.add_argument("--no-defaults", action="store_true", help="only the tuned settings")
    p.add_argument("--skip-peer", action="store_true")
    p.add_argument("--wait-quiet", type=float, default=120,
                   help="before each run, wait up to this many seconds for both cores to be "
                        "under 10 %% busy (a shared machine); 0: don't")
    p.add_argument("--data-root", help="where each fresh DATA_DIR is made (default: the system's "
                                       "temporary directory)")
    p.add_argument("--binary", default=os.path.join(benchlib.ROOT, "build", "vapi-cache"))
    p.add_argument("--peer-dir", default=benchlib.PEER_DIR)
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))

    def emit(row, prose):
        print(json.dumps(row) if args.json else prose, flush=True)

    probe_dir = benchlib.data_dir(args.data_root)
    try:
        for size in (4096, 65536):
            f = benchlib.fdatasync_latency(probe_dir, 200, size)
            emit({"kind": "fdatasync", "where": os.path.dirname(probe_dir), **f},
                 f"write {size} B + fdatasync on {os.path.dirname(probe_dir)}'s disk, "
                 f"{f['count']} times: p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms, "
                 f"max {f['max_ms']} ms; {f['cpu_us_each']} us of CPU each")
    finally:
        benchlib.remove_dir(probe_dir)

    variants = ([] if args.no_defaults else [("defaults", False)]) + \
        ([] if args.no_tuned else [("tuned", True)])
    runs = {}
    for _ in range(args.rounds):
        for name, tuned in variants:
            for policy in POLICIES:
                runs.setdefault((policy, name), []).append(run_ours(args, policy, tuned))
        if not args.skip_peer:
            runs.setdefault(("peer", "-"), []).append(run_peer(args))

    if not args.json:
        print(f"{'server':9} {'settings':9} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
              f"{'p99.9':>7} {'err':>4} {'non2xx':>6} {'cpu us/req':>10} {'cpu':>5} "
              f"{'core':>5} {'steal':>5} {'rec/sync':>8} {'load':>5}")
    rows = {}
    for (policy, name), results in runs.items():
        r = rows[(policy, name)] = benchlib.median_of(results)
        server = "peer" if policy == "peer" else "ours"
        emit({"kind": "journal_post", "server": server, "journal": policy, "variant": name,
              "connections": args.connections, "duration": args.duration,
              **{k: v for k, v in r.items()}},
             f"{policy:9} {name:9} {r['rps']:8.0f} {r['p50_ms']:7.2f} {r['p99_ms']:7.2f} "
             f"{r['p999_ms']:7.2f} {r['errors']:4} {r['non2xx']:6} "
             f"{r['cpu_us_per_request']:10.1f} {r['server_cpu_share']:5.2f} "
             f"{r['core_busy_share']:5.2f} {r['steal_share']:5.2f} "
             f"{r.get('records_per_sync') or '-':>8} "
             f"{r['loadavg_1m']:5.2f}")

    def ratio(a, b):
        return round(a["rps"] / b["rps"], 3) if a and b and b["rps"] else None

    def per_round(policy, name):  # each round's own ratio: the two ran a minute apart at most
        pairs = zip(runs.get((policy, name), []), runs.get(("memory", name), []))
        return [ratio(a, m) for a, m in pairs]

    peer = rows.get(("peer", "-"))
    for name, _ in variants:
        always, memory = rows.get(("always", name)), rows.get(("memory", name))
        rounds = per_round("always", name)
        out = {"kind": "journal_post_ratio", "variant": name,
               "always_over_memory_only": ratio(always, memory),
               "always_over_memory_only_per_round": rounds,
               "always_over_memory_only_median_of_rounds": (
                   round(statistics.median(rounds), 3) if rounds else None),
               "everysec_over_memory_only": ratio(rows.get(("everysec", name)), memory),
               "no_over_memory_only": ratio(rows.get(("no", name)), memory),
               "always_over_peer": ratio(always, peer),
               "memory_only_over_peer": ratio(memory, peer)}
        each = (f" (per round: {' '.join(f'{x:.2f}' for x in rounds)}; their median "
                f"{out['always_over_memory_only_median_of_rounds']})" if len(rounds) > 1 else "")
        emit(out, f"{name}: always / memory only {out['always_over_memory_only']}{each} "
                  f"(target >= 0.8), "
                  f"always / peer {out['always_over_peer']} (target >= 1.5); everysec / memory "
                  f"only {out['everysec_over_memory_only']}, no / memory only "
                  f"{out['no_over_memory_only']}, memory only / peer "
                  f"{out['memory_only_over_peer']}")


if __name__ == "__main__":
    main()
