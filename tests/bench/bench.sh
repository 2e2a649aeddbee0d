#!/usr/bin/env bash
#
# bench.sh: `make bench` (issue 5).  Starts its own MariaDB, authorizers,
# tokengate-api, lighttpd and Apache on 127.0.0.1 through
# tests/integration/lib.sh (which stops them all at exit), measures, and
# prints ONE table on stdout; progress goes to stderr, and a copy of the
# table to $TG_BUILD/bench-last.txt.  The programs are copied from
# $TG_BUILD first, so a rebuild meanwhile changes nothing.
#
# Every point is a warm-up, then wrk (HTTP with keep-alive, as clients
# do) or tests/tools/fcgi-load (FastCGI straight to an authorizer, a
# connection per request as the servers do).  Each authorizer guards the
# same small static file (tests/bench/lighttpd.conf, apache.conf), so the
# authorizer's round trip is the only FastCGI one of a request.
#   (1) baseline: lighttpd + tests/tools/null-authz (always 200) on a unix
#       socket; the x(1) column is every figure over this one of the run
#   (2) lighttpd + tokengate-authz, a valid token in API-rule mode (two
#       rules, the second matches), warm cache
#   (3) the same with cache = off
#   (4) a token with a bad checksum (401 MALFORMED, no database access),
#       with and without the denial log line, and with the brake
#   (5) well-formed tokens with unknown ids (401 NOT_FOUND), picked at
#       random by wrk from a file made with tokentool (the negative cache); compared
#       with null-authz under the same wrk script, which costs wrk itself
#   A   the authorizers alone through fcgi-load
#   (6) Apache: mod_authnz_fcgi and mod_fcgid, each with null-authz and
#       tokengate-authz; Apache static; mod_authn_dbd with and without
#       mod_authn_socache (SQL Basic auth on the same MariaDB)
#   (7) (2) and (3) with 1k, 100k and 1M rows in the tokens table (filler
#       rows with fake hashes, INSERT ... SELECT FROM seq_1_to_N)
#   (8) revocation latency: a token revoked through tokengate-api
#       (DELETE /tokens/{id}) while wrk loads lighttpd and mod_fcgid;
#       probes (fcgi-load --watch) straight at every tokengate-authz
#       process (lighttpd's, mod_authnz_fcgi's, each one mod_fcgid
#       spawned) and through each server report when every answer became
#       a refusal
#   (9) RSS of a tokengate-authz after 100k distinct valid tokens (made by
#       tests/bench/bench-tokens, loaded with LOAD DATA), then through a
#       soak of BENCH_SOAK_SECONDS (default 300) over them and 10k
#       unknown ones
#   P   null-authz with libfcgi's lingering close against --close drain,
#       through each server and alone (see profile.sh)
#
# The brake (brake_failures: 429 for every request of an address after 20
# failures a minute) would turn (4), (5) and the soak into 429s, since all
# requests here come from 127.0.0.1: those instances run without it, and
# one row shows the brake itself.  Config keys this build does not know
# (cache, brake_failures) are left out and the table says so.
#
# Environment:
#   BENCH_QUICK=1            3 s points, 1 s warm-up, 20 s soak, 10k tokens
#                            for (9), 1k unknown ids: for development
#   BENCH_SECONDS, BENCH_WARMUP   seconds per point and of its warm-up
#   BENCH_SOAK_SECONDS       the soak of (9), default 300 (quick: 20)
#   BENCH_MEM_TOKENS         tokens for (9), default 100000 (quick: 10000)
#   BENCH_SIZES              table sizes for (7), default "1000 100000 1000000"
#   BENCH_WRK                wrk options, default "-t1 -c8"
#   BENCH_LOAD_THREADS       fcgi-load connections, default 8
#   BENCH_ONLY               some of: http alone apache revoke scale memory
#                            (for development; the table then has gaps)
#
# No figure is asserted: the table marks each target met or MISSED.
set -u
. "$(dirname "$0")/../integration/lib.sh"

BENCH_DIR=$TG_ROOT/tests/bench
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	SECS=${BENCH_SECONDS:-3}
	WARM=${BENCH_WARMUP:-1}
	SOAK=${BENCH_SOAK_SECONDS:-20}
	NEG_TOKENS=1000
	MEM_TOKENS=${BENCH_MEM_TOKENS:-10000}
else
	SECS=${BENCH_SECONDS:-10}
	WARM=${BENCH_WARMUP:-2}
	SOAK=${BENCH_SOAK_SECONDS:-300}
	NEG_TOKENS=10000
	MEM_TOKENS=${BENCH_MEM_TOKENS:-100000}
fi
SIZES=${BENCH_SIZES:-"1000 100000 1000000"}
ONLY=${BENCH_ONLY:-}
WRK_OPTS=${BENCH_WRK:-"-t1 -c8"}
CONNS=$(printf '%s\n' "$WRK_OPTS" | sed -n 's/.*-c *\([0-9][0-9]*\).*/\1/p')
CONNS=${CONNS:-10}
LOAD_THREADS=${BENCH_LOAD_THREADS:-8}

for b in tokengate tokengate-authz tokengate-api tools/fcgi-load \
    tools/tokentool tools/null-authz bench/bench-tokens; do
	[ -x "$TG_BUILD/$b" ] || tg_die "missing $TG_BUILD/$b: run 'make bench'"
done
for b in wrk lighttpd apache2 curl ss htpasswd mariadb; do
	command -v "$b" >/dev/null || tg_die "$b not found (make deps)"
done

say() { printf '# %s\n' "$*" >&2; }
# phase NAME: true when BENCH_ONLY is empty or names it.
phase() { [ -z "$ONLY" ] || [[ " $ONLY " == *" $1 "* ]]; }

