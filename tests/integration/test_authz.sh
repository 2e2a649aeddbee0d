#!/usr/bin/env bash
#
# test_authz.sh: the real authorizer against a real MariaDB, behind
# lighttpd, Apache + mod_authnz_fcgi and Apache + mod_fcgid, each
# protecting /api/ in front of tests/tools/echo-backend.
#
# Issue 2 (foundation), through every server:
#   - a valid token reaches the backend, which sees REMOTE_USER,
#     TOKENGATE_TOKEN_ID and the other variables;
#   - missing, garbage, bad-checksum, unknown, wrong-secret, expired,
#     revoked and disabled-user tokens are denied with 401;
#   - mod_fcgid responses carry no Variable- header;
#   - with MariaDB stopped a bad-checksum token still gets 401 while a
#     well-formed one gets 503 (mod_fcgid turns that into 401: defect).
# nginx auth_request (the RESPONDER role, deploy/nginx/tokengate.conf):
#   - allowed (the backend sees the variables), 401 with WWW-Authenticate,
#     403, the brake's 429 with its Retry-After, 503 with Retry-After: 1
#     with MariaDB stopped, and 500 with the authorizer gone (issue 10,
#     finding 8: 429 and 503 used to reach the client as 500).
# Issue 3 (policy), through lighttpd and Apache + mod_authnz_fcgi:
#   - the seed's API rule examples, permission mode, resource mode, both,
#     CIDR and environment limits, the effective permissions upstream, a
#     role downgrade, and the reason codes in the JSON bodies.
set -u
. "$(dirname "$0")/lib.sh"
tg_init

TG=$TG_BUILD/tokengate
AUTHZ=$TG_BUILD/tokengate-authz
TOOL=$(tg_tool tokentool)
CONF=$TG_DIR/tokengate.conf

tg_mariadb_init "$TG_DIR/db"
tg_mariadb_start "$TG_DIR/db"
tg_write_config "$CONF" "environment=production"
"$TG" -c "$CONF" migrate >/dev/null || tg_die "migrate failed"

tgc() { "$TG" -c "$CONF" "$@"; }
newtok() { tgc token create "$@" || tg_die "token create $* failed"; }
id_of() { printf '%s' "${1:3:12}"; }

# Users and roles.
tgc role grant agent admin:access workflow:read run:read >/dev/null
tgc user add alice --role member --role agent
tgc user add bob --role member
tgc role grant carolrole admin:access workflow:read >/dev/null
tgc user add carol --role member --role carolrole

# Tokens for the foundation cases.
VALID=$(newtok --user alice --name valid --permission token:read \
    --permission admin:access --api-rule '*')
EXPIRED=$(newtok --user alice --name expired --api-rule '*')
REVOKED=$(newtok --user alice --name revoked --api-rule '*')
BOBTOK=$(newtok --user bob --name disabled-owner --api-rule '*')
tg_sql "UPDATE tokens SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 MINUTE
    WHERE id = '$(id_of "$EXPIRED")'"
tgc token revoke "$(id_of "$REVOKED")" 2>/dev/null
tgc user disable bob
UNKNOWN=$("$TOOL" random tg)
WRONG=$("$TOOL" forge tg "$(id_of "$VALID")")
BADCHECK=$("$TOOL" badcheck "$VALID")

# Tokens for the policy cases.
SEED1=$(newtok --user alice --name seed1 --api-rule 'GET /api/v1/func/overview')
SEED2=$(newtok --user alice --name seed2 --api-rule '!GET /api/v1/func/overview' \
    --api-rule '*')
MATH=$(newtok --user alice --name math --resource-rule 'category:math')
NOTSYS=$(newtok --user alice --name notsys --resource-rule '!category:system' \
    --resource-rule '*')
NOPERM=$(newtok --user alice --name noperm --permission workflow:read \
    --api-rule '*')
CIDR_OUT=$(newtok --user alice --name cidr-out --cidr 10.0.0.0/8 --api-rule '*')
CIDR_IN=$(newtok --user alice --name cidr-in --cidr 10.0.0.0/8 \
    --cidr 127.0.0.0/8 --api-rule '*')
DEVONLY=$(newtok --user alice --name dev-only --env development --env test \
    --api-rule '*')
