#!/usr/bin/env python3
"""A million cached results: store rate, peak RSS, and GET latency while storing and while they
all expire (README, "Performance").

Starts build/vapi-cache with CACHE_TTL_SECONDS=TTL on a free loopback port, then stores ENTRIES
compact (~400 B) but realistic end-of-call reports under distinct ids as fast as it can
(CONNECTIONS keep-alive connections, BATCH pipelined requests per write; every answer must be
200). Meanwhile a separate probe process, on its own connection, GETs a present id (every tenth
time a missing one) every 10 ms, from before the first store until the cache is empty again;
the cache size is read from /metrics (vapi_cache_entries) every second. Reports the store rate,
peak RSS (VmHWM), GET latency percentiles while storing and while expiring (from the first
entry's TTL until empty; the two overlap when storing takes longer than the TTL), the slowest
GET of the whole run (target: none over 50 ms), and the seconds from the last store to empty.

    benchmarks/scale.py [--json] [--entries 1000000] [--ttl 20] [--connections 8] [--batch 64]
                        [--binary build/vapi-cache] [--http-threads N] [--actor-threads N]
"""
import argparse
import asyncio
import json
import math
import os
import resource
import select
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROBE_EVERY = 0.010  # seconds between probe GETs


def compact_template():
    """(prefix, suffix) of a compact end-of-call report around its call id."""
    body = json.dumps({"message": {"type": "end-of-call-report", "call": {
        "id": "CALL_ID", "status": "ended", "endedReason": "customer-ended-call",
        "transcript": "AI: Is this Joe's Plumbing? Customer: Yes. AI: Can you come today? "
                      "Customer: Yes, at 3 pm.",
        "summary": "Customer confirmed availability", "cost": 0.45,
        "startedAt": "2025-01-15T10:00:00Z", "endedAt": "2025-01-15T10:05:30Z",
        "analysis": {"summary": "Available today at 3 pm",
                     "structuredData": {"availability": "available", "recommended": True}},
        "metadata": {"providerName": "Joe's Plumbing", "providerPhone": "+15551234567",
                     "serviceNeeded": "plumbing", "location": "Greenville, SC"}}}},
        separators=(",", ":")).encode()
    prefix, _, suffix = body.partition(b"CALL_ID")
    return prefix, suffix


async def store(port, entries, connections, batch):
    prefix, suffix = compact_template()

    async def one(first):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        sock = writer.get_extra_info("socket")
        buf, bad, ids = b"", 0, range(first, entries, connections)
        for start in range(0, len(ids), batch):
            chunk = ids[start:start + batch]
            writer.write(b"".join(benchlib.post_request(prefix, suffix, b"s-%d" % i)
                                  for i in chunk))
            statuses = []
            while True:
                buf = benchlib.parse_responses(buf, statuses, len(chunk))
                if len(statuses) == len(chunk):
                    break
                data = await reader.read(1 << 18)
                if not data:
                    raise RuntimeError("server closed a store connection")
                # The service does not set TCP_NODELAY: with many responses in flight, Nagle holds
                # each small write until the previous is acknowledged, and a delayed ACK costs
                # 40 ms a time (7,700/s instead of 25,000/s here). Acknowledge at once.
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
                buf += data
            bad += sum(1 for s in statuses if s != 200)
        writer.close()
        return bad

    bad = sum(await asyncio.gather(*(one(c) for c in range(connections))))
    if bad:
        raise RuntimeError(f"{bad} of {entries} webhook POSTs were not answered 200")


# ---- the probe: a child process, so that the loader's CPU use does not delay its timing ----

