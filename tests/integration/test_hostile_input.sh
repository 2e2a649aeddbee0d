#!/usr/bin/env bash
#
# test_hostile_input.sh: every byte a client or a FastCGI peer controls
# (issue 6, "Hostile input" and "Secrets").  A real MariaDB, the
# authorizer and tokengate-api, reached straight over FastCGI
# (tests/tools/fcgi-client: NUL, CR, LF, 64 KiB values, thousands of
# params, any byte) and through lighttpd and Apache + mod_authnz_fcgi
# (+ mod_fcgid for the authorizer) with the deploy/ configurations, where
# the server lets the input through.
#
# Sent: 64 KiB values, thousands of params and headers, NUL and CR/LF
# inside values, non-UTF-8 bytes, tokens of every wrong length, the right
# shape with a wrong check digit in every position, SQL metacharacters in
# every field (Authorization, REQUEST_URI, REQUEST_METHOD, REMOTE_ADDR,
# TOKENGATE_*; the API's JSON members and query parameters), JSON bombs
# (deep nesting, huge arrays, many members, duplicate keys, wrong types,
# numbers out of range), lying Content-Lengths.
#
# Each must get a clear refusal (400/401/403/413/415/431/503, never 200 for
# a bad token, never 500), leave the process alive (same pid), change no
# stored data (checksums of tokens, users, roles, role_permissions,
# user_roles and the change feed, before and after), and no raw token may
# appear in a log line, an audit row or an error body.
#
#   bash tests/integration/test_hostile_input.sh
#   TG_BUILD=build-asan bash tests/integration/test_hostile_input.sh
set -u
export LC_ALL=C	# ${#s} counts bytes; bytes >= 0x80 are plain bytes
. "$(dirname "$0")/lib.sh"
tg_init

AUTHZ=$TG_BUILD/tokengate-authz
API=$TG_BUILD/tokengate-api
for b in "$TG_BUILD/tokengate" "$AUTHZ" "$API"; do
	[ -x "$b" ] || tg_die "build first: $b is missing"
done
# A private copy of the client (tg_fcgi uses it): a rebuild of the tools
# during the run must not make requests fail.
cp "$(tg_fcgi_client)" "$TG_DIR/fcgi-client" || tg_die "cannot copy fcgi-client"
TG_FCGI_CLIENT=$TG_DIR/fcgi-client
TOOL=$TG_ROOT/build/tools/tokentool
[ -x "$TOOL" ] || TOOL=$(tg_tool tokentool)
TG_CONF=$TG_DIR/tokengate.conf

tg_mariadb_init "$TG_DIR/db"
tg_mariadb_start "$TG_DIR/db"
tg_write_config "$TG_CONF" environment=production
tg_cli migrate >/dev/null || tg_die "migrate failed"
sql() { tg_sql "$@"; }
mk() {
	local u=$1 n=$2
	shift 2
	tg_cli token create --user "$u" --name "$n" "$@" || tg_die "token $n"
}
tg_cli role grant agent admin:access >/dev/null || tg_die "role grant"
tg_cli user add alice --role member --role agent >/dev/null || tg_die "user add"
tg_cli user add root --role admin >/dev/null || tg_die "user add"
VALID=$(mk alice valid --permission token:read --permission admin:access \
    --api-rule '*' --resource-rule 'category:math')
RULED=$(mk alice ruled --api-rule 'GET /api/x')
CIDR=$(mk alice cidr --cidr 10.0.0.0/8 --api-rule '*')
DEVONLY=$(mk alice devonly --env development --api-rule '*')
ALICE_T=$(mk alice alice-api --permission 'token:*')
ROOT_T=$(mk root root-api --permission '*')
LU=()
for i in 1 2 3 4 5 6 7; do LU+=("$(mk alice "lu$i" --api-rule '*')"); done
VICTIM=$(mk alice victim --permission token:read)	# target of PATCH/rotate
UNKNOWN=$("$TOOL" random tg)
WRONG=$("$TOOL" forge tg "$(tg_token_id "$VALID")")
BADCHECK=$("$TOOL" badcheck "$VALID")
SECRETS=("$VALID" "$RULED" "$CIDR" "$DEVONLY" "$ALICE_T" "$ROOT_T" "$VICTIM"
    "${LU[@]}")

# ------------------------------------------------------------ processes
AUTHZ_SOCK=$TG_DIR/authz.sock
API_SOCK=$TG_DIR/api.sock
export TG_AUTHZ_SOCKET=$AUTHZ_SOCK TG_API_SOCKET=$API_SOCK
export TG_BACKEND_SOCKET=$TG_DIR/app.sock
AUTHZ_PORT=$(tg_free_port)
API_PORT=$(tg_free_port)
BACKEND_PORT=$(tg_free_port)
export TG_AUTHZ_ADDR=127.0.0.1:$AUTHZ_PORT TG_API_ADDR=127.0.0.1:$API_PORT
export TG_BACKEND_ADDR=127.0.0.1:$BACKEND_PORT
tg_echo_backend_start echo-unix "$TG_BACKEND_SOCKET"
tg_echo_backend_start echo-tcp "$TG_BACKEND_ADDR"
PIDS=()
daemon() {
	tg_daemon "$@"
	PIDS+=("$1:$TG_LAST_PID")
}
daemon authz "$AUTHZ_SOCK" "$AUTHZ" -c "$TG_CONF" --threads 4
daemon authz-tcp "$TG_AUTHZ_ADDR" "$AUTHZ" -c "$TG_CONF" --threads 4
daemon api "$API_SOCK" "$API" -c "$TG_CONF" --threads 4
daemon api-tcp "$TG_API_ADDR" "$API" -c "$TG_CONF" --threads 4
tg_lighttpd_start
L=$TG_LIGHTTPD_URL
tg_apache_start authnz
A=$TG_APACHE_URL
export TG_AUTHZ_CMD=$AUTHZ
TG_CONFIG=$(tg_config_for_user "$TG_CONF" www-data) || tg_die "config for www-data"
export TG_CONFIG
tg_apache_start fcgid
F=$TG_APACHE_URL
F_PID=$TG_LAST_PID

# ------------------------------------------------------------ requests
#
# Each request leaves its reply in TG_STATUS, TG_HEADERS and TG_BODY
# (lib.sh), and every refusal's body is kept in $BODIES: no raw token may
# appear in one (checked at the end).
BODIES=$TG_DIR/error-bodies
keep_body() {
	case $TG_STATUS in 2*) ;; *) { tg_body; echo; } >>"$BODIES" ;; esac
}
# The body of an API error: {"error": "...", "message": ...}.
IS_ERROR='(.error | type == "string") and has("message")'

# hx TEXT: TEXT in hex; hxb FORMAT: printf's %b of FORMAT in hex (\xNN,
# \r, \n, \0 allowed).
hx() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
hxb() { printf '%b' "$1" | od -An -v -tx1 | tr -d ' \n'; }

# fa ARG...: one AUTHORIZER request straight to the authorizer.  The
# fcgi-client arguments come first; REQUEST_METHOD=GET, REQUEST_URI=/api/x
# and REMOTE_ADDR=127.0.0.1 follow (a param named twice: the first one
# counts, for the authorizer as for every libfcgi application).
fa() {
	tg_fcgi "$AUTHZ_SOCK" --role authorizer "$@" \
	    --param REQUEST_METHOD=GET --param REQUEST_URI=/api/x \
	    --param REMOTE_ADDR=127.0.0.1
	keep_body
}
auth() { printf 'HTTP_AUTHORIZATION=Bearer %s' "$1"; }

