#!/usr/bin/env bash
#
# valgrind_programs.sh: the three programs under valgrind against a real
# MariaDB, not only the unit tests.
#
#   - tokengate-authz (cache on and cache = off) and tokengate-api run
#     under memcheck while real traffic goes through them: good tokens,
#     bad tokens, API mode, permission mode, a rotation with a grace, a
#     create, an update, a revoke, refused attempts; then SIGTERM, and
#     each must exit cleanly with no error and no leak;
#   - the CLI's commands (migrate, user and role, token create/list/revoke,
#     check for allow, deny and a rotated token) run under memcheck too;
#     `check` reading uninitialised memory was a finding of the outside
#     review.
#
# valgrind's exit code for errors is 99 here; its log for each run is
# kept under $TG_DIR and printed when a check fails.  Always the plain
# build (valgrind cannot run an ASan binary).
set -u
. "$(dirname "$0")/lib.sh"
tg_init

B=$TG_ROOT/build
for p in tokengate tokengate-authz tokengate-api; do
	[ -x "$B/$p" ] || tg_die "build first: $B/$p is missing"
done
if ! command -v valgrind >/dev/null 2>&1; then
	tg_skip "valgrind runs" "SKIPPED LOUDLY: valgrind is not installed"
	tg_summary
	exit $?
fi
# tg_fcgi's client: build/tools/fcgi-client.
[ -x "$B/tools/fcgi-client" ] || tg_die "build first: $B/tools/fcgi-client is missing"
CONF=$TG_DIR/tokengate.conf
NOCACHE=$TG_DIR/nocache.conf
VG=(valgrind -q --error-exitcode=99 --leak-check=full
    --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible --track-fds=no)

tg_mariadb_init "$TG_DIR/db"
tg_mariadb_start "$TG_DIR/db"
tg_write_config "$CONF" rotation_max_grace_seconds=600
tg_write_config "$NOCACHE" cache=off

# vg NAME CMD...: runs CMD under valgrind; its output on stdout, its log in
# $TG_DIR/vg-NAME.log; fails (and shows the log) on a valgrind error.
VG_N=0
vg() {
	local name=$1 rc
	shift
	VG_N=$((VG_N + 1))
	"${VG[@]}" --log-file="$TG_DIR/vg-$name.log" "$@"
	rc=$?
	if [ "$rc" = 99 ] || grep -q 'ERROR SUMMARY: [1-9]' \
	    "$TG_DIR/vg-$name.log" 2>/dev/null; then
		# Counted by the last check, "cli under valgrind".
		echo "# valgrind found errors in $name:" >&2
		sed 's/^/#   /' "$TG_DIR/vg-$name.log" >&2
		VG_BAD="$VG_BAD $name"
	fi
	return "$rc"
}
VG_BAD=
tgv() { local n=$1; shift; vg "cli-$n" "$B/tokengate" -c "$CONF" "$@"; }

# --- the CLI ---------------------------------------------------------------

tgv migrate migrate >/dev/null
tg_check "cli: migrate under valgrind" 0 "$?"
tgv role role grant ops admin:access run:read >/dev/null
tgv user user add alice --role member --role ops >/dev/null
T=$(tgv create token create --user alice --name v --permission token:read \
    --permission token:create --permission token:revoke \
    --permission admin:access --api-rule 'GET /api/**' \
    --api-rule 'POST /api/auth/**' --api-rule 'PATCH /api/auth/**' \
    --api-rule 'DELETE /api/auth/**')
tg_check "cli: token create under valgrind" 0 "$?"
tgv list token list --user alice >/dev/null
tg_check "cli: token list under valgrind" 0 "$?"
tgv check-allow check --token "$T" --method GET --uri /api/x >/dev/null
tg_check "cli: check (allow) under valgrind" 0 "$?"
tgv check-deny check --token "$T" --method POST --uri /api/x >/dev/null
tg_check "cli: check (deny) under valgrind" 1 "$?"
tgv check-bad check --token tg_garbage --method GET --uri /api/x >/dev/null
tg_check "cli: check (malformed) under valgrind" 1 "$?"

# --- the daemons -------------------------------------------------------------

AUTHZ_SOCK=$TG_DIR/authz.sock
NOCACHE_SOCK=$TG_DIR/nocache.sock
API_SOCK=$TG_DIR/api.sock
# start NAME SOCKET PROGRAM ARG...: PROGRAM under valgrind (60 s to start).
start() {
	local name=$1 sock=$2
	shift 2
	TG_DAEMON_WAIT=60 tg_daemon "$name" "$sock" "${VG[@]}" \
	    --log-file="$TG_DIR/vg-$name.log" "$@"
	eval "PID_$name=$TG_LAST_PID"
}
start authz "$AUTHZ_SOCK" "$B/tokengate-authz" -c "$CONF" --threads 2
start nocache "$NOCACHE_SOCK" "$B/tokengate-authz" -c "$NOCACHE" --threads 2
start api "$API_SOCK" "$B/tokengate-api" -c "$CONF" --threads 2

