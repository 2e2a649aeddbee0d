-- soak.lua: the wrk script of tests/soak/soak.sh.
--
-- Every request carries one token, picked at random from the pools in the
-- file $SOAK_TOKENS (lines "KIND TOKEN"; KIND valid, revoked, badcheck,
-- unknown or wrong), weighted by $SOAK_MIX ("valid=4,badcheck=1,...").
-- Until $SOAK_COUNT_SECONDS have passed requests go to GET /api/soak/KIND,
-- behind the authorizer (the kind in the path lets soak.sh count the
-- server's answers per kind in lighttpd's access log); after that each
-- connection asks for the static /index.html (outside the authorizer), so
-- that every request to /api/soak/ has had its answer when wrk stops.
--
-- A response is classified:
--   200 whose echo-backend body holds "HTTP_AUTHORIZATION=Bearer T" with T
--       one of the valid tokens                          -> ok200
--   any other 200 (a token that is not valid let through) -> wrong200
--   401                                                   -> n401
--   anything else                                         -> other
--   the static file                                       -> static
-- done() prints one line of key=value pairs, summed over the threads:
--   soak: sent_valid=... sent_other=... ok200=... n401=... wrong200=...
--       other=... static=... connect_errors=... read_errors=...
--       write_errors=... timeouts=... requests=... p50_us=... p99_us=...
--       max_us=...
-- sent_* count the calls of request().  wrk 4.1 calls it again, without
-- sending the first one, when the first write of a request would block
-- (socket_writeable() with c->written still 0), so these may exceed what
-- was sent by a few; soak.sh takes what was sent from lighttpd's log.

local threads = {}
local counter = 0

function setup(thread)
	counter = counter + 1
	thread:set("tid", counter)
	table.insert(threads, thread)
end

local pools = {}
local valid = {}
local mix = {}
local deadline

sent_valid, sent_other = 0, 0
ok200, wrong200, n401, other, static, sent_static = 0, 0, 0, 0, 0, 0
last_other = ""

function init(args)
	local f = assert(io.open(os.getenv("SOAK_TOKENS")), "SOAK_TOKENS")
	for line in f:lines() do
		local kind, tok = line:match("^(%S+) (%S+)$")
		if kind then
			pools[kind] = pools[kind] or {}
			table.insert(pools[kind], tok)
			if kind == "valid" then
				valid[tok] = true
			end
		end
	end
	f:close()
	for kind, weight in (os.getenv("SOAK_MIX") or ""):gmatch("(%w+)=(%d+)") do
		assert(pools[kind], "no tokens of kind " .. kind)
		for _ = 1, tonumber(weight) do
			table.insert(mix, kind)
		end
	end
	assert(#mix > 0, "SOAK_MIX")
	deadline = os.time() + tonumber(os.getenv("SOAK_COUNT_SECONDS"))
	math.randomseed(os.time() * 1000 + tid)
end

local static_req

function request()
	if os.time() >= deadline then
		static_req = static_req or wrk.format("GET", "/index.html")
		sent_static = sent_static + 1
		return static_req
	end
	local kind = mix[math.random(#mix)]
	local pool = pools[kind]
	local tok = pool[math.random(#pool)]
	if kind == "valid" then
		sent_valid = sent_valid + 1
	else
		sent_other = sent_other + 1
	end
	return wrk.format("GET", "/api/soak/" .. kind,
	    { ["Authorization"] = "Bearer " .. tok })
end

function response(status, headers, body)
	if status == 200 then
		local tok = body:match("HTTP_AUTHORIZATION=Bearer (%S+)")
		if tok ~= nil and valid[tok] then
			ok200 = ok200 + 1
		elseif body:find("static file, no authorizer", 1, true) then
			static = static + 1
		else
			wrong200 = wrong200 + 1
		end
	elseif status == 401 then
		n401 = n401 + 1
	else
		other = other + 1
		last_other = tostring(status)
	end
end

function done(summary, latency, requests)
	local sum = {}
	local names = { "sent_valid", "sent_other", "ok200", "wrong200", "n401",
	    "other", "static", "sent_static" }
	local lo = ""
	for _, n in ipairs(names) do
		sum[n] = 0
	end
	for _, t in ipairs(threads) do
		for _, n in ipairs(names) do
			sum[n] = sum[n] + (t:get(n) or 0)
		end
		if (t:get("last_other") or "") ~= "" then
			lo = t:get("last_other")
		end
	end
	local e = summary.errors
	io.write(string.format("soak: sent_valid=%d sent_other=%d ok200=%d " ..
	    "n401=%d wrong200=%d other=%d static=%d sent_static=%d connect_errors=%d " ..
	    "read_errors=%d write_errors=%d timeouts=%d requests=%d " ..
	    "p50_us=%d p99_us=%d max_us=%d last_other=%s\n",
	    sum.sent_valid, sum.sent_other, sum.ok200, sum.n401, sum.wrong200,
	    sum.other, sum.static, sum.sent_static, e.connect, e.read, e.write, e.timeout,
	    summary.requests, latency:percentile(50), latency:percentile(99),
	    latency.max, lo == "" and "-" or lo))
end
