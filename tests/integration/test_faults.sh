#!/usr/bin/env bash
#
# test_faults.sh: what clients see when the database or the authorizer
# fails (issue 6, "Database faults" and "Process faults").  A real
# MariaDB, lighttpd, Apache + mod_authnz_fcgi and Apache + mod_fcgid on
# 127.0.0.1, in front of tests/tools/echo-backend, with the deploy/
# configurations unchanged.  The database timeouts are set to 1 s.
#
#   1. MariaDB stopped (clean shutdown) under a background load of known
#      tokens through every server:
#        - well-formed tokens never cached get 503 (mod_fcgid: 401), never
#          200; a bad-checksum token still gets 401 (no database needed);
#        - stale_if_error = 0 (default): a cached token stops within 1 s of
#          the database going away;
#        - stale_if_error = 5 (a second authorizer, over FastCGI): a cached
#          token keeps working for a while, never past 1 + 5 s, and a token
#          revoked before the outage never works;
#        - tokengate-api answers 503 JSON with Retry-After and writes
#          nothing (row counts before and after);
#        - MariaDB back: service recovers without a restart; the recovery
#          time is measured and must be under 2 s (plus slack,
#          TG_RECOVERY_MS, default 2500).
#   2. kill -9 of the authorizer under load: behind lighttpd and Apache +
#      mod_authnz_fcgi a supervisor loop in this script stands in for
#      systemd's Restart=always (deploy/lighttpd/tokengate.conf connects
#      to a running authorizer; its "bin-path" variant is commented out,
#      and the deploy files are used unchanged); under mod_fcgid Apache
#      respawns it.  No wrong 200, and service comes back.
#   3. Creates through the API while MariaDB is frozen (SIGSTOP) mid-load,
#      once for 3 s and then six times for a little longer than the read
#      timeout: every token has its audit record and its feed row and vice
#      versa, every 201 exists, every 503 is temporarily_unavailable or
#      outcome_unknown, and no create answered temporarily_unavailable
#      exists (a COMMIT whose answer is lost is looked up on a new
#      connection; outcome_unknown may have committed either way).  The
#      freeze times are in $TG_DIR/freezes, each create's in creates.
#      3b. The same deterministically, through a proxy in front of MariaDB
#      that drops the answer to one COMMIT, holds one back and delivers it
#      late, or drops the answer and refuses connections for 3 s: a create
#      and a rotation (grace 0) found committed are answered 201 and 200
#      (the new secret works, the old one is refused) with a warning in
#      the log; a held-back COMMIT is answered 503 temporarily_unavailable
#      and stays uncommitted when it arrives late; an unreachable database
#      gives 503 outcome_unknown within 4 s.  The proxy is
#      tests/tools/dbproxy.py: needs python3 (else skipped).
#   4. MariaDB frozen (SIGSTOP), db_*_timeout = 1 s: more concurrent
#      requests than authorizer threads (and than mod_fcgid processes),
#      all answered 503 (mod_fcgid: 401), none left hanging; an authorizer
#      started during the freeze answers within about one connect
#      timeout; SIGTERM with requests in flight: they are answered, exit
#      status 0; SIGCONT: recovery (same bound).
#   5. SIGTERM with queued last-used records: all written before the exit
#      (30 distinct tokens used just before it), exit status 0.
#
# Wall-clock limits: the recovery bound above and, for an authorizer
# started during a freeze, 2.5 s (one connect timeout is 1 s; connecting
# its 8 threads one after the other took 8 s).  The cache bounds (no 200
# later than 1 s, or 1 + 5 s, into the outage) are checked only in the
# direction a slow machine cannot break: a request is stamped before it
# is sent.  The "# ..." lines are measurements.  Under 2 minutes;
# everything on 127.0.0.1.
#
#   bash tests/integration/test_faults.sh
#   TG_BUILD=build-asan bash tests/integration/test_faults.sh
set -u
. "$(dirname "$0")/lib.sh"
tg_init

AUTHZ=$TG_BUILD/tokengate-authz
API=$TG_BUILD/tokengate-api
for b in "$TG_BUILD/tokengate" "$AUTHZ" "$API"; do
	[ -x "$b" ] || tg_die "build first: $b is missing"
done
# A private copy of the client (tg_fcgi and status use it): a rebuild of
# the tools during the run must not make requests fail.
cp "$(tg_fcgi_client)" "$TG_DIR/fcgi-client" || tg_die "cannot copy fcgi-client"
TG_FCGI_CLIENT=$TG_DIR/fcgi-client
TOOL=$TG_ROOT/build/tools/tokentool
[ -x "$TOOL" ] || TOOL=$(tg_tool tokentool)
TG_CONF=$TG_DIR/tokengate.conf
STALE_CONF=$TG_DIR/stale.conf
# Recovery bound of issue 6 (2 s) plus slack for a loaded 2-core machine
# and a sanitizer build; the measured time is printed either way.
RECOVERY_MS=${TG_RECOVERY_MS:-2500}

tg_mariadb_init "$TG_DIR/db"
tg_mariadb_start "$TG_DIR/db"
TIMEOUTS=(db_connect_timeout=1 db_read_timeout=1 db_write_timeout=1)
tg_write_config "$TG_CONF" "${TIMEOUTS[@]}"
tg_write_config "$STALE_CONF" "${TIMEOUTS[@]}" stale_if_error=5
tg_cli migrate >/dev/null || tg_die "migrate failed"

