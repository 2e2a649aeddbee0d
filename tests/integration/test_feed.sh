#!/usr/bin/env bash
#
# test_feed.sh: the change feed between writers and cached authorizers
# (review issue 10, findings 2 and 9).
#
# A private MariaDB, tokengate-api and two caching tokengate-authz
# processes, talked to over FastCGI with tests/tools/fcgi-client.
#
#   - AUTO_INCREMENT holes (an INSERT ... SELECT of a role change, a
#     rolled-back insert) with thousands of rows behind them, written in
#     bulk and by concurrent API writers: a revoke answered 204 is refused
#     by both authorizers on the very next request, and its answer says
#     "confirmed";
#   - an authorizer that cannot confirm (frozen with SIGSTOP): the API
#     answers 202 with Tokengate-Propagation: pending, the CLI exits 3,
#     and the running authorizer refuses at once;
#   - retention: `tokengate prune` (feed, feed_progress, audit log), the
#     progress row of a process going with it, the API's own pruning, and
#     an authorizer whose feed cursor was pruned away emptying its cache.
#
#   TG_BUILD=build bash tests/integration/test_feed.sh
set -u
. "$(dirname "$0")/lib.sh"
tg_init

TG_CONF=$TG_DIR/tokengate.conf
A=/api/auth

tg_mariadb_init "$TG_DIR/db"
tg_mariadb_start "$TG_DIR/db"
tg_write_config "$TG_CONF"
tg_cli migrate >/dev/null || tg_die "migrate failed"

newtok() { tg_cli token create "$@" || tg_die "token create $* failed"; }
now_ms() { date +%s%3N; }

tg_cli user add root --role admin
tg_cli role grant team workflow:read >/dev/null
for u in u1 u2 u3 u4 u5 u6 u7 u8 u9; do
	tg_cli user add "$u" --role member --role team
done
tg_cli user add solo --role member
ROOT=$(newtok --user root --name root --permission '*' --api-rule '*')

# --- the programs ---------------------------------------------------------

API=$TG_DIR/api.sock
AZ1=$TG_DIR/authz1.sock
AZ2=$TG_DIR/authz2.sock
tg_daemon api "$API" "$TG_BUILD/tokengate-api" -c "$TG_CONF" --threads 4
tg_daemon authz1 "$AZ1" "$TG_BUILD/tokengate-authz" -c "$TG_CONF"
AZ1_PID=$TG_LAST_PID
tg_daemon authz2 "$AZ2" "$TG_BUILD/tokengate-authz" -c "$TG_CONF"
AZ2_PID=$TG_LAST_PID

# az SOCKET TOKEN: prints the status the authorizer at SOCKET answers.
# Its reply goes to files of its own (TG_REPLY): it runs in $(...) between
# an API call and the checks of that call's reply.
az() {
	TG_REPLY=az tg_fcgi "$1" --role authorizer \
	    --param REQUEST_METHOD=GET --param REQUEST_URI=/api/x \
	    --param REMOTE_ADDR=127.0.0.1 --param "HTTP_AUTHORIZATION=Bearer $2"
	echo "$TG_STATUS"
}

# call METHOD PATH [BODY]: one API request as ROOT (the reply in TG_STATUS,
# TG_HEADERS, TG_BODY).
call() {
	local args=(--role responder
	    --param "REQUEST_METHOD=$1" --param "REQUEST_URI=$2"
	    --param REMOTE_ADDR=127.0.0.1 --param SERVER_PROTOCOL=HTTP/1.1
	    --param "HTTP_AUTHORIZATION=Bearer $ROOT")
	if [ -n "${3-}" ]; then
		args+=(--param CONTENT_TYPE=application/json
		    --param "CONTENT_LENGTH=${#3}" --stdin-body "$3")
	fi
	tg_fcgi "$API" "${args[@]}"
}
propagation() { tg_header Tokengate-Propagation; }

# warm TOKEN NAME: both authorizers allow it, and have it cached (asked
# twice a poll apart: a fill that races the feed's invalidation of the
# token's own creation is refused, by design).
warm() {
	az "$AZ1" "$1" >/dev/null
	az "$AZ2" "$1" >/dev/null
	sleep 0.3
	tg_check "$2: authz1 allows it" 200 "$(az "$AZ1" "$1")"
	tg_check "$2: authz2 allows it" 200 "$(az "$AZ2" "$1")"
}

