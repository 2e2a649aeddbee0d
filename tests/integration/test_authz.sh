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

AUTHZ=$TG_BUILD/tokengate-authz
TOOL=$(tg_tool tokentool)
TG_CONF=$TG_DIR/tokengate.conf

tg_mariadb_init "$TG_DIR/db"
tg_mariadb_start "$TG_DIR/db"
tg_write_config "$TG_CONF" "environment=production"
tg_cli migrate >/dev/null || tg_die "migrate failed"

newtok() { tg_cli token create "$@" || tg_die "token create $* failed"; }

# Users and roles.
tg_cli role grant agent admin:access workflow:read run:read >/dev/null
tg_cli user add alice --role member --role agent
tg_cli user add bob --role member
tg_cli role grant carolrole admin:access workflow:read >/dev/null
tg_cli user add carol --role member --role carolrole

# Tokens for the foundation cases.
VALID=$(newtok --user alice --name valid --permission token:read \
    --permission admin:access --api-rule '*')
EXPIRED=$(newtok --user alice --name expired --api-rule '*')
REVOKED=$(newtok --user alice --name revoked --api-rule '*')
BOBTOK=$(newtok --user bob --name disabled-owner --api-rule '*')
tg_sql "UPDATE tokens SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 MINUTE
    WHERE id = '$(tg_token_id "$EXPIRED")'"
tg_cli token revoke "$(tg_token_id "$REVOKED")" 2>/dev/null
tg_cli user disable bob
UNKNOWN=$("$TOOL" random tg)
WRONG=$("$TOOL" forge tg "$(tg_token_id "$VALID")")
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

auth() { printf 'Authorization: Bearer %s' "$1"; }

# reason SERVER CODE: prints CODE, the reason tg_check_gate is to find in
# the authorizer's body, unless SERVER is apache-fcgid: mod_fcgid replaces
# that body with Apache's own page.
reason() { [ "$1" = apache-fcgid ] || printf '%s' "$2"; }

foundation() {
	local s=$1 u=$2 deny=$3
	tg_http GET "$u/api/x?q=1" -H "$(auth "$VALID")"
	tg_check_status "$s: valid token: 200" 200
	tg_check_line "$s: backend sees REMOTE_USER" REMOTE_USER=alice
	tg_check_line "$s: backend sees TOKENGATE_TOKEN_ID" \
	    "TOKENGATE_TOKEN_ID=$(tg_token_id "$VALID")"
	tg_check_line "$s: backend sees TOKENGATE_USER" TOKENGATE_USER=alice
	tg_check_line "$s: backend sees TOKENGATE_VIA" TOKENGATE_VIA=api_token
	tg_check_line "$s: backend sees effective permissions" \
	    "TOKENGATE_PERMISSIONS=admin:access token:read"
	tg_check_absent "$s: no Variable- header at the client" \
	    "$(cat "$TG_HEADERS")" "Variable-"

	tg_check_gate "$s: missing token" "$u/api/x" "" 401 \
	    "$(reason "$s" MISSING)"
	tg_http GET "$u/api/x" -H "Authorization: Bearer hello"
	tg_check_status "$s: garbage token: 401" 401
	tg_check_gate "$s: bad checksum" "$u/api/x" "$BADCHECK" 401 \
	    "$(reason "$s" MALFORMED)"
	tg_check_gate "$s: unknown id" "$u/api/x" "$UNKNOWN" 401 \
	    "$(reason "$s" NOT_FOUND)"
	tg_check_gate "$s: wrong secret" "$u/api/x" "$WRONG" 401 \
	    "$(reason "$s" NOT_FOUND)"
	tg_check_gate "$s: expired" "$u/api/x" "$EXPIRED" 401 \
	    "$(reason "$s" EXPIRED)"
	tg_check_gate "$s: revoked" "$u/api/x" "$REVOKED" 401 \
	    "$(reason "$s" REVOKED)"
	tg_check_gate "$s: owner disabled" "$u/api/x" "$BOBTOK" 401 \
	    "$(reason "$s" USER_DISABLED)"
	tg_http GET "$u/api/x" -H "Authorization: Basic YWxpY2U6cHc="
	tg_check_status "$s: Basic credentials are not a bearer token: 401" 401
	if [ "$deny" = full ]; then
		tg_http GET "$u/api/x" -H "$(auth "$UNKNOWN")"
		tg_check "$s: 401 carries WWW-Authenticate" \
		    'Bearer realm="tokengate", error="invalid_token"' \
		    "$(tg_header WWW-Authenticate)"
		tg_check_absent "$s: 401 body does not echo the token" \
		    "$(tg_body)" "$UNKNOWN"
	fi
}

