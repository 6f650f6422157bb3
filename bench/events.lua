-- events.lua — realistic Segment messages for the wrk ingestion benchmarks,
-- shared by track.lua and batch.lua.
--
-- A shop with a small catalogue and a pool of people: person i has userId
-- "user-<i>" and one or two devices (anonymousIds derived from i), and is
-- logged in on 70% of events. messageIds are "<tag>-<thread>-<counter>",
-- unique across threads, and across runs when the caller passes a new tag.

local M = {}

local PEOPLE = 50000

local adjectives = { "Classic", "Slim", "Organic", "Wool", "Linen", "Vintage", "Sport",
    "Crème", "Denim", "Leather", "Bamboo", "Recycled" }
local nouns = { "Shirt", "Trousers", "Sneakers", "Jacket", "Scarf", "Backpack", "Mug",
    "Lamp", "Blanket", "Watch", "Sunglasses", "Notebook" }
local categories = { "Clothing", "Shoes", "Accessories", "Home & Living", "Stationery" }
local brands = { "Nordkap", "Maison Dupré", "Grünwald", "Ashby & Co", "Vela" }
local searches = { "rain jacket", "wool scarf", "running shoes", "gift for dad",
    "linen shirt", "backpack 30l", "mug", "sneakers white" }
local locales = { "nl-NL", "fr-FR", "de-DE", "en-GB", "en-US" }
local agents = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
}
local first_names = { "Anna", "Pieter", "Sophie", "Lucas", "Emma", "Thomas", "Julie", "Noah",
    "Léa", "Jürgen", "Olivia", "Sem" }
local last_names = { "de Vries", "Jansen", "Dubois", "Müller", "Smith", "Bakker", "Lefèvre",
    "Schmidt", "Brown", "Visser" }
local cities = { "Amsterdam", "Utrecht", "Lyon", "Köln", "London", "Gent", "Rotterdam" }

local fmt, rnd = string.format, math.random
local products = {}
local tag, tid, counter = "bench", 1, 0
local now_iso, now_sec = "", -1

