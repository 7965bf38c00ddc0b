#!/usr/bin/env python3
"""The Redis store (STORE=redis) against the seed's own Redis variant, on one Redis (issue 13).

A redis-server of its own (Debian's; no persistence: this measures the services, not the disk)
runs pinned to CPU 1 beside the server under test; wrk -t1 runs on CPU 0. In order:
  1. ours (STORE=redis, otherwise the defaults: LOG_LEVEL=info, a fresh DATA_DIR for the
     outbox) and the peer (../shared/peers/fastify-seed-redis: Fastify + ioredis, the design
     document's sketch), each on a FLUSHALLed Redis, preloaded with the ids get_hit reads
     (benchmarks/preload.py), then wrk get_hit, get_miss, post_2k; ratios ours / peer against
     the 1.5x target;
  2. cross-instance wake-up: instances A and B of ours (both on CPU 1 with Redis), --waits
     rounds of a long-poll held on B (GET ...?wait=10) answered by the webhook POSTed to A;
     latency from the POST's send to B's answer, and from A's 200 to B's answer;
  3. one instance against two on the same Redis and the same core: get_hit and post_2k with
     64 connections on A alone, then 32 on each of A and B at once (two wrk processes). On two
     cores this is the cost of a second instance, not the scaling (README, "How it scales").
Every run also reports Redis's own CPU time per request (from /proc): what bounds how far
instances scale on one Redis.

    benchmarks/redis_mode.py [--json] [--duration 5s] [--waits 1000] [--skip-peer]
                             [--wait-quiet 60] [--binary build/vapi-cache]
                             [--peer-dir ../shared/peers/fastify-seed-redis]

--json prints one JSON line per run: {"kind":"redis_mode",...}, {"kind":"redis_mode_ratio",...},
{"kind":"redis_wake",...}, {"kind":"redis_instances",...}.
"""
import argparse
import http.client
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

SERVER_CPU, WRK_CPU = 1, 0
SCENARIOS = ["get_hit", "get_miss", "post_2k"]
TARGET = 1.5
IDS = 10000


