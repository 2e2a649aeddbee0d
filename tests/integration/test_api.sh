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
# failed".  Every check is one of lib.sh's tg_check*; JSON is read with
# jq.  Each check's name starts with the part of the suite ($S): the
# transport, fcgi-only, openapi, database or logs.
set -u
. "$(dirname "$0")/lib.sh"
tg_init

A=/api/auth
ADMIN=/api/admin
SPEC=$TG_ROOT/docs/openapi.yaml
S="[setup]"

# --- requests: call METHOD PATH TOKEN|- [BODY] [CONTENT-TYPE] -------------
#
# Each leaves the reply in TG_STATUS, TG_HEADERS and TG_BODY (lib.sh).
# TRANSPORT is fcgi, lighttpd or apache; EXTRA holds more fcgi-client
# arguments for fcgi.

EXTRA=()
call_fcgi() {
	local m=$1 p=$2 tok=$3 body=${4-} ct=${5-application/json}
	local args=(--role responder
	    --param "REQUEST_METHOD=$m" --param "REQUEST_URI=$p"
	    --param "REMOTE_ADDR=127.0.0.1" --param "SERVER_PROTOCOL=HTTP/1.1")
	[ "$tok" != - ] && args+=(--param "HTTP_AUTHORIZATION=Bearer $tok")
	if [ -n "$body" ]; then
		args+=(--param "CONTENT_TYPE=$ct"
		    --param "CONTENT_LENGTH=${#body}" --stdin-body "$body")
	fi
	tg_fcgi "$API_LISTEN" "${args[@]}" "${EXTRA[@]}"
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
	# With --head curl writes the head to the output file too.
	[ "$m" = HEAD ] && sed -i '1,/^\r\{0,1\}$/d' "$TG_BODY"
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
		tg_fcgi "$AUTHZ_SOCKET" --role authorizer \
		    --param REQUEST_METHOD=GET --param "REQUEST_URI=$p" \
		    --param REMOTE_ADDR=127.0.0.1 \
		    --param "HTTP_AUTHORIZATION=Bearer $tok" \
		    ${req:+--param "TOKENGATE_REQUIRE=$req"}
	else
		call_http GET "$p" "$tok"
	fi
}

sql() { tg_sql "$@"; }

# mint USER NAME PERM...: a token made by the CLI (prints the raw token).
mint() {
	local u=$1 n=$2 a=() p
	shift 2
	for p in "$@"; do a+=(--permission "$p"); done
	tg_cli token create --user "$u" --name "$n" "${a[@]}"
}

# create TOKEN BODY: POST /tokens; sets NEW_ID and NEW_TOKEN.
create() {
	call POST $A/tokens "$1" "$2"
	NEW_ID=$(tg_json '.id // empty')
	NEW_TOKEN=$(tg_json '.token // empty')
}

# Prints the tokens that lack their create audit record: every change and
# its audit record exist together or not at all.
unaudited() {
	sql "SELECT COUNT(*) FROM tokens t WHERE NOT EXISTS
	    (SELECT 1 FROM audit_log a WHERE a.target_token_id = t.id AND
	    a.action = 'token.create' AND a.outcome = 'ok')"
}

# --- setup ---------------------------------------------------------------

for b in tokengate tokengate-api tokengate-authz; do
	[ -x "$TG_BUILD/$b" ] || tg_die "build first: $TG_BUILD/$b is missing"
done
tg_mariadb_init "$TG_DIR/db"
tg_mariadb_start "$TG_DIR/db"
TG_CONF=$TG_DIR/tokengate.conf
tg_write_config "$TG_CONF" rotation_max_grace_seconds=3600 page_limit_max=50 \
    "profile.ci=token:read run:read"
SESSION_CONF=$TG_DIR/session.conf
tg_write_config "$SESSION_CONF" trust_remote_user=yes

tg_cli migrate >/dev/null || tg_die "migrate failed"
tg_cli role grant ops admin:access run:read run:write >/dev/null ||
    tg_die "role grant failed"
tg_cli user add alice --role member >/dev/null
tg_cli user add bob --role member >/dev/null
tg_cli user add carol --role member --role ops >/dev/null
tg_cli user add root --role admin >/dev/null
tg_cli user add rm --role resource_manager >/dev/null
ALICE=$(mint alice alice-main 'token:*')
ALICE_ALL=$(tg_cli token create --user alice --name alice-all \
    --permission 'token:*' --api-rule '*')
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
	tg_daemon "$@"
	DAEMONS+=("$1:$TG_LAST_PID")
}
daemon api "$API_SOCKET" "$TG_BUILD/tokengate-api" -c "$TG_CONF" --threads 4
daemon api-tcp "127.0.0.1:$API_PORT" "$TG_BUILD/tokengate-api" -c "$TG_CONF"
daemon authz "$AUTHZ_SOCKET" "$TG_BUILD/tokengate-authz" -c "$TG_CONF"
daemon authz-tcp "127.0.0.1:$AUTHZ_PORT" "$TG_BUILD/tokengate-authz" -c "$TG_CONF"
daemon session "$SESSION_SOCKET" "$TG_BUILD/tokengate-api" -c "$SESSION_CONF"
tg_echo_backend_start backend "$BACKEND_SOCKET"
tg_echo_backend_start backend-tcp "127.0.0.1:$BACKEND_PORT"
API_LISTEN=$API_SOCKET

# --- the suite, once per transport ---------------------------------------

