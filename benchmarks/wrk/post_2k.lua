-- wrk: POST benchmarks/data/report_2k.json (seed layout, ~2 KB) under a new call id each time.
dofile("benchmarks/wrk/common.lua").post("report_2k.json")
