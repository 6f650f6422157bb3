-- healthz.lua — wrk script: GET /healthz, the reference for the ingestion benchmarks.
-- Usage: wrk -s bench/healthz.lua http://127.0.0.1:PORT/healthz

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = dir .. "?.lua;" .. package.path
local events = require("events")

function done(summary, latency, requests)
    events.report(summary, latency, summary.requests, 0)
end