suite() {
	local id t1 t2 t3 r c seen n i rot total

	S="[$TRANSPORT]"
	# Health needs no token.
	call GET $A/health -
	tg_check_status "$S health" 200
	tg_check_json "$S health fields" 'has("status") and has("database")' true

	# Who may call at all: 401 in the authorizer's format.
	call GET $A/me -
	tg_check_error "$S no token: 401" 401 invalid_token
	tg_check_json "$S no token: MISSING" .reason MISSING
	tg_check_match "$S 401 has a Bearer challenge" '^Bearer .*invalid_token' \
	    "$(tg_header WWW-Authenticate)"
	call GET $A/me "tg_notatoken"
	tg_check_reply "$S malformed: 401" 401 '.reason == "MALFORMED"'
	# The last character changed to one it is not (1 token in 62 ends
	# in "x"), so the check digits can never match.
	if [ "${ALICE: -1}" = x ]; then
		call GET $A/me "${ALICE%?}y"
	else
		call GET $A/me "${ALICE%?}x"
	fi
	tg_check_reply "$S bad checksum: 401" 401 '.reason == "MALFORMED"'

	call GET $A/me "$ALICE"
	tg_check_reply "$S me" 200 \
	    '.user == "alice" and .via == "api_token" and .roles == ["member"]'
	call GET $A/profiles "$ALICE"
	tg_check_reply "$S profiles" 200 '[.profiles[].name] as $n |
	    all("read-only-analyst", "workflow-author", "full-operator", "ci";
	    IN($n[]))'

	# Create: 201, the documented fields, the raw token once.
	create "$ALICE" '{"name":"s1 caf\u00e9","expiresInDays":30,"permissions":["token:read"]}'
	tg_check_status "$S create 201" 201
	tg_check_json "$S create fields" '["id", "token", "name", "prefix",
	    "permissions", "apiRules", "resourceRules", "expiresAt",
	    "createdAt"] - keys' '[]'
	tg_check "$S create: Location" "$A/tokens/$NEW_ID" "$(tg_header Location)"
	tg_check "$S create: token has the id" "$NEW_ID" "$(tg_token_id "$NEW_TOKEN")"
	id=$NEW_ID
	t1=$NEW_TOKEN
	call GET $A/tokens/$id "$ALICE"
	tg_check_reply "$S get own" 200 \
	    '.state == "active" and ([.. | objects | has("token")] | any | not)'
	tg_check_absent "$S get own: never the secret" "$(tg_body)" "$t1"
	tg_check_json "$S get: unicode name" .name 's1 café'
	call GET $A/me "$t1"
	tg_check_reply "$S new token works on the API" 200 ".tokenId == \"$id\""
	create "$ALICE" '{"name":"p","expiresInDays":1,"profile":"ci"}'
	tg_check_error "$S profile beyond the caller: 403" 403 cannot_grant permissions
	tg_check_json "$S profile beyond the caller: names run:read" \
	    '.permissions | tojson' '["run:read"]'
	create "$CAROL" '{"name":"p","expiresInDays":1,"profile":"ci"}'
	tg_check_reply "$S profile fills permissions" 201 \
	    '.permissions == ["token:read", "run:read"]'

	# Escalation: never more than the caller has, and a token never more
	# than the token it was made with.
	create "$ALICE" '{"name":"esc","expiresInDays":1,"permissions":["token:read","*"]}'
	tg_check_error "$S escalation by a user's token: 403" 403 cannot_grant permissions
	tg_check_json "$S escalation by a user's token: names *" \
	    '.permissions | tojson' '["*"]'
	create "$CAROL" '{"name":"weak","expiresInDays":2,"permissions":["token:create","run:read"]}'
	t2=$NEW_TOKEN
	create "$t2" '{"name":"stronger","expiresInDays":1,"permissions":["run:write"]}'
	tg_check_error "$S escalation through a token: 403" 403 cannot_grant
	tg_check_json "$S escalation through a token: names run:write" \
	    '.permissions | tojson' '["run:write"]'
	create "$t2" '{"name":"longer","expiresInDays":3,"permissions":["run:read"]}'
	tg_check_error "$S a token cannot outlive its maker" 403 cannot_grant expiresInDays
	create "$t2" '{"name":"ok","expiresInDays":1,"permissions":["run:read"]}'
	tg_check_status "$S within the maker's limits: 201" 201
	call GET $A/me "$t2"
	tg_check_reply "$S token:read missing from the token: 403 with scope" 403 \
	    '.reason == "INSUFFICIENT_PERMISSIONS"'
	tg_check_contains "$S 403 names the scope" "$(tg_header WWW-Authenticate)" \
	    'insufficient_scope", scope="token:read"'

	# Bad input: 400 with the field at fault.
	create "$ALICE" '{"name":"x","expiresInDays":1,'
	tg_check_error "$S bad JSON" 400 invalid_json
	create "$ALICE" '{"name":"x","expiresInDays":1,"permissions":["token:read"],"permissions":["*"]}'
	tg_check_error "$S duplicate member" 400 invalid_json permissions
	create "$ALICE" "{'name':'x'}"
	tg_check_error "$S single quotes" 400 invalid_json
	create "$ALICE" '{"name":"x","expiresInDays":1,"permissions":["token:read"],"owner":"root"}'
	tg_check_error "$S unknown member" 400 unknown_field owner
	create "$ALICE" '{"name":7,"expiresInDays":1,"permissions":["token:read"]}'
	tg_check_error "$S wrong type" 400 invalid_field name
	create "$ALICE" "{\"name\":\"$(printf 'n%.0s' $(seq 1 129))\",\"expiresInDays\":1,\"permissions\":[\"token:read\"]}"
	tg_check_error "$S over-long name" 400 invalid_field name
	create "$ALICE" '{"name":"x","expiresInDays":1,"apiRules":["GET /ok","GET nope"]}'
	tg_check_error "$S bad rule" 400 invalid_field 'apiRules[1]'
	create "$ALICE" '{"name":"x","expiresInDays":1,"permissions":["token:read"],"allowedCidrs":["10.0.0.1/8"]}'
	tg_check_error "$S bad CIDR" 400 invalid_field 'allowedCidrs[0]'
	create "$ALICE" '{"name":"x","permissions":["token:read"]}'
	tg_check_error "$S missing expiry" 400 missing_field expiresInDays
	create "$ALICE" '{"name":"x","expiresInDays":366,"permissions":["token:read"]}'
	tg_check_error "$S expiry out of range" 400 invalid_field expiresInDays
	create "$ALICE" '{"name":"x","expiresInDays":0,"permissions":["token:read"]}'
	tg_check_error "$S expiry 0" 400 invalid_field expiresInDays
	create "$ALICE" '{"name":"x","expiresInDays":1,"environments":["Prod"],"permissions":["token:read"]}'
	tg_check_error "$S bad environment" 400 invalid_field 'environments[0]'
	call POST $A/tokens "$ALICE" '{"name":"x","expiresInDays":1}' text/plain
	tg_check_error "$S 415" 415 unsupported_media_type
	call POST $A/tokens "$ALICE" "{\"name\":\"$(head -c 70000 /dev/zero | tr '\0' x)\"}"
	tg_check_error "$S 413" 413 payload_too_large

	# Routes and methods.
	call PUT $A/tokens "$ALICE" '{}'
	tg_check_error "$S 405" 405 method_not_allowed
	tg_check "$S 405: Allow" "GET, HEAD, POST" "$(tg_header Allow)"
	call POST $A/tokens/$id "$ALICE" '{}'
	tg_check "$S 405 on a token" "GET, HEAD, PATCH, DELETE" "$(tg_header Allow)"
	call GET $A/tokens/$id/rotate "$ALICE"
	tg_check "$S 405 on rotate" POST "$(tg_header Allow)"
	call GET $A/nothing "$ALICE"
	tg_check_error "$S unknown route" 404 not_found
	call GET $A/tokens/abc "$ALICE"
	tg_check_error "$S malformed id" 404 not_found
	call GET $A/tokens/AAAAAAAAAAAA "$ALICE"
	tg_check_error "$S unknown id" 404 not_found
	call HEAD $A/me "$ALICE"
	tg_check_status "$S HEAD" 200
	tg_check "$S HEAD: no body" "" "$(tg_body)"

	# Another user's token: 404, never a hint that it exists.
	call GET $A/tokens/$id "$BOB"
	tg_check_error "$S other's token: GET 404" 404 not_found
	call PATCH $A/tokens/$id "$BOB" '{"name":"mine"}'
	tg_check_error "$S other's token: PATCH 404" 404 not_found
	call DELETE $A/tokens/$id "$BOB"
	tg_check_error "$S other's token: DELETE 404" 404 not_found
	call POST $A/tokens/$id/rotate "$BOB"
	tg_check_error "$S other's token: rotate 404" 404 not_found
	call GET $A/tokens/$id "$ROOT_T"
	tg_check_reply "$S token:admin sees it" 200 '.user == "alice"'
	call POST $A/tokens/$id/rotate "$ROOT_T"
	tg_check_error "$S token:admin cannot take it over" 403 cannot_grant
	call GET $A/tokens/$id "$t1"
	tg_check_status "$S still alice's" 200

	# PATCH: rename, shrink, never grow.
	# ALICE's token has no API rules (API mode is off for it), so it
	# cannot hand API rules on; ALICE_ALL's has "*".
	call PATCH $A/tokens/$id "$ALICE" '{"name":"renamed","apiRules":["GET /api/auth/**"]}'
	tg_check_error "$S patch: no API rules cannot give API rules" 403 cannot_grant apiRules
	call PATCH $A/tokens/$id "$ALICE_ALL" '{"name":"renamed","apiRules":["GET /api/auth/**"],"allowedCidrs":["127.0.0.1","::1"]}'
	tg_check_reply "$S patch" 200 '.name == "renamed" and
	    .allowedCidrs == ["127.0.0.1/32", "::1/128"]'
	call GET $A/me "$t1"
	tg_check_status "$S patched rules allow GET" 200
	call PATCH $A/tokens/$id "$ALICE" '{"permissions":["token:read","token:revoke"]}'
	tg_check_error "$S patch cannot grow" 403 cannot_grant permissions
	tg_check_json "$S patch cannot grow: names token:revoke" \
	    '.permissions | tojson' '["token:revoke"]'
	call PATCH $A/tokens/$id "$ALICE" '{"expiresInDays":300}'
	tg_check_error "$S patch: expiry is not changeable" 400 unknown_field expiresInDays
	call PATCH $A/tokens/$id "$ALICE" '{}'
	tg_check_error "$S patch: empty" 400 missing_field
	call PATCH $A/tokens/$id "$t1" '{"name":"self"}'
	tg_check_reply "$S patch needs token:create" 403 \
	    '.reason == "INSUFFICIENT_PERMISSIONS"'
	call PATCH $A/tokens/$id "$ALICE" '{"permissions":[]}'
	tg_check_reply "$S patch shrinks to nothing" 200 '.permissions == []'
	call GET $A/me "$t1"
	tg_check_status "$S the shrunk token lost token:read" 403

	# Revoke: 204, twice too, and the very next authorizer request fails.
	create "$CAROL" '{"name":"backend","expiresInDays":5,"permissions":["admin:access"]}'
	r=$NEW_ID
	t3=$NEW_TOKEN
	authz "$t3" /api/admin/data
	tg_check_status "$S backend allows a fresh token" 200
	[ "$TRANSPORT" = fcgi ] ||
	    tg_check_contains "$S backend sees REMOTE_USER" "$(tg_body)" REMOTE_USER=carol
	call DELETE $A/tokens/$r "$CAROL"
	tg_check_status "$S revoke 204" 204
	tg_check "$S revoke 204: no body" "" "$(tg_body)"
	authz "$t3" /api/admin/data
	tg_check_reply "$S revoked: next authorizer request 401 REVOKED" 401 \
	    '.reason == "REVOKED"'
	call DELETE $A/tokens/$r "$CAROL"
	tg_check_status "$S revoke twice: 204" 204
	call GET $A/tokens/$r "$CAROL"
	tg_check_reply "$S revoked state" 200 '.state == "revoked" and has("revokedAt")'
	call PATCH $A/tokens/$r "$CAROL" '{"name":"zombie"}'
	tg_check_error "$S patch a revoked token: 409" 409 token_inactive
	call POST $A/tokens/$r/rotate "$CAROL"
	tg_check_error "$S rotate a revoked token: 409" 409 token_inactive

	# Rotation with a grace: the old secret works until the new one is used.
	create "$CAROL" '{"name":"rot","expiresInDays":5,"permissions":["admin:access","token:read","token:create","token:revoke"]}'
	rot=$NEW_ID
	t1=$NEW_TOKEN
	call POST $A/tokens/$rot/rotate "$CAROL" '{"graceSeconds":600}'
	tg_check_reply "$S rotate 200" 200 "has(\"token\") and .id == \"$rot\" and
	    (.oldSecretValidUntil | strings | length > 0)"
	t2=$(tg_json '.token // empty')
	tg_check_true "$S rotate: a new secret" test "$t2" != "$t1"
	tg_check "$S rotate: the same id" "$rot" "$(tg_token_id "$t2")"
	authz "$t1" /api/admin/x
	tg_check_status "$S grace: old secret still works" 200
	authz "$t1" /api/admin/x
	tg_check_status "$S grace: old secret works again" 200
	# The old secret may be the leaked one: in its grace it keeps the
	# token's rights at the gate, but it cannot take the token over.
	call POST $A/tokens/$rot/rotate "$t1" '{"graceSeconds":0}'
	tg_check_error "$S old secret cannot rotate its token" 403 previous_secret
	call PATCH $A/tokens/$rot "$t1" '{"name":"taken over"}'
	tg_check_error "$S old secret cannot change its token" 403 previous_secret
	create "$t1" '{"name":"minted by old","expiresInDays":1,"permissions":["token:read"]}'
	tg_check_error "$S old secret cannot mint" 403 previous_secret
	call DELETE "$A/tokens/$(tg_token_id "$CAROL")" "$t1"
	tg_check_error "$S old secret cannot revoke another token" 403 previous_secret
	call GET $A/me "$t1"
	tg_check_reply "$S old secret may still read" 200 '.secret == "previous"'
	call GET "$A/audit?token=$rot&action=token.rotate&limit=50" "$RM"
	tg_check_reply "$S audit tells the owner's rotation from the old secret's" 200 \
	    'any(.entries[]; .secret == "previous" and .action == "token.rotate")
	    and any(.entries[]; .outcome == "denied")
	    and any(.entries[]; .via == "api_token")'
	call GET $A/tokens/$rot "$CAROL"
	tg_check_json "$S grace shown" '.oldSecretValidUntil | strings | length > 0' true
	authz "$t2" /api/admin/x
	tg_check_status "$S grace: the owner's new secret still works" 200
	# The end of the grace is written by the background writer (at most
	# a second in the authorizer, right after the reply in the API).
	for i in $(seq 1 30); do
		authz "$t1" /api/admin/x
		[ "$TG_STATUS" = 401 ] && break
		sleep 0.1
	done
	tg_check_reply "$S first use of the new secret ended the old" 401 \
	    '.reason == "NOT_FOUND"'
	call GET $A/tokens/$rot "$CAROL"
	tg_check_json "$S grace gone" \
	    'has("oldSecretValidUntil") and .oldSecretValidUntil == null' true
	# Without a grace the old secret dies at once.
	call POST $A/tokens/$rot/rotate "$CAROL" '{"graceSeconds":0}'
	tg_check_reply "$S rotate without grace" 200 \
	    'has("oldSecretValidUntil") and .oldSecretValidUntil == null'
	t3=$(tg_json '.token // empty')
	authz "$t2" /api/admin/x
	tg_check_status "$S no grace: old secret refused at once" 401
	authz "$t3" /api/admin/x
	tg_check_status "$S no grace: new secret works" 200
	call POST $A/tokens/$rot/rotate "$t3"
	tg_check_status "$S a token may rotate itself (empty body)" 200
	t1=$(tg_json '.token // empty')
	authz "$t1" /api/admin/x
	tg_check_status "$S the self-rotated secret works" 200
	authz "$t3" /api/admin/x
	tg_check_status "$S and the one that asked is gone" 401
	call POST $A/tokens/$rot/rotate "$CAROL" '{"graceSeconds":3601}'
	tg_check_error "$S grace above the maximum" 400 invalid_field graceSeconds
	call POST $A/tokens/$rot/rotate "$CAROL" '{"grace":1}'
	tg_check_error "$S rotate: unknown member" 400 unknown_field grace

	# A role downgrade shrinks existing tokens at once.
	create "$CAROL" '{"name":"ops","expiresInDays":5,"permissions":["admin:access","token:read"]}'
	t1=$NEW_TOKEN
	authz "$t1" /api/admin/y
	tg_check_status "$S before the downgrade" 200
	tg_cli role revoke ops admin:access >/dev/null
	authz "$t1" /api/admin/y
	tg_check_reply "$S after the downgrade: 403" 403 \
	    '.reason == "INSUFFICIENT_PERMISSIONS"'
	call GET $A/me "$t1"
	tg_check_reply "$S me no longer lists admin:access" 200 \
	    '.permissions == ["token:read"]'
	call GET $A/tokens "$t1"
	tg_check_json "$S effective permissions shrank" \
	    'any(.tokens[]; .effectivePermissions == ["token:read"])' true
	tg_cli role grant ops admin:access >/dev/null
	authz "$t1" /api/admin/y
	tg_check_status "$S after the re-grant" 200

	# Lists: own, paginated, filtered; others' only with token:admin.
	for i in 1 2 3; do
		create "$BOB" "{\"name\":\"page$i\",\"expiresInDays\":$i,\"permissions\":[\"token:read\"]}"
	done
	seen=""
	c=""
	n=0
	while :; do
		call GET "$A/tokens?limit=2${c:+&cursor=$c}" "$BOB"
		[ "$TG_STATUS" = 200 ] || break
		seen="$seen $(tg_json '.tokens[].id' | tr '\n' ' ')"
		n=$((n + 1))
		c=$(tg_json '.nextCursor // empty')
		[ -z "$c" ] && break
		[ $n -gt 50 ] && break
	done
	total=$(sql "SELECT COUNT(*) FROM tokens t JOIN users u ON u.id = t.user_id WHERE u.name = 'bob'")
	tg_check "$S pagination walks every token" "$total" "$(echo $seen | wc -w)"
	tg_check "$S pagination: each token once" "$total" \
	    "$(echo $seen | tr ' ' '\n' | sort -u | wc -l)"
	tg_check_true "$S pagination: more than one page" test "$n" -ge 2
	call GET "$A/tokens?state=revoked" "$CAROL"
	tg_check_reply "$S state filter" 200 'any(.tokens[]; .state == "revoked")
	    and all(.tokens[]; .state != "active")'
	call GET "$A/tokens?all=1" "$ALICE"
	tg_check_reply "$S all without token:admin: 403" 403 \
	    '.reason == "INSUFFICIENT_PERMISSIONS"'
	call GET "$A/tokens?user=bob" "$ALICE"
	tg_check_status "$S another user without token:admin: 403" 403
	call GET "$A/tokens?user=alice" "$ALICE"
	tg_check_status "$S user=self is fine" 200
	call GET "$A/tokens?all=1&limit=50" "$ROOT_T"
	tg_check_reply "$S all with token:admin" 200 'any(.tokens[]; .user == "bob")
	    and any(.tokens[]; .user == "carol")'
	call GET "$A/tokens?user=bob" "$RM"
	tg_check_reply "$S resource_manager lists bob's" 200 \
	    'any(.tokens[]; .name == "page1") and all(.tokens[]; .user != "alice")'
	call GET "$A/tokens?limit=0" "$ALICE"
	tg_check_error "$S limit 0" 400 invalid_parameter limit
	call GET "$A/tokens?limit=51" "$ALICE"
	tg_check_error "$S limit above page_limit_max" 400 invalid_parameter limit
	call GET "$A/tokens?cursor=junk" "$ALICE"
	tg_check_error "$S bad cursor" 400 invalid_parameter cursor
	call GET "$A/tokens?state=gone" "$ALICE"
	tg_check_error "$S bad state" 400 invalid_parameter state
	call GET "$A/tokens?color=red" "$ALICE"
	tg_check_error "$S unknown parameter" 400 invalid_parameter color
	call GET "$A/tokens?limit=1&limit=2" "$ALICE"
	tg_check_error "$S repeated parameter" 400 invalid_parameter limit

	# Audit: every action and every refused attempt, read with audit:read.
	call GET "$A/audit" "$ALICE"
	tg_check_reply "$S audit needs audit:read" 403 \
	    '.reason == "INSUFFICIENT_PERMISSIONS"'
	call GET "$A/audit?token=$rot&limit=50" "$RM"
	tg_check_reply "$S audit of a token" 200 '
	    any(.entries[]; .action == "token.create") and
	    any(.entries[]; .action == "token.rotate") and
	    any(.entries[]; .outcome == "ok") and
	    any(.entries[]; .actor == "carol") and
	    any(.entries[]; .via == "api_token") and
	    any(.entries[]; .remoteAddr == "127.0.0.1")'
	tg_check_json "$S audit: rotate without grace recorded" \
	    'any(.entries[]; .detail | tostring | contains("graceSeconds=0"))' true
	call GET "$A/audit?token=$id&limit=50" "$RM"
	tg_check_json "$S audit: update and refused update" '
	    any(.entries[]; .action == "token.update") and
	    any(.entries[]; .outcome == "denied") and
	    any(.entries[]; .outcome == "invalid") and
	    any(.entries[]; .outcome == "not_found")' true
	call GET "$A/audit?token=$r" "$RM"
	tg_check_json "$S audit: revoke and revoke again" '
	    any(.entries[]; .action == "token.revoke") and
	    any(.entries[]; .detail | tostring | contains("already revoked")) and
	    any(.entries[]; .outcome == "conflict")' true
	call GET "$A/audit?action=token.create&user=alice&limit=50" "$ROOT_T"
	tg_check_reply "$S audit: refused escalation recorded" 200 '
	    any(.entries[]; .outcome == "denied") and
	    any(.entries[]; .detail | tostring | contains("cannot grant"))'
	call GET "$A/audit?limit=1" "$RM"
	c=$(tg_json '.nextCursor // empty')
	tg_check_true "$S audit: a first page has a cursor" test -n "$c"
	call GET "$A/audit?limit=1&cursor=$c" "$RM"
	tg_check_reply "$S audit pagination" 200 \
	    "has(\"entries\") and .nextCursor != \"$c\""
	call GET "$A/audit?since=2999-01-01T00:00:00Z" "$RM"
	tg_check_json "$S audit since the future: empty" '.entries | tojson' '[]'
	call GET "$A/audit?until=1970-01-02T00:00:00Z" "$RM"
	tg_check_json "$S audit until 1970: empty" '.entries | tojson' '[]'
	call GET "$A/audit?since=yesterday" "$RM"
	tg_check_error "$S audit: bad time" 400 invalid_parameter since
	call GET "$A/audit?action=DROP%20TABLE" "$RM"
	tg_check_error "$S audit: bad action" 400 invalid_parameter action
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
	TRANSPORT=apache
	suite
	tg_stop apache-authnz