# Both authorizers follow the feed: wait until both have reported.
for _ in $(seq 50); do
	[ "$(tg_sql "SELECT COUNT(*) FROM feed_progress")" -ge 2 ] && break
	sleep 0.1
done

# --- finding 2: holes with thousands of rows behind them -----------------

V1=$(newtok --user solo --name v1 --api-rule '*')
warm "$V1" "v1"
# The cache is really in use: a revoke written without a feed row is not
# seen (so the 401 below comes from the feed, not from a cache miss).
tg_sql "UPDATE tokens SET revoked_at = UTC_TIMESTAMP() WHERE id = '$(tg_token_id "$V1")'"
sleep 0.5
tg_check "v1 is served from the caches (a revoke without feed row is unseen)" \
    "200 200" "$(az "$AZ1" "$V1") $(az "$AZ2" "$V1")"
tg_sql "UPDATE tokens SET revoked_at = NULL WHERE id = '$(tg_token_id "$V1")'"

# Concurrent writers through the API while the holes are made.
writer() {
	local end=$(($(now_ms) + $1)) i=0
	while [ "$(now_ms)" -lt "$end" ]; do
		TG_REPLY=writer-$2 call POST $A/tokens \
		    "{\"name\":\"w$2-$i\",\"permissions\":[\"token:read\"]}"
		i=$((i + 1))
	done
}
writer 4000 a >/dev/null 2>&1 &
WA=$!
writer 4000 b >/dev/null 2>&1 &
WB=$!

max_id() { tg_sql "SELECT COALESCE(MAX(id), 0) FROM change_feed"; }
before=$(max_id)
# A role with nine users: its feed rows come from one INSERT ... SELECT,
# which reserves ids in blocks of 1, 2, 4, 8 and leaves the six it did not
# use as holes for good.
tg_cli role grant team run:read >/dev/null
# A rolled-back insert: a hole for good.
tg_sql "START TRANSACTION; INSERT INTO change_feed (at, kind, ref)
    VALUES (UTC_TIMESTAMP(6), 'token', 'hhhhhhhhhhhh'); ROLLBACK"
# Thousands of rows behind the holes, in bulk (2^k - 1 rows, so that the
# bulk inserts leave no holes of their own: fewer holes than the 256 an
# authorizer tracks, whose overflow would empty the caches) and from the
# writers.
bulk() {
	tg_sql "INSERT INTO change_feed (at, kind, ref) SELECT UTC_TIMESTAMP(6),
	    'token', CONCAT('$1', LPAD(seq, 11, '0')) FROM seq_1_to_1023"
}
bulk n
tg_cli role grant team report:read >/dev/null
bulk m
bulk k
after=$(max_id)
holes=$(tg_sql "SELECT ($after - $before) - COUNT(*) FROM change_feed
    WHERE id > $before AND id <= $after")
tg_log "$holes holes in $((after - before)) ids"
tg_check "the feed has holes (under 256) followed by > 1000 rows" 1 \
    "$([ "$holes" -gt 0 ] && [ "$holes" -lt 256 ] &&
    [ $((after - before)) -gt 3000 ] && echo 1)"

t0=$(now_ms)
call DELETE "$A/tokens/$(tg_token_id "$V1")"
t1=$(now_ms)
r1=$(az "$AZ1" "$V1")
r2=$(az "$AZ2" "$V1")
tg_check_status "revoke behind holes: 204" 204
tg_check "revoke behind holes: propagation confirmed" confirmed "$(propagation)"
tg_check "revoke behind holes: authz1 refuses at once" 401 "$r1"
tg_check "revoke behind holes: authz2 refuses at once" 401 "$r2"
tg_log "revoke answered in $((t1 - t0)) ms ($holes holes, $((after - before)) ids)"
tg_check "revoke behind holes: answered without waiting out the 1.5 s" 1 \
    "$([ $((t1 - t0)) -lt 1400 ] && echo 1)"
wait "$WA" "$WB"

# A revoke while the holes are still open (younger than 10 s) is also
# confirmed: a process confirms a change by its own rows, not by the
# lowest open hole.
V1B=$(newtok --user solo --name v1b --api-rule '*')
warm "$V1B" "v1b"
tg_cli role grant team schedule:read >/dev/null
tg_sql "START TRANSACTION; INSERT INTO change_feed (at, kind, ref)
    VALUES (UTC_TIMESTAMP(6), 'token', 'hhhhhhhhhhhh'); ROLLBACK"
