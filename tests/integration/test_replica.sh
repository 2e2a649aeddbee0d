#!/usr/bin/env bash
#
# test_replica.sh: the authorizer with a read endpoint (issue 6, Replicas).
#
# Two mariadbd instances on loopback, a primary (binary log, server-id 1)
# and a replica (server-id 2, read_only) following it with GTID
# replication.  tokengate-authz runs behind lighttpd with db_* = primary
# and db_read_* = replica; the CLI and tokengate-api use the primary.
#
#   - lookups read the replica: a token that only the replica holds is
#     accepted; one created on the primary works once replicated;
#   - writes go to the primary: last-used, feed progress, the end of a
#     rotation grace (the replica is read-only, so a misrouted write fails);
#   - a revoke propagates within replication lag + the feed poll (printed);
#   - replica stopped: lookups continue from the primary (uncached tokens
#     200, revoked 401, a revoke in force at once);
#   - replica back but behind: not used until it has caught up; then used
#     again, and what was revoked meanwhile stays refused;
#   - replication stalled (replica up, not applying): the authorizer falls
#     back to the primary after db_read_max_lag, so a revoke still lands.
#
# The only timing assertions are the documented bounds, with slack.
set -u
. "$(dirname "$0")/lib.sh"
tg_init

AUTHZ=$TG_BUILD/tokengate-authz
API=$TG_BUILD/tokengate-api
TG_CONF=$TG_DIR/tokengate.conf
MAX_LAG=3		# db_read_max_lag for this test, seconds
POLL_MS=200		# feed_poll_ms (the default)
REPL_PW=$(head -c 18 /dev/urandom | base64 | tr -d '/+=\n')
PRIMARY_ARGS=(--server-id=1 --log-bin=primary-bin --log-basename=primary
    --binlog-format=ROW)
REPLICA_ARGS=(--server-id=2 --read-only=1 --log-basename=replica)

now_ms() { echo $(($(date +%s%N) / 1000000)); }
newtok() { tg_cli token create --user alice --api-rule '*' "$@" ||
    tg_die "token create $* failed"; }
# within MS BOUND: MS (from until_status, or "timeout") is at most BOUND.
within() { [ "$1" != timeout ] && [ "$1" -le "$2" ]; }

# ---------------------------------------------------------------- MariaDB
tg_mariadb_init "$TG_DIR/db"
mkdir -p "$TG_DIR/replica"
cp "$TG_DIR/db/password" "$TG_DIR/replica/password"	# one db_password
tg_mariadb_init "$TG_DIR/replica"
tg_mariadb_start "$TG_DIR/db" mariadb "${PRIMARY_ARGS[@]}"
tg_mariadb_start "$TG_DIR/replica" replica "${REPLICA_ARGS[@]}"
RPORT=${TG_DBS_PORT[replica]}

# Replication from the primary's current position: both instances made
# their own database and user already.
tg_sql_admin "CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY '$REPL_PW';
    GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';" ||
    tg_die "cannot create the replication user"
POS=$(tg_sql_admin "SELECT @@gtid_binlog_pos")
tg_sql_admin_on replica "SET GLOBAL gtid_slave_pos = '$POS';
    CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = $TG_DB_PORT,
    MASTER_USER = 'repl', MASTER_PASSWORD = '$REPL_PW',
    MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1;
    START SLAVE;" || tg_die "cannot start replication"

# replicated: waits until the replica has what the primary has now.
replicated() {
	local pos r
	pos=$(tg_sql_admin "SELECT @@gtid_binlog_pos")
	r=$(tg_sql_admin_on replica "SELECT MASTER_GTID_WAIT('$pos', 10)")
	[ "$r" = 0 ] || tg_die "the replica did not reach $pos in 10 s ($r)"
}

# lag_ms: one write on the primary until the replica has applied it, in
# ms (an upper bound: it includes starting two mariadb clients).
tg_sql_admin "CREATE DATABASE probe;
    CREATE TABLE probe.t (id INT AUTO_INCREMENT PRIMARY KEY)"
