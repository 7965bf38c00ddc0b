-- wrk: GET a random one of the preloaded call ids bench-0 .. bench-(IDS-1) (cache hits).
local ids = tonumber(os.getenv("IDS") or "10000")

function setup(thread)
  thread:set("seed", math.random(1, 1e9))
end

function init()
  math.randomseed(seed)
end

function request()
  return wrk.format("GET", "/api/v1/vapi/calls/bench-" .. math.random(0, ids - 1))
end

done = dofile("benchmarks/wrk/common.lua").done
