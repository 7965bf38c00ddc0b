#!/usr/bin/env node
// Waits for one VAPI call's CallResult in vapi-cache and prints it: the seed's
// pollBackendForResult, for Node 18+ (global fetch), with no dependencies.
//
//   VAPI_CACHE_URL=https://cache.example.com API_TOKEN=... node poll-call-result.js <callId>
//
// Settings (flag, else environment variable, else default):
//   --url URL          VAPI_CACHE_URL          http://localhost:8000
//   (token: env only)  API_TOKEN               empty: no Authorization header
//   --deadline S       POLL_DEADLINE_SECONDS   300  give up after this many seconds in all
//   --wait S           WAIT_SECONDS            50   long-poll length per request; 0: plain polling
//   --interval S       POLL_INTERVAL_SECONDS   5    pause between polls when not long-polling
//
// Exit codes: 0 found (the CallResult as one line of JSON on stdout), 1 timed out, 2 bad usage,
// 3 refused by the server (401, 400, another unexpected answer). Progress goes to stderr.
//
// As a module (a Kestra Node Script task):
//   const { pollCallResult } = require('./poll-call-result.js');
//   const result = await pollCallResult(callId, { baseUrl, token, deadlineSeconds: 600 });
'use strict';

const DEFAULTS = {
  baseUrl: 'http://localhost:8000',
  token: '',
  deadlineSeconds: 300,
  waitSeconds: 50,
  intervalSeconds: 5,
  log: (line) => console.error(line),
};
const MAX_BACKOFF_SECONDS = 30;

// Thrown for every way the wait can fail; `kind` is 'timeout' or 'refused'.
class PollError extends Error {
  constructor(kind, message, details = {}) {
    super(message);
    this.name = 'PollError';
    this.kind = kind;
    Object.assign(this, details);  // status, callStatus, endedReason when known
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

// Retry-After is either delta-seconds or an HTTP date; null when absent or unreadable.
function retryAfterSeconds(value) {
  if (value == null || value.trim() === '') return null;
  const n = Number(value);
  if (Number.isFinite(n) && n >= 0) return n;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, (date - Date.now()) / 1000);
}

async function pollCallResult(callId, options = {}) {
  const o = { ...DEFAULTS, ...options };
  if (!callId) throw new TypeError('pollCallResult: callId is required');
  const base = String(o.baseUrl).replace(/\/+$/, '');
  const url = `${base}/api/v1/vapi/calls/${encodeURIComponent(callId)}`;
  const headers = { Accept: 'application/json' };
  if (o.token) headers.Authorization = `Bearer ${o.token}`;

  const deadline = Date.now() + o.deadlineSeconds * 1000;
  let longPoll = o.waitSeconds > 0;  // false once the server shows it ignores ?wait
  let failures = 0;                  // consecutive network errors and 5xx, for the backoff
  let last = {};                     // callStatus/endedReason from the latest 404, if any
  let trouble = '';                  // the latest network error or 5xx, until a 404 clears it
  const backoffMs = () => Math.min(MAX_BACKOFF_SECONDS, 2 ** (failures - 1)) * 1000;

  o.log(`vapi-cache: waiting up to ${o.deadlineSeconds} s for call ${callId} ` + (longPoll
    ? `(long-poll, ${o.waitSeconds} s per request)`
    : `(polling every ${o.intervalSeconds} s)`));
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const reason = last.endedReason ? `, endedReason: ${last.endedReason}` : '';
      const status = last.callStatus ? `last callStatus: ${last.callStatus}${reason}`
        : trouble ? `last problem: ${trouble}`
        : 'no status-update seen for this call';
      throw new PollError('timeout',
        `Timeout: no result for call ${callId} within ${o.deadlineSeconds} s (${status})`, last);
    }
    // Never ask the server to hold us past our own deadline.
    const wait = longPoll ? Math.min(o.waitSeconds, Math.floor(remaining / 1000)) : 0;
    const started = Date.now();
    let res, body;
    try {
      res = await fetch(wait > 0 ? `${url}?wait=${wait}` : url, {
        headers,
        signal: AbortSignal.timeout((wait + 15) * 1000),  // a hung connection is a network error
      });
      body = await res.json().catch(() => null);  // a proxy's HTML error page is not JSON
    } catch (err) {
      failures++;
      trouble = `${err.cause?.code || err.name}: ${err.message}`;
      o.log(`vapi-cache: request failed (${trouble}); retrying in ${backoffMs() / 1000} s`);
      await sleep(Math.min(backoffMs(), deadline - Date.now()));
      continue;
    }