lag_ms() {
	local t0 pos r
	t0=$(now_ms)
	pos=$(tg_sql_admin "INSERT INTO probe.t () VALUES ();
	    SELECT @@gtid_binlog_pos")
	r=$(tg_sql_admin_on replica "SELECT MASTER_GTID_WAIT('$pos', 10)")
	[ "$r" = 0 ] || tg_die "the replica did not reach $pos in 10 s ($r)"
	echo $(($(now_ms) - t0))
}

tg_write_config "$TG_CONF" db_read_host=127.0.0.1 db_read_port="$RPORT" \
    db_read_max_lag=$MAX_LAG feed_poll_ms=$POLL_MS
tg_cli migrate >/dev/null || tg_die "migrate failed"
tg_cli user add alice --role member
A=$(newtok --name a)
RO=$(newtok --name replica-only)
REV=$(newtok --name revoke)
DOWN=$(newtok --name revoked-while-down)
UNCACHED=$(newtok --name uncached)
STALL=$(newtok --name revoked-while-stalled)
ROT=$(newtok --name rotated --permission token:create)
replicated
tg_check "the schema reached the replica" \
    "$(tg_sql "SELECT MAX(version) FROM schema_migrations")" \
    "$(tg_sql_on replica "SELECT MAX(version) FROM schema_migrations")"
# A token only the replica holds: deleted on the primary without binary
# logging.  Accepted exactly when lookups read the replica.
tg_sql_admin "SET SESSION sql_log_bin = 0;
    DELETE FROM tokengate.tokens WHERE id = '$(tg_token_id "$RO")'"
tg_check "replica-only token: gone from the primary" 0 \
    "$(tg_sql "SELECT COUNT(*) FROM tokens WHERE id = '$(tg_token_id "$RO")'")"
tg_check "replica-only token: still on the replica" 1 \
    "$(tg_sql_on replica "SELECT COUNT(*) FROM tokens WHERE id = '$(tg_token_id "$RO")'")"

# ---------------------------------------------------------------- servers
export TG_AUTHZ_SOCKET=$TG_DIR/authz.sock
export TG_BACKEND_SOCKET=$TG_DIR/app.sock
export TG_API_SOCKET=$TG_DIR/api.sock
tg_echo_backend_start echo "$TG_BACKEND_SOCKET"
tg_daemon authz "$TG_AUTHZ_SOCKET" "$AUTHZ" -c "$TG_CONF" --threads 4
chmod 0666 "$TG_AUTHZ_SOCKET"
tg_daemon api "$TG_API_SOCKET" "$API" -c "$TG_CONF" --threads 2
chmod 0666 "$TG_API_SOCKET"
tg_lighttpd_start
L=$TG_LIGHTTPD_URL

# status TOKEN: the authorizer's answer for TOKEN on /api/x.
status() {
	tg_http GET "$L/api/x" -H "Authorization: Bearer $1"
	echo "$TG_STATUS"
}
# gate NAME TOKEN STATUS: tg_check_gate on /api/x through lighttpd.
gate() { tg_check_gate "$1" "$L/api/x" "$2" "$3"; }
# until_status TOKEN WANT SECS: polls every 20 ms until TOKEN gets WANT;
# prints the milliseconds it took, or returns 1 after SECS seconds.
until_status() {
	local t0 end s
	t0=$(now_ms)
	end=$((t0 + $3 * 1000))
	while :; do
		s=$(status "$1")
		[ "$s" = "$2" ] && { echo $(($(now_ms) - t0)); return 0; }
		[ "$(now_ms)" -lt "$end" ] || return 1
		sleep 0.02
	done
}
log_has() { grep -c -- "$1" "$TG_DIR/authz.log"; }

# ---------------------------------------------- reads replica, writes primary
gate "a replicated token: 200" "$A" 200
gate "a token only the replica holds: 200 (lookups read the replica)" "$RO" 200
tg_check_contains "startup log names both endpoints" \
    "$(cat "$TG_DIR/authz.log")" "reads go to 127.0.0.1, writes to $TG_DB_SOCKET"
n=$(tg_sql_admin_on replica "SELECT COUNT(*) FROM information_schema.PROCESSLIST
    WHERE USER = 'tokengate'")
tg_log "tokengate connections on the replica: $n"
tg_check_true "the authorizer is connected to the replica" test "${n:-0}" -ge 2

# Created on the primary while the replica does not apply: unknown to the
# lookups until replicated, then accepted (the feed row, read from the
# replica, drops the remembered "unknown").
tg_sql_admin_on replica "STOP SLAVE SQL_THREAD"
NEW=$(newtok --name new)
gate "created on the primary, not yet replicated: 401" "$NEW" 401
tg_sql_admin_on replica "START SLAVE SQL_THREAD"
replicated
ms=$(until_status "$NEW" 200 3) || ms=timeout
tg_log "new token accepted ${ms} ms after the replica applied it"
tg_check_true "created on the primary: 200 once replicated" test "$ms" != timeout

# The end of a rotation grace is written to the primary (the verifier's
# write goes there; on the read-only replica it would fail).
tg_http POST "$L/api/auth/tokens/$(tg_token_id "$ROT")/rotate" \
    -H "Authorization: Bearer $ROT" -H 'Content-Type: application/json' \
    --data '{"graceSeconds":600}'
tg_check_status "rotation with a grace (API, primary)" 200
ROT2=$(tg_json '.token // empty')
replicated
gate "grace: the old secret works" "$ROT" 200
gate "the new secret works" "$ROT2" 200
cleared=0
for _ in $(seq 1 30); do
	[ "$(tg_sql "SELECT prev_hash IS NULL FROM tokens WHERE id = '$(tg_token_id "$ROT")'")" = 1 ] &&
	    cleared=1 && break
	sleep 0.1
done
tg_check "first use of the new secret ended the grace on the primary" 1 "$cleared"
replicated
ms=$(until_status "$ROT" 401 3) || ms=timeout
tg_check_true "old secret refused once the end of the grace is replicated" \
    test "$ms" != timeout

sleep 1.2	# the last-used writer runs every second
tg_check "last-used written to the primary" 127.0.0.1 \
    "$(tg_sql "SELECT last_used_ip FROM tokens WHERE id = '$(tg_token_id "$A")'")"
tg_check "feed progress reported to the primary" 1 \
    "$(tg_sql "SELECT COUNT(*) > 0 FROM feed_progress
    WHERE seen_at > UTC_TIMESTAMP(6) - INTERVAL 2 SECOND")"
tg_check "no write failed" 0 "$(log_has 'failed')"

# ------------------------------------------------------- revoke propagation
gate "before revoke (now cached)" "$REV" 200
lag=0
for _ in 1 2 3 4 5; do
	l=$(lag_ms)
	[ "$l" -gt "$lag" ] && lag=$l
done
t0=$(now_ms)
tg_cli token revoke "$(tg_token_id "$REV")" 2>/dev/null &
cli=$!
ms=$(until_status "$REV" 401 10) || ms=timeout
wait "$cli"
cli_ms=$(($(now_ms) - t0))
tg_log "replication lag <= ${lag} ms; revoke refused by the authorizer ${ms} ms after it started (the CLI returned after <= ${cli_ms} ms)"
tg_check_true "revoke in force within replication lag + feed poll + 1 s slack" \
    within "$ms" $((lag + POLL_MS + 1000))

# ---------------------------------------------------------- replica stopped
gate "before the replica stops (now cached)" "$DOWN" 200
tg_mariadb_stop replica
ms=$(until_status "$RO" 401 5) || ms=timeout
tg_log "replica stopped: lookups read the primary after ${ms} ms"
tg_check_true "replica down: lookups read the primary (replica-only token 401)" \
    test "$ms" != timeout
gate "replica down: an uncached token: 200" "$UNCACHED" 200
gate "replica down: a revoked token: 401" "$REV" 401
gate "replica down: a known token: 200" "$A" 200
tg_cli token revoke "$(tg_token_id "$DOWN")" 2>/dev/null
gate "replica down: a revoke is in force when the CLI returns" "$DOWN" 401
tg_check_contains "the switch to the primary is logged" \
    "$(cat "$TG_DIR/authz.log")" 'reads now go to the primary'

# ------------------------------------------------- replica back, but behind
# It misses the revoke of DOWN: it must not serve until it has caught up.
tg_mariadb_start "$TG_DIR/replica" replica "${REPLICA_ARGS[@]}" \
    --skip-slave-start
tg_check "the replica answers but has not applied the revoke" 1 \
    "$(tg_sql_on replica "SELECT revoked_at IS NULL FROM tokens
    WHERE id = '$(tg_token_id "$DOWN")'")"
# The poller finds it again (it looks every 1-5 s), moves its feed there
# and keeps lookups on the primary: wait for that, then a little more.
seen=0
for _ in $(seq 1 100); do
	[ "$(log_has 'replica catching up')" -ge 1 ] && seen=1 && break
	sleep 0.1
done
tg_check "the replica is found again, catching up is logged" 1 "$seen"
sleep 1.5	# at least one more look at the replica
gate "replica behind: not used for lookups" "$RO" 401
gate "replica behind: the revoke made meanwhile holds" "$DOWN" 401
tg_sql_admin_on replica "START SLAVE"
ms=$(until_status "$RO" 200 10) || ms=timeout
tg_log "replica caught up: lookups read it again after ${ms} ms"
tg_check_true "replica back: used again (replica-only token 200)" \
    test "$ms" != timeout
gate "replica back: what was revoked meanwhile: 401" "$DOWN" 401
gate "replica back: a valid token: 200" "$UNCACHED" 200
tg_check_contains "the switch back is logged" "$(cat "$TG_DIR/authz.log")" \
    'reads now go to the replica'

# ------------------------------------------------------- replication stalls
# The replica answers but applies nothing: after db_read_max_lag the
# authorizer reads the primary, so a revoke still lands.
gate "before replication stalls (now cached)" "$STALL" 200
tg_sql_admin_on replica "STOP SLAVE"
t0=$(now_ms)
tg_cli token revoke "$(tg_token_id "$STALL")" 2>/dev/null &
cli=$!
ms=$(until_status "$STALL" 401 15) || ms=timeout
wait "$cli"
tg_log "replication stalled: revoke refused after ${ms} ms (db_read_max_lag ${MAX_LAG} s)"
tg_check_true "stalled replica: revoke in force within db_read_max_lag + 2 s + poll + 1 s slack" \
    within "$ms" $((MAX_LAG * 1000 + 2000 + POLL_MS + 1000))
tg_check_contains "the lag is logged" "$(cat "$TG_DIR/authz.log")" \
    'behind the primary'
gate "stalled replica: lookups read the primary" "$RO" 401
tg_sql_admin_on replica "START SLAVE"
ms=$(until_status "$RO" 200 10) || ms=timeout
tg_log "replication resumed: lookups read the replica again after ${ms} ms"
tg_check_true "replication resumed: replica used again" test "$ms" != timeout
gate "replication resumed: the revoke holds" "$STALL" 401

tg_summary