policy() {
	local s=$1 u=$2
	# Seed 000, API Access.
	tg_check_gate "$s: seed1 allows its API" "$u/api/v1/func/overview" \
	    "$SEED1" 200
	tg_check_gate "$s: seed1 denies another API" "$u/api/v1/func/list" \
	    "$SEED1" 403 NO_RULE_MATCHED
	tg_check_gate "$s: seed2 denies the listed API" \
	    "$u/api/v1/func/overview" "$SEED2" 403 RULE_DENIED
	tg_check_gate "$s: seed2 allows others" "$u/api/v1/func/list" "$SEED2" \
	    200
	tg_check_gate "$s: seed2 dot-segment trick" \
	    "$u/api/v1/x/../func/overview" "$SEED2" 403 RULE_DENIED
	tg_check_gate "$s: seed2 encoded-letter trick" \
	    "$u/api/v1/func/%6fverview" "$SEED2" 403 RULE_DENIED
	tg_check_gate "$s: seed2 query trick" \
	    "$u/api/v1/func/overview?x=/../list" "$SEED2" 403 RULE_DENIED
	tg_http HEAD "$u/api/v1/func/overview" -H "$(auth "$SEED2")"
	tg_check "$s: seed2 HEAD is matched as GET" 403 "$TG_STATUS"
	tg_http POST "$u/api/v1/func/overview" -H "$(auth "$SEED1")" --data ""
	tg_check "$s: seed1 denies POST" 403 "$TG_STATUS"

	# Permission mode: /api/admin/ requires admin:access.
	tg_check_gate "$s: permission granted" "$u/api/admin/users" "$VALID" \
	    200
	tg_check_gate "$s: permission missing" "$u/api/admin/users" "$NOPERM" \
	    403 INSUFFICIENT_PERMISSIONS
	tg_check_contains "$s: 403 names the missing scope" \
	    "$(tg_header WWW-Authenticate)" 'scope="admin:access"'
	# A location's settings cover its path without the trailing slash
	# too (backends serve /api/admin as /api/admin/), and never a
	# sibling that merely starts with the same bytes.
	tg_check_gate "$s: permission location without its trailing slash" \
	    "$u/api/admin" "$NOPERM" 403 INSUFFICIENT_PERMISSIONS
	tg_check_gate \
	    "$s: permission location without its trailing slash, with a query" \
	    "$u/api/admin?x" "$NOPERM" 403 INSUFFICIENT_PERMISSIONS
	tg_check_gate "$s: a sibling of the permission location is API mode" \
	    "$u/api/adminx" "$NOPERM" 200
	tg_check_gate "$s: resource location without its trailing slash" \
	    "$u/api/mcp/system" "$NOTSYS" 403 RULE_DENIED
	# Resource mode (seed 000, MCP Access).
	tg_check_gate "$s: math token, math function" "$u/api/mcp/math/add" \
	    "$MATH" 200
	tg_check_gate "$s: math token, system function" \
	    "$u/api/mcp/system/exec" "$MATH" 403 NO_RULE_MATCHED
	tg_check_gate "$s: not-system token, system function" \
	    "$u/api/mcp/system/exec" "$NOTSYS" 403 RULE_DENIED
	tg_check_gate "$s: not-system token, math function" \
	    "$u/api/mcp/math/add" "$NOTSYS" 200
	tg_check_gate "$s: resource-only token has API access off" "$u/api/x" \
	    "$MATH" 403 NO_RULE_MATCHED
	# Both modes at one location: both must allow.
	tg_check_gate "$s: permission ok but no resource rules" \
	    "$u/api/mcp/admin/reset" "$VALID" 403 NO_RULE_MATCHED
	# CIDR and environment.
	tg_check_gate "$s: CIDR excludes loopback" "$u/api/x" "$CIDR_OUT" 403 \
	    IP_DENIED
	tg_check_gate "$s: CIDR includes loopback" "$u/api/x" "$CIDR_IN" 200
	tg_check_gate "$s: dev-only token in production" "$u/api/x" "$DEVONLY" \
	    403 ENV_DENIED
	tg_check_gate "$s: dev-only token where the location says development" \
	    "$u/api/dev/x" "$DEVONLY" 200
	# Hostile path that cannot be made canonical.
	tg_check_gate "$s: encoded backslash" "$u/api/a%5cb" "$SEED2" 403 \
	    BAD_PATH
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
tg_daemon authz-unix "$TG_AUTHZ_SOCKET" "$AUTHZ" -c "$TG_CONF" --threads 4
chmod 0666 "$TG_AUTHZ_SOCKET"
tg_daemon authz-tcp "$TG_AUTHZ_ADDR" "$AUTHZ" -c "$TG_CONF" --threads 4

tg_lighttpd_start
L=$TG_LIGHTTPD_URL
tg_apache_start authnz
A=$TG_APACHE_URL
# mod_fcgid spawns the authorizer as www-data, with a config and key that
# user can read (the key must not be group- or world-readable).
export TG_AUTHZ_CMD=$AUTHZ
TG_CONFIG=$(tg_config_for_user "$TG_CONF" www-data) || tg_die "config for www-data"
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
tg_check_status "nginx: valid token: 200" 200
tg_check_line "nginx: backend sees REMOTE_USER" REMOTE_USER=alice
tg_check_line "nginx: backend sees TOKENGATE_TOKEN_ID" \
    "TOKENGATE_TOKEN_ID=$(tg_token_id "$VALID")"
tg_check_line "nginx: backend sees effective permissions" \
    "TOKENGATE_PERMISSIONS=admin:access token:read"
tg_http GET "$N/api/x"
tg_check_status "nginx: missing token: 401" 401
tg_check "nginx: 401 keeps WWW-Authenticate" \
    'Bearer realm="tokengate", error="invalid_token"' \
    "$(tg_header WWW-Authenticate)"
tg_check_absent "nginx: 401: backend not reached" "$(tg_body)" "FCGI_ROLE="
tg_http GET "$N/api/x" -H "$(auth "$CIDR_OUT")"
tg_check_status "nginx: address outside the token's CIDRs: 403" 403
tg_check_absent "nginx: 403: backend not reached" "$(tg_body)" "FCGI_ROLE="

# A role downgrade shrinks a live token at once (seed 002).
tg_check_gate "lighttpd: carol before downgrade" "$L/api/admin/users" "$CAROL" \
    200
tg_cli role revoke carolrole admin:access
tg_check_gate "lighttpd: carol after downgrade" "$L/api/admin/users" "$CAROL" \
    403 INSUFFICIENT_PERMISSIONS
tg_check_gate "apache-authnz: carol after downgrade" "$A/api/admin/users" \
    "$CAROL" 403 INSUFFICIENT_PERMISSIONS
tg_http GET "$L/api/x" -H "$(auth "$CAROL")"
tg_check_line "lighttpd: upstream permissions shrank with the role" \
    TOKENGATE_PERMISSIONS=workflow:read

# Role permissions edited by hand reach the tokens through `role refresh`
# (the token lookup reads each user's copy, users.role_permissions).
tg_sql "INSERT INTO role_permissions (role_id, permission)
    SELECT id, 'admin:access' FROM roles WHERE name = 'carolrole'"
tg_check "role refresh: one user out of date" \
    "1 user had out-of-date role permissions: rewritten" "$(tg_cli role refresh)"
tg_check_gate "lighttpd: carol after hand edit + refresh" "$L/api/admin/users" \
    "$CAROL" 200
tg_check "role refresh again: nothing to do" \
    "0 users had out-of-date role permissions" "$(tg_cli role refresh)"
tg_cli role revoke carolrole admin:access
tg_check_gate "lighttpd: carol downgraded again" "$L/api/admin/users" "$CAROL" \
    403 INSUFFICIENT_PERMISSIONS

# Revocation and disabling take effect on the very next request.
tg_check_gate "lighttpd: before revoke" "$L/api/x" "$CIDR_IN" 200
tg_cli token revoke "$(tg_token_id "$CIDR_IN")" 2>/dev/null
tg_check_gate "lighttpd: next request after revoke" "$L/api/x" "$CIDR_IN" 401 \
    REVOKED
tg_check_gate "apache-authnz: next request after revoke" "$A/api/x" "$CIDR_IN" \
    401 REVOKED
tg_cli user disable carol
tg_check_gate "apache-fcgid: next request after user disable" "$F/api/x" \
    "$CAROL" 401

# The deny log names the token id and reason, never the secret.
LOGS=$(cat "$TG_DIR"/authz-*.log)
tg_check_contains "deny log names reason and token id" "$LOGS" \
    "reason=REVOKED token=$(tg_token_id "$CIDR_IN")"
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
tg_daemon authz-brake "$BRAKE_ADDR" "$AUTHZ" -c "$BRAKE_CONF" --threads 2
# ask ADDR TOKEN: one request from client address ADDR; prints the status.
ask() {
	tg_fcgi "$BRAKE_ADDR" --param REQUEST_METHOD=GET \
	    --param REQUEST_URI=/api/x --param "REMOTE_ADDR=$1" \
	    --param "HTTP_AUTHORIZATION=Bearer $2"
	echo "$TG_STATUS"
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
ask 10.9.9.9 "$SEED2" >/dev/null
tg_check_match "brake: 429 says when to retry" '^[0-9]+$' "$(tg_header Retry-After)"
tg_check_json "brake: 429 reason" .reason RATE_LIMITED
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
tg_check_status "nginx: brake: third failure is still a 401" 401
tg_http GET "$NB/api/x" -H "$(auth "$SEED2")"
tg_check_status "nginx: brake: over the limit: 429" 429
tg_check_absent "nginx: brake: backend not reached" "$(tg_body)" "FCGI_ROLE="
nginx_ra=$(tg_header Retry-After)
ask 127.0.0.1 "$SEED2" >/dev/null
direct_ra=$(tg_header Retry-After)
tg_check "nginx: brake: 429 carries the brake's Retry-After" yes \
    "$([[ $nginx_ra =~ ^[0-9]+$ && $direct_ra =~ ^[0-9]+$ ]] &&
    [ "$nginx_ra" -gt 1 ] && [ $((direct_ra - nginx_ra)) -le 1 ] &&
    [ $((nginx_ra - direct_ra)) -le 1 ] && echo yes ||
    echo "no: nginx '$nginx_ra', authorizer '$direct_ra'")"

# This authorizer also audits every decision (audit_decisions = all),
# written behind the requests in batches.
sleep 1.5
tg_check "audit: allowed decisions recorded" 1 "$(tg_sql "SELECT COUNT(*) > 0
    FROM audit_log WHERE action = 'authz.allow' AND via = 'api_token' AND
    actor_token_id = '$(tg_token_id "$SEED2")' AND remote_addr = '10.9.9.8'")"
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
	tg_check_gate "$1: DB down, bad checksum" "$2/api/x" "$BADCHECK" 401 \
	    "$(reason "$1" MALFORMED)"
	tg_check_gate "$1: DB down at once, well-formed uncached token" \
	    "$2/api/x" "$UNCACHED" "$3"
done
# A cached token is served only while the feed behind the cache is
# followed: with stale_if_error = 0 the next failed poll (feed_poll_ms,
# 200 ms) suspends the cache, and it never serves past 1 s in any case.
sleep 1.2
for pair in "lighttpd $L 503" "apache-authnz $A 503" "apache-fcgid $F 401"; do
	set -- $pair
	tg_check_gate "$1: DB down past the cache bound, cached token" \
	    "$2/api/x" "$VALID" "$3"
done
tg_http GET "$L/api/x" -H "$(auth "$VALID")"
tg_check "lighttpd: DB down: Retry-After" 1 "$(tg_header Retry-After)"
tg_check_json "lighttpd: DB down: reason" .reason UNAVAILABLE
tg_check "brake: a braked client gets 429 without the database" 429 \
    "$(ask 10.9.9.9 "$UNCACHED")"
tg_http GET "$N/api/x" -H "$(auth "$UNCACHED")"
tg_check_status "nginx: DB down: 503" 503
tg_check "nginx: DB down: Retry-After" 1 "$(tg_header Retry-After)"
tg_check_absent "nginx: DB down: backend not reached" "$(tg_body)" "FCGI_ROLE="
tg_http GET "$N/api/x" -H "$(auth "$BADCHECK")"
tg_check_status "nginx: DB down, bad checksum: 401" 401
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
    "$(tg_sql "SELECT last_used_at FROM tokens WHERE id = '$(tg_token_id "$USED")'")"
tg_http GET "$A/api/x" -H "$(auth "$USED")"
sleep 1.5
tg_check "last_used_ip written behind the request" 127.0.0.1 \
    "$(tg_sql "SELECT last_used_ip FROM tokens WHERE id = '$(tg_token_id "$USED")'")"
tg_cli token list --user alice --json >"$TG_DIR/list.json"
tg_check_json "token list shows lastUsedAt" ".[] | select(.id == \"$(tg_token_id \
    "$USED")\") | .lastUsedAt | strings | length > 0" true "$TG_DIR/list.json"
# SIGTERM: the authorizer answers what is in flight, writes what it has
# queued, and exits 0.
LAST=$(newtok --user alice --name last --api-rule '*')
tg_http GET "$L/api/x" -H "$(auth "$LAST")"
tg_check_status "request before SIGTERM" 200
pid=$(cat "$TG_DIR/authz-unix.pid" 2>/dev/null || true)
for i in "${!TG_SVC_NAME[@]}"; do
	[ "${TG_SVC_NAME[i]}" = authz-unix ] && pid=${TG_SVC_PID[i]}
done
kill -HUP "$pid"
sleep 0.2
tg_http GET "$L/api/x" -H "$(auth "$LAST")"
tg_check_status "SIGHUP does not stop the authorizer" 200
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
    "$(tg_sql "SELECT last_used_ip FROM tokens WHERE id = '$(tg_token_id "$LAST")'")"

# nginx with its authorizer gone fails closed: 500.
tg_stop authz-brake
tg_http GET "$NB/api/x" -H "$(auth "$SEED2")"
tg_check_status "nginx: authorizer unreachable: 500" 500
tg_check "nginx: authorizer unreachable: no Retry-After" "" \
    "$(tg_header Retry-After)"
tg_check_absent "nginx: authorizer unreachable: backend not reached" \
    "$(tg_body)" "FCGI_ROLE="

tg_summary
