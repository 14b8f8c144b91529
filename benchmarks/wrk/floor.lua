-- The floor: a bare view of the same project that inserts one row per request.
-- Arguments: <path>.
function init(args)
  path = args[1]
end

function request()
  return wrk.format("POST", path, {["Content-Type"] = "application/x-www-form-urlencoded"}, "v=floor")
end

function done(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "errors": %d, "non_2xx_3xx": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "wrapped": 0}\n',
    summary.requests, summary.duration, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