newtok() {
	local n=$1
	shift
	tg_cli token create --user alice --name "$n" --api-rule '*' "$@" ||
	    tg_die "token create $n failed"
}
sql() { tg_sql "$@"; }
ms() { local t=${EPOCHREALTIME/./}; echo $((10#$t / 1000)); }

tg_cli user add alice --role member >/dev/null || tg_die "user add"
tg_cli user add root --role admin >/dev/null || tg_die "user add"
VALID=$(newtok valid)
REV_OLD=$(newtok revoked-long-ago)
REV_NEW=$(newtok revoked-before-outage)
tg_cli token revoke "$(tg_token_id "$REV_OLD")" >/dev/null 2>&1
UNKNOWN=$("$TOOL" random tg)
WRONG=$("$TOOL" forge tg "$(tg_token_id "$VALID")")
BADCHECK=$("$TOOL" badcheck "$VALID")
# API rules "*": it rotates a token with API rules below, and a token
# without API rules may not hand any on (README "A token never mints a
# stronger token").
ROOT_T=$(tg_cli token create --user root --name api-admin --permission '*' \
    --api-rule '*') || tg_die "admin token"
# Valid tokens nobody uses before they are needed: never in any cache.
FRESH=()
for i in $(seq 1 90); do FRESH+=("$(newtok "fresh$i")"); done
fresh_i=0
fresh() { FRESH_TOK=${FRESH[fresh_i]}; fresh_i=$((fresh_i + 1)); }
ALL_TOKENS=("$VALID" "$REV_OLD" "$REV_NEW" "$UNKNOWN" "$WRONG" "$ROOT_T"
    "${FRESH[@]}")

# ------------------------------------------------------------ processes
#
# supervised NAME CONF --listen LISTEN: runs the authorizer again whenever
# it ends, 100 ms later, as systemd's Restart=always (RestartSec=100ms)
# would.  The running child's pid is in $TG_DIR/NAME.child.
supervised() {
	local name=$1 conf=$2 child rc
	shift 2
	while :; do
		"$AUTHZ" -c "$conf" "$@" --threads 4 &
		child=$!
		echo "$child" >"$TG_DIR/$name.child"
		wait "$child"
		rc=$?
		echo "supervisor: authorizer $child ended with status $rc, restarting"
		sleep 0.1
	done
}

export TG_AUTHZ_SOCKET=$TG_DIR/authz.sock
export TG_BACKEND_SOCKET=$TG_DIR/app.sock
export TG_API_SOCKET=$TG_DIR/api.sock
AUTHZ_PORT=$(tg_free_port)
BACKEND_PORT=$(tg_free_port)
export TG_AUTHZ_ADDR=127.0.0.1:$AUTHZ_PORT
export TG_BACKEND_ADDR=127.0.0.1:$BACKEND_PORT
STALE_SOCK=$TG_DIR/stale.sock
tg_echo_backend_start echo-unix "$TG_BACKEND_SOCKET"
tg_echo_backend_start echo-tcp "$TG_BACKEND_ADDR"
tg_daemon authz-unix "$TG_AUTHZ_SOCKET" supervised authz-unix "$TG_CONF"
tg_daemon authz-tcp "$TG_AUTHZ_ADDR" supervised authz-tcp "$TG_CONF"
tg_daemon authz-stale "$STALE_SOCK" "$AUTHZ" -c "$STALE_CONF" --threads 2
tg_daemon api "$TG_API_SOCKET" "$API" -c "$TG_CONF" --threads 4
tg_lighttpd_start
L=$TG_LIGHTTPD_URL
tg_apache_start authnz
A=$TG_APACHE_URL
APACHE_AUTHNZ_PID=$TG_LAST_PID
export TG_AUTHZ_CMD=$AUTHZ
TG_CONFIG=$(tg_config_for_user "$TG_CONF" www-data) || tg_die "config for www-data"
export TG_CONFIG
tg_apache_start fcgid
F=$TG_APACHE_URL
APACHE_FCGID_PID=$TG_LAST_PID

# ------------------------------------------------------------ requests
#
# status TARGET TOKEN: prints the status of one request: TARGET is a base
# URL (GET TARGET/api/x through a server) or a socket path (straight over
# FastCGI, AUTHORIZER role).  000 when there was no complete answer.  A
# probe of its own rather than tg_http/tg_fcgi: the loads below run it in
# parallel, as fast as they can, with a 20 s timeout, for the status only.
status() {
	local t=$1 tok=$2 s
	case $t in
	http*)
		s=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 \
		    -H "Authorization: Bearer $tok" "$t/api/x" 2>/dev/null) ;;
	*)
		s=$("$TG_FCGI_CLIENT" --connect "$t" --role authorizer \
		    --param REQUEST_METHOD=GET --param REQUEST_URI=/api/x \
		    --param REMOTE_ADDR=127.0.0.1 \
		    --param "HTTP_AUTHORIZATION=Bearer $tok" 2>/dev/null |
		    sed -n '1s/^Status: \([0-9]*\).*/\1/p') ;;
	esac
	echo "${s:-000}"
}

# load OUT STOPFILE TARGET KIND=TOKEN...: requests in turn, one at a time,
# until STOPFILE exists (60 s at most); one line "START_MS KIND STATUS"
# per request.
load() {
	local out=$1 stop=$2 target=$3 kv t s end=$((SECONDS + 60))
	shift 3
	while [ ! -e "$stop" ] && [ "$SECONDS" -lt "$end" ]; do
		for kv in "$@"; do
			t=$(ms)
			s=$(status "$target" "${kv#*=}")
			echo "$t ${kv%%=*} $s" >>"$out"
		done
	done
}

# await_ok TARGET TOKEN [SECS]: polls every 50 ms until TOKEN gets 200;
# prints the time (ms) the first 200 arrived, or "none".
await_ok() {
	local t=$1 tok=$2 end=$((SECONDS + ${3:-15}))
	while [ "$SECONDS" -lt "$end" ]; do
		if [ "$(status "$t" "$tok")" = 200 ]; then
			ms
			return 0
		fi
		sleep 0.05
	done
	echo none
}

# Over a load log: statuses seen for KIND (sorted, unique, one line).
seen() { awk -v k="$2" '$2 == k { print $3 }' "$1" | sort -u | tr '\n' ' '; }
# Requests of KIND answered with STATUS (optionally started after MS).
count() {
	awk -v k="$2" -v s="$3" -v after="${4:-0}" \
	    '$2 == k && $3 == s && $1 > after { n++ } END { print n + 0 }' "$1"
}
# Start time of the last request of KIND answered with STATUS, or 0.
last_at() {
	awk -v k="$2" -v s="$3" '$2 == k && $3 == s && $1 > m { m = $1 }
	    END { print m + 0 }' "$1"
}
# only FILE KIND ALLOWED-REGEX: every status of KIND matches.
only() {
	awk -v k="$2" -v re="^($3)\$" '$2 == k && $3 !~ re { bad++ }
	    END { exit bad > 0 }' "$1"
}

# The ad-hoc background jobs of this script (not the services).
BG=()
bg_wait() { [ "${#BG[@]}" -eq 0 ] || wait "${BG[@]}" 2>/dev/null; BG=(); }