def probe_child(port, ttl):
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.settimeout(30)
    buf = b""

    def exchange(request):
        nonlocal buf
        sock.sendall(request)
        statuses = []
        while True:
            buf = benchlib.parse_responses(buf, statuses, 1)
            if statuses:
                return statuses[0]
            data = sock.recv(1 << 16)
            if not data:
                raise RuntimeError("server closed the probe connection")
            buf += data

    prefix, suffix = compact_template()
    repost = benchlib.post_request(prefix, suffix, b"probe-present")
    get_hit = b"GET /api/v1/vapi/calls/probe-present HTTP/1.1\r\nHost: b\r\n\r\n"
    samples, n = [], 0
    next_repost, tick = 0.0, time.monotonic()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        now = time.monotonic()
        if now >= next_repost:  # keeps the present id present through the TTL (not timed)
            exchange(repost)
            next_repost = now + max(1.0, ttl / 4)
        n += 1
        miss = n % 10 == 0
        request = (b"GET /api/v1/vapi/calls/probe-missing-%d HTTP/1.1\r\nHost: b\r\n\r\n" % n
                   if miss else get_hit)
        t0 = time.monotonic()
        status = exchange(request)
        t1 = time.monotonic()
        samples.append((round(t0, 6), round((t1 - t0) * 1000, 3), status, miss))
        tick = max(tick + PROBE_EVERY, t1)  # a stall skips ticks; the stalled GET is recorded
        if select.select([sys.stdin], [], [], max(0.0, tick - time.monotonic()))[0]:
            break  # the parent wrote "stop" or closed stdin
    sys.stdout.write(json.dumps(samples) + "\n")
    sys.stdout.flush()


# ---- the parent ----

def cache_entries(port):
    return int(float(metric_line(benchlib.get_body(port, "/metrics", 10), b"vapi_cache_entries")))


def metric_line(data, name):
    for line in data.split(b"\n"):
        if line.startswith(name + b" "):
            return line.split()[1]
    raise RuntimeError(f"no {name} in /metrics")


def percentile(sorted_values, q):
    if not sorted_values:
        return None
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


def summary(latencies):
    v = sorted(latencies)
    return {"n": len(v), "p50": percentile(v, 0.5), "p99": percentile(v, 0.99),
            "p999": percentile(v, 0.999), "max": v[-1] if v else None}