else
	tg_skip "apache" "apache2 with mod_authnz_fcgi is not installed"
fi

# --- FastCGI only: what no web server sends ------------------------------

TRANSPORT=fcgi
S="[fcgi-only]"
EXTRA=()
body='{"name":"nolen","expiresInDays":1,"permissions":["token:read"]}'
raw() {
	tg_fcgi "$API_LISTEN" --role responder \
	    --param REQUEST_METHOD=POST --param "REQUEST_URI=$A/tokens" \
	    --param REMOTE_ADDR=127.0.0.1 \
	    --param "HTTP_AUTHORIZATION=Bearer $ALICE" \
	    --param CONTENT_TYPE=application/json "$@"
}
raw --stdin-body "$body"
tg_check_status "$S no CONTENT_LENGTH: the body is read up to the limit" 201
raw --param CONTENT_LENGTH=900 --stdin-body "$body"
tg_check_error "$S body shorter than CONTENT_LENGTH: 400" 400 invalid_request
raw --param CONTENT_LENGTH=99999999999 --stdin-body "$body"
tg_check_error "$S huge CONTENT_LENGTH: 413 before reading" 413 payload_too_large
raw --param CONTENT_LENGTH=-1 --stdin-body "$body"
tg_check_error "$S bad CONTENT_LENGTH: 400" 400 invalid_request
raw --stdin-body "$(head -c 70000 /dev/zero | tr '\0' ' ')$body"
tg_check_error "$S no CONTENT_LENGTH and too much: 413" 413 payload_too_large
call GET "$A/me%2f" "$ALICE"
tg_check_error "$S encoded slash: 400" 400 invalid_request
call GET "$A/tokens/../me" "$ALICE"
tg_check_reply "$S dot segments are resolved" 200 '.user == "alice"'
call POST $A/tokens "$ALICE" "$body" 'application/json; charset=utf-8'
tg_check_status "$S charset=utf-8 is JSON" 201
call POST $A/tokens "$ALICE" "$body" 'application/json; charset=latin1'
tg_check_error "$S another charset: 415" 415 unsupported_media_type
call POST $A/tokens "$ALICE" '{"name":"x\u0000y","expiresInDays":1,"permissions":["token:read"]}'
tg_check_error "$S NUL escape in name" 400 invalid_field name
call POST $A/tokens "$ALICE" '{"name":"x","expiresInDays":1,"permissions":["token:read"],"n\u0061me":"y"}'
tg_check_error "$S duplicate member spelled with an escape" 400 invalid_json name

