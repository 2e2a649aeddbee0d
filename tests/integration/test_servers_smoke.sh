#!/usr/bin/env bash
#
# test_servers_smoke.sh: proves the web server wiring of deploy/ with the
# test tools, before and independently of the real authorizer:
# tests/tools/null-authz (always allows, or denies with a chosen status)
# and tests/tools/echo-backend (the application, echoes its environment).
#
# For lighttpd, Apache + mod_authnz_fcgi and Apache + mod_fcgid:
#   - an allowed request reaches the application, which sees REMOTE_USER
#     and TOKENGATE_TOKEN_ID from the authorizer;
#   - the Authorization header and a per-location setting
#     (TOKENGATE_REQUIRE) reach the authorizer;
#   - no Variable-* header reaches the client;
#   - what the client gets for a 401, 403, 429 and 503 from the authorizer
#     (mod_fcgid turns every denial into 401: documented defect);
#   - files outside the prefix are served without the authorizer;
#   - an unreachable authorizer fails closed.
# Also the RESPONDER role (tests/tools/fcgi-client) and, when nginx is
# installed, deploy/nginx/tokengate.conf with auth_request.
set -u
. "$(dirname "$0")/lib.sh"
tg_init

AUTH=(-H "Authorization: Bearer tg_smoke_token")

# Checks an allowed request through server $1 at base URL $2.
check_allowed() {
	local s=$1 url=$2 body
	tg_http GET "$url/api/x?q=1" "${AUTH[@]}"
	tg_check_status "$s: allowed request is 200" 200
	tg_check_contains "$s: request reaches the application" "$(tg_body)" \
	    "FCGI_ROLE=RESPONDER"
	tg_check_line "$s: application sees REMOTE_USER" REMOTE_USER=nulluser
	tg_check_line "$s: application sees TOKENGATE_TOKEN_ID" \
	    TOKENGATE_TOKEN_ID=null
	tg_check_line "$s: Authorization reaches the authorizer" TG_SAW_AUTH=yes
	tg_check_absent "$s: no Variable- header at the client" \
	    "$(cat "$TG_HEADERS")" "Variable-"
	tg_check_absent "$s: no per-location setting outside its location" \
	    "$(tg_body)" "TG_SAW_REQUIRE="

	tg_http GET "$url/api/x"
	tg_check_status "$s: no Authorization header: still allowed by null-authz" 200
	tg_check_absent "$s: the authorizer saw no Authorization" "$(tg_body)" \
	    "TG_SAW_AUTH="

	tg_http GET "$url/api/admin/users" "${AUTH[@]}"
	tg_check_line "$s: per-location setting reaches the authorizer" \
	    TG_SAW_REQUIRE=admin:access

	tg_http GET "$url/index.html"
	tg_check_status "$s: static file outside the prefix" 200
	tg_check_contains "$s: static file content" "$(tg_body)" \
	    "static file, no authorizer"
}

# Checks what the client gets when the authorizer denies with $3 through
# server $1 at $2; $4 is the status the client is expected to see and $5
# "body" when the authorizer's JSON body is expected to pass.
check_denied() {
	local s=$1 url=$2 code=$3 expect=$4 passes_body=$5
	tg_http GET "$url/api/x" "${AUTH[@]}" -H "X-Null-Authz-Status: $code"
	tg_check_status "$s: authorizer $code -> client $expect" "$expect"
	tg_check "$s: authorizer $code: WWW-Authenticate passed" \
	    'Bearer realm="tokengate", error="invalid_token"' \
	    "$(tg_header WWW-Authenticate)"
	tg_check_absent "$s: authorizer $code: application not reached" \
	    "$(tg_body)" "FCGI_ROLE="
	if [ "$passes_body" = body ]; then
		tg_check "$s: authorizer $code: JSON body passed" \
		    "{\"error\":\"invalid_token\",\"status\":$code}" \
		    "$(tg_body)"
	else
		tg_check_absent "$s: authorizer $code: JSON body replaced" \
		    "$(tg_body)" "invalid_token"
	fi
}

# ---------------------------------------------------------------- lighttpd
export TG_AUTHZ_SOCKET=$TG_DIR/authz.sock
export TG_BACKEND_SOCKET=$TG_DIR/app.sock
tg_echo_backend_start echo-unix "$TG_BACKEND_SOCKET"
tg_null_authz_start null-authz-unix "$TG_AUTHZ_SOCKET"
tg_lighttpd_start
L=$TG_LIGHTTPD_URL

check_allowed lighttpd "$L"
tg_http GET "$L/api/x" -H 'X-Null-Authz-Status: 401'
tg_check "lighttpd: authorizer's Content-Type kept on denial" \
    application/json "$(tg_header Content-Type)"
for code in 401 403 429 503; do
	check_denied lighttpd "$L" "$code" "$code" body
done

