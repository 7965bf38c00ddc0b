-- wrk: GET call ids that were never stored (cache misses, 404), each one different.
local counter = 0

function setup(thread)
  thread:set("tag", tostring(math.random(1, 1e9)))
end

function request()
  counter = counter + 1
  return wrk.format("GET", "/api/v1/vapi/calls/miss-" .. tag .. "-" .. counter)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH p50_us=%d p99_us=%d p999_us=%d requests=%d errors=%d non2xx=%d\n",
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), summary.requests,
    e.connect + e.read + e.write + e.timeout, e.status))
end
