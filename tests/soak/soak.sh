#!/usr/bin/env bash
#
# soak.sh: the authorizer under steady load (issue 6, "Soak").
#
#   make soak                         (SOAK_SECONDS=600 by default)
#   SOAK_SECONDS=60 bash tests/soak/soak.sh
#
# A private MariaDB, tokengate-authz (4 threads, unix socket) behind
# lighttpd with deploy/lighttpd/lighttpd.conf, in front of
# tests/tools/echo-backend; wrk with tests/soak/soak.lua at
# SOAK_CONNECTIONS (64) connections for SOAK_SECONDS, every request with
# one token from a mix of valid, revoked, bad-checksum, unknown-id and
# wrong-secret tokens.  The echo backend's body names the Authorization
# it received, so every 200 is checked to be for a valid token.
#
# Configuration: the defaults, except brake_failures = 0 (every request
# comes from 127.0.0.1 and most are refused: the brute-force brake would
# answer 429 to all of them) and cache_negative_size = 2000 with 4000
# unknown ids in the mix, so that the negative cache is full after a few
# seconds and evicts all the time.
#
# Passes when:
#   - no wrong answer: a 200 only ever for a valid token;
#   - 200s = valid requests sent and 401s = the others, exactly, per kind
#     (counted in lighttpd's access log, the kind being in the path), and
#     the client received each of those answers (wrk's counts): every
#     request has exactly one answer, no error for a valid token;
#   - no connect, read, write error or timeout;
#   - the authorizer's VmRSS stays within 5% of its value after the
#     warm-up (SOAK_WARMUP, default a tenth of the run, at least 15 s);
#   - its open descriptors do not grow: when idle, after the soak, exactly
#     as many as before it; under load, files, pipes and the like stay as
#     after the warm-up, and sockets (its database connections and the
#     requests in flight) are compared by their lowest count in a burst of
#     samples;
#   - it is still the same process at the end and exits 0 on SIGTERM;
#   - no token secret in its log.
# It prints a small report and ends with "N passed, N failed".
set -u
. "$(dirname "$0")/../integration/lib.sh"
tg_init

SOAK_SECONDS=${SOAK_SECONDS:-600}
CONNS=${SOAK_CONNECTIONS:-64}
WARMUP=${SOAK_WARMUP:-$((SOAK_SECONDS / 10 > 15 ? SOAK_SECONDS / 10 : 15))}
DRAIN=5		# the last seconds ask for a static file (soak.lua)
SAMPLE_EVERY=${SOAK_SAMPLE_SECONDS:-$((SOAK_SECONDS >= 300 ? 10 : 3))}
MIX=${SOAK_MIX:-valid=4,revoked=1,badcheck=1,unknown=2,wrong=1}
[ "$SOAK_SECONDS" -ge $((WARMUP + DRAIN + 10)) ] ||
    tg_die "SOAK_SECONDS=$SOAK_SECONDS is too short (warm-up $WARMUP s)"

AUTHZ=$TG_BUILD/tokengate-authz
for b in "$TG_BUILD/tokengate" "$AUTHZ"; do
	[ -x "$b" ] || tg_die "build first: $b is missing"
done
command -v wrk >/dev/null || tg_die "wrk is not installed (apt-get install wrk)"
TOOL=$TG_ROOT/build/tools/tokentool
[ -x "$TOOL" ] || TOOL=$(tg_tool tokentool)
TG_CONF=$TG_DIR/tokengate.conf

tg_mariadb_init "$TG_DIR/db"
tg_mariadb_start "$TG_DIR/db"
tg_write_config "$TG_CONF" brake_failures=0 cache_negative_size=2000
tg_cli migrate >/dev/null || tg_die "migrate failed"
tg_cli user add alice --role member >/dev/null || tg_die "user add"

TOKENS=$TG_DIR/tokens
: >"$TOKENS"
mk() { tg_cli token create --user alice --name "$1" --api-rule '*'; }
for i in $(seq 1 20); do
	t=$(mk "valid$i") || tg_die "token create"
	echo "valid $t" >>"$TOKENS"
	echo "badcheck $("$TOOL" badcheck "$t")" >>"$TOKENS"
	echo "wrong $("$TOOL" forge tg "$(tg_token_id "$t")")" >>"$TOKENS"
done
for i in $(seq 1 10); do
	t=$(mk "revoked$i") || tg_die "token create"
	tg_cli token revoke "$(tg_token_id "$t")" >/dev/null 2>&1 || tg_die "revoke"
	echo "revoked $t" >>"$TOKENS"
done
"$TOOL" random tg 4000 | sed 's/^/unknown /' >>"$TOKENS"
[ "$(grep -c '^unknown ' "$TOKENS")" = 4000 ] || tg_die "tokentool random"

