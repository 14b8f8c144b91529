-- Submission benchmark: every request POSTs one complete response with its own answer session
-- (a session holding one unused invitation, as after following a mailed link).
-- Arguments: <sessions file> <bodies file> <path> <threads>; thread i takes every i-th session. One line per session key / form body.
local threads, counter = {}, 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local csrf = "benchmarkcsrftokenbenchmark01234"

function init(args)
  sessions, bodies, path, used, wrapped = {}, {}, args[3], 0, 0
  local i = 0
  for line in io.lines(args[1]) do
    if i % tonumber(args[4]) == id then table.insert(sessions, line) end
    i = i + 1
  end
  for line in io.lines(args[2]) do table.insert(bodies, line) end
end

function request()
  used = used + 1
  if used > #sessions then
    wrapped = wrapped + 1 -- out of fresh invitations: the answer is the "used link" page
    used = 1
  end
  local headers = {
    ["Cookie"] = "sessionid=" .. sessions[used] .. "; csrftoken=" .. csrf,
    ["X-CSRFToken"] = csrf,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }
  return wrk.format("POST", path, headers, bodies[(used % #bodies) + 1])
end

function done(summary, latency, requests)
  local wrapped_total = 0
  for _, thread in ipairs(threads) do wrapped_total = wrapped_total + thread:get("wrapped") end
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "errors": %d, "non_2xx_3xx": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "wrapped": %d}\n',
    summary.requests, summary.duration, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, wrapped_total))
end