# proc_alive PID: running (a zombie not yet reaped counts as gone).
proc_alive() {
	kill -0 "$1" 2>/dev/null && [ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" != Z ]
}
child_of() { cat "$TG_DIR/$1.child"; }
fcgid_pids() {
	local p
	for p in $(tg__descendants "$APACHE_FCGID_PID"); do
		[ "$(ps -o comm= -p "$p" 2>/dev/null)" = tokengate-authz ] &&
		    echo "$p"
	done
}

# ------------------------------------------------------------ warm-up
REVOKED_KINDS="revoked_old revoked_new"
TARGETS=(lighttpd "$L" authnz "$A" fcgid "$F" stale "$STALE_SOCK")
for ((i = 0; i < ${#TARGETS[@]}; i += 2)); do
	n=${TARGETS[i]} t=${TARGETS[i + 1]}
	# fcgid: several processes, each with its own cache: several rounds.
	for _ in 1 2 3 4; do
		s1=$(status "$t" "$VALID") s2=$(status "$t" "$REV_NEW")
		s3=$(status "$t" "$REV_OLD")
	done
	tg_check "$n: warm-up: valid token 200" 200 "$s1"
	tg_check "$n: warm-up: token to be revoked 200" 200 "$s2"
	tg_check "$n: warm-up: revoked token 401" 401 "$s3"
done
# Revoked before the outage: the revoke waits until every authorizer
# process has applied it, so the cached copy is gone everywhere.
tg_cli token revoke "$(tg_token_id "$REV_NEW")" >/dev/null 2>&1 || tg_fail "revoke"
for ((i = 0; i < ${#TARGETS[@]}; i += 2)); do
	tg_check "${TARGETS[i]}: revoked before the outage: 401 at once" 401 \
	    "$(status "${TARGETS[i + 1]}" "$REV_NEW")"
done

# ============================================================ 1. stop
echo "# --- 1. MariaDB stopped under load"
API_COUNTS_SQL="SELECT (SELECT COUNT(*) FROM tokens), (SELECT COUNT(*) FROM audit_log),
    (SELECT COUNT(*) FROM change_feed), (SELECT COUNT(*) FROM users)"
counts_before=$(sql "$API_COUNTS_SQL")
STOP1=$TG_DIR/stop-load-1
KINDS=(valid="$VALID" revoked_old="$REV_OLD" revoked_new="$REV_NEW"
    unknown="$UNKNOWN" wrong="$WRONG" badcheck="$BADCHECK")
for ((i = 0; i < ${#TARGETS[@]}; i += 2)); do
	tg_start "load-${TARGETS[i]}" "$TG_DIR/load.err" load \
	    "$TG_DIR/load1-${TARGETS[i]}" "$STOP1" "${TARGETS[i + 1]}" "${KINDS[@]}"
done
sleep 1
T_STOP=$(ms)
tg_mariadb_stop
T_DOWN=$(ms)
echo "# MariaDB stopped in $((T_DOWN - T_STOP)) ms"

# Uncached well-formed tokens, at once.
for ((i = 0; i < ${#TARGETS[@]}; i += 2)); do
	n=${TARGETS[i]} t=${TARGETS[i + 1]}
	fresh
	s=$(status "$t" "$FRESH_TOK")
	case $n in fcgid) want=401 ;; *) want=503 ;; esac
	tg_check "$n: database down: uncached valid token gets $want, not 200" \
	    "$want" "$s"
	s=$(status "$t" "$BADCHECK")
	tg_check "$n: database down: bad checksum still 401" 401 "$s"
done
fresh
tg_http GET "$L/api/x" -H "Authorization: Bearer $FRESH_TOK"
tg_check "lighttpd: database down: Retry-After: 1" 1 "$(tg_header Retry-After)"
tg_check_json "lighttpd: database down: reason UNAVAILABLE" .reason UNAVAILABLE
tg_http GET "$A/api/x" -H "Authorization: Bearer $FRESH_TOK"
tg_check_json "authnz: database down: reason UNAVAILABLE" .reason UNAVAILABLE

# The API during the outage.
API_BODY='{"name":"during-outage","expiresInDays":1,"permissions":["token:read"]}'
tg_http POST "$L/api/auth/tokens" -H "Authorization: Bearer $ROOT_T" \
    -H "Content-Type: application/json" --data-binary "$API_BODY"
tg_check_status "api: database down: create answers 503" 503
tg_check_json "api: database down: JSON error" .error temporarily_unavailable
tg_check "api: database down: Retry-After: 1" 1 "$(tg_header Retry-After)"
tg_check_contains "api: database down: application/json" \
    "$(tg_header Content-Type)" "application/json"
tg_http DELETE "$L/api/auth/tokens/$(tg_token_id "$VALID")" \
    -H "Authorization: Bearer $ROOT_T"
tg_check_status "api: database down: revoke answers 503" 503
tg_http GET "$L/api/auth/health"
tg_check_status "api: database down: health 503" 503
tg_check_json "api: database down: health says so" .database down

# Past the stale window of the stale_if_error = 5 authorizer (1 + 5 s
# after its last good poll, which came before T_DOWN).
while [ "$(ms)" -lt $((T_DOWN + 6600)) ]; do sleep 0.1; done
for ((i = 0; i < ${#TARGETS[@]}; i += 2)); do
	n=${TARGETS[i]} t=${TARGETS[i + 1]}
	case $n in fcgid) want=401 ;; *) want=503 ;; esac
	tg_check "$n: database down for 6 s: cached valid token gets $want" \
	    "$want" "$(status "$t" "$VALID")"
done

# MariaDB back: how long until each server answers 200 again, for a
# token no cache holds (the database must be read) and a cached one.
T_START=$(ms)
for ((i = 0; i < ${#TARGETS[@]}; i += 2)); do
	fresh
	( await_ok "${TARGETS[i + 1]}" "$FRESH_TOK" >"$TG_DIR/rec-${TARGETS[i]}" ) & BG+=($!)
done
tg_mariadb_start "$TG_DIR/db"
T_UP=$(ms)
echo "# MariaDB restarted and answering after $((T_UP - T_START)) ms"
bg_wait
for ((i = 0; i < ${#TARGETS[@]}; i += 2)); do
	n=${TARGETS[i]} t=${TARGETS[i + 1]}
	r=$(cat "$TG_DIR/rec-$n")
	if [ "$r" = none ]; then
		tg_fail "$n: service recovers within 2 s without a restart" \
		    "no 200 in 15 s"
		continue
	fi
	rec=$((r - T_UP))
	[ "$rec" -lt 0 ] && rec=0
	echo "# $n: recovered $rec ms after MariaDB answered"
	tg_check_true "$n: service recovers within 2 s without a restart" \
	    test "$rec" -le "$RECOVERY_MS"
	echo "$n $rec" >>"$TG_DIR/recovery"
done
sleep 1.2	# every process and thread past its reconnect backoff
for ((i = 0; i < ${#TARGETS[@]}; i += 2)); do
	n=${TARGETS[i]} t=${TARGETS[i + 1]}
	good=0
	for k in 1 2 3 4 5 6 7 8 9 10; do
		tok=$VALID
		[ "$k" -gt 8 ] && fresh && tok=$FRESH_TOK
		[ "$(status "$t" "$tok")" = 200 ] && good=$((good + 1))
	done
	tg_check "$n: after recovery 10 requests in a row are 200" 10 "$good"
done
touch "$STOP1"
for ((i = 0; i < ${#TARGETS[@]}; i += 2)); do tg_stop "load-${TARGETS[i]}"; done

# What the loads saw.
for ((i = 0; i < ${#TARGETS[@]}; i += 2)); do
	n=${TARGETS[i]} f=$TG_DIR/load1-${TARGETS[i]}
	total=$(wc -l <"$f")
	echo "# $n load: $total requests; valid: $(seen "$f" valid); revoked: $(seen "$f" revoked_new)$(seen "$f" revoked_old); unknown: $(seen "$f" unknown); wrong: $(seen "$f" wrong); badcheck: $(seen "$f" badcheck)"
	tg_check_true "$n: the background load ran ($total requests)" \
	    test "$total" -gt 30
	for k in revoked_old revoked_new unknown wrong badcheck; do
		tg_check "$n: load: $k token never 200" 0 "$(count "$f" "$k" 200)"
	done
	case $n in fcgid) refusal=401 ;; *) refusal=503 ;; esac
	tg_check_true "$n: load: valid token only ever 200 or a refusal ($(seen "$f" valid))" \
	    only "$f" valid "200|$refusal"
	tg_check_true "$n: load: bad checksum always 401, database or not" \
	    only "$f" badcheck 401
	tg_check_true "$n: load: no 500 or 000 for unknown ids ($(seen "$f" unknown))" \
	    only "$f" unknown '401|503'
	tg_check_true "$n: load: valid token 200 again after the outage" \
	    test "$(count "$f" valid 200 "$T_UP")" -gt 0
	last=$(last_at "$f" valid 200)
	# The last 200 of the outage (before MariaDB came back).
	last=$(awk -v up="$T_START" '$2 == "valid" && $3 == 200 && $1 < up &&
	    $1 > m { m = $1 } END { print m + 0 }' "$f")
	echo "# $n: last 200 for the cached token $((last - T_DOWN)) ms after MariaDB was gone ($((last - T_STOP)) ms after the stop began)"
	if [ "$n" = stale ]; then
		# stale_if_error = 5: the cache serves on, never past 1 + 5 s.
		c=$(awk -v a=$((T_DOWN + 6100)) -v b="$T_START" \
		    '$2 == "valid" && $3 == 200 && $1 > a && $1 < b' "$f" | wc -l)
		tg_check "stale: cached token never 200 past 6 s of outage" 0 "$c"
		if [ $((T_DOWN - T_STOP)) -lt 4000 ]; then
			if ! tg_check_true "stale: cached token still 200 1.5 s into the outage" \
			    test "$(awk -v a=$((T_DOWN + 1500)) -v b="$T_START" \
			    '$2 == "valid" && $3 == 200 && $1 > a && $1 < b' \
			    "$f" | wc -l)" -gt 0; then
				awk -v s="$T_STOP" '$2 == "valid" { printf "#   %+d ms %s\n", $1 - s, $3 }' \
				    "$f" | head -60
			fi
		else
			tg_skip "stale: cached token still 200 1.5 s into the outage" \
			    "MariaDB took $((T_DOWN - T_STOP)) ms to stop"
		fi
		tg_check_true "stale: valid token only ever 200 or 503" \
		    only "$f" valid '200|503'
	else
		# stale_if_error = 0: the cache stops with the feed, within 1 s.
		c=$(awk -v a=$((T_DOWN + 1100)) -v b="$T_START" \
		    '$2 == "valid" && $3 == 200 && $1 > a && $1 < b' "$f" | wc -l)
		tg_check "$n: cached token never 200 more than 1 s into the outage" 0 "$c"
	fi
done

# The API wrote nothing during the outage.
tg_check "api: no partial writes during the outage (tokens, audit, feed, users)" \
    "$counts_before" "$(sql "$API_COUNTS_SQL")"
tg_check "api: the create attempted during the outage does not exist" 0 \
    "$(sql "SELECT COUNT(*) FROM tokens WHERE name = 'during-outage'")"
tg_check "api: the revoke attempted during the outage did not happen" \
    NULL "$(sql "SELECT IFNULL(revoked_at, 'NULL') FROM tokens WHERE id = '$(tg_token_id "$VALID")'")"

# ============================================================ 2. kill -9
echo "# --- 2. kill -9 of the authorizer under load"
old_unix=$(child_of authz-unix) old_tcp=$(child_of authz-tcp)
old_fcgid=$(fcgid_pids | tr '\n' ' ')
tg_check_true "fcgid: Apache runs authorizer processes ($old_fcgid)" \
    test -n "$old_fcgid"
STOP5=$TG_DIR/stop-load-5
KINDS5=(valid="$VALID" revoked_old="$REV_OLD" revoked_new="$REV_NEW"
    unknown="$UNKNOWN" wrong="$WRONG" badcheck="$BADCHECK")
for n in lighttpd authnz fcgid; do
	case $n in lighttpd) t=$L ;; authnz) t=$A ;; fcgid) t=$F ;; esac
	tg_start "load5-$n" "$TG_DIR/load.err" load "$TG_DIR/load5-$n" "$STOP5" \
	    "$t" "${KINDS5[@]}"
done
sleep 1
T_KILL=$(ms)
kill -KILL "$old_unix" "$old_tcp" $old_fcgid
for n in lighttpd authnz fcgid; do
	case $n in lighttpd) t=$L ;; authnz) t=$A ;; fcgid) t=$F ;; esac
	( await_ok "$t" "$VALID" >"$TG_DIR/rec-kill-$n" ) & BG+=($!)
done
bg_wait
sleep 1.5
touch "$STOP5"
for n in lighttpd authnz fcgid; do tg_stop "load5-$n"; done
for n in lighttpd authnz fcgid; do
	f=$TG_DIR/load5-$n
	r=$(cat "$TG_DIR/rec-kill-$n")
	if [ "$r" = none ]; then
		tg_fail "$n: kill -9: service comes back" "no 200 in 15 s"
	else
		echo "# $n: kill -9: 200 again after $((r - T_KILL)) ms"
		tg_pass "$n: kill -9: service comes back"
	fi
	echo "# $n kill -9 load: $(wc -l <"$f") requests; valid: $(seen "$f" valid); others: $(awk '$2 != "valid" { print $3 }' "$f" | sort -u | tr '\n' ' ')"
	for k in revoked_old revoked_new unknown wrong badcheck; do
		tg_check "$n: kill -9: $k token never 200" 0 "$(count "$f" "$k" 200)"
	done
	tg_check_true "$n: kill -9: valid token gets 200 or a refusal, never a hang ($(seen "$f" valid))" \
	    only "$f" valid '200|5[0-9][0-9]|401'
	tg_check_true "$n: kill -9: valid token 200 in the load after the restart" \
	    test "$(count "$f" valid 200 "$r")" -gt 0
done
new_unix=$(child_of authz-unix) new_tcp=$(child_of authz-tcp)
# restarted OLD NEW: a new process runs in place of OLD.
restarted() { [ "$2" != "$1" ] && proc_alive "$2"; }
tg_check_true "lighttpd: the supervisor restarted the authorizer (pid $old_unix -> $new_unix)" \
    restarted "$old_unix" "$new_unix"
tg_check_true "authnz: the supervisor restarted the authorizer (pid $old_tcp -> $new_tcp)" \
    restarted "$old_tcp" "$new_tcp"
new_fcgid=$(fcgid_pids | tr '\n' ' ')
gone=1
for p in $old_fcgid; do proc_alive "$p" && gone=0; done
tg_check_true "fcgid: Apache spawned new authorizers ($old_fcgid-> $new_fcgid)" \
    test -n "$new_fcgid" -a "$gone" = 1
tg_check_true "fcgid: Apache itself is still running" \
    proc_alive "$APACHE_FCGID_PID"

# ============================================================ 3. api stall
echo "# --- 3. API creates while MariaDB is frozen"
T0=$(sql "SELECT UTC_TIMESTAMP(6)")
STOP2=$TG_DIR/stop-load-2
# One line per create: "NAME STATUS ERROR START_MS END_MS" (ERROR "-"
# when there is none).
creator() {
	local w=$1 i=0 s e t out=$TG_DIR/create-reply-$1
	while [ ! -e "$STOP2" ] && [ "$i" -lt 1500 ]; do
		i=$((i + 1))
		: >"$out"
		t=$(ms)
		s=$(curl -s -o "$out" -w '%{http_code}' --max-time 20 \
		    -H "Authorization: Bearer $ROOT_T" \
		    -H "Content-Type: application/json" --data-binary \
		    "{\"name\":\"stall-$w-$i\",\"expiresInDays\":1,\"permissions\":[\"token:read\"]}" \
		    "$L/api/auth/tokens" 2>/dev/null)
		e=$(tg_json '.error // empty' "$out")
		echo "stall-$w-$i ${s:-000} ${e:--} $t $(ms)" >>"$TG_DIR/creates"
	done
}
CREATORS=()
for w in 1 2 3 4 5 6; do
	tg_start "creator-$w" "$TG_DIR/load.err" creator "$w"
	CREATORS+=("$TG_LAST_PID")
done
sleep 1
echo "$(ms) STOP" >"$TG_DIR/freezes"
tg_mariadb_kill -STOP
sleep 3
tg_mariadb_kill -CONT
echo "$(ms) CONT" >>"$TG_DIR/freezes"
# Freezes a little longer than db_read_timeout (1 s): a COMMIT caught by
# one loses its answer, and the API asks again while MariaDB is still
# frozen (outcome_unknown) or just after it thawed (found or not).
for _ in 1 2 3 4 5 6; do
	sleep 0.7
	echo "$(ms) STOP" >>"$TG_DIR/freezes"
	tg_mariadb_kill -STOP
	sleep 1.3
	tg_mariadb_kill -CONT
	echo "$(ms) CONT" >>"$TG_DIR/freezes"
done
sleep 1.5
touch "$STOP2"
# Each creator ends after its request in flight (curl gives up after
# 20 s): a create cut off unanswered would be neither 201 nor 503.
for p in "${CREATORS[@]}"; do
	for _ in $(seq 1 250); do
		proc_alive "$p" || break
		sleep 0.1
	done
	tg_stop "$p"
done
sleep 1
C=$TG_DIR/creates
n201=$(awk '$2 == 201' "$C" | wc -l)
n503=$(awk '$2 == 503' "$C" | wc -l)
nunk=$(awk '$2 == 503 && $3 == "outcome_unknown"' "$C" | wc -l)
nall=$(wc -l <"$C")
made=$(sql "SELECT COUNT(*) FROM tokens WHERE name LIKE 'stall-%'")
echo "# api creates: $nall sent, $n201 answered 201, $n503 answered 503 ($nunk of them outcome_unknown), $made tokens exist"
tg_check "api stall: every create answered 201 or 503" "$nall" $((n201 + n503))
tg_check_true "api stall: the freeze was hit (some 503)" test "$n503" -gt 0
tg_check "api stall: every 503 is temporarily_unavailable or outcome_unknown" "" \
    "$(awk '$2 == 503 && $3 != "temporarily_unavailable" &&
        $3 != "outcome_unknown" { print $1 "=" $3 }' "$C" | tr '\n' ' ')"
tg_check "api stall: every token has its ok create audit record" 0 \
    "$(sql "SELECT COUNT(*) FROM tokens t WHERE t.name LIKE 'stall-%' AND NOT EXISTS
        (SELECT 1 FROM audit_log a WHERE a.target_token_id = t.id AND
        a.action = 'token.create' AND a.outcome = 'ok')")"
tg_check "api stall: every ok create audit record has its token" 0 \
    "$(sql "SELECT COUNT(*) FROM audit_log a WHERE a.at >= '$T0' AND
        a.action = 'token.create' AND a.outcome = 'ok' AND NOT EXISTS
        (SELECT 1 FROM tokens t WHERE t.id = a.target_token_id)")"
tg_check "api stall: every token has its change-feed row" 0 \
    "$(sql "SELECT COUNT(*) FROM tokens t WHERE t.name LIKE 'stall-%' AND NOT EXISTS
        (SELECT 1 FROM change_feed f WHERE f.kind = 'token' AND f.ref = t.id)")"
sql "SELECT name FROM tokens WHERE name LIKE 'stall-%'" | sort >"$TG_DIR/made"
awk '$2 == 201 { print $1 }' "$TG_DIR/creates" | sort >"$TG_DIR/made-201"
tg_check "api stall: every create answered 201 exists" "" \
    "$(comm -23 "$TG_DIR/made-201" "$TG_DIR/made" | tr '\n' ' ')"
# A COMMIT whose answer was lost may have committed: the API must then
# have found it (201), or said it could not tell (outcome_unknown), never
# "nothing was written".
awk '$3 == "temporarily_unavailable" { print $1 }' "$C" | sort \
    >"$TG_DIR/made-503"
tg_check "api stall: no create answered 503 temporarily_unavailable was committed" "" \
    "$(comm -12 "$TG_DIR/made-503" "$TG_DIR/made" | tr '\n' ' ')"
awk '$3 == "outcome_unknown" { print $1 }' "$C" | sort >"$TG_DIR/made-unknown"
echo "# api stall: $(comm -12 "$TG_DIR/made-unknown" "$TG_DIR/made" | wc -l) of $nunk outcome_unknown creates committed; $(grep -c 'warning: the answer to a COMMIT was lost' "$TG_DIR/api.log") commits found committed after a lost answer"

# ============================================================ 3b. lost answers
#
# The window of section 3 made deterministic: a proxy between a second
# tokengate-api and MariaDB that reads the client's packets, and on a
# COMMIT ending a transaction that sent MATCH (one shot, armed through
# $PROXY_CTL/arm: "MODE\nSECONDS\nMATCH") does MODE:
#   drop-ack       forwards the COMMIT, drops every answer after it;
#   drop-ack-down  the same, and refuses new connections for SECONDS;
#   hold-commit    keeps the COMMIT until the client has hung up, then
#                  delivers it SECONDS later (a COMMIT still on the wire).
# The proxy is tests/tools/dbproxy.py (python3); it logs each of these
# as a line in $PROXY_CTL/events.

PROXY_CTL=$TG_DIR/proxy-ctl
PAPI_SOCK=$TG_DIR/api-proxy.sock
LOST_TOKENS=()
# arm MODE SECONDS MATCH: arms the proxy for one COMMIT.
arm() {
	printf '%s\n%s\n%s' "$1" "$2" "$3" >"$PROXY_CTL/arm.tmp" &&
	    mv "$PROXY_CTL/arm.tmp" "$PROXY_CTL/arm"
}
# await_event TEXT [SECS]: waits until the proxy logged a line starting
# with TEXT; status 1 if it did not within SECS (10).
await_event() {
	local end=$((SECONDS + ${2:-10}))
	while [ "$SECONDS" -lt "$end" ]; do
		grep -q "^$1" "$PROXY_CTL/events" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# papi METHOD PATH [BODY]: one call to the proxied API as root, straight
# over FastCGI (the reply in TG_STATUS, TG_BODY); sets PERR (the error
# code or ""), PTOOK (ms) and PTOKEN (a token in the reply, remembered for
# the log check).
papi() {
	local m=$1 p=$2 body=${3-} t
	local args=(--role responder
	    --param "REQUEST_METHOD=$m" --param "REQUEST_URI=/api/auth$p"
	    --param REMOTE_ADDR=127.0.0.1
	    --param "HTTP_AUTHORIZATION=Bearer $ROOT_T")
	[ -n "$body" ] && args+=(--param CONTENT_TYPE=application/json
	    --param "CONTENT_LENGTH=${#body}" --stdin-body "$body")
	t=$(ms)
	tg_fcgi "$PAPI_SOCK" "${args[@]}"
	PTOOK=$(($(ms) - t))
	PERR=$(tg_json '.error // empty')
	PTOKEN=$(tg_json '.token // empty')
	# Only a whole token (the log check looks for its secret part).
	[ "${#PTOKEN}" -gt 40 ] && LOST_TOKENS+=("$PTOKEN")
	return 0
}
create_body() {
	printf '{"name":"%s","expiresInDays":1,"permissions":["token:read"]}' "$1"
}
count_named() { sql "SELECT COUNT(*) FROM tokens WHERE name = '$1'"; }

lost_answers() {
	local port rot

	mkdir -p "$PROXY_CTL"
	port=$(tg_free_port)
	tg_start dbproxy "$TG_DIR/dbproxy.log" python3 \
	    "$TG_ROOT/tests/tools/dbproxy.py" "$port" 127.0.0.1 "$TG_DB_PORT" \
	    "$PROXY_CTL"
	tg_wait_port "$port" 20 "$TG_LAST_PID" || tg_die "db proxy did not start"
	tg_write_config "$TG_DIR/proxy.conf" "${TIMEOUTS[@]}" db_socket= \
	    db_host=127.0.0.1 db_port="$port"
	# One thread: its last-used write (after the warm-up) cannot take
	# the armed COMMIT, and MATCH makes sure of it anyway.
	tg_daemon api-proxy "$PAPI_SOCK" "$API" -c "$TG_DIR/proxy.conf" --threads 1
	papi GET "/tokens?limit=1"
	tg_check_status "lost answers: the API answers through the proxy" 200

	arm drop-ack 0 "INSERT INTO tokens"
	papi POST /tokens "$(create_body lost-ack-create)"
	echo "# lost answer to a create's COMMIT: $TG_STATUS after $PTOOK ms"
	tg_check_true "lost answers: the proxy dropped the answer to a create's COMMIT" \
	    await_event drop-ack 1
	tg_check_status "lost answers: a create found committed is answered 201" 201
	tg_check_true "lost answers: ... with its token" test -n "$PTOKEN"
	tg_check "lost answers: ... which exists once" 1 "$(count_named lost-ack-create)"
	tg_check_true "lost answers: ... within 4 s" test "$PTOOK" -le 4000
	tg_check_contains "lost answers: ... and the API logs a warning" \
	    "$(cat "$TG_DIR/api-proxy.log")" \
	    "warning: the answer to a COMMIT was lost"

	# The worst case of old: a rotation without grace that ended the old
	# secret but was answered as failed.  Only the owner may rotate, and
	# not into a token that outlives the caller's.
	rot=$(tg_cli token create --user root --name lost-ack-rotate \
	    --permission '*' --api-rule '*' --expires-in-days 30) ||
	    tg_die "token create lost-ack-rotate failed"
	LOST_TOKENS+=("$rot")
	tg_check "lost answers: the token to rotate works" 200 \
	    "$(status "$TG_AUTHZ_SOCKET" "$rot")"
	: >"$PROXY_CTL/events"
	arm drop-ack 0 "UPDATE tokens SET prev_hash"
	papi POST "/tokens/$(tg_token_id "$rot")/rotate" '{"graceSeconds":0}'
	echo "# lost answer to a rotation's COMMIT: $TG_STATUS${PERR:+ $PERR} after $PTOOK ms"
	tg_check_true "lost answers: the proxy dropped the answer to a rotation's COMMIT" \
	    await_event drop-ack 1
	tg_check_status "lost answers: a rotation (grace 0) found committed is answered 200" \
	    200
	tg_check "lost answers: ... the old secret is refused" 401 \
	    "$(status "$TG_AUTHZ_SOCKET" "$rot")"
	tg_check "lost answers: ... the new secret works" 200 \
	    "$(status "$TG_AUTHZ_SOCKET" "${PTOKEN:-none}")"

	: >"$PROXY_CTL/events"
	arm hold-commit 3 "INSERT INTO tokens"
	papi POST /tokens "$(create_body lost-held-create)"
	echo "# create whose COMMIT was held back: $TG_STATUS $PERR after $PTOOK ms"
	tg_check "lost answers: a create whose COMMIT is held back is answered 503 temporarily_unavailable" \
	    "503 temporarily_unavailable" "$TG_STATUS $PERR"
	tg_check_true "lost answers: ... the proxy delivered the COMMIT late" \
	    await_event "late COMMIT" 10
	echo "# proxy: $(tail -n 1 "$PROXY_CTL/events")"
	sleep 1
	tg_check "lost answers: ... and it did not commit (the old session was killed)" \
	    0 "$(count_named lost-held-create)"

	: >"$PROXY_CTL/events"
	arm drop-ack-down 3 "INSERT INTO tokens"
	papi POST /tokens "$(create_body lost-unknown-create)"
	echo "# create whose COMMIT lost its answer, database unreachable: $TG_STATUS $PERR after $PTOOK ms"
	tg_check "lost answers: unreachable after a lost answer: 503 outcome_unknown" \
	    "503 outcome_unknown" "$TG_STATUS $PERR"
	tg_check_true "lost answers: ... within 4 s" test "$PTOOK" -le 4000
	tg_check "lost answers: ... (it had committed)" 1 \
	    "$(count_named lost-unknown-create)"
	sleep 3
	for _ in $(seq 1 50); do
		papi GET "/tokens?limit=1"
		[ "$TG_STATUS" = 200 ] && break
		sleep 0.1
	done
	tg_check_status "lost answers: the API recovers when the database is reachable again" \
	    200
	tg_stop api-proxy
	tg_stop dbproxy
}
echo "# --- 3b. API commits whose answer is lost"
if command -v python3 >/dev/null 2>&1; then
	lost_answers
else
	tg_skip "lost answers" "python3 is not installed"
fi

# ============================================================ 4. freeze
echo "# --- 4. MariaDB frozen (SIGSTOP)"
# A separate authorizer for SIGTERM with requests in flight.
TERM_SOCK=$TG_DIR/term.sock
tg_daemon authz-term "$TERM_SOCK" "$AUTHZ" -c "$TG_CONF" --threads 4
TERM_PID=$TG_LAST_PID
tg_check "term authorizer answers" 200 "$(status "$TERM_SOCK" "$VALID")"
sleep 0.3

# concurrent N TARGET OUT: N requests at once, each with an uncached
# token; "STATUS SECONDS" per request in OUT.
concurrent() {
	local n=$1 t=$2 out=$3 k
	: >"$out"
	for ((k = 0; k < n; k++)); do
		fresh
		curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 25 \
		    -H "Authorization: Bearer $FRESH_TOK" "$t/api/x" >>"$out" 2>/dev/null & BG+=($!)
	done
}
tg_mariadb_kill -STOP
T_FREEZE=$(ms)
# An authorizer (re)started while the database is frozen, as mod_fcgid,
# lighttpd bin-path or systemd's Restart=always do at any time: a token of
# the wrong shape needs no database and must be refused at once, and a
# well-formed one must get its 503 within about one db_connect_timeout.
NEW_SOCK=$TG_DIR/new.sock
tg_daemon authz-new "$NEW_SOCK" "$AUTHZ" -c "$TG_CONF" --threads 8
NEW_PID=$TG_LAST_PID
( t=$(ms); s=$(status "$NEW_SOCK" "$BADCHECK")
  echo "$s $(($(ms) - t))" >"$TG_DIR/new-badcheck" ) & BG+=($!)
# In flight at the term authorizer: 4 requests, one per thread.
for k in 1 2 3 4; do
	fresh
	( TG_REPLY=inflight-$k tg_fcgi "$TERM_SOCK" --role authorizer \
	    --param REQUEST_METHOD=GET --param REQUEST_URI=/api/x \
	    --param REMOTE_ADDR=127.0.0.1 \
	    --param "HTTP_AUTHORIZATION=Bearer $FRESH_TOK" ) & BG+=($!)
done
concurrent 12 "$L" "$TG_DIR/freeze-lighttpd"
concurrent 12 "$A" "$TG_DIR/freeze-authnz"
concurrent 20 "$F" "$TG_DIR/freeze-fcgid"
sleep 0.3
T_TERM=$(ms)
kill -TERM "$TERM_PID"
# When it is gone (not polled below: bg_wait also waits for mod_fcgid).
( while proc_alive "$TERM_PID"; do sleep 0.02; done; ms >"$TG_DIR/term-gone" ) &
TERM_WATCH=$!
bg_wait
T_DONE=$(ms)
echo "# all frozen-database requests answered after $((T_DONE - T_FREEZE)) ms"
for n in lighttpd authnz fcgid; do
	f=$TG_DIR/freeze-$n
	case $n in fcgid) want=401; cnt=20 ;; *) want=503; cnt=12 ;; esac
	tg_check "$n: frozen database: all $cnt concurrent requests answered" \
	    "$cnt" "$(wc -l <"$f")"
	tg_check "$n: frozen database: every answer is $want (never 200, never a hang)" \
	    "$cnt" "$(grep -c "^$want " "$f")"
	echo "# $n: frozen database: statuses $(cut -d' ' -f1 "$f" | sort | uniq -c | tr -s ' \n' ' '), slowest $(sort -k2 -n "$f" | tail -1 | cut -d' ' -f2) s"
done
read -r s took <"$TG_DIR/new-badcheck"
echo "# authorizer started during the freeze (8 threads, db_connect_timeout 1 s): first answer (bad checksum) after $took ms"
tg_check "started during the freeze: bad checksum refused with 401" 401 "$s"
# Slower would mean that fcgi/authz.c main() connects every worker's store
# in turn before any thread accepts.
tg_check_true "started during the freeze: answers within 2.5 s, not threads x db_connect_timeout" \
    test "$took" -le 2500
tg_stop "$NEW_PID"
# The in-flight requests at SIGTERM were answered by the authorizer itself.
for k in 1 2 3 4; do
	tg_check_json "SIGTERM: in-flight request $k answered 503 by the authorizer" \
	    .reason UNAVAILABLE "$TG_DIR/inflight-$k.body"
done
for _ in $(seq 1 150); do proc_alive "$TERM_PID" || break; sleep 0.1; done
if proc_alive "$TERM_PID"; then
	tg_fail "SIGTERM with a frozen database: exits within 15 s"
else
	wait "$TERM_PID"
	rc=$?
	wait "$TERM_WATCH" 2>/dev/null
	echo "# term authorizer exited $(($(cat "$TG_DIR/term-gone") - T_TERM)) ms after SIGTERM (database frozen)"
	tg_check "SIGTERM with requests in flight: exit status 0" 0 "$rc"
fi
tg_stop "$TERM_PID"
tg_check "SIGTERM: the socket is removed" no "$([ -e "$TERM_SOCK" ] && echo yes || echo no)"

T_CONT=$(ms)
fresh
( await_ok "$L" "$FRESH_TOK" >"$TG_DIR/rec-cont-lighttpd" ) & BG+=($!)
fresh
( await_ok "$A" "$FRESH_TOK" >"$TG_DIR/rec-cont-authnz" ) & BG+=($!)
tg_mariadb_kill -CONT
bg_wait
for n in lighttpd authnz; do
	r=$(cat "$TG_DIR/rec-cont-$n")
	if [ "$r" = none ]; then
		tg_fail "$n: SIGCONT: service recovers within 2 s" "no 200 in 15 s"
		continue
	fi
	echo "# $n: recovered $((r - T_CONT)) ms after SIGCONT"
	tg_check_true "$n: SIGCONT: service recovers within 2 s" \
	    test $((r - T_CONT)) -le "$RECOVERY_MS"
done

# ============================================================ 5. SIGTERM
echo "# --- 5. SIGTERM with queued last-used records"
LU_SOCK=$TG_DIR/lu.sock
LU=()
for i in $(seq 1 30); do LU+=("$(newtok "lastused$i")"); done
LU_IDS=$(for t in "${LU[@]}"; do printf "'%s'," "$(tg_token_id "$t")"; done)
LU_IDS=${LU_IDS%,}
tg_daemon authz-lu "$LU_SOCK" "$AUTHZ" -c "$TG_CONF" --threads 4
LU_PID=$TG_LAST_PID
sleep 1.2	# let its writer pass a flush, so the next one is ~1 s away
# Eight at a time: the client itself, in parallel, all replies in one file.
printf '%s\n' "${LU[@]}" | xargs -P 8 -I{} "$TG_FCGI_CLIENT" --connect "$LU_SOCK" \
    --role authorizer --param REQUEST_METHOD=GET --param REQUEST_URI=/api/x \
    --param REMOTE_ADDR=127.0.0.1 --param "HTTP_AUTHORIZATION=Bearer {}" \
    >"$TG_DIR/lu-replies" 2>/dev/null
before=$(sql "SELECT COUNT(*) FROM tokens WHERE id IN ($LU_IDS) AND last_used_at IS NOT NULL")
kill -TERM "$LU_PID"
T_TERM=$(ms)
tg_check "30 distinct tokens answered 200 just before SIGTERM" 30 \
    "$(grep -c '^Status: 200' "$TG_DIR/lu-replies")"
for _ in $(seq 1 150); do proc_alive "$LU_PID" || break; sleep 0.1; done
if proc_alive "$LU_PID"; then
	tg_fail "SIGTERM: exits within 15 s"
else
	wait "$LU_PID"
	rc=$?
	echo "# last-used authorizer exited $(($(ms) - T_TERM)) ms after SIGTERM"
	tg_check "SIGTERM: exit status 0" 0 "$rc"
fi
tg_stop "$LU_PID"
after=$(sql "SELECT COUNT(*) FROM tokens WHERE id IN ($LU_IDS) AND last_used_at IS NOT NULL")
echo "# last_used_at set for $before of 30 tokens at SIGTERM (written in the background), $after after the exit"
tg_check "SIGTERM: every queued last-used record is written (30 tokens)" 30 "$after"
tg_check "SIGTERM: last_used_ip written too" 30 \
    "$(sql "SELECT COUNT(*) FROM tokens WHERE id IN ($LU_IDS) AND last_used_ip = '127.0.0.1'")"

# ------------------------------------------------------------ the end
# No secret in any log; sanitizer reports (TG_BUILD=build-asan) reach the
# logs when the programs exit, so stop the long-running ones first.
tg_stop authz-stale
tg_stop api
LOGS=$(cat "$TG_DIR"/authz-*.log "$TG_DIR"/api.log "$TG_DIR"/api-proxy.log \
    "$TG_DIR"/lighttpd/lighttpd-error.log "$TG_DIR"/apache-*/apache-error.log 2>/dev/null)
leak=0
for t in "${ALL_TOKENS[@]}" "${LU[@]}" "${LOST_TOKENS[@]}"; do
	[[ $LOGS == *"${t:15:32}"* ]] && leak=1
done
tg_check "no token secret in any log" 0 "$leak"
tg_check_absent "no sanitizer report in the logs" "$LOGS" "Sanitizer"
tg_check_absent "no UBSan report in the logs" "$LOGS" "runtime error"

tg_summary