local function pick(t) return t[rnd(#t)] end

-- ISO 8601 with milliseconds; the second part is cached.
local function timestamp()
    local s = os.time()
    if s ~= now_sec then
        now_sec = s
        now_iso = os.date("!%Y-%m-%dT%H:%M:%S", s)
    end
    return fmt("%s.%03dZ", now_iso, rnd(0, 999))
end

local function uuid(a, b)
    return fmt("%08x-%04x-4%03x-a%03x-%012x", a % 0x100000000, b % 0x10000, (a * 7) % 0x1000,
        (b * 13) % 0x1000, (a * 2654435761 + b) % 0x1000000000000)
end

function M.init(thread_id, run_tag)
    tid, tag, counter = thread_id, run_tag, 0
    math.randomseed(thread_id * 7919 + os.time())
    for i = 1, 300 do
        local name = fmt("%s %s", adjectives[(i % #adjectives) + 1], nouns[(i * 7 % #nouns) + 1])
        products[i] = {
            id = fmt("P%05d", 10000 + i),
            sku = fmt("SKU-%d-%02d", 4000 + i, i % 17),
            name = name,
            category = categories[(i % #categories) + 1],
            brand = brands[(i * 3 % #brands) + 1],
            price = fmt("%.2f", 4.95 + (i * 37 % 200) + 0.04 * (i % 25)),
            slug = name:lower():gsub("[^%w]+", "-") .. "-" .. i,
        }
    end
end

local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

-- Base64 for the Basic auth header (the write key is the user name).
function M.base64(s)
    return ((s:gsub(".", function(c)
        local b, bits = c:byte(), ""
        for i = 8, 1, -1 do
            bits = bits .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and "1" or "0")
        end
        return bits
    end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
        if #x < 6 then return "" end
        local c = 0
        for i = 1, 6 do
            c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0)
        end
        return b64chars:sub(c + 1, c + 1)
    end) .. ({ "", "==", "=" })[#s % 3 + 1])
end

function M.next_message_id()
    counter = counter + 1
    return fmt("%s-%d-%d", tag, tid, counter)
end

-- The identity part of a message: userId (70%) and always an anonymousId.
local function who()
    local person = rnd(PEOPLE)
    local anon = uuid(person, rnd(2))
    if rnd() < 0.7 then
        return fmt('"userId":"user-%d","anonymousId":"%s"', person, anon), person
    end
    return fmt('"anonymousId":"%s"', anon), person
end

local function page_context(path, title)
    return fmt('"context":{"library":{"name":"analytics.js","version":"4.1.0"},'
        .. '"page":{"path":"%s","url":"https://shop.example.be%s","title":"%s",'
        .. '"referrer":"https://www.google.com/"},"userAgent":"%s","ip":"203.0.113.%d",'
        .. '"locale":"%s","campaign":{"source":"newsletter","medium":"email","name":"winter-sale"}}',
        path, path, title, pick(agents), rnd(1, 254), pick(locales))
end

local function product_json(p, qty)
    return fmt('{"product_id":"%s","sku":"%s","name":"%s","category":"%s","brand":"%s",'
        .. '"price":%s,"quantity":%d,"url":"https://shop.example.be/p/%s"}',
        p.id, p.sku, p.name, p.category, p.brand, p.price, qty, p.slug)
end

local function order_properties(mid)
    local n, lines, total = rnd(1, 4), {}, 0
    for i = 1, n do
        local p, qty = pick(products), rnd(1, 3)
        lines[i] = product_json(p, qty)
        total = total + tonumber(p.price) * qty
    end
    return fmt('{"order_id":"O-%s","checkout_id":"C-%s","affiliation":"webshop","total":%.2f,'
        .. '"revenue":%.2f,"shipping":4.95,"tax":%.2f,"discount":0,"coupon":"WINTER10",'
        .. '"currency":"EUR","products":[%s]}',
        mid, mid, total + 4.95, total, total * 0.21, table.concat(lines, ","))
end

-- One track message: the event mix of a web shop's analytics.
function M.track(mid)
    local id = who()
    local r, name, props, path, title = rnd(), nil, nil, nil, nil
    local p = pick(products)
    if r < 0.45 then
        name, path, title = "Product Viewed", "/p/" .. p.slug, p.name .. " | Shop"
        props = product_json(p, 1)
    elseif r < 0.65 then
        name, path, title = "Product Added", "/p/" .. p.slug, p.name .. " | Shop"
        props = fmt('{"cart_id":"cart-%s",%s', mid, product_json(p, rnd(1, 3)):sub(2))
    elseif r < 0.80 then
        local q = pick(searches)
        name, path, title = "Products Searched", "/search?q=" .. q:gsub(" ", "+"), "Search | Shop"
        props = fmt('{"query":"%s","results":%d}', q, rnd(0, 120))
    elseif r < 0.90 then
        name, path, title = "Checkout Started", "/checkout", "Checkout | Shop"
        props = fmt('{"order_id":"O-%s","value":%s,"currency":"EUR","products":[%s]}',
            mid, p.price, product_json(p, 1))
    else
        name, path, title = "Order Completed", "/checkout/thank-you", "Thank you | Shop"
        props = order_properties(mid)
    end
    return fmt('{"type":"track","event":"%s",%s,"messageId":"%s","timestamp":"%s",'
        .. '"properties":%s,%s}',
        name, id, mid, timestamp(), props, page_context(path, title))
end

local function page(mid)
    local id = who()
    local p = pick(products)
    local path, cat = "/c/" .. p.category:lower():gsub("[^%w]+", "-"), p.category
    return fmt('{"type":"page","name":"%s",%s,"messageId":"%s","timestamp":"%s",'
        .. '"properties":{"path":"%s","url":"https://shop.example.be%s","title":"%s | Shop",'
        .. '"referrer":"https://shop.example.be/","search":""},%s}',
        cat, id, mid, timestamp(), path, path, cat, page_context(path, cat .. " | Shop"))
end

local function identify(mid)
    local person = rnd(PEOPLE)
    local first, last = first_names[person % #first_names + 1], last_names[person % #last_names + 1]
    return fmt('{"type":"identify","userId":"user-%d","anonymousId":"%s","messageId":"%s",'
        .. '"timestamp":"%s","traits":{"firstName":"%s","lastName":"%s",'
        .. '"email":"customer%d@example.be","phone":"+31 6 %08d","loyaltyTier":"%s",'
        .. '"address":{"street":"Keizersgracht","houseNumber":"%d","postalCode":"10%02d AB",'
        .. '"city":"%s","country":"NL"}},"context":{"library":{"name":"analytics-node",'
        .. '"version":"1.1.0"},"ip":"198.51.100.%d"}}',
        person, uuid(person, 1), mid, timestamp(), first, last, person, person,
        pick({ "bronze", "silver", "gold" }), rnd(1, 300), rnd(10, 99), pick(cities), rnd(1, 254))
end

-- One batch item: mostly track, some page views, a few identifies.
function M.batch_item(mid)
    local r = rnd()
    if r < 0.75 then
        return M.track(mid)
    elseif r < 0.95 then
        return page(mid)
    end
    return identify(mid)
end

-- Summary line parsed by ingest.sh: figures from wrk plus the Lua-side request count.
function M.report(summary, latency, sent, events_per_request)
    local e = summary.errors
    io.write(fmt("RESULT requests=%d duration_us=%d sent=%d events_per_request=%d "
        .. "p50_us=%d p90_us=%d p99_us=%d max_us=%d non2xx=%d err_connect=%d err_read=%d "
        .. "err_write=%d err_timeout=%d\n",
        summary.requests, summary.duration, sent, events_per_request,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
        e.status, e.connect, e.read, e.write, e.timeout))
end

return M