# ------------------------------------------------------------- results

# One row per figure, in the order measured.
R_KEYS=()
declare -A R_LABEL R_RPS R_P50 R_P99 R_NOTE R_OTHER

# row KEY LABEL RPS P50 P99 NOTE
row() {
	R_KEYS+=("$1")
	R_LABEL[$1]=$2 R_RPS[$1]=$3 R_P50[$1]=$4 R_P99[$1]=$5 R_NOTE[$1]=$6
	R_OTHER[$1]=${OTHER_PCT:-}
}

# The machine is shared: how much of its CPU went to processes that are
# not this script's during a point.  cpu_mark stores the machine's busy
# and total ticks and those of this script's process tree (its own, its
# children's including the finished ones, and each live descendant's);
# cpu_other prints the others' share since the mark, in percent.  (The
# kernel's softirq threads count as others: a slight overestimate.)
cpu_tree() {
	local p t=0 v
	for p in $$ $(tg__descendants $$); do
		v=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$p/stat" \
		    2>/dev/null) && t=$((t + ${v:-0}))
	done
	echo "$t"
}
cpu_mark() {
	read -r CPU_B0 CPU_T0 < <(awk '/^cpu / {
		print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat)
	CPU_M0=$(cpu_tree)
}
cpu_other() {
	local b1 t1 m1
	read -r b1 t1 < <(awk '/^cpu / {
		print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat)
	m1=$(cpu_tree)
	awk -v b=$((b1 - CPU_B0)) -v t=$((t1 - CPU_T0)) -v m=$((m1 - CPU_M0)) \
	    'BEGIN { o = t > 0 ? 100 * (b - m) / t : 0; printf "%.0f", o < 0 ? 0 : o }'
}

# kv LINE NAME: the value of NAME=value in LINE.
kv() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }

# ratio A B: A/B with two decimals ("-" when either is missing or zero).
ratio() {
	awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN {
		if (a + 0 <= 0 || b + 0 <= 0) print "-"; else printf "%.2f", a / b }'
}

# ge A B: 0 when A >= B (decimals).
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "-" && a + 0 >= b + 0) }'; }

# ------------------------------------------------------------- checks

# precheck URL STATUS [CURL ARGS]: one request before a point is measured;
# returns 1 (and says so) when the status is not the expected one.  Not a
# test: the benchmark asserts nothing, it leaves the point out.
precheck() {
	local url=$1 want=$2
	shift 2
	tg_http GET "$url" "$@"
	if [ "$TG_STATUS" != "$want" ]; then
		say "check failed: $url: expected $want, got $TG_STATUS"
		CHECK_GOT=$TG_STATUS
		return 1
	fi
	return 0
}

# ------------------------------------------------------------- points

# wrk_point KEY LABEL EXPECT URL [WRK ARGS]: a warm-up, then the point.
# EXPECT is the status every answer must have (200, or 401 for the
# refusals); a point with other answers keeps its figure but says so.
wrk_point() {
	local key=$1 label=$2 want=$3 url=$4 out n he se note='' warm=$WARM i
	shift 4
	OTHER_PCT=
	# The brake only answers 429 after some failures.
	if ! precheck "$url" "$([ "$want" = 429 ] && echo 401 || echo "$want")" \
	    "$@"; then
		row "$key" "$label" - - - "not measured: $url answered $CHECK_GOT"
		return 0
	fi
	say "$label"
	# shellcheck disable=SC2086
	wrk $WRK_OPTS -d"${warm}s" --timeout 5s -s "$BENCH_DIR/report.lua" \
	    "$@" "$url" >/dev/null 2>&1
	# A request that finds every mod_fcgid process busy sleeps a whole
	# second, and mod_fcgid asks for a new process only if one is still
	# busy after that second: under a steady load of C connections it
	# settles at C - 1 processes and a request stalls for a second every
	# so often.  Warm up with twice the connections until it runs more
	# processes than the point has connections (at most 30 s more), as
	# a server would after a peak; the processes stay (FcgidIdleTimeout
	# is 300 s).
	if [ -n "${FCGID_CMD:-}" ]; then
		for ((i = 0; i < 6; i++)); do
			[ "$(pgrep -cfx "$FCGID_CMD")" -gt "$CONNS" ] && break
			wrk -t1 -c$((2 * CONNS)) -d5s --timeout 5s "$@" "$url" \
			    >/dev/null 2>&1
		done
		note="$(pgrep -cfx "$FCGID_CMD") processes"
	fi
	cpu_mark
	# shellcheck disable=SC2086
	out=$(wrk $WRK_OPTS -d"${SECS}s" --timeout 5s \
	    -s "$BENCH_DIR/report.lua" "$@" "$url" 2>&1 | grep '^TGBENCH')
	OTHER_PCT=$(cpu_other)
	if [ -z "$out" ]; then
		row "$key" "$label" - - - "wrk failed"
		return 0
	fi
	n=$(kv "$out" requests) he=$(kv "$out" http_errors)
	se=$(kv "$out" socket_errors)
	# wrk only counts answers >= 400: ask once more that it is still the
	# expected refusal (not the brake's 429, say).
	if [ "$want" != 200 ] && ! precheck "$url" "$want" "$@"; then
		note="after the point the answer was $CHECK_GOT"
	fi
	if [ "$want" = 200 ] && [ "$((he + se))" -ne 0 ]; then
		note="${note:+$note; }$he answers >= 400, $se socket errors"
	elif [ "$want" != 200 ] && { [ "$he" -ne "$n" ] || [ "$se" -ne 0 ]; }; then
		note="${note:+$note; }only $he of $n answers >= 400, $se socket errors"
	fi
	row "$key" "$label" "$(kv "$out" rps)" "$(kv "$out" p50_us)" \
	    "$(kv "$out" p99_us)" "$note"
}