CAROL=$(newtok --user carol --name downgrade --permission admin:access \
    --permission workflow:read --api-rule '*')

read_body() { BODY=$'\n'"$(tr -d '\r' <"$TG_BODY")"$'\n'; }
auth() { printf 'Authorization: Bearer %s' "$1"; }

# expect SERVER URL TOKEN STATUS [REASON] [NAME]: one request, its status
# and, where the server passes the authorizer's body, its reason code.
expect() {
	local s=$1 url=$2 tok=$3 want=$4 reason=${5:-} name=${6:-}
	local -a h=()
	[ -n "$tok" ] && h=(-H "$(auth "$tok")")
	tg_http GET "$url" "${h[@]}"
	name=${name:-"${url#*/api/} ${reason:-$want}"}
	tg_check "$s: $name: status" "$want" "$TG_STATUS"
	if [ -n "$reason" ] && [ "$s" != apache-fcgid ]; then
		tg_check_contains "$s: $name: reason" "$(cat "$TG_BODY")" \
		    "\"reason\":\"$reason\""
	fi
	if [ "$want" != 200 ]; then
		tg_check_absent "$s: $name: backend not reached" \
		    "$(cat "$TG_BODY")" "FCGI_ROLE="
	fi
}

foundation() {
	local s=$1 u=$2 deny=$3
	tg_http GET "$u/api/x?q=1" -H "$(auth "$VALID")"
	read_body
	tg_check "$s: valid token: 200" 200 "$TG_STATUS"
	tg_check_contains "$s: backend sees REMOTE_USER" "$BODY" \
	    $'\nREMOTE_USER=alice\n'
	tg_check_contains "$s: backend sees TOKENGATE_TOKEN_ID" "$BODY" \
	    $'\nTOKENGATE_TOKEN_ID='"$(id_of "$VALID")"$'\n'
	tg_check_contains "$s: backend sees TOKENGATE_USER" "$BODY" \
	    $'\nTOKENGATE_USER=alice\n'
	tg_check_contains "$s: backend sees TOKENGATE_VIA" "$BODY" \
	    $'\nTOKENGATE_VIA=api_token\n'
	tg_check_contains "$s: backend sees effective permissions" "$BODY" \
	    $'\nTOKENGATE_PERMISSIONS=admin:access token:read\n'
	tg_check_absent "$s: no Variable- header at the client" \
	    "$(cat "$TG_HEADERS")" "Variable-"

	expect "$s" "$u/api/x" "" 401 MISSING "missing token"
	tg_http GET "$u/api/x" -H "Authorization: Bearer hello"
	tg_check "$s: garbage token: 401" 401 "$TG_STATUS"
	expect "$s" "$u/api/x" "$BADCHECK" 401 MALFORMED "bad checksum"
	expect "$s" "$u/api/x" "$UNKNOWN" 401 NOT_FOUND "unknown id"
	expect "$s" "$u/api/x" "$WRONG" 401 NOT_FOUND "wrong secret"
	expect "$s" "$u/api/x" "$EXPIRED" 401 EXPIRED "expired"
	expect "$s" "$u/api/x" "$REVOKED" 401 REVOKED "revoked"
	expect "$s" "$u/api/x" "$BOBTOK" 401 USER_DISABLED "owner disabled"
	tg_http GET "$u/api/x" -H "Authorization: Basic YWxpY2U6cHc="
	tg_check "$s: Basic credentials are not a bearer token: 401" 401 \
	    "$TG_STATUS"
	if [ "$deny" = full ]; then
		tg_http GET "$u/api/x" -H "$(auth "$UNKNOWN")"
		tg_check "$s: 401 carries WWW-Authenticate" \
		    'Bearer realm="tokengate", error="invalid_token"' \
		    "$(tg_header WWW-Authenticate)"
		tg_check_absent "$s: 401 body does not echo the token" \
		    "$(cat "$TG_BODY")" "$UNKNOWN"
	fi
}

