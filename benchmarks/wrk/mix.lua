-- wrk: a mixed load, drawn per request: 80% GETs of a preloaded id bench-0 .. bench-(IDS-1),
-- 10% GETs of ids never stored, 10% POSTs of benchmarks/data/report_2k.json under a new id.
-- BENCH_DATA names the data folder (default benchmarks/data, relative to the project root).
local ids = tonumber(os.getenv("IDS") or "10000")
local headers = { ["Content-Type"] = "application/json" }
local prefix, suffix
local counter = 0

function setup(thread)
  thread:set("seed", math.random(1, 1e9))
end

function init()
  math.randomseed(seed)
  local path = (os.getenv("BENCH_DATA") or "benchmarks/data") .. "/report_2k.json"
  local f = assert(io.open(path, "rb"))
  local body = f:read("*a")
  f:close()
  local at = assert(string.find(body, "CALL_ID", 1, true), path .. " has no CALL_ID")
  prefix, suffix = string.sub(body, 1, at - 1), string.sub(body, at + 7)
end

function request()
  local draw = math.random(1, 10)
  counter = counter + 1
  if draw <= 8 then
    return wrk.format("GET", "/api/v1/vapi/calls/bench-" .. math.random(0, ids - 1))
  elseif draw == 9 then
    return wrk.format("GET", "/api/v1/vapi/calls/miss-" .. seed .. "-" .. counter)
  end
  return wrk.format("POST", "/api/v1/vapi/webhook", headers, prefix .. "mix-" .. seed .. "-" .. counter .. suffix)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH p50_us=%d p99_us=%d p999_us=%d requests=%d errors=%d non2xx=%d\n",
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), summary.requests,
    e.connect + e.read + e.write + e.timeout, e.status))
end
