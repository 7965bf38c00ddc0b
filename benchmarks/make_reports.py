#!/usr/bin/env python3
"""Writes the webhook bodies the benchmarks send, with the call id as the placeholder CALL_ID:

  benchmarks/data/report_2k.json   the seed-layout report benchmarks/wrk/post_report.lua sends (~2 KB)
  benchmarks/data/report_48k.json  a real-layout end-of-call report of about 48 KB (40 turns),
                                   modelled on tests/payloads/long_call_report.json

With a port, also stores report_2k under the id bench-5000 (shaped like the preloaded ids) in
that running vapi-cache and writes what GET answers for it to benchmarks/data/get_body_2k.json,
the body bare_pistache serves:

    benchmarks/make_reports.py [PORT]

The output is deterministic, so the files stay in the tree and rerunning changes nothing.
"""
import http.client
import json
import os
import sys
from datetime import datetime, timezone

data_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")

# --- 2 KB: byte for byte what post_report.lua sends, with "post-<tag>-<n>" replaced by CALL_ID.
transcript_2k = "AI: Hello, is this Joe's Plumbing? Customer: Yes, how can I help? " * 22
report_2k = (
    '{"message":{"type":"end-of-call-report","call":{"id":"CALL_ID",'
    '"status":"ended","endedReason":"customer-ended-call","transcript":"' + transcript_2k + '",'
    '"summary":"Customer inquiry about pricing","cost":0.45,"startedAt":"2025-01-15T10:00:00Z",'
    '"endedAt":"2025-01-15T10:05:30Z","analysis":{"summary":"Customer confirmed availability",'
    '"structuredData":{"availability":"available","estimated_rate":"$100/hour","recommended":true}},'
    '"metadata":{"providerName":"Joe\'s Plumbing","providerPhone":"+15551234567",'
    '"serviceNeeded":"plumbing","location":"Greenville, SC","userCriteria":"Need same-day service"}}}}'
)

# --- 48 KB: a 40-turn call about a leaking water heater. Each turn is built from a topic and
# a few sentence templates so the text varies like a real conversation rather than repeating.
topics = [
    "the water heater model", "the age of the unit", "where the leak is coming from",
    "the size of the tank", "whether it is gas or electric", "access to the closet",
    "the earliest arrival window", "the hourly rate", "the trip charge", "permits for a swap",
    "disposal of the old tank", "the warranty on labor", "the warranty on the new unit",
    "payment options", "the expansion tank", "the shut-off valve", "the drain pan",
    "venting for a gas unit", "a tankless upgrade", "confirming the address",
]
bot_lines = [
    "Thanks for bearing with me. Next I wanted to ask about {t}. The homeowner said the unit "
    "sits in a closet off the garage, the pan underneath has been filling since Tuesday night, "
    "and they have turned the cold supply off for now.",
    "Is there anything about that you would need to know before sending someone, and would it "
    "change the estimate you gave me earlier? I want to pass along an accurate picture.",
    "They also mentioned the house was built in 1998 and they think the heater is original, "
    "though a previous owner may have replaced it once. They are home all afternoon today.",
]
user_lines = [
    "On {t}, that is fine. Tell them to leave the closet clear and keep the supply off until "
    "the tech is there.",
    "If it is a fifty gallon gas unit we usually carry one on the truck, so it could be a "
    "same-day swap; if it is electric or a tankless we would quote it on site.",
    "It does not change the hourly rate, which is ninety-five an hour with a one hour minimum, "
    "and the trip charge is waived if they go ahead with the work the same day.",
]