# ask SOCKET ROLE METHOD URI TOKEN [PARAM...]: prints the status.
ask() {
	local sock=$1 role=$2 m=$3 u=$4 t=$5
	shift 5
	tg_fcgi "$sock" --role "$role" --param "REQUEST_METHOD=$m" \
	    --param "REQUEST_URI=$u" --param REMOTE_ADDR=127.0.0.1 \
	    --param "HTTP_AUTHORIZATION=Bearer $t" "$@"
	echo "$TG_STATUS"
}
# api METHOD PATH TOKEN [BODY]: one API request (the reply in TG_STATUS,
# TG_BODY).
api() {
	local m=$1 u=$2 t=$3 body=${4-}
	local a=(--role responder
	    --param "REQUEST_METHOD=$m" --param "REQUEST_URI=/api/auth$u"
	    --param REMOTE_ADDR=127.0.0.1
	    --param "HTTP_AUTHORIZATION=Bearer $t")
	[ -n "$body" ] && a+=(--param CONTENT_TYPE=application/json
	    --param "CONTENT_LENGTH=${#body}" --stdin-body "$body")
	tg_fcgi "$API_SOCK" "${a[@]}"
}

for s in "$AUTHZ_SOCK" "$NOCACHE_SOCK"; do
	n=$(basename "$s" .sock)
	for _ in 1 2 3; do
		tg_check "$n: allowed" 200 "$(ask "$s" authorizer GET /api/x "$T")"
	done
	tg_check "$n: no rule" 403 "$(ask "$s" authorizer POST /api/x "$T")"
	tg_check "$n: permission mode" 200 "$(ask "$s" authorizer GET /x "$T" \
	    --param TOKENGATE_REQUIRE=admin:access)"
	tg_check "$n: missing permission" 403 "$(ask "$s" authorizer GET /x \
	    "$T" --param TOKENGATE_REQUIRE=run:write)"
	tg_check "$n: responder role" 200 "$(ask "$s" responder GET /api/x "$T")"
	tg_check "$n: malformed" 401 "$(ask "$s" authorizer GET /api/x tg_x)"
	tg_check "$n: bad path" 403 "$(ask "$s" authorizer GET '/api/%2F' "$T")"
done

api POST /tokens "$T" '{"name":"c","expiresInDays":1,"permissions":["token:read"]}'
C=$(tg_json '.token // empty')
tg_check_true "api: create" test -n "$C"
CID=$(tg_token_id "$C")
api PATCH "/tokens/$CID" "$T" '{"name":"renamed"}'
tg_check_status "api: update" 200
api POST /tokens "$T" '{"name":"x","expiresInDays":1,"nope\u00e9":1}'
tg_check_status "api: refused (audited)" 400
api POST "/tokens/$(tg_token_id "$T")/rotate" "$T" '{"graceSeconds":600}'
T2=$(tg_json '.token // empty')
tg_check_true "api: rotate with a grace" test -n "$T2"
tg_check "authz: the old secret in its grace" 200 \
    "$(ask "$AUTHZ_SOCK" authorizer GET /api/x "$T")"
tg_check "authz: the new secret" 200 \
    "$(ask "$AUTHZ_SOCK" authorizer GET /api/x "$T2")"
api PATCH "/tokens/$(tg_token_id "$T")" "$T" '{"name":"old"}'
tg_check_json "api: the old secret cannot manage" .error previous_secret
api DELETE "/tokens/$CID" "$T2"
tg_check_status "api: revoke" 204
tg_check "authz: revoked" 401 "$(ask "$AUTHZ_SOCK" authorizer GET /api/x "$C" \
    --param TOKENGATE_REQUIRE=token:read)"
tgv check-rotated check --token "$T2" --method GET --uri /api/x >/dev/null
tg_check "cli: check (rotated token) under valgrind" 0 "$?"
tgv revoke token revoke "$(tg_token_id "$T")" >/dev/null
tg_check "cli: token revoke under valgrind" 0 "$?"
sleep 1.5	# one more round of the background writers

for n in authz nocache api; do
	eval "pid=\$PID_$n"
	kill -TERM "$pid" 2>/dev/null
	rc=0
	for _ in $(seq 1 300); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	wait "$pid" 2>/dev/null
	rc=$?
	tg_check "$n under valgrind: clean exit after SIGTERM" 0 "$rc"
	if grep -q 'ERROR SUMMARY: [1-9]\|definitely lost\|indirectly lost\|possibly lost\|Invalid \|uninitialised' \
	    "$TG_DIR/vg-$n.log"; then
		sed 's/^/#   /' "$TG_DIR/vg-$n.log" >&2
		tg_fail "$n under valgrind: no error, no leak" "see the log above"
	else
		tg_pass "$n under valgrind: no error, no leak"
	fi
done
tg_check "cli under valgrind: $VG_N runs without an error or a leak" "" \
    "$VG_BAD"
tg_summary
