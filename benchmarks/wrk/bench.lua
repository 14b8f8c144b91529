-- The requests `make bench` sends, by mode (the first argument after `--`):
--   submit <sessions file> <bodies file> <path> <threads>: POST one complete response per request,
--     each with its own answer session (one unused invitation, as after following a mailed link);
--     thread i takes every i-th session;
--   floor <path>: POST to the bare one-insert view (the framework's floor);
--   page <path> <session key>: GET a signed-in page.
local threads, counter = {}, 0
local csrf = "benchmarkcsrftokenbenchmark01234"

function setup(thread)
  thread:set("id", counter)
  thread:set("wrapped", 0)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  mode, wrapped = args[1], 0
  if mode == "submit" then
    sessions, bodies, path, used = {}, {}, args[4], 0
    local i = 0
    for line in io.lines(args[2]) do
      if i % tonumber(args[5]) == id then table.insert(sessions, line) end
      i = i + 1
    end
    for line in io.lines(args[3]) do table.insert(bodies, line) end
  else
    path, session = args[2], args[3]
  end
end

function request()
  if mode == "floor" then
    return wrk.format("POST", path, {["Content-Type"] = "application/x-www-form-urlencoded"}, "v=floor")
  elseif mode == "page" then
    return wrk.format("GET", path, {["Cookie"] = "sessionid=" .. session, ["Accept-Language"] = "en"})
  end
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
  for _, thread in ipairs(threads) do wrapped_total = wrapped_total + (thread:get("wrapped") or 0) end
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "errors": %d, "non_2xx_3xx": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "wrapped": %d}\n',
    summary.requests, summary.duration, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, wrapped_total))
end
