#!/usr/bin/env python3
"""Stores N reports (ids bench-0 .. bench-N-1) in a running server over one keep-alive connection."""
import http.client, json, sys

port, count = int(sys.argv[1]), int(sys.argv[2])
conn = http.client.HTTPConnection("127.0.0.1", port)
transcript = "AI: Hello, is this Joe's Plumbing? Customer: Yes, how can I help? " * 22
for i in range(count):
    body = json.dumps({"message": {"type": "end-of-call-report", "call": {
        "id": f"bench-{i}", "status": "ended", "endedReason": "customer-ended-call",
        "transcript": transcript, "summary": "Customer inquiry about pricing", "cost": 0.45,
        "startedAt": "2025-01-15T10:00:00Z", "endedAt": "2025-01-15T10:05:30Z",
        "analysis": {"summary": "Customer confirmed availability",
                     "structuredData": {"availability": "available", "recommended": True}},
        "metadata": {"providerName": "Joe's Plumbing", "providerPhone": "+15551234567"}}}})
    conn.request("POST", "/api/v1/vapi/webhook", body, {"Content-Type": "application/json"})
    rsp = conn.getresponse()
    rsp.read()
    if rsp.status != 200:
        sys.exit(f"preload failed at {i}: HTTP {rsp.status}")