# load_point KEY LABEL EXPECT ADDR [FCGI-LOAD ARGS]: the same with
# fcgi-load straight to an authorizer.
load_point() {
	local key=$1 label=$2 want=$3 addr=$4 out n ok note=''
	shift 4
	OTHER_PCT=
	say "$label"
	cpu_mark
	out=$("$LOAD" --connect "$addr" --threads "$LOAD_THREADS" \
	    --warmup "$WARM" --duration "$SECS" "$@" 2>&1 | grep '^fcgi-load:')
	OTHER_PCT=$(cpu_other)
	if [ -z "$out" ]; then
		row "$key" "$label" - - - "fcgi-load failed"
		return 0
	fi
	n=$(kv "$out" requests) ok=$(kv "$out" "s$want")
	[ "${ok:-0}" -eq "$n" ] ||
	    note="only ${ok:-0} of $n answers $want ($out)"
	row "$key" "$label" "$(kv "$out" rps)" "$(kv "$out" p50_us)" \
	    "$(kv "$out" p99_us)" "$note"
}

# ------------------------------------------------------------- setup

tg_init
# The programs are copied first: others may rebuild $TG_BUILD meanwhile,
# and $TG_DIR/bin is where Apache's www-data may execute them.
BIN=$TG_DIR/bin
mkdir -p "$BIN" && chmod 0711 "$BIN"
for b in tokengate tokengate-authz tokengate-api tools/fcgi-load \
    tools/tokentool tools/null-authz bench/bench-tokens; do
	cp "$TG_BUILD/$b" "$BIN/" && chmod 0755 "$BIN/${b##*/}" ||
	    tg_die "cannot copy $b"
done
TG=$BIN/tokengate
AUTHZ=$BIN/tokengate-authz
API=$BIN/tokengate-api
LOAD=$BIN/fcgi-load
TOKENTOOL=$BIN/tokentool
NULL=$BIN/null-authz
MKTOKENS=$BIN/bench-tokens
START_TIME=$(date -u '+%Y-%m-%d %H:%M UTC')
say "private directory $TG_DIR; points of ${SECS}s after ${WARM}s warm-up"

tg_mariadb_init "$TG_DIR/db"
tg_mariadb_start "$TG_DIR/db"
CONF=$TG_DIR/tokengate.conf
tg_write_config "$CONF"
# The copied CLI (not tg_cli, which runs $TG_BUILD's).
tgc() { "$TG" -c "$CONF" "$@"; }
tgc migrate >/dev/null || tg_die "migrate failed"

# Does this build have the cache (issue 5)?  A config key it does not
# know makes tokengate-authz refuse to start ("unknown key").
accepts() {
	local conf=$TG_DIR/probe.conf sock=$TG_DIR/probe.sock
	local log=$TG_DIR/probe.log pid
	rm -f "$log"
	tg_write_config "$conf" "$@"
	tg_start probe "$log" "$AUTHZ" -c "$conf" --listen "$sock" --threads 1
	pid=$TG_LAST_PID
	if tg_wait_socket "$sock" 10 "$pid" 2>/dev/null; then
		tg_stop "$pid"
		return 0
	fi
	tg_stop "$pid"
	grep -q "unknown key '${1%%=*}'" "$log" && return 1
	tg_die "tokengate-authz does not start: $(tail -n 3 "$log")"
}
CACHE=0
if accepts cache=on feed_poll_ms=200; then
	CACHE=1
	CONF_OFF=$TG_DIR/tokengate-off.conf
	tg_write_config "$CONF_OFF" cache=off
	CACHE_NOTE="cache on (default settings), feed polled every 200 ms"
else
	CONF_OFF=$CONF
	CACHE_NOTE="cache not available in this build: (2) and (3) both read the database on every request"
fi
say "$CACHE_NOTE"

# The tokens: one valid token in API-rule mode, one to revoke, one for
# the API call, a bad checksum, and a file of random unknown ones.
tgc user add bench --role member >/dev/null || tg_die "user add failed"
BENCH_UID=$(tg_sql "SELECT id FROM users WHERE name = 'bench'")
newtok() { tgc token create --user bench "$@" || tg_die "token create failed"; }
VALID=$(newtok --name bench-valid --api-rule '!* /admin/**' \
    --api-rule 'GET /**')
REVOKE=$(newtok --name bench-revoke --api-rule 'GET /**')
ADMIN=$(newtok --name bench-api --permission token:read \
    --permission token:revoke)
BAD=$("$TOKENTOOL" badcheck "$VALID")
NEG_FILE=$TG_DIR/unknown-tokens.txt
say "making $NEG_TOKENS random unknown tokens"
for ((i = 0; i < NEG_TOKENS; i++)); do
	"$TOKENTOOL" random tg
done >"$NEG_FILE"

# fill N: adds filler rows (fake hashes, never matched) until the tokens
# table holds N rows, in one INSERT ... SELECT per 250,000 rows.
FILL_DONE=0
fill() {
	local want=$1 have n from to
	have=$(tg_sql "SELECT COUNT(*) FROM tokens")
	n=$((want - have))
	while [ "$n" -gt 0 ]; do
		from=$((FILL_DONE + 1))
		to=$((FILL_DONE + (n > 250000 ? 250000 : n)))
		tg_sql "INSERT INTO tokens (id, user_id, name, hash, permissions,
		    api_rules, resource_rules, allowed_cidrs, environments,
		    created_at, expires_at)
		    SELECT CONCAT('f', LPAD(seq, 11, '0')), $BENCH_UID, 'filler',
		    UNHEX(SHA2(seq, 256)), '', 'GET /**', '', '', '',
		    UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL 90 DAY
		    FROM seq_${from}_to_${to}" || tg_die "filling the table failed"
		n=$((n - (to - from + 1)))
		FILL_DONE=$to
	done
}
fill 1000

