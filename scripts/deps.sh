#!/bin/sh
# Installs the Debian packages tokengate builds and tests with (and any
# named as arguments), when any is missing.  As root it runs 'apt-get update' once and 'apt-get install -y';
# otherwise it prints the command to run and fails.  Services that the
# packages would start (apache2, lighttpd, mariadb) are not needed: the
# tests and the demo start their own private instances on free ports.
set -eu

PKGS="build-essential pkg-config libfcgi-dev libmariadb-dev libssl-dev
libjson-c-dev mariadb-server mariadb-client lighttpd apache2
libapache2-mod-fcgid curl procps iproute2 valgrind clang libclang-rt-14-dev
wrk libaprutil1-dbd-mysql spawn-fcgi nginx-light apache2-utils python3 jq
cppcheck shellcheck"
# More packages for one target (make profile: strace linux-perf).
PKGS="$PKGS $*"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "tokengate: these Debian packages are missing:$missing" >&2
	echo "tokengate: run as root:  apt-get update && apt-get install -y$missing" >&2
	echo "tokengate: (or run 'make test' / 'make run' as root, which does it)" >&2
	exit 1
fi

echo "tokengate: installing missing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
# Keep package scripts from starting system-wide apache2, lighttpd and
# mariadb on port 80/3306 as a side effect; we never use those instances.
# An existing policy-rc.d is left alone.
own_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	own_policy=1
fi
rc=0
apt-get update -q || rc=$?
if [ $rc -eq 0 ]; then
	apt-get install -y -q --no-install-recommends $missing || rc=$?
fi
[ $own_policy -eq 1 ] && rm -f /usr/sbin/policy-rc.d
exit $rc
