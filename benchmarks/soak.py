#!/usr/bin/env python3
"""Soak: a mixed load at a fixed rate for minutes, with a short TTL so that the cache and the
journal reach a steady state; the service's RSS and its DATA_DIR's disk use must then stay flat
(issue 12: within 5 %; README, "Durability").

Starts the binary pinned to CPU 1 (this script runs on CPU 0) with a fresh DATA_DIR,
CACHE_TTL_SECONDS=--ttl, JOURNAL_SEGMENT_MB=--segment-mb (1: a segment is deleted once every
record in it has expired, retention runs every 10 s, so disk use turns over within minutes),
LOG_LEVEL=warn and the service's defaults otherwise (JOURNAL_FSYNC=always). Then, for --minutes,
sends --rate requests per second on --connections keep-alive connections (each on its own
schedule, one request in flight), drawn at random:
  50 % end-of-call report (benchmarks/data/report_2k.json) under a new call id,
  10 % status-update (in-progress) of a new call id (a status entry, no result),
  35 % GET of a call id stored in the last TTL / 2 (200, or 404 once deleted),
   5 % DELETE of such an id (200, or 404 if already gone).
Every --sample-every seconds (10) it reads VmRSS, the DATA_DIR's disk use (as du counts it) and,
from /metrics, vapi_cache_entries, vapi_journal_disk_bytes, vapi_journal_segments and
vapi_cache_evictions_total. It prints both series and, over the samples after the first TTL plus
one retention period (--settle, default TTL + 10 s), their least-squares slope as percent of
their mean per minute, and the change from the first to the last of those samples (target:
both within 5 %).

    benchmarks/soak.py [--json] [--minutes 10] [--ttl 60] [--rate 1000] [--connections 8]
                       [--segment-mb 1] [--sample-every 10] [--settle S] [--fsync always]
                       [--wait-quiet 120]
                       [--data-root /tmp] [--binary build/vapi-cache]
"""
import argparse
import asyncio
import collections
import json
import os
import random
import resource
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

SERVER_CPU, LOAD_CPU = 1, 0
MIX = [("report", 50), ("status", 10), ("get", 35), ("delete", 5)]
EXPECTED = {"report": {200}, "status": {200}, "get": {200, 404}, "delete": {200, 404}}


