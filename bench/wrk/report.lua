-- wrk script for Rapport: request shape from env vars, one machine-readable summary line.
-- Same shape and RESULT line as ../shared/bench/wrk_report.lua (the wger peer), so the
-- figures of both compare column for column; only the token scheme differs (Bearer).
--   WRK_METHOD        GET (default) | POST
--   WRK_BODY          request body for POST (JSON)
--   WRK_TOKEN         if set, sends "Authorization: <WRK_TOKEN_SCHEME> <value>"
--   WRK_TOKEN_SCHEME  Bearer (default); wger uses Token
--   WRK_COOKIE        if set, sends it as the Cookie header
-- Prints: RESULT rps=<req/s> p50_ms=.. p90_ms=.. p99_ms=.. max_ms=.. requests=.. non2xx=.. sock_errors=..
local method = os.getenv("WRK_METHOD") or "GET"
local body = os.getenv("WRK_BODY")
local token = os.getenv("WRK_TOKEN")
local scheme = os.getenv("WRK_TOKEN_SCHEME") or "Bearer"
local cookie = os.getenv("WRK_COOKIE")

wrk.method = method
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
if token and token ~= "" then
  wrk.headers["Authorization"] = scheme .. " " .. token
end
if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end
wrk.headers["Accept"] = "application/json"

done = function(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "RESULT rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f requests=%d non2xx=%d sock_errors=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout,
    e.connect, e.read, e.write, e.timeout))
end
