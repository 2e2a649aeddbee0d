#!/usr/bin/env bash
#
# test_hostile_paths.sh: tests/hostile-paths.txt sent through lighttpd and
# Apache + mod_authnz_fcgi, byte for byte, over a raw socket (curl would
# normalize or refuse many rows).
#
# Each row's raw URI is put under the protected prefix (/api/t + row).
# The property that matters is that the authorizer decides on the path the
# server serves: whenever the backend is reached, the path it was given
# (SCRIPT_NAME + PATH_INFO) must be the authorizer's canonical path.  Three
# tokens probe it:
#   ALLOW  one rule "GET <canonical>" per row: a 200 must serve exactly
#          that path, and a 403 would mean the authorizer saw another one;
#   DENY   "!GET <canonical>" per row, then "*": never reaches the backend;
#   ANY    "*" alone: rows that cannot be made canonical are still refused
#          (403 BAD_PATH, or the server's own 400/404).
set -u
. "$(dirname "$0")/lib.sh"
tg_init

TG=$TG_BUILD/tokengate
TOOL=$(tg_tool tokentool)
CONF=$TG_DIR/tokengate.conf
TABLE=$TG_ROOT/tests/hostile-paths.txt

tg_mariadb_init "$TG_DIR/db"
tg_mariadb_start "$TG_DIR/db"
tg_write_config "$CONF"
"$TG" -c "$CONF" migrate >/dev/null || tg_die "migrate failed"
"$TG" -c "$CONF" user add mallory --role member

# The rows, prefixed, with the canonical path the authorizer will use.
RAW=() CANON=()
while IFS=$'\t' read -r raw _; do
	case $raw in '#'* | '') continue ;; esac
	case $raw in /*) u="/api/t$raw" ;; *) u="/api/t/$raw" ;; esac
	RAW+=("$u")
	CANON+=("$("$TOOL" canon "$u")")
done <"$TABLE"
tg_log "${#RAW[@]} hostile rows"

allow_args=() deny_args=() seen=" "
for c in "${CANON[@]}"; do
	[ "$c" = REJECT ] && continue
	case $seen in *" $c "*) continue ;; esac
	"$TOOL" rule "$c" || continue
	seen="$seen$c "
	allow_args+=(--api-rule "GET $c")
	deny_args+=(--api-rule "!GET $c")
done
ALLOW=$("$TG" -c "$CONF" token create --user mallory --name allow "${allow_args[@]}") ||
    tg_die "cannot create the ALLOW token"
DENY=$("$TG" -c "$CONF" token create --user mallory --name deny "${deny_args[@]}" \
    --api-rule '*') || tg_die "cannot create the DENY token"
ANY=$("$TG" -c "$CONF" token create --user mallory --name any --api-rule '*') ||
    tg_die "cannot create the ANY token"

# raw_get PORT URI TOKEN: sends the URI exactly as given; sets STATUS and
# SERVED (SCRIPT_NAME + PATH_INFO seen by the backend, or "").
raw_get() {
	local port=$1 uri=$2 tok=$3 fd resp
	STATUS=000 SERVED=
	exec {fd}<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n' \
	    "$uri" "$tok" >&"$fd"
	resp=$(timeout 10 cat <&"$fd" | tr -d '\r')
	exec {fd}>&-
	STATUS=$(printf '%s\n' "$resp" | sed -n '1s/^HTTP\/1\.[01] \([0-9]*\).*/\1/p')
	if printf '%s\n' "$resp" | grep -q '^FCGI_ROLE=RESPONDER$'; then
		SERVED=$(printf '%s\n' "$resp" | sed -n 's/^SCRIPT_NAME=//p')$(printf '%s\n' "$resp" | sed -n 's/^PATH_INFO=//p')
		SERVED=${SERVED:-/}
	fi
}

run_table() {
	local s=$1 port=$2 i u c bypass=0 mismatch=0 allowed=0 refused=0
	for i in "${!RAW[@]}"; do
		u=${RAW[i]} c=${CANON[i]}
		if [ "$c" = REJECT ]; then
			raw_get "$port" "$u" "$ANY"
			if [ -n "$SERVED" ] || [ "$STATUS" = 200 ]; then
				tg_check "$s: uncanonical $u is refused" refused "served $SERVED"
				bypass=$((bypass + 1))
			else
				refused=$((refused + 1))
			fi
			continue
		fi
		if "$TOOL" rule "$c"; then
			raw_get "$port" "$u" "$DENY"
			if [ -n "$SERVED" ]; then
				tg_check "$s: $u gets past '!GET $c'" denied "served $SERVED"
				bypass=$((bypass + 1))
			fi
			raw_get "$port" "$u" "$ALLOW"
		else
			raw_get "$port" "$u" "$ANY"
		fi
		case $STATUS in
		200)
			allowed=$((allowed + 1))
			if [ "$SERVED" != "$c" ]; then
				tg_check "$s: $u served as decided" "$c" "$SERVED"
				mismatch=$((mismatch + 1))
			fi
			;;
		400 | 404) refused=$((refused + 1)) ;;
		*)
			tg_check "$s: $u (canonical $c) allowed by its rule" \
			    "200, 400 or 404" "$STATUS"
			mismatch=$((mismatch + 1))
			;;
		esac
	done
	tg_check "$s: no hostile row got past a ! rule or out of its allow rule" \
	    0 "$((bypass + mismatch))"
	tg_check "$s: most rows were really served (not all refused early)" 1 \
	    "$((allowed * 2 > ${#RAW[@]} - refused ? 1 : 0))"
	tg_log "$s: ${#RAW[@]} rows: $allowed served as decided, $refused refused"
}

export TG_AUTHZ_SOCKET=$TG_DIR/authz.sock TG_BACKEND_SOCKET=$TG_DIR/app.sock
AUTHZ_PORT=$(tg_free_port)
export TG_AUTHZ_ADDR=127.0.0.1:$AUTHZ_PORT
export TG_BACKEND_ADDR=127.0.0.1:$(tg_free_port)
tg_echo_backend_start echo-unix "$TG_BACKEND_SOCKET"
tg_echo_backend_start echo-tcp "$TG_BACKEND_ADDR"
tg_start authz-unix "$TG_DIR/authz-unix.log" "$TG_BUILD/tokengate-authz" \
    -c "$CONF" --listen "$TG_AUTHZ_SOCKET"
tg_wait_socket "$TG_AUTHZ_SOCKET" 10 "$TG_LAST_PID" || tg_die "authz did not start"
chmod 0666 "$TG_AUTHZ_SOCKET"
tg_start authz-tcp "$TG_DIR/authz-tcp.log" "$TG_BUILD/tokengate-authz" \
    -c "$CONF" --listen "$TG_AUTHZ_ADDR"
tg_wait_port "$AUTHZ_PORT" 10 "$TG_LAST_PID" || tg_die "authz did not start"

tg_lighttpd_start
run_table lighttpd "$TG_LIGHTTPD_PORT"
tg_apache_start authnz
run_table apache-authnz "$TG_APACHE_PORT"
tg_summary
