#!/bin/bash
# test_api.sh: the token API (tokengate-api) end to end.
#
# Starts a private MariaDB, tokengate-authz, tokengate-api and the echo
# backend (tests/tools) with the shared harness (lib.sh), then runs one
# suite three times: straight over FastCGI (tests/tools/fcgi-client),
# through lighttpd and through Apache with mod_authnz_fcgi, both with the
# deploy/ layout: the authorizer in front of the backend under /api/
# (/api/admin/ requires admin:access) and /api/auth/ going to
# tokengate-api, which checks its callers itself.  Then the FastCGI-only
# cases: requests no web server would send, limits of restricted tokens,
# trust_remote_user sessions, the OpenAPI document against the live
# routes, and the database going away.
#
#   bash tests/integration/test_api.sh        (as root; after make all)
#   TG_BUILD=build-asan bash tests/integration/test_api.sh
#
# Output: "ok - ..." / "not ok - ..." per check, then "N passed, N
# failed".  No python or jq: JSON is checked with grep and sed, which is
# enough because tokengate writes compact JSON.
set -u
. "$(dirname "$0")/lib.sh"
tg_init

A=/api/auth
ADMIN=/api/admin
SPEC=$TG_ROOT/docs/openapi.yaml
# The client is a test tool: use the plain build when there is one, so
# that a sanitizer build tests the programs rather than the tool.
FCGI_CLIENT=$TG_ROOT/build/tools/fcgi-client
[ -x "$FCGI_CLIENT" ] || FCGI_CLIENT=$(tg_tool fcgi-client)
W=$TG_DIR
SUITE=setup
STATUS=
HEAD=
BODY=

# --- checks --------------------------------------------------------------

# check DESCRIPTION COMMAND...: one check, counted by lib.sh's summary.
check() {
	local d="[$SUITE] $1"
	shift
	if "$@"; then
		echo "ok - $d"
		TG_PASSED=$((TG_PASSED + 1))
	else
		echo "not ok - $d (status $STATUS, body $(tg__short "$BODY"))"
		TG_FAILED=$((TG_FAILED + 1))
	fi
}
bad() { STATUS=-; BODY=-; check "$1" false; }

# --- JSON and header helpers (compact JSON from json-c) ------------------

# jstr KEY: the first "KEY":"value" string in BODY.
jstr() {
	printf '%s' "$BODY" | grep -o "\"$1\":\"[^\"]*\"" | head -1 |
	    sed "s/^\"$1\":\"//; s/\"\$//"
}
# has KEY: BODY has a member named KEY.
has() { printf '%s' "$BODY" | grep -q "\"$1\":"; }
# contains TEXT: BODY contains TEXT literally.
contains() { printf '%s' "$BODY" | grep -qF -- "$1"; }
hdr() { printf '%s' "$HEAD" | grep -qi -- "$1"; }
is() { [ "$STATUS" = "$1" ]; }
# err STATUS CODE [FIELD]: an error reply of the documented shape.
err() {
	is "$1" && [ "$(jstr error)" = "$2" ] && has message && has field &&
	    { [ -z "${3-}" ] || [ "$(jstr field)" = "$3" ]; }
}

# --- transports: call METHOD PATH TOKEN|- [BODY] [CONTENT-TYPE] ----------
#
# Each sets STATUS, HEAD and BODY.  TRANSPORT is fcgi, lighttpd or apache;
# EXTRA holds more --param arguments for fcgi.

EXTRA=()
fcgi_parse() {
	HEAD=$(printf '%s\n' "$1" | sed '/^\r\{0,1\}$/q')
	BODY=$(printf '%s\n' "$1" | sed '1,/^\r\{0,1\}$/d')
	STATUS=$(printf '%s' "$HEAD" | sed -n '1s/^Status: \([0-9]*\).*/\1/p')
}

call_fcgi() {
	local m=$1 p=$2 tok=$3 body=${4-} ct=${5-application/json}
	local args=(--connect "$API_LISTEN" --role responder
	    --param "REQUEST_METHOD=$m" --param "REQUEST_URI=$p"
	    --param "REMOTE_ADDR=127.0.0.1" --param "SERVER_PROTOCOL=HTTP/1.1")
	[ "$tok" != - ] && args+=(--param "HTTP_AUTHORIZATION=Bearer $tok")
	if [ -n "$body" ]; then
		args+=(--param "CONTENT_TYPE=$ct"
		    --param "CONTENT_LENGTH=${#body}" --stdin-body "$body")
	fi
	fcgi_parse "$("$FCGI_CLIENT" "${args[@]}" "${EXTRA[@]}" 2>/dev/null)"
}

call_http() {
	local m=$1 p=$2 tok=$3 body=${4-} ct=${5-application/json}
	local args=()
	[ "$tok" != - ] && args+=(-H "Authorization: Bearer $tok")
	if [ -n "$body" ]; then
		args+=(-H "Content-Type: $ct" --data-binary "$body")
	elif [ "$m" = POST ] || [ "$m" = PATCH ] || [ "$m" = PUT ]; then
		# What a browser sends for an empty POST; lighttpd wants it.
		args+=(-H "Content-Length: 0")
	fi
	tg_http "$m" "$URL$p" "${args[@]}"
	STATUS=$TG_STATUS
	HEAD=$(cat "$TG_HEADERS")
	BODY=$(cat "$TG_BODY")
	# With --head curl writes the head to the output file too.
	[ "$m" = HEAD ] && BODY=$(sed '1,/^\r\{0,1\}$/d' "$TG_BODY")
}

call() {
	if [ "$TRANSPORT" = fcgi ]; then call_fcgi "$@"; else call_http "$@"; fi
}