# A restricted token cannot lift its own restrictions, and what it mints
# inherits them.
R=$(tg_cli token create --user carol --name restricted --permission 'token:*' \
    --permission admin:access --cidr 127.0.0.0/8 --env staging \
    --api-rule "GET $A/**" --api-rule "POST $A/tokens" \
    --api-rule "PATCH $A/tokens/*")
RID=$(tg_token_id "$R")
call GET $A/me "$R"
tg_check_reply "$S environment limit applies to the API" 403 \
    '.reason == "ENV_DENIED"'
EXTRA=(--param TOKENGATE_ENV=staging)
call GET $A/me "$R"
tg_check_status "$S in its environment" 200
call DELETE $A/tokens/$RID "$R"
tg_check_reply "$S its API rules apply to the API" 403 \
    '.reason == "NO_RULE_MATCHED"'
create "$R" '{"name":"child","expiresInDays":5,"permissions":["admin:access"]}'
tg_check_reply "$S a child inherits the limits" 201 '
    .allowedCidrs == ["127.0.0.0/8"] and .environments == ["staging"] and
    (.apiRules[0] | startswith("GET"))'
create "$R" '{"name":"child","expiresInDays":5,"permissions":["admin:access"],"environments":[]}'
tg_check_error "$S a child cannot drop an environment limit" 403 cannot_grant environments
create "$R" '{"name":"child","expiresInDays":5,"permissions":["admin:access"],"allowedCidrs":["10.0.0.0/8"]}'
tg_check_error "$S a child cannot widen CIDRs" 403 cannot_grant 'allowedCidrs[0]'
create "$R" '{"name":"child","expiresInDays":5,"permissions":["admin:access"],"apiRules":["*"]}'
tg_check_error "$S a child cannot have other API rules" 403 cannot_grant apiRules

