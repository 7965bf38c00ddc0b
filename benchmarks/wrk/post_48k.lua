-- wrk: POST benchmarks/data/report_48k.json (real layout, ~48 KB) under a new call id each time.
dofile("benchmarks/wrk/common.lua").post("report_48k.json")