def run(args):
    port = benchlib.free_port()
    env = dict(os.environ, LOG_LEVEL="warn", CACHE_TTL_SECONDS=str(args.ttl),
               DATA_DIR=benchlib.scratch_data_dir())
    if args.http_threads is not None:
        env["HTTP_THREADS"] = str(args.http_threads)
    if args.actor_threads is not None:
        env["ACTOR_THREADS"] = str(args.actor_threads)
    errors = tempfile.TemporaryFile()
    server = subprocess.Popen([args.binary, "--host", "127.0.0.1", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=errors, start_new_session=True)
    probe = None
    try:
        benchlib.wait_port(port, server, 10)
        probe = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--probe-child",
                                  str(port), str(args.ttl)], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
        if probe.stdout.readline().strip() != "ready":
            raise RuntimeError("probe did not start")
        time.sleep(1.0)  # a baseline before the load

        store_start = time.monotonic()
        asyncio.run(store(port, args.entries, args.connections, args.batch))
        store_end = time.monotonic()
        stored = cache_entries(port) - 1
        rss_stored = benchlib.status_value(server.pid, "VmRSS")

        stats_ms = None
        if args.stats_check:  # one full stats page at peak: how long does it hold the actor?
            t0 = time.monotonic()
            benchlib.get_body(port, "/api/v1/vapi/cache/stats?limit=0", 60)
            stats_ms = round((time.monotonic() - t0) * 1000, 2)

        sizes = []
        empty_at = None
        limit = store_end + args.ttl + 120
        while time.monotonic() < limit:
            n = cache_entries(port) - 1  # the probe keeps its one present id
            sizes.append((round(time.monotonic() - store_start, 1), n))
            if n <= 0:
                empty_at = time.monotonic()
                break
            time.sleep(1.0)
        time.sleep(0.5)  # a little quiet after empty
        # (VmHWM lags a little)
        peak_rss = max(benchlib.status_value(server.pid, "VmHWM"), rss_stored)
        probe.stdin.write("stop\n")
        probe.stdin.close()
        samples = json.loads(probe.stdout.readline())
        probe.wait(timeout=10)
    except BaseException:
        if server.poll() is not None:  # say why the run broke off: the server is gone
            errors.seek(0)
            tail = errors.read()[-2000:].decode(errors="replace")
            code = server.returncode
            sys.stderr.write(f"vapi-cache exited with {code}"
                             f"{f' (signal {-code})' if code < 0 else ''}; its stderr ends:\n{tail}\n")
        raise
    finally:
        if probe and probe.poll() is None:
            probe.kill()
            probe.wait()
        benchlib.stop(server, 15)

    expiry_start = store_start + args.ttl
    expiry_end = empty_at if empty_at is not None else float("inf")
    during_store = summary([ms for t, ms, _, _ in samples if store_start <= t < store_end])
    during_expiry = summary([ms for t, ms, _, _ in samples if expiry_start <= t <= expiry_end])
    everything = summary([ms for _, ms, _, _ in samples])
    wrong = sum(1 for _, _, status, miss in samples if status != (404 if miss else 200))
    seconds = store_end - store_start
    return {
        "kind": "scale", "server": "ours", "entries": args.entries, "entries_seen": stored,
        "ttl": args.ttl, "store_seconds": round(seconds, 2),
        "store_rate": round(args.entries / seconds), "rss_stored_kb": rss_stored,
        "peak_rss_kb": peak_rss,
        "get_p50_ms": during_store["p50"], "get_p99_ms": during_store["p99"],
        "get_p999_ms": during_store["p999"], "store_get_max_ms": during_store["max"],
        "gets_during_store": during_store["n"],
        "get_max_ms": everything["max"], "gets": everything["n"], "get_wrong_status": wrong,
        "expiry_get_p50_ms": during_expiry["p50"], "expiry_get_p99_ms": during_expiry["p99"],
        "expiry_get_p999_ms": during_expiry["p999"], "expiry_get_max_ms": during_expiry["max"],
        "gets_during_expiry": during_expiry["n"],
        "empty_after_seconds": round(empty_at - store_end, 1) if empty_at else None,
        "expiry_overlapped_store": seconds > args.ttl,
        "slowest_gets": [[round(t - store_start, 2), ms] for t, ms, _, _ in
                         sorted(samples, key=lambda x: -x[1])[:5]],
        **({"stats_limit0_ms": stats_ms} if stats_ms is not None else {}),
    }, sizes


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--probe-child":
        return probe_child(int(sys.argv[2]), int(sys.argv[3]))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--json", action="store_true", help="print the result as one JSON line")
    p.add_argument("--entries", type=int, default=1000000)
    p.add_argument("--ttl", type=int, default=20, help="CACHE_TTL_SECONDS of the server")
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--batch", type=int, default=64, help="pipelined requests per write")
    p.add_argument("--binary", default=os.path.join(ROOT, "build", "vapi-cache"))
    p.add_argument("--http-threads", type=int, help="HTTP_THREADS (default: the service's)")
    p.add_argument("--actor-threads", type=int, help="ACTOR_THREADS (default: the service's)")
    p.add_argument("--stats-check", action="store_true",
                   help="after storing, time one GET /cache/stats?limit=0 (holds the cache "
                        "actor for a full scan; its stall shows in get_max_ms)")
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    t0 = time.monotonic()
    r, sizes = run(args)
    if args.json:
        print(json.dumps(r))
        return
    print(f"stored {r['entries']} reports in {r['store_seconds']} s ({r['store_rate']}/s), "
          f"{r['entries_seen']} cached; peak RSS {r['peak_rss_kb'] / 1024:.0f} MiB")
    print(f"GET while storing ({r['gets_during_store']}): p50 {r['get_p50_ms']} ms, p99 "
          f"{r['get_p99_ms']} ms, p99.9 {r['get_p999_ms']} ms, max {r['store_get_max_ms']} ms")
    print(f"GET while expiring ({r['gets_during_expiry']}): p50 {r['expiry_get_p50_ms']} ms, "
          f"p99 {r['expiry_get_p99_ms']} ms, p99.9 {r['expiry_get_p999_ms']} ms, "
          f"max {r['expiry_get_max_ms']} ms")
    print(f"slowest GET of the run: {r['get_max_ms']} ms (target <= 50); wrong statuses: "
          f"{r['get_wrong_status']}; empty {r['empty_after_seconds']} s after the last store; "
          f"cache size by second: {sizes[:3]} ... {sizes[-3:]}; wall {time.monotonic() - t0:.0f} s")
    print(f"slowest GETs [seconds after the first store, ms]: {r['slowest_gets']}")


if __name__ == "__main__":
    main()
