"""Helpers shared by memory.py, scale.py, long_poll.py, slow_readers.py, fd_exhaustion.py,
journal_post.py, replay.py and soak.py: 2 KB report, ports, /proc, servers, one-shot GETs,
pipelined stores, /metrics, wrk runs, disk use, slopes."""
import asyncio
import atexit
import json
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER_DIR = os.path.join(os.path.dirname(ROOT), "shared", "peers", "fastify-seed")

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


class Responses:
    """Reads pipelined HTTP/1.1 responses (Content-Length framed) off one connection."""

    def __init__(self, reader):
        self.reader, self.buf = reader, b""

    async def read(self, count):
        statuses = []
        while True:
            self.buf = parse_responses(self.buf, statuses, count)
            if len(statuses) == count:
                return statuses
            data = await self.reader.read(1 << 18)
            if not data:
                raise RuntimeError("server closed the connection")
            self.buf += data


async def store(port, ids, template, connections=8, batch=64):
    """POSTs one report (template: (prefix, suffix) around the call id) per id, on connections
    keep-alive connections, batch pipelined requests per write; returns the seconds taken.
    Every answer must be 200."""
    prefix, suffix = template
    shares = [ids[i::connections] for i in range(connections)]

    async def one(share):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        responses = Responses(reader)
        bad = 0
        for start in range(0, len(share), batch):
            chunk = share[start:start + batch]
            writer.write(b"".join(post_request(prefix, suffix, i) for i in chunk))
            statuses = await responses.read(len(chunk))
            bad += sum(1 for s in statuses if s != 200)
        writer.close()
        return bad

    t0 = time.perf_counter()
    bad = sum(await asyncio.gather(*(one(s) for s in shares if s)))
    seconds = time.perf_counter() - t0
    if bad:
        raise RuntimeError(f"{bad} of {len(ids)} webhook POSTs were not answered 200")
    return seconds


async def get_statuses(port, ids):
    """The status of a GET of each call id, one at a time on one connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    responses = Responses(reader)
    out = []
    for i in ids:
        writer.write(f"GET /api/v1/vapi/calls/{i} HTTP/1.1\r\nHost: b\r\n\r\n".encode())
        out += await responses.read(1)
    writer.close()
    return out


def descendants(pid):
    """pid and every process below it."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def process_named(root_pid, name):
    """The pid of the process called name (its comm) at or below root_pid."""
    for pid in descendants(root_pid):
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() == name:
                    return pid
        except OSError:
            pass
    raise RuntimeError(f"no {name} process under pid {root_pid}")


class Server:
    """A server process in its own session, stopped (the whole group) by stop().

    kind "ours": binary --host 127.0.0.1 --port PORT with env on top of this environment (a
    value of "" sets the variable empty: DATA_DIR="" is memory only; without DATA_DIR in env, a
    scratch_data_dir()); "peer": the Fastify seed's
    start.sh with PORT. cpu pins it (taskset -c). Output goes to the file log, else nowhere.
    Returns once it listens; pid is then the server itself (node under start.sh), started the
    monotonic time the process was spawned."""

    def __init__(self, kind, binary=None, peer_dir=PEER_DIR, env=None, cpu=None, log=None,
                 startup=None):
        self.kind, self.port = kind, free_port()
        if kind == "ours":
            cmd = [binary, "--host", "127.0.0.1", "--port", str(self.port)]
            full_env = dict(os.environ, **(env or {}))
            if "DATA_DIR" not in (env or {}):
                full_env["DATA_DIR"] = scratch_data_dir()
            name, startup = os.path.basename(binary)[:15], startup or 10
        else:
            cmd = [os.path.join(peer_dir, "start.sh")]
            full_env = dict(os.environ, PORT=str(self.port), **(env or {}))
            name, startup = "node", startup or 120  # npm ci on a first start
        if cpu is not None:
            cmd = ["taskset", "-c", str(cpu)] + cmd
        out = open(log, "ab") if log else subprocess.DEVNULL
        self.started = time.monotonic()
        self.proc = subprocess.Popen(cmd, env=full_env, stdout=out, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        if log:
            out.close()
        try:
            wait_port(self.port, self.proc, startup)
            self.pid = process_named(self.proc.pid, name)
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout=15):
        """SIGTERM, SIGKILL after timeout s; returns the seconds it took to exit."""
        t0 = time.monotonic()
        stop(self.proc, timeout)
        return time.monotonic() - t0


