#!/bin/sh
# Regenerates tests/golden/<case>/expected from tests/golden/<case>/args with the built CLI.
# Review the diff (git diff tests/golden) before committing.
set -eu
bin=${WFAD_BIN:-build/wfad}
export WFAD_BIN="$bin" # cases that run several commands name the binary as $WFAD_BIN
for dir in tests/golden/*/; do
	args=$(cat "$dir/args")
	set +e
	out=$(sh -c "$bin $args" 2>&1)
	rc=$?
	set -e
	printf '%s\n[exit %d]\n' "$out" "$rc" > "$dir/expected"
done
echo "golden files refreshed; review with: git diff tests/golden"
