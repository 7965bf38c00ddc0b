#!/usr/bin/env python3
"""What pushing results costs the webhook (issue 15): wrk post_2k with every report naming a
Kestra execution, the service on CPU 1, wrk on CPU 0, three runs in one go:
  off     KESTRA_URL unset (the reports still carry the id: the same bytes are parsed);
  on      KESTRA_URL at Debian's nginx answering 200 (benchmarks/nginx_ceiling.sh, on CPU 1
          with the service: the stand-in for Kestra costs the same core), every result resumed;
  hung    KESTRA_URL at a socket that takes connections and never answers
          (DELIVERY_TIMEOUT_SECONDS=1): every delivery times out and waits for its retry.
For each: webhooks/s, p50/p99, the service's own CPU per webhook, and after the run the deliveries delivered, retried and pending
(/metrics) and how fast they were accepted (vapi_delivery_seconds buckets). The ratios on/off
and hung/off say whether delivery slows the webhook.

    benchmarks/delivery.py [--json] [--duration 5s] [--binary build/vapi-cache]
                           [--wait-quiet 60]
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

SERVER_CPU, WRK_CPU = 1, 0
EXECUTION = "7NLCAyd6sKR7kDHxgAWFPG"


def reports_with_execution():
    """benchmarks/data/report_2k.json with assistantOverrides.metadata.kestraExecutionId."""
    folder = tempfile.mkdtemp(prefix="vapi-bench-delivery-")
    src = os.path.join(benchlib.ROOT, "benchmarks", "data", "report_2k.json")
    report = json.load(open(src))
    report["message"]["call"].setdefault("assistantOverrides", {})["metadata"] = {
        "kestraExecutionId": EXECUTION}
    with open(os.path.join(folder, "report_2k.json"), "w") as f:
        json.dump(report, f)
    return folder


def nginx_target():
    port = benchlib.free_port()
    body = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    body.write("{}")
    body.close()
    proc = subprocess.Popen(
        ["taskset", "-c", str(SERVER_CPU), os.path.join(benchlib.ROOT, "benchmarks",
                                                        "nginx_ceiling.sh"), str(port), body.name],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    benchlib.wait_port(port, proc, 10)
    return proc, port


def silent_target():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(4096)
    return s, s.getsockname()[1]


def latency_shares(m):
    """Share of accepted deliveries within 10, 50, 100 ms and 1 s of the result being stored."""
    name = 'vapi_delivery_seconds_bucket{target="kestra",le="%s"}'
    total = m.get('vapi_delivery_seconds_count{target="kestra"}', 0)
    if not total:
        return {}
    return {f"within_{k}": round(m.get(name % le, 0) / total, 4)
            for k, le in (("10ms", "0.01"), ("50ms", "0.05"), ("100ms", "0.1"), ("1s", "1"))}


def run(args, name, env, data):
    benchlib.quiet(args.wait_quiet, (WRK_CPU, SERVER_CPU))
    server = benchlib.Server("ours", args.binary, env=env, cpu=SERVER_CPU)
    try:
        benchlib.wait_ready(server.port, server.proc, 10)
        cpu0 = benchlib.cpu_seconds(server.pid)
        r = benchlib.run_wrk(server.port, "post_2k", args.duration, 64, cpu=WRK_CPU,
                             env={"BENCH_DATA": data})
        time.sleep(2)  # deliveries finish (or time out) after the load
        cpu = benchlib.cpu_seconds(server.pid) - cpu0
        m = benchlib.metrics(server.port)
    finally:
        server.stop()
    c = lambda outcome: int(m.get(  # noqa: E731
        f'vapi_deliveries_total{{target="kestra",outcome="{outcome}"}}', 0))
    return {"kind": "delivery", "run": name, **r, "delivered": c("delivered"),
            "retried": c("retried"), "refused": c("refused"),
            "pending": int(m.get('vapi_deliveries_pending{target="kestra"}', 0)),
            # The service's own CPU (all its threads, the delivery's included, not the
            # stand-in's) per webhook, over the load and the 2 s after it.
            "cpu_us_per_webhook": round(cpu * 1e6 / max(1, r["requests"]), 1),
            **latency_shares(m)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--json", action="store_true")
    p.add_argument("--duration", default="5s")
    p.add_argument("--binary", default=os.path.join(benchlib.ROOT, "build", "vapi-cache"))
    p.add_argument("--wait-quiet", type=float, default=60)
    args = p.parse_args()
    data = reports_with_execution()
    nginx, nginx_port = nginx_target()
    silent, silent_port = silent_target()
    rows = []
    try:
        rows.append(run(args, "off", {}, data))
        rows.append(run(args, "on", {"KESTRA_URL": f"http://127.0.0.1:{nginx_port}"}, data))
        rows.append(run(args, "hung", {"KESTRA_URL": f"http://127.0.0.1:{silent_port}",
                                       "DELIVERY_TIMEOUT_SECONDS": "1"}, data))
    finally:
        os.killpg(nginx.pid, signal.SIGTERM)
        nginx.wait(10)
        silent.close()
        shutil.rmtree(data, ignore_errors=True)
    off = rows[0]["rps"]
    for r in rows:
        r["vs_off"] = round(r["rps"] / off, 3) if off else None
        if args.json:
            print(json.dumps(r))
        else:
            print(f"{r['run']:5} {r['rps']:9.0f} webhooks/s  p50 {r['p50_ms']:.2f} ms  "
                  f"p99 {r['p99_ms']:.2f} ms  x{r['vs_off']} of off  delivered {r['delivered']} "
                  f"retried {r['retried']} pending {r['pending']} cpu {r['cpu_us_per_webhook']} us/webhook "
                  + " ".join(f"{k} {v}" for k, v in r.items() if k.startswith("within_")))


if __name__ == "__main__":
    main()
