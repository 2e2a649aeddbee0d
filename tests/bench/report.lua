-- report.lua: the wrk script of `make bench` (tests/bench/bench.sh).
--
-- It prints one line that bench.sh reads:
--   TGBENCH requests=N seconds=S rps=R p50_us=A p99_us=B
--       http_errors=E socket_errors=F
-- (http_errors: answers with a status of 400 or more).
--
-- With BENCH_TOKENS=FILE in the environment each request carries
-- "Authorization: Bearer T" with T picked at random from FILE (one token
-- per line); otherwise the request is wrk's static one (-H works).  The
-- request() function is only defined in the first case: wrk sends a
-- static request much faster than a scripted one.

local file = os.getenv("BENCH_TOKENS")

if file then
	local tokens = {}
	for line in io.lines(file) do
		if #line > 0 then
			tokens[#tokens + 1] = "Bearer " .. line
		end
	end
	local n = #tokens
	local threads = 0

	function setup(thread)
		threads = threads + 1
		thread:set("thread_no", threads)
	end

	function init(args)
		math.randomseed(os.time() * 100 + (thread_no or 0))
	end

	function request()
		return wrk.format(nil, nil,
		    { ["Authorization"] = tokens[math.random(n)] })
	end
end

function done(summary, latency, requests)
	local s = summary.duration / 1e6
	local e = summary.errors
	io.write(string.format("TGBENCH requests=%d seconds=%.3f rps=%.1f " ..
	    "p50_us=%d p99_us=%d http_errors=%d socket_errors=%d\n",
	    summary.requests, s, summary.requests / s,
	    latency:percentile(50), latency:percentile(99), e.status,
	    e.connect + e.read + e.write + e.timeout))
end
