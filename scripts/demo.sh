#!/usr/bin/env bash
#
# demo.sh: `make run`.  The embedded default: a private MariaDB whose data
# lives under ./var/ (initialised on the first run, reused afterwards),
# the schema, a key file, an admin user with a fresh token, and
# tokengate-authz, tokengate-api and lighttpd on 127.0.0.1:8080 protecting
# /api/ in front of a small backend that echoes what it is given.
# Ctrl-C stops everything.  `rm -rf var` starts from scratch.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
. tests/integration/lib.sh
export TG_BUILD=${TG_BUILD:-$ROOT/build}
PORT=${TG_DEMO_PORT:-8080}
VAR=$ROOT/var
TG=$TG_BUILD/tokengate

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
	echo "make run: 127.0.0.1:$PORT is already in use; stop what listens" \
	    "there or run: make run TG_DEMO_PORT=8081" >&2
	exit 1
fi

tg_init
mkdir -p "$VAR" && chmod 0700 "$VAR"
CONF=$VAR/tokengate.conf
export TG_KEY_FILE=$VAR/tokengate.key

step() { printf '\n==> %s\n' "$*"; }

step "MariaDB (data in var/db)"
[ -d "$VAR/db/data/mysql" ] || echo "    first run: initialising a new instance"
tg_mariadb_init "$VAR/db"
tg_mariadb_start "$VAR/db"

step "key file and configuration"
if [ ! -s "$TG_KEY_FILE" ]; then
	"$TG" keygen "$TG_KEY_FILE" || exit 1
fi
tg_write_config "$CONF" "environment=production" "log_denials=yes" \
    "brake_failures=20"
echo "    $CONF"

step "schema"
"$TG" -c "$CONF" migrate || exit 1

step "admin user and a fresh admin token"
if ! "$TG" -c "$CONF" user add admin --role admin 2>/dev/null; then
	"$TG" -c "$CONF" user enable admin || exit 1
	echo "    user admin already exists"
fi
ADMIN_TOKEN=$("$TG" -c "$CONF" token create --user admin \
    --name "make run $(date -u +%Y-%m-%dT%H:%M:%SZ)" --permission '*' \
    --api-rule '!GET /api/secret/**' --api-rule '*' --expires-in-days 30) ||
    exit 1

step "tokengate-authz, tokengate-api, the demo backend and lighttpd"
export TG_AUTHZ_SOCKET=$TG_DIR/authz.sock
export TG_API_SOCKET=$TG_DIR/api.sock
export TG_BACKEND_SOCKET=$TG_DIR/app.sock
tg_start tokengate-authz "$TG_DIR/authz.log" "$TG_BUILD/tokengate-authz" \
    -c "$CONF" --listen "$TG_AUTHZ_SOCKET" --threads 4
tg_wait_socket "$TG_AUTHZ_SOCKET" 10 "$TG_LAST_PID" || tg_die "authorizer did not start"
tg_start tokengate-api "$TG_DIR/api.log" "$TG_BUILD/tokengate-api" \
    -c "$CONF" --listen "$TG_API_SOCKET" --threads 2
tg_wait_socket "$TG_API_SOCKET" 10 "$TG_LAST_PID" || tg_die "responder did not start"
tg_echo_backend_start demo-backend "$TG_BACKEND_SOCKET"
TG_HTTP_PORT=$PORT tg_lighttpd_start
U=http://127.0.0.1:$PORT

cat <<EOF

tokengate is running on $U  (Ctrl-C stops everything)

The admin token, shown this once (only its keyed hash is stored):

  $ADMIN_TOKEN

  T=$ADMIN_TOKEN

Allowed: the backend answers and sees REMOTE_USER=admin and TOKENGATE_*:
  curl -H "Authorization: Bearer \$T" $U/api/hello

Denied, no token (401 MISSING):
  curl -i $U/api/hello

Denied, a malformed token (401 MALFORMED: refused without any database access):
  curl -i -H "Authorization: Bearer tg_nope" $U/api/hello

Denied by the token's first rule '!GET /api/secret/**' (403 RULE_DENIED):
  curl -i -H "Authorization: Bearer \$T" $U/api/secret/plans

Create a read-only token through the API (it inherits this token's rules,
or takes them with more '!' rules in front), then list tokens (no secrets):
  curl -H "Authorization: Bearer \$T" -H 'Content-Type: application/json' \\
       -d '{"name":"reader","expiresInDays":7,"permissions":["token:read"]}' \\
       $U/api/auth/tokens
  curl -H "Authorization: Bearer \$T" $U/api/auth/tokens

Explain a decision offline:
  $TG -c $CONF check --token "\$T" --method GET --uri /api/secret/plans

Logs: $TG_DIR/*.log, $TG_DIR/lighttpd/
EOF

# Wait until Ctrl-C (the EXIT trap stops everything), or until a process
# dies on its own.
while :; do
	for i in "${!TG_SVC_NAME[@]}"; do
		if ! kill -0 "${TG_SVC_PID[i]}" 2>/dev/null; then
			echo "make run: ${TG_SVC_NAME[i]} exited; its log is in $TG_DIR (kept)" >&2
			TG_KEEP=1
			exit 1
		fi
	done
	sleep 1
done