# seen_status: notes the status of the last answer (for the README table).
seen_status() { SEEN+=" $TG_STATUS"; }
SEEN=
# reason CODE: the jq test that the authorizer's body names reason CODE.
reason() { printf '.reason == "%s"' "$1"; }

# Through a server: GET URL with curl arguments.
hget() {
	local url=$1
	shift
	tg_http GET "$url" "$@"
	keep_body
}

# raw PORT: sends stdin as the whole HTTP request on a fresh connection
# and sets TG_STATUS to the status of the answer (000: none within 10 s;
# TG_HEADERS and TG_BODY are not touched).
raw() {
	local port=$1 line
	TG_STATUS=000
	exec 5<>"/dev/tcp/127.0.0.1/$port" || return 0
	cat >&5
	if IFS= read -r -t 10 line <&5; then
		[[ $line =~ ^HTTP/1\.[01]\ ([0-9]{3}) ]] && TG_STATUS=${BASH_REMATCH[1]}
	fi
	exec 5>&- 5<&-
}

# state: what must not change.  The tokens table without its last-used
# columns (a valid request updates them, by design).
state() {
	sql "SELECT MD5(GROUP_CONCAT(CONCAT_WS('|', id, user_id, name, HEX(hash),
	    HEX(IFNULL(prev_hash, '')), IFNULL(prev_hash_until, ''), permissions,
	    api_rules, resource_rules, allowed_cidrs, environments, created_at,
	    expires_at, IFNULL(revoked_at, '')) ORDER BY id SEPARATOR '\n'))
	    FROM tokens;
	    CHECKSUM TABLE users, roles, role_permissions, user_roles;
	    SELECT COUNT(*), IFNULL(MAX(id), 0) FROM change_feed"
}
pid_of() { local d; for d in "${PIDS[@]}"; do [ "${d%%:*}" = "$1" ] && echo "${d#*:}"; done; }
# alive NAME WHEN: the daemon NAME still runs, the same process.
alive() { tg_check_true "$2: $1 still running" kill -0 "$(pid_of "$1")"; }

BIG=$(head -c 65536 /dev/zero | tr '\0' A)
BIG60=$(head -c 61440 /dev/zero | tr '\0' B)
SQLS=("' OR '1'='1" "'; DROP TABLE tokens; --" '" OR ""="' "\\' OR 1=1 #"
    "1 UNION SELECT hash FROM tokens" "%' OR 1=1 -- " "') OR ('a'='a"
    "\`tokens\`; SELECT SLEEP(5)" "*/ OR /*" "\\0' OR 1=1")

STATE0=$(state)

# ============================================================ authorizer
echo "# --- the authorizer over FastCGI"
fa --param "$(auth "$VALID")"
tg_check_status "sanity: valid token 200" 200

# How a connection ends (fcgi/fcgi_common.c tg_fcgi_end_request): a
# plain close when the end of FCGI_STDIN is in, else libfcgi's lingering
# close.  Both must answer every request: a client that never ends
# FCGI_STDIN, one that sends a body, one that sends a body over 64 KiB.
LOAD=$(tg_tool fcgi-load)
out=$("$LOAD" --connect "$AUTHZ_SOCK" --token "$VALID" --uri /api/x \
    --requests 300 --threads 4 --no-stdin 2>&1 | grep '^fcgi-load:')
tg_check_contains "no end of FCGI_STDIN: 300 answered 200" "$out" \
    "errors=0 s200=300 "
out=$("$LOAD" --connect "$AUTHZ_SOCK" --token "$VALID" --uri /api/x \
    --requests 300 --threads 4 2>&1 | grep '^fcgi-load:')
tg_check_contains "with the end of FCGI_STDIN: 300 answered 200" "$out" \
    "errors=0 s200=300 "
fa --param "$(auth "$VALID")" --stdin-body "a body the authorizer ignores"
tg_check_status "a small FCGI_STDIN body: 200" 200
fa --param "$(auth "$VALID")" --stdin-body "$(head -c 70000 /dev/zero | tr '\0' b)"
tg_check_status "a 70 KB FCGI_STDIN body: 200" 200

# 64 KiB values.
fa --param "HTTP_AUTHORIZATION=Bearer $BIG"
tg_check_reply "64 KiB token: 401 MALFORMED" 401 "$(reason MALFORMED)"
fa --param "HTTP_AUTHORIZATION=Bearer $VALID$BIG60"
tg_check_reply "valid token + 60 KiB: 401 MALFORMED" 401 "$(reason MALFORMED)"
fa --param "HTTP_AUTHORIZATION=$BIG"
tg_check_reply "64 KiB Authorization, no scheme: 401 MISSING" 401 "$(reason MISSING)"
fa --param "HTTP_AUTHORIZATION=Bearer $UNKNOWN" --param "HTTP_X_BIG=$BIG"
tg_check_reply "64 KiB other header, unknown token: 401" 401 "$(reason NOT_FOUND)"
fa --param "$(auth "$VALID")" --param "REQUEST_URI=/api/$BIG"
tg_check_reply "64 KiB REQUEST_URI: 403 BAD_PATH" 403 "$(reason BAD_PATH)"
fa --param "$(auth "$RULED")" --param "REQUEST_METHOD=$BIG"
tg_check_status "64 KiB REQUEST_METHOD: 403" 403
fa --param "$(auth "$CIDR")" --param "REMOTE_ADDR=$BIG"
tg_check_reply "64 KiB REMOTE_ADDR, CIDR token: 403 IP_DENIED" 403 "$(reason IP_DENIED)"
fa --param "$(auth "$VALID")" --param "TOKENGATE_REQUIRE=a:$BIG"
tg_check_reply "64 KiB TOKENGATE_REQUIRE: 503 (bad location setting)" 503 "$(reason UNAVAILABLE)"
fa --param "$(auth "$VALID")" --param "TOKENGATE_RESOURCE=category:$BIG"
tg_check_status "64 KiB TOKENGATE_RESOURCE: refused" '403|503'
fa --param "$(auth "$DEVONLY")" --param "TOKENGATE_ENV=$BIG"
tg_check_reply "64 KiB TOKENGATE_ENV, environment-limited token: 403" 403 "$(reason ENV_DENIED)"

# Thousands of params.
fa --param "$(auth "$VALID")" --many-params 20000
tg_check_status "20000 params, valid token: 200 (nothing lost)" 200
fa --param "$(auth "$UNKNOWN")" --many-params 20000
tg_check_reply "20000 params, unknown token: 401" 401 "$(reason NOT_FOUND)"
fa --param "$(auth "$BADCHECK")" --many-params 20000
tg_check_reply "20000 params, bad checksum: 401" 401 "$(reason MALFORMED)"
fa --many-params 20000
tg_check_reply "20000 params, no Authorization: 401 MISSING" 401 "$(reason MISSING)"
fa --param "$(auth "$UNKNOWN")" --param "$(auth "$VALID")"
tg_check_status "Authorization twice, unknown first: 401 (the first counts)" 401
fa --param "$(auth "$BADCHECK")" --param "$(auth "$VALID")" --many-params 5000
tg_check_status "Authorization twice among 5000 params, bad first: 401" 401