policy() {
	local s=$1 u=$2
	# Seed 000, API Access.
	expect "$s" "$u/api/v1/func/overview" "$SEED1" 200 "" "seed1 allows its API"
	expect "$s" "$u/api/v1/func/list" "$SEED1" 403 NO_RULE_MATCHED \
	    "seed1 denies another API"
	expect "$s" "$u/api/v1/func/overview" "$SEED2" 403 RULE_DENIED \
	    "seed2 denies the listed API"
	expect "$s" "$u/api/v1/func/list" "$SEED2" 200 "" "seed2 allows others"
	expect "$s" "$u/api/v1/x/../func/overview" "$SEED2" 403 RULE_DENIED \
	    "seed2 dot-segment trick"
	expect "$s" "$u/api/v1/func/%6fverview" "$SEED2" 403 RULE_DENIED \
	    "seed2 encoded-letter trick"
	expect "$s" "$u/api/v1/func/overview?x=/../list" "$SEED2" 403 \
	    RULE_DENIED "seed2 query trick"
	tg_http HEAD "$u/api/v1/func/overview" -H "$(auth "$SEED2")"
	tg_check "$s: seed2 HEAD is matched as GET" 403 "$TG_STATUS"
	tg_http POST "$u/api/v1/func/overview" -H "$(auth "$SEED1")" --data ""
	tg_check "$s: seed1 denies POST" 403 "$TG_STATUS"

	# Permission mode: /api/admin/ requires admin:access.
	expect "$s" "$u/api/admin/users" "$VALID" 200 "" "permission granted"
	expect "$s" "$u/api/admin/users" "$NOPERM" 403 \
	    INSUFFICIENT_PERMISSIONS "permission missing"
	tg_check_contains "$s: 403 names the missing scope" \
	    "$(tg_header WWW-Authenticate)" 'scope="admin:access"'
	# A location's settings cover its path without the trailing slash
	# too (backends serve /api/admin as /api/admin/), and never a
	# sibling that merely starts with the same bytes.
	expect "$s" "$u/api/admin" "$NOPERM" 403 INSUFFICIENT_PERMISSIONS \
	    "permission location without its trailing slash"
	expect "$s" "$u/api/admin?x" "$NOPERM" 403 INSUFFICIENT_PERMISSIONS \
	    "permission location without its trailing slash, with a query"
	expect "$s" "$u/api/adminx" "$NOPERM" 200 "" \
	    "a sibling of the permission location is API mode"
	expect "$s" "$u/api/mcp/system" "$NOTSYS" 403 RULE_DENIED \
	    "resource location without its trailing slash"
	# Resource mode (seed 000, MCP Access).
	expect "$s" "$u/api/mcp/math/add" "$MATH" 200 "" "math token, math function"
	expect "$s" "$u/api/mcp/system/exec" "$MATH" 403 NO_RULE_MATCHED \
	    "math token, system function"
	expect "$s" "$u/api/mcp/system/exec" "$NOTSYS" 403 RULE_DENIED \
	    "not-system token, system function"
	expect "$s" "$u/api/mcp/math/add" "$NOTSYS" 200 "" \
	    "not-system token, math function"
	expect "$s" "$u/api/x" "$MATH" 403 NO_RULE_MATCHED \
	    "resource-only token has API access off"
	# Both modes at one location: both must allow.
	expect "$s" "$u/api/mcp/admin/reset" "$VALID" 403 NO_RULE_MATCHED \
	    "permission ok but no resource rules"
	# CIDR and environment.
	expect "$s" "$u/api/x" "$CIDR_OUT" 403 IP_DENIED "CIDR excludes loopback"
	expect "$s" "$u/api/x" "$CIDR_IN" 200 "" "CIDR includes loopback"
	expect "$s" "$u/api/x" "$DEVONLY" 403 ENV_DENIED \
	    "dev-only token in production"
	expect "$s" "$u/api/dev/x" "$DEVONLY" 200 "" \
	    "dev-only token where the location says development"
	# Hostile path that cannot be made canonical.
	expect "$s" "$u/api/a%5cb" "$SEED2" 403 BAD_PATH "encoded backslash"
}

