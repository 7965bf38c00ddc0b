"""Helpers shared by memory.py, scale.py and long_poll.py: 2 KB report, ports, /proc, servers."""
import json
import os
import signal
import socket
import subprocess
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
