# shellcheck shell=bash
#
# lib.sh: the harness for tokengate's integration tests, the soak, the
# benchmark and `make run`.  Source it from bash:
#
#	. "$(dirname "$0")/lib.sh"
#	tg_init
#	...
#	tg_summary
#
# Everything runs on 127.0.0.1 on free ports, under one private directory
# ($TG_DIR, short because unix socket paths are limited to 107 bytes), and
# everything started through this file is stopped when the script exits.
# It needs bash, curl, jq, coreutils, ps and awk, and no python (one suite,
# test_faults, runs tests/tools/dbproxy.py with python3).  Every wait has a
# timeout.
#
# One vocabulary for every suite: a server is started with its tg_*_start
# (or tg_daemon for the tokengate programs), a request is sent with tg_http
# (HTTP) or tg_fcgi (FastCGI), both leaving the reply in TG_STATUS,
# TG_HEADERS and TG_BODY, JSON is read with jq (tg_json, tg_check_json),
# and every claim is one tg_check* line that prints "ok - NAME" or
# "not ok - NAME (...)" and is counted by tg_summary.
#
# Functions (details above each one):
#   tg_init                          private dir, cleanup trap
#   tg_cleanup                       (the EXIT trap) stop everything
#   tg_free_port                     print a free TCP port
#   tg_wait_port PORT [SECS [PID]]   wait until 127.0.0.1:PORT accepts
#   tg_wait_socket PATH [SECS [PID]] wait until a unix socket exists
#   tg_start NAME LOG CMD [ARG...]   start a background process, tracked
#   tg_stop PID|PIDFILE|NAME         stop it (TERM, then KILL after a while)
#   tg_tool NAME                     print the path of build/tools/NAME
#   tg_daemon NAME LISTEN CMD [ARG...]  start CMD ARG... --listen LISTEN
#                                    (a tokengate program), log NAME.log,
#                                    and wait for its socket or port
#   tg_null_authz_start NAME LISTEN [ARG...]  \ start the test tools on a
#   tg_echo_backend_start NAME LISTEN         / socket and wait for it
#   tg_mariadb_init DIR              create a datadir (only if absent)
#   tg_mariadb_start DIR [NAME [ARG...]]  start it, create db and user, export
#                                    TG_DB_SOCKET TG_DB_HOST TG_DB_PORT
#                                    TG_DB_USER TG_DB_PASSWORD TG_DB_NAME;
#                                    NAME: a second instance (a replica)
#   tg_mariadb_stop [NAME]           stop it (restart with tg_mariadb_start)
#   tg_mariadb_kill -STOP|-CONT [NAME]  freeze / thaw it
#   tg_sql SQL...                    run SQL as the tokengate user
#   tg_sql_admin SQL...              run SQL as the database superuser
#   tg_sql_on / tg_sql_admin_on NAME SQL...  the same on instance NAME
#   tg_write_config FILE [KEY=VALUE...]  write a tokengate config (0600)
#   tg_config_for_user FILE USER     copy config + key readable by USER
#   tg_cli [ARG...]                  tokengate -c $TG_CONF ARG...
#   tg_token_id TOKEN                print the token's id (12 characters)
#   tg_lighttpd_start                lighttpd with deploy/lighttpd/lighttpd.conf
#   tg_apache_start authnz|fcgid     Apache with deploy/apache/httpd.conf
#   tg_nginx_start [NAME]            nginx with deploy/nginx/tokengate.conf
#   tg_http METHOD URL [CURL ARGS]   request; sets TG_STATUS TG_HEADERS TG_BODY
#   tg_fcgi CONNECT [CLIENT ARGS]    FastCGI request (tests/tools/fcgi-client);
#                                    sets TG_STATUS TG_HEADERS TG_BODY
#   tg_header NAME                   print a header of the last response
#   tg_body                          print the body of the last response
#   tg_json FILTER [FILE]            print jq -r FILTER of the last body
#   tg_check NAME EXPECTED ACTUAL    \
#   tg_check_contains NAME HAY NEEDLE |
#   tg_check_absent NAME HAY NEEDLE   |
#   tg_check_match NAME ERE ACTUAL    |  assertions, "ok - NAME" or
#   tg_check_true NAME CMD [ARG...]   |  "not ok - NAME (...)"
#   tg_check_status NAME STATUS       |  (the last reply's status)
#   tg_check_json NAME FILTER VALUE [FILE]  (jq -r FILTER of the last body)
#   tg_check_reply NAME STATUS [JQ]   |  (status, and JQ true of the body)
#   tg_check_error NAME STATUS CODE [FIELD]  (tokengate's error shape)
#   tg_check_line NAME LINE [FILE]    |  (a whole line of the last body)
#   tg_check_gate NAME URL TOKEN STATUS [REASON]  (GET through a server:
#                                     |  status, reason, backend reached)
#   tg_pass NAME / tg_fail NAME WHY   |  (a verdict reached by other means)
#   tg_skip NAME REASON              /
#   tg_summary                       print "N passed, N failed"; status
#
# Environment understood: TG_BUILD (build directory, default build/),
# TG_KEEP=1 (keep $TG_DIR), TG_VERBOSE=1 (print every server log at exit),
# TG_STOP_TIMEOUT (seconds before KILL, default 15).