# ---------------------------------------------------------------- servers
export TG_AUTHZ_SOCKET=$TG_DIR/authz.sock
export TG_BACKEND_SOCKET=$TG_DIR/app.sock
AUTHZ_PORT=$(tg_free_port)
BACKEND_PORT=$(tg_free_port)
export TG_AUTHZ_ADDR=127.0.0.1:$AUTHZ_PORT
export TG_BACKEND_ADDR=127.0.0.1:$BACKEND_PORT
tg_echo_backend_start echo-unix "$TG_BACKEND_SOCKET"
tg_echo_backend_start echo-tcp "$TG_BACKEND_ADDR"
tg_start authz-unix "$TG_DIR/authz-unix.log" "$AUTHZ" -c "$CONF" \
    --listen "$TG_AUTHZ_SOCKET" --threads 4
tg_wait_socket "$TG_AUTHZ_SOCKET" 10 "$TG_LAST_PID" || tg_die "authz (unix) did not start"
chmod 0666 "$TG_AUTHZ_SOCKET"
tg_start authz-tcp "$TG_DIR/authz-tcp.log" "$AUTHZ" -c "$CONF" \
    --listen "$TG_AUTHZ_ADDR" --threads 4
tg_wait_port "$AUTHZ_PORT" 10 "$TG_LAST_PID" || tg_die "authz (tcp) did not start"

tg_lighttpd_start
L=$TG_LIGHTTPD_URL
tg_apache_start authnz
A=$TG_APACHE_URL
# mod_fcgid spawns the authorizer as www-data, with a config and key that
# user can read (the key must not be group- or world-readable).
export TG_AUTHZ_CMD=$AUTHZ
TG_CONFIG=$(tg_config_for_user "$CONF" www-data) || tg_die "config for www-data"
export TG_CONFIG
tg_apache_start fcgid
F=$TG_APACHE_URL
# nginx auth_request: the authorizer in the RESPONDER role, over TCP.
tg_nginx_start
N=$TG_NGINX_URL

foundation lighttpd "$L" full
foundation apache-authnz "$A" full
foundation apache-fcgid "$F" fcgid
policy lighttpd "$L"
policy apache-authnz "$A"

# nginx (deploy/nginx/tokengate.conf): auth_request passes 2xx, 401 and
# 403 itself; the snippet's error_page passes the authorizer's 429 and 503
# with their Retry-After (below, with the brake and the database down).
tg_http GET "$N/api/x?q=1" -H "$(auth "$VALID")"
read_body
tg_check "nginx: valid token: 200" 200 "$TG_STATUS"
tg_check_contains "nginx: backend sees REMOTE_USER" "$BODY" \
    $'\nREMOTE_USER=alice\n'
tg_check_contains "nginx: backend sees TOKENGATE_TOKEN_ID" "$BODY" \
    $'\nTOKENGATE_TOKEN_ID='"$(id_of "$VALID")"$'\n'
tg_check_contains "nginx: backend sees effective permissions" "$BODY" \
    $'\nTOKENGATE_PERMISSIONS=admin:access token:read\n'
tg_http GET "$N/api/x"
tg_check "nginx: missing token: 401" 401 "$TG_STATUS"
tg_check "nginx: 401 keeps WWW-Authenticate" \
    'Bearer realm="tokengate", error="invalid_token"' \
    "$(tg_header WWW-Authenticate)"
tg_check_absent "nginx: 401: backend not reached" "$(cat "$TG_BODY")" \
    "FCGI_ROLE="
tg_http GET "$N/api/x" -H "$(auth "$CIDR_OUT")"
tg_check "nginx: address outside the token's CIDRs: 403" 403 "$TG_STATUS"
tg_check_absent "nginx: 403: backend not reached" "$(cat "$TG_BODY")" \
    "FCGI_ROLE="

# A role downgrade shrinks a live token at once (seed 002).
expect lighttpd "$L/api/admin/users" "$CAROL" 200 "" "carol before downgrade"
tgc role revoke carolrole admin:access
expect lighttpd "$L/api/admin/users" "$CAROL" 403 INSUFFICIENT_PERMISSIONS \
    "carol after downgrade"
expect apache-authnz "$A/api/admin/users" "$CAROL" 403 \
    INSUFFICIENT_PERMISSIONS "carol after downgrade"
tg_http GET "$L/api/x" -H "$(auth "$CAROL")"
read_body
tg_check_contains "lighttpd: upstream permissions shrank with the role" \
    "$BODY" $'\nTOKENGATE_PERMISSIONS=workflow:read\n'

