#!/bin/sh
# Runs each unit-test binary given; exits non-zero if any failed or crashed.
rc=0
for t in "$@"; do
	"$t" || { echo "unit test $t FAILED (exit $?)" >&2; rc=1; }
done
exit $rc
