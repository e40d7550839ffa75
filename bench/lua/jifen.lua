-- One wrk script for every Jifen scenario; bench/wrk.py sets it up through the environment:
--   WRK_MODE     get | redeem | log | approve
--   WRK_HEADERS  extra headers, one "Name: value" per line (a bearer token, a session cookie)
--   WRK_DATA     a file with one entry per line: paths (get), resident ids (redeem),
--                "activity_id volunteer_id" (log), hour record ids (approve)
--   WRK_THREADS  wrk's -t, so each thread takes its own share of the entries
--   WRK_KEY      a prefix making every Idempotency-Key of this run new
--   WRK_STORE, WRK_ITEM, WRK_MINUTES   redemption and hours bodies
--   WRK_MAX      at most this many requests per thread (every run is bounded in count as well as time)
-- log and approve use each entry once and stop their thread when its share runs out.
-- done() prints one line "JSON {...}" with throughput, latency percentiles and answers by status.

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local function lines(path)
  local out = {}
  if path == nil or path == "" then return out end
  for line in io.lines(path) do
    if line ~= "" then table.insert(out, line) end
  end
  return out
end

function init(args)
  mode = os.getenv("WRK_MODE") or "get"
  extra = {}
  for line in string.gmatch(os.getenv("WRK_HEADERS") or "", "[^\n]+") do
    local name, value = string.match(line, "^([^:]+):%s*(.*)$")
    if name then extra[name] = value end
  end
  entries = lines(os.getenv("WRK_DATA"))
  nthreads = tonumber(os.getenv("WRK_THREADS") or "1")
  key = (os.getenv("WRK_KEY") or "bench") .. "-" .. tid
  store = os.getenv("WRK_STORE") or "0"
  item = os.getenv("WRK_ITEM") or "0"
  minutes = os.getenv("WRK_MINUTES") or "30"
  limit = tonumber(os.getenv("WRK_MAX") or "200000")
  cursor = tid + 1          -- 1-based, this thread's first entry
  sent = 0
  statuses = {}
end

local function headers(json)
  local h = {}
  for name, value in pairs(extra) do h[name] = value end
  if json then
    h["Content-Type"] = "application/json"
    h["Idempotency-Key"] = key .. "-" .. sent
  end
  return h
end

local function next_entry(shared)
  -- shared entries (paths, residents) rotate; single-use ones (log, approve) are dealt out once
  if #entries == 0 then return nil end
  local index = cursor
  if shared then
    index = ((cursor - 1) % #entries) + 1
  elseif index > #entries then
    return nil
  end
  cursor = cursor + nthreads
  return entries[index]
end

function request()
  sent = sent + 1
  if sent > limit then wrk.thread:stop() end
  if mode == "get" then
    return wrk.format("GET", next_entry(true) or wrk.path, headers(false))
  elseif mode == "redeem" then
    local body = string.format('{"store_id": %s, "resident_id": %s, "lines": [{"item_id": %s, "quantity": 1}]}',
      store, next_entry(true), item)
    return wrk.format("POST", "/api/v1/redemptions", headers(true), body)
  elseif mode == "log" then
    local entry = next_entry(false)
    if entry == nil then wrk.thread:stop() return wrk.format("GET", "/healthz") end
    local activity, volunteer = string.match(entry, "(%d+) (%d+)")
    local body = string.format('{"activity_id": %s, "volunteer_id": %s, "minutes": %s}', activity, volunteer, minutes)
    return wrk.format("POST", "/api/v1/hours", headers(true), body)
  elseif mode == "approve" then
    local entry = next_entry(false)
    if entry == nil then wrk.thread:stop() return wrk.format("GET", "/healthz") end
    return wrk.format("POST", "/api/v1/hours/" .. entry .. "/approve", headers(true), "{}")
  end
end

function response(status, hdrs, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local seen = thread:get("statuses")
    if seen then
      for status, n in pairs(seen) do counts[status] = (counts[status] or 0) + n end
    end
  end
  local parts = {}
  for status, n in pairs(counts) do table.insert(parts, string.format('"%d": %d', status, n)) end
  local errors = summary.errors
  io.write(string.format(
    'JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"socket_errors": %d, "timeouts": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, errors.connect + errors.read + errors.write, errors.timeout,
    table.concat(parts, ", ")))
end