# Role permissions edited by hand reach the tokens through `role refresh`
# (the token lookup reads each user's copy, users.role_permissions).
tg_sql "INSERT INTO role_permissions (role_id, permission)
    SELECT id, 'admin:access' FROM roles WHERE name = 'carolrole'"
tg_check "role refresh: one user out of date" \
    "1 user had out-of-date role permissions: rewritten" "$(tgc role refresh)"
expect lighttpd "$L/api/admin/users" "$CAROL" 200 "" "carol after hand edit + refresh"
tg_check "role refresh again: nothing to do" \
    "0 users had out-of-date role permissions" "$(tgc role refresh)"
tgc role revoke carolrole admin:access
expect lighttpd "$L/api/admin/users" "$CAROL" 403 INSUFFICIENT_PERMISSIONS \
    "carol downgraded again"

# Revocation and disabling take effect on the very next request.
expect lighttpd "$L/api/x" "$CIDR_IN" 200 "" "before revoke"
tgc token revoke "$(id_of "$CIDR_IN")" 2>/dev/null
expect lighttpd "$L/api/x" "$CIDR_IN" 401 REVOKED "next request after revoke"
expect apache-authnz "$A/api/x" "$CIDR_IN" 401 REVOKED "next request after revoke"
tgc user disable carol
expect apache-fcgid "$F/api/x" "$CAROL" 401 "" "next request after user disable"

# The deny log names the token id and reason, never the secret.
LOGS=$(cat "$TG_DIR"/authz-*.log)
tg_check_contains "deny log names reason and token id" "$LOGS" \
    "reason=REVOKED token=$(id_of "$CIDR_IN")"
tg_check_absent "deny log never holds a secret (valid)" "$LOGS" "${VALID:15}"
tg_check_absent "deny log never holds a secret (wrong)" "$LOGS" "${WRONG:15}"
tg_check_absent "deny log never holds a secret (revoked)" "$LOGS" "${REVOKED:15}"

# ------------------------------------------------------ brute-force brake
# A separate authorizer with brake_failures = 3, driven directly over
# FastCGI so the client address can be chosen.
BRAKE_CONF=$TG_DIR/brake.conf
tg_write_config "$BRAKE_CONF" brake_failures=3 brake_window=60 \
    audit_decisions=all
BRAKE_ADDR=127.0.0.1:$(tg_free_port)
tg_start authz-brake "$TG_DIR/authz-brake.log" "$AUTHZ" -c "$BRAKE_CONF" \
    --listen "$BRAKE_ADDR" --threads 2
tg_wait_port "${BRAKE_ADDR##*:}" 10 "$TG_LAST_PID" || tg_die "authz (brake) did not start"
CLIENT=$(tg_tool fcgi-client)
ask() {	# ask ADDR TOKEN: prints the status line of the answer
	"$CLIENT" --connect "$BRAKE_ADDR" --param REQUEST_METHOD=GET \
	    --param REQUEST_URI=/api/x --param "REMOTE_ADDR=$1" \
	    --param "HTTP_AUTHORIZATION=Bearer $2" 2>/dev/null |
	    tr -d '\r' | sed -n 's/^Status: \([0-9]*\).*/\1/p'
}
tg_check "brake: valid token before failures" 200 "$(ask 10.9.9.9 "$SEED2")"
ask 10.9.9.9 "$BADCHECK" >/dev/null
ask 10.9.9.9 "$UNKNOWN" >/dev/null
tg_check "brake: third failure is still a 401" 401 "$(ask 10.9.9.9 "$WRONG")"
tg_check "brake: over the limit even a valid token gets 429" 429 \
    "$(ask 10.9.9.9 "$SEED2")"
tg_check "brake: another client is not braked" 200 "$(ask 10.9.9.8 "$SEED2")"
for a in 2001:db8:0:7::1 2001:db8:0:7::2 2001:db8:0:7::3; do
	ask "$a" "$UNKNOWN" >/dev/null
done
tg_check "brake: an IPv6 /64 is one client" 429 \
    "$(ask 2001:db8:0:7::99 "$SEED2")"
tg_check "brake: the next /64 is another" 200 \
    "$(ask 2001:db8:0:8::1 "$SEED2")"