# Basic-auth users for mod_authn_dbd: {SHA} hashes as htpasswd -s makes.
SHA=$(htpasswd -nbs benchuser benchpass | sed 's/^benchuser:{SHA}//')
tg_sql "CREATE TABLE bench_basic_users (user VARCHAR(64) NOT NULL PRIMARY KEY,
    password VARCHAR(255) NOT NULL) ENGINE=InnoDB;
    INSERT INTO bench_basic_users SELECT CONCAT('user', seq), '{SHA}x'
    FROM seq_1_to_999;
    INSERT INTO bench_basic_users VALUES ('benchuser', '{SHA}$SHA');" ||
    tg_die "cannot create the Basic auth users"
BASIC="Authorization: Basic $(printf 'benchuser:benchpass' | base64)"


NULL_SOCK=$TG_DIR/null.sock
NULLFAST_SOCK=$TG_DIR/nullfast.sock
TG_SOCK=$TG_DIR/tg.sock
TGOFF_SOCK=$TG_DIR/tgoff.sock
TGB_SOCK=$TG_DIR/tgb.sock
TGQ_SOCK=$TG_DIR/tgq.sock
TGK_SOCK=$TG_DIR/tgk.sock
# The brake (brake_failures, default 20 a minute) answers 429 to every
# request of a client address after its failures, valid tokens included,
# and here every request comes from 127.0.0.1: (4) and (5) measure the
# refusals themselves on instances without it, and only /tgk/ and its
# row show the brake.
CONF_NOBRAKE=$TG_DIR/tokengate-nobrake.conf
NOBRAKE=
if accepts brake_failures=0; then
	NOBRAKE=brake_failures=0
else
	CACHE_NOTE="$CACHE_NOTE; no brake in this build"
fi
tg_write_config "$CONF_NOBRAKE" $NOBRAKE
CONF_QUIET=$TG_DIR/tokengate-quiet.conf
tg_write_config "$CONF_QUIET" $NOBRAKE log_denials=no
# lib.sh raises the brake for the tests; the brake row wants the default.
# ("KEY=" drops a key; another key after it, because tg_write_config
# fails when the last key it holds is a dropped one.)
CONF_BRAKE=$TG_DIR/tokengate-brake.conf
tg_write_config "$CONF_BRAKE" brake_failures= log_denials=yes
API_SOCK=$TG_DIR/api.sock
NULL_ADDR=127.0.0.1:$(tg_free_port)
NULLFAST_ADDR=127.0.0.1:$(tg_free_port)
TG_ADDR=127.0.0.1:$(tg_free_port)
tg_daemon null "$NULL_SOCK" "$NULL"
tg_daemon nullfast "$NULLFAST_SOCK" "$NULL" --close drain
tg_daemon null-tcp "$NULL_ADDR" "$NULL"
tg_daemon nullfast-tcp "$NULLFAST_ADDR" "$NULL" --close drain
tg_daemon authz "$TG_SOCK" "$AUTHZ" -c "$CONF"
tg_daemon authz-nocache "$TGOFF_SOCK" "$AUTHZ" -c "$CONF_OFF"
tg_daemon authz-nobrake "$TGB_SOCK" "$AUTHZ" -c "$CONF_NOBRAKE"
tg_daemon authz-quiet "$TGQ_SOCK" "$AUTHZ" -c "$CONF_QUIET"
tg_daemon authz-brake "$TGK_SOCK" "$AUTHZ" -c "$CONF_BRAKE"
tg_daemon authz-tcp "$TG_ADDR" "$AUTHZ" -c "$CONF"
tg_daemon api "$API_SOCK" "$API" -c "$CONF"

# htdocs DIR: the same small static file at every location.
htdocs() {
	local d
	for d in "" null nullfast tg tgoff tgb tgq tgk nz/null nz/nullfast nz/tg \
	    fcgid/null fcgid/nullfast fcgid/tg dbd dbdcache; do
		mkdir -p "$1/htdocs/$d"
		echo "static file for the benchmark" >"$1/htdocs/$d/index.html"
	done
	chmod -R a+rX "$1"
}

LRUN=$TG_DIR/lighttpd
mkdir -p "$LRUN" && htdocs "$LRUN"
LPORT=$(tg_free_port)
TG_HTTP_PORT=$LPORT TG_RUN_DIR=$LRUN BENCH_NULL_SOCKET=$NULL_SOCK \
    BENCH_NULLFAST_SOCKET=$NULLFAST_SOCK BENCH_TG_SOCKET=$TG_SOCK \
    BENCH_TGOFF_SOCKET=$TGOFF_SOCK BENCH_TGB_SOCKET=$TGB_SOCK \
    BENCH_TGQ_SOCKET=$TGQ_SOCK BENCH_TGK_SOCKET=$TGK_SOCK \
    BENCH_API_SOCKET=$API_SOCK \
    tg_start lighttpd "$LRUN/lighttpd.out" lighttpd -D \
    -f "$BENCH_DIR/lighttpd.conf"
tg_wait_port "$LPORT" 20 "$TG_LAST_PID" ||
    tg_die "lighttpd did not start (see $LRUN/lighttpd-error.log)"
L=http://127.0.0.1:$LPORT

# Apache: as root its children (and what mod_fcgid spawns) run as
# www-data, which needs its own copy of the config and key, and programs
# it may execute.
ARUN=$TG_DIR/apache
mkdir -p "$ARUN" && htdocs "$ARUN"
APORT=$(tg_free_port)
if tg_is_root; then
	AUSER=www-data AGROUP=www-data
