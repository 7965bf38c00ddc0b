#!/usr/bin/env python3
"""Stats pages at a million entries: what a page costs, and what it costs everyone else's GETs.

Starts the service memory only (DATA_DIR=, LOG_LEVEL=warn, MAX_MEMORY_MB and MAX_ENTRIES raised
so nothing is evicted), stores ENTRIES 2 KB reports (benchlib.store), then times, on fresh
connections (connect included), REPEAT requests each of GET /api/v1/vapi/cache/stats with
limit=0, limit=10, limit=1000 from the oldest, and limit=1000 from a cursor (the one after the
largest page, 10,000 entries in).
Then GETs of a present id every 5 ms for PROBE seconds, first alone, then while another
client reads limit=1000 pages back to back: the GET's p50/p99/max with and without the stats
load say how long a lookup waits behind a page (the cache actor answers both).

Targets (issue 14): at 1,000,000 entries a page of 1,000 answers in under 5 ms, and a GET never
waits behind stats longer than that.

    benchmarks/stats_page.py [--json] [--entries 1000000] [--repeat 20] [--probe 5]
                             [--binary build/vapi-cache]
"""
import argparse
import asyncio
import json
import os
import resource
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATS = "/api/v1/vapi/cache/stats"


def timed(port, path, repeat):
    ms = []
    for _ in range(repeat):
        status, _, took = benchlib.get_once(port, path, 30)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        ms.append(took)
    return benchlib.latency_summary(ms)


def probe(port, path, seconds):
    ms = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        status, _, took = benchlib.get_once(port, path, 30)
        if status != 200:
            raise RuntimeError(f"probe GET {path} answered {status}")
        ms.append(took)
        time.sleep(0.005)
    return benchlib.latency_summary(ms)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--json", action="store_true")
    p.add_argument("--entries", type=int, default=1000000)
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--probe", type=float, default=5.0, help="seconds of probe GETs, each phase")
    p.add_argument("--binary", default=os.path.join(ROOT, "build", "vapi-cache"))
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    mb = args.entries * 2048 // (1 << 20) + 256
    server = benchlib.Server("ours", args.binary, env={
        "DATA_DIR": "", "LOG_LEVEL": "warn", "CACHE_TTL_SECONDS": "3600",
        "MAX_MEMORY_MB": str(mb), "MAX_ENTRIES": str(max(args.entries, 1000000))})
    rows = []
    try:
        ids = [f"st-{i:07d}" for i in range(args.entries)]
        seconds = asyncio.run(benchlib.store(server.port, ids, benchlib.report_template()))
        page = json.loads(benchlib.get_body(server.port, f"{STATS}?limit=0", 30))
        size = page["stats"]["size"]
        if size != args.entries:
            raise RuntimeError(f"stats size {size}, stored {args.entries}")
        middle = json.loads(benchlib.get_body(  # the largest page the service gives: 10,000
            server.port, f"{STATS}?limit=10000", 120))["stats"]["nextCursor"]
        cases = [("limit=0", f"{STATS}?limit=0"), ("limit=10", f"{STATS}?limit=10"),
                 ("limit=1000", f"{STATS}?limit=1000")]
        if middle:
            cases.append(("limit=1000 cursor", f"{STATS}?limit=1000&cursor={middle}"))
        for name, path in cases:
            rows.append({"kind": "stats_page", "entries": size, "request": name,
                         **timed(server.port, path, args.repeat)})
        hit = "/api/v1/vapi/calls/st-0000000"
        rows.append({"kind": "stats_probe", "entries": size, "load": "none",
                     **probe(server.port, hit, args.probe)})
        stop = threading.Event()
        pages = [0]

        def reader():
            while not stop.is_set():
                benchlib.get_body(server.port, f"{STATS}?limit=1000", 30)
                pages[0] += 1
        t = threading.Thread(target=reader)
        t.start()
        try:
            under = probe(server.port, hit, args.probe)
        finally:
            stop.set()
            t.join()
        rows.append({"kind": "stats_probe", "entries": size,
                     "load": f"limit=1000 pages back to back ({pages[0] / args.probe:.0f}/s)",
                     **under})
    finally:
        server.stop(30)
    for r in rows:
        if args.json:
            print(json.dumps(r))
        elif r["kind"] == "stats_page":
            print(f"stats {r['request']:15} at {r['entries']} entries: p50 {r['p50']} ms, "
                  f"p99 {r['p99']} ms, max {r['max']} ms ({r['n']} requests)")
        else:
            print(f"GET hit while {r['load']}: p50 {r['p50']} ms, p99 {r['p99']} ms, "
                  f"max {r['max']} ms ({r['n']} requests)")
    if not args.json:
        print(f"(stored {args.entries} in {seconds:.1f} s; times include connecting)")


if __name__ == "__main__":
    main()
