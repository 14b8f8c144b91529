-- A signed-in page: GET <path> with the session cookie of a user of the right role.
-- Arguments: <path> <session key>.
function init(args)
  path, session = args[1], args[2]
end

function request()
  return wrk.format("GET", path, {["Cookie"] = "sessionid=" .. session, ["Accept-Language"] = "en"})
end

function done(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "errors": %d, "non_2xx_3xx": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "wrapped": 0}\n',
    summary.requests, summary.duration, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