call DELETE "$A/tokens/$(tg_token_id "$V1B")"
tg_check "revoke right after a new hole: 204 confirmed" "204 confirmed" \
    "$TG_STATUS $(propagation)"
tg_check "revoke right after a new hole: both refuse" "401 401" \
    "$(az "$AZ1" "$V1B") $(az "$AZ2" "$V1B")"

# --- finding 2: a process that cannot confirm ----------------------------

V2=$(newtok --user solo --name v2 --api-rule '*')
warm "$V2" "v2"
kill -STOP "$AZ2_PID"
t0=$(now_ms)
call DELETE "$A/tokens/$(tg_token_id "$V2")"
t1=$(now_ms)
r1=$(az "$AZ1" "$V2")
tg_check_status "frozen authorizer: revoke answers 202" 202
tg_check "frozen authorizer: propagation pending" pending "$(propagation)"
tg_check_json "frozen authorizer: body says committed" .propagation pending
tg_check_json "frozen authorizer: body counts the process" .unconfirmed 1
tg_check "frozen authorizer: the running one refuses at once" 401 "$r1"
tg_log "pending revoke answered in $((t1 - t0)) ms"
kill -CONT "$AZ2_PID"
sleep 0.5
tg_check "thawed authorizer refuses" 401 "$(az "$AZ2" "$V2")"

# PATCH and rotate: the same 202 and header, with their usual body.
V2B=$(newtok --user root --name v2b --permission token:read \
    --permission token:revoke --api-rule '*')
warm "$V2B" "v2b"
kill -STOP "$AZ2_PID"
call PATCH "$A/tokens/$(tg_token_id "$V2B")" '{"permissions":["token:read"]}'
tg_check "frozen authorizer: PATCH answers 202 pending" "202 pending" \
    "$TG_STATUS $(propagation)"
tg_check_json "frozen authorizer: PATCH body is the token" .id \
    "$(tg_token_id "$V2B")"
kill -CONT "$AZ2_PID"
sleep 0.5
call PATCH "$A/tokens/$(tg_token_id "$V2B")" '{"name":"renamed"}'
tg_check "PATCH with every process up: 200 confirmed" "200 confirmed" \
    "$TG_STATUS $(propagation)"

# The CLI: a revoke that is not confirmed everywhere exits 3.
V3=$(newtok --user solo --name v3 --api-rule '*')
warm "$V3" "v3"
kill -STOP "$AZ2_PID"
tg_cli token revoke "$(tg_token_id "$V3")" 2>"$TG_DIR/cli.err"
rc=$?
kill -CONT "$AZ2_PID"
tg_check "CLI revoke, frozen authorizer: exit 3" 3 "$rc"
tg_check_contains "CLI revoke, frozen authorizer: says so" \
    "$(cat "$TG_DIR/cli.err")" "not confirmed"
tg_check "CLI revoke: the running authorizer refuses" 401 "$(az "$AZ1" "$V3")"
V4=$(newtok --user solo --name v4 --api-rule '*')
warm "$V4" "v4"
tg_cli token revoke "$(tg_token_id "$V4")" 2>"$TG_DIR/cli.err"
tg_check "CLI revoke, all up: exit 0" 0 "$?"
tg_check_absent "CLI revoke, all up: no warning" "$(cat "$TG_DIR/cli.err")" \
    "not confirmed"

# --- finding 9: retention -------------------------------------------------

count() { tg_sql "SELECT COUNT(*) FROM $1"; }

feed_before=$(count change_feed)
out=$(tg_cli prune 2>&1)
tg_check "prune runs" 0 "$?"
tg_check "prune keeps a young feed" "$feed_before" "$(count change_feed)"

# Rows older than feed_keep_seconds (a day) go, the newest row stays.
cut=$(max_id)
tg_sql "UPDATE change_feed SET at = at - INTERVAL 2 DAY"
out=$(tg_cli prune 2>&1)
tg_check "prune: exit 0" 0 "$?"
tg_check "prune removes day-old feed rows but the newest" 1 "$(count change_feed)"
tg_check "prune records how far it removed" "$((cut - 1))" \
    "$(tg_sql "SELECT through_id FROM change_feed_pruned")"
tg_check_contains "prune says what it removed" "$out" "change-feed rows"

