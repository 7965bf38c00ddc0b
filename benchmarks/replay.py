#!/usr/bin/env python3
"""Start-up replay of a journal the service wrote: a million ~2 KB results back in under 10 s
(issue 12; README, "Durability").

1. Fill: starts the binary with DATA_DIR (a fresh directory, or --data-dir), JOURNAL_FSYNC=no,
   CACHE_TTL_SECONDS=--ttl (a day: nothing expires meanwhile) and LOG_LEVEL=warn, and POSTs
   RESULTS end-of-call reports of benchmarks/data/report_2k.json under distinct call ids
   (rp-0000000, ...; 8 keep-alive connections, 64 pipelined per write, every answer 200). Checks
   vapi_cache_entries == RESULTS and no evictions, reads RSS, then stops it with SIGTERM (its
   close fdatasyncs the journal).
2. Restart, --starts times on that DATA_DIR (default 2: the first with the journal's files
   dropped from the page cache by posix_fadvise(DONTNEED), as after a reboot, "cold"; the second
   as left by the first, "warm"; fincore says how much was cached): the time from spawning the
   process to the first 200 of GET /ready (polled every 10 ms), the "seconds" of its
   journal_read and replayed log lines, VmRSS once ready and 2 s later, VmHWM, and checks that
   vapi_cache_entries == RESULTS and a sample of ids GET 200. Before each restart it waits
   (--wait-quiet, up to 120 s) until no core is more than 10 % busy (a shared machine).

    benchmarks/replay.py [--json] [--results 1000000] [--starts 2] [--ttl 86400]
                         [--data-dir DIR] [--keep] [--data-root /tmp] [--cpus 0,1]
                         [--wait-quiet 120]
                         [--max-entries N] [--max-memory-mb N] [--binary build/vapi-cache]

--data-dir DIR with a journal already in it skips the fill (its results are counted from the
first start's replay); otherwise the directory made is removed at the end unless --keep. The
restarts are unpinned unless --cpus (taskset -c). MAX_ENTRIES is raised to RESULTS when RESULTS
is above the service's default (1,000,000); MAX_MEMORY_MB likewise to what RESULTS 2 KB reports
are accounted as (1,536 B each, a little above actors/entry_cost.hpp's count) when that is above
the default 1024, unless given.
"""
import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

DEFAULT_MAX_ENTRIES = 1000000
DEFAULT_MAX_MEMORY_MB = 1024


def call_ids(n):
    return [f"rp-{i:07d}" for i in range(n)]


def bounds(args):
    env = {}
    if args.max_entries or args.results > DEFAULT_MAX_ENTRIES:
        env["MAX_ENTRIES"] = str(args.max_entries or args.results)
    needed_mb = args.results * 1536 // (1 << 20) + 1
    if args.max_memory_mb or needed_mb > DEFAULT_MAX_MEMORY_MB:
        env["MAX_MEMORY_MB"] = str(args.max_memory_mb or needed_mb)
    return env


def fill(args, folder):
    env = {"DATA_DIR": folder, "JOURNAL_FSYNC": "no", "CACHE_TTL_SECONDS": str(args.ttl),
           "LOG_LEVEL": "warn", **bounds(args)}
    server = benchlib.Server("ours", args.binary, env=env)
    try:
        benchlib.wait_ready(server.port, server.proc, 10)
        seconds = asyncio.run(benchlib.store(server.port, call_ids(args.results),
                                             benchlib.report_template(),
                                             args.connections, args.batch))
        m = benchlib.metrics(server.port)
        rss = benchlib.status_value(server.pid, "VmRSS")
    finally:
        stop_seconds = server.stop(60)
    entries, evictions = int(m["vapi_cache_entries"]), int(m["vapi_cache_evictions_total"])
    if entries != args.results or evictions:
        sys.stderr.write(f"warning: after the fill {entries} cached, {evictions} evicted "
                         f"(MAX_ENTRIES / MAX_MEMORY_MB): raise them with --max-entries / "
                         f"--max-memory-mb\n")
    return {"fill_seconds": round(seconds, 1), "fill_rate": round(args.results / seconds),
            "fill_entries": entries, "fill_evictions": evictions, "fill_rss_kb": rss,
            "fill_stop_seconds": round(stop_seconds, 2),
            "records_written": int(m["vapi_journal_records_written_total"])}


def journal_files(folder):
    return [os.path.join(folder, f) for f in sorted(os.listdir(folder)) if f.endswith(".vcj")]


def drop_cache(folder):
    """Drops the journal's pages from the page cache (synced first: only clean pages go)."""
    for path in journal_files(folder):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def cached_bytes(folder):
    """Bytes of the journal's files in the page cache (fincore), or None without fincore."""
    files = journal_files(folder)
    if not files:
        return 0
    try:
        out = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES"] + files,
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return sum(int(x) for x in out.split())


def log_event(path, event):
    with open(path, errors="replace") as f:
        for line in f:
            if f'"event":"{event}"' in line:
                try:
                    return json.loads(line)
                except json.JSONDecodeError:
                    pass
    return None


