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
#   DENY   "!GET <canonical>" per row, then "*": never reaches the backend
#          (a deny covers the paths below it too, so the rule of "/api/t/"
#          alone would do; the rule rows below check coverage exactly);
#   ANY    "*" alone: rows that cannot be made canonical are still refused
#          (403 BAD_PATH, or the server's own 400/404).
# Rows with a METHOD, RULE and VERDICT (finding 5 of issue 10: a deny must
# cover the trailing slash and every path below, an allow only the
# trailing slash) are also sent as METHOD with a token whose rules are RULE
# alone (allow) or RULE then "*" (deny), RULE's path prefixed too: exactly
# the allowed ones must reach the backend, at the canonical path.  Then
# `tokengate check` must name the rule and say how it matched.
set -u
. "$(dirname "$0")/lib.sh"
tg_init

TOOL=$(tg_tool tokentool)
TG_CONF=$TG_DIR/tokengate.conf
TABLE=$TG_ROOT/tests/hostile-paths.txt

tg_mariadb_init "$TG_DIR/db"
tg_mariadb_start "$TG_DIR/db"
tg_write_config "$TG_CONF"
tg_cli migrate >/dev/null || tg_die "migrate failed"
# Some rows land on /api/admin, a permission-mode location of the test
# configs (it needs admin:access; API rules do not apply there): the
# ALLOW token holds that permission so that those rows are served too,
# the DENY and ANY tokens do not, so they can never get in there.
tg_cli role grant pathadmin admin:access >/dev/null
tg_cli user add mallory --role member --role pathadmin

# prefix_rule RULE: RULE with its path under /api/t ("*" alone stays).
prefix_rule() {
	case $1 in
	'*' | '!*') printf '%s\n' "$1" ;;
	*) printf '%s /api/t%s\n' "${1%% *}" "${1#* }" ;;
	esac
}

