#!/usr/bin/env python3
"""Long-poll measurements against the real binary (README, "Performance").

1. Latency from webhook POST to long-poll reply: CALLS waiters held at once, then one report per
   call posted at about 1,000/s; for each call, the time from sending its POST to receiving its
   waiter's 200. Prints p50/p99/max.
2. Cost of holding WAITERS long-polls: RSS and thread count of the service before and while
   WAITERS requests (distinct calls, ?wait=55) are held.
3. The issue's scenario: WAITING requests held at once (GET ?wait=55 on distinct call ids), then
   their ~2 KB end-of-call reports posted at RATE/s (on 4 keep-alive connections, each POST on
   its own schedule); for each call, the time from sending its POST to its waiter's answer:
   p50/p99/p99.9/max and how many were answered 200.
   With --server peer|both, the same against the Fastify seed: it has no long-poll (checked, not
   assumed), so its equivalent is measured instead: WAITING clients each polling their call every
   --poll-interval seconds (staggered), latency from the POST to the first poll that finds it.

    benchmarks/long_poll.py [build/vapi-cache] [CALLS=1000] [WAITERS=10000]
                            [--json] [--waiting 5000] [--rate 1000] [--server ours|peer|both]
                            [--poll-interval 1.0] [--peer-dir ../shared/peers/fastify-seed]

--json prints JSON lines: {"kind":"long_poll",...} per latency measurement (scenario
"held_calls" for 1., "issue" for 3.) and {"kind":"long_poll_memory",...} for 2.
"""
import argparse
import asyncio
import json
import math
import os
import resource
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("binary", nargs="?", default="build/vapi-cache")
parser.add_argument("calls", nargs="?", type=int, default=1000)
parser.add_argument("waiters", nargs="?", type=int, default=10000)
parser.add_argument("--json", action="store_true", help="JSON lines instead of prose")
parser.add_argument("--waiting", type=int, default=5000, help="held requests in scenario 3")
parser.add_argument("--rate", type=float, default=1000, help="reports per second in scenario 3")
parser.add_argument("--server", choices=["ours", "peer", "both"], default="ours")
parser.add_argument("--poll-interval", type=float, default=1.0,
                    help="the seed's polling equivalent: seconds between one client's polls")
parser.add_argument("--peer-dir", default=os.path.join(os.path.dirname(ROOT), "shared", "peers",
                                                       "fastify-seed"))
options = parser.parse_args()
binary, calls, waiters = options.binary, options.calls, options.waiters


def proc_status(pid):
    return benchlib.status_value(pid, "VmRSS"), benchlib.status_value(pid, "Threads")


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


# ---- scenario 3 (the issue): WAITING held, reports posted at RATE/s ----

def pct(sorted_ms, q):
    return round(sorted_ms[max(0, math.ceil(q * len(sorted_ms)) - 1)], 3) if sorted_ms else None


async def metric(port, name):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /metrics HTTP/1.1\r\nHost: b\r\n\r\n")
    _, body = await read_response(reader)
    writer.close()
    for line in body.split(b"\n"):
        if line.startswith(name.encode() + b" "):
            return float(line.split()[1])
    raise RuntimeError(f"no {name} in /metrics")


async def post_on_schedule(port, ids, rate, connections=4):
    """POSTs one 2 KB report per id, id i at start + i/rate (connection i % connections sends it
    and waits for its answer before its next). Returns the send times, the POSTs' own latencies,
    the statuses and the achieved rate."""
    template = benchlib.report_template()
    sent, post_ms, statuses = {}, [], []
    start = time.perf_counter() + 0.05

    async def worker(k):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(k, len(ids), connections):
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
            request = benchlib.post_request(*template, ids[i])
            t0 = sent[ids[i]] = time.perf_counter()
            writer.write(request)
            status, _ = await read_response(reader)
            post_ms.append((time.perf_counter() - t0) * 1000)
            statuses.append(status)
        writer.close()

    await asyncio.gather(*(worker(k) for k in range(connections)))
    achieved = len(ids) / (max(sent.values()) - min(sent.values()) or 1) if sent else 0
    return sent, sorted(post_ms), statuses, achieved