# NUL, CR, LF inside values.
fa --param-x "HTTP_AUTHORIZATION=$(hx "Bearer ${VALID:0:20}")00$(hx "${VALID:20}")"
tg_check_status "NUL inside the token: 401" 401
fa --param-x "HTTP_AUTHORIZATION=$(hx "Bearer ")00$(hx "$VALID")"
tg_check_status "NUL before the token: 401" 401
fa --param-x "HTTP_AUTHORIZATION=$(hx "Bearer $VALID")$(hxb '\r\nX-Injected: 1')"
tg_check_reply "token + CRLF + header: 401" 401 "$(reason MALFORMED)"
tg_check_absent "token + CRLF + header: no header injected" "$(cat "$TG_HEADERS")" \
    X-Injected
fa --param-x "HTTP_AUTHORIZATION=$(hx "Bearer $VALID")0a"
tg_check_reply "token + LF: 401" 401 "$(reason MALFORMED)"
fa --param-x "HTTP_AUTHORIZATION=$(hxb '\r\n')$(hx "Bearer $VALID")"
tg_check_reply "CRLF + Bearer token: 401" 401 "$(reason MISSING)"
fa --param "$(auth "$VALID")" \
    --param-x "REQUEST_URI=$(hx /api/x)$(hxb '\r\nX-Injected: 1')"
tg_check_reply "CRLF in REQUEST_URI: 403 BAD_PATH" 403 "$(reason BAD_PATH)"
tg_check_absent "CRLF in REQUEST_URI: no header injected" "$(cat "$TG_HEADERS")" \
    X-Injected
fa --param "$(auth "$VALID")" --param "REQUEST_URI=/api/x%0d%0aX-Injected:%201"
tg_check_reply "encoded CRLF in REQUEST_URI: 403 BAD_PATH" 403 "$(reason BAD_PATH)"
fa --param "$(auth "$VALID")" --param "REQUEST_URI=/api/x%00"
tg_check_reply "encoded NUL in REQUEST_URI: 403 BAD_PATH" 403 "$(reason BAD_PATH)"
fa --param "$(auth "$VALID")" \
    --param-x "TOKENGATE_REQUIRE=$(hx admin:access)$(hxb '\r\nX-Injected: 1')"
tg_check_reply "CRLF in TOKENGATE_REQUIRE: 503" 503 "$(reason UNAVAILABLE)"
tg_check_absent "CRLF in TOKENGATE_REQUIRE: no header injected" "$(cat "$TG_HEADERS")" \
    X-Injected
fa --param "$(auth "$VALID")" \
    --param-x "TOKENGATE_RESOURCE=$(hx category:math)$(hxb '\r\nX-Injected: 1')"
tg_check_status "CRLF in TOKENGATE_RESOURCE: refused" '403|503'
tg_check_absent "CRLF in TOKENGATE_RESOURCE: no header injected" "$(cat "$TG_HEADERS")" \
    X-Injected
fa --param "$(auth "$DEVONLY")" \
    --param-x "TOKENGATE_ENV=$(hx development)$(hxb '\r\nX-Injected: 1')"
tg_check_reply "CRLF in TOKENGATE_ENV: 403 ENV_DENIED" 403 "$(reason ENV_DENIED)"
tg_check_absent "CRLF in TOKENGATE_ENV: no header injected" "$(cat "$TG_HEADERS")" \
    X-Injected
fa --param "$(auth "$CIDR")" \
    --param-x "REMOTE_ADDR=$(hx 10.1.2.3)$(hxb '\r\nX-Injected: 1')"
tg_check_reply "CRLF in REMOTE_ADDR, CIDR token: 403 IP_DENIED" 403 "$(reason IP_DENIED)"
fa --param "$(auth "$RULED")" \
    --param-x "REQUEST_METHOD=$(hx GET)$(hxb '\r\nX-Injected: 1')"
tg_check_status "CRLF in REQUEST_METHOD: 403" 403
fa --param "$(auth "$VALID")" --param-x "HTTP_X_OTHER=$(hxb 'a\r\nX-Injected: 1\0b')"
tg_check_status "CR, LF, NUL in another header, valid token: 200" 200
tg_check_absent "CRLF in another header (200 reply): no header injected" "$(cat "$TG_HEADERS")" \
    X-Injected

# Non-UTF-8 bytes.
fa --param-x "HTTP_AUTHORIZATION=$(hx "Bearer tg_")$(printf 'ff%.0s' $(seq 1 50))"
tg_check_reply "0xff bytes as the token: 401 MALFORMED" 401 "$(reason MALFORMED)"
fa --param-x "HTTP_AUTHORIZATION=$(hx "Bearer ${VALID:0:30}")c3$(hx "${VALID:31}")"
tg_check_reply "a UTF-8 lead byte inside the token: 401 MALFORMED" 401 "$(reason MALFORMED)"
fa --param-x "HTTP_AUTHORIZATION=$(hxb 'Bearer\xa0')$(hx "$VALID")"
tg_check_status "0xa0 (Latin-1 nbsp) as the separator: 401" 401
fa --param "$(auth "$VALID")" --param-x "REQUEST_URI=$(hx /api/)ff"
tg_check_reply "raw 0xff in REQUEST_URI: 403 BAD_PATH" 403 "$(reason BAD_PATH)"
for u in /api/%ff /api/%c0%af /api/%ed%a0%80 /api/%e2%82 /api/%f8%88%80%80%80; do
	fa --param "$(auth "$VALID")" --param "REQUEST_URI=$u"
	tg_check_reply "non-UTF-8 $u: 403 BAD_PATH" 403 "$(reason BAD_PATH)"
done
fa --param "$(auth "$VALID")" --param-x "TOKENGATE_RESOURCE=$(hx category:)fffe"
tg_check_status "0xff in TOKENGATE_RESOURCE: refused" '403|503'
fa --param "$(auth "$CIDR")" --param-x "REMOTE_ADDR=fffe"
tg_check_reply "0xff in REMOTE_ADDR, CIDR token: 403" 403 "$(reason IP_DENIED)"
fa --param "$(auth "$DEVONLY")" --param-x "TOKENGATE_ENV=$(hx develo)ff"
tg_check_reply "0xff in TOKENGATE_ENV: 403" 403 "$(reason ENV_DENIED)"