# authz TOKEN PATH: one request to the backend with the authorizer in
# front; under /api/admin/ it requires admin:access (as deploy/ sets it).
authz() {
	local tok=$1 p=$2 req=
	if [ "$TRANSPORT" = fcgi ]; then
		case $p in $ADMIN/*) req=admin:access ;; esac
		fcgi_parse "$("$FCGI_CLIENT" --connect "$AUTHZ_SOCKET" \
		    --role authorizer --param REQUEST_METHOD=GET \
		    --param "REQUEST_URI=$p" --param REMOTE_ADDR=127.0.0.1 \
		    --param "HTTP_AUTHORIZATION=Bearer $tok" \
		    ${req:+--param "TOKENGATE_REQUIRE=$req"} 2>/dev/null)"
	else
		call_http GET "$p" "$tok"
	fi
}

tg() { "$TG_BUILD/tokengate" -c "$CONF" "$@"; }
sql() { tg_sql "$@"; }

# mint USER NAME PERM...: a token made by the CLI (prints the raw token).
mint() {
	local u=$1 n=$2 a=() p
	shift 2
	for p in "$@"; do a+=(--permission "$p"); done
	tg token create --user "$u" --name "$n" "${a[@]}"
}

# create TOKEN BODY: POST /tokens; sets NEW_ID and NEW_TOKEN.
create() {
	call POST $A/tokens "$1" "$2"
	NEW_ID=$(jstr id)
	NEW_TOKEN=$(jstr token)
}

# Every change and its audit record exist together or not at all.
db_consistent() {
	[ "$(sql "SELECT COUNT(*) FROM tokens t WHERE NOT EXISTS
	    (SELECT 1 FROM audit_log a WHERE a.target_token_id = t.id AND
	    a.action = 'token.create' AND a.outcome = 'ok')")" = 0 ]
}

# --- setup ---------------------------------------------------------------

for b in tokengate tokengate-api tokengate-authz; do
	[ -x "$TG_BUILD/$b" ] || tg_die "build first: $TG_BUILD/$b is missing"
done
tg_mariadb_init "$TG_DIR/db"
tg_mariadb_start "$TG_DIR/db"
CONF=$TG_DIR/tokengate.conf
tg_write_config "$CONF" rotation_max_grace_seconds=3600 page_limit_max=50 \
    "profile.ci=token:read run:read"
SESSION_CONF=$TG_DIR/session.conf
tg_write_config "$SESSION_CONF" trust_remote_user=yes

tg migrate >/dev/null || tg_die "migrate failed"
tg role grant ops admin:access run:read run:write >/dev/null ||
    tg_die "role grant failed"
tg user add alice --role member >/dev/null
tg user add bob --role member >/dev/null
tg user add carol --role member --role ops >/dev/null
tg user add root --role admin >/dev/null
tg user add rm --role resource_manager >/dev/null
ALICE=$(mint alice alice-main 'token:*')
ALICE_ALL=$(tg token create --user alice --name alice-all --permission 'token:*' \
    --api-rule '*')
BOB=$(mint bob bob-main 'token:*')
CAROL=$(mint carol carol-main 'token:*' 'run:*' admin:access)
ROOT_T=$(mint root root-main '*')
RM=$(mint rm rm-main 'token:*' audit:read)
[ -n "$ALICE" ] && [ -n "$CAROL" ] && [ -n "$ROOT_T" ] ||
    tg_die "cannot create the seed tokens"

# lighttpd reaches everything on unix sockets, Apache on TCP: the
# authorizer, the API and the backend run once for each.
API_SOCKET=$TG_DIR/api.sock
AUTHZ_SOCKET=$TG_DIR/authz.sock
BACKEND_SOCKET=$TG_DIR/backend.sock
API_PORT=$(tg_free_port)
AUTHZ_PORT=$(tg_free_port)
BACKEND_PORT=$(tg_free_port)
SESSION_SOCKET=$TG_DIR/session.sock
DAEMONS=()
daemon() {
	local name=$1 listen=$2
	shift 2
	tg_start "$name" "$TG_DIR/$name.log" "$@" --listen "$listen"
	DAEMONS+=("$name:$TG_LAST_PID")
	case $listen in
	/*) tg_wait_socket "$listen" 20 "$TG_LAST_PID" ;;
	*) tg_wait_port "${listen##*:}" 20 "$TG_LAST_PID" ;;
	esac || tg_die "$name did not start (see $TG_DIR/$name.log)"
}
daemon api "$API_SOCKET" "$TG_BUILD/tokengate-api" -c "$CONF" --threads 4
daemon api-tcp "127.0.0.1:$API_PORT" "$TG_BUILD/tokengate-api" -c "$CONF"
daemon authz "$AUTHZ_SOCKET" "$TG_BUILD/tokengate-authz" -c "$CONF"
daemon authz-tcp "127.0.0.1:$AUTHZ_PORT" "$TG_BUILD/tokengate-authz" -c "$CONF"
daemon session "$SESSION_SOCKET" "$TG_BUILD/tokengate-api" -c "$SESSION_CONF"
tg_echo_backend_start backend "$BACKEND_SOCKET"
tg_echo_backend_start backend-tcp "127.0.0.1:$BACKEND_PORT"
API_LISTEN=$API_SOCKET

# --- the suite, once per transport ---------------------------------------

suite() {
	local id t1 t2 t3 r c seen n i rot tail

	SUITE=$TRANSPORT
	# Health needs no token.
	call GET $A/health -
	check "health" is 200
	check "health fields" eval 'has status && has database'

	# Who may call at all: 401 in the authorizer's format.
	call GET $A/me -
	check "no token: 401 MISSING" eval 'err 401 invalid_token &&
	    [ "$(jstr reason)" = MISSING ]'
	check "401 has a Bearer challenge" hdr 'WWW-Authenticate: Bearer.*invalid_token'
	call GET $A/me "tg_notatoken"
	check "malformed: 401" eval 'is 401 && [ "$(jstr reason)" = MALFORMED ]'
	# The last character changed to one it is not (1 token in 62 ends
	# in "x"), so the check digits can never match.
	if [ "${ALICE: -1}" = x ]; then
		call GET $A/me "${ALICE%?}y"
	else
		call GET $A/me "${ALICE%?}x"
	fi
	check "bad checksum: 401" eval 'is 401 && [ "$(jstr reason)" = MALFORMED ]'

	call GET $A/me "$ALICE"
	check "me" eval 'is 200 && [ "$(jstr user)" = alice ] &&
	    [ "$(jstr via)" = api_token ] && contains "\"roles\":[\"member\"]"'
	call GET $A/profiles "$ALICE"
	check "profiles" eval 'is 200 && contains read-only-analyst &&
	    contains workflow-author && contains full-operator &&
	    contains "\"name\":\"ci\""'

	# Create: 201, the documented fields, the raw token once.
	create "$ALICE" '{"name":"s1 caf\u00e9","expiresInDays":30,"permissions":["token:read"]}'
	check "create 201" is 201
	check "create fields" eval 'has id && has token && has name &&
	    has prefix && has permissions && has apiRules &&
	    has resourceRules && has expiresAt && has createdAt'
	check "create: Location" hdr "Location: $A/tokens/$NEW_ID"
	check "create: token has the id" eval '[ "${NEW_TOKEN:3:12}" = "$NEW_ID" ]'
	id=$NEW_ID
	t1=$NEW_TOKEN
	call GET $A/tokens/$id "$ALICE"
	check "get own" eval 'is 200 && [ "$(jstr state)" = active ] &&
	    ! contains "\"token\":" && ! contains "$t1"'
	check "get: unicode name" contains 's1 café'
	call GET $A/me "$t1"
	check "new token works on the API" eval 'is 200 && [ "$(jstr tokenId)" = "$id" ]'
	create "$ALICE" '{"name":"p","expiresInDays":1,"profile":"ci"}'
	check "profile beyond the caller: 403" eval 'err 403 cannot_grant permissions &&
	    contains "\"permissions\":[\"run:read\"]"'
	create "$CAROL" '{"name":"p","expiresInDays":1,"profile":"ci"}'
	check "profile fills permissions" eval 'is 201 &&
	    contains "\"permissions\":[\"token:read\",\"run:read\"]"'

	# Escalation: never more than the caller has, and a token never more
	# than the token it was made with.
	create "$ALICE" '{"name":"esc","expiresInDays":1,"permissions":["token:read","*"]}'
	check "escalation by a user's token: 403" eval 'err 403 cannot_grant permissions &&
	    contains "\"permissions\":[\"*\"]"'
	create "$CAROL" '{"name":"weak","expiresInDays":2,"permissions":["token:create","run:read"]}'
	t2=$NEW_TOKEN
	create "$t2" '{"name":"stronger","expiresInDays":1,"permissions":["run:write"]}'
	check "escalation through a token: 403" eval 'err 403 cannot_grant &&
	    contains "\"permissions\":[\"run:write\"]"'
	create "$t2" '{"name":"longer","expiresInDays":3,"permissions":["run:read"]}'
	check "a token cannot outlive its maker" eval 'err 403 cannot_grant expiresInDays'
	create "$t2" '{"name":"ok","expiresInDays":1,"permissions":["run:read"]}'
	check "within the maker's limits: 201" is 201
	call GET $A/me "$t2"
	check "token:read missing from the token: 403 with scope" eval \
	    'is 403 && [ "$(jstr reason)" = INSUFFICIENT_PERMISSIONS ]'
	check "403 names the scope" hdr 'insufficient_scope", scope="token:read"'

	# Bad input: 400 with the field at fault.
	create "$ALICE" '{"name":"x","expiresInDays":1,'
	check "bad JSON" err 400 invalid_json
	create "$ALICE" '{"name":"x","expiresInDays":1,"permissions":["token:read"],"permissions":["*"]}'
	check "duplicate member" err 400 invalid_json permissions
	create "$ALICE" "{'name':'x'}"
	check "single quotes" err 400 invalid_json
	create "$ALICE" '{"name":"x","expiresInDays":1,"permissions":["token:read"],"owner":"root"}'
	check "unknown member" err 400 unknown_field owner
	create "$ALICE" '{"name":7,"expiresInDays":1,"permissions":["token:read"]}'
	check "wrong type" err 400 invalid_field name
	create "$ALICE" "{\"name\":\"$(printf 'n%.0s' $(seq 1 129))\",\"expiresInDays\":1,\"permissions\":[\"token:read\"]}"
	check "over-long name" err 400 invalid_field name
	create "$ALICE" '{"name":"x","expiresInDays":1,"apiRules":["GET /ok","GET nope"]}'
	check "bad rule" err 400 invalid_field 'apiRules[1]'
	create "$ALICE" '{"name":"x","expiresInDays":1,"permissions":["token:read"],"allowedCidrs":["10.0.0.1/8"]}'
	check "bad CIDR" err 400 invalid_field 'allowedCidrs[0]'
	create "$ALICE" '{"name":"x","permissions":["token:read"]}'
	check "missing expiry" err 400 missing_field expiresInDays
	create "$ALICE" '{"name":"x","expiresInDays":366,"permissions":["token:read"]}'
	check "expiry out of range" err 400 invalid_field expiresInDays
	create "$ALICE" '{"name":"x","expiresInDays":0,"permissions":["token:read"]}'
	check "expiry 0" err 400 invalid_field expiresInDays
	create "$ALICE" '{"name":"x","expiresInDays":1,"environments":["Prod"],"permissions":["token:read"]}'
	check "bad environment" err 400 invalid_field 'environments[0]'
	call POST $A/tokens "$ALICE" '{"name":"x","expiresInDays":1}' text/plain
	check "415" err 415 unsupported_media_type
	call POST $A/tokens "$ALICE" "{\"name\":\"$(head -c 70000 /dev/zero | tr '\0' x)\"}"
	check "413" err 413 payload_too_large

	# Routes and methods.
	call PUT $A/tokens "$ALICE" '{}'
	check "405" eval 'err 405 method_not_allowed && hdr "Allow: GET, HEAD, POST"'
	call POST $A/tokens/$id "$ALICE" '{}'
	check "405 on a token" hdr 'Allow: GET, HEAD, PATCH, DELETE'
	call GET $A/tokens/$id/rotate "$ALICE"
	check "405 on rotate" hdr 'Allow: POST'
	call GET $A/nothing "$ALICE"
	check "unknown route" err 404 not_found
	call GET $A/tokens/abc "$ALICE"
	check "malformed id" err 404 not_found
	call GET $A/tokens/AAAAAAAAAAAA "$ALICE"
	check "unknown id" err 404 not_found
	call HEAD $A/me "$ALICE"
	check "HEAD" eval 'is 200 && [ -z "$BODY" ]'

	# Another user's token: 404, never a hint that it exists.
	call GET $A/tokens/$id "$BOB"
	check "other's token: GET 404" err 404 not_found
	call PATCH $A/tokens/$id "$BOB" '{"name":"mine"}'
	check "other's token: PATCH 404" err 404 not_found
	call DELETE $A/tokens/$id "$BOB"
	check "other's token: DELETE 404" err 404 not_found
	call POST $A/tokens/$id/rotate "$BOB"
	check "other's token: rotate 404" err 404 not_found
	call GET $A/tokens/$id "$ROOT_T"
	check "token:admin sees it" eval 'is 200 && [ "$(jstr user)" = alice ]'
	call POST $A/tokens/$id/rotate "$ROOT_T"
	check "token:admin cannot take it over" err 403 cannot_grant
	call GET $A/tokens/$id "$t1"
	check "still alice's" is 200

	# PATCH: rename, shrink, never grow.
	# ALICE's token has no API rules (API mode is off for it), so it
	# cannot hand API rules on; ALICE_ALL's has "*".
	call PATCH $A/tokens/$id "$ALICE" '{"name":"renamed","apiRules":["GET /api/auth/**"]}'
	check "patch: no API rules cannot give API rules" err 403 cannot_grant apiRules
	call PATCH $A/tokens/$id "$ALICE_ALL" '{"name":"renamed","apiRules":["GET /api/auth/**"],"allowedCidrs":["127.0.0.1","::1"]}'
	check "patch" eval 'is 200 && [ "$(jstr name)" = renamed ] &&
	    contains "\"allowedCidrs\":[\"127.0.0.1/32\",\"::1/128\"]"'
	call GET $A/me "$t1"
	check "patched rules allow GET" is 200
	call PATCH $A/tokens/$id "$ALICE" '{"permissions":["token:read","token:revoke"]}'
	check "patch cannot grow" eval 'err 403 cannot_grant permissions &&
	    contains "\"permissions\":[\"token:revoke\"]"'
	call PATCH $A/tokens/$id "$ALICE" '{"expiresInDays":300}'
	check "patch: expiry is not changeable" err 400 unknown_field expiresInDays
	call PATCH $A/tokens/$id "$ALICE" '{}'
	check "patch: empty" err 400 missing_field
	call PATCH $A/tokens/$id "$t1" '{"name":"self"}'
	check "patch needs token:create" eval 'is 403 && [ "$(jstr reason)" = INSUFFICIENT_PERMISSIONS ]'
	call PATCH $A/tokens/$id "$ALICE" '{"permissions":[]}'
	check "patch shrinks to nothing" eval 'is 200 && contains "\"permissions\":[]"'
	call GET $A/me "$t1"
	check "the shrunk token lost token:read" is 403

	# Revoke: 204, twice too, and the very next authorizer request fails.
	create "$CAROL" '{"name":"backend","expiresInDays":5,"permissions":["admin:access"]}'
	r=$NEW_ID
	t3=$NEW_TOKEN
	authz "$t3" /api/admin/data
	check "backend allows a fresh token" is 200
	[ "$TRANSPORT" = fcgi ] || check "backend sees REMOTE_USER" contains 'REMOTE_USER=carol'
	call DELETE $A/tokens/$r "$CAROL"
	check "revoke 204" eval 'is 204 && [ -z "$BODY" ]'
	authz "$t3" /api/admin/data
	check "revoked: next authorizer request 401 REVOKED" eval 'is 401 &&
	    contains REVOKED'
	call DELETE $A/tokens/$r "$CAROL"
	check "revoke twice: 204" is 204
	call GET $A/tokens/$r "$CAROL"
	check "revoked state" eval 'is 200 && [ "$(jstr state)" = revoked ] && has revokedAt'
	call PATCH $A/tokens/$r "$CAROL" '{"name":"zombie"}'
	check "patch a revoked token: 409" err 409 token_inactive
	call POST $A/tokens/$r/rotate "$CAROL"
	check "rotate a revoked token: 409" err 409 token_inactive

	# Rotation with a grace: the old secret works until the new one is used.
	create "$CAROL" '{"name":"rot","expiresInDays":5,"permissions":["admin:access","token:read","token:create","token:revoke"]}'
	rot=$NEW_ID
	t1=$NEW_TOKEN
	call POST $A/tokens/$rot/rotate "$CAROL" '{"graceSeconds":600}'
	check "rotate 200" eval 'is 200 && has token && has oldSecretValidUntil &&
	    [ "$(jstr id)" = "$rot" ] && [ -n "$(jstr oldSecretValidUntil)" ]'
	t2=$(jstr token)
	check "new secret, same id" eval '[ "$t2" != "$t1" ] && [ "${t2:3:12}" = "$rot" ]'
	authz "$t1" /api/admin/x
	check "grace: old secret still works" is 200
	authz "$t1" /api/admin/x
	check "grace: old secret works again" is 200
	# The old secret may be the leaked one: in its grace it keeps the
	# token's rights at the gate, but it cannot take the token over.
	call POST $A/tokens/$rot/rotate "$t1" '{"graceSeconds":0}'
	check "old secret cannot rotate its token" err 403 previous_secret
	call PATCH $A/tokens/$rot "$t1" '{"name":"taken over"}'
	check "old secret cannot change its token" err 403 previous_secret
	create "$t1" '{"name":"minted by old","expiresInDays":1,"permissions":["token:read"]}'
	check "old secret cannot mint" err 403 previous_secret
	call DELETE $A/tokens/${CAROL:3:12} "$t1"
	check "old secret cannot revoke another token" err 403 previous_secret
	call GET $A/me "$t1"
	check "old secret may still read" eval 'is 200 && [ "$(jstr secret)" = previous ]'
	call GET "$A/audit?token=$rot&action=token.rotate&limit=50" "$RM"
	check "audit tells the owner's rotation from the old secret's" eval \
	    'contains "\"secret\":\"previous\",\"action\":\"token.rotate\"" &&
	    contains "\"outcome\":\"denied\"" && contains "\"via\":\"api_token\""'
	call GET $A/tokens/$rot "$CAROL"
	check "grace shown" eval '[ -n "$(jstr oldSecretValidUntil)" ]'
	authz "$t2" /api/admin/x
	check "grace: the owner's new secret still works" is 200
	# The end of the grace is written by the background writer (at most
	# a second in the authorizer, right after the reply in the API).
	for i in $(seq 1 30); do
		authz "$t1" /api/admin/x
		is 401 && break
		sleep 0.1
	done
	check "first use of the new secret ended the old" eval 'is 401 &&
	    contains NOT_FOUND'
	call GET $A/tokens/$rot "$CAROL"
	check "grace gone" contains '"oldSecretValidUntil":null'
	# Without a grace the old secret dies at once.
	call POST $A/tokens/$rot/rotate "$CAROL" '{"graceSeconds":0}'
	check "rotate without grace" eval 'is 200 && contains "\"oldSecretValidUntil\":null"'
	t3=$(jstr token)
	authz "$t2" /api/admin/x
	check "no grace: old secret refused at once" is 401
	authz "$t3" /api/admin/x
	check "no grace: new secret works" is 200
	call POST $A/tokens/$rot/rotate "$t3"
	check "a token may rotate itself (empty body)" is 200
	t1=$(jstr token)
	authz "$t1" /api/admin/x
	check "the self-rotated secret works" is 200
	authz "$t3" /api/admin/x
	check "and the one that asked is gone" is 401
	call POST $A/tokens/$rot/rotate "$CAROL" '{"graceSeconds":3601}'
	check "grace above the maximum" err 400 invalid_field graceSeconds
	call POST $A/tokens/$rot/rotate "$CAROL" '{"grace":1}'
	check "rotate: unknown member" err 400 unknown_field grace

	# A role downgrade shrinks existing tokens at once.
	create "$CAROL" '{"name":"ops","expiresInDays":5,"permissions":["admin:access","token:read"]}'
	t1=$NEW_TOKEN
	authz "$t1" /api/admin/y
	check "before the downgrade" is 200
	tg role revoke ops admin:access >/dev/null
	authz "$t1" /api/admin/y
	check "after the downgrade: 403" eval 'is 403 && contains INSUFFICIENT_PERMISSIONS'
	call GET $A/me "$t1"
	check "me no longer lists admin:access" eval 'is 200 &&
	    contains "\"permissions\":[\"token:read\"]"'
	call GET $A/tokens "$t1"
	check "effective permissions shrank" contains '"effectivePermissions":["token:read"]'
	tg role grant ops admin:access >/dev/null
	authz "$t1" /api/admin/y
	check "after the re-grant" is 200

	# Lists: own, paginated, filtered; others' only with token:admin.
	for i in 1 2 3; do
		create "$BOB" "{\"name\":\"page$i\",\"expiresInDays\":$i,\"permissions\":[\"token:read\"]}"
	done
	seen=""
	c=""
	n=0
	while :; do
		call GET "$A/tokens?limit=2${c:+&cursor=$c}" "$BOB"
		is 200 || break
		seen="$seen $(printf '%s' "$BODY" | grep -o '"id":"[^"]*"' | tr '\n' ' ')"
		n=$((n + 1))
		c=$(jstr nextCursor)
		[ -z "$c" ] && break
		[ $n -gt 50 ] && break
	done
	total=$(sql "SELECT COUNT(*) FROM tokens t JOIN users u ON u.id = t.user_id WHERE u.name = 'bob'")
	check "pagination walks every token once" eval '[ "$(echo $seen | wc -w)" = "$total" ] &&
	    [ "$(echo $seen | tr " " "\n" | sort -u | wc -l)" = "$total" ] && [ $n -ge 2 ]'
	call GET "$A/tokens?state=revoked" "$CAROL"
	check "state filter" eval 'is 200 && contains "\"state\":\"revoked\"" &&
	    ! contains "\"state\":\"active\""'
	call GET "$A/tokens?all=1" "$ALICE"
	check "all without token:admin: 403" eval 'is 403 &&
	    [ "$(jstr reason)" = INSUFFICIENT_PERMISSIONS ]'
	call GET "$A/tokens?user=bob" "$ALICE"
	check "another user without token:admin: 403" is 403
	call GET "$A/tokens?user=alice" "$ALICE"
	check "user=self is fine" is 200
	call GET "$A/tokens?all=1&limit=50" "$ROOT_T"
	check "all with token:admin" eval 'is 200 && contains "\"user\":\"bob\"" &&
	    contains "\"user\":\"carol\""'
	call GET "$A/tokens?user=bob" "$RM"
	check "resource_manager lists bob's" eval 'is 200 && contains page1 &&
	    ! contains "\"user\":\"alice\""'
	call GET "$A/tokens?limit=0" "$ALICE"
	check "limit 0" err 400 invalid_parameter limit
	call GET "$A/tokens?limit=51" "$ALICE"
	check "limit above page_limit_max" err 400 invalid_parameter limit
	call GET "$A/tokens?cursor=junk" "$ALICE"
	check "bad cursor" err 400 invalid_parameter cursor
	call GET "$A/tokens?state=gone" "$ALICE"
	check "bad state" err 400 invalid_parameter state
	call GET "$A/tokens?color=red" "$ALICE"
	check "unknown parameter" err 400 invalid_parameter color
	call GET "$A/tokens?limit=1&limit=2" "$ALICE"
	check "repeated parameter" err 400 invalid_parameter limit

	# Audit: every action and every refused attempt, read with audit:read.
	call GET "$A/audit" "$ALICE"
	check "audit needs audit:read" eval 'is 403 &&
	    [ "$(jstr reason)" = INSUFFICIENT_PERMISSIONS ]'
	call GET "$A/audit?token=$rot&limit=50" "$RM"
	check "audit of a token" eval 'is 200 && contains "\"action\":\"token.create\"" &&
	    contains "\"action\":\"token.rotate\"" && contains "\"outcome\":\"ok\"" &&
	    contains "\"actor\":\"carol\"" && contains "\"via\":\"api_token\"" &&
	    contains "\"remoteAddr\":\"127.0.0.1\""'
	check "audit: rotate without grace recorded" contains 'graceSeconds=0'
	call GET "$A/audit?token=$id&limit=50" "$RM"
	check "audit: update and refused update" eval 'contains "\"action\":\"token.update\"" &&
	    contains "\"outcome\":\"denied\"" && contains "\"outcome\":\"invalid\"" &&
	    contains "\"outcome\":\"not_found\""'
	call GET "$A/audit?token=$r" "$RM"
	check "audit: revoke and revoke again" eval 'contains "\"action\":\"token.revoke\"" &&
	    contains "already revoked" && contains "\"outcome\":\"conflict\""'
	call GET "$A/audit?action=token.create&user=alice&limit=50" "$ROOT_T"
	check "audit: refused escalation recorded" eval 'is 200 &&
	    contains "\"outcome\":\"denied\"" && contains "cannot grant"'
	call GET "$A/audit?limit=1" "$RM"
	c=$(jstr nextCursor)
	call GET "$A/audit?limit=1&cursor=$c" "$RM"
	check "audit pagination" eval 'is 200 && [ -n "$c" ] && has entries &&
	    [ "$(jstr nextCursor)" != "$c" ]'
	call GET "$A/audit?since=2999-01-01T00:00:00Z" "$RM"
	check "audit since the future: empty" contains '"entries":[]'
	call GET "$A/audit?until=1970-01-02T00:00:00Z" "$RM"
	check "audit until 1970: empty" contains '"entries":[]'
	call GET "$A/audit?since=yesterday" "$RM"
	check "audit: bad time" err 400 invalid_parameter since
	call GET "$A/audit?action=DROP%20TABLE" "$RM"
	check "audit: bad action" err 400 invalid_parameter action
}

TRANSPORT=fcgi
suite

# --- lighttpd: deploy/lighttpd/lighttpd.conf -----------------------------

if command -v lighttpd >/dev/null; then
	TG_AUTHZ_SOCKET=$AUTHZ_SOCKET TG_BACKEND_SOCKET=$BACKEND_SOCKET \
	    TG_API_SOCKET=$API_SOCKET tg_lighttpd_start
	URL=$TG_LIGHTTPD_URL
	TRANSPORT=lighttpd
	suite
	tg_stop lighttpd
else
	tg_skip "lighttpd" "not installed"
fi

# --- Apache with mod_authnz_fcgi: deploy/apache/httpd.conf -----------------

if command -v apache2 >/dev/null &&
    [ -f /usr/lib/apache2/modules/mod_authnz_fcgi.so ]; then
	TG_AUTHZ_ADDR=127.0.0.1:$AUTHZ_PORT \
	    TG_BACKEND_ADDR=127.0.0.1:$BACKEND_PORT \
	    TG_API_ADDR=127.0.0.1:$API_PORT tg_apache_start authnz
	URL=$TG_APACHE_URL
	APACHE_NAME=apache-authnz
	TRANSPORT=apache
	suite
	tg_stop "$APACHE_NAME"
else
	tg_skip "apache" "apache2 with mod_authnz_fcgi is not installed"
fi

# --- FastCGI only: what no web server sends ------------------------------

TRANSPORT=fcgi
SUITE=fcgi-only
EXTRA=()
body='{"name":"nolen","expiresInDays":1,"permissions":["token:read"]}'
raw() {
	fcgi_parse "$("$FCGI_CLIENT" --connect "$API_LISTEN" --role responder \
	    --param REQUEST_METHOD=POST --param "REQUEST_URI=$A/tokens" \
	    --param REMOTE_ADDR=127.0.0.1 \
	    --param "HTTP_AUTHORIZATION=Bearer $ALICE" \
	    --param CONTENT_TYPE=application/json "$@" 2>/dev/null)"
}
raw --stdin-body "$body"
check "no CONTENT_LENGTH: the body is read up to the limit" is 201
raw --param CONTENT_LENGTH=900 --stdin-body "$body"
check "body shorter than CONTENT_LENGTH: 400" err 400 invalid_request
raw --param CONTENT_LENGTH=99999999999 --stdin-body "$body"
check "huge CONTENT_LENGTH: 413 before reading" err 413 payload_too_large
raw --param CONTENT_LENGTH=-1 --stdin-body "$body"
check "bad CONTENT_LENGTH: 400" err 400 invalid_request
raw --stdin-body "$(head -c 70000 /dev/zero | tr '\0' ' ')$body"
check "no CONTENT_LENGTH and too much: 413" err 413 payload_too_large
call GET "$A/me%2f" "$ALICE"
check "encoded slash: 400" err 400 invalid_request
call GET "$A/tokens/../me" "$ALICE"
check "dot segments are resolved" eval 'is 200 && [ "$(jstr user)" = alice ]'
call POST $A/tokens "$ALICE" "$body" 'application/json; charset=utf-8'
check "charset=utf-8 is JSON" is 201
call POST $A/tokens "$ALICE" "$body" 'application/json; charset=latin1'
check "another charset: 415" err 415 unsupported_media_type
call POST $A/tokens "$ALICE" '{"name":"x\u0000y","expiresInDays":1,"permissions":["token:read"]}'
check "NUL escape in name" err 400 invalid_field name
call POST $A/tokens "$ALICE" '{"name":"x","expiresInDays":1,"permissions":["token:read"],"n\u0061me":"y"}'
check "duplicate member spelled with an escape" err 400 invalid_json name

# A restricted token cannot lift its own restrictions, and what it mints
# inherits them.
R=$(tg token create --user carol --name restricted --permission 'token:*' \
    --permission admin:access --cidr 127.0.0.0/8 --env staging \
    --api-rule "GET $A/**" --api-rule "POST $A/tokens" \
    --api-rule "PATCH $A/tokens/*")
RID=${R:3:12}
call GET $A/me "$R"
check "environment limit applies to the API" eval 'is 403 &&
    [ "$(jstr reason)" = ENV_DENIED ]'
EXTRA=(--param TOKENGATE_ENV=staging)
call GET $A/me "$R"
check "in its environment" is 200
call DELETE $A/tokens/$RID "$R"
check "its API rules apply to the API" eval 'is 403 &&
    [ "$(jstr reason)" = NO_RULE_MATCHED ]'
create "$R" '{"name":"child","expiresInDays":5,"permissions":["admin:access"]}'
check "a child inherits the limits" eval 'is 201 &&
    contains "\"allowedCidrs\":[\"127.0.0.0/8\"]" &&
    contains "\"environments\":[\"staging\"]" && contains "\"apiRules\":[\"GET"'
create "$R" '{"name":"child","expiresInDays":5,"permissions":["admin:access"],"environments":[]}'
check "a child cannot drop an environment limit" err 403 cannot_grant environments
create "$R" '{"name":"child","expiresInDays":5,"permissions":["admin:access"],"allowedCidrs":["10.0.0.0/8"]}'
check "a child cannot widen CIDRs" err 403 cannot_grant 'allowedCidrs[0]'
create "$R" '{"name":"child","expiresInDays":5,"permissions":["admin:access"],"apiRules":["*"]}'
check "a child cannot have other API rules" err 403 cannot_grant apiRules

# Empty is not unrestricted: a token with no rules of a kind has that kind
# of access off, so it can neither mint a child with it nor give it to
# itself.
N=$(tg token create --user carol --name norules --permission token:create \
    --permission token:read)
NID=${N:3:12}
authz "$N" /api/data
check "no API rules: refused in API mode" eval 'is 403 &&
    contains NO_RULE_MATCHED'
create "$N" '{"name":"c","expiresInDays":1,"permissions":["token:read"],"apiRules":["*"]}'
check "no API rules: cannot mint a child with \"*\"" err 403 cannot_grant apiRules
create "$N" '{"name":"c","expiresInDays":1,"permissions":["token:read"],"apiRules":["GET /api/data"]}'
check "no API rules: cannot mint a child with any allow rule" err 403 cannot_grant apiRules
create "$N" '{"name":"c","expiresInDays":1,"permissions":["token:read"],"resourceRules":["*"]}'
check "no resource rules: cannot mint a child with \"*\"" err 403 cannot_grant resourceRules
call PATCH $A/tokens/$NID "$N" '{"apiRules":["*"]}'
check "no API rules: cannot give itself \"*\"" err 403 cannot_grant apiRules
call PATCH $A/tokens/$NID "$N" '{"resourceRules":["category:*"]}'
check "no resource rules: cannot give itself any" err 403 cannot_grant resourceRules
authz "$N" /api/data
check "no API rules: still refused in API mode" eval 'is 403 &&
    contains NO_RULE_MATCHED'
create "$N" '{"name":"c","expiresInDays":1,"permissions":["token:read"]}'
check "no rules: a child without rules is minted" eval 'is 201 &&
    contains "\"apiRules\":[]" && contains "\"resourceRules\":[]"'
create "$N" '{"name":"c","expiresInDays":1,"permissions":["token:read"],"apiRules":["!GET /x"]}'
check "no rules: a child with only deny rules is minted" is 201
AO=$(tg token create --user carol --name apionly --permission token:create \
    --permission token:read --api-rule '*')
create "$AO" '{"name":"c","expiresInDays":1,"permissions":["token:read"],"resourceRules":["*"]}'
check "API rules but no resource rules: no resource \"*\" child" err 403 \
    cannot_grant resourceRules
create "$AO" '{"name":"c","expiresInDays":1,"permissions":["token:read"],"apiRules":["GET /api/**"]}'
check "a caller with \"*\" may mint narrower API rules" is 201
call PATCH $A/tokens/$RID "$R" '{"allowedCidrs":[]}'
check "a token cannot lift its own CIDR limit" err 403 cannot_grant allowedCidrs
call PATCH $A/tokens/$RID "$R" '{"allowedCidrs":["127.0.0.1"]}'
check "but it may narrow it" is 200
EXTRA=(--param TOKENGATE_ENV=staging --param REMOTE_ADDR=10.9.9.9)
fcgi_parse "$("$FCGI_CLIENT" --connect "$API_LISTEN" --role responder \
    --param REQUEST_METHOD=GET --param "REQUEST_URI=$A/me" \
    --param REMOTE_ADDR=10.9.9.9 --param TOKENGATE_ENV=staging \
    --param "HTTP_AUTHORIZATION=Bearer $R" 2>/dev/null)"
check "its CIDRs apply to the API" eval 'is 403 &&
    [ "$(jstr reason)" = IP_DENIED ]'
EXTRA=()

# Rotating hands out a secret: a weak token cannot rotate a strong sibling
# (and so obtain its secret), only itself or what it could have created.
create "$CAROL" '{"name":"weak","expiresInDays":1,"permissions":["token:create"]}'
WEAK=$NEW_TOKEN
WEAK_ID=$NEW_ID
CAROL_ID=${CAROL:3:12}
call POST $A/tokens/$CAROL_ID/rotate "$WEAK"
check "a weak token cannot rotate a strong sibling" eval 'err 403 cannot_grant &&
    contains "admin:access"'
call GET "$A/audit?token=$CAROL_ID&action=token.rotate" "$RM"
check "the refused rotation is audited" contains '"outcome":"denied"'
call POST $A/tokens/$WEAK_ID/rotate "$WEAK"
check "but it can rotate itself" is 200

# Refused attempts always reach the audit log, whatever the client sent:
# input cut in the middle of a UTF-8 character used to make the detail
# invalid utf8mb4, and MariaDB refused the record.
E2=$'\xc3\xa9'
P139=$(printf 'a%.0s' $(seq 1 139))
P59=$(printf 'k%.0s' $(seq 1 59))
P63=$(printf 'p%.0s' $(seq 1 63))
P39=$(printf 'e%.0s' $(seq 1 39))
audited() {
	sql "SELECT COUNT(*) FROM audit_log WHERE action = 'token.create' AND
	    outcome IN ('invalid', 'denied') AND actor = 'alice'"
}
before=$(audited)
bad=0
for b in \
    "{\"name\":\"x\",\"expiresInDays\":1,\"permissions\":[\"$P139$E2\"]}" \
    "{\"name\":\"x\",\"expiresInDays\":1,\"permissions\":[\"token:read\"],\"environments\":[\"$P39$E2\"]}" \
    "{\"name\":\"x\",\"expiresInDays\":1,\"$P59$E2\":1}" \
    "{\"name\":\"x\",\"expiresInDays\":1,\"profile\":\"$P63$E2\"}" \
    '{"name":"x","expiresInDays":1,"permissions":["a:b\nforged: yes"]}' \
    '{"name":"x","expiresInDays":1,"permissions":["token:read"],"apiRules":["GET /\u00e9\u0001"]}' \
    "{\"name\":\"x\",\"expiresInDays\":1,\"permissions\":[\"token:read\"],\"allowedCidrs\":[\"10.0.0.0/8$E2\"]}"; do
	call POST $A/tokens "$ALICE" "$b"
	is 400 || bad=$((bad + 1))
done
check "7 hostile bodies refused with 400" eval '[ $bad = 0 ]'
check "every one of the 7 refusals is audited" eval \
    '[ "$(audited)" = $((before + 7)) ]'
check "no audit detail holds a raw newline or control" eval \
    '[ "$(sql "SELECT COUNT(*) FROM audit_log WHERE detail REGEXP
        \"[[:cntrl:]]\"")" = 0 ]'
check "the forged line is quoted, not stored" eval \
    '[ "$(sql "SELECT COUNT(*) FROM audit_log WHERE INSTR(detail,
        CONCAT(\"a:b\", CHAR(92), \"x0aforged\")) > 0")" = 1 ]'
# A detail the database refuses: retried without it, never dropped.
# (A NULL in a NOT NULL column fails the insert: a one-statement trigger.)
tg_sql_admin "CREATE TRIGGER $TG_DB_NAME.tg_test_refuse BEFORE INSERT ON
    $TG_DB_NAME.audit_log FOR EACH ROW SET NEW.via =
    IF(NEW.detail LIKE '%refuse-me%', NULL, NEW.via)" ||
    bad "cannot create the test trigger"
before=$(audited)
call POST $A/tokens "$ALICE" '{"name":"x","expiresInDays":1,"refuse-me":1}'
check "a refused detail: the refusal still answered" err 400 unknown_field
check "a refused detail: recorded without it" eval \
    '[ "$(audited)" = $((before + 1)) ] && [ "$(sql "SELECT detail FROM
        audit_log ORDER BY id DESC LIMIT 1")" = "(the detail of this refusal could not be stored)" ]'
tg_sql_admin "DROP TRIGGER $TG_DB_NAME.tg_test_refuse"
tg_sql_admin "CREATE TRIGGER $TG_DB_NAME.tg_test_refuse BEFORE INSERT ON
    $TG_DB_NAME.audit_log FOR EACH ROW SET NEW.via =
    IF(NEW.outcome = 'invalid', NULL, NEW.via)" ||
    bad "cannot create the test trigger"
call POST $A/tokens "$ALICE" '{"name":"x","expiresInDays":1,"nope":1}'
check "no audit record possible: 503, not the refusal" eval 'err 503 \
    temporarily_unavailable && hdr "Retry-After: 1"'
tg_sql_admin "DROP TRIGGER $TG_DB_NAME.tg_test_refuse"
# A 403 on a route that changes tokens comes from a caller whose secret
# matched: it is a refused attempt, audited like the others.
RO=$(mint alice ro-only token:read)
before=$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'token.create'
    AND outcome = 'denied' AND actor_token_id = '${RO:3:12}'")
create "$RO" '{"name":"x","expiresInDays":1,"permissions":["token:read"]}'
check "no token:create: 403" eval 'is 403 &&
    [ "$(jstr reason)" = INSUFFICIENT_PERMISSIONS ]'
check "the refused create is audited with the token" eval \
    '[ "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = \"token.create\"
        AND outcome = \"denied\" AND actor_token_id = \"${RO:3:12}\"")" = $((before + 1)) ]'

# `tokengate check` explains; it never writes.  With a rotated token's new
# secret it must not end the old secret's grace.
create "$ALICE" '{"name":"explain","expiresInDays":1,"permissions":["token:read"]}'
XID=$NEW_ID
call POST $A/tokens/$XID/rotate "$ALICE" '{"graceSeconds":600}'
XNEW=$(jstr token)
XOLD=$NEW_TOKEN
out=$(tg check --token "$XNEW" --method GET --uri /api/x --require token:read)
check "check with the new secret: allow" eval 'printf "%s" "$out" | grep -q "decision: allow"'
sleep 1.5
check "check did not end the grace" eval '[ "$(sql "SELECT prev_hash IS NOT NULL
    FROM tokens WHERE id = \"$XID\"")" = 1 ]'
out=$(tg check --token "$XOLD" --method GET --uri /api/x --require token:read)
check "check with the old secret: allowed, and says so" eval \
    'printf "%s" "$out" | grep -q "decision: allow" &&
    printf "%s" "$out" | grep -q "secret:   previous"'
check "nothing written by check: no last-used" eval '[ "$(sql "SELECT
    last_used_at IS NULL FROM tokens WHERE id = \"$XID\"")" = 1 ]'

# trust_remote_user: sessions from the web server's own authentication.
API_LISTEN=$SESSION_SOCKET
EXTRA=(--param REMOTE_USER=alice)
call GET $A/me -
check "session: me" eval 'is 200 && [ "$(jstr via)" = session ] &&
    contains "\"tokenId\":null"'
create - '{"name":"from a session","expiresInDays":3,"permissions":["token:read"]}'
check "session: create" is 201
call GET "$A/audit?token=$NEW_ID" "$ROOT_T"
check "session: audited as session" eval 'contains "\"via\":\"session\"" &&
    contains "\"actor\":\"alice\""'
call GET $A/me "tg_notatoken"
check "session: a bad bearer token is not masked" is 401
create - '{"name":"x","expiresInDays":3,"permissions":["*"]}'
check "session: only the user's role permissions" err 403 cannot_grant permissions
EXTRA=(--param REMOTE_USER=nobody)
call GET $A/me -
check "session: unknown user 403" is 403
EXTRA=(--param REMOTE_USER=rm)
call GET $A/audit -
check "session: role permissions apply" is 200
API_LISTEN=$API_SOCKET
EXTRA=(--param REMOTE_USER=alice)
call GET $A/me -
check "without trust_remote_user REMOTE_USER is ignored" eval 'is 401 &&
    [ "$(jstr reason)" = MISSING ]'
EXTRA=()

# --- the OpenAPI document against the live routes ------------------------

SUITE=openapi
# One line per operation: METHOD PATH STATUS SCHEMA ("-": no body).
ops=$(awk '
	/^paths:/ { inpaths = 1; next }
	/^[a-z]/ { inpaths = 0 }
	!inpaths { next }
	/^  \// { path = $1; sub(/:$/, "", path); next }
	/^    (get|post|patch|put|delete):/ {
		m = $1; sub(/:$/, "", m); st = ""; want = 1; next
	}
	want && /^        "2[0-9][0-9]":/ {
		st = substr($1, 2, 3)
		if (st == "204") { print toupper(m), path, st, "-"; want = 0 }
		next
	}
	want && st != "" && /\$ref:/ {
		s = $2; gsub(/"/, "", s); sub(/.*\//, "", s)
		print toupper(m), path, st, s; want = 0
	}' "$SPEC")
required() {
	awk -v name="$1" '
		/^  schemas:/ { s = 1; next }
		s && $0 ~ "^    " name ":$" { f = 1; next }
		f && /^      required:/ {
			sub(/.*\[/, ""); sub(/\].*/, ""); gsub(/,/, " "); print; exit
		}
		f && /^    [A-Za-z]/ { exit }' "$SPEC"
}
check "the document lists the operations" eval \
    '[ "$(printf "%s\n" "$ops" | grep -c .)" -ge 10 ]'