async def issue_ours(port, waiting, rate):
    ids = [f"issue-{i}" for i in range(waiting)]
    held = []
    for first in range(0, waiting, 500):
        held += await asyncio.gather(*(hold(port, ids[i], 55)
                                       for i in range(first, min(waiting, first + 500))))
    deadline = time.perf_counter() + 30
    while await metric(port, "vapi_cache_waiters") != waiting:  # all registered with the cache
        if time.perf_counter() > deadline:
            raise RuntimeError("the service did not register every waiter in 30 s")
        await asyncio.sleep(0.1)
    received = {}

    async def receive(call_id, reader):
        try:
            status, _ = await read_response(reader)
            received[call_id] = (status, time.perf_counter())
        except (asyncio.IncompleteReadError, ConnectionError):
            pass

    tasks = [asyncio.create_task(receive(ids[i], r)) for i, (r, _) in enumerate(held)]
    sent, post_ms, statuses, achieved = await post_on_schedule(port, ids, rate)
    await asyncio.wait(tasks, timeout=10)  # waiters still unanswered by then count as missing
    for t in tasks:
        t.cancel()
    for _, w in held:
        w.close()
    ms = sorted((t - sent[c]) * 1000 for c, (s, t) in received.items() if s == 200 and c in sent)
    other = {}
    for s, _ in received.values():
        if s != 200:
            other[str(s)] = other.get(str(s), 0) + 1
    return {"kind": "long_poll", "server": "ours", "scenario": "issue", "waiting": waiting,
            "post_rate": rate, "achieved_rate": round(achieved),
            "answered": sum(1 for s, _ in received.values() if s == 200),
            "answered_not_200": other,
            "p50_ms": pct(ms, 0.5), "p99_ms": pct(ms, 0.99), "p999_ms": pct(ms, 0.999),
            "max_ms": pct(ms, 1.0), "post_p50_ms": pct(post_ms, 0.5),
            "post_p99_ms": pct(post_ms, 0.99), "post_not_200": sum(s != 200 for s in statuses)}


