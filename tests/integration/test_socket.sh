#!/usr/bin/env bash
#
# test_socket.sh: a listening socket the programs are given (systemd
# socket activation on fd 3, or fd 0 from a supervisor that keeps it) is
# shared with the parent, which hands the same socket to the next
# instance.  Stopping one instance must leave it usable (issue 10,
# finding 7: SIGTERM used to shutdown() it, and after `systemctl restart`
# every connection was refused until the socket unit was restarted).
#
# tests/tools/socket-parent holds the socket, as systemd does, and starts
# the program twice, stopping each instance with SIGTERM.  For
# tokengate-authz (unix and TCP socket on fd 3, unix socket on fd 0) and
# tokengate-api (unix socket on fd 3, TCP socket on fd 0):
#   - the first instance answers, and exits 0 on SIGTERM with four
#     threads idle in accept();
#   - a connection made while no instance runs waits in the backlog and
#     the second instance answers it;
#   - the second instance answers a new connection and exits 0 too;
#   - under load (8 clients for 2 s, tokengate-authz), no request fails
#     across the restart.
# spawn-fcgi -F 2 (two tokengate-authz children on one fd 0 socket):
# stopping one leaves the other answering.
# And the program's own socket (--listen): SIGTERM still ends it, and
# the socket is closed (refused) and its file removed.  The programs
# refuse to start with FCGI_WEB_SERVER_ADDRS set (libfcgi's accept()
# checked it; theirs does not).
#
# No database: a request without a token is answered 401 without one.
set -u
. "$(dirname "$0")/lib.sh"
tg_init

AUTHZ=$TG_BUILD/tokengate-authz
API=$TG_BUILD/tokengate-api
PARENT=$(tg_tool socket-parent)
# tg_fcgi's client, named in the command lines socket-parent runs.
CLIENT=$(tg_fcgi_client)
CONF=$TG_DIR/tokengate.conf

# A database that is not there: both programs start without one.
TG_DB_SOCKET=$TG_DIR/no-database.sock TG_DB_USER=tokengate \
    TG_DB_PASSWORD=unused TG_DB_NAME=tokengate tg_write_config "$CONF"

# The requests, as CMD for socket-parent ($SOCKET_PARENT_SPEC is the
# socket): no token, so 401 from either program.
AUTHZ_REQ="timeout 8 $CLIENT --connect \"\$SOCKET_PARENT_SPEC\" \
    --param REQUEST_METHOD=GET --param REQUEST_URI=/api/x | grep -q 'Status: 401'"
API_REQ="timeout 8 $CLIENT --connect \"\$SOCKET_PARENT_SPEC\" --role responder \
    --param REQUEST_METHOD=GET --param REQUEST_URI=/api/auth/tokens |
    grep -q 'Status: 401'"

# restarts NAME SPEC FD REQ PROG: two instances of PROG on one socket.
restarts() {
	local name=$1 spec=$2 fd=$3 req=$4 prog=$5 out line
	out=$("$PARENT" --listen "$spec" --fd "$fd" --check "$req" -- \
	    "$prog" -c "$CONF" --threads 4 2>>"$TG_DIR/$name.log")
	for line in "run 1: check ok" "run 1: exit 0" "queued: check ok" \
	    "run 2: check ok" "run 2: exit 0"; do
		tg_check_contains "$name: $line" "$out" "$line"
	done
}

restarts "authz, unix socket on fd 3" "$TG_DIR/authz.sock" 3 "$AUTHZ_REQ" "$AUTHZ"
restarts "authz, TCP socket on fd 3" "127.0.0.1:$(tg_free_port)" 3 \
    "$AUTHZ_REQ" "$AUTHZ"
restarts "authz, unix socket on fd 0" "$TG_DIR/authz0.sock" 0 "$AUTHZ_REQ" "$AUTHZ"
restarts "api, unix socket on fd 3" "$TG_DIR/api.sock" 3 "$API_REQ" "$API"
restarts "api, TCP socket on fd 0" "127.0.0.1:$(tg_free_port)" 0 "$API_REQ" "$API"

