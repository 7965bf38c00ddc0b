"""Helpers shared by memory.py, scale.py, long_poll.py, slow_readers.py and fd_exhaustion.py:
2 KB report, ports, /proc, servers, one-shot GETs."""
import json
import math
import os
import signal
import socket
import subprocess
import threading
import time

REPORT_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "report_2k.json")
TRANSCRIPT = "AI: Hello, is this Joe's Plumbing? Customer: Yes, how can I help? " * 22


def report_template():
    """(prefix, suffix) of the 2 KB report around CALL_ID: data/report_2k.json, else a built-in."""
    if os.path.exists(REPORT_FILE):
        with open(REPORT_FILE, "rb") as f:
            text = f.read().strip()
        if text.count(b"CALL_ID") == 1:
            prefix, _, suffix = text.partition(b"CALL_ID")
            return prefix, suffix
    body = json.dumps({"message": {"type": "end-of-call-report", "call": {
        "id": "CALL_ID", "status": "ended", "endedReason": "customer-ended-call",
        "transcript": TRANSCRIPT, "summary": "Customer inquiry about pricing", "cost": 0.45,
        "startedAt": "2025-01-15T10:00:00Z", "endedAt": "2025-01-15T10:05:30Z",
        "analysis": {"summary": "Customer confirmed availability",
                     "structuredData": {"availability": "available",
                                        "estimated_rate": "$100/hour", "recommended": True}},
        "metadata": {"providerName": "Joe's Plumbing", "providerPhone": "+15551234567",
                     "serviceNeeded": "plumbing", "location": "Greenville, SC",
                     "userCriteria": "Need same-day service"}}}}, separators=(",", ":")).encode()
    prefix, _, suffix = body.partition(b"CALL_ID")
    return prefix, suffix


def post_request(prefix, suffix, call_id):
    """The webhook POST of prefix + call_id (str or bytes) + suffix."""
    if isinstance(call_id, str):
        call_id = call_id.encode()
    body = prefix + call_id + suffix
    return (b"POST /api/v1/vapi/webhook HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body


def parse_responses(buf, statuses, count):
    """Appends statuses of complete responses in buf (up to count); returns the unconsumed rest."""
    pos = 0
    while len(statuses) < count:
        end = buf.find(b"\r\n\r\n", pos)
        if end < 0:
            break
        head = buf[pos:end].lower()
        at = head.find(b"content-length:")
        if at < 0:
            raise RuntimeError("response without Content-Length: %r" % head[:200])
        line_end = head.find(b"\r\n", at)
        length = int(head[at + 15:line_end if line_end >= 0 else None])
        if end + 4 + length > len(buf):
            break
        statuses.append(int(buf[pos + 9:pos + 12]))
        pos = end + 4 + length
    return buf[pos:]


def free_port():
    """A loopback TCP port that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, seconds):
    """Returns once something listens on the port; raises if proc exits first or after seconds."""
    deadline = time.monotonic() + seconds
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listening on port {port} after {seconds} s")
            time.sleep(0.05)


def status_value(pid, key):
    """The number in a /proc/PID/status field, e.g. VmRSS or VmHWM (kB) or Threads."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {key}")


def stop(proc, timeout):
    """Stops a start_new_session process: SIGTERM to its group, SIGKILL after timeout s."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            pass


def get_once(port, path, timeout):
    """One GET on a fresh connection: (status, body bytes, ms), connect included. status is the
    HTTP status, "timeout" when no whole answer came within timeout s, or "error" when the
    connection was refused, reset or closed first (ms then says when)."""
    t0 = time.monotonic()
    deadline = t0 + timeout
    status = "timeout"
    length = 0
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(b"GET %s HTTP/1.1\r\nHost: b\r\n\r\n" % path.encode())
            data = b""
            while True:
                end = data.find(b"\r\n\r\n")
                if end >= 0:
                    statuses = []
                    rest = parse_responses(data, statuses, 1)
                    if statuses:
                        status, length = statuses[0], len(data) - len(rest) - end - 4
                        break
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                s.settimeout(left)
                chunk = s.recv(1 << 20)
                if not chunk:
                    status = "error"
                    break
                data += chunk
    except socket.timeout:
        status = "timeout"
    except OSError:
        status = "error"
    return status, length, round((time.monotonic() - t0) * 1000, 2)


def latency_summary(ms):
    """{n, p50, p99, max} of a list of milliseconds (nearest-rank percentiles; None when empty)."""
    v = sorted(ms)

    def pick(q):
        return v[max(0, math.ceil(q * len(v)) - 1)] if v else None
    return {"n": len(v), "p50": pick(0.5), "p99": pick(0.99), "max": v[-1] if v else None}


def probe_every(port, paths, period, timeout, stop, out):
    """Until stop (a threading.Event) is set: every period s, one get_once(port, path, timeout)
    per path, each on a thread of its own so that a stalled probe does not delay the next; appends
    (start, status, ms) to out[path]. Returns once stop is set and every probe has finished."""
    def one(path, start):
        status, _, ms = get_once(port, path, timeout)
        out.setdefault(path, []).append((start, status, timeout * 1000 if status == "timeout"
                                         else ms))
    threads, tick = [], time.monotonic()
    while not stop.is_set():
        for path in paths:
            threads.append(threading.Thread(target=one, args=(path, time.monotonic())))
            threads[-1].start()
        tick += period
        stop.wait(max(0.0, tick - time.monotonic()))
    for t in threads:
        t.join()