async def peer_has_long_poll(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    t0 = time.perf_counter()
    writer.write(b"GET /api/v1/vapi/calls/long-poll-check?wait=2 HTTP/1.1\r\nHost: b\r\n\r\n")
    status, _ = await read_response(reader)
    writer.close()
    return time.perf_counter() - t0 > 1.5, status


async def issue_peer_polling(port, waiting, rate, interval):
    """The seed has no ?wait: WAITING clients poll their call every `interval` s instead."""
    ids = [f"issue-{i}" for i in range(waiting)]
    conns = []
    for first in range(0, waiting, 500):
        conns += await asyncio.gather(*(asyncio.open_connection("127.0.0.1", port)
                                        for _ in range(first, min(waiting, first + 500))))
    found, polls, stop = {}, [0], [False]
    begin = time.perf_counter()

    async def poller(i, reader, writer):
        request = f"GET /api/v1/vapi/calls/{ids[i]} HTTP/1.1\r\nHost: b\r\n\r\n".encode()
        next_poll = begin + interval * i / waiting  # staggered over one interval
        while not stop[0]:
            await asyncio.sleep(max(0.0, next_poll - time.perf_counter()))
            writer.write(request)
            status, _ = await read_response(reader)
            polls[0] += 1
            if status == 200:
                found[ids[i]] = time.perf_counter()
                return
            next_poll += interval

    tasks = [asyncio.create_task(poller(i, r, w)) for i, (r, w) in enumerate(conns)]
    await asyncio.sleep(interval + 0.5)  # every client polling before the first report
    polls_before, t_before = polls[0], time.perf_counter()
    sent, post_ms, statuses, achieved = await post_on_schedule(port, ids, rate)
    await asyncio.wait(tasks, timeout=interval + 10)
    poll_rate = (polls[0] - polls_before) / (time.perf_counter() - t_before)
    stop[0] = True
    for t in tasks:
        t.cancel()
    for _, w in conns:
        w.close()
    ms = sorted((found[c] - sent[c]) * 1000 for c in found if c in sent)
    return {"kind": "long_poll", "server": "peer", "scenario": "issue", "waiting": waiting,
            "post_rate": rate, "achieved_rate": round(achieved),
            "peer": "no long-poll in the seed",
            "equivalent": f"{waiting} clients polling every {interval:g} s", "answered": len(ms),
            "p50_ms": pct(ms, 0.5), "p99_ms": pct(ms, 0.99), "p999_ms": pct(ms, 0.999),
            "max_ms": pct(ms, 1.0), "polls_per_second": round(poll_rate),
            "post_p50_ms": pct(post_ms, 0.5), "post_p99_ms": pct(post_ms, 0.99),
            "post_not_200": sum(s != 200 for s in statuses)}


# ---- servers ----

def emit(line, prose):
    print(json.dumps(line) if options.json else prose, flush=True)


def run_ours():
    port = benchlib.free_port()
    env = dict(os.environ, LOG_LEVEL="warn", DATA_DIR=benchlib.scratch_data_dir(),
               MAX_WAITERS=str(max(waiters, calls, options.waiting) + 10))
    svc = subprocess.Popen([binary, "--host", "127.0.0.1", "--port", str(port)], env=env,
                           start_new_session=True)
    try:
        benchlib.wait_port(port, svc, 10)
        ok, ms = asyncio.run(latency(port))
        emit({"kind": "long_poll", "server": "ours", "scenario": "held_calls", "waiting": calls,
              "post_rate": 1000, "answered": ok, "p50_ms": round(statistics.median(ms), 3),
              "p99_ms": pct(ms, 0.99), "p999_ms": pct(ms, 0.999), "max_ms": round(ms[-1], 3)},
             f"webhook POST -> long-poll reply, {calls} calls held at once, posted at ~1,000/s: "
             f"{ok}/{calls} answered 200; p50 {statistics.median(ms):.2f} ms, "
             f"p99 {ms[int(len(ms) * 0.99) - 1]:.2f} ms, max {ms[-1]:.2f} ms")
        (rss0, thr0), (rss1, thr1) = asyncio.run(many_waiters(port, svc.pid))
        emit({"kind": "long_poll_memory", "server": "ours", "waiters": waiters,
              "rss_before_kb": rss0, "rss_during_kb": rss1,
              "kib_per_waiter": round((rss1 - rss0) / waiters, 2), "threads_before": thr0,
              "threads_during": thr1},
             f"{waiters} long-polls held: RSS {rss0 / 1024:.1f} MiB -> {rss1 / 1024:.1f} MiB "
             f"(+{(rss1 - rss0) / waiters:.2f} KiB per waiter), threads {thr0} -> {thr1}")
    finally:
        benchlib.stop(svc, 30)
    # A fresh server: the service keeps a closed client's long-poll (and its MAX_WAITERS slot)
    # until its wait is over, so the waiters of measurement 2 would still be counted.
    port = benchlib.free_port()
    svc = subprocess.Popen([binary, "--host", "127.0.0.1", "--port", str(port)], env=env,
                           start_new_session=True)
    try:
        benchlib.wait_port(port, svc, 10)
        r = asyncio.run(issue_ours(port, options.waiting, options.rate))
        emit(r, f"{r['waiting']} long-polls held, 2 KB reports posted at {r['achieved_rate']}/s "
                f"(target {r['post_rate']:g}): {r['answered']}/{r['waiting']} answered 200; "
                f"POST -> reply p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, p99.9 "
                f"{r['p999_ms']} ms, max {r['max_ms']} ms (the POSTs themselves: p50 "
                f"{r['post_p50_ms']} ms, p99 {r['post_p99_ms']} ms)")
    finally:
        benchlib.stop(svc, 30)


def run_peer():
    port = benchlib.free_port()
    peer = subprocess.Popen([os.path.join(options.peer_dir, "start.sh")],
                            env=dict(os.environ, PORT=str(port)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        benchlib.wait_port(port, peer, 120)
        has_wait, _ = asyncio.run(peer_has_long_poll(port))
        if has_wait:
            emit({"kind": "long_poll", "server": "peer", "scenario": "issue",
                  "peer": "the seed honours ?wait, but this script measures its polling only"},
                 "the seed held a ?wait request: it has a long-poll now; measure it like ours")
            return
        r = asyncio.run(issue_peer_polling(port, options.waiting, options.rate,
                                           options.poll_interval))
        emit(r, f"seed (no long-poll): {r['equivalent']}, 2 KB reports posted at "
                f"{r['achieved_rate']}/s: {r['answered']}/{r['waiting']} found; POST -> found "
                f"p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, p99.9 {r['p999_ms']} ms, max "
                f"{r['max_ms']} ms, at {r['polls_per_second']} polls/s")
    finally:
        benchlib.stop(peer, 30)


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    if options.server in ("ours", "both"):
        run_ours()
    if options.server in ("peer", "both"):
        run_peer()


if __name__ == "__main__":
    main()