# Empty is not unrestricted: a token with no rules of a kind has that kind
# of access off, so it can neither mint a child with it nor give it to
# itself.
N=$(tg_cli token create --user carol --name norules --permission token:create \
    --permission token:read)
NID=$(tg_token_id "$N")
authz "$N" /api/data
tg_check_reply "$S no API rules: refused in API mode" 403 \
    '.reason == "NO_RULE_MATCHED"'
create "$N" '{"name":"c","expiresInDays":1,"permissions":["token:read"],"apiRules":["*"]}'
tg_check_error "$S no API rules: cannot mint a child with \"*\"" 403 cannot_grant apiRules
create "$N" '{"name":"c","expiresInDays":1,"permissions":["token:read"],"apiRules":["GET /api/data"]}'
tg_check_error "$S no API rules: cannot mint a child with any allow rule" 403 cannot_grant apiRules
create "$N" '{"name":"c","expiresInDays":1,"permissions":["token:read"],"resourceRules":["*"]}'
tg_check_error "$S no resource rules: cannot mint a child with \"*\"" 403 cannot_grant resourceRules
call PATCH $A/tokens/$NID "$N" '{"apiRules":["*"]}'
tg_check_error "$S no API rules: cannot give itself \"*\"" 403 cannot_grant apiRules
call PATCH $A/tokens/$NID "$N" '{"resourceRules":["category:*"]}'
tg_check_error "$S no resource rules: cannot give itself any" 403 cannot_grant resourceRules
authz "$N" /api/data
tg_check_reply "$S no API rules: still refused in API mode" 403 \
    '.reason == "NO_RULE_MATCHED"'
