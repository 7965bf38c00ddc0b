-- wrk: a mixed load, drawn per request: 80% GETs of a preloaded id bench-0 .. bench-(IDS-1),
-- 10% GETs of ids never stored, 10% POSTs of benchmarks/data/report_2k.json under a new id.
-- BENCH_DATA names the data folder (default benchmarks/data, relative to the project root).
local bench = dofile("benchmarks/wrk/common.lua")
local ids = tonumber(os.getenv("IDS") or "10000")
local headers = { ["Content-Type"] = "application/json" }
local prefix, suffix
local counter = 0

function setup(thread)
  thread:set("seed", math.random(1, 1e9))
end

function init()
  math.randomseed(seed)
  prefix, suffix = bench.report("report_2k.json")
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

done = bench.done