TG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TG_BUILD=${TG_BUILD:-$TG_ROOT/build}
case $TG_BUILD in /*) ;; *) TG_BUILD=$TG_ROOT/$TG_BUILD ;; esac
TG_DEPLOY=$TG_ROOT/deploy
TG_PASSED=0
TG_FAILED=0
TG_DIR=
TG_DONE=0

# The processes started: parallel arrays, in start order.
TG_SVC_NAME=()
TG_SVC_PID=()
TG_SVC_LOG=()

# Daemons live in sbin, which a non-root PATH may lack.
PATH=$PATH:/usr/sbin:/sbin

tg_is_root() { [ "$(id -u)" -eq 0 ]; }

tg_log() { printf '# %s\n' "$*" >&2; }

tg_die() {
	printf 'FATAL: %s\n' "$*" >&2
	TG_FAILED=$((TG_FAILED + 1))
	exit 1
}

#
# tg_init: creates $TG_DIR and installs the cleanup trap.  As root the
# directory is made traversable (0711) so that Apache's children and the
# processes mod_fcgid spawns, which run as www-data, can reach sockets and
# files inside it; nothing in it is listable.
#
tg_init() {
	TG_DIR=$(mktemp -d /tmp/tg.XXXXXX) || tg_die "mktemp failed"
	if tg_is_root; then
		chmod 0711 "$TG_DIR"
	fi
	export TG_DIR
	trap tg_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

# Prints the pids of all descendants of a process, from ps.
tg__descendants() {
	ps -e -o pid= -o ppid= 2>/dev/null | awk -v root="$1" '
		{ parent[$1] = $2 }
		END {
			for (p in parent) {
				q = parent[p]
				while (q != "" && q != 0 && q != 1) {
					if (q == root) { print p; break }
					q = parent[q]
				}
			}
		}'
}

tg__alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# Waits up to $2 seconds for process $1 to end; reaps it if it is ours.
tg__wait_gone() {
	local pid=$1 ticks=$(($2 * 10))
	while tg__alive "$pid" && [ "$ticks" -gt 0 ]; do
		# A zombie child of ours still answers kill -0: reap it.
		if [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = Z ]; then
			wait "$pid" 2>/dev/null
			break
		fi
		sleep 0.1
		ticks=$((ticks - 1))
	done
	! tg__alive "$pid" || [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = Z ]
}

# Stops one process and whatever it spawned (mod_fcgid's authorizers).
tg__kill_tree() {
	local pid=$1 timeout=${TG_STOP_TIMEOUT:-15} kids k
	tg__alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
	kids=$(tg__descendants "$pid")
	kill -CONT "$pid" 2>/dev/null	# a stopped process cannot exit
	kill -TERM "$pid" 2>/dev/null
	if ! tg__wait_gone "$pid" "$timeout"; then
		tg_log "pid $pid did not stop in ${timeout}s: killing it"
		kill -KILL "$pid" 2>/dev/null
		tg__wait_gone "$pid" 5
	fi
	wait "$pid" 2>/dev/null
	for k in $kids; do
		if tg__alive "$k"; then
			kill -TERM "$k" 2>/dev/null
			tg__wait_gone "$k" 5 || kill -KILL "$k" 2>/dev/null
		fi
	done
	return 0
}

tg__dump_log() {
	local name=$1 log=$2
	[ -s "$log" ] || return 0
	printf -- '----- %s: %s (last 60 lines) -----\n' "$name" "$log" >&2
	tail -n 60 "$log" >&2
}

#
# tg_cleanup: stops every process started through tg_start (and the
# database), in reverse order, prints the logs of the processes that
# died on their own (all logs with TG_VERBOSE=1 or when the script
# failed), and removes $TG_DIR unless TG_KEEP=1.  Safe to call twice.
#
tg_cleanup() {
	local rc=$? i name pid log died show
	[ "$TG_DONE" = 1 ] && return 0
	TG_DONE=1
	trap - INT TERM HUP
	show=${TG_VERBOSE:-0}
	{ [ "$rc" -ne 0 ] || [ "$TG_FAILED" -gt 0 ]; } && show=1
	for ((i = ${#TG_SVC_PID[@]} - 1; i >= 0; i--)); do
		name=${TG_SVC_NAME[i]} pid=${TG_SVC_PID[i]} log=${TG_SVC_LOG[i]}
		[ -n "$pid" ] || continue
		died=0
		tg__alive "$pid" || died=1
		tg__kill_tree "$pid"
		if [ "$died" = 1 ] || [ "$show" = 1 ]; then
			[ "$died" = 1 ] && tg_log "$name (pid $pid) had exited before cleanup"
			tg__dump_log "$name" "$log"
			case $name in
			lighttpd*) tg__dump_log "$name error log" \
			    "$(dirname "$log")/lighttpd-error.log" ;;
			apache*) tg__dump_log "$name error log" \
			    "$(dirname "$log")/apache-error.log" ;;
			nginx*) tg__dump_log "$name error log" \
			    "$(dirname "$log")/nginx-error.log" ;;
			esac
		fi
	done
	TG_SVC_PID=()
	if [ -n "$TG_DIR" ] && [ -d "$TG_DIR" ]; then
		if [ "${TG_KEEP:-0}" = 1 ]; then
			tg_log "kept $TG_DIR"
		else
			rm -rf "$TG_DIR"
		fi
	fi
	return "$rc"
}

#
# tg_free_port: prints a free TCP port: below the kernel's ephemeral range
# (20000-32767 by default; outgoing connections take their local ports
# from that range, and one of them holding the port would make the bind
# fail), not seen in /proc/net/tcp{,6} as a local or remote port, not
# accepting on 127.0.0.1, and not handed out before by this script
# (recorded in $TG_DIR/ports, so that it holds across subshells).  There
# is still a window before the caller binds it; servers fail loudly if
# they lose it.
#
tg_free_port() {
	local p hex lo=20000 hi=32767 eph tries=500
	read -r eph _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null
	if [ -n "${eph:-}" ] && [ "$eph" -gt $((lo + 1000)) ]; then
		hi=$((eph - 1))
	elif [ -n "${eph:-}" ]; then
		lo=10000 hi=$((eph - 1))
		[ "$hi" -gt "$lo" ] || hi=60999
	fi
	while [ "$tries" -gt 0 ]; do
		tries=$((tries - 1))
		p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
		grep -qx "$p" "$TG_DIR/ports" 2>/dev/null && continue
		printf -v hex ':%04X ' "$p"
		cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -q "$hex" &&
		    continue
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
		echo "$p" >>"$TG_DIR/ports"
		echo "$p"
		return 0
	done
	tg_die "no free port found"
}

#
# tg_wait_port PORT [SECS [PID]]: waits until 127.0.0.1:PORT accepts a
# connection (default 20 s); fails early when process PID has exited.
#
tg_wait_port() {
	local port=$1 ticks=$((${2:-20} * 10)) pid=${3:-}
	while [ "$ticks" -gt 0 ]; do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		if [ -n "$pid" ] && ! tg__alive "$pid"; then
			tg_log "process $pid exited before listening on port $port"
			return 1
		fi
		sleep 0.1
		ticks=$((ticks - 1))
	done
	tg_log "nothing listens on 127.0.0.1:$port after ${2:-20}s"
	return 1
}

#
# tg_wait_socket PATH [SECS [PID]]: waits until PATH is a unix socket.
#
tg_wait_socket() {
	local path=$1 ticks=$((${2:-20} * 10)) pid=${3:-}
	while [ "$ticks" -gt 0 ]; do
		[ -S "$path" ] && return 0
		if [ -n "$pid" ] && ! tg__alive "$pid"; then
			tg_log "process $pid exited before creating $path"
			return 1
		fi
		sleep 0.1
		ticks=$((ticks - 1))
	done
	tg_log "no socket at $path after ${2:-20}s"
	return 1
}

#
# tg_start NAME LOG CMD [ARG...]: runs CMD in the background with stdout
# and stderr to LOG and stdin from /dev/null, and records it for
# tg_cleanup.  Sets TG_LAST_PID.
#
tg_start() {
	local name=$1 log=$2
	shift 2
	"$@" </dev/null >>"$log" 2>&1 &
	TG_LAST_PID=$!
	TG_SVC_NAME+=("$name")
	TG_SVC_PID+=("$TG_LAST_PID")
	TG_SVC_LOG+=("$log")
}

#
# tg_stop PID|PIDFILE|NAME: stops a process started with tg_start (TERM,
# KILL after TG_STOP_TIMEOUT seconds) and forgets it.  A PIDFILE is read;
# a NAME is the name given to tg_start (the latest one with that name).
#
tg_stop() {
	local what=$1 pid='' i
	if [ -f "$what" ]; then
		pid=$(cat "$what")
	elif [[ $what =~ ^[0-9]+$ ]]; then
		pid=$what
	else
		for ((i = ${#TG_SVC_NAME[@]} - 1; i >= 0; i--)); do
			if [ "${TG_SVC_NAME[i]}" = "$what" ] &&
			    [ -n "${TG_SVC_PID[i]}" ]; then
				pid=${TG_SVC_PID[i]}
				break
			fi
		done
	fi
	[ -n "$pid" ] || { tg_log "tg_stop: nothing known as $what"; return 1; }
	tg__kill_tree "$pid"
	for ((i = 0; i < ${#TG_SVC_PID[@]}; i++)); do
		[ "${TG_SVC_PID[i]}" = "$pid" ] && TG_SVC_PID[i]=
	done
	return 0
}

#
# tg_tool NAME: prints the path of a test tool, building it if needed.
#
tg_tool() {
	local bin=$TG_BUILD/tools/$1
	if [ ! -x "$bin" ]; then
		make -s -C "$TG_ROOT" BUILD="$TG_BUILD" "$bin" >&2 ||
		    tg_die "cannot build $bin"
	fi
	echo "$bin"
}

#
# tg_daemon NAME LISTEN CMD [ARG...]: starts CMD ARG... --listen LISTEN
# (HOST:PORT or a socket path; the tokengate programs and the test tools
# take --listen) as NAME with log $TG_DIR/NAME.log, and waits up to
# TG_DAEMON_WAIT seconds (default 20) for the socket or port; dies when it
# does not come.  Sets TG_LAST_PID.
#
tg_daemon() {
	local name=$1 listen=$2
	shift 2
	tg_start "$name" "$TG_DIR/$name.log" "$@" --listen "$listen"
	case $listen in
	*/*) tg_wait_socket "$listen" "${TG_DAEMON_WAIT:-20}" "$TG_LAST_PID" ;;
	*) tg_wait_port "${listen##*:}" "${TG_DAEMON_WAIT:-20}" "$TG_LAST_PID" ;;
	esac || tg_die "$name did not start (see $TG_DIR/$name.log)"
}

