-- wrk: POST a ~2 KB end-of-call report (seed layout) under a new call id each time.
local transcript = string.rep("AI: Hello, is this Joe's Plumbing? Customer: Yes, how can I help? ", 22)
local prefix = '{"message":{"type":"end-of-call-report","call":{"id":"post-'
local suffix = '","status":"ended","endedReason":"customer-ended-call","transcript":"' .. transcript ..
  '","summary":"Customer inquiry about pricing","cost":0.45,"startedAt":"2025-01-15T10:00:00Z",' ..
  '"endedAt":"2025-01-15T10:05:30Z","analysis":{"summary":"Customer confirmed availability",' ..
  '"structuredData":{"availability":"available","estimated_rate":"$100/hour","recommended":true}},' ..
  '"metadata":{"providerName":"Joe\'s Plumbing","providerPhone":"+15551234567",' ..
  '"serviceNeeded":"plumbing","location":"Greenville, SC","userCriteria":"Need same-day service"}}}}'
local headers = { ["Content-Type"] = "application/json" }
local counter = 0

function setup(thread)
  thread:set("tag", tostring(math.random(1, 1e9)))
end

function request()
  counter = counter + 1
  return wrk.format("POST", "/api/v1/vapi/webhook", headers, prefix .. tag .. "-" .. counter .. suffix)
end