def get_body(port, path, timeout):
    """One GET on its own connection: its body, read by Content-Length (the service answers
    Connection: close but leaves closing to the client)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(b"GET %s HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n" % path.encode())
        data = b""
        while True:
            end = data.find(b"\r\n\r\n")
            if end >= 0:
                head = data[:end].lower()
                at = head.find(b"content-length:")
                line_end = head.find(b"\r\n", at)
                length = int(head[at + 15:line_end if line_end >= 0 else None])
                if len(data) >= end + 4 + length:
                    return data[end + 4:end + 4 + length]
            chunk = s.recv(1 << 16)
            if not chunk:
                raise RuntimeError(f"connection closed before the answer to GET {path}")
            data += chunk


def metrics(port, timeout=10):
    """GET /metrics as {sample name with its labels, if any: value}."""
    out = {}
    for line in get_body(port, "/metrics", timeout).decode().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            try:
                out[name] = float(value)
            except ValueError:
                pass
    return out


def wait_ready(port, proc, seconds, period=0.01):
    """Polls GET /ready until it answers 200; returns the monotonic time of that answer. Raises
    if proc exits first or after seconds."""
    deadline = time.monotonic() + seconds
    while True:
        status, _, _ = get_once(port, "/ready", 5)
        if status == 200:
            return time.monotonic()
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before /ready was 200")
        if time.monotonic() > deadline:
            raise RuntimeError(f"/ready not 200 after {seconds} s (last: {status})")
        time.sleep(period)


def cpu_seconds(pid):
    """User + system CPU seconds the process (all its threads) has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_fields(cpu):
    """CPU cpu's clock-tick counters from /proc/stat: user nice system idle iowait irq softirq
    steal ..."""
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith(f"cpu{cpu} "):
                return [int(x) for x in line.split()[1:]]
    raise RuntimeError(f"no cpu{cpu} in /proc/stat")


def cpu_jiffies(cpu):
    """(busy, total) clock ticks of CPU cpu so far, from /proc/stat (busy: all but idle and
    iowait): busy / total over an interval is how much of that core anything used."""
    v = _cpu_fields(cpu)
    return sum(v) - v[3] - v[4], sum(v)


def steal_jiffies(cpu):
    """Clock ticks CPU cpu has so far waited for the hypervisor (steal): over an interval, the
    share of it another tenant of the host had that virtual core."""
    return _cpu_fields(cpu)[7]


def wait_quiet(timeout, cpus=None, below=0.10, window=1.0):
    """On a shared machine: waits (at most timeout s) until a window s sample finds every core
    in cpus (default all) less than below busy, so that a measurement does not start while
    someone else's build or tests have the cores. Returns the busiest core's share in the last
    window (above below if timeout ran out first: the caller records it)."""
    cpus = sorted(os.sched_getaffinity(0) if cpus is None else cpus)
    deadline = time.monotonic() + timeout
    while True:
        before = [cpu_jiffies(c) for c in cpus]
        time.sleep(window)
        after = [cpu_jiffies(c) for c in cpus]
        busiest = max((b1 - b0) / max(1, t1 - t0) for (b0, t0), (b1, t1) in zip(before, after))
        if busiest < below or time.monotonic() > deadline:
            return round(busiest, 3)


