#!/bin/sh
# Reproduces the active-learning figures of docs/results.md: gcn and mlp on 1000genome,
# montage and predict_future_sales; random vs entropy vs anomaly-targeting; burn-in 10, 10
# rounds of 5 runs, 5 seeds. Curves and plots go to OUT (default /tmp/wfad-active).
# Usage: scripts/results-active.sh [FLOWBENCH_ROOT] > summary.txt
set -eu
root=${1:-../shared/data/flowbench}
bin=${WFAD_BIN:-build/wfad}
out=${OUT:-/tmp/wfad-active}
mkdir -p "$out"
for w in ${WORKFLOWS:-1000genome montage predict_future_sales}; do
	for d in ${DETECTORS:-gcn mlp}; do
		echo "## $w, $d"
		# gcn with the schedule these figures were measured with (session 6 moved its
		# default to --stop-on auc --patience 60 --epochs 600, session 9 to 5 nets)
		sched=""
		[ "$d" = gcn ] && sched="--stop-on loss --patience 30 --epochs 300 --nets 1"
		# shellcheck disable=SC2086
		"$bin" active "$root" -w "$w" -d "$d" --features context $sched \
			--strategy random,entropy,anomaly-targeting --burn-in 10 --rounds 10 \
			--per-round 5 --seeds 5 -o "$out/$w-$d.csv" --plot "$out/$w-$d.png"
		echo
	done
done