class Redis:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="vapi-bench-redis-")
        self.port = benchlib.free_port()
        self.proc = subprocess.Popen(
            ["taskset", "-c", str(SERVER_CPU), "redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", self.dir,
             "--daemonize", "no", "--logfile", os.path.join(self.dir, "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        benchlib.wait_port(self.port, self.proc, 10)
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def command(self, *words):
        """One command over a fresh connection (RESP by hand: the benchmark needs no client)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            s.sendall(("*%d\r\n" % len(words) + "".join(
                "$%d\r\n%s\r\n" % (len(w.encode()), w) for w in words)).encode())
            return s.recv(65536).decode(errors="replace")

    def stop(self):
        benchlib.stop(self.proc, 10)
        benchlib.remove_dir(self.dir)


def preload(port):
    subprocess.run([sys.executable, os.path.join(benchlib.ROOT, "benchmarks", "preload.py"),
                    str(port), str(IDS)], check=True)


def ours(args, redis, cpu=SERVER_CPU):
    return benchlib.Server("ours", args.binary, env={"STORE": "redis", "REDIS_URL": redis.url},
                           cpu=cpu)


def measure(args, name, start, redis):
    rows = []
    for scenario in SCENARIOS:
        redis.command("FLUSHALL")
        benchlib.quiet(args.wait_quiet, (WRK_CPU, SERVER_CPU))
        server = start()
        try:
            if name == "ours":
                benchlib.wait_ready(server.port, server.proc, 10)
            if scenario == "get_hit":
                preload(server.port)
            cpu0 = benchlib.cpu_seconds(redis.proc.pid)
            r = benchlib.run_wrk(server.port, scenario, args.duration, 64, cpu=WRK_CPU,
                                 env={"IDS": str(IDS)})
            redis_cpu = benchlib.cpu_seconds(redis.proc.pid) - cpu0
        finally:
            server.stop()
        rows.append({"kind": "redis_mode", "server": name, "scenario": scenario, **r,
                     "redis_cpu_us_per_request":
                         round(redis_cpu / max(1, r["requests"]) * 1e6, 2)})
    return rows


def wake_latency(args, redis):
    redis.command("FLUSHALL")
    a, b = ours(args, redis), ours(args, redis)
    try:
        for s in (a, b):
            benchlib.wait_ready(s.port, s.proc, 10)
        poster = http.client.HTTPConnection("127.0.0.1", a.port, timeout=20)
        from_send, from_ack = [], []
        for i in range(args.waits):
            waiter = socket.create_connection(("127.0.0.1", b.port), timeout=20)
            waiter.sendall(f"GET /api/v1/vapi/calls/wake-{i}?wait=10 HTTP/1.1\r\n"
                           "Host: b\r\n\r\n".encode())
            time.sleep(0.002)  # held by now (a wait registers in well under a millisecond)
            got = []
            reader = threading.Thread(target=lambda: got.append((waiter.recv(65536),
                                                                 time.monotonic())))
            reader.start()
            body = json.dumps({"message": {"type": "end-of-call-report",
                                           "call": {"id": f"wake-{i}"}}})
            sent = time.monotonic()
            poster.request("POST", "/api/v1/vapi/webhook", body,
                           {"Content-Type": "application/json"})
            rsp = poster.getresponse()
            rsp.read()
            acked = time.monotonic()
            reader.join(20)
            waiter.close()
            if rsp.status != 200 or not got or b" 200 " not in got[0][0].split(b"\r\n")[0]:
                raise RuntimeError(f"wait {i} was not answered with its result")
            from_send.append((got[0][1] - sent) * 1000)
            from_ack.append(max(0.0, (got[0][1] - acked) * 1000))
    finally:
        a.stop()
        b.stop()
    return {"kind": "redis_wake", "waits": args.waits,
            "from_send": benchlib.latency_summary(from_send),
            "from_ack": benchlib.latency_summary(from_ack)}


def instances(args, redis):
    rows = []
    for scenario in ("get_hit", "post_2k"):
        for count in (1, 2):
            redis.command("FLUSHALL")
            benchlib.quiet(args.wait_quiet, (WRK_CPU, SERVER_CPU))
            servers = [ours(args, redis) for _ in range(count)]
            try:
                for s in servers:
                    benchlib.wait_ready(s.port, s.proc, 10)
                if scenario == "get_hit":
                    preload(servers[0].port)  # one Redis: every instance sees them
                results, threads = [], []
                cpu0 = benchlib.cpu_seconds(redis.proc.pid)
                for s in servers:
                    t = threading.Thread(target=lambda p=s.port: results.append(
                        benchlib.run_wrk(p, scenario, args.duration, 64 // count, cpu=WRK_CPU,
                                         env={"IDS": str(IDS)})))
                    t.start()
                    threads.append(t)
                for t in threads:
                    t.join()
                redis_cpu = benchlib.cpu_seconds(redis.proc.pid) - cpu0
            finally:
                for s in servers:
                    s.stop()
            rows.append({"kind": "redis_instances", "scenario": scenario, "instances": count,
                         "rps": round(sum(r["rps"] for r in results), 1),
                         "p99_ms": max(r["p99_ms"] for r in results),
                         "errors": sum(r["errors"] + r["non2xx"] for r in results),
                         "redis_cpu_us_per_request": round(
                             redis_cpu / max(1, sum(r["requests"] for r in results)) * 1e6, 2)})
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--json", action="store_true")
    p.add_argument("--duration", default="5s")
    p.add_argument("--waits", type=int, default=1000)
    p.add_argument("--skip-peer", action="store_true")
    p.add_argument("--wait-quiet", type=float, default=60)
    p.add_argument("--binary", default=os.path.join(benchlib.ROOT, "build", "vapi-cache"))
    p.add_argument("--peer-dir", default=os.path.join(benchlib.ROOT, "..", "shared", "peers",
                                                      "fastify-seed-redis"))
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))

    def emit(row):
        print(json.dumps(row) if args.json else row, flush=True)

    redis = Redis()
    try:
        ours_rows = measure(args, "ours", lambda: ours(args, redis), redis)
        for r in ours_rows:
            emit(r)
        if not args.skip_peer:
            try:
                peer_rows = measure(args, "peer", lambda: benchlib.Server(
                    "peer", peer_dir=args.peer_dir, env={"REDIS_URL": redis.url},
                    cpu=SERVER_CPU), redis)
            except Exception as e:  # noqa: BLE001 - a missing peer skips its rows, says why
                emit({"kind": "redis_mode_note", "note": f"peer not measured: {e}"})
                peer_rows = []
            for r in peer_rows:
                emit(r)
            for o, q in zip(ours_rows, peer_rows):
                ratio = o["rps"] / q["rps"] if q["rps"] else None
                emit({"kind": "redis_mode_ratio", "scenario": o["scenario"],
                      "ours_rps": o["rps"], "peer_rps": q["rps"],
                      "ratio": round(ratio, 2) if ratio else None, "target": TARGET,
                      "met": bool(ratio and ratio >= TARGET)})
        emit(wake_latency(args, redis))
        for r in instances(args, redis):
            emit(r)
    finally:
        redis.stop()


if __name__ == "__main__":
    main()