create "$N" '{"name":"c","expiresInDays":1,"permissions":["token:read"]}'
tg_check_reply "$S no rules: a child without rules is minted" 201 \
    '.apiRules == [] and .resourceRules == []'
create "$N" '{"name":"c","expiresInDays":1,"permissions":["token:read"],"apiRules":["!GET /x"]}'
tg_check_status "$S no rules: a child with only deny rules is minted" 201
AO=$(tg_cli token create --user carol --name apionly --permission token:create \
    --permission token:read --api-rule '*')
create "$AO" '{"name":"c","expiresInDays":1,"permissions":["token:read"],"resourceRules":["*"]}'
tg_check_error "$S API rules but no resource rules: no resource \"*\" child" 403 \
    cannot_grant resourceRules
create "$AO" '{"name":"c","expiresInDays":1,"permissions":["token:read"],"apiRules":["GET /api/**"]}'
tg_check_status "$S a caller with \"*\" may mint narrower API rules" 201
call PATCH $A/tokens/$RID "$R" '{"allowedCidrs":[]}'
tg_check_error "$S a token cannot lift its own CIDR limit" 403 cannot_grant allowedCidrs
call PATCH $A/tokens/$RID "$R" '{"allowedCidrs":["127.0.0.1"]}'
tg_check_status "$S but it may narrow it" 200
tg_fcgi "$API_LISTEN" --role responder \
    --param REQUEST_METHOD=GET --param "REQUEST_URI=$A/me" \
    --param REMOTE_ADDR=10.9.9.9 --param TOKENGATE_ENV=staging \
    --param "HTTP_AUTHORIZATION=Bearer $R"