# A restart under load: fcgi-load's 8 clients run for 2 s while the first
# instance is stopped and the second starts.  No request may fail: the
# requests accepted by the first instance are answered by it, the others
# wait in the backlog for the second.
LOAD=$(tg_tool fcgi-load)
under_load() {
	local name=$1 spec=$2 fd=$3 out line
	out=$("$PARENT" --listen "$spec" --fd "$fd" --check "$AUTHZ_REQ" \
	    --load "$LOAD --connect \"\$SOCKET_PARENT_SPEC\" --threads 8 \
	    --duration 2 --warmup 0 >$TG_DIR/load.out 2>&1 &&
	    grep -q ' errors=0 ' $TG_DIR/load.out" -- \
	    "$AUTHZ" -c "$CONF" --threads 4 2>>"$TG_DIR/$name.log")
	for line in "run 1: exit 0" "run 2: check ok" "load: check ok" \
	    "run 2: exit 0"; do
		tg_check_contains "$name: $line" "$out" "$line"
	done
	tg_log "$name: $(cat "$TG_DIR/load.out")"
}

under_load "authz restarted under load, unix socket on fd 3" \
    "$TG_DIR/load.sock" 3

# spawn-fcgi -F 2: two children share one socket on fd 0 and spawn-fcgi
# is gone.  Stopping one must leave its sibling serving.
if command -v spawn-fcgi >/dev/null 2>&1; then
	SF_SOCK=$TG_DIR/spawned.sock
	spawn-fcgi -s "$SF_SOCK" -F 2 -P "$TG_DIR/spawned.pid" -- "$AUTHZ" \
	    -c "$CONF" --threads 2 >>"$TG_DIR/spawned.log" 2>&1
	mapfile -t SF_PIDS <"$TG_DIR/spawned.pid"
	for p in "${SF_PIDS[@]}"; do	# so that tg_cleanup stops them
		TG_SVC_NAME+=(spawned) TG_SVC_PID+=("$p")
		TG_SVC_LOG+=("$TG_DIR/spawned.log")
	done
	tg_check "spawn-fcgi -F 2: two children" 2 "${#SF_PIDS[@]}"
	tg_stop "${SF_PIDS[0]}"
	ok=0
	for _ in 1 2 3 4; do
		SOCKET_PARENT_SPEC=$SF_SOCK sh -c "$AUTHZ_REQ" && ok=$((ok + 1))
	done
	tg_check "spawn-fcgi -F 2: one child stopped, its sibling answers" \
	    4/4 "$ok/4"
	tg_stop "${SF_PIDS[1]}"
else
	tg_skip "spawn-fcgi -F 2" "spawn-fcgi is not installed"
fi

# own_socket NAME SPEC PROG: the program's own socket is closed on SIGTERM.
# The program is started here, not with tg_daemon: its exit status is
# checked.
own_socket() {
	local name=$1 spec=$2 prog=$3 pid st i
	"$prog" -c "$CONF" --listen "$spec" --threads 4 \
	    2>>"$TG_DIR/$name.log" </dev/null &
	pid=$!
	case $spec in
	/*) tg_wait_socket "$spec" 10 "$pid" ;;
	*) tg_wait_port "${spec##*:}" 10 "$pid" ;;
	esac
	tg_check_true "$name: answers" env SOCKET_PARENT_SPEC="$spec" sh -c "$AUTHZ_REQ"
	kill -TERM "$pid"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		st="still running 10 s after SIGTERM"
	else
		wait "$pid"
		st="exit $?"
	fi
	tg_check "$name: exit 0 on SIGTERM" "exit 0" "$st"
	case $spec in
	/*) tg_check_true "$name: socket file removed" test ! -e "$spec" ;;
	*) timeout 5 "$CLIENT" --connect "$spec" --param REQUEST_METHOD=GET \
	    >/dev/null 2>"$TG_DIR/refused.err"
	   tg_check_contains "$name: connections refused after the exit" \
	    "$(cat "$TG_DIR/refused.err")" "refused" ;;
	esac
}

own_socket "authz --listen unix" "$TG_DIR/own.sock" "$AUTHZ"
own_socket "authz --listen TCP" "127.0.0.1:$(tg_free_port)" "$AUTHZ"

# libfcgi's FCGI_WEB_SERVER_ADDRS (a list of allowed peers) belonged to
# its accept(), which the programs no longer use: refused, not ignored.
FCGI_WEB_SERVER_ADDRS=127.0.0.1 timeout 10 "$AUTHZ" -c "$CONF" \
    --listen "127.0.0.1:$(tg_free_port)" >"$TG_DIR/addrs.out" 2>&1
tg_check "FCGI_WEB_SERVER_ADDRS set: authz refuses to start" 1 $?
tg_check_contains "FCGI_WEB_SERVER_ADDRS set: says why" \
    "$(cat "$TG_DIR/addrs.out")" "FCGI_WEB_SERVER_ADDRS is not supported"

tg_summary
