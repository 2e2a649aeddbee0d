#!/usr/bin/env bash
#
# lint.sh: the checks a compiler run does not make (make lint; make test
# runs it as its first suite through tests/run-all.sh).
#
#   1. banned calls: none of the calls curl's checker bans, nor strtok and
#      strncpy, in the C sources of lib/ fcgi/ cli/ tests/; a call that
#      has to stay is listed with its reason in scripts/lint-allow.txt,
#      and an entry there that matches nothing fails too;
#   2. the prefix rule: every symbol that lib/X.c's object exports is
#      tg_X or starts with tg_X_ (nm -g --defined-only on the objects of
#      a build of its own in build-lint/); a violation prints as
#      "lib/X.c: symbol";
#   3. warnings: everything (programs, tools, unit tests, the benchmark
#      client) builds with the Makefile's WARN set, -Werror included,
#      under gcc (build-lint/) and under clang (build-lint-clang/);
#   4. cppcheck, when installed, on lib/ fcgi/ cli/ (warning, portability
#      and performance classes; the style class mostly asks for
#      declarations in inner scopes, which style.md does not want), with
#      the suppressions of scripts/cppcheck.supp, each with its reason;
#   5. bash -n on every shell script, since some (the benchmark) are too
#      slow to run on every change, and shellcheck's errors (-S error;
#      its warnings are mostly unused variables) when it is installed.
#
# Output: "ok - ..." / "not ok - ..." per check, then "N passed, N
# failed"; the exit status is non-zero when a check failed.
# LINT_CC (default gcc) and LINT_CLANG (default clang) name the compilers.
set -u
cd "$(dirname "$0")/.." || exit 2

passed=0
failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
notok() { echo "not ok - $1"; failed=$((failed + 1)); }
# check NAME DETAILS: passes when DETAILS (the violations) is empty.
check() {
	if [ -z "$2" ]; then
		ok "$1"
	else
		notok "$1"
		printf '%s\n' "$2" | sed 's/^/#   /'
	fi
}

csrc=$(ls lib/*.[ch] fcgi/*.[ch] cli/*.[ch] tests/*/*.[ch] 2>/dev/null)

# --- 1. banned calls --------------------------------------------------------
#
# The sources without comments and string or character literals (newlines
# kept, so line numbers hold); then "NAME (" where NAME is a whole word.
banned="sprintf vsprintf strcpy strcat strncpy strncat gets atoi atol atoll
atof strtok tmpnam tempnam mktemp"
allow=scripts/lint-allow.txt
strip() {
	perl -0777 -pe 's{/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|'"'"'(?:\\.|[^'"'"'\\\n])*'"'"'}{
	    my $m = $&; $m =~ s/[^\n]//g; $m }gse' "$1"
}
hits=$(for f in $csrc; do
	strip "$f" | grep -noE "\<($(echo $banned | tr ' ' '|'))[[:space:]]*[(]" |
	    sed "s|^|$f:|; s/[[:space:]]*(\$//"
done)
# scripts/lint-allow.txt: "FILE: CALL: reason", one a line, # comments.
allowed=$(grep -v '^[[:space:]]*\(#\|$\)' "$allow" 2>/dev/null |
    awk -F': *' '{ print $1 ":" $2 }')
for b in $banned; do
	bad=$(printf '%s\n' "$hits" | awk -F: -v b="$b" '$3 == b' |
	    while IFS=: read -r f line call; do
		printf '%s\n' "$allowed" | grep -qxF "$f:$call" ||
		    echo "$f:$line: $call"
	    done)
	check "no $b() in lib fcgi cli tests (or allowed with a reason)" "$bad"
done
stale=$(printf '%s\n' "$allowed" | while IFS=: read -r f call; do
	[ -n "$f" ] || continue
	printf '%s\n' "$hits" | awk -F: -v f="$f" -v c="$call" \
	    '$1 == f && $3 == c { found = 1 } END { exit !found }' ||
	    echo "$allow: $f: $call matches no call"
done)
check "every entry of $allow matches a call" "$stale"

# --- 3. (first, since 2 reads its objects) warnings under gcc and clang ----
#
# One build per compiler in a directory of its own, so neither touches
# build/; make keeps them incremental.  WARN holds -Werror, so a warning
# fails the build; "warning:" lines (the linker's) fail the check too.
nb=$(nproc 2>/dev/null || echo 2)
[ "$nb" -gt 2 ] && nb=2
build() {	# build DIR CC: prints the compiler's complaints
	local dir=$1 cc=$2 log
	log=$(make -s -k -j"$nb" -O CC="$cc" BUILD="$dir" all unit-bins tools \
	    "$dir/bench/bench-tokens" 2>&1) || echo "make failed"
	printf '%s\n' "$log" | grep -E 'error|warning' | grep -v '^make'
}
for c in "build-lint ${LINT_CC:-gcc}" "build-lint-clang ${LINT_CLANG:-clang}"; do
	set -- $c
	if command -v "$2" >/dev/null 2>&1; then
		check "no warning from $2 with the Makefile's WARN (-Werror) in $1/" \
		    "$(build "$1" "$2")"
	else
		notok "no warning from $2: $2 is not installed"
	fi
done

# --- 2. the prefix rule -----------------------------------------------------
for f in lib/*.c; do
	x=$(basename "$f" .c)
	o=build-lint/obj/lib/$x.o
	if [ ! -f "$o" ]; then
		notok "$f exports only tg_${x}_*: no object $o (the gcc build failed)"
		continue
	fi
	check "$f exports only tg_$x and tg_${x}_*" "$(nm -g --defined-only "$o" |
	    awk -v f="$f" -v x="tg_$x" \
	    '$3 != x && index($3, x "_") != 1 { print f ": " $3 }')"
done

# --- 4. cppcheck ------------------------------------------------------------
if command -v cppcheck >/dev/null 2>&1; then
	check "cppcheck: lib fcgi cli" "$(cppcheck -q --std=c11 \
	    --enable=warning,portability,performance --inline-suppr \
	    --suppressions-list=scripts/cppcheck.supp -Ilib -Ifcgi \
	    -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE lib fcgi cli 2>&1)"
else
	echo "SKIP: cppcheck is not installed"
fi

# --- 5. shell syntax --------------------------------------------------------
bad=$(for s in scripts/*.sh tests/*.sh tests/*/*.sh; do
	bash -n "$s" 2>&1 || echo "$s: bash -n failed"
done)
check "bash -n on scripts/ and tests/" "$bad"
if command -v shellcheck >/dev/null 2>&1; then
	check "shellcheck -S error on scripts/ and tests/" \
	    "$(shellcheck -S error scripts/*.sh tests/*.sh tests/*/*.sh 2>&1)"
else
	echo "SKIP: shellcheck is not installed"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