else
	AUSER=$(id -un) AGROUP=$(id -gn)
fi
FCGID_CONF=$(tg_config_for_user "$CONF" "$AUSER") ||
    tg_die "cannot copy the config for $AUSER"
TG_HTTP_PORT=$APORT TG_RUN_DIR=$ARUN TG_APACHE_USER=$AUSER \
    TG_APACHE_GROUP=$AGROUP BENCH_NULL_ADDR=$NULL_ADDR \
    BENCH_NULLFAST_ADDR=$NULLFAST_ADDR BENCH_TG_ADDR=$TG_ADDR \
    BENCH_NULL_CMD=$NULL BENCH_TG_CMD=$AUTHZ \
    BENCH_NULLFAST_CMD="$NULL --close drain" \
    BENCH_FCGID_CONFIG=$FCGID_CONF \
    tg_start apache "$ARUN/apache.out" apache2 -d "$BENCH_DIR" \
    -f apache.conf -DFOREGROUND
tg_wait_port "$APORT" 20 "$TG_LAST_PID" ||
    tg_die "apache did not start (see $ARUN/apache-error.log)"
A=http://127.0.0.1:$APORT
# Apache starts with two children: let it grow before the first point.
wrk $WRK_OPTS -d2s "$A/index.html" >/dev/null 2>&1

BEARER="Authorization: Bearer $VALID"

# ------------------------------------------------------------- 1-5

if phase http; then
	wrk_point static "lighttpd, static file, no authorizer" 200 "$L/index.html"
	wrk_point base "(1) lighttpd + null-authz: the baseline" 200 \
	    "$L/null/index.html" -H "$BEARER"
	wrk_point p-lfast "P  lighttpd + null-authz --close drain" 200 \
	    "$L/nullfast/index.html" -H "$BEARER"
	wrk_point warm "(2) lighttpd + tokengate, valid token, warm" 200 \
	    "$L/tg/index.html" -H "$BEARER"
	wrk_point off "(3) lighttpd + tokengate, cache = off" 200 \
	    "$L/tgoff/index.html" -H "$BEARER"
	wrk_point bad "(4) lighttpd + tokengate, bad checksum (401)" 401 \
	    "$L/tgb/index.html" -H "Authorization: Bearer $BAD"
	wrk_point badq "(4) the same, log_denials = no" 401 \
	    "$L/tgq/index.html" -H "Authorization: Bearer $BAD"
	wrk_point badk "(4) the same, brake on (the default): 429" 429 \
	    "$L/tgk/index.html" -H "Authorization: Bearer $BAD"
	# (wrk sends the random tokens; -H only serves the checks before and after.)
	# wrk builds each of these requests in Lua, which costs wrk itself
	# a good part of a core: (5) is compared with null-authz under the
	# same script.
	BENCH_TOKENS=$NEG_FILE wrk_point base-lua \
	    "(1) null-authz, requests built by the script of (5)" 200 \
	    "$L/null/index.html" -H "$BEARER"
	BENCH_TOKENS=$NEG_FILE wrk_point neg \
	    "(5) lighttpd + tokengate, random unknown ids" 401 "$L/tgb/index.html" \
	    -H "Authorization: Bearer $(head -n 1 "$NEG_FILE")"
	wrk_point base2 "(1) the baseline again, after (2)-(5)" 200 \
	    "$L/null/index.html" -H "$BEARER"
fi

# ------------------------------------------------------------- alone

if phase alone; then
	load_point a-null "A  null-authz alone (fcgi-load, unix)" 200 "$NULL_SOCK" \
	    --token "$VALID" --uri /tg/index.html
	load_point a-nullfast "P  null-authz --close drain alone" 200 \
	    "$NULLFAST_SOCK" --token "$VALID" --uri /tg/index.html
	load_point a-warm "A  tokengate-authz alone, warm" 200 "$TG_SOCK" \
	    --token "$VALID" --uri /tg/index.html
	load_point a-off "A  tokengate-authz alone, cache = off" 200 "$TGOFF_SOCK" \
	    --token "$VALID" --uri /tg/index.html
fi

# ------------------------------------------------------------- 6

if phase apache; then
	wrk_point ap-static "(6) Apache, static file" 200 "$A/index.html"
	wrk_point nz-null "(6) Apache authnz_fcgi + null-authz" 200 \
	    "$A/nz/null/index.html" -H "$BEARER"
	wrk_point p-nzfast "P  Apache authnz_fcgi + null --close drain" 200 \
	    "$A/nz/nullfast/index.html" -H "$BEARER"
	wrk_point nz-tg "(6) Apache authnz_fcgi + tokengate" 200 \
	    "$A/nz/tg/index.html" -H "$BEARER"
	FCGID_CMD=$NULL wrk_point fcgid-null "(6) Apache fcgid + null-authz" \
	    200 "$A/fcgid/null/index.html" -H "$BEARER"
	FCGID_CMD="$NULL --close drain" wrk_point p-fcgidfast \
	    "P  Apache fcgid + null --close drain" 200 \
	    "$A/fcgid/nullfast/index.html" -H "$BEARER"
	FCGID_CMD=$AUTHZ wrk_point fcgid-tg "(6) Apache fcgid + tokengate" 200 \
	    "$A/fcgid/tg/index.html" -H "$BEARER"
	wrk_point dbd "(6) Apache authn_dbd (SQL Basic auth)" 200 \
	    "$A/dbd/index.html" -H "$BASIC"
	wrk_point dbdcache "(6) Apache authn_dbd + authn_socache" 200 \
	    "$A/dbdcache/index.html" -H "$BASIC"
