#!/usr/bin/env bash
#
# profile.sh: what the authorizer's own side of the FastCGI round trip
# costs (accept, libfcgi's param parsing and buffers, the connection's
# close), measured on tests/tools/null-authz, which does nothing else.
#
#	bash tests/bench/profile.sh		(after `make bench` or `make`)
#
# It starts lighttpd (tests/bench/lighttpd.conf; part 5 also a private
# MariaDB) and runs, on 127.0.0.1 only, on copies of the programs:
#
#  1. CPU accounting: null-authz behind lighttpd under wrk, and alone under
#     tests/tools/fcgi-load; for each, requests/s and the CPU time per
#     request of the authorizer, of lighttpd and of the whole machine (from
#     /proc), and the authorizer's context switches per request.  Every
#     variant below is measured in turn, PROFILE_ROUNDS times (default 3),
#     and the median printed, because a VM's figures move by 10 % from one
#     run to the next.
#  2. syscalls per request (strace -c) for each --close mode;
#  3. where the authorizer's CPU goes: perf record (cpu-clock: this VM has
#     no hardware counters, `perf stat -e instructions true` says <not
#     supported>), by DSO and by symbol;
#  4. user-space instructions per request by function (valgrind
#     --tool=callgrind): libfcgi's accept, params and buffers, the handler,
#     the finish;
#  5. the same CPU accounting, perf and callgrind for tokengate-authz on a
#     warm cache (a private MariaDB), to show what it adds to null-authz.
#
# The variants are null-authz's --close modes (see tests/tools/null-authz.c:
# linger = libfcgi's default, which tokengate-authz uses; plain = FCGX_Detach
# before the finish; drain = read what is pending, then the same) and its
# thread count.  Environment: PROFILE_SECONDS (per point, default 5),
# PROFILE_ROUNDS (default 3), PROFILE_VARIANTS (default
# "linger:4 drain:4 plain:4 linger:2 drain:2 linger:1 drain:1"),
# PROFILE_SKIP="cpu strace perf callgrind tokengate" to leave parts out.
set -u
. "$(dirname "$0")/../integration/lib.sh"

BENCH_DIR=$TG_ROOT/tests/bench
SECS=${PROFILE_SECONDS:-5}
ROUNDS=${PROFILE_ROUNDS:-3}
VARIANTS=${PROFILE_VARIANTS:-"linger:4 drain:4 plain:4 linger:2 drain:2 linger:1 drain:1"}
SKIP=${PROFILE_SKIP:-}
for b in tools/null-authz tools/fcgi-load tokengate-authz tokengate; do
	[ -x "$TG_BUILD/$b" ] || tg_die "missing $TG_BUILD/$b: run make first"
done
HZ=$(getconf CLK_TCK)
AUTH="Authorization: Bearer tg_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"

skip() { [[ " $SKIP " == *" $1 "* ]]; }
say() { printf '# %s\n' "$*" >&2; }

tg_init
mkdir -p "$TG_DIR/bin"
for b in tools/null-authz tools/fcgi-load tokengate-authz tokengate; do
	cp "$TG_BUILD/$b" "$TG_DIR/bin/" || tg_die "cannot copy $b"
done
NULL=$TG_DIR/bin/null-authz
LOAD=$TG_DIR/bin/fcgi-load
AUTHZ=$TG_DIR/bin/tokengate-authz
TG=$TG_DIR/bin/tokengate
SOCK=$TG_DIR/null.sock
RUN=$TG_DIR/lighttpd
mkdir -p "$RUN/htdocs/null"
echo "static file for the benchmark" >"$RUN/htdocs/null/index.html"
PORT=$(tg_free_port)
TG_HTTP_PORT=$PORT TG_RUN_DIR=$RUN BENCH_NULL_SOCKET=$SOCK \
    BENCH_NULLFAST_SOCKET=$TG_DIR/none BENCH_TG_SOCKET=$TG_DIR/none \
    BENCH_TGOFF_SOCKET=$TG_DIR/none BENCH_TGB_SOCKET=$TG_DIR/none \
    BENCH_TGQ_SOCKET=$TG_DIR/none BENCH_TGK_SOCKET=$TG_DIR/none \
    BENCH_API_SOCKET=$TG_DIR/none \
    tg_start lighttpd "$RUN/lighttpd.out" lighttpd -D \
    -f "$BENCH_DIR/lighttpd.conf"
LPID=$TG_LAST_PID
tg_wait_port "$PORT" 20 "$LPID" || tg_die "lighttpd did not start"
URL=http://127.0.0.1:$PORT/null/index.html

