#!/usr/bin/env python3
"""Slow readers: memory and the latency of everyone else while clients ask for a large result and
never read it (issue: "every reply reaches its own client, in order; safe under churn, limits and
slow readers").

Starts the binary with MAX_BODY_BYTES=16777216 LOG_LEVEL=warn on a free loopback port, stores one
end-of-call report whose result is ~4 MB of incompressible text (random base64 in
message.artifact.transcript, which becomes the CallResult's transcript), checks that a GET of it
is a 200 of ~4 MB and reads VmRSS. Then opens CONNECTIONS connections, each with SO_RCVBUF=4096
set before connect, each sending PIPELINE pipelined GETs of that id and never reading. For
SECONDS it reads VmRSS every 100 ms and, every 200 ms, on fresh connections (a probe of its own
thread, so a stalled one does not delay the next), times GET /health and a small GET of a missing
id (404); either not answered within 5 s counts as 5000 ms and a stall; any other answer, or a
refused or reset connection, as an error. Target: max RSS < 400 MB, health and small GET
< 100 ms, no stalls. A server past 3 GB RSS is killed and the run reported as such.

    benchmarks/slow_readers.py [--json] [--binary build/vapi-cache] [--connections 150]
                               [--pipeline 4] [--seconds 10] [--mb 4]
"""
import argparse
import base64
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CALL_ID = "slow-reader-big"
TIMEOUT = 5.0            # seconds a probe may take; past it, a stall
KILL_AT_KB = 3 << 20     # 3 GB: past this the server is killed rather than left to eat the VM


def big_report(mb):
    """The webhook POST of an end-of-call report with ~mb MB of random base64 as transcript."""
    transcript = base64.b64encode(os.urandom(mb * 3 << 18)).decode()  # 4/3 * 3/4 MiB per MB
    body = json.dumps({"message": {
        "type": "end-of-call-report", "endedReason": "customer-ended-call",
        "artifact": {"transcript": transcript},
        "call": {"id": CALL_ID, "status": "ended"}}}, separators=(",", ":")).encode()
    return (b"POST /api/v1/vapi/webhook HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body, len(transcript)


def post(port, request):
    """Sends one request on its own connection; returns the status of its answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(request)
        buf, statuses = b"", []
        while not statuses:
            chunk = s.recv(1 << 16)
            if not chunk:
                raise RuntimeError("server closed the POST connection")
            buf = benchlib.parse_responses(buf + chunk, statuses, 1)
        return statuses[0]


def run(args):
    port = benchlib.free_port()
    env = dict(os.environ, MAX_BODY_BYTES="16777216", LOG_LEVEL="warn",
               DATA_DIR=benchlib.scratch_data_dir())
    errors = tempfile.TemporaryFile()
    server = subprocess.Popen([args.binary, "--host", "127.0.0.1", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=errors, start_new_session=True)
    conns, stop, killed_at = [], threading.Event(), None
    probes, rss = {}, []
    small_path = "/api/v1/vapi/calls/missing-id"
    prober = threading.Thread(target=benchlib.probe_every,
                              args=(port, ["/health", small_path], 0.2, TIMEOUT, stop, probes))
    try:
        benchlib.wait_port(port, server, 10)
        request, transcript_bytes = big_report(args.mb)
        status = post(port, request)
        if status != 200:
            raise RuntimeError(f"the big webhook was answered {status}")
        status, length, get_ms = benchlib.get_once(port, f"/api/v1/vapi/calls/{CALL_ID}", 30)
        if status != 200 or length < transcript_bytes:
            raise RuntimeError(f"GET of the big result: {status}, {length} bytes")
        rss_before = benchlib.status_value(server.pid, "VmRSS")

        get = b"GET /api/v1/vapi/calls/%s HTTP/1.1\r\nHost: b\r\n\r\n" % CALL_ID.encode()
        for _ in range(args.connections):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: the window
            s.connect(("127.0.0.1", port))
            s.sendall(get * args.pipeline)
            conns.append(s)  # never read

        start = time.monotonic()
        prober.start()
        while time.monotonic() - start < args.seconds:
            kb = benchlib.status_value(server.pid, "VmRSS")
            rss.append((round(time.monotonic() - start, 1), kb))
            if kb > KILL_AT_KB:
                killed_at = time.monotonic()
                os.killpg(server.pid, signal.SIGKILL)
                break
            time.sleep(0.1)
        stop.set()
        prober.join()
    except BaseException:
        stop.set()
        if server.poll() is not None and killed_at is None:
            errors.seek(0)
            sys.stderr.write(f"vapi-cache exited with {server.returncode}; its stderr ends:\n"
                             f"{errors.read()[-2000:].decode(errors='replace')}\n")
        raise
    finally:
        for s in conns:
            s.close()
        benchlib.stop(server, 5)
    health, small = probes.get("/health", []), probes.get(small_path, [])
    if killed_at is not None:  # probes the kill cut short measure nothing
        health = [x for x in health if x[0] + x[2] / 1000 < killed_at]
        small = [x for x in small if x[0] + x[2] / 1000 < killed_at]
        killed_at = round(killed_at - start, 1)

    def stats(samples, expected):
        r = benchlib.latency_summary([ms for _, _, ms in samples])
        r["stalls"] = sum(1 for _, status, _ in samples if status == "timeout")
        r["errors"] = sum(1 for _, status, _ in samples if status not in ("timeout", expected))
        return r
    return {
        "kind": "slow_readers", "binary": args.binary, "connections": args.connections,
        "pipeline": args.pipeline, "seconds": args.seconds, "result_bytes": length,
        "big_get_ms": get_ms, "rss_before_kb": rss_before,
        "max_rss_kb": max(kb for _, kb in rss), "rss_last_kb": rss[-1][1],
        "killed_at_3gb_after_s": killed_at, "health_ms": stats(health, 200),
        "small_get_ms": stats(small, 404), "rss_by_second": rss[::10],
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--json", action="store_true", help="print the result as one JSON line")
    p.add_argument("--binary", default=os.path.join(ROOT, "build", "vapi-cache"))
    p.add_argument("--connections", type=int, default=150)
    p.add_argument("--pipeline", type=int, default=4, help="GETs of the big result per connection")
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--mb", type=int, default=4, help="size of the stored transcript, MB")
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    r = run(args)
    if args.json:
        print(json.dumps(r))
        return
    h, g = r["health_ms"], r["small_get_ms"]
    print(f"{r['connections']} connections x {r['pipeline']} GETs of a {r['result_bytes']} B "
          f"result, never read, for {r['seconds']} s")
    print(f"RSS before {r['rss_before_kb'] / 1024:.0f} MiB, max {r['max_rss_kb'] / 1024:.0f} MiB "
          f"(target < 400 MB)" + (f"; killed at 3 GB after {r['killed_at_3gb_after_s']} s"
                                  if r["killed_at_3gb_after_s"] is not None else ""))
    for name, s in (("GET /health", h), ("small GET (404)", g)):
        print(f"{name} ({s['n']}): p50 {s['p50']} ms, p99 {s['p99']} ms, max {s['max']} ms "
              f"(target < 100); stalls (> {TIMEOUT:.0f} s) {s['stalls']}, errors {s['errors']}")
    print(f"RSS by second (s, kB): {r['rss_by_second']}")


if __name__ == "__main__":
    main()
