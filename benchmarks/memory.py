#!/usr/bin/env python3
"""Resident memory per stored result, for this service and the Fastify seed (README, "Performance").

Starts each server fresh on a free loopback port, stores a 100-report warm-up, reads VmRSS, stores
ENTRIES realistic ~2 KB end-of-call reports under distinct call ids (8 keep-alive connections,
64 pipelined requests per write), checks that a few of them are served, waits 1 s and reads VmRSS
again: bytes_per_entry = (after - before) * 1024 / ENTRIES.

    benchmarks/memory.py [--json] [--entries 100000] [--server ours|peer|both]
                         [--binary build/vapi-cache] [--peer-dir ../shared/peers/fastify-seed]

Ours runs with LOG_LEVEL=warn HTTP_THREADS=1 ACTOR_THREADS=1 CACHE_TTL_SECONDS=3600; the seed
with PORT and CACHE_TTL_SECONDS=3600 (its RSS is read from its node process).
"""
import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Server:
    """A server process in its own session, stopped (the whole group) on exit."""

    def __init__(self, kind, args):
        self.kind, self.port = kind, benchlib.free_port()
        if kind == "ours":
            env = dict(os.environ, LOG_LEVEL="warn", HTTP_THREADS="1", ACTOR_THREADS="1",
                       CACHE_TTL_SECONDS="3600")
            cmd = [args.binary, "--host", "127.0.0.1", "--port", str(self.port)]
            name, startup = os.path.basename(args.binary)[:15], 10
        else:
            env = dict(os.environ, PORT=str(self.port), CACHE_TTL_SECONDS="3600")
            cmd = [os.path.join(args.peer_dir, "start.sh")]
            name, startup = "node", 120
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        benchlib.wait_port(self.port, self.proc, startup)
        self.pid = process_named(self.proc.pid, name)

    def stop(self):
        benchlib.stop(self.proc, 10)


def measure(kind, args, template):
    server = Server(kind, args)
    try:
        asyncio.run(store(server.port, [f"warm-{i}" for i in range(100)], template, 4, 25))
        time.sleep(0.5)
        before = benchlib.status_value(server.pid, "VmRSS")
        ids = [f"mem-{i:07d}" for i in range(args.entries)]
        seconds = asyncio.run(store(server.port, ids, template))
        sample = ids[:: max(1, len(ids) // 10)][:10] + [ids[-1]]
        statuses = asyncio.run(get_statuses(server.port, sample + ["mem-missing"]))
        if statuses != [200] * len(sample) + [404]:
            raise RuntimeError(f"{kind}: spot-check GETs answered {statuses}")
        time.sleep(1.0)
        after = benchlib.status_value(server.pid, "VmRSS")
    finally:
        server.stop()
    return {"kind": "memory", "server": kind, "entries": args.entries, "rss_before_kb": before,
            "rss_after_kb": after,
            "bytes_per_entry": round((after - before) * 1024 / args.entries, 1),
            "store_seconds": round(seconds, 2),
            "body_bytes": len(template[0]) + len(template[1]) + len("mem-0000000")}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--json", action="store_true", help="one JSON line per result")
    p.add_argument("--entries", type=int, default=100000)
    p.add_argument("--server", choices=["ours", "peer", "both"], default="both")
    p.add_argument("--binary", default=os.path.join(ROOT, "build", "vapi-cache"))
    p.add_argument("--peer-dir", default=os.path.join(os.path.dirname(ROOT), "shared", "peers",
                                                      "fastify-seed"))
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    template = benchlib.report_template()
    results = {}
    for kind in (["ours", "peer"] if args.server == "both" else [args.server]):
        r = results[kind] = measure(kind, args, template)
        if args.json:
            print(json.dumps(r), flush=True)
        else:
            print(f"{kind:5}: {r['entries']} reports of {r['body_bytes']} B stored in "
                  f"{r['store_seconds']:.1f} s; RSS {r['rss_before_kb'] / 1024:.1f} MiB -> "
                  f"{r['rss_after_kb'] / 1024:.1f} MiB = {r['bytes_per_entry']:.0f} bytes per entry",
                  flush=True)
    if len(results) == 2:
        ratio = results["ours"]["bytes_per_entry"] / results["peer"]["bytes_per_entry"]
        if args.json:
            print(json.dumps({"kind": "memory_ratio", "ours_over_peer": round(ratio, 3)}))
        else:
            print(f"bytes per entry, ours / seed: {ratio:.2f}")


if __name__ == "__main__":
    main()