# CPU ticks (user + system) of a process and all its threads.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# Busy and total ticks of the machine.
machine() { awk '/^cpu / { print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8 }' /proc/stat; }
ctxsw() {
	cat /proc/"$1"/task/*/status 2>/dev/null |
	    awk '/ctxt_switches/ { s += $2 } END { print s + 0 }'
}

# start MODE THREADS: null-authz on $SOCK; sets NPID.
start() {
	tg_start null "$TG_DIR/null.log" "$NULL" --listen "$SOCK" \
	    --close "$1" --threads "$2"
	NPID=$TG_LAST_PID
	tg_wait_socket "$SOCK" 10 "$NPID" || tg_die "null-authz did not start"
}

# measure VIA: one point through lighttpd (VIA=http) or straight
# (VIA=fcgi); prints "rps p50 p99 authz_us lighttpd_us machine_us ctxsw".
measure() {
	local via=$1 a0 a1 l0 l1 b0 t0 b1 t1 c0 c1 out n
	if [ "$via" = http ]; then
		wrk -t1 -c8 -d1s "$URL" -H "$AUTH" >/dev/null 2>&1
	else
		"$LOAD" --connect "$SOCK" --threads 8 --duration 1 >/dev/null
	fi
	a0=$(ticks "$NPID") l0=$(ticks "$LPID") c0=$(ctxsw "$NPID")
	read -r b0 t0 < <(machine)
	if [ "$via" = http ]; then
		out=$(wrk -t1 -c8 -d"${SECS}s" -s "$BENCH_DIR/report.lua" \
		    "$URL" -H "$AUTH" | grep '^TGBENCH')
	else
		out=$("$LOAD" --connect "$SOCK" --threads 8 --duration "$SECS" \
		    --token "${AUTH#*Bearer }")
	fi
	a1=$(ticks "$NPID") l1=$(ticks "$LPID") c1=$(ctxsw "$NPID")
	read -r b1 t1 < <(machine)
	n=$(printf '%s\n' "$out" | tr ' ' '\n' | sed -n 's/^requests=//p')
	printf '%s\n' "$out" | tr ' ' '\n' | awk -F= -v n="$n" -v hz="$HZ" \
	    -v a=$((a1 - a0)) -v l=$((l1 - l0)) -v b=$((b1 - b0)) \
	    -v c=$((c1 - c0)) '
		{ v[$1] = $2 }
		END {
			us = 1e6 / hz / n
			printf "%.0f %d %d %.1f %.1f %.1f %.2f\n", v["rps"],
			    v["p50_us"], v["p99_us"], a * us, l * us, b * us, c / n
		}'
}

# ------------------------------------------------------------ 1. CPU

declare -A RES
if ! skip cpu; then
	say "1. CPU accounting: $ROUNDS rounds of ${SECS}s points"
	for ((r = 1; r <= ROUNDS; r++)); do
		for v in $VARIANTS; do
			start "${v%%:*}" "${v##*:}"
			for via in http fcgi; do
				RES[$v/$via]+="$(measure "$via");"
			done
			tg_stop "$NPID"
		done
	done
	# The median of each column over the rounds.
	median() {
		tr ';' '\n' <<<"$1" | awk -v c="$2" 'NF { print $c }' |
		    sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
	}
	echo "1. null-authz: median of $ROUNDS rounds, ${SECS}s each (wrk -t1 -c8 through lighttpd; fcgi-load --threads 8 straight)"
	printf '%-10s %-5s %8s %6s %6s %9s %9s %9s %7s %6s\n' variant via \
	    req/s p50us p99us authz_us lighty_us all_us ctxsw ratio
	for via in http fcgi; do
		base=$(median "${RES[${VARIANTS%% *}/$via]}" 1)
		for v in $VARIANTS; do
			printf '%-10s %-5s %8s %6s %6s %9s %9s %9s %7s %6s\n' \
			    "$v" "$via" "$(median "${RES[$v/$via]}" 1)" \
			    "$(median "${RES[$v/$via]}" 2)" \
			    "$(median "${RES[$v/$via]}" 3)" \
			    "$(median "${RES[$v/$via]}" 4)" \
			    "$([ "$via" = http ] && median "${RES[$v/$via]}" 5 || echo -)" \
			    "$(median "${RES[$v/$via]}" 6)" \
			    "$(median "${RES[$v/$via]}" 7)" \
			    "$(awk -v a="$(median "${RES[$v/$via]}" 1)" -v b="$base" \
			    'BEGIN { printf "%.2f", a / b }')"
		done
	done
	echo "   authz_us, lighty_us, all_us: CPU time per request of null-authz, of lighttpd, of the whole machine"
	echo "   (wrk and the kernel's softirq work included); ctxsw: null-authz's context switches per request;"
	echo "   ratio: req/s over the first variant's"
	echo
fi

# ------------------------------------------------------------ 2. syscalls

if ! skip strace && ! command -v strace >/dev/null; then
	echo "2. SKIPPED: strace is not installed (make profile installs it)"
elif ! skip strace; then
	echo "2. syscalls per request (strace -f -c, 2000 requests through lighttpd)"
	for m in linger plain drain; do
		start "$m" 4
		strace -f -c -o "$TG_DIR/strace-$m" -p "$NPID" 2>/dev/null &
		st=$!
		sleep 1
		"$LOAD" --connect "127.0.0.1:$PORT" --http --uri /null/index.html \
		    --threads 4 --requests 2000 --token x >/dev/null
		kill -INT "$st"
		wait "$st" 2>/dev/null
		tg_stop "$NPID"
		printf '   %-7s' "$m"
		awk '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" &&
		    $4 >= 20 { printf " %s %.2f", $NF, $4 / 2000 }' \
		    "$TG_DIR/strace-$m"
		echo
	done
	echo "   (futex and rt_sig* come from strace itself and the thread pool at rest)"
	echo
fi

# ------------------------------------------------------------ 3. perf

if ! skip perf && ! perf record -q -e cpu-clock -o /dev/null true 2>/dev/null; then
	echo "3. SKIPPED: perf is missing or may not record here (make profile installs linux-perf; see kernel.perf_event_paranoid)"
elif ! skip perf; then
	echo "3. perf record -e cpu-clock on null-authz (linger, 4 threads) through lighttpd"
	start linger 4
	perf record -q -e cpu-clock -F 2999 -g -o "$TG_DIR/perf.data" \
	    -p "$NPID" -- sleep "$SECS" >/dev/null 2>&1 &
	pp=$!
	wrk -t1 -c8 -d"${SECS}s" "$URL" -H "$AUTH" >/dev/null 2>&1
	wait "$pp" 2>/dev/null
	tg_stop "$NPID"
	echo "   by DSO:"
	perf report -i "$TG_DIR/perf.data" --no-children --sort dso -g none \
	    --stdio 2>/dev/null | grep '%' | grep -v '^#' | head -n 6 |
	    sed 's/^/   /'
	echo "   by symbol (top 15):"
	perf report -i "$TG_DIR/perf.data" --no-children --sort sym -g none \
	    --stdio 2>/dev/null | grep '%' | grep -v '^#' | head -n 15 |
	    sed 's/^/   /'
	echo "   by system call entered (children, top 10):"
	perf report -i "$TG_DIR/perf.data" --children --sort sym -g none \
	    --stdio 2>/dev/null | grep -E '\[k\] __(x64|se)_sys_' |
	    head -n 10 | sed 's/^/   /'
	echo
fi

# ------------------------------------------------------------ 4. callgrind

if ! skip callgrind && ! command -v valgrind >/dev/null; then
	echo "4. SKIPPED: valgrind is not installed"
elif ! skip callgrind; then
	N=20000
	echo "4. callgrind: user-space instructions per request ($N requests, 1 thread, straight)"
	tg_start null-vg "$TG_DIR/vg.log" valgrind --tool=callgrind \
	    --callgrind-out-file="$TG_DIR/callgrind.out" "$NULL" \
	    --listen "$SOCK" --threads 1
	vpid=$TG_LAST_PID
	tg_wait_socket "$SOCK" 30 "$vpid" || tg_die "valgrind did not start"
	"$LOAD" --connect "$SOCK" --threads 1 --requests "$N" \
	    --token "${AUTH#*Bearer }" >/dev/null
	tg_stop "$vpid"
	callgrind_annotate --inclusive=yes --auto=no "$TG_DIR/callgrind.out" \
	    2>/dev/null |
	    awk -v n="$N" '
		/PROGRAM TOTALS/ { gsub(",", "", $1); printf "   total %.0f per request\n", $1 / n }
		/FCGX_Accept_r|FCGX_Finish_r|null_handle|FCGX_FPrintF|FCGX_PutStr|ReadParams|malloc \(|free \(|FCGX_GetParam|snprintf|accept|__poll|close|shutdown|read \(|write \(/ {
			c = $1; gsub(",", "", c)
			if (c + 0 < n) next
			f = $0; sub(/^ *[0-9,]+ +(\([^)]*\) +)?/, "", f)
			printf "   %8.0f  %s\n", c / n, f
		}' | head -n 25
	echo "   (inclusive counts; FCGX_Accept_r includes the previous request's FCGX_Finish_r)"
fi

# ------------------------------------------------------------ 5. tokengate

if ! skip tokengate; then
	echo
	echo "5. tokengate-authz, warm cache, valid token (API rules), straight with fcgi-load --threads 8"
	tg_mariadb_init "$TG_DIR/db"
	tg_mariadb_start "$TG_DIR/db"
	conf=$TG_DIR/tokengate.conf
	tg_write_config "$conf"
	"$TG" -c "$conf" migrate >/dev/null || tg_die "migrate failed"
	"$TG" -c "$conf" user add bench --role member >/dev/null
	tok=$("$TG" -c "$conf" token create --user bench --name p \
	    --api-rule '!* /admin/**' --api-rule 'GET /**') ||
	    tg_die "token create failed"
	tsock=$TG_DIR/tg.sock
	tg_start authz "$TG_DIR/authz.log" "$AUTHZ" -c "$conf" --listen "$tsock"
	tpid=$TG_LAST_PID
	tg_wait_socket "$tsock" 20 "$tpid" || tg_die "tokengate-authz did not start"
	start linger 4
	for who in null tokengate; do
		if [ "$who" = null ]; then a=$SOCK p=$NPID; else a=$tsock p=$tpid; fi
		"$LOAD" --connect "$a" --threads 8 --duration 1 --token "$tok" \
		    --uri /x/index.html >/dev/null
		a0=$(ticks "$p") c0=$(ctxsw "$p")
		out=$("$LOAD" --connect "$a" --threads 8 --duration "$SECS" \
		    --token "$tok" --uri /x/index.html)
		a1=$(ticks "$p") c1=$(ctxsw "$p")
		n=$(printf '%s\n' "$out" | tr ' ' '\n' | sed -n 's/^requests=//p')
		printf '   %-10s %s  CPU %.1f us and %.2f context switches per request\n' \
		    "$who" "$(printf '%s\n' "$out" | cut -d' ' -f4-6)" \
		    "$(awk -v t=$((a1 - a0)) -v hz="$HZ" -v n="$n" \
		    'BEGIN { print t * 1e6 / hz / n }')" \
		    "$(awk -v c=$((c1 - c0)) -v n="$n" 'BEGIN { print c / n }')"
	done
	tg_stop "$NPID"
	if ! skip perf && ! perf record -q -e cpu-clock -o /dev/null true 2>/dev/null; then
	echo "3. SKIPPED: perf is missing or may not record here (make profile installs linux-perf; see kernel.perf_event_paranoid)"
elif ! skip perf; then
		perf record -q -e cpu-clock -F 2999 -g -o "$TG_DIR/perf-tg.data" \
		    -p "$tpid" -- sleep "$SECS" >/dev/null 2>&1 &
		pp=$!
		"$LOAD" --connect "$tsock" --threads 8 --duration "$SECS" \
		    --token "$tok" --uri /x/index.html >/dev/null
		wait "$pp" 2>/dev/null
		echo "   perf by DSO:"
		perf report -i "$TG_DIR/perf-tg.data" --no-children --sort dso \
		    -g none --stdio 2>/dev/null | grep '%' | grep -v '^#' |
		    head -n 8 | sed 's/^/   /'
		echo "   perf, user-space symbols (top 12):"
		perf report -i "$TG_DIR/perf-tg.data" --no-children --sort sym \
		    -g none --stdio 2>/dev/null | grep '%' | grep -v '^#' |
		    grep -F '[.]' | head -n 12 | sed 's/^/   /'
	fi
	tg_stop "$tpid"
	if ! skip callgrind && command -v valgrind >/dev/null; then
		N=20000
		echo "   callgrind, user-space instructions per request ($N requests, 1 thread;"
		echo "   valgrind hides SHA-NI from OpenSSL, so the HMAC is overstated):"
		tg_start authz-vg "$TG_DIR/authz-vg.log" valgrind --tool=callgrind \
		    --callgrind-out-file="$TG_DIR/callgrind-tg.out" "$AUTHZ" \
		    -c "$conf" --listen "$tsock" --threads 1
		vpid=$TG_LAST_PID
		tg_wait_socket "$tsock" 60 "$vpid" || tg_die "valgrind did not start"
		"$LOAD" --connect "$tsock" --threads 1 --requests "$N" \
		    --token "$tok" --uri /x/index.html >/dev/null
		tg_stop "$vpid"
		callgrind_annotate --inclusive=yes --auto=no \
		    "$TG_DIR/callgrind-tg.out" 2>/dev/null | awk -v n="$N" '
			/PROGRAM TOTALS/ { gsub(",", "", $1); printf "   total %.0f per request\n", $1 / n }
			/:(handle|tg_verify|tg_hmac_compute|tg_token_parse|tg_params_request|tg_policy_decide|FCGX_Accept_r|FCGX_Finish_r|FCGX_FPrintF|tg_cache_get|find_grant|log_decision|tg_usage_[a-z_]*|malloc|free) [[]/ {
				c = $1; gsub(",", "", c)
				if (c + 0 < n || seen[$NF $(NF-1)]++) next
				f = $0; sub(/^ *[0-9,]+ +(\([^)]*\) +)?/, "", f)
				printf "   %8.0f  %s\n", c / n, f
			}' | head -n 20
	fi
fi