def run_wrk(port, script, duration="10s", connections=64, threads=1, cpu=None, env=None):
    """One wrk run of benchmarks/wrk/<script>.lua (from the project root, as the scripts expect;
    BENCH_DATA defaults to benchmarks/data). Returns {rps, p50_ms, p99_ms, p999_ms, requests,
    errors, non2xx} from wrk's Requests/sec and the scripts' BENCH line (wrk/common.lua)."""
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}", "--latency", "-s",
           os.path.join("benchmarks", "wrk", script + ".lua"), f"http://127.0.0.1:{port}"]
    if cpu is not None:
        cmd = ["taskset", "-c", str(cpu)] + cmd
    full_env = dict(os.environ, **(env or {}))
    full_env.setdefault("BENCH_DATA", os.path.join(ROOT, "benchmarks", "data"))
    out = subprocess.run(cmd, cwd=ROOT, env=full_env, capture_output=True, text=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bench = re.search(r"^BENCH (.*)$", out, re.M)
    if not rps or not bench:
        raise RuntimeError("no result from wrk: " + out[-300:].replace("\n", " "))
    b = {k: int(v) for k, v in (kv.split("=") for kv in bench.group(1).split())}
    return {"rps": float(rps.group(1)), "p50_ms": b["p50_us"] / 1000,
            "p99_ms": b["p99_us"] / 1000, "p999_ms": b["p999_us"] / 1000,
            "requests": b["requests"], "errors": b["errors"], "non2xx": b["non2xx"]}


def du_bytes(path):
    """Disk use of everything under path, as du counts it (allocated blocks)."""
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_blocks * 512
            except FileNotFoundError:  # removed meanwhile (journal retention)
                pass
    return total


def data_dir(root=None):
    """A fresh, empty directory for a DATA_DIR (under root, else the system's temporary
    directory); remove it with remove_dir."""
    return tempfile.mkdtemp(prefix="vapi-bench-data-", dir=root)


def scratch_data_dir():
    """A fresh DATA_DIR removed when this script exits. The service's default DATA_DIR is
    "data" under its working directory: a benchmark that names none would journal into the
    project's data/, replay what earlier runs left there, and be refused (exit 2) while another
    run holds it. Its journal is otherwise as the service's defaults (JOURNAL_FSYNC=always)."""
    path = data_dir()
    atexit.register(remove_dir, path)
    return path


def remove_dir(path):
    shutil.rmtree(path, ignore_errors=True)


def slope_pct_per_minute(samples):
    """Least-squares slope of [(seconds, value), ...] as percent of their mean per minute
    (None with fewer than 2 samples or a zero mean)."""
    if len(samples) < 2:
        return None
    n = len(samples)
    mt = sum(t for t, _ in samples) / n
    mv = sum(v for _, v in samples) / n
    var = sum((t - mt) ** 2 for t, _ in samples)
    if var == 0 or mv == 0:
        return None
    slope = sum((t - mt) * (v - mv) for t, v in samples) / var  # per second
    return round(slope * 60 / mv * 100, 2)


def fdatasync_latency(folder, count=200, size=4096):
    """What one journal batch's write + fdatasync costs on folder's disk: count appends of size
    bytes to a scratch file there, each followed by fdatasync. {size, count, p50_ms, p99_ms,
    max_ms, mean_ms, cpu_us_each (this process's user + system CPU per write + fdatasync)}."""
    path = os.path.join(folder, ".fdatasync-probe")
    block, ms = os.urandom(size), []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        cpu0 = time.process_time()
        for _ in range(count):
            t0 = time.perf_counter()
            os.write(fd, block)
            os.fdatasync(fd)
            ms.append((time.perf_counter() - t0) * 1000)
        cpu = time.process_time() - cpu0
    finally:
        os.close(fd)
        os.unlink(path)
    s = latency_summary(ms)
    return {"size": size, "count": count, "p50_ms": round(s["p50"], 3),
            "p99_ms": round(s["p99"], 3), "max_ms": round(s["max"], 3),
            "mean_ms": round(sum(ms) / len(ms), 3),
            "cpu_us_each": round(cpu / count * 1e6, 1)}


def median_of(rows):
    """One row from several runs of the same thing: each numeric field's median (booleans and
    text from the last run), plus "runs"."""
    if len(rows) == 1:
        return rows[0]
    out = dict(rows[-1])
    for key, value in rows[0].items():
        vals = [r[key] for r in rows if isinstance(r.get(key), (int, float))]
        if vals and not isinstance(value, bool):
            out[key] = statistics.median(vals)
    out["runs"] = len(rows)
    return out


def quiet(timeout, cpus):
    """wait_quiet for up to timeout s (0 or None: don't wait) and warn on stderr when a core is
    still 10 % busy; the busiest core's share then (None when not waited)."""
    if not timeout:
        return None
    busy = wait_quiet(timeout, cpus)
    if busy >= 0.10:
        sys.stderr.write(f"warning: a core was still {busy:.0%} busy after {timeout} s; "
                         "measuring anyway\n")
    return busy