tg_check_reply "$S its CIDRs apply to the API" 403 '.reason == "IP_DENIED"'
EXTRA=()

# Rotating hands out a secret: a weak token cannot rotate a strong sibling
# (and so obtain its secret), only itself or what it could have created.
create "$CAROL" '{"name":"weak","expiresInDays":1,"permissions":["token:create"]}'
WEAK=$NEW_TOKEN
WEAK_ID=$NEW_ID
CAROL_ID=$(tg_token_id "$CAROL")
call POST $A/tokens/$CAROL_ID/rotate "$WEAK"
tg_check_error "$S a weak token cannot rotate a strong sibling" 403 cannot_grant
tg_check_json "$S a weak token cannot rotate a strong sibling: names admin:access" \
    '.permissions | index("admin:access") != null' true
call GET "$A/audit?token=$CAROL_ID&action=token.rotate" "$RM"
tg_check_json "$S the refused rotation is audited" \
    'any(.entries[]; .outcome == "denied")' true
call POST $A/tokens/$WEAK_ID/rotate "$WEAK"
tg_check_status "$S but it can rotate itself" 200

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
	[ "$TG_STATUS" = 400 ] || bad=$((bad + 1))
done
tg_check "$S 7 hostile bodies refused with 400" 0 "$bad"
tg_check "$S every one of the 7 refusals is audited" $((before + 7)) "$(audited)"
tg_check "$S no audit detail holds a raw newline or control" 0 \
    "$(sql "SELECT COUNT(*) FROM audit_log WHERE detail REGEXP '[[:cntrl:]]'")"
tg_check "$S the forged line is quoted, not stored" 1 \
    "$(sql "SELECT COUNT(*) FROM audit_log WHERE INSTR(detail,
    CONCAT('a:b', CHAR(92), 'x0aforged')) > 0")"
# A detail the database refuses: retried without it, never dropped.
# (A NULL in a NOT NULL column fails the insert: a one-statement trigger.)
tg_sql_admin "CREATE TRIGGER $TG_DB_NAME.tg_test_refuse BEFORE INSERT ON
    $TG_DB_NAME.audit_log FOR EACH ROW SET NEW.via =
    IF(NEW.detail LIKE '%refuse-me%', NULL, NEW.via)" ||
    tg_fail "$S cannot create the test trigger"
before=$(audited)
call POST $A/tokens "$ALICE" '{"name":"x","expiresInDays":1,"refuse-me":1}'
tg_check_error "$S a refused detail: the refusal still answered" 400 unknown_field
tg_check "$S a refused detail: recorded" $((before + 1)) "$(audited)"
tg_check "$S a refused detail: recorded without it" \
    "(the detail of this refusal could not be stored)" \
    "$(sql "SELECT detail FROM audit_log ORDER BY id DESC LIMIT 1")"
tg_sql_admin "DROP TRIGGER $TG_DB_NAME.tg_test_refuse"
tg_sql_admin "CREATE TRIGGER $TG_DB_NAME.tg_test_refuse BEFORE INSERT ON
    $TG_DB_NAME.audit_log FOR EACH ROW SET NEW.via =
    IF(NEW.outcome = 'invalid', NULL, NEW.via)" ||
    tg_fail "$S cannot create the test trigger"
call POST $A/tokens "$ALICE" '{"name":"x","expiresInDays":1,"nope":1}'
tg_check_error "$S no audit record possible: 503, not the refusal" 503 \
    temporarily_unavailable
tg_check "$S no audit record possible: Retry-After" 1 "$(tg_header Retry-After)"
tg_sql_admin "DROP TRIGGER $TG_DB_NAME.tg_test_refuse"
# A 403 on a route that changes tokens comes from a caller whose secret
# matched: it is a refused attempt, audited like the others.
RO=$(mint alice ro-only token:read)
refused_by_ro() {
	sql "SELECT COUNT(*) FROM audit_log WHERE action = 'token.create'
	    AND outcome = 'denied' AND actor_token_id = '$(tg_token_id "$RO")'"
}
before=$(refused_by_ro)
create "$RO" '{"name":"x","expiresInDays":1,"permissions":["token:read"]}'
tg_check_reply "$S no token:create: 403" 403 '.reason == "INSUFFICIENT_PERMISSIONS"'
tg_check "$S the refused create is audited with the token" $((before + 1)) \
    "$(refused_by_ro)"

