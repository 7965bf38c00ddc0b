-- wrk: POST benchmarks/data/report_2k.json (seed layout, ~2 KB) under a new call id each time.
-- BENCH_DATA names the data folder (default benchmarks/data, relative to the project root).
local file = "report_2k.json"
local headers = { ["Content-Type"] = "application/json" }
local prefix, suffix
local counter = 0

function setup(thread)
  thread:set("tag", tostring(math.random(1, 1e9)))
end

-- Read once per thread; the id is spliced between the halves around CALL_ID per request.
function init()
  local path = (os.getenv("BENCH_DATA") or "benchmarks/data") .. "/" .. file
  local f = assert(io.open(path, "rb"))
  local body = f:read("*a")
  f:close()
  local at = assert(string.find(body, "CALL_ID", 1, true), path .. " has no CALL_ID")
  prefix, suffix = string.sub(body, 1, at - 1), string.sub(body, at + 7)
end

function request()
  counter = counter + 1
  return wrk.format("POST", "/api/v1/vapi/webhook", headers, prefix .. tag .. "-" .. counter .. suffix)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH p50_us=%d p99_us=%d p999_us=%d requests=%d errors=%d non2xx=%d\n",
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), summary.requests,
    e.connect + e.read + e.write + e.timeout, e.status))
end