# Tokens of every wrong length (a valid one is ${#VALID} bytes).
bad=
for ((n = 0; n <= 120; n++)); do
	[ "$n" -eq "${#VALID}" ] && continue
	if [ "$n" -lt "${#VALID}" ]; then t=${VALID:0:n}; else
		t=$VALID$(printf 'A%.0s' $(seq 1 $((n - ${#VALID}))))
	fi
	fa --param "HTTP_AUTHORIZATION=Bearer $t"
	[ "$TG_STATUS" = 401 ] || bad+=" $n:$TG_STATUS"
done
tg_check "every wrong length 0-120: 401" "" "$bad"
# The right shape, a wrong character in every position.
bad=
mutate() {	# mutate TOKEN POS: TOKEN with its character at POS changed
	local c=${1:$2:1} r
	case $c in z) r=a ;; Z) r=A ;; 9) r=0 ;; _) r=- ;; *)
		r=$(printf '%b' "\\x$(printf '%x' $(($(printf '%d' "'$c") + 1)))") ;;
	esac
	printf '%s%s%s' "${1:0:$2}" "$r" "${1:$2 + 1}"
}
for ((n = 0; n < ${#VALID}; n++)); do
	fa --param "HTTP_AUTHORIZATION=Bearer $(mutate "$VALID" "$n")"
	[ "$TG_STATUS" = 401 ] && [ "$(tg_json .reason)" = MALFORMED ] ||
	    bad+=" $n:$TG_STATUS"
done
tg_check "one wrong character in each of the ${#VALID} positions: 401 MALFORMED" "" "$bad"
fa --param "$(auth "$BADCHECK")"
tg_check_reply "right shape, wrong check digit: 401 MALFORMED" 401 "$(reason MALFORMED)"
fa --param "$(auth "$WRONG")"
tg_check_reply "right shape and checksum, wrong secret: 401 NOT_FOUND" 401 "$(reason NOT_FOUND)"
fa --param "HTTP_AUTHORIZATION=Bearer ${VALID^^}"
tg_check_status "upper-cased token: 401" 401
fa --param "HTTP_AUTHORIZATION=Bearer xx${VALID:2}"
tg_check_reply "another prefix: 401" 401 "$(reason MALFORMED)"

# SQL metacharacters in every field.
k=0
for s in "${SQLS[@]}"; do
	k=$((k + 1))
	pad=tg_$s$VALID
	pad=${pad:0:${#VALID}}
	fa --param "HTTP_AUTHORIZATION=Bearer $s"
	tg_check_status "SQL $k in Authorization: 401" 401
	fa --param "HTTP_AUTHORIZATION=Bearer $pad"
	tg_check_reply "SQL $k as a token of the right length: 401 MALFORMED" 401 "$(reason MALFORMED)"
	fa --param "HTTP_AUTHORIZATION=$s"
	tg_check_reply "SQL $k as the whole Authorization: 401 MISSING" 401 "$(reason MISSING)"
	fa --param "$(auth "$UNKNOWN")" --param "REQUEST_URI=/api/x$s"
	tg_check_status "SQL $k in REQUEST_URI, unknown token: 401" 401
	fa --param "$(auth "$RULED")" --param "REQUEST_URI=/api/x$s"
	tg_check_status "SQL $k in REQUEST_URI, rule GET /api/x: 403" 403
	fa --param "$(auth "$RULED")" --param "REQUEST_METHOD=$s"
	tg_check_status "SQL $k in REQUEST_METHOD: 403" 403
	fa --param "$(auth "$CIDR")" --param "REMOTE_ADDR=$s"
	tg_check_reply "SQL $k in REMOTE_ADDR, CIDR token: 403 IP_DENIED" 403 "$(reason IP_DENIED)"
	fa --param "$(auth "$VALID")" --param "TOKENGATE_REQUIRE=$s"
	tg_check_reply "SQL $k in TOKENGATE_REQUIRE: 503" 503 "$(reason UNAVAILABLE)"
	fa --param "$(auth "$VALID")" --param "TOKENGATE_RESOURCE=$s"
	tg_check_status "SQL $k in TOKENGATE_RESOURCE: refused" '403|503'
	fa --param "$(auth "$DEVONLY")" --param "TOKENGATE_ENV=$s"
	tg_check_reply "SQL $k in TOKENGATE_ENV: 403 ENV_DENIED" 403 "$(reason ENV_DENIED)"
done

# REMOTE_ADDR is written to tokens.last_used_ip by the first request of a
# token (batched, about once a second): only an address may get there, and
# a hostile one must not cost the other tokens of its batch their record.
# Batch 1: ASCII junk (lu1-lu4) next to an ordinary address (lu6);
# batch 2: bytes that are not ASCII (lu5) next to an ordinary one (lu7).
LU_ADDRS=("127.0.0.1' OR '1'='1" $'127.0.0.1\r\nX-Injected: 1'
    "10.0.0.1;DROP TABLE tokens" "not-an-address" $'\xff\xfe')
for i in 0 1 2 3; do
	fa --param "$(auth "${LU[i]}")" --param "REMOTE_ADDR=${LU_ADDRS[i]}"
	tg_check_status "hostile REMOTE_ADDR $((i + 1)), valid token without CIDRs: 200" 200
done
fa --param "$(auth "${LU[5]}")" --param "REMOTE_ADDR=192.0.2.6"
tg_check_status "ordinary REMOTE_ADDR in the same second: 200" 200
sleep 1.5
fa --param "$(auth "${LU[4]}")" --param-x "REMOTE_ADDR=fffe"
tg_check_status "REMOTE_ADDR of bytes 0xff 0xfe, valid token without CIDRs: 200" 200
fa --param "$(auth "${LU[6]}")" --param "REMOTE_ADDR=192.0.2.7"
tg_check_status "ordinary REMOTE_ADDR in the same second: 200" 200
alive authz "authorizer over FastCGI"

# ============================================================ servers
echo "# --- the authorizer through lighttpd, Apache + mod_authnz_fcgi, mod_fcgid"
L_PORT=$TG_LIGHTTPD_PORT
A_PORT=${A##*:}
F_PORT=${F##*:}
for s in lighttpd authnz fcgid; do
	case $s in
	lighttpd) u=$L port=$L_PORT deny=401 ;;
	authnz) u=$A port=$A_PORT deny=401 ;;
	fcgid) u=$F port=$F_PORT deny=401 ;;
	esac
	# fcgid turns every refusal into 401 and drops the body: no reasons.
	r() { [ "$s" = fcgid ] || reason "$1"; }
	hget "$u/api/x" -H "Authorization: Bearer $VALID"
	tg_check_status "$s: sanity: valid token 200" 200
	hget "$u/api/x" -H "Authorization: Bearer $BIG"
	tg_check_status "$s: 64 KiB Authorization: refused by the server" '400|413|431|494'
	seen_status
	hget "$u/api/x" -H "Authorization: Bearer $VALID" -H "X-Big: $BIG"
	tg_check_status "$s: 64 KiB other header: refused by the server" '400|413|431|494'
	seen_status
	hget "$u/api/x" -H "Authorization: Bearer ${BIG:0:6000}"
	tg_check_reply "$s: 6000-byte token: 401" 401 "$(r MALFORMED)"
	hdrs=()
	for ((n = 0; n < 2000; n++)); do hdrs+=(-H "X-H$n: v"); done
	hget "$u/api/x" -H "Authorization: Bearer $VALID" "${hdrs[@]}"
	tg_check_status "$s: 2000 headers: refused by the server" '400|413|431|494'
	seen_status
	hget "$u/api/x" -H "Authorization: Bearer $UNKNOWN" "${hdrs[@]:0:160}"
	tg_check_reply "$s: 80 headers, unknown token: 401" 401 "$(r NOT_FOUND)"

	# Raw requests no client library would send.
	raw "$port" < <(printf 'GET /api/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\rX-Injected: 1\r\nConnection: close\r\n\r\n' \
	    "$VALID" )
	tg_check_status "$s: bare CR inside the Authorization value: refused" '400|401'
	seen_status
	raw "$port" < <(printf 'GET /api/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\0%s\r\nConnection: close\r\n\r\n' \
	    "${VALID:0:20}" "${VALID:20}" )
	tg_check_status "$s: NUL inside the Authorization value: refused" '400|401'
	seen_status
	raw "$port" < <(printf 'GET /api/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\nX: %s\r\nConnection: close\r\n\r\n' \
	    "${VALID:0:20}" "${VALID:20}" )
	tg_check_status "$s: bare LF splitting the token: refused" '400|401'
	seen_status
	raw "$port" < <(printf 'GET /api/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n' \
	    "$UNKNOWN" "$VALID" )
	tg_check_status "$s: two Authorization headers, unknown first: refused" '400|401'
	seen_status
	raw "$port" < <(printf 'GET /api/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n' \
	    "$VALID" "$UNKNOWN" )
	tg_check_status "$s: two Authorization headers, valid first: refused" '400|401'
	seen_status
	raw "$port" < <(printf 'GET /api/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer\r\n %s\r\nConnection: close\r\n\r\n' \
	    "$VALID" )
	tg_check_status "$s: obs-fold before the token: no 500" '200|400|401'
	seen_status
	raw "$port" < <(printf 'GET /api/x HTTP/1.1\r\nHost: x\r\nAuthorization : Bearer %s\r\nConnection: close\r\n\r\n' \
	    "$VALID" )
	tg_check_status "$s: blank before the colon: refused" '400|401'
	seen_status

	# Non-UTF-8.
	hget "$u/api/x" -H $'Authorization: Bearer tg_\xff\xfe\xfd'
	tg_check_reply "$s: 0xff bytes as the token: 401" 401 "$(r MALFORMED)"
	hget "$u/api/x" -H "Authorization: Bearer ${VALID:0:30}"$'\xc3'"${VALID:31}"
	tg_check_reply "$s: UTF-8 lead byte inside the token: 401" 401 "$(r MALFORMED)"
	raw "$port" < <(printf 'GET /api/\xff\xfe HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n' \
	    "$VALID" )
	tg_check_status "$s: raw 0xff in the path: refused" \
	    "400|$([ "$s" = fcgid ] && echo 401 || echo 403)"
	hget "$u/api/%c0%af" -H "Authorization: Bearer $VALID"
	tg_check_status "$s: overlong UTF-8 in the path: refused" \
	    "400|404|$([ "$s" = fcgid ] && echo 401 || echo 403)"

	# Every wrong length and a wrong character in every position.
	bad=
	for ((n = 0; n <= 80; n++)); do
		[ "$n" -eq "${#VALID}" ] && continue
		if [ "$n" -lt "${#VALID}" ]; then t=${VALID:0:n}; else
			t=$VALID$(printf 'A%.0s' $(seq 1 $((n - ${#VALID}))))
		fi
		hget "$u/api/x" -H "Authorization: Bearer $t"
		[ "$TG_STATUS" = 401 ] || bad+=" $n:$TG_STATUS"
	done
	tg_check "$s: every wrong length 0-80: 401" "" "$bad"
	bad=
	for ((n = 0; n < ${#VALID}; n += 4)); do
		hget "$u/api/x" -H "Authorization: Bearer $(mutate "$VALID" "$n")"
		[ "$TG_STATUS" = 401 ] || bad+=" $n:$TG_STATUS"
	done
	tg_check "$s: a wrong character every 4th position: 401" "" "$bad"

	# SQL metacharacters in the path, the query and the token.
	k=0
	for q in "${SQLS[@]}"; do
		k=$((k + 1))
		e=$(printf '%s' "$q" | od -An -v -tx1 | tr -d '\n' | sed 's/ /%/g')
		hget "$u/api/x$e?q=$e" -H "Authorization: Bearer $UNKNOWN"
		# Apache refuses an encoded slash (%2f) itself: 404.
		tg_check_status "$s: SQL $k in path and query, unknown token: refused" '401|404'
		hget "$u/api/x$e" -H "Authorization: Bearer $RULED"
		tg_check_status "$s: SQL $k in the path, rule GET /api/x: 403" \
		    '400|403|404'"$([ "$s" = fcgid ] && echo '|401')"
		hget "$u/api/x" -H "Authorization: Bearer $q"
		tg_check_status "$s: SQL $k as the token: 401" 401
	done
	# A client cannot set a location setting with a header.
	hget "$u/api/x" -H "Authorization: Bearer $DEVONLY" \
	    -H "TOKENGATE_ENV: development" -H "Tokengate-Env: development"
	tg_check_reply "$s: TOKENGATE_ENV sent as a header is ignored: refused" \
	    "$([ "$s" = fcgid ] && echo 401 || echo 403)" "$(r ENV_DENIED)"
	echo "# $s: statuses of the server-level cases (64 KiB Authorization, 64 KiB header, 2000 headers, CR, NUL, LF, two Authorization x2, obs-fold, blank before colon):$SEEN"
	SEEN=
	# A token misplaced in the query string (grep'd for below).
	hget "$u/api/x?access_token=$VALID" -H "Authorization: Bearer $UNKNOWN"
	tg_check_status "$s: token in the query, unknown in the header: 401" 401
done
unset -f r
alive authz "through lighttpd"
alive authz-tcp "through Apache"
tg_check_true "fcgid: Apache still running" kill -0 "$F_PID"
F_CRASH=$(grep -c 'signal\|exit(communication error)\|segfault' \
    "$TG_DIR/apache-fcgid/apache-error.log")
tg_check "fcgid: no authorizer process crashed (Apache error log)" 0 "$F_CRASH"

# ============================================================ the API
echo "# --- tokengate-api"
# api_fcgi METHOD URI TOKEN|- [BODY [CONTENT-TYPE]]; API_EXTRA holds more
# fcgi-client arguments.
api_fcgi() {
	local m=$1 uri=$2 tok=$3 body=${4-} ct=${5-application/json}
	local a=(--role responder --param "REQUEST_METHOD=$m"
	    --param "REQUEST_URI=$uri" --param REMOTE_ADDR=127.0.0.1)
	[ "$tok" != - ] && a+=(--param "HTTP_AUTHORIZATION=Bearer $tok")
	if [ -n "$body" ]; then
		a+=(--param "CONTENT_TYPE=$ct" --param "CONTENT_LENGTH=${#body}"
		    --stdin-body "$body")
	fi
	tg_fcgi "$API_SOCK" "${a[@]}" "${API_EXTRA[@]}"
	keep_body
}
API_EXTRA=()
# api_http BASE METHOD URI TOKEN|- [BODYFILE [CONTENT-TYPE]]
api_http() {
	local base=$1 m=$2 uri=$3 tok=$4 file=${5-} ct=${6-application/json}
	local a=(-X "$m")
	[ "$tok" != - ] && a+=(-H "Authorization: Bearer $tok")
	[ -n "$file" ] && a+=(-H "Content-Type: $ct" --data-binary "@$file")
	tg_http "$m" "$base$uri" "${a[@]}"
	keep_body
}

rep() { local s=$1 n=$2 o=; for ((; n > 0; n--)); do o+=$s; done; printf '%s' "$o"; }
OK_PART='"name":"x","expiresInDays":1,"permissions":["token:read"]'
BN=() BX=() BB=()
body() { BN+=("$1"); BX+=("$2"); BB+=("$3"); }
body "deep arrays (10000)" 400 "{$OK_PART,\"apiRules\":$(rep '[' 10000)$(rep ']' 10000)}"
body "deep objects (5000)" 400 "$(rep '{"a":' 5000)1$(rep '}' 5000)"
body "nesting one over the limit (65)" 400 "{$OK_PART,\"x\":$(rep '[' 64)$(rep ']' 64)}"
body "permissions: 4000 entries" 400 "{\"name\":\"x\",\"expiresInDays\":1,\"permissions\":[$(rep '"token:read",' 3999)\"token:read\"]}"
body "apiRules: 3000 entries" 400 "{\"name\":\"x\",\"expiresInDays\":1,\"apiRules\":[$(rep '"GET /a",' 2999)\"GET /a\"]}"
body "array of 30000 numbers" 400 "{$OK_PART,\"x\":[$(rep '0,' 29999)0]}"
body "300 members" 400 "{$OK_PART$(for i in $(seq 1 300); do printf ',"m%d":1' "$i"; done)}"
body "64 KiB name" '400|413' "{\"name\":\"${BIG:0:65400}\",\"expiresInDays\":1,\"permissions\":[\"token:read\"]}"
body "duplicate key" 400 '{"name":"a","name":"b","expiresInDays":1,"permissions":["token:read"]}'
body "duplicate key, escaped" 400 '{"name":"a","n\u0061me":"b","expiresInDays":1,"permissions":["token:read"]}'
body "duplicate key, nested" 400 "{$OK_PART,\"apiRules\":[],\"resourceRules\":[],\"x\":{\"a\":1,\"a\":2}}"
body "duplicate permissions member" 400 '{"name":"x","expiresInDays":1,"permissions":["token:read"],"permissions":["*"]}'
for v in 1 '[]' '{}' null true '"\u0000"' '"a\u0001b"'; do
	body "name: $v" 400 "{\"name\":$v,\"expiresInDays\":1,\"permissions\":[\"token:read\"]}"
done
for v in '"30"' true null '[]' '{}' -1 0 366 1.5 0.5 -0 1e308 1e309 -1e309 \
    9223372036854775807 9223372036854775808 18446744073709551616 1e-400 \
    99999999999999999999999999999999999999 01 '+1' '0x10' NaN Infinity; do
	body "expiresInDays: $v" 400 "{\"name\":\"x\",\"expiresInDays\":$v,\"permissions\":[\"token:read\"]}"
done
for v in '"token:read"' '[1]' '[null]' '[[]]' '{}' '[{"a":1}]' '["token:read\u0000"]'; do
	body "permissions: $v" 400 "{\"name\":\"x\",\"expiresInDays\":1,\"permissions\":$v}"
done
body "allowedCidrs: 10" 400 "{$OK_PART,\"allowedCidrs\":10}"
body "allowedCidrs: 999.0.0.0/8" 400 "{$OK_PART,\"allowedCidrs\":[\"999.0.0.0/8\"]}"
body "allowedCidrs: 10.0.0.0/99" 400 "{$OK_PART,\"allowedCidrs\":[\"10.0.0.0/99\"]}"
body "environments: [true]" 400 "{$OK_PART,\"environments\":[true]}"
for q in "${SQLS[@]}"; do
	e=${q//\\/\\\\} e=${e//\"/\\\"}
	body "SQL in a permission" 400 "{\"name\":\"x\",\"expiresInDays\":1,\"permissions\":[\"token:read$e\"]}"
	body "SQL in a CIDR" 400 "{$OK_PART,\"allowedCidrs\":[\"10.0.0.0/8$e\"]}"
	body "SQL in an environment" 400 "{$OK_PART,\"environments\":[\"prod$e\"]}"
	body "SQL in a profile" 400 "{\"name\":\"x\",\"expiresInDays\":1,\"profile\":\"ci$e\"}"
	body "SQL in an API rule" 400 "{\"name\":\"x\",\"expiresInDays\":1,\"apiRules\":[\"GET /x $e\"]}"
	body "SQL as a member name" 400 "{$OK_PART,\"$e\":1}"
done
for v in '[]' '"x"' 1 null ' ' '{}{}' "{$OK_PART} x" "{$OK_PART,}" "{'name':'x'}" \
    "{$OK_PART} // c" "{$OK_PART,\"x\":\"\\ud800\"}" "{$OK_PART,\"x\":\"\\uZZZZ\"}" \
    $'{"name":"a\x01b","expiresInDays":1,"permissions":["token:read"]}' \
    $'{"name":"\xff\xfe","expiresInDays":1,"permissions":["token:read"]}' \
    $'{"name":"\xc0\xaf","expiresInDays":1,"permissions":["token:read"]}' \
    $'{"name":"\xed\xa0\x80","expiresInDays":1,"permissions":["token:read"]}' \
    $'\xef\xbb\xbf{"name":"x","expiresInDays":1,"permissions":["token:read"]}'; do
	body "not JSON: $(tg__short "${v:0:40}")" 400 "$v"
done
# A raw token where a value is expected must not come back in the error.
body "a token as a permission" 400 "{\"name\":\"x\",\"expiresInDays\":1,\"permissions\":[\"$VALID\"]}"
body "a token as a CIDR" 400 "{$OK_PART,\"allowedCidrs\":[\"$VALID\"]}"
body "a token as an environment" 400 "{$OK_PART,\"environments\":[\"$VALID\"]}"
body "a token as a profile" 400 "{\"name\":\"x\",\"expiresInDays\":1,\"profile\":\"$VALID\"}"
body "a token as a member name" 400 "{$OK_PART,\"$VALID\":1}"

tokens0=$(sql "SELECT COUNT(*) FROM tokens")
for tr in fcgi lighttpd authnz; do
	bad=
	for i in "${!BB[@]}"; do
		b=${BB[i]}
		case $tr in
		fcgi)
			[ "${#b}" -gt 120000 ] && continue	# one argv string
			api_fcgi POST /api/auth/tokens "$ROOT_T" "$b" ;;
		*)
			printf '%s' "$b" >"$TG_DIR/req-body"
			base=$L
			[ "$tr" = authnz ] && base=$A
			api_http "$base" POST /api/auth/tokens "$ROOT_T" "$TG_DIR/req-body" ;;
		esac
		if ! [[ $TG_STATUS =~ ^(${BX[i]})$ ]] ||
		    [ "$(tg_json '.error | type')" != string ]; then
			bad+=" [${BN[i]}: $TG_STATUS $(tg__short "$(head -c 80 "$TG_BODY")")]"
		fi
	done
	tg_check "api $tr: ${#BB[@]} hostile create bodies: each a 4xx JSON error" "" "$bad"
done
tg_check "api: no token created by any hostile body" "$tokens0" \
    "$(sql "SELECT COUNT(*) FROM tokens")"

# Bigger than max_body_bytes (64 KiB): 413 before the body is read.
head -c 200000 /dev/zero | tr '\0' ' ' >"$TG_DIR/req-body"
api_http "$L" POST /api/auth/tokens "$ROOT_T" "$TG_DIR/req-body"
tg_check_reply "api lighttpd: 200 KB body: 413" 413 "$IS_ERROR"
api_http "$A" POST /api/auth/tokens "$ROOT_T" "$TG_DIR/req-body"
tg_check_reply "api authnz: 200 KB body: 413" 413 "$IS_ERROR"
api_http "$L" POST /api/auth/tokens "$ROOT_T" "$TG_DIR/req-body" text/plain
tg_check_reply "api lighttpd: text/plain body: 413 or 415" '413|415' "$IS_ERROR"
printf '%s' "{$OK_PART}" >"$TG_DIR/req-body"
api_http "$L" POST /api/auth/tokens "$ROOT_T" "$TG_DIR/req-body" text/plain
tg_check_reply "api lighttpd: text/plain content type: 415" 415 "$IS_ERROR"
# Content-Length that lies (FastCGI only: a server computes it).
cl() {	# cl VALUE BODY: POST /tokens with CONTENT_LENGTH=VALUE
	local t0=$SECONDS
	tg_fcgi "$API_SOCK" --role responder \
	    --param REQUEST_METHOD=POST --param REQUEST_URI=/api/auth/tokens \
	    --param REMOTE_ADDR=127.0.0.1 --param "HTTP_AUTHORIZATION=Bearer $ROOT_T" \
	    --param CONTENT_TYPE=application/json --param "CONTENT_LENGTH=$1" \
	    --stdin-body "$2"
	keep_body
	CL_SECS=$((SECONDS - t0))
}
for v in 99999999999 18446744073709551617 2147483648 1048577; do
	cl "$v" "{$OK_PART}"
	tg_check_reply "api fcgi: CONTENT_LENGTH=$v: 413 (or 400)" '400|413' "$IS_ERROR"
done
for v in -1 abc ' 5' 0x10 1e3 '5;' '5 5'; do
	cl "$v" "{$OK_PART}"
	tg_check_reply "api fcgi: CONTENT_LENGTH='$v': 400 or 411" '400|411' "$IS_ERROR"
done
cl 500 "{$OK_PART}"
tg_check_reply "api fcgi: CONTENT_LENGTH larger than the body: 400" 400 "$IS_ERROR"
tg_check_true "api fcgi: ... answered without waiting for bytes that never come" \
    test "$CL_SECS" -lt 10
cl 10 "{$OK_PART}"
tg_check_reply "api fcgi: CONTENT_LENGTH shorter than the body: 400" 400 "$IS_ERROR"
# No CONTENT_LENGTH (allowed: FastCGI frames the body): still bounded.
cl '' "{\"name\":\"${BIG:0:99000}\"}"
tg_check_reply "api fcgi: no CONTENT_LENGTH, 99 KB body: 413" 413 "$IS_ERROR"

# PATCH and rotate with hostile bodies.
VID=$(tg_token_id "$VICTIM")
bad=
for b in "$(rep '[' 5000)$(rep ']' 5000)" '{"name":1}' '{"permissions":"*"}' \
    '{"permissions":["*"]}' '{"name":"a","name":"b"}' '{"allowedCidrs":["1.2.3.4/33"]}' \
    '{"id":"x"}' '{"expiresAt":"2099-01-01T00:00:00Z"}' '{"user":"root"}' \
    "{\"name\":\"${SQLS[1]}\",\"permissions\":[\"token:read' OR '1'='1\"]}"; do
	api_fcgi PATCH "/api/auth/tokens/$VID" "$ALICE_T" "$b"
	[[ $TG_STATUS =~ ^(400|403)$ ]] && [ "$(tg_json '.error | type')" = string ] ||
	    bad+=" [$(tg__short "${b:0:30}"): $TG_STATUS]"
done
tg_check "api: hostile PATCH bodies: each 400/403" "" "$bad"
bad=
for v in -1 1e20 2592001 '"5"' null '[]' 1.5 9223372036854775808; do
	api_fcgi POST "/api/auth/tokens/$VID/rotate" "$ALICE_T" "{\"graceSeconds\":$v}"
	[[ $TG_STATUS =~ ^(400|403)$ ]] && [ "$(tg_json '.error | type')" = string ] ||
	    bad+=" [$v: $TG_STATUS]"
done
tg_check "api: hostile rotate graceSeconds: each 400/403" "" "$bad"

# SQL metacharacters and junk in query parameters and ids.
bad=
for q in "${SQLS[@]}" $'\xff\xfe'; do
	e=$(printf '%s' "$q" | od -An -v -tx1 | tr -d '\n' | sed 's/ /%/g')
	for u in "tokens?user=$e" "tokens?state=active$e" "tokens?limit=1$e" \
	    "tokens?cursor=$e" "tokens?all=1$e" "audit?user=$e" "audit?token=$e" \
	    "audit?action=token.create$e" "audit?since=2026-01-01T00:00:00Z$e" \
	    "audit?until=$e" "audit?cursor=$e" "audit?limit=$e" "tokens?$e=1"; do
		api_fcgi GET "/api/auth/$u" "$ROOT_T"
		[ "$TG_STATUS" = 400 ] && [ "$(tg_json .error)" = invalid_parameter ] ||
		    bad+=" [$u: $TG_STATUS]"
	done
	api_fcgi GET "/api/auth/tokens/$e" "$ROOT_T"
	[[ $TG_STATUS =~ ^(400|404)$ ]] || bad+=" [tokens/$e: $TG_STATUS]"
	api_fcgi DELETE "/api/auth/tokens/$e" "$ROOT_T"
	[[ $TG_STATUS =~ ^(400|404)$ ]] || bad+=" [DELETE tokens/$e: $TG_STATUS]"
done
tg_check "api: SQL and junk in query parameters: 400 invalid_parameter; in ids: 404" "" "$bad"
# A raw token pasted into a query parameter: refused or not found, and
# never echoed (checked with the other error bodies below).
for u in "tokens?user=$VALID" "tokens?cursor=$VALID" "audit?token=$VALID" \
    "audit?user=$VALID" "tokens/$VALID"; do
	api_fcgi GET "/api/auth/$u" "$ROOT_T"
	tg_check_status "api: a raw token in $(tg__short "${u%%=*}"): no 500" \
	    '200|400|404'
done
api_fcgi GET "/api/auth/tokens?limit=1&limit=2" "$ROOT_T"
tg_check_reply "api: a repeated query parameter: 400" 400 "$IS_ERROR"
api_fcgi GET "/api/auth/tokens?limit=99999999999999999999" "$ROOT_T"
tg_check_reply "api: limit out of range: 400" 400 "$IS_ERROR"
api_fcgi GET "/api/auth/tokens?limit=-1" "$ROOT_T"
tg_check_reply "api: negative limit: 400" 400 "$IS_ERROR"
for tr in lighttpd authnz; do
	base=$L
	[ "$tr" = authnz ] && base=$A
	api_http "$base" GET "/api/auth/tokens?user=%27%20OR%20%271%27%3D%271" "$ROOT_T"
	tg_check_reply "api $tr: SQL in ?user=: 400" 400 "$IS_ERROR"
	api_http "$base" GET "/api/auth/audit?action=x%27%3B%20DROP%20TABLE%20audit_log%3B--" "$ROOT_T"
	tg_check_reply "api $tr: SQL in ?action=: 400" 400 "$IS_ERROR"
	api_http "$base" GET "/api/auth/audit?token=$VALID" "$ROOT_T"
	tg_check_reply "api $tr: a raw token as ?token=: 400" 400 "$IS_ERROR"
done

# Hostile Authorization at the API.
api_fcgi GET /api/auth/me "$BIG"
tg_check_reply "api: 64 KiB token: 401" 401 "$IS_ERROR"
API_EXTRA=(--param-x "HTTP_AUTHORIZATION=$(hx "Bearer ${ROOT_T:0:20}")00$(hx "${ROOT_T:20}")")
api_fcgi GET /api/auth/me -
tg_check_reply "api: NUL inside the token: 401" 401 "$IS_ERROR"
API_EXTRA=(--param-x "HTTP_AUTHORIZATION=$(hx "Bearer $ROOT_T")$(hxb '\r\nX-Injected: 1')")
api_fcgi GET /api/auth/me -
tg_check_reply "api: token + CRLF: 401" 401 "$IS_ERROR"
tg_check_absent "api: token + CRLF: no header injected" "$(cat "$TG_HEADERS")" \
    X-Injected
API_EXTRA=(--many-params 20000)
api_fcgi GET /api/auth/me "$ROOT_T"
tg_check_status "api: 20000 params, valid token: 200" 200
api_fcgi GET /api/auth/me "$UNKNOWN"
tg_check_reply "api: 20000 params, unknown token: 401" 401 "$IS_ERROR"
API_EXTRA=()
bad=
for q in "${SQLS[@]}"; do
	api_fcgi GET /api/auth/me "$q"
	[ "$TG_STATUS" = 401 ] || bad+=" [$q: $TG_STATUS]"
done
tg_check "api: SQL as the token: 401" "" "$bad"
bad=
for ((n = 0; n <= 80; n += 3)); do
	[ "$n" -eq "${#ROOT_T}" ] && continue
	t=$ROOT_T$ROOT_T
	api_fcgi GET /api/auth/me "${t:0:n}"
	[ "$TG_STATUS" = 401 ] || bad+=" $n:$TG_STATUS"
done
tg_check "api: wrong token lengths: 401" "" "$bad"
api_fcgi GET /api/auth/me "$(mutate "$ROOT_T" 20)"
tg_check_reply "api: wrong character in the token: 401" 401 "$IS_ERROR"
alive api "api, hostile input"
alive api-tcp "api, hostile input"

# Nothing the hostile input did changed stored data.
sleep 1.2	# the authorizer's last-used writer runs once a second
tg_check "stored data unchanged (tokens, users, roles, grants, feed)" \
    "$STATE0" "$(state)"

# last_used_ip holds addresses only, and every token used has its record.
junk=$(sql "SELECT CONCAT(name, '=', HEX(last_used_ip)) FROM tokens
    WHERE name LIKE 'lu%' AND last_used_ip IS NOT NULL AND
    last_used_ip NOT REGEXP '^[0-9a-fA-F:.]+\$'" | tr '\n' ' ')
tg_check "a hostile REMOTE_ADDR never reaches tokens.last_used_ip" "" "$junk"
tg_check "last use recorded for the tokens used from ordinary addresses" \
    "lu6=192.0.2.6 lu7=192.0.2.7 " "$(sql "SELECT CONCAT(name, '=',
    IFNULL(last_used_ip, 'NULL')) FROM tokens WHERE name IN ('lu6', 'lu7')
    ORDER BY name" | tr '\n' ' ')"
tg_check "last use (time) recorded for the tokens used from hostile addresses" \
    "" "$(sql "SELECT name FROM tokens WHERE name IN ('lu1','lu2','lu3','lu4','lu5')
        AND last_used_at IS NULL ORDER BY name" | tr '\n' ' ')"

# SQL metacharacters where they are data: stored and returned verbatim.
k=0
for q in "${SQLS[@]}"; do
	k=$((k + 1))
	e=${q//\\/\\\\} e=${e//\"/\\\"}
	api_fcgi POST /api/auth/tokens "$ROOT_T" \
	    "{\"name\":\"$e\",\"expiresInDays\":1,\"permissions\":[\"token:read\"]}"
	id=$(tg_json '.id // empty')
	got=$(sql "SELECT HEX(name) FROM tokens WHERE id = '$id'")
	tg_check "api: SQL $k as a token name: created, stored verbatim" \
	    "201 $(hx "$q" | tr a-f A-F)" "$TG_STATUS $got"
done
tg_check "api: the tables are still there" 1 \
    "$(sql "SELECT COUNT(*) > 0 FROM tokens")"
tg_check "api: audit_log is still there" 0 \
    "$(sql "SELECT COUNT(*) FROM audit_log WHERE id < 0")"

# ============================================================ log flood
echo "# --- a flood of bad tokens is not a flood of log lines"
# An authorizer with the limit at 5 denial lines a second gets 60 bad
# tokens, then (in a later second) one more, then SIGTERM.  Every denial
# must be either a line of its own or counted in a "not logged" line.
FLOOD_CONF=$TG_DIR/flood.conf
tg_write_config "$FLOOD_CONF" log_denials_per_second=5
FLOOD_SOCK=$TG_DIR/flood.sock
tg_daemon authz-flood "$FLOOD_SOCK" "$AUTHZ" -c "$FLOOD_CONF" --threads 2
FLOOD_PID=$TG_LAST_PID
BADT=$("$TOOL" badcheck "$ROOT_T")
flood_401=0
for ((i = 0; i < 61; i++)); do
	[ "$i" = 60 ] && sleep 1.1
	tg_fcgi "$FLOOD_SOCK" --role authorizer \
	    --param "$(auth "$BADT")" --param REQUEST_METHOD=GET \
	    --param REQUEST_URI=/api/x --param REMOTE_ADDR=127.0.0.1
	[ "$TG_STATUS" = 401 ] && flood_401=$((flood_401 + 1))
done
kill -TERM "$FLOOD_PID"
wait "$FLOOD_PID" 2>/dev/null
tg_stop "$FLOOD_PID"
tg_check "flood: all 61 answered 401" 61 "$flood_401"
lines=$(grep -c 'deny status=401' "$TG_DIR/authz-flood.log")
counted=$(sed -n 's/.*: \([0-9]*\) denial lines not logged since .*/\1/p' \
    "$TG_DIR/authz-flood.log" | awk '{ s += $1 } END { print s + 0 }')
tg_check "flood: logged lines + counted ones = 61 ($lines + $counted)" 61 \
    "$((lines + counted))"
tg_check_true "flood: lines over the limit were left out" \
    test "$counted" -gt 0 -a "$lines" -lt 61

# ============================================================ secrets
echo "# --- no raw token anywhere"
# Sanitizer reports, leaks included, come at exit: stop them, check the
# exit status (LeakSanitizer makes it non-zero).
for d in "${PIDS[@]}"; do
	pid=${d#*:}
	kill -TERM "$pid"
	( sleep 15; kill -KILL "$pid" 2>/dev/null ) &
	wd=$!
	wait "$pid"
	rc=$?
	kill "$wd" 2>/dev/null
	wait "$wd" 2>/dev/null
	tg_stop "$pid"
	tg_check "${d%%:*}: exits 0 on SIGTERM" 0 "$rc"
done
LOGS=$(cat "$TG_DIR"/authz.log "$TG_DIR"/authz-tcp.log "$TG_DIR"/api.log \
    "$TG_DIR"/api-tcp.log "$TG_DIR"/lighttpd/lighttpd-error.log \
    "$TG_DIR"/apache-*/apache-error.log 2>/dev/null)
AUDIT=$(sql "SELECT CONCAT_WS(' ', actor, actor_token_id, via, action,
    target_token_id, target_user, outcome, remote_addr, detail) FROM audit_log")
ERRS=$(cat "$BODIES")
tg_check "audit: refused attempts were recorded" 1 \
    "$(sql "SELECT COUNT(*) > 0 FROM audit_log WHERE outcome = 'invalid'")"
for where in LOGS AUDIT ERRS; do
	hit=
	for t in "${SECRETS[@]}"; do
		if [[ ${!where} == *"${t:15:32}"* ]]; then
			# Where it was, with the secret masked.
			line=$(printf '%s\n' "${!where}" | grep -F -m1 -- "${t:15:32}")
			hit+=" [token $(tg_token_id "$t"): ${line//"${t:15:32}"/<SECRET>}]"
		fi
	done
	tg_check "no token secret in ${where,,} (${#SECRETS[@]} tokens)" "" "$hit"
done
tg_check_absent "no sanitizer report in the logs" "$LOGS" "Sanitizer"
tg_check_absent "no UBSan report in the logs" "$LOGS" "runtime error"

tg_summary