def restart(args, folder, cold, expected):
    busy = benchlib.wait_quiet(args.wait_quiet) if args.wait_quiet else None
    if cold:
        drop_cache(folder)
    cached = cached_bytes(folder)
    fd, log = tempfile.mkstemp(prefix="vapi-replay-", suffix=".log")
    os.close(fd)
    env = {"DATA_DIR": folder, "CACHE_TTL_SECONDS": str(args.ttl), "LOG_LEVEL": "info",
           **bounds(args)}
    server = benchlib.Server("ours", args.binary, env=env, log=log, cpu=args.cpus)
    try:
        listening = time.monotonic()
        ready = benchlib.wait_ready(server.port, server.proc, 120)
        rss_ready = benchlib.status_value(server.pid, "VmRSS")
        time.sleep(2)
        rss_later = benchlib.status_value(server.pid, "VmRSS")
        hwm = benchlib.status_value(server.pid, "VmHWM")
        m = benchlib.metrics(server.port)
        ids = call_ids(expected)
        sample = ids[:: max(1, len(ids) // 10)][:10] + ids[-1:]
        statuses = asyncio.run(benchlib.get_statuses(server.port, sample))
    finally:
        server.stop(60)
    read, replayed = log_event(log, "journal_read") or {}, log_event(log, "replayed") or {}
    os.unlink(log)
    entries = int(m["vapi_cache_entries"])
    if entries != expected or statuses != [200] * len(sample):
        sys.stderr.write(f"warning: after replay {entries} cached (expected {expected}); "
                         f"sample GETs {statuses}\n")
    return {"kind": "replay", "start": "cold" if cold else "warm",
            "results": expected, "replayed_results": replayed.get("results"),
            "records_read": read.get("records"), "segments": read.get("segments"),
            "journal_bytes": read.get("bytes"), "page_cached_bytes": cached,
            "exec_to_ready_s": round(ready - server.started, 3),
            "exec_to_listening_s": round(listening - server.started, 3),
            "journal_read_s": round(read["seconds"], 3) if "seconds" in read else None,
            "replayed_s": round(replayed["seconds"], 3) if "seconds" in replayed else None,
            "rss_ready_kb": rss_ready, "rss_after_2s_kb": rss_later, "peak_rss_kb": hwm,
            "entries": entries, "restored": int(m.get("vapi_cache_results_restored_total", 0)),
            "sample_gets_200": statuses.count(200), "sample_gets": len(statuses),
            "cpus": args.cpus or "any", "busiest_core_before": busy}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--json", action="store_true", help="one JSON line per start")
    p.add_argument("--results", type=int, default=1000000)
    p.add_argument("--starts", type=int, default=2, help="restarts: the first cold, then warm")
    p.add_argument("--ttl", type=int, default=86400, help="CACHE_TTL_SECONDS")
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--batch", type=int, default=64, help="pipelined POSTs per write")
    p.add_argument("--data-dir", help="DATA_DIR to fill (or, holding a journal, to replay)")
    p.add_argument("--keep", action="store_true", help="keep the DATA_DIR made")
    p.add_argument("--data-root", help="where the fresh DATA_DIR is made (default: the system's "
                                       "temporary directory)")
    p.add_argument("--cpus", help="taskset -c for the restarts (default: unpinned)")
    p.add_argument("--wait-quiet", type=float, default=120,
                   help="before each restart, wait up to this many seconds for every core to be "
                        "under 10 %% busy (a shared machine); 0: don't")
    p.add_argument("--max-entries", type=int)
    p.add_argument("--max-memory-mb", type=int)
    p.add_argument("--binary", default=os.path.join(benchlib.ROOT, "build", "vapi-cache"))
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))

    made = not args.data_dir
    folder = args.data_dir or benchlib.data_dir(args.data_root)
    os.makedirs(folder, exist_ok=True)
    try:
        filled = {}
        if journal_files(folder):
            sys.stderr.write(f"{folder} holds a journal: replaying it as it is\n")
        else:
            filled = fill(args, folder)
            if not args.json:
                print(f"fill: {filled['fill_entries']} results stored in "
                      f"{filled['fill_seconds']} s ({filled['fill_rate']}/s, JOURNAL_FSYNC=no), "
                      f"{filled['fill_evictions']} evicted; RSS {filled['fill_rss_kb'] / 1024:.0f}"
                      f" MiB; SIGTERM to exit {filled['fill_stop_seconds']} s", flush=True)
        disk = benchlib.du_bytes(folder)
        expected = filled.get("fill_entries")
        for i in range(args.starts):
            r = restart(args, folder, i == 0, expected if expected is not None else 0)
            if expected is None:  # a journal given: what the first start found is the count
                expected = r["entries"]
                r = {**r, "results": expected}
            r = {**r, "disk_bytes": disk, **filled}
            if args.json:
                print(json.dumps(r), flush=True)
            else:
                print(f"{r['start']} start: {r['replayed_results']} results "
                      f"({r['records_read']} records, {r['segments']} segments, "
                      f"{r['journal_bytes'] / 1e6:.0f} MB; "
                      f"{(r['page_cached_bytes'] or 0) / 1e6:.0f} MB of it in the page cache): exec to /ready 200 {r['exec_to_ready_s']} s "
                      f"(target < 10), journal_read {r['journal_read_s']} s, replayed "
                      f"{r['replayed_s']} s; RSS ready {r['rss_ready_kb'] / 1024:.0f} MiB, "
                      f"2 s later {r['rss_after_2s_kb'] / 1024:.0f} MiB, peak "
                      f"{r['peak_rss_kb'] / 1024:.0f} MiB; sample GETs 200: "
                      f"{r['sample_gets_200']}/{r['sample_gets']}", flush=True)
    finally:
        if made and not args.keep:
            benchlib.remove_dir(folder)


if __name__ == "__main__":
    main()