    if (res.status === 200 && body?.success) return body.data;

    // The seed's "not cached (yet)". Any other 404 (no such route, a proxy's page) is a wrong URL.
    if (res.status === 404 && body?.error === 'Call result not found') {
      failures = 0;
      trouble = '';
      if (body?.callStatus && body.callStatus !== last.callStatus)
        o.log(`vapi-cache: call ${callId} is ${body.callStatus}, no result yet`);
      if (body) last = { callStatus: body.callStatus, endedReason: body.endedReason };
      // A long-poll server holds a miss for `wait` seconds; one that ignores ?wait answers
      // at once. From then on poll it like the seed did.
      if (wait > 0 && Date.now() - started < Math.min(1000, wait * 500)) {
        longPoll = false;
        o.log(`vapi-cache: the server answered at once, so it does not long-poll; ` +
              `polling every ${o.intervalSeconds} s`);
      }
      if (!longPoll) await sleep(Math.min(o.intervalSeconds * 1000, deadline - Date.now()));
      continue;
    }

    if (res.status === 429 || res.status >= 500) {  // 503: too many waiters, or shutting down
      failures++;
      const after = retryAfterSeconds(res.headers.get('retry-after'));
      const delayMs = after != null ? after * 1000 : backoffMs();
      trouble = `HTTP ${res.status}`;
      o.log(`vapi-cache: server busy (${res.status}` +
            (after != null ? `, Retry-After: ${after} s` : '') +
            `); retrying in ${delayMs / 1000} s`);
      await sleep(Math.min(delayMs, deadline - Date.now()));
      continue;
    }

    // 401/403 (token), 400 (call id or wait), another 404 (URL): retrying will not help.
    const what = res.status === 401 || res.status === 403
      ? (o.token ? 'the API_TOKEN was refused'
                 : 'the server needs API_TOKEN (Authorization: Bearer)')
      : res.status === 404 ? `no such endpoint: check VAPI_CACHE_URL (${o.baseUrl})`
      : 'request refused';
    const why = body?.message || body?.error || res.statusText;
    throw new PollError('refused', `${res.status} ${what}: ${why}`, { status: res.status });
  }
}

// --- command line -------------------------------------------------------------------------

function settingsFrom(argv, env) {
  const flags = {
    '--url': 'url', '--deadline': 'deadline', '--wait': 'wait', '--interval': 'interval',
  };
  const given = {}, positional = [];
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split(/=(.*)/s);
    if (!Object.hasOwn(flags, name)) { positional.push(argv[i]); continue; }
    given[flags[name]] = inline !== undefined ? inline : argv[++i];
    if (given[flags[name]] === undefined) throw new Error(`${name} needs a value`);
  }
  const seconds = (key, envName, fallback) => {
    const text = given[key] ?? (env[envName] || String(fallback));
    if (!/^\d+$/.test(text))
      throw new Error(`${envName} must be a whole number of seconds, got "${text}"`);
    return Number(text);
  };
  if (positional.length !== 1) throw new Error('expected exactly one call id');
  return {
    callId: positional[0],
    baseUrl: given.url ?? (env.VAPI_CACHE_URL || DEFAULTS.baseUrl),
    token: env.API_TOKEN || '',
    deadlineSeconds: seconds('deadline', 'POLL_DEADLINE_SECONDS', DEFAULTS.deadlineSeconds),
    waitSeconds: seconds('wait', 'WAIT_SECONDS', DEFAULTS.waitSeconds),
    intervalSeconds: seconds('interval', 'POLL_INTERVAL_SECONDS', DEFAULTS.intervalSeconds),
  };
}

async function main() {
  let s;
  try {
    s = settingsFrom(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`poll-call-result: ${err.message}\nusage: node poll-call-result.js <callId> ` +
                  '[--url URL] [--deadline S] [--wait S] [--interval S]');
    return 2;
  }
  try {
    const result = await pollCallResult(s.callId, s);
    process.stdout.write(JSON.stringify(result) + '\n');
    return 0;
  } catch (err) {
    console.error(`poll-call-result: ${err.message}`);
    return err.kind === 'timeout' ? 1 : 3;
  }
}

module.exports = { pollCallResult, PollError };
if (require.main === module) main().then((code) => { process.exitCode = code; });
