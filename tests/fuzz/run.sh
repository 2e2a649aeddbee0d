#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS on a temporary copy of its seed
# corpus (tests/fuzz/corpus/<target>/), so the repository stays clean.
# A crash, leak or sanitizer report fails the run and leaves the
# reproducer in the printed directory.  Prints "N passed, N failed".
set -u
secs=$1
shift
pass=0
fail=0
work=$(mktemp -d /tmp/tgfuzz.XXXXXX)
for bin in "$@"; do
	name=$(basename "$bin")
	corpus="$work/$name"
	mkdir -p "$corpus"
	seeds="tests/fuzz/corpus/$name"
	[ -d "$seeds" ] && cp "$seeds"/* "$corpus"/ 2>/dev/null
	log="$work/$name.log"
	if "$bin" -max_total_time="$secs" -max_len=16384 -timeout=10 \
	    -rss_limit_mb=2048 -artifact_prefix="$work/$name-" \
	    -print_final_stats=1 "$corpus" >"$log" 2>&1; then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
		echo "ok - fuzz $name: ${secs}s, ${runs:-?} inputs, no crash"
		pass=$((pass + 1))
	else
		echo "not ok - fuzz $name: crashed; log and reproducer in $work"
		tail -30 "$log"
		fail=$((fail + 1))
	fi
done
[ $fail -eq 0 ] && rm -rf "$work"
echo "fuzz: $pass passed, $fail failed"
[ $fail -eq 0 ]