# --status, and a restarted authorizer on the same socket.
tg_stop null-authz-unix
tg_null_authz_start null-authz-403 "$TG_AUTHZ_SOCKET" --status 403
tg_http GET "$L/api/x" "${AUTH[@]}"
tg_check_status "lighttpd: restarted authorizer with --status 403" 403
tg_stop null-authz-403
tg_http GET "$L/api/x" "${AUTH[@]}"
tg_check_status "lighttpd: authorizer down fails closed (503)" 503
tg_check_absent "lighttpd: authorizer down: application not reached" \
    "$(tg_body)" "FCGI_ROLE="

# ---------------------------------------------------------------- Apache
BACKEND_PORT=$(tg_free_port)
AUTHZ_PORT=$(tg_free_port)
export TG_BACKEND_ADDR=127.0.0.1:$BACKEND_PORT
export TG_AUTHZ_ADDR=127.0.0.1:$AUTHZ_PORT
tg_echo_backend_start echo-tcp "$TG_BACKEND_ADDR"
tg_null_authz_start null-authz-tcp "$TG_AUTHZ_ADDR"

# The TCP authorizer in the RESPONDER role, as nginx auth_request uses it,
# without nginx.
tg_fcgi "$TG_AUTHZ_ADDR" --role responder --param REQUEST_METHOD=GET \
    --param REQUEST_URI=/api/x
tg_check_status "null-authz responder role: 200" 200
tg_check "null-authz responder role: X-Tokengate-User" nulluser \
    "$(tg_header X-Tokengate-User)"
tg_check_absent "null-authz responder role: no Variable-" \
    "$(cat "$TG_HEADERS" "$TG_BODY")" "Variable-"

# nginx auth_request: the authorizer in the RESPONDER role (optional).
if command -v nginx >/dev/null 2>&1; then
	tg_nginx_start
	N=$TG_NGINX_URL
	tg_http GET "$N/api/x?q=1" "${AUTH[@]}"
	tg_check_status "nginx: allowed request is 200" 200
	tg_check_line "nginx: application sees REMOTE_USER" REMOTE_USER=nulluser
	tg_check "nginx: no empty REMOTE_USER duplicate" 0 \
	    "$(tr -d '\r' <"$TG_BODY" | grep -cx 'REMOTE_USER=')"
	tg_check_line "nginx: application sees TOKENGATE_TOKEN_ID" \
	    TOKENGATE_TOKEN_ID=null
	tg_check_absent "nginx: no X-Tokengate- header at the client" \
	    "$(cat "$TG_HEADERS")" "X-Tokengate-"
	# nginx passes 401 (with WWW-Authenticate) and 403 by itself, 429
	# and 503 through the snippet's error_page; any other status from
	# the authorizer is a 500.
	for pair in 401:401 403:403 429:429 503:503 404:500 500:500; do
		tg_http GET "$N/api/x" "${AUTH[@]}" -H "X-Null-Authz-Status: ${pair%:*}"
		tg_check_status "nginx: authorizer ${pair%:*} -> client ${pair#*:}" \
		    "${pair#*:}"
		tg_check_absent "nginx: authorizer ${pair%:*}: application not reached" \
		    "$(tg_body)" "FCGI_ROLE="
		[ "$pair" = 401:401 ] &&
		    tg_check "nginx: WWW-Authenticate passed on 401" \
		    'Bearer realm="tokengate", error="invalid_token"' \
		    "$(tg_header WWW-Authenticate)"
	done
	tg_stop nginx
else
	tg_skip "nginx auth_request" "nginx is not installed"
fi

# Apache + mod_authnz_fcgi
tg_apache_start authnz
A=$TG_APACHE_URL
check_allowed apache-authnz "$A"
for code in 401 403 429 503; do
	check_denied apache-authnz "$A" "$code" "$code" body
done
tg_stop apache-authnz
# UserExpr made REMOTE_USER Apache's user: %u of the access log.
tg_check_contains "apache-authnz: user in the access log" \
    "$(cat "$TG_DIR/apache-authnz/apache-access.log")" " - nulluser ["

# Apache + mod_fcgid: Apache spawns null-authz itself.
export TG_AUTHZ_CMD="$TG_BUILD/tools/null-authz"
export TG_CONFIG=$TG_DIR/fcgid-marker.conf
tg_apache_start fcgid
F=$TG_APACHE_URL
check_allowed apache-fcgid "$F"
tg_http GET "$F/api/x" "${AUTH[@]}"
tg_check_line "apache-fcgid: FcgidInitialEnv TOKENGATE_CONFIG reaches the authorizer" \
    "TG_SAW_CONFIG=$TG_CONFIG"
for code in 401 403 429 503; do
	# Defect of mod_fcgid 2.3.9: every denial is 401 with Apache's page.
	check_denied apache-fcgid "$F" "$code" 401 nobody
done
tg_stop apache-fcgid

# Apache + mod_authnz_fcgi with the authorizer gone: fails closed.
tg_stop null-authz-tcp
tg_apache_start authnz
tg_http GET "$TG_APACHE_URL/api/x" "${AUTH[@]}"
tg_check_status "apache-authnz: authorizer down fails closed (500)" 500
tg_check_absent "apache-authnz: authorizer down: application not reached" \
    "$(tg_body)" "FCGI_ROLE="

tg_summary