check "its schemas list required members" eval '[ -n "$(required Token)" ] &&
    [ -n "$(required Error)" ]'
create "$ALICE" '{"name":"openapi","expiresInDays":2,"permissions":["token:read"]}'
OID=$NEW_ID
while read -r m p st schema; do
	[ -n "$m" ] || continue
	path=${p//\{id\}/$OID}
	case "$m $p" in
	"GET /tokens"|"GET /tokens/{id}"|"GET /profiles"|"GET /me")
		call GET "$A$path" "$ALICE" ;;
	"GET /audit") call GET "$A$path" "$RM" ;;
	"GET /health") call GET "$A$path" - ;;
	"POST /tokens")
		call POST "$A$path" "$ALICE" '{"name":"o","expiresInDays":1,"permissions":["token:read"]}' ;;
	"PATCH /tokens/{id}") call PATCH "$A$path" "$ALICE" '{"name":"o2"}' ;;
	"POST /tokens/{id}/rotate")
		call POST "$A$path" "$ALICE" '{"graceSeconds":5}' ;;
	"DELETE /tokens/{id}") continue ;;	# last, below
	*) bad "no test request for $m $p"; continue ;;
	esac
	check "$m $p answers $st" is "$st"
	for f in $(required "$schema"); do
		check "$m $p has $f" has "$f"
	done