# The rows, prefixed, with the canonical path the authorizer will use;
# R_* for the rows with a rule, one token per distinct rule.
RAW=() CANON=() R_RAW=() R_CANON=() R_METHOD=() R_RULE=() R_ALLOWED=()
declare -A RULE_TOKEN=()
while IFS=$'\t' read -r raw _ method rule verdict; do
	case $raw in '#'* | '') continue ;; esac
	case $raw in /*) u="/api/t$raw" ;; *) u="/api/t/$raw" ;; esac
	RAW+=("$u")
	CANON+=("$("$TOOL" canon "$u")")
	[ -n "$rule" ] || continue
	R_RAW+=("$u")
	R_CANON+=("${CANON[-1]}")
	R_METHOD+=("$method")
	R_RULE+=("$(prefix_rule "$rule")")
	# Allowed: an allow rule that matches, or a deny rule that does not.
	case $rule:$verdict in
	'!'*:nomatch | [!!]*:match) R_ALLOWED+=(1) ;;
	*) R_ALLOWED+=(0) ;;
	esac
	RULE_TOKEN[${R_RULE[-1]}]=
done <"$TABLE"
tg_log "${#RAW[@]} hostile rows, ${#R_RAW[@]} with a rule"

allow_args=() deny_args=() seen=" "
for c in "${CANON[@]}"; do
	[ "$c" = REJECT ] && continue
	case $seen in *" $c "*) continue ;; esac
	"$TOOL" rule "$c" || continue
	seen="$seen$c "
	allow_args+=(--api-rule "GET $c")
	deny_args+=(--api-rule "!GET $c")
done
ALLOW=$(tg_cli token create --user mallory --name allow \
    --permission admin:access "${allow_args[@]}") ||
    tg_die "cannot create the ALLOW token"
DENY=$(tg_cli token create --user mallory --name deny "${deny_args[@]}" \
    --api-rule '*') || tg_die "cannot create the DENY token"
ANY=$(tg_cli token create --user mallory --name any --api-rule '*') ||
    tg_die "cannot create the ANY token"
n=0
for rule in "${!RULE_TOKEN[@]}"; do
	n=$((n + 1))
	case $rule in
	'!'*) args=(--api-rule "$rule" --api-rule '*') ;;
	*) args=(--api-rule "$rule") ;;
	esac
	RULE_TOKEN[$rule]=$(tg_cli token create --user mallory \
	    --name "rule$n" "${args[@]}") || tg_die "cannot create a token for $rule"
done

# raw_get PORT URI TOKEN [METHOD]: sends the URI exactly as given; sets
# STATUS and SERVED (SCRIPT_NAME + PATH_INFO seen by the backend, or "";
# always "" for HEAD, whose answer has no body).
raw_get() {
	local port=$1 uri=$2 tok=$3 method=${4:-GET} fd resp len=
	STATUS=000 SERVED=
	# lighttpd wants a length on a POST (411 without).
	[ "$method" = POST ] && len=$'Content-Length: 0\r\n'
	exec {fd}<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n%sConnection: close\r\n\r\n' \
	    "$method" "$uri" "$tok" "$len" >&"$fd"
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
				tg_fail "$s: uncanonical $u is refused" "served $SERVED"
				bypass=$((bypass + 1))
			else
				refused=$((refused + 1))
			fi
			continue
		fi
		if "$TOOL" rule "$c"; then
			raw_get "$port" "$u" "$DENY"
			if [ -n "$SERVED" ]; then
				tg_fail "$s: $u stopped by '!GET $c'" "served $SERVED"
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

# run_rules SERVER PORT: the rows with a rule; each must be allowed (200,
# served at its canonical path) or denied (403, backend not reached)
# exactly as its VERDICT says.
run_rules() {
	local s=$1 port=$2 i u c m rule want got wrong=0
	for i in "${!R_RAW[@]}"; do
		u=${R_RAW[i]} c=${R_CANON[i]} m=${R_METHOD[i]} rule=${R_RULE[i]}
		raw_get "$port" "$u" "${RULE_TOKEN[$rule]}" "$m"
		if [ "${R_ALLOWED[i]}" = 1 ]; then
			want="200 $c" got="$STATUS $SERVED"
			[ "$m" = HEAD ] && want=200 got=$STATUS
		else
			want=403 got="$STATUS$SERVED"
		fi
		if [ "$got" != "$want" ]; then
			tg_check "$s: $m $u under '$rule'" "$want" "$got"
			wrong=$((wrong + 1))
		fi
	done
	tg_check "$s: all ${#R_RAW[@]} rule rows decided as the table says" 0 "$wrong"
}

# explain URI RULE: `tokengate check` of GET URI with RULE's token.
explain() {
	tg_cli check --token "${RULE_TOKEN[$2]}" --method GET --uri "$1"
}

export TG_AUTHZ_SOCKET=$TG_DIR/authz.sock TG_BACKEND_SOCKET=$TG_DIR/app.sock
AUTHZ_PORT=$(tg_free_port)
export TG_AUTHZ_ADDR=127.0.0.1:$AUTHZ_PORT
export TG_BACKEND_ADDR=127.0.0.1:$(tg_free_port)
tg_echo_backend_start echo-unix "$TG_BACKEND_SOCKET"
tg_echo_backend_start echo-tcp "$TG_BACKEND_ADDR"
tg_daemon authz-unix "$TG_AUTHZ_SOCKET" "$TG_BUILD/tokengate-authz" -c "$TG_CONF"
chmod 0666 "$TG_AUTHZ_SOCKET"
tg_daemon authz-tcp "$TG_AUTHZ_ADDR" "$TG_BUILD/tokengate-authz" -c "$TG_CONF"

tg_lighttpd_start
run_table lighttpd "$TG_LIGHTTPD_PORT"
run_rules lighttpd "$TG_LIGHTTPD_PORT"
tg_apache_start authnz
run_table apache-authnz "$TG_APACHE_PORT"
run_rules apache-authnz "$TG_APACHE_PORT"

# The explain output names the rule, and says when it matched otherwise
# than as written.
D='!GET /api/t/api/v1/func/overview' A='GET /api/t/api/v1/func/overview'
out=$(explain /api/t/api/v1/func/overview/x "$D")
tg_check_contains "check: a path below names the deny rule" "$out" \
    "rule:     API rule 1: $D"
tg_check_contains "check: ... and says it lies below" "$out" \
    "matched:  the path lies below a path the rule denies"
out=$(explain /api/t/api/v1/func/overview/ "$D")
tg_check_contains "check: the trailing slash names the deny rule" "$out" \
    "rule:     API rule 1: $D"
tg_check_contains "check: ... and says so" "$out" \
    "matched:  with the trailing slash taken away"
out=$(explain /api/t/api/v1/func/overview "$D")
tg_check_absent "check: the path as written needs no explaining" "$out" \
    "matched:"
out=$(explain /api/t/api/v1/func/overview/ "$A")
tg_check_contains "check: an allow rule with the trailing slash" "$out" \
    "matched:  with the trailing slash taken away"
out=$(explain /api/t/api/v1/func/overview/x "$A")
tg_check_contains "check: an allow rule never covers a path below" "$out" \
    "reason:   NO_RULE_MATCHED"
D='!GET /api/t/api/v1/func/*'
out=$(explain /api/t/api/v1/func "$D")
tg_check_contains "check: a deny glob names the rule" "$out" \
    "rule:     API rule 1: $D"
tg_check_contains "check: ... that matched with a slash added" "$out" \
    "matched:  with the trailing slash added"
tg_summary
