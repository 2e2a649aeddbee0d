#!/usr/bin/env bash
#
# run-all.sh: runs every test suite in turn and adds up their results.
#
#   0. the lint (scripts/lint.sh: banned calls, the prefix rule, gcc and
#      clang warnings, cppcheck, bash -n), counted like a suite;
#   1. the unit-test binaries build/tests/test_* (and build-asan/tests/test_*
#      when the sanitizer build exists), then under valgrind, and the CLI
#      and both daemons under valgrind with real traffic
#      (tests/integration/valgrind_programs.sh);
#   2. every tests/integration/test_*.sh, against the programs of
#      $TG_BUILD (default: build-asan when it holds the programs, so that
#      real traffic runs under ASan+UBSan; otherwise build);
#   3. the soak (tests/soak/soak.sh) for 60 s against build/.
#
# Every suite ends with a line "... N passed, N failed"; this script prints
# each suite's result and, as its very last line, the total
# "N passed, N failed".  A suite that exits non-zero, crashes, times out
# or prints no such line counts as (at least) one failure.  The exit
# status is non-zero when anything failed.
#
# TG_SUITE_TIMEOUT (seconds, default 900) bounds each suite.
set -u
cd "$(dirname "$0")/.." || exit 2

if [ -z "${TG_BUILD:-}" ]; then
	if [ -x build-asan/tokengate-authz ]; then
		TG_BUILD=build-asan
	else
		TG_BUILD=build
	fi
fi
export TG_BUILD
timeout_s=${TG_SUITE_TIMEOUT:-900}
out=$(mktemp /tmp/tg-run-all.XXXXXX) || exit 2
trap 'rm -f "$out"' EXIT

total_p=0
total_f=0
results=()

# run_suite NAME CMD...: runs one suite, its output to the terminal and to
# $out, and records its result.
run_suite() {
	local name=$1 rc line p f
	shift
	echo "=== $name"
	timeout -k 30 "$timeout_s" "$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
	else
		p=0 f=0
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# crashed, timed out or failed without saying so
	fi
	total_p=$((total_p + p))
	total_f=$((total_f + f))
	case $rc in
	0) results+=("$name: $p passed, $f failed") ;;
	124) results+=("$name: $p passed, $f failed (TIMED OUT after ${timeout_s}s)") ;;
	*) results+=("$name: $p passed, $f failed (exit status $rc)") ;;
	esac
}

# The lint builds in build-lint*/ of its own and reads only sources.
run_suite "lint (scripts/lint.sh)" bash scripts/lint.sh

for dir in build build-asan; do
	for t in "$dir"/tests/test_*; do
		[ -x "$t" ] || continue
		run_suite "unit $t" "$t"
	done
done
# The unit tests once more under valgrind: any leak or invalid access fails.
if command -v valgrind >/dev/null 2>&1; then
	for t in build/tests/test_*; do
		[ -x "$t" ] || continue
		run_suite "valgrind $t" valgrind -q --error-exitcode=9 \
		    --leak-check=full --show-leak-kinds=definite,indirect,possible \
		    --errors-for-leak-kinds=definite,indirect,possible "$t"
	done
	# The CLI and both daemons under valgrind with real traffic (once: it
	# always uses the plain build/).
	if [ -x build/tokengate-authz ]; then
		run_suite "valgrind: CLI and daemons (build)" \
		    bash tests/integration/valgrind_programs.sh
	fi
else
	echo "SKIP: valgrind is not installed: unit tests not run under valgrind" >&2
	results+=("valgrind: SKIPPED (not installed)")
fi
# Every integration suite against the sanitizer build (when there is one)
# and the plain build, which is what users run.
builds=$TG_BUILD
[ "$TG_BUILD" != build ] && [ -z "${TG_ONLY_BUILD:-}" ] && builds="$TG_BUILD build"
for b in $builds; do
	for t in tests/integration/test_*.sh; do
		[ -f "$t" ] || continue
		run_suite "integration $t ($b)" env TG_BUILD="$b" bash "$t"
	done
done
# The soak, short (TG_SOAK_SECONDS, default 60; `make soak` runs 600 s),
# against the plain build only: its RSS check would measure ASan's
# quarantine, not the program.
if [ -x build/tokengate-authz ] && command -v wrk >/dev/null 2>&1; then
	run_suite "soak (${TG_SOAK_SECONDS:-60}s, build)" env TG_BUILD=build \
	    SOAK_SECONDS="${TG_SOAK_SECONDS:-60}" bash tests/soak/soak.sh
else
	echo "SKIP: soak: needs build/tokengate-authz and wrk" >&2
	results+=("soak: SKIPPED (no build/ or no wrk)")
fi
# Each libFuzzer target for a short time; a crash fails the run.
if ls build-fuzz/fuzz_* >/dev/null 2>&1; then
	run_suite "fuzz (${TG_FUZZ_SECONDS:-15}s each)" bash tests/fuzz/run.sh \
	    "${TG_FUZZ_SECONDS:-15}" build-fuzz/fuzz_*
else
	echo "SKIP: no fuzz targets built (make fuzz-bins needs clang)" >&2
	results+=("fuzz: SKIPPED (not built)")
fi

echo
echo "=== results"
for r in "${results[@]}"; do
	echo "$r"
done
[ "${#results[@]}" -gt 0 ] || total_f=$((total_f + 1))
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