def status_update(call_id):
    body = json.dumps({"message": {"type": "status-update", "status": "in-progress",
                                   "call": {"id": call_id, "status": "in-progress"}}},
                      separators=(",", ":")).encode()
    return (b"POST /api/v1/vapi/webhook HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body


class Load:
    """Draws the requests; remembers the ids stored lately for GETs and DELETEs."""

    def __init__(self, rate, ttl, seed=1):
        self.rng = random.Random(seed)
        self.template = benchlib.report_template()
        self.recent = collections.deque(maxlen=max(100, int(rate * 0.5 * ttl / 2)))
        self.n = 0
        self.kinds = [k for k, w in MIX for _ in range(w)]

    def next(self):
        self.n += 1
        kind = self.rng.choice(self.kinds)
        if kind in ("get", "delete") and not self.recent:
            kind = "report"
        if kind == "report":
            call_id = f"soak-{self.n}"
            self.recent.append(call_id)
            return kind, benchlib.post_request(*self.template, call_id)
        if kind == "status":
            return kind, status_update(f"soak-status-{self.n}")
        call_id = self.rng.choice(self.recent)
        method = b"GET" if kind == "get" else b"DELETE"
        return kind, b"%s /api/v1/vapi/calls/%s HTTP/1.1\r\nHost: b\r\n\r\n" % (
            method, call_id.encode())


async def drive(port, load, rate, connections, seconds, sample, sample_every):
    """Runs the load and the sampler; returns (counts by kind and status, ms by kind, lag)."""
    counts = collections.Counter()
    ms = collections.defaultdict(list)
    lag = [0.0]
    loop = asyncio.get_running_loop()
    t0 = loop.time() + 0.1
    end = t0 + seconds

    async def worker(k):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf, interval = b"", connections / rate
        at = t0 + k / rate
        while at < end:
            now = loop.time()
            if at > now:
                await asyncio.sleep(at - now)
            else:
                lag[0] = max(lag[0], now - at)
            kind, request = load.next()
            start = time.perf_counter()
            writer.write(request)
            statuses = []
            while True:
                buf = benchlib.parse_responses(buf, statuses, 1)
                if statuses:
                    break
                data = await reader.read(1 << 16)
                if not data:
                    raise RuntimeError("server closed a load connection")
                buf += data
            ms[kind].append((time.perf_counter() - start) * 1000)
            counts[(kind, statuses[0])] += 1
            at += interval
        writer.close()

    async def sampler():
        tick = t0
        while tick <= end + 0.01:
            await asyncio.sleep(max(0.0, tick - loop.time()))
            await asyncio.to_thread(sample, loop.time() - t0)
            tick += sample_every

    await asyncio.gather(sampler(), *(worker(k) for k in range(connections)))
    return counts, ms, lag[0]


def series_summary(samples, settle):
    steady = [(t, v) for t, v in samples if t >= settle]
    if not steady:
        return {"slope_pct_per_min": None, "change_pct": None, "min": None, "max": None}
    first, last = steady[0][1], steady[-1][1]
    return {"slope_pct_per_min": benchlib.slope_pct_per_minute(steady),
            "change_pct": round((last - first) / first * 100, 2) if first else None,
            "min": min(v for _, v in steady), "max": max(v for _, v in steady),
            "samples": len(steady)}


def run(args):
    folder = benchlib.data_dir(args.data_root)
    env = {"DATA_DIR": folder, "CACHE_TTL_SECONDS": str(args.ttl),
           "JOURNAL_SEGMENT_MB": str(args.segment_mb), "LOG_LEVEL": "warn",
           **({"JOURNAL_FSYNC": args.fsync} if args.fsync else {})}
    busy = (benchlib.wait_quiet(args.wait_quiet, (LOAD_CPU, SERVER_CPU)) if args.wait_quiet
            else None)
    server = benchlib.Server("ours", args.binary, env=env, cpu=SERVER_CPU)
    rows = []

    def sample(t):
        m = benchlib.metrics(server.port)
        rows.append({"t": round(t, 1), "rss_kb": benchlib.status_value(server.pid, "VmRSS"),
                     "du_bytes": benchlib.du_bytes(folder),
                     "entries": int(m["vapi_cache_entries"]),
                     "journal_disk_bytes": int(m["vapi_journal_disk_bytes"]),
                     "segments": int(m["vapi_journal_segments"]),
                     "segments_removed": int(m["vapi_journal_segments_removed_total"]),
                     "evictions": int(m["vapi_cache_evictions_total"])})
        if not args.json:
            r = rows[-1]
            print(f"  t={r['t']:6.1f}s  RSS {r['rss_kb'] / 1024:7.1f} MiB  du "
                  f"{r['du_bytes'] / 1e6:7.1f} MB  entries {r['entries']:7}  segments "
                  f"{r['segments']:3} (removed {r['segments_removed']})", flush=True)

    try:
        benchlib.wait_ready(server.port, server.proc, 10)
        cpu0 = benchlib.cpu_seconds(server.pid)
        load = Load(args.rate, args.ttl)
        counts, ms, lag = asyncio.run(drive(server.port, load, args.rate, args.connections,
                                            args.minutes * 60, sample, args.sample_every))
        cpu = benchlib.cpu_seconds(server.pid) - cpu0
        m = benchlib.metrics(server.port)
    finally:
        server.stop()
        benchlib.remove_dir(folder)
    seconds = args.minutes * 60
    settle = args.settle if args.settle is not None else args.ttl + 10
    total = sum(counts.values())
    wrong = {f"{k} {s}": n for (k, s), n in counts.items() if s not in EXPECTED[k]}
    return {
        "kind": "soak", "minutes": args.minutes, "ttl": args.ttl, "rate": args.rate,
        "achieved_rate": round(total / seconds, 1), "max_lag_s": round(lag, 3),
        "segment_mb": args.segment_mb, "fsync": args.fsync or "always (default)",
        "settle_s": settle, "requests": total, "busiest_core_before": busy,
        "by_kind": {f"{k} {s}": n for (k, s), n in sorted(counts.items())},
        "unexpected": wrong,
        "latency_ms": {k: benchlib.latency_summary(v) for k, v in sorted(ms.items())},
        "server_cpu_share": round(cpu / seconds, 3),
        "records_per_sync": (round(m["vapi_journal_records_written_total"] /
                                   m["vapi_journal_syncs_total"], 2)
                             if m.get("vapi_journal_syncs_total") else None),
        "rss": series_summary([(r["t"], r["rss_kb"]) for r in rows], settle),
        "disk": series_summary([(r["t"], r["du_bytes"]) for r in rows], settle),
        "entries": series_summary([(r["t"], r["entries"]) for r in rows], settle),
        "samples": rows,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--json", action="store_true", help="print the result as one JSON line")
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--ttl", type=int, default=60, help="CACHE_TTL_SECONDS")
    p.add_argument("--rate", type=float, default=1000, help="requests per second, all kinds")
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--segment-mb", type=int, default=1, help="JOURNAL_SEGMENT_MB")
    p.add_argument("--sample-every", type=float, default=10, help="seconds between samples")
    p.add_argument("--settle", type=float, help="slopes from this many seconds on "
                                                "(default: TTL + 10)")
    p.add_argument("--fsync", help="JOURNAL_FSYNC (default: the service's, always)")
    p.add_argument("--wait-quiet", type=float, default=120,
                   help="before starting, wait up to this many seconds for every core to be "
                        "under 10 %% busy (a shared machine); 0: don't")
    p.add_argument("--data-root", help="where the fresh DATA_DIR is made (default: the system's "
                                       "temporary directory)")
    p.add_argument("--binary", default=os.path.join(benchlib.ROOT, "build", "vapi-cache"))
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    try:
        os.sched_setaffinity(0, {LOAD_CPU})
    except OSError:
        pass
    r = run(args)
    if args.json:
        print(json.dumps(r))
        return
    print(f"{r['requests']} requests in {r['minutes']} min ({r['achieved_rate']}/s of "
          f"{r['rate']}/s asked, latest send {r['max_lag_s']} s behind schedule); "
          f"TTL {r['ttl']} s, "
          f"JOURNAL_SEGMENT_MB={r['segment_mb']}, JOURNAL_FSYNC={r['fsync']}; server CPU "
          f"{r['server_cpu_share']:.0%} of a core, {r['records_per_sync']} records per sync")
    print(f"by kind and status: {r['by_kind']}; unexpected: {r['unexpected'] or 'none'}")
    for kind, s in r["latency_ms"].items():
        print(f"  {kind:7} n={s['n']:7}  p50 {s['p50']:.2f} ms  p99 {s['p99']:.2f} ms  "
              f"max {s['max']:.2f} ms")
    print(f"RSS series (s, MiB): {[(x['t'], round(x['rss_kb'] / 1024, 1)) for x in r['samples']]}")
    print(f"disk series (s, MB): {[(x['t'], round(x['du_bytes'] / 1e6, 2)) for x in r['samples']]}")
    print(f"entries series: {[(x['t'], x['entries']) for x in r['samples']]}")
    for name in ("rss", "disk", "entries"):
        s = r[name]
        print(f"{name} from {r['settle_s']} s on ({s.get('samples')} samples): slope "
              f"{s['slope_pct_per_min']} %/min, first to last {s['change_pct']} % (target within "
              f"5 %), min {s['min']}, max {s['max']}")


if __name__ == "__main__":
    main()
