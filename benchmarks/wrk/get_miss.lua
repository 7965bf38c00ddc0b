-- wrk: GET call ids that were never stored (cache misses, 404), each one different.
local counter = 0

function setup(thread)
  thread:set("tag", tostring(math.random(1, 1e9)))
end

function request()
  counter = counter + 1
  return wrk.format("GET", "/api/v1/vapi/calls/miss-" .. tag .. "-" .. counter)
end

done = dofile("benchmarks/wrk/common.lua").done