fi

# ------------------------------------------------------------- 8

# probe NAME ADDR [ARGS]: a --watch probe in the background.
PROBES=()
probe() {
	local name=$1 addr=$2
	shift 2
	tg_start "probe-$name" "$TG_DIR/probe-$name.log" "$LOAD" --connect \
	    "$addr" --token "$REVOKE" --uri /tg/index.html --watch \
	    --interval-us 5000 --settle-ms 1500 --duration 15 "$@"
	PROBES+=("$name:$TG_LAST_PID")
}

revocation() {
	local rid t0 t1 st p name pid out lat worst=0 n=0
	local bad='' detail='' path proc
	rid=$(tg_token_id "$REVOKE")
	say "(8) revocation while load runs"
	# Load on the lighttpd authorizer and on mod_fcgid (which keeps its
	# processes up), for longer than the probes can last.
	# shellcheck disable=SC2086
	tg_start wrk-l "$TG_DIR/wrk-l.log" wrk $WRK_OPTS -d20s \
	    "$L/tg/index.html" -H "$BEARER"
	# shellcheck disable=SC2086
	tg_start wrk-f "$TG_DIR/wrk-f.log" wrk $WRK_OPTS -d20s \
	    "$A/fcgid/tg/index.html" -H "$BEARER"
	sleep 1
	probe lighttpd-authz "$TG_SOCK"
	probe apache-authz "$TG_ADDR" --no-stdin
	# Each tokengate-authz that mod_fcgid spawned listens on its own
	# socket in the IPC directory: probe every one directly.
	while read -r path proc; do
		[ "$proc" = tokengate-authz ] || continue
		probe "fcgid-${path##*/}" "$path"
	done < <(ss -xlpn 2>/dev/null | awk -v d="$ARUN/fcgid/" '
		index($5, d) == 1 {
			p = $0; sub(/.*users:\(\("/, "", p); sub(/".*/, "", p)
			print $5, p
		}')
	probe http-lighttpd "127.0.0.1:$LPORT" --http
	probe http-apache-authnz "127.0.0.1:$APORT" --http --uri /nz/tg/index.html
	probe http-apache-fcgid "127.0.0.1:$APORT" --http --threads 4 \
	    --uri /fcgid/tg/index.html
	sleep 1.5
	t0=$(date +%s%N)
	st=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 -X DELETE \
	    -H "Authorization: Bearer $ADMIN" "$L/api/auth/tokens/$rid")
	t1=$(date +%s%N)
	[ "$st" = 204 ] || bad="the API answered $st to DELETE"
	for p in "${PROBES[@]}"; do
		name=${p%%:*} pid=${p#*:}
		wait "$pid" 2>/dev/null
		tg_stop "$pid"
		out=$(grep '^fcgi-load: watch' "$TG_DIR/probe-$name.log")
		n=$((n + 1))
		if [ "$(kv "$out" allowed)" = 0 ] || [ -z "$out" ]; then
			bad="$bad${bad:+; }$name saw no 200 before"
			continue
		fi
		if [ "$(kv "$out" refused_from_ns)" = 0 ]; then
			bad="$bad${bad:+; }$name never saw a refusal"
			continue
		fi
		lat=$((($(kv "$out" refused_from_ns) - t0) / 1000000))
		detail="$detail $name $lat,"
		[ "$lat" -gt "$worst" ] && worst=$lat
	done
	say "revocation: API call $(((t1 - t0) / 1000000)) ms;$detail"
	REVOKE_MS=$worst
	REVOKE_PROBES=$n
	REVOKE_BAD=$bad
	REVOKE_API_MS=$(((t1 - t0) / 1000000))
	REVOKE_DETAIL=${detail%,}
	tg_stop wrk-l >/dev/null 2>&1
	tg_stop wrk-f >/dev/null 2>&1
}
REVOKE_MS=
phase revoke && revocation

# ------------------------------------------------------------- 7

if phase scale; then
	for n in $SIZES; do
		say "(7) filling the tokens table to $n rows"
		fill "$n"
		sleep 2		# let InnoDB settle after the bulk insert
		wrk_point "s$n-warm" "(7) $n tokens: tokengate warm" 200 \
		    "$L/tg/index.html" -H "$BEARER"
		wrk_point "s$n-off" "(7) $n tokens: cache = off" 200 \
		    "$L/tgoff/index.html" -H "$BEARER"
	done
fi

# ------------------------------------------------------------- 9

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
mib() { awk -v k="${1:-0}" 'BEGIN { printf "%.1f", k / 1024 }'; }

memory() {
	local conf=$TG_DIR/mem.conf sock=$TG_DIR/mem.sock pid out
	local r0 r1 rmax rend rmid s i step mix=$TG_DIR/mix-tokens.txt
	say "(9) memory: $MEM_TOKENS valid tokens"
	"$MKTOKENS" "$TG_KEY_FILE" tg "$MEM_TOKENS" "$TG_DIR/mem-tokens.txt" \
	    "$TG_DIR/mem-rows.tsv" || tg_die "bench-tokens failed"
	mariadb --no-defaults --local-infile=1 --socket="$TG_DB_SOCKET" \
	    -u"$TG_DB_ADMIN" "$TG_DB_NAME" -e "LOAD DATA LOCAL INFILE
	    '$TG_DIR/mem-rows.tsv' INTO TABLE tokens (id, @h) SET
	    hash = UNHEX(@h), user_id = $BENCH_UID, name = 'mem',
	    permissions = '', api_rules = 'GET /**', resource_rules = '',
	    allowed_cidrs = '', environments = '',
	    created_at = UTC_TIMESTAMP(),
	    expires_at = UTC_TIMESTAMP() + INTERVAL 90 DAY" ||
	    tg_die "loading the tokens failed"
	# The default cache_size (100000) holds them; a larger count needs
	# a larger cache.
	if [ "$CACHE" = 1 ] && [ "$MEM_TOKENS" -gt 100000 ]; then
		tg_write_config "$conf" log_denials=no $NOBRAKE \
		    cache_size=$((MEM_TOKENS + 1000))
	else
		tg_write_config "$conf" log_denials=no $NOBRAKE
	fi
	tg_daemon authz-mem "$sock" "$AUTHZ" -c "$conf"
	pid=$TG_LAST_PID
	"$LOAD" --connect "$sock" --token "$VALID" --requests 100 \
	    --uri /tg/index.html >/dev/null
	r0=$(rss_kib "$pid")
	out=$("$LOAD" --connect "$sock" --tokens "$TG_DIR/mem-tokens.txt" \
	    --order seq --requests "$MEM_TOKENS" --threads "$LOAD_THREADS" \
	    --uri /tg/index.html)
	r1=$(rss_kib "$pid")
	MEM_NOTE=''
	[ "$(kv "$out" s200)" = "$MEM_TOKENS" ] ||
	    MEM_NOTE="not all answered 200: $out"
	MEM_R0=$r0 MEM_R1=$r1
	# The soak: valid tokens and unknown ones at random.
	cat "$TG_DIR/mem-tokens.txt" "$NEG_FILE" >"$mix"
	say "(9) soak of ${SOAK}s"
	cpu_mark
	tg_start soak "$TG_DIR/soak.log" "$LOAD" --connect "$sock" \
	    --tokens "$mix" --threads "$LOAD_THREADS" --duration "$SOAK" \
	    --uri /tg/index.html
	s=$TG_LAST_PID
	# Ten samples; "flat" is judged on the second half, after the
	# negative cache and the allocator have filled up.
	step=$((SOAK / 10))
	[ "$step" -ge 1 ] || step=1
	rmax=0 rmid=''
	SOAK_SAMPLES=''
	for ((i = step; i <= SOAK; i += step)); do
		sleep "$step"
		rend=$(rss_kib "$pid")
		[ "$i" -ge $((SOAK / 2)) ] && [ -z "$rmid" ] && rmid=$rend
		[ "${rend:-0}" -gt "$rmax" ] && rmax=$rend
		SOAK_SAMPLES="$SOAK_SAMPLES $(mib "$rend")"
	done
	wait "$s" 2>/dev/null
	SOAK_OTHER=$(cpu_other)
	tg_stop "$s"
	rend=$(rss_kib "$pid")
	[ "${rend:-0}" -gt "$rmax" ] && rmax=$rend
	SOAK_OUT=$(grep '^fcgi-load:' "$TG_DIR/soak.log")
	MEM_RMID=${rmid:-$rend} MEM_REND=$rend MEM_RMAX=$rmax
	tg_stop "$pid"
}
phase memory && memory

# ------------------------------------------------------------- the table

machine() {
	local cpu
	cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
	printf '%s, %s cores (%s), kernel %s, Debian %s\n' "$(hostname -s)" \
	    "$(nproc)" "${cpu:-?}" "$(uname -r)" "$(cat /etc/debian_version)"
	printf '%s; %s; wrk %s; MariaDB %s; libfcgi %s\n' \
	    "$(lighttpd -v 2>&1 | sed 's/ - .*//')" \
	    "$(apache2 -v | sed -n 's/^Server version: //p')" \
	    "$(wrk -v 2>&1 | sed -n 's/^wrk \([^ ]*\).*/\1/p')" \
	    "$(tg_sql 'SELECT VERSION()')" \
	    "$(dpkg-query -W -f='${Version}' libfcgi0ldbl 2>/dev/null)"
	printf 'tokengate %s%s; %s\n' \
	    "$(git -C "$TG_ROOT" rev-parse --short HEAD 2>/dev/null)" \
	    "$([ -n "$(git -C "$TG_ROOT" status --porcelain -- lib fcgi 2>/dev/null)" ] &&
	    echo ' + uncommitted changes')" "$CACHE_NOTE"
}

# verdict RATIO MIN: "met" or "missed".
verdict() { if ge "$1" "$2"; then echo met; else echo MISSED; fi; }

# target KEY: the comparison printed next to a row.
target() {
	local k=$1 r
	case $k in
	warm) r=$(ratio "${R_RPS[warm]}" "${R_RPS[base]}")
	    echo "(2)/(1) $r >= 0.90 $(verdict "$r" 0.90)" ;;
	off) r=$(ratio "${R_RPS[off]}" "${R_RPS[base]}")
	    echo "(3)/(1) $r >= 0.45 $(verdict "$r" 0.45)" ;;
	bad) r=$(ratio "${R_RPS[bad]}" "${R_RPS[base]}")
	    echo "(4)/(1) $r >= 0.95 $(verdict "$r" 0.95)" ;;
	nz-tg) r=$(ratio "${R_RPS[nz-tg]}" "${R_RPS[nz-null]}")
	    echo "x null same module $r >= 0.90 $(verdict "$r" 0.90)" ;;
	fcgid-tg) r=$(ratio "${R_RPS[fcgid-tg]}" "${R_RPS[fcgid-null]}")
	    echo "x null same module $r >= 0.90 $(verdict "$r" 0.90)" ;;
	a-warm|a-off) echo "x null alone $(ratio "${R_RPS[$k]}" "${R_RPS[a-null]}")" ;;
	p-lfast) echo "x (1) lingering: $(ratio "${R_RPS[$k]}" "${R_RPS[base]}")" ;;
	p-nzfast) echo "x lingering: $(ratio "${R_RPS[$k]}" "${R_RPS[nz-null]}")" ;;
	p-fcgidfast) echo "x lingering: $(ratio "${R_RPS[$k]}" "${R_RPS[fcgid-null]}")" ;;
	badq|badk) echo "x (4): $(ratio "${R_RPS[$k]}" "${R_RPS[bad]}")" ;;
	a-nullfast) echo "x lingering: $(ratio "${R_RPS[$k]}" "${R_RPS[a-null]}")" ;;
	dbd|dbdcache) echo "x authnz_fcgi+tokengate: $(ratio "${R_RPS[$k]}" "${R_RPS[nz-tg]}")" ;;
	s*-warm|s*-off)
		# The target is the largest table against the smallest: at
		# most 10 % slower.
		local first=${SIZES%% *} last=${SIZES##* } kind=${k##*-}
		[ "$k" = "s$first-$kind" ] && return 0
		r=$(ratio "${R_RPS[$k]}" "${R_RPS[s$first-$kind]}")
		if [ "$k" = "s$last-$kind" ]; then
			echo "x $first tokens $r >= 0.90 $(verdict "$r" 0.90)"
		else
			echo "x $first tokens $r"
		fi ;;
	neg) echo "x (1) with the same script: $(ratio "${R_RPS[neg]}" "${R_RPS[base-lua]}")" ;;
	base2) echo "x (1) before: $(ratio "${R_RPS[$k]}" "${R_RPS[base]}") (the drift of the run)" ;;
	esac
}

