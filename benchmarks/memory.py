#!/usr/bin/env python3
"""Resident memory per stored result, for this service and the Fastify seed (README, "Performance").

Starts each server fresh on a free loopback port, stores a 100-report warm-up, reads VmRSS, stores
ENTRIES realistic ~2 KB end-of-call reports under distinct call ids (8 keep-alive connections,
64 pipelined requests per write), checks that a few of them are served, waits 1 s and reads VmRSS
again: bytes_per_entry = (after - before) * 1024 / ENTRIES. For ours it also reads
vapi_cache_accounted_bytes before and after (what MAX_MEMORY_MB bounds): accounted_per_entry,
which should not be below bytes_per_entry.

    benchmarks/memory.py [--json] [--entries 100000] [--server ours|peer|both]
                         [--journal off|on|both] [--payload report|status] [--uuid-ids]
                         [--data-root /tmp]
                         [--binary build/vapi-cache] [--peer-dir ../shared/peers/fastify-seed]

Ours runs with LOG_LEVEL=warn HTTP_THREADS=1 ACTOR_THREADS=1 CACHE_TTL_SECONDS=3600 and, with
--journal off (the default), DATA_DIR= (memory only); with --journal on, DATA_DIR is a fresh
directory under --data-root (removed afterwards) and the journal otherwise as the service's
defaults (JOURNAL_FSYNC=always); --journal both measures ours both ways and prints the ratio
(target: the journal leaves bytes per entry unchanged within 10 %). The seed runs with PORT and
CACHE_TTL_SECONDS=3600 (its RSS is read from its node process).
"""
import argparse
import asyncio
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def accounted(kind, server):
    """What the cache actor counts against MAX_MEMORY_MB (ours only)."""
    if kind != "ours":
        return 0
    return float(benchlib.metrics(server.port)["vapi_cache_accounted_bytes"])


def measure(kind, args, template, journal=False):
    folder = benchlib.data_dir(args.data_root) if journal else ""
    if kind == "ours":
        server = benchlib.Server("ours", args.binary, env={
            "LOG_LEVEL": "warn", "HTTP_THREADS": "1", "ACTOR_THREADS": "1",
            "CACHE_TTL_SECONDS": "3600", "DATA_DIR": folder})
    else:
        server = benchlib.Server("peer", peer_dir=args.peer_dir, env={"CACHE_TTL_SECONDS": "3600"})
    disk = None
    try:
        asyncio.run(benchlib.store(server.port, [f"warm-{i}" for i in range(100)], template, 4, 25))
        time.sleep(0.5)
        before = benchlib.status_value(server.pid, "VmRSS")
        accounted_before = accounted(kind, server)
        ids = [f"mem-{i:07d}" if not args.uuid_ids else f"{i:08x}-0000-4000-8000-00000000{i % 9999:04d}"
               for i in range(args.entries)]
        seconds = asyncio.run(benchlib.store(server.port, ids, template))
        sample = ids[:: max(1, len(ids) // 10)][:10] + [ids[-1]]
        statuses = asyncio.run(benchlib.get_statuses(server.port, sample + ["mem-missing"]))
        found = 404 if args.payload == "status" else 200  # a status alone answers 404 + callStatus
        if statuses != [found] * len(sample) + [404]:
            raise RuntimeError(f"{kind}: spot-check GETs answered {statuses}")
        time.sleep(1.0)
        after = benchlib.status_value(server.pid, "VmRSS")
        accounted_after = accounted(kind, server)
        if journal:
            disk = int(benchlib.metrics(server.port)["vapi_journal_disk_bytes"])
    finally:
        server.stop(10)
        if folder:
            benchlib.remove_dir(folder)
    row = {"kind": "memory", "server": kind}
    if kind == "ours":
        row["journal"] = "JOURNAL_FSYNC=always" if journal else "off"
    return {**row, "entries": args.entries, "rss_before_kb": before,
            "rss_after_kb": after,
            "bytes_per_entry": round((after - before) * 1024 / args.entries, 1),
            "store_seconds": round(seconds, 2),
            **({"accounted_per_entry": round((accounted_after - accounted_before) / args.entries,
                                             1)} if kind == "ours" else {}),
            "body_bytes": len(template[0]) + len(template[1]) + len(ids[0]),
            **({"journal_disk_bytes": disk} if journal else {})}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--json", action="store_true", help="one JSON line per result")
    p.add_argument("--entries", type=int, default=100000)
    p.add_argument("--uuid-ids", action="store_true",
                   help="36-character call ids, as VAPI's UUIDs (default: 11, mem-0000000)")
    p.add_argument("--payload", choices=["report", "status"], default="report",
                   help="2 KB end-of-call reports (results) or status-updates (call statuses)")
    p.add_argument("--server", choices=["ours", "peer", "both"], default="both")
    p.add_argument("--journal", choices=["off", "on", "both"], default="off",
                   help="ours memory only (DATA_DIR=), with a journal in a fresh DATA_DIR, or both")
    p.add_argument("--data-root", help="where the fresh DATA_DIR is made (default: the system's "
                                       "temporary directory)")
    p.add_argument("--binary", default=os.path.join(ROOT, "build", "vapi-cache"))
    p.add_argument("--peer-dir", default=benchlib.PEER_DIR)
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    template = benchlib.report_template()
    if args.payload == "status":  # a status-update per call, no result: what a call status costs
        template = (b'{"message":{"type":"status-update","status":"in-progress","call":{"id":"',
                    b'"}}}')
    results = {}
    runs = []
    if args.server in ("ours", "both"):
        runs += [("ours", False)] if args.journal in ("off", "both") else []
        runs += [("ours+journal", True)] if args.journal in ("on", "both") else []
    if args.server in ("peer", "both"):
        runs.append(("peer", False))
    for name, journal in runs:
        r = results[name] = measure(name.split("+")[0], args, template, journal)
        if args.json:
            print(json.dumps(r), flush=True)
        else:
            print(f"{name:12}: {r['entries']} reports of {r['body_bytes']} B stored in "
                  f"{r['store_seconds']:.1f} s; RSS {r['rss_before_kb'] / 1024:.1f} MiB -> "
                  f"{r['rss_after_kb'] / 1024:.1f} MiB = {r['bytes_per_entry']:.0f} bytes per entry"
                  + (f"; accounted {r['accounted_per_entry']:.0f} (RSS / accounted "
                     f"{r['bytes_per_entry'] / r['accounted_per_entry']:.2f})"
                     if "accounted_per_entry" in r else ""), flush=True)
    if "ours" in results and "ours+journal" in results:
        ratio = results["ours+journal"]["bytes_per_entry"] / results["ours"]["bytes_per_entry"]
        if args.json:
            print(json.dumps({"kind": "memory_journal_ratio", "journal_over_memory_only":
                              round(ratio, 3)}))
        else:
            print(f"bytes per entry, with the journal / memory only: {ratio:.2f} "
                  f"(target 0.90-1.10)")
    if "peer" in results and ("ours" in results or "ours+journal" in results):
        ours = results.get("ours") or results["ours+journal"]
        ratio = ours["bytes_per_entry"] / results["peer"]["bytes_per_entry"]
        if args.json:
            print(json.dumps({"kind": "memory_ratio", "ours_over_peer": round(ratio, 3)}))
        else:
            print(f"bytes per entry, ours / seed: {ratio:.2f}")


if __name__ == "__main__":
    main()