# The progress row of a process goes with it: on a clean exit, and after
# an hour of silence for one that was killed.
AZ3=$TG_DIR/authz3.sock
tg_daemon authz3 "$AZ3" "$TG_BUILD/tokengate-authz" -c "$TG_CONF"
AZ3_PID=$TG_LAST_PID
tg_daemon authz4 "$TG_DIR/authz4.sock" "$TG_BUILD/tokengate-authz" -c "$TG_CONF"
AZ4_PID=$TG_LAST_PID
sleep 0.5
host=$(hostname)
prow() { tg_sql "SELECT COUNT(*) FROM feed_progress WHERE process = '$host:$1'"; }
tg_check "a running authorizer has a progress row" 1 "$(prow "$AZ3_PID")"
tg_stop "$AZ3_PID"
tg_check "a clean exit removes the progress row" 0 "$(prow "$AZ3_PID")"
kill -KILL "$AZ4_PID"
tg_stop "$AZ4_PID"
tg_check "a killed authorizer leaves its row" 1 "$(prow "$AZ4_PID")"
tg_sql "UPDATE feed_progress SET seen_at = seen_at - INTERVAL 2 HOUR
    WHERE process = '$host:$AZ4_PID'"
tg_cli prune >/dev/null
tg_check "prune removes the row of a process silent for an hour" 0 \
    "$(prow "$AZ4_PID")"
tg_check "prune keeps the rows of live processes" 1 "$(prow "$AZ1_PID")"

# The audit log: kept forever by default, audit_keep_days when set.
tg_sql "INSERT INTO audit_log (at, via, action, outcome)
    SELECT UTC_TIMESTAMP(6) - INTERVAL 400 DAY, 'cli', 'authz.allow', 'OK'
    FROM seq_1_to_30"
audit_n=$(count audit_log)
tg_cli prune >/dev/null
tg_check "audit log kept by default" "$audit_n" "$(count audit_log)"
KEEP=$TG_DIR/keep.conf
tg_write_config "$KEEP" audit_keep_days=365
TG_CONF=$KEEP tg_cli prune >/dev/null
tg_check "audit_keep_days = 365 removes older records only" \
    "$((audit_n - 30))" "$(count audit_log)"
tg_write_config "$TG_DIR/bad.conf" feed_keep_seconds=5
out=$(TG_CONF=$TG_DIR/bad.conf tg_cli prune 2>&1)
tg_check "feed_keep_seconds below its minimum is refused" 1 "$?"
tg_check_contains "the refusal names the key" "$out" "feed_keep_seconds"

# An authorizer whose feed position was pruned away empties its cache:
# the revoke's own feed row is gone by the time it reads again.
V5=$(newtok --user solo --name v5 --api-rule '*')
warm "$V5" "v5"
kill -STOP "$AZ1_PID"
tg_cli token revoke "$(tg_token_id "$V5")" 2>/dev/null
newtok --user u1 --name after-v5 >/dev/null
tg_sql "UPDATE change_feed SET at = at - INTERVAL 2 DAY"
tg_cli prune >/dev/null
tg_check "the revoke's feed row is pruned" 0 \
    "$(tg_sql "SELECT COUNT(*) FROM change_feed WHERE ref = '$(tg_token_id "$V5")'")"
kill -CONT "$AZ1_PID"
# Let its poller run first: the cache is fresh again when asked.
sleep 0.6
tg_check "an authorizer behind the pruned feed refuses the revoked token" \
    401 "$(az "$AZ1" "$V5")"
tg_check_contains "it says it emptied its cache" \
    "$(cat "$TG_DIR/authz1.log")" "pruned"

# tokengate-api prunes in the background too (first run 5 s after start).
tg_sql "INSERT INTO audit_log (at, via, action, outcome)
    SELECT UTC_TIMESTAMP(6) - INTERVAL 400 DAY, 'cli', 'authz.allow', 'OK'
    FROM seq_1_to_5"
newtok --user u1 --name more >/dev/null
newtok --user u1 --name more2 >/dev/null
tg_sql "UPDATE change_feed SET at = at - INTERVAL 2 DAY"
tg_daemon api2 "$TG_DIR/api2.sock" "$TG_BUILD/tokengate-api" -c "$KEEP"
for _ in $(seq 150); do
	[ "$(count change_feed)" = 1 ] && break
	sleep 0.1
done
tg_check "tokengate-api prunes the feed in the background" 1 \
    "$(count change_feed)"
tg_check "tokengate-api prunes the audit log (audit_keep_days)" 0 \
    "$(tg_sql "SELECT COUNT(*) FROM audit_log WHERE at < UTC_TIMESTAMP() - INTERVAL 365 DAY")"

tg_summary
