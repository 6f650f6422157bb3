-- track.lua — wrk script: POST /v1/track, one realistic track event per request.
-- Usage: wrk -s bench/track.lua URL -- WRITE_KEY RUN_TAG
-- RUN_TAG makes messageIds unique across runs against one database.

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = dir .. "?.lua;" .. package.path
local events = require("events")

local threads, next_id = {}, 0

function setup(thread)
    next_id = next_id + 1
    thread:set("id", next_id)
    table.insert(threads, thread)
end

local headers

function init(args)
    local key, tag = args[1], args[2] or "track"
    events.init(id, tag)
    headers = {
        ["Content-Type"] = "application/json",
        ["Authorization"] = "Basic " .. events.base64(key .. ":"),
        ["User-Agent"] = "analytics-node-bench/1.0",
    }
    sent = 0
end

function request()
    sent = sent + 1
    return wrk.format("POST", "/v1/track", headers, events.track(events.next_message_id()))
end

function done(summary, latency, requests)
    local total = 0
    for _, t in ipairs(threads) do
        total = total + t:get("sent")
    end
    events.report(summary, latency, total, 1)
end
