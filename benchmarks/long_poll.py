#!/usr/bin/env python3
"""Long-poll measurements against the real binary (README, "Performance").

1. Latency from webhook POST to long-poll reply: CALLS waiters held at once, then one report per
   call posted at about 1,000/s; for each call, the time from sending its POST to receiving its
   waiter's 200. Prints p50/p99/max.
2. Cost of holding WAITERS long-polls: RSS and thread count of the service before and while
   WAITERS requests (distinct calls, ?wait=55) are held.

    benchmarks/long_poll.py [build/vapi-cache] [CALLS=1000] [WAITERS=10000]
"""
import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import time

binary = sys.argv[1] if len(sys.argv) > 1 else "build/vapi-cache"
calls = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
waiters = int(sys.argv[3]) if len(sys.argv) > 3 else 10000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]), int(fields["Threads"])


def report(call_id):
    body = json.dumps({"message": {"type": "end-of-call-report",
                                   "endedReason": "customer-ended-call",
                                   "call": {"id": call_id}}}).encode()
    return (b"POST /api/v1/vapi/webhook HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    body = await reader.readexactly(length)
    return int(head.split(b" ")[1]), body


async def hold(port, call_id, wait):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /api/v1/vapi/calls/{call_id}?wait={wait} HTTP/1.1\r\nHost: b\r\n\r\n"
                 .encode())
    await writer.drain()
    return reader, writer


async def latency(port):
    held = [await hold(port, f"lat-{i}", 50) for i in range(calls)]
    await asyncio.sleep(0.5)
    received = {}

    async def receive(i, reader):
        status, _ = await read_response(reader)
        received[i] = (status, time.perf_counter())

    tasks = [asyncio.create_task(receive(i, r)) for i, (r, _) in enumerate(held)]
    post_reader, post_writer = await asyncio.open_connection("127.0.0.1", port)
    sent = {}
    for i in range(calls):
        sent[i] = time.perf_counter()
        post_writer.write(report(f"lat-{i}"))
        await post_writer.drain()
        await read_response(post_reader)
        await asyncio.sleep(max(0.0, sent[i] + 0.001 - time.perf_counter()))  # ~1,000/s
    await asyncio.gather(*tasks)
    ms = sorted((received[i][1] - sent[i]) * 1000 for i in range(calls))
    ok = sum(1 for s, _ in received.values() if s == 200)
    for _, w in held:
        w.close()
    post_writer.close()
    return ok, ms


async def many_waiters(port, pid):
    before = proc_status(pid)
    held = []
    for start in range(0, waiters, 500):
        held += await asyncio.gather(*(hold(port, f"w-{i}", 55)
                                       for i in range(start, min(waiters, start + 500))))
    await asyncio.sleep(1.0)
    during = proc_status(pid)
    for _, w in held:
        w.close()
    return before, during


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    port = free_port()
    env = dict(os.environ, LOG_LEVEL="warn", MAX_WAITERS=str(max(waiters, calls) + 10))
    svc = subprocess.Popen([binary, "--host", "127.0.0.1", "--port", str(port)], env=env)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.05)
        ok, ms = asyncio.run(latency(port))
        print(f"webhook POST -> long-poll reply, {calls} calls held at once, posted at ~1,000/s: "
              f"{ok}/{calls} answered 200; p50 {statistics.median(ms):.2f} ms, "
              f"p99 {ms[int(len(ms) * 0.99) - 1]:.2f} ms, max {ms[-1]:.2f} ms")
        (rss0, thr0), (rss1, thr1) = asyncio.run(many_waiters(port, svc.pid))
        print(f"{waiters} long-polls held: RSS {rss0 / 1024:.1f} MiB -> {rss1 / 1024:.1f} MiB "
              f"(+{(rss1 - rss0) / waiters:.2f} KiB per waiter), threads {thr0} -> {thr1}")
    finally:
        svc.terminate()
        svc.wait(timeout=30)


if __name__ == "__main__":
    main()