# `tokengate check` explains; it never writes.  With a rotated token's new
# secret it must not end the old secret's grace.
create "$ALICE" '{"name":"explain","expiresInDays":1,"permissions":["token:read"]}'
XID=$NEW_ID
call POST $A/tokens/$XID/rotate "$ALICE" '{"graceSeconds":600}'
XNEW=$(tg_json '.token // empty')
XOLD=$NEW_TOKEN
out=$(tg_cli check --token "$XNEW" --method GET --uri /api/x --require token:read)
tg_check_contains "$S check with the new secret: allow" "$out" "decision: allow"
sleep 1.5
tg_check "$S check did not end the grace" 1 \
    "$(sql "SELECT prev_hash IS NOT NULL FROM tokens WHERE id = '$XID'")"
out=$(tg_cli check --token "$XOLD" --method GET --uri /api/x --require token:read)
tg_check_contains "$S check with the old secret: allowed" "$out" "decision: allow"
tg_check_contains "$S check with the old secret: says so" "$out" "secret:   previous"
tg_check "$S nothing written by check: no last-used" 1 \
    "$(sql "SELECT last_used_at IS NULL FROM tokens WHERE id = '$XID'")"

# trust_remote_user: sessions from the web server's own authentication.
API_LISTEN=$SESSION_SOCKET
EXTRA=(--param REMOTE_USER=alice)
call GET $A/me -
tg_check_reply "$S session: me" 200 \
    '.via == "session" and has("tokenId") and .tokenId == null'
create - '{"name":"from a session","expiresInDays":3,"permissions":["token:read"]}'
tg_check_status "$S session: create" 201
call GET "$A/audit?token=$NEW_ID" "$ROOT_T"
tg_check_json "$S session: audited as session" \
    'any(.entries[]; .via == "session" and .actor == "alice")' true
call GET $A/me "tg_notatoken"
tg_check_status "$S session: a bad bearer token is not masked" 401
create - '{"name":"x","expiresInDays":3,"permissions":["*"]}'
tg_check_error "$S session: only the user's role permissions" 403 cannot_grant permissions
EXTRA=(--param REMOTE_USER=nobody)
call GET $A/me -
tg_check_status "$S session: unknown user 403" 403
EXTRA=(--param REMOTE_USER=rm)
call GET $A/audit -
tg_check_status "$S session: role permissions apply" 200
API_LISTEN=$API_SOCKET
EXTRA=(--param REMOTE_USER=alice)
call GET $A/me -
tg_check_reply "$S without trust_remote_user REMOTE_USER is ignored" 401 \
    '.reason == "MISSING"'
EXTRA=()

# --- the OpenAPI document against the live routes ------------------------

S="[openapi]"
# One line per operation: METHOD PATH STATUS SCHEMA ("-": no body).  The
# document is YAML: awk reads the little of it needed.
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
tg_check_true "$S the document lists the operations" \
    test "$(printf '%s\n' "$ops" | grep -c .)" -ge 10
tg_check_true "$S its schemas list required members" \
    test -n "$(required Token)" -a -n "$(required Error)"
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
	*) tg_fail "$S no test request for $m $p"; continue ;;
	esac
	tg_check_status "$S $m $p answers $st" "$st"
	for f in $(required "$schema"); do
		tg_check_json "$S $m $p has $f" "has(\"$f\")" true
	done
done <<<"$ops"
if printf '%s\n' "$ops" | grep -q '^DELETE /tokens/{id} 204'; then
	call DELETE "$A/tokens/$OID" "$ALICE"
	tg_check_status "$S DELETE /tokens/{id} answers 204" 204
else
	tg_fail "$S the document lacks DELETE /tokens/{id} 204"
fi

# --- all-or-nothing writes, then the database going away -----------------

S="[database]"
tg_check "$S every token has its create audit record" 0 "$(unaudited)"
before=$(sql "SELECT COUNT(*) FROM tokens")
tg_mariadb_stop
call GET $A/me "$ALICE"
tg_check_reply "$S database down: 503 for callers" 503 \
    '.error == "temporarily_unavailable"'
tg_check "$S database down: Retry-After" 1 "$(tg_header Retry-After)"
call POST $A/tokens "$ALICE" '{"name":"x","expiresInDays":1,"permissions":["token:read"]}'
tg_check_status "$S database down: create 503" 503
call GET $A/health -
tg_check_reply "$S database down: health 503" 503 '.database == "down"'
TRANSPORT=fcgi authz "$CAROL" $ADMIN/x
tg_check_status "$S database down: the authorizer fails closed" 503
tg_mariadb_start "$TG_DIR/db"
sleep 1.2	# past the store's reconnect backoff (at most 1 s)
call GET $A/me "$ALICE"
tg_check_status "$S database back: served again" 200
tg_check "$S nothing half-written" "$before" "$(sql "SELECT COUNT(*) FROM tokens")"
tg_check "$S nothing half-written: every token audited" 0 "$(unaudited)"

# --- logs ----------------------------------------------------------------
#
# Sanitizer reports (TG_BUILD=build-asan), leaks included, reach the logs
# when the programs exit, so stop them cleanly first.
S="[logs]"
gone() { ! kill -0 "$1" 2>/dev/null; }
for d in "${DAEMONS[@]}"; do
	name=${d%%:*} pid=${d#*:}
	TG_STOP_TIMEOUT=10 tg_stop "$pid"
	tg_check_true "$S $name stops on SIGTERM" gone "$pid"
	tg_check "$S $name: no sanitizer report" 0 \
	    "$(grep -c -e Sanitizer -e 'runtime error' "$TG_DIR/$name.log")"
	tg_check "$S $name: no raw token in the log" 0 \
	    "$(grep -c 'tg_[0-9A-Za-z]\{50\}' "$TG_DIR/$name.log")"
done

tg_summary