done <<<"$ops"
if printf '%s\n' "$ops" | grep -q '^DELETE /tokens/{id} 204'; then
	call DELETE "$A/tokens/$OID" "$ALICE"
	check "DELETE /tokens/{id} answers 204" is 204
else
	bad "the document lacks DELETE /tokens/{id} 204"
fi

# --- all-or-nothing writes, then the database going away -----------------

SUITE=database
check "every token has its create audit record" db_consistent
before=$(sql "SELECT COUNT(*) FROM tokens")
tg_mariadb_stop
call GET $A/me "$ALICE"
check "database down: 503 for callers" eval 'is 503 &&
    [ "$(jstr error)" = temporarily_unavailable ] && hdr "Retry-After: 1"'
call POST $A/tokens "$ALICE" '{"name":"x","expiresInDays":1,"permissions":["token:read"]}'
check "database down: create 503" is 503
call GET $A/health -
check "database down: health 503" eval 'is 503 &&
    contains "\"database\":\"down\""'
TRANSPORT=fcgi authz "$CAROL" $ADMIN/x
check "database down: the authorizer fails closed" is 503
tg_mariadb_start "$TG_DIR/db"
sleep 1.2	# past the store's reconnect backoff (at most 1 s)
call GET $A/me "$ALICE"
check "database back: served again" is 200
check "nothing half-written" eval '[ "$(sql "SELECT COUNT(*) FROM tokens")" = "$before" ] &&
    db_consistent'

# --- logs ----------------------------------------------------------------
#
# Sanitizer reports (TG_BUILD=build-asan), leaks included, reach the logs
# when the programs exit, so stop them cleanly first.
SUITE=logs
for d in "${DAEMONS[@]}"; do
	name=${d%%:*} pid=${d#*:}
	TG_STOP_TIMEOUT=10 tg_stop "$pid"
	check "$name stops on SIGTERM" eval '! kill -0 $pid 2>/dev/null'
	check "$name: no sanitizer report" eval \
	    '! grep -q "Sanitizer\|runtime error" "$TG_DIR/$name.log"'
	check "$name: no raw token in the log" eval \
	    '! grep -q "tg_[0-9A-Za-z]\{50\}" "$TG_DIR/$name.log"'
done

tg_summary
