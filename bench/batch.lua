-- batch.lua — wrk script: POST /v1/batch, BATCH_SIZE realistic events per request.
-- Usage: wrk -s bench/batch.lua URL -- WRITE_KEY RUN_TAG [BATCH_SIZE=100]
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

local headers, size

function init(args)
    local key, tag = args[1], args[2] or "batch"
    size = tonumber(args[3] or "100")
    events.init(id, tag)
    headers = {
        ["Content-Type"] = "application/json",
        ["Authorization"] = "Basic " .. events.base64(key .. ":"),
        ["User-Agent"] = "analytics-node-bench/1.0",
    }
    sent = 0
    batch_size = size
end

function request()
    sent = sent + 1
    local items = {}
    for i = 1, size do
        items[i] = events.batch_item(events.next_message_id())
    end
    local body = string.format('{"batch":[%s],"sentAt":"%s","context":{"library":'
        .. '{"name":"analytics-node","version":"1.1.0"}}}',
        table.concat(items, ","), os.date("!%Y-%m-%dT%H:%M:%S.000Z"))
    return wrk.format("POST", "/v1/batch", headers, body)
end

function done(summary, latency, requests)
    local total = 0
    for _, t in ipairs(threads) do
        total = total + t:get("sent")
    end
    events.report(summary, latency, total, threads[1]:get("batch_size"))
end