# Starts tool $1 as NAME listening on LISTEN (HOST:PORT or /path), waits.
tg__tool_start() {
	local tool=$1 name=$2 listen=$3 bin
	shift 3
	bin=$(tg_tool "$tool") || return 1
	TG_DAEMON_WAIT=10 tg_daemon "$name" "$listen" "$bin" "$@"
}

#
# tg_null_authz_start NAME LISTEN [ARG...] / tg_echo_backend_start NAME
# LISTEN [ARG...]: start tests/tools/null-authz or echo-backend on LISTEN
# (HOST:PORT or a socket path) with log $TG_DIR/NAME.log, and wait for it.
#
tg_null_authz_start() { tg__tool_start null-authz "$@"; }
tg_echo_backend_start() { tg__tool_start echo-backend "$@"; }

# ---------------------------------------------------------------- MariaDB

TG_DB_PID=
TG_DB_ADMIN=

tg__mariadb_bin() {
	local b
	for b in "$@"; do
		command -v "$b" 2>/dev/null && return 0
	done
	return 1
}

#
# tg_mariadb_init DIR: creates a MariaDB datadir in DIR/data and a
# random password for the tokengate user in DIR/password, unless they
# exist (so `make run` can keep one under ./var/).  The superuser is the
# operating-system user running this, authenticated by unix_socket.
#
tg_mariadb_init() {
	local dir=$1 install user
	mkdir -p "$dir" || return 1
	dir=$(cd "$dir" && pwd)
	if [ ! -s "$dir/password" ]; then
		(umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=\n' \
		    >"$dir/password")
	fi
	[ -d "$dir/data/mysql" ] && return 0
	install=$(tg__mariadb_bin mariadb-install-db mysql_install_db) ||
	    tg_die "mariadb-install-db not found (apt-get install mariadb-server)"
	user=$(id -un)
	if ! "$install" --no-defaults --datadir="$dir/data" --user="$user" \
	    --auth-root-authentication-method=socket --skip-test-db \
	    >"$dir/install.log" 2>&1; then
		cat "$dir/install.log" >&2
		rm -rf "$dir/data"
		tg_die "mariadb-install-db failed"
	fi
}

#
# tg_mariadb_start DIR [NAME [ARG...]]: starts mariadbd on the datadir
# DIR/data, its socket in $TG_DIR and a free port on 127.0.0.1 (the same
# socket and port again when restarted in the same script), waits until it
# answers (60 s), creates database `tokengate` and user
# `tokengate`@`localhost` and @`127.0.0.1` with the password of
# DIR/password, and exports TG_DB_SOCKET TG_DB_HOST TG_DB_PORT TG_DB_USER
# TG_DB_PASSWORD TG_DB_NAME.
#
# NAME (default "mariadb", the instance above) starts another instance
# beside it, e.g. a replica: files $TG_DIR/NAME.{sock,pid,err}, its socket
# and port in ${TG_DBS_SOCKET[NAME]} and ${TG_DBS_PORT[NAME]}, TG_DB_*
# untouched.  It creates the same database and user with DIR/password (copy
# the first instance's password file there before tg_mariadb_init to share
# it).  ARGs are added to mariadbd's command line (--log-bin,
# --server-id=2, ...); pass them again on a restart.
#
declare -gA TG_DBS_SOCKET=() TG_DBS_PORT=() TG_DBS_PID=()

tg_mariadb_start() {
	local dir=$1 name=${2:-mariadb} mariadbd admin ticks pw sock port pid
	shift
	if [ $# -gt 0 ]; then shift; fi
	dir=$(cd "$dir" && pwd) || return 1
	[ -d "$dir/data/mysql" ] || tg_die "tg_mariadb_start: run tg_mariadb_init $dir first"
	if [ "$name" = mariadb ]; then
		[ -z "$TG_DB_PID" ] || tg_die "tg_mariadb_start: already running"
	else
		[ -z "${TG_DBS_PID[$name]:-}" ] ||
		    tg_die "tg_mariadb_start: $name already running"
	fi
	mariadbd=$(tg__mariadb_bin mariadbd mysqld) ||
	    tg_die "mariadbd not found (apt-get install mariadb-server)"
	admin=$(tg__mariadb_bin mariadb-admin mysqladmin) ||
	    tg_die "mariadb-admin not found"
	TG_DB_ADMIN=$(id -un)
	if [ "$name" = mariadb ]; then
		TG_DB_SOCKET=${TG_DB_SOCKET:-$TG_DIR/mariadb.sock}
		TG_DB_PORT=${TG_DB_PORT:-$(tg_free_port)}
		sock=$TG_DB_SOCKET port=$TG_DB_PORT
	else
		sock=${TG_DBS_SOCKET[$name]:-$TG_DIR/$name.sock}
		port=${TG_DBS_PORT[$name]:-$(tg_free_port)}
	fi
	local args=(--no-defaults --datadir="$dir/data"
	    --socket="$sock" --port="$port"
	    --bind-address=127.0.0.1 --skip-name-resolve
	    --pid-file="$TG_DIR/$name.pid" --log-error="$TG_DIR/$name.err"
	    --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=2
	    --max-connections=500)
	tg_is_root && args+=(--user=root)
	tg_start "$name" "$TG_DIR/$name.err" "$mariadbd" "${args[@]}" "$@"
	pid=$TG_LAST_PID
	TG_DBS_SOCKET[$name]=$sock TG_DBS_PORT[$name]=$port TG_DBS_PID[$name]=$pid
	[ "$name" = mariadb ] && TG_DB_PID=$pid
	ticks=600
	until "$admin" --no-defaults --socket="$sock" \
	    -u"$TG_DB_ADMIN" --connect-timeout=2 ping >/dev/null 2>&1; do
		tg__alive "$pid" || tg_die "mariadbd $name exited (see $TG_DIR/$name.err)"
		ticks=$((ticks - 1))
		[ "$ticks" -gt 0 ] || tg_die "mariadbd $name did not answer in 60s"
		sleep 0.1
	done
	pw=$(cat "$dir/password")
	if [ "$name" = mariadb ]; then
		export TG_DB_SOCKET TG_DB_PORT
		export TG_DB_HOST=127.0.0.1 TG_DB_USER=tokengate TG_DB_NAME=tokengate
		export TG_DB_PASSWORD=$pw
	fi
	tg_sql_admin_on "$name" "CREATE DATABASE IF NOT EXISTS tokengate;
	    CREATE USER IF NOT EXISTS 'tokengate'@'localhost' IDENTIFIED BY '$pw';
	    CREATE USER IF NOT EXISTS 'tokengate'@'127.0.0.1' IDENTIFIED BY '$pw';
	    ALTER USER 'tokengate'@'localhost' IDENTIFIED BY '$pw';
	    ALTER USER 'tokengate'@'127.0.0.1' IDENTIFIED BY '$pw';
	    GRANT ALL PRIVILEGES ON tokengate.* TO 'tokengate'@'localhost';
	    GRANT ALL PRIVILEGES ON tokengate.* TO 'tokengate'@'127.0.0.1';" ||
	    tg_die "cannot create the tokengate database and user on $name"
}

#
# tg_mariadb_stop [NAME]: shuts mariadbd down (TERM: a clean shutdown) and
# waits.  TG_DB_* stay set; tg_mariadb_start DIR [NAME] brings it back on
# the same socket and port.
#
tg_mariadb_stop() {
	local name=${1:-mariadb} pid
	if [ "$name" = mariadb ]; then pid=$TG_DB_PID; else pid=${TG_DBS_PID[$name]:-}; fi
	[ -n "$pid" ] || return 0
	TG_STOP_TIMEOUT=60 tg_stop "$pid"
	TG_DBS_PID[$name]=
	[ "$name" = mariadb ] && TG_DB_PID=
	return 0
}

#
# tg_mariadb_kill -STOP|-CONT [NAME]: freezes or thaws mariadbd (a
# database that accepts connections but never answers).  tg_cleanup thaws
# it.
#
tg_mariadb_kill() {
	local name=${2:-mariadb} pid
	if [ "$name" = mariadb ]; then pid=$TG_DB_PID; else pid=${TG_DBS_PID[$name]:-}; fi
	[ -n "$pid" ] || tg_die "tg_mariadb_kill: $name is not running"
	kill "$1" "$pid"
}

#
# tg_sql SQL...: runs SQL as the tokengate user on database tokengate and
# prints the result tab-separated without column names.  tg_sql_admin:
# the same as the superuser, no default database.  tg_sql_on NAME SQL...
# and tg_sql_admin_on NAME SQL...: the same on instance NAME.
#
tg_sql() {
	MYSQL_PWD=$TG_DB_PASSWORD mariadb --no-defaults --socket="$TG_DB_SOCKET" \
	    -u"$TG_DB_USER" -N -B "$TG_DB_NAME" -e "$*"
}

tg_sql_admin() {
	mariadb --no-defaults --socket="$TG_DB_SOCKET" -u"$TG_DB_ADMIN" -N -B \
	    -e "$*"
}

tg_sql_on() {
	local name=$1
	shift
	[ "$name" = mariadb ] && { tg_sql "$@"; return; }
	MYSQL_PWD=$TG_DB_PASSWORD mariadb --no-defaults \
	    --socket="${TG_DBS_SOCKET[$name]}" -u"$TG_DB_USER" -N -B \
	    "$TG_DB_NAME" -e "$*"
}

tg_sql_admin_on() {
	local name=$1
	shift
	[ "$name" = mariadb ] && { tg_sql_admin "$@"; return; }
	mariadb --no-defaults --socket="${TG_DBS_SOCKET[$name]}" \
	    -u"$TG_DB_ADMIN" -N -B -e "$*"
}

# ---------------------------------------------------------------- config

#
# tg_write_config FILE [KEY=VALUE...]: writes a tokengate configuration for
# the database started by tg_mariadb_start: db_socket (or db_host and
# db_port when TG_DB_TRANSPORT=tcp), db_user, db_password, db_name,
# key_file, token_prefix = tg.  KEY=VALUE arguments replace those keys or
# add lines; KEY= with no value drops the key.  The key file is
# $TG_KEY_FILE, default $TG_DIR/tokengate.key, created with 32 random
# bytes if absent.  Both files are mode 0600.
#
tg_write_config() {
	local file=$1 kv k v i
	shift
	TG_KEY_FILE=${TG_KEY_FILE:-$TG_DIR/tokengate.key}
	export TG_KEY_FILE
	if [ ! -s "$TG_KEY_FILE" ]; then
		(umask 077 && head -c 32 /dev/urandom >"$TG_KEY_FILE") ||
		    tg_die "cannot write $TG_KEY_FILE"
	fi
	local keys=() vals=()
	if [ "${TG_DB_TRANSPORT:-socket}" = tcp ]; then
		keys+=(db_host db_port) vals+=("$TG_DB_HOST" "$TG_DB_PORT")
	else
		keys+=(db_socket) vals+=("$TG_DB_SOCKET")
	fi
	keys+=(db_user db_password db_name key_file token_prefix)
	vals+=("$TG_DB_USER" "$TG_DB_PASSWORD" "$TG_DB_NAME" "$TG_KEY_FILE" tg)
	# The suites send many bad tokens from 127.0.0.1 on purpose; the
	# brute-force brake (default 20 a minute) has a test of its own.
	keys+=(brake_failures) vals+=(100000)
	# Likewise the denial log limit (100 lines a second by default),
	# since suites read the log for lines of their own.
	keys+=(log_denials_per_second) vals+=(0)
	for kv in "$@"; do
		k=${kv%%=*} v=${kv#*=}
		k=${k%"${k##*[![:space:]]}"}
		v=${v#"${v%%[![:space:]]*}"}
		for ((i = 0; i < ${#keys[@]}; i++)); do
			[ "${keys[i]}" = "$k" ] && break
		done
		keys[i]=$k vals[i]=$v
	done
	(
		umask 077
		{
			echo "# tokengate configuration written by tests/integration/lib.sh"
			for ((i = 0; i < ${#keys[@]}; i++)); do
				[ -n "${vals[i]}" ] && echo "${keys[i]} = ${vals[i]}"
			done
		} >"$file"
	) || tg_die "cannot write $file"
	chmod 0600 "$file"
}

#
# tg_config_for_user FILE USER: prints the path of a copy of config FILE,
# and of its key file, owned by USER with mode 0600, in $TG_DIR/etc-USER
# (for the authorizer that mod_fcgid spawns as Apache's user: the program
# refuses a key file that group or others can read).  When not root,
# FILE itself is printed: every process runs as the current user.
#
tg_config_for_user() {
	local file=$1 user=$2 dir key
	if ! tg_is_root; then
		echo "$file"
		return 0
	fi
	dir=$TG_DIR/etc-$user
	mkdir -p "$dir" && chmod 0711 "$dir" || return 1
	key=$(sed -n 's/^key_file[[:space:]]*=[[:space:]]*//p' "$file")
	if [ -n "$key" ]; then
		cp "$key" "$dir/key" || return 1
		sed "s|^key_file[[:space:]]*=.*|key_file = $dir/key|" "$file" \
		    >"$dir/tokengate.conf"
	else
		cp "$file" "$dir/tokengate.conf"
	fi
	chown "$user:" "$dir"/* && chmod 0600 "$dir"/* || return 1
	echo "$dir/tokengate.conf"
}

#
# tg_cli [ARG...]: runs the CLI, $TG_BUILD/tokengate -c $TG_CONF ARG...
# (TG_CONF: default $TG_DIR/tokengate.conf).  tg_token_id TOKEN: prints
# the token's id, the 12 characters after its "tg_" prefix.
#
tg_cli() { "$TG_BUILD/tokengate" -c "${TG_CONF:-$TG_DIR/tokengate.conf}" "$@"; }
tg_token_id() { printf '%s' "${1:3:12}"; }

# ---------------------------------------------------------------- servers

tg__htdocs() {
	mkdir -p "$1/htdocs"
	echo "static file, no authorizer" >"$1/htdocs/index.html"
	chmod 0755 "$1" "$1/htdocs"
	chmod 0644 "$1/htdocs/index.html"
}

#
# tg_lighttpd_start: starts lighttpd -D -f deploy/lighttpd/lighttpd.conf
# on a free port with run dir $TG_DIR/lighttpd.  It protects /api/ with
# the authorizer at $TG_AUTHZ_SOCKET and forwards allowed requests to the
# FastCGI application at $TG_BACKEND_SOCKET (both unix socket paths,
# which must be set; the processes behind them need not run yet) and
# /api/auth/ to tokengate-api at $TG_API_SOCKET (default
# $TG_DIR/api.sock).  Exports TG_LIGHTTPD_PORT and TG_LIGHTTPD_URL
# (http://127.0.0.1:PORT); TG_HTTP_PORT chooses the port.
#
tg_lighttpd_start() {
	local run=$TG_DIR/lighttpd port bin
	[ -n "${TG_AUTHZ_SOCKET:-}" ] || tg_die "tg_lighttpd_start: set TG_AUTHZ_SOCKET"
	[ -n "${TG_BACKEND_SOCKET:-}" ] || tg_die "tg_lighttpd_start: set TG_BACKEND_SOCKET"
	bin=$(command -v lighttpd) || tg_die "lighttpd not found"
	port=${TG_HTTP_PORT:-$(tg_free_port)}
	mkdir -p "$run"
	tg__htdocs "$run"
	TG_HTTP_PORT=$port TG_RUN_DIR=$run \
	    TG_AUTHZ_SOCKET=$TG_AUTHZ_SOCKET TG_BACKEND_SOCKET=$TG_BACKEND_SOCKET \
	    TG_API_SOCKET=${TG_API_SOCKET:-$TG_DIR/api.sock} \
	    tg_start lighttpd "$run/lighttpd.out" \
	    "$bin" -D -f "$TG_DEPLOY/lighttpd/lighttpd.conf"
	tg_wait_port "$port" 20 "$TG_LAST_PID" ||
	    tg_die "lighttpd did not start (see $run/lighttpd.out)"
	export TG_LIGHTTPD_PORT=$port
	export TG_LIGHTTPD_URL=http://127.0.0.1:$port
}

#
# tg_apache_start authnz|fcgid: starts Apache (apache2 -DFOREGROUND) with
# deploy/apache/httpd.conf on a free port, run dir $TG_DIR/apache-MODE,
# and waits until it listens.  Children run as www-data when root.
#   authnz: mod_authnz_fcgi asks the authorizer at $TG_AUTHZ_ADDR
#           (HOST:PORT, must be set).
#   fcgid:  mod_fcgid spawns $TG_AUTHZ_CMD (a command line, must be set)
#           with TOKENGATE_CONFIG=$TG_CONFIG (default /dev/null).  As
#           root, a program that www-data cannot execute is copied into
#           $TG_DIR/bin first.
# Allowed requests under /api/ go to the FastCGI application at
# $TG_BACKEND_ADDR (HOST:PORT, must be set), /api/auth/ to tokengate-api
# at $TG_API_ADDR (HOST:PORT; nothing there by default).  Exports
# TG_APACHE_PORT and TG_APACHE_URL; TG_HTTP_PORT chooses the port.
#
tg_apache_start() {
	local mode=$1 run=$TG_DIR/apache-$1 port bin user group cmd prog
	local -a defs=()
	bin=$(command -v apache2 || command -v httpd) || tg_die "apache2 not found"
	[ -n "${TG_BACKEND_ADDR:-}" ] || tg_die "tg_apache_start: set TG_BACKEND_ADDR"
	case $mode in
	authnz)
		[ -n "${TG_AUTHZ_ADDR:-}" ] || tg_die "tg_apache_start: set TG_AUTHZ_ADDR"
		;;
	fcgid)
		[ -n "${TG_AUTHZ_CMD:-}" ] || tg_die "tg_apache_start: set TG_AUTHZ_CMD"
		defs+=(-D TOKENGATE_FCGID)
		;;
	*) tg_die "tg_apache_start: mode must be authnz or fcgid" ;;
	esac
	if tg_is_root; then
		user=www-data group=www-data
		id "$user" >/dev/null 2>&1 || tg_die "user $user does not exist"
	else
		user=$(id -un) group=$(id -gn)
	fi
	cmd=${TG_AUTHZ_CMD:-}
	if [ "$mode" = fcgid ] && tg_is_root; then
		prog=${cmd%% *}
		if ! runuser -u "$user" -- test -x "$prog" 2>/dev/null; then
			mkdir -p "$TG_DIR/bin" && chmod 0711 "$TG_DIR/bin"
			cp "$prog" "$TG_DIR/bin/" && chmod 0755 "$TG_DIR/bin/${prog##*/}"
			cmd="$TG_DIR/bin/${prog##*/}${cmd#"$prog"}"
		fi
	fi
	port=${TG_HTTP_PORT:-$(tg_free_port)}
	mkdir -p "$run"
	tg__htdocs "$run"
	TG_HTTP_PORT=$port TG_RUN_DIR=$run TG_APACHE_USER=$user \
	    TG_APACHE_GROUP=$group TG_BACKEND_ADDR=$TG_BACKEND_ADDR \
	    TG_API_ADDR=${TG_API_ADDR:-127.0.0.1:1} \
	    TG_AUTHZ_ADDR=${TG_AUTHZ_ADDR:-127.0.0.1:1} TG_AUTHZ_CMD=$cmd \
	    TG_CONFIG=${TG_CONFIG:-/dev/null} \
	    tg_start "apache-$mode" "$run/apache.out" \
	    "$bin" -d "$TG_DEPLOY/apache" -f httpd.conf -DFOREGROUND "${defs[@]}"
	tg_wait_port "$port" 20 "$TG_LAST_PID" ||
	    tg_die "apache ($mode) did not start (see $run/apache-error.log)"
	export TG_APACHE_PORT=$port
	export TG_APACHE_URL=http://127.0.0.1:$port
}

#
# tg_nginx_start [NAME]: starts nginx (daemon off) with
# deploy/nginx/tokengate.conf included, unchanged, in a server on a free
# port, run dir $TG_DIR/NAME (default nginx; NAME is also the name for
# tg_stop, so several can run).  nginx cannot read the environment, so the
# few variable parts (port, paths, the two upstreams) are written into a
# small nginx.conf around it: upstream tokengate_authz is $TG_AUTHZ_ADDR
# (HOST:PORT) or $TG_AUTHZ_SOCKET, upstream tokengate_app is
# $TG_BACKEND_ADDR or $TG_BACKEND_SOCKET.  Exports TG_NGINX_PORT and
# TG_NGINX_URL.
#
tg_nginx_start() {
	local name=${1:-nginx} run port bin authz app user=''
	run=$TG_DIR/$name
	bin=$(command -v nginx) || tg_die "nginx not found"
	if [ -n "${TG_AUTHZ_ADDR:-}" ]; then authz=$TG_AUTHZ_ADDR
	elif [ -n "${TG_AUTHZ_SOCKET:-}" ]; then authz=unix:$TG_AUTHZ_SOCKET
	else tg_die "tg_nginx_start: set TG_AUTHZ_ADDR or TG_AUTHZ_SOCKET"; fi
	if [ -n "${TG_BACKEND_ADDR:-}" ]; then app=$TG_BACKEND_ADDR
	elif [ -n "${TG_BACKEND_SOCKET:-}" ]; then app=unix:$TG_BACKEND_SOCKET
	else tg_die "tg_nginx_start: set TG_BACKEND_ADDR or TG_BACKEND_SOCKET"; fi
	tg_is_root && user="user www-data;"
	port=${TG_HTTP_PORT:-$(tg_free_port)}
	mkdir -p "$run/tmp"
	tg__htdocs "$run"
	# "include fastcgi_params" is relative to nginx.conf's directory.
	cp /etc/nginx/fastcgi_params "$run/" ||
	    tg_die "no /etc/nginx/fastcgi_params"
	cat >"$run/nginx.conf" <<-EOF
	# Written by tests/integration/lib.sh around deploy/nginx/tokengate.conf.
	$user
	worker_processes 2;
	pid $run/nginx.pid;
	error_log $run/nginx-error.log warn;
	events { worker_connections 1024; }
	http {
	    access_log $run/nginx-access.log;
	    client_body_temp_path $run/tmp/body;
	    proxy_temp_path $run/tmp/proxy;
	    fastcgi_temp_path $run/tmp/fastcgi;
	    uwsgi_temp_path $run/tmp/uwsgi;
	    scgi_temp_path $run/tmp/scgi;
	    upstream tokengate_authz { server $authz; }
	    upstream tokengate_app { server $app; }
	    server {
	        listen 127.0.0.1:$port;
	        root $run/htdocs;
	        include $TG_DEPLOY/nginx/tokengate.conf;
	    }
	}
	EOF
	tg_start "$name" "$run/nginx.out" "$bin" -e "$run/nginx-error.log" \
	    -p "$run" -c "$run/nginx.conf" -g "daemon off;"
	tg_wait_port "$port" 20 "$TG_LAST_PID" ||
	    tg_die "nginx did not start (see $run/nginx-error.log)"
	export TG_NGINX_PORT=$port
	export TG_NGINX_URL=http://127.0.0.1:$port
}

# ---------------------------------------------------------------- HTTP

#
# tg_http METHOD URL [CURL ARGS...]: sends one request (10 s timeout) and
# sets TG_STATUS (the status code, 000 when no answer), TG_HEADERS and
# TG_BODY (files holding the response headers and body; the next tg_http
# or tg_fcgi overwrites them).  TG_REPLY=NAME (default "last") names the
# files $TG_DIR/NAME.*: a request made in the background, or in $(...)
# between a request and its checks, takes a name of its own.
#
tg_http() {
	local method=$1 url=$2
	shift 2
	TG_HEADERS=$TG_DIR/${TG_REPLY:-last}.headers
	TG_BODY=$TG_DIR/${TG_REPLY:-last}.body
	: >"$TG_HEADERS"
	: >"$TG_BODY"
	local -a m=(-X "$method")
	[ "$method" = HEAD ] && m=(--head)
	TG_STATUS=$(curl -sS --max-time 10 "${m[@]}" -o "$TG_BODY" \
	    -D "$TG_HEADERS" -w '%{http_code}' "$@" "$url" \
	    2>"$TG_DIR/${TG_REPLY:-last}.curl")
	[ -n "$TG_STATUS" ] || TG_STATUS=000
}

#
# tg_header NAME: prints the value of response header NAME of the last
# tg_http (case-insensitive, the first one), without the CR.
#
tg_header() {
	tr -d '\r' <"$TG_HEADERS" | awk -v n="$1" '
		BEGIN { n = tolower(n) }
		{
			i = index($0, ":")
			if (i > 0 && tolower(substr($0, 1, i - 1)) == n) {
				v = substr($0, i + 1)
				sub(/^[ \t]+/, "", v)
				print v
				exit
			}
		}'
}

#
# tg_fcgi CONNECT [ARG...]: sends one FastCGI request with
# tests/tools/fcgi-client --connect CONNECT ARG... (--role, --param,
# --param-x, --stdin-body ...; the plain build's client when there is one,
# so that a sanitizer build tests the programs rather than the client) and
# sets TG_STATUS, TG_HEADERS and TG_BODY as tg_http does (TG_REPLY too):
# TG_STATUS is the reply's Status header, 000 when there is none (or no
# reply at all).  TG_FCGI_RC is the client's exit status (0: the request
# ended cleanly).
#
tg_fcgi() {
	local raw=$TG_DIR/${TG_REPLY:-last}.fcgi line
	local bin=${TG_FCGI_CLIENT:-${TG__FCGI_BIN:-}}
	TG_HEADERS=$TG_DIR/${TG_REPLY:-last}.headers
	TG_BODY=$TG_DIR/${TG_REPLY:-last}.body
	# Few processes per request: suites send thousands, and the flood
	# test needs more than five a second.
	if [ -z "$bin" ]; then
		TG__FCGI_BIN=$(tg_fcgi_client)
		bin=$TG__FCGI_BIN
	fi
	"$bin" --connect "$@" >"$raw" \
	    2>"$TG_DIR/${TG_REPLY:-last}.fcgi.err"
	TG_FCGI_RC=$?
	# The head ends at the first empty line (CRLF or LF).
	sed '/^\r\{0,1\}$/q' "$raw" >"$TG_HEADERS"
	sed '1,/^\r\{0,1\}$/d' "$raw" >"$TG_BODY"
	TG_STATUS=000
	while IFS= read -r line; do
		if [[ $line =~ ^Status:\ ([0-9]{3}) ]]; then
			TG_STATUS=${BASH_REMATCH[1]}
			break
		fi
	done <"$TG_HEADERS"
	return 0
}

# tg_fcgi_client: prints the path of fcgi-client (see tg_fcgi).  A suite
# may set TG_FCGI_CLIENT to a private copy, safe from a rebuild.
tg_fcgi_client() {
	if [ -x "$TG_ROOT/build/tools/fcgi-client" ]; then
		echo "$TG_ROOT/build/tools/fcgi-client"
	else
		tg_tool fcgi-client
	fi
}

# tg_body: prints the body of the last response.
tg_body() { cat "$TG_BODY"; }

#
# tg_json FILTER [FILE]: prints jq -r FILTER of the last response body (or
# of FILE); prints nothing, and fails, when it is not JSON.
#
tg_json() { jq -r "$1" "${2:-$TG_BODY}" 2>/dev/null; }

# ---------------------------------------------------------------- checks

tg__short() {
	local s=${1//$'\r'/}
	s=${s//$'\n'/\\n}
	[ "${#s}" -gt 300 ] && s="${s:0:300}..."
	printf '%s' "$s"
}

# The last reply, for a failure message: "status S, body B".
tg__reply() {
	printf 'status %s, body %s' "${TG_STATUS:-none}" \
	    "$(tg__short "$(cat "${TG_BODY:-/dev/null}" 2>/dev/null)")"
}

#
# tg_pass NAME / tg_fail NAME [WHY]: one result, counted by tg_summary.
# Every tg_check* below ends in one of them.
#
tg_pass() {
	echo "ok - $1"
	TG_PASSED=$((TG_PASSED + 1))
}

tg_fail() {
	echo "not ok - $1${2:+ ($2)}"
	TG_FAILED=$((TG_FAILED + 1))
	return 1
}

# tg_check NAME EXPECTED ACTUAL: ACTUAL is EXPECTED, exactly.
tg_check() {
	if [ "$2" = "$3" ]; then
		tg_pass "$1"
	else
		tg_fail "$1" "expected $(tg__short "$2"), got $(tg__short "$3")"
	fi
}

# tg_check_contains NAME HAY NEEDLE: HAY holds NEEDLE (literally).
tg_check_contains() {
	if [[ $2 == *"$3"* ]]; then
		tg_pass "$1"
	else
		tg_fail "$1" "expected to contain $(tg__short "$3"), got $(tg__short "$2")"
	fi
}

# tg_check_absent NAME HAY NEEDLE: HAY does not hold NEEDLE.
tg_check_absent() {
	if [[ $2 != *"$3"* ]]; then
		tg_pass "$1"
	else
		tg_fail "$1" "expected no $(tg__short "$3"), got $(tg__short "$2")"
	fi
}

# tg_check_match NAME ERE ACTUAL: ACTUAL matches the extended regular
# expression ERE (anchor it with ^...$ to match all of it).
tg_check_match() {
	if [[ $3 =~ $2 ]]; then
		tg_pass "$1"
	else
		tg_fail "$1" "expected to match $(tg__short "$2"), got $(tg__short "$3")"
	fi
}

#
# tg_check_true NAME CMD [ARG...]: CMD exits 0.  For a claim that no
# other check states (a process has gone, a number is at least N); on
# failure the last reply is shown.
#
tg_check_true() {
	local name=$1
	shift
	if "$@"; then
		tg_pass "$name"
	else
		tg_fail "$name" "false: $(tg__short "$*"); last $(tg__reply)"
	fi
}

#
# tg_check_status NAME STATUS: the last reply's status is STATUS, or one
# of the alternatives STATUS lists ("400|413").
#
tg_check_status() {
	if [[ $TG_STATUS =~ ^($2)$ ]]; then
		tg_pass "$1"
	else
		tg_fail "$1" "expected status $2, got $(tg__reply)"
	fi
}

#
# tg_check_json NAME FILTER VALUE [FILE]: jq -r FILTER of the last body
# (or of FILE) is VALUE (a body that is not JSON fails).  A predicate is VALUE true:
#	tg_check_json "me" '.user == "alice" and (.roles | index("member"))' true
#
tg_check_json() {
	local got
	if ! got=$(jq -r "$2" "${4:-$TG_BODY}" 2>&1); then
		tg_fail "$1" "jq $2: $(tg__short "$got"); $(tg__reply)"
	elif [ "$got" = "$3" ]; then
		tg_pass "$1"
	else
		tg_fail "$1" "expected $2 = $(tg__short "$3"), got $(tg__short "$got"); $(tg__reply)"
	fi
}

#
# tg_check_reply NAME STATUS [JQ]: the last reply has status STATUS (or
# one of its alternatives, "400|413") and, when JQ is given and not
# empty, a JSON body for which jq -e JQ is true.
#
tg_check_reply() {
	if ! [[ $TG_STATUS =~ ^($2)$ ]]; then
		tg_fail "$1" "expected status $2, got $(tg__reply)"
	elif [ -z "${3:-}" ] || jq -e "$3" "$TG_BODY" >/dev/null 2>&1; then
		tg_pass "$1"
	else
		tg_fail "$1" "expected $(tg__short "$3"), got $(tg__reply)"
	fi
}

#
# tg_check_error NAME STATUS CODE [FIELD]: the last reply is an error of
# the shape README "Errors" documents: status STATUS and the JSON body
# {"error": CODE, "message": ..., "field": ...}, its field FIELD when
# given.
#
tg_check_error() {
	local want="status $2, error $3${4+, field $4}"
	if [ "$TG_STATUS" = "$2" ] && jq -e --arg c "$3" --arg f "${4-}" \
	    --arg any "${4+no}" '.error == $c and has("message") and
	    has("field") and ($any == "" or .field == $f)' "$TG_BODY" \
	    >/dev/null 2>&1; then
		tg_pass "$1"
	else
		tg_fail "$1" "expected $want, got $(tg__reply)"
	fi
}

#
# tg_check_line NAME LINE [FILE]: FILE (default: the last body; CRs
# removed) has LINE as a whole line, e.g. the echo backend's
# "REMOTE_USER=alice".
#
tg_check_line() {
	if tr -d '\r' <"${3:-$TG_BODY}" | grep -qxF -- "$2"; then
		tg_pass "$1"
	else
		tg_fail "$1" "no line $(tg__short "$2") in $(tg__short "$(tr -d '\r' <"${3:-$TG_BODY}")")"
	fi
}

#
# tg_check_gate NAME URL TOKEN STATUS [REASON]: one GET of URL through a
# web server with the authorizer in front, with "Authorization: Bearer
# TOKEN" (none when TOKEN is empty).  Checks "NAME: status" and, when
# REASON is given, "NAME: reason" (the authorizer's JSON body passed on:
# .reason); a denial also "NAME: backend not reached" (no FCGI_ROLE= line
# of tests/tools/echo-backend in the body).
#
tg_check_gate() {
	local name=$1 url=$2 tok=$3 want=$4 reason=${5:-}
	local -a h=()
	[ -n "$tok" ] && h=(-H "Authorization: Bearer $tok")
	tg_http GET "$url" "${h[@]}"
	tg_check_status "$name: status" "$want"
	[ -z "$reason" ] || tg_check_json "$name: reason" .reason "$reason"
	[ "$want" = 200 ] ||
	    tg_check_absent "$name: backend not reached" "$(tg_body)" "FCGI_ROLE="
}

# tg_skip NAME REASON: a check that cannot run here (not counted).
tg_skip() {
	echo "SKIP: $1: $2"
}

#
# tg_summary: prints "N passed, N failed" on its own line; returns 1 if
# anything failed (or nothing ran at all).
#
tg_summary() {
	echo "$TG_PASSED passed, $TG_FAILED failed"
	[ "$TG_FAILED" -eq 0 ] && [ "$TG_PASSED" -gt 0 ]
}