turns = 40
start_ms = 1752328803250
messages = []
now_ms = start_ms + 700
for i in range(turns):
    topic = topics[(i // 2) % len(topics)]
    bot = i % 2 == 0
    lines = bot_lines if bot else user_lines
    text = f"Turn {i + 1}: " + " ".join(line.format(t=topic) for line in lines)
    duration_ms = 24000 + (i * 317) % 4000
    turn = {"role": "bot" if bot else "user", "message": text, "time": now_ms,
            "endTime": now_ms + duration_ms,
            "secondsFromStart": round((now_ms - start_ms) / 1000, 2), "duration": float(duration_ms)}
    if bot:
        turn["source"] = ""
    messages.append(turn)
    now_ms += duration_ms + 1100
ended_ms = now_ms + 2000

transcript_48k = "\n".join(("AI: " if m["role"] == "bot" else "User: ") + m["message"]
                           for m in messages)


def iso(ms):
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        "%03dZ" % (ms % 1000)


call_id_example = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
report_48k = {"message": {
    "timestamp": ended_ms + 1000,
    "type": "end-of-call-report",
    "analysis": {
        "summary": "Palmetto Water Heaters can do a same-day swap for a 50-gallon gas unit; "
                   "electric or tankless units are quoted on site. $95/hour, one hour minimum, "
                   "trip charge waived if the work is done the same day.",
        "structuredData": {"availability": "available", "estimated_rate": "$95/hour",
                           "recommended": True,
                           "notes": ["same-day swap if 50 gal gas", "quote on site otherwise"]},
        "successEvaluation": "9"},
    "artifact": {
        "messages": messages,
        "transcript": transcript_48k,
        "recordingUrl": f"https://storage.vapi.ai/{call_id_example}-{start_ms}-mono.wav",
        "stereoRecordingUrl": f"https://storage.vapi.ai/{call_id_example}-{start_ms}-stereo.wav"},
    "startedAt": iso(start_ms),
    "endedAt": iso(ended_ms),
    "endedReason": "assistant-ended-call",
    "cost": 0.9121,
    "durationSeconds": round((ended_ms - start_ms) / 1000, 1),
    "call": {
        "id": "CALL_ID", "orgId": "7d1c2b40-5e8f-4a31-9b6c-0e2f4d8a1c57",
        "createdAt": "2025-07-12T13:59:41.002Z", "updatedAt": "2025-07-12T13:59:41.002Z",
        "type": "outboundPhoneCall", "status": "ended", "phoneCallProvider": "twilio",
        "phoneCallTransport": "pstn", "assistantId": "b3e9f1a2-6c4d-4e7f-8a90-1b2c3d4e5f60",
        "phoneNumberId": "0c8e7d6f-1a2b-4c3d-9e8f-7a6b5c4d3e2f",
        "customer": {"number": "+18645550142", "name": "Palmetto Water Heaters"},
        "metadata": {"providerName": "Palmetto Water Heaters", "providerPhone": "+18645550199",
                     "serviceNeeded": "plumbing", "location": "Greenville, SC",
                     "userCriteria": "Need same-day service for a leaking water heater",
                     "urgency": "high"}},
}}
body_48k = json.dumps(report_48k, separators=(",", ":"))
assert 47 * 1024 <= len(body_48k) <= 49 * 1024, f"report_48k is {len(body_48k)} bytes; adjust the sentences"

os.makedirs(data_dir, exist_ok=True)
for name, body in (("report_2k.json", report_2k), ("report_48k.json", body_48k)):
    with open(os.path.join(data_dir, name), "w") as f:
        f.write(body)
    print(f"{name}: {len(body)} bytes")

if len(sys.argv) > 1:
    conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
    conn.request("POST", "/api/v1/vapi/webhook", report_2k.replace("CALL_ID", "bench-5000"),
                 {"Content-Type": "application/json"})
    rsp = conn.getresponse()
    rsp.read()
    if rsp.status != 200:
        sys.exit(f"POST report_2k: HTTP {rsp.status}")
    conn.request("GET", "/api/v1/vapi/calls/bench-5000")
    rsp = conn.getresponse()
    body = rsp.read()
    if rsp.status != 200:
        sys.exit(f"GET bench-5000: HTTP {rsp.status}")
    with open(os.path.join(data_dir, "get_body_2k.json"), "wb") as f:
        f.write(body)
    print(f"get_body_2k.json: {len(body)} bytes")
