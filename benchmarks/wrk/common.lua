-- Shared by the wrk scripts (loaded with dofile; wrk runs from the project root): a report from
-- benchmarks/data split around its CALL_ID, a script that POSTs one, and the summary line
-- benchmarks/run_all.sh reads (wrk's own output has no p99.9 and no error total).
local bench = {}

-- The body of BENCH_DATA/<file> (default benchmarks/data) as the text before and after CALL_ID.
function bench.report(file)
  local path = (os.getenv("BENCH_DATA") or "benchmarks/data") .. "/" .. file
  local f = assert(io.open(path, "rb"))
  local body = f:read("*a")
  f:close()
  local at = assert(string.find(body, "CALL_ID", 1, true), path .. " has no CALL_ID")
  return string.sub(body, 1, at - 1), string.sub(body, at + 7)
end

function bench.done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH p50_us=%d p99_us=%d p999_us=%d requests=%d errors=%d non2xx=%d\n",
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), summary.requests,
    e.connect + e.read + e.write + e.timeout, e.status))
end

-- Makes the calling script POST <file> under a new call id each time.
function bench.post(file)
  local headers = { ["Content-Type"] = "application/json" }
  local prefix, suffix
  local counter = 0
  function setup(thread)
    thread:set("tag", tostring(math.random(1, 1e9)))
  end
  function init()
    prefix, suffix = bench.report(file)
  end
  function request()
    counter = counter + 1
    return wrk.format("POST", "/api/v1/vapi/webhook", headers, prefix .. tag .. "-" .. counter .. suffix)
  end
  done = bench.done
end

return bench