export TG_AUTHZ_SOCKET=$TG_DIR/authz.sock
export TG_BACKEND_SOCKET=$TG_DIR/app.sock
tg_echo_backend_start echo "$TG_BACKEND_SOCKET" --threads 4
tg_daemon authz "$TG_AUTHZ_SOCKET" "$AUTHZ" -c "$TG_CONF" --threads 4
AUTHZ_PID=$TG_LAST_PID
tg_lighttpd_start

# One request of each kind before the load: the set-up is right.
for k in valid revoked badcheck unknown wrong; do
	t=$(awk -v k="$k" '$1 == k { print $2; exit }' "$TOKENS")
	tg_http GET "$TG_LIGHTTPD_URL/api/precheck" -H "Authorization: Bearer $t"
	case $k in valid) w=200 ;; *) w=401 ;; esac
	tg_check_status "before the soak: a $k token gets $w" "$w"
done

# sample PID OUT: every SAMPLE_EVERY s one line "SECONDS RSS_KB NONSOCK
# SOCKMIN": VmRSS, descriptors that are not sockets, and the lowest
# number of socket descriptors in 10 looks 20 ms apart.
sample() {
	local pid=$1 out=$2 t0=$SECONDS rss s o min k
	while kill -0 "$pid" 2>/dev/null && [ ! -e "$TG_DIR/stop-sampling" ]; do
		rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
		min=999999 o=0
		for k in 1 2 3 4 5 6 7 8 9 10; do
			read -r s o < <(ls -l "/proc/$pid/fd" 2>/dev/null | awk '
			    / -> socket:/ { s++; next } / -> / { o++ }
			    END { print s + 0, o + 0 }')
			[ "$s" -lt "$min" ] && min=$s
			sleep 0.02
		done
		echo "$((SECONDS - t0)) ${rss:-0} $o $min" >>"$out"
		sleep "$SAMPLE_EVERY"
	done
}

# fds TYPE: the authorizer's descriptors that are sockets (TYPE socket)
# or not (TYPE other).
fds() {
	ls -l "/proc/$AUTHZ_PID/fd" 2>/dev/null | awk -v t="$1" '
	    / -> socket:/ { s++; next } / -> / { o++ }
	    END { print (t == "socket" ? s : o) + 0 }'
}
# Idle before: after the writer's first flush (about a second after the
# valid request above), which opens its database connection.
sleep 1.5
IDLE_SOCK0=$(fds socket) IDLE_OTHER0=$(fds other)

echo "# soak: $SOAK_SECONDS s, $CONNS connections through lighttpd, mix $MIX, warm-up $WARMUP s"
SAMPLES=$TG_DIR/samples
tg_start sampler "$TG_DIR/sampler.log" sample "$AUTHZ_PID" "$SAMPLES"
WRK_OUT=$TG_DIR/wrk.out
SOAK_TOKENS=$TOKENS SOAK_MIX=$MIX SOAK_COUNT_SECONDS=$((SOAK_SECONDS - DRAIN)) \
    timeout -k 10 $((SOAK_SECONDS + 60)) wrk -t 2 -c "$CONNS" \
    -d "${SOAK_SECONDS}s" --timeout 10s -s "$TG_ROOT/tests/soak/soak.lua" \
    "$TG_LIGHTTPD_URL/" >"$WRK_OUT" 2>&1
wrk_rc=$?
touch "$TG_DIR/stop-sampling"
tg_stop sampler

# ------------------------------------------------------------ report
tg_check "wrk ran to the end" 0 "$wrk_rc"
line=$(grep '^soak: ' "$WRK_OUT")
[ -n "$line" ] || { cat "$WRK_OUT"; tg_die "no result line from soak.lua"; }
v() { printf '%s\n' "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
# What lighttpd answered, per kind (the path) and status, from its log.
ACCESS=$TG_DIR/lighttpd/lighttpd-access.log
awk '$7 ~ /^\/api\/soak\// { split($7, p, "/"); n[p[4] " " $9]++ }
    END { for (k in n) print k, n[k] }' "$ACCESS" | sort >"$TG_DIR/answers"
got() { awk -v k="$1" -v s="$2" '$1 == k && (s == "" || $2 == s) { n += $3 }
    END { print n + 0 }' "$TG_DIR/answers"; }
total=$(awk '{ n += $3 } END { print n + 0 }' "$TG_DIR/answers")
rps=$(( total / (SOAK_SECONDS - DRAIN) ))
echo "# requests through the authorizer: $total ($rps/s) at $CONNS connections"
for k in valid revoked badcheck unknown wrong; do
	echo "#   $k: $(got "$k" "") sent, answered $(awk -v k="$k" '$1 == k { printf "%s %s, ", $2, $3 }' "$TG_DIR/answers")"
done
echo "# wrk received: 200 $(v ok200), 401 $(v n401), wrong 200 $(v wrong200), other $(v other) (last $(v last_other)); request() calls $(( $(v sent_valid) + $(v sent_other) ))"
echo "# latency (all requests): p50 $(v p50_us) us, p99 $(v p99_us) us, max $(v max_us) us"
echo "# socket errors: connect $(v connect_errors), read $(v read_errors), write $(v write_errors), timeouts $(v timeouts)"
tg_check_true "requests were sent" test "$total" -gt 0
tg_check "zero wrong answers (a 200 only ever for a valid token, body checked)" \
    0 "$(v wrong200)"
tg_check "every valid request answered 200 (zero errors for valid tokens)" \
    "$(got valid "")" "$(got valid 200)"
for k in revoked badcheck unknown wrong; do
	tg_check "every $k request answered 401" "$(got "$k" "")" "$(got "$k" 401)"
done
tg_check "the client got every 200 the server sent, and nothing else as 200" \
    "$(got valid 200)" "$(v ok200)"
tg_check "the client got every 401 the server sent" \
    "$(awk '$2 == 401 { n += $3 } END { print n + 0 }' "$TG_DIR/answers")" "$(v n401)"
tg_check "no answer other than 200 and 401" 0 "$(v other)"
tg_check "no connect, read or write error, no timeout" "0 0 0 0" \
    "$(v connect_errors) $(v read_errors) $(v write_errors) $(v timeouts)"

# Memory and descriptors after the warm-up.
base=$(awk -v w="$WARMUP" '$1 >= w { print; exit }' "$SAMPLES")
if [ -z "$base" ]; then
	tg_fail "samples after the warm-up" "none in $SAMPLES"
else
	read -r bt brss bo bs <<<"$base"
	last=$(tail -n 1 "$SAMPLES")
	read -r lt lrss lo ls <<<"$last"
	read -r minr maxr maxo maxs < <(awk -v w="$bt" '$1 >= w {
	    if (mn == "" || $2 < mn) mn = $2; if ($2 > mx) mx = $2
	    if ($3 > mo) mo = $3; if ($4 > ms) ms = $4 }
	    END { print mn, mx, mo, ms }' "$SAMPLES")
	n=$(awk -v w="$bt" '$1 >= w' "$SAMPLES" | wc -l)
	echo "# authorizer VmRSS: ${brss} kB after the warm-up (${bt} s), then ${minr}-${maxr} kB over $n samples, ${lrss} kB at ${lt} s"
	echo "# authorizer descriptors under load: $bo non-socket + $bs sockets after the warm-up; at most $maxo non-socket later"
	out=$(awk -v b="$brss" -v w="$bt" '$1 >= w && ($2 > b * 1.05 || $2 < b * 0.95) {
	    printf " %ss:%skB", $1, $2 }' "$SAMPLES")
	tg_check "authorizer RSS within 5% of its value after the warm-up" "" "$out"
	tg_check "no growth in non-socket descriptors under load" "$bo" "$maxo"
	# Sockets: database connections plus the requests in flight; the
	# lowest count of each burst, over the samples before the drain.
	maxs=$(awk -v w="$bt" -v e=$((SOAK_SECONDS - DRAIN)) \
	    '$1 >= w && $1 < e && $4 > m { m = $4 } END { print m + 0 }' "$SAMPLES")
	tg_check_true "no growth in socket descriptors under load (at most $maxs, $bs after the warm-up)" \
	    test "$maxs" -le "$bs"
fi
# Idle, before and after: nothing in flight, so an exact comparison.
sleep 1
IDLE_SOCK1=$(fds socket) IDLE_OTHER1=$(fds other)
echo "# authorizer descriptors when idle: $IDLE_OTHER0 + $IDLE_SOCK0 sockets before the soak, $IDLE_OTHER1 + $IDLE_SOCK1 after"
tg_check "idle descriptors after the soak = before it" \
    "$IDLE_OTHER0 + $IDLE_SOCK0" "$IDLE_OTHER1 + $IDLE_SOCK1"
tg_check_true "the authorizer is the same process as at the start" \
    kill -0 "$AUTHZ_PID"
kill -TERM "$AUTHZ_PID"
( sleep 20; kill -KILL "$AUTHZ_PID" 2>/dev/null ) &
wd=$!
wait "$AUTHZ_PID"
rc=$?
kill "$wd" 2>/dev/null
wait "$wd" 2>/dev/null
tg_stop "$AUTHZ_PID"
tg_check "the authorizer exits 0 on SIGTERM" 0 "$rc"
awk '$1 == "valid" || $1 == "revoked" { print substr($2, 16, 32) }' \
    "$TOKENS" >"$TG_DIR/secrets"
tg_check "no token secret in the authorizer's log ($(wc -l <"$TG_DIR/authz.log") lines)" \
    0 "$(grep -c -F -f "$TG_DIR/secrets" "$TG_DIR/authz.log")"
tg_check "no sanitizer report in the authorizer's log" 0 \
    "$(grep -c 'Sanitizer\|runtime error' "$TG_DIR/authz.log")"

tg_summary
