#!/usr/bin/env bash
#
# test_lib.sh: the harness's own checks (lib.sh) pass when their claim
# holds and fail when it does not, so that a suite written with them can
# fail.  No server: each check runs on a reply written by hand.
#
#   bash tests/integration/test_lib.sh
set -u
. "$(dirname "$0")/lib.sh"
tg_init

TG_HEADERS=$TG_DIR/h TG_BODY=$TG_DIR/b

# verdict CHECK [ARG...]: prints "ok" or "not ok", what CHECK said about
# the reply in $TG_DIR/h and b, without counting it here.
verdict() {
	( TG_PASSED=0 TG_FAILED=0; "$@" >"$TG_DIR/out"
	  [ "$TG_FAILED" = 0 ] && [ "$TG_PASSED" = 1 ] && echo ok || echo "not ok" )
}
# reply STATUS BODY [HEADER...]: the reply the checks below look at.
reply() {
	TG_STATUS=$1
	printf '%s' "$2" >"$TG_BODY"
	shift 2
	printf '%s\r\n' "$@" >"$TG_HEADERS"
}

reply 400 '{"error":"invalid_field","message":"m","field":"apiRules[1]"}' \
    'Retry-After: 1'
tg_check "tg_check: equal" ok "$(verdict tg_check x a a)"
tg_check "tg_check: different" "not ok" "$(verdict tg_check x a b)"
tg_check "tg_check_contains" ok "$(verdict tg_check_contains x abc b)"
tg_check "tg_check_contains: absent" "not ok" "$(verdict tg_check_contains x abc d)"
tg_check "tg_check_absent" ok "$(verdict tg_check_absent x abc d)"
tg_check "tg_check_absent: present" "not ok" "$(verdict tg_check_absent x abc b)"
tg_check "tg_check_match" ok "$(verdict tg_check_match x '^a.c$' abc)"
tg_check "tg_check_match: no match" "not ok" "$(verdict tg_check_match x '^a.c$' abcd)"
tg_check "tg_check_true" ok "$(verdict tg_check_true x true)"
tg_check "tg_check_true: false" "not ok" "$(verdict tg_check_true x false)"
tg_check "tg_check_status" ok "$(verdict tg_check_status x 400)"
tg_check "tg_check_status: alternatives" ok "$(verdict tg_check_status x '401|400')"
tg_check "tg_check_status: other" "not ok" "$(verdict tg_check_status x 40)"
tg_check "tg_check_json" ok "$(verdict tg_check_json x .field 'apiRules[1]')"
tg_check "tg_check_json: other value" "not ok" "$(verdict tg_check_json x .error x)"
tg_check "tg_check_json: predicate" "not ok" \
    "$(verdict tg_check_json x '.field | startswith("x")' true)"
tg_check "tg_check_reply" ok "$(verdict tg_check_reply x 400 '.error == "invalid_field"')"
tg_check "tg_check_reply: status only" ok "$(verdict tg_check_reply x 400)"
tg_check "tg_check_reply: other status" "not ok" "$(verdict tg_check_reply x 401)"
tg_check "tg_check_reply: false" "not ok" "$(verdict tg_check_reply x 400 '.nope')"
tg_check "tg_check_error" ok "$(verdict tg_check_error x 400 invalid_field 'apiRules[1]')"
tg_check "tg_check_error: no field given" ok "$(verdict tg_check_error x 400 invalid_field)"
tg_check "tg_check_error: other field" "not ok" \
    "$(verdict tg_check_error x 400 invalid_field apiRules)"
tg_check "tg_check_error: other code" "not ok" "$(verdict tg_check_error x 400 invalid_json)"
tg_check "tg_header" 1 "$(tg_header retry-after)"
tg_check "tg_json" invalid_field "$(tg_json .error)"

reply 400 '{"error":"invalid_field","field":"x"}'
tg_check "tg_check_error: no message" "not ok" "$(verdict tg_check_error x 400 invalid_field)"
reply 200 'not JSON'
tg_check "tg_check_json: not JSON" "not ok" "$(verdict tg_check_json x . 'not JSON')"
tg_check "tg_check_reply: not JSON" "not ok" "$(verdict tg_check_reply x 200 true)"
reply 200 $'FCGI_ROLE=RESPONDER\r\nREMOTE_USER=alice\r\n'
tg_check "tg_check_line" ok "$(verdict tg_check_line x REMOTE_USER=alice)"
tg_check "tg_check_line: a part of a line" "not ok" "$(verdict tg_check_line x REMOTE_USER=al)"
tg_check "tg_pass and tg_fail count" "1 1" \
    "$( TG_PASSED=0 TG_FAILED=0; tg_pass a >/dev/null; tg_fail b >/dev/null
        echo "$TG_PASSED $TG_FAILED" )"

tg_summary
