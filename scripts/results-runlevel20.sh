#!/bin/sh
# Reproduces the twenty-seed run-level table of docs/results.md ("Twenty seeds"): per
# workflow gnnrun, ganttcnn and gbdt with --task run over seeds 0-19 (seeds 0-4 are the splits
# of the five-seed tables), each seed's verdicts written to OUT_DIR/W.csv, then the peer of
# ../shared/BASELINES.md refitted on the same splits by scripts/runlevel_peer.py, with every
# delay's ratio and with the runtime's alone. About 45 minutes on two cores.
# Usage: scripts/results-runlevel20.sh [FLOWBENCH_ROOT] [OUT_DIR] > out.txt
set -eu
root=${1:-../shared/data/flowbench}
out=${2:-runlevel20}
bin=${WFAD_BIN:-build/wfad}
workflows=${WORKFLOWS:-"1000genome montage predict_future_sales somospie eht_imaging"}
mkdir -p "$out"
for w in $workflows; do
	"$bin" eval "$root" -w "$w" -d gnnrun,ganttcnn,gbdt --task run --seeds 20 \
		--predictions "$out/$w.csv"
	for ratios in all runtime; do
		echo "$w: peer with --ratios $ratios"
		/usr/bin/python3 scripts/runlevel_peer.py "$out/$w.csv" "$root" --ratios "$ratios" |
			tail -n 4
	done
done