out=$("$CLIENT" --connect "$BRAKE_ADDR" --param REQUEST_METHOD=GET \
    --param REQUEST_URI=/api/x --param REMOTE_ADDR=10.9.9.9 \
    --param "HTTP_AUTHORIZATION=Bearer $SEED2" 2>/dev/null | tr -d '\r')
tg_check_contains "brake: 429 says when to retry" "$out" "Retry-After: "
tg_check_contains "brake: 429 reason" "$out" '"reason":"RATE_LIMITED"'
# Braked clients cost no database work: they still get 429, not 503,
# with the database stopped (checked in the outage section below).

# Through nginx, whose client address is 127.0.0.1: the 429 and the
# brake's own Retry-After (the rest of the window, not a fixed 1) reach
# the client.
TG_AUTHZ_ADDR=$BRAKE_ADDR tg_nginx_start nginx-brake
NB=$TG_NGINX_URL
for t in "$BADCHECK" "$UNKNOWN" "$WRONG"; do
	tg_http GET "$NB/api/x" -H "$(auth "$t")"
done
tg_check "nginx: brake: third failure is still a 401" 401 "$TG_STATUS"
tg_http GET "$NB/api/x" -H "$(auth "$SEED2")"
tg_check "nginx: brake: over the limit: 429" 429 "$TG_STATUS"
nginx_ra=$(tg_header Retry-After)
direct_ra=$("$CLIENT" --connect "$BRAKE_ADDR" --param REQUEST_METHOD=GET \
    --param REQUEST_URI=/api/x --param REMOTE_ADDR=127.0.0.1 \
    --param "HTTP_AUTHORIZATION=Bearer $SEED2" 2>/dev/null | tr -d '\r' |
    sed -n 's/^Retry-After: //p')
tg_check "nginx: brake: 429 carries the brake's Retry-After" yes \
    "$([[ $nginx_ra =~ ^[0-9]+$ && $direct_ra =~ ^[0-9]+$ ]] &&
    [ "$nginx_ra" -gt 1 ] && [ $((direct_ra - nginx_ra)) -le 1 ] &&
    [ $((nginx_ra - direct_ra)) -le 1 ] && echo yes ||
    echo "no: nginx '$nginx_ra', authorizer '$direct_ra'")"
tg_check_absent "nginx: brake: backend not reached" "$(cat "$TG_BODY")" \
    "FCGI_ROLE="

# This authorizer also audits every decision (audit_decisions = all),
# written behind the requests in batches.
sleep 1.5
tg_check "audit: allowed decisions recorded" 1 "$(tg_sql "SELECT COUNT(*) > 0
    FROM audit_log WHERE action = 'authz.allow' AND via = 'api_token' AND
    actor_token_id = '$(id_of "$SEED2")' AND remote_addr = '10.9.9.8'")"
tg_check "audit: the 429 decisions recorded" 1 "$(tg_sql "SELECT COUNT(*) > 0
    FROM audit_log WHERE action = 'authz.deny' AND outcome = 'RATE_LIMITED'")"
tg_check "audit: a wrong secret recorded as NOT_FOUND" 1 "$(tg_sql "SELECT
    COUNT(*) > 0 FROM audit_log WHERE action = 'authz.deny' AND
    outcome = 'NOT_FOUND' AND remote_addr = '10.9.9.9'")"
tg_check_absent "audit: no secret in the audit log" \
    "$(tg_sql "SELECT CONCAT_WS(' ', actor, actor_token_id, detail) FROM audit_log")" \
    "${SEED2:15}"

# --------------------------------------------------------- database down
# A token never used, so in no cache; VALID is cached by now.
UNCACHED=$(newtok --user alice --name uncached --api-rule '*')
tg_mariadb_stop
for pair in "lighttpd $L 503" "apache-authnz $A 503" "apache-fcgid $F 401"; do
	set -- $pair
	expect "$1" "$2/api/x" "$BADCHECK" 401 MALFORMED "DB down, bad checksum"
	expect "$1" "$2/api/x" "$UNCACHED" "$3" "" \
	    "DB down at once, well-formed uncached token"