table() {
	local k base=${R_RPS[base]:-} t v flat grow
	echo "tokengate make bench, $START_TIME"
	machine
	echo "points: ${SECS}s after ${WARM}s warm-up (mod_fcgid: until it runs a process per connection); HTTP: wrk" \
	    "$WRK_OPTS, keep-alive; A and P alone: fcgi-load --threads" \
	    "$LOAD_THREADS, a connection per request"
	echo "other: the share of the machine's CPU that processes outside the" \
	    "benchmark took during the point; above a few % the figure is suspect"
	echo
	printf '%-46s %8s %7s %7s %6s %6s  %s\n' "figure" "req/s" "p50 us" \
	    "p99 us" "other" "x(1)" "target / comparison"
	for k in "${R_KEYS[@]}"; do
		t=$(target "$k")
		case $t in
		*" met") MET+=("$k") ;;
		*MISSED) MISSED+=("$k") ;;
		esac
		printf '%-46s %8s %7s %7s %6s %6s  %s\n' "${R_LABEL[$k]}" \
		    "$(printf '%.0f' "${R_RPS[$k]:-0}" 2>/dev/null | sed 's/^0$/-/')" \
		    "${R_P50[$k]}" "${R_P99[$k]}" "${R_OTHER[$k]:+${R_OTHER[$k]}%}" \
		    "$(ratio "${R_RPS[$k]}" "$base")" \
		    "$t${R_NOTE[$k]:+ [${R_NOTE[$k]}]}"
	done
	echo
	if [ -n "$REVOKE_MS" ]; then
		v=$([ -z "$REVOKE_BAD" ] && [ "$REVOKE_MS" -le 1000 ] &&
		    echo met || echo MISSED)
		[ "$v" = met ] && MET+=(8) || MISSED+=(8)
		echo "(8) revocation under load: every authorizer process refused" \
		    "the token ${REVOKE_MS} ms after the DELETE was sent <= 1000 ms" \
		    "$v${REVOKE_BAD:+ [$REVOKE_BAD]}"
		echo "    the API answered 204 after $REVOKE_API_MS ms;" \
		    "$REVOKE_PROBES probes, ms to the first refusal after the last" \
		    "200:$REVOKE_DETAIL"
	fi
	if [ -n "${MEM_R1:-}" ]; then
		grow=$((MEM_REND - MEM_RMID))
		if [ "$grow" -le 1024 ]; then
			flat="flat: +$(mib "$grow") MiB in the second half"
		else
			flat="grew $(mib "$grow") MiB in the second half"
		fi
		v=$([ "$MEM_RMAX" -le 65536 ] && [ "$grow" -le 1024 ] &&
		    echo met || echo MISSED)
		[ "$v" = met ] && MET+=(9) || MISSED+=(9)
		echo "(9) RSS of one tokengate-authz: $(mib "$MEM_R0") MiB" \
		    "started, $(mib "$MEM_R1") MiB after $MEM_TOKENS distinct" \
		    "valid tokens; over a ${SOAK}s soak max $(mib "$MEM_RMAX")" \
		    "MiB, $(mib "$MEM_REND") MiB at the end ($flat):" \
		    "<= 64 MiB and flat $v${MEM_NOTE:+ [$MEM_NOTE]}"
		echo "    samples (MiB):$SOAK_SAMPLES; other CPU $SOAK_OTHER%;" \
		    "the soak:" \
		    "$(echo "$SOAK_OUT" | sed -e 's/^fcgi-load: //' \
		    -e 's/ p90_us=[^ ]*//; s/ max_us=[^ ]*//' \
		    -e ':a' -e 's/ s[a-z0-9]*=0\( \|$\)/\1/' -e 'ta')"
	fi
	echo
	echo "targets met: ${#MET[@]}, missed: ${#MISSED[@]}${MISSED:+ (}$(
	    for k in "${MISSED[@]}"; do
		case $k in 8|9) printf '(%s) ' "$k" ;;
		*) printf '%s; ' "${R_LABEL[$k]}" ;; esac
	    done | sed 's/[; ]*$//')${MISSED:+)}"
}

OUT=$TG_BUILD/bench-last.txt
MET=()
MISSED=()
table >"$OUT"
cat "$OUT"
say "table saved in $OUT"
