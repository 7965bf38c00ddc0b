#!/usr/bin/env python3
"""Out of file descriptors: CPU use, /health, and what the clients get when more connect than the
process may open (issue: "every reply reaches its own client, in order; safe under churn, limits
and slow readers").

Starts the binary under `prlimit --nofile=128:128` with LOG_LEVEL=warn on a free loopback port,
starts CONNECTIONS (400) non-blocking connects to it, sends one small GET of a missing id on each
as it connects (past the listen backlog the kernel drops SYNs and the client retries them) and
keeps them open. For SECONDS it reads every answer that arrives, measures the service's CPU use
(utime + stime from /proc/PID/stat, as % of one core) and every 500 ms tries GET /health on a new
connection (2 s timeout; each try on a thread of its own, so a hung one does not delay the next).
Then counts the 400 by outcome: answered (by status: 404 served, 503 refused), closed or reset
without an answer, connected and hanging, or still connecting. Target: the service near 0% CPU,
/health answered while full, every client answered (404) or refused (503), none left hanging.

    benchmarks/fd_exhaustion.py [--json] [--binary build/vapi-cache] [--connections 400]
                                [--seconds 5] [--nofile 128]
"""
import argparse
import collections
import json
import os
import resource
import selectors
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cpu_ticks(pid):
    """utime + stime of the process, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def run(args):
    port = benchlib.free_port()
    env = dict(os.environ, LOG_LEVEL="warn", DATA_DIR=benchlib.scratch_data_dir())
    errors = tempfile.TemporaryFile()
    # prlimit sets the limit and execs the binary: the pid is the service's.
    server = subprocess.Popen(["prlimit", f"--nofile={args.nofile}:{args.nofile}", "--",
                               args.binary, "--host", "127.0.0.1", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=errors, start_new_session=True)
    conns, probes, stop = {}, {}, threading.Event()
    prober = threading.Thread(target=benchlib.probe_every,
                              args=(port, ["/health"], 0.5, 2.0, stop, probes))
    sel, fds_max = selectors.DefaultSelector(), 0
    try:
        benchlib.wait_port(port, server, 10)
        # Non-blocking connects: past the listen backlog the kernel drops SYNs (the client
        # retries them for a minute), so a connection completes, and gets its GET, when it can.
        for i in range(args.connections):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            conns[s] = {"i": i, "state": "connecting", "buf": b"", "status": None}
            sel.register(s, selectors.EVENT_WRITE)

        start, ticks0 = time.monotonic(), cpu_ticks(server.pid)
        prober.start()
        while time.monotonic() - start < args.seconds:
            for key, _ in sel.select(timeout=0.1):
                s, c = key.fileobj, conns[key.fileobj]
                if c["state"] == "connecting":
                    if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                        c["state"] = "connect_failed"
                        sel.unregister(s)
                        continue
                    c["state"] = "open"
                    s.send(b"GET /api/v1/vapi/calls/fd-missing-%d HTTP/1.1\r\nHost: b\r\n\r\n"
                           % c["i"])  # small: fits the empty send buffer
                    sel.modify(s, selectors.EVENT_READ)
                    continue
                try:
                    data = s.recv(1 << 16)
                except OSError:
                    data, c["state"] = b"", "reset"
                if data:
                    c["buf"] += data
                    if c["status"] is None and b"\r\n\r\n" in c["buf"]:  # a whole head
                        c["status"] = int(c["buf"][9:12])
                    continue
                c["state"] = "reset" if c["state"] == "reset" else "closed"
                sel.unregister(s)
            fds_max = max(fds_max, len(os.listdir(f"/proc/{server.pid}/fd")))
        elapsed, ticks = time.monotonic() - start, cpu_ticks(server.pid) - ticks0
        stop.set()
        prober.join()
    except BaseException:
        stop.set()
        if server.poll() is not None:
            errors.seek(0)
            sys.stderr.write(f"vapi-cache exited with {server.returncode}; its stderr ends:\n"
                             f"{errors.read()[-2000:].decode(errors='replace')}\n")
        raise
    finally:
        for s in conns:
            s.close()
        benchlib.stop(server, 5)

    states = collections.Counter(c["state"] for c in conns.values())
    statuses = collections.Counter(str(c["status"]) for c in conns.values() if c["status"])
    unanswered = collections.Counter(c["state"] for c in conns.values() if c["status"] is None)
    health = probes.get("/health", [])
    answered_health = [ms for _, status, ms in health if status == 200]
    return {
        "kind": "fd_exhaustion", "binary": args.binary, "nofile": args.nofile,
        "connections": args.connections, "seconds": round(elapsed, 2),
        "connected": args.connections - states["connecting"] - states["connect_failed"],
        "still_connecting": states["connecting"], "connect_failed": states["connect_failed"],
        "server_fds_max": fds_max,
        "cpu_percent": round(ticks / (elapsed * os.sysconf("SC_CLK_TCK")) * 100, 1),
        "answered": sum(statuses.values()), "statuses": dict(statuses),
        "closed_unanswered": unanswered["closed"], "reset_unanswered": unanswered["reset"],
        "hanging": unanswered["open"],
        "health_tries": len(health), "health_answered_200": len(answered_health),
        "health_other": dict(collections.Counter(str(s) for _, s, _ in health if s != 200)),
        "health_ms": benchlib.latency_summary(answered_health),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--json", action="store_true", help="print the result as one JSON line")
    p.add_argument("--binary", default=os.path.join(ROOT, "build", "vapi-cache"))
    p.add_argument("--connections", type=int, default=400)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--nofile", type=int, default=128, help="the service's RLIMIT_NOFILE")
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    r = run(args)
    if args.json:
        print(json.dumps(r))
        return
    h = r["health_ms"]
    print(f"{r['connections']} connections to a service limited to {r['nofile']} fds: "
          f"{r['connected']} connected, {r['still_connecting']} still connecting (SYN dropped), "
          f"{r['connect_failed']} failed; the service held at most {r['server_fds_max']} fds")
    print(f"service CPU over {r['seconds']} s: {r['cpu_percent']}% of one core (target near 0)")
    print(f"answered {r['answered']} {r['statuses']}; without an answer: closed "
          f"{r['closed_unanswered']}, reset {r['reset_unanswered']}, connected and hanging "
          f"{r['hanging']} (target 0)")
    print(f"GET /health: {r['health_answered_200']} of {r['health_tries']} answered 200 "
          f"(others {r['health_other']}); p50 {h['p50']} ms, p99 {h['p99']} ms, max {h['max']} ms")


if __name__ == "__main__":
    main()