done
# A cached token is served only while the feed behind the cache is
# followed: with stale_if_error = 0 the next failed poll (feed_poll_ms,
# 200 ms) suspends the cache, and it never serves past 1 s in any case.
sleep 1.2
for pair in "lighttpd $L 503" "apache-authnz $A 503" "apache-fcgid $F 401"; do
	set -- $pair
	expect "$1" "$2/api/x" "$VALID" "$3" "" \
	    "DB down past the cache bound, cached token"
done
tg_http GET "$L/api/x" -H "$(auth "$VALID")"
tg_check "lighttpd: DB down: Retry-After" 1 "$(tg_header Retry-After)"
tg_check "brake: a braked client gets 429 without the database" 429 \
    "$(ask 10.9.9.9 "$UNCACHED")"
tg_check_contains "lighttpd: DB down: reason" "$(cat "$TG_BODY")" \
    '"reason":"UNAVAILABLE"'
tg_http GET "$N/api/x" -H "$(auth "$UNCACHED")"
tg_check "nginx: DB down: 503" 503 "$TG_STATUS"
tg_check "nginx: DB down: Retry-After" 1 "$(tg_header Retry-After)"
tg_check_absent "nginx: DB down: backend not reached" "$(cat "$TG_BODY")" \
    "FCGI_ROLE="
tg_http GET "$N/api/x" -H "$(auth "$BADCHECK")"
tg_check "nginx: DB down, bad checksum: 401" 401 "$TG_STATUS"
tg_mariadb_start "$TG_DIR/db"
ok=0
for _ in $(seq 1 40); do
	tg_http GET "$L/api/x" -H "$(auth "$VALID")"
	[ "$TG_STATUS" = 200 ] && ok=1 && break
	sleep 0.1
done
tg_check "lighttpd: service recovers after MariaDB returns" 1 "$ok"

# ------------------------------------------------- last used, write-behind
# Written behind the request (batched about once a second), not on it.
USED=$(newtok --user alice --name used --api-rule '*')
tg_check "last_used_at empty before any use" NULL \
    "$(tg_sql "SELECT last_used_at FROM tokens WHERE id = '$(id_of "$USED")'")"
tg_http GET "$A/api/x" -H "$(auth "$USED")"
sleep 1.5
tg_check "last_used_ip written behind the request" 127.0.0.1 \
    "$(tg_sql "SELECT last_used_ip FROM tokens WHERE id = '$(id_of "$USED")'")"
tg_check_contains "token list shows lastUsedAt" \
    "$(tgc token list --user alice --json)" '"lastUsedAt":'
# SIGTERM: the authorizer answers what is in flight, writes what it has
# queued, and exits 0.
LAST=$(newtok --user alice --name last --api-rule '*')
tg_http GET "$L/api/x" -H "$(auth "$LAST")"
tg_check "request before SIGTERM" 200 "$TG_STATUS"
pid=$(cat "$TG_DIR/authz-unix.pid" 2>/dev/null || true)
for i in "${!TG_SVC_NAME[@]}"; do
	[ "${TG_SVC_NAME[i]}" = authz-unix ] && pid=${TG_SVC_PID[i]}
done
kill -HUP "$pid"
sleep 0.2
tg_http GET "$L/api/x" -H "$(auth "$LAST")"
tg_check "SIGHUP does not stop the authorizer" 200 "$TG_STATUS"
tg_check_contains "SIGHUP is logged as ignored" \
    "$(cat "$TG_DIR/authz-unix.log")" "SIGHUP ignored"
kill -TERM "$pid"
rc=0
for _ in $(seq 1 50); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
wait "$pid" 2>/dev/null
rc=$?
tg_check "authorizer exits 0 on SIGTERM" 0 "$rc"
tg_check "queued last-used written at SIGTERM" 127.0.0.1 \
    "$(tg_sql "SELECT last_used_ip FROM tokens WHERE id = '$(id_of "$LAST")'")"

# nginx with its authorizer gone fails closed: 500.
tg_stop authz-brake
tg_http GET "$NB/api/x" -H "$(auth "$SEED2")"
tg_check "nginx: authorizer unreachable: 500" 500 "$TG_STATUS"
tg_check "nginx: authorizer unreachable: no Retry-After" "" \
    "$(tg_header Retry-After)"
tg_check_absent "nginx: authorizer unreachable: backend not reached" \
    "$(cat "$TG_BODY")" "FCGI_ROLE="

tg_summary
